// `mapbox-tokens broker`: a token broker for local development, run as a child process against
// the emulator. It prints its URL; a GET with an allowed Origin gets a valid temporary token, a
// refused origin gets 403; two brokers sharing a real redis-server (--redis) make one mint; bad
// options exit 2 before it listens; SIGTERM stops it with 0. No output ever holds a token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT, cleanEnv } from '../../test/support.mjs';
import { REDIS_SERVER, startRedis } from '../../test/redis.mjs';
import { closedPort, fileEmulator, leaks, runCli } from './helpers.mjs';

const emu = await fileEmulator();
const BIN = join(ROOT, 'pkg', 'cli', 'mapbox-tokens.mjs');
const SCOPES = 'styles:read,styles:tiles,fonts:read';
const ALLOWED = 'http://localhost:5173';
/** Every broker run, for the final scan of their outputs. */
const brokerRuns = [];
/** Every token a broker served: none may appear in any output. */
const served = [];
const children = new Set();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  const problems = brokerRuns.flatMap((run) => leaks(run, [emu.adminToken, ...served]));
  assert.deepEqual(problems, []);
});

/**
 * Starts `mapbox-tokens broker --origin <emulator> ...args` and resolves once it printed its URL:
 * `{ url, run, stop }`; `stop()` sends SIGTERM and resolves to the exit code (SIGKILL after 5 s).
 */
async function startBroker(args) {
  const allArgs = ['--origin', emu.url, 'broker', '--port', '0', ...args];
  const child = spawn(process.execPath, [BIN, ...allArgs], { env: cleanEnv({ MAPBOX_ACCESS_TOKEN: emu.adminToken }), stdio: 'pipe' });
  children.add(child);
  const run = { args: allArgs, code: null, stdout: '', stderr: '', allowed: [] };
  brokerRuns.push(run);
  const closed = once(child, 'close').then(([code]) => {
    run.code = code;
    children.delete(child);
    return code;
  });
  child.stderr.setEncoding('utf8').on('data', (d) => { run.stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 20 s: ${run.stdout} ${run.stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      run.stdout += d;
      const match = /(?:listening on |"url": ")(http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${run.stderr}`));
    });
  });
  const stop = async () => {
    if (run.code === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(timer);
    }
    return run.code;
  };
  return { url, run, stop };
}

/** GET `url` with `headers`: `{ status, headers, body }` (body parsed JSON). */
async function get(url, headers) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const body = await response.json();
  if (typeof body.token === 'string') served.push(body.token);
  return { status: response.status, headers: response.headers, body };
}

/** The emulator's mints of temporary tokens. */
const tkMints = () => emu.mints().filter((m) => m.usage === 'tk');

/** The emulator's verdict on a token. */
async function validity(token) {
  const url = new URL('/tokens/v2', emu.url);
  url.searchParams.set('access_token', token);
  return (await fetch(url)).json();
}

test('broker prints its URL; a GET with an allowed Origin gets a valid token, a refused one 403; SIGTERM stops it with 0', { timeout: 60_000 }, async () => {
  const broker = await startBroker(['--scopes', SCOPES, '--allow-origin', ALLOWED, '--expires', '600']);
  assert.match(broker.run.stdout, /^Token broker listening on http:\/\/127\.0\.0\.1:\d+\/\n/);
  assert.match(broker.run.stdout, /scopes\s+styles:read, styles:tiles, fonts:read/);
  assert.match(broker.run.stdout, /allowed origins\s+http:\/\/localhost:5173/);

  const refused = await get(broker.url, { origin: 'https://elsewhere.example' });
  assert.equal(refused.status, 403);
  assert.equal(typeof refused.body.message, 'string');
  assert.equal(tkMints().length, 0, 'nothing minted for a refused origin');
  assert.equal((await get(broker.url, {})).status, 403, 'no Origin');

  const answers = await Promise.all(Array.from({ length: 10 }, () => get(broker.url, { origin: ALLOWED })));
  assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200));
  const [{ body, headers }] = answers;
  assert.equal(new Set(answers.map((a) => a.body.token)).size, 1, 'one token for all');
  assert.equal(headers.get('access-control-allow-origin'), ALLOWED);
  const verdict = await validity(body.token);
  assert.equal(verdict.code, 'TokenValid');
  assert.deepEqual([...verdict.token.scopes].sort(), SCOPES.split(',').sort());
  assert.equal(Date.parse(verdict.token.expires), Date.parse(body.expires));
  const life = (Date.parse(body.expires) - Date.now()) / 1000;
  assert.ok(life > 590 && life <= 601, `--expires 600: the token lives ${life} s`);
  assert.equal(tkMints().length, 1);

  assert.equal(await broker.stop(), 0);
  // One line per request on stderr: method, status, origin; never a token.
  assert.match(broker.run.stderr, / GET 403 https:\/\/elsewhere\.example\n/);
  assert.match(broker.run.stderr, / GET 403 no Origin\n/);
  assert.equal(broker.run.stderr.match(/ GET 200 http:\/\/localhost:5173\n/g)?.length, 10);
});

test('broker --json prints one JSON document describing it', { timeout: 30_000 }, async () => {
  const broker = await startBroker(['--json', '--scopes', 'styles:read', '--scopes', 'fonts:read', '--allow-origin', `${ALLOWED},http://localhost:4173`]);
  // The URL was read from the document's "url" field; wait for the whole document.
  for (let i = 0; i < 50 && !broker.run.stdout.trimEnd().endsWith('}'); i++) await new Promise((r) => setTimeout(r, 20));
  const info = JSON.parse(broker.run.stdout);
  assert.deepEqual(info, {
    url: broker.url,
    scopes: ['styles:read', 'fonts:read'],
    allowedOrigins: [ALLOWED, 'http://localhost:4173'],
    expires: 3600,
    store: 'memory',
  });
  assert.equal((await get(broker.url, { origin: 'http://localhost:4173' })).status, 200);
  assert.equal(await broker.stop(), 0);
});

test('two brokers sharing one redis-server (--redis) make one mint, and go on serving when Redis goes away', { skip: REDIS_SERVER ? false : 'redis-server is not installed (scripts/setup.sh installs it)', timeout: 60_000 }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const args = ['--scopes', SCOPES, '--allow-origin', ALLOWED, '--redis', redis.url];
  const brokers = [await startBroker(args), await startBroker(args)];
  for (const b of brokers) t.after(() => b.stop());
  assert.match(brokers[0].run.stdout, new RegExp(`shared store\\s+${redis.url.replace(/[.]/g, '\\.')}`));

  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get(brokers[i % 2].url, { origin: ALLOWED })));
  assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200));
  assert.equal(new Set(answers.map((a) => a.body.token)).size, 1);
  assert.equal(tkMints().length, 1, 'one mint for both brokers');

  // Redis goes away: the brokers keep serving the token they hold, and say so once on stderr.
  await redis.stop();
  const after = await Promise.all(Array.from({ length: 6 }, (_, i) => get(brokers[i % 2].url, { origin: ALLOWED })));
  assert.deepEqual(after.map((a) => a.status), Array(6).fill(200));
  assert.deepEqual(new Set(after.map((a) => a.body.token)), new Set([answers[0].body.token]));
  for (const b of brokers) assert.equal(await b.stop(), 0);
  for (const b of brokers) {
    assert.equal(b.run.stderr.match(/Redis at redis:\/\/127\.0\.0\.1:\d+ fails .*serving from this process's memory meanwhile\n/g)?.length, 1, b.run.stderr);
  }
});

test('bad options exit 2 before the broker listens, naming what is wrong', { timeout: 60_000 }, async () => {
  const cases = [
    [['--allow-origin', ALLOWED], /--scopes/],
    [['--scopes', SCOPES], /--allow-origin/],
    [['--scopes', 'styles:read,tokens:write', '--allow-origin', ALLOWED], /tokens:write/],
    [['--scopes', SCOPES, '--allow-origin', ALLOWED, '--expires', '30'], /expires/],
    [['--scopes', SCOPES, '--allow-origin', ALLOWED, '--port', '70000'], /--port/],
    [['--scopes', SCOPES, '--allow-origin', ALLOWED, '--redis', `redis://127.0.0.1:${await closedPort()}`], /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/],
    [['--scopes', SCOPES, '--allow-origin', ALLOWED, '--redis', `redis://user:hunter2@127.0.0.1:${await closedPort()}`], /redis:\/\/user:\*\*\*@127\.0\.0\.1/],
  ];
  for (const [args, pattern] of cases) {
    const run = await runCli(['--origin', emu.url, 'broker', '--port', '0', ...args], { env: { MAPBOX_ACCESS_TOKEN: emu.adminToken } });
    brokerRuns.push(run);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^mapbox-tokens: [^\n]+\n$/);
    assert.match(run.stderr, pattern);
    assert.ok(!run.stderr.includes('hunter2'), 'a Redis password is never printed');
  }
  const noToken = await runCli(['broker', '--scopes', SCOPES, '--allow-origin', ALLOWED]);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /MAPBOX_ACCESS_TOKEN/);
  assert.equal(tkMints().length, 0);
});
