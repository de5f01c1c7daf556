// What the refresher's tests share: tokens shaped as the API's temporary tokens, a fake broker
// (a fetch function), a fake map, a fake Web Locks manager, and the module as it ships (minified
// by esbuild as scripts/build-pkg.sh does). Not a test file itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/support.mjs';

export { ROOT };

/** The module's source file. */
export const SOURCE = join(ROOT, 'refresher', 'refresher.mjs');

/**
 * The module as scripts/build-pkg.sh ships it: minified by esbuild with the same flags.
 * @returns {Promise<string>}
 */
export async function shippedCode() {
  const { transform } = await import('esbuild');
  const { code } = await transform(readFileSync(SOURCE, 'utf8'), { minify: true, format: 'esm', loader: 'js' });
  return code;
}

/**
 * A string shaped as a temporary token: `tk.<base64url JSON {u, exp, iat, scopes, client}>.<sig>`.
 * @param {{ iat: number, exp: number }} times Unix seconds
 * @param {string} [user] makes tokens of equal times differ
 */
export function tk({ iat, exp }, user = 'someone') {
  const payload = Buffer.from(JSON.stringify({ u: user, exp, iat, scopes: ['styles:tiles'], client: 'api' })).toString('base64url');
  return `tk.${payload}.c2lnbmF0dXJl`;
}

/**
 * A broker's answer for a token issued now (on `Date.now()`'s clock) lasting `life` seconds.
 * @param {object} [options]
 * @param {number} [options.life] seconds
 * @param {number | null} [options.maxAge] Cache-Control max-age; null for none
 * @param {boolean} [options.expires] whether the body carries `expires` (else only the token has it)
 * @param {number} [options.skew] ms that the broker's clock runs ahead of this one (its Date header)
 * @param {string} [options.user]
 */
export function answer({ life = 400, maxAge = null, expires = true, skew = null, user } = {}) {
  const now = Date.now() + (skew ?? 0);
  const iat = Math.floor(now / 1000);
  const token = tk({ iat, exp: iat + life }, user);
  const headers = { 'content-type': 'application/json' };
  if (maxAge !== null) headers['cache-control'] = `private, max-age=${maxAge}`;
  if (skew !== null) headers.date = new Date(iat * 1000).toUTCString();
  const body = expires ? { token, expires: new Date((iat + life) * 1000).toISOString() } : { token };
  return { token, exp: iat + life, response: new Response(JSON.stringify(body), { status: 200, headers }) };
}

/**
 * A failure answer of the broker.
 * @param {number} status
 * @param {string} message
 * @param {Record<string, string>} [headers]
 */
export function failure(status, message, headers = {}) {
  return new Response(JSON.stringify({ message }), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/**
 * A fetch function standing in for the broker: each call runs `respond(call number)`, which
 * returns a Response (or a promise of one) or throws. Records each call's time and init.
 * @param {(n: number) => Response | Promise<Response>} respond
 */
export function fakeBroker(respond) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: String(url), at: Date.now(), init });
    return respond(calls.length);
  };
  return { fetch, calls };
}

/** Lets pending promises, stream reads and channel messages run (real setImmediate turns). */
export async function flush(turns = 30) {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A stand-in for the Web Locks API inside one process: one holder per name, the others queued in
 * order; `signal` aborts a waiting request. Counts the grants.
 */
export function fakeLocks() {
  const queues = new Map();
  const locks = {
    granted: 0,
    request(name, options, callback) {
      const queue = queues.get(name) ?? [];
      queues.set(name, queue);
      return new Promise((resolve, reject) => {
        const entry = { run, reject };
        async function run() {
          locks.granted++;
          try {
            resolve(await callback({ name, mode: 'exclusive' }));
          } catch (error) {
            reject(error);
          } finally {
            queue.shift();
            queue[0]?.run();
          }
        }
        options.signal?.addEventListener('abort', () => {
          const i = queue.indexOf(entry);
          if (i > 0) {
            queue.splice(i, 1);
            reject(new DOMException('aborted', 'AbortError'));
          }
        });
        queue.push(entry);
        if (queue.length === 1) run();
      });
    },
  };
  return locks;
}

/**
 * A stand-in for a map: `on`/`off` for `error` events (fired by `emit`), records what the
 * refresher asks of it. 'maplibre' (6) has setTransformRequest, refreshTiles and tile managers
 * with `_reloadTile` (`style.tileManagers`); 'mapbox' (GL JS 3) has only source caches with
 * `_reloadTile` (`style.getSourceCaches(id)`); 'public' has only the public refreshTiles.
 * @param {'maplibre' | 'mapbox' | 'public'} kind
 */
export function fakeMap(kind) {
  const listeners = new Set();
  const map = {
    refreshed: [],
    reloaded: [],
    repaints: 0,
    transform: null,
    on(type, listener) {
      if (type === 'error') listeners.add(listener);
    },
    off(type, listener) {
      if (type === 'error') listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
    get listeners() {
      return listeners.size;
    },
    triggerRepaint() {
      map.repaints++;
    },
  };
  const cache = (id) => ({ _reloadTile: (key, state) => map.reloaded.push([id, key, state]) });
  if (kind !== 'mapbox') {
    map.setTransformRequest = (fn) => (map.transform = fn);
    map.getTransformRequest = () => map.transform;
    map.refreshTiles = (id, tiles) => map.refreshed.push([id, tiles]);
  }
  if (kind === 'maplibre') {
    map.style = { tileManagers: new Proxy({}, { get: (_, id) => (typeof id === 'string' ? cache(id) : undefined) }) };
  } else if (kind === 'mapbox') {
    map.style = { getSourceCaches: (id) => [cache(id)] };
  }
  return map;
}

/** A tile as both libraries describe one in an error event. */
export const TILE = { tileID: { key: 42, canonical: { x: 3, y: 5, z: 4 } } };

/**
 * Page-side script for the map tests: `watchMap(map)` keeps the map (`window.map`, and
 * `window.first` to tell a remount), and counts its style loads (`styleLoads`) and its 401
 * errors (`errors401`); `loaded` once it has loaded.
 */
export const WATCH_MAP = `window.watchMap = (map) => {
  window.map = window.first = map;
  window.styleLoads = 0;
  window.errors401 = 0;
  map.on('style.load', () => styleLoads++);
  map.on('error', (e) => { if (e.error?.status === 401) errors401++; });
  map.on('load', () => (window.loaded = true));
};`;
