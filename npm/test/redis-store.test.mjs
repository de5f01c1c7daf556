// mapbox-tokens/redis against a real redis-server (started on a free port, stopped after): the store
// contract the TokenBroker relies on (get, setIfAbsent, set, delete, expiry on the server, one winner
// among concurrent setIfAbsent), its argument checks, errors of the client passed on, the SET
// spelling of node-redis v4 understood by the server, and the CommonJS build once pkg/ has it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { redisStore } from '../redis.mjs';
import { REDIS_SERVER, startRedis } from '../../test/redis.mjs';
import { PKG } from './helpers.mjs';

const skip = REDIS_SERVER ? false : 'redis-server is not installed (scripts/setup.sh installs it)';
let redis;
const clients = [];

/** A connected node-redis client of the test's server, closed after the suite. */
async function client() {
  const c = createClient({ url: redis.url });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

/** Closes a node-redis client: close() since v5, quit() in v4. */
const closeClient = (c) => (typeof c.close === 'function' ? c.close() : c.quit());

before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => {
  for (const c of clients) if (c.isOpen) await closeClient(c);
  await redis?.stop();
});

test('setIfAbsent sets once, get reads, set replaces, delete removes', { skip }, async () => {
  const c = await client();
  const store = redisStore(c);
  assert.equal(await store.get('k:1'), null);
  assert.equal(await store.setIfAbsent('k:1', 'first', 60_000), true);
  assert.equal(await store.setIfAbsent('k:1', 'second', 60_000), false, 'an existing key is kept');
  assert.equal(await store.get('k:1'), 'first');
  assert.equal(await store.set('k:1', 'third', 60_000), undefined);
  assert.equal(await store.get('k:1'), 'third');
  assert.equal(await store.delete('k:1'), undefined);
  assert.equal(await store.get('k:1'), null);
  assert.equal(await store.delete('k:1'), undefined, 'deleting a missing key is no error');
  assert.equal(await store.setIfAbsent('k:1', 'again', 60_000), true, 'a deleted key can be taken again');
});

test('every entry expires on the server after its ttlMs (set and setIfAbsent)', { skip }, async () => {
  const c = await client();
  const store = redisStore(c);
  await store.set('k:ttl-set', 'v', 60_000);
  await store.setIfAbsent('k:ttl-nx', 'v', 30_000);
  const pttlSet = await c.pTTL('k:ttl-set');
  const pttlNx = await c.pTTL('k:ttl-nx');
  assert.ok(pttlSet > 59_000 && pttlSet <= 60_000, `PTTL after set: ${pttlSet}`);
  assert.ok(pttlNx > 29_000 && pttlNx <= 30_000, `PTTL after setIfAbsent: ${pttlNx}`);

  // A fraction of a millisecond is rounded up, never to 0 (which Redis refuses).
  await store.set('k:short', 'v', 0.4);
  await store.setIfAbsent('k:short-nx', 'v', 80);
  await sleep(150);
  assert.equal(await store.get('k:short'), null);
  assert.equal(await store.get('k:short-nx'), null);
  assert.equal(await store.setIfAbsent('k:short-nx', 'w', 60_000), true, 'an expired lock can be taken');
});

test('of many concurrent setIfAbsent on one key, from four clients, exactly one wins', { skip }, async () => {
  const stores = await Promise.all([0, 1, 2, 3].map(async () => redisStore(await client())));
  for (let round = 0; round < 5; round++) {
    const key = `k:lock:${round}`;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 4].setIfAbsent(key, `owner-${i}`, 60_000)));
    const winners = results.flatMap((won, i) => (won ? [i] : []));
    assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
    assert.equal(await stores[0].get(key), `owner-${winners[0]}`);
  }
});

test('values are kept as they are: JSON, Unicode, empty', { skip }, async () => {
  const store = redisStore(await client());
  for (const [i, value] of [JSON.stringify({ token: 'tk.a.b', expires: '2030-01-01T00:00:00.000Z' }), 'é ☃ 𝄞', ''].entries()) {
    await store.set(`k:value:${i}`, value, 60_000);
    assert.equal(await store.get(`k:value:${i}`), value);
  }
});

test('the SET spelling of node-redis v4 (PX, NX) means the same to the server', { skip }, async () => {
  // node-redis v4 reads only the flat PX/NX fields; model its SET on the raw command interface.
  const c = await client();
  const v4 = {
    get: (key) => c.get(key),
    del: (key) => c.del(key),
    set(key, value, options) {
      const args = ['SET', key, value];
      if (options?.PX !== undefined) args.push('PX', String(options.PX));
      if (options?.NX) args.push('NX');
      return c.sendCommand(args);
    },
  };
  const store = redisStore(v4);
  assert.equal(await store.setIfAbsent('k:v4', 'a', 20_000), true);
  assert.equal(await store.setIfAbsent('k:v4', 'b', 20_000), false);
  const pttl = await c.pTTL('k:v4');
  assert.ok(pttl > 19_000 && pttl <= 20_000, `PTTL: ${pttl}`);
  await store.set('k:v4', 'c', 40_000);
  assert.equal(await c.get('k:v4'), 'c');
  assert.ok((await c.pTTL('k:v4')) > 39_000);
});

test('wrong arguments are refused before anything is sent', async () => {
  for (const bad of [undefined, null, {}, { get() {}, set() {} }, 'redis://127.0.0.1']) {
    assert.throws(() => redisStore(bad), TypeError);
  }
  const sent = [];
  const record = async (...args) => sent.push(args);
  const store = redisStore({ get: record, set: record, del: record });
  for (const ttl of [0, -1, NaN, Infinity, '1000', undefined]) {
    await assert.rejects(store.set('k', 'v', ttl), RangeError);
    await assert.rejects(store.setIfAbsent('k', 'v', ttl), RangeError);
  }
  await assert.rejects(store.get(''), TypeError);
  await assert.rejects(store.delete(undefined), TypeError);
  assert.deepEqual(sent, []);
  // The same fake shows what reaches a client: both spellings of the options.
  await store.setIfAbsent('k', 'v', 1500.2);
  assert.deepEqual(sent, [['k', 'v', { expiration: { type: 'PX', value: 1501 }, PX: 1501, condition: 'NX', NX: true }]]);
});

test("the client's errors are passed on (a closed client)", { skip }, async () => {
  const c = createClient({ url: redis.url });
  c.on('error', () => {});
  await c.connect();
  await closeClient(c);
  const store = redisStore(c);
  await assert.rejects(store.get('k'), Error);
  await assert.rejects(store.setIfAbsent('k', 'v', 1000), Error);
  await assert.rejects(store.set('k', 'v', 1000), Error);
  await assert.rejects(store.delete('k'), Error);
});

const cjs = join(PKG, 'redis.cjs');
test('the CommonJS build (pkg/redis.cjs) is the same store', { skip: skip || (!existsSync(cjs) && 'pkg/redis.cjs is not built yet (scripts/build-pkg.sh makes it)') }, async () => {
  const { redisStore: fromCjs } = createRequire(import.meta.url)(cjs);
  const store = fromCjs(await client());
  assert.equal(await store.setIfAbsent('k:cjs', 'a', 60_000), true);
  assert.equal(await store.setIfAbsent('k:cjs', 'b', 60_000), false);
  assert.equal(await store.get('k:cjs'), 'a');
  await store.delete('k:cjs');
  assert.equal(await store.get('k:cjs'), null);
  assert.throws(() => fromCjs({}), TypeError);
});
