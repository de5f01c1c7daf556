// Terminal escape codes from outside: a scanned file (its name, a token's payload) and the API
// (a verdict, an error message) can hold ESC, BEL, CSI and OSC sequences. None may reach the
// terminal raw: text output cleans them to spaces, --json escapes them (the data stays exact).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installCli, leaks, runCli, runs, tempDir } from './helpers.mjs';

const ESC = '\u001b';
const BEL = '\u0007';
/** OSC 52: write the clipboard; the payload is "pwned" in base64. */
const OSC52 = `${ESC}]52;c;cHduZWQ=${BEL}`;
/** CSI: clear the screen (7-bit ESC [, and the 8-bit C1 form). */
const CSI = `${ESC}[2J`;
const C1_CSI = '\u009b2J';
/** OSC 0: set the window title. */
const OSC_TITLE = `${ESC}]0;owned${BEL}`;

/** Any control character but the newline that ends lines: C0 (ESC, BEL, CR…), DEL and C1. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (usage, payload) => `${usage}.${b64(payload)}.${'S'.repeat(22)}`;
const HOSTILE_ID = `c${OSC52}x`;
const PK = token('pk', { u: `demo${CSI}`, a: HOSTILE_ID });
const SK = token('sk', { u: `ops${C1_CSI}`, a: `c${OSC_TITLE}` });
const FILE_NAME = `notes${ESC}]0;title${BEL}.txt`;

let dir;
let api;
let apiUrl;

before(async () => {
  installCli();
  dir = tempDir('mapbox-tokens-escapes-');
  mkdirSync(join(dir.path, 'tree'));
  writeFileSync(join(dir.path, 'tree', 'config.js'), `const a = "${PK}";\nconst b = "${SK}";\n`);
  writeFileSync(join(dir.path, 'tree', FILE_NAME), `x=${PK}\n`);
  // A hostile API: every check answers a verdict with an OSC sequence; anything else is a 401
  // whose message holds OSC 52, CSI and BEL.
  api = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url.startsWith('/tokens/v2?')) {
      res.end(JSON.stringify({ code: `TokenValid${OSC_TITLE}`, token: { usage: 'pk', user: `demo${CSI}`, client: 'api' } }));
    } else {
      res.statusCode = 401;
      res.end(JSON.stringify({ message: `Not Authorized ${OSC52} ${CSI}${BEL} ${C1_CSI}` }));
    }
  }).listen(0, '127.0.0.1');
  await once(api, 'listening');
  apiUrl = `http://127.0.0.1:${api.address().port}`;
});
after(() => {
  api?.close();
  dir?.remove();
});

/** Asserts that neither stream of `run` holds a control character but newlines. */
function assertNoControl(run) {
  for (const stream of ['stdout', 'stderr']) {
    const at = run[stream].search(CONTROL);
    assert.equal(at, -1, `${run.args.join(' ')}: ${stream} holds U+${run[stream].codePointAt(at)?.toString(16).padStart(4, '0')} at ${at}: ${JSON.stringify(run[stream].slice(Math.max(0, at - 20), at + 20))}`);
  }
}

test('scan lets a scanned file write terminal escape codes: ESC, BEL, CSI and OSC from a file or the API never reach the terminal raw', async () => {
  const tree = join(dir.path, 'tree');
  const text = await runCli(['scan', tree]);
  assert.equal(text.code, 1, text.stderr);
  assertNoControl(text);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3, text.stdout);
  assert.ok(lines.some((l) => l.includes('c ]52;c;cHduZWQ= x')), 'the hostile id is shown, its control characters as spaces');

  // --json keeps the data exact, every control character escaped.
  const json = await runCli(['scan', tree, '--json']);
  assertNoControl(json);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(new Set(report.findings.map((f) => f.authorization)), new Set([HOSTILE_ID, `c${OSC_TITLE}`]));
  assert.ok(report.findings.some((f) => f.user === `ops${C1_CSI}`));
  assert.ok(report.findings.some((f) => f.file.endsWith(FILE_NAME)));

  // A verdict from the API, printed in the findings' last column.
  const checked = await runCli(['scan', tree, '--check', '--origin', apiUrl]);
  assert.equal(checked.code, 1, checked.stderr);
  assertNoControl(checked);
  assert.match(checked.stdout, /TokenValid \]0;owned $/m);

  // The top-level error writer: an API error message.
  const failed = await runCli(['list', '--origin', apiUrl], { env: { MAPBOX_ACCESS_TOKEN: PK } });
  assert.equal(failed.code, 1);
  assertNoControl(failed);
  assert.match(failed.stderr, /^mapbox-tokens: .*Not Authorized {2}\]52;c;cHduZWQ= /m);

  // Every other command that prints what the API says: a check's verdict and the token it describes.
  const fine = await runCli(['check', '-', '--origin', apiUrl], { input: `${PK}\n` });
  assertNoControl(fine);
  assert.match(fine.stdout, /^code +TokenValid \]0;owned$/m);
  const fineJson = await runCli(['check', '-', '--json', '--origin', apiUrl], { input: `${PK}\n` });
  assertNoControl(fineJson);
  assert.equal(JSON.parse(fineJson.stdout).code, `TokenValid${OSC_TITLE}`);
});

test('no output of these runs holds a token', () => {
  assert.ok(runs.length >= 6);
  assert.deepEqual(runs.flatMap((run) => leaks(run, [PK, SK])), []);
});
