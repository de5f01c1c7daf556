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
