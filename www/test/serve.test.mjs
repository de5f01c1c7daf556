// The dashboard's server (scripts/serve.mjs) and `make start` (scripts/start.mjs), over plain HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, apiTokens, hook, startTestDashboard, tempDir } from './helpers.mjs';

let dir, dashboard;
before(async () => {
  dir = tempDir();
  dashboard = await startTestDashboard(dir.path);
});
after(async () => {
  await dashboard?.close();
  dir?.remove();
});

/** A request with the path sent exactly as written (fetch would normalise `..` away). */
function raw(path, { method = 'GET', host } = {}) {
  const { hostname, port } = new URL(dashboard.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers: host ? { Host: host } : {} }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves www/ at / and pkg/ at /pkg/ with their content types', async () => {
  const expected = {
    '/': 'text/html; charset=utf-8',
    '/index.html': 'text/html; charset=utf-8',
    '/app.mjs': 'text/javascript; charset=utf-8',
    '/style.css': 'text/css; charset=utf-8',
    '/pkg/web/mapbox_tokens.js': 'text/javascript; charset=utf-8',
    '/pkg/web/mapbox_tokens_bg.wasm': 'application/wasm',
    '/pkg/package.json': 'application/json; charset=utf-8',
  };
  for (const [path, type] of Object.entries(expected)) {
    const res = await raw(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers['content-type'], type, path);
    assert.equal(Number(res.headers['content-length']), res.body.length, path);
    assert.match(res.headers['content-security-policy'], /form-action 'none'/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
  }
  assert.match((await raw('/')).body.toString(), /<title>Mapbox token dashboard<\/title>/);
  assert.deepEqual([...(await raw('/pkg/web/mapbox_tokens_bg.wasm')).body.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
});

test('HEAD answers without a body; other methods get 405', async () => {
  const head = await raw('/app.mjs', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.ok(Number(head.headers['content-length']) > 0);
  assert.equal(head.body.length, 0);
  const post = await raw('/', { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('/config.json gives the emulator origin and admin token, to loopback host names only', async () => {
  const res = await raw('/config.json');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(JSON.parse(res.body), { origin: dashboard.emulatorUrl, accessToken: dashboard.adminToken, local: true });
  assert.equal((await raw('/config.json', { host: 'localhost:1' })).status, 200);
  assert.equal((await raw('/config.json', { host: 'evil.example' })).status, 404, 'a DNS-rebound page gets nothing');
});

test('refuses traversal, encoded dots, absolute paths, dotfiles and unknown files with 404', async () => {
  const paths = [
    '/../package.json',
    '/pkg/../Cargo.toml',
    '/pkg/web/../../Cargo.toml',
    '/%2e%2e/package.json',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/pkg/%2e%2e/Cargo.toml',
    '/pkg/..%2fCargo.toml',
    '/pkg/..%5cCargo.toml',
    '/..%2f..%2fetc%2fpasswd',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/pkg//web/mapbox_tokens.js',
    '/.gitignore',
    '/pkg/.gitignore',
    '/./index.html',
    '/index.html%00.png',
    '/%E0%A4%A',
    '/missing.html',
    '/test/',
    '/pkg',
  ];
  for (const path of paths) {
    const res = await raw(path);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.toString(), 'Not found', path);
  }
});

test('the emulator keeps its state in the data file across restarts', async () => {
  const data = tempDir();
  try {
    const first = await startTestDashboard(data.path);
    await hook(first, 'POST', 'seed', { count: 3, note: 'kept' });
    const before = await apiTokens(first);
    await first.close();
    const second = await startTestDashboard(data.path);
    try {
      assert.equal(second.adminToken, first.adminToken);
      assert.deepEqual(await apiTokens(second), before);
      assert.equal(before.filter((t) => t.note === 'kept').length, 3);
    } finally {
      await second.close();
    }
  } finally {
    data.remove();
  }
});

test('a busy port rejects with EADDRINUSE before the emulator starts', async () => {
  const port = Number(new URL(dashboard.url).port);
  await assert.rejects(startTestDashboard(dir.path, { port }), { code: 'EADDRINUSE' });
});

/** Runs scripts/start.mjs with `env`; resolves once it printed its banner (or exited). */
function startScript(env) {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code);
  const ready = new Promise((resolve) => child.stdout.on('data', () => stdout.includes('Ctrl-C') && resolve()));
  return { child, exited, ready: Promise.race([ready, exited]), output: () => ({ stdout, stderr }) };
}

test('start.mjs prints the URLs and the admin token, serves the page, and stops with exit 0 on SIGINT and SIGTERM', async () => {
  const data = tempDir();
  try {
    for (const signal of ['SIGINT', 'SIGTERM']) {
      const run = startScript({ PORT: '0', EMULATOR_DATA_FILE: join(data.path, 'state', 'emulator.json') });
      await run.ready;
      const { stdout } = run.output();
      const url = stdout.match(/Mapbox token dashboard:\s+(\S+)/)?.[1];
      assert.ok(url, stdout);
      assert.match(stdout, /Tokens API emulator:\s+http:\/\/127\.0\.0\.1:\d+/);
      assert.match(stdout, /^sk\.\S+$/m);
      const config = await (await fetch(`${url}config.json`)).json();
      assert.ok(stdout.includes(config.accessToken));
      assert.equal((await fetch(url)).status, 200);
      run.child.kill(signal);
      assert.equal(await run.exited, 0, JSON.stringify(run.output()));
    }
  } finally {
    data.remove();
  }
});

test('start.mjs says clearly when its port is taken', async () => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const data = tempDir();
  try {
    const port = blocker.address().port;
    const run = startScript({ PORT: String(port), EMULATOR_DATA_FILE: join(data.path, 'emulator.json') });
    assert.equal(await run.exited, 1);
    assert.match(run.output().stderr, new RegExp(`Port ${port} is already in use[\\s\\S]*PORT=${port + 1} make start`));
  } finally {
    blocker.close();
    data.remove();
  }
});
