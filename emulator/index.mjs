/**
 * A local emulator of the Mapbox Tokens API, with the map endpoints a map needs (a style, a
 * TileJSON, raster tiles), for tests and demos. Plain Node, no dependencies.
 * @module mapbox-tokens/emulator
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { API_ROUTES } from './lib/api.mjs';
import { MAP_ROUTES } from './lib/maps.mjs';
import { FaultQueue, applyFault } from './lib/faults.mjs';
import { HOOK_PREFIX, HOOK_ROUTES, hookRefusal, mintToken, seedTokens } from './lib/hooks.mjs';
import { ApiError, PREFLIGHT_HEADERS, errorReply, httpDate, matchRoute, readBody, send } from './lib/http.mjs';
import { DEFAULT_RATE_LIMIT, RateLimiter, readRateLimit } from './lib/ratelimit.mjs';
import { redactRequest } from './lib/redact.mjs';
import { State } from './lib/state.mjs';
import { isoDate } from './lib/tokens.mjs';

export { SCOPES } from './lib/scopes.mjs';
export { redactToken, redactTokens } from './lib/redact.mjs';

const REQUEST_LOG_LIMIT = 10_000;
const MINT_LOG_LIMIT = 10_000;
const ROUTES = [...API_ROUTES, ...MAP_ROUTES];
const HOST_HEADER = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d+)?$/;

/**
 * @typedef {object} EmulatorOptions
 * @property {string} [host='127.0.0.1']
 * @property {number} [port=0] 0 picks a free port
 * @property {string[]} [accounts=['demo', 'other']] usernames; the first owns the admin token
 * @property {{limit?: number, interval?: number} | false} [rateLimit={limit: 100, interval: 60}]
 *   requests per account per window of `interval` seconds; false turns rate limiting off
 * @property {string} [dataFile] JSON file the state (and the signing secret) is loaded from at start
 *   and written to atomically after each change; without it the state lives in memory only
 * @property {boolean} [hooks=false] serve the `/__emulator/` test hooks
 * @property {boolean} [hooksForPages=false] let web pages call the hooks too (CORS): only for a test
 *   runner whose tests run in a browser page (wasm-bindgen-test); any page could then read the
 *   admin token
 * @property {string} [secret] HMAC secret for fresh state (a random one by default)
 * @property {number} [maxBodyBytes=1048576] larger request bodies get 413
 * @property {() => number} [now=Date.now] clock in milliseconds
 * @property {number} [clockOffset=0] milliseconds added to `now` (negative: the emulator runs
 *   behind), for testing a client against a server whose clock is skewed; it shifts token times,
 *   temporary-token expiry checks, rate-limit windows and the `Date` header
 */

/**
 * @typedef {object} RequestRecord an entry of the request log, its tokens redacted: the
 *   `access_token` value, and token-shaped text anywhere, become `sk.…` and a fingerprint
 *   (`redactToken(token)` gives the same text, to find a known token's requests)
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string>} query
 * @property {Record<string, string|string[]>} headers lower-case names
 * @property {string|null} body
 * @property {string} time ISO 8601
 * @property {number|null} status the status answered; null until the answer is sent, and for an
 *   answer a fault dropped
 */

/**
 * @typedef {object} Emulator
 * @property {string} url base URL, e.g. `http://127.0.0.1:8787`
 * @property {string} adminToken an sk of the first account holding every scope (valid across resets)
 * @property {string} username the first account
 * @property {import('./lib/state.mjs').State} state the live state (for inspection)
 * @property {() => Promise<void>} close stops the server and drops open connections
 * @property {() => RequestRecord[]} requests the log of API and map requests (hooks excluded), oldest first;
 *   the last 10000 are kept
 * @property {() => void} clearRequests
 * @property {() => import('./lib/api.mjs').MintRecord[]} mints the tokens created through the API
 *   (not by `mintToken` or `seedTokens`), oldest first, without their token strings; a create whose
 *   answer was lost (a `dropAfter` fault) is there too; the last 10000 are kept
 * @property {() => void} clearMints
 * @property {(spec: import('./lib/faults.mjs').FaultSpec) => object} addFault scripts a fault for
 *   the next `count` matching requests; returns the normalised spec; throws (status 422) if invalid
 * @property {() => void} clearFaults
 * @property {() => void} reset fresh accounts (same secret and admin token); clears the request
 *   and mint logs, the faults and the rate-limit windows; keeps the clock offset and the rate-limit
 *   setting
 * @property {number} clockOffset the current clock offset in milliseconds (read-only)
 * @property {(ms: number) => void} setClockOffset sets the clock offset (a safe integer of
 *   milliseconds, may be negative); clears the rate-limit windows; throws (status 422) if invalid
 * @property {{limit: number, interval: number} | false} rateLimit the current rate limit (read-only)
 * @property {(rateLimit: {limit?: number, interval?: number} | false) => void} setRateLimit
 *   changes the rate limit (missing fields take the defaults, 100 and 60) or turns it off with
 *   false; clears the rate-limit windows; throws (status 422) if invalid
 * @property {(options: import('./lib/hooks.mjs').MintOptions) => {token: string, id: string|null}} mintToken
 * @property {(count: number, options?: {username?: string, scopes?: string[], note?: string}) =>
 *   {id: string, token: string}[]} seedTokens
 */

/**
 * Starts an emulator on `host:port`.
 * @param {EmulatorOptions} [options]
 * @returns {Promise<Emulator>}
 */
export async function startEmulator(options = {}) {
  const {
    host = '127.0.0.1',
    port = 0,
    accounts = ['demo', 'other'],
    dataFile,
    hooks = false,
    hooksForPages = false,
    secret,
    maxBodyBytes = 1024 * 1024,
    now = Date.now,
    clockOffset = 0,
  } = options;
  checkAccounts(accounts);
  let rateLimit = startOption(() => readRateLimit(options.rateLimit ?? {}));
  let offset = startOption(() => readClockOffset(clockOffset));
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw new TypeError('maxBodyBytes must be a positive integer');

  // The emulator's own time: everything below reads this, never `now` directly, so that one
  // offset moves token times, expiry checks, rate-limit windows and the Date header together.
  const clock = () => now() + offset;
  const state = State.open({ accounts, secret, now: clock, dataFile });
  // Replaced, not reconfigured, on a change: a new limiter starts with no windows.
  let limiter = rateLimit && new RateLimiter(rateLimit, clock);
  const faults = new FaultQueue();
  const closing = new AbortController();
  let log = [];
  let mintLog = [];

  const isHookPath = (path) => hooks && path.startsWith(HOOK_PREFIX);
  const server = createServer((req, res) => handle(req, res).catch((err) => fail(res, err, !isHookPath(req.url))));
  server.listen(port, host);
  await once(server, 'listening');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;

  /** @type {Emulator} */
  const emulator = {
    url,
    adminToken: state.adminToken,
    username: state.adminUsername,
    state,
    async close() {
      closing.abort();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
    requests: () => [...log],
    clearRequests() {
      log = [];
    },
    mints: () => mintLog.map((mint) => ({ ...mint, scopes: [...mint.scopes] })),
    clearMints() {
      mintLog = [];
    },
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    reset() {
      state.reset();
      log = [];
      mintLog = [];
      faults.clear();
      if (limiter) limiter.clear();
    },
    get clockOffset() {
      return offset;
    },
    setClockOffset(ms) {
      offset = readClockOffset(ms);
      // A window opened on the old clock would last longer or shorter than its interval.
      if (limiter) limiter.clear();
    },
    get rateLimit() {
      return rateLimit && { ...rateLimit };
    },
    setRateLimit(value) {
      rateLimit = readRateLimit(value);
      limiter = rateLimit && new RateLimiter(rateLimit, clock);
    },
    mintToken: (mintOptions) => mintToken(state, clock, mintOptions),
    seedTokens: (count, seedOptions) => seedTokens(state, count, seedOptions),
  };

  async function handle(req, res) {
    // Set here, before anything can answer (errors, faults, preflights and hooks included):
    // Node would otherwise add a Date from the real clock.
    res.setHeader('date', httpDate(clock()));
    const { method } = req;
    const queryAt = req.url.indexOf('?');
    const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : req.url.slice(queryAt + 1));
    const isHook = isHookPath(path);
    let body = null;
    let bodyError = null;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      bodyError = err;
    }
    let entry = null;
    if (!isHook) {
      entry = record({ method, ...redactRequest({ path, query, headers: req.headers, body }), time: isoDate(clock()), status: null });
      const fault = faults.take(method, path);
      const env = { rateLimit: rateLimit || DEFAULT_RATE_LIMIT, now: clock, signal: closing.signal };
      if (fault?.type === 'dropAfter') {
        // The outcome-unknown case: the request takes effect, but its answer is lost.
        if (!bodyError) respond(req, { method, path, query, body, isHook });
        res.socket.destroy();
        return;
      }
      if (fault && (await applyFault(fault, res, env))) {
        if (res.headersSent) entry.status = res.statusCode;
        return;
      }
    }
    const reply = bodyError ? errorReply(bodyError) : respond(req, { method, path, query, body, isHook });
    // Stamped again as the answer leaves: after a delay fault, or a hook that moved the clock,
    // the Date is the time it is sent.
    res.setHeader('date', httpDate(clock()));
    send(res, reply, !isHook || hooksForPages);
    if (entry) entry.status = reply.status;
  }

  // The reply to a request, errors included, with the rate-limit headers of its account.
  function respond(req, { method, path, query, body, isHook }) {
    let rateHeaders = {};
    let reply;
    try {
      if (isHook) {
        const refusal = hookRefusal(req.headers, { pages: hooksForPages });
        if (refusal) throw refusal;
        reply = hooksForPages && method === 'OPTIONS'
          ? { status: 204, headers: PREFLIGHT_HEADERS }
          : matchRoute(HOOK_ROUTES, method, path).handler({ emulator, body });
      } else if (method === 'OPTIONS') {
        reply = { status: 204, headers: PREFLIGHT_HEADERS };
      } else {
        const { handler, params, route } = matchRoute(ROUTES, method, path);
        const token = query.get('access_token');
        const auth = token ? state.check(token) : null;
        if (limiter && auth?.user && route.rateLimited !== false) rateHeaders = limiter.hit(auth.user);
        const baseUrl = baseUrlOf(req);
        reply = handler({ state, params, query, body, auth, now: clock, baseUrl, headers: req.headers, onMint: recordMint });
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      reply = errorReply(err);
    }
    return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
  }

  function record(entry) {
    if (log.length >= REQUEST_LOG_LIMIT) log.shift();
    log.push(entry);
    return entry;
  }

  function recordMint(mint) {
    if (mintLog.length >= MINT_LOG_LIMIT) mintLog.shift();
    mintLog.push(mint);
  }

  // `Link` URLs and the map sources use the origin the client used, so that they stay
  // same-origin for it.
  function baseUrlOf(req) {
    const hostHeader = req.headers.host;
    return hostHeader && HOST_HEADER.test(hostHeader) ? `http://${hostHeader}` : url;
  }

  return emulator;
}

// An unexpected error (a bug, a failed write of the data file, a client gone mid-request).
function fail(res, err, cors) {
  if (res.headersSent || res.destroyed || err.name === 'AbortError' || err.code === 'ECONNRESET') {
    res.destroy();
    return;
  }
  console.error('mapbox-tokens-emulator:', err);
  send(res, errorReply(new ApiError(500)), cors);
}

function checkAccounts(accounts) {
  const valid =
    Array.isArray(accounts) &&
    accounts.length > 0 &&
    new Set(accounts).size === accounts.length &&
    accounts.every((name) => typeof name === 'string' && /^[A-Za-z0-9_.-]+$/.test(name));
  if (!valid) throw new TypeError('accounts must be a non-empty array of distinct usernames ([A-Za-z0-9_.-]+)');
}

// A bad option at start is a programming error (TypeError); the same check at run time answers
// 422 through the hooks.
function startOption(read) {
  try {
    return read();
  } catch (err) {
    if (err instanceof ApiError) throw new TypeError(err.message);
    throw err;
  }
}

/**
 * @param {unknown} ms
 * @returns {number}
 * @throws {ApiError} 422 unless a safe integer
 */
function readClockOffset(ms) {
  if (!Number.isSafeInteger(ms)) throw new ApiError(422, 'clock offset must be an integer number of milliseconds');
  return ms;
}
