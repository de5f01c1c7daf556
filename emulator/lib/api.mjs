/**
 * The Tokens API routes: list, create (permanent and temporary), update, delete, retrieve, list scopes.
 */
import { ApiError, parseJsonObject } from './http.mjs';
import { SCOPES, isKnownScope, isPublicScope } from './scopes.mjs';
import { isoDate } from './tokens.mjs';

// Page size of a list request without `limit`.
const DEFAULT_PAGE_SIZE = 100;
const MAX_ALLOWED_URLS = 100;
const MAX_NOTE_LENGTH = 128;
const HOUR_MS = 3600 * 1000;
const PERMANENT_FIELDS = ['scopes', 'note', 'allowedUrls', 'allowedApplications', 'resources'];
const TEMPORARY_FIELDS = ['expires', 'scopes'];
const LIST_FILTERS = ['default', 'sortby', 'usage'];
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * @typedef {object} Context what a handler knows of its request
 * @property {import('./state.mjs').State} state
 * @property {string[]} params the path's URL-decoded `{username}` and `{token_id}`
 * @property {URLSearchParams} query
 * @property {string|null} body
 * @property {import('./state.mjs').TokenCheck|null} auth the check of `access_token`; null when absent
 * @property {() => number} now clock in milliseconds
 * @property {string} baseUrl origin for absolute `Link` URLs, e.g. `http://127.0.0.1:8787`
 * @property {import('node:http').IncomingHttpHeaders} headers the request's headers
 * @property {(mint: MintRecord) => void} [onMint] told of each token the API creates
 */

/**
 * @typedef {object} MintRecord a token created through the API (never its token string)
 * @property {string} time ISO 8601, the emulator's clock
 * @property {string} username the account
 * @property {'pk'|'sk'|'tk'} usage
 * @property {string|null} id null for a tk (it has none)
 * @property {string[]} scopes
 * @property {string|null} note null for a tk
 * @property {string|null} expires a tk's expiry (ISO 8601); null for pk and sk
 */

/** @type {import('./http.mjs').Route[]} */
export const API_ROUTES = [
  { pattern: /^\/tokens\/v2$/, methods: { GET: retrieveToken } },
  { pattern: /^\/tokens\/v2\/([^/]+)$/, methods: { GET: listTokens, POST: createToken } },
  { pattern: /^\/tokens\/v2\/([^/]+)\/([^/]+)$/, methods: { PATCH: updateToken, DELETE: deleteToken } },
  { pattern: /^\/scopes\/v1\/([^/]+)$/, methods: { GET: listScopes } },
];

// Checks `access_token` for a request on `/{username}` that needs `scope`; returns the check.
function authorize(ctx, scope, missingIs422 = false) {
  if (!ctx.auth) throw missingIs422 ? new ApiError(422, 'access token is required') : new ApiError(401);
  if (ctx.auth.code !== 'TokenValid') throw new ApiError(401);
  if (ctx.params[0] !== ctx.auth.user) throw new ApiError(404, 'No such user');
  if (!ctx.auth.scopes.includes(scope)) throw new ApiError(404);
  return ctx.auth;
}

function retrieveToken({ auth }) {
  if (!auth) throw new ApiError(422, 'access token is required');
  return { status: 200, body: auth.info ? { code: auth.code, token: auth.info } : { code: auth.code } };
}

function listScopes(ctx) {
  authorize(ctx, 'scopes:list');
  return { status: 200, body: SCOPES };
}

function listTokens(ctx) {
  authorize(ctx, 'tokens:read', true);
  const [username] = ctx.params;
  const { usage, isDefault, sortby, limit, after } = readListQuery(ctx.query);
  const sorted = ctx.state
    .tokensOf(username)
    .filter((t) => (usage === null || t.usage === usage) && (isDefault === null || t.default === isDefault))
    .sort((a, b) => compareKeys(sortKey(a, sortby), sortKey(b, sortby)));
  const remaining = after ? sorted.filter((t) => compareKeys(sortKey(t, sortby), after) > 0) : sorted;
  const page = remaining.slice(0, limit);
  const headers = {};
  if (remaining.length > page.length) {
    const params = new URLSearchParams({ start: encodeCursor(sortKey(page.at(-1), sortby)), limit: String(limit) });
    for (const name of LIST_FILTERS) if (ctx.query.has(name)) params.set(name, ctx.query.get(name));
    headers.link = `<${ctx.baseUrl}/tokens/v2/${encodeURIComponent(username)}?${params}>; rel="next"`;
  }
  return { status: 200, body: page.map((t) => ctx.state.view(t, false)), headers };
}

function readListQuery(query) {
  const usage = readChoice(query, 'usage', ['pk', 'sk'], 'usage must be pk or sk');
  const isDefault = readChoice(query, 'default', ['true', 'false'], 'default must be true or false');
  const sortby = readChoice(query, 'sortby', ['created', 'modified'], 'sortby must be created or modified');
  const limit = query.get('limit');
  if (limit !== null && !/^[1-9][0-9]*$/.test(limit)) throw new ApiError(422, 'limit must be a positive integer');
  const start = query.get('start');
  return {
    usage,
    isDefault: isDefault === null ? null : isDefault === 'true',
    sortby: sortby ?? 'created',
    limit: limit === null ? DEFAULT_PAGE_SIZE : Number(limit),
    after: start === null ? null : decodeCursor(start),
  };
}

function readChoice(query, name, choices, message) {
  const value = query.get(name);
  if (value !== null && !choices.includes(value)) throw new ApiError(422, message);
  return value;
}

// Lists sort by the `sortby` date, then by id, so that the order is total and a cursor
// (the key of the last token of a page) stays meaningful when tokens are added or deleted.
function sortKey(token, sortby) {
  return [token[sortby], token.id];
}

function compareKeys([timeA, idA], [timeB, idB]) {
  if (timeA !== timeB) return timeA - timeB;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

function encodeCursor(key) {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

// The API answers a bad `start` with 500 Internal Server Error.
function decodeCursor(text) {
  try {
    const key = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 2 && Number.isFinite(key[0]) && typeof key[1] === 'string') return key;
  } catch {
    // fall through to the error
  }
  throw new ApiError(500);
}

function createToken(ctx) {
  const auth = authorize(ctx, 'tokens:write');
  const body = parseJsonObject(ctx.body);
  return body.expires === undefined ? createPermanent(ctx, auth, body) : createTemporary(ctx, auth, body);
}

function createPermanent(ctx, auth, body) {
  rejectUnknownFields(body, PERMANENT_FIELDS);
  const scopes = readScopes(body.scopes, auth);
  const usage = scopes.every(isPublicScope) ? 'pk' : 'sk';
  const token = ctx.state.insert({ username: auth.user, usage, scopes, ...readOptionalFields(body, false) });
  ctx.onMint?.({
    time: isoDate(token.created),
    username: token.username,
    usage,
    id: token.id,
    scopes: [...scopes],
    note: token.note,
    expires: null,
  });
  return { status: 200, body: ctx.state.view(token, true) };
}

function createTemporary(ctx, auth, body) {
  if (body.allowedUrls !== undefined) throw new ApiError(422, 'temporary tokens cannot have allowedUrls');
  rejectUnknownFields(body, TEMPORARY_FIELDS);
  const expiresMs = readDateTime(body.expires, 'expires');
  const scopes = readScopes(body.scopes, auth);
  const now = ctx.now();
  if (expiresMs <= now) throw new ApiError(422, 'expires is in the past');
  if (expiresMs > now + HOUR_MS) throw new ApiError(422, 'expires is more than one hour in the future');
  if (auth.expires !== undefined && expiresMs > auth.expires * 1000) {
    throw new ApiError(422, 'expires may not be greater than the expiration of the authorizing token');
  }
  const iat = Math.floor(now / 1000);
  const exp = Math.floor(expiresMs / 1000);
  const token = ctx.state.temporaryToken(auth.user, scopes, iat, exp);
  ctx.onMint?.({
    time: isoDate(now),
    username: auth.user,
    usage: 'tk',
    id: null,
    scopes: [...scopes],
    note: null,
    expires: isoDate(exp * 1000),
  });
  return {
    status: 200,
    body: { token, issued_at: isoDate(iat * 1000), expires: isoDate(exp * 1000), expires_in: exp - iat },
  };
}

function updateToken(ctx) {
  const auth = authorize(ctx, 'tokens:write');
  const token = findToken(ctx);
  const body = parseJsonObject(ctx.body);
  rejectUnknownFields(body, PERMANENT_FIELDS);
  const changes = readOptionalFields(body, true);
  if (body.scopes !== undefined) {
    changes.scopes = readScopes(body.scopes, auth);
    if (token.scopeless && changes.scopes.length > 0) {
      throw new ApiError(422, 'a token created without scopes cannot gain scopes');
    }
    if (token.usage === 'pk' && !changes.scopes.every(isPublicScope)) {
      throw new ApiError(422, 'a public token cannot have secret scopes');
    }
  }
  if (token.default && changes.allowedUrls?.length) {
    throw new ApiError(422, 'the default public token cannot have URL restrictions');
  }
  ctx.state.update(token, changes);
  return { status: 200, body: ctx.state.view(token, false) };
}

function deleteToken(ctx) {
  authorize(ctx, 'tokens:write');
  ctx.state.remove(findToken(ctx));
  return { status: 204 };
}

function findToken(ctx) {
  const token = ctx.state.find(ctx.params[0], ctx.params[1]);
  if (!token) throw new ApiError(404);
  return token;
}

function rejectUnknownFields(body, allowed) {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new ApiError(422, `unknown fields: ${unknown.join(', ')}`);
}

/**
 * Validates requested scopes: known, held by the authorising token; duplicates are dropped.
 * @param {unknown} value
 * @param {{scopes: string[]}} auth the authorising token's check
 * @returns {string[]}
 * @throws {ApiError} 422
 */
export function readScopes(value, auth) {
  if (!isStringArray(value)) throw new ApiError(422, 'scopes must be an array of strings');
  if (!value.every((s) => isKnownScope(s) && auth.scopes.includes(s))) throw new ApiError(422, 'scopes are invalid');
  return [...new Set(value)];
}

/**
 * Parses an ISO 8601 date-time; one without a time zone is read as UTC.
 * @param {unknown} value
 * @param {string} name the field, for the error message
 * @returns {number} milliseconds
 * @throws {ApiError} 422
 */
export function readDateTime(value, name) {
  const ms = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(withZone(value)) : NaN;
  if (Number.isNaN(ms)) throw new ApiError(422, `${name} must be an ISO 8601 date-time`);
  return ms;
}

function withZone(text) {
  return /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
}

const RESTRICTION_CHECKS = {
  allowedUrls(value) {
    if (!isStringArray(value) || value.includes('')) {
      throw new ApiError(422, 'allowedUrls must be an array of URL strings');
    }
    if (value.length > MAX_ALLOWED_URLS) {
      throw new ApiError(422, `allowedUrls may not contain more than ${MAX_ALLOWED_URLS} URLs`);
    }
    return value;
  },
  allowedApplications(value) {
    const valid =
      Array.isArray(value) &&
      value.every((app) => typeof app?.platform === 'string' && typeof app.bundleId === 'string');
    if (!valid) throw new ApiError(422, 'allowedApplications must be an array of {platform, bundleId} objects');
    return value.map(({ platform, bundleId }) => ({ platform, bundleId }));
  },
  resources(value) {
    if (!isStringArray(value) || value.length === 0 || value.includes('')) {
      throw new ApiError(422, 'resources are invalid');
    }
    return value;
  },
};

// Reads `note` and the restrictions that are present; `null` (clear) is accepted when `nullable`.
function readOptionalFields(body, nullable) {
  const fields = {};
  if (body.note !== undefined) {
    if (typeof body.note !== 'string' || body.note.length > MAX_NOTE_LENGTH) {
      throw new ApiError(422, `note must be a string of at most ${MAX_NOTE_LENGTH} characters`);
    }
    fields.note = body.note;
  }
  for (const [name, check] of Object.entries(RESTRICTION_CHECKS)) {
    const value = body[name];
    if (value === undefined) continue;
    fields[name] = value === null && nullable ? null : check(value);
  }
  return fields;
}

function isStringArray(value) {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
