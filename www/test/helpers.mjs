// Shared by the dashboard's tests: a dashboard on ephemeral ports with a temporary data file,
// headless Debian Chromium, and plain-HTTP access to the emulator's API and test hooks.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDashboard } from '../../scripts/serve.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');

/** A fresh folder under the system's temporary folder, removed by `remove()`. */
export function tempDir() {
  const path = mkdtempSync(join(tmpdir(), 'dashboard-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** startDashboard on free ports, with hooks, no rate limit and a data file in `dir`. */
export function startTestDashboard(dir, options = {}) {
  return startDashboard({ port: 0, hooks: true, rateLimit: false, dataFile: join(dir, 'emulator.json'), ...options });
}

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Saves a screenshot of the whole page as artifacts/screenshots/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
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

/** Every token of the admin's account, read straight from the API (one page of up to 1000). */
export async function apiTokens(dashboard) {
  const url = `${dashboard.emulatorUrl}/tokens/v2/${dashboard.username}?limit=1000&access_token=${dashboard.adminToken}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`listing tokens: ${response.status}`);
  return response.json();
}
