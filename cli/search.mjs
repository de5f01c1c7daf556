// Searching bytes of any length for tokens in bounded memory: a file or a git blob is handed to
// the library's findTokens in windows of at most WINDOW bytes, which overlap so that a token
// across a window's edge is found whole, once, at the line and column a single call over all the
// bytes would report. Memory stays bounded by the window (findTokens copies what it is given into
// the WebAssembly memory, which can never hold more than 4 GiB and never shrinks).

/** The most bytes handed to findTokens at once: 16 MiB (a file up to this size goes in one call). */
export const WINDOW = 16 * 1024 * 1024;

/**
 * The longest token a window is sure to hold whole: 32 KiB. The library reads payloads of up
 * to 16 KiB (real tokens are a few hundred bytes); the rest leaves room for a long signature.
 */
export const MAX_TOKEN_LENGTH = 32 * 1024;

/** The smallest window that can slide along a longer sequence (tests use it to cross many edges). */
export const MIN_WINDOW = 4 * MAX_TOKEN_LENGTH;

const NEWLINE = 0x0a;

/**
 * One search over a sequence of bytes given in pieces (`push`, or `space` and `commit` to read
 * straight into its buffer), ended by `end()`. Each window `[start, end)` but the last is searched
 * once full, and a token is taken from it only when it starts in the window's own part: from
 * `start + MAX_TOKEN_LENGTH` (from 0 in the first window) to `end - MAX_TOKEN_LENGTH`. The next
 * window starts `2 × MAX_TOKEN_LENGTH` before the end of this one, so every position is owned by
 * exactly one window, and what comes before a token (the library looks at the byte before it to
 * tell a token from the tail of a longer word, and skips what lies inside a token it found) is in
 * the same window.
 */
export class TokenSearch {
  /** The window's bytes; `length` of them are filled. */
  #buffer;
  #length = 0;
  /** The offset of `#buffer[0]` in the whole sequence. */
  #start = 0;
  /** The line number at `#start` (1-based) and the offset where that line begins. */
  #line = 1;
  #lineStart = 0;
  #find;
  #marker;
  /** Bytes given so far. */
  bytes = 0;
  /**
   * Every token found, as findTokens reports them, with `index`, `line` and `column` over the
   * whole sequence, and `utf16Column` (the column in UTF-16 code units, as editors and SARIF count).
   */
  findings = [];
  /** Tokens found on a line that holds the marker, and so not in `findings`. */
  allowed = 0;

  /**
   * @param {(bytes: Uint8Array) => object[]} find the library's findTokens
   * @param {Buffer} buffer where windows are assembled: its length is the window size, which must
   *   be at least MIN_WINDOW unless the whole sequence fits in it
   * @param {{ marker?: string }} [options] `marker`: a token on a line holding this text is allowed
   */
  constructor(find, buffer, { marker } = {}) {
    this.#find = find;
    this.#buffer = buffer;
    this.#marker = marker === undefined ? undefined : Buffer.from(marker);
  }

  /**
   * The free part of the buffer, to read into; then call `commit` with the count read. When the
   * buffer is full, its window is searched first and slid along to make room.
   */
  space() {
    if (this.#length === this.#buffer.length) this.#search(false);
    return this.#buffer.subarray(this.#length);
  }

  /** Counts `count` bytes read into `space()`. */
  commit(count) {
    this.#length += count;
    this.bytes += count;
  }

  /** Copies `bytes` in, searching each window as it fills. */
  push(bytes) {
    let at = 0;
    while (at < bytes.length) {
      const copied = bytes.copy(this.space(), 0, at);
      at += copied;
      this.commit(copied);
    }
  }

  /** Searches what is left; returns the findings. */
  end() {
    this.#search(true);
    return this.findings;
  }

  #search(last) {
    const window = this.#buffer.subarray(0, this.#length);
    const ownFrom = this.#start === 0 ? 0 : this.#start + MAX_TOKEN_LENGTH;
    const ownTo = last ? Infinity : this.#start + this.#length - MAX_TOKEN_LENGTH;
    for (const found of this.#find(window)) {
      const index = this.#start + found.index;
      if (index < ownFrom || index >= ownTo) continue;
      const from = lineStartIn(window, found.index);
      if (this.#marker && window.subarray(from, lineEndIn(window, found.index)).includes(this.#marker)) {
        this.allowed++;
        continue;
      }
      const line = this.#line + found.line - 1;
      const column = found.line === 1 ? index - this.#lineStart + 1 : found.column;
      // Exact when the line starts in this window (a line longer than a window counts bytes before it).
      const utf16Column = column - (found.index - from) + window.toString('utf8', from, found.index).length;
      this.findings.push({ ...found, index, line, column, utf16Column });
    }
    if (!last) this.#slide();
  }

  /** Keeps the last 2 × MAX_TOKEN_LENGTH bytes as the start of the next window, counting the lines of the rest. */
  #slide() {
    const keep = 2 * MAX_TOKEN_LENGTH;
    const dropped = this.#length - keep;
    if (dropped <= 0) throw new RangeError(`a window of ${this.#length} bytes cannot slide: it needs over ${keep}`);
    for (let at = this.#buffer.indexOf(NEWLINE, 0); at !== -1 && at < dropped; at = this.#buffer.indexOf(NEWLINE, at + 1)) {
      this.#line++;
      this.#lineStart = this.#start + at + 1;
    }
    this.#buffer.copyWithin(0, dropped, this.#length);
    this.#start += dropped;
    this.#length = keep;
  }
}

/** Where the line holding `at` starts in `bytes` (0 when it starts before them). */
function lineStartIn(bytes, at) {
  return at === 0 ? 0 : bytes.lastIndexOf(NEWLINE, at - 1) + 1;
}

/** Where the line holding `at` ends in `bytes` (its newline, or the end of the bytes). */
function lineEndIn(bytes, at) {
  const end = bytes.indexOf(NEWLINE, at);
  return end === -1 ? bytes.length : end;
}
