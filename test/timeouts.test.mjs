// Timeouts: calls that begin close together share one AbortController and one timer (see
// src/transport.rs). Each call must still time out no earlier than its timeout and at most 1% (at
// least 1 ms) later, plus scheduling slack; and the shared timer must never keep Node alive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { lib, startEmulator, ROOT } from './helpers.mjs';

const { Tokens } = lib;
let emu;
before(async () => {
  emu = await startEmulator({ rateLimit: false });
});
after(() => emu?.close());

const SLACK_MS = 250; // event-loop and timer scheduling on a busy 2-core machine

test('calls sharing a timeout window each time out on time, none early', { timeout: 60_000 }, async () => {
  const tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url, retries: 0 });
  const count = 40;
  emu.addFault({ path: '/tokens/v2', count, fault: { type: 'delay', ms: 5000 } });
  const timeout = 800;
  const calls = [];
  // Several bursts a few ms apart: some calls share a window, some open a new one.
  for (let burst = 0; burst < 4; burst += 1) {
    for (let i = 0; i < count / 4; i += 1) {
      const started = performance.now();
      calls.push(tokens.checkValidity({ timeout }).then(
        () => ({ ok: true }),
        (error) => ({ kind: error.kind, after: performance.now() - started }),
      ));
    }
    await new Promise((resolve) => setTimeout(resolve, 7));
  }
  const results = await Promise.all(calls);
  emu.clearFaults();
  for (const r of results) {
    assert.equal(r.kind, 'Timeout');
    assert.ok(r.after >= timeout - 1, `timed out early: after ${r.after.toFixed(1)} ms`);
    assert.ok(r.after <= timeout * 1.01 + 1 + SLACK_MS, `timed out late: after ${r.after.toFixed(1)} ms`);
  }
  // Different timeouts never share: a short one is not held back by a long one begun just before.
  emu.addFault({ path: '/tokens/v2', count: 2, fault: { type: 'delay', ms: 5000 } });
  const long = tokens.checkValidity({ timeout: 3000 }).catch((e) => e);
  const started = performance.now();
  const short = await tokens.checkValidity({ timeout: 300 }).catch((e) => e);
  const elapsed = performance.now() - started;
  assert.equal(short.kind, 'Timeout');
  assert.ok(elapsed < 300 * 1.01 + 1 + SLACK_MS, `the 300 ms call took ${elapsed.toFixed(0)} ms`);
  assert.equal((await long).kind, 'Timeout');
  emu.clearFaults();
});

test('the shared timer never keeps a Node process alive after its calls end', { timeout: 60_000 }, async () => {
  const script = `
    const { Tokens } = require(${JSON.stringify(join(ROOT, 'pkg', 'node', 'mapbox_tokens.cjs'))});
    const tokens = new Tokens({ accessToken: process.env.T, origin: process.env.U, timeout: 120000 });
    (async () => {
      for (let i = 0; i < 3; i += 1) await tokens.checkValidity();
      globalThis.lastCall = performance.now();
      process.on('exit', () => process.stdout.write(String(performance.now() - globalThis.lastCall)));
    })();`;
  // Asynchronously: the emulator answers from this process's event loop.
  const { stdout: out } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: { ...process.env, T: emu.adminToken, U: emu.url }, encoding: 'utf8', timeout: 30_000,
  });
  const lingered = Number(out);
  assert.ok(Number.isFinite(lingered), `no exit report: ${out}`);
  assert.ok(lingered < 1000, `the process lived ${lingered.toFixed(0)} ms after its last call`);
});
