// Text output of the command line: aligned tables, "key  value" blocks, scan findings, the
// progress line and the help pages. Nothing here prints a token string unless it is handed one
// (only create, temp and rotate do that).

/** Control characters (a note could hold an escape sequence or a newline) become spaces. */
export const clean = (value) => String(value ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

/**
 * Text about to be written to a terminal, several lines: every control character but the newline
 * (ESC, BEL, CR, C1 such as the one-byte CSI) becomes a space. The last guard of every write, behind
 * `clean` on each value: a string from a scanned file or from the API never drives the terminal.
 */
export const terminalText = (text) => String(text).replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, ' ');

/**
 * `data` as indented JSON whose text holds no control character: JSON.stringify escapes C0
 * itself; DEL and C1 (which it leaves raw) are escaped here too, so the data stays exact.
 */
export const jsonText = (data) => JSON.stringify(data, null, 2)
  .replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Writes `text` and a newline to stderr, made safe for a terminal. */
export const note = (text) => process.stderr.write(`${terminalText(text)}\n`);

/**
 * Anything shaped like a token in `text` replaced by `pk.[redacted]` (or sk, tk): for messages
 * and for text that comes from outside (a file's name, a found token's user), which could hold one.
 */
export const redact = (text) => String(text).replace(/\b(pk|sk|tk)\.[\w-]+\.[\w-]+/g, '$1.[redacted]');

/** `value` cut to `width` characters, ending in `…` when cut. */
export const clip = (value, width) => (value.length > width ? `${value.slice(0, width - 1)}…` : value);

/** An ISO 8601 date (or a Date) as `2026-01-31 12:00:00Z`; empty when absent. */
export function when(date) {
  if (!date) return '';
  const iso = date instanceof Date ? date.toISOString() : String(date);
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Rows of cells, each column as wide as its widest cell, two spaces apart. */
function align(rows) {
  const lines = rows.map((cells) => cells.map(clean));
  const widths = (lines[0] ?? []).map((_, i) => Math.max(...lines.map((cells) => cells[i].length)));
  return lines.map((cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Rows of cells under `headers`, aligned. */
export const table = (headers, rows) => align([headers, ...rows]);

/** `[key, value]` pairs as aligned lines; pairs whose value is undefined, null or '' are left out. */
export function fields(pairs) {
  const shown = pairs.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return align(shown.map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : String(value)]));
}

/** As many scopes as fit in `width` characters, then `+N` for the rest. */
export function scopeSummary(scopes, width = 48) {
  let text = '';
  for (const [i, scope] of scopes.entries()) {
    const next = text ? `${text},${scope}` : scope;
    const rest = scopes.length - i - 1;
    if (next.length + (rest ? ` +${rest}`.length : 0) > width && text) return `${text} +${scopes.length - i}`;
    text = next;
  }
  return text;
}

/** What `parseToken` or the API read from a token: every field but the token string. */
export const tokenInfoFields = (info) => [
  ['usage', info.usage],
  ['user', info.user],
  ['authorization', info.authorization],
  ['created', when(info.created)],
  ['expires', when(info.expires)],
  ['scopes', info.scopes],
  ['client', info.client],
];

/** A token object (from create or update) as a block; `token` only when the caller passes it. */
export const tokenBlock = (t, token) => fields([
  ['id', t.id],
  ['usage', t.usage],
  ['default', t.default ? 'yes' : undefined],
  ['note', t.note],
  ['scopes', t.scopes],
  ['allowed URLs', t.allowedUrls],
  ['created', when(t.created)],
  ['modified', when(t.modified)],
  ['token', token],
]);

/** `1 token`, `3 tokens`: a count and a noun that takes an s. */
export const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A byte count for people: `512 B`, `1.5 KB`, `12 MB` (powers of 1024, as --max-size reads them). */
export function bytes(count) {
  if (count < 1024) return `${count} B`;
  let value = count / 1024;
  let unit = 0;
  while (value >= 1024 && unit < 2) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? Math.round(value * 10) / 10 : Math.round(value)} ${['KB', 'MB', 'GB'][unit]}`;
}

/**
 * One finding of `scan`: `path:line:column  usage  user  id  redacted-token  [verdict]` (`-` for
 * the id of a temporary token), and for a finding in the history `commit <hash> <date> <author>`.
 * Never the whole token: only its `redacted` form.
 */
export const findingLine = (f) => [
  `${clean(redact(f.file))}:${f.line}:${f.column}`,
  f.usage,
  clean(redact(f.user)),
  clean(redact(f.authorization ?? '-')),
  clean(f.redacted),
  ...(f.verdict ? [clean(f.verdict)] : []),
  ...(f.commit ? [`commit ${f.commit.hash.slice(0, 12)} ${when(f.commit.date)} ${clean(redact(f.commit.author))}`] : []),
].join('  ');

/** `, waiting 12 s for the rate limit (40 held)` while the client's pacing holds calls; '' otherwise or without pacing. */
export function rateLimitWait(pacing) {
  if (!pacing?.held) return '';
  return `, waiting ${Math.ceil(pacing.resumesIn / 1000)} s for the rate limit (${pacing.held} held)`;
}

/**
 * A status line on stderr, rewritten in place while a batch of calls runs: drawn on each
 * `update()` and every 250 ms (the rate limit's countdown moves between completions), and left
 * as a last line by `done()`. Nothing at all when `terminal` is false: a log gets the summary only.
 * @param {() => string} render the line's text
 * @param {boolean} terminal whether stderr is a terminal
 */
export function progressLine(render, terminal) {
  if (!terminal) return { update() {}, done() {} };
  const draw = () => process.stderr.write(`\r${clean(render())}\x1b[K`);
  const timer = setInterval(draw, 250);
  timer.unref(); // the calls keep the process alive while they run, never the line
  draw();
  return {
    update: draw,
    done() {
      clearInterval(timer);
      draw();
      process.stderr.write('\n');
    },
  };
}

/** `update <id>`: a command's name and its arguments. */
const synopsis = (name, command) => [name, ...command.args].join(' ');

const optionName = (name, spec) => `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;

/** The help lines of a set of options (each spec has `help`, and `arg` when it takes a value). */
function optionLines(options) {
  return align(Object.entries(options).map(([name, spec]) => [`  ${optionName(name, spec)}`, spec.help]));
}

export const EXIT_CODES = `Exit codes:
  0  success (scan: no secret token found)
  1  the API refused the request or its answer could not be read; check: the token is not valid;
     delete of several ids: any was not deleted; rotate: the old token could not be deleted;
     scan: a secret (sk) token was found, or with --check --strict any found token is valid
  2  usage error: bad arguments, unknown command or option, no access token, invalid input;
     scan: a path could not be read (unless a secret was found: that is 1)
  3  no answer: network error, timeout or abort`;

const TOKEN_SOURCES = `The access token is read from --token-file PATH (its first line), else from the environment
variable MAPBOX_ACCESS_TOKEN, else MapboxAccessToken. There is deliberately no --token option:
a token typed on the command line lands in your shell history and in the process list.`;

/** `mapbox-tokens --help`. */
export function mainHelp(commands, globals) {
  const list = align(Object.entries(commands).map(([name, c]) => [`  ${synopsis(name, c)}`, c.summary]));
  return `mapbox-tokens: manage Mapbox access tokens (the Tokens API) from a terminal or a script.

Usage: mapbox-tokens <command> [options]

Commands:
${list}

Global options (before or after the command):
${optionLines(globals)}

${TOKEN_SOURCES}
Managing tokens needs the tokens:read and tokens:write scopes; \`scopes\` needs scopes:list.

${EXIT_CODES}

Run 'mapbox-tokens <command> --help' for a command's options.`;
}

/** `mapbox-tokens <command> --help`. */
export function commandHelp(name, command, globals) {
  const options = Object.keys(command.options).length ? `\n\nOptions:\n${optionLines(command.options)}` : '';
  return `Usage: mapbox-tokens ${synopsis(name, command)}${options ? ' [options]' : ''}

${command.description}${options}

Global options:
${optionLines(globals)}

${EXIT_CODES}`;
}
