import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T0, assertError, call, fakeClock, start } from './helpers.mjs';

const rateHeaders = (res) => ({
  interval: res.headers.get('x-rate-limit-interval'),
  limit: res.headers.get('x-rate-limit-limit'),
  reset: res.headers.get('x-rate-limit-reset'),
});

async function setup(t, rateLimit = { limit: 3, interval: 60 }) {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now, rateLimit });
  return { emulator, clock, validate: (token = emulator.adminToken) => call(emulator, 'GET', '/tokens/v2', { token }) };
}

test('past the limit an account gets 429 with the rate-limit headers and Retry-After', async (t) => {
  const { emulator, clock, validate } = await setup(t);
  const windowEnd = String(T0 / 1000 + 60);
  for (let i = 0; i < 3; i += 1) {
    const res = await (i === 1 ? call(emulator, 'GET', '/tokens/v2/demo') : validate());
    assert.equal(res.status, 200);
    assert.deepEqual(rateHeaders(res), { interval: '60', limit: '3', reset: windowEnd });
    assert.equal(res.headers.get('retry-after'), null);
  }
  clock.advance(20_000);
  const limited = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: [] } });
  assertError(limited, 429, 'Too Many Requests');
  assert.deepEqual(rateHeaders(limited), { interval: '60', limit: '3', reset: windowEnd });
  assert.equal(limited.headers.get('retry-after'), '40');
  assert.equal((await call(emulator, 'GET', '/tokens/v2/demo', { query: { limit: '1000' } })).status, 429);
  assert.equal(emulator.state.tokensOf('demo').length, 2, 'a limited request has no effect');
});

test('the window resets after its interval', async (t) => {
  const { clock, validate } = await setup(t);
  for (let i = 0; i < 3; i += 1) await validate();
  assert.equal((await validate()).status, 429);
  clock.advance(60_000);
  const res = await validate();
  assert.equal(res.status, 200);
  assert.equal(rateHeaders(res).reset, String(T0 / 1000 + 120));
});

test('accounts are limited separately; errors count and carry the headers', async (t) => {
  const { emulator, validate } = await setup(t);
  const wrongUser = await call(emulator, 'GET', '/tokens/v2/other');
  assertError(wrongUser, 404, 'No such user');
  assert.equal(rateHeaders(wrongUser).limit, '3');
  await validate();
  await validate();
  assert.equal((await validate()).status, 429);
  const otherToken = emulator.mintToken({ username: 'other', scopes: ['tokens:read'] }).token;
  const res = await validate(otherToken);
  assert.equal(res.status, 200);
  assert.equal(rateHeaders(res).limit, '3');
});

test('requests that name no account are not limited', async (t) => {
  const { emulator, validate } = await setup(t);
  for (let i = 0; i < 3; i += 1) await validate();
  const anonymous = await call(emulator, 'GET', '/tokens/v2', { token: null });
  assertError(anonymous, 422, 'access token is required');
  assert.equal(anonymous.headers.get('x-rate-limit-limit'), null);
  assert.equal((await validate('garbage')).body.code, 'TokenMalformed');
});

test('reset clears the windows', async (t) => {
  const { emulator, validate } = await setup(t);
  for (let i = 0; i < 3; i += 1) await validate();
  emulator.reset();
  assert.equal((await validate()).status, 200);
});

test('the default is 100 requests per 60 seconds, and false turns limiting off', async (t) => {
  const limited = await start(t, { rateLimit: undefined });
  const res = await call(limited, 'GET', '/tokens/v2');
  assert.deepEqual({ interval: res.headers.get('x-rate-limit-interval'), limit: res.headers.get('x-rate-limit-limit') }, {
    interval: '60',
    limit: '100',
  });
  const { validate } = await setup(t, false);
  for (let i = 0; i < 10; i += 1) {
    const free = await validate();
    assert.equal(free.status, 200);
    assert.equal(free.headers.get('x-rate-limit-limit'), null);
  }
});

const hook = (emulator, method, body, rawBody) => call(emulator, method, '/__emulator/rate-limit', { token: null, body, rawBody });

test('setRateLimit changes the limit at run time, clears the windows, and 429s carry the new figures', async (t) => {
  const { emulator, clock, validate } = await setup(t);
  assert.deepEqual(emulator.rateLimit, { limit: 3, interval: 60 });
  for (let i = 0; i < 3; i += 1) await validate();
  assert.equal((await validate()).status, 429);
  clock.advance(5_000);
  emulator.setRateLimit({ limit: 1, interval: 30 });
  assert.deepEqual(emulator.rateLimit, { limit: 1, interval: 30 });
  const first = await validate();
  assert.equal(first.status, 200, 'the exhausted window is gone');
  const windowEnd = String(T0 / 1000 + 5 + 30);
  assert.deepEqual(rateHeaders(first), { interval: '30', limit: '1', reset: windowEnd });
  clock.advance(10_000);
  const limited = await validate();
  assertError(limited, 429, 'Too Many Requests');
  assert.deepEqual(rateHeaders(limited), { interval: '30', limit: '1', reset: windowEnd });
  assert.equal(limited.headers.get('retry-after'), '20');
  // The figures of a scripted rateLimit fault follow the setting too.
  emulator.setRateLimit({ limit: 7, interval: 42 });
  emulator.addFault({ fault: { type: 'rateLimit' } });
  const faulted = await validate();
  assert.equal(faulted.status, 429);
  assert.deepEqual(rateHeaders(faulted), { interval: '42', limit: '7', reset: String(T0 / 1000 + 15 + 42) });
});

test('setRateLimit(false) turns limiting off, and an object turns it on, missing fields taking the defaults', async (t) => {
  const { emulator, validate } = await setup(t, false);
  assert.equal(emulator.rateLimit, false);
  emulator.setRateLimit({ limit: 2, interval: 10 });
  await validate();
  assert.equal(rateHeaders(await validate()).limit, '2');
  assert.equal((await validate()).status, 429);
  emulator.setRateLimit(false);
  assert.equal(emulator.rateLimit, false);
  for (let i = 0; i < 5; i += 1) {
    const free = await validate();
    assert.equal(free.status, 200);
    assert.equal(free.headers.get('x-rate-limit-limit'), null);
  }
  emulator.setRateLimit({ interval: 5 });
  assert.deepEqual(emulator.rateLimit, { limit: 100, interval: 5 });
  emulator.setRateLimit({});
  assert.deepEqual(rateHeaders(await validate()), { interval: '60', limit: '100', reset: String(T0 / 1000 + 60) });
});

test('setRateLimit refuses bad settings with status 422 and keeps the current one', async (t) => {
  const { emulator } = await setup(t);
  const bad = [{ limit: 0 }, { interval: 1.5 }, { limit: '5' }, { limit: -1 }, { limit: null }, { limit: 1, burst: 2 }, true, null, 5, [], 'off'];
  for (const value of bad) {
    assert.throws(() => emulator.setRateLimit(value), { status: 422, message: /^rateLimit must be false or \{limit, interval\}/ }, JSON.stringify(value));
  }
  assert.deepEqual(emulator.rateLimit, { limit: 3, interval: 60 });
  for (const rateLimit of [{ limit: 1, burst: 2 }, { limit: '5' }]) {
    await assert.rejects(start(t, { rateLimit }), TypeError, JSON.stringify(rateLimit));
  }
});

test('reset() keeps the configured rate limit and clears its windows', async (t) => {
  const { emulator, validate } = await setup(t, false);
  emulator.setRateLimit({ limit: 1, interval: 60 });
  await validate();
  assert.equal((await validate()).status, 429);
  emulator.reset();
  assert.deepEqual(emulator.rateLimit, { limit: 1, interval: 60 });
  assert.equal(rateHeaders(await validate()).limit, '1');
  assert.equal((await validate()).status, 429);
});

test('PUT and GET /__emulator/rate-limit change and read the setting; bad bodies are 422', async (t) => {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now, hooks: true, rateLimit: { limit: 3, interval: 60 } });
  const validate = () => call(emulator, 'GET', '/tokens/v2');
  assert.deepEqual((await hook(emulator, 'GET')).body, { limit: 3, interval: 60 });
  for (let i = 0; i < 3; i += 1) await validate();
  assert.equal((await validate()).status, 429);

  const put = await hook(emulator, 'PUT', { limit: 2, interval: 5 });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, { limit: 2, interval: 5 });
  assert.deepEqual((await hook(emulator, 'GET')).body, { limit: 2, interval: 5 });
  await validate();
  await validate();
  const limited = await validate();
  assertError(limited, 429, 'Too Many Requests');
  assert.deepEqual(rateHeaders(limited), { interval: '5', limit: '2', reset: String(T0 / 1000 + 5) });
  assert.equal(limited.headers.get('retry-after'), '5');

  const off = await hook(emulator, 'PUT', false);
  assert.equal(off.text, 'false');
  assert.equal((await hook(emulator, 'GET')).text, 'false');
  assert.equal((await validate()).headers.get('x-rate-limit-limit'), null);

  const shape = /^rateLimit must be false or \{limit, interval\}/;
  for (const body of [{ limit: 0 }, { interval: 2.5 }, { limit: '2' }, { limit: 1, every: 'minute' }, true, null, 3, [], 'on']) {
    assertError(await hook(emulator, 'PUT', body), 422, shape);
  }
  assertError(await hook(emulator, 'PUT', undefined, ''), 422, 'Request body is required');
  assertError(await hook(emulator, 'PUT', undefined, '{"limit":'), 400, 'Request body is not valid JSON');
  assert.equal((await hook(emulator, 'GET')).text, 'false', 'refused bodies change nothing');
  await hook(emulator, 'PUT', { limit: 1, interval: 60 });
  await call(emulator, 'POST', '/__emulator/reset', { token: null });
  assert.deepEqual((await hook(emulator, 'GET')).body, { limit: 1, interval: 60 }, 'the reset hook keeps it');
});
