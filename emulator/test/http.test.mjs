import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulator } from '../index.mjs';
import { assertError, call, start } from './helpers.mjs';

const EXPOSED = ['Link', 'X-Rate-Limit-Interval', 'X-Rate-Limit-Limit', 'X-Rate-Limit-Reset', 'Retry-After'];

function assertCors(res) {
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const exposed = res.headers.get('access-control-expose-headers').split(/,\s*/);
  for (const name of EXPOSED) assert.ok(exposed.includes(name), name);
}

test('every answer carries the CORS headers', async (t) => {
  const emulator = await start(t, { rateLimit: { limit: 1, interval: 60 } });
  const answers = [
    await call(emulator, 'GET', '/tokens/v2/demo'),
    await call(emulator, 'GET', '/tokens/v2/demo'),
    await call(emulator, 'GET', '/nowhere', { token: null }),
    await call(emulator, 'POST', '/scopes/v1/demo', { token: null }),
    await call(emulator, 'GET', '/scopes/v1/demo', { token: 'bad' }),
  ];
  assert.deepEqual(answers.map((res) => res.status), [200, 429, 404, 405, 401]);
  answers.forEach(assertCors);
});

test('a CORS preflight is answered with 204 and the allowed methods and headers', async (t) => {
  const emulator = await start(t);
  for (const path of ['/tokens/v2/demo', '/tokens/v2/demo/cabc', '/tokens/v2', '/scopes/v1/demo']) {
    const res = await fetch(`${emulator.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    assertCors(res);
    const methods = res.headers.get('access-control-allow-methods').split(/,\s*/);
    assert.deepEqual(methods.sort(), ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST']);
    assert.match(res.headers.get('access-control-allow-headers'), /\bContent-Type\b/i);
    assert.ok(Number(res.headers.get('access-control-max-age')) > 0);
  }
  assert.equal(emulator.state.tokensOf('demo').length, 2);
});

test('unknown paths are 404 Not Found', async (t) => {
  const emulator = await start(t);
  for (const path of ['/', '/tokens', '/tokens/v1/demo', '/tokens/v2/demo/cabc/extra', '/scopes/v1', '/tokens/v2/%E0%A4%A']) {
    assertError(await call(emulator, 'GET', path), 404, 'Not Found');
  }
});

test('a method a path does not support is 405 with Allow', async (t) => {
  const emulator = await start(t);
  const cases = [
    ['PUT', '/tokens/v2/demo', 'GET, POST'],
    ['DELETE', '/tokens/v2', 'GET'],
    ['GET', '/tokens/v2/demo/cabc', 'PATCH, DELETE'],
    ['POST', '/scopes/v1/demo', 'GET'],
  ];
  for (const [method, path, allow] of cases) {
    const res = await call(emulator, method, path);
    assertError(res, 405, /^Method .+ is not allowed/);
    assert.equal(res.headers.get('allow'), allow);
  }
});

test('path segments are URL-decoded', async (t) => {
  const emulator = await start(t);
  const res = await call(emulator, 'GET', '/tokens/v2/%64emo');
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 2);
});

test('malformed or non-object JSON bodies get a message, and the server carries on', async (t) => {
  const emulator = await start(t);
  const post = (rawBody) => call(emulator, 'POST', '/tokens/v2/demo', { rawBody, headers: { 'content-type': 'application/json' } });
  assertError(await post('{"scopes": ['), 400, 'Request body is not valid JSON');
  assertError(await post('\u0000\u00ff'), 400, 'Request body is not valid JSON');
  for (const body of ['[]', '"text"', '42', 'null']) assertError(await post(body), 422, 'Request body must be a JSON object');
  assertError(await post(''), 422, 'scopes must be an array of strings');
  assert.equal((await post('{"scopes": ["styles:read"]}')).status, 200);
});

test('a body over maxBodyBytes is 413', async (t) => {
  const emulator = await start(t, { maxBodyBytes: 1024 });
  const note = 'x'.repeat(2000);
  const res = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: [], note } });
  assertError(res, 413, 'Request body is larger than 1024 bytes');
  assert.equal(emulator.state.tokensOf('demo').length, 2);
  assert.equal((await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: [] } })).status, 200);
});

test('the default body cap is 1 MiB', async (t) => {
  const emulator = await start(t);
  const big = await call(emulator, 'POST', '/tokens/v2/demo', { rawBody: 'x'.repeat(1024 * 1024 + 1) });
  assertError(big, 413, 'Request body is larger than 1048576 bytes');
  const justUnder = JSON.stringify({ scopes: [] }).padEnd(1024 * 1024, ' ');
  assert.equal((await call(emulator, 'POST', '/tokens/v2/demo', { rawBody: justUnder })).status, 200);
});

test('bad options are rejected at start', async () => {
  const bad = [
    { accounts: [] },
    { accounts: ['demo', 'demo'] },
    { accounts: ['a/b'] },
    { rateLimit: { limit: 0 } },
    { rateLimit: { interval: 1.5 } },
    { maxBodyBytes: 0 },
  ];
  for (const options of bad) await assert.rejects(startEmulator(options), TypeError, JSON.stringify(options));
});
