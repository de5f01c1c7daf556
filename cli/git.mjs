// The git side of `mapbox-tokens scan`: the blobs of a repository's history (`--git`) or of its
// index (`--staged`), read through one `git cat-file --batch` process and searched as they
// stream in, each blob once. Recognising a token is the caller's `find` (the library's
// findTokens), as for files.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { TokenSearch, WINDOW } from './search.mjs';

/** A git command failed or the folder is not in a repository: the command reports it as a usage error. */
export class GitError extends Error {}

/** How much of a blob is looked at for a NUL byte, the sign of a binary blob (git looks at 8000). */
const BINARY_PROBE = 8192;

/** The mode of a submodule's entry: a commit of another repository, not a blob. */
const GITLINK = '160000';
const NO_OBJECT = /^0+$/;

/**
 * @typedef {object} GitScanOptions
 * @property {string} [since] --git: only commits not reachable from this revision
 * @property {number} [maxSize] blobs larger than this are not searched (they are listed)
 * @property {boolean} [includeBinary] also search blobs with a NUL byte in their first 8 KB
 * @property {(path: string) => boolean} [ignored] the repository's ignore file: a path it matches is passed over
 * @property {string} [marker] a token on a line holding this text is allowed
 * @property {(state: { commits: number, blobs: number, done: number, bytes: number }) => void} [progress]
 *   called as the walk and the reading go on (cheap: no output of its own)
 */

/**
 * @typedef {object} GitScanResult
 * @property {number | undefined} commits commits walked (undefined for --staged)
 * @property {number} files blobs searched
 * @property {number} bytes bytes searched
 * @property {{ file: string, found: object, commit?: { hash: string, date: string, author: string } }[]} findings
 *   each match of `find`, with the path of its blob and, for history, the first commit that added it there
 * @property {{ binary: number, missing: number, large: { file: string, size: number }[] }} skipped
 *   binary blobs, blobs this clone does not hold (a partial clone), and blobs over maxSize
 * @property {{ paths: number, lines: number }} allowed blobs passed over by the ignore file (met at
 *   no other path), tokens on marked lines
 */

/** Runs `git -C repo ...args` to its end; its stdout as text, or a GitError with git's first line of complaint. */
async function git(repo, args) {
  const child = spawn('git', ['-C', repo, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const [code] = await exited(child);
  if (code !== 0) throw new GitError(err.split('\n').find((l) => l.trim()) ?? `git ${args[0]} failed`);
  return out;
}

/**
 * Resolves to `[code, signal]` when `child` ends, or rejects with a GitError when git cannot be
 * started. A rejection is handled at once, so that it waits for its `await` without being reported unhandled.
 */
function exited(child) {
  const ended = new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new GitError(error.code === 'ENOENT'
      ? 'git is not installed (or not on PATH)'
      : `git could not start (${error.code ?? error.message})`)));
    child.once('close', (code, signal) => resolve([code, signal]));
  });
  ended.catch(() => {});
  return ended;
}

/**
 * The repository's top level (for the ignore file) and whether it is bare; a GitError when
 * `repo` is not in a repository.
 * @param {string} repo
 * @returns {Promise<{ top: string | undefined }>}
 */
export async function repositoryOf(repo) {
  const [inside, bare] = (await git(repo, ['rev-parse', '--is-inside-work-tree', '--is-bare-repository'])).trim().split('\n');
  if (bare === 'true') return { top: undefined };
  if (inside !== 'true') throw new GitError(`${repo} is inside a repository's .git folder, not its work tree`);
  return { top: (await git(repo, ['rev-parse', '--show-toplevel'])).trim() };
}

/** The text of `path` in HEAD's tree, or undefined when there is none. */
export async function headFile(repo, path) {
  try {
    return await git(repo, ['cat-file', '-p', `HEAD:${path}`]);
  } catch {
    return undefined;
  }
}

/**
 * Splits git's NUL-separated output into its fields as it streams in, giving each to `field`.
 * Text is decoded as UTF-8 (a path that is not shows U+FFFD where it is not).
 */
async function eachField(stream, field) {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const parts = (rest + decoder.write(chunk)).split('\0');
    rest = parts.pop();
    for (const part of parts) field(part);
  }
  rest += decoder.end();
  if (rest) field(rest);
}

/**
 * The blobs to read, in the order they are first met, each once: for `--git`, every blob a
 * commit reachable from any ref (but not from `since`) adds or changes (compared with its first
 * parent), oldest commit first, with that commit and the path; for `--staged`, each blob the
 * index holds for an added or modified path.
 * @returns {Promise<{ blobs: Map<string, { file: string, commit?: object }>, commits: number, ignored: number }>}
 *   `ignored`: how many blobs were met only at paths the ignore file matches
 */
async function blobsToRead(repo, { staged, since, ignored, progress }) {
  const args = staged
    ? ['diff', '--cached', '--raw', '-z', '--no-renames', '--no-abbrev', '--diff-filter=AMT']
    : ['log', '--all', '--topo-order', '--reverse', '--raw', '-z', '--no-renames', '--no-abbrev',
      '--diff-merges=first-parent', '--format=%x01%H%x00%aI%x00%an', ...(since ? ['--not', since] : [])];
  const child = spawn('git', ['-C', repo, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const ended = exited(child);
  const blobs = new Map();
  let commits = 0;
  /** Blobs met only at paths the ignore file matches (so far). */
  const passed = new Set();
  let commit;
  /** What the next field is: a commit's hash, date or author, an entry's `:modes ids status`, or its path. */
  let next = staged ? 'entry' : 'hash';
  let entry;
  await eachField(child.stdout, (raw) => {
    const field = next === 'path' ? raw : raw.replace(/^\n/, '');
    if (next === 'path') {
      next = 'entry';
      const [, mode, id, status] = /^:\d+ (\d+) [0-9a-f]+ ([0-9a-f]+) (\w)/.exec(entry) ?? [];
      if (!id || mode === GITLINK || status === 'D' || NO_OBJECT.test(id) || blobs.has(id)) return;
      if (ignored?.(field)) {
        passed.add(id);
        return;
      }
      passed.delete(id);
      blobs.set(id, { file: field, ...(commit ? { commit } : {}) });
    } else if (next === 'hash' || (next === 'entry' && field.startsWith('\u0001'))) {
      commit = { hash: field.slice(1), date: '', author: '' };
      commits++;
      progress?.({ commits, blobs: blobs.size, done: 0, bytes: 0 });
      next = 'date';
    } else if (next === 'date') {
      commit.date = field;
      next = 'author';
    } else if (next === 'author') {
      commit.author = field;
      next = 'entry';
    } else if (field.startsWith(':')) {
      entry = field;
      next = 'path';
    }
  });
  const [code] = await ended;
  if (code !== 0) throw new GitError(err.split('\n').find((l) => l.trim()) ?? `git ${args[0]} failed`);
  return { blobs, commits, ignored: passed.size };
}

/**
 * Reads `blobs` through one `git cat-file --batch` process and searches each as it streams in.
 * The object ids are written while the contents are read, so that neither pipe can fill.
 */
async function readBlobs(repo, blobs, find, { maxSize, includeBinary, marker, onBlob }) {
  // No lazy fetch: in a partial clone, a blob that is not here is counted as missing, not downloaded.
  const child = spawn('git', ['-C', repo, 'cat-file', '--batch', '--buffer'], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_NO_LAZY_FETCH: '1' },
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  child.stdin.on('error', () => {}); // git ending early is reported through its exit code
  const ended = exited(child);
  const writing = (async () => {
    for (const id of blobs.keys()) {
      if (!child.stdin.write(`${id}\n`)) await once(child.stdin, 'drain');
    }
    child.stdin.end();
  })();
  const reader = new BatchReader(find, { maxSize, includeBinary, marker, onBlob });
  for await (const chunk of child.stdout) reader.push(chunk);
  await writing.catch(() => {});
  const [code] = await ended;
  if (code !== 0) throw new GitError(err.split('\n').find((l) => l.trim()) ?? 'git cat-file failed');
  if (reader.pending) throw new GitError('git cat-file ended in the middle of a blob');
}

/**
 * The reader of `git cat-file --batch` output: `<id> blob <size>\n`, the contents, `\n`, over
 * and over (or `<id> missing\n`). Each blob's contents go to a TokenSearch (in windows, so a
 * blob of any size takes bounded memory); a binary or too large blob is passed over unread.
 */
class BatchReader {
  /** One buffer for every blob's windows. */
  #buffer = Buffer.alloc(0);
  /** The header being assembled, then the blob being read: `{ id, size, left, search?, probe, skip }`. */
  #header = [];
  #blob;
  #newlineDue = false;

  constructor(find, { maxSize, includeBinary, marker, onBlob }) {
    Object.assign(this, { find, maxSize, includeBinary, marker, onBlob });
  }

  get pending() {
    return this.#blob !== undefined || this.#header.length > 0;
  }

  push(chunk) {
    let at = 0;
    while (at < chunk.length) {
      if (this.#newlineDue) {
        this.#newlineDue = false;
        at++;
      } else if (this.#blob) {
        const take = Math.min(this.#blob.left, chunk.length - at);
        this.#content(chunk.subarray(at, at + take));
        at += take;
      } else {
        const end = chunk.indexOf(0x0a, at);
        this.#header.push(chunk.subarray(at, end === -1 ? chunk.length : end));
        if (end === -1) return;
        at = end + 1;
        this.#begin(Buffer.concat(this.#header).toString('latin1'));
        this.#header = [];
      }
    }
  }

  #begin(header) {
    const [id, type, size] = header.split(' ');
    if (type === 'missing' || type === undefined) return this.onBlob(id, { missing: true });
    const bytes = Number(size);
    const blob = { id, size: bytes, left: bytes, probe: Math.min(bytes, BINARY_PROBE), skip: undefined, search: undefined };
    if (type !== 'blob') blob.skip = 'type';
    else if (bytes > this.maxSize) blob.skip = 'large';
    else {
      const window = Math.min(bytes, WINDOW);
      if (this.#buffer.length < window) this.#buffer = Buffer.allocUnsafeSlow(Math.max(window, Math.min(WINDOW, this.#buffer.length * 2)));
      blob.search = new TokenSearch(this.find, this.#buffer.subarray(0, window), { marker: this.marker });
    }
    this.#blob = blob;
    if (bytes === 0) this.#finish();
  }

  #content(bytes) {
    const blob = this.#blob;
    if (!blob.skip && blob.probe > 0 && !this.includeBinary) {
      const probed = bytes.subarray(0, blob.probe);
      blob.probe -= probed.length;
      if (probed.includes(0)) blob.skip = 'binary';
    }
    if (!blob.skip) blob.search.push(bytes);
    blob.left -= bytes.length;
    if (blob.left === 0) this.#finish();
  }

  #finish() {
    const blob = this.#blob;
    this.#blob = undefined;
    this.#newlineDue = true;
    if (blob.skip) return this.onBlob(blob.id, { skip: blob.skip, size: blob.size });
    blob.search.end();
    return this.onBlob(blob.id, { search: blob.search, size: blob.size });
  }
}

/**
 * Searches a repository's blobs: with `staged`, those of the index for added and modified paths
 * (what `git commit` would record); else every blob of the history (all refs), each once, with
 * the first commit that added it and its path there.
 * @param {string} repo a folder in the repository
 * @param {(bytes: Uint8Array) => object[]} find the library's findTokens
 * @param {GitScanOptions & { staged?: boolean }} [options]
 * @returns {Promise<GitScanResult>}
 */
export async function scanGit(repo, find, options = {}) {
  const { staged = false, maxSize = Infinity, includeBinary = false, ignored, marker, progress } = options;
  let since;
  if (options.since !== undefined) {
    try {
      // Resolved to a hash here, so that nothing the user typed reaches git's command line as an option.
      since = (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${options.since}^{commit}`])).trim();
    } catch {
      throw new GitError(`--since ${options.since}: no such commit in this repository`);
    }
  }
  const { blobs, commits, ignored: passed } = await blobsToRead(repo, { staged, since, ignored, progress });
  const result = {
    commits: staged ? undefined : commits, files: 0, bytes: 0, findings: [], skipped: { binary: 0, missing: 0, large: [] }, allowed: { paths: passed, lines: 0 },
  };
  let done = 0;
  let read = 0;
  const onBlob = (id, outcome) => {
    const where = blobs.get(id);
    done++;
    read += outcome.size ?? 0;
    if (outcome.search) {
      result.files++;
      result.bytes += outcome.search.bytes;
      result.allowed.lines += outcome.search.allowed;
      for (const found of outcome.search.findings) result.findings.push({ file: where.file, found, ...(where.commit ? { commit: where.commit } : {}) });
    } else if (outcome.skip === 'binary') {
      result.skipped.binary++;
    } else if (outcome.skip === 'large') {
      result.skipped.large.push({ file: where.file, size: outcome.size });
    } else if (outcome.missing) {
      result.skipped.missing++;
    }
    if (done % 256 === 0) progress?.({ commits, blobs: blobs.size, done, bytes: read });
  };
  if (blobs.size) await readBlobs(repo, blobs, find, { maxSize, includeBinary, marker, onBlob });
  progress?.({ commits, blobs: blobs.size, done, bytes: read });
  return result;
}
