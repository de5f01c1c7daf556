/**
 * Redaction of access tokens in what the emulator records (the request log): a token is replaced
 * by its prefix and a short fingerprint, e.g. `sk.…3f9a01c2`, enough to tell requests apart and to
 * match them with a known token (through {@link redactToken}), never enough to use one.
 */
import { createHash } from 'node:crypto';

// A token's shape: pk./sk./tk., then a payload (base64url, or standard base64 with +, / and =,
// percent-encoded or not), optionally a second dot and a signature. A payload of fewer than four
// characters is no token (`sk.x`); a letter or digit just before the prefix is another word (`disk.`).
const TOKEN_SHAPE = /(?<![A-Za-z0-9])(pk|sk|tk)\.[A-Za-z0-9_+/=%-]{4,}(?:\.[A-Za-z0-9_+/=%-]*)?/g;
const PREFIXED = /^(pk|sk|tk)\./;
// An `access_token` parameter inside a URL (a Referer, a path), whatever its value's shape.
const TOKEN_PARAMETER = /([?&;]access_token=)([^&#\s"'<>]+)/gi;

/**
 * The redacted form of one `access_token` value: `sk.…` (the prefix, when the value has one) and
 * the first 8 hex digits of its SHA-256. The empty string stays empty.
 * @param {string} token
 * @returns {string}
 */
export function redactToken(token) {
  if (token === '') return '';
  const prefix = PREFIXED.exec(token)?.[0] ?? '';
  return `${prefix}…${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;
}

/**
 * Text with every token-shaped part, and every `access_token=` value of a URL in it, redacted by
 * {@link redactToken}.
 * @param {string} text
 * @returns {string}
 */
export function redactTokens(text) {
  return text
    .replace(TOKEN_PARAMETER, (_, name, value) => name + redactToken(value))
    .replace(TOKEN_SHAPE, redactToken);
}


/**
 * A request as the log keeps it: the `access_token` query value redacted whatever its shape, and
 * token-shaped parts of the path, the other query values, the headers and the body.
 * @param {{path: string, query: URLSearchParams, headers: Record<string, string|string[]>, body: string|null}} request
 * @returns {{path: string, query: Record<string, string>, headers: Record<string, string|string[]>, body: string|null}}
 */
export function redactRequest({ path, query, headers, body }) {
  const redactedQuery = {};
  for (const [name, value] of query) {
    redactedQuery[name] = name === 'access_token' ? redactToken(value) : redactTokens(value);
  }
  const redactedHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    redactedHeaders[name] = Array.isArray(value) ? value.map(redactTokens) : redactTokens(value);
  }
  return {
    path: redactTokens(path),
    query: redactedQuery,
    headers: redactedHeaders,
    body: body === null ? null : redactTokens(body),
  };
}
