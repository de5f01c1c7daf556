// Issue 20, item 3: map endpoints (a style, a TileJSON, raster tiles) that check the access token
// as the Mapbox APIs do, on the emulator's clock.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';
import { startEmulator } from '../index.mjs';
import { ROOT, launchChromium, serveStatic } from '../../test/support.mjs';
import { assertError, call, noChromium, start, tempDir } from './helpers.mjs';

const PNG_SIGNATURE = '89504e470d0a1a0a';
const STYLE = '/styles/v1/demo/streets-v12';
const TILEJSON = '/v4/emulator.raster.json';
const TILE = '/v4/emulator.raster/3/2/5.png';
const ENDPOINTS = [STYLE, TILEJSON, TILE];

/** The default public token of the first account (every public scope, styles:read and styles:tiles among them). */
const defaultToken = (emulator) => emulator.state.tokenString(emulator.state.tokensOf('demo').find((t) => t.default));

/** GETs a URL and reads the answer as bytes. */
async function getBytes(url, headers = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Checks a PNG's signature, the CRC of each chunk, and its header; returns {width, height, pixels}. */
function readPng(bytes) {
  assert.equal(bytes.subarray(0, 8).toString('hex'), PNG_SIGNATURE);
  const chunks = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const typed = bytes.subarray(at + 4, at + 8 + length);
    assert.equal(bytes.readUInt32BE(at + 8 + length), crc32(typed), 'chunk CRC');
    chunks.push({ type: typed.subarray(0, 4).toString('latin1'), data: typed.subarray(4) });
    at += 12 + length;
  }
  assert.deepEqual([chunks[0].type, chunks.at(-1).type], ['IHDR', 'IEND']);
  const header = chunks[0].data;
  const [width, height] = [header.readUInt32BE(0), header.readUInt32BE(4)];
  assert.deepEqual([...header.subarray(8)], [8, 2, 0, 0, 0], '8-bit RGB, not interlaced');
  const pixels = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  assert.equal(pixels.length, (width * 3 + 1) * height);
  return { width, height, pixels };
}

/** The colour of the pixel in the middle of a decoded tile (its rows are unfiltered). */
function middleColour({ width, height, pixels }) {
  const at = Math.floor(height / 2) * (width * 3 + 1) + 1 + Math.floor(width / 2) * 3;
  return [...pixels.subarray(at, at + 3)];
}

test('style, TileJSON and tiles answer 200 with a valid token; the style leads to the emulator own tiles', async (t) => {
  const emulator = await start(t);
  const token = defaultToken(emulator);
  const style = await call(emulator, 'GET', STYLE, { token });
  assert.equal(style.status, 200, style.text);
  assert.equal(style.body.version, 8);
  const [source] = Object.values(style.body.sources);
  assert.equal(source.type, 'raster');
  assert.equal(source.url, `${emulator.url}/v4/emulator.raster.json`);
  assert.ok(style.body.layers.some((layer) => layer.type === 'raster' && style.body.sources[layer.source] === source));
  assert.ok(!style.text.includes(token), 'the style does not repeat the token');

  // Follow the style as a map would: its TileJSON, then a tile of its template.
  const tileJson = await call(emulator, 'GET', new URL(source.url).pathname, { token });
  assert.equal(tileJson.status, 200, tileJson.text);
  assert.match(tileJson.body.tilejson, /^(2\.2\.0|3\.0\.0)$/);
  assert.deepEqual(tileJson.body.tiles, [`${emulator.url}/v4/emulator.raster/{z}/{x}/{y}.png`]);
  const url = (z, x, y, suffix = '') =>
    `${tileJson.body.tiles[0].replace('{z}', z).replace('{x}', x).replace('{y}', y).replace('.png', `${suffix}.png`)}?access_token=${token}`;
  const tile = await getBytes(url(3, 2, 5));
  assert.equal(tile.status, 200);
  assert.equal(tile.headers.get('content-type'), 'image/png');
  assert.equal(Number(tile.headers.get('content-length')), tile.bytes.length);
  const decoded = readPng(tile.bytes);
  assert.deepEqual([decoded.width, decoded.height], [256, 256]);

  const retina = readPng((await getBytes(url(3, 2, 5, '@2x'))).bytes);
  assert.deepEqual([retina.width, retina.height], [512, 512]);
  assert.deepEqual(middleColour(retina), middleColour(decoded), 'the same tile at twice the size');
  const neighbour = readPng((await getBytes(url(3, 3, 5))).bytes);
  assert.notDeepEqual(middleColour(neighbour), middleColour(decoded), 'neighbouring tiles differ');

  // A temporary token with the scopes works too, and a client on another name gets URLs on that name.
  const tk = await call(emulator, 'POST', '/tokens/v2/demo', {
    body: { scopes: ['styles:read', 'styles:tiles'], expires: new Date(Date.now() + 600_000).toISOString() },
  });
  const viaLocalhost = emulator.url.replace('127.0.0.1', 'localhost');
  const styleByName = await (await fetch(`${viaLocalhost}${STYLE}?access_token=${tk.body.token}`)).json();
  assert.equal(styleByName.sources.emulator.url, `${viaLocalhost}/v4/emulator.raster.json`);
  assert.equal((await getBytes(`${viaLocalhost}${TILE}?access_token=${tk.body.token}`)).status, 200);
});

test('401 for a missing, malformed, unknown, deleted or expired token, on every map endpoint', async (t) => {
  const emulator = await start(t, { hooks: true });
  const stranger = await startEmulator({ rateLimit: false });
  t.after(() => stranger.close());
  const scopes = ['styles:read', 'styles:tiles'];
  const deleted = (await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes } })).body;
  assert.equal((await call(emulator, 'DELETE', `/tokens/v2/demo/${deleted.id}`)).status, 204);
  const unknown = [
    ['malformed', 'pk.not-a-token'],
    ['signed elsewhere', defaultToken(stranger)],
    ['deleted', deleted.token],
  ];
  for (const path of ENDPOINTS) {
    assertError(await call(emulator, 'GET', path, { token: null }), 401, 'Not Authorized - No Token');
    assertError(await call(emulator, 'GET', path, { token: '' }), 401, 'Not Authorized - No Token');
    for (const [kind, token] of unknown) {
      const res = await call(emulator, 'GET', path, { token });
      assert.equal(res.status, 401, `${kind} token on ${path}`);
      assertError(res, 401, 'Not Authorized - Invalid Token');
    }
  }

  // Expiry on the emulator's clock: moving it past a tk's end makes every request 401, and
  // moving it back makes the same token good again.
  const tk = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes, expires: new Date(Date.now() + 120_000).toISOString() } });
  assert.equal(tk.status, 200, tk.text);
  for (const path of ENDPOINTS) assert.equal((await call(emulator, 'GET', path, { token: tk.body.token })).status, 200, path);
  const moved = await call(emulator, 'PUT', '/__emulator/clock', { token: null, body: { offset: 121_000 } });
  assert.equal(moved.status, 200);
  for (const path of ENDPOINTS) assertError(await call(emulator, 'GET', path, { token: tk.body.token }), 401, 'Not Authorized - Invalid Token');
  emulator.setClockOffset(0);
  for (const path of ENDPOINTS) assert.equal((await call(emulator, 'GET', path, { token: tk.body.token })).status, 200, path);
  // A tk minted already expired.
  const expired = emulator.mintToken({ scopes, expires: Date.now() - 1000 });
  for (const path of ENDPOINTS) assertError(await call(emulator, 'GET', path, { token: expired.token }), 401, 'Not Authorized - Invalid Token');
});

test('403 when the token lacks styles:read (style) or styles:tiles (TileJSON and tiles)', async (t) => {
  const emulator = await start(t);
  const readOnly = emulator.mintToken({ scopes: ['styles:read', 'fonts:read'] }).token;
  const tilesOnly = emulator.mintToken({ scopes: ['styles:tiles'], expires: Date.now() + 60_000 }).token;
  const neither = emulator.mintToken({ scopes: ['tokens:read'] }).token;
  assert.equal((await call(emulator, 'GET', STYLE, { token: readOnly })).status, 200);
  assertError(await call(emulator, 'GET', TILEJSON, { token: readOnly }), 403, 'Forbidden');
  assertError(await call(emulator, 'GET', TILE, { token: readOnly }), 403, 'Forbidden');
  assertError(await call(emulator, 'GET', STYLE, { token: tilesOnly }), 403, 'Forbidden');
  assert.equal((await call(emulator, 'GET', TILEJSON, { token: tilesOnly })).status, 200);
  assert.equal((await getBytes(`${emulator.url}${TILE}?access_token=${tilesOnly}`)).status, 200);
  for (const path of ENDPOINTS) assertError(await call(emulator, 'GET', path, { token: neither }), 403, 'Forbidden');
  // The admin token holds every scope.
  for (const path of ENDPOINTS) assert.equal((await call(emulator, 'GET', path)).status, 200, path);
});

test('CORS on the map endpoints: answers, errors and preflights', async (t) => {
  const emulator = await start(t);
  const token = defaultToken(emulator);
  const answers = [];
  for (const path of ENDPOINTS) {
    answers.push(await call(emulator, 'GET', path, { token, headers: { origin: 'https://app.example' } }));
    answers.push(await call(emulator, 'GET', path, { token: 'bad.token.x', headers: { origin: 'https://app.example' } }));
  }
  assert.deepEqual(answers.map((res) => res.status), [200, 401, 200, 401, 200, 401]);
  for (const res of answers) assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const preflight = await fetch(`${emulator.url}${TILE}`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods'), /\bGET\b/);
});

test('unknown tiles and other accounts\' styles are 404; other methods 405; answers are not cached', async (t) => {
  const emulator = await start(t);
  const token = defaultToken(emulator);
  for (const path of ['/v4/emulator.raster/1/2/0.png', '/v4/emulator.raster/1/0/2.png', '/v4/emulator.raster/23/0/0.png']) {
    assertError(await call(emulator, 'GET', path, { token }), 404, 'Tile not found');
  }
  assertError(await call(emulator, 'GET', '/v4/emulator.raster/1/0/0.jpg', { token }), 404, 'Not Found');
  assertError(await call(emulator, 'GET', '/styles/v1/other/streets', { token }), 404, 'Style not found');
  assert.equal((await call(emulator, 'GET', '/styles/v1/mapbox/streets-v12', { token })).status, 200, 'mapbox styles are public');
  assertError(await call(emulator, 'POST', STYLE, { token }), 405, /^Method POST is not allowed here/);
  for (const path of ENDPOINTS) assert.equal((await call(emulator, 'GET', path, { token })).headers.get('cache-control'), 'no-store');
});

test('URL restrictions of a token are honoured through the Referer', async (t) => {
  const emulator = await start(t);
  const restricted = await call(emulator, 'POST', '/tokens/v2/demo', {
    body: { scopes: ['styles:read', 'styles:tiles'], allowedUrls: ['https://maps.example/app', 'localhost:5173'] },
  });
  const token = restricted.body.token;
  const cases = [
    [undefined, 403],
    ['https://maps.example/app', 200],
    ['https://maps.example/app/page?x=1', 200],
    ['https://maps.example/application', 403],
    ['https://maps.example/', 403],
    ['http://localhost:5173/', 200],
    ['https://localhost:5173', 200],
    ['http://localhost:51730/', 403],
    ['https://evil.example/?https://maps.example/app', 403],
  ];
  for (const [referer, status] of cases) {
    const res = await call(emulator, 'GET', TILE, { token, headers: referer ? { referer } : {} });
    assert.equal(res.status, status, `Referer ${referer}`);
    if (status === 403) assertError(res, 403, 'Forbidden');
  }
});

test('map requests are logged with their status, tokens redacted, and are not rate-limited', async (t) => {
  const emulator = await start(t, { rateLimit: { limit: 2, interval: 60 } });
  const token = defaultToken(emulator);
  for (let i = 0; i < 8; i += 1) {
    const res = await getBytes(`${emulator.url}/v4/emulator.raster/3/${i}/1.png?access_token=${token}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-rate-limit-limit'), null);
  }
  assertError(await call(emulator, 'GET', TILE, { token: 'pk.nope' }), 401, 'Not Authorized - Invalid Token');
  assert.equal((await call(emulator, 'GET', '/tokens/v2/demo')).status, 200, 'map requests did not use the Tokens API allowance');
  const log = emulator.requests();
  assert.deepEqual(log.map((r) => r.status), [200, 200, 200, 200, 200, 200, 200, 200, 401, 200]);
  assert.ok(!JSON.stringify(log).includes(token));
  assert.match(log[0].query.access_token, /^pk\.…[0-9a-f]{8}$/);
});

// Each library as a page loads it, and how it takes the token (Mapbox GL JS also wants a global one).
const LIBRARIES = {
  'MapLibre GL JS': {
    folder: join(ROOT, 'node_modules', 'maplibre-gl', 'dist'),
    load: `import * as gl from '/lib/maplibre-gl.mjs';`,
  },
  'Mapbox GL JS': {
    folder: join(ROOT, 'node_modules', 'mapbox-gl', 'dist'),
    load: `await import('/lib/mapbox-gl.js'); const gl = window.mapboxgl; gl.accessToken = token;`,
  },
};

for (const [name, library] of Object.entries(LIBRARIES)) {
  test(`a ${name} map loads the emulator's style and shows its tiles`, { skip: noChromium, timeout: 60_000 }, async (t) => {
    const emulator = await start(t);
    const token = defaultToken(emulator);
    const dir = tempDir('emulator-map-');
    t.after(dir.remove);
    writeFileSync(join(dir.path, 'index.html'), `<!doctype html>
<div id="map" style="width: 512px; height: 512px"></div>
<script>window.errors = [];</script>
<script type="module">
  const params = new URLSearchParams(location.search);
  const [origin, token] = [params.get('origin'), params.get('token')];
  ${library.load}
  const map = new gl.Map({
    container: 'map',
    style: origin + '${STYLE}',
    center: [0, 0],
    zoom: 1,
    transformRequest: (url) => (url.startsWith(origin) ? { url: url + (url.includes('?') ? '&' : '?') + 'access_token=' + token } : { url }),
  });
  map.on('error', (e) => window.errors.push(String(e.error && e.error.message)));
  map.once('idle', () => { window.idle = true; });
</script>`);
    const site = await serveStatic({ mounts: { '/lib/': library.folder, '/': dir.path } });
    t.after(site.close);
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    // Tests talk to 127.0.0.1 only: Mapbox GL JS would send its telemetry (and the token) to Mapbox.
    const elsewhere = [];
    await page.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1') return route.continue();
      elsewhere.push(hostname);
      return route.abort();
    });
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${site.url}/?origin=${encodeURIComponent(emulator.url)}&token=${encodeURIComponent(token)}`);
    await page.waitForFunction(() => window.idle === true || window.errors.length > 0, null, { timeout: 30_000 });
    assert.deepEqual([...pageErrors, ...(await page.evaluate(() => window.errors))], []);
    const requests = emulator.requests();
    assert.deepEqual(requests.slice(0, 2).map((r) => [r.path, r.status]), [[STYLE, 200], [TILEJSON, 200]], 'the style, then its TileJSON');
    // 512 pixels at zoom 1 show the four middle tiles of zoom 2 (these libraries' zoom counts 512-pixel tiles).
    const tiles = requests.filter((r) => /^\/v4\/emulator\.raster\/\d+\/\d+\/\d+\.png$/.test(r.path));
    assert.ok(tiles.length >= 4, `${tiles.length} tiles were requested`);
    assert.ok(tiles.every((r) => r.status === 200));
    if (elsewhere.length > 0) console.log(`${name}: blocked requests to ${[...new Set(elsewhere)].join(', ')}`);
  });
}
