// TokenRefresher on a fake clock (node:test's mock timers for setTimeout and Date) against a fake
// broker: when it refreshes, single flight, backoff and recovery, visibility and `online`,
// close(), expiry read from the token, the broker's clock, and tokens shared between refreshers.
import { test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { TokenRefresher } from '../refresher.mjs';
import { answer, failure, fakeBroker, fakeLocks, flush, tk } from './helpers.mjs';

const START = Date.UTC(2026, 0, 1, 12);
/** Refreshers made by a test, closed after it. */
let made = [];
let urls = 0;

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START });
  mock.method(Math, 'random', () => 0);
});
afterEach(() => {
  for (const refresher of made) refresher.close();
  made = [];
  mock.timers.reset();
  mock.restoreAll();
});

/**
 * A page's `document` (in `visibilityState`) and `window` events, as globals until the test `t`
 * ends.
 */
function fakePage(t, visibilityState) {
  const document = Object.assign(new EventTarget(), { visibilityState });
  const window = new EventTarget();
  globalThis.document = document;
  globalThis.addEventListener = window.addEventListener.bind(window);
  t.after(() => {
    delete globalThis.document;
    delete globalThis.addEventListener;
  });
  return { document, window };
}

/**
 * A refresher on its own broker URL (so that tests do not share a channel), without Web Locks
 * unless given, closed after the test.
 */
function make(options) {
  const refresher = new TokenRefresher({ url: `http://127.0.0.1:9/token-${++urls}`, locks: null, ...options });
  made.push(refresher);
  return refresher;
}

/** Moves the fake clock by `ms`, `step` ms at a time, letting promises settle after each step. */
async function advance(ms, step = 250) {
  for (let done = 0; done < ms; done += step) {
    mock.timers.tick(Math.min(step, ms - done));
    await flush(4);
  }
}

/** The seconds from START of each broker call. */
const seconds = (calls) => calls.map((c) => (c.at - START) / 1000);

test('the first token(): one fetch, the answer\'s token, a token event with its end', async () => {
  let issued;
  const broker = fakeBroker(() => ((issued = answer({ life: 400 })), issued.response));
  const refresher = make({ fetch: broker.fetch });
  const events = [];
  refresher.addEventListener('token', (e) => events.push(e.detail));
  assert.equal(refresher.current, null);
  const token = await refresher.token();
  assert.equal(token, issued.token);
  assert.equal(refresher.current, issued.token);
  assert.equal(broker.calls.length, 1);
  assert.equal(broker.calls[0].init.cache, 'no-store');
  assert.deepEqual(events, [{ token, expires: new Date(issued.exp * 1000) }]);
  // A second call within the token's life fetches nothing.
  assert.equal(await refresher.token(), token);
  assert.equal(broker.calls.length, 1);
});

test('refresh point: when a quarter of the life is left, plus a jitter of a few seconds', async () => {
  for (const [random, expected] of [[0, 300], [0.5, 302.5], [0.999, 305]]) {
    mock.timers.reset();
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START });
    Math.random.mock.mockImplementation(() => random);
    const broker = fakeBroker(() => answer({ life: 400 }).response);
    const refresher = make({ fetch: broker.fetch });
    await refresher.token();
    await advance((expected - 1) * 1000, 1000);
    assert.equal(broker.calls.length, 1, `no fetch before ${expected} s (random ${random})`);
    await advance(2000, 100);
    assert.equal(broker.calls.length, 2, `a fetch at ${expected} s (random ${random})`);
    const [, at] = seconds(broker.calls);
    assert.ok(at >= expected && at <= expected + 0.1, `refreshed at ${at} s, expected ${expected} s`);
    refresher.close();
  }
});

test('the refreshing goes on: each new token is replaced at its own three quarters', async () => {
  const broker = fakeBroker(() => answer({ life: 400 }).response);
  const refresher = make({ fetch: broker.fetch });
  const tokens = [];
  refresher.addEventListener('token', (e) => tokens.push(e.detail.token));
  await refresher.token();
  await advance(1000 * 1000, 1000);
  assert.deepEqual(seconds(broker.calls), [0, 300, 600, 900]);
  assert.equal(new Set(tokens).size, 4, 'four different tokens, one event each');
  assert.equal(refresher.current, tokens.at(-1));
});

test('Cache-Control max-age sets the refresh point (when the broker will have a new token)', async () => {
  const broker = fakeBroker(() => answer({ life: 400, maxAge: 250 }).response);
  const refresher = make({ fetch: broker.fetch });
  await refresher.token();
  await advance(260 * 1000, 1000);
  assert.deepEqual(seconds(broker.calls), [0, 250]);
});

test('single flight: 100 concurrent token() calls while the broker is slow make one fetch', async () => {
  let release;
  const broker = fakeBroker(() => new Promise((resolve) => (release = resolve)));
  const refresher = make({ fetch: broker.fetch });
  const waiting = Array.from({ length: 100 }, () => refresher.token());
  await flush();
  assert.equal(broker.calls.length, 1);
  const issued = answer();
  release(issued.response);
  const tokens = await Promise.all(waiting);
  assert.ok(tokens.every((t) => t === issued.token));
  assert.equal(broker.calls.length, 1);
  // The refresh timer joins a flight in progress too.
  assert.equal(refresher.current, issued.token);
});

test('backoff: a failing broker is asked again after 1, 2, 4… s up to 60 s, an error event each time, then it recovers', async () => {
  let failing = true;
  const broker = fakeBroker(() => (failing ? failure(503, 'the Tokens API is unavailable') : answer().response));
  const refresher = make({ fetch: broker.fetch });
  const errors = [];
  refresher.addEventListener('error', (e) => errors.push(e.detail));
  await assert.rejects(refresher.token(), (error) => {
    assert.equal(error.status, 503);
    assert.match(error.message, /^token broker answered 503: the Tokens API is unavailable$/);
    return true;
  });
  await advance(250 * 1000, 500);
  assert.deepEqual(seconds(broker.calls), [0, 1, 3, 7, 15, 31, 63, 123, 183, 243]);
  assert.equal(errors.length, broker.calls.length);
  assert.deepEqual(errors.slice(0, 8).map((d) => d.retryIn), [1, 2, 4, 8, 16, 32, 60, 60].map((s) => s * 1000));
  failing = false;
  await advance(60 * 1000, 500);
  assert.deepEqual(seconds(broker.calls).slice(10), [303]);
  assert.ok(refresher.current, 'recovered: a token');
  assert.equal(await refresher.token(), refresher.current);
  // After a success the pauses start again from 1 s: the refresh at 603 s fails, then 604, 606.
  await advance(290 * 1000, 1000);
  failing = true;
  await advance(8 * 1000, 500);
  assert.deepEqual(seconds(broker.calls).slice(11), [603, 604, 606]);
});

test('backoff: Retry-After is honoured; a network failure and a 403 are retried too', async () => {
  const answers = [
    () => failure(503, 'busy', { 'retry-after': '30' }),
    () => { throw new TypeError('fetch failed'); },
    () => failure(403, 'this origin is not allowed'),
    () => answer().response,
  ];
  const broker = fakeBroker((n) => answers[n - 1]());
  const refresher = make({ fetch: broker.fetch });
  const errors = [];
  refresher.addEventListener('error', (e) => errors.push(e.detail));
  await assert.rejects(refresher.token(), { status: 503 });
  await advance(40 * 1000, 500);
  assert.deepEqual(seconds(broker.calls), [0, 30, 32, 36]);
  assert.deepEqual(errors.map((d) => [d.error.status, d.retryIn]), [[503, 30000], [undefined, 2000], [403, 4000]]);
  assert.equal(errors[1].error.message, 'fetch failed');
  assert.equal(await refresher.token(), refresher.current);
});

test('a broker that still has the token we hold is asked again later, less often each time', async () => {
  let same;
  const broker = fakeBroker((n) => {
    if (n === 1) same = answer({ life: 400 });
    // It keeps answering the first token (its refresh is slow), with max-age 0.
    const body = { token: same.token, expires: new Date(same.exp * 1000).toISOString() };
    return n < 5 ? new Response(JSON.stringify(body), { headers: { 'cache-control': 'private, max-age=0' } }) : answer().response;
  });
  const refresher = make({ fetch: broker.fetch });
  const events = [];
  refresher.addEventListener('token', () => events.push(Date.now()));
  await refresher.token();
  await advance(320 * 1000, 500);
  assert.deepEqual(seconds(broker.calls), [0, 300, 301, 303, 307]);
  assert.equal(events.length, 2, 'one token event per new token');
});

test('the answer\'s errors never carry the answer\'s text (a token sent as plain text)', async () => {
  const secretish = tk({ iat: 1, exp: 2 });
  const broker = fakeBroker(() => new Response(secretish, { status: 200 }));
  const refresher = make({ fetch: broker.fetch });
  const errors = [];
  refresher.addEventListener('error', (e) => errors.push(e.detail.error));
  await assert.rejects(refresher.token(), (error) => !String(error.message).includes(secretish.slice(3, 20)));
  const long = failure(500, 'x'.repeat(1000));
  const refresher2 = make({ fetch: async () => long });
  await assert.rejects(refresher2.token(), (error) => error.message.length < 260);
  assert.equal(errors.length, 1);
});

test('expires from the token when the answer lacks it (its exp, and its life for the refresh point)', async () => {
  let issued;
  const broker = fakeBroker(() => ((issued = answer({ life: 800, expires: false })), issued.response));
  const refresher = make({ fetch: broker.fetch });
  const events = [];
  refresher.addEventListener('token', (e) => events.push(e.detail));
  await refresher.token();
  assert.deepEqual(events[0].expires, new Date(issued.exp * 1000));
  await advance(610 * 1000, 1000);
  assert.deepEqual(seconds(broker.calls), [0, 600]);
});

test('an answer without any expiry, or an ended token, is an error (and retried)', async () => {
  const broker = fakeBroker((n) =>
    n === 1 ? new Response(JSON.stringify({ token: 'pk.not-a-temporary-token' })) : answer({ life: -10 }).response);
  const refresher = make({ fetch: broker.fetch });
  await assert.rejects(refresher.token(), /without time left/);
  await advance(1000);
  assert.equal(broker.calls.length, 2);
  await assert.rejects(refresher.token(), /without time left/);
});

test('times left come from the broker\'s clock: a page whose clock is 20 minutes late still refreshes in time', async () => {
  const skew = 20 * 60 * 1000;
  let issued;
  const broker = fakeBroker(() => ((issued = answer({ life: 400, skew })), issued.response));
  const refresher = make({ fetch: broker.fetch });
  const events = [];
  refresher.addEventListener('token', (e) => events.push(e.detail));
  await refresher.token();
  // On this (late) clock the token ends 400 s from now, not 1,600 s.
  assert.equal(events[0].expires.getTime(), START + 400 * 1000);
  await advance(301 * 1000, 1000);
  assert.deepEqual(seconds(broker.calls), [0, 300]);
});

test('minValidity: token() fetches when the current token has less left, and returns a short-lived broker\'s freshest', async () => {
  const broker = fakeBroker(() => answer({ life: 400 }).response);
  const refresher = make({ fetch: broker.fetch, minValidity: 350 });
  const first = await refresher.token();
  await advance(60 * 1000, 1000);
  const second = await refresher.token();
  assert.notEqual(second, first);
  assert.deepEqual(seconds(broker.calls), [0, 60]);
  // A broker of 60-second tokens: token() gives what it has rather than failing.
  const short = make({ fetch: fakeBroker(() => answer({ life: 60 }).response).fetch });
  assert.match(await short.token(), /^tk\./);
});

test('visibility and online: a page coming back (its timers late) and the network coming back check at once', async (t) => {
  const { document, window } = fakePage(t, 'hidden');
  const broker = fakeBroker(() => answer({ life: 400 }).response);
  const refresher = make({ fetch: broker.fetch });
  await refresher.token();
  // The laptop sleeps: the clock moves, the timers have not run yet.
  mock.timers.setTime(START + 350 * 1000);
  document.dispatchEvent(new Event('visibilitychange'));
  await flush();
  assert.equal(broker.calls.length, 1, 'hidden: nothing');
  document.visibilityState = 'visible';
  document.dispatchEvent(new Event('visibilitychange'));
  await flush();
  assert.equal(broker.calls.length, 2, 'visible again: a fetch at once');
  // Visible while the token is fresh: no fetch.
  document.dispatchEvent(new Event('visibilitychange'));
  await flush();
  assert.equal(broker.calls.length, 2);
  refresher.close();

  // The network goes away: the broker cannot be reached, the pauses grow; `online` tries at once.
  mock.timers.setTime(START + 700 * 1000);
  const down = fakeBroker(() => { throw new TypeError('fetch failed'); });
  const offline = make({ fetch: async (...args) => (navigatorOnline ? broker.fetch(...args) : down.fetch(...args)) });
  let navigatorOnline = false;
  await assert.rejects(offline.token());
  await advance(20 * 1000, 500);
  assert.equal(down.calls.length, 5, '1, 2, 4, 8 s: then a 16 s pause');
  navigatorOnline = true;
  const before = broker.calls.length;
  window.dispatchEvent(new Event('online'));
  await flush();
  assert.equal(broker.calls.length, before + 1, 'online: a fetch at once');
  assert.ok(offline.current);
});

test('close(): no timer, listener, channel or fetch is left, and token() rejects', async (t) => {
  const { document, window } = fakePage(t, 'visible');
  const broker = fakeBroker(() => answer({ life: 400 }).response);
  const refresher = make({ fetch: broker.fetch });
  await refresher.token();
  refresher.close();
  await advance(2000 * 1000, 10_000);
  mock.timers.setTime(START + 5000 * 1000);
  document.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new Event('online'));
  await flush();
  assert.equal(broker.calls.length, 1, 'nothing fetched after close()');
  await assert.rejects(refresher.token(), /closed/);
});

test('close() during a fetch aborts it (token() rejects), and on real timers no timer is left', { timeout: 10_000 }, async () => {
  mock.timers.reset();
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  let signal;
  const hanging = (url, init) => new Promise((resolve, reject) => {
    signal = init.signal;
    signal.addEventListener('abort', () => reject(signal.reason));
  });
  const refresher = make({ fetch: hanging });
  const waiting = refresher.token();
  await flush();
  refresher.close();
  assert.equal(signal.aborted, true);
  await assert.rejects(waiting, { name: 'AbortError' });

  await flush();
  const active = (kind) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
  const ports = active('MessagePort');
  const timed = make({ fetch: async () => answer().response });
  await timed.token();
  assert.equal(active('Timeout'), before + 1, 'one refresh timer while open');
  assert.equal(active('MessagePort'), ports + 1, 'its BroadcastChannel while open');
  timed.close();
  await flush();
  assert.equal(active('Timeout'), before, 'no timer after close()');
  assert.equal(active('MessagePort'), ports, 'no channel after close()');
});

test('two refreshers of one origin without Web Locks: one fetch\'s token reaches the other through BroadcastChannel', { timeout: 10_000 }, async () => {
  mock.timers.reset();
  const url = 'http://127.0.0.1:9/shared';
  const brokerA = fakeBroker(() => answer().response);
  const brokerB = fakeBroker(() => answer().response);
  const a = make({ url, fetch: brokerA.fetch });
  const b = make({ url, fetch: brokerB.fetch });
  const received = once(b, 'token');
  const token = await a.token();
  const [event] = await received;
  assert.equal(event.detail.token, token);
  assert.equal(b.current, token);
  assert.equal(await b.token(), token, 'b has a fresh token: no fetch');
  assert.equal(brokerA.calls.length + brokerB.calls.length, 1);
});

test('two refreshers that need a token at once, with Web Locks: the lock elects one, the other receives its token', { timeout: 10_000 }, async () => {
  mock.timers.reset();
  const url = 'http://127.0.0.1:9/elected';
  const locks = fakeLocks();
  let release;
  const broker = fakeBroker(() => new Promise((resolve) => (release = resolve)));
  const a = make({ url, fetch: broker.fetch, locks });
  const b = make({ url, fetch: broker.fetch, locks });
  const both = Promise.all([a.token(), b.token()]);
  await flush();
  assert.equal(broker.calls.length, 1);
  release(answer().response);
  const [tokenA, tokenB] = await both;
  assert.equal(tokenA, tokenB);
  assert.equal(locks.granted, 1, 'b had a\'s token before the lock came to it (a holds it a moment after its fetch)');
  while (locks.granted < 2) await new Promise((resolve) => setTimeout(resolve, 50));
  await flush();
  assert.equal(broker.calls.length, 1, 'b took the lock, found the token new, and fetched nothing');
});

test('a refresher ignores a token from another tab that ends before its own', { timeout: 10_000 }, async () => {
  mock.timers.reset();
  const url = 'http://127.0.0.1:9/older';
  const b = make({ url, fetch: async () => answer({ life: 400, user: 'b' }).response });
  const tokenB = await b.token();
  // Created after b's token went out: a fetches its own, shorter one, which b hears and ignores.
  const a = make({ url, fetch: async () => answer({ life: 100, user: 'a' }).response });
  const listener = new BroadcastChannel(`mapbox-tokens ${url}`);
  try {
    let heard = false;
    b.addEventListener('token', () => (heard = true));
    const delivered = once(listener, 'message');
    const tokenA = await a.token();
    assert.notEqual(tokenA, tokenB);
    assert.equal((await delivered)[0].data.token, tokenA, 'a sent its token');
    await flush();
    assert.equal(heard, false);
    assert.equal(b.current, tokenB);
  } finally {
    listener.close();
  }
});

test('the constructor checks its options', () => {
  assert.throws(() => new TokenRefresher({}), TypeError);
  assert.throws(() => new TokenRefresher({ url: '/t', origin: 'not a url', locks: null }), TypeError);
  assert.throws(() => new TokenRefresher({ url: '/t', fetch: 'no', locks: null }), TypeError);
});
