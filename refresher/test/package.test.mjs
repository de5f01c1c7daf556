// The refresher as it ships: its size (gzip -9 of the module minified as scripts/build-pkg.sh does,
// at most 3 KB), no import and no WebAssembly, and its types (a typed example with the real
// MapLibre GL JS and Mapbox GL JS types compiles; misuses do not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, shippedCode } from './helpers.mjs';

const BUDGET = 3072;
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const TYPED = join(ROOT, 'refresher', 'test', 'typed');
const BUILT = join(ROOT, 'pkg', 'refresher', 'refresher.mjs');

/** gzip -9 size in bytes. */
const gzipped = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;

test(`the module as shipped (esbuild --minify) is at most ${BUDGET} bytes gzip -9`, async (t) => {
  const code = await shippedCode();
  const size = gzipped(code);
  t.diagnostic(`refresher: ${code.length} bytes minified, ${size} bytes gzip -9 (budget ${BUDGET})`);
  assert.ok(size <= BUDGET, `${size} bytes gzip -9, over the budget of ${BUDGET}`);
  assert.ok(size > 500, 'the measure is of the whole module');
});

test('the built package\'s copy (pkg/refresher) is that same minified module, with its types and export', async (t) => {
  if (!existsSync(BUILT)) return t.skip('pkg/ has no refresher yet (scripts/build-pkg.sh adds it)');
  const stale = 'pkg/ was built from an older refresher/: rebuild it (scripts/build-pkg.sh)';
  const built = readFileSync(BUILT, 'utf8');
  t.diagnostic(`pkg/refresher/refresher.mjs: ${gzipped(built)} bytes gzip -9`);
  assert.equal(built, await shippedCode(), stale);
  assert.equal(readFileSync(join(ROOT, 'pkg', 'refresher', 'refresher.d.ts'), 'utf8'), readFileSync(join(ROOT, 'refresher', 'refresher.d.ts'), 'utf8'), stale);
  const exports = JSON.parse(readFileSync(join(ROOT, 'pkg', 'package.json'), 'utf8')).exports['./refresher'];
  assert.deepEqual(exports, { types: './refresher/refresher.d.ts', default: './refresher/refresher.mjs' });
});

test('the module imports nothing and has nothing of WebAssembly', async () => {
  const code = await shippedCode();
  assert.doesNotMatch(code, /\bimport\s*[({"'*]|\bimport\.meta\b|\brequire\(/, 'no import');
  assert.doesNotMatch(code, /wasm|WebAssembly/i);
  assert.match(code, /export\s*\{[^}]*\bTokenRefresher\b/);
});

test('a typed example using the refresher with the MapLibre and Mapbox GL JS types compiles (strict)', () => {
  const r = spawnSync(TSC, ['-p', TYPED], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('misuses of the refresher\'s types are errors, one per line', () => {
  const config = join(TYPED, 'tsconfig.misuse.json');
  const base = JSON.parse(readFileSync(join(TYPED, 'tsconfig.json'), 'utf8'));
  writeFileSync(config, JSON.stringify({ ...base, files: ['misuse.ts'] }));
  try {
    const r = spawnSync(TSC, ['-p', config], { encoding: 'utf8', timeout: 120_000 });
    const lines = new Set([...(r.stdout + r.stderr).matchAll(/misuse\.ts\((\d+),/g)].map((m) => Number(m[1])));
    const expected = readFileSync(join(TYPED, 'misuse.ts'), 'utf8').split('\n')
      .map((line, i) => [line, i + 1]).filter(([line]) => /^(refresher\.|new TokenRefresher\()/.test(line)).map(([, n]) => n);
    assert.ok(expected.length >= 6);
    assert.deepEqual([...lines].sort((a, b) => a - b), expected, r.stdout);
  } finally {
    rmSync(config, { force: true });
  }
});
