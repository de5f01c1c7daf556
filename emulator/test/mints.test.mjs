// Issue 19: the emulator logs each token created through the API, so that tests can count mints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T0, assertError, call, fakeClock, start } from './helpers.mjs';

const iso = (ms) => new Date(ms).toISOString();
const hook = (emulator, method) => call(emulator, method, '/__emulator/mints', { token: null });

test('each token created through the API is logged: time, account, usage, id, scopes, note, expiry', async (t) => {
  const clock = fakeClock();
  const emulator = await start(t, { hooks: true, now: clock.now, clockOffset: -30_000 });
  const now = T0 - 30_000;
  assert.deepEqual(emulator.mints(), []);

  const pk = (await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'], note: 'web' } })).body;
  clock.advance(1000);
  const sk = (await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['tokens:read'] } })).body;
  clock.advance(1000);
  const tk = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:tiles'], expires: iso(now + 2000 + 600_000) } });
  assert.equal(tk.status, 200, tk.text);

  const expected = [
    { time: iso(now), username: 'demo', usage: 'pk', id: pk.id, scopes: ['styles:read'], note: 'web', expires: null },
    { time: iso(now + 1000), username: 'demo', usage: 'sk', id: sk.id, scopes: ['tokens:read'], note: '', expires: null },
    { time: iso(now + 2000), username: 'demo', usage: 'tk', id: null, scopes: ['styles:tiles'], note: null, expires: iso(now + 2000 + 600_000) },
  ];
  assert.deepEqual(emulator.mints(), expected);
  const served = await hook(emulator, 'GET');
  assert.equal(served.status, 200);
  assert.deepEqual(served.body, expected);

  // Never a token string, nor any part of one.
  const logged = served.text + JSON.stringify(emulator.mints());
  for (const token of [pk.token, sk.token, tk.body.token]) {
    for (const part of token.split('.').slice(1)) assert.ok(!logged.includes(part), `the mint log holds a part of ${token.slice(0, 3)}`);
  }
  // A copy: changing it changes nothing.
  emulator.mints()[0].scopes.push('x');
  assert.deepEqual(emulator.mints()[0].scopes, ['styles:read']);
});

test('only creations count: refused creates, other operations and the test hooks mint nothing', async (t) => {
  const emulator = await start(t, { hooks: true });
  const reader = emulator.mintToken({ scopes: ['tokens:read'] });
  emulator.seedTokens(3);
  assertError(await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['nope'] } }), 422, 'scopes are invalid');
  assertError(await call(emulator, 'POST', '/tokens/v2/demo', { token: reader.token, body: { scopes: [] } }), 404, 'Not Found');
  assertError(await call(emulator, 'POST', '/tokens/v2/other', { body: { scopes: [] } }), 404, 'No such user');
  assertError(await call(emulator, 'POST', '/tokens/v2/demo', { token: 'sk.bad.token', body: { scopes: [] } }), 401, 'Unauthorized');
  assertError(await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: [], expires: iso(Date.now() - 1000) } }), 422, 'expires is in the past');
  await call(emulator, 'GET', '/tokens/v2/demo');
  await call(emulator, 'PATCH', `/tokens/v2/demo/${reader.id}`, { body: { note: 'n' } });
  await call(emulator, 'DELETE', `/tokens/v2/demo/${reader.id}`);
  await call(emulator, 'POST', '/__emulator/tokens', { token: null, body: { scopes: [] } });
  assert.deepEqual(emulator.mints(), []);
});

test('a create whose answer is lost is a mint; parallel creates are all counted', async (t) => {
  const emulator = await start(t, { hooks: true });
  emulator.addFault({ method: 'POST', fault: { type: 'dropAfter' } });
  await assert.rejects(call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'], note: 'lost' } }), TypeError);
  assert.deepEqual(emulator.mints().map((m) => m.note), ['lost']);
  assert.ok(emulator.state.tokensOf('demo').some((x) => x.id === emulator.mints()[0].id));

  // Whole seconds: a tk's expiry is in Unix seconds.
  const expires = iso(Math.floor(Date.now() / 1000) * 1000 + 600_000);
  await Promise.all(Array.from({ length: 40 }, () => call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'], expires } })));
  const mints = emulator.mints();
  assert.equal(mints.length, 41);
  assert.equal(mints.filter((m) => m.usage === 'tk' && m.expires === expires).length, 40);
});

test('the mint log is cleared by DELETE /__emulator/mints, clearMints() and reset', async (t) => {
  const emulator = await start(t, { hooks: true });
  const create = () => call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'] } });
  await create();
  assert.equal((await hook(emulator, 'DELETE')).status, 204);
  assert.deepEqual(emulator.mints(), []);
  await create();
  await create();
  assert.equal(emulator.mints().length, 2);
  emulator.clearMints();
  assert.deepEqual((await hook(emulator, 'GET')).body, []);
  await create();
  assert.equal((await call(emulator, 'POST', '/__emulator/reset', { token: null })).status, 200);
  assert.deepEqual(emulator.mints(), []);
  await create();
  emulator.reset();
  assert.deepEqual(emulator.mints(), []);
  assertError(await call(emulator, 'POST', '/__emulator/mints', { token: null }), 405, /^Method POST is not allowed here/);
});
