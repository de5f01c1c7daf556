// What the benchmarks share: servers in their own processes, and per-call timing of contenders
// taking turns call by call (so that this machine's drifting speed weighs on all alike).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../test/support.mjs';

/** `--quick`: fewer samples. */
export const QUICK = process.argv.includes('--quick');
export const ROUNDS = QUICK ? 3 : 12;
/** Timed calls per contender and operation in `perCall` (after the warm-up): 1,000 or more. */
export const CALLS = QUICK ? 100 : 1000;

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * A server in its own process, so that it does not share an event loop with the clients. The
 * script prints one JSON line `{url, adminToken, username}` once it listens.
 */
export async function startServer(name, script, args) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill());
  const info = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', () => reject(new Error(`${name} exited`)));
  });
  return { ...info, stop: () => child.kill() };
}

/** Fixed answers: 100 tokens a page, 20 pages for listAll (as the seeded emulator has ~2000 tokens). */
export const startFixedServer = () => startServer('the fixed-answer server', join(ROOT, 'bench', 'fixed-server.mjs'), ['--port', '0']);

/**
 * Per-call times of every contender against `server`, interleaved call by call. For each operation:
 * each contender's median time per call (ms), and in `addedUs` the median, over rounds, of what a
 * contender's call took beyond raw fetch's call of the same round (µs); pairing the calls of one
 * round keeps this machine's drift out of the difference.
 */
export async function perCall(makers, server, ops = ['checkValidity', 'listTokens', 'listAll', 'create']) {
  const clients = Object.fromEntries(Object.entries(makers).map(([k, make]) => [k, make(server.url, server.adminToken, server.username)]));
  const results = {};
  for (const op of ops) {
    const times = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
    // One call of each contender in turn (the first one rotating), so that this machine's
    // drifting speed weighs on all of them alike.
    const samples = op === 'listAll' ? ROUNDS * 5 : CALLS;
    // Warm-up: every contender's code paths compiled by the JIT before anything is timed.
    const warmUp = op === 'listAll' ? 3 : 100;
    for (const c of Object.values(clients)) for (let i = 0; i < warmUp; i += 1) await c[op]();
    const names = Object.keys(clients);
    for (let round = 0; round < samples; round += 1) {
      const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
      for (const name of order) {
        const t = performance.now();
        await clients[name][op]();
        times[name].push(performance.now() - t);
      }
    }
    results[op] = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    results[op].addedUs = Object.fromEntries(names.filter((k) => k !== 'raw')
      .map((k) => [k, median(times[k].map((t, i) => (t - times.raw[i]) * 1000))]));
  }
  return results;
}

