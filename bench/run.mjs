// make bench: speed and size of this package against hand-written fetch and @mapbox/mapbox-sdk,
// all measured in one run, contenders interleaved, medians and ratios reported, budgets checked
// (PASS/FAIL). Writes artifacts/bench.json. Per-call times are measured twice: against a server
// that sends fixed, precomputed answers (bench/fixed-server.mjs), where what a call costs beyond
// raw fetch shows undiluted (the budgets), and against the local emulator, which does the API's
// real work (about 1 ms a request). Also: pacing's cost per call, 300 deletes paced under the
// API's rate limit, the leak scan's speed, cold start, and the download with what makes it up.
// `--quick` takes fewer samples and leaves out the 300 deletes (two minutes by design).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { ROOT, launchChromium, serveStatic, tempDir } from '../test/support.mjs';
import { benchScan, TARGET_MB_PER_SECOND } from './scan.mjs';
import { benchGitScan, GIT_TARGET_MB_PER_SECOND } from './git-scan.mjs';
import { benchBroker, brokerLines } from './broker.mjs';
import { firstPaint } from './first-paint.mjs';
import { sizeBreakdown } from './size.mjs';
import { ROUNDS, QUICK, median, startServer, startFixedServer, perCall } from './measure.mjs';

const require = createRequire(import.meta.url);
const contenders = require('./contenders.cjs');

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** PUTs or POSTs `body` to an emulator hook. */
const hook = (emu, method, path, body) => fetch(`${emu.url}/__emulator/${path}`, { method, body: JSON.stringify(body) });

async function startEmulator() {
  const emu = await startServer('the emulator', join(ROOT, 'emulator', 'cli.mjs'), ['--port', '0', '--hooks', '--json']);
  // A rate limit no run comes near, announced in the API's headers as the real one is: clients
  // that pace themselves (ours, by default) learn it and are never held.
  await hook(emu, 'PUT', 'rate-limit', { limit: 1_000_000, interval: 60 });
  await hook(emu, 'POST', 'seed', { count: 2000, scopes: ['styles:read'] });
  return emu;
}

/**
 * 300 deletes started at once by one client with default options, against the emulator set to
 * the Tokens API's 100 requests a minute: the pacing should finish them in two windows (120 s) and
 * a little, with no call failing.
 */
async function pacedDeletes(emu) {
  const { Tokens } = require(join(ROOT, 'pkg', 'node', 'mapbox_tokens.cjs'));
  const seeded = await (await hook(emu, 'POST', 'seed', { count: 300, scopes: ['styles:read'], note: 'bench delete' })).json();
  await hook(emu, 'PUT', 'rate-limit', { limit: 100, interval: 60 });
  const tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url });
  const started = performance.now();
  const progress = setInterval(() => {
    const { held } = tokens.rateLimit;
    process.stderr.write(`\r300 paced deletes: ${300 - held} started, ${((performance.now() - started) / 1000).toFixed(0)} s `);
  }, 1000);
  const results = await Promise.allSettled(seeded.tokens.map(({ id }) => tokens.delete({ authorizationId: id })));
  clearInterval(progress);
  process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  await hook(emu, 'PUT', 'rate-limit', { limit: 1_000_000, interval: 60 });
  return { seconds, failed: results.filter((r) => r.status === 'rejected').length };
}

async function inFlight(makers, emu, total = QUICK ? 512 : 2048, width = 64) {
  const out = {};
  for (const [name, make] of Object.entries(makers)) {
    const c = make(emu.url, emu.adminToken, emu.username);
    const runs = [];
    for (let r = 0; r < 3; r += 1) {
      let next = 0;
      const t = performance.now();
      await Promise.all(Array.from({ length: width }, async () => {
        while (next < total) {
          next += 1;
          await c.checkValidity();
        }
      }));
      runs.push(total / ((performance.now() - t) / 1000));
    }
    out[name] = median(runs);
  }
  return out;
}

function coldStart(emu) {
  const script = {
    bare: '0',
    raw: "fetch(`${process.env.U}/tokens/v2?access_token=${process.env.T}`).then((r) => r.json());",
    ours: `const { Tokens } = require(${JSON.stringify(join(ROOT, 'pkg', 'node', 'mapbox_tokens.cjs'))});
      new Tokens({ accessToken: process.env.T, origin: process.env.U }).checkValidity().then(() => {});`,
    sdk: `const c = require('@mapbox/mapbox-sdk'); const t = require('@mapbox/mapbox-sdk/services/tokens');
      t(c({ accessToken: process.env.T, origin: process.env.U })).getToken().send().then(() => {});`,
  };
  const out = {};
  const runs = QUICK ? 5 : 15;
  for (const [name, code] of Object.entries(script)) {
    const times = [];
    const rss = [];
    for (let i = 0; i < runs; i += 1) {
      const t = performance.now();
      const r = execFileSync(process.execPath, ['-e', `${code}; process.on('exit', () => process.stdout.write(String(process.resourceUsage().maxRSS)))`],
        { cwd: ROOT, env: { ...process.env, T: emu.adminToken, U: emu.url }, encoding: 'utf8' });
      times.push(performance.now() - t);
      rss.push(Number(r) * 1024);
    }
    out[name] = { ms: median(times), rss: median(rss) };
  }
  return out;
}

function sizes() {
  const gz = (...files) => gzipSync(Buffer.concat(files.map((f) => readFileSync(join(ROOT, 'pkg', f)))), { level: 9 }).length;
  const out = {
    bundler: gz('bundler/mapbox_tokens_bg.wasm', 'bundler/mapbox_tokens_bg.js', 'bundler/mapbox_tokens.js'),
    webWasm: readFileSync(join(ROOT, 'pkg', 'web', 'mapbox_tokens_bg.wasm')).length,
    web: gz('web/mapbox_tokens_bg.wasm', 'web/mapbox_tokens.js'),
    node: gz('node/mapbox_tokens_bg.wasm', 'node/mapbox_tokens.cjs'),
    wasmOnly: gz('web/mapbox_tokens_bg.wasm'),
    refresher: gz('refresher/refresher.mjs'),
  };
  // What an app bundled with a minifier ships (as the SDK's figure is measured).
  const minified = execFileSync(join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [join(ROOT, 'pkg', 'bundler', 'mapbox_tokens_bg.js'), '--minify', '--log-level=error'], { cwd: ROOT });
  out.bundlerMinified = gzipSync(Buffer.concat([readFileSync(join(ROOT, 'pkg', 'bundler', 'mapbox_tokens_bg.wasm')), minified]), { level: 9 }).length;
  const dir = tempDir('sdk-bundle-');
  try {
    const entry = join(dir.path, 'entry.js');
    writeFileSync(entry, "import c from '@mapbox/mapbox-sdk'; import t from '@mapbox/mapbox-sdk/services/tokens'; export default t(c({ accessToken: 'pk.x.y' }));");
    for (const platform of ['browser', 'node']) {
      const file = join(dir.path, `${platform}.js`);
      execFileSync(join(ROOT, 'node_modules', '.bin', 'esbuild'), [entry, '--bundle', '--minify', `--platform=${platform}`, '--format=esm', `--outfile=${file}`, '--log-level=error'],
        { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });
      out[`sdk_${platform}`] = gzipSync(readFileSync(file), { level: 9 }).length;
    }
  } finally {
    dir.remove();
  }
  return out;
}

async function inChromium(emu) {
  // The page and the package share one origin, so that the page can import the web build.
  const site = tempDir('bench-page-');
  writeFileSync(join(site.path, 'index.html'), '<!doctype html>');
  const server = await serveStatic({ mounts: { '/web/': join(ROOT, 'pkg', 'web'), '/': site.path } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    return await page.evaluate(async ({ url, token, user, rounds, per }) => {
      const { default: init, Tokens } = await import('/web/mapbox_tokens.js');
      await init();
      const tokens = new Tokens({ accessToken: token, origin: url });
      const q = `access_token=${encodeURIComponent(token)}`;
      const json = (r) => { if (!r.ok) throw new Error(r.status); return r.json(); };
      const body = JSON.stringify({ scopes: ['styles:read'], note: 'bench' });
      const c = {
        raw: {
          checkValidity: () => fetch(`${url}/tokens/v2?${q}`).then(json),
          listTokens: () => fetch(`${url}/tokens/v2/${user}?${q}`).then(json),
          create: () => fetch(`${url}/tokens/v2/${user}?${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(json),
        },
        ours: {
          checkValidity: () => tokens.checkValidity(),
          listTokens: () => tokens.listTokens(),
          create: () => tokens.create({ scopes: ['styles:read'], note: 'bench' }),
        },
      };
      const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
      const out = {};
      for (const op of ['checkValidity', 'listTokens', 'create']) {
        const times = { raw: [], ours: [] };
        for (const k of ['raw', 'ours']) for (let i = 0; i < 100; i += 1) await c[k][op]();
        for (let r = 0; r < rounds; r += 1) {
          for (const k of r % 2 ? ['ours', 'raw'] : ['raw', 'ours']) {
            // A page's clock ticks in 0.1 ms steps (no cross-origin isolation), too coarse for
            // one call: each sample is the mean of a small batch, batches alternate, and the
            // median is taken over batches.
            const t = performance.now();
            for (let i = 0; i < per; i += 1) await c[k][op]();
            times[k].push((performance.now() - t) / per);
          }
        }
        out[op] = { raw: median(times.raw), ours: median(times.ours) };
      }
      return out;
    }, { url: emu.url, token: emu.adminToken, user: emu.username, rounds: ROUNDS * 15, per: 5 });
  } finally {
    await browser.close();
    await server.close();
    site.remove();
  }
}

const NODE_CONTENDERS = { raw: contenders.raw, rawSignal: contenders.rawWithSignal, ours: contenders.ours, sdk: contenders.sdk };
const report = { machine: `${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`, date: new Date().toISOString() };
// First, while this process is small: its peak memory is then the scan's.
report.scan = await benchScan();
report.gitScan = await benchGitScan();
report.broker = await benchBroker();
report.firstPaint = await firstPaint();
const fixed = await startFixedServer();
try {
  report.nodeFixedServer = await perCall({ ...NODE_CONTENDERS, oursUnpaced: contenders.oursUnpaced }, fixed, ['checkValidity', 'listTokens', 'listAll', 'create']);
} finally {
  fixed.stop();
}
const emu = await startEmulator();
try {
  report.node = await perCall(NODE_CONTENDERS, emu);
  report.inFlight64 = await inFlight({ raw: contenders.raw, ours: contenders.ours, sdk: contenders.sdk }, emu);
  report.coldStart = coldStart(emu);
  report.size = sizes();
  report.chromium = await inChromium(emu);
  if (!QUICK) report.pacedDeletes = await pacedDeletes(emu);
} finally {
  emu.stop();
}
report.sizeBreakdown = sizeBreakdown();

const checks = [];
const check = (name, pass, detail) => checks.push({ name, pass, detail });
console.log(`\n${report.machine}\n`);
const us = (ms) => (ms * 1000).toFixed(0);
const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(0)}`;
console.log('per-call median in Node, fixed-answer server (µs)  raw fetch     ours      sdk  ours-raw  sdk-raw   (raw fetch with a shared signal: -raw)');
for (const [op, r] of Object.entries(report.nodeFixedServer)) {
  console.log(`  ${op.padEnd(47)} ${us(r.raw).padStart(8)} ${us(r.ours).padStart(8)} ${us(r.sdk).padStart(8)} ${signed(r.addedUs.ours).padStart(9)} ${signed(r.addedUs.sdk).padStart(8)}   (${signed(r.addedUs.rawSignal)})`);
  if (op === 'listAll') continue;
  check(`node ${op}: ours adds at most what the sdk adds`, r.addedUs.ours <= r.addedUs.sdk, `${signed(r.addedUs.ours)} vs ${signed(r.addedUs.sdk)} µs`);
  check(`node ${op}: ours adds at most 60 µs`, r.addedUs.ours <= 60, `${signed(r.addedUs.ours)} µs`);
}
console.log('  (ours-raw, sdk-raw: median over rounds of a call\'s time minus that of raw fetch\'s call in the same round)');
console.log('pacing under the rate limit, far from the limit: ours (pacing on) / ours with rateLimit: false, same rounds');
for (const [op, r] of Object.entries(report.nodeFixedServer)) {
  const ratio = r.ours / r.oursUnpaced;
  console.log(`  ${op.padEnd(14)} ${ratio.toFixed(3)}  (${us(r.ours)} vs ${us(r.oursUnpaced)} µs)`);
  if (op !== 'listAll') check(`pacing costs ${op} at most 2%`, ratio <= 1.02, ratio.toFixed(3));
}
console.log('\nper-call median in Node, emulator (ms)  raw fetch    ours     sdk    ours/raw  sdk/raw   (raw fetch with a shared signal: ms, /raw)');
for (const [op, r] of Object.entries(report.node)) {
  console.log(`  ${op.padEnd(37)} ${r.raw.toFixed(3).padStart(8)} ${r.ours.toFixed(3).padStart(8)} ${r.sdk.toFixed(3).padStart(8)} ${(r.ours / r.raw).toFixed(3).padStart(8)} ${(r.sdk / r.raw).toFixed(3).padStart(8)}   (${r.rawSignal.toFixed(3)}, ${(r.rawSignal / r.raw).toFixed(3)})`);
}
console.log('per-call in Chromium (ms, median of batch means) raw fetch    ours  ours/raw');
for (const [op, r] of Object.entries(report.chromium)) {
  console.log(`  ${op.padEnd(32)} ${r.raw.toFixed(3).padStart(8)} ${r.ours.toFixed(3).padStart(8)} ${(r.ours / r.raw).toFixed(3).padStart(8)}`);
}
const f = report.inFlight64;
console.log(`64 in flight (checkValidity calls/s): raw ${f.raw.toFixed(0)}, ours ${f.ours.toFixed(0)}, sdk ${f.sdk.toFixed(0)}`);
const cs = report.coldStart;
const over = (c) => `+${(c.ms - cs.bare.ms).toFixed(1)} ms +${((c.rss - cs.bare.rss) / 2 ** 20).toFixed(1)} MiB`;
console.log(`cold start to first checkValidity, over bare node (${cs.bare.ms.toFixed(1)} ms, ${(cs.bare.rss / 2 ** 20).toFixed(1)} MiB): raw fetch ${over(cs.raw)}, ours ${over(cs.ours)}, sdk ${over(cs.sdk)}`);
const coldOverRaw = cs.ours.ms - cs.raw.ms;
check('cold start: ours at most 25 ms over the same script with raw fetch', coldOverRaw <= 25, `+${coldOverRaw.toFixed(1)} ms`);
const s = report.size;
console.log(`size, gzip -9 (wasm + glue): web ${kb(s.web)}, bundler ${kb(s.bundler)} (${kb(s.bundlerMinified)} with the glue minified), node ${kb(s.node)}; wasm alone ${kb(s.wasmOnly)} (${kb(s.webWasm)} uncompressed); @mapbox/mapbox-sdk tokens, minified: browser ${kb(s.sdk_browser)}, node ${kb(s.sdk_node)}`);
check('web download (wasm + glue) at most 60 KB gzip', s.web <= 60 * 1024, kb(s.web));
console.log(`refresher (mapbox-tokens/refresher, minified, no wasm), gzip -9: ${s.refresher} bytes`);
check('refresher at most 3 KB gzip', s.refresher <= 3072, `${s.refresher} B`);
const fp = report.firstPaint;
console.log(`dashboard first table paint (make start, ${fp.loads} cold loads, navigation start to the first token row): median ${fp.inDom.toFixed(0)} ms in the document, ${fp.paint.toFixed(0)} ms painted`);
check('dashboard: first token row in the document within 250 ms (median)', fp.inDom <= 250, `${fp.inDom.toFixed(0)} ms`);
const b = report.sizeBreakdown;
if (b) {
  console.log('what the wasm is made of (before compression; names kept for this count only):');
  console.log(`  by crate: ${b.crates.map(({ name, bytes }) => `${name} ${kb(bytes)}`).join(', ')}`);
  console.log('  largest items:');
  for (const { name, bytes } of b.top) console.log(`    ${kb(bytes).padStart(8)}  ${name}`);
} else {
  console.log('(no size breakdown: `cargo install twiggy` to have one)');
}
const sc = report.scan;
console.log(`leak scan: ${sc.files} files, ${(sc.bytes / 1024 ** 2).toFixed(1)} MB, ${sc.findings} tokens in ${sc.seconds.toFixed(3)} s: ${sc.mbPerSecond.toFixed(0)} MB/s, peak RSS ${sc.peakRssMb.toFixed(0)} MB`);
check(`leak scan at least ${TARGET_MB_PER_SECOND} MB/s`, sc.mbPerSecond >= TARGET_MB_PER_SECOND, `${sc.mbPerSecond.toFixed(0)} MB/s`);
console.log(`\n${brokerLines(report.broker).join('\n')}`);
const gs = report.gitScan;
console.log(`history scan (scan --git): ${gs.commits} commits, ${gs.blobs} blobs, ${(gs.bytes / 1024 ** 2).toFixed(1)} MB in ${gs.seconds.toFixed(3)} s: ${gs.mbPerSecond.toFixed(0)} MB/s`);
check(`history scan at least ${GIT_TARGET_MB_PER_SECOND} MB/s`, gs.mbPerSecond >= GIT_TARGET_MB_PER_SECOND, `${gs.mbPerSecond.toFixed(0)} MB/s`);
if (report.pacedDeletes) {
  const d = report.pacedDeletes;
  console.log(`300 deletes at once under 100 per 60 s: ${d.seconds.toFixed(1)} s (two windows: 120 s), ${d.failed} failed`);
  check('300 paced deletes within 5 s of two windows, none failing', d.seconds <= 125 && d.failed === 0, `${d.seconds.toFixed(1)} s, ${d.failed} failed`);
}
console.log('\nbudgets');
for (const c of checks) console.log(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name} (${c.detail})`);
report.checks = checks;
mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
writeFileSync(join(ROOT, 'artifacts', 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${checks.filter((c) => c.pass).length} of ${checks.length} budgets met; artifacts/bench.json written`);
