// What `mapbox-tokens scan` lets pass, each exactly: paths in .mapbox-tokens-ignore (gitignore
// syntax), lines marked mapbox-tokens:allow, and the findings of a --baseline report; in files,
// in the history (--git) and in the index (--staged).
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { installCli, leaks, runCli, runs, tempDir } from './helpers.mjs';
import { GIT_ENV, fakeToken, makeRepo } from './git-repo.mjs';

const SK = fakeToken('sk', 'csecret000000000000000001');
const SK2 = fakeToken('sk', 'csecret000000000000000002');
const PK = fakeToken('pk', 'cpublic000000000000000001');
const PK2 = fakeToken('pk', 'cpublic000000000000000002');
const secrets = [SK, SK2, PK, PK2];

let dir;
let tree;
const repos = [];

function write(root, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const IGNORE = `# test fixtures, wherever they are
fixtures/
*.snap
!keep.snap
/docs/example.md
`;

before(() => {
  installCli();
  dir = tempDir('mapbox-tokens-allow-');
  tree = join(dir.path, 'tree');
  write(tree, {
    '.mapbox-tokens-ignore': IGNORE,
    'fixtures/a.js': `${SK}\n`,
    'src/fixtures/b.js': `${SK}\n`,
    'test/x.snap': `${PK}\n`,
    'test/keep.snap': `${PK}\n`,
    'docs/example.md': `${PK}\n`,
    'other/docs/example.md': `${PK}\n`,
    'src/app.js': [
      `const demo = '${PK}'; // mapbox-tokens:allow`,
      `const server = '${SK}';`,
      `/* mapbox-tokens:allow */ const pair = ['${PK2}', '${SK2}'];`,
      '// mapbox-tokens:allow (this line only)',
      `const next = '${PK2}';`,
      '',
    ].join('\n'),
  });
});
after(() => {
  dir?.remove();
  repos.forEach((r) => r.remove());
});

const scan = (args, env = {}) => runCli(['scan', ...args], { env: { ...GIT_ENV, ...env } });
const where = (report) => report.findings.map((f) => `${f.file}:${f.line}`);

test('.mapbox-tokens-ignore (gitignore syntax) and mapbox-tokens:allow lines: exactly those findings are left out', async () => {
  const run = await scan([tree, '--json']);
  assert.equal(run.code, 1, run.stderr);
  const report = JSON.parse(run.stdout);
  const rel = (f) => f.slice(tree.length + 1);
  assert.deepEqual(report.findings.map((f) => `${rel(f.file)}:${f.line}`), [
    'other/docs/example.md:1', // the anchored /docs/example.md matches at the root only
    'src/app.js:2',
    'src/app.js:5', // a marker allows its own line, not the next
    'test/keep.snap:1', // !keep.snap takes it back
  ]);
  assert.deepEqual(report.allowed, { paths: 4, lines: 3, baseline: 0 });

  // The text summary says what was allowed.
  const text = await scan([tree]);
  assert.match(text.stderr, /^Allowed: 4 paths passed over by \.mapbox-tokens-ignore; 3 tokens on lines marked mapbox-tokens:allow\.$/m);

  // Without the ignore file, the paths are scanned again; the marked lines stay allowed.
  renameSync(join(tree, '.mapbox-tokens-ignore'), join(dir.path, 'ignore.saved'));
  try {
    const all = JSON.parse((await scan([tree, '--json'])).stdout);
    assert.equal(all.findings.length, report.findings.length + 4);
    assert.deepEqual(all.allowed, { paths: 0, lines: 3, baseline: 0 });
  } finally {
    renameSync(join(dir.path, 'ignore.saved'), join(tree, '.mapbox-tokens-ignore'));
  }

  // The ignore file of the scanned root applies: from inside the tree, `scan` uses the current folder's.
  const previous = process.cwd();
  process.chdir(tree);
  try {
    const here = JSON.parse((await scan(['--json'])).stdout);
    assert.deepEqual(where(here), ['other/docs/example.md:1', 'src/app.js:2', 'src/app.js:5', 'test/keep.snap:1']);
  } finally {
    process.chdir(previous);
  }
});

test('--baseline FILE: the findings of an earlier --json report are left out, matched by fingerprint and path; new ones are reported', async () => {
  const base = join(dir.path, 'baseline-tree');
  write(base, { 'a.js': `x = '${SK}';\n`, 'b.js': `y = '${PK}';\n` });
  const earlier = await scan([base, '--json']);
  const baselineFile = join(dir.path, 'baseline.json');
  writeFileSync(baselineFile, earlier.stdout);
  assert.ok(!earlier.stdout.includes(SK), 'the baseline holds no token');

  // Unchanged: nothing new, exit 0 although a secret is there.
  const same = await scan([base, '--baseline', baselineFile, '--json']);
  assert.equal(same.code, 0, same.stderr);
  assert.deepEqual(JSON.parse(same.stdout).findings, []);
  assert.deepEqual(JSON.parse(same.stdout).allowed, { paths: 0, lines: 0, baseline: 2 });

  // The same token moved down a.js is still the baseline's; a new token, and a known one in another file, are not.
  write(base, { 'a.js': `// moved\n\nx = '${SK}';\n`, 'c.js': `z = '${SK2}';\n`, 'd.js': `w = '${PK}';\n` });
  const later = await scan([base, '--baseline', baselineFile, '--json']);
  assert.equal(later.code, 1);
  const report = JSON.parse(later.stdout);
  assert.deepEqual(report.findings.map((f) => [f.file.slice(base.length + 1), f.authorization]), [['c.js', 'csecret000000000000000002'], ['d.js', 'cpublic000000000000000001']]);
  assert.equal(report.allowed.baseline, 2);
  const text = await scan([base, '--baseline', baselineFile]);
  assert.match(text.stderr, /^Allowed: 2 tokens in the baseline\.$/m);

  // A baseline that is not such a report is a usage error.
  writeFileSync(join(dir.path, 'old.json'), JSON.stringify({ findings: [{ file: 'a.js', line: 1 }] }));
  for (const [file, pattern] of [
    [join(dir.path, 'old.json'), /is not a report of 'mapbox-tokens scan --json' with fingerprints/],
    [join(dir.path, 'missing.json'), /cannot read the baseline .*missing\.json \(ENOENT\)/],
    [join(base, 'a.js'), /cannot read the baseline .* \(not JSON\)/],
  ]) {
    const run = await scan([base, '--baseline', file]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, pattern);
  }
});

test('--git and --staged: the top level\'s ignore file and the marker apply to the history and the index', async () => {
  const r = makeRepo();
  repos.push(r);
  r.write({
    '.mapbox-tokens-ignore': 'fixtures/\n', 'fixtures/token.txt': `${SK}\n`, 'fixtures/other.txt': `other ${SK2}\n`, 'src/marked.js': `t = '${PK}'; // mapbox-tokens:allow\n`,
  });
  r.commit('fixtures and a marked line');
  // The same blob as the fixture, at a path that is not ignored: reported there, with its own commit.
  r.write({ 'src/copied.txt': `${SK}\n` });
  const copied = r.commit('the fixture copied into the code');

  const history = await scan(['--git', r.path, '--json']);
  assert.equal(history.code, 1, history.stderr);
  const report = JSON.parse(history.stdout);
  assert.deepEqual(report.findings.map((f) => [f.file, f.commit.hash]), [['src/copied.txt', copied]]);
  // One blob met only under fixtures/ (the other was met at src/ too).
  assert.deepEqual(report.allowed, { paths: 1, lines: 1, baseline: 0 });
  assert.match((await scan(['--git', r.path])).stderr, /^Allowed: 1 blob passed over by \.mapbox-tokens-ignore; 1 token on lines marked mapbox-tokens:allow\.$/m);

  // The baseline of the history: nothing new.
  const baselineFile = join(dir.path, 'history-baseline.json');
  writeFileSync(baselineFile, history.stdout);
  const again = await scan(['--git', r.path, '--json', '--baseline', baselineFile]);
  assert.equal(again.code, 0);
  assert.equal(JSON.parse(again.stdout).allowed.baseline, 1);

  r.write({ 'fixtures/more.txt': `${SK2}\n`, 'src/new.js': `a = '${PK2}';\nb = '${SK2}'; // mapbox-tokens:allow\n` });
  r.git('add', '-A');
  const staged = JSON.parse((await scan(['--staged', r.path, '--json'])).stdout);
  assert.deepEqual(staged.findings.map((f) => `${f.file}:${f.line}`), ['src/new.js:1']);
  assert.deepEqual(staged.allowed, { paths: 1, lines: 1, baseline: 0 });
});

test('no output of any run holds a token', () => {
  assert.ok(runs.length >= 14, `${runs.length} runs`);
  const parts = secrets.flatMap((t) => [t, ...t.split('.').slice(1)]);
  assert.deepEqual(runs.flatMap((run) => leaks(run, parts)), []);
});
