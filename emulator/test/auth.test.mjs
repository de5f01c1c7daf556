import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T0, assertError, call, fakeClock, scopesWithout, start } from './helpers.mjs';

// Every endpoint that needs a token, the scope it needs, and what a missing token gets.
const ENDPOINTS = [
  { name: 'list tokens', method: 'GET', path: () => '/tokens/v2/demo', scope: 'tokens:read', missing: [422, 'access token is required'] },
  { name: 'create a token', method: 'POST', path: () => '/tokens/v2/demo', body: { scopes: ['styles:read'] }, scope: 'tokens:write' },
  {
    name: 'create a temporary token',
    method: 'POST',
    path: () => '/tokens/v2/demo',
    body: { scopes: ['styles:read'], expires: new Date(T0 + 60_000).toISOString() },
    scope: 'tokens:write',
  },
  { name: 'update a token', method: 'PATCH', path: (id) => `/tokens/v2/demo/${id}`, body: { note: 'changed' }, scope: 'tokens:write' },
  { name: 'delete a token', method: 'DELETE', path: (id) => `/tokens/v2/demo/${id}`, scope: 'tokens:write' },
  { name: 'list scopes', method: 'GET', path: () => '/scopes/v1/demo', scope: 'scopes:list' },
];

async function setup(t) {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now });
  const { id } = emulator.mintToken({ scopes: ['styles:read'], note: 'target' });
  return { emulator, clock, id };
}

for (const endpoint of ENDPOINTS) {
  const send = (emulator, id, token, path = endpoint.path(id)) =>
    call(emulator, endpoint.method, path, { token, body: endpoint.body });
  const [missingStatus, missingMessage] = endpoint.missing ?? [401, 'Unauthorized'];

  test(`${endpoint.name}: a missing token is ${missingStatus} ${missingMessage}`, async (t) => {
    const { emulator, id } = await setup(t);
    assertError(await send(emulator, id, null), missingStatus, missingMessage);
  });

  test(`${endpoint.name}: malformed, forged, revoked and expired tokens are 401 Unauthorized`, async (t) => {
    const { emulator, id } = await setup(t);
    const [header, payload] = emulator.adminToken.split('.');
    const revoked = emulator.mintToken({ scopes: [endpoint.scope] });
    await call(emulator, 'DELETE', `/tokens/v2/demo/${revoked.id}`);
    const expired = emulator.mintToken({ scopes: [endpoint.scope], expires: T0 - 1000 }).token;
    const cases = { malformed: 'nonsense', forged: `${header}.${payload}.AAAAAAAAAAAAAAAAAAAAAA`, revoked: revoked.token, expired };
    for (const [name, token] of Object.entries(cases)) {
      const res = await send(emulator, id, token);
      assert.equal(res.status, 401, `${name}: ${res.text}`);
      assert.deepEqual(res.body, { message: 'Unauthorized' });
    }
  });

  test(`${endpoint.name}: a token without ${endpoint.scope} is 404 Not Found`, async (t) => {
    const { emulator, id } = await setup(t);
    const lacking = emulator.mintToken({ scopes: scopesWithout(endpoint.scope) }).token;
    assertError(await send(emulator, id, lacking), 404, 'Not Found');
    const publicToken = emulator.mintToken({ scopes: ['styles:read'] }).token;
    assertError(await send(emulator, id, publicToken), 404, 'Not Found');
  });

  test(`${endpoint.name}: another account's path is 404 No such user`, async (t) => {
    const { emulator, id } = await setup(t);
    for (const username of ['other', 'nobody']) {
      const path = endpoint.path(id).replace('/demo', `/${username}`);
      assertError(await send(emulator, id, emulator.adminToken, path), 404, 'No such user');
    }
  });

  test(`${endpoint.name}: a temporary token with ${endpoint.scope} is accepted`, async (t) => {
    const { emulator, id } = await setup(t);
    const tk = emulator.mintToken({ scopes: [endpoint.scope, 'styles:read'], expires: T0 + 120_000 }).token;
    const res = await send(emulator, id, tk);
    assert.ok(res.status === 200 || res.status === 204, `${res.status}: ${res.text}`);
  });
}

test('a revoked token stops working at once, and so does a scope removed by an update', async (t) => {
  const { emulator } = await setup(t);
  const reader = emulator.mintToken({ scopes: ['tokens:read', 'styles:write'] });
  assert.equal((await call(emulator, 'GET', '/tokens/v2/demo', { token: reader.token })).status, 200);
  await call(emulator, 'PATCH', `/tokens/v2/demo/${reader.id}`, { body: { scopes: ['styles:write'] } });
  assertError(await call(emulator, 'GET', '/tokens/v2/demo', { token: reader.token }), 404, 'Not Found');
});

test('list scopes returns the catalogue with public flags only on public scopes', async (t) => {
  const { emulator } = await setup(t);
  const res = await call(emulator, 'GET', '/scopes/v1/demo');
  assert.equal(res.status, 200);
  const byId = Object.fromEntries(res.body.map((s) => [s.id, s]));
  assert.deepEqual(byId['styles:read'], { id: 'styles:read', description: 'Read styles.', public: true });
  assert.deepEqual(Object.keys(byId['scopes:list']), ['id', 'description']);
  assert.deepEqual(
    res.body.filter((s) => s.public).map((s) => s.id).sort(),
    ['datasets:read', 'fonts:read', 'styles:read', 'styles:tiles', 'vision:read'],
  );
  for (const id of ['tokens:read', 'tokens:write', 'styles:list', 'uploads:write', 'navigation:download']) {
    assert.ok(byId[id] && !byId[id].public, id);
  }
});
