// Shared helpers of the emulator's tests (not a test file itself).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../index.mjs';
import { ALL_SCOPE_IDS } from '../lib/scopes.mjs';
import { launchChromium, serveStatic, tempDir } from '../../test/support.mjs';

export { tempDir };

/** A test's `skip` where Debian's Chromium is missing. */
export const noChromium = !existsSync('/usr/bin/chromium') && 'no /usr/bin/chromium';

/**
 * A page in headless Chromium on a site of its own (another origin than the emulator's), all of it
 * closed after the test `t`.
 * @param {import('node:test').TestContext} t
 */
export async function foreignPage(t) {
  const dir = tempDir('emulator-page-');
  t.after(dir.remove);
  writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>another site</title>');
  const site = await serveStatic({ mounts: { '/': dir.path } });
  t.after(site.close);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${site.url}/`);
  return page;
}

/** 2030-01-01T00:00:00.000Z, the start of every fake clock. */
export const T0 = Date.UTC(2030, 0, 1);

/**
 * A clock the test moves by hand.
 * @returns {{now: () => number, advance: (ms: number) => void}}
 */
export function fakeClock() {
  let time = T0;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}

/**
 * Starts an emulator (rate limiting off unless asked) that is closed after the test `t`.
 * @param {import('node:test').TestContext} t
 * @param {import('../index.mjs').EmulatorOptions} [options]
 */
export async function start(t, options = {}) {
  const emulator = await startEmulator({ rateLimit: false, ...options });
  t.after(() => emulator.close());
  return emulator;
}

/**
 * Sends a request to the emulator and reads the whole answer.
 * `token` defaults to the admin token; pass null to send none.
 * `body` is sent as JSON; `rawBody` as is.
 */
export async function call(emulator, method, path, { token = emulator.adminToken, query = {}, body, rawBody, headers = {} } = {}) {
  const url = new URL(path, emulator.url);
  if (token !== null) url.searchParams.set('access_token', token);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  if (rawBody !== undefined) init.body = rawBody;
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: json };
}

/** Asserts an error answer: its status and its exact `{"message"}` JSON body. */
export function assertError(res, status, message) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  if (message instanceof RegExp) {
    assert.deepEqual(Object.keys(res.body), ['message']);
    assert.match(res.body.message, message);
  } else {
    assert.deepEqual(res.body, { message });
  }
}

/** Every scope but the given ones. */
export function scopesWithout(...excluded) {
  return ALL_SCOPE_IDS.filter((s) => !excluded.includes(s));
}

/** The decoded payload of a token string. */
export function payloadOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** ISO 8601 date-time with milliseconds and Z. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A token id: 25 lowercase alphanumerics starting with c. */
export const TOKEN_ID = /^c[a-z0-9]{24}$/;
