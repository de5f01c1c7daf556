// mapbox-tokens/redis: a TokenBroker store on a Redis server, through a node-redis client (the
// `redis` package, versions 4 to 6). Several broker instances that share one Redis share one token
// and make one mint per refresh. Plain JavaScript, no dependency of its own: the application brings
// its client (`redis` is an optional peer dependency of the package). Types: redis.d.ts.

/**
 * The options of a `SET` that expires after `ttlMs`, written both ways node-redis has spelled them:
 * version 5 and later read `expiration` and `condition`, version 4 reads `PX` and `NX` (version 5
 * and later ignore those when the new fields are there).
 * @param {number} ttlMs
 * @param {boolean} ifAbsent
 */
function setOptions(ttlMs, ifAbsent) {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError('redisStore: ttlMs must be a positive number of milliseconds');
  }
  const ms = Math.ceil(ttlMs);
  const options = { expiration: { type: 'PX', value: ms }, PX: ms };
  return ifAbsent ? { ...options, condition: 'NX', NX: true } : options;
}

/**
 * The key as a string, refusing anything else (a key is never built from user input by the broker,
 * but a mistake here would write under `undefined` for every account).
 * @param {string} key
 */
function checkKey(key) {
  if (typeof key !== 'string' || key === '') throw new TypeError('redisStore: a key must be a non-empty string');
  return key;
}

/**
 * A store for `new TokenBroker({ store })` that keeps its entries in Redis, through a connected
 * node-redis client (`createClient()` or `createCluster()` of the `redis` package, v4 to v6; connect
 * it before the broker's first request). Each entry expires on the server after its `ttlMs`; the
 * broker's mint lock is a `SET … NX PX`, so one instance mints at a time.
 *
 * The store holds temporary tokens (the ones the broker serves to browsers anyway), never the
 * broker's secret token. Errors of the client are passed on as they are: the broker keeps serving
 * the token it holds while the store fails.
 *
 * @example
 * import { createClient } from 'redis';
 * import { TokenBroker } from 'mapbox-tokens';
 * import { redisStore } from 'mapbox-tokens/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const broker = new TokenBroker({ scopes: ['styles:read', 'styles:tiles', 'fonts:read'],
 *   allowedOrigins: ['https://app.example'], store: redisStore(client) });
 *
 * @param {{ get: Function, set: Function, del: Function }} client a node-redis client
 * @returns {import('./redis.d.ts').RedisStore}
 */
export function redisStore(client) {
  for (const method of ['get', 'set', 'del']) {
    if (typeof client?.[method] !== 'function') {
      throw new TypeError(`redisStore: expected a node-redis client (from createClient() of the 'redis' package), got one without ${method}()`);
    }
  }
  return {
    /** The value under `key`, or null when there is none (or it expired). */
    async get(key) {
      const value = await client.get(checkKey(key));
      return value == null ? null : String(value);
    },
    /** Sets `key` to `value` for `ttlMs` ms unless it exists; true when this call set it. */
    async setIfAbsent(key, value, ttlMs) {
      const reply = await client.set(checkKey(key), String(value), setOptions(ttlMs, true));
      return reply != null;
    },
    /** Sets `key` to `value` for `ttlMs` ms, replacing any value. */
    async set(key, value, ttlMs) {
      await client.set(checkKey(key), String(value), setOptions(ttlMs, false));
    },
    /** Removes `key` (nothing happens when it does not exist). */
    async delete(key) {
      await client.del(checkKey(key));
    },
  };
}
