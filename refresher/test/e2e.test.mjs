// End to end in headless Debian Chromium: the refresher (refresher/refresher.mjs) in pages served
// by a static server, a real TokenBroker (pkg/node, expires: 60) behind node:http, and the
// emulator's style and tiles.
//
// - A MapLibre GL JS map and a Mapbox GL JS map: the emulator's clock is moved past the token's end
//   several times while the test pans to tiles not yet loaded. Each time, the tiles refused with
//   401 (sent with the ended token) make one broker request with `X-Token-Refused: 1`, the broker
//   renews, and every tile request with the new token is accepted, each refused tile among them;
//   the map is the same Map object throughout (one style load, no navigation).
// - Two tabs of one origin for ten minutes of emulator time (the browser's, the broker's and the
//   emulator's clocks moved together): each new token is fetched once for both tabs.
//
// Nothing leaves 127.0.0.1: every other request is refused in the browser (Mapbox GL JS sends
// telemetry).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, serveStatic, tempDir } from '../../test/support.mjs';
import { startEmulator } from '../../test/helpers.mjs';
import { redactToken } from '../../emulator/lib/redact.mjs';
import { ROOT, WATCH_MAP } from './helpers.mjs';
import { startBroker } from './broker-worker.mjs';

const SCOPES = ['styles:read', 'styles:tiles', 'fonts:read'];
const TILE = /^\/v4\/emulator\.raster\/(\d+\/\d+\/\d+)\.png$/;

/** What each map page shares: reads its settings from the query, keeps the tokens, counts style loads and 401s. */
const COMMON = `window.settings = Object.fromEntries(new URLSearchParams(location.search));
window.tokens = [];
window.track = (refresher) => refresher.addEventListener('token', (e) => tokens.push(e.detail.token));
${WATCH_MAP}
window.watch = (refresher, map) => {
  window.refresher = refresher;
  watchMap(map);
};`;

const PAGES = {
  'maplibre.html': `<!doctype html><meta charset="utf-8"><title>MapLibre</title>
<link rel="stylesheet" href="/maplibre-gl/maplibre-gl.css">
<div id="map" style="width:512px;height:512px"></div>
<script src="/common.js"></script>
<script type="module">
  import * as maplibregl from '/maplibre-gl/maplibre-gl.mjs';
  import { TokenRefresher } from '/refresher/refresher.mjs';
  const refresher = new TokenRefresher({ url: settings.broker, origin: settings.api });
  track(refresher);
  await refresher.token();
  const map = new maplibregl.Map({ container: 'map', style: settings.api + '/styles/v1/mapbox/streets-v12',
    center: [0, 0], zoom: 1, fadeDuration: 0, transformRequest: refresher.transformRequest });
  watch(refresher, map);
  refresher.attach(map);
</script>`,
  'mapbox.html': `<!doctype html><meta charset="utf-8"><title>Mapbox GL JS</title>
<link rel="stylesheet" href="/mapbox-gl/mapbox-gl.css">
<div id="map" style="width:512px;height:512px"></div>
<script src="/common.js"></script>
<script src="/mapbox-gl/mapbox-gl.js"></script>
<script type="module">
  import { TokenRefresher } from '/refresher/refresher.mjs';
  const refresher = new TokenRefresher({ url: settings.broker, origin: settings.api });
  track(refresher);
  mapboxgl.accessToken = await refresher.token();
  const map = new mapboxgl.Map({ container: 'map', style: settings.api + '/styles/v1/mapbox/streets-v12',
    center: [0, 0], zoom: 1, fadeDuration: 0, transformRequest: refresher.transformRequest });
  watch(refresher, map);
  refresher.attach(map, { mapboxgl });
</script>`,
  'tab.html': `<!doctype html><meta charset="utf-8"><title>A tab</title>
<script type="module">
  import { TokenRefresher } from '/refresher/refresher.mjs';
  const settings = Object.fromEntries(new URLSearchParams(location.search));
  window.refresher = new TokenRefresher({ url: settings.broker, origin: settings.api });
  window.tokens = [];
  refresher.addEventListener('token', (e) => tokens.push(e.detail.token));
  window.ready = true;
</script>`,
};

/** Where each round pans to: places and zooms whose tiles the map has not loaded before. */
const PLACES = [[100, 40, 3], [-60, -20, 4], [30, 55, 5], [-120, 15, 6]];

let emu, browser, site, dir;

before(async () => {
  emu = await startEmulator({ rateLimit: false });
  dir = tempDir('refresher-e2e-');
  writeFileSync(join(dir.path, 'common.js'), COMMON);
  for (const [name, html] of Object.entries(PAGES)) writeFileSync(join(dir.path, name), html);
  site = await serveStatic({
    mounts: {
      '/refresher/': join(ROOT, 'refresher'),
      '/maplibre-gl/': join(ROOT, 'node_modules', 'maplibre-gl', 'dist'),
      '/mapbox-gl/': join(ROOT, 'node_modules', 'mapbox-gl', 'dist'),
      '/': dir.path,
    },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await emu?.close();
  dir?.remove();
});

/** The broker of a test: the package's TokenBroker, `expires: 60`, for the pages' origin. */
const brokerFor = () => startBroker({
  accessToken: emu.adminToken, origin: emu.url, scopes: SCOPES, expires: 60, allowedOrigins: [site.url], rateLimit: false,
});

/** A tk token's `exp` (Unix seconds, on the API's clock). */
const expOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true, for at most `ms`; `explain()` says what is missing on timeout. */
async function until(check, ms, explain) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${await explain()}`);
    await sleep(100);
  }
}

/** A new browser context whose pages reach nothing but 127.0.0.1; `offMachine` lists the hosts refused. */
async function localContext() {
  const context = await browser.newContext();
  const offMachine = [];
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
    offMachine.push(new URL(route.request().url()).host);
    return route.abort();
  });
  return { context, offMachine };
}

for (const library of ['maplibre', 'mapbox']) {
  test(`${library}: the emulator's clock passes the token's end three times while the map pans; the map keeps loading tiles without a remount`, { timeout: 180_000 }, async (t) => {
    const broker = await brokerFor();
    const { context, offMachine } = await localContext();
    const problems = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => problems.push(String(e)));
      let navigations = 0;
      page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++);
      const query = new URLSearchParams({ broker: broker.url, api: emu.url });
      await page.goto(`${site.url}/${library}.html?${query}`);
      await page.waitForFunction(() => window.loaded === true && map.areTilesLoaded(), null, { timeout: 60_000 });
      await page.evaluate(() => (window.sentinel = 'first load'));
      assert.equal(broker.gets(), 1, 'one broker request for the first token');
      let lastReport = 0;

      for (const [round, [lng, lat, zoom]] of PLACES.slice(0, 3).entries()) {
        // The broker checks a reported token with the API at most once per 5 s.
        await sleep(Math.max(0, lastReport + 5_500 - Date.now()));
        const old = await page.evaluate(() => refresher.current);
        // Past the token's end on the API's clock; the broker cannot know until a page tells it.
        emu.setClockOffset(Math.max(emu.clockOffset, expOf(old) * 1000 + 1_000 - Date.now()));
        const mark = emu.requests().length;
        const answersBefore = broker.answers.length;
        await page.evaluate(([center, z]) => map.jumpTo({ center, zoom: z }), [[lng, lat], zoom]);

        const tiles = () => emu.requests().slice(mark).filter((r) => TILE.test(r.path))
          .map((r) => ({ id: TILE.exec(r.path)[1], token: r.query.access_token, status: r.status }));
        const fresh = () => broker.answers.slice(answersBefore).find((a) => a.token && a.token !== old)?.token;
        const unrecovered = () => {
          const next = fresh() && redactToken(fresh());
          const all = tiles();
          const refused = new Set(all.filter((r) => r.status === 401).map((r) => r.id));
          return [...refused].filter((id) => !all.some((r) => r.id === id && r.status === 200 && r.token === next));
        };
        await until(async () => fresh() && tiles().some((r) => r.status === 401) && unrecovered().length === 0
          && (await page.evaluate(() => map.areTilesLoaded())), 45_000,
        () => `round ${round}: broker answers ${JSON.stringify(broker.answers.slice(answersBefore).map((a) => [a.refused, a.status]))}, unrecovered ${unrecovered()}`);
        lastReport = Date.now();

        const next = fresh();
        const all = tiles();
        const answers = broker.answers.slice(answersBefore);
        t.diagnostic(`round ${round + 1}: ${all.filter((r) => r.status === 401).length} tile requests refused with the ended token, ${all.filter((r) => r.token === redactToken(next)).length} sent with the new one`);
        assert.deepEqual(answers.map((a) => [a.refused, a.status]), [[true, 200]], 'one broker request, reporting the refused token');
        assert.ok(all.every((r) => (r.token === redactToken(next) ? r.status === 200 : r.token === redactToken(old) && r.status === 401)),
          'every tile request with the new token was accepted; the only refused ones carried the ended token');
        assert.equal(await page.evaluate(() => refresher.current), next);
        assert.ok(expOf(next) * 1000 > Date.now() + emu.clockOffset, 'the new token is valid on the API\'s clock');
      }

      const state = await page.evaluate(() => ({ same: window.map === window.first, styleLoads, sentinel: window.sentinel, tokens: window.tokens.length }));
      assert.deepEqual(state, { same: true, styleLoads: 1, sentinel: 'first load', tokens: 4 }, 'the same map, one style load, no reload');
      assert.equal(navigations, 1, 'one navigation: the first');
      assert.equal(broker.gets(), 4);
      assert.deepEqual(problems, []);
      assert.ok(offMachine.every((host) => host.endsWith('mapbox.com')), `only Mapbox's own hosts were tried (and refused): ${offMachine}`);
    } finally {
      await context.close();
      await broker.close();
      emu.setClockOffset(0);
    }
  });
}

test('two tabs of one origin, ten minutes of emulator time: each new token is fetched once for both tabs', { timeout: 240_000 }, async (t) => {
  const broker = await brokerFor();
  const { context, offMachine } = await localContext();
  emu.clearMints();
  const problems = [];
  try {
    const pages = [await context.newPage(), await context.newPage()];
    // The browser's timers and Date on a clock the test moves (one clock for the whole context).
    await pages[0].clock.install();
    const query = new URLSearchParams({ broker: broker.url, api: emu.url });
    for (const page of pages) {
      page.on('pageerror', (e) => problems.push(String(e)));
      await page.goto(`${site.url}/tab.html?${query}`);
      await page.waitForFunction(() => window.ready === true, null, { timeout: 10_000 });
    }
    const [a, b] = await Promise.all(pages.map((page) => page.evaluate(() => refresher.token())));
    assert.equal(a, b);
    assert.equal(broker.gets(), 1, 'one request for the first token of both tabs');

    // Ten minutes, one second at a time: the broker's clock and the API's first, then the tabs'.
    // Then on, at most half a minute more, until the tabs have fetched the token a renewal near the
    // end of the ten minutes made (its moment depends on the broker's and the tabs' jitter).
    let lapsed = 0;
    const minted = () => emu.mints().filter((m) => m.usage === 'tk').length;
    const fetched = () => broker.answers.filter((a) => a.maxAge > 0).length;
    for (let second = 1; second <= 600 || (second <= 630 && minted() > fetched()); second++) {
      const gets = broker.gets();
      broker.shift(1_000);
      emu.setClockOffset(emu.clockOffset + 1_000);
      await pages[0].clock.runFor(1_000);
      await sleep(20);
      if (broker.gets() !== gets || broker.busy()) {
        // A refresh: let the answer, the other tab's message and the lock's release land.
        await until(() => broker.busy() === 0, 10_000, () => 'the broker to answer');
        await sleep(300);
      }
      if (second % 5 === 0) {
        const held = await Promise.all(pages.map((page) => page.evaluate(() => refresher.current)));
        if (held.some((token) => expOf(token) * 1000 <= Date.now() + emu.clockOffset)) lapsed++;
      }
    }
    await pages[0].clock.runFor(2_000);
    await sleep(300);

    const mints = emu.mints().filter((m) => m.usage === 'tk').length;
    const answers = broker.answers;
    const fresh = answers.filter((a) => a.maxAge > 0);
    const held = await Promise.all(pages.map((page) => page.evaluate(() => ({ current: refresher.current, tokens: window.tokens }))));
    t.diagnostic(`ten minutes: ${mints} tokens minted, ${answers.length} broker requests (${fresh.length} answered with a new token, `
      + `${answers.length - fresh.length} while the broker renewed: it serves the token it holds until the new one is minted)`);
    assert.ok(mints >= 12, `a refresh every 45 s or so: ${mints} tokens in ten minutes`);
    assert.ok(answers.every((a) => a.status === 200 && !a.refused));
    assert.equal(new Set(fresh.map((a) => a.token)).size, fresh.length, 'no token fetched twice: one tab fetched it for both');
    assert.equal(fresh.length, mints, 'each new token fetched once');
    assert.equal(answers.length, mints, 'one request per refresh: the request that starts a renewal gets the new token');
    assert.deepEqual(held[0], held[1], 'both tabs received the same tokens, in order');
    assert.deepEqual(held[0].tokens, fresh.map((a) => a.token));
    assert.equal(lapsed, 0, 'no tab held an ended token');
    assert.deepEqual(problems, []);
    assert.deepEqual(offMachine, []);
  } finally {
    await context.close();
    await broker.close();
    emu.setClockOffset(0);
  }
});
