// The token lifecycle no other client handles, against the emulator: rotate (and each of its
// faults), temporary tokens on the API's clock whatever the skew, a 429 retried on every method
// (or reported at once when its reset lies beyond the deadline), and pacing under the rate limit.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { lib, startEmulator, leakRecorder } from './helpers.mjs';

const { Tokens, parseToken } = lib;
let emu, leaks;
before(async () => {
  emu = await startEmulator({ rateLimit: false });
  leaks = leakRecorder();
});
after(() => emu?.close());
beforeEach(() => {
  emu.clearFaults();
  emu.clearRequests();
  emu.setClockOffset(0);
  emu.setRateLimit(false);
});

const client = (options = {}) => new Tokens({ accessToken: emu.adminToken, origin: emu.url, rateLimit: false, ...options });
const requests = (method, prefix = '/tokens/v2/') => emu.requests().filter((r) => r.method === method && r.path.startsWith(prefix));
const code = async (token) => (await client().checkValidity({ accessToken: token })).data.code;
const rejection = (promise) => leaks.rejection(promise);

// --- rotate --------------------------------------------------------------------------------------

test('rotate makes a new token with the same settings and keeps the old one by default', async () => {
  const tokens = client();
  const { data: old } = await tokens.create({ scopes: ['styles:read', 'fonts:read'], note: 'website', allowedUrls: ['https://a.example', 'https://b.example'] });
  emu.clearRequests();
  const r = await tokens.rotate({ authorizationId: old.id });
  assert.equal(r.status, 200);
  const { created, previous, deleted } = r.data;
  assert.equal(deleted, false);
  assert.equal(previous.id, old.id);
  assert.notEqual(created.id, old.id);
  assert.match(created.token, /^pk\./);
  assert.deepEqual([created.scopes, created.note, created.allowedUrls], [old.scopes, old.note, old.allowedUrls]);
  assert.deepEqual(JSON.parse(requests('POST').at(-1).body), { scopes: old.scopes, note: 'website', allowedUrls: old.allowedUrls });
  assert.equal(requests('DELETE').length, 0);
  assert.equal(await code(old.token), 'TokenValid');
  assert.equal(await code(created.token), 'TokenValid');
  assert.deepEqual(await r.json(), r.data);
});

test('rotate with deleteOld deletes the old token after creating the new one; a secret token shows its string once', async () => {
  const tokens = client();
  const { data: old } = await tokens.create({ scopes: ['styles:read', 'styles:write'], note: 'server' });
  emu.clearRequests();
  const { data } = await tokens.rotate({ authorizationId: old.id, deleteOld: true });
  assert.equal(data.deleted, true);
  assert.match(data.created.token, /^sk\./);
  assert.equal(data.previous.token, undefined, 'a listed secret token has no string');
  const order = emu.requests().map((r) => r.method);
  assert.deepEqual(order.filter((m) => m !== 'GET'), ['POST', 'DELETE'], 'the create comes first');
  assert.equal(await code(old.token), 'TokenRevoked');
  assert.equal(await code(data.created.token), 'TokenValid');
});

test('rotate reads the list only up to the page that holds the token', async () => {
  const tokens = client();
  emu.seedTokens(250, { note: 'paged' });
  const order = [];
  for await (const t of tokens.listAllTokens({ limit: 100 })) order.push(t.id);
  const target = order[150];
  emu.clearRequests();
  const { data } = await tokens.rotate({ authorizationId: target });
  assert.equal(data.previous.id, target);
  assert.equal(requests('GET').length, 2, 'pages 1 and 2 of 100, not the third');
  assert.ok(order.length > 200);
});

test('a failed delete after the create keeps the new token in the error, and the old one exists', async () => {
  const tokens = client();
  const { data: old } = await tokens.create({ scopes: ['styles:read'], note: 'leaked' });
  emu.addFault({ method: 'DELETE', path: `/tokens/v2/${emu.username}/${old.id}`, count: 5, fault: { type: 'status', status: 503 } });
  const error = await rejection(tokens.rotate({ authorizationId: old.id, deleteOld: true }));
  assert.equal(error.kind, 'Http');
  assert.equal(error.status, 503);
  assert.equal(error.method, 'DELETE');
  assert.match(error.message, /old one, which still exists/);
  assert.match(error.created.token, /^pk\./);
  assert.equal(error.created.note, 'leaked');
  assert.match(error.message, new RegExp(error.created.id));
  assert.ok(!error.message.includes(error.created.token));
  emu.clearFaults();
  assert.equal(await code(old.token), 'TokenValid');
  assert.equal(await code(error.created.token), 'TokenValid');
});

test('a failed create deletes nothing; an unknown id and the default token create nothing', async () => {
  const tokens = client();
  const { data: old } = await tokens.create({ scopes: ['styles:read'], note: 'kept' });
  emu.clearRequests();
  emu.addFault({ method: 'POST', path: `/tokens/v2/${emu.username}`, fault: { type: 'status', status: 500 } });
  const failed = await rejection(tokens.rotate({ authorizationId: old.id, deleteOld: true }));
  assert.deepEqual([failed.kind, failed.status, failed.method, failed.created], ['Http', 500, 'POST', undefined]);
  assert.equal(requests('DELETE').length, 0);
  assert.equal(await code(old.token), 'TokenValid');

  emu.clearRequests();
  const unknown = await rejection(tokens.rotate({ authorizationId: 'no-such-id', deleteOld: true }));
  assert.deepEqual([unknown.kind, unknown.status], ['Http', 404]);
  assert.match(unknown.message, /no token with this authorizationId/);
  assert.deepEqual([requests('POST').length, requests('DELETE').length], [0, 0]);

  const { data: [defaultToken] } = await tokens.listTokens({ default: true });
  const refused = await rejection(tokens.rotate({ authorizationId: defaultToken.id, deleteOld: true }));
  assert.equal(refused.kind, 'InvalidInput');
  assert.match(refused.message, /default public token.*account's access tokens page/);
  assert.deepEqual([requests('POST').length, requests('DELETE').length], [0, 0]);

  const bad = await rejection(tokens.rotate({ authorizationId: old.token }));
  assert.equal(bad.kind, 'InvalidInput');
  assert.equal(emu.requests().filter((r) => r.method !== 'GET').length, 0);
});

// --- temporary tokens on the API's clock ----------------------------------------------------------

/** The token's lifetime in seconds, as the API counts it: its expiry minus its issue time. */
const lifetime = (data) => (parseToken(data.token).expires - parseToken(data.token).created) / 1000;

for (const [name, offset] of [['20 s behind', -20_000], ['5 min behind', -300_000], ['10 min ahead', 600_000]]) {
  test(`with the API's clock ${name}, temporary tokens live the seconds asked for`, async () => {
    emu.setClockOffset(offset);
    // A fresh client, which has never heard from the API.
    const fresh = client();
    const hour = await fresh.createTempToken({ scopes: ['styles:read'] });
    assert.ok(Math.abs(lifetime(hour.data) - 3600) <= 2, `lived ${lifetime(hour.data)} s`);
    for (const seconds of [60, 1800]) {
      const { data } = await fresh.createTempToken({ scopes: ['styles:read'], expires: seconds });
      assert.ok(Math.abs(lifetime(data) - seconds) <= 2, `asked ${seconds} s, lived ${lifetime(data)} s`);
    }
  });
}

test('a create refused for its expiry is made once more on the API\'s corrected time', async () => {
  const tokens = client();
  await tokens.checkValidity(); // the client learns the API's clock: on time
  emu.setClockOffset(-30_000); // then the API's clock moves
  emu.clearRequests();
  const { data } = await tokens.createTempToken({ scopes: ['styles:read'] });
  assert.equal(requests('POST').length, 2, 'refused once (422), then created');
  assert.ok(Math.abs(lifetime(data) - 3600) <= 2, `lived ${lifetime(data)} s`);
});

test('an absolute expiry is the caller\'s, sent as given', async () => {
  emu.setClockOffset(-20_000);
  const at = new Date(Date.now() + 1_800_000);
  const tokens = client();
  await tokens.createTempToken({ scopes: ['styles:read'], expires: at });
  assert.equal(JSON.parse(requests('POST').at(-1).body).expires, at.toISOString());
  // It is checked against the caller's clock only: within the hour here, this one is beyond it
  // for the API (20 s behind), whose 422 speaks for its own clock; nothing is created.
  emu.clearRequests();
  const late = new Date(Date.now() + 3_590_000);
  const error = await rejection(tokens.createTempToken({ scopes: ['styles:read'], expires: late }));
  assert.deepEqual([error.kind, error.status, requests('POST').length], ['Http', 422, 1]);
  // Beyond the hour on the caller's own clock: refused before anything is sent.
  emu.clearRequests();
  const beyond = await rejection(tokens.createTempToken({ scopes: ['styles:read'], expires: new Date(Date.now() + 3_700_000) }));
  assert.deepEqual([beyond.kind, requests('POST').length], ['InvalidInput', 0]);
  assert.match(beyond.message, /at most one hour from now/);
});

// --- 429s -----------------------------------------------------------------------------------------

test('a 429 on a create is retried after the reset and makes one token', async () => {
  const tokens = client();
  const reset = Math.ceil(Date.now() / 1000) + 1;
  emu.addFault({ method: 'POST', path: '/tokens/v2/', fault: { type: 'rateLimit', reset } });
  const { data } = await tokens.create({ scopes: ['styles:read'], note: 'after 429' });
  assert.match(data.token, /^pk\./);
  assert.equal(requests('POST').length, 2);
  const listed = [];
  for await (const t of tokens.listAllTokens()) if (t.note === 'after 429') listed.push(t);
  assert.equal(listed.length, 1, 'exactly one token');
});

test('a 429 whose reset lies beyond the deadline is reported at once, on every method', async () => {
  const tokens = client({ timeout: 1000 });
  const { data: target } = await tokens.create({ scopes: ['styles:read'] });
  const calls = {
    GET: () => tokens.listScopes(),
    POST: () => tokens.create({ scopes: ['styles:read'] }),
    PATCH: () => tokens.update({ authorizationId: target.id, note: 'x' }),
    DELETE: () => tokens.delete({ authorizationId: target.id }),
  };
  for (const [method, call] of Object.entries(calls)) {
    const reset = Math.ceil(Date.now() / 1000) + 3;
    emu.addFault({ method, fault: { type: 'rateLimit', reset } });
    const started = performance.now();
    const error = await rejection(call());
    const took = performance.now() - started;
    assert.deepEqual([error.kind, error.status, error.rateLimit.reset], ['Http', 429, reset], method);
    assert.match(error.message, new RegExp(`resets at ${new Date(reset * 1000).toISOString().slice(0, 19)}`));
    assert.ok(took < 500, `${method} took ${took.toFixed(0)} ms: it waited`);
  }
});

// --- pacing ---------------------------------------------------------------------------------------

async function deletes(tokens, count, options = {}) {
  const seeded = emu.seedTokens(count, { note: 'bulk' });
  emu.clearRequests();
  const started = performance.now();
  const results = await Promise.allSettled(seeded.map(({ id }) => tokens.delete({ authorizationId: id, ...options })));
  return { results, seconds: (performance.now() - started) / 1000, sent: requests('DELETE').length };
}

test('18 deletes started at once under a limit of 5 per 4 s all resolve, with few 429s once the limit is known', { timeout: 90_000 }, async () => {
  emu.setRateLimit({ limit: 5, interval: 4 });
  const tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url }); // default pacing: 100 a minute
  const { results, sent } = await deletes(tokens, 18);
  assert.deepEqual(results.map((r) => r.status), Array(18).fill('fulfilled'), results.find((r) => r.reason)?.reason?.message);
  // All 18 left before any answer: 5 went through and 13 met a 429, which told the client the
  // limit. Their retries were paced by it: at most a few more 429s (arrival jitter at a window's edge).
  const retries429 = sent - 18 - 13;
  assert.ok(retries429 >= 0 && retries429 <= 3, `${sent} requests for 18 deletes`);
  assert.deepEqual({ limit: tokens.rateLimit.limit, interval: tokens.rateLimit.interval }, { limit: 5, interval: 4 });
});

test('told the limit up front, 18 deletes meet no 429, and the wait does not count toward the timeout', { timeout: 90_000 }, async () => {
  emu.setRateLimit({ limit: 5, interval: 4 });
  const tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url, rateLimit: { limit: 5, interval: 4 } });
  const seen = [];
  const watch = setInterval(() => seen.push(tokens.rateLimit), 200);
  const { results, sent, seconds } = await deletes(tokens, 18, { timeout: 2000 });
  clearInterval(watch);
  assert.deepEqual(results.map((r) => r.status), Array(18).fill('fulfilled'), results.find((r) => r.reason)?.reason?.message);
  assert.equal(sent, 18, 'no 429');
  assert.ok(seconds >= 12, `${seconds.toFixed(1)} s: four windows of 4 s are needed`);
  assert.ok(seen.some((s) => s.held > 0 && s.resumesIn > 0), 'the pacing was seen holding calls');
  assert.deepEqual(tokens.rateLimit, { limit: 5, interval: 4, held: 0, resumesIn: 0 });
  assert.equal(client().rateLimit, null, 'rateLimit: false');
});

test('the pacing follows the figures of every answer: a lowered limit is kept without a 429', { timeout: 60_000 }, async () => {
  emu.setRateLimit({ limit: 100, interval: 60 });
  const tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url });
  await tokens.listScopes();
  assert.equal(tokens.rateLimit.limit, 100);
  emu.setRateLimit({ limit: 2, interval: 3 });
  await tokens.listScopes(); // a success that says the new figures
  assert.deepEqual([tokens.rateLimit.limit, tokens.rateLimit.interval], [2, 3]);
  const { results, sent } = await deletes(tokens, 6);
  assert.deepEqual(results.map((r) => r.status), Array(6).fill('fulfilled'));
  assert.equal(sent, 6, 'no 429');
});

test('a call held by the pacing is cancelled by its signal, and nothing is sent for it', { timeout: 30_000 }, async () => {
  const tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url, rateLimit: { limit: 1, interval: 30 } });
  await tokens.listScopes();
  emu.clearRequests();
  const controller = new AbortController();
  const held = tokens.listScopes({ signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  const started = performance.now();
  const error = await rejection(held);
  assert.equal(error.kind, 'Aborted');
  assert.ok(performance.now() - started < 2000);
  assert.equal(emu.requests().length, 0);
});

test('no token leaked into any error', () => {
  assert.ok(leaks.assertClean([emu.adminToken, emu.adminToken.split('.')[1]]) > 5);
});
