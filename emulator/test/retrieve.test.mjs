import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeToken } from '../lib/tokens.mjs';
import { T0, TOKEN_ID, assertError, call, fakeClock, start } from './helpers.mjs';

const retrieve = (emulator, token) => call(emulator, 'GET', '/tokens/v2', { token });

test('the admin token is a valid sk of the first account', async (t) => {
  const emulator = await start(t);
  const res = await retrieve(emulator, emulator.adminToken);
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body), ['code', 'token']);
  assert.equal(res.body.code, 'TokenValid');
  assert.deepEqual(Object.keys(res.body.token), ['usage', 'user', 'authorization']);
  assert.equal(res.body.token.usage, 'sk');
  assert.equal(res.body.token.user, 'demo');
  assert.match(res.body.token.authorization, TOKEN_ID);
  assert.equal(emulator.username, 'demo');
});

test('each account has a valid default public token', async (t) => {
  const emulator = await start(t, { accounts: ['alice', 'bob'] });
  const other = emulator.mintToken({ username: 'bob', scopes: ['tokens:read'] }).token;
  for (const [username, token] of [['alice', emulator.adminToken], ['bob', other]]) {
    const list = await call(emulator, 'GET', `/tokens/v2/${username}`, { token, query: { default: 'true' } });
    assert.equal(list.body.length, 1);
    const res = await retrieve(emulator, list.body[0].token);
    assert.deepEqual(res.body, {
      code: 'TokenValid',
      token: { usage: 'pk', user: username, authorization: list.body[0].id },
    });
  }
});

test('an unparseable token is TokenMalformed, with no token object', async (t) => {
  const emulator = await start(t);
  for (const token of ['not-a-token', 'pk.e30.sig', 'zz.eyJ1IjoiZGVtbyIsImEiOiJjMSJ9.sig']) {
    const res = await retrieve(emulator, token);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { code: 'TokenMalformed' }, token);
  }
});

test('a bad signature, another secret or an unknown id is TokenInvalid', async (t) => {
  const emulator = await start(t, { secret: 'fixed-secret' });
  const [header, payload] = emulator.adminToken.split('.');
  const badSignature = `${header}.${payload}.AAAAAAAAAAAAAAAAAAAAAA`;
  const foreign = encodeToken('other-secret', 'sk', { u: 'demo', a: 'cforeign0000000000000000x' });
  const unknownId = encodeToken('fixed-secret', 'pk', { u: 'demo', a: 'cunknown0000000000000000x' });
  const unknownUser = encodeToken('fixed-secret', 'pk', { u: 'nobody', a: 'cunknown0000000000000000x' });
  for (const token of [badSignature, foreign, unknownId, unknownUser]) {
    const res = await retrieve(emulator, token);
    assert.equal(res.status, 200);
    assert.equal(res.body.code, 'TokenInvalid', token);
    assert.equal(res.body.token.usage, token.slice(0, 2));
  }
});

test('temporary tokens are TokenValid until they expire, then TokenExpired', async (t) => {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now });
  const { token, id } = emulator.mintToken({ scopes: ['styles:read', 'fonts:read'], expires: T0 + 60_000 });
  assert.equal(id, null);
  const expected = {
    usage: 'tk',
    user: 'demo',
    expires: '2030-01-01T00:01:00.000Z',
    created: '2030-01-01T00:00:00.000Z',
    scopes: ['styles:read', 'fonts:read'],
    client: 'api',
  };
  assert.deepEqual((await retrieve(emulator, token)).body, { code: 'TokenValid', token: expected });
  clock.advance(60_000);
  assert.deepEqual((await retrieve(emulator, token)).body, { code: 'TokenExpired', token: expected });
});

test('a deleted token is TokenRevoked', async (t) => {
  const emulator = await start(t);
  const { token, id } = emulator.mintToken({ scopes: ['styles:read'] });
  assert.equal((await call(emulator, 'DELETE', `/tokens/v2/demo/${id}`)).status, 204);
  const res = await retrieve(emulator, token);
  assert.deepEqual(res.body, { code: 'TokenRevoked', token: { usage: 'pk', user: 'demo', authorization: id } });
});

test('a missing or empty access_token is 422 access token is required', async (t) => {
  const emulator = await start(t);
  assertError(await retrieve(emulator, null), 422, 'access token is required');
  assertError(await retrieve(emulator, ''), 422, 'access token is required');
});
