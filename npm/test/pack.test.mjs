// The published tarball holds every target's wasm, JS and types, and the exports map points at them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PKG } from './helpers.mjs';

const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG, encoding: 'utf8' }));
const packed = new Set(files.map((f) => f.path));

test('npm pack lists every target\'s .wasm, .js and .d.ts', () => {
  for (const [dir, js] of [['bundler', 'mapbox_tokens.js'], ['node', 'mapbox_tokens.cjs'], ['web', 'mapbox_tokens.js']]) {
    for (const file of [js, 'mapbox_tokens.d.ts', 'mapbox_tokens_bg.wasm']) {
      assert.ok(packed.has(`${dir}/${file}`), `${dir}/${file} is missing from the tarball`);
    }
  }
  assert.ok(packed.has('bundler/mapbox_tokens_bg.js'));
  assert.ok(packed.has('README.md') && packed.has('package.json'));
  assert.ok(packed.has('emulator/index.mjs') && packed.has('emulator/cli.mjs'));
  assert.ok(![...packed].some((p) => p.endsWith('.gitignore')), 'no .gitignore is packed');
  for (const dir of ['bundler', 'node', 'web']) assert.ok(!existsSync(join(PKG, dir, '.gitignore')));
});

test('the exports map resolves to packed files for every condition', () => {
  assert.equal(manifest.name, 'mapbox-tokens');
  assert.equal(manifest.engines.node, '>=20');
  const root = manifest.exports['.'];
  assert.deepEqual(Object.keys(root), ['types', 'node', 'browser', 'default'], 'types first, default last');
  for (const target of [root.types, root.node, root.browser, root.default, manifest.exports['./web'].types,
    manifest.exports['./web'].default, manifest.exports['./emulator'], manifest.main, manifest.types, manifest.module]) {
    assert.ok(packed.has(target.replace(/^\.\//, '')), `${target} is not packed`);
  }
  for (const bin of Object.values(manifest.bin)) assert.ok(packed.has(bin.replace(/^\.\//, '')), `${bin} is not packed`);
});

test('the version matches Cargo.toml', () => {
  const cargo = readFileSync(join(PKG, '..', 'Cargo.toml'), 'utf8');
  assert.equal(manifest.version, /^version = "([^"]+)"/m.exec(cargo)[1]);
});
