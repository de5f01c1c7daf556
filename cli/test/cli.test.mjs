// The `mapbox-tokens` command line, run as a child process against the local Tokens API emulator.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SCOPES } from '../../emulator/index.mjs';
import { closedPort, fileEmulator, leaks, runCli, runs, tempDir } from './helpers.mjs';

const emu = await fileEmulator();
/** Tokens no output may hold unless a run allows it. */
const secrets = [emu.adminToken];
const scratchDir = tempDir('mapbox-tokens-cli-');
const scratch = scratchDir.path;
after(() => scratchDir.remove());

/** `mapbox-tokens --origin <emulator> ...args`, authorised by the admin token unless `env` says otherwise. */
const cli = (args, { env, input } = {}) =>
  runCli(['--origin', emu.url, ...args], { env: { MAPBOX_ACCESS_TOKEN: emu.adminToken, ...env }, input });

/** Asserts a successful run and returns its stdout parsed as one JSON document. */
function json(run) {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** Asserts a failed run: `code`, nothing on stdout, one line `mapbox-tokens: …` on stderr matching `pattern`. */
function assertFails(run, code, pattern) {
  assert.equal(run.code, code, `exit code of ${run.args.join(' ')}: ${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^mapbox-tokens: [^\n]+\n$/);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

const stored = (id) => emu.state.find('demo', id);
/** The account's tokens as the API sorts them by default: by creation, then id. */
const sortedIds = () => emu.state.tokensOf('demo')
  .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1)).map((t) => t.id);
const seed = (count, options) => {
  const tokens = emu.seedTokens(count, options);
  secrets.push(...tokens.map((t) => t.token));
  return tokens;
};
const mint = (options) => {
  const minted = emu.mintToken(options);
  secrets.push(minted.token);
  return minted;
};

test('--help names every command, the token sources (no --token) and the exit codes', async () => {
  const run = await runCli(['--help']);
  assert.equal(run.code, 0);
  for (const command of ['list', 'create', 'temp', 'update <id>', 'rotate <id>', 'delete <id>...', 'check [token]', 'scopes', 'parse <token>', 'scan [PATH...]']) {
    assert.match(run.stdout, new RegExp(`^  ${command.replace(/[[\].]/g, '\\$&')}  `, 'm'));
  }
  assert.match(run.stdout, /MAPBOX_ACCESS_TOKEN, else MapboxAccessToken/);
  assert.match(run.stdout, /no --token option/);
  for (const code of [0, 1, 2, 3]) assert.match(run.stdout, new RegExp(`^  ${code}  \\S`, 'm'));

  const list = await runCli(['list', '-h']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^Usage: mapbox-tokens list \[options\]/);
  for (const option of ['--usage pk|sk', '--default', '--no-default', '--sortby created|modified', '--limit N', '--start CURSOR', '--all', '--origin URL']) {
    assert.ok(list.stdout.includes(`  ${option} `), option);
  }
  const version = await runCli(['--version']);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(new URL('../../pkg/package.json', import.meta.url))).version);
});

test('list prints an aligned table of every token, marking the default one', async () => {
  seed(2, { note: 'seeded' });
  const run = await cli(['list']);
  assert.equal(run.code, 0, run.stderr);
  const [header, ...rows] = run.stdout.trimEnd().split('\n');
  assert.match(header, /^ID +USAGE +DEFAULT +NOTE +SCOPES +CREATED$/);
  assert.deepEqual(rows.map((r) => r.split(' ')[0]), sortedIds());
  const column = (name) => header.indexOf(name);
  for (const row of rows) {
    const token = stored(row.split(' ')[0]);
    assert.equal(row.slice(column('USAGE')).split(' ')[0], token.usage);
    assert.equal(row[column('DEFAULT')], token.default ? '*' : ' ');
    assert.ok(row.slice(column('NOTE')).startsWith(token.note), row);
    assert.match(row.slice(column('CREATED')), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  }
});

test('list --json is one page with its filters sent, and no token strings', async () => {
  seed(3);
  mint({ scopes: ['tokens:read', 'styles:read'] });
  const page = json(await cli(['list', '--json', '--sortby', 'modified']));
  assert.deepEqual(Object.keys(page), ['tokens', 'nextStart']);
  assert.equal(page.nextStart, null);
  assert.deepEqual(page.tokens.map((t) => t.id).sort(), sortedIds().sort());
  for (const t of page.tokens) {
    assert.equal(t.token, undefined);
    assert.deepEqual(t.scopes, stored(t.id).scopes);
  }
  assert.equal(emu.requests().at(-1).query.sortby, 'modified');

  const secret = json(await cli(['list', '--json', '--usage', 'sk']));
  assert.deepEqual(secret.tokens.map((t) => t.id).sort(), emu.state.tokensOf('demo').filter((t) => t.usage === 'sk').map((t) => t.id).sort());
  const defaults = json(await cli(['--json', 'list', '--default']));
  assert.deepEqual(defaults.tokens.map((t) => t.default), [true]);
  const others = json(await cli(['list', '--no-default', '--json']));
  assert.equal(others.tokens.length, sortedIds().length - 1);
  assert.ok(others.tokens.every((t) => !t.default));
  assertFails(await cli(['list', '--default', '--no-default']), 2, /exclude each other/);
});

test('list pages with --limit and --start, and --all follows every page', async () => {
  seed(7);
  const ids = sortedIds();
  assert.equal(ids.length, 9);

  const first = await cli(['list', '--limit', '2']);
  assert.equal(first.code, 0);
  assert.equal(first.stdout.trimEnd().split('\n').length, 3);
  const cursor = /add --start (\S+), or use --all/.exec(first.stderr)[1];
  const second = json(await cli(['list', '--limit', '2', '--start', cursor, '--json']));
  assert.deepEqual(second.tokens.map((t) => t.id), ids.slice(2, 4));
  assert.equal(typeof second.nextStart, 'string');

  emu.clearRequests();
  const all = json(await cli(['list', '--all', '--limit', '2', '--json']));
  assert.ok(Array.isArray(all));
  assert.deepEqual(all.map((t) => t.id), ids);
  assert.ok(all.every((t) => t.token === undefined));
  const pages = emu.requests().filter((r) => r.method === 'GET' && r.path === '/tokens/v2/demo');
  assert.equal(pages.length, 5);
  assert.ok(pages.every((r) => r.query.limit === '2'));

  assertFails(await cli(['list', '--all', '--start', cursor]), 2, /--start/);
});

test('create --json makes the token the emulator holds, and only create prints it', async () => {
  const run = await cli(['create', '--scope', 'styles:read', '--scope', 'fonts:read', '--note', 'my site',
    '--allowed-url', 'https://a.example', '--allowed-url', 'https://b.example', '--json']);
  const created = json(run);
  const token = stored(created.id);
  assert.equal(created.token, emu.state.tokenString(token));
  run.allowed.push(created.token);
  assert.equal(created.usage, 'pk');
  assert.deepEqual(token.scopes, ['styles:read', 'fonts:read']);
  assert.equal(token.note, 'my site');
  assert.deepEqual(created.allowedUrls, ['https://a.example', 'https://b.example']);

  const secret = await cli(['create', '--scope', 'styles:read,tokens:read']);
  assert.equal(secret.code, 0, secret.stderr);
  const id = /^id +(\S+)$/m.exec(secret.stdout)[1];
  const sk = emu.state.tokenString(stored(id));
  assert.match(secret.stdout, new RegExp(`^token +${sk.replace(/\./g, '\\.')}$`, 'm'));
  secret.allowed.push(sk);
  assert.match(secret.stdout, /^usage +sk$/m);
  assert.match(secret.stderr, /shown only now/);
  assert.deepEqual(stored(id).scopes, ['styles:read', 'tokens:read']);

  assertFails(await cli(['create', '--note', 'no scopes']), 2, /--scope/);
});

test('temp creates a temporary token that expires when asked', async () => {
  const run = await cli(['temp', '--scope', 'styles:read', '--expires', '60', '--json']);
  const temp = json(run);
  run.allowed.push(temp.token);
  assert.match(temp.token, /^tk\./);
  // The library sends an expiry date (now + 60 s); the emulator counts whole seconds from its own now.
  assert.ok(temp.expires_in >= 59 && temp.expires_in <= 60, `expires_in ${temp.expires_in}`);
  assert.equal(emu.state.check(temp.token).code, 'TokenValid');
  assert.deepEqual(emu.state.check(temp.token).scopes, ['styles:read']);

  const text = await cli(['temp', '--scope', 'styles:read']);
  assert.equal(text.code, 0, text.stderr);
  const tk = /^token +(tk\.\S+)$/m.exec(text.stdout)[1];
  text.allowed.push(tk);
  assert.equal(emu.state.check(tk).code, 'TokenValid');
  assert.match(text.stdout, /^expires +\d{4}-/m);

  assertFails(await cli(['temp', '--scope', 'styles:read', '--expires', '7200']), 2, /expires/);
});

test('update changes the note, scopes and allowed URLs, and clears them', async () => {
  const [{ id }] = seed(1, { note: 'before' });
  const run = await cli(['update', id, '--note', 'after', '--scope', 'styles:read,datasets:read', '--allowed-url', 'https://a.example']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^note +after$/m);
  assert.deepEqual(stored(id).scopes, ['styles:read', 'datasets:read']);
  assert.equal(stored(id).note, 'after');
  assert.deepEqual(stored(id).allowedUrls, ['https://a.example']);

  const cleared = json(await cli(['update', id, '--clear-allowed-urls', '--json']));
  assert.equal(cleared.allowedUrls, undefined);
  assert.equal(cleared.token, undefined);
  assert.equal(stored(id).allowedUrls, undefined);

  assertFails(await cli(['update', id, '--allowed-url', 'https://a.example', '--clear-allowed-urls']), 2, /exclude each other/);
  assertFails(await cli(['update', id]), 2, /at least one field/);
  assertFails(await cli(['update']), 2, /usage: mapbox-tokens update <id>/);
});

test('delete --yes deletes; without --yes and without a terminal it refuses', async () => {
  const [a, b] = seed(2);
  assertFails(await cli(['delete', a.id]), 2, /pass --yes/);
  assert.ok(stored(a.id));

  const run = await cli(['delete', a.id, '--yes']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `Deleted token ${a.id}.\n`);
  assert.equal(stored(a.id), undefined);
  assert.deepEqual(json(await cli(['delete', '-y', b.id, '--json'])), { id: b.id, deleted: true });
  assert.equal(stored(b.id), undefined);
});

test('delete asks on a terminal and deletes only after yes', async () => {
  const [{ id }] = seed(1, { note: 'keep me?' });
  const tty = { MAPBOX_TOKENS_ASSUME_TTY: '1' };
  for (const answer of ['n\n', '\n', '']) {
    const no = await cli(['delete', id], { env: tty, input: answer });
    assert.equal(no.code, 0, no.stderr);
    assert.equal(no.stderr, `Delete token ${id} (keep me?)? [y/N] `);
    assert.equal(no.stdout, `Token ${id} was not deleted.\n`);
    assert.ok(stored(id), `still there after ${JSON.stringify(answer)}`);
  }
  assertFails(await cli(['delete', emu.adminToken], { env: tty, input: 'y\n' }), 2, /not the token string/);
  const yes = await cli(['delete', id], { env: tty, input: 'y\n' });
  assert.equal(yes.code, 0, yes.stderr);
  assert.equal(yes.stdout, `Deleted token ${id}.\n`);
  assert.equal(stored(id), undefined);
});

test('check judges the configured token, one given, or one read from stdin', async () => {
  const own = await cli(['check']);
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stdout, /^code +TokenValid$/m);
  assert.match(own.stdout, new RegExp(`^authorization +${emu.state.tokensOf('demo').find((t) => t.usage === 'sk').id}$`, 'm'));

  const [gone] = seed(1);
  emu.state.remove(stored(gone.id));
  // No access token configured: the token to check is enough.
  const revoked = await runCli(['--origin', emu.url, 'check', '-', '--json'], { input: `${gone.token}\n` });
  assert.equal(revoked.code, 1);
  assert.equal(JSON.parse(revoked.stdout).code, 'TokenRevoked');
  assert.equal(JSON.parse(revoked.stdout).token.authorization, gone.id);

  const malformed = await cli(['check', 'not-a-token']);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stdout, /^code +TokenMalformed$/m);
  assertFails(await cli(['check', '-']), 2, /no token on stdin/);
});

test('scopes lists the catalogue with public and secret marked', async () => {
  const scopes = json(await cli(['scopes', '--json']));
  assert.deepEqual(scopes.map((s) => s.id), SCOPES.map((s) => s.id));
  const run = await cli(['scopes']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^SCOPE +ACCESS +DESCRIPTION$/m);
  assert.match(run.stdout, /^styles:read +public +Read styles\.$/m);
  assert.match(run.stdout, /^tokens:write +secret +Create, update and delete tokens\.$/m);
  assert.equal(run.stdout.trimEnd().split('\n').length, SCOPES.length + 1);
});

test('parse decodes offline: no access token, no request, the token itself not printed', async () => {
  const origin = `http://127.0.0.1:${await closedPort()}`;
  const admin = stored(JSON.parse(Buffer.from(emu.adminToken.split('.')[1], 'base64url')).a);
  const run = await runCli(['--origin', origin, 'parse', emu.adminToken]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^usage +sk$/m);
  assert.match(run.stdout, /^user +demo$/m);
  assert.match(run.stdout, new RegExp(`^authorization +${admin.id}$`, 'm'));

  const tk = emu.state.temporaryToken('demo', ['styles:read'], 1_800_000_000, 1_800_000_600);
  secrets.push(tk);
  const decoded = json(await runCli(['parse', '-', '--json'], { input: tk }));
  assert.deepEqual(decoded, { usage: 'tk', user: 'demo', created: '2027-01-15T08:00:00.000Z', expires: '2027-01-15T08:10:00.000Z', scopes: ['styles:read'], client: 'api' });
  assertFails(await runCli(['parse', 'pk.nope']), 2, /malformed/);
  assert.equal(emu.requests().length, 0);
});

test('exit code 1: the API refuses (a token without tokens:write) or answers badly', async () => {
  const reader = mint({ scopes: ['tokens:read'] });
  const run = await cli(['delete', reader.id, '--yes'], { env: { MAPBOX_ACCESS_TOKEN: reader.token } });
  assertFails(run, 1, /404.*tokens:write/);
  assert.ok(stored(reader.id));

  assertFails(await cli(['--username', 'other', 'list']), 1, /No such user/);
  assert.equal(emu.requests().at(-1).path, '/tokens/v2/other');
  emu.addFault({ path: '/scopes/', fault: { type: 'malformed' } });
  assertFails(await cli(['scopes']), 1, /not valid JSON/);
});

test('exit code 2: unknown command or option, missing argument, no access token, invalid input', async () => {
  assertFails(await cli(['frobnicate']), 2, /unknown command 'frobnicate'/);
  assertFails(await cli([emu.adminToken]), 2, /unknown command 'sk\.\[redacted\]'/);
  assertFails(await cli(['list', '--token', emu.adminToken]), 2, /unknown option '--token'/);
  assertFails(await cli(['list', '--limit']), 2, /--limit/);
  assertFails(await cli(['scopes', 'extra']), 2, /usage: mapbox-tokens scopes/);
  assertFails(await cli([]), 2, /no command/);
  assertFails(await runCli(['--origin', emu.url, 'list']), 2, /no access token: set MAPBOX_ACCESS_TOKEN/);
  assertFails(await cli(['list', '--limit', '0']), 2, /limit must be a positive whole number/);
  assertFails(await cli(['list', '--usage', 'tk']), 2, /usage must be/);
  assertFails(await cli(['--timeout', 'soon', 'scopes']), 2, /timeout/);
  assert.equal(emu.requests().length, 0);
});

test('exit code 3: no answer (connection refused, or slower than --timeout)', async () => {
  const refused = await runCli(['--origin', `http://127.0.0.1:${await closedPort()}`, 'scopes'],
    { env: { MAPBOX_ACCESS_TOKEN: emu.adminToken } });
  assertFails(refused, 3, /did not reach the API/);

  emu.addFault({ path: '/scopes/', count: 5, fault: { type: 'delay', ms: 10_000 } });
  const started = Date.now();
  assertFails(await cli(['scopes', '--timeout', '300']), 3, /no answer within 300 ms/);
  assert.ok(Date.now() - started < 5000);
});

test('--token-file wins over the environment; MAPBOX_ACCESS_TOKEN wins over MapboxAccessToken', async () => {
  const file = join(scratch, 'token');
  writeFileSync(file, `  ${emu.adminToken}  \nsecond line\n`);
  const revoked = mint({ scopes: ['tokens:read'] });
  emu.state.remove(stored(revoked.id));
  const fromFile = await runCli(['--origin', emu.url, '--token-file', file, 'list', '--json'], { env: { MAPBOX_ACCESS_TOKEN: revoked.token } });
  assert.equal(json(fromFile).tokens.length, sortedIds().length);
  assertFails(await cli(['list'], { env: { MAPBOX_ACCESS_TOKEN: revoked.token } }), 1, /401/);

  const both = await runCli(['--origin', emu.url, 'scopes', '--json'], { env: { MAPBOX_ACCESS_TOKEN: emu.adminToken, MapboxAccessToken: revoked.token } });
  assert.equal(both.code, 0, both.stderr);
  const legacy = await runCli(['--origin', emu.url, 'scopes', '--json'], { env: { MapboxAccessToken: emu.adminToken } });
  assert.equal(legacy.code, 0, legacy.stderr);

  assertFails(await cli(['--token-file', join(scratch, 'missing'), 'list']), 2, /cannot read the token file .*ENOENT/);
  writeFileSync(join(scratch, 'empty'), '\n');
  assertFails(await cli(['--token-file', join(scratch, 'empty'), 'list']), 2, /is empty/);
});

test('no output holds a token, except the one a create or temp just made', () => {
  // The scan itself finds what it must.
  assert.equal(leaks({ args: ['x'], stdout: `a ${emu.adminToken} b`, stderr: '', allowed: [] }, []).length, 1);
  assert.equal(leaks({ args: ['x'], stdout: 'sk.eyJ1.abc', stderr: '', allowed: [] }, []).length, 1);
  assert.ok(runs.length >= 50, `${runs.length} runs`);
  const allowedShown = runs.filter((run) => run.allowed.some((t) => run.stdout.includes(t)));
  assert.equal(allowedShown.length, 4);
  assert.deepEqual(runs.flatMap((run) => leaks(run, secrets)), []);
});
