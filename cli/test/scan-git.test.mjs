// `mapbox-tokens scan --git` and `--staged` on repositories made here with git: tokens found in
// the history with the commit that added them, each blob once, --since, the index, binary blobs,
// progress on a terminal, errors, and no token in any output.
import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../../test/support.mjs';
import { installCli, leaks, runCli, runs } from './helpers.mjs';
import { GIT_ENV, fakeToken, makeRepo } from './git-repo.mjs';

const SK = fakeToken('sk', 'csecret000000000000000001');
const PK = fakeToken('pk', 'cpublic000000000000000001');
const PK2 = fakeToken('pk', 'cpublic000000000000000002');
const TK = fakeToken('tk', 'temporary');
const secrets = [SK, PK, PK2, TK];
const repos = [];

before(() => installCli());
after(() => repos.forEach((r) => r.remove()));

function repo() {
  const made = makeRepo();
  repos.push(made);
  return made;
}

/** `mapbox-tokens scan ...args` with git alone (no system or global configuration). */
const scan = (args, env = {}) => runCli(['scan', ...args], { env: { ...GIT_ENV, ...env } });

/** The findings of a --json run, after checking its exit code. */
function findings(run, code) {
  assert.equal(run.code, code, run.stderr);
  return JSON.parse(run.stdout).findings;
}

test('--git: a token added then removed is found in the history, with the commit that added it and its path and line there', async () => {
  const r = repo();
  r.write({ 'README.md': '# app\n' });
  r.commit('start');
  r.write({ 'src/config.js': `// settings\nexport const region = 'eu';\nexport const token = '${SK}';\n` });
  const added = r.commit('add the config', { author: 'Ann Author <ann@example.com>' });
  const addedDate = r.lastDate();
  r.write({ 'src/config.js': "// settings\nexport const region = 'eu';\nexport const token = process.env.TOKEN;\n" });
  r.commit('take the token out');

  // The files as they are now hold no token.
  assert.equal((await scan([r.path])).code, 0);

  const history = await scan(['--git', r.path, '--json']);
  const report = JSON.parse(history.stdout);
  assert.equal(history.code, 1, history.stderr);
  assert.equal(report.commits, 3);
  assert.equal(report.files, 3, 'README, and two versions of the config');
  assert.deepEqual(report.findings, [{
    file: 'src/config.js', line: 3, column: 23, usage: 'sk', user: 'demo', authorization: 'csecret000000000000000001',
    redacted: report.findings[0].redacted, fingerprint: report.findings[0].fingerprint,
    commit: { hash: added, date: addedDate, author: 'Ann Author' },
  }]);
  assert.equal(addedDate, '2026-01-01T00:02:00Z');

  const text = await scan(['--git', r.path]);
  assert.equal(text.code, 1);
  assert.equal(text.stdout, `src/config.js:3:23  sk  demo  csecret000000000000000001  ${report.findings[0].redacted}  commit ${added.slice(0, 12)} 2026-01-01 00:02:00Z Ann Author\n`);
  assert.match(text.stderr, /^Scanned 3 blobs of 3 commits \(\d+ B\): 1 token found, 1 secret\.$/m);
  assert.doesNotMatch(text.stderr, /Scanning history/, 'no progress line in a pipe');
});

test('--git: a token moved between files is reported once per blob; the same blob in other commits, paths and branches is read once', async () => {
  const r = repo();
  const content = `token = ${PK}\n`;
  r.write({ 'a.txt': content });
  const first = r.commit('a');
  r.git('mv', 'a.txt', 'b.txt');
  r.commit('rename: the same blob');
  r.write({ 'copy/again.txt': content });
  r.commit('a copy: the same blob again');
  r.git('checkout', '-q', '-b', 'side');
  r.write({ 'side.txt': content });
  r.commit('the same blob on a branch');
  r.git('checkout', '-q', 'main');
  r.write({ 'b.txt': '# moved out\n', 'c.js': `const x = 1;\nconst token = '${PK}';\n` });
  const moved = r.commit('the token moves into other code: a new blob');

  const report = JSON.parse((await scan(['--git', r.path, '--json'])).stdout);
  assert.equal(report.commits, 5);
  assert.deepEqual(report.findings.map((f) => [f.file, f.line, f.column, f.commit.hash]), [
    ['a.txt', 1, 9, first],
    ['c.js', 2, 16, moved],
  ]);
  assert.equal(report.findings[0].fingerprint, report.findings[1].fingerprint, 'the same token');
  assert.equal(report.files, 3, 'three distinct blobs');
});

test('--since REV reads only the commits REV does not reach; a REV that is no commit is a usage error', async () => {
  const r = repo();
  r.write({ 'one.txt': `${PK}\n` });
  const one = r.commit('one');
  r.write({ 'two.txt': `${PK2}\n` });
  const two = r.commit('two');
  r.git('checkout', '-q', '-b', 'feature', one);
  r.write({ 'three.txt': `x ${TK}\n` });
  const three = r.commit('three, on a branch from one');
  r.git('checkout', '-q', 'main');

  const all = findings(await scan(['--git', r.path, '--json']), 0);
  assert.deepEqual(all.map((f) => f.file).sort(), ['one.txt', 'three.txt', 'two.txt']);
  const sinceOne = JSON.parse((await scan(['--git', '--since', one, r.path, '--json'])).stdout);
  assert.equal(sinceOne.commits, 2);
  assert.deepEqual(sinceOne.findings.map((f) => [f.file, f.commit.hash]).sort(), [['three.txt', three], ['two.txt', two]]);
  assert.deepEqual(findings(await scan(['--git', '--since', 'main', r.path, '--json']), 0).map((f) => f.file), ['three.txt']);
  assert.deepEqual(findings(await scan(['--git', '--since', 'feature', r.path, '--json']), 0).map((f) => f.file), ['two.txt']);

  for (const [args, pattern] of [
    [['--git', '--since', 'no-such-branch', r.path], /^mapbox-tokens: --since no-such-branch: no such commit in this repository\n$/],
    [['--git', '--since=--output=/tmp/x', r.path], /^mapbox-tokens: --since --output=\/tmp\/x: no such commit/],
    [['--since', one, r.path], /--since needs --git/],
    [['--git', '--staged', r.path], /--git and --staged exclude each other/],
    [['--git', r.path, r.path], /--git reads one repository: give at most one PATH/],
  ]) {
    const run = await scan(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, pattern);
  }
});

test('--staged sees what git commit would record: a staged token, not an unstaged one, nor a staged deletion', async () => {
  const r = repo();
  r.write({ 'tracked.txt': 'plain\n', 'gone.txt': `${PK2}\n` });
  r.commit('start');
  r.write({ 'staged.js': `const a = 1;\nconst t = '${SK}';\n` });
  r.git('add', 'staged.js');
  r.git('rm', '-q', 'gone.txt');
  r.write({ 'unstaged.js': `${PK}\n`, 'tracked.txt': `now with ${PK}\n` });
  // A file staged, then changed again: the index holds the staged content.
  r.write({ 'twice.txt': 'clean when staged\n' });
  r.git('add', 'twice.txt');
  r.write({ 'twice.txt': `dirty after: ${PK}\n` });

  const run = await scan(['--staged', r.path, '--json']);
  const report = JSON.parse(run.stdout);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(report.files, 2, 'staged.js and twice.txt');
  assert.equal(report.commits, undefined);
  assert.deepEqual(report.findings.map((f) => [f.file, f.line, f.column, f.usage, f.commit]), [['staged.js', 2, 12, 'sk', undefined]]);

  // From a folder inside the work tree, paths are still the repository's.
  r.write({ 'sub/.keep': '' });
  const inside = await scan(['--staged', `${r.path}/sub`, '--json']);
  assert.deepEqual(findings(inside, 1).map((f) => f.file), ['staged.js']);

  r.git('commit', '-q', '-m', 'commit what was staged');
  const clean = await scan(['--staged', r.path]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stderr, /^Scanned 0 staged files \(0 B\): no Mapbox token found\.$/m);
});

test('--git: binary blobs are skipped unless --include-binary; --max-size lists larger blobs; progress shows on a terminal', async () => {
  const r = repo();
  r.write({ 'logo.png': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]), Buffer.from(` ${SK} `)]), 'big.js': `${'/'.repeat(5000)}\n${PK}\n`, 'small.js': `${PK2}\n` });
  r.commit('assets');
  const plain = JSON.parse((await scan(['--git', r.path, '--json'])).stdout);
  assert.deepEqual(plain.findings.map((f) => f.file), ['big.js', 'small.js']);
  assert.equal(plain.skipped.binary, 1);
  const binary = await scan(['--git', '--include-binary', r.path, '--json']);
  assert.deepEqual(findings(binary, 1).map((f) => f.file), ['big.js', 'logo.png', 'small.js']);
  const limited = JSON.parse((await scan(['--git', '--max-size', '4k', r.path, '--json'])).stdout);
  assert.deepEqual(limited.findings.map((f) => f.file), ['small.js']);
  assert.deepEqual(limited.skipped.large, [{ file: 'big.js', size: 5001 + PK.length + 1 }]);

  const tty = await scan(['--git', r.path], { MAPBOX_TOKENS_ASSUME_TTY: 'stderr' });
  assert.match(tty.stderr, /^\rScanning history: 0 commits, 0\/0 blobs \(0 B\)\u001b\[K[\s\S]*\rScanning history: 1 commit, 3\/3 blobs \([\d.]+ KB\)\u001b\[K\nScanned 2 blobs of 1 commit/);
});

test('--git: a blob the clone does not hold (as in a partial clone) is counted as missing, and the rest is scanned', async () => {
  const r = repo();
  r.write({ 'kept.txt': `${PK}\n`, 'lost.txt': `${SK}\n` });
  r.commit('two files');
  const lost = r.git('rev-parse', 'HEAD:lost.txt').trim();
  rmSync(join(r.path, '.git', 'objects', lost.slice(0, 2), lost.slice(2)));
  const run = await scan(['--git', r.path, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(report.findings.map((f) => f.file), ['kept.txt']);
  assert.equal(report.skipped.missing, 1);
  assert.match((await scan(['--git', r.path])).stderr, /^Skipped: 1 blob not in this clone \(a partial clone\) not scanned\.$/m);
});

test('--git and --staged outside a repository, or without git on PATH: exit 2 with the reason', async () => {
  const r = repo();
  r.git('init', '-q', '--bare', 'bare.git');
  const empty = await scan(['--git', `${r.path}/bare.git`]);
  assert.equal(empty.code, 0, empty.stderr);
  const outside = await scan(['--git', '/']);
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /^mapbox-tokens: .*not a git repository/im);
  const noGit = await scan(['--staged', r.path], { PATH: '/nonexistent' });
  assert.equal(noGit.code, 2);
  assert.match(noGit.stderr, /^mapbox-tokens: git is not installed \(or not on PATH\)\n$/);
});

test('a pre-commit hook running scan --staged stops a commit that adds a secret token (also with commit -a) and lets a public one through', () => {
  const r = repo();
  r.write({ 'README.md': '# app\n' });
  r.commit('start');
  const hook = join(r.path, '.git', 'hooks', 'pre-commit');
  writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'pkg', 'cli', 'mapbox-tokens.mjs')}" scan --staged\n`);
  chmodSync(hook, 0o755);
  const commit = (...args) => {
    try {
      r.git('commit', '-q', ...args);
      return { code: 0, stdout: '', stderr: '' };
    } catch (e) {
      return { code: e.status, stdout: e.stdout, stderr: e.stderr };
    }
  };
  r.write({ 'server.js': `const t = '${SK}';\n` });
  r.git('add', 'server.js');
  const refused = commit('-m', 'adds a secret');
  assert.notEqual(refused.code, 0, 'the commit is refused');
  assert.match(refused.stderr, /^server\.js:1:12 {2}sk {2}demo {2}csecret000000000000000001 {2}sk\.eyJ1IjoiZGV…$/m);
  assert.equal(r.git('rev-list', '--count', 'HEAD').trim(), '1');
  runs.push({ args: ['hook'], ...refused, allowed: [] });

  r.git('rm', '-q', '--cached', 'server.js');
  r.write({ 'web.js': `const t = '${PK}';\n` });
  r.git('add', 'web.js');
  const passed = commit('-m', 'adds a public token');
  assert.equal(passed.code, 0, passed.stderr);
  assert.equal(r.git('rev-list', '--count', 'HEAD').trim(), '2');

  // commit -a stages into a temporary index (GIT_INDEX_FILE), which the hook reads. (Git sends a hook's stdout to stderr.)
  r.write({ 'web.js': `const t = '${PK}';\nconst s = '${SK}';\n` });
  const all = commit('-a', '-m', 'a secret through commit -a');
  assert.notEqual(all.code, 0);
  assert.match(all.stderr, /^web\.js:2:12 {2}sk/m);
  assert.equal(r.git('rev-list', '--count', 'HEAD').trim(), '2');
  runs.push({ args: ['hook -a'], ...all, allowed: [] });
});

test('no output of any run holds a token, its payload or its signature', () => {
  assert.ok(runs.length >= 20, `${runs.length} runs`);
  const parts = secrets.flatMap((t) => [t, ...t.split('.').slice(1)]);
  assert.deepEqual(runs.flatMap((run) => leaks(run, parts)), []);
});
