// The dashboard's live map page (/map) in headless Chromium: a MapLibre GL JS map of the
// emulator's tiles, its temporary tokens from the dashboard's own token broker (/mapbox-token,
// served by scripts/serve.mjs) through the package's TokenRefresher. The page loads, its tiles load
// with the token it shows, "Expire now" moves the emulator's clock past the token's end and the map
// keeps loading tiles with a new token (same map, no reload); the console links to it; the
// server's map routes refuse other sites; axe-core finds nothing serious or critical.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { assertCleanConsole, assertNoSecretShown, audit, hook, openDashboard, waitForText, WAIT } from './helpers.mjs';

const TILE = /^\/v4\/emulator\.raster\/(\d+\/\d+\/\d+)\.png$/;

let session;
/** Hosts other than 127.0.0.1 the page tried to reach (refused). */
const offMachine = [];

before(async () => {
  session = await openDashboard();
  await session.context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
    offMachine.push(new URL(route.request().url()).host);
    return route.abort();
  });
});
after(() => session?.close());

/** The emulator's log of tile requests from `from` on: `{ id, token (redacted), status }`. */
async function tiles(from = 0) {
  const log = await hook(session.dashboard, 'GET', 'requests');
  return log.slice(from).filter((r) => TILE.test(r.path)).map((r) => ({ id: TILE.exec(r.path)[1], token: r.query.access_token, status: r.status }));
}

/** A number shown by the page. */
const shown = async (id) => Number(await session.page.locator(`#${id}`).textContent());

test('the console links to the live map', async () => {
  const { page, dashboard } = session;
  await page.goto(dashboard.url);
  const link = page.getByRole('link', { name: 'Live map' });
  await link.waitFor(WAIT);
  assert.equal(new URL(await link.getAttribute('href'), dashboard.url).href, new URL('map', dashboard.url).href);
});

test('the map loads its tiles with the token the page shows, from the dashboard\'s broker', { timeout: 60_000 }, async () => {
  const { page, dashboard } = session;
  await page.goto(new URL('map', dashboard.url).href);
  await waitForText(page.locator('#map-status'), 'The map is loaded.', { timeout: 30_000 });
  await page.locator('#token-id').filter({ hasText: /^tk\.…[0-9a-f]{8}$/ }).waitFor(WAIT);
  await page.waitForFunction(() => Number(document.getElementById('tiles-loaded').textContent) > 0, null, WAIT);
  const token = await page.locator('#token-id').textContent();
  const loaded = await tiles();
  assert.ok(loaded.length > 0);
  assert.ok(loaded.every((r) => r.token === token && r.status === 200), `every tile with the shown token: ${JSON.stringify(loaded)}`);
  assert.match(await page.locator('#token-countdown').textContent(), /^[45]:\d\d$/, 'about five minutes left');
  assert.equal(await shown('token-count'), 1);
  await assert.doesNotReject(page.locator('#expire-now:enabled').waitFor(WAIT));
  await assertNoSecretShown(page, dashboard.adminToken);
  await audit(page, 'live map, loaded');
});

test('"Expire now": the emulator\'s clock passes the token\'s end, and the map keeps loading tiles with a new token', { timeout: 90_000 }, async () => {
  const { page, dashboard } = session;
  await page.evaluate(() => (window.sentinel = 'before'));
  const old = await page.locator('#token-id').textContent();
  const from = (await hook(dashboard, 'GET', 'requests')).length;
  const loadedBefore = await shown('tiles-loaded');
  const offset = (await hook(dashboard, 'GET', 'clock')).offset;

  // With reduced motion the map jumps to its next place: it asks only for the tiles it then shows
  // (an animated move also asks for tiles on the way, which it no longer needs once there).
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.getByRole('button', { name: 'Expire now' }).click();
  await waitForText(page.locator('#map-status'), 'the token has ended');
  const moved = (await hook(dashboard, 'GET', 'clock')).offset - offset;
  assert.ok(moved > 250_000, `the emulator's clock moved ${moved} ms, past the token's end`);
  await waitForText(page.locator('#map-status'), 'A new token: the map keeps loading tiles.', { timeout: 30_000 });
  const fresh = await page.locator('#token-id').textContent();
  assert.notEqual(fresh, old);
  assert.match(await page.locator('#token-countdown').textContent(), /^[45]:\d\d$/);

  // The tiles refused with the ended token load with the new one.
  let log;
  const deadline = Date.now() + 30_000;
  for (;;) {
    log = await tiles(from);
    const refused = new Set(log.filter((r) => r.status === 401).map((r) => r.id));
    const recovered = [...refused].every((id) => log.some((r) => r.id === id && r.status === 200 && r.token === fresh));
    if (refused.size > 0 && recovered) break;
    if (Date.now() > deadline) throw new Error(`tiles not recovered: ${JSON.stringify(log)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(log.every((r) => (r.token === fresh ? r.status === 200 : r.token === old && r.status === 401)),
    'only the ended token was refused; every tile with the new token loaded');
  await page.waitForFunction((n) => Number(document.getElementById('tiles-loaded').textContent) > n, loadedBefore, WAIT);
  assert.ok(await shown('tiles-refused') > 0);
  assert.equal(await shown('token-count'), 2);
  assert.equal(await page.evaluate(() => window.sentinel), 'before', 'the page was not reloaded');
  // The broker checks a refused token at most once per 5 s: the button waits as long.
  await page.locator('#expire-now:enabled').waitFor({ timeout: 10_000 });
  await assertNoSecretShown(page, dashboard.adminToken);
  await audit(page, 'live map, after Expire now');
  // Chromium's software WebGL reports its own performance notes (not the page's).
  const consoleMessages = session.consoleMessages.filter((m) => !/^warning: \[\.WebGL-[^\]]*\]GL Driver Message/.test(m));
  const current = (await (await fetch(new URL('mapbox-token', dashboard.url), { headers: { origin: new URL(dashboard.url).origin } })).json()).token;
  assertCleanConsole({ consoleMessages, dashboardUrls: session.dashboardUrls }, dashboard.adminToken, current);
  assert.deepEqual(offMachine, []);
});

test('the map routes answer only the dashboard\'s own pages', async () => {
  const { dashboard } = session;
  const broker = new URL('mapbox-token', dashboard.url);
  const expire = new URL('expire-now', dashboard.url);
  const evil = { origin: 'https://evil.example' };
  assert.equal((await fetch(broker, { headers: evil })).status, 403);
  assert.equal((await fetch(broker)).status, 403, 'no Origin, no Sec-Fetch-Site');
  const own = await fetch(broker, { headers: { origin: new URL(dashboard.url).origin } });
  assert.equal(own.status, 200);
  assert.match((await own.json()).token, /^tk\./);
  const offset = (await hook(dashboard, 'GET', 'clock')).offset;
  assert.equal((await fetch(expire, { method: 'POST', headers: evil })).status, 403);
  assert.equal((await fetch(expire, { method: 'POST' })).status, 403);
  assert.equal((await fetch(expire)).status, 405);
  assert.equal((await hook(dashboard, 'GET', 'clock')).offset, offset, 'the clock did not move');
  // A page reaching the server under a foreign host name (DNS rebinding) gets nothing.
  for (const path of ['/mapbox-token', '/expire-now']) {
    const status = await new Promise((resolve, reject) => {
      const req = request(new URL(path, dashboard.url), { method: 'POST', headers: { host: 'attacker.example', 'sec-fetch-site': 'same-origin' } },
        (res) => resolve(res.resume().statusCode));
      req.on('error', reject).end();
    });
    assert.equal(status, 404, path);
  }
  assert.equal((await hook(dashboard, 'GET', 'clock')).offset, offset);
});
