// Helpers of the command-line tests: install the current cli/*.mjs into pkg/cli/ (where the
// command resolves `mapbox-tokens` through the package's own exports map), run it as a child
// process, and remember every output for the final scan for tokens.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, beforeEach } from 'node:test';
import { startEmulator } from '../../emulator/index.mjs';
import { ROOT, cleanEnv } from '../../test/support.mjs';

export { tempDir } from '../../test/support.mjs';

const SOURCE = join(ROOT, 'cli');
const INSTALLED = join(ROOT, 'pkg', 'cli');
const BIN = join(INSTALLED, 'mapbox-tokens.mjs');

/** Copies cli/*.mjs into pkg/cli/, so that the tests always run the current source. */
export function installCli() {
  mkdirSync(INSTALLED, { recursive: true });
  for (const file of readdirSync(SOURCE).filter((f) => f.endsWith('.mjs'))) copyFileSync(join(SOURCE, file), join(INSTALLED, file));
}

/**
 * The emulator of a test file (test hooks on, no rate limit), with the current command line
 * installed first: reset before each test, closed after the file's tests.
 */
export async function fileEmulator() {
  installCli();
  const emu = await startEmulator({ rateLimit: false, hooks: true });
  after(() => emu.close());
  beforeEach(() => emu.reset());
  return emu;
}

/** Every run so far: `{ args, code, stdout, stderr, allowed }`; `allowed` lists the tokens its output may hold. */
export const runs = [];

/**
 * Runs `mapbox-tokens ...args` with `env` added to the caller's environment without any access
 * token or test switch, and `input` on stdin (stdin is a pipe, never a terminal). Resolves to its
 * record in `runs`. The child is killed after `timeout` ms (20 s unless said otherwise).
 */
export async function runCli(args, { env = {}, input = '', timeout = 20_000 } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: 'pipe' });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeout);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  child.stdin.end(input);
  const [code] = await once(child, 'close');
  clearTimeout(killer);
  const run = { args, code, stdout, stderr, allowed: [] };
  runs.push(run);
  return run;
}

const TOKEN_SHAPE = /\b(?:pk|sk|tk)\.[\w-]+\.[\w-]+/g;

/** The problems of one run's output: a token it may not hold, or one of the `secrets` anywhere but where allowed. */
export function leaks(run, secrets) {
  const text = `${run.stdout}\n${run.stderr}`;
  const found = [...text.matchAll(TOKEN_SHAPE)].map((m) => m[0]).filter((t) => !run.allowed.includes(t));
  const secret = secrets.filter((s) => text.includes(s) && !run.allowed.includes(s));
  return [...new Set([...found, ...secret])].map((t) => `${run.args.join(' ')}: prints ${t.slice(0, 12)}…`);
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
