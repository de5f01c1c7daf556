// Shared by the reliability suites: the package's Node build (with its wasm instance captured, to
// read its memory), the emulator, and a recorder of every text that could leak a token.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { format } from 'node:util';
import { ROOT, clearTokenEnv } from './support.mjs';

export { ROOT };
export { startEmulator } from '../emulator/index.mjs';

// The package reads MAPBOX_ACCESS_TOKEN itself: a developer's own token must not reach the tests.
clearTokenEnv();

let instance;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (...args) {
  instance = new Instance(...args);
  return instance;
};
/** The package exactly as `require('mapbox-tokens')` gives it in Node. */
export const lib = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node', 'mapbox_tokens.cjs'));
WebAssembly.Instance = Instance;

/** The size of the module's wasm memory, in bytes. */
export const wasmMemoryBytes = () => instance.exports.memory.buffer.byteLength;

/**
 * Collects every console line and every error's message, url, apiMessage and stack, so a test can
 * assert that no token appears in any of them.
 */
export function leakRecorder() {
  const texts = [];
  const originals = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    originals[level] = console[level];
    console[level] = (...args) => {
      texts.push(format(...args));
      originals[level](...args);
    };
  }
  return {
    error(e) {
      for (const key of ['message', 'url', 'apiMessage', 'stack']) if (e?.[key] !== undefined) texts.push(String(e[key]));
      texts.push(String(e));
    },
    /** What `promise` rejects with, which must be a `MapboxError`; recorded as by `error`. */
    async rejection(promise) {
      const e = await promise.then(() => assert.fail('resolved'), (reason) => reason);
      assert.ok(lib.isMapboxError(e), String(e));
      this.error(e);
      return e;
    },
    /** Restores the console and throws if any recorded text contains one of `secrets`. */
    assertClean(secrets) {
      Object.assign(console, originals);
      for (const text of texts) {
        for (const secret of secrets) {
          if (text.includes(secret)) throw new Error(`a token leaked into: ${text.slice(0, 200)}`);
        }
      }
      return texts.length;
    },
  };
}

/** Settles `promise`, failing if it takes longer than `ms`. */
export async function settle(promise, ms = 10_000) {
  let timer;
  const hang = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: a hang`)), ms); });
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error) => ({ error })), hang]);
  } finally {
    clearTimeout(timer);
  }
}
