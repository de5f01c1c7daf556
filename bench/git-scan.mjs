// The speed of `mapbox-tokens scan --git`: a repository of 2,000 commits generated with
// `git fast-import` (40 files of about 64 KB of code-like text; each commit rewrites part of two
// of them, and some commits add a token), its history scanned in process by the command line's
// own function (cli/git.mjs with the package's findTokens): one git cat-file process streaming
// every blob, each blob once. The figure is MB (1024²) of blob data searched per second.
// Run alone with `node bench/git-scan.mjs`; `make bench` can call benchGitScan().
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { scanGit } from '../cli/git.mjs';
import { tempDir } from '../test/support.mjs';
import { fakeToken, fileText, packageFindTokens, speed, timed } from './scan.mjs';

const COMMITS = 2000;
const FILES = 40;
const FILE_BYTES = 64 * 1024;
/** Every this many commits, one file gets a token. */
const TOKEN_EVERY = 20;
/** The speed `scan --git` should reach on the development machine (2 vCPU), in MB (1024²) per second. */
export const GIT_TARGET_MB_PER_SECOND = 100;

/** Git run alone: no system or global configuration, a fixed identity. */
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** Runs git in `cwd`; resolves when it ends well. `input`, when given, is written to its stdin as it is made. */
async function git(cwd, args, input) {
  const child = spawn('git', args, { cwd, env: GIT_ENV, stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  if (input) {
    for (const piece of input()) {
      if (!child.stdin.write(piece)) await once(child.stdin, 'drain');
    }
    child.stdin.end();
  }
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`git ${args[0]} failed: ${err}`);
}

/**
 * The fast-import stream of the repository: the first commit adds every file, each later one
 * rewrites a quarter of two files (so blobs share most of their text, as real histories do, and
 * git stores deltas). Yields strings and Buffers.
 */
function* history(stats) {
  const files = Array.from({ length: FILES }, (_, i) => fileText(FILE_BYTES, 0, 0, i));
  let tokens = 0;
  /** The tokens written into each file so far. */
  const placed = files.map(() => []);
  const seen = new Set();
  for (let c = 0; c < COMMITS; c++) {
    const changed = c === 0 ? files.map((_, i) => i) : [c % FILES, (c * 7 + 3) % FILES];
    if (c > 0) {
      for (const i of changed) {
        const quarter = Math.floor(files[i].length / 4);
        const at = ((c * 13) % 4) * quarter;
        const withToken = c % TOKEN_EVERY === 0 && i === changed[0];
        const mark = `// commit ${c}, module ${i}\n`;
        const fresh = mark + fileText(quarter - mark.length, withToken ? 1 : 0, tokens, c + i);
        if (withToken) placed[i].push(new RegExp(`(?<![A-Za-z0-9_-])${fakeToken(tokens++).replaceAll('.', '\\.')}`));
        files[i] = files[i].slice(0, at) + fresh + files[i].slice(at + quarter);
      }
    }
    const when = 1_700_000_000 + c * 600;
    yield `commit refs/heads/main\ncommitter Bench <bench@example.com> ${when} +0000\ndata <<EOF\ncommit ${c}\nEOF\n`;
    for (const i of changed) {
      const body = Buffer.from(files[i]);
      // A blob is read once, whatever number of commits hold it.
      const id = createHash('sha1').update(body).digest('hex');
      if (!seen.has(id)) {
        seen.add(id);
        stats.bytes += body.length;
        stats.blobs++;
        // Each token a blob holds whole, not glued to a word before it (a rewrite can cut just
        // before a token), is a finding: a token stays in its file, blob after blob, until rewritten.
        stats.findings += placed[i].filter((token) => token.test(files[i])).length;
      }
      yield `M 100644 inline src/module-${String(i).padStart(2, '0')}.js\ndata ${body.length}\n`;
      yield body;
      yield '\n';
    }
  }
}

/**
 * Generates the repository in a temporary folder, scans its history once to warm up (the
 * finder's hot paths, git's object cache), then times one scan.
 * @returns {Promise<{ commits: number, blobs: number, bytes: number, findings: number, seconds: number, mbPerSecond: number, peakRssMb: number }>}
 */
export async function benchGitScan() {
  const findTokens = packageFindTokens();
  const dir = tempDir('mapbox-tokens-bench-git-');
  try {
    await git(dir.path, ['init', '-q', '-b', 'main']);
    const made = { bytes: 0, blobs: 0, findings: 0 };
    await git(dir.path, ['fast-import', '--quiet'], () => history(made));
    await git(dir.path, ['repack', '-a', '-d', '-q']);
    await scanGit(dir.path, findTokens);
    const { result, seconds } = await timed(() => scanGit(dir.path, findTokens));
    if (result.commits !== COMMITS || result.findings.length !== made.findings || result.bytes !== made.bytes) {
      throw new Error(`scan --git read ${result.commits} commits and found ${result.findings.length} tokens, expected ${COMMITS} and ${made.findings}`);
    }
    return { commits: result.commits, blobs: result.files, ...speed(result, seconds) };
  } finally {
    dir.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchGitScan();
  const verdict = r.mbPerSecond >= GIT_TARGET_MB_PER_SECOND ? 'PASS' : 'FAIL';
  console.log(`scan --git: ${r.commits} commits, ${r.blobs} blobs, ${(r.bytes / 1024 ** 2).toFixed(1)} MB, ${r.findings} tokens in ${r.seconds.toFixed(3)} s`);
  console.log(`            ${r.mbPerSecond.toFixed(1)} MB/s (target ≥ ${GIT_TARGET_MB_PER_SECOND}: ${verdict}), peak RSS ${r.peakRssMb.toFixed(1)} MB`);
}
