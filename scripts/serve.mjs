/**
 * The token dashboard's local server: the Tokens API emulator, plus one HTTP server that serves
 * `www/` at `/` (the live map page `www/map.html` at `/map`), the built package `pkg/` at `/pkg/`,
 * MapLibre GL JS's files at `/node_modules/maplibre-gl/dist/`, `/config.json` (the emulator's origin
 * and admin token, so that the page can fill in its connect form), and, for the map page, a token
 * broker at `/mapbox-token` (the package's TokenBroker, handing out temporary tokens of the
 * emulator's admin account) and `POST /expire-now` (moves the emulator's clock past the end of the
 * broker's token). Plain Node, no dependencies. `scripts/start.mjs` (`make start`) and the
 * dashboard's end-to-end tests use it.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/index.mjs';
import { CONTENT_TYPES } from './content-types.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** URL prefix → folder it serves; the first matching prefix wins, so `/pkg/` comes before `/`. */
const MOUNTS = [
  ['/pkg/', join(ROOT, 'pkg')],
  // The map page's own copy of MapLibre GL JS (its module worker is loaded from the same folder).
  ['/node_modules/maplibre-gl/dist/', join(ROOT, 'node_modules', 'maplibre-gl', 'dist')],
  ['/', join(ROOT, 'www')],
];
/** Pages served at a path of their own: `/map` is `www/map.html`. */
const PAGES = { '/map': '/map.html' };
/** What the map page's tokens may do: show the emulator's styles and tiles. */
const MAP_SCOPES = ['styles:read', 'styles:tiles', 'fonts:read'];
/** How long the map page's tokens last (seconds): long enough to watch, short enough to see one end. */
const MAP_TOKEN_LIFE = 300;


// Forms are handled by script: `form-action 'none'` makes sure none is ever submitted natively
// (which would put its fields in a URL). The API origin is the user's choice: any https origin,
// or plain http on loopback (all the package accepts).
const SECURITY_HEADERS = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "img-src 'self' data:",
    "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/**
 * @typedef {object} DashboardOptions
 * @property {number} [port=8080] the dashboard's port (0 picks a free one)
 * @property {string} [host='127.0.0.1'] the address both servers listen on
 * @property {number} [emulatorPort=0] the emulator's port (0 picks a free one)
 * @property {string} [dataFile] the emulator's state file, so that state survives restarts
 * @property {boolean} [hooks=false] serve the emulator's `/__emulator/` test hooks
 * @property {{limit?: number, interval?: number} | false} [rateLimit] the emulator's rate limit
 */

/**
 * Starts the emulator and the dashboard's static server.
 * @param {DashboardOptions} [options]
 * @returns {Promise<{url: string, emulatorUrl: string, adminToken: string, username: string,
 *   close: () => Promise<void>}>} `url` is the dashboard's, ending in `/`
 * @throws the listen error (e.g. `code: 'EADDRINUSE'`) when the port is taken; nothing is left running
 */
export async function startDashboard({ port = 8080, host = '127.0.0.1', emulatorPort = 0, dataFile, hooks = false, rateLimit } = {}) {
  let config = null;
  /** @type {{ emulator: any, broker: any, origin: string } | null} what the map page's routes use */
  let map = null;
  const server = createServer((req, res) => {
    serve(req, res, config, map).catch(() => {
      if (res.headersSent) res.destroy();
      else reply(res, 500, 'Internal server error');
    });
  });
  server.listen(port, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  const closeServer = () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    return closed;
  };

  let emulator;
  try {
    if (dataFile) await mkdir(dirname(dataFile), { recursive: true });
    emulator = await startEmulator({ host, port: emulatorPort, dataFile, hooks, ...(rateLimit === undefined ? {} : { rateLimit }) });
  } catch (err) {
    await closeServer();
    throw err;
  }
  config = JSON.stringify({ origin: emulator.url, accessToken: emulator.adminToken, local: true });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}/`;
  map = { emulator, broker: mapBroker(emulator, new URL(url).origin), origin: new URL(url).origin };

  return {
    url,
    emulatorUrl: emulator.url,
    adminToken: emulator.adminToken,
    username: emulator.username,
    async close() {
      map.broker.close?.();
      await Promise.all([closeServer(), emulator.close()]);
    },
  };
}

/**
 * The map page's token broker: temporary tokens of the emulator's admin account, for pages of the
 * dashboard's own origin (the package's TokenBroker, from the built package's Node build).
 * @param {{ url: string, adminToken: string }} emulator
 * @param {string} origin the dashboard's origin
 */
function mapBroker(emulator, origin) {
  const { TokenBroker } = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node', 'mapbox_tokens.cjs'));
  return new TokenBroker({
    accessToken: emulator.adminToken,
    origin: emulator.url,
    scopes: MAP_SCOPES,
    expires: MAP_TOKEN_LIFE,
    allowedOrigins: [origin],
  });
}

/**
 * The map page's routes: the broker at `/mapbox-token`, and `POST /expire-now`, which moves the
 * emulator's clock one second past the end of the broker's current token (the emulator runs in
 * this process: its clock is set directly, the test hooks need not be on). Both answer only
 * requests addressed to a loopback name; `/expire-now` only the dashboard's own pages
 * (`Sec-Fetch-Site: same-origin`, or its own `Origin`), so that no other site can move the clock.
 * @returns {Promise<boolean>} whether the request was one of them
 */
async function serveMap(req, res, path, map) {
  if (path !== '/mapbox-token' && path !== '/expire-now') return false;
  if (!map || !LOOPBACK_HOST.test(req.headers.host ?? '')) {
    reply(res, 404, 'Not found');
    return true;
  }
  const { emulator, broker, origin } = map;
  const apiNow = () => Date.now() + emulator.clockOffset;
  if (path === '/mapbox-token') {
    // The dashboard and its emulator are one local system: its answers are dated on the emulator's
    // clock, against which a page counts the time its token has left (the token's `expires`).
    res.setHeader('Date', new Date(apiNow()).toUTCString());
    broker.node(req, res);
    return true;
  }
  const own = req.headers['sec-fetch-site'] === 'same-origin' || req.headers.origin === origin;
  if (req.method !== 'POST') {
    reply(res, 405, 'Method not allowed', { Allow: 'POST' });
  } else if (!own) {
    reply(res, 403, 'Only the dashboard\'s own pages may move the emulator\'s clock');
  } else {
    const { expires } = await broker.token();
    const jump = Math.max(0, Date.parse(expires) - apiNow()) + 1_000;
    emulator.setClockOffset(emulator.clockOffset + jump);
    reply(res, 200, JSON.stringify({ jumped: jump, ended: expires }), { 'Content-Type': CONTENT_TYPES['.json'] });
  }
  return true;
}

async function serve(req, res, config, map) {
  const path = req.url.split('?')[0];
  if (await serveMap(req, res, path, map)) return;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    reply(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  if (path === '/config.json') {
    // Only to pages loaded from a loopback name: not to a DNS-rebound foreign host name.
    if (config && LOOPBACK_HOST.test(req.headers.host ?? '')) {
      reply(res, 200, config, { 'Content-Type': CONTENT_TYPES['.json'] });
    } else {
      reply(res, 404, 'Not found');
    }
    return;
  }
  const file = await resolveFile(PAGES[path] ?? path);
  if (!file) {
    reply(res, 404, 'Not found');
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': file.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * The file a URL path names, or null. Each segment is decoded on its own; any segment that is
 * empty (`//`), starts with a dot (`.`, `..`, `%2e%2e`, dotfiles) or decodes to a separator or NUL
 * is refused, and the real path (symlinks followed) must stay inside the mount's folder.
 * A folder serves its `index.html`.
 */
async function resolveFile(path) {
  const [prefix, root] = MOUNTS.find(([p]) => path.startsWith(p)) ?? [];
  if (!prefix) return null;
  const segments = [];
  for (const raw of path.slice(prefix.length).split('/')) {
    let segment;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment.startsWith('.') || /[/\\\0:]/.test(segment)) return null;
    segments.push(segment);
  }
  // Only the last segment may be empty: a trailing slash names a folder.
  if (segments.slice(0, -1).includes('')) return null;
  try {
    const realRoot = await realpath(root);
    let file = await realpath(join(root, ...segments));
    let info = await stat(file);
    if (info.isDirectory()) {
      file = await realpath(join(file, 'index.html'));
      info = await stat(file);
    }
    if (!file.startsWith(realRoot + sep) || !info.isFile()) return null;
    return { path: file, size: info.size };
  } catch {
    return null;
  }
}

// Node sends no body in answer to HEAD.
function reply(res, status, body, headers = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}
