// `mapbox-tokens scan --format sarif`: a SARIF 2.1.0 log that validates against the SARIF 2.1.0
// JSON schema (vendored beside this file: sarif-schema-2.1.0.json, the 2.1.0 schema as published
// for JSON Schema Store, taken from the MIT-licensed npm package @microsoft/jest-sarif 1.0.0-beta.0),
// with one rule per kind of token, locations in UTF-16 columns, fingerprints, and never a whole token.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installCli, leaks, runCli, runs, tempDir } from './helpers.mjs';
import { GIT_ENV, fakeToken, makeRepo } from './git-repo.mjs';

const require = createRequire(import.meta.url);
const Ajv = require('ajv-draft-04');
const addFormats = require('ajv-formats');

const SK = fakeToken('sk', 'csecret000000000000000001');
const PK = fakeToken('pk', 'cpublic000000000000000001');
const TK = fakeToken('tk', 'temporary');
const secrets = [SK, PK, TK];

let validate;
let dir;
let repo;

before(() => {
  installCli();
  // The schema is draft-04; one of its patterns is not valid in Unicode mode, which ajv uses by default.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  validate = ajv.compile(JSON.parse(readFileSync(new URL('./sarif-schema-2.1.0.json', import.meta.url), 'utf8')));
  dir = tempDir('mapbox-tokens-sarif-');
  repo = makeRepo();
  // é is 2 bytes and 1 UTF-16 unit, 😀 4 bytes and 2 units: the token starts at byte column 15, UTF-16 column 12.
  repo.write({
    'src/app.js': `// app\n/*é😀*/ x='${PK}';\n`,
    'config/server env.txt': `TOKEN=${SK}\n`,
    'notes.md': `expired: ${TK}\n`,
  });
  repo.commit('tokens of each kind');
});
after(() => {
  dir?.remove();
  repo?.remove();
});

const scan = (args, env = {}) => runCli(['scan', ...args], { env: { ...GIT_ENV, ...env } });

/** Asserts `log` validates against the SARIF 2.1.0 schema. */
function assertValid(log) {
  const valid = validate(log);
  assert.ok(valid, JSON.stringify(validate.errors, null, 2));
}

test('--format sarif writes a SARIF 2.1.0 log that the 2.1.0 schema validates: three rules, a result per finding, fingerprints, no token', async () => {
  const previous = process.cwd();
  process.chdir(repo.path);
  let run;
  let json;
  try {
    run = await scan(['--format', 'sarif']);
    json = JSON.parse((await scan(['--json'])).stdout);
  } finally {
    process.chdir(previous);
  }
  assert.equal(run.code, 1, run.stderr);
  const log = JSON.parse(run.stdout);
  assertValid(log);
  assert.equal(log.version, '2.1.0');
  assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  const [only] = log.runs;
  assert.equal(log.runs.length, 1);
  assert.equal(only.tool.driver.name, 'mapbox-tokens');
  assert.equal(only.tool.driver.version, JSON.parse(readFileSync(new URL('../../pkg/package.json', import.meta.url))).version);
  assert.equal(only.columnKind, 'utf16CodeUnits');

  const rules = only.tool.driver.rules;
  assert.deepEqual(rules.map((r) => [r.id, r.defaultConfiguration.level]), [['mapbox-sk', 'error'], ['mapbox-pk', 'warning'], ['mapbox-tk', 'note']]);
  for (const rule of rules) {
    assert.match(rule.help.text, /mapbox-tokens rotate <token id> --delete-old/, rule.id);
    assert.match(rule.help.markdown, /`mapbox-tokens rotate <token id> --delete-old`/, rule.id);
    assert.ok(rule.shortDescription.text && rule.fullDescription.text);
  }

  const results = only.results;
  assert.deepEqual(results.map((r) => [r.ruleId, rules[r.ruleIndex].id, r.level, r.locations[0].physicalLocation.artifactLocation.uri]), [
    ['mapbox-sk', 'mapbox-sk', 'error', 'config/server%20env.txt'],
    ['mapbox-tk', 'mapbox-tk', 'note', 'notes.md'],
    ['mapbox-pk', 'mapbox-pk', 'warning', 'src/app.js'],
  ]);
  assert.deepEqual(results.map((r) => r.locations[0].physicalLocation.region), [
    { startLine: 1, startColumn: 7, endLine: 1, endColumn: 7 + SK.length },
    { startLine: 1, startColumn: 10, endLine: 1, endColumn: 10 + TK.length },
    { startLine: 2, startColumn: 12, endLine: 2, endColumn: 12 + PK.length },
  ]);
  assert.deepEqual(json.findings.map((f) => [f.file, f.line, f.column]), [['config/server env.txt', 1, 7], ['notes.md', 1, 10], ['src/app.js', 2, 15]]);
  // Fingerprints: the report's, never the token.
  assert.deepEqual(results.map((r) => r.partialFingerprints['mapboxToken/v1']), json.findings.map((f) => f.fingerprint));
  assert.ok(results.every((r) => r.fingerprints['mapboxTokenPath/v1'].startsWith(`${r.partialFingerprints['mapboxToken/v1']}:`)));
  assert.match(results[0].message.text, /^A Mapbox secret token \(sk\) of the account demo, id csecret000000000000000001: sk\.eyJ1IjoiZGV….* Rotate it: mapbox-tokens rotate csecret000000000000000001 --delete-old$/);
});

test('--format sarif with --git: the commit that added each token; an empty log validates too; --format and --json conflict', async () => {
  const run = await scan(['--git', repo.path, '--format', 'sarif']);
  const log = JSON.parse(run.stdout);
  assertValid(log);
  const hash = repo.git('rev-parse', 'HEAD').trim();
  assert.deepEqual(log.runs[0].results.map((r) => r.properties.commit), [hash, hash, hash]);
  assert.match(log.runs[0].results[0].message.text, new RegExp(`Added in commit ${hash.slice(0, 12)} \\(2026-01-01T00:01:00Z, Test Author\\)`));

  const empty = await scan([dir.path, '--format', 'sarif']);
  assert.equal(empty.code, 0);
  const emptyLog = JSON.parse(empty.stdout);
  assertValid(emptyLog);
  assert.deepEqual(emptyLog.runs[0].results, []);

  // An absolute path becomes a file: URI.
  const absolute = JSON.parse((await scan([join(repo.path, 'notes.md'), '--format', 'sarif'])).stdout);
  assertValid(absolute);
  assert.equal(absolute.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, `file://${join(repo.path, 'notes.md')}`);

  for (const [args, pattern] of [[['--format', 'sarif', '--json'], /--json and --format sarif exclude each other/], [['--format', 'xml'], /--format must be text, json or sarif, not 'xml'/]]) {
    const bad = await scan([dir.path, ...args]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, pattern);
  }
});

test('the schema check can fail: a log missing its rules\' required fields does not validate', () => {
  assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ name: 'no id' }] } } }] }), false);
  assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, locations: [{ physicalLocation: { region: { startLine: 0 } } }] }] }] }), false);
});

test('no output of any run holds a token, its payload or its signature', () => {
  assert.ok(runs.length >= 7, `${runs.length} runs`);
  const parts = secrets.flatMap((t) => [t, ...t.split('.').slice(1)]);
  assert.deepEqual(runs.flatMap((run) => leaks(run, parts)), []);
});
