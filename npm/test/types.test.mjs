// The type declarations: a golden copy (changes are deliberate: UPDATE_GOLDEN=1 rewrites it),
// a typed example that must compile, and misuses that must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, PKG } from './helpers.mjs';

const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const TYPED = join(ROOT, 'npm', 'test', 'typed');
const GOLDEN = join(ROOT, 'tests', 'snapshots', 'mapbox_tokens.d.ts');

test('the bundler .d.ts matches the golden copy', () => {
  const actual = readFileSync(join(PKG, 'bundler', 'mapbox_tokens.d.ts'), 'utf8');
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, actual);
  assert.equal(actual, readFileSync(GOLDEN, 'utf8'), 'the public types changed: review, then run with UPDATE_GOLDEN=1');
  assert.equal(readFileSync(join(PKG, 'node', 'mapbox_tokens.d.ts'), 'utf8'), actual, 'node and bundler types agree');
});

test('a typed example compiles with tsc --noEmit (strict)', () => {
  const r = spawnSync(TSC, ['-p', TYPED], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('misuses are type errors, one per line', () => {
  const config = join(TYPED, 'tsconfig.misuse.json');
  const base = JSON.parse(readFileSync(join(TYPED, 'tsconfig.json'), 'utf8'));
  writeFileSync(config, JSON.stringify({ ...base, files: ['misuse.ts'] }));
  const r = spawnSync(TSC, ['-p', config], { encoding: 'utf8' });
  const lines = new Set([...(r.stdout + r.stderr).matchAll(/misuse\.ts\((\d+),/g)].map((m) => Number(m[1])));
  const expected = readFileSync(join(TYPED, 'misuse.ts'), 'utf8').split('\n')
    .map((l, i) => [l, i + 1]).filter(([l]) => /^(tokens\.|new Tokens\(\{ origin)/.test(l)).map(([, n]) => n);
  assert.deepEqual([...lines].sort((a, b) => a - b), expected, r.stdout);
});
