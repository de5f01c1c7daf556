// `mapbox-tokens delete` with several ids, or ids on stdin: one question, paced deletes, a
// progress line on a terminal only, a summary, exit 1 when any failed. Run as a child process
// against the local Tokens API emulator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulator } from '../../emulator/index.mjs';
import { fileEmulator, leaks, runCli, runs } from './helpers.mjs';

const emu = await fileEmulator();
/** Tokens no output may hold. */
const secrets = [emu.adminToken];

/** `mapbox-tokens --origin <emulator> ...args` with the admin token, or `env`'s. */
const cli = (args, { env, input } = {}, emulator = emu) =>
  runCli(['--origin', emulator.url, ...args], { env: { MAPBOX_ACCESS_TOKEN: emulator.adminToken, ...env }, input });

const seed = (count, options, emulator = emu) => {
  const tokens = emulator.seedTokens(count, options);
  secrets.push(...tokens.map((t) => t.token));
  return tokens.map((t) => t.id);
};
const stored = (id, emulator = emu) => emulator.state.find('demo', id);
const apiRequests = (emulator = emu) => emulator.requests().filter((r) => r.path.startsWith('/tokens/'));
/** An id of the emulator's shape that names no token. */
const UNKNOWN = 'cunknown00000000000000000';

/** Asserts a run refused with a usage error (exit 2): nothing on stdout, one line on stderr. */
function assertUsage(run, pattern) {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^mapbox-tokens: [^\n]+\n$/);
  assert.match(run.stderr, pattern);
}

test('several ids with --yes: every one deleted, a summary, exit 0', async () => {
  const ids = seed(3);
  const run = await cli(['delete', ...ids, '--yes']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'Deleted 3 of 3 tokens.\n');
  assert.equal(run.stderr, '');
  for (const id of ids) assert.equal(stored(id), undefined);
  assert.equal(emu.requests().filter((r) => r.method === 'DELETE').length, 3);
});

test('- reads ids from stdin (blank lines and spaces ignored, repeats once); --json lists what was deleted', async () => {
  const ids = seed(4);
  const input = `\n  ${ids[0]}  \n${ids[1]}\r\n\n\t${ids[2]}\n${ids[0]}\n`;
  const run = await cli(['delete', '-', ids[3], '--yes', '--json'], { input });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { deleted: [ids[0], ids[1], ids[2], ids[3]], failed: [] });
  for (const id of ids) assert.equal(stored(id), undefined);
  assert.equal(emu.requests().filter((r) => r.method === 'DELETE').length, 4);

  // A single id on stdin still gets the summary's shape: scripts read one shape for -.
  const [last] = seed(1);
  assert.deepEqual(JSON.parse((await cli(['delete', '-', '-y', '--json'], { input: `${last}\n` })).stdout), { deleted: [last], failed: [] });
});

test('a failure among them: the others are deleted, each failure listed with its reason, exit 1', async () => {
  const ids = seed(2);
  const run = await cli(['delete', ids[0], UNKNOWN, ids[1], '--yes']);
  assert.equal(run.code, 1);
  const [summary, heading, failure, ...rest] = run.stdout.trimEnd().split('\n');
  assert.equal(summary, 'Deleted 2 of 3 tokens.');
  assert.equal(heading, 'Not deleted:');
  assert.match(failure, new RegExp(`^  ${UNKNOWN}  \\S.*404`));
  assert.deepEqual(rest, []);
  assert.equal(run.stderr, 'mapbox-tokens: 1 of 3 tokens were not deleted.\n');
  assert.equal(stored(ids[0]), undefined);
  assert.equal(stored(ids[1]), undefined);

  const [kept] = seed(1);
  const json = await cli(['delete', UNKNOWN, kept, '--yes', '--json']);
  assert.equal(json.code, 1);
  const outcome = JSON.parse(json.stdout);
  assert.deepEqual(outcome.deleted, [kept]);
  assert.equal(outcome.failed.length, 1);
  assert.deepEqual(Object.keys(outcome.failed[0]), ['id', 'kind', 'status', 'message']);
  assert.equal(outcome.failed[0].id, UNKNOWN);
  assert.equal(outcome.failed[0].kind, 'Http');
  assert.equal(outcome.failed[0].status, 404);
  assert.match(outcome.failed[0].message, /404/);

  // A token without tokens:write: every delete refused, every token kept.
  const reader = emu.mintToken({ scopes: ['tokens:read'] });
  secrets.push(reader.token);
  const more = seed(2);
  const refused = await cli(['delete', ...more, '--yes'], { env: { MAPBOX_ACCESS_TOKEN: reader.token } });
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /^Deleted 0 of 2 tokens\.\nNot deleted:\n {2}\S+ {2}.*tokens:write.*\n {2}\S+ {2}.*tokens:write/);
  for (const id of more) assert.ok(stored(id));
});

test('usage errors, before anything is sent: no --yes without a terminal, - without --yes, a token string, no ids', async () => {
  const ids = seed(2);
  emu.clearRequests();
  assertUsage(await cli(['delete', ...ids]), /not deleting 2 tokens without confirmation: stdin is not a terminal, so pass --yes/);
  assertUsage(await cli(['delete', '-'], { input: `${ids[0]}\n` }), /ids read from stdin need --yes/);
  assertUsage(await cli(['delete', ids[0], emu.adminToken, '--yes']), /not the token string: argument 2 is a token string/);
  assertUsage(await cli(['delete', '-', '--yes'], { input: `${ids[0]}\n\n${emu.adminToken}\n` }), /not the token string: line 3 of stdin is a token string/);
  assertUsage(await cli(['delete', '-', '--yes'], { input: '\n  \n' }), /no ids on stdin/);
  assertUsage(await cli(['delete', '--yes']), /usage: mapbox-tokens delete <id>\.\.\./);
  assert.deepEqual(apiRequests(), []);
  for (const id of ids) assert.ok(stored(id));
});

test('on a terminal: one question for all of them, with their notes; only yes deletes', async () => {
  const ids = [...seed(1, { note: 'first' }), ...seed(1, { note: 'second' })];
  const question = `Delete these 3 tokens?\n  ${ids[0]} (first)\n  ${ids[1]} (second)\n  ${UNKNOWN} (not found)\n[y/N] `;
  const no = await cli(['delete', ...ids, UNKNOWN], { env: { MAPBOX_TOKENS_ASSUME_TTY: 'stdin' }, input: 'n\n' });
  assert.equal(no.code, 0, no.stderr);
  assert.equal(no.stderr, question);
  assert.equal(no.stdout, 'No token was deleted.\n');
  for (const id of ids) assert.ok(stored(id));
  assert.equal(emu.requests().filter((r) => r.method === 'DELETE').length, 0);

  const yes = await cli(['delete', ...ids, '--json'], { env: { MAPBOX_TOKENS_ASSUME_TTY: '1' }, input: 'yes\n' });
  assert.equal(yes.code, 0, yes.stderr);
  assert.deepEqual(JSON.parse(yes.stdout), { deleted: ids, failed: [] });
  for (const id of ids) assert.equal(stored(id), undefined);
});

test('the progress line is drawn on a terminal stderr, and never in a pipe', async () => {
  const ids = seed(5);
  const tty = await cli(['delete', ...ids, '--yes'], { env: { MAPBOX_TOKENS_ASSUME_TTY: 'stderr' } });
  assert.equal(tty.code, 0, tty.stderr);
  assert.equal(tty.stdout, 'Deleted 5 of 5 tokens.\n');
  assert.match(tty.stderr, /^\rDeleting tokens: 0\/5\u001b\[K/);
  assert.match(tty.stderr, /\rDeleting tokens: 5\/5\u001b\[K\n$/);
  assert.equal(tty.stderr.split('\n').length, 2, 'one line, rewritten in place');

  const more = seed(3);
  const piped = await cli(['delete', ...more, '--yes']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, '');
  // A terminal stdin alone (the question's) does not draw it either.
  const asked = await cli(['delete', ...seed(2)], { env: { MAPBOX_TOKENS_ASSUME_TTY: 'stdin' }, input: 'y\n' });
  assert.doesNotMatch(asked.stderr, /Deleting tokens/);
});

test('the deletes are paced by the client: the progress line says how long the rate limit holds them', async () => {
  // An API that allows 3 requests per 2 s: the question's listing teaches the client the limit,
  // so that the deletes beyond it are held (not failed) and the line shows the wait.
  const limited = await startEmulator({ rateLimit: { limit: 3, interval: 2 }, hooks: true });
  try {
    secrets.push(limited.adminToken);
    const ids = seed(7, {}, limited);
    const run = await cli(['delete', ...ids], { env: { MAPBOX_TOKENS_ASSUME_TTY: 'stdin,stderr' }, input: 'y\n' }, limited);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Deleted 7 of 7 tokens.\n');
    assert.match(run.stderr, /\rDeleting tokens: [0-6]\/7, waiting \d+ s for the rate limit \(\d+ held\)/);
    assert.match(run.stderr, /\rDeleting tokens: 7\/7\u001b\[K\n$/);
    for (const id of ids) assert.equal(stored(id, limited), undefined);
    // Held, not refused: no delete was answered 429 and tried again.
    assert.equal(limited.requests().filter((r) => r.method === 'DELETE').length, 7);
  } finally {
    await limited.close();
  }
});

test('no output holds a token', () => {
  assert.ok(runs.length >= 15, `${runs.length} runs`);
  assert.deepEqual(runs.flatMap((run) => leaks(run, secrets)), []);
});
