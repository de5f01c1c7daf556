// The map adapters: transformRequest (the token in `access_token` for the map API's origin only)
// and attach(map) (a 401 refreshes at once and the failed tiles are requested again), on maps
// standing in for MapLibre GL JS (setTransformRequest, refreshTiles) and Mapbox GL JS 3 (source
// caches, the global accessToken).
import { test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { TokenRefresher } from '../refresher.mjs';
import { TILE, answer, fakeBroker, fakeMap, flush } from './helpers.mjs';

const START = Date.UTC(2026, 0, 1, 12);
let made = [];
let urls = 0;

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START }));
afterEach(() => {
  for (const refresher of made) refresher.close();
  made = [];
  mock.timers.reset();
});

/** A refresher on its own broker URL, with a fake broker of 400-second tokens; closed after the test. */
function make(options) {
  // Each answer a different token, even at the same second.
  const broker = fakeBroker((n) => answer({ life: 400, user: `user${n}` }).response);
  const refresher = new TokenRefresher({ url: `http://127.0.0.1:9/adapters-${++urls}`, locks: null, fetch: broker.fetch, ...options });
  made.push(refresher);
  return { refresher, broker };
}

/** The `access_token` values of a URL's query. */
const tokensOf = (url) => new URL(url).searchParams.getAll('access_token');

test('transformRequest: no token yet, every URL unchanged', () => {
  const { refresher } = make();
  const url = 'https://api.mapbox.com/v4/mapbox.satellite/1/0/0.webp?access_token=pk.old';
  assert.deepEqual(refresher.transformRequest(url, 'Tile'), { url });
});

test('transformRequest: the map API\'s URLs get the current token, replacing older ones; other URLs unchanged', async () => {
  const { refresher } = make();
  const token = await refresher.token();
  // Passed unbound, as the maps' option takes it.
  const { transformRequest } = refresher;

  const tile = transformRequest('https://api.mapbox.com/v4/mapbox.satellite/1/0/0@2x.webp?sku=101abc&access_token=tk.old.sig', 'Tile');
  assert.equal(tile.url, `https://api.mapbox.com/v4/mapbox.satellite/1/0/0@2x.webp?sku=101abc&access_token=${token}`);
  const style = transformRequest('https://api.mapbox.com/styles/v1/mapbox/streets-v12?access_token=a&language=en,fr&access_token=b', 'Style');
  assert.deepEqual(tokensOf(style.url), [token], 'every older token removed');
  assert.equal(new URL(style.url).searchParams.get('language'), 'en,fr');
  assert.ok(style.url.includes('language=en,fr'), 'other parameters keep their text');
  assert.equal(transformRequest('https://api.mapbox.com/fonts/v1/mapbox/Open%20Sans%20Regular/0-255.pbf', 'Glyphs').url,
    `https://api.mapbox.com/fonts/v1/mapbox/Open%20Sans%20Regular/0-255.pbf?access_token=${token}`);
  assert.equal(transformRequest('https://api.mapbox.com/v4/x.json?secure#frag').url, `https://api.mapbox.com/v4/x.json?secure&access_token=${token}#frag`);

  for (const other of [
    'https://tiles.example.com/1/0/0.png?access_token=theirs',
    'https://api.mapbox.com.evil.example/v4/x/1/0/0.png?access_token=x',
    'http://api.mapbox.com/v4/x/1/0/0.png',
    'https://api.mapbox.com:8443/v4/x/1/0/0.png',
    '/relative/tile.png',
    'mapbox://styles/mapbox/streets-v12',
  ]) {
    assert.deepEqual(transformRequest(other, 'Tile'), { url: other }, other);
  }
});

test('transformRequest: the origin option names the map API (e.g. the emulator)', async () => {
  const { refresher } = make({ origin: 'http://127.0.0.1:18787/' });
  const token = await refresher.token();
  assert.deepEqual(tokensOf(refresher.transformRequest('http://127.0.0.1:18787/v4/t/1/0/0.png').url), [token]);
  const mapbox = 'https://api.mapbox.com/v4/t/1/0/0.png';
  assert.equal(refresher.transformRequest(mapbox).url, mapbox);
});

test('transformRequest: an ended token (a tab that slept) is still used, and a new one is fetched at once', async () => {
  const { refresher, broker } = make();
  const old = await refresher.token();
  mock.timers.setTime(START + 500 * 1000);
  assert.deepEqual(tokensOf(refresher.transformRequest('https://api.mapbox.com/v4/t/1/0/0.png').url), [old]);
  await flush();
  assert.equal(broker.calls.length, 2);
  assert.notEqual(refresher.current, old);
});

test('attach (MapLibre): sets the map\'s transformRequest unless it has one', async () => {
  const { refresher } = make();
  const map = fakeMap('maplibre');
  refresher.attach(map);
  assert.equal(map.transform, refresher.transformRequest);
  const own = () => ({ url: 'x' });
  const other = fakeMap('maplibre');
  other.transform = own;
  refresher.attach(other);
  assert.equal(other.transform, own, 'the map\'s own transformRequest is kept');
});

test('attach (MapLibre): a 401 with the current token refreshes at once, then the failed tile is requested again', async () => {
  const { refresher, broker } = make();
  const token = await refresher.token();
  const map = fakeMap('maplibre');
  const detach = refresher.attach(map);
  const url = refresher.transformRequest('https://api.mapbox.com/v4/t/4/3/5.png', 'Tile').url;
  map.emit({ type: 'error', error: { status: 401, url, message: 'Unauthorized' }, sourceId: 'satellite', tile: TILE });
  assert.deepEqual(map.reloaded, [], 'nothing requested again before the new token');
  await flush();
  assert.equal(broker.calls.length, 2, 'a fetch at once, no timer needed');
  assert.notEqual(refresher.current, token);
  // Through the tile manager, as a tile without data: MapLibre's public refreshTiles would mark it
  // 'expired' (renderable), and its raster renderer would draw it without a texture.
  assert.deepEqual(map.reloaded, [['satellite', 42, 'loading']]);
  assert.deepEqual(map.refreshed, []);
  assert.ok(map.repaints >= 1);
  // Many tiles failing together make one fetch; each tile is loaded again once.
  const now = refresher.transformRequest('https://api.mapbox.com/v4/t/4/3/5.png').url;
  const tiles = Array.from({ length: 20 }, (_, i) => ({ tileID: { key: `k${i % 10}`, canonical: { x: i % 10, y: 0, z: 4 } } }));
  for (const tile of tiles) map.emit({ error: { status: 401, url: now }, sourceId: 'satellite', tile });
  await flush();
  assert.equal(broker.calls.length, 3);
  assert.deepEqual(map.reloaded.slice(1).map(([, key]) => key).sort(), Array.from({ length: 10 }, (_, i) => `k${i}`));
  detach();
  assert.equal(map.listeners, 0, 'detach removes the map listener');
  map.emit({ error: { status: 401, url: now }, sourceId: 'satellite', tile: TILE });
  await flush();
  assert.equal(broker.calls.length, 3);
});

test('attach: a 401 for a request sent with an older token only requests the tile again', async () => {
  const { refresher, broker } = make();
  await refresher.token();
  const map = fakeMap('maplibre');
  refresher.attach(map);
  map.emit({ error: { status: 401, url: 'https://api.mapbox.com/v4/t/4/3/5.png?access_token=tk.older.sig' }, sourceId: 's', tile: TILE });
  assert.deepEqual(map.reloaded, [['s', 42, 'loading']]);
  await flush();
  assert.equal(broker.calls.length, 1);
});

test('attach: other statuses, and 401s from other origins, change nothing', async () => {
  const { refresher, broker } = make();
  const token = await refresher.token();
  const map = fakeMap('maplibre');
  refresher.attach(map);
  map.emit({ error: { status: 403, url: `https://api.mapbox.com/v4/t/1/0/0.png?access_token=${token}` }, sourceId: 's', tile: TILE });
  map.emit({ error: { status: 401, url: `https://tiles.example.com/1/0/0.png?access_token=${token}` }, sourceId: 's', tile: TILE });
  map.emit({ error: new Error('style is not done loading') });
  await flush();
  assert.equal(broker.calls.length, 1);
  assert.deepEqual(map.reloaded, []);
});

test('attach: a 401 on a source\'s TileJSON (no tile) reloads that source after the refresh', async () => {
  const { refresher, broker } = make();
  await refresher.token();
  const map = fakeMap('maplibre');
  let loads = 0;
  map.getSource = (id) => (id === 'streets' ? { load: () => loads++ } : undefined);
  refresher.attach(map);
  map.emit({ error: { status: 401, url: `https://api.mapbox.com/v4/mapbox.streets.json?access_token=${refresher.current}` }, sourceId: 'streets' });
  await flush();
  assert.equal(broker.calls.length, 2);
  assert.equal(loads, 1);
});

test('attach (Mapbox GL JS): keeps mapboxgl.accessToken current and reloads the failed tile in its source caches', async () => {
  const { refresher, broker } = make();
  const token = await refresher.token();
  const mapboxgl = { accessToken: null };
  const map = fakeMap('mapbox');
  refresher.attach(map, { mapboxgl });
  assert.equal(mapboxgl.accessToken, token, 'set at once');
  map.emit({ error: { status: 401, url: `https://api.mapbox.com/v4/t/4/3/5.webp?access_token=${token}` }, sourceId: 'composite', tile: TILE });
  await flush();
  assert.equal(broker.calls.length, 2);
  assert.equal(mapboxgl.accessToken, refresher.current);
  assert.notEqual(mapboxgl.accessToken, token);
  assert.deepEqual(map.reloaded, [['composite', 42, 'loading']]);
  // The scheduled refresh keeps the global current too.
  await (async () => {
    for (let i = 0; i < 310; i++) {
      mock.timers.tick(1000);
      await flush(4);
    }
  })();
  assert.equal(broker.calls.length, 3);
  assert.equal(mapboxgl.accessToken, refresher.current);
});

test('attach: a map with only the public refreshTiles gets it; one that throws (source removed) does not stop the refresher', async () => {
  const { refresher, broker } = make();
  await refresher.token();
  const plain = fakeMap('public');
  refresher.attach(plain);
  plain.emit({ error: { status: 401, url: `https://api.mapbox.com/v4/t/1/0/0.png?access_token=${refresher.current}` }, sourceId: 's', tile: TILE });
  await flush();
  assert.equal(broker.calls.length, 2);
  assert.deepEqual(plain.refreshed, [['s', [{ x: 3, y: 5, z: 4 }]]]);
  const map = fakeMap('public');
  map.refreshTiles = () => { throw new Error('There is no tile manager with ID "gone"'); };
  refresher.attach(map);
  map.emit({ error: { status: 401, url: `https://api.mapbox.com/v4/t/1/0/0.png?access_token=${refresher.current}` }, sourceId: 'gone', tile: TILE });
  await flush();
  assert.equal(broker.calls.length, 3);
  assert.match(await refresher.token(), /^tk\./);
});

test('attach: after a 401 the broker still has the same token: no loop of retries, the next token (at the broker\'s refresh point) retries the tile', async () => {
  let issued;
  const broker = fakeBroker((n) => (n <= 2 ? (issued ??= answer({ life: 400 })) : answer({ life: 400, user: 'next' })).response.clone());
  const refresher = new TokenRefresher({ url: 'http://127.0.0.1:9/adapters-same', locks: null, fetch: broker.fetch });
  made.push(refresher);
  const token = await refresher.token();
  const map = fakeMap('maplibre');
  refresher.attach(map);
  map.emit({ error: { status: 401, url: `https://api.mapbox.com/v4/t/1/0/0.png?access_token=${token}` }, sourceId: 's', tile: TILE });
  await flush();
  assert.equal(broker.calls.length, 2);
  assert.equal(refresher.current, token);
  assert.deepEqual(map.reloaded, [], 'the same token would fail again: not retried');
  // The broker said when it will have a new one (a quarter of the life before the end): no fetch
  // before that; then the new token retries the tile.
  for (let s = 0; s < 299; s++) {
    mock.timers.tick(1000);
    await flush(4);
  }
  assert.equal(broker.calls.length, 2);
  for (let s = 0; s < 7; s++) {
    mock.timers.tick(1000);
    await flush(4);
  }
  assert.equal(broker.calls.length, 3);
  assert.notEqual(refresher.current, token);
  assert.deepEqual(map.reloaded, [['s', 42, 'loading']]);
});

test('a 401 of the current token asks the broker with X-Token-Refused: 1 (it checks its own token); other fetches do not', async () => {
  const { refresher, broker } = make();
  const refusedHeader = (call) => new Headers(call.init.headers).get('x-token-refused');
  const token = await refresher.token();
  const map = fakeMap('maplibre');
  refresher.attach(map);
  // A 401 of a request sent with an older token: no broker request at all.
  map.emit({ error: { status: 401, url: 'https://api.mapbox.com/v4/t/4/3/5.png?access_token=tk.older.sig' }, sourceId: 's', tile: TILE });
  await flush();
  assert.equal(broker.calls.length, 1);
  map.emit({ error: { status: 401, url: `https://api.mapbox.com/v4/t/4/3/5.png?access_token=${token}` }, sourceId: 's', tile: TILE });
  await flush();
  assert.equal(broker.calls.length, 2);
  assert.equal(refusedHeader(broker.calls[0]), null, 'not on the first token');
  assert.equal(refusedHeader(broker.calls[1]), '1');
  // The scheduled refresh of the new token is no report.
  for (let s = 0; s < 310; s++) {
    mock.timers.tick(1000);
    await flush(4);
  }
  assert.equal(broker.calls.length, 3);
  assert.equal(refusedHeader(broker.calls[2]), null);
  // refused(), for 401s seen outside attach(): the same report, resolving to the new token.
  const before = refresher.current;
  const next = await refresher.refused();
  assert.equal(broker.calls.length, 4);
  assert.equal(refusedHeader(broker.calls[3]), '1');
  assert.equal(next, refresher.current);
  assert.notEqual(next, before);
  refresher.close();
  await assert.rejects(refresher.refused(), /closed/);
  assert.equal(broker.calls.length, 4);
});
