// The commands of `mapbox-tokens`: each one's arguments, options, help and a small function that
// runs it. A command gets `{ opts, args, client, print }`:
// - `client(token?)` builds a `Tokens` client with the global options (by default with the
//   configured access token; a usage error when there is none),
// - `print(data, render)` writes `data` as one JSON document with --json, else `render(data)`.
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseToken, isMapboxError } from 'mapbox-tokens';
// The namespace as well: findTokens is looked up when scan runs, so that a build of the library
// without it still runs every other command (a missing named import stops the module loading).
import * as library from 'mapbox-tokens';
import {
  clean, table, fields, when, clip, scopeSummary, tokenInfoFields, tokenBlock,
  redact, bytes, count, findingLine, progressLine, rateLimitWait, note, terminalText, jsonText,
} from './output.mjs';
import { DEFAULT_MAX_SIZE, parseSize, scanPaths } from './scan.mjs';
import { GitError, headFile, repositoryOf, scanGit } from './git.mjs';
import {
  ALLOW_MARKER, AllowError, IGNORE_FILE, baselineKey, fingerprint, folderIgnore, ignoreMatcher, readBaseline,
} from './allow.mjs';
import { sarifLog } from './sarif.mjs';
import { BROKER_COMMAND, broker } from './broker.mjs';

/** Bad arguments: exit code 2. */
export class UsageError extends Error {}

/** The first line of `text`, trimmed. */
export const firstLine = (text) => text.split(/\r?\n/, 1)[0].trim();

async function readStdin() {
  let text = '';
  for await (const chunk of process.stdin.setEncoding('utf8')) text += chunk;
  return text;
}

/** A token given as an argument, or read from the first line of stdin when the argument is `-`. */
async function tokenArgument(arg) {
  if (arg !== '-') return arg;
  const token = firstLine(await readStdin());
  if (!token) throw new UsageError('no token on stdin: pipe one in, for example `mapbox-tokens check - < token.txt`.');
  return token;
}

/** `--scope a --scope b,c` → ['a', 'b', 'c']; undefined when not given. */
const scopeList = (opts) => opts.scope?.flatMap((s) => s.split(',')).map((s) => s.trim());

/** The scopes of a new token: at least one --scope. */
function newScopes(opts) {
  if (!opts.scope) throw new UsageError('a new token needs at least one --scope SCOPE (see `mapbox-tokens scopes`).');
  return scopeList(opts);
}

/** A number option as a number (the library rejects what is not a valid one); undefined when not given. */
export const numeric = (value) => (value === undefined ? undefined : Number(value));

/** The token object without its token string, for every output but that of create. */
const withoutSecret = ({ token, ...rest }) => rest;

const tokenTable = (tokens) => (tokens.length
  ? table(['ID', 'USAGE', 'DEFAULT', 'NOTE', 'SCOPES', 'CREATED'],
    tokens.map((t) => [t.id, t.usage, t.default ? '*' : '', clip(t.note ?? '', 40), scopeSummary(t.scopes), when(t.created)]))
  : 'No tokens.');

async function list({ opts, client, print }) {
  if (opts.default && opts['no-default']) throw new UsageError('--default and --no-default exclude each other.');
  if (opts.all && opts.start) throw new UsageError('--all reads every page from the first: leave out --start.');
  const filters = {
    usage: opts.usage,
    sortby: opts.sortby,
    limit: numeric(opts.limit),
    default: opts.default ? true : opts['no-default'] ? false : undefined,
  };
  if (opts.all) {
    const all = [];
    for await (const token of client().listAllTokens(filters)) all.push(withoutSecret(token));
    return print(all, tokenTable);
  }
  const { data, nextStart } = await client().listTokens({ ...filters, start: opts.start });
  print({ tokens: data.map(withoutSecret), nextStart }, (page) => tokenTable(page.tokens));
  if (nextStart && !opts.json) note(`More tokens: add --start ${clean(nextStart)}, or use --all.`);
}

/** After a new secret token is printed as text: the reminder that it is never shown again. */
function secretNote(token, opts) {
  if (token.usage === 'sk' && !opts.json) process.stderr.write('This secret token is shown only now: store it safely.\n');
}

async function create({ opts, client, print }) {
  const { data } = await client().create({ scopes: newScopes(opts), note: opts.note, allowedUrls: opts['allowed-url'] });
  print(data, (t) => tokenBlock(t, t.token));
  secretNote(data, opts);
}

async function temp({ opts, client, print }) {
  const expires = /^\d+(\.\d+)?$/.test(opts.expires ?? '') ? Number(opts.expires) : opts.expires;
  const { data } = await client().createTempToken({ scopes: newScopes(opts), expires });
  print(data, (t) => fields([['token', t.token], ['issued', when(t.issued_at)], ['expires', when(t.expires)]]));
}

async function update({ opts, args: [id], client, print }) {
  if (opts['clear-allowed-urls'] && opts['allowed-url']) throw new UsageError('--allowed-url and --clear-allowed-urls exclude each other.');
  const allowedUrls = opts['clear-allowed-urls'] ? null : opts['allowed-url'];
  const { data } = await client().update({ authorizationId: id, note: opts.note, scopes: scopeList(opts), allowedUrls });
  print(withoutSecret(data), (t) => tokenBlock(t));
}

/**
 * The notes of the tokens `ids` (`no note` when empty), found in one listing that stops once it
 * has them all; null when the tokens cannot be listed (the access token may lack tokens:read).
 */
async function notesOf(tokens, ids) {
  const wanted = new Set(ids);
  const notes = new Map();
  try {
    for await (const t of tokens.listAllTokens()) {
      if (wanted.has(t.id)) notes.set(t.id, clean(t.note) || 'no note');
      if (notes.size === ids.length) break;
    }
  } catch (e) {
    if (!isMapboxError(e)) throw e;
    return null;
  }
  return notes;
}

/** ` (note)` of the token `id`, or '' when it is not found or cannot be listed. */
async function describe(tokens, id) {
  const note = (await notesOf(tokens, [id]))?.get(id);
  return note ? ` (${note})` : '';
}

/** Asks `question` on stderr; true when the answer on stdin is y or yes. */
function confirm(question) {
  process.stderr.write(terminalText(question));
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    lines.once('line', (line) => resolve(/^y(es)?$/i.test(line.trim())));
    lines.once('close', () => resolve(false));
  }).finally(() => lines.close());
}

/**
 * Whether a standard stream (`stdin`, `stderr`) is a terminal. For tests only, the variable
 * MAPBOX_TOKENS_ASSUME_TTY names streams to take for terminals, comma-separated (`stdin,stderr`);
 * `1` means stdin, its first meaning.
 */
function terminal(stream) {
  if (process[stream].isTTY) return true;
  const assumed = (process.env.MAPBOX_TOKENS_ASSUME_TTY ?? '').split(',').map((s) => s.trim());
  return assumed.includes(stream) || (stream === 'stdin' && assumed.includes('1'));
}

/** Whether to prompt: stdin is a terminal. */
const interactive = () => terminal('stdin');

/** Whether `value` is a token string (someone passed the token where its id belongs). */
function isTokenString(value) {
  try {
    return Boolean(parseToken(value));
  } catch {
    return false;
  }
}

const ID_NOT_TOKEN = "takes the token's id (the ID column of `list`), not the token string";

/** One id given as an argument: the output and exit codes `delete <id>` always had. */
async function removeOne({ opts, client, print }, id) {
  // Checked before the prompt, which would otherwise show the token.
  if (isTokenString(id)) throw new UsageError(`delete ${ID_NOT_TOKEN}.`);
  const tokens = client();
  if (!opts.yes) {
    if (!interactive()) throw new UsageError(`not deleting token ${id} without confirmation: stdin is not a terminal, so pass --yes.`);
    if (!(await confirm(`Delete token ${id}${await describe(tokens, id)}? [y/N] `))) {
      return print({ id, deleted: false }, () => `Token ${id} was not deleted.`);
    }
  }
  await tokens.delete({ authorizationId: id });
  print({ id, deleted: true }, () => `Deleted token ${id}.`);
}

/**
 * The ids of a bulk delete, in order and without repeats: the arguments, where `-` stands for
 * the lines of stdin (blank lines and surrounding spaces ignored). A token string anywhere
 * among them is refused before anything is sent.
 */
async function idsToDelete(args) {
  const lines = args.includes('-') ? (await readStdin()).split('\n') : [];
  const fromStdin = lines.map((line, i) => ({ id: line.trim(), where: `line ${i + 1} of stdin` })).filter((e) => e.id);
  const given = args.flatMap((id, i) => (id === '-' ? fromStdin : [{ id, where: `argument ${i + 1}` }]));
  const token = given.find((e) => isTokenString(e.id));
  if (token) throw new UsageError(`delete ${ID_NOT_TOKEN}: ${token.where} is a token string.`);
  if (given.length === 0) throw new UsageError('no ids on stdin: pipe them in, one per line, for example `mapbox-tokens list --json | jq -r ".tokens[].id"`.');
  return [...new Set(given.map((e) => e.id))];
}

/** The question of a bulk delete: every id, with its note when the tokens can be listed. */
async function deleteQuestion(tokens, ids) {
  const notes = await notesOf(tokens, ids);
  const lines = ids.map((id) => `  ${clean(id)}${notes ? ` (${notes.get(id) ?? 'not found'})` : ''}`);
  return `Delete ${ids.length === 1 ? 'this token' : `these ${ids.length} tokens`}?\n${lines.join('\n')}\n[y/N] `;
}

/**
 * Starts every delete at once: the client paces them by the rate limit (held calls wait, they
 * do not fail). On a terminal, stderr shows one line with the count done and any wait.
 * @returns {Promise<{ deleted: string[], failed: { id: string, kind: string, status: number | null, message: string }[] }>}
 *   both in the order of `ids`, whatever order the answers came in
 */
async function deleteAll(tokens, ids) {
  const outcome = new Map();
  const progress = progressLine(() => `Deleting tokens: ${outcome.size}/${ids.length}${rateLimitWait(tokens.rateLimit)}`, terminal('stderr'));
  try {
    await Promise.all(ids.map(async (id) => {
      try {
        await tokens.delete({ authorizationId: id });
        outcome.set(id, null);
      } catch (e) {
        if (!isMapboxError(e)) throw e;
        outcome.set(id, { id, kind: e.kind, status: e.status ?? null, message: redact(e.message) });
      }
      progress.update();
    }));
  } finally {
    progress.done();
  }
  return {
    deleted: ids.filter((id) => outcome.get(id) === null),
    failed: ids.map((id) => outcome.get(id)).filter(Boolean),
  };
}

const deleteSummary = (total) => ({ deleted, failed }) => [
  `Deleted ${deleted.length} of ${count(total, 'token')}.`,
  ...(failed.length ? ['Not deleted:', ...failed.map((f) => `  ${clean(f.id)}  ${clean(f.message)}`)] : []),
].join('\n');

/** Several ids, or `-`: one question for all, the deletes paced by the client, a summary; exit 1 when any failed. */
async function removeMany({ opts, args, client, print }) {
  if (args.includes('-') && !opts.yes) throw new UsageError('ids read from stdin need --yes: stdin cannot also answer the question.');
  const ids = await idsToDelete(args);
  const tokens = client();
  if (!opts.yes) {
    if (!interactive()) throw new UsageError(`not deleting ${count(ids.length, 'token')} without confirmation: stdin is not a terminal, so pass --yes.`);
    if (!(await confirm(await deleteQuestion(tokens, ids)))) return print({ deleted: [], failed: [] }, () => 'No token was deleted.');
  }
  const outcome = await deleteAll(tokens, ids);
  print(outcome, deleteSummary(ids.length));
  if (outcome.failed.length) {
    process.stderr.write(`mapbox-tokens: ${outcome.failed.length} of ${count(ids.length, 'token')} ${ids.length === 1 ? 'was' : 'were'} not deleted.\n`);
    process.exitCode = 1;
  }
}

async function remove(context) {
  const { args } = context;
  return args.length === 1 && args[0] !== '-' ? removeOne(context, args[0]) : removeMany(context);
}

/** What `rotate` prints as text: the new token's block (with the token) and the old token's fate. */
const rotatedText = (created, id, deleted, oldId = clean(id)) => `${tokenBlock(created, created.token)}\n${deleted
  ? `The old token ${oldId} was deleted.`
  : `The old token ${oldId} still exists: delete it once nothing uses it (mapbox-tokens delete ${oldId}).`}`;

/**
 * The new token was made but the old one could not be deleted: the new token is printed all the
 * same (this is the only time it is shown), then the command fails with exit code 1.
 */
function rotatedButKept(error, id, opts, print) {
  const failure = { kind: error.kind, status: error.status ?? null, message: redact(error.message) };
  print({ created: error.created, previous: { id }, deleted: false, error: failure }, () => rotatedText(error.created, id, false));
  secretNote(error.created, opts);
  const why = [error.status, error.apiMessage].filter(Boolean).join(' ') || error.kind;
  throw new Error(`the new token was created (printed above), but the old token ${id} still exists: deleting it failed (${why}). Delete it with 'mapbox-tokens delete ${id}' once nothing uses it.`);
}

async function rotate({ opts, args: [id], client, print }) {
  if (isTokenString(id)) throw new UsageError(`rotate ${ID_NOT_TOKEN}.`);
  let data;
  try {
    ({ data } = await client().rotate({ authorizationId: id, deleteOld: Boolean(opts['delete-old']) }));
  } catch (e) {
    if (isMapboxError(e) && e.created) return rotatedButKept(e, id, opts, print);
    throw e;
  }
  const { created, previous, deleted } = data;
  print({ created, previous: withoutSecret(previous), deleted }, () => rotatedText(created, previous.id, deleted));
  secretNote(created, opts);
}

/** The scan options of the command line; a usage error for a bad --max-size or a flag that needs another. */
function scanOptions(opts, args) {
  if (opts.strict && !opts.check) throw new UsageError('--strict needs --check: only the API can tell whether a found token is valid.');
  if (opts.git && opts.staged) throw new UsageError('--git and --staged exclude each other: --git reads the history, --staged the index.');
  if (opts.since !== undefined && !opts.git) throw new UsageError('--since needs --git: it limits the history that is read.');
  if ((opts.git || opts.staged) && args.length > 1) throw new UsageError(`--${opts.git ? 'git' : 'staged'} reads one repository: give at most one PATH.`);
  const maxSize = opts['max-size'] === undefined ? DEFAULT_MAX_SIZE : parseSize(opts['max-size']);
  if (maxSize === undefined) throw new UsageError(`--max-size must be a size such as 500k, 10M or a number of bytes, not '${clean(opts['max-size'])}'.`);
  return {
    maxSize,
    includeHidden: Boolean(opts['include-hidden']),
    defaultIgnores: !opts['no-default-ignores'],
    includeBinary: Boolean(opts['include-binary']),
    marker: ALLOW_MARKER,
  };
}

/** The output format: `text`, `json` (also --json) or `sarif`. */
function scanFormat(opts) {
  const format = opts.format ?? (opts.json ? 'json' : 'text');
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not '${clean(format)}'.`);
  if (opts.json && format !== 'json') throw new UsageError(`--json and --format ${format} exclude each other.`);
  return format;
}

/** Runs `work`, turning the git and allow-list errors it throws into usage errors (exit 2). */
async function asUsage(work) {
  try {
    return await work();
  } catch (e) {
    if (e instanceof GitError || e instanceof AllowError) throw new UsageError(e.message);
    throw e;
  }
}

/** A path named on the command line that cannot be opened is a usage error, before anything is scanned. */
function mustOpen(path) {
  try {
    closeSync(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  } catch (e) {
    throw new UsageError(`cannot read ${clean(path)} (${e.code ?? e.message}).`);
  }
}

/** Files and folders: the ignore file of each folder named, then the walk. */
async function scanFiles(roots, find, options) {
  roots.forEach(mustOpen);
  const ignores = new Map();
  for (const root of roots) {
    const matcher = await asUsage(() => folderIgnore(root));
    if (matcher) ignores.set(root, matcher);
  }
  return scanPaths(roots, find, { ...options, ignores });
}

/**
 * A repository's history (--git) or index (--staged), with the ignore file of its top level
 * (HEAD's, for a bare repository). On a terminal, stderr shows the walk's progress.
 */
async function scanRepository(path, find, opts, options) {
  mustOpen(path);
  return asUsage(async () => {
    const { top } = await repositoryOf(path);
    let ignoreText;
    if (top !== undefined) {
      try {
        ignoreText = readFileSync(join(top, IGNORE_FILE), 'utf8');
      } catch (e) {
        if (e.code !== 'ENOENT') throw new AllowError(`cannot read ${clean(join(top, IGNORE_FILE))} (${e.code}).`);
      }
    } else {
      ignoreText = await headFile(path, IGNORE_FILE);
    }
    const ignored = ignoreText === undefined ? undefined : await ignoreMatcher(ignoreText);
    let state = { commits: 0, blobs: 0, done: 0, bytes: 0 };
    const progress = progressLine(() => (opts.staged
      ? `Scanning staged files: ${state.done}/${state.blobs} (${bytes(state.bytes)})`
      : `Scanning history: ${count(state.commits, 'commit')}, ${state.done}/${state.blobs} blobs (${bytes(state.bytes)})`), terminal('stderr'));
    try {
      return await scanGit(path, find, {
        staged: Boolean(opts.staged), since: opts.since, maxSize: options.maxSize, includeBinary: options.includeBinary,
        ignored, marker: options.marker, progress: (now) => { state = now; },
      });
    } finally {
      progress.done();
    }
  });
}

/**
 * The API's verdict on each distinct found token. One client for all the checks, so that they
 * share its pacing; it is made with a found token, as a check needs no account token (the API
 * authorises it by the token checked). Resolves to the verdicts by token and the first error.
 */
async function verdictsOf(tokenStrings, client) {
  const distinct = [...new Set(tokenStrings)];
  const verdicts = new Map();
  if (distinct.length === 0) return { verdicts };
  const tokens = client(distinct[0]);
  let done = 0;
  let error;
  const progress = progressLine(() => `Checking tokens: ${done}/${distinct.length}${rateLimitWait(tokens.rateLimit)}`, terminal('stderr'));
  try {
    await Promise.all(distinct.map(async (token) => {
      try {
        verdicts.set(token, (await tokens.checkValidity({ accessToken: token })).data.code);
      } catch (e) {
        if (!isMapboxError(e)) throw e;
        error ??= e;
      }
      done++;
      progress.update();
    }));
  } finally {
    progress.done();
  }
  return { verdicts, error };
}

/** 1 when a secret is found (or, strict, any valid token), else 2 when a path could not be read, else 0. */
function scanExitCode({ findings, unreadable }, strict) {
  if (findings.some((f) => f.usage === 'sk' || (strict && f.verdict === 'TokenValid'))) return 1;
  return unreadable.length ? 2 : 0;
}

/** What scan tells on stderr besides its findings: files not read and why, and with text output a summary. */
function scanNotes(report, { format, maxSize, staged, git }) {
  const lines = [
    ...report.unreadable.map((u) => `mapbox-tokens: cannot read ${u.file} (${u.code}).`),
    ...report.skipped.large.map((l) => `Not scanned: ${l.file} is ${bytes(l.size)}, over --max-size ${bytes(maxSize)}.`),
  ];
  if (format === 'text') {
    const { findings, files, skipped, allowed } = report;
    const secrets = findings.filter((f) => f.usage === 'sk').length;
    const what = staged ? count(files, 'staged file')
      : report.commits === undefined ? count(files, 'file') : `${count(files, 'blob')} of ${count(report.commits, 'commit')}`;
    lines.push(`Scanned ${what} (${bytes(report.bytes)}): ${findings.length
      ? `${count(findings.length, 'token')} found, ${secrets} secret`
      : 'no Mapbox token found'}.`);
    const passed = [
      [skipped.ignored, 'folder', 'ignored by default (.git, node_modules; --no-default-ignores)'],
      [skipped.hidden, 'hidden folder', 'not walked (--include-hidden)'],
      [skipped.binary, git ? 'binary blob' : 'binary file', 'not scanned (--include-binary)'],
      [skipped.missing, 'blob', 'not in this clone (a partial clone) not scanned'],
      [skipped.symlinks, 'symbolic link', 'not followed'],
      [skipped.special, 'special file', '(socket, FIFO or device) not read'],
    ].filter(([n]) => n).map(([n, what, why]) => `${count(n, what)} ${why}`);
    if (passed.length) lines.push(`Skipped: ${passed.join('; ')}.`);
    const allowedNotes = [
      [allowed.paths, git || staged ? 'blob' : 'path', `passed over by ${IGNORE_FILE}`],
      [allowed.lines, 'token', `on lines marked ${ALLOW_MARKER}`],
      [allowed.baseline, 'token', 'in the baseline'],
    ].filter(([n]) => n).map(([n, what, why]) => `${count(n, what)} ${why}`);
    if (allowedNotes.length) lines.push(`Allowed: ${allowedNotes.join('; ')}.`);
  }
  if (lines.length) note(lines.map(clean).join('\n'));
}

/**
 * The report of a scan, built field by field: the token string itself never reaches the output,
 * only `redacted` and `fingerprint`. Findings in the baseline are left out (and counted).
 */
function scanReport(result, baseline) {
  const kept = [];
  let inBaseline = 0;
  for (const entry of result.findings) {
    const print = fingerprint(entry.found.token);
    const file = redact(entry.file);
    if (baseline?.has(baselineKey(print, file))) inBaseline++;
    else kept.push({ entry, print, file });
  }
  const findings = kept.map(({ entry: { found, commit }, print, file }) => ({
    file, line: found.line, column: found.column, usage: found.usage,
    user: redact(found.user), authorization: found.authorization && redact(found.authorization), redacted: found.redacted,
    fingerprint: print,
    ...(commit ? { commit: { hash: commit.hash, date: commit.date, author: redact(commit.author) } } : {}),
  }));
  const report = {
    ...(result.commits === undefined ? {} : { commits: result.commits }),
    files: result.files,
    bytes: result.bytes,
    findings,
    skipped: { ...result.skipped, large: result.skipped.large.map((l) => ({ ...l, file: redact(l.file) })) },
    unreadable: (result.unreadable ?? []).map((u) => ({ ...u, file: redact(u.file) })),
    allowed: { ...result.allowed, baseline: inBaseline },
  };
  return { report, found: kept.map(({ entry }) => entry.found) };
}

async function scan({ opts, args, client, print }) {
  const options = scanOptions(opts, args);
  const format = scanFormat(opts);
  const baseline = opts.baseline === undefined ? undefined : await asUsage(() => readBaseline(opts.baseline));
  const { findTokens } = library;
  if (typeof findTokens !== 'function') throw new Error('this build of the mapbox-tokens package has no findTokens: scan needs a newer one.');
  const result = opts.git || opts.staged
    ? await scanRepository(args[0] ?? '.', findTokens, opts, options)
    : await scanFiles(args.length ? args : ['.'], findTokens, options);
  const { report, found } = scanReport(result, baseline);
  let checkError;
  if (opts.check) {
    const { verdicts, error } = await verdictsOf(found.map((f) => f.token), client);
    found.forEach((f, i) => { report.findings[i].verdict = verdicts.get(f.token); });
    checkError = error;
  }
  if (format === 'sarif') {
    const version = createRequire(import.meta.url)('mapbox-tokens/package.json').version;
    const log = sarifLog(report, { version, columns: found.map((f) => f.utf16Column), lengths: found.map((f) => f.token.length) });
    print(log, (data) => jsonText(data));
  } else if (format === 'json' || report.findings.length) {
    print(report, (r) => (format === 'json' ? jsonText(r) : r.findings.map(findingLine).join('\n')));
  }
  scanNotes(report, { format, maxSize: options.maxSize, staged: Boolean(opts.staged), git: Boolean(opts.git) });
  const code = scanExitCode(report, opts.strict);
  // A check without an answer fails the command as any call does (exit 3 for no answer), unless a secret was found.
  if (checkError && code !== 1) throw checkError;
  if (checkError) note(`mapbox-tokens: ${clean(redact(checkError.message))}`);
  process.exitCode = code;
}

async function check({ args: [arg], client, print }) {
  // A token to check authorises its own check: the API needs no scope for it.
  const tokens = arg === undefined ? client() : client(await tokenArgument(arg));
  const { data } = await tokens.checkValidity();
  print(data, (v) => fields([['code', v.code], ...(v.token ? tokenInfoFields(v.token) : [])]));
  if (data.code !== 'TokenValid') process.exitCode = 1;
}

async function scopes({ client, print }) {
  const { data } = await client().listScopes();
  print(data, (all) => table(['SCOPE', 'ACCESS', 'DESCRIPTION'], all.map((s) => [s.id, s.public ? 'public' : 'secret', s.description])));
}

async function parse({ args: [arg], print }) {
  print(parseToken(await tokenArgument(arg)), (info) => fields(tokenInfoFields(info)));
}

const SCOPE = { type: 'string', multiple: true, arg: 'SCOPE', help: 'a scope to grant; repeat it or separate scopes with commas' };
const NOTE = { type: 'string', arg: 'TEXT', help: 'a description of the token (at most 128 characters)' };
const ALLOWED_URL = { type: 'string', multiple: true, arg: 'URL', help: 'a URL the token may be used from; repeat for more' };

/** Every command: `args` (`<required>` or `[optional]`), `options` for parseArgs (with `arg` and `help`), `run`. */
export const COMMANDS = {
  list: {
    args: [],
    summary: "list the account's tokens",
    description: "Lists the account's tokens, one page (or every page with --all). Token strings are not shown.\nWith --json: {\"tokens\": [...], \"nextStart\": cursor or null}; with --all, one array of every token.",
    options: {
      usage: { type: 'string', arg: 'pk|sk', help: 'only public or only secret tokens' },
      default: { type: 'boolean', help: "only the account's default public token" },
      'no-default': { type: 'boolean', help: 'every token but the default public token' },
      sortby: { type: 'string', arg: 'created|modified', help: 'sort order (default created)' },
      limit: { type: 'string', arg: 'N', help: 'the most tokens per page' },
      start: { type: 'string', arg: 'CURSOR', help: 'the page to read: the cursor a previous list printed' },
      all: { type: 'boolean', help: 'follow every page and list all tokens' },
    },
    run: list,
  },
  create: {
    args: [],
    summary: 'create a public (pk) or secret (sk) token',
    description: 'Creates a permanent token and prints it: public (pk) when every scope is public, secret (sk)\nwhen any is. A secret token is shown only this once.',
    options: { scope: SCOPE, note: NOTE, 'allowed-url': ALLOWED_URL },
    run: create,
  },
  temp: {
    args: [],
    summary: 'create a temporary token (tk) that expires within an hour',
    description: 'Creates a temporary token (tk) and prints it.',
    options: {
      scope: SCOPE,
      expires: { type: 'string', arg: 'SECONDS', help: 'seconds it lives, at most 3600 (default), or an ISO 8601 date-time' },
    },
    run: temp,
  },
  update: {
    args: ['<id>'],
    summary: "change a token's note, scopes or allowed URLs",
    description: "Changes the token with this id (the ID column of `list`, not the token string). Options left\nout leave the field as it is; --scope replaces every scope.",
    options: {
      note: NOTE,
      scope: SCOPE,
      'allowed-url': ALLOWED_URL,
      'clear-allowed-urls': { type: 'boolean', help: 'remove the URL restriction' },
    },
    run: update,
  },
  rotate: {
    args: ['<id>'],
    summary: 'replace a token with a new one that has the same settings',
    description: `Creates a new token with the scopes, note and allowed URLs of the token with this id and
prints it (the only time a secret token is shown). The old token keeps working until you delete
it: --delete-old deletes it right after the new one is made. Should that delete fail, the new
token is printed all the same and the command exits with 1: the old token still exists.
The account's default public token cannot be rotated through the API (refresh it on the account page).
With --json: {"created": token with its token string, "previous": token without it, "deleted": true|false}.`,
    options: { 'delete-old': { type: 'boolean', help: 'delete the old token once the new one exists' } },
    run: rotate,
  },
  delete: {
    args: ['<id>...'],
    summary: 'delete tokens by id (asks first unless --yes)',
    description: `Deletes (revokes) the tokens with these ids; - reads ids from stdin, one per line (it needs --yes).
On a terminal it asks once for all of them; when stdin is not a terminal, --yes is required.
The deletes are paced by the API's rate limit: on a terminal a line on stderr shows how many are
done and any wait. One id prints as before (with --json: {"id", "deleted"}); several, or -, print
how many were deleted and each failure with its reason (with --json: {"deleted": [ids],
"failed": [{"id", "kind", "status", "message"}]}) and exit with 1 when any failed.`,
    options: { yes: { type: 'boolean', short: 'y', help: 'delete without asking' } },
    run: remove,
  },
  check: {
    args: ['[token]'],
    summary: 'ask the API whether a token is valid (exit 1 when not)',
    description: "Asks the API whether a token is valid: the given one, else your access token. Pass - to read\nthe token from stdin, which keeps it out of your shell history. Exits with 1 when the answer is\nnot TokenValid (TokenMalformed, TokenInvalid, TokenExpired or TokenRevoked).",
    options: {},
    run: check,
  },
  scopes: {
    args: [],
    summary: 'list the scopes the account can grant',
    description: 'Lists the scopes the account can grant, and whether a public token may hold each.',
    options: {},
    run: scopes,
  },
  parse: {
    args: ['<token>'],
    summary: 'decode a token offline (no network, no access token)',
    description: 'Decodes a token without asking the API and prints what it holds (not the token itself).\nThe signature is not checked: use `check` for that. Pass - to read the token from stdin.',
    options: {},
    run: parse,
  },
  scan: {
    args: ['[PATH...]'],
    summary: 'find Mapbox tokens in files or a git history (exit 1 when a secret one is found)',
    description: `Searches files and folders (default: the current one) for Mapbox tokens and prints one line
per token found: path:line:column  usage  user  id  token, the token redacted (its first
characters only: never the whole token, in any output). Needs no access token.

Symbolic links inside folders are never followed (a link named as PATH is), so the walk stays in
the tree. Files are read one at a time, as bytes. Skipped unless asked for: .git and node_modules
(--no-default-ignores), hidden folders other than .github, .gitlab and .circleci (--include-hidden;
hidden files such as .env are always read), binary files, with a NUL byte in their first 8 KB
(--include-binary), and files over 10 MB (--max-size).

--git reads the history of the repository at PATH instead: every blob reachable from any ref
(branches, tags, stashes), each once, and reports each token with the first commit that added it
(hash, date, author) and its path and line there. --since REV reads only the commits that REV
does not reach. --staged reads what \`git commit\` would record: the index's content of added and
modified files (for pre-commit hooks). Paths are then relative to the repository's top level.

Allowed, so neither reported nor failing the scan: paths matched by ${IGNORE_FILE} at the scanned
root (gitignore syntax; for --git and --staged, at the repository's top level), tokens on a line
that holds ${ALLOW_MARKER}, and with --baseline FILE the findings of an earlier --json report
(matched by the token's fingerprint, a hash, and the path).

--check asks the API for each distinct token's verdict (TokenValid, TokenRevoked, TokenExpired…),
authorised by the found token itself. With --json: {"files", "bytes", "findings": [{"file",
"line", "column", "usage", "user", "authorization", "redacted", "fingerprint", "verdict",
"commit"}], "skipped", "unreadable", "allowed"} ("commits" and "commit" with --git).
--format sarif writes a SARIF 2.1.0 log for code-scanning dashboards.
Exits with 1 when a secret (sk) token is found, or with --check --strict when any found token is
valid; 2 when a path cannot be read; else 0.`,
    options: {
      check: { type: 'boolean', help: "ask the API for each found token's verdict" },
      strict: { type: 'boolean', help: 'with --check: exit 1 when any found token is still valid' },
      git: { type: 'boolean', help: "scan the repository's history: every blob of every ref, once" },
      since: { type: 'string', arg: 'REV', help: 'with --git: only the commits REV does not reach' },
      staged: { type: 'boolean', help: 'scan the staged content of added and modified files' },
      baseline: { type: 'string', arg: 'FILE', help: 'leave out the findings of this earlier --json report' },
      format: { type: 'string', arg: 'text|json|sarif', help: 'the output (default text; json is --json)' },
      'max-size': { type: 'string', arg: 'SIZE', help: 'skip larger files: bytes, or with k, M, G (default 10M)' },
      'include-hidden': { type: 'boolean', help: 'also walk hidden folders (names starting with .)' },
      'no-default-ignores': { type: 'boolean', help: 'also walk .git and node_modules folders' },
      'include-binary': { type: 'boolean', help: 'also search binary files' },
    },
    run: scan,
  },
  broker: { ...BROKER_COMMAND, run: (context) => broker({ ...context, UsageError }) },
};
