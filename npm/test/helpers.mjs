// Shared helpers of the package tests: the packed tarball installed into a scratch project exactly
// as a consumer would install it, the emulator, and headless Chromium.
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PKG = join(ROOT, 'pkg');
const run = promisify(execFile);

/** `npm pack` pkg/ into a scratch folder and install the tarball into a new project there. */
export function installPackedPackage() {
  const dir = mkdtempSync(join(tmpdir(), 'mapbox-tokens-consumer-'));
  const packs = join(dir, 'packs');
  mkdirSync(packs);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', packs], { cwd: PKG });
  const tarball = join(packs, readdirSync(packs).find((f) => f.endsWith('.tgz')));
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--offline', tarball], { cwd: project });
  return project;
}

/** Writes `code` to `name` in `project` and runs it with Node; resolves to its stdout. */
export async function runScript(project, name, code, env = {}) {
  writeFileSync(join(project, name), code);
  const clean = { ...process.env };
  delete clean.MAPBOX_ACCESS_TOKEN;
  delete clean.MapboxAccessToken;
  const { stdout } = await run(process.execPath, [name], { cwd: project, env: { ...clean, ...env }, timeout: 60_000 });
  return stdout;
}

export { startEmulator } from '../../emulator/index.mjs';

/** Headless Debian Chromium through playwright-core (no browser download). */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** A static file server for `root` on 127.0.0.1 (an ephemeral port); resolves to { url, close }. */
export async function serveStatic(root) {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const { extname, normalize } = await import('node:path');
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    try {
      const body = await readFile(join(root, path.endsWith('/') ? `${path}index.html` : path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}
