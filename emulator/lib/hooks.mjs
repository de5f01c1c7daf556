/**
 * Test hooks: minting and seeding tokens directly, and the `/__emulator/` HTTP routes.
 */
import { ApiError, parseJsonObject } from './http.mjs';
import { readDateTime, readScopes } from './api.mjs';
import { ALL_SCOPE_IDS, isPublicScope } from './scopes.mjs';

/** Paths starting with this are test hooks (when enabled). */
export const HOOK_PREFIX = '/__emulator/';
// The names a request to the hooks may be addressed to, with any port: a page whose own name
// resolves to 127.0.0.1 (DNS rebinding) sends its own name in Host, and is refused.
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;
const SAME_SITE_FETCHES = ['same-origin', 'none'];
const MAX_SEED = 100_000;
const EVERY_SCOPE = { scopes: ALL_SCOPE_IDS };
const NO_CONTENT = { status: 204 };

/**
 * @typedef {object} MintOptions
 * @property {string} [username] defaults to the admin's account
 * @property {string[]} scopes any scopes of the catalogue, without the checks of the API
 * @property {'pk'|'sk'|'tk'} [usage] defaults to tk when `expires` is given, else pk or sk by the scopes
 * @property {string|number|Date} [expires] a tk's expiry (ISO 8601, or milliseconds); may be in the past
 * @property {string} [note]
 */

/**
 * Why a request may not use the hooks, or null when it may. The hooks hand out the admin token
 * and rewrite the state, so they answer test processes only, never a web page: the request must
 * be addressed to a loopback name, and carry no `Origin` (browsers send one with every
 * cross-origin request, and with every POST, PUT and DELETE, even without CORS) and no
 * `Sec-Fetch-Site` other than `same-origin` or `none`. Their answers carry no CORS headers either.
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @returns {ApiError|null} a 403
 */
export function hookRefusal(headers, { pages = false } = {}) {
  if (!LOOPBACK_HOST.test(headers.host ?? '')) {
    return new ApiError(403, 'Test hooks answer only requests addressed to 127.0.0.1, localhost or [::1]');
  }
  const site = headers['sec-fetch-site'];
  if (pages) return null;
  if (headers.origin !== undefined || (site !== undefined && !SAME_SITE_FETCHES.includes(site))) {
    return new ApiError(403, 'Test hooks do not answer web pages: call them from a test process or a server');
  }
  return null;
}

/**
 * Creates a token without going through the API, e.g. one lacking `tokens:write`, or an expired tk.
 * @param {import('./state.mjs').State} state
 * @param {() => number} now
 * @param {MintOptions} options
 * @returns {{token: string, id: string|null}} `id` is null for a tk
 * @throws {ApiError} 404 for an unknown account, 422 for invalid options
 */
export function mintToken(state, now, { username, scopes, usage, expires, note = '' } = {}) {
  const user = accountOf(state, username);
  const granted = readScopes(scopes, EVERY_SCOPE);
  if (typeof note !== 'string') throw new ApiError(422, 'note must be a string');
  const type = usage ?? (expires === undefined ? usageOf(granted) : 'tk');
  if (!['pk', 'sk', 'tk'].includes(type)) throw new ApiError(422, 'usage must be pk, sk or tk');
  if ((type === 'tk') !== (expires !== undefined)) throw new ApiError(422, 'expires is required for tk, and only for tk');
  if (type === 'tk') {
    const exp = Math.floor(readExpiry(expires) / 1000);
    return { token: state.temporaryToken(user, granted, Math.floor(now() / 1000), exp), id: null };
  }
  const stored = state.insert({ username: user, usage: type, scopes: granted, note });
  return { token: state.tokenString(stored), id: stored.id };
}

function readExpiry(expires) {
  if (expires instanceof Date) return expires.getTime();
  if (Number.isFinite(expires)) return expires;
  return readDateTime(expires, 'expires');
}

/**
 * Creates `count` permanent tokens at once (persisted once).
 * @param {import('./state.mjs').State} state
 * @param {number} count 1 to 100000
 * @param {{username?: string, scopes?: string[], note?: string}} [options] scopes default to
 *   `['styles:read']`, notes to `Seeded token <n>`
 * @returns {{id: string, token: string}[]}
 * @throws {ApiError} 404 for an unknown account, 422 for invalid options
 */
export function seedTokens(state, count, { username, scopes = ['styles:read'], note } = {}) {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SEED) {
    throw new ApiError(422, `count must be an integer from 1 to ${MAX_SEED}`);
  }
  const user = accountOf(state, username);
  const granted = readScopes(scopes, EVERY_SCOPE);
  if (note !== undefined && typeof note !== 'string') throw new ApiError(422, 'note must be a string');
  const usage = usageOf(granted);
  return state.batch(() =>
    Array.from({ length: count }, (_, i) => {
      const stored = state.insert({ username: user, usage, scopes: granted, note: note ?? `Seeded token ${i + 1}` });
      return { id: stored.id, token: state.tokenString(stored) };
    }),
  );
}

function accountOf(state, username = state.adminUsername) {
  if (!state.hasAccount(username)) throw new ApiError(404, 'No such user');
  return username;
}

function usageOf(scopes) {
  return scopes.every(isPublicScope) ? 'pk' : 'sk';
}

/**
 * The hook routes. Handlers receive `{emulator, body}`, `emulator` being the object that
 * `startEmulator` resolves to, whose methods they call.
 * @type {import('./http.mjs').Route[]}
 */
export const HOOK_ROUTES = [
  {
    pattern: /^\/__emulator\/requests$/,
    methods: {
      GET: ({ emulator }) => ok(emulator.requests()),
      DELETE: ({ emulator }) => {
        emulator.clearRequests();
        return NO_CONTENT;
      },
    },
  },
  {
    pattern: /^\/__emulator\/mints$/,
    methods: {
      GET: ({ emulator }) => ok(emulator.mints()),
      DELETE: ({ emulator }) => {
        emulator.clearMints();
        return NO_CONTENT;
      },
    },
  },
  {
    pattern: /^\/__emulator\/faults$/,
    methods: {
      POST: ({ emulator, body }) => ok(emulator.addFault(parseJsonObject(body))),
      DELETE: ({ emulator }) => {
        emulator.clearFaults();
        return NO_CONTENT;
      },
    },
  },
  {
    pattern: /^\/__emulator\/reset$/,
    methods: {
      POST: ({ emulator }) => {
        emulator.reset();
        return ok(info(emulator));
      },
    },
  },
  {
    pattern: /^\/__emulator\/tokens$/,
    methods: { POST: ({ emulator, body }) => ok(emulator.mintToken(parseJsonObject(body))) },
  },
  {
    pattern: /^\/__emulator\/seed$/,
    methods: {
      POST: ({ emulator, body }) => {
        const { count, ...options } = parseJsonObject(body);
        return ok({ tokens: emulator.seedTokens(count, options) });
      },
    },
  },
  { pattern: /^\/__emulator\/info$/, methods: { GET: ({ emulator }) => ok(info(emulator)) } },
  {
    pattern: /^\/__emulator\/clock$/,
    methods: {
      GET: ({ emulator }) => ok({ offset: emulator.clockOffset }),
      PUT: ({ emulator, body }) => {
        const { offset, ...rest } = parseJsonObject(body);
        rejectUnknown(rest);
        emulator.setClockOffset(offset);
        return ok({ offset: emulator.clockOffset });
      },
    },
  },
  {
    pattern: /^\/__emulator\/rate-limit$/,
    methods: {
      GET: ({ emulator }) => ok(emulator.rateLimit),
      // The body is `false` or an object, so not parseJsonObject (which wants an object).
      PUT: ({ emulator, body }) => {
        emulator.setRateLimit(parseJson(body));
        return ok(emulator.rateLimit);
      },
    },
  },
];

function rejectUnknown(fields) {
  const unknown = Object.keys(fields);
  if (unknown.length > 0) throw new ApiError(422, `unknown fields: ${unknown.join(', ')}`);
}

function parseJson(text) {
  if (text === null) throw new ApiError(422, 'Request body is required');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'Request body is not valid JSON');
  }
}

function info({ url, adminToken, username }) {
  return { url, adminToken, username };
}

function ok(body) {
  return { status: 200, body };
}
