// Where the time a call of this package adds over raw fetch goes, from a CPU profile: raw fetch and
// the package (bench/contenders.cjs: `raw` and `ours`, default options) call the fixed-answer server
// in turn, call by call, in a child process run under `node --cpu-prof`; every profile sample is
// then charged to the contender whose call was running, and its self time to a category (the
// package's wasm, the wasm-bindgen glue, fetch, AbortSignal, timers, …). Per operation it prints
// the microseconds per call of each category for both and their difference. Not part of
// `make bench`: run it alone when a per-call figure needs explaining.
//
//   node bench/profile.mjs [checkValidity|listTokens|create …] [--calls N]   (default: all three, 10000)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanEnv, ROOT, tempDir } from '../test/support.mjs';
import { startFixedServer } from './measure.mjs';

const OPS = ['checkValidity', 'listTokens', 'create'];
const DEFAULT_CALLS = 10000;
const WARM_UP = 500;
/** Sampling interval of the profiler (µs): a finer one slows the calls more, and the package's (more, smaller functions) most. */
const INTERVAL_US = 500;
/** The contenders, in the order of the table's columns; the difference is the second minus the first. */
const CONTENDERS = ['raw', 'ours'];
/** How the parent hands the fixed server's `{url, adminToken, username}` to the child. */
const SERVER_ENV = 'MAPBOX_TOKENS_PROFILE_SERVER';
/** The record the child writes next to its profile. */
const RECORD = 'calls.json';
const SELF = fileURLToPath(import.meta.url);

const C = {
  wasm: "this package's wasm",
  glue: 'wasm-bindgen glue',
  fetch: 'fetch (undici)',
  abort: 'AbortSignal/AbortController/events',
  timers: 'timers',
  promises: 'promises/microtasks',
  headers: 'Headers',
  json: 'JSON',
  gc: 'garbage collection',
  idle: 'idle',
  other: 'other',
};
/** Classification results that are not a category: take the caller's category / decide by the caller. */
const INHERIT = Symbol('inherit');
const WASM = Symbol('wasm');
/** Categories that everything fetch-internal they call belongs to (Headers.get calls HeadersList.get, …). */
const STICKY = new Set([C.headers, C.json]);

/**
 * @typedef {{ functionName: string, url: string, scriptId: string | number, lineNumber: number, columnNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], startTime: number, samples: number[], timeDeltas: number[] }} Profile
 * @typedef {{ op: string, calls: number, names: string[], headers: string[], spans: number[] }} CallRecord
 *   `spans`: per timed call, contender index, start and end (µs on process.hrtime's clock), flat;
 *   `headers`: the `scriptId:line:column` of every Headers method, as the profile names frames.
 */

// ---------------------------------------------------------------------------------------------
// The child: the timed calls, under the profiler.

/** µs on the monotonic clock, the one the profile's timestamps use. */
const nowUs = () => Number(process.hrtime.bigint()) / 1000;

/** The two contenders' functions for `op`, made as bench/contenders.cjs makes them. */
function contenders(op, server) {
  const makers = createRequire(import.meta.url)('./contenders.cjs');
  return CONTENDERS.map((name) => makers[name](server.url, server.adminToken, server.username)[op]);
}

/**
 * Where each of Headers.prototype's functions starts, as `scriptId:line:column`: a profile frame
 * at one of these places is a Headers method (undici's other `get`s and `set`s share their names).
 * @returns {Promise<string[]>}
 */
async function headersMethods() {
  const session = new Session();
  session.connect();
  try {
    const proto = await session.post('Runtime.evaluate', { expression: 'Headers.prototype' });
    const { result } = await session.post('Runtime.getProperties', { objectId: proto.result.objectId, ownProperties: true });
    const functions = result.flatMap((p) => [p.value, p.get, p.set]).filter((v) => v?.type === 'function');
    const places = [];
    for (const f of functions) {
      const { internalProperties = [] } = await session.post('Runtime.getProperties', { objectId: f.objectId });
      const at = internalProperties.find((p) => p.name === '[[FunctionLocation]]')?.value.value;
      if (at) places.push(`${at.scriptId}:${at.lineNumber}:${at.columnNumber}`);
    }
    return places;
  } finally {
    session.disconnect();
  }
}

/**
 * Runs in the profiled child: warm-up, then `calls` rounds of one call per contender, the first
 * one rotating, each call's span recorded; writes the record into `dir` and exits (which writes
 * the profile).
 */
async function child(dir, op, calls) {
  const server = JSON.parse(process.env[SERVER_ENV]);
  const clients = contenders(op, server);
  for (const call of clients) for (let i = 0; i < WARM_UP; i += 1) await call();
  const headers = await headersMethods();
  const spans = new Float64Array(calls * clients.length * 3);
  let j = 0;
  for (let round = 0; round < calls; round += 1) {
    for (let q = 0; q < clients.length; q += 1) {
      const k = (round + q) % clients.length;
      const start = nowUs();
      await clients[k]();
      spans[j++] = k;
      spans[j++] = start;
      spans[j++] = nowUs();
    }
  }
  const record = { op, calls, names: CONTENDERS, headers, spans: [...spans] };
  writeFileSync(join(dir, RECORD), JSON.stringify(record));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The parent: server, child, analysis.

/**
 * Runs the child for `op` under the profiler, its profile and record written into `dir`; kills
 * it if it has not finished in a time generous for `calls`.
 */
async function runProfiledChild(dir, op, calls, server) {
  const args = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval', String(INTERVAL_US),
    SELF, op, '--calls', String(calls), '--child', dir];
  const env = cleanEnv({ [SERVER_ENV]: JSON.stringify({ url: server.url, adminToken: server.adminToken, username: server.username }) });
  const proc = spawn(process.execPath, args, { stdio: 'inherit', env });
  const exited = new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const limitMs = 60_000 + 10 * calls;
  const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
  try {
    const { code, signal } = await exited;
    if (code !== 0) throw new Error(`the profiled child for ${op} ${signal ? `was stopped (${signal}; limit ${limitMs / 1000} s)` : `exited with ${code}`}`);
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}

/** The profile and the record the child left in `dir`. */
function readResults(dir) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  /** @type {Profile} */
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  /** @type {CallRecord} */
  const record = JSON.parse(readFileSync(join(dir, RECORD), 'utf8'));
  return { profile, record };
}

const PKG_URL = pathToFileURL(join(ROOT, 'pkg')).href;
const UNDICI = 'node:internal/deps/undici/';
/** The global `fetch` (a lazy wrapper) and the network under it: sockets, streams, buffers, URLs. */
const FETCH_URLS = /^node:(net|stream|buffer|url|diagnostics_channel|internal\/(net|streams?\/|stream_base_commons|webstreams\/|buffer|url|dns|bootstrap\/web\/exposed-))/;
const ABORT_URLS = /^node:internal\/(abort_controller|event_target|events\/abort_listener)/;
/** node:events functions that only AbortSignal's users call (undici sets the signal's listener limit). */
const ABORT_EVENTS = /^(EventEmitter\.)?(setMaxListeners|getMaxListeners|getEventListeners|addAbortListener)$/;
const TIMER_URLS = /^node:(timers|internal\/timers|internal\/priority_queue)/;
const PROMISE_URLS = /^node:internal\/process\/(task_queues|promises)/;
/** V8's wrappers around a call between JavaScript and wasm: charged like natives, to their caller. */
const WRAPPERS = /^(js-to-wasm|wasm-to-js|GenericJSToWasmWrapper|GenericWasmToJSWrapper)/;

/**
 * The category of a frame on its own, or INHERIT (natives, and Node's modules not named by a
 * category, such as TextDecoder, assert, validators, EventEmitter.emit: charged to their caller), or
 * WASM (decided by the caller: a wasm module called from undici is its HTTP parser, llhttp; any
 * other is this package's). Code outside Node and the package (this harness, the
 * contenders' own lines) is "other".
 * @param {CallFrame} frame
 * @param {Set<string>} headers places of the Headers methods
 */
function classify(frame, headers) {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return C.gc;
  if (name === '(idle)') return C.idle;
  if (name === '(program)' || name === '(root)') return C.other;
  if (url.startsWith('wasm://')) return WASM;
  if (WRAPPERS.test(name)) return INHERIT;
  if (name.startsWith('wasm-function[') || name.includes('::')) return WASM;
  if (url.startsWith(PKG_URL)) return C.glue;
  if (headers.has(`${frame.scriptId}:${frame.lineNumber}:${frame.columnNumber}`)) return C.headers;
  if (url.startsWith(UNDICI)) return name === 'parseJSONFromBytes' ? C.json : C.fetch;
  if (url === '') return name === 'stringify' ? C.json : INHERIT;
  if (url === 'node:events' && ABORT_EVENTS.test(name)) return C.abort;
  if (FETCH_URLS.test(url)) return C.fetch;
  if (ABORT_URLS.test(url)) return C.abort;
  if (TIMER_URLS.test(url)) return C.timers;
  if (PROMISE_URLS.test(url)) return C.promises;
  if (url.startsWith('node:')) return INHERIT;
  return C.other;
}

/** A frame's category given its own classification and its caller's category. */
function categoryOf(own, callerCategory) {
  if (STICKY.has(callerCategory) && (own === INHERIT || own === C.fetch)) return callerCategory;
  if (own === INHERIT) return callerCategory;
  if (own === WASM) return callerCategory === C.fetch ? C.fetch : C.wasm;
  return own;
}

/**
 * Every profile node's category, walking the call tree from its root so that each frame knows
 * its caller's.
 * @param {Profile} profile
 * @param {Set<string>} headers
 * @returns {Map<number, string>}
 */
function categorize(profile, headers) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const isChild = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const categories = new Map();
  const stack = profile.nodes.filter((node) => !isChild.has(node.id)).map((node) => [node, C.other]);
  while (stack.length > 0) {
    const [node, callerCategory] = stack.pop();
    const category = categoryOf(classify(node.callFrame, headers), callerCategory);
    categories.set(node.id, category);
    for (const id of node.children ?? []) stack.push([byId.get(id), category]);
  }
  return categories;
}

/**
 * Charges every sample (its duration: the time to the next sample) to the contender whose call
 * was running at its time, by category. Returns per contender a Map category → µs (summed over
 * its calls), and the share of the timed loop's profiled time charged to a call.
 * @param {Profile} profile
 * @param {Map<number, string>} categories
 * @param {CallRecord} record
 */
function charge(profile, categories, record) {
  const totals = record.names.map(() => new Map());
  const { spans } = record;
  const count = spans.length / 3;
  let time = profile.startTime;
  let call = 0;
  let charged = 0;
  let inLoop = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    time += profile.timeDeltas[i];
    const duration = profile.timeDeltas[i + 1] ?? 0;
    while (call < count && spans[call * 3 + 2] < time) call += 1;
    if (time >= spans[1] && time <= spans[spans.length - 1]) inLoop += duration;
    if (call >= count || spans[call * 3 + 1] > time) continue;
    const map = totals[spans[call * 3]];
    const category = categories.get(profile.samples[i]) ?? C.other;
    map.set(category, (map.get(category) ?? 0) + duration);
    charged += duration;
  }
  return { totals, chargedShare: inLoop > 0 ? charged / inLoop : 0 };
}

const fixed = (v) => v.toFixed(1).padStart(9);
const signed = (v) => `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(1)}`.padStart(9);

/**
 * The table for one operation: µs per call per category for each contender, the difference and
 * its share of the total difference, largest difference first, then the total (idle left out) and
 * idle.
 */
function table(record, totals, chargedShare) {
  const [a, b] = record.names;
  const perCall = (map, category) => (map.get(category) ?? 0) / record.calls;
  const categories = Object.values(C).filter((c) => c !== C.idle && totals.some((map) => map.has(c)));
  const rows = categories.map((c) => [c, perCall(totals[0], c), perCall(totals[1], c)]).sort((x, y) => (y[2] - y[1]) - (x[2] - x[1]));
  const sum = (i) => rows.reduce((s, row) => s + row[i], 0);
  const difference = sum(2) - sum(1);
  const share = (d) => `${Math.round((d / difference) * 100) || 0}%`.padStart(7);
  const label = (text) => `  ${text.padEnd(36)}`;
  const lines = [
    `${record.op}: ${record.calls} calls each, interleaved, after ${WARM_UP} warm-up calls each; self time, µs per call (${(chargedShare * 100).toFixed(1)}% of the timed loop's samples fell in a call)`,
    `${label('category')}${a.padStart(9)}${b.padStart(9)}${`${b}-${a}`.padStart(9)}${'share'.padStart(7)}`,
    ...rows.map(([c, x, y]) => `${label(c)}${fixed(x)}${fixed(y)}${signed(y - x)}${share(y - x)}`),
    `${label('total')}${fixed(sum(1))}${fixed(sum(2))}${signed(difference)}${share(difference)}`,
    `${label('idle (not in the total)')}${fixed(perCall(totals[0], C.idle))}${fixed(perCall(totals[1], C.idle))}`,
  ];
  return lines.join('\n');
}

/** Profiles `op` (a child under the profiler, in a temporary folder) and returns its table. */
async function profileOp(op, calls, server) {
  const dir = tempDir('mapbox-tokens-profile-');
  try {
    await runProfiledChild(dir.path, op, calls, server);
    const { profile, record } = readResults(dir.path);
    const { totals, chargedShare } = charge(profile, categorize(profile, new Set(record.headers)), record);
    return table(record, totals, chargedShare);
  } finally {
    dir.remove();
  }
}

/** The operations and the number of calls asked for, and the child's folder when this is the child. */
function commandLine(argv) {
  const usage = () => {
    console.error(`usage: node bench/profile.mjs [${OPS.join('|')} …] [--calls N]`);
    process.exit(2);
  };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { calls: { type: 'string' }, child: { type: 'string' } } });
  } catch {
    return usage();
  }
  const { values, positionals } = parsed;
  const calls = values.calls === undefined ? DEFAULT_CALLS : Number(values.calls);
  if (positionals.some((op) => !OPS.includes(op)) || !Number.isInteger(calls) || calls < 1) return usage();
  return { ops: positionals.length > 0 ? positionals : OPS, calls, childDir: values.child };
}

async function main() {
  const { ops, calls, childDir } = commandLine(process.argv.slice(2));
  if (childDir) return child(childDir, ops[0], calls);
  const server = await startFixedServer();
  try {
    console.log(`Profiled (samples every ${INTERVAL_US} µs): the profiler slows every call, so the figures are relative; only the difference between raw and ours (and each category's share of it) matters.`);
    for (const op of ops) console.log(`\n${await profileOp(op, calls, server)}`);
  } finally {
    server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
