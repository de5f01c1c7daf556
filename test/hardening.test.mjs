// The defects of the hardening review, each tried as a hostile user would: pacing that kept the
// place of an aborted call, timers beyond 2^31-1 ms that fired at once, calls a deaf `fetch` could
// hang, a timeout per request where the name promises one per call, expiry checked against a
// stale estimate of the API's clock, rotations that lost a token made in the dark, `Link` loops,
// options that were silently dropped, and tokens that redaction missed. Each test is named after
// its defect and failed before its fix.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { lib, startEmulator, leakRecorder, settle } from './helpers.mjs';
import { serve } from './support.mjs';

const { Tokens, isMapboxError } = lib;
// The emulator keeps the real clock even while a test moves `Date.now` (a system clock step).
const realNow = Date.now;
let emu, leaks;
before(async () => {
  emu = await startEmulator({ rateLimit: false, now: () => realNow() });
  leaks = leakRecorder();
});
after(async () => {
  await emu?.close();
  leaks.assertClean([emu.adminToken]);
});
beforeEach(() => {
  emu.clearFaults();
  emu.clearRequests();
  emu.setClockOffset(0);
});

const client = (options = {}) => new Tokens({ accessToken: emu.adminToken, origin: emu.url, rateLimit: false, ...options });
const requests = (method = 'GET') => emu.requests().filter((r) => r.method === method);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rejection = (promise) => leaks.rejection(promise);

// --- pacing and time -----------------------------------------------------------------------------

test('a call aborted while it waits for pacing gives its place back', async () => {
  const tokens = client({ rateLimit: { limit: 1, interval: 3 } });
  const t0 = performance.now();
  await tokens.checkValidity();
  const abort = new AbortController();
  const ghost = tokens.checkValidity({ signal: abort.signal });
  await sleep(100);
  assert.equal(tokens.rateLimit.held, 1);
  abort.abort();
  assert.equal((await rejection(ghost)).kind, 'Aborted');
  assert.equal(tokens.rateLimit.held, 0, 'no ghost is counted');
  const third = tokens.checkValidity();
  await sleep(50);
  assert.equal(tokens.rateLimit.held, 1);
  await third;
  const waited = performance.now() - t0;
  // One interval (3 s and the margin) after the first, not two.
  assert.ok(waited >= 3000 && waited < 5000, `the third call started after ${waited.toFixed(0)} ms`);
  assert.equal(requests().length, 2, 'the aborted call sent nothing');
});

test('places given back by a stopped bulk run let later calls start at once', async () => {
  const tokens = client({ rateLimit: { limit: 2, interval: 60 } });
  await Promise.all([tokens.checkValidity(), tokens.checkValidity()]);
  const stop = new AbortController();
  const held = Array.from({ length: 30 }, () => tokens.checkValidity({ signal: stop.signal }).catch((e) => e.kind));
  await sleep(50);
  assert.equal(tokens.rateLimit.held, 30);
  stop.abort();
  assert.deepEqual(new Set(await Promise.all(held)), new Set(['Aborted']));
  assert.equal(tokens.rateLimit.held, 0);
  // The next call waits for the first window only (one minute), not behind 30 ghosts (15 minutes).
  assert.ok(tokens.rateLimit.resumesIn === 0);
  const next = tokens.checkValidity({ signal: AbortSignal.timeout(200) }).catch((e) => e.kind);
  await sleep(20);
  const status = tokens.rateLimit;
  assert.equal(status.held, 1);
  assert.ok(status.resumesIn <= 60_250, `resumes in ${status.resumesIn} ms`);
  assert.equal(await next, 'Aborted');
});

test('timers longer than 2^31-1 ms no longer fire at once: a day-long interval holds the 26th call', async () => {
  const tokens = client({ rateLimit: { limit: 1, interval: 86_400 } });
  await tokens.checkValidity();
  const stop = new AbortController();
  const held = Array.from({ length: 25 }, () => tokens.checkValidity({ signal: stop.signal }).catch((e) => e.kind));
  await sleep(300);
  assert.equal(requests().length, 1, 'only the first call was sent');
  assert.equal(tokens.rateLimit.held, 25);
  stop.abort();
  assert.deepEqual(new Set(await Promise.all(held)), new Set(['Aborted']));
  assert.equal(requests().length, 1);
});

test('timers longer than 2^31-1 ms no longer fire at once: the longest timeout survives a paced retry', async () => {
  const tokens = client({ rateLimit: { limit: 1, interval: 1 }, timeout: 2_147_483_647 });
  emu.addFault({ method: 'GET', path: '/tokens/v2', count: 1, fault: { type: 'status', status: 503 } });
  const r = await tokens.checkValidity();
  assert.equal(r.status, 200);
  assert.equal(requests().length, 2);
});

test('a 429 whose reset lies years ahead holds pacing for one interval at most', async () => {
  const tokens = client({ rateLimit: { limit: 100, interval: 60 }, timeout: 2000 });
  const reset = Math.floor(realNow() / 1000) + 10 * 365 * 86_400;
  emu.addFault({ method: 'GET', path: '/tokens/v2', count: 1, fault: { type: 'rateLimit', reset } });
  const started = performance.now();
  const e = await rejection(tokens.checkValidity());
  assert.equal(e.status, 429);
  assert.ok(performance.now() - started < 1500, 'reported at once: the reset lies beyond the deadline');
  // Pacing holds the next call (it used to let it through at once), for about a minute at most.
  const next = tokens.checkValidity({ signal: AbortSignal.timeout(400) }).catch((err) => err.kind);
  await sleep(100);
  const { held, resumesIn } = tokens.rateLimit;
  assert.equal(held, 1);
  assert.ok(resumesIn > 50_000 && resumesIn <= 61_000, `resumes in ${resumesIn} ms`);
  assert.equal(await next, 'Aborted');
  assert.equal(requests().length, 1, 'nothing was sent during the hold');
});

test('a fetch that ignores the signal no longer hangs the call', async (t) => {
  const tokens = client();
  const realFetch = globalThis.fetch;
  t.after(() => { globalThis.fetch = realFetch; });
  globalThis.fetch = () => new Promise(() => {});
  let outcome = await settle(tokens.checkValidity({ timeout: 100 }), 3000);
  assert.equal(outcome.error?.kind, 'Timeout');
  // A body that never ends.
  globalThis.fetch = async () => new Response(new ReadableStream({ start() {} }), { status: 200, headers: { 'content-type': 'application/json' } });
  outcome = await settle(tokens.listTokens({ timeout: 100 }), 3000);
  assert.equal(outcome.error?.kind, 'Timeout');
  // An error body that never ends.
  globalThis.fetch = async () => new Response(new ReadableStream({ start() {} }), { status: 500 });
  outcome = await settle(tokens.listScopes({ timeout: 100 }), 3000);
  assert.equal(outcome.error?.kind, 'Timeout');
  // The caller's abort wins over a deaf fetch too.
  globalThis.fetch = () => new Promise(() => {});
  const stop = new AbortController();
  const call = tokens.checkValidity({ signal: stop.signal, timeout: 60_000 });
  setTimeout(() => stop.abort(), 50);
  outcome = await settle(call, 3000);
  assert.equal(outcome.error?.kind, 'Aborted');
});

test('timeout is per call, not per request: rotate', async () => {
  const tokens = client();
  const { data: old } = await tokens.create({ scopes: ['styles:read'], note: 'per-call' });
  emu.clearRequests();
  // Each request alone is within the timeout; the call is not.
  emu.addFault({ method: 'GET', path: '/tokens/v2', count: 1, fault: { type: 'delay', ms: 400 } });
  emu.addFault({ method: 'POST', path: '/tokens/v2', count: 1, fault: { type: 'delay', ms: 400 } });
  const started = performance.now();
  const e = await rejection(tokens.rotate({ authorizationId: old.id, timeout: 600 }));
  assert.equal(e.kind, 'Timeout');
  assert.match(e.message, /^rotate may have created a new token/);
  assert.ok(performance.now() - started < 600 + 600 + 500, 'the call and its search for the new token each within the timeout');
  await sleep(300); // the emulator finishes the delayed create
});

test('timeout is per call, not per request: a skew-corrected createTempToken', async () => {
  const tokens = client(); // a fresh client first asks the API its time, then creates
  emu.addFault({ method: 'GET', path: '/tokens/v2', count: 1, fault: { type: 'delay', ms: 400 } });
  emu.addFault({ method: 'POST', path: '/tokens/v2', count: 1, fault: { type: 'delay', ms: 400 } });
  const started = performance.now();
  const e = await rejection(tokens.createTempToken({ scopes: ['styles:read'], expires: 60, timeout: 600 }));
  assert.equal(e.kind, 'Timeout');
  const took = performance.now() - started;
  assert.ok(took >= 590 && took < 1000, `took ${took.toFixed(0)} ms`);
  await sleep(300);
});

test('an absolute expires is checked against the caller\'s clock, not a stale estimate of the API\'s', async () => {
  const tokens = client();
  emu.setClockOffset(2 * 3600 * 1000);
  await tokens.checkValidity(); // the API's clock is learnt: two hours ahead
  emu.setClockOffset(0); // and then set right
  const expires = new Date(realNow() + 3500e3);
  const { data } = await tokens.createTempToken({ scopes: ['styles:read'], expires });
  assert.match(data.token, /^tk\./);
  assert.equal(JSON.parse(requests('POST').at(-1).body).expires, expires.toISOString());
});

test('a system clock step between two answers no longer shifts the estimate of the API\'s clock', async (t) => {
  const tokens = client();
  await tokens.checkValidity(); // the API's clock is learnt (the same as ours)
  t.after(() => { Date.now = realNow; });
  Date.now = () => realNow() + 2 * 3600 * 1000; // the system clock jumps two hours ahead
  await tokens.createTempToken({ scopes: ['styles:read'], expires: 600 }).catch(() => {});
  Date.now = realNow;
  const sent = Date.parse(JSON.parse(requests('POST')[0].body).expires);
  const off = sent - (realNow() + 600e3);
  assert.ok(Math.abs(off) < 5000, `the first create asked for an expiry ${(off / 1000).toFixed(0)} s off`);
});

// --- rotation and listings -----------------------------------------------------------------------

test('rotate after a create whose outcome is unknown finds the new token and says so', async () => {
  const tokens = client();
  const { data: old } = await tokens.create({ scopes: ['styles:read', 'fonts:read'], note: 'in the dark' });
  emu.addFault({ method: 'POST', path: '/tokens/v2', count: 1, fault: { type: 'dropAfter' } });
  const e = await rejection(tokens.rotate({ authorizationId: old.id, deleteOld: true }));
  assert.equal(e.kind, 'Network');
  assert.match(e.message, /^rotate may have created a new token/);
  assert.ok(e.created, 'the new token is in error.created');
  assert.notEqual(e.created.id, old.id);
  assert.equal(e.created.note, 'in the dark');
  assert.match(e.created.token, /^pk\./, 'a public token is listed with its string');
  assert.ok(e.message.includes(e.created.id));
  assert.equal(requests('DELETE').length, 0, 'the old token is left alone');
  // A secret token's string is never listed: the error says to delete the new one.
  const { data: secret } = await tokens.create({ scopes: ['styles:read', 'tokens:read'], note: 'secret in the dark' });
  emu.addFault({ method: 'POST', path: '/tokens/v2', count: 1, fault: { type: 'dropAfter' } });
  const s = await rejection(tokens.rotate({ authorizationId: secret.id }));
  assert.equal(s.created?.token, undefined);
  assert.match(s.message, /nobody can use it: delete it and rotate again/);
  // Nothing made: the listing says so.
  const { data: third } = await tokens.create({ scopes: ['styles:read'], note: 'never made' });
  emu.addFault({ method: 'POST', path: '/tokens/v2', count: 1, fault: { type: 'drop' } });
  const n = await rejection(tokens.rotate({ authorizationId: third.id }));
  assert.equal(n.created, undefined);
  assert.match(n.message, /none was made/);
});

test('rotate whose delete times out says the old token may or may not still exist', async () => {
  const tokens = client({ retries: 0 });
  const { data: old } = await tokens.create({ scopes: ['styles:read'], note: 'slow delete' });
  emu.addFault({ method: 'DELETE', path: '/tokens/v2', count: 1, fault: { type: 'delay', ms: 1500 } });
  const e = await rejection(tokens.rotate({ authorizationId: old.id, deleteOld: true, timeout: 700 }));
  assert.equal(e.kind, 'Timeout');
  assert.match(e.message, /the old token may or may not still exist/);
  assert.match(e.created.token, /^pk\./);
  await sleep(900);
});

/** A server whose every page of tokens links to the page `start=loop` (itself, after the first). */
async function loopingServer(t) {
  const server = await serve((req, res) => {
    const origin = `http://${req.headers.host}`;
    const id = `tok${Math.random().toString(36).slice(2, 8)}`;
    res.writeHead(200, {
      'content-type': 'application/json',
      link: `<${origin}/tokens/v2/demo?limit=1&start=loop>; rel="next"`,
    });
    res.end(JSON.stringify([{ id, usage: 'pk', note: '', scopes: ['styles:read'], created: new Date().toISOString() }]));
  });
  t.after(server.close);
  return server.url;
}

test('a Link that points back to a page already read stops listAllTokens instead of looping', async (t) => {
  const origin = await loopingServer(t);
  const tokens = new Tokens({ accessToken: emu.adminToken, origin, username: 'demo', rateLimit: false });
  const seen = [];
  const outcome = await settle((async () => {
    for await (const token of tokens.listAllTokens({ limit: 1 })) seen.push(token.id);
  })(), 5000);
  assert.equal(outcome.error?.kind, 'Decode', String(outcome.error));
  assert.match(outcome.error.message, /start=loop/);
  assert.equal(seen.length, 2, 'the first page and the looping one, once');
});

test('a Link that points back to a page already read stops rotate\'s search', async (t) => {
  const origin = await loopingServer(t);
  const tokens = new Tokens({ accessToken: emu.adminToken, origin, username: 'demo', rateLimit: false });
  const outcome = await settle(tokens.rotate({ authorizationId: 'not-listed' }), 5000);
  assert.equal(outcome.error?.kind, 'Decode');
  assert.match(outcome.error.message, /^rotate stopped: .*start=loop/);
});

// --- input ---------------------------------------------------------------------------------------

test('options given through getters on a prototype are read, never replaced by the environment', async (t) => {
  const other = emu.mintToken({ username: 'other', scopes: ['tokens:read'] }).token;
  process.env.MAPBOX_ACCESS_TOKEN = other;
  t.after(() => { delete process.env.MAPBOX_ACCESS_TOKEN; });
  class Settings {
    get accessToken() { return emu.adminToken; }
    get origin() { return emu.url; }
    get rateLimit() { return false; }
  }
  const tokens = new Tokens(new Settings());
  assert.equal(tokens.username, emu.username, 'the getter\'s token, not the environment\'s');
  assert.equal(tokens.origin, emu.url);
  assert.equal((await tokens.listTokens()).status, 200);
  class Paging { get limit() { return 1; } }
  await tokens.listTokens(new Paging());
  assert.equal(requests().at(-1).query.limit, '1');
  // Held but undefined: refused rather than silently using the environment's token.
  const e = (() => { try { new Tokens({ accessToken: undefined, origin: emu.url }); } catch (err) { return err; } })();
  assert.ok(isMapboxError(e));
  assert.equal(e.kind, 'InvalidInput');
  assert.match(e.message, /accessToken is undefined/);
  // A getter that throws names its option.
  class Broken { get accessToken() { throw new Error('vault locked'); } }
  assert.throws(() => new Tokens(new Broken()), /the option accessToken could not be read/);
});

test('a lone surrogate names its option; allowedUrls null on a temporary token is refused', async () => {
  const tokens = client();
  const e = await rejection(tokens.create({ scopes: ['styles:read'], note: 'half \ud800 pair' }));
  assert.equal(e.kind, 'InvalidInput');
  assert.match(e.message, /^note must be well-formed text/);
  for (const allowedUrls of [null, []]) {
    const r = await rejection(tokens.createTempToken({ scopes: ['styles:read'], allowedUrls }));
    assert.equal(r.kind, 'InvalidInput');
    assert.match(r.message, /allowedUrls cannot be set on a temporary token/);
  }
  assert.equal(requests('POST').length, 0);
});

test('a token passed to checkValidity, a standard-base64 token, and an unknown key are all redacted', async (t) => {
  const realFetch = globalThis.fetch;
  t.after(() => { globalThis.fetch = realFetch; });
  // A platform whose network errors quote the URL.
  globalThis.fetch = async (url) => { throw new TypeError(`fetch failed for ${url}`); };
  const checked = 'not-a-token-but-a-secret-value';
  const e1 = await rejection(client().checkValidity({ accessToken: checked }));
  assert.equal(e1.kind, 'Network');
  assert.ok(!e1.message.includes(checked), e1.message);
  const standard = `pk.${Buffer.from('{"u":"demo","a":"b+/c"}').toString('base64')}.c2ln+/sig=`;
  assert.ok(/[+/]/.test(standard));
  const e2 = await rejection(new Tokens({ accessToken: standard, origin: emu.url, username: 'demo', retries: 0 }).listScopes());
  assert.ok(!e2.message.includes(standard.slice(3, 20)), e2.message);
  assert.ok(!e2.message.includes(encodeURIComponent(standard).slice(3, 20)), e2.message);
  globalThis.fetch = realFetch;
  const key = 'pk.eyJ1IjoiYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
  const e3 = await rejection(client().listScopes({ [key]: 1 }));
  assert.ok(!e3.message.includes('eyJ1'), e3.message);
  leaks.assertClean([checked, standard, key]);
  leaks = leakRecorder();
});

test('hundreds of calls held by pacing make Node warn of no listener leak', async (t) => {
  const warnings = [];
  const onWarning = (w) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const tokens = client({ rateLimit: { limit: 1, interval: 60 } });
  await tokens.checkValidity();
  const stops = Array.from({ length: 200 }, () => new AbortController());
  const held = stops.map((stop) => tokens.checkValidity({ signal: stop.signal }).catch((e) => e.kind));
  await sleep(100);
  assert.equal(tokens.rateLimit.held, 200);
  for (const stop of stops) stop.abort(); // each gives its place back and wakes the others
  assert.deepEqual(new Set(await Promise.all(held)), new Set(['Aborted']));
  await sleep(50);
  assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
});
