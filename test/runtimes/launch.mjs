// Starts the runtime tests' app (app.mjs) in Node (node:http or Express), Deno, Bun or workerd as a
// child process on 127.0.0.1, and stops it by its process id. The runtimes come from npm (dev
// dependencies): each ships its binary in a platform package, which is run directly when the
// package's own install script was skipped. Not a test file itself.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, ROOT, stopper, tempDir } from '../support.mjs';
import { freePort } from '../redis.mjs';

const HERE = join(ROOT, 'test', 'runtimes');
const MODULES = join(ROOT, 'node_modules');

/**
 * Where each runtime's binary may be, best first: the package's own (in place once its install
 * script ran), then the platform package that carries it on Linux x64 (always installed).
 */
const CANDIDATES = {
  deno: [join(MODULES, 'deno', 'deno'), join(MODULES, '@deno', 'linux-x64-glibc', 'deno')],
  bun: [
    join(MODULES, 'bun', 'bin', 'bun.exe'),
    join(MODULES, '@oven', 'bun-linux-x64', 'bin', 'bun'),
    join(MODULES, '@oven', 'bun-linux-x64-baseline', 'bin', 'bun'),
  ],
  workerd: [join(MODULES, 'workerd', 'bin', 'workerd'), join(MODULES, '@cloudflare', 'workerd-linux-64', 'bin', 'workerd')],
};

const found = new Map();
/**
 * The path of a runtime's binary that answers `--version`, or null.
 * @param {'deno' | 'bun' | 'workerd'} name
 */
export function runtimeBinary(name) {
  if (!found.has(name)) {
    const path = CANDIDATES[name].find((file) => existsSync(file) && spawnSync(file, ['--version'], { timeout: 20_000 }).status === 0);
    found.set(name, path ?? null);
  }
  return found.get(name);
}

/** The runtimes the tests start, with what each needs. */
export const RUNTIMES = ['node:http', 'express', 'deno', 'deno (node build)', 'bun', 'workerd'];

/**
 * The binary a runtime needs, or null when it is missing (for a test's skip message).
 * @param {string} runtime one of RUNTIMES
 */
export function missingBinary(runtime) {
  const binary = runtime.split(' ')[0];
  if (binary === 'deno' || binary === 'bun' || binary === 'workerd') return runtimeBinary(binary) ? null : binary;
  return null;
}

/**
 * Starts the app in `runtime` with `config` (app.mjs's AppConfig) and waits until it answers.
 * Resolves to `{ url, pid, output(), stop() }`: `output()` is what the child printed so far, `stop()`
 * ends it by its process id (SIGTERM, SIGKILL after 5 s) and removes its folder.
 * @param {string} runtime one of RUNTIMES
 * @param {object} config
 */
export async function startApp(runtime, config) {
  const dir = tempDir(`mapbox-tokens-${runtime.replace(/\W/g, '-')}-`);
  const env = cleanEnv({ BROKER_TEST_CONFIG: JSON.stringify(config), NO_COLOR: '1' });
  let command;
  let args;
  let url = null;
  if (runtime === 'node:http' || runtime === 'express') {
    command = process.execPath;
    args = [join(HERE, 'node.mjs'), runtime === 'express' ? 'express' : 'http'];
  } else if (runtime === 'deno' || runtime === 'deno (node build)') {
    const build = runtime === 'deno' ? 'web' : 'node';
    command = runtimeBinary('deno');
    Object.assign(env, { DENO_DIR: join(dir.path, 'deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' });
    // require() of the Node build looks at the folders on its way (and package.json files).
    const reads = build === 'web' ? [join(ROOT, 'pkg', 'web')] : [join(ROOT, 'pkg'), HERE, join(ROOT, 'test'), ROOT];
    args = ['run', '--no-config', '--no-lock', '--allow-net=127.0.0.1', `--allow-read=${reads.join(',')}`,
      '--allow-env=BROKER_TEST_CONFIG', join(HERE, 'deno.mjs'), build];
  } else if (runtime === 'bun') {
    command = runtimeBinary('bun');
    Object.assign(env, { BUN_INSTALL_CACHE_DIR: join(dir.path, 'bun'), DO_NOT_TRACK: '1' });
    args = ['run', join(HERE, 'bun.mjs')];
  } else if (runtime === 'workerd') {
    command = runtimeBinary('workerd');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    layOutWorker(dir.path, port, config);
    args = ['serve', join(dir.path, 'config.capnp'), 'config'];
  } else {
    throw new Error(`unknown runtime ${runtime}`);
  }
  if (!command) throw new Error(`${runtime}: its binary is missing (npm ci installs it)`);

  const child = spawn(command, args, { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = stopper(child, dir);
  const listening = new Promise((resolve) => {
    const onData = (chunk) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.startsWith('{"url":'));
      if (line) resolve(JSON.parse(line).url);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
  try {
    url ??= await withDeadline(Promise.race([listening, exited.then((code) => { throw new Error(`it exited (${code})`); })]), 30_000);
    await waitForHealth(url, child);
  } catch (error) {
    await stop();
    throw new Error(`${runtime} did not start: ${error.message}\n${output.slice(-3000)}`);
  }
  return { url, pid: child.pid, output: () => output, stop };
}

/** Rejects when `promise` takes longer than `ms`. */
async function withDeadline(promise, ms) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once GET /health answers 200 (at most 30 s), rejects when the child exits first. */
async function waitForHealth(url, child) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error('no answer on /health within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Lays out a workerd service in `dir`: the worker (workerd.mjs), app.mjs, the package's web build
 * and its wasm (a compiled-wasm module), the config as a text binding, and config.capnp listening
 * on 127.0.0.1:`port`, whose outbound network reaches local addresses (the emulator).
 */
function layOutWorker(dir, port, config) {
  copyFileSync(join(HERE, 'workerd.mjs'), join(dir, 'worker.mjs'));
  copyFileSync(join(HERE, 'app.mjs'), join(dir, 'app.mjs'));
  copyFileSync(join(ROOT, 'pkg', 'web', 'mapbox_tokens.js'), join(dir, 'mapbox_tokens.js'));
  copyFileSync(join(ROOT, 'pkg', 'web', 'mapbox_tokens_bg.wasm'), join(dir, 'mapbox_tokens_bg.wasm'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The default outbound network reaches public addresses only; the emulator is on 127.0.0.1.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "app.mjs", esModule = embed "app.mjs"),
    (name = "mapbox_tokens.js", esModule = embed "mapbox_tokens.js"),
    (name = "mapbox_tokens_bg.wasm", wasm = embed "mapbox_tokens_bg.wasm"),
  ],
  bindings = [(name = "CONFIG", text = embed "config.json")],
  compatibilityDate = "2025-01-01",
);
`);
}
