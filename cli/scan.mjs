// The file side of `mapbox-tokens scan`: which files are read (the folder walk and its skip
// rules) and how (one at a time, as bytes). Recognising a token is not done here: the caller
// passes the library's `findTokens`, so that the command line and the library agree on what a
// token is. Plain node:fs, synchronous: one file is read and searched before the next is opened,
// in windows of at most 16 MiB (cli/search.mjs), which bounds memory whatever the files' sizes
// and is faster than a promise per read.
import { closeSync, constants, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_WINDOW, TokenSearch, WINDOW } from './search.mjs';

/** Files larger than this are not read unless --max-size says otherwise: 10 MB. */
export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;

/** How much of a file is looked at for a NUL byte, the sign of a binary file (as git and grep do). */
const BINARY_PROBE = 8192;

/** Folders skipped unless `defaultIgnores` is false: another tool's copies (history, dependencies), large and not yours. */
export const DEFAULT_IGNORES = Object.freeze(['.git', 'node_modules']);

/**
 * Hidden folders walked even without `includeHidden`: committed CI configuration, a common place
 * for a pasted token. Other hidden folders (.cache, .next, .venv, .idea…) hold tools' state.
 */
export const KEPT_HIDDEN_FOLDERS = Object.freeze(['.github', '.gitlab', '.circleci']);

const UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A size as given to --max-size: bytes (`2048`), or a number with k, M or G (powers of 1024,
 * case-insensitive, an optional trailing B: `500k`, `10M`, `1.5MB`).
 * @param {string} text
 * @returns {number | undefined} whole bytes, or undefined when `text` is not a size
 */
export function parseSize(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2].toLowerCase()]);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/**
 * @typedef {object} ScanOptions
 * @property {number} [maxSize] files larger than this many bytes are not read (default 10 MB)
 * @property {boolean} [includeHidden] also walk hidden folders (names starting with `.`)
 * @property {boolean} [defaultIgnores] skip .git and node_modules folders (default true)
 * @property {boolean} [includeBinary] also search files with a NUL byte in their first 8 KB
 * @property {number} [windowSize] the most bytes searched at once (default 16 MiB, at least
 *   MIN_WINDOW): a larger file is searched in overlapping windows. For tests.
 * @property {Map<string, (path: string, isFolder: boolean) => boolean>} [ignores] by root folder
 *   (as given in `roots`), the matcher of its ignore file: files and folders it matches (their
 *   paths relative to the root) are neither read nor walked
 * @property {string} [marker] a token on a line that holds this text is allowed: not reported
 */

/**
 * @typedef {object} ScanResult
 * @property {number} files files searched
 * @property {number} bytes bytes searched
 * @property {{ file: string, found: object }[]} findings each match of `find`, with the file it is in
 * @property {{ ignored: number, hidden: number, binary: number, symlinks: number, special: number,
 *   large: { file: string, size: number }[] }} skipped what was not searched: folders by default
 *   ignored or hidden, binary files, symbolic links (never followed while walking),
 *   sockets/FIFOs/devices, and files over maxSize
 * @property {{ file: string, code: string }[]} unreadable entries that could not be read, with the error code
 * @property {{ paths: number, lines: number }} allowed files and folders passed over by an ignore
 *   file, and tokens not reported because their line holds the marker
 */

/**
 * Searches files and folders for tokens. A path named in `roots` is scanned whatever its name
 * (a symbolic link named there is followed); inside folders, names are visited in sorted order,
 * symbolic links are never followed (so the walk cannot leave the tree or loop), and the skip
 * rules of `options` apply. Each file is read into one reused buffer and handed to `find` as
 * bytes (never decoded as text, so that offsets stay byte offsets and invalid UTF-8 costs
 * nothing): whole when it fits in a window, else window by window, the findings' `index`, `line`
 * and `column` counted over the whole file either way.
 * @param {string[]} roots files or folders
 * @param {(bytes: Uint8Array) => object[]} find the library's findTokens
 * @param {ScanOptions} [options]
 * @returns {ScanResult}
 */
export function scanPaths(roots, find, options = {}) {
  const scan = new Scan(find, options);
  for (const root of roots) scan.root(root);
  return scan.result;
}

class Scan {
  /** One buffer for every file: it grows to the largest file read and is reused for the others. */
  #buffer = Buffer.alloc(0);

  constructor(find, {
    maxSize = DEFAULT_MAX_SIZE, includeHidden = false, defaultIgnores = true, includeBinary = false, windowSize = WINDOW, ignores = new Map(), marker,
  }) {
    if (!(windowSize >= MIN_WINDOW)) throw new RangeError(`windowSize must be at least ${MIN_WINDOW}`);
    this.find = find;
    this.windowSize = windowSize;
    this.ignores = ignores;
    this.marker = marker;
    /** The ignore matcher of the root being walked, if it has one. */
    this.ignored = undefined;
    this.maxSize = maxSize;
    this.includeHidden = includeHidden;
    this.defaultIgnored = new Set(defaultIgnores ? DEFAULT_IGNORES : []);
    this.includeBinary = includeBinary;
    this.result = {
      files: 0, bytes: 0, findings: [], skipped: { ignored: 0, hidden: 0, binary: 0, symlinks: 0, special: 0, large: [] }, unreadable: [],
      allowed: { paths: 0, lines: 0 },
    };
  }

  /** A path the user named: opened following symbolic links (they asked for it), folder or file. */
  root(path) {
    const fd = this.open(path, 0);
    if (fd === undefined) return;
    let stats;
    try {
      stats = fstatSync(fd);
    } catch (e) {
      closeSync(fd);
      return this.unreadable(path, e);
    }
    if (!stats.isDirectory()) return this.file(path, fd);
    closeSync(fd);
    this.ignored = this.ignores.get(path);
    return this.folder(path, '');
  }

  /** Walks the folder `path`, which is `relative` (with `/`, '' for the root) below the root. */
  folder(path, relative) {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch (e) {
      return this.unreadable(path, e);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = join(path, entry.name);
      const childRelative = relative ? `${relative}/${entry.name}` : entry.name;
      if (this.ignored?.(childRelative, entry.isDirectory())) {
        this.result.allowed.paths++;
      } else if (entry.isSymbolicLink()) {
        this.result.skipped.symlinks++;
      } else if (entry.isDirectory()) {
        const skip = this.folderSkip(entry.name);
        if (skip) this.result.skipped[skip]++;
        else this.folder(child, childRelative);
      } else if (entry.isFile()) {
        // O_NOFOLLOW: should the file be swapped for a symbolic link after readdir, open fails instead of following it.
        const fd = this.open(child, constants.O_NOFOLLOW);
        if (fd !== undefined) this.file(child, fd);
      } else {
        this.result.skipped.special++;
      }
    }
  }

  /**
   * Why a folder found while walking is not entered (`ignored`, `hidden`), or undefined. .git is
   * a default ignore, not a hidden folder: --no-default-ignores alone walks it.
   */
  folderSkip(name) {
    if (DEFAULT_IGNORES.includes(name)) return this.defaultIgnored.has(name) ? 'ignored' : undefined;
    if (this.includeHidden || !name.startsWith('.') || KEPT_HIDDEN_FOLDERS.includes(name)) return undefined;
    return 'hidden';
  }

  /** An open file descriptor, or undefined (recorded as unreadable). O_NONBLOCK: opening a FIFO must not wait for a writer. */
  open(path, flags) {
    try {
      return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | flags);
    } catch (e) {
      this.unreadable(path, e);
      return undefined;
    }
  }

  /** Reads and searches one open file, then closes it. */
  file(path, fd) {
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) {
        this.result.skipped.special++;
        return;
      }
      if (stats.size > this.maxSize) {
        // Only a large text file is worth naming: a large binary one counts as binary.
        if (this.includeBinary || !this.skipsBinary(this.probe(fd, stats.size))) this.result.skipped.large.push({ file: path, size: stats.size });
        return;
      }
      const search = this.read(fd, stats.size);
      if (search === undefined) return;
      this.result.files++;
      this.result.bytes += search.bytes;
      this.result.allowed.lines += search.allowed;
      for (const found of search.findings) this.result.findings.push({ file: path, found });
    } catch (e) {
      if (typeof e?.code !== 'string') throw e; // not a file system error: a bug, or the finder failing
      this.unreadable(path, e);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads and searches the file, window by window, up to `size` bytes (fewer if it shrank): the
   * finished search, or undefined for a binary file being skipped.
   * @returns {TokenSearch | undefined}
   */
  read(fd, size) {
    // The probe first, so that a binary file is never read beyond its first 8 KB.
    const probed = this.probe(fd, size);
    if (this.skipsBinary(probed)) return undefined;
    const window = Math.min(size, this.windowSize);
    if (this.#buffer.length < window) this.#buffer = Buffer.concat([this.#buffer.subarray(0, probed)], window);
    const search = new TokenSearch(this.find, this.#buffer.subarray(0, window), { marker: this.marker });
    search.commit(probed);
    for (let at = probed; at < size;) {
      const space = search.space();
      const count = readSync(fd, space, 0, Math.min(space.length, size - at), at);
      if (count === 0) break;
      search.commit(count);
      at += count;
    }
    search.end();
    return search;
  }

  /** Reads the first 8 KB of the file (fewer if it is smaller) into the buffer; returns how many bytes. */
  probe(fd, size) {
    if (this.#buffer.length < BINARY_PROBE) this.#buffer = Buffer.allocUnsafeSlow(BINARY_PROBE);
    return readFully(fd, this.#buffer, 0, Math.min(size, BINARY_PROBE));
  }

  /** Whether the probe of `length` bytes shows a binary file (a NUL byte) being skipped; counts it. */
  skipsBinary(length) {
    if (this.includeBinary || !this.#buffer.subarray(0, length).includes(0)) return false;
    this.result.skipped.binary++;
    return true;
  }

  unreadable(path, error) {
    this.result.unreadable.push({ file: path, code: error.code ?? 'EIO' });
  }
}

/** Reads into `buffer` from `from` up to `to` (fewer if the file shrank); returns where it stopped. */
function readFully(fd, buffer, from, to) {
  let at = from;
  while (at < to) {
    const count = readSync(fd, buffer, at, to - at, at);
    if (count === 0) break;
    at += count;
  }
  return at;
}
