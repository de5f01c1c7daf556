// Text output of the command line: aligned tables, "key  value" blocks and the help pages.
// Nothing here prints a token string unless it is handed one (only create and temp do that).

/** Control characters (a note could hold an escape sequence or a newline) become spaces. */
export const clean = (value) => String(value ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

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

/** `update <id>`: a command's name and its arguments. */
const synopsis = (name, command) => [name, ...command.args].join(' ');

const optionName = (name, spec) => `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;

/** The help lines of a set of options (each spec has `help`, and `arg` when it takes a value). */
function optionLines(options) {
  return align(Object.entries(options).map(([name, spec]) => [`  ${optionName(name, spec)}`, spec.help]));
}

export const EXIT_CODES = `Exit codes:
  0  success
  1  the API refused the request or its answer could not be read (check: the token is not valid)
  2  usage error: bad arguments, unknown command or option, no access token, invalid input
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
