// The file side of `mapbox-tokens scan`, in process: which files the walk reads and which it
// skips, how they are read, --max-size parsing and the text of findings and progress. Tokens are
// recognised by a stand-in for the library's findTokens (test support), so that this runs with
// any build; cli/test/scan.test.mjs runs the real command with the real findTokens.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULT_IGNORES, DEFAULT_MAX_SIZE, parseSize, scanPaths } from '../scan.mjs';
import { bytes, findingLine, rateLimitWait, redact } from '../output.mjs';
import { MAX_TOKEN_LENGTH, MIN_WINDOW, TokenSearch } from '../search.mjs';
import { findTokensStandIn } from './find-stand-in.mjs';
import { tempDir } from './helpers.mjs';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (usage, payload) => `${usage}.${b64(payload)}.${'S'.repeat(22)}`;
const PK = token('pk', { u: 'demo', a: 'cpublic0000000000000000001' });
const SK = token('sk', { u: 'demo', a: 'csecret0000000000000000001' });
const OUTSIDE = token('sk', { u: 'demo', a: 'coutside000000000000000001' });

let dir;
let tree;

/** Writes `files` (path → content) under `root`. */
function write(root, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

before(() => {
  dir = tempDir('mapbox-tokens-scan-walk-');
  tree = join(dir.path, 'tree');
  write(tree, {
    'dist/app.js': `// built\nconst map = new Map({ accessToken: '${PK}' });\n`,
    '.env': `# local\nMAPBOX_ACCESS_TOKEN=${SK}\n`,
    '.github/workflows/ci.yml': `env:\n  TOKEN: ${PK}\n`,
    '.cache/old.js': `x = "${SK}"`,
    'node_modules/dep/index.js': `module.exports = '${SK}';`,
    '.git/config': `[remote]\n  token = ${SK}\n`,
    'assets/blob.bin': Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(` ${SK} `)]),
    'docs/notes.md': 'Look-alikes: pk.notatoken, and a token without signature: pk.eyJ1IjoiZGVtbyJ9.\n',
  });
  write(join(dir.path, 'outside'), { 'secret.txt': OUTSIDE });
  symlinkSync(join(dir.path, 'outside'), join(tree, 'linked-folder'));
  symlinkSync(join(dir.path, 'outside', 'secret.txt'), join(tree, 'linked-file.txt'));
  symlinkSync('/', join(tree, 'root-link'));
  execFileSync('mkfifo', [join(tree, 'pipe')]);
});
after(() => dir?.remove());

/** The scan of `roots` with the stand-in, and every call of it (the bytes it got). */
function scan(roots, options) {
  const calls = [];
  const result = scanPaths(roots, (data) => {
    assert.ok(data instanceof Uint8Array, 'the finder gets bytes');
    calls.push(Buffer.from(data));
    return findTokensStandIn(data);
  }, options);
  return { ...result, calls, where: result.findings.map((f) => `${f.file.slice(tree.length + 1)}:${f.found.line}:${f.found.column}`) };
}

test('by default: web files and .env are read; .git, node_modules, hidden folders, binary files and links are not', () => {
  const result = scan([tree]);
  assert.deepEqual(result.where, ['.env:2:21', '.github/workflows/ci.yml:2:10', 'dist/app.js:2:37']);
  assert.deepEqual(result.findings.map((f) => f.found.token), [SK, PK, PK]);
  // Look-alikes in Markdown are read and yield nothing.
  assert.equal(result.files, 4);
  assert.deepEqual(result.skipped, { ignored: 2, hidden: 1, binary: 1, symlinks: 3, special: 1, large: [] });
  assert.deepEqual(result.unreadable, []);
  assert.equal(result.bytes, result.calls.reduce((sum, b) => sum + b.length, 0));
  assert.ok(!result.calls.some((b) => b.includes(OUTSIDE)), 'nothing outside the tree is read');
});

test('the widening flags: --include-hidden, --no-default-ignores, --include-binary; links are never followed', () => {
  assert.deepEqual(scan([tree], { includeHidden: true }).where, ['.cache/old.js:1:6', '.env:2:21', '.github/workflows/ci.yml:2:10', 'dist/app.js:2:37']);
  const ignores = scan([tree], { defaultIgnores: false });
  assert.deepEqual(ignores.where, ['.env:2:21', '.git/config:2:11', '.github/workflows/ci.yml:2:10', 'dist/app.js:2:37', 'node_modules/dep/index.js:1:19']);
  assert.equal(ignores.skipped.hidden, 1, '.git is walked without --include-hidden, .cache is not');
  const binary = scan([tree], { includeBinary: true });
  assert.deepEqual(binary.where, ['.env:2:21', '.github/workflows/ci.yml:2:10', 'assets/blob.bin:1:6', 'dist/app.js:2:37']);
  const all = scan([tree], { includeHidden: true, defaultIgnores: false, includeBinary: true });
  assert.equal(all.findings.length, 7);
  assert.equal(all.skipped.symlinks, 3);
  assert.ok(!all.findings.some((f) => f.found.token === OUTSIDE));
  assert.deepEqual(DEFAULT_IGNORES, ['.git', 'node_modules']);
});

test('a path named as a root is read whatever its name; a named link is followed', () => {
  assert.deepEqual(scan([join(tree, '.cache', 'old.js')]).findings.map((f) => f.found.token), [SK]);
  assert.deepEqual(scan([join(tree, 'node_modules')]).findings.map((f) => f.file), [join(tree, 'node_modules', 'dep', 'index.js')]);
  assert.deepEqual(scan([join(tree, 'linked-folder')]).findings.map((f) => f.found.token), [OUTSIDE]);
  assert.deepEqual(scan([join(tree, 'linked-file.txt')]).findings.map((f) => f.found.token), [OUTSIDE]);
  const missing = scan([join(tree, 'missing'), join(tree, 'dist', 'app.js', 'below-a-file')]);
  assert.deepEqual(missing.unreadable.map((u) => u.code), ['ENOENT', 'ENOTDIR']);
  // A FIFO named as a root is opened without waiting for a writer, and not read.
  assert.deepEqual(scan([join(tree, 'pipe')]).skipped.special, 1);
});

test('each file is handed over whole, as bytes, one call per file; binary detection looks at the first 8 KB only', () => {
  const big = join(dir.path, 'big');
  const late = Buffer.concat([Buffer.alloc(9000, 'a'), Buffer.from([0]), Buffer.from(` ${PK}\n`)]);
  const early = Buffer.concat([Buffer.alloc(100, 'a'), Buffer.from([0]), Buffer.alloc(20_000, 'b')]);
  const utf8 = Buffer.from(`é😀\n  ${SK}`);
  write(big, { 'a-late-nul.txt': late, 'b-early-nul.bin': early, 'c-utf8.txt': utf8, 'd-empty.txt': '' });
  const result = scan([big]);
  assert.deepEqual(result.calls.map((b) => b.length), [late.length, utf8.length, 0]);
  assert.ok(result.calls[0].equals(late));
  assert.ok(result.calls[1].equals(utf8));
  assert.equal(result.skipped.binary, 1);
  assert.equal(result.bytes, late.length + utf8.length);
  // Columns count bytes: é is 2 bytes, 😀 4.
  assert.deepEqual(result.findings.map((f) => [f.found.line, f.found.column]), [[1, 9003], [2, 3]]);
});

/**
 * About 1.3 MB of text lines (some with multi-byte characters) with tokens planted across every
 * edge of windows of MIN_WINDOW bytes (where each window starts and ends, where the part it owns
 * starts and ends) and after them, look-alikes glued to a word whose prefix is a window's first
 * byte, and a line longer than three windows. Returns the bytes and how many real tokens were planted.
 */
function windowedText() {
  const lines = [];
  for (let i = 0, length = 0; length < 1_300_000; i++) {
    const line = i % 7 === 0 ? `// é😀 line ${i}\n` : `const value${i} = compute(${i}, "${'x'.repeat(i % 90)}");\n`;
    lines.push(line);
    length += Buffer.byteLength(line);
  }
  const text = Buffer.from(lines.join(''));
  // One line of 400 KB, longer than three windows: a token on it is on a window's first line.
  const long = [600_000, 1_000_000];
  text.fill(' ', ...long);
  let planted = 0;
  const plant = (offset, value) => {
    Buffer.from(offset >= long[0] && offset < long[1] ? value.replaceAll('\n', ' ') : value).copy(text, offset);
    planted++;
  };
  // Windows of 4 × MAX_TOKEN_LENGTH (M) step by 2M: each starts and ends at a multiple of 2M and
  // owns from M after its start to M before its end, so every multiple of M is an edge.
  for (let j = 1; (j + 1) * MAX_TOKEN_LENGTH < text.length; j++) {
    const edge = j * MAX_TOKEN_LENGTH;
    const token = j % 2 ? PK : SK;
    if (j % 4 === 0) {
      // Alone in the window it starts: nothing found just before it hides it.
      Buffer.from(`x${SK}`).copy(text, edge - 1); // glued to a word: no token
      continue;
    }
    plant(edge - 50, ` ${token} `); // across the edge
    plant(edge + 150, `\n${token}\n`);
    plant(edge + 300, `=${token};`);
  }
  return { text, planted };
}

test('a file larger than a window is searched window by window: each token once, at the index, line and column of one search of the whole', () => {
  const { text, planted } = windowedText();
  const whole = findTokensStandIn(text);
  assert.equal(whole.length, planted);
  const file = join(dir.path, 'windowed.js');
  writeFileSync(file, text);
  const result = scan([file], { windowSize: MIN_WINDOW });
  assert.ok(result.calls.length > 8, `${result.calls.length} windows`);
  assert.ok(result.calls.every((b) => b.length <= MIN_WINDOW));
  assert.equal(result.bytes, text.length);
  const fields = ({ token, index, line, column, usage, user }) => ({ token, index, line, column, usage, user });
  assert.deepEqual(result.findings.map((f) => fields(f.found)), whole.map(fields));

  // The same search fed in pieces of any size (as a git blob arrives).
  let seed = 7;
  const search = new TokenSearch(findTokensStandIn, Buffer.alloc(MIN_WINDOW));
  for (let at = 0; at < text.length;) {
    seed = (seed * 48271) % 2147483647;
    const size = 1 + (seed % 70_000);
    search.push(text.subarray(at, at + size));
    at += size;
  }
  assert.deepEqual(search.end().map(fields), whole.map(fields));
  assert.equal(search.bytes, text.length);
  assert.throws(() => scanPaths([file], findTokensStandIn, { windowSize: MIN_WINDOW - 1 }), RangeError);
});

test('--max-size: larger files are listed as skipped and never read', () => {
  const sized = join(dir.path, 'sized');
  write(sized, { 'small.txt': `${PK}\n`, 'large.txt': `${'x'.repeat(3000)}\n${SK}\n` });
  const limited = scan([sized], { maxSize: 2048 });
  assert.deepEqual(limited.findings.map((f) => f.found.token), [PK]);
  assert.deepEqual(limited.skipped.large, [{ file: join(sized, 'large.txt'), size: 3001 + SK.length + 1 }]);
  assert.equal(limited.calls.length, 1);
  assert.equal(scan([sized], { maxSize: 4096 }).findings.length, 2);
  assert.equal(scan([sized]).findings.length, 2);
  assert.equal(DEFAULT_MAX_SIZE, 10 * 1024 * 1024);

  // A large binary file counts as binary, not as large: only large text is worth naming.
  write(sized, { 'large.bin': Buffer.concat([Buffer.from([0]), Buffer.alloc(3000, 'x')]) });
  const binary = scan([join(sized, 'large.bin')], { maxSize: 2048 });
  assert.deepEqual([binary.skipped.binary, binary.skipped.large], [1, []]);
  const included = scan([join(sized, 'large.bin')], { maxSize: 2048, includeBinary: true });
  assert.deepEqual([included.skipped.binary, included.skipped.large.length, included.calls.length], [0, 1, 0]);
});

test('parseSize reads bytes, k, M and G (powers of 1024) and refuses anything else', () => {
  const sizes = { 2048: 2048, '500k': 512_000, '500K': 512_000, '10M': 10_485_760, '10MB': 10_485_760, '1.5m': 1_572_864, '2MiB': 2_097_152, '1G': 1_073_741_824, ' 3 kb ': 3072, '12b': 12 };
  for (const [text, expected] of Object.entries(sizes)) assert.equal(parseSize(text), expected, text);
  for (const text of ['', '0', '0k', '-1', '10x', 'k', '1e6', '1,000', '10 M B', '0.0001']) assert.equal(parseSize(text), undefined, text);
});

test('a finding prints as path:line:column  usage  user  id  redacted (verdict), never the token', () => {
  const finding = { file: 'dist/app.js', line: 3, column: 15, usage: 'pk', user: 'demo', authorization: 'cabc', redacted: 'pk.eyJ1IjoiZG…' };
  assert.equal(findingLine(finding), 'dist/app.js:3:15  pk  demo  cabc  pk.eyJ1IjoiZG…');
  assert.equal(findingLine({ ...finding, usage: 'tk', authorization: undefined, verdict: 'TokenExpired' }), 'dist/app.js:3:15  tk  demo  -  pk.eyJ1IjoiZG…  TokenExpired');
  // Text from outside (a file's name, a token's user) is cleaned of control characters and of token-shaped text.
  const hostile = findingLine({ ...finding, file: `a\n${SK}.txt`, user: `\u001b[2J ${PK}` });
  assert.ok(!hostile.includes(SK) && !hostile.includes(PK) && !hostile.includes('\n') && !hostile.includes('\u001b'), hostile);
  assert.equal(redact(`x ${SK} y`), 'x sk.[redacted] y');
});

test('the progress line shows the rate limit wait only while calls are held', () => {
  assert.equal(rateLimitWait(null), '');
  assert.equal(rateLimitWait(undefined), '');
  assert.equal(rateLimitWait({ limit: 100, interval: 60, held: 0, resumesIn: 0 }), '');
  assert.equal(rateLimitWait({ limit: 100, interval: 60, held: 40, resumesIn: 11_200 }), ', waiting 12 s for the rate limit (40 held)');
  assert.deepEqual([0, 1000, 1536, 10_485_760, 3 * 1024 ** 3].map(bytes), ['0 B', '1000 B', '1.5 KB', '10 MB', '3 GB']);
});
