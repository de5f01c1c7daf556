import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ISO_MS, T0, TOKEN_ID, assertError, call, fakeClock, payloadOf, start } from './helpers.mjs';

async function setup(t) {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now });
  const create = (body, token) => call(emulator, 'POST', '/tokens/v2/demo', { body, token });
  return { emulator, clock, create };
}

const inMinutes = (minutes) => new Date(T0 + minutes * 60_000).toISOString();

test('only public scopes make a pk token, returned with its token string', async (t) => {
  const { emulator, create } = await setup(t);
  const res = await create({ scopes: ['styles:read', 'fonts:read'], note: 'My website' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(Object.keys(res.body), ['id', 'usage', 'client', 'default', 'scopes', 'note', 'created', 'modified', 'token']);
  const { id, usage, client, scopes, note, created, modified, token } = res.body;
  assert.match(id, TOKEN_ID);
  assert.deepEqual({ usage, client, default: res.body.default, scopes, note }, {
    usage: 'pk',
    client: 'api',
    default: false,
    scopes: ['styles:read', 'fonts:read'],
    note: 'My website',
  });
  assert.match(created, ISO_MS);
  assert.equal(created, '2030-01-01T00:00:00.000Z');
  assert.equal(modified, created);
  assert.ok(token.startsWith('pk.'));
  assert.deepEqual(payloadOf(token), { u: 'demo', a: id });
  const check = await call(emulator, 'GET', '/tokens/v2', { token });
  assert.equal(check.body.code, 'TokenValid');
});

test('any secret scope makes an sk token, whose string only the create response shows', async (t) => {
  const { emulator, create } = await setup(t);
  const res = await create({ scopes: ['styles:read', 'styles:list'] });
  assert.equal(res.status, 200);
  assert.equal(res.body.usage, 'sk');
  assert.ok(res.body.token.startsWith('sk.'));
  assert.equal(res.body.note, '');
  const list = await call(emulator, 'GET', '/tokens/v2/demo');
  const listed = list.body.find((t) => t.id === res.body.id);
  assert.equal(listed.usage, 'sk');
  assert.ok(!('token' in listed));
  assert.equal((await call(emulator, 'GET', '/tokens/v2', { token: res.body.token })).body.code, 'TokenValid');
});

test('a token may be created without scopes (a pk)', async (t) => {
  const { create } = await setup(t);
  const res = await create({ scopes: [] });
  assert.equal(res.status, 200);
  assert.equal(res.body.usage, 'pk');
  assert.deepEqual(res.body.scopes, []);
});

test('duplicate scopes are kept once', async (t) => {
  const { create } = await setup(t);
  assert.deepEqual((await create({ scopes: ['styles:read', 'styles:read'] })).body.scopes, ['styles:read']);
});

test('restrictions are echoed when given and absent otherwise', async (t) => {
  const { create } = await setup(t);
  const plain = await create({ scopes: ['styles:read'] });
  for (const key of ['allowedUrls', 'allowedApplications', 'resources']) assert.ok(!(key in plain.body), key);
  const urls = Array.from({ length: 100 }, (_, i) => `https://example${i}.com`);
  const restricted = await create({
    scopes: ['styles:read'],
    allowedUrls: urls,
    allowedApplications: [{ platform: 'iOS', bundleId: 'com.example.foo' }],
    resources: ['mapbox.mapbox-streets-v8'],
  });
  assert.equal(restricted.status, 200, restricted.text);
  assert.deepEqual(restricted.body.allowedUrls, urls);
  assert.deepEqual(restricted.body.allowedApplications, [{ platform: 'iOS', bundleId: 'com.example.foo' }]);
  assert.deepEqual(restricted.body.resources, ['mapbox.mapbox-streets-v8']);
});

test('more than 100 allowedUrls is 422', async (t) => {
  const { create } = await setup(t);
  const urls = Array.from({ length: 101 }, (_, i) => `https://example${i}.com`);
  assertError(await create({ scopes: ['styles:read'], allowedUrls: urls }), 422, 'allowedUrls may not contain more than 100 URLs');
});

test('an unknown scope, or one the authorising token lacks, is 422 scopes are invalid', async (t) => {
  const { emulator, create } = await setup(t);
  assertError(await create({ scopes: ['styles:read', 'styles:fly'] }), 422, 'scopes are invalid');
  const limited = emulator.mintToken({ scopes: ['tokens:write', 'styles:read'] }).token;
  assert.equal((await create({ scopes: ['styles:read'] }, limited)).status, 200);
  assertError(await create({ scopes: ['styles:read', 'fonts:read'] }, limited), 422, 'scopes are invalid');
  assertError(await create({ scopes: ['fonts:read'], expires: inMinutes(10) }, limited), 422, 'scopes are invalid');
});

test('wrong field types and unknown fields are 422 with a message', async (t) => {
  const { create } = await setup(t);
  const cases = [
    [{}, 'scopes must be an array of strings'],
    [{ scopes: 'styles:read' }, 'scopes must be an array of strings'],
    [{ scopes: [1] }, 'scopes must be an array of strings'],
    [{ scopes: [], note: 5 }, 'note must be a string of at most 128 characters'],
    [{ scopes: [], note: 'x'.repeat(129) }, 'note must be a string of at most 128 characters'],
    [{ scopes: [], allowedUrls: 'https://example.com' }, 'allowedUrls must be an array of URL strings'],
    [{ scopes: [], allowedUrls: null }, 'allowedUrls must be an array of URL strings'],
    [{ scopes: [], allowedUrls: [''] }, 'allowedUrls must be an array of URL strings'],
    [{ scopes: [], allowedApplications: [{ platform: 'iOS' }] }, /^allowedApplications must be/],
    [{ scopes: [], resources: [] }, 'resources are invalid'],
    [{ scopes: [], resources: 'a' }, 'resources are invalid'],
    [{ scopes: [], allowedApis: ['styles'] }, 'unknown fields: allowedApis'],
  ];
  for (const [body, message] of cases) assertError(await create(body), 422, message);
  assert.equal((await create({ scopes: [], note: 'x'.repeat(128) })).status, 200);
});

test('expires makes a temporary token, which is not listed', async (t) => {
  const { emulator, create } = await setup(t);
  const before = (await call(emulator, 'GET', '/tokens/v2/demo')).body.length;
  const res = await create({ scopes: ['styles:read', 'tokens:read'], expires: inMinutes(30) });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, {
    token: res.body.token,
    issued_at: '2030-01-01T00:00:00.000Z',
    expires: '2030-01-01T00:30:00.000Z',
    expires_in: 1800,
  });
  assert.ok(res.body.token.startsWith('tk.'));
  const payload = payloadOf(res.body.token);
  assert.deepEqual(Object.keys(payload), ['u', 'exp', 'iat', 'scopes', 'client']);
  assert.deepEqual(payload, { u: 'demo', exp: T0 / 1000 + 1800, iat: T0 / 1000, scopes: ['styles:read', 'tokens:read'], client: 'api' });
  assert.equal((await call(emulator, 'GET', '/tokens/v2/demo')).body.length, before);
  assert.equal((await call(emulator, 'GET', '/tokens/v2/demo', { token: res.body.token })).status, 200);
});

test('expires must be in the next hour', async (t) => {
  const { create } = await setup(t);
  assertError(await create({ scopes: [], expires: inMinutes(-1) }), 422, 'expires is in the past');
  assertError(await create({ scopes: [], expires: inMinutes(0) }), 422, 'expires is in the past');
  assertError(await create({ scopes: [], expires: inMinutes(60.01) }), 422, 'expires is more than one hour in the future');
  assert.equal((await create({ scopes: [], expires: inMinutes(60) })).body.expires_in, 3600);
});

test('a temporary token may not outlive an authorising temporary token', async (t) => {
  const { emulator, create } = await setup(t);
  const authorizer = emulator.mintToken({ scopes: ['tokens:write', 'styles:read'], expires: T0 + 10 * 60_000 }).token;
  assertError(
    await create({ scopes: ['styles:read'], expires: inMinutes(20) }, authorizer),
    422,
    'expires may not be greater than the expiration of the authorizing token',
  );
  const res = await create({ scopes: ['styles:read'], expires: inMinutes(10) }, authorizer);
  assert.equal(res.status, 200);
  assert.equal(res.body.expires_in, 600);
});

test('temporary tokens take only expires and scopes; expires must be a date-time', async (t) => {
  const { create } = await setup(t);
  const expires = inMinutes(5);
  assertError(await create({ scopes: [], expires, allowedUrls: ['https://example.com'] }), 422, 'temporary tokens cannot have allowedUrls');
  assertError(await create({ scopes: [], expires, note: 'x' }), 422, 'unknown fields: note');
  assertError(await create({ expires }), 422, 'scopes must be an array of strings');
  for (const bad of ['tomorrow', '2030-01-01', 1893456300000, null]) {
    assertError(await create({ scopes: [], expires: bad }), 422, 'expires must be an ISO 8601 date-time');
  }
});

test('an expires without a time zone is read as UTC; offsets are honoured', async (t) => {
  const { create } = await setup(t);
  assert.equal((await create({ scopes: [], expires: '2030-01-01T00:30:00' })).body.expires, '2030-01-01T00:30:00.000Z');
  assert.equal((await create({ scopes: [], expires: '2030-01-01T01:15:00+01:00' })).body.expires, '2030-01-01T00:15:00.000Z');
});

// The seed examples of shared/seed/tokens.md (the Python SDK's doctests), replayed over HTTP.
test('the seed session: list, temporary token, create, update, validate, list scopes, delete', async (t) => {
  const emulator = await start(t);
  const list = await call(emulator, 'GET', '/tokens/v2/demo');
  assert.equal(list.status, 200);
  assert.ok(Array.isArray(list.body));

  const expires = new Date(Date.now() + 60_000).toISOString();
  const temp = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'], expires } });
  assert.equal(temp.body.token.slice(0, 3), 'tk.');

  const created = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'], note: 'test-token' } });
  assert.deepEqual(created.body.scopes, ['styles:read']);
  assert.equal(created.body.token.slice(0, 3), 'pk.');

  const updated = await call(emulator, 'PATCH', `/tokens/v2/demo/${created.body.id}`, {
    body: { scopes: ['styles:read', 'datasets:read'], note: 'updated' },
  });
  assert.equal(updated.status, 200);
  assert.deepEqual(updated.body.scopes, ['styles:read', 'datasets:read']);
  assert.equal(updated.body.note, 'updated');

  assert.equal((await call(emulator, 'GET', '/tokens/v2')).body.code, 'TokenValid');
  assert.equal((await call(emulator, 'GET', '/tokens/v2', { token: created.body.token })).body.code, 'TokenValid');

  const scopes = await call(emulator, 'GET', '/scopes/v1/demo');
  assert.equal(scopes.status, 200);
  assert.ok(scopes.body.length > 5);

  assert.equal((await call(emulator, 'DELETE', `/tokens/v2/demo/${created.body.id}`)).status, 204);
});
