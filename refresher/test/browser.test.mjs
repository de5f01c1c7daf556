// The refresher in headless Debian Chromium, as it ships (minified), in a page that has no
// WebAssembly client: token() against a local server answering as the broker does, no .wasm
// requested and no WebAssembly call, and two tabs of one origin sharing one broker request
// (the real Web Locks API and BroadcastChannel), at the first token and at a refresh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, serve } from '../../test/support.mjs';
import { shippedCode, tk } from './helpers.mjs';

const PAGE = `<!doctype html><meta charset="utf-8"><title>refresher</title>
<script type="module">
  import { TokenRefresher } from '/refresher.mjs';
  window.refresher = new TokenRefresher({ url: '/mapbox-token' });
  window.events = [];
  refresher.addEventListener('token', (e) => events.push(e.detail.token));
  window.ready = true;
</script>`;

let browser, server, origin;
/** Each broker request's time (ms). */
let brokerRequests = [];
/** Every path asked of the server. */
let served = [];
/** Seconds that each token lasts; Cache-Control max-age is half of it. */
let life = 600;
let issued = 0;

before(async () => {
  const code = await shippedCode();
  server = await serve((req, res) => {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    served.push(pathname);
    if (pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (pathname === '/refresher.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
    } else if (pathname === '/mapbox-token') {
      brokerRequests.push(Date.now());
      // A broker that takes a moment, so that a second tab asks while the first waits.
      setTimeout(() => {
        const iat = Math.floor(Date.now() / 1000);
        const token = tk({ iat, exp: iat + life }, `user${++issued}`);
        res.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': `private, max-age=${Math.floor(life / 2)}`,
        }).end(JSON.stringify({ token, expires: new Date((iat + life) * 1000).toISOString() }));
      }, 300);
    } else {
      res.writeHead(404).end();
    }
  });
  origin = server.url;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * A new browser context (one origin's tabs) whose pages count their WebAssembly calls, and every
 * URL its pages request.
 */
async function newContext() {
  const context = await browser.newContext();
  const requested = [];
  context.on('request', (request) => requested.push(request.url()));
  await context.addInitScript(() => {
    window.wasmCalls = 0;
    for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming', 'validate']) {
      const original = WebAssembly[name];
      WebAssembly[name] = function (...args) {
        window.wasmCalls++;
        return original.apply(this, args);
      };
    }
  });
  return { context, requested };
}

/** Opens the page in `context` and waits for the module to load; reports page errors into `problems`. */
async function openPage(context, problems) {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 10_000 });
  return page;
}

test('a page without the wasm: token() gets the broker\'s token; no .wasm requested, no WebAssembly call', { timeout: 60_000 }, async () => {
  brokerRequests = [];
  served = [];
  life = 600;
  const { context, requested } = await newContext();
  const problems = [];
  try {
    const page = await openPage(context, problems);
    const result = await page.evaluate(async () => {
      const token = await refresher.token();
      return {
        token,
        current: refresher.current,
        events: window.events,
        tile: refresher.transformRequest('https://api.mapbox.com/v4/mapbox.satellite/1/0/0.webp?access_token=old', 'Tile').url,
        other: refresher.transformRequest(`${location.origin}/tiles/1/0/0.png`, 'Tile').url,
        wasmCalls: window.wasmCalls,
        locks: typeof navigator.locks?.request,
      };
    });
    assert.match(result.token, /^tk\./);
    assert.equal(result.current, result.token);
    assert.deepEqual(result.events, [result.token]);
    assert.equal(result.tile, `https://api.mapbox.com/v4/mapbox.satellite/1/0/0.webp?access_token=${result.token}`);
    assert.equal(result.other, `${origin}/tiles/1/0/0.png`);
    assert.equal(result.wasmCalls, 0);
    assert.equal(result.locks, 'function', 'the page has the Web Locks API (the election is exercised below)');
    assert.equal(brokerRequests.length, 1);
    assert.deepEqual(requested.filter((url) => /\.wasm(\?|$)/.test(url)), []);
    assert.deepEqual(served.filter((path) => path !== '/favicon.ico'), ['/', '/refresher.mjs', '/mapbox-token']);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('two tabs of one origin: one broker request for their first token, and one per refresh', { timeout: 60_000 }, async () => {
  brokerRequests = [];
  // Tokens of 8 s, max-age 4 s: each tab plans a refresh at about 4 s (its own jitter added).
  life = 8;
  const { context } = await newContext();
  const problems = [];
  try {
    const first = await openPage(context, problems);
    const second = await openPage(context, problems);
    const [a, b] = await Promise.all([first.evaluate(() => refresher.token()), second.evaluate(() => refresher.token())]);
    assert.equal(a, b);
    assert.equal(brokerRequests.length, 1, 'the second tab waited for the lock and received the first tab\'s token');

    // Two refresh points (about 4 s and 8 s after the first token), then long enough for a second
    // tab's duplicate request to show (each tab's jitter is at most 1 s here), not for a 4th refresh.
    const deadline = Date.now() + 20_000;
    while (brokerRequests.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const [one, two] = await Promise.all([
      first.evaluate(() => ({ current: refresher.current, events: window.events })),
      second.evaluate(() => ({ current: refresher.current, events: window.events })),
    ]);
    assert.equal(brokerRequests.length, 3, `one request per refresh, seen ${brokerRequests.length} in all`);
    assert.equal(one.current, two.current, 'both tabs hold the newest token');
    assert.deepEqual(one.events, two.events, 'both saw the same tokens, in order');
    assert.equal(one.events.length, 3);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
