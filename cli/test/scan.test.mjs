// `mapbox-tokens scan`, run as a child process on a scratch tree of real emulator tokens, with the
// library's findTokens: what is found and where, what is skipped, --json, --check verdicts from
// the emulator, exit codes, and that no output ever holds a whole token.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { redactToken, startEmulator } from '../../emulator/index.mjs';
import { ROOT } from '../../test/support.mjs';
import { closedPort, installCli, leaks, runCli, runs, tempDir } from './helpers.mjs';

let emu;
let scratch;
let tree;
/** Every token string of the tree, and each one's payload and signature: no output may hold any of them. */
const secrets = [];
/** The tokens of the tree: `{ token, id }`. */
const T = {};

/** Writes `files` (path → content) under `root`. */
function write(root, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const keep = (minted) => {
  secrets.push(minted.token, ...minted.token.split('.').slice(1));
  return minted;
};

before(async () => {
  installCli();
  emu = await startEmulator({ rateLimit: false, hooks: true });
  keep({ token: emu.adminToken });
  T.pk = keep(emu.mintToken({ scopes: ['styles:read'], note: 'web' }));
  T.sk = keep(emu.mintToken({ scopes: ['styles:read', 'tokens:read'], note: 'server' }));
  T.revoked = keep(emu.mintToken({ scopes: ['styles:read'], note: 'old' }));
  emu.state.remove(emu.state.find('demo', T.revoked.id));
  T.expired = keep(emu.mintToken({ scopes: ['styles:read'], expires: Date.now() - 60_000 }));
  T.outside = keep(emu.mintToken({ scopes: ['tokens:write'] }));
  const payload = T.pk.token.split('.')[1];
  scratch = tempDir('mapbox-tokens-scan-');
  tree = join(scratch.path, 'tree');
  write(tree, {
    'dist/app.js': `// bundle\nconst t="${T.pk.token}";\n`,
    '.env': `# local settings\nMAPBOX_ACCESS_TOKEN=${T.sk.token}\n`,
    '.github/workflows/deploy.yml': `env:\n  MAPBOX: ${T.pk.token}\n`,
    'data/tokens.json': `{\n  "old": "${T.revoked.token}"\n}\n`,
    'docs/README.md': `# Tokens\nLook-alikes: pk.notatoken, pk.${payload} (no signature), sk.${payload}. (empty signature),\n`
      + `pk.${Buffer.from('{"not":"a user"}').toString('base64url')}.c2lnbmF0dXJl and pk.bm90anNvbg.c2ln.\n`,
    'node_modules/lib/index.js': `module.exports = "${T.sk.token}";\n`,
    '.git/config': `[credential]\n  token = ${T.sk.token}\n`,
    'assets/logo.bin': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0a]), Buffer.from(`${T.sk.token}\n`)]),
    '.cache/build.js': `x="${T.expired.token}"\n`,
  });
  write(join(scratch.path, 'outside'), { 'secret.txt': `${T.outside.token}\n` });
  symlinkSync(join(scratch.path, 'outside'), join(tree, 'linked'));
  write(join(scratch.path, 'sized'), { 'bundle.js': `${'/'.repeat(3000)}\n${T.pk.token}\n` });
});
after(async () => {
  await emu?.close();
  scratch?.remove();
});

/** `mapbox-tokens scan ...args` run in the tree's folder, with no access token at all. */
async function scan(args, { cwd = tree, env } = {}) {
  const previous = process.cwd();
  process.chdir(cwd); // the child inherits it: `scan` with no PATH scans the current folder
  try {
    return await runCli(['scan', ...args], { env });
  } finally {
    process.chdir(previous);
  }
}

/** The finding lines of a text run, each as [where, usage, user, id, redacted, verdict?]. */
const lines = (run) => run.stdout.split('\n').filter(Boolean).map((line) => line.split('  '));

/** Asserts `redacted` is a safe form of `token`: its start and an ellipsis, far from all of it. */
function assertRedacted(redacted, token) {
  assert.ok(redacted.endsWith('…'), redacted);
  assert.ok(token.startsWith(redacted.slice(0, -1)), redacted);
  assert.ok(redacted.length < token.split('.').slice(0, 2).join('.').length, `${redacted} shows the whole payload`);
}

test('by default: the pk of a web file, the sk of .env, CI config and a revoked token in JSON; exit 1 for the sk', async () => {
  const run = await scan([]);
  assert.equal(run.code, 1, run.stderr);
  const found = lines(run);
  assert.deepEqual(found.map(([where, usage, user, id]) => [where, usage, user, id]), [
    ['.env:2:21', 'sk', 'demo', T.sk.id],
    ['.github/workflows/deploy.yml:2:11', 'pk', 'demo', T.pk.id],
    ['data/tokens.json:2:11', 'pk', 'demo', T.revoked.id],
    ['dist/app.js:2:10', 'pk', 'demo', T.pk.id],
  ]);
  assert.ok(found.every((cells) => cells.length === 5));
  [T.sk, T.pk, T.revoked, T.pk].forEach(({ token }, i) => assertRedacted(found[i][4], token));
  assert.match(run.stderr, /^Scanned 5 files \([\d.]+ (B|KB)\): 4 tokens found, 1 secret\.$/m);
  assert.match(run.stderr, /^Skipped: 2 folders ignored by default \(\.git, node_modules; --no-default-ignores\); 1 hidden folder not walked \(--include-hidden\); 1 binary file not scanned \(--include-binary\); 1 symbolic link not followed\.$/m);

  // The same, named explicitly: paths print as given.
  const named = await scan([tree]);
  assert.equal(named.code, 1);
  assert.deepEqual(lines(named).map(([where]) => where), found.map(([where]) => join(tree, where)));
});

test('.git, node_modules, hidden folders and binary files are found with the widening flags; a link out of the tree never', async () => {
  const where = async (args) => lines(await scan(args)).map(([at]) => at.replace(/:\d+:\d+$/, ''));
  assert.deepEqual(await where(['--no-default-ignores']), ['.env', '.git/config', '.github/workflows/deploy.yml', 'data/tokens.json', 'dist/app.js', 'node_modules/lib/index.js']);
  assert.deepEqual(await where(['--include-binary']), ['.env', '.github/workflows/deploy.yml', 'assets/logo.bin', 'data/tokens.json', 'dist/app.js']);
  assert.deepEqual(await where(['--include-hidden']), ['.cache/build.js', '.env', '.github/workflows/deploy.yml', 'data/tokens.json', 'dist/app.js']);
  const everything = await scan(['--include-hidden', '--no-default-ignores', '--include-binary', '--json']);
  const report = JSON.parse(everything.stdout);
  assert.equal(report.findings.length, 8);
  assert.ok(!report.findings.some((f) => f.authorization === T.outside.id), 'the link out of the tree is not followed');
  assert.equal(report.skipped.symlinks, 1);

  // A link named as PATH is followed: the user asked for it.
  const linked = await scan(['linked']);
  assert.equal(linked.code, 1);
  assert.deepEqual(lines(linked).map(([at, usage, , id]) => [at, usage, id]), [['linked/secret.txt:1:1', 'sk', T.outside.id]]);
});

test('look-alikes in Markdown are not tokens: nothing found, exit 0', async () => {
  const run = await scan(['docs']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^Scanned 1 file \(\d+ B\): no Mapbox token found\.$/m);
});

test('--json: { files, bytes, findings, skipped, unreadable, allowed }, findings redacted with a fingerprint, no token string', async () => {
  const run = await scan(['--json']);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, '', 'no summary with --json');
  const report = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(report), ['files', 'bytes', 'findings', 'skipped', 'unreadable', 'allowed']);
  assert.deepEqual(report.allowed, { paths: 0, lines: 0, baseline: 0 });
  assert.equal(report.files, 5);
  const sizes = ['.env', '.github/workflows/deploy.yml', 'data/tokens.json', 'dist/app.js', 'docs/README.md']
    .map((f) => readFileSync(join(tree, f)).length);
  assert.equal(report.bytes, sizes.reduce((a, b) => a + b));
  assert.deepEqual(report.skipped, { ignored: 2, hidden: 1, binary: 1, symlinks: 1, special: 0, large: [] });
  assert.deepEqual(report.unreadable, []);
  for (const finding of report.findings) {
    assert.deepEqual(Object.keys(finding), ['file', 'line', 'column', 'usage', 'user', 'authorization', 'redacted', 'fingerprint']);
  }
  // The fingerprint: the first 32 hex digits of the token's SHA-256, the same for the same token.
  const sha = createHash('sha256').update(T.sk.token).digest('hex').slice(0, 32);
  assert.deepEqual(report.findings[0], {
    file: '.env', line: 2, column: 21, usage: 'sk', user: 'demo', authorization: T.sk.id, redacted: report.findings[0].redacted, fingerprint: sha,
  });
  const pkPrints = report.findings.filter((f) => f.authorization === T.pk.id).map((f) => f.fingerprint);
  assert.deepEqual(pkPrints, [pkPrints[0], pkPrints[0]]);
  assert.notEqual(pkPrints[0], sha);
  assertRedacted(report.findings[0].redacted, T.sk.token);

  const tk = JSON.parse((await scan(['.cache', '--json'])).stdout).findings;
  assert.deepEqual(tk.map((f) => [f.file, f.usage, f.authorization]), [['.cache/build.js', 'tk', undefined]]);
});

test('--check: each distinct token judged by the API once, with no access token; --strict fails on a valid one', async () => {
  emu.clearRequests();
  const run = await scan(['--origin', emu.url, '--check', '--include-hidden']);
  assert.equal(run.code, 1, run.stderr);
  assert.deepEqual(lines(run).map(([where, , , , , verdict]) => [where.replace(/:\d+:\d+$/, ''), verdict]), [
    ['.cache/build.js', 'TokenExpired'],
    ['.env', 'TokenValid'],
    ['.github/workflows/deploy.yml', 'TokenValid'],
    ['data/tokens.json', 'TokenRevoked'],
    ['dist/app.js', 'TokenValid'],
  ]);
  const checks = emu.requests();
  assert.equal(checks.length, 4, 'one check per distinct token');
  assert.ok(checks.every((r) => r.method === 'GET' && r.path === '/tokens/v2'));
  // The emulator's log redacts tokens; redactToken gives the same text for a known token.
  const checked = [T.expired.token, T.sk.token, T.pk.token, T.revoked.token].map(redactToken);
  assert.deepEqual(new Set(checks.map((r) => r.query.access_token)), new Set(checked));

  const json = JSON.parse((await scan(['--origin', emu.url, '--check', '--json', 'data', 'dist'])).stdout);
  assert.deepEqual(json.findings.map((f) => [f.file, f.verdict]), [['data/tokens.json', 'TokenRevoked'], ['dist/app.js', 'TokenValid']]);

  // Exit codes: a valid pk is no failure unless --strict; a revoked one never is.
  assert.equal((await scan(['--origin', emu.url, '--check', 'dist'])).code, 0);
  const strict = await scan(['--origin', emu.url, '--check', '--strict', 'dist']);
  assert.equal(strict.code, 1);
  assert.equal((await scan(['--origin', emu.url, '--check', '--strict', 'data', '.cache'])).code, 0);

  // On a terminal, the checks draw a progress line on stderr; in a pipe (above) they do not.
  const tty = await scan(['--origin', emu.url, '--check', 'data', 'dist'], { env: { MAPBOX_TOKENS_ASSUME_TTY: 'stderr' } });
  assert.equal(tty.code, 0, tty.stderr);
  assert.match(tty.stderr, /^\rChecking tokens: 0\/2\u001b\[K[\s\S]*\rChecking tokens: 2\/2\u001b\[K\nScanned 2 files/);
  assert.doesNotMatch(strict.stderr, /Checking tokens/);
});

test('--check without an answer: the findings are printed, then exit 3', async () => {
  const run = await scan(['--origin', `http://127.0.0.1:${await closedPort()}`, '--check', 'dist']);
  assert.equal(run.code, 3);
  assert.deepEqual(lines(run).map((cells) => cells.length), [5]);
  assert.match(run.stderr, /^mapbox-tokens: .*did not reach the API/m);
});

test('--max-size: a larger file is not read, and said so', async () => {
  const cwd = scratch.path;
  const skipped = await scan(['sized', '--max-size', '2k'], { cwd });
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(skipped.stdout, '');
  assert.match(skipped.stderr, /^Not scanned: sized\/bundle\.js is [\d.]+ KB, over --max-size 2 KB\.$/m);
  assert.match(skipped.stderr, /^Scanned 0 files/m);
  for (const size of ['4k', '4000', '10M']) {
    const run = await scan(['sized', '--max-size', size], { cwd });
    assert.deepEqual(lines(run).map(([where, usage]) => [where, usage]), [['sized/bundle.js:2:1', 'pk']], size);
  }
  const json = JSON.parse((await scan(['sized', '--max-size', '1000', '--json'], { cwd })).stdout);
  assert.deepEqual(json.skipped.large, [{ file: 'sized/bundle.js', size: 3001 + T.pk.token.length + 1 }]);
});

test('exit code 2: an unreadable path, a bad --max-size, --strict without --check; nothing printed on stdout', async () => {
  for (const [args, pattern] of [
    [['missing'], /^mapbox-tokens: cannot read missing \(ENOENT\)\.\n$/],
    [['dist', 'dist/app.js/below'], /^mapbox-tokens: cannot read dist\/app\.js\/below \(ENOTDIR\)\.\n$/],
    [['--max-size', '10x'], /--max-size must be a size such as 500k, 10M or a number of bytes, not '10x'/],
    [['--max-size', '0'], /--max-size must be/],
    [['--strict'], /--strict needs --check/],
    [['--check', '--include-everything'], /unknown option '--include-everything'/],
  ]) {
    const run = await scan(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, pattern);
  }
});

test('--help: the symlink rule, the skip rules and flags, and the exit codes', async () => {
  const run = await runCli(['scan', '--help']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^Usage: mapbox-tokens scan \[PATH\.\.\.\] \[options\]/);
  assert.match(run.stdout, /Symbolic links inside folders are never followed \(a link named as PATH is\)/);
  for (const option of ['--check', '--strict', '--git', '--since REV', '--staged', '--baseline FILE', '--format text|json|sarif', '--max-size SIZE', '--include-hidden', '--no-default-ignores', '--include-binary']) {
    assert.ok(run.stdout.includes(`  ${option} `), option);
  }
  assert.match(run.stdout, /^ {5}scan: a secret \(sk\) token was found, or with --check --strict any found token is valid$/m);
  assert.match(run.stdout, /^ {5}scan: a path could not be read/m);
});

test("this repository's own scan exits 0: its test fixtures are allowed by .mapbox-tokens-ignore, and only them", async () => {
  const own = await scan([ROOT, '--json'], { cwd: ROOT });
  assert.equal(own.code, 0, own.stderr);
  const report = JSON.parse(own.stdout);
  assert.deepEqual(report.findings.map((f) => `${f.file}:${f.line}`), []);
  assert.ok(report.allowed.paths > 0, 'the ignore file is read');
  // Scanned from a folder below the root (whose ignore file is then not read), the fixtures are found: the file is what allows them.
  const unfiltered = await scan([join(ROOT, 'src', 'core', 'token'), '--json'], { cwd: ROOT });
  assert.ok(JSON.parse(unfiltered.stdout).findings.length > 0, 'src/core/token/tests.rs holds fixtures');
});

test('no output of any run holds a token, its payload or its signature', () => {
  assert.ok(runs.length >= 25, `${runs.length} runs`);
  assert.deepEqual(runs.flatMap((run) => leaks(run, secrets)), []);
});
