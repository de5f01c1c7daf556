/**
 * HTTP plumbing shared by the API and the test hooks: errors, CORS, JSON responses, bodies, routing.
 */
import { STATUS_CODES } from 'node:http';

/** An error answered as `{"message": ...}` with its HTTP status (and optional extra headers). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} [message] defaults to the status text, e.g. `Not Found`
   * @param {Record<string, string|number>} [headers]
   */
  constructor(status, message = STATUS_CODES[status], headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * Headers sent on every response but the test hooks'. `Date` is exposed because it is not a CORS-safelisted response
 * header: without it, a page on another origin could not compare its clock with the emulator's.
 */
export const CORS_HEADERS = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers':
    'Date, Link, X-Rate-Limit-Interval, X-Rate-Limit-Limit, X-Rate-Limit-Reset, Retry-After',
});

/**
 * An HTTP date (IMF-fixdate, RFC 9110), e.g. `Tue, 01 Jan 2030 00:00:00 GMT`.
 * @param {number} ms milliseconds since the epoch
 * @returns {string}
 */
export function httpDate(ms) {
  return new Date(ms).toUTCString();
}

/** Headers of the answer to a CORS preflight. */
export const PREFLIGHT_HEADERS = Object.freeze({
  'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type',
  'access-control-max-age': '86400',
});

/**
 * @typedef {object} Reply what a route handler answers
 * @property {number} status
 * @property {unknown} [body] serialised as JSON; no body when undefined
 * @property {Buffer} [bytes] sent as is instead of `body` (`headers` then name its content type)
 * @property {Record<string, string|number>} [headers]
 */

/**
 * Sends a reply as JSON (or empty when `body` is undefined), with the CORS headers unless `cors`
 * is false.
 * @param {import('node:http').ServerResponse} res
 * @param {Reply} reply
 * @param {boolean} [cors=true]
 */
export function send(res, { status, body, bytes, headers = {} }, cors = true) {
  const corsHeaders = cors ? CORS_HEADERS : {};
  if (bytes !== undefined) {
    res.writeHead(status, { ...corsHeaders, 'content-length': bytes.length, ...headers });
    res.end(bytes);
    return;
  }
  if (body === undefined) {
    res.writeHead(status, { ...corsHeaders, ...headers });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...corsHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * The reply for an error: its status, `{message}` and headers.
 * @param {ApiError} err
 * @returns {Reply}
 */
export function errorReply(err) {
  return { status: err.status, body: { message: err.message }, headers: err.headers };
}

/**
 * Reads a request body as UTF-8, or null when empty. Past `maxBytes` the rest is drained and
 * discarded, then the promise rejects with a 413 ApiError (so the client can read the answer).
 * @param {import('node:http').IncomingMessage} req
 * @param {number} maxBytes
 * @returns {Promise<string|null>}
 */
export function readBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBytes) reject(new ApiError(413, `Request body is larger than ${maxBytes} bytes`));
      else resolve(size === 0 ? null : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/**
 * Parses a body that must be a JSON object (an empty body counts as `{}`).
 * @param {string|null} text
 * @returns {Record<string, unknown>}
 * @throws {ApiError} 400 on malformed JSON, 422 when it is not an object
 */
export function parseJsonObject(text) {
  if (text === null) return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'Request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(422, 'Request body must be a JSON object');
  }
  return value;
}

/**
 * @typedef {object} Route
 * @property {RegExp} pattern matched against the whole path; its groups become `params` (URL-decoded)
 * @property {Record<string, Function>} methods handlers by HTTP method
 * @property {boolean} [rateLimited=true] whether its requests count against the account's rate limit
 */

/**
 * Finds the handler of a request.
 * @param {Route[]} routes
 * @param {string} method
 * @param {string} pathname
 * @returns {{handler: Function, params: string[], route: Route}}
 * @throws {ApiError} 404 for an unknown path, 405 (with `Allow`) for a method the path lacks
 */
export function matchRoute(routes, method, pathname) {
  for (const route of routes) {
    const { pattern, methods } = route;
    const match = pattern.exec(pathname);
    if (!match) continue;
    const handler = methods[method];
    if (!handler) {
      const allow = Object.keys(methods).join(', ');
      throw new ApiError(405, `Method ${method} is not allowed here (allowed: ${allow})`, { allow });
    }
    try {
      return { handler, params: match.slice(1).map((param) => (param === undefined ? '' : decodeURIComponent(param))), route };
    } catch {
      throw new ApiError(404);
    }
  }
  throw new ApiError(404);
}
