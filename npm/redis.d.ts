// Types of `mapbox-tokens/redis`: a TokenBroker store on a Redis server, through a node-redis client.

/**
 * The store that {@link redisStore} returns: the shape `new TokenBroker({ store })` takes. Values are
 * strings; `ttlMs` is a positive number of milliseconds after which Redis drops the entry.
 */
export interface RedisStore {
  /** The value under `key`, or `null` when there is none (or it expired). */
  get(key: string): Promise<string | null>;
  /** Sets `key` to `value` for `ttlMs` ms unless it exists (`SET … NX PX`); `true` when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Sets `key` to `value` for `ttlMs` ms, replacing any value (`SET … PX`). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Removes `key`; nothing happens when it does not exist. */
  delete(key: string): Promise<void>;
}

/**
 * The part of a node-redis client (the `redis` package, v4 to v6: `createClient()` or
 * `createCluster()`) that {@link redisStore} uses.
 */
export interface RedisClientLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string, options?: any): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/**
 * A store for `new TokenBroker({ store })` that keeps its entries in Redis, so that broker
 * instances sharing one Redis share one token and make one mint per refresh. Pass a connected
 * node-redis client; errors of the client are passed on as they are (the broker keeps serving the
 * token it holds while the store fails). The store holds temporary tokens, never the secret token.
 *
 * @example
 * import { createClient } from 'redis';
 * import { TokenBroker } from 'mapbox-tokens';
 * import { redisStore } from 'mapbox-tokens/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const broker = new TokenBroker({
 *   scopes: ['styles:read', 'styles:tiles', 'fonts:read'],
 *   allowedOrigins: ['https://app.example'],
 *   store: redisStore(client),
 * });
 *
 * @throws {TypeError} when `client` has no `get`, `set` or `del` function.
 */
export function redisStore(client: RedisClientLike): RedisStore;
