// Shared helpers of the package tests: the packed tarball installed into a scratch project exactly
// as a consumer would install it, the emulator, and headless Chromium.
import { execFileSync, execFile } from 'node:child_process';
import { writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, cleanEnv, tempDir } from '../../test/support.mjs';

export { ROOT };
export { launchChromium, serveStatic } from '../../test/support.mjs';
export const PKG = join(ROOT, 'pkg');
const run = promisify(execFile);

/** `npm pack` pkg/ into a scratch folder and install the tarball into a new project there. */
export function installPackedPackage() {
  // Left in place after the run, as before: a failed bundling test can be inspected there.
  const dir = tempDir('mapbox-tokens-consumer-').path;
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
  const { stdout } = await run(process.execPath, [name], { cwd: project, env: cleanEnv(env), timeout: 60_000 });
  return stdout;
}

export { startEmulator } from '../../emulator/index.mjs';
