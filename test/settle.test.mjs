// Every internal failure path ends in a settled promise: the platform's `fetch` is replaced by ones
// that fail in every way a platform (or a polyfill) can, and each call must reject with a
// MapboxError, promptly, leaving no listener on the caller's signal and the module working.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { lib, startEmulator, settle } from './helpers.mjs';

const { Tokens, isMapboxError } = lib;
const realFetch = globalThis.fetch;
const emu = await startEmulator({ rateLimit: false });
after(() => {
  globalThis.fetch = realFetch;
  return emu.close();
});

const client = () => new Tokens({ accessToken: emu.adminToken, origin: emu.url, retries: 1, timeout: 2000, rateLimit: false });

/** A response-like object whose parts misbehave as `overrides` say. */
const fakeResponse = (overrides) => ({
  status: 200,
  headers: new Headers({ 'content-type': 'application/json' }),
  json: async () => ({ code: 'TokenValid' }),
  text: async () => '',
  ...overrides,
});

const FETCHES = {
  'fetch throws synchronously': () => { throw new TypeError('no network here'); },
  'fetch throws a non-Error': () => { throw 'a string'; }, // eslint-disable-line no-throw-literal
  'fetch rejects with a non-Error': () => Promise.reject(42),
  'fetch resolves to undefined': async () => undefined,
  'fetch resolves to a number': async () => 7,
  'json() rejects with a non-Error': async () => fakeResponse({ json: () => Promise.reject(null) }),
  'json() throws synchronously': async () => fakeResponse({ json: () => { throw new Error('gone'); } }),
  'json() never was': async () => fakeResponse({ json: undefined }),
  'text() throws on an error status': async () => fakeResponse({ status: 500, text: () => { throw new Error('no body'); } }),
  'headers.get throws': async () => fakeResponse({ status: 429, headers: { get() { throw new Error('no headers'); } } }),
  'no headers at all': async () => fakeResponse({ status: 503, headers: undefined }),
};

for (const [name, fake] of Object.entries(FETCHES)) {
  test(`${name}: every method rejects with a MapboxError`, async () => {
    globalThis.fetch = fake;
    const tokens = client();
    const controller = new AbortController();
    const calls = [
      tokens.checkValidity({ signal: controller.signal }),
      tokens.listTokens({ signal: controller.signal }),
      tokens.create({ scopes: ['styles:read'], signal: controller.signal }),
      tokens.delete({ authorizationId: 'x', signal: controller.signal }),
      tokens.rotate({ authorizationId: 'x', signal: controller.signal }),
      tokens.listAllTokens({ signal: controller.signal }).next(),
      tokens.createTempToken({ scopes: ['styles:read'], signal: controller.signal }),
    ];
    for (const outcome of await Promise.all(calls.map((c) => settle(c, 5000)))) {
      if (outcome.value !== undefined) continue; // a fake answer can be a fine one (json() of 200)
      assert.ok(isMapboxError(outcome.error), `${name}: ${outcome.error}`);
      assert.ok(['Network', 'Decode', 'Http', 'Timeout'].includes(outcome.error.kind), outcome.error.message);
    }
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'a listener was left on the caller\'s signal');
    globalThis.fetch = realFetch;
    assert.equal((await tokens.checkValidity()).data.code, 'TokenValid', 'the module still works');
  });
}

test('a hanging fetch ends in Timeout, then in Aborted when the caller aborts, with nothing left behind', async () => {
  globalThis.fetch = (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
  const tokens = client();
  const timedOut = await settle(tokens.listScopes({ timeout: 100 }), 5000);
  assert.equal(timedOut.error.kind, 'Timeout');
  const controller = new AbortController();
  const pending = tokens.listScopes({ signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  assert.equal((await settle(pending, 5000)).error.kind, 'Aborted');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  globalThis.fetch = realFetch;
});

test('the caller\'s signal carries no listener of ours after many calls', async () => {
  const tokens = client();
  const controller = new AbortController();
  await Promise.all(Array.from({ length: 50 }, () => tokens.checkValidity({ signal: controller.signal })));
  emu.addFault({ path: '/scopes/v1', count: 2, fault: { type: 'status', status: 503 } });
  await settle(tokens.listScopes({ signal: controller.signal })); // with a retry's sleep
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});
