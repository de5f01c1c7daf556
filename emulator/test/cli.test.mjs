import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.mjs';

const CLI = fileURLToPath(new URL('../cli.mjs', import.meta.url));

// Spawns the CLI; resolves with its first stdout line, the time it took to print it,
// and `nextLine()` for the lines after it.
async function launch(t, args) {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => (await lines.next()).value;
  const first = await nextLine();
  return { child, nextLine, first, startupMs: performance.now() - started };
}

async function stop(child, signal) {
  child.kill(signal);
  const [code] = await once(child, 'exit');
  return code;
}

test('--json prints one line with the URL and the admin token, and SIGTERM exits 0', async (t) => {
  const { child, first, startupMs } = await launch(t, ['--json', '--hooks', '--no-rate-limit']);
  assert.ok(startupMs < 1000, `started in ${Math.round(startupMs)} ms`);
  const info = JSON.parse(first);
  assert.deepEqual(Object.keys(info), ['url', 'adminToken', 'username']);
  assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${info.url}/tokens/v2?access_token=${info.adminToken}`);
  assert.equal((await res.json()).code, 'TokenValid');
  assert.equal(res.headers.get('x-rate-limit-limit'), null);
  assert.deepEqual(await (await fetch(`${info.url}/__emulator/info`)).json(), info);
  assert.equal(await stop(child, 'SIGTERM'), 0);
});

test('the text output names the URL and the admin token, and SIGINT exits 0', async (t) => {
  const { child, nextLine, first } = await launch(t, []);
  const url = /listening on (http:\/\/\S+)$/.exec(first)[1];
  assert.match(await nextLine(), /^Admin token \(account "demo"/);
  const token = await nextLine();
  const res = await fetch(`${url}/tokens/v2?access_token=${token}`);
  assert.equal((await res.json()).code, 'TokenValid');
  assert.equal(res.headers.get('x-rate-limit-limit'), '100');
  assert.equal((await fetch(`${url}/__emulator/info`)).status, 404);
  assert.equal(await stop(child, 'SIGINT'), 0);
});

test('--data-file keeps tokens across runs', async (t) => {
  const dir = tempDir('tokens-emulator-cli-');
  t.after(dir.remove);
  const args = ['--json', '--data-file', join(dir.path, 'state.json')];
  const first = await launch(t, args);
  const { url, adminToken } = JSON.parse(first.first);
  const created = await fetch(`${url}/tokens/v2/demo?access_token=${adminToken}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scopes: ['styles:read'], note: 'persisted' }),
  }).then((res) => res.json());
  assert.equal(await stop(first.child, 'SIGTERM'), 0);
  const second = await launch(t, args);
  const again = JSON.parse(second.first);
  assert.equal(again.adminToken, adminToken);
  const list = await fetch(`${again.url}/tokens/v2/demo?access_token=${adminToken}`).then((res) => res.json());
  assert.ok(list.some((x) => x.id === created.id && x.note === 'persisted'));
  assert.equal(await stop(second.child, 'SIGTERM'), 0);
});

test('--clock-offset shifts the clock, negative values included', async (t) => {
  for (const args of [['--clock-offset', '-300000'], ['--clock-offset=-300000'], ['--clock-offset', '600000']]) {
    const offset = Number(args.at(-1).split('=').at(-1));
    const { child, first } = await launch(t, ['--json', '--hooks', ...args]);
    const { url, adminToken } = JSON.parse(first);
    const before = Date.now();
    const res = await fetch(`${url}/tokens/v2?access_token=${adminToken}`);
    const date = Date.parse(res.headers.get('date'));
    // The Date header has whole seconds.
    assert.ok(date >= before + offset - 1000 && date <= Date.now() + offset, `${args.join(' ')}: ${res.headers.get('date')}`);
    assert.deepEqual(await (await fetch(`${url}/__emulator/clock`)).json(), { offset });
    assert.equal(await stop(child, 'SIGTERM'), 0);
  }
});

test('an invalid --clock-offset prints the usage and exits 2', async () => {
  for (const value of ['1.5', 'ten', '-']) {
    const child = spawn(process.execPath, [CLI, '--clock-offset', value], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2, value);
    assert.match(stderr, /--clock-offset/, value);
    assert.match(stderr, /Usage: mapbox-tokens-emulator/, value);
  }
});

test('an unknown option prints the usage and exits 2', async () => {
  const child = spawn(process.execPath, [CLI, '--colour'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /Unknown option '--colour'/);
  assert.match(stderr, /Usage: mapbox-tokens-emulator/);
});
