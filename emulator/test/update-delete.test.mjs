import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertError, call, fakeClock, start } from './helpers.mjs';

async function setup(t) {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now });
  const create = async (body) => (await call(emulator, 'POST', '/tokens/v2/demo', { body })).body;
  const update = (id, body, token) => call(emulator, 'PATCH', `/tokens/v2/demo/${id}`, { body, token });
  const remove = (id, token) => call(emulator, 'DELETE', `/tokens/v2/demo/${id}`, { token });
  const list = async (query) => (await call(emulator, 'GET', '/tokens/v2/demo', { query })).body;
  return { emulator, clock, create, update, remove, list };
}

test('an update changes only the supplied fields and bumps modified', async (t) => {
  const { clock, create, update } = await setup(t);
  const token = await create({ scopes: ['styles:read'], note: 'before', allowedUrls: ['https://a.com'] });
  clock.advance(5000);
  const res = await update(token.id, { note: 'after' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { ...token, note: 'after', modified: '2030-01-01T00:00:05.000Z' });
  clock.advance(5000);
  const rescoped = await update(token.id, { scopes: ['styles:read', 'datasets:read'] });
  assert.deepEqual(rescoped.body.scopes, ['styles:read', 'datasets:read']);
  assert.equal(rescoped.body.note, 'after');
  assert.equal(rescoped.body.created, token.created);
  assert.equal(rescoped.body.modified, '2030-01-01T00:00:10.000Z');
});

test('allowedUrls, allowedApplications and resources are cleared by null', async (t) => {
  const { create, update, list } = await setup(t);
  const token = await create({
    scopes: ['styles:read'],
    allowedUrls: ['https://a.com'],
    allowedApplications: [{ platform: 'android', bundleId: 'com.example' }],
    resources: ['r1'],
  });
  const set = await update(token.id, { allowedUrls: ['https://b.com', 'https://c.com'] });
  assert.deepEqual(set.body.allowedUrls, ['https://b.com', 'https://c.com']);
  const cleared = await update(token.id, { allowedUrls: null, allowedApplications: null, resources: null });
  assert.equal(cleared.status, 200);
  for (const key of ['allowedUrls', 'allowedApplications', 'resources']) assert.ok(!(key in cleared.body), key);
  assert.ok(!('allowedUrls' in (await list()).find((x) => x.id === token.id)));
  const tooMany = Array.from({ length: 101 }, (_, i) => `https://${i}.com`);
  assertError(await update(token.id, { allowedUrls: tooMany }), 422, 'allowedUrls may not contain more than 100 URLs');
});

test('a pk cannot gain secret scopes; an sk can hold both and its string stays hidden', async (t) => {
  const { create, update } = await setup(t);
  const pk = await create({ scopes: ['styles:read'] });
  assertError(await update(pk.id, { scopes: ['styles:read', 'styles:write'] }), 422, 'a public token cannot have secret scopes');
  const pkUpdate = await update(pk.id, { note: 'x' });
  assert.equal(pkUpdate.body.token, pk.token);
  const sk = await create({ scopes: ['styles:list'] });
  const res = await update(sk.id, { scopes: ['styles:read', 'styles:write'] });
  assert.equal(res.status, 200);
  assert.equal(res.body.usage, 'sk');
  assert.deepEqual(res.body.scopes, ['styles:read', 'styles:write']);
  assert.ok(!('token' in res.body));
});

test('a token created without scopes never gains any', async (t) => {
  const { create, update } = await setup(t);
  const empty = await create({ scopes: [] });
  assertError(await update(empty.id, { scopes: ['styles:read'] }), 422, 'a token created without scopes cannot gain scopes');
  assert.equal((await update(empty.id, { scopes: [], note: 'still empty' })).status, 200);
  const emptied = await create({ scopes: ['styles:read'] });
  await update(emptied.id, { scopes: [] });
  assert.equal((await update(emptied.id, { scopes: ['fonts:read'] })).status, 200);
});

test('updates are checked like creations', async (t) => {
  const { emulator, create, update } = await setup(t);
  const token = await create({ scopes: ['styles:read'] });
  const limited = emulator.mintToken({ scopes: ['tokens:write', 'styles:read'] }).token;
  assertError(await update(token.id, { scopes: ['fonts:read'] }, limited), 422, 'scopes are invalid');
  assertError(await update(token.id, { scopes: ['nope'] }), 422, 'scopes are invalid');
  assertError(await update(token.id, { note: ['x'] }), 422, 'note must be a string of at most 128 characters');
  assertError(await update(token.id, { expires: new Date().toISOString() }), 422, 'unknown fields: expires');
  assertError(await call(emulator, 'PATCH', `/tokens/v2/demo/${token.id}`, { rawBody: '{"note":' }), 400, 'Request body is not valid JSON');
  assertError(await call(emulator, 'PATCH', `/tokens/v2/demo/${token.id}`, { rawBody: '["note"]' }), 422, 'Request body must be a JSON object');
});

test('the default token cannot get URL restrictions', async (t) => {
  const { update, list } = await setup(t);
  const [defaultToken] = await list({ default: 'true' });
  assertError(await update(defaultToken.id, { allowedUrls: ['https://a.com'] }), 422, 'the default public token cannot have URL restrictions');
  assert.equal((await update(defaultToken.id, { note: 'renamed' })).body.note, 'renamed');
});

test('unknown ids, another account\'s ids and temporary tokens cannot be updated or deleted (404)', async (t) => {
  const { emulator, update, remove } = await setup(t);
  const othersToken = emulator.mintToken({ username: 'other', scopes: ['styles:read'] });
  const tk = emulator.mintToken({ scopes: ['styles:read'], expires: Date.UTC(2030, 0, 1, 0, 30) }).token;
  for (const id of ['cunknown0000000000000000x', othersToken.id, tk]) {
    assertError(await update(id, { note: 'x' }), 404, 'Not Found');
    assertError(await remove(id), 404, 'Not Found');
  }
});

test('delete answers 204 with no body, and revokes the token for good', async (t) => {
  const { emulator, remove, list } = await setup(t);
  const reader = emulator.mintToken({ scopes: ['tokens:read'] });
  const res = await remove(reader.id);
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  assert.equal(res.headers.get('content-type'), null);
  assert.ok(!(await list()).some((x) => x.id === reader.id));
  assertError(await call(emulator, 'GET', '/tokens/v2/demo', { token: reader.token }), 401, 'Unauthorized');
  assert.equal((await call(emulator, 'GET', '/tokens/v2', { token: reader.token })).body.code, 'TokenRevoked');
  assertError(await remove(reader.id), 404, 'Not Found');
});

test('deleting the default token generates a new one', async (t) => {
  const { emulator, remove, list } = await setup(t);
  const [old] = await list({ default: 'true' });
  assert.equal((await remove(old.id)).status, 204);
  const [fresh] = await list({ default: 'true' });
  assert.notEqual(fresh.id, old.id);
  assert.equal(fresh.note, 'Default public token');
  assert.deepEqual(fresh.scopes, old.scopes);
  assert.equal((await call(emulator, 'GET', '/tokens/v2', { token: old.token })).body.code, 'TokenRevoked');
});
