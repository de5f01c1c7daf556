// The token broker against the emulator: one token shared by every caller, renewed at three
// quarters of its life with one mint at a time, the origin and authorize checks, the API's
// failures with and without a usable token, shared stores (one that works, one that throws), and
// no secret in any answer or log.
//
// Time is the test's to move: `performance.now` (the broker's clock) and the emulator's clock are
// shifted together, so a token's life passes in an instant.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { lib, startEmulator, leakRecorder } from './helpers.mjs';
import { serve } from './support.mjs';

const { TokenBroker, isMapboxError } = lib;
const realPerformanceNow = performance.now.bind(performance);
let shifted = 0;
let emu, leaks;
before(async () => {
  emu = await startEmulator({ rateLimit: false });
  leaks = leakRecorder();
  performance.now = () => realPerformanceNow() + shifted;
});
after(async () => {
  performance.now = realPerformanceNow;
  await emu?.close();
  leaks.assertClean([emu.adminToken]);
});
beforeEach(() => {
  emu.clearFaults();
  emu.clearMints();
  shifted = 0;
  emu.setClockOffset(0);
});

/** Moves the broker's clock and the API's together. */
function advance(ms) {
  shifted += ms;
  emu.setClockOffset(shifted);
}

const APP = 'https://app.example';
const SCOPES = ['styles:read', 'styles:tiles', 'fonts:read'];
const broker = (options = {}) => new TokenBroker({
  accessToken: emu.adminToken, origin: emu.url, scopes: SCOPES, allowedOrigins: [APP], rateLimit: false, ...options,
});
const ask = (b, { method = 'GET', origin = APP, headers = {} } = {}) => b.fetch(new Request('http://broker.test/mapbox-token', {
  method, headers: { ...(origin ? { origin } : {}), ...headers },
}));
const mints = () => emu.mints().filter((m) => m.usage === 'tk').length;
const code = async (token) => {
  const r = await fetch(`${emu.url}/tokens/v2?access_token=${encodeURIComponent(token)}`);
  return (await r.json()).code;
};
/** Reads an answer, checking that it holds no secret, no API body and no stack. */
async function read(response) {
  const text = await response.text();
  leaks.error({ message: text });
  assert.ok(!text.includes(emu.adminToken) && !text.includes('at ') && !text.includes('\n'), text);
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

test('one token is shared by every caller: 1,000 requests at once make one mint', async () => {
  const b = broker();
  const answers = await Promise.all(Array.from({ length: 1000 }, () => ask(b).then(read)));
  assert.equal(mints(), 1);
  const tokens = new Set(answers.map((a) => a.body.token));
  assert.equal(tokens.size, 1);
  const [token] = tokens;
  assert.match(token, /^tk\./);
  assert.equal(await code(token), 'TokenValid');
  const { headers, body } = answers[0];
  assert.equal(headers.get('access-control-allow-origin'), APP);
  assert.equal(headers.get('vary'), 'Origin');
  assert.equal(headers.get('content-type'), 'application/json');
  const maxAge = Number(headers.get('cache-control').match(/^private, max-age=(\d+)$/)[1]);
  assert.ok(maxAge > 2690 && maxAge <= 2700, `max-age=${maxAge}`);
  const life = (Date.parse(body.expires) - Date.now()) / 1000;
  assert.ok(life > 3590 && life <= 3601, `lives ${life} s`);
  assert.deepEqual(await b.token(), body);
});

test('the token is renewed at three quarters of its life, once, and served meanwhile', async () => {
  const b = broker({ expires: 60 });
  const first = (await read(await ask(b))).body.token;
  advance(30_000);
  assert.equal((await read(await ask(b))).body.token, first, 'fresh at half its life');
  assert.equal(mints(), 1);
  advance(16_000); // 46 s: past the renewal point (40 to 45 s)
  emu.addFault({ method: 'POST', path: '/tokens/v2', count: 1, fault: { type: 'delay', ms: 500 } });
  const started = realPerformanceNow();
  const starter = ask(b).then(read); // past the renewal point: this request starts the renewal
  await new Promise((resolve) => setTimeout(resolve, 50));
  const during = await Promise.all(Array.from({ length: 50 }, () => ask(b).then(read)));
  assert.ok(realPerformanceNow() - started < 400, 'the others are answered at once');
  assert.ok(during.every((a) => a.body.token === first), 'the old token is served while the new one is made');
  const renewed = (await starter).body.token;
  assert.notEqual(renewed, first, 'the request that started the renewal waited for it');
  assert.equal((await read(await ask(b))).body.token, renewed);
  assert.equal(mints(), 2, 'one mint for the renewal, however many requests arrived');
  assert.equal(await code(renewed), 'TokenValid');
});

test('one mint at a time while the API is slow', async () => {
  const b = broker();
  emu.addFault({ method: 'POST', path: '/tokens/v2', count: 1, fault: { type: 'delay', ms: 1000 } });
  const answers = await Promise.all(Array.from({ length: 100 }, () => ask(b).then(read)));
  assert.ok(answers.every((a) => a.status === 200));
  assert.equal(new Set(answers.map((a) => a.body.token)).size, 1);
  assert.equal(mints(), 1);
});

test('CORS, the preflight and the methods served', async () => {
  const b = broker();
  const pre = await ask(b, { method: 'OPTIONS', headers: { 'access-control-request-method': 'GET' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), APP);
  assert.match(pre.headers.get('access-control-allow-methods'), /GET/);
  const post = await read(await ask(b, { method: 'POST' }));
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, OPTIONS');
  assert.equal(mints(), 0, 'neither mints');
  const any = broker({ allowedOrigins: undefined, allowAnyOrigin: true });
  const fromAnywhere = await read(await ask(any, { origin: 'https://elsewhere.example' }));
  assert.equal(fromAnywhere.headers.get('access-control-allow-origin'), '*');
});

test('refused origins, requests without an Origin, and authorize get 403 and mint nothing', async () => {
  let allow = false;
  const seen = [];
  const b = broker({ authorize: async (request) => { seen.push(request.headers.get('cookie')); return allow; } });
  for (const origin of ['https://evil.example', 'https://app.example.evil', 'http://app.example', 'null']) {
    const r = await read(await ask(b, { origin }));
    assert.equal(r.status, 403, origin);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    assert.equal(typeof r.body.message, 'string');
  }
  assert.equal((await read(await ask(b, { origin: null }))).status, 403, 'no Origin');
  assert.equal((await read(await ask(b, { origin: null, headers: { 'sec-fetch-site': 'cross-site' } }))).status, 403);
  assert.equal(seen.length, 0, 'authorize is not asked about refused origins');
  const refused = await read(await ask(b, { headers: { cookie: 'session=1' } }));
  assert.equal(refused.status, 403);
  assert.deepEqual(seen, ['session=1'], 'authorize sees the request');
  assert.equal(mints(), 0);
  allow = true;
  assert.equal((await read(await ask(b, { origin: null, headers: { 'sec-fetch-site': 'same-origin' } }))).status, 200);
  assert.equal(mints(), 1);
  const truthy = broker({ authorize: () => 'yes' });
  assert.equal((await read(await ask(truthy))).status, 403, 'only true lets a request through');
  const broken = broker({ authorize: () => { throw new Error(`session store down ${emu.adminToken}`); } });
  const failed = await read(await ask(broken));
  assert.equal(failed.status, 500);
  assert.doesNotMatch(JSON.stringify(failed.body), /session store/);
});

test('the constructor checks every option: secret scopes are refused by name', () => {
  const refused = (options, pattern) => {
    const e = (() => { try { broker(options); } catch (err) { return err; } })();
    assert.ok(isMapboxError(e), String(e));
    assert.equal(e.kind, 'InvalidInput');
    assert.match(e.message, pattern);
    leaks.error(e);
  };
  refused({ scopes: ['styles:read', 'tokens:write'] }, /"tokens:write" is not one/);
  refused({ scopes: [] }, /scopes must not be empty/);
  refused({ allowedOrigins: undefined }, /allowedOrigins is required/);
  refused({ allowedOrigins: ['https://app.example/path'] }, /no path/);
  refused({ expires: 30 }, /60 to 3600/);
  refused({ authorize: 'yes' }, /authorize must be a function/);
  refused({ store: { get() {} } }, /setIfAbsent is not a function/);
  refused({ alowedOrigins: [APP] }, /has no option "alowedOrigins"/);
  refused({ accessToken: undefined }, /accessToken is undefined/);
});

test('when the API fails with a usable token, it is served; without one, 503 with Retry-After', async () => {
  for (const fault of [
    { type: 'status', status: 503, body: { message: `upstream exploded near ${emu.adminToken}` } },
    { type: 'rateLimit' },
    { type: 'drop' },
  ]) {
    emu.clearMints();
    shifted = 0;
    emu.setClockOffset(0);
    const b = broker({ expires: 600, retries: 0 });
    const first = (await read(await ask(b))).body.token;
    advance(500_000); // 100 s left: past the renewal point, still usable
    emu.addFault({ method: 'POST', path: '/tokens/v2', count: 5, fault });
    const served = await read(await ask(b));
    assert.equal(served.status, 200, fault.type);
    assert.equal(served.body.token, first);
    emu.clearFaults();
    // A fresh broker has no token to fall back on.
    const fresh = broker({ retries: 0 });
    emu.addFault({ method: 'POST', path: '/tokens/v2', count: 5, fault });
    const down = await read(await ask(fresh));
    assert.equal(down.status, 503, fault.type);
    const retryAfter = Number(down.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    assert.doesNotMatch(down.body.message, /exploded|tk\.|sk\./);
    const rejected = await fresh.token().then(() => assert.fail('resolved'), (e) => e);
    assert.ok(isMapboxError(rejected));
    leaks.error(rejected);
    emu.clearFaults();
  }
});

/** A store in this process's memory, shared by brokers, counting its calls. */
function memoryStore() {
  const entries = new Map();
  const live = (key) => {
    const e = entries.get(key);
    if (e && e.until <= realPerformanceNow() + shifted) entries.delete(key);
    return entries.get(key);
  };
  return {
    entries,
    async get(key) { return live(key)?.value ?? null; },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      entries.set(key, { value, until: realPerformanceNow() + shifted + ttlMs });
      return true;
    },
    async set(key, value, ttlMs) { entries.set(key, { value, until: realPerformanceNow() + shifted + ttlMs }); },
    async delete(key) { entries.delete(key); },
  };
}

test('brokers sharing a store make one mint per renewal between them; the store holds no secret', async () => {
  const store = memoryStore();
  const brokers = Array.from({ length: 4 }, () => broker({ store, expires: 120 }));
  const round = () => Promise.all(brokers.flatMap((b) => Array.from({ length: 25 }, () => ask(b).then(read))));
  let answers = await round();
  assert.equal(mints(), 1);
  assert.equal(new Set(answers.map((a) => a.body.token)).size, 1);
  const keys = [...store.entries.keys()];
  assert.deepEqual(keys, [`mapbox-tokens:broker:${emu.url}:${emu.username}:fonts:read,styles:read,styles:tiles:120`]);
  assert.ok(!JSON.stringify([...store.entries]).includes(emu.adminToken));
  advance(95_000); // past every instance's renewal point (85 to 90 s)
  await round();
  await new Promise((resolve) => setTimeout(resolve, 300));
  answers = await round();
  assert.equal(mints(), 2, 'one mint for the renewal across four instances');
  assert.equal(new Set(answers.map((a) => a.body.token)).size, 1);
});

test('a store that throws, rejects or hangs never makes the broker fail', async () => {
  const stores = {
    throws: { get() { throw new Error('down'); }, setIfAbsent() { throw new Error('down'); }, set() { throw new Error('down'); }, delete() { throw new Error('down'); } },
    rejects: { get: async () => { throw new Error('down'); }, setIfAbsent: async () => { throw new Error('down'); }, set: async () => { throw new Error('down'); }, delete: async () => { throw new Error('down'); } },
    hangs: { get: () => new Promise(() => {}), setIfAbsent: () => new Promise(() => {}), set: () => new Promise(() => {}), delete: () => new Promise(() => {}) },
  };
  for (const [name, store] of Object.entries(stores)) {
    emu.clearMints();
    const b = broker({ store });
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(b).then(read)));
    assert.ok(answers.every((a) => a.status === 200), name);
    assert.equal(new Set(answers.map((a) => a.body.token)).size, 1, name);
    assert.equal(mints(), 1, name);
  }
});

test('broker.node serves node:http requests the same way', async () => {
  const b = broker();
  const server = await serve(b.node);
  try {
    const url = `${server.url}/mapbox-token`;
    const ok = await read(await fetch(url, { headers: { origin: APP } }));
    assert.equal(ok.status, 200);
    assert.match(ok.body.token, /^tk\./);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    assert.equal((await read(await fetch(url, { headers: { origin: 'https://evil.example' } }))).status, 403);
    assert.equal((await fetch(url, { method: 'OPTIONS', headers: { origin: APP } })).status, 204);
  } finally {
    await server.close();
  }
});

test('a page that reports its token refused makes the broker check it, and renew it when the API no longer takes it', async () => {
  const b = broker({ expires: 600 });
  const first = (await read(await ask(b))).body.token;
  emu.setClockOffset(700_000); // only the API's clock moves: the token has expired there
  assert.equal((await read(await ask(b))).body.token, first, 'the broker cannot know without asking');
  emu.clearRequests();
  const renewed = await read(await ask(b, { headers: { 'x-token-refused': '1' } }));
  assert.notEqual(renewed.body.token, first);
  assert.equal(await code(renewed.body.token), 'TokenValid');
  assert.equal(mints(), 2);
  const checks = () => emu.requests().filter((r) => r.method === 'GET' && r.path === '/tokens/v2').length;
  const before = checks();
  // Reports within a few seconds are not checked again: a page cannot make the broker hammer the API.
  await Promise.all(Array.from({ length: 20 }, () => ask(b, { headers: { 'x-token-refused': '1' } }).then(read)));
  assert.equal(checks(), before);
  assert.equal(mints(), 2);
  const pre = await ask(b, { method: 'OPTIONS', headers: { 'access-control-request-headers': 'x-token-refused' } });
  assert.match(pre.headers.get('access-control-allow-headers'), /x-token-refused/);
});
