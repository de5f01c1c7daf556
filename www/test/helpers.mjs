// Shared by the dashboard's tests: a dashboard on ephemeral ports with a temporary data file,
// headless Debian Chromium (from test/support.mjs), plain-HTTP access to the emulator's API and
// test hooks, screenshots, and an accessibility audit with axe-core.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launchChromium, tempDir as supportTempDir } from '../../test/support.mjs';
import { startDashboard } from '../../scripts/serve.mjs';

export { ROOT, launchChromium };
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');
export const WAIT = { timeout: 10_000 };

/** A fresh folder under the system's temporary folder, removed by `remove()`. */
export const tempDir = () => supportTempDir('dashboard-test-');

/** startDashboard on free ports, with hooks, no rate limit and a data file in `dir`. */
export function startTestDashboard(dir, options = {}) {
  return startDashboard({ port: 0, hooks: true, rateLimit: false, dataFile: join(dir, 'emulator.json'), ...options });
}

/**
 * A dashboard, a browser and a page on it, for one test file. The page's console output and
 * page errors are collected in `consoleMessages`, the URLs it asked the dashboard's server for in
 * `dashboardUrls`. `close()` ends everything.
 */
export async function openDashboard({ viewport = { width: 1280, height: 900 }, dashboard: options = {}, clipboard = false } = {}) {
  const dir = tempDir();
  const dashboard = await startTestDashboard(dir.path, options);
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport });
  if (clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(dashboard.url).origin });
  const page = await context.newPage();
  const consoleMessages = [];
  const dashboardUrls = [];
  page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleMessages.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (request.url().startsWith(dashboard.url)) dashboardUrls.push(request.url());
  });
  return {
    dir,
    dashboard,
    browser,
    context,
    page,
    consoleMessages,
    dashboardUrls,
    async close() {
      await browser.close();
      await dashboard.close();
      dir.remove();
    },
  };
}

/** Opens the dashboard and waits until it connected itself to the emulator and shows its table. */
export async function connectedPage(page, dashboard) {
  await page.goto(dashboard.url);
  await waitForText(page.locator('#connect-status'), `Connected to ${dashboard.username} at`);
  await page.locator('#token-table tbody tr').first().waitFor(WAIT);
}

/** Waits until `locator` (or one of its matches) contains `text`; on timeout, says what it shows. */
export async function waitForText(locator, text, wait = WAIT) {
  try {
    await locator.filter({ hasText: text }).first().waitFor(wait);
  } catch (err) {
    const shown = await locator.allInnerTexts().catch(() => []);
    throw new Error(`${err.message.split('\n')[0]}\nwanted: ${text}\nshown: ${JSON.stringify(shown)}`);
  }
}

/**
 * The table's rows in the document, and the row whose note is `note`. Beyond 100 rows, only those
 * in and near the scrolled view are in the document: `rowCount` is how many the table shows.
 */
export const rows = (page) => page.locator('#token-table tbody tr[data-id]');
export const rowCount = (page) => page.evaluate(() => {
  const table = document.getElementById('token-table');
  return table.hasAttribute('aria-rowcount') ? Number(table.getAttribute('aria-rowcount')) - 1 : table.querySelectorAll('tbody tr[data-id]').length;
});
export const rowOf = (page, note) =>
  rows(page).filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${escapeRegExp(note)}( This page ?’s token)?$`) }) });
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The notes of the rows shown, in order. */
export const shownNotes = (page) => rows(page).evaluateAll((trs) => trs.map((tr) => tr.querySelector('.note-text').textContent));

/** Ticks a scope in a scope picker, opening the secret scopes first when needed. */
export async function tick(scope, root) {
  const box = root.getByLabel(scope);
  if (!(await box.isVisible())) await root.locator('summary', { hasText: 'Secret scopes' }).click();
  await box.check();
}

/** Saves a screenshot of the whole page as artifacts/screenshots/<name>.png. */
export async function screenshot(page, name, options = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, ...options });
}

let axeSource = null;

/**
 * Runs axe-core in the page and fails on any serious or critical violation. axe is evaluated in
 * the page through the DevTools protocol, which the page's CSP (script-src 'self', no inline
 * script) does not apply to; nothing about the page's own policy is relaxed.
 * Resolves to the violations of lesser impact, for the test to print.
 */
export async function audit(page, state) {
  axeSource ??= readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(blocking, [], `axe: serious or critical violations in the state "${state}"`);
  const minor = violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length} nodes)`);
  console.log(`# axe, ${state}: no serious or critical violations${minor.length ? `; lesser: ${minor.join(', ')}` : ''}`);
  return violations;
}

/** Calls an emulator test hook; resolves to its JSON answer (or null). */
export async function hook(dashboard, method, path, body) {
  const response = await fetch(`${dashboard.emulatorUrl}/__emulator/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`hook ${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** Calls the emulator's API with the admin token (e.g. to create a token with allowed URLs). */
export async function api(dashboard, method, path, body) {
  const url = `${dashboard.emulatorUrl}${path}${path.includes('?') ? '&' : '?'}access_token=${dashboard.adminToken}`;
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** Every token of the admin's account, read straight from the API (one page of up to 100000). */
export function apiTokens(dashboard) {
  return api(dashboard, 'GET', `/tokens/v2/${dashboard.username}?limit=100000`);
}

/** Asserts that the page shows none of `secrets` (outside form fields) and that none is in its URL. */
export async function assertNoSecretShown(page, ...secrets) {
  const text = await page.evaluate(() => document.body.innerText);
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), 'a secret token is visible on the page');
    assert.ok(!page.url().includes(secret), 'a token is in the URL');
  }
}

/**
 * Console output other than Chromium's own lines for failed requests (which the tests cause on
 * purpose); `secrets` must appear neither there nor in a URL the page asked the dashboard for.
 */
export function assertCleanConsole({ consoleMessages, dashboardUrls }, ...secrets) {
  for (const secret of secrets) {
    assert.ok(!consoleMessages.some((m) => m.includes(secret)), 'a token was written to the console');
    assert.ok(!dashboardUrls.some((u) => u.includes(secret)), 'a token was sent to the dashboard server');
  }
  assert.deepEqual(consoleMessages.filter((m) => !m.startsWith('error: Failed to load resource: the server responded with a status of')), []);
}

/** The middle value of `values` (the upper one of the two middles for an even count). */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * One cold load of the dashboard at `url`, in a new browser context (an empty HTTP cache, nothing
 * kept): milliseconds from navigation start until the first token row is in the document
 * (`inDom`, seen by a MutationObserver) and until the browser painted it (`paint`, the Element
 * Timing entry the table puts on the first row's note), with the page's `dashboard:` marks.
 * Both observers are put in by the test before any of the page's scripts, and the page is not
 * touched while it loads (a test script evaluated in it would take its main thread): the test
 * waits for the console line the observers write once the row is painted.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {{ width: number, height: number }} [viewport]
 * @returns {Promise<{ inDom: number, paint: number, domContentLoaded: number, marks: [string, number][] }>}
 */
export async function coldLoad(browser, url, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  try {
    await context.addInitScript(() => {
      new MutationObserver((records, observer) => {
        if (!document.querySelector('#token-table tbody tr[data-id]')) return;
        observer.disconnect();
        performance.mark('test:first-row-in-dom');
      }).observe(document, { childList: true, subtree: true });
      new PerformanceObserver((list, observer) => {
        const entry = list.getEntries().find((e) => e.identifier === 'first-token-row');
        if (!entry) return;
        observer.disconnect();
        performance.mark('test:first-row-painted', { startTime: entry.renderTime || entry.loadTime });
        console.debug('test: first row painted');
      }).observe({ type: 'element', buffered: true });
    });
    const page = await context.newPage();
    const painted = page.waitForEvent('console', { predicate: (m) => m.text() === 'test: first row painted', timeout: 10_000 });
    await page.goto(url, { waitUntil: 'commit' });
    await painted;
    const timing = await page.evaluate(() => {
      const marks = performance.getEntriesByType('mark');
      const at = (name) => marks.find((m) => m.name === name)?.startTime ?? NaN;
      return {
        inDom: at('test:first-row-in-dom'),
        paint: at('test:first-row-painted'),
        domContentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
        marks: marks.filter((m) => m.name.startsWith('dashboard:')).map((m) => [m.name.slice('dashboard:'.length), m.startTime]),
      };
    });
    assert.ok(await page.locator('#token-table tbody tr').first().isVisible(), 'the first row is shown');
    return timing;
  } finally {
    await context.close();
  }
}

/**
 * Runs `make start` as a user does: scripts/start.mjs in its own process, on a free port, with the
 * emulator's state in `dataFile`. Resolves once it serves, to its URLs and admin token and a
 * `close()` that stops it (SIGTERM) and waits for it; rejects, with its output, if it does not
 * start within 10 s.
 * @param {string} dataFile
 * @returns {Promise<{ url: string, emulatorUrl: string, adminToken: string, close: () => Promise<void> }>}
 */
export async function startMakeStart(dataFile) {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
    env: { ...process.env, PORT: '0', EMULATOR_DATA_FILE: dataFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`start.mjs did not start within 10 s:\n${output}`)), 10_000);
      child.stdout.on('data', () => {
        if (output.includes('Ctrl-C')) resolve(clearTimeout(timer));
      });
      exited.then(([code]) => reject(new Error(`start.mjs exited with ${code}:\n${output}`)));
    });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url: output.match(/Mapbox token dashboard:\s+(\S+)/)[1],
    emulatorUrl: output.match(/Tokens API emulator:\s+(\S+)/)[1],
    adminToken: output.match(/^(sk\.\S+)$/m)[1],
    close,
  };
}

/**
 * `make start` (startMakeStart) on an account of the default and admin tokens plus `count` more,
 * seeded through a test server's hooks into a data file in the folder `dir`, which start.mjs then
 * serves (it has no hooks of its own).
 * @param {string} dir
 * @param {number} count
 */
export async function startSeededMakeStart(dir, count) {
  const dataFile = join(dir, 'emulator.json');
  const seeding = await startTestDashboard(dir, { dataFile });
  try {
    await hook(seeding, 'POST', 'seed', { count });
  } finally {
    await seeding.close();
  }
  return startMakeStart(dataFile);
}
