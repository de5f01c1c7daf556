// The token broker's speed: requests per second served from its cache through node:http, with
// its own memory and with a Redis store, beside a bare node:http handler answering a fixed JSON of
// the same size (the floor: what node:http and the load cost without any broker); and the latency
// of a request that makes the broker mint (a fresh broker's first request), beside a temporary
// token created directly. Each server runs in its own process (bench/broker-server.mjs) against the
// emulator (its own process too); the load is keep-alive GETs with an allowed Origin from a second
// process, wrk (Debian's; `scripts/setup.sh --bench` installs it), for a fixed time per run, the
// contenders taking turns run by run. Without wrk, a keep-alive client loop in this process stands
// in (it is slower than the servers, so its figures say less) and the output says so.
// Run alone with `node bench/broker.mjs [--quick]`; `make bench` calls benchBroker().
import { execFile, spawn, spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from '../test/support.mjs';
import { redisCommand, startRedis } from '../test/redis.mjs';
import { QUICK, median, startServer } from './measure.mjs';

/** The origin the benchmark's requests carry (the brokers allow it). */
export const BENCH_ORIGIN = 'http://localhost:5173';
/** The scopes the brokers hand out. */
export const BENCH_SCOPES = ['styles:read', 'styles:tiles', 'fonts:read'];

const SERVER = join(ROOT, 'bench', 'broker-server.mjs');
/** Keep-alive connections that send requests at once. */
const CONNECTIONS = 32;
const ROUNDS = QUICK ? 3 : 7;
/** Each timed run: this many requests, or this long, whichever comes first. */
const RUN_REQUESTS = QUICK ? 20_000 : 100_000;
const RUN_MS = QUICK ? 2_000 : 5_000;
const MINT_SAMPLES = QUICK ? 3 : 9;

/** wrk's path when it is installed. */
const WRK = spawnSync('wrk', ['--version']).error ? null : 'wrk';

/** A wrk duration (`812.00us`, `1.23ms`, `2.00s`) in milliseconds. */
function wrkMs(text) {
  const [, value, unit] = /^([\d.]+)(us|ms|s|m)$/.exec(text) ?? [];
  return Number(value) * { us: 1e-3, ms: 1, s: 1e3, m: 60e3 }[unit];
}

/**
 * wrk's load on `url` for `ms` milliseconds (one thread, CONNECTIONS keep-alive connections):
 * requests per second, median and 99th percentile latency (ms), answers that were not 2xx/3xx.
 */
async function wrkLoad(url, ms = RUN_MS) {
  const { stdout } = await promisify(execFile)(WRK, ['-t1', `-c${CONNECTIONS}`, `-d${Math.round(ms / 1000)}s`, '--latency', '-H', `Origin: ${BENCH_ORIGIN}`, url], { timeout: ms + 30_000 });
  const find = (pattern) => pattern.exec(stdout)?.[1];
  return {
    rps: Number(find(/Requests\/sec:\s+([\d.]+)/)),
    p50: wrkMs(find(/^\s+50%\s+(\S+)$/m)),
    p99: wrkMs(find(/^\s+99%\s+(\S+)$/m)),
    failed: Number(find(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0),
  };
}

/** One GET of `url` with the allowed Origin on `agent`: resolves to its status once the body is read. */
function get(url, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { origin: BENCH_ORIGIN } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The load of a timed run: wrk's, else this process's client loop. */
const load = (url, total, ms) => (WRK ? wrkLoad(url, ms) : clientLoop(url, total, ms));

/**
 * Keep-alive load on `url` from this process: CONNECTIONS loops, each sending its next GET when the last one is
 * answered, until `total` requests or `ms` milliseconds. Resolves to requests per second, the
 * median and 99th percentile latency (ms), and how many answers were not 200.
 */
async function clientLoop(url, total = RUN_REQUESTS, ms = RUN_MS) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const times = [];
  let sent = 0;
  let failed = 0;
  const started = performance.now();
  const until = started + ms;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (sent < total && performance.now() < until) {
      sent += 1;
      const t = performance.now();
      if ((await get(url, agent)) !== 200) failed += 1;
      times.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  times.sort((a, b) => a - b);
  return { rps: times.length / seconds, p50: times[Math.floor(times.length / 2)], p99: times[Math.floor(times.length * 0.99)], failed };
}

/**
 * Starts a broker-server.mjs process in `mode` and resolves once it listens: `{ url, stop }`,
 * `stop()` ending it by its process id and resolving once it exited.
 */
function serve(emu, mode, redisUrl, { warm = false } = {}) {
  const args = mode === 'floor' ? ['floor'] : [mode, emu.url, ...(redisUrl ? [redisUrl] : [])];
  const child = spawn(process.execPath, [SERVER, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_ACCESS_TOKEN: emu.adminToken, BENCH_WARM: warm ? '1' : '0' },
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ url: JSON.parse(line).url, stop });
    });
    exited.then((code) => reject(new Error(`the ${mode} server exited (${code})`)));
  });
}

/** The latency of one GET on a fresh keep-alive-less connection (ms) and its status. */
async function once(url) {
  const agent = new Agent({ keepAlive: false });
  const t = performance.now();
  const status = await get(url, agent);
  const ms = performance.now() - t;
  agent.destroy();
  if (status !== 200) throw new Error(`${url} answered ${status}`);
  return ms;
}

/** A temporary token created with one direct POST to the emulator (ms): the API's own share of a mint. */
async function directMint(emu) {
  const t = performance.now();
  const response = await fetch(`${emu.url}/tokens/v2/${emu.username}?access_token=${encodeURIComponent(emu.adminToken)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scopes: BENCH_SCOPES, expires: new Date(Date.now() + 3_000_000).toISOString() }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`direct create answered ${response.status}`);
  return performance.now() - t;
}

/**
 * Measures the broker. Resolves to `{ throughput: { floor, memory, redis }` (each `{ rps, p50,
 * p99, failed }`, medians over rounds), `loadBy` ('wrk' or 'client loop'), `mint: { memory, redis,
 * cold, direct, cached }` (ms, medians) }`.
 */
export async function benchBroker() {
  const emu = await startServer('the emulator', join(ROOT, 'emulator', 'cli.mjs'), ['--port', '0', '--json', '--no-rate-limit']);
  const redis = await startRedis();
  const stops = [emu.stop, redis.stop];
  try {
    // Throughput from the cache: each server warmed (its token minted, the JIT at work), then
    // timed runs in turn.
    const servers = { floor: await serve(emu, 'floor'), memory: await serve(emu, 'memory'), redis: await serve(emu, 'redis', redis.url) };
    stops.push(...Object.values(servers).map((server) => server.stop));
    for (const server of Object.values(servers)) await load(server.url, 5000, 1000);
    const runs = { floor: [], memory: [], redis: [] };
    const names = Object.keys(runs);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const name of names.slice(round % names.length).concat(names.slice(0, round % names.length))) {
        runs[name].push(await load(servers[name].url));
        process.stderr.write(`\rbroker throughput: round ${round + 1} of ${ROUNDS} `);
      }
    }
    process.stderr.write('\n');
    const throughput = Object.fromEntries(names.map((name) => [name, {
      rps: median(runs[name].map((r) => r.rps)),
      p50: median(runs[name].map((r) => r.p50)),
      p99: median(runs[name].map((r) => r.p99)),
      failed: runs[name].reduce((n, r) => n + r.failed, 0),
    }]));
    for (const server of Object.values(servers)) await server.stop();

    // A request that mints: the first one of a broker, in a process where another broker has
    // just minted (everything a mint uses is warm), with each store (a fresh Redis each time);
    // and in a fresh process where nothing is warm, as after a deploy.
    const mint = { memory: [], redis: [], cold: [], direct: [], cached: [] };
    const first = async (mode, warm) => {
      if (mode === 'redis') await redisCommand(redis.port, 'FLUSHALL');
      const server = await serve(emu, mode, mode === 'redis' ? redis.url : undefined, { warm });
      try {
        if (warm) await once(new URL('warm', server.url));
        return [await once(server.url), await once(server.url)];
      } finally {
        await server.stop();
      }
    };
    for (let i = 0; i < MINT_SAMPLES; i += 1) {
      process.stderr.write(`\rbroker mint latency: sample ${i + 1} of ${MINT_SAMPLES} `);
      const [minted, cached] = await first('memory', true);
      mint.memory.push(minted);
      mint.cached.push(cached);
      mint.redis.push((await first('redis', true))[0]);
      mint.cold.push((await first('memory', false))[0]);
      mint.direct.push(await directMint(emu));
    }
    process.stderr.write('\n');
    return { throughput, loadBy: WRK ? 'wrk' : 'client loop', mint: Object.fromEntries(Object.entries(mint).map(([k, v]) => [k, median(v)])) };
  } finally {
    for (const stop of stops) await stop();
  }
}

/** The lines `make bench` prints for the broker. */
export function brokerLines({ throughput: t, mint: m }) {
  const row = (name, r) => `  ${name.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}  ${(r.rps / t.floor.rps).toFixed(2).padStart(5)}${r.failed ? `  (${r.failed} not 200)` : ''}`;
  return [
    `token broker from its cache, node:http, ${CONNECTIONS} keep-alive connections from ${WRK ? 'wrk' : 'a client loop in the bench process (no wrk: figures bound by the client)'}, medians of ${ROUNDS} runs`,
    `  ${''.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  /floor`,
    row('floor: bare handler, fixed JSON', t.floor),
    row('TokenBroker, in-memory store', t.memory),
    row('TokenBroker, redisStore', t.redis),
    `a request that mints (a broker's first request, medians of ${MINT_SAMPLES}), in a warm process: in-memory ${m.memory.toFixed(1)} ms, ` +
      `redisStore ${m.redis.toFixed(1)} ms; in a fresh process ${m.cold.toFixed(1)} ms; a direct create of a temporary token ${m.direct.toFixed(1)} ms; ` +
      `the next request, from the cache, ${m.cached.toFixed(1)} ms (each on a new connection)`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchBroker();
  console.log(brokerLines(result).join('\n'));
}
