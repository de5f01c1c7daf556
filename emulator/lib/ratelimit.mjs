/**
 * Fixed-window rate limiting per account, with the Mapbox `X-Rate-Limit-*` headers.
 */
import { ApiError } from './http.mjs';

/** @typedef {{limit: number, interval: number}} RateLimit requests per window; window length in seconds */

/** The Tokens API's documented default: 100 requests per minute. */
export const DEFAULT_RATE_LIMIT = Object.freeze({ limit: 100, interval: 60 });

const RATE_LIMIT_SHAPE = 'rateLimit must be false or {limit, interval} with positive integers';

/**
 * Reads a rate-limit setting: `false` (off) or `{limit?, interval?}`, a missing field taking its
 * default (100 requests, 60 seconds). The same rules apply at start, to `setRateLimit` and to the
 * hook, so that a setting accepted by one is accepted by all.
 * @param {unknown} value
 * @returns {RateLimit | false} a new object (never the caller's)
 * @throws {ApiError} 422 for anything else, unknown fields included
 */
export function readRateLimit(value) {
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(422, RATE_LIMIT_SHAPE);
  const unknown = Object.keys(value).filter((key) => key !== 'limit' && key !== 'interval');
  if (unknown.length > 0) throw new ApiError(422, `${RATE_LIMIT_SHAPE} (unknown fields: ${unknown.join(', ')})`);
  const limit = value.limit === undefined ? DEFAULT_RATE_LIMIT.limit : value.limit;
  const interval = value.interval === undefined ? DEFAULT_RATE_LIMIT.interval : value.interval;
  const positive = (n) => Number.isSafeInteger(n) && n > 0;
  if (!positive(limit) || !positive(interval)) throw new ApiError(422, RATE_LIMIT_SHAPE);
  return { limit, interval };
}

/**
 * The `X-Rate-Limit-*` headers.
 * @param {RateLimit} config
 * @param {number} resetMs when the window ends, in milliseconds
 * @returns {Record<string, string>}
 */
function rateLimitHeaders({ limit, interval }, resetMs) {
  return {
    'x-rate-limit-interval': String(interval),
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-reset': String(Math.ceil(resetMs / 1000)),
  };
}

/**
 * The 429 error of a request over the limit, with the rate-limit headers and `Retry-After`.
 * @param {RateLimit} config
 * @param {number} resetMs when the window ends, in milliseconds
 * @param {number} nowMs
 * @returns {ApiError}
 */
export function tooManyRequests(config, resetMs, nowMs) {
  const retryAfter = String(Math.max(1, Math.ceil((resetMs - nowMs) / 1000)));
  return new ApiError(429, 'Too Many Requests', { ...rateLimitHeaders(config, resetMs), 'retry-after': retryAfter });
}

/** Counts requests per account in windows of `interval` seconds that open at an account's first request. */
export class RateLimiter {
  #config;
  #now;
  #windows = new Map();

  /**
   * @param {RateLimit} config
   * @param {() => number} now clock in milliseconds
   */
  constructor(config, now) {
    this.#config = config;
    this.#now = now;
  }

  /**
   * Counts a request of `account`.
   * @param {string} account
   * @returns {Record<string, string>} the `X-Rate-Limit-*` headers to send
   * @throws {ApiError} 429 when the account is over its limit in the current window
   */
  hit(account) {
    const now = this.#now();
    let window = this.#windows.get(account);
    if (!window || now >= window.end) {
      window = { end: now + this.#config.interval * 1000, count: 0 };
      this.#windows.set(account, window);
    }
    if (window.count >= this.#config.limit) throw tooManyRequests(this.#config, window.end, now);
    window.count += 1;
    return rateLimitHeaders(this.#config, window.end);
  }

  /** Forgets every window. */
  clear() {
    this.#windows.clear();
  }
}
