/**
 * Accounts, tokens and revoked ids, kept in memory and optionally persisted to a JSON file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { ALL_SCOPE_IDS, PUBLIC_SCOPE_IDS } from './scopes.mjs';
import { decodeToken, describeToken, encodeToken, isoDate, newId, newSecret } from './tokens.mjs';

const VERSION = 1;
const RESTRICTIONS = ['allowedUrls', 'allowedApplications', 'resources'];

/**
 * @typedef {object} StoredToken
 * @property {string} id
 * @property {string} username
 * @property {'pk'|'sk'} usage
 * @property {boolean} default
 * @property {string[]} scopes
 * @property {string} note
 * @property {number} created milliseconds
 * @property {number} modified milliseconds
 * @property {boolean} scopeless created without scopes, so it may never gain any
 * @property {string[]} [allowedUrls]
 * @property {{platform: string, bundleId: string}[]} [allowedApplications]
 * @property {string[]} [resources]
 */

/**
 * @typedef {object} TokenCheck what {@link State#check} learns about a token string
 * @property {'TokenValid'|'TokenMalformed'|'TokenInvalid'|'TokenExpired'|'TokenRevoked'} code
 * @property {object} [info] the decoded token, when it could be parsed
 * @property {string} [user] the account, when the signature is ours and the account exists
 * @property {string[]} [scopes] the granted scopes, when valid or expired
 * @property {number} [expires] a tk's expiry, Unix seconds
 * @property {string[]} [allowedUrls] a valid pk or sk's URL restrictions, when it has any
 */

/** The emulator's data: accounts, tokens, revocations and the signing secret. */
export class State {
  #data;
  #accounts;
  #now;
  #file;
  #batching = false;
  #tokens = new Map();
  #revoked = new Set();

  /**
   * Loads `dataFile` when it exists, otherwise creates fresh accounts (and writes them to `dataFile`).
   * @param {{accounts: string[], secret?: string, now: () => number, dataFile?: string}} options
   * @returns {State}
   */
  static open({ accounts, secret, now, dataFile }) {
    const saved = dataFile ? readDataFile(dataFile) : null;
    const data = saved ?? {
      version: VERSION,
      secret: secret ?? newSecret(),
      accounts: [...accounts],
      admin: { username: accounts[0], id: newId(now()) },
      tokens: [],
      revoked: [],
    };
    const state = new State(data, now, dataFile);
    if (!saved) state.reset();
    return state;
  }

  /**
   * Wraps loaded or fresh data; use {@link State.open}.
   * @param {{version: number, secret: string, accounts: string[], admin: {username: string, id: string},
   *   tokens: StoredToken[], revoked: string[]}} data
   * @param {() => number} now clock in milliseconds
   * @param {string} [file] where to persist
   */
  constructor(data, now, file) {
    this.#data = { version: data.version, secret: data.secret, accounts: data.accounts, admin: data.admin };
    this.#accounts = new Set(data.accounts);
    this.#now = now;
    this.#file = file;
    for (const token of data.tokens) this.#tokens.set(token.id, token);
    for (const id of data.revoked) this.#revoked.add(id);
  }

  /** The account that owns the admin token. */
  get adminUsername() {
    return this.#data.admin.username;
  }

  /** The admin token string (an sk holding every scope; its id survives {@link State#reset}). */
  get adminToken() {
    return encodeToken(this.#data.secret, 'sk', { u: this.#data.admin.username, a: this.#data.admin.id });
  }

  /**
   * Forgets every token and revocation and recreates each account's default token and the admin token.
   */
  reset() {
    this.batch(() => {
      this.#tokens.clear();
      this.#revoked.clear();
      for (const username of this.#data.accounts) this.#insertDefault(username);
      const { username, id } = this.#data.admin;
      this.insert({ id, username, usage: 'sk', scopes: ALL_SCOPE_IDS, note: 'Emulator admin token' });
    });
  }

  /**
   * Runs `fn`, persisting once at the end instead of after each change inside it.
   * @template T
   * @param {() => T} fn
   * @returns {T}
   */
  batch(fn) {
    const outer = this.#batching;
    this.#batching = true;
    try {
      return fn();
    } finally {
      this.#batching = outer;
      if (!outer && this.#file) writeAtomic(this.#file, this.#serialize());
    }
  }

  /**
   * @param {string} username
   * @returns {boolean}
   */
  hasAccount(username) {
    return this.#accounts.has(username);
  }

  /**
   * The permanent tokens of an account, in insertion order.
   * @param {string} username
   * @returns {StoredToken[]}
   */
  tokensOf(username) {
    return [...this.#tokens.values()].filter((t) => t.username === username);
  }

  /**
   * @param {string} username
   * @param {string} id
   * @returns {StoredToken | undefined}
   */
  find(username, id) {
    const token = this.#tokens.get(id);
    return token?.username === username ? token : undefined;
  }

  /**
   * Stores a new permanent token.
   * @param {{username: string, usage: 'pk'|'sk', scopes: string[], note?: string, default?: boolean,
   *   id?: string, allowedUrls?: string[], allowedApplications?: object[], resources?: string[]}} fields
   * @returns {StoredToken}
   */
  insert({ id, username, usage, scopes, note = '', default: isDefault = false, ...restrictions }) {
    const now = this.#now();
    const token = {
      id: id ?? newId(now),
      username,
      usage,
      default: isDefault,
      scopes: [...scopes],
      note,
      created: now,
      modified: now,
      scopeless: scopes.length === 0,
    };
    applyRestrictions(token, restrictions);
    return this.batch(() => {
      this.#tokens.set(token.id, token);
      return token;
    });
  }

  /**
   * Changes the supplied fields of a token and bumps `modified`.
   * A restriction set to `null` or `[]` is removed.
   * @param {StoredToken} token
   * @param {{scopes?: string[], note?: string, allowedUrls?: string[]|null,
   *   allowedApplications?: object[]|null, resources?: string[]|null}} changes
   */
  update(token, { scopes, note, ...restrictions }) {
    this.batch(() => {
      if (scopes !== undefined) token.scopes = [...scopes];
      if (note !== undefined) token.note = note;
      applyRestrictions(token, restrictions);
      token.modified = this.#now();
    });
  }

  /**
   * Deletes a token and revokes its id; deleting a default token generates a new one.
   * @param {StoredToken} token
   */
  remove(token) {
    this.batch(() => {
      this.#tokens.delete(token.id);
      this.#revoked.add(token.id);
      if (token.default) this.#insertDefault(token.username);
    });
  }

  #insertDefault(username) {
    this.insert({ username, usage: 'pk', scopes: PUBLIC_SCOPE_IDS, note: 'Default public token', default: true });
  }

  /**
   * Decodes a token string and tells whether it is valid, and if not why.
   * @param {string} tokenString
   * @returns {TokenCheck}
   */
  check(tokenString) {
    const decoded = decodeToken(this.#data.secret, tokenString);
    if (!decoded) return { code: 'TokenMalformed' };
    const info = describeToken(decoded);
    const { usage, payload } = decoded;
    if (!decoded.signatureValid || !this.hasAccount(payload.u)) return { code: 'TokenInvalid', info };
    const user = payload.u;
    if (usage === 'tk') {
      const code = payload.exp * 1000 <= this.#now() ? 'TokenExpired' : 'TokenValid';
      return { code, info, user, scopes: payload.scopes, expires: payload.exp };
    }
    if (this.#revoked.has(payload.a)) return { code: 'TokenRevoked', info, user };
    const stored = this.#tokens.get(payload.a);
    if (stored?.username !== user || stored.usage !== usage) return { code: 'TokenInvalid', info, user };
    const check = { code: 'TokenValid', info, user, scopes: stored.scopes };
    if (stored.allowedUrls) check.allowedUrls = stored.allowedUrls;
    return check;
  }

  /**
   * Signs a temporary token (it is not stored: it carries its own metadata).
   * @param {string} username
   * @param {string[]} scopes
   * @param {number} iat issued at, Unix seconds
   * @param {number} exp expiry, Unix seconds
   * @returns {string}
   */
  temporaryToken(username, scopes, iat, exp) {
    return encodeToken(this.#data.secret, 'tk', { u: username, exp, iat, scopes, client: 'api' });
  }

  /**
   * The token string of a stored token.
   * @param {StoredToken} token
   * @returns {string}
   */
  tokenString(token) {
    return encodeToken(this.#data.secret, token.usage, { u: token.username, a: token.id });
  }

  /**
   * The API's token metadata object.
   * @param {StoredToken} token
   * @param {boolean} revealSecret whether an sk's token string is included (only when created)
   * @returns {object}
   */
  view(token, revealSecret) {
    const out = {
      id: token.id,
      usage: token.usage,
      client: 'api',
      default: token.default,
      scopes: token.scopes,
      note: token.note,
      created: isoDate(token.created),
      modified: isoDate(token.modified),
    };
    for (const key of RESTRICTIONS) if (token[key]) out[key] = token[key];
    if (token.usage === 'pk' || revealSecret) out.token = this.tokenString(token);
    return out;
  }

  #serialize() {
    const tokens = [...this.#tokens.values()];
    return JSON.stringify({ ...this.#data, tokens, revoked: [...this.#revoked] });
  }
}

function applyRestrictions(token, restrictions) {
  for (const key of RESTRICTIONS) {
    const value = restrictions[key];
    if (value === undefined) continue;
    if (value === null || value.length === 0) delete token[key];
    else token[key] = value;
  }
}

function readDataFile(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: ${err.message}`);
  }
  const valid =
    data?.version === VERSION &&
    typeof data.secret === 'string' &&
    Array.isArray(data.accounts) &&
    typeof data.admin?.id === 'string' &&
    Array.isArray(data.tokens) &&
    Array.isArray(data.revoked);
  if (!valid) throw new Error(`${file} is not a mapbox-tokens-emulator data file`);
  return data;
}

// Writes a temporary file next to `file`, flushes it to disk, then renames it over `file`,
// so that a crash at any moment leaves either the old or the new content.
function writeAtomic(file, text) {
  const temp = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
