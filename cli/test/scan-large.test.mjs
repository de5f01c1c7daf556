// `mapbox-tokens scan` of a file over 2 GiB (sparse, so it costs no disk): read in windows, so
// that memory stays bounded, every token found once at its true line and column (those near
// the windows' edges too), and no trap of the WebAssembly module.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAX_TOKEN_LENGTH, WINDOW } from '../search.mjs';
import { installCli, leaks, runCli, runs, tempDir } from './helpers.mjs';

const SIZE = 2 * 1024 ** 3 + 3 * 1024 ** 2;
/** How long one scan of the file may take: 2 GiB is read in a few seconds alone, far longer on a busy machine. */
const READ_TIMEOUT = 180_000;
/** The most the scanning process may hold at its peak, in MB: far below the file's size. */
const PEAK_RSS_LIMIT_MB = 256;

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (usage, id) => `${usage}.${b64({ u: 'demo', a: id })}.${'S'.repeat(22)}`;

let dir;
let file;
/** The planted tokens: `{ token, id, offset, line, column }`, in file order. */
const planted = [];
const secrets = [];

before(() => {
  installCli();
  dir = tempDir('mapbox-tokens-scan-large-');
  file = join(dir.path, 'huge.log');
  const fd = openSync(file, 'w');
  try {
    // Text first (the first 8 KB decide whether a file is binary), then a hole of NUL bytes.
    const header = Array.from({ length: 400 }, (_, i) => `line ${i} of the log's header\n`).join('');
    writeSync(fd, header, 0);
    ftruncateSync(fd, SIZE);
    /** Newline bytes written so far: a token after one more newline is on line `newlines + 2`. */
    let newlines = 400;
    const plant = (offset, usage, id) => {
      const t = token(usage, id);
      // `\nkey=` before the token: it starts a line of its own, at column 5.
      writeSync(fd, `\nkey=${t}\n`, offset - 5);
      planted.push({ token: t, id, offset, line: newlines + 2, column: 5 });
      newlines += 2;
      secrets.push(t);
    };
    // Across the first window's own part's end, across the first window's end, and near the end of the file.
    plant(WINDOW - MAX_TOKEN_LENGTH - 60, 'pk', 'cedge');
    plant(WINDOW - 50, 'sk', 'cstraddle');
    plant(SIZE - 1000, 'sk', 'cend');
    // A look-alike whose `sk.` is exactly the second window's first byte, glued to a word: no token.
    const glued = token('sk', 'cglued');
    secrets.push(glued);
    writeSync(fd, `x${glued}`, WINDOW - 2 * MAX_TOKEN_LENGTH - 1);
  } finally {
    closeSync(fd);
  }
});
after(() => dir?.remove());

test('scan --max-size 3G of a file over 2 GiB ended in "unreachable" after taking 2 GiB of memory: read in windows, the tokens are found at their lines and columns, memory stays bounded', async () => {
  const rssFile = join(dir.path, 'rss');
  const probe = fileURLToPath(new URL('./max-rss.mjs', import.meta.url));
  const run = await runCli(['scan', '--max-size', '3G', '--json', file], {
    env: { NODE_OPTIONS: `--import=${probe}`, MAPBOX_TOKENS_TEST_RSS: rssFile },
    timeout: READ_TIMEOUT,
  });
  assert.equal(run.code, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /unreachable/);
  const report = JSON.parse(run.stdout);
  assert.equal(report.files, 1);
  assert.equal(report.bytes, SIZE);
  assert.deepEqual(report.findings.map((f) => [f.authorization, f.line, f.column]), planted.map((p) => [p.id, p.line, p.column]));
  const peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
  assert.ok(peakMb > 0 && peakMb < PEAK_RSS_LIMIT_MB, `peak RSS ${peakMb.toFixed(0)} MB`);

  // Text output: the same lines and columns.
  const text = await runCli(['scan', '--max-size', '3G', file], { timeout: READ_TIMEOUT });
  assert.deepEqual(text.stdout.trimEnd().split('\n').map((l) => l.split('  ')[0].slice(file.length + 1)), planted.map((p) => `${p.line}:${p.column}`));
});

test('no output holds a planted token', () => {
  assert.equal(runs.length, 2);
  assert.deepEqual(runs.flatMap((run) => leaks(run, secrets)), []);
});
