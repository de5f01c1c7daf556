// attach() with the real map libraries from node_modules (MapLibre GL JS and Mapbox GL JS) in
// headless Chromium, against a local tile server that refuses a revoked token with 401 (no
// emulator, no broker: those are the end-to-end tests' part). After the token is revoked and the
// map pans, the tiles refused with 401 come back with the next token: one broker request, the same
// Map object (no remount, no style reload), no error in the page, nothing sent off this machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, serve } from '../../test/support.mjs';
import { tilePng } from '../../emulator/lib/maps.mjs';
import { ROOT, SOURCE, WATCH_MAP, tk } from './helpers.mjs';

const FILES = {
  '/refresher.mjs': SOURCE,
  '/maplibre-gl.mjs': join(ROOT, 'node_modules', 'maplibre-gl', 'dist', 'maplibre-gl.mjs'),
  '/mapbox-gl.js': join(ROOT, 'node_modules', 'mapbox-gl', 'dist', 'mapbox-gl.js'),
};

/** The page of each library: the refresher's token first, then a map of one raster source. */
const PAGES = {
  maplibre: `<!doctype html><div id="map" style="width:512px;height:512px"></div>
<script type="module">
  import * as maplibregl from '/maplibre-gl.mjs';
  import { TokenRefresher } from '/refresher.mjs';
  const refresher = window.refresher = new TokenRefresher({ url: '/mapbox-token', origin: location.origin });
  await refresher.token();
  // No transformRequest given: attach() sets it (MapLibre has setTransformRequest).
  const map = new maplibregl.Map({ container: 'map', style: '/style.json', center: [0, 0], zoom: 1, fadeDuration: 0 });
  window.start(map, refresher.attach(map));
</script>`,
  mapbox: `<!doctype html><div id="map" style="width:512px;height:512px"></div>
<script src="/mapbox-gl.js"></script>
<script type="module">
  import { TokenRefresher } from '/refresher.mjs';
  const refresher = window.refresher = new TokenRefresher({ url: '/mapbox-token', origin: location.origin });
  mapboxgl.accessToken = await refresher.token();
  const map = new mapboxgl.Map({ container: 'map', style: location.origin + '/style.json', center: [0, 0], zoom: 1,
    fadeDuration: 0, transformRequest: refresher.transformRequest });
  window.start(map, refresher.attach(map, { mapboxgl }));
</script>`,
};

/** What every page does with its map: keep it, count its style loads and its 401 errors. */
const START = `${WATCH_MAP}
window.start = (map, detach) => {
  window.detach = detach;
  watchMap(map);
};`;

let browser, server, origin, library;
/** Tokens the tile server accepts. */
const valid = new Set();
/** Each tile request: `[z/x/y, status, token number]`; each broker request's token number. */
let tiles = [];
let brokerRequests = [];
let issued = 0;

before(async () => {
  server = await serve((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(`<script>${START}</script>${PAGES[library]}`);
    if (FILES[path]) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(FILES[path]));
    if (path === '/mapbox-token') {
      const iat = Math.floor(Date.now() / 1000);
      const token = tk({ iat, exp: iat + 600 }, `user${++issued}`);
      valid.add(token);
      brokerRequests.push(issued);
      return res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'private, max-age=300' })
        .end(JSON.stringify({ token, expires: new Date((iat + 600) * 1000).toISOString() }));
    }
    if (path === '/style.json') {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        version: 8,
        sources: { raster: { type: 'raster', tiles: [`${origin}/v4/test.raster/{z}/{x}/{y}.png`], tileSize: 256 } },
        layers: [{ id: 'raster', type: 'raster', source: 'raster' }],
      }));
    }
    const tile = /^\/v4\/test\.raster\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(path);
    if (tile) {
      const token = url.searchParams.get('access_token');
      const number = token ? Number(JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).u.slice(4)) : 0;
      const ok = valid.has(token);
      tiles.push([tile.slice(1).join('/'), ok ? 200 : 401, number]);
      if (!ok) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Invalid Token"}');
      const [z, x, y] = tile.slice(1).map(Number);
      return res.writeHead(200, { 'content-type': 'image/png' }).end(tilePng(z, x, y, 1));
    }
    res.writeHead(404).end();
  });
  origin = server.url;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Polls `check` in Node until it is true, for at most `ms`. */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const name of ['maplibre', 'mapbox']) {
  test(`${name}: tiles refused with 401 come back with the next token, without a remount`, { timeout: 90_000 }, async () => {
    library = name;
    valid.clear();
    tiles = [];
    brokerRequests = [];
    issued = 0;
    const context = await browser.newContext();
    // Nothing leaves this machine (Mapbox GL JS would send its telemetry).
    const offMachine = [];
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
      offMachine.push(new URL(route.request().url()).host);
      return route.abort();
    });
    const problems = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => problems.push(String(e)));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => window.loaded === true && map.areTilesLoaded(), null, { timeout: 30_000 });
      assert.equal(brokerRequests.length, 1);
      assert.ok(tiles.length > 0 && tiles.every(([, status, n]) => status === 200 && n === 1), JSON.stringify(tiles));

      // The token stops working; the map pans to tiles it has not loaded.
      valid.clear();
      const before = tiles.length;
      await page.evaluate(() => map.jumpTo({ center: [100, 40], zoom: 3 }));
      /** The tiles refused since the pan that no later request loaded with the new token. */
      const unrecovered = () => {
        const after = tiles.slice(before);
        const refused = new Set(after.filter(([, status]) => status === 401).map(([id]) => id));
        return [...refused].filter((id) => !after.some(([t, status, n]) => t === id && status === 200 && n === 2));
      };
      await until(async () => brokerRequests.length >= 2 && unrecovered().length === 0 && (await page.evaluate(() => map.areTilesLoaded())),
        30_000, 'the refused tiles to load with the new token').catch((error) => {
        throw new Error(`${error.message}: still refused ${unrecovered()}, tiles ${JSON.stringify(tiles.slice(before))}`);
      });
      const after = tiles.slice(before);
      const refused = new Set(after.filter(([, status]) => status === 401).map(([id]) => id));
      assert.ok(refused.size > 0, 'some tiles were refused');
      assert.ok(after.every(([, status, n]) => (n === 2 ? status === 200 : n === 1)), 'the new token always worked');
      assert.deepEqual(brokerRequests, [1, 2], 'one broker request for all the refused tiles');
      const state = await page.evaluate(() => ({ same: window.map === window.first, styleLoads, errors401 }));
      assert.deepEqual({ same: state.same, styleLoads: state.styleLoads }, { same: true, styleLoads: 1 }, 'no remount, no style reload');
      assert.equal(state.errors401, after.filter(([, status]) => status === 401).length, 'an error event for each 401');
      assert.deepEqual(problems, []);
      assert.ok(offMachine.every((host) => host.endsWith('mapbox.com')), `only Mapbox's own hosts were tried (and refused): ${offMachine}`);
    } finally {
      await context.close();
    }
  });
}
