// What the wasm module is made of: the package's release build, run through wasm-bindgen and
// wasm-opt as scripts/build-pkg.sh does, but with function names kept, then counted by `twiggy`:
// the largest items, and the bytes of each crate. Used by `make bench`; run alone with
// `node bench/size.mjs`. Needs twiggy (`cargo install twiggy`); without it, sizeBreakdown()
// returns null.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, tempDir } from '../test/support.mjs';

const run = (command, args, options = {}) => execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 2 ** 20, ...options });

function have(command) {
  try {
    run(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The crate an item belongs to, from its demangled name: `serde_json::de::…` and
 * `<serde_json::value::Value as …>` are serde_json's; wasm-bindgen's generated export shims and the
 * data segments are named as such.
 */
function crateOf(name) {
  if (name.startsWith('data segment')) return 'data (strings, tables)';
  if (/ shim/.test(name)) return 'wasm-bindgen export shims';
  const path = /([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::/.exec(name);
  return path ? path[1] : 'other';
}

/** `{ top: [{ name, bytes }] (10), crates: [{ name, bytes }] (largest first), total }`, or null. */
export function sizeBreakdown() {
  if (!have('twiggy') || !have('wasm-bindgen') || !have('wasm-opt')) return null;
  const env = { ...process.env };
  // The toolchain setup.sh chose (a linked Debian toolchain where rustup has no wasm32 target).
  const toolchain = run('bash', ['-c', '. .toolchain/env.sh 2>/dev/null; printf %s "${WASM_RUSTUP_TOOLCHAIN:-}"']);
  if (toolchain) env.RUSTUP_TOOLCHAIN = toolchain;
  run('cargo', ['build', '--quiet', '--release', '--lib', '--target', 'wasm32-unknown-unknown'], { env, stdio: 'inherit' });
  const dir = tempDir('mapbox-tokens-size-');
  try {
    const wasm = join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', 'mapbox_tokens.wasm');
    run('wasm-bindgen', ['--target', 'web', '--keep-debug', '--out-dir', dir.path, wasm]);
    const named = join(dir.path, 'named.wasm');
    run('wasm-opt', ['-Oz', '-g', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', join(dir.path, 'mapbox_tokens_bg.wasm'), '-o', named]);
    const items = JSON.parse(run('twiggy', ['top', '-n', '1000000', '-f', 'json', named]))
      .filter((i) => !/custom section|function names|\.debug/.test(i.name))
      .map((i) => ({ name: i.name, bytes: i.shallow_size }));
    const crates = new Map();
    for (const { name, bytes } of items) crates.set(crateOf(name), (crates.get(crateOf(name)) ?? 0) + bytes);
    return {
      top: items.slice(0, 10),
      crates: [...crates].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
      total: items.reduce((sum, i) => sum + i.bytes, 0),
    };
  } finally {
    dir.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const b = sizeBreakdown();
  if (!b) {
    console.log('twiggy, wasm-bindgen or wasm-opt is missing: `cargo install twiggy`, then `make setup`.');
  } else {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`wasm, names kept: ${kb(b.total)}`);
    for (const { name, bytes } of b.crates) console.log(`  ${kb(bytes).padStart(9)}  ${name}`);
    console.log('largest items:');
    for (const { name, bytes } of b.top) console.log(`  ${kb(bytes).padStart(9)}  ${name}`);
  }
}
