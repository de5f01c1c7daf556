// What every JavaScript test of the repository shares (test/, cli/test/, npm/test/, emulator/test/,
// www/test/ and bench/): the repository root, a token-free environment, headless Debian Chromium,
// a static file server and temporary folders. Not a test file itself (node --test runs *.test.mjs).
// It imports nothing heavy at load time: suites that never start a browser never load playwright.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENT_TYPES } from '../scripts/content-types.mjs';

/** The repository root (no trailing separator). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The variables that would let code under test find an access token (or, for the command line,
 * believe it runs on a terminal) from the developer's shell instead of from the test itself.
 */
const TOKEN_ENV = ['MAPBOX_ACCESS_TOKEN', 'MapboxAccessToken', 'MAPBOX_TOKENS_ASSUME_TTY'];

/**
 * A copy of `process.env` without MAPBOX_ACCESS_TOKEN, MapboxAccessToken and
 * MAPBOX_TOKENS_ASSUME_TTY, with `extra` merged in (so a test can set exactly the token it means).
 * @param {Record<string, string>} [extra]
 * @returns {Record<string, string>}
 */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const name of TOKEN_ENV) delete env[name];
  return { ...env, ...extra };
}

/** Deletes MAPBOX_ACCESS_TOKEN, MapboxAccessToken and MAPBOX_TOKENS_ASSUME_TTY from `process.env`. */
export function clearTokenEnv() {
  for (const name of TOKEN_ENV) delete process.env[name];
}

/** The flags every headless run uses: no sandbox (root in containers), nothing that phones home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Headless Debian Chromium (/usr/bin/chromium) through playwright-core, which downloads no browser.
 * `options` are playwright's launch options; its `args` are added to the default flags.
 * @param {import('playwright-core').LaunchOptions} [options]
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium(options = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}


/**
 * Serves folders over HTTP on 127.0.0.1 and a free port, for GET and HEAD. `mounts` maps a URL
 * prefix to a folder, e.g. `{ '/pkg/': PKG, '/': site }`; the longest matching prefix wins, and a
 * path ending in `/` serves that folder's index.html. A path that is not valid percent-encoding,
 * holds a NUL or a backslash, or would leave its folder (`..`, encoded or not) gets 404, as does
 * a missing file. `headers` are added to every answer (e.g. COOP/COEP for a test that needs them).
 * @param {{ mounts: Record<string, string>, headers?: Record<string, string> }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>} `url` without a trailing slash
 */
export async function serveStatic({ mounts, headers = {} }) {
  const table = Object.entries(mounts)
    .map(([prefix, folder]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(folder)])
    .sort(([a], [b]) => b.length - a.length);
  if (table.length === 0) throw new TypeError('serveStatic needs at least one mount');

  /** The file a URL path names, or null when it names nothing we may serve. */
  function fileOf(pathname) {
    let path;
    try {
      path = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (path.includes('\0') || path.includes('\\')) return null;
    const mount = table.find(([prefix]) => path === prefix.slice(0, -1) || path.startsWith(prefix));
    if (!mount) return null;
    const [prefix, folder] = mount;
    const rest = path.slice(prefix.length);
    // Checked on the decoded segments and again on the resolved path, so that neither `..` nor
    // `%2e%2e` nor an absolute-looking `//etc` can reach outside the folder.
    if (rest.split('/').some((segment) => segment === '..')) return null;
    const file = resolve(folder, `.${sep}${rest}`);
    if (file !== folder && !file.startsWith(folder + sep)) return null;
    return path.endsWith('/') || file === folder ? join(file, 'index.html') : file;
  }

  return serve(async (req, res) => {
    const common = { ...headers };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...common, allow: 'GET, HEAD' }).end();
      return;
    }
    const file = fileOf(new URL(req.url, 'http://127.0.0.1').pathname);
    try {
      if (file === null || !(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        ...common,
        'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { ...common, 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  });
}

/**
 * An HTTP server on 127.0.0.1 (a free port) answering with `handler` (`(req, res) => void`);
 * `close()` also drops the connections a browser keeps alive.
 * @param {import('node:http').RequestListener} handler
 * @returns {Promise<{ url: string, close: () => Promise<void> }>} `url` without a trailing slash
 */
export async function serve(handler) {
  const server = createServer(handler);
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close() {
      // A browser keeps connections alive: without dropping them, close() would wait for them.
      const closed = new Promise((done) => server.close(() => done()));
      server.closeAllConnections();
      return closed;
    },
  };
}

/**
 * A new folder under the system's temporary folder.
 * @param {string} [prefix] the start of its name
 * @returns {{ path: string, remove: () => void }} `remove()` deletes it and everything in it
 */
export function tempDir(prefix = 'mapbox-tokens-test-') {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * How to stop a child process a test started, and remove its folder: SIGTERM, SIGKILL after 5 s
 * if it is still there, then `dir.remove()`. Call it right after `spawn`, so that no exit is
 * missed; calling the function it returns again does nothing.
 * @param {import('node:child_process').ChildProcess} child
 * @param {{ remove: () => void }} dir
 * @returns {() => Promise<void>}
 */
export function stopper(child, dir) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const running = () => child.exitCode === null && child.signalCode === null;
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    if (running()) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => running() && process.kill(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    dir.remove();
  };
}
