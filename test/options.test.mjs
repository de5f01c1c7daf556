// Options objects: the JS edge hands them to the core as JSON text (JSON.stringify), so these pin
// down what that means for JavaScript values: a Date becomes its ISO time, undefined means absent,
// NaN and Infinity are refused, and a value JSON cannot read rejects before anything is sent.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { lib, startEmulator } from './helpers.mjs';

const { Tokens } = lib;
let emu, tokens;
before(async () => {
  emu = await startEmulator({ rateLimit: false });
  tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url });
});
after(() => emu?.close());
beforeEach(() => emu.clearRequests());

const refused = async (promise) => {
  const error = await promise.then(() => assert.fail('accepted'), (e) => e);
  assert.equal(error.kind, 'InvalidInput');
  assert.equal(emu.requests().length, 0, 'a refused call sent a request');
  return error.message;
};

test('a Date for expires is sent as its ISO 8601 time', async () => {
  const at = new Date(Date.now() + 10 * 60_000);
  const { data } = await tokens.createTempToken({ scopes: ['styles:read'], expires: at });
  assert.match(data.token, /^tk\./);
  const sent = JSON.parse(emu.requests().at(-1).body);
  assert.equal(sent.expires, at.toISOString());
});

test('undefined means absent; NaN, Infinity and an invalid Date are refused', async () => {
  const page = await tokens.listTokens({ limit: undefined, usage: undefined, start: undefined });
  assert.equal(page.status, 200);
  emu.clearRequests();
  assert.equal(await refused(tokens.listTokens({ limit: NaN })), 'limit must be a number.');
  assert.equal(await refused(tokens.listTokens({ limit: Infinity })), 'limit must be a number.');
  assert.match(await refused(tokens.createTempToken({ scopes: ['styles:read'], expires: new Date(NaN) })),
    /^expires must be a number of seconds, a Date or an ISO 8601 string/);
});

test('values JSON cannot read are refused, naming the method, before anything is sent', async () => {
  const cyclic = { scopes: ['styles:read'] };
  cyclic.note = cyclic;
  const throwing = { get scopes() { throw new Error('boom'); } };
  for (const options of [cyclic, throwing, { scopes: ['styles:read'], note: 1n }]) {
    assert.equal(await refused(tokens.create(options)), 'create: the options object could not be read.');
  }
  assert.equal(await refused(tokens.create('scopes')), 'create takes an options object.');
  assert.equal(await refused(tokens.create([])), 'create takes an options object.');
  assert.match(await refused(tokens.listScopes({ usernme: 'x' })), /^listScopes has no option "usernme"; its options are: username, timeout, signal\.$/);
  assert.equal(await refused(tokens.listScopes({ signal: {} })), 'signal must be an AbortSignal.');
});

test('null clears an update field, absent keeps it', async () => {
  const { data: made } = await tokens.create({ scopes: ['styles:read'], allowedUrls: ['https://a.example'], note: 'n' });
  const { data: kept } = await tokens.update({ authorizationId: made.id, note: 'changed' });
  assert.deepEqual(kept.allowedUrls, ['https://a.example']);
  emu.clearRequests();
  const { data: cleared } = await tokens.update({ authorizationId: made.id, allowedUrls: null });
  assert.equal(cleared.allowedUrls, undefined);
  assert.deepEqual(JSON.parse(emu.requests().at(-1).body), { allowedUrls: null });
});
