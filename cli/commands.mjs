// The commands of `mapbox-tokens`: each one's arguments, options, help and a small function that
// runs it. A command gets `{ opts, args, client, print }`:
// - `client(token?)` builds a `Tokens` client with the global options (by default with the
//   configured access token; a usage error when there is none),
// - `print(data, render)` writes `data` as one JSON document with --json, else `render(data)`.
import { createInterface } from 'node:readline';
import { parseToken, isMapboxError } from 'mapbox-tokens';
import { clean, table, fields, when, clip, scopeSummary, tokenInfoFields, tokenBlock } from './output.mjs';

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
  if (nextStart && !opts.json) process.stderr.write(`More tokens: add --start ${nextStart}, or use --all.\n`);
}

async function create({ opts, client, print }) {
  const { data } = await client().create({ scopes: newScopes(opts), note: opts.note, allowedUrls: opts['allowed-url'] });
  print(data, (t) => tokenBlock(t, t.token));
  if (data.usage === 'sk' && !opts.json) process.stderr.write('This secret token is shown only now: store it safely.\n');
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

/** ` (note)` of the token `id`, or '' when it cannot be listed (the access token may lack tokens:read). */
async function describe(tokens, id) {
  try {
    for await (const t of tokens.listAllTokens()) if (t.id === id) return ` (${clean(t.note) || 'no note'})`;
  } catch (e) {
    if (!isMapboxError(e)) throw e;
  }
  return '';
}

/** Asks `question` on stderr; true when the answer on stdin is y or yes. */
function confirm(question) {
  process.stderr.write(question);
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    lines.once('line', (line) => resolve(/^y(es)?$/i.test(line.trim())));
    lines.once('close', () => resolve(false));
  }).finally(() => lines.close());
}

/** Whether to prompt: stdin is a terminal. MAPBOX_TOKENS_ASSUME_TTY=1 says it is (for tests). */
const interactive = () => process.stdin.isTTY || process.env.MAPBOX_TOKENS_ASSUME_TTY === '1';

/** Whether `value` is a token string (someone passed the token where its id belongs). */
function isTokenString(value) {
  try {
    return Boolean(parseToken(value));
  } catch {
    return false;
  }
}

async function remove({ opts, args: [id], client, print }) {
  // Checked before the prompt, which would otherwise show the token.
  if (isTokenString(id)) throw new UsageError("delete takes the token's id (the ID column of `list`), not the token string.");
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
  delete: {
    args: ['<id>'],
    summary: 'delete a token (asks first unless --yes)',
    description: 'Deletes (revokes) the token with this id. On a terminal it asks for confirmation first;\nwhen stdin is not a terminal, --yes is required.',
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
};
