// The speed of `mapbox-tokens scan`: 20 files of 2 MB of code-like text holding 200 tokens among
// them, scanned in process by the command line's own scanning function (cli/scan.mjs with the
// package's findTokens), so that the figure is the scanning and not a process start.
// Run alone with `node bench/scan.mjs`; `make bench` calls benchScan().
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scanPaths } from '../cli/scan.mjs';
import { ROOT, tempDir } from '../test/support.mjs';

const FILES = 20;
const FILE_BYTES = 2 * 1024 * 1024;
const TOKENS = 200;
/** The speed `scan` should reach on the development machine (2 vCPU), in MB (1024²) per second. */
export const TARGET_MB_PER_SECOND = 50;

/** A token of the right shape (a payload with `u` and `a`, a 22-character signature); never a real one. */
export function fakeToken(i) {
  const usage = i % 4 === 0 ? 'sk' : 'pk';
  const payload = Buffer.from(JSON.stringify({ u: `bench${i % 7}`, a: `cbench${String(i).padStart(19, '0')}` })).toString('base64url');
  return `${usage}.${payload}.${Buffer.from(`signature-${i}`).toString('base64url').padEnd(22, 'A').slice(0, 22)}`;
}

/**
 * Lines of minified-looking code, with the near-misses real code is full of (`task.run`,
 * `desk.map`, `pk.notatoken`), so that the finder's fast path is measured on realistic text.
 */
const LINES = [
  'function render(state){const task=state.tasks.map(t=>t.id);return task.length?view(task):null}\n',
  'var desk={map:"desk.map",zoom:12,center:[-122.4194,37.7749],style:"mapbox://styles/mapbox/streets-v12"};\n',
  '  // see pk.notatoken and sk.example for the format; tk. tokens expire within the hour\n',
  'export const settings = { retries: 3, timeout: 30000, origin: "https://api.mapbox.com" };\n',
  'if(a&&b.c){d.e(f,g);h.i=j.k(l)}else{m.n(o,p.q,r.s)}for(let u=0;u<v.length;u++)w.x(v[u]);\n',
];

/**
 * One file's text: `tokens` tokens spread over about `size` bytes of code-like lines, starting
 * at line `seed` of the pattern (so that texts made with different seeds differ).
 */
export function fileText(size, tokens, firstToken, seed = 0) {
  const parts = [];
  let length = 0;
  let line = seed;
  const every = Math.floor(size / (tokens + 1));
  let next = every;
  let placed = 0;
  while (length < size) {
    let text = LINES[line++ % LINES.length];
    if (placed < tokens && length >= next) {
      text = `const token${placed}="${fakeToken(firstToken + placed)}";\n`;
      placed++;
      next += every;
    }
    parts.push(text);
    length += text.length;
  }
  return parts.join('');
}

/** The package's findTokens, from the Node build in pkg/ (as bench/run.mjs loads the package). */
export function packageFindTokens() {
  const { findTokens } = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node', 'mapbox_tokens.cjs'));
  if (typeof findTokens !== 'function') throw new Error('pkg/ holds a build without findTokens: build the package first');
  return findTokens;
}

/** What `scan` returns (its result, sync or not) and how many seconds it took. */
export async function timed(scan) {
  const started = process.hrtime.bigint();
  const result = await scan();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * The figures of a timed scan: bytes, findings, seconds, MB (1024²) per second, and the process's
 * peak resident memory in MB.
 */
export function speed(result, seconds) {
  return {
    bytes: result.bytes,
    findings: result.findings.length,
    seconds,
    mbPerSecond: result.bytes / 1024 ** 2 / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * Builds the files in a temporary folder, scans them once to warm up, then times one scan.
 * @returns {Promise<{ files: number, bytes: number, findings: number, seconds: number, mbPerSecond: number, peakRssMb: number }>}
 *   `peakRssMb`: the process's peak resident memory, in MB (1024²)
 */
export async function benchScan() {
  const findTokens = packageFindTokens();
  const dir = tempDir('mapbox-tokens-bench-scan-');
  try {
    const perFile = TOKENS / FILES;
    for (let i = 0; i < FILES; i++) {
      writeFileSync(join(dir.path, `bundle-${String(i).padStart(2, '0')}.js`), fileText(FILE_BYTES, perFile, i * perFile));
    }
    scanPaths([join(dir.path, 'bundle-00.js')], findTokens); // compile the finder's hot paths first
    const { result, seconds } = await timed(() => scanPaths([dir.path], findTokens));
    if (result.files !== FILES || result.findings.length !== TOKENS) {
      throw new Error(`scan found ${result.findings.length} tokens in ${result.files} files, expected ${TOKENS} in ${FILES}`);
    }
    return { files: result.files, ...speed(result, seconds) };
  } finally {
    dir.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchScan();
  const verdict = r.mbPerSecond >= TARGET_MB_PER_SECOND ? 'PASS' : 'FAIL';
  console.log(`scan: ${r.files} files, ${(r.bytes / 1024 ** 2).toFixed(1)} MB, ${r.findings} tokens in ${r.seconds.toFixed(3)} s`);
  console.log(`      ${r.mbPerSecond.toFixed(1)} MB/s (target ≥ ${TARGET_MB_PER_SECOND}: ${verdict}), peak RSS ${r.peakRssMb.toFixed(1)} MB`);
}
