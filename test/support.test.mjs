// The shared test-support module itself (test/support.mjs): every suite relies on it, so a
// server that serves a wrong type or leaves its folder would go unnoticed elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ROOT, cleanEnv, clearTokenEnv, launchChromium, serveStatic, tempDir } from './support.mjs';

const NAMES = ['MAPBOX_ACCESS_TOKEN', 'MapboxAccessToken', 'MAPBOX_TOKENS_ASSUME_TTY'];

/** A GET (or `method`) with the path sent exactly as written (fetch would normalise `..` away). */
function raw(base, path, method = 'GET') {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Served folders `site` and `pkg`, with `secret/` and `top.txt` beside them (never to be served). */
function fixture(t) {
  const dir = tempDir('support-test-');
  t.after(dir.remove);
  const site = join(dir.path, 'site');
  const pkg = join(dir.path, 'pkg');
  mkdirSync(join(site, 'sub'), { recursive: true });
  mkdirSync(join(pkg, 'web'), { recursive: true });
  mkdirSync(join(dir.path, 'secret'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>site</title>');
  writeFileSync(join(site, 'sub', 'index.html'), 'sub index');
  writeFileSync(join(site, 'app.mjs'), 'export default 1;');
  writeFileSync(join(site, 'style.css'), 'body{}');
  writeFileSync(join(site, 'data.json'), '{}');
  writeFileSync(join(site, 'blob.bin'), 'x');
  // The smallest valid wasm module: magic and version.
  writeFileSync(join(pkg, 'web', 'm.wasm'), Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  writeFileSync(join(pkg, 'web', 'glue.js'), 'export const x = 1;');
  writeFileSync(join(site, 'pkg'), 'do not serve: shadowed by the /pkg/ mount');
  writeFileSync(join(dir.path, 'secret', 'key.txt'), 'do not serve');
  writeFileSync(join(dir.path, 'top.txt'), 'do not serve either');
  return { site, pkg };
}

test('ROOT is the repository root', () => {
  assert.ok(existsSync(join(ROOT, 'Cargo.toml')));
  assert.ok(existsSync(join(ROOT, 'emulator', 'index.mjs')));
  assert.ok(!ROOT.endsWith('/'));
});

test('cleanEnv copies the environment without the token variables; clearTokenEnv deletes them', () => {
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  try {
    for (const n of NAMES) process.env[n] = `value-of-${n}`;
    const env = cleanEnv({ EXTRA: '1', MapboxAccessToken: 'chosen' });
    for (const n of ['MAPBOX_ACCESS_TOKEN', 'MAPBOX_TOKENS_ASSUME_TTY']) assert.equal(env[n], undefined, n);
    assert.equal(env.MapboxAccessToken, 'chosen', 'extra wins: a test sets exactly the token it means');
    assert.equal(env.EXTRA, '1');
    assert.equal(env.PATH, process.env.PATH);
    assert.equal(process.env.MAPBOX_ACCESS_TOKEN, 'value-of-MAPBOX_ACCESS_TOKEN', 'process.env is left as it was');
    clearTokenEnv();
    for (const n of NAMES) assert.equal(process.env[n], undefined, n);
  } finally {
    for (const [n, v] of Object.entries(saved)) if (v === undefined) delete process.env[n]; else process.env[n] = v;
  }
});

test('tempDir makes a fresh folder and remove() deletes it with its contents', () => {
  const a = tempDir('support-temp-');
  const b = tempDir('support-temp-');
  assert.notEqual(a.path, b.path);
  assert.match(a.path, /support-temp-/);
  writeFileSync(join(a.path, 'f'), 'x');
  a.remove();
  b.remove();
  assert.ok(!existsSync(a.path) && !existsSync(b.path));
  a.remove(); // twice is harmless
});

test('serveStatic serves mounts by longest prefix, with content types, index.html and extra headers', async (t) => {
  const { site, pkg } = fixture(t);
  const server = await serveStatic({ mounts: { '/': site, '/pkg/': pkg }, headers: { 'cross-origin-opener-policy': 'same-origin' } });
  t.after(server.close);
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const expected = {
    '/': ['text/html; charset=utf-8', '<!doctype html><title>site</title>'],
    '/index.html': ['text/html; charset=utf-8', '<!doctype html><title>site</title>'],
    '/sub/': ['text/html; charset=utf-8', 'sub index'],
    '/app.mjs?v=1': ['text/javascript; charset=utf-8', 'export default 1;'],
    '/style.css': ['text/css; charset=utf-8', 'body{}'],
    '/data.json': ['application/json; charset=utf-8', '{}'],
    '/blob.bin': ['application/octet-stream', 'x'],
    '/pkg/web/glue.js': ['text/javascript; charset=utf-8', 'export const x = 1;'],
    '/pkg/web/m.wasm': ['application/wasm', '\0asm\x01\0\0\0'],
  };
  for (const [path, [type, body]] of Object.entries(expected)) {
    const res = await raw(server.url, path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers['content-type'], type, path);
    assert.equal(res.body, body, path);
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(body), path);
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', path);
  }
  const head = await raw(server.url, '/app.mjs', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '17');
  assert.equal(head.body, '');
  const post = await raw(server.url, '/app.mjs', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('serveStatic refuses every path that would leave its folder, and missing files, with 404', async (t) => {
  const { site, pkg } = fixture(t);
  const server = await serveStatic({ mounts: { '/': site, '/pkg/': pkg } });
  t.after(server.close);
  const refused = [
    '/../secret/key.txt',
    '/../top.txt',
    '/pkg/../../secret/key.txt',
    '/pkg/web/../../../top.txt',
    '/%2e%2e/secret/key.txt',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/pkg/%2e%2e/%2e%2e/top.txt',
    // These reach a real file when only a URL parser normalises the path (it leaves %2f alone).
    '/..%2ftop.txt',
    '/..%2fsecret%2fkey.txt',
    '/sub/..%2f..%2ftop.txt',
    '/pkg/..%2ftop.txt',
    '/pkg/web/..%2f..%2fsecret/key.txt',
    '/pkg/..%2f..%2fsite/index.html',
    '/..%5csecret%5ckey.txt',
    '/..%2f..%2fetc%2fpasswd',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/app.mjs%00.png',
    '/%E0%A4%A',
    '/missing.html',
    '/pkg/web/missing.wasm',
    '/pkg/web/',
  ];
  for (const path of refused) {
    const res = await raw(server.url, path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body, /do not serve|<title>/, path);
  }
  // A mount shadows what the folder above it holds at that name: /pkg is the pkg folder (no index).
  const shadowed = await raw(server.url, '/pkg');
  assert.equal(shadowed.status, 404);
  assert.doesNotMatch(shadowed.body, /do not serve/);
});

test('close() ends a server even while a client keeps its connection alive', async (t) => {
  const { site } = fixture(t);
  const server = await serveStatic({ mounts: { '/': site } });
  const res = await fetch(`${server.url}/app.mjs`, { keepalive: true });
  await res.text();
  const started = performance.now();
  await server.close();
  assert.ok(performance.now() - started < 1000);
  await assert.rejects(fetch(`${server.url}/app.mjs`));
});

test('launchChromium runs headless Chromium, and a served page compiles wasm by streaming', { skip: !existsSync('/usr/bin/chromium') && 'no /usr/bin/chromium' }, async (t) => {
  const { site, pkg } = fixture(t);
  const server = await serveStatic({ mounts: { '/': site, '/pkg/': pkg } });
  t.after(server.close);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  assert.equal(await page.title(), 'site');
  // instantiateStreaming refuses any content type but application/wasm.
  const exports = await page.evaluate(async () => Object.keys((await WebAssembly.instantiateStreaming(fetch('/pkg/web/m.wasm'))).instance.exports));
  assert.deepEqual(exports, []);
  assert.equal(await page.evaluate(async () => (await import('/pkg/web/glue.js')).x), 1);
  assert.equal(await page.evaluate(() => navigator.webdriver), true);
});
