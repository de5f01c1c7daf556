import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactToken } from '../index.mjs';
import { T0, assertError, call, fakeClock, start } from './helpers.mjs';

// Calls a hook: JSON in, JSON out.
async function hook(emulator, method, name, body) {
  const res = await fetch(`${emulator.url}/__emulator/${name}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

const validate = (emulator, token = emulator.adminToken) => call(emulator, 'GET', '/tokens/v2', { token });

test('hooks are off unless enabled', async (t) => {
  const emulator = await start(t);
  assertError(await call(emulator, 'GET', '/__emulator/info', { token: null }), 404, 'Not Found');
  assertError(await call(emulator, 'POST', '/__emulator/reset', { token: null }), 404, 'Not Found');
});

test('info tells the URL, the admin token and its account; hooks answer no CORS preflight', async (t) => {
  const emulator = await start(t, { hooks: true });
  const res = await hook(emulator, 'GET', 'info');
  assert.deepEqual(res.body, { url: emulator.url, adminToken: emulator.adminToken, username: 'demo' });
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  const preflight = await call(emulator, 'OPTIONS', '/__emulator/faults', { token: null });
  assertError(preflight, 405, /^Method OPTIONS is not allowed here/);
  assert.equal(preflight.headers.get('access-control-allow-methods'), null);
  assertError(await call(emulator, 'GET', '/__emulator/nothing', { token: null }), 404, 'Not Found');
  assertError(await call(emulator, 'PUT', '/__emulator/info', { token: null }), 405, /not allowed/);
});

test('the request log records what a client sent, and can be cleared', async (t) => {
  const clock = fakeClock();
  const emulator = await start(t, { hooks: true, now: clock.now });
  await call(emulator, 'POST', '/tokens/v2/demo', {
    query: { extra: '1' },
    body: { scopes: ['styles:read'] },
    headers: { 'x-client': 'tests' },
  });
  await call(emulator, 'GET', '/nowhere', { token: null });
  const log = (await hook(emulator, 'GET', 'requests')).body;
  assert.equal(log.length, 2, 'hook calls are not logged');
  const [create, unknown] = log;
  assert.equal(create.method, 'POST');
  assert.equal(create.path, '/tokens/v2/demo');
  assert.deepEqual(create.query, { access_token: redactToken(emulator.adminToken), extra: '1' });
  assert.equal(create.headers['content-type'], 'application/json');
  assert.equal(create.headers['x-client'], 'tests');
  assert.equal(create.body, '{"scopes":["styles:read"]}');
  assert.equal(create.time, new Date(T0).toISOString());
  assert.deepEqual({ method: unknown.method, path: unknown.path, query: unknown.query, body: unknown.body }, {
    method: 'GET',
    path: '/nowhere',
    query: {},
    body: null,
  });
  assert.deepEqual(emulator.requests(), log);
  assert.equal((await hook(emulator, 'DELETE', 'requests')).status, 204);
  assert.deepEqual((await hook(emulator, 'GET', 'requests')).body, []);
  await validate(emulator);
  emulator.clearRequests();
  assert.deepEqual(emulator.requests(), []);
});

test('tokens can be minted directly: without tokens:write, or already expired', async (t) => {
  const emulator = await start(t, { hooks: true, now: () => T0 });
  const minted = await hook(emulator, 'POST', 'tokens', { scopes: ['styles:read', 'tokens:read'], note: 'reader' });
  assert.equal(minted.status, 200);
  assert.ok(minted.body.token.startsWith('sk.'));
  const listed = (await call(emulator, 'GET', '/tokens/v2/demo', { token: minted.body.token })).body;
  assert.equal(listed.find((x) => x.id === minted.body.id).note, 'reader');
  assertError(await call(emulator, 'POST', '/tokens/v2/demo', { token: minted.body.token, body: { scopes: [] } }), 404, 'Not Found');

  const expired = await hook(emulator, 'POST', 'tokens', { scopes: ['tokens:write'], expires: new Date(T0 - 1000).toISOString() });
  assert.equal(expired.body.id, null);
  assert.equal((await validate(emulator, expired.body.token)).body.code, 'TokenExpired');

  const forOther = await hook(emulator, 'POST', 'tokens', { username: 'other', scopes: [], usage: 'sk' });
  assert.deepEqual((await validate(emulator, forOther.body.token)).body.token, { usage: 'sk', user: 'other', authorization: forOther.body.id });

  assertError(await hook(emulator, 'POST', 'tokens', { username: 'nobody', scopes: [] }), 404, 'No such user');
  assertError(await hook(emulator, 'POST', 'tokens', { scopes: ['bad:scope'] }), 422, 'scopes are invalid');
  assertError(await hook(emulator, 'POST', 'tokens', { scopes: [], usage: 'xx' }), 422, 'usage must be pk, sk or tk');
  assertError(await hook(emulator, 'POST', 'tokens', { scopes: [], usage: 'tk' }), 422, 'expires is required for tk, and only for tk');
  assertError(await hook(emulator, 'POST', 'tokens', { scopes: [], expires: 'soon' }), 422, 'expires must be an ISO 8601 date-time');
});

test('seed creates many tokens at once', async (t) => {
  const emulator = await start(t, { hooks: true });
  const res = await hook(emulator, 'POST', 'seed', { count: 25, username: 'other', scopes: ['styles:list'] });
  assert.equal(res.body.tokens.length, 25);
  assert.ok(res.body.tokens.every(({ id, token }) => typeof id === 'string' && token.startsWith('sk.')));
  const tokens = emulator.state.tokensOf('other');
  assert.equal(tokens.length, 26);
  assert.equal(tokens.at(-1).note, 'Seeded token 25');
  assert.deepEqual(emulator.seedTokens(2, { note: 'same' }).length, 2);
  assert.ok(emulator.state.tokensOf('demo').filter((x) => x.note === 'same').every((x) => x.usage === 'pk'));
  for (const count of [0, 1.5, '3', 100_001]) {
    assertError(await hook(emulator, 'POST', 'seed', { count }), 422, 'count must be an integer from 1 to 100000');
  }
});

test('reset restores fresh accounts, keeps the admin token, clears log and faults', async (t) => {
  const emulator = await start(t, { hooks: true });
  const created = (await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'] } })).body;
  await call(emulator, 'DELETE', `/tokens/v2/demo/${created.id}`);
  assert.equal((await validate(emulator, created.token)).body.code, 'TokenRevoked');
  emulator.addFault({ fault: { type: 'status', status: 500 } });
  const res = await hook(emulator, 'POST', 'reset');
  assert.deepEqual(res.body, { url: emulator.url, adminToken: emulator.adminToken, username: 'demo' });
  assert.deepEqual(emulator.requests(), []);
  assert.equal((await validate(emulator)).body.code, 'TokenValid', 'the admin token survives, and the fault is gone');
  assert.equal((await validate(emulator, created.token)).body.code, 'TokenInvalid', 'revocations are forgotten');
  const list = (await call(emulator, 'GET', '/tokens/v2/demo')).body;
  assert.deepEqual(list.map((x) => x.default).sort(), [false, true]);
  assert.ok(list.some((x) => x.note === 'Emulator admin token'));
});

test('a status fault answers the next N matching requests, then normal service resumes', async (t) => {
  const emulator = await start(t, { hooks: true });
  const fault = { type: 'status', status: 502, body: { message: 'upstream' } };
  const added = await hook(emulator, 'POST', 'faults', { method: 'get', path: '/tokens/v2/', count: 2, fault });
  assert.equal(added.status, 200);
  assert.deepEqual(added.body, { method: 'GET', path: '/tokens/v2/', count: 2, fault });
  assert.equal((await validate(emulator)).status, 200, 'path prefix does not match /tokens/v2');
  assert.equal((await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: [] } })).status, 200, 'method does not match');
  assertError(await call(emulator, 'GET', '/tokens/v2/demo'), 502, 'upstream');
  assertError(await call(emulator, 'GET', '/tokens/v2/other'), 502, 'upstream');
  assert.equal((await call(emulator, 'GET', '/tokens/v2/demo')).status, 200);
  assert.equal(emulator.requests().length, 5, 'faulted requests are logged');
});

test('status faults default to a {message} body; a string body is sent as text', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ fault: { type: 'status', status: 503 } });
  assertError(await validate(emulator), 503, 'Service Unavailable');
  emulator.addFault({ fault: { type: 'status', status: 500, body: '<html>oops</html>' } });
  const res = await validate(emulator);
  assert.equal(res.status, 500);
  assert.equal(res.text, '<html>oops</html>');
  assert.match(res.headers.get('content-type'), /^text\/plain/);
});

test('a rateLimit fault is a 429 with the headers', async (t) => {
  const emulator = await start(t, { hooks: true, now: () => T0, rateLimit: { limit: 50, interval: 30 } });
  await hook(emulator, 'POST', 'faults', { fault: { type: 'rateLimit', reset: T0 / 1000 + 12 } });
  const res = await validate(emulator);
  assertError(res, 429, 'Too Many Requests');
  assert.equal(res.headers.get('x-rate-limit-reset'), String(T0 / 1000 + 12));
  assert.equal(res.headers.get('x-rate-limit-limit'), '50');
  assert.equal(res.headers.get('x-rate-limit-interval'), '30');
  assert.equal(res.headers.get('retry-after'), '12');
  emulator.addFault({ fault: { type: 'rateLimit' } });
  assert.equal((await validate(emulator)).headers.get('x-rate-limit-reset'), String(T0 / 1000 + 30));
});

test('a malformed fault is a 200 JSON answer whose body does not parse', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ fault: { type: 'malformed' } });
  const res = await fetch(`${emulator.url}/tokens/v2?access_token=${emulator.adminToken}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  await assert.rejects(res.json(), SyntaxError);
});

test('a truncated fault ends the connection before the announced length', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ fault: { type: 'truncated' } });
  const res = await fetch(`${emulator.url}/tokens/v2?access_token=${emulator.adminToken}`);
  assert.equal(res.status, 200);
  assert.ok(Number(res.headers.get('content-length')) > 0);
  await assert.rejects(res.text());
  assert.equal((await validate(emulator)).status, 200);
});

test('a delay fault waits, then answers normally', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ path: '/tokens/v2', fault: { type: 'delay', ms: 150 } });
  const started = performance.now();
  const res = await validate(emulator);
  assert.ok(performance.now() - started >= 140);
  assert.equal(res.body.code, 'TokenValid');
});

test('a drop fault closes the connection without an answer', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ fault: { type: 'drop' } });
  await assert.rejects(fetch(`${emulator.url}/tokens/v2?access_token=x`), TypeError);
  assert.equal(emulator.requests().length, 1);
  assert.equal((await validate(emulator)).status, 200);
});

test('a dropAfter fault lets the request take effect, then drops the answer', async (t) => {
  const emulator = await start(t, { hooks: true });
  const [{ id }] = emulator.seedTokens(1);
  const path = `/tokens/v2/${emulator.username}/${id}`;
  emulator.addFault({ method: 'DELETE', path, fault: { type: 'dropAfter' } });
  await assert.rejects(fetch(`${emulator.url}${path}?access_token=${emulator.adminToken}`, { method: 'DELETE' }), TypeError);
  const again = await fetch(`${emulator.url}${path}?access_token=${emulator.adminToken}`, { method: 'DELETE' });
  assert.equal(again.status, 404, 'the first, unanswered DELETE did delete the token');
});

test('faults can be cleared, and invalid fault specs are 422', async (t) => {
  const emulator = await start(t, { hooks: true });
  await hook(emulator, 'POST', 'faults', { count: 5, fault: { type: 'drop' } });
  assert.equal((await hook(emulator, 'DELETE', 'faults')).status, 204);
  assert.equal((await validate(emulator)).status, 200);
  const invalid = [
    {},
    { fault: { type: 'explode' } },
    { fault: { type: 'constructor' } },
    { fault: { type: 'status', status: 200 } },
    { fault: { type: 'delay' } },
    { fault: { type: 'rateLimit', reset: 'soon' } },
  ];
  for (const spec of invalid) assertError(await hook(emulator, 'POST', 'faults', spec), 422, /^fault must be one of/);
  assertError(await hook(emulator, 'POST', 'faults', { count: 0, fault: { type: 'drop' } }), 422, 'count must be a positive integer');
  assertError(await hook(emulator, 'POST', 'faults', { path: 3, fault: { type: 'drop' } }), 422, 'path must be a string');
  assertError(await hook(emulator, 'POST', 'faults', { method: true, fault: { type: 'drop' } }), 422, 'method must be a string');
  assertError(await call(emulator, 'POST', '/__emulator/faults', { token: null, rawBody: '{' }), 400, 'Request body is not valid JSON');
  assert.equal((await validate(emulator)).status, 200);
});

test('close() ends pending delays and open connections', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ fault: { type: 'delay', ms: 60_000 } });
  const pending = fetch(`${emulator.url}/tokens/v2?access_token=x`);
  while (emulator.requests().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = performance.now();
  await emulator.close();
  await assert.rejects(pending, TypeError);
  assert.ok(performance.now() - started < 1000);
});

test('the request log records the status of each answer; null when a fault dropped it', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ path: '/faulted', fault: { type: 'status', status: 503 } });
  emulator.addFault({ path: '/dropped', fault: { type: 'drop' } });
  await validate(emulator);
  await call(emulator, 'GET', '/tokens/v2/demo', { token: 'pk.unknown' });
  await call(emulator, 'GET', '/faulted', { token: null });
  await assert.rejects(call(emulator, 'GET', '/dropped', { token: null }), TypeError);
  await call(emulator, 'POST', '/tokens/v2/demo', { rawBody: 'x'.repeat(2 * 1024 * 1024) });
  assert.deepEqual(emulator.requests().map((r) => [r.path, r.status]), [
    ['/tokens/v2', 200],
    ['/tokens/v2/demo', 401],
    ['/faulted', 503],
    ['/dropped', null],
    ['/tokens/v2/demo', 413],
  ]);
});
