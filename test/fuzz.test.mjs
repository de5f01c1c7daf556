// Property-based fuzzing of the whole JS surface with fast-check: any value passed to any method,
// the constructor or the offline helpers yields a normal result or a MapboxError; never a thrown
// non-Error, a wasm trap or a hang, and the module keeps working. No token leaks into any text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lib, startEmulator, leakRecorder, settle } from './helpers.mjs';

const { Tokens, parseToken, tokenUsageFor, isMapboxError } = lib;

// Reproducible by default (CI must not turn red on a new random draw); FUZZ_SEED=random explores,
// FUZZ_SEED=<n> replays a reported seed.
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED || 20_261_127);
fc.configureGlobal({ seed: SEED });
let emu, tokens, leaks;
let inputs = 0;
before(async () => {
  emu = await startEmulator({ rateLimit: false });
  tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url, retries: 0, timeout: 5000, rateLimit: false });
  leaks = leakRecorder();
});
after(() => emu?.close());

const anything = fc.anything({
  maxDepth: 3, withBoxedValues: true, withMap: true, withSet: true, withObjectString: true,
  withNullPrototype: true, withTypedArray: true, withDate: true, withSparseArray: true, withBigInt: true,
});
const wild = fc.oneof(
  anything,
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -0, 0, 1.5, 2 ** 53, '', '..', '.', '../x', 'pk.a.b',
    'sk.eyJ1IjoiZGVtbyJ9.x', [], [''], [1, 'a'], ['styles:read'], {}, Symbol('s'), () => 1, new Date(NaN),
    'x'.repeat(100_000), Array(200).fill('https://example.com')),
);

/** Hostile values (fast-check cannot carry them: it inspects its values): every trap or getter throws. */
function hostile() {
  const boom = () => { throw new Error('trap'); };
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  return [
    new Proxy({}, { ownKeys: boom }), new Proxy({}, { getPrototypeOf: boom }), new Proxy([], { get: boom }),
    new Proxy(['styles:read'], { getPrototypeOf: boom }), revoked.proxy, new Proxy(new Date(), {}),
    new Proxy(AbortSignal.abort(), {}), Object.defineProperty(['a'], 0, { get: boom }),
    { get scopes() { return boom(); } }, { get signal() { return boom(); } }, Object.create(null),
    Object.create(AbortSignal.prototype), Object.create(Date.prototype), Object.create(Error.prototype),
  ];
}
const KEYS = ['username', 'default', 'limit', 'sortby', 'start', 'usage', 'scopes', 'expires', 'note', 'allowedUrls',
  'allowedApplications', 'resources', 'authorizationId', 'accessToken', 'timeout', 'signal', 'origin', 'retries', 'bogus'];
/** Option objects with known (and unknown) keys holding wild values, or wild values themselves. */
const options = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), wild, { maxKeys: 5 }),
  wild,
);

/** Settled outcome must be a response or a MapboxError; a validation failure must be InvalidInput. */
function checkOutcome(outcome, arg) {
  inputs += 1;
  if (outcome.error === undefined) {
    assert.equal(typeof outcome.value.status, 'number');
    return;
  }
  const e = outcome.error;
  leaks.error(e);
  assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
  assert.ok(isMapboxError(e), `not a MapboxError: ${e}`);
  // A tiny `timeout` option legitimately ends in Timeout; a string too long for any server's URL
  // (a token to check, a cursor) in the server refusing the connection.
  let tinyTimeout = false;
  let hugeString = false;
  let signal = false;
  try {
    signal = arg?.signal !== undefined; // an (already aborted) signal legitimately ends in Aborted
    tinyTimeout = typeof arg?.timeout === 'number' && arg.timeout < 1000;
    hugeString = Object.values(arg ?? {}).some((v) => typeof v === 'string' && v.length > 8000);
  } catch { /* a hostile Proxy: neither */ }
  assert.ok(['InvalidInput', 'Http'].includes(e.kind) || (tinyTimeout && e.kind === 'Timeout') || (hugeString && e.kind === 'Network')
    || (signal && e.kind === 'Aborted'),
    `${e.kind}: ${e.message}`);
  // Http: the input passed every local check and the API judged it (a bad `start` cursor is its 500).
  if (e.kind === 'Http') assert.ok(e.status >= 400 && e.status < 600, e.message);
}

const METHODS = ['listTokens', 'createTempToken', 'create', 'update', 'checkValidity', 'listScopes', 'delete'];

for (const method of METHODS) {
  test(`fuzz ${method}`, { timeout: 120_000 }, async () => {
    await fc.assert(fc.asyncProperty(options, async (arg) => {
      let promise;
      try {
        promise = tokens[method](arg);
      } catch (e) {
        assert.fail(`${method} threw synchronously: ${e}`);
      }
      assert.ok(promise instanceof Promise);
      checkOutcome(await settle(promise), arg);
    }), { numRuns: 1100 });
  });
}

test('fuzz listAllTokens', { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(options, async (arg) => {
    const iterator = tokens.listAllTokens(arg);
    assert.equal(iterator[Symbol.asyncIterator](), iterator);
    const first = await settle(iterator.next());
    checkOutcome(first.error ? first : { value: { status: 200 } }, arg);
    const done = await settle(iterator.return());
    assert.equal(done.value?.done, true);
  }), { numRuns: 700 });
});

test('hostile values, as arguments and as every option, in every method and the constructor', { timeout: 120_000 }, async () => {
  for (const value of hostile()) {
    for (const arg of [value, ...KEYS.map((key) => ({ [key]: value }))]) {
      for (const method of METHODS) checkOutcome(await settle(tokens[method](arg)), arg);
      const iterator = tokens.listAllTokens(arg);
      const first = await settle(iterator.next());
      checkOutcome(first.error ? first : { value: { status: 200 } }, arg);
      try {
        new Tokens(arg).free();
      } catch (e) {
        assert.ok(isMapboxError(e) && e.kind === 'InvalidInput', String(e));
      }
      inputs += 1;
    }
    for (const f of [parseToken, tokenUsageFor]) {
      try {
        f(value);
      } catch (e) {
        assert.ok(isMapboxError(e) && e.kind === 'InvalidInput', String(e));
      }
    }
    assert.equal(isMapboxError(value), false);
  }
});

test('fuzz the constructor and the offline helpers', () => {
  const sync = (fn) => {
    try {
      return { value: fn() };
    } catch (error) {
      return { error };
    }
  };
  const expectSync = (outcome) => {
    inputs += 1;
    if (outcome.error === undefined) return;
    leaks.error(outcome.error);
    assert.ok(isMapboxError(outcome.error), `not a MapboxError: ${outcome.error}`);
    assert.equal(outcome.error.kind, 'InvalidInput');
  };
  fc.assert(fc.property(options, (arg) => {
    // Construction only: a fuzzed origin must never be called.
    const made = sync(() => new Tokens(arg));
    expectSync(made);
    made.value?.free();
  }), { numRuns: 2000 });
  fc.assert(fc.property(wild, (arg) => {
    expectSync(sync(() => parseToken(arg)));
    expectSync(sync(() => tokenUsageFor(arg)));
    inputs += 1;
    assert.equal(typeof isMapboxError(arg), 'boolean');
  }), { numRuns: 1500 });
});

test('after fuzzing, normal calls still work and nothing leaked', async () => {
  assert.ok(inputs >= 10_000, `${inputs} generated inputs`);
  const r = await tokens.checkValidity();
  assert.equal(r.data.code, 'TokenValid');
  assert.equal((await tokens.listScopes()).status, 200);
  const { adminToken } = emu;
  const checked = leaks.assertClean([adminToken, adminToken.split('.')[1], adminToken.split('.')[2]]);
  console.log(`fuzz: ${inputs} inputs (seed ${SEED}), ${checked} error texts checked for tokens`);
});
