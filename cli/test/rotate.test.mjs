// `mapbox-tokens rotate <id> [--delete-old]`, run as a child process against the local Tokens API
// emulator: the new token keeps the old one's settings and is printed even when the old one
// could not be deleted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileEmulator, leaks, runCli, runs } from './helpers.mjs';

const emu = await fileEmulator();
/** Tokens no output may hold unless a run allows it. */
const secrets = [emu.adminToken];

const cli = (args, { env, input } = {}) =>
  runCli(['--origin', emu.url, ...args], { env: { MAPBOX_ACCESS_TOKEN: emu.adminToken, ...env }, input });

const stored = (id) => emu.state.find('demo', id);
/** A stored token with these settings, and its token string. */
function insert(fields) {
  const token = emu.state.insert({ username: 'demo', ...fields });
  const string = emu.state.tokenString(token);
  secrets.push(string);
  return { id: token.id, token: string };
}
const WEBSITE = { usage: 'pk', scopes: ['styles:read', 'fonts:read'], note: 'my website', allowedUrls: ['https://a.example', 'https://b.example'] };
const SERVER = { usage: 'sk', scopes: ['styles:read', 'tokens:read'], note: 'server' };
/** The stored token whose token string is `string`. */
const storedByString = (string) => emu.state.tokensOf('demo').find((t) => emu.state.tokenString(t) === string);
const tokenCount = () => emu.state.tokensOf('demo').length;

/** Asserts a failed run: `code`, nothing on stdout, one line `mapbox-tokens: …` on stderr matching `pattern`. */
function assertFails(run, code, pattern) {
  assert.equal(run.code, code, `exit code of ${run.args.join(' ')}: ${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^mapbox-tokens: [^\n]+\n$/);
  assert.match(run.stderr, pattern);
}

test('rotate makes a token with the same scopes, note and allowed URLs, prints it, and keeps the old one', async () => {
  const old = insert(WEBSITE);
  const run = await cli(['rotate', old.id, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const { created, previous, deleted, ...rest } = JSON.parse(run.stdout);
  run.allowed.push(created.token);
  assert.deepEqual(rest, {});
  assert.equal(deleted, false);
  assert.match(created.token, /^pk\./);
  assert.notEqual(created.id, old.id);
  assert.deepEqual([created.scopes, created.note, created.allowedUrls], [WEBSITE.scopes, WEBSITE.note, WEBSITE.allowedUrls]);
  const made = storedByString(created.token);
  assert.equal(made.id, created.id);
  assert.deepEqual([made.scopes, made.note, made.allowedUrls], [WEBSITE.scopes, WEBSITE.note, WEBSITE.allowedUrls]);
  assert.equal(previous.id, old.id);
  assert.equal(previous.token, undefined);
  assert.equal(emu.state.check(old.token).code, 'TokenValid');
  assert.equal(emu.state.check(created.token).code, 'TokenValid');

  const text = await cli(['rotate', old.id]);
  assert.equal(text.code, 0, text.stderr);
  const token = /^token +(pk\.\S+)$/m.exec(text.stdout)[1];
  text.allowed.push(token);
  assert.match(text.stdout, /^note +my website$/m);
  assert.match(text.stdout, /^allowed URLs +https:\/\/a\.example, https:\/\/b\.example$/m);
  assert.match(text.stdout, new RegExp(`^The old token ${old.id} still exists: delete it once nothing uses it \\(mapbox-tokens delete ${old.id}\\)\\.$`, 'm'));
  assert.equal(text.stderr, '');
  assert.equal(emu.state.check(token).code, 'TokenValid');
});

test('rotate --delete-old revokes the old token after the new one exists; a secret one is shown once', async () => {
  const old = insert(SERVER);
  emu.clearRequests();
  const run = await cli(['rotate', old.id, '--delete-old']);
  assert.equal(run.code, 0, run.stderr);
  const token = /^token +(sk\.\S+)$/m.exec(run.stdout)[1];
  run.allowed.push(token);
  assert.match(run.stdout, /^usage +sk$/m);
  assert.match(run.stdout, new RegExp(`^The old token ${old.id} was deleted\\.$`, 'm'));
  assert.equal(run.stderr, 'This secret token is shown only now: store it safely.\n');
  assert.equal(stored(old.id), undefined);
  assert.equal(emu.state.check(old.token).code, 'TokenRevoked');
  assert.deepEqual(storedByString(token).scopes, SERVER.scopes);
  const changes = emu.requests().filter((r) => r.method !== 'GET').map((r) => r.method);
  assert.deepEqual(changes, ['POST', 'DELETE'], 'the create comes first');

  const again = insert(SERVER);
  const json = await cli(['rotate', again.id, '--delete-old', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  json.allowed.push(result.created.token);
  assert.equal(result.deleted, true);
  assert.equal(result.previous.id, again.id);
  assert.equal(json.stderr, '', 'no reminder in --json');
});

test('the old token cannot be deleted: the new token is printed all the same, with an error, exit 1', async () => {
  const old = insert(WEBSITE);
  emu.addFault({ method: 'DELETE', path: `/tokens/v2/demo/${old.id}`, count: 10, fault: { type: 'status', status: 403 } });
  const run = await cli(['rotate', old.id, '--delete-old']);
  assert.equal(run.code, 1);
  const token = /^token +(pk\.\S+)$/m.exec(run.stdout)?.[1];
  assert.ok(token, run.stdout);
  run.allowed.push(token);
  assert.match(run.stdout, new RegExp(`^The old token ${old.id} still exists`, 'm'));
  assert.match(run.stderr, /^mapbox-tokens: [^\n]+\n$/);
  assert.match(run.stderr, new RegExp(`the old token ${old.id} still exists: deleting it failed \\(403`));
  assert.equal(emu.state.check(token).code, 'TokenValid');
  assert.equal(emu.state.check(old.token).code, 'TokenValid');

  const json = await cli(['rotate', old.id, '--delete-old', '--json']);
  assert.equal(json.code, 1);
  const result = JSON.parse(json.stdout);
  json.allowed.push(result.created.token);
  assert.deepEqual(Object.keys(result), ['created', 'previous', 'deleted', 'error']);
  assert.equal(emu.state.check(result.created.token).code, 'TokenValid');
  assert.deepEqual(result.created.scopes, WEBSITE.scopes);
  assert.deepEqual(result.previous, { id: old.id });
  assert.equal(result.deleted, false);
  assert.equal(result.error.kind, 'Http');
  assert.equal(result.error.status, 403);
  assert.match(json.stderr, /still exists/);
  emu.clearFaults();
});

test('an unknown id, or the default public token: nothing is created', async () => {
  const before = tokenCount();
  const unknown = await cli(['rotate', 'cunknown00000000000000000']);
  assertFails(unknown, 1, /has no token with/);
  const defaultId = emu.state.tokensOf('demo').find((t) => t.default).id;
  assertFails(await cli(['rotate', defaultId, '--delete-old']), 2, /default/i);
  assert.equal(tokenCount(), before);
  assert.deepEqual(emu.requests().filter((r) => r.method !== 'GET'), []);
  assert.ok(stored(defaultId));
});

test('usage errors before anything is sent: a token string for the id, no id, two ids', async () => {
  const old = insert(WEBSITE);
  assertFails(await cli(['rotate', old.token]), 2, /rotate takes the token's id .*not the token string/);
  assertFails(await cli(['rotate']), 2, /usage: mapbox-tokens rotate <id>/);
  assertFails(await cli(['rotate', old.id, old.id]), 2, /usage: mapbox-tokens rotate <id>/);
  assertFails(await cli(['rotate', old.id, '--delete']), 2, /unknown option '--delete'/);
  assert.deepEqual(emu.requests(), []);
  const help = await cli(['rotate', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: mapbox-tokens rotate <id> \[options\]/);
  assert.match(help.stdout, /^ {2}--delete-old +delete the old token once the new one exists$/m);
});

test('no output holds a token, except the new one a rotate just made', () => {
  assert.ok(runs.length >= 13, `${runs.length} runs`);
  assert.equal(runs.filter((run) => run.allowed.some((t) => run.stdout.includes(t))).length, 6);
  assert.deepEqual(runs.flatMap((run) => leaks(run, secrets)), []);
});
