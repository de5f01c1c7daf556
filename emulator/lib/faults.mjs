/**
 * Scripted faults: the next N requests matching a method and a path prefix fail in a chosen way.
 */
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, CORS_HEADERS, errorReply, send } from './http.mjs';
import { tooManyRequests } from './ratelimit.mjs';

/**
 * @typedef {{type: 'status', status: number, body?: unknown}
 *   | {type: 'rateLimit', reset?: number}
 *   | {type: 'malformed'} | {type: 'truncated'} | {type: 'delay', ms: number} | {type: 'drop'}
 *   | {type: 'dropAfter'}} Fault   dropAfter: the request takes effect, then the connection is dropped unanswered
 * @typedef {{method?: string, path?: string, count?: number, fault: Fault}} FaultSpec
 */

const FAULT_CHECKS = {
  status: (f) => Number.isInteger(f.status) && f.status >= 400 && f.status <= 599,
  rateLimit: (f) => f.reset === undefined || (Number.isInteger(f.reset) && f.reset >= 0),
  malformed: () => true,
  truncated: () => true,
  delay: (f) => Number.isInteger(f.ms) && f.ms >= 0 && f.ms <= 600_000,
  drop: () => true,
  dropAfter: () => true,
};
const FAULT_SHAPES =
  "{type:'status', status: 400-599, body?}, {type:'rateLimit', reset?: unixSeconds}, " +
  "{type:'malformed'}, {type:'truncated'}, {type:'delay', ms: 0-600000}, {type:'drop'} or {type:'dropAfter'}";

const MALFORMED_BODY = '{"message": "this body is not valid JSON';
const TRUNCATED_BODY = '{"message":"this body was cut short by the emulator"}';

/** The pending faults, matched in the order they were added. */
export class FaultQueue {
  #rules = [];

  /**
   * Adds a fault for the next `count` requests whose method and path match.
   * @param {FaultSpec} spec
   * @returns {Required<Omit<FaultSpec, 'method'|'path'>> & FaultSpec} the normalised spec
   * @throws {ApiError} 422 when the spec is invalid
   */
  add(spec) {
    const { method, path, count = 1, fault } = spec ?? {};
    if (method !== undefined && typeof method !== 'string') throw new ApiError(422, 'method must be a string');
    if (path !== undefined && typeof path !== 'string') throw new ApiError(422, 'path must be a string');
    if (!Number.isInteger(count) || count < 1) throw new ApiError(422, 'count must be a positive integer');
    const type = fault?.type;
    if (!Object.hasOwn(FAULT_CHECKS, type) || !FAULT_CHECKS[type](fault)) {
      throw new ApiError(422, `fault must be one of ${FAULT_SHAPES}`);
    }
    const rule = { method: method?.toUpperCase(), path, count, fault: { ...fault } };
    this.#rules.push(rule);
    return { ...rule };
  }

  /**
   * Consumes one use of the first fault that matches a request.
   * @param {string} method
   * @param {string} path
   * @returns {Fault | undefined}
   */
  take(method, path) {
    const index = this.#rules.findIndex(
      (r) => (r.method === undefined || r.method === method) && (r.path === undefined || path.startsWith(r.path)),
    );
    if (index === -1) return undefined;
    const rule = this.#rules[index];
    rule.count -= 1;
    if (rule.count === 0) this.#rules.splice(index, 1);
    return rule.fault;
  }

  /** Removes every pending fault. */
  clear() {
    this.#rules = [];
  }
}

/**
 * Answers a request with a fault, except `delay`, which only waits.
 * @param {Fault} fault
 * @param {import('node:http').ServerResponse} res
 * @param {{rateLimit: import('./ratelimit.mjs').RateLimit, now: () => number, signal: AbortSignal}} env
 * @returns {Promise<boolean>} true when the request was answered (or dropped), false after a delay
 */
export async function applyFault(fault, res, { rateLimit, now, signal }) {
  switch (fault.type) {
    case 'delay':
      await sleep(fault.ms, undefined, { signal });
      return false;
    case 'drop':
      res.socket.destroy();
      return true;
    case 'status':
      if (typeof fault.body === 'string') writeText(res, fault.status, 'text/plain; charset=utf-8', fault.body);
      else send(res, { status: fault.status, body: fault.body ?? { message: STATUS_CODES[fault.status] } });
      return true;
    case 'rateLimit': {
      const resetMs = fault.reset === undefined ? now() + rateLimit.interval * 1000 : fault.reset * 1000;
      send(res, errorReply(tooManyRequests(rateLimit, resetMs, now())));
      return true;
    }
    case 'malformed':
      writeText(res, 200, 'application/json; charset=utf-8', MALFORMED_BODY);
      return true;
    case 'truncated': {
      const sent = TRUNCATED_BODY.slice(0, Math.floor(TRUNCATED_BODY.length / 2));
      res.writeHead(200, {
        ...CORS_HEADERS,
        'content-type': 'application/json; charset=utf-8',
        'content-length': TRUNCATED_BODY.length,
      });
      res.write(sent);
      res.socket.end();
      return true;
    }
  }
}

function writeText(res, status, contentType, text) {
  res.writeHead(status, { ...CORS_HEADERS, 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
