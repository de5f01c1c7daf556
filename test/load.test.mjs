// Load and leaks: 10,000 sequential and 1,000 concurrent calls all settle, and the wasm memory
// stops growing after warm-up (a leak in the Rust core or the JS edge would grow it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lib, startEmulator, wasmMemoryBytes } from './helpers.mjs';

const { Tokens } = lib;
let emu, tokens;
before(async () => {
  emu = await startEmulator({ rateLimit: false });
  emu.seedTokens(20);
  tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url, rateLimit: false });
});
after(() => emu?.close());

const memory = { start: 0, warm: 0, afterSequential: 0, afterConcurrent: 0 };

test('10,000 sequential calls all settle without growing wasm memory after warm-up', { timeout: 120_000 }, async () => {
  memory.start = wasmMemoryBytes();
  const call = (i) => (i % 3 === 0 ? tokens.listTokens({ limit: 5 }) : i % 3 === 1 ? tokens.checkValidity() : tokens.listScopes());
  for (let i = 0; i < 1000; i += 1) await call(i);
  memory.warm = wasmMemoryBytes();
  let ok = 0;
  for (let i = 0; i < 10_000; i += 1) if ((await call(i)).status === 200) ok += 1;
  memory.afterSequential = wasmMemoryBytes();
  assert.equal(ok, 10_000);
  assert.equal(memory.afterSequential, memory.warm, 'wasm memory grew after warm-up');
});

test('1,000 concurrent calls all settle, and so do failing ones', { timeout: 120_000 }, async () => {
  const results = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => (i % 2
    ? tokens.checkValidity()
    : tokens.create({ scopes: [] }))));
  const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
  const rejected = results.filter((r) => r.status === 'rejected' && r.reason.kind === 'InvalidInput').length;
  assert.deepEqual({ fulfilled, rejected }, { fulfilled: 500, rejected: 500 });
  await Promise.all(Array.from({ length: 1000 }, () => tokens.checkValidity()));
  memory.afterConcurrent = wasmMemoryBytes();
  // Concurrency may need a larger heap once; repeating the same load must not grow it again.
  await Promise.all(Array.from({ length: 1000 }, () => tokens.checkValidity()));
  assert.equal(wasmMemoryBytes(), memory.afterConcurrent, 'wasm memory grew on a repeated concurrent load');
  console.log(`wasm memory (bytes): ${JSON.stringify(memory)}`);
});
