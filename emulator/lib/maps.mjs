/**
 * Map endpoints, enough for a Mapbox GL JS or MapLibre GL JS map: a style, a TileJSON and
 * generated raster tiles, each checking its `access_token` as the Mapbox APIs do.
 */
import { ApiError } from './http.mjs';
import { encodePng } from './png.mjs';

/** The tileset every style of the emulator shows. */
export const TILESET = 'emulator.raster';
const MAX_ZOOM = 22;
const TILE_SIZE = 256;
const TILE_CACHE_LIMIT = 512;
const WORLD_BOUNDS = [-180, -85.0511, 180, 85.0511];
// Answers change with the token's validity and the emulator's clock: no cache may keep them.
const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The map routes. They are not rate-limited (the Tokens API's 100 requests a minute would stop a
 * map after a few screens of tiles).
 * @type {import('./http.mjs').Route[]}
 */
export const MAP_ROUTES = [
  { pattern: /^\/styles\/v1\/([^/]+)\/([^/]+)$/, methods: { GET: style }, rateLimited: false },
  { pattern: /^\/v4\/([^/]+)\.json$/, methods: { GET: tileJson }, rateLimited: false },
  { pattern: /^\/v4\/([^/]+)\/(\d{1,2})\/(\d{1,8})\/(\d{1,8})(@2x)?\.png$/, methods: { GET: tile }, rateLimited: false },
];

/**
 * Checks a map request's `access_token`: present (else 401 `Not Authorized - No Token`), valid
 * (else 401 `Not Authorized - Invalid Token`: malformed, unknown, deleted, or a tk past its expiry
 * on the emulator's clock), holding `scope` (else 403 `Forbidden`), and, for a token with URL
 * restrictions, sent from an allowed URL (the `Referer`; else 403 `Forbidden`).
 * @param {import('./api.mjs').Context & {headers: import('node:http').IncomingHttpHeaders}} ctx
 * @param {string} scope
 * @returns {import('./state.mjs').TokenCheck}
 */
function authorizeMap(ctx, scope) {
  if (!ctx.auth) throw new ApiError(401, 'Not Authorized - No Token', NO_STORE);
  if (ctx.auth.code !== 'TokenValid') throw new ApiError(401, 'Not Authorized - Invalid Token', NO_STORE);
  if (!ctx.auth.scopes.includes(scope)) throw new ApiError(403, 'Forbidden', NO_STORE);
  if (ctx.auth.allowedUrls && !refererAllowed(ctx.headers.referer, ctx.auth.allowedUrls)) {
    throw new ApiError(403, 'Forbidden', NO_STORE);
  }
  return ctx.auth;
}

/**
 * Whether a `Referer` matches one of a token's allowed URLs: it starts with it (an allowed URL
 * without a scheme matches http and https), up to the end or a `/`, `?` or `#`, so that
 * `https://example.com` allows `https://example.com/map` but not `https://example.com.evil`.
 * @param {string|undefined} referer
 * @param {string[]} allowedUrls
 * @returns {boolean}
 */
export function refererAllowed(referer, allowedUrls) {
  if (!referer) return false;
  const bare = referer.replace(/^https?:\/\//i, '');
  return allowedUrls.some((allowed) => {
    const subject = /^https?:\/\//i.test(allowed) ? referer : bare;
    if (!subject.startsWith(allowed)) return false;
    const next = subject[allowed.length];
    return next === undefined || allowed.endsWith('/') || '/?#'.includes(next);
  });
}

// A style of the token's account or of `mapbox` (whose styles are public): one raster source, the
// emulator's TileJSON on the origin the request was sent to, over a background.
function style(ctx) {
  const auth = authorizeMap(ctx, 'styles:read');
  const [owner, styleId] = ctx.params;
  if (owner !== auth.user && owner !== 'mapbox') throw new ApiError(404, 'Style not found', NO_STORE);
  const body = {
    version: 8,
    name: `Emulator ${styleId}`,
    id: styleId,
    owner,
    center: [0, 0],
    zoom: 1,
    sources: {
      emulator: { type: 'raster', url: `${ctx.baseUrl}/v4/${TILESET}.json`, tileSize: TILE_SIZE },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#e8eef2' } },
      { id: 'tiles', type: 'raster', source: 'emulator' },
    ],
  };
  return { status: 200, body, headers: NO_STORE };
}

function tileJson(ctx) {
  authorizeMap(ctx, 'styles:tiles');
  const [tileset] = ctx.params;
  const body = {
    tilejson: '2.2.0',
    id: tileset,
    name: tileset,
    description: 'Generated raster tiles of the mapbox-tokens emulator',
    attribution: 'mapbox-tokens emulator',
    scheme: 'xyz',
    tiles: [`${ctx.baseUrl}/v4/${encodeURIComponent(tileset)}/{z}/{x}/{y}.png`],
    minzoom: 0,
    maxzoom: MAX_ZOOM,
    bounds: WORLD_BOUNDS,
    center: [0, 0, 1],
  };
  return { status: 200, body, headers: NO_STORE };
}

function tile(ctx) {
  authorizeMap(ctx, 'styles:tiles');
  const [, zText, xText, yText, retina] = ctx.params;
  const [z, x, y] = [zText, xText, yText].map(Number);
  if (z > MAX_ZOOM || x >= 2 ** z || y >= 2 ** z) throw new ApiError(404, 'Tile not found', NO_STORE);
  const scale = retina ? 2 : 1;
  return { status: 200, bytes: tilePng(z, x, y, scale), headers: { 'content-type': 'image/png', ...NO_STORE } };
}

const tileCache = new Map();

/**
 * A tile's PNG: a colour of its own (from z, x and y, so that neighbours differ) framed by a
 * darker border, `256 * scale` pixels square. The last 512 are cached.
 * @param {number} z
 * @param {number} x
 * @param {number} y
 * @param {1|2} scale
 * @returns {Buffer}
 */
export function tilePng(z, x, y, scale) {
  const key = `${z}/${x}/${y}@${scale}`;
  let png = tileCache.get(key);
  if (!png) {
    png = drawTile(z, x, y, TILE_SIZE * scale, 2 * scale);
    if (tileCache.size >= TILE_CACHE_LIMIT) tileCache.delete(tileCache.keys().next().value);
    tileCache.set(key, png);
  }
  return png;
}

function drawTile(z, x, y, size, border) {
  const hue = (((x * 73856093) ^ (y * 19349663) ^ (z * 83492791)) >>> 0) % 360;
  const fill = hslToRgb(hue, 0.45, 0.8);
  const edge = hslToRgb(hue, 0.45, 0.5);
  const edgeRow = Buffer.alloc(size * 3);
  const fillRow = Buffer.alloc(size * 3);
  for (let i = 0; i < size; i += 1) {
    edgeRow.set(edge, i * 3);
    fillRow.set(i < border || i >= size - border ? edge : fill, i * 3);
  }
  const rgb = Buffer.alloc(size * size * 3);
  for (let row = 0; row < size; row += 1) {
    (row < border || row >= size - border ? edgeRow : fillRow).copy(rgb, row * size * 3);
  }
  return encodePng(size, size, rgb);
}

function hslToRgb(hue, saturation, lightness) {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n) => {
    const k = (n + hue / 30) % 12;
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}
