/**
 * Fixed-window rate limiting per account, with the Mapbox `X-Rate-Limit-*` headers.
 */
import { ApiError } from './http.mjs';

/** @typedef {{limit: number, interval: number}} RateLimit requests per window; window length in seconds */

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
