#!/usr/bin/env node
// mapbox-tokens: the command line of the mapbox-tokens package, built on its public API only.
// Run `mapbox-tokens --help`. Exit codes: 0 ok, 1 API error (scan: a secret found), 2 usage error, 3 no answer.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { Tokens, isMapboxError } from 'mapbox-tokens';
import { COMMANDS, UsageError, firstLine, numeric } from './commands.mjs';
import { mainHelp, commandHelp, redact, clean, jsonText, terminalText } from './output.mjs';

const GLOBALS = {
  origin: { type: 'string', arg: 'URL', help: 'the API origin (default https://api.mapbox.com)' },
  username: { type: 'string', arg: 'NAME', help: "the account to work on (default: the access token's own)" },
  'token-file': { type: 'string', arg: 'PATH', help: 'read the access token from the first line of PATH' },
  timeout: { type: 'string', arg: 'MS', help: 'milliseconds a call may take, retries included (default 30000)' },
  json: { type: 'boolean', help: 'print one JSON document on stdout instead of text' },
  help: { type: 'boolean', short: 'h', help: 'show this help (after a command: its help)' },
  version: { type: 'boolean', help: 'print the version' },
};

const EXIT = { InvalidInput: 2, Http: 1, Decode: 1, Network: 3, Timeout: 3, Aborted: 3 };

/** Where the command name is in `argv`: the first argument that is neither an option nor a global option's value. */
function commandIndex(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return -1;
    if (!argv[i].startsWith('-')) return i;
    if (GLOBALS[argv[i].slice(2)]?.type === 'string') i++;
  }
  return -1;
}

/** The command, its options and its arguments; a UsageError for anything parseArgs or the command refuses. */
function parseCommandLine(argv) {
  const at = commandIndex(argv);
  const name = at < 0 ? undefined : argv[at];
  const command = name && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (name && !command) throw new UsageError(`unknown command '${name}'. Run 'mapbox-tokens --help' for the commands.`);
  const rest = at < 0 ? argv : argv.toSpliced(at, 1);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBALS, ...command?.options }, allowPositionals: true, strict: true });
  } catch (e) {
    const reason = e.message.split('. ')[0];
    throw new UsageError(`${reason[0].toLowerCase()}${reason.slice(1)}. Run 'mapbox-tokens${name ? ` ${name}` : ''} --help'.`);
  }
  const { values: opts, positionals: args } = parsed;
  if (command && !opts.help) {
    const required = command.args.filter((a) => a.startsWith('<'));
    const variadic = /\.\.\.\]?$/.test(command.args.at(-1) ?? ''); // `<id>...`, `[PATH...]`: any number from there on
    if (args.length < required.length || (!variadic && args.length > command.args.length)) {
      throw new UsageError(`usage: mapbox-tokens ${[name, ...command.args].join(' ')}. Run 'mapbox-tokens ${name} --help'.`);
    }
  }
  return { name, command, opts, args };
}

/** The access token: --token-file, else MAPBOX_ACCESS_TOKEN, else MapboxAccessToken. */
function accessToken(opts) {
  if (opts['token-file'] !== undefined) {
    let text;
    try {
      text = readFileSync(opts['token-file'], 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the token file ${opts['token-file']} (${e.code ?? e.message}).`);
    }
    const token = firstLine(text);
    if (!token) throw new UsageError(`the token file ${opts['token-file']} is empty: put the access token on its first line.`);
    return token;
  }
  const token = process.env.MAPBOX_ACCESS_TOKEN || process.env.MapboxAccessToken;
  if (!token) throw new UsageError('no access token: set MAPBOX_ACCESS_TOKEN (or MapboxAccessToken), or pass --token-file PATH.');
  return token;
}

async function main(argv) {
  const { name, command, opts, args } = parseCommandLine(argv);
  const out = (text) => process.stdout.write(`${terminalText(text)}\n`);
  if (opts.help) return out(command ? commandHelp(name, command, GLOBALS) : mainHelp(COMMANDS, GLOBALS));
  if (!command && opts.version) return out(createRequire(import.meta.url)('mapbox-tokens/package.json').version);
  if (!command) throw new UsageError("no command given. Run 'mapbox-tokens --help' for the commands.");
  const client = (token = accessToken(opts)) =>
    new Tokens({ accessToken: token, origin: opts.origin, username: opts.username, timeout: numeric(opts.timeout) });
  const print = (data, render) => out(opts.json ? jsonText(data) : render(data));
  await command.run({ opts, args, client, print, token: () => accessToken(opts) });
}

process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); // `mapbox-tokens list | head`
  throw e;
});

try {
  await main(process.argv.slice(2));
} catch (e) {
  // Redacted although the library never puts a token in a message: this keeps it so for ours too.
  // Cleaned: a message can quote the API or a scanned file, which could hold escape sequences.
  process.stderr.write(`mapbox-tokens: ${clean(redact(e?.message ?? e))}\n`);
  process.exitCode = e instanceof UsageError ? 2 : isMapboxError(e) ? (EXIT[e.kind] ?? 1) : 1;
}
