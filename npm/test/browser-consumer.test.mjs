// The package in headless Chromium: a plain ES-module page loading the ./web build, and the
// default (bundler) build bundled by webpack and by Vite from an installed tarball. All call the emulator
// cross-origin with real fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { installPackedPackage, startEmulator, launchChromium, serveStatic, PKG, ROOT } from './helpers.mjs';

let emulator, browser;
before(async () => {
  emulator = await startEmulator({ rateLimit: false });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await emulator?.close();
});

/**
 * Serves `root`, opens `path` there and waits for the page to publish `window.result`; asserts the
 * page reached checkValidity() on the emulator without page errors.
 */
async function assertProbeServed(root, path, extra = {}) {
  const server = await serveStatic({ mounts: { '/': root } });
  try {
    assert.deepEqual(await resultOf(`${server.url}/${path}`), { status: 200, code: 'TokenValid', user: emulator.username, ...extra });
  } finally {
    await server.close();
  }
}

/** Opens `url` and waits for the page to publish `window.result` (or an error). */
async function resultOf(url) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20_000 }).catch(() => {});
  const result = await page.evaluate(() => window.result);
  await page.close();
  assert.deepEqual(problems, []);
  return result;
}

const PROBE = (origin, token, extra = '') => `
  const tokens = new Tokens({ accessToken: ${JSON.stringify(token)}, origin: ${JSON.stringify(origin)} });
  tokens.checkValidity().then(
    (r) => { window.result = { status: r.status, code: r.data.code, user: tokens.username${extra} }; },
    (e) => { window.result = { error: e.message }; });
`;

test('a plain ES-module page loading pkg/web reaches checkValidity()', async () => {
  const site = join(ROOT, 'artifacts', 'web-page');
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, 'index.html'), `<!doctype html><script type="module">
    import init, { Tokens } from '/pkg/web/mapbox_tokens.js';
    await init();
    ${PROBE(emulator.url, emulator.adminToken, ', names: [Tokens.name, tokens.constructor.name, tokens.listAllTokens().constructor.name]')}
  </script>`);
  // The web build's glue ships minified: its classes must keep their names (stack traces, logs).
  await assertProbeServed(ROOT, 'artifacts/web-page/index.html', { names: ['Tokens', 'Tokens', 'TokenIterator'] });
});

test('webpack bundles the installed package for the browser, and it reaches checkValidity()', async () => {
  const project = installPackedPackage();
  writeFileSync(join(project, 'entry.js'), `import { Tokens } from 'mapbox-tokens';\n${PROBE(emulator.url, emulator.adminToken)}`);
  const webpack = (await import('webpack')).default;
  const stats = await new Promise((resolve, reject) => webpack({
    mode: 'production',
    context: project,
    entry: './entry.js',
    output: { path: join(project, 'dist'), filename: 'main.js' },
    experiments: { asyncWebAssembly: true },
    performance: { hints: false },
  }, (err, s) => (err ? reject(err) : resolve(s))));
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  writeFileSync(join(project, 'dist', 'index.html'), '<!doctype html><script src="main.js"></script>');
  await assertProbeServed(join(project, 'dist'), 'index.html');
});

test('Vite (with vite-plugin-wasm) bundles the installed package, and it reaches checkValidity()', async () => {
  const project = installPackedPackage();
  writeFileSync(join(project, 'entry.js'), `import { Tokens } from 'mapbox-tokens';\n${PROBE(emulator.url, emulator.adminToken)}`);
  writeFileSync(join(project, 'index.html'), '<!doctype html><script type="module" src="./entry.js"></script>');
  const { build } = await import('vite');
  const { default: wasm } = await import('vite-plugin-wasm');
  await build({
    root: project,
    configFile: false,
    logLevel: 'silent',
    plugins: [wasm()],
    build: { outDir: join(project, 'vite-dist'), target: 'esnext' },
  });
  await assertProbeServed(join(project, 'vite-dist'), 'index.html');
});
