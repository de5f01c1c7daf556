/**
 * Token strings (`pk|sk|tk.<payload>.<signature>`), their HMAC signatures and token ids.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const USAGES = ['pk', 'sk', 'tk'];
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

let idCounter = 0;

/**
 * A new random HMAC secret.
 * @returns {string}
 */
export function newSecret() {
  return randomBytes(32).toString('base64url');
}

/**
 * A new cuid-like token id: 25 lowercase alphanumerics starting with `c`
 * (`c`, 8 time characters, a 4-character counter, 12 random characters).
 * @param {number} nowMs the clock reading, in milliseconds
 * @returns {string}
 */
export function newId(nowMs) {
  idCounter = (idCounter + 1) % 36 ** 4;
  const random = [...randomBytes(12)].map((byte) => BASE36[byte % 36]).join('');
  return `c${fixedBase36(nowMs, 8)}${fixedBase36(idCounter, 4)}${random}`;
}

function fixedBase36(n, width) {
  return Math.floor(n).toString(36).padStart(width, '0').slice(-width);
}

function signature(secret, signed) {
  return createHmac('sha256', secret).update(signed).digest().subarray(0, 16).toString('base64url');
}

/**
 * Builds a signed token string.
 * @param {string} secret the HMAC secret
 * @param {'pk'|'sk'|'tk'} usage the header
 * @param {object} payload `{u, a}` for pk/sk, `{u, exp, iat, scopes, client}` for tk
 * @returns {string}
 */
export function encodeToken(secret, usage, payload) {
  const signed = `${usage}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signed}.${signature(secret, signed)}`;
}

/**
 * Parses a token string and checks its signature.
 * @param {string} secret the HMAC secret
 * @param {string} token
 * @returns {{usage: 'pk'|'sk'|'tk', payload: object, signatureValid: boolean} | null}
 *   null when the token cannot be parsed (TokenMalformed)
 */
export function decodeToken(secret, token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [usage, body, given] = parts;
  if (!USAGES.includes(usage) || !BASE64URL.test(body) || !BASE64URL.test(given)) return null;
  let payload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isPayload(usage, payload)) return null;
  const expected = Buffer.from(signature(secret, `${usage}.${body}`));
  const actual = Buffer.from(given);
  const signatureValid = actual.length === expected.length && timingSafeEqual(actual, expected);
  return { usage, payload, signatureValid };
}

function isPayload(usage, p) {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
  if (typeof p.u !== 'string' || p.u === '') return false;
  if (usage !== 'tk') return typeof p.a === 'string' && p.a !== '';
  return (
    isUnixSeconds(p.exp) &&
    isUnixSeconds(p.iat) &&
    Array.isArray(p.scopes) &&
    p.scopes.every((s) => typeof s === 'string')
  );
}

// Seconds that JavaScript dates can represent, so that the payload can be described.
function isUnixSeconds(n) {
  return Number.isInteger(n) && n >= 0 && n <= 8.64e12;
}

/**
 * The `token` object of a `GET /tokens/v2` answer: `{usage, user, authorization}` for pk/sk,
 * `{usage, user, expires, created, scopes, client}` for tk (ISO 8601 dates).
 * @param {{usage: string, payload: object}} decoded a result of {@link decodeToken}
 * @returns {object}
 */
export function describeToken({ usage, payload }) {
  if (usage !== 'tk') return { usage, user: payload.u, authorization: payload.a };
  return {
    usage,
    user: payload.u,
    expires: isoDate(payload.exp * 1000),
    created: isoDate(payload.iat * 1000),
    scopes: payload.scopes,
    client: payload.client ?? 'api',
  };
}

/**
 * An ISO 8601 UTC date with milliseconds, e.g. `2016-01-25T19:07:07.621Z`.
 * @param {number} ms
 * @returns {string}
 */
export function isoDate(ms) {
  return new Date(ms).toISOString();
}
