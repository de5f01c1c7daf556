/**
 * `make start`: serves the token dashboard with a local Tokens API emulator whose state is kept in
 * `.data/emulator.json` (gitignored), so tokens survive restarts. Stops cleanly on Ctrl-C.
 *
 * Environment: `PORT` (default 8080) for the dashboard, `EMULATOR_PORT` (default: a free one),
 * `EMULATOR_DATA_FILE` (default `.data/emulator.json`).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDashboard } from './serve.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA_FILE = process.env.EMULATOR_DATA_FILE || join(ROOT, '.data', 'emulator.json');

function portFrom(name, fallback) {
  const value = process.env[name] || String(fallback);
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    console.error(`${name} must be a port number from 0 to 65535, not "${value}".`);
    process.exit(2);
  }
  return port;
}

const port = portFrom('PORT', 8080);
const emulatorPort = portFrom('EMULATOR_PORT', 0);
mkdirSync(dirname(DATA_FILE), { recursive: true });

let dashboard;
try {
  dashboard = await startDashboard({ port, emulatorPort, dataFile: DATA_FILE });
} catch (err) {
  if (err.code === 'EADDRINUSE') {
    const which = err.port === emulatorPort && emulatorPort !== port ? 'EMULATOR_PORT' : 'PORT';
    console.error(`Port ${err.port} is already in use (is the dashboard already running?).`);
    console.error(`Stop the other server, or choose another port, e.g. ${which}=${err.port + 1} make start`);
  } else {
    console.error(`The dashboard could not start: ${err.message}`);
  }
  process.exit(1);
}

console.log(`
Mapbox token dashboard:  ${dashboard.url}
Live map:                ${dashboard.url}map  (tiles through the dashboard's token broker)
Tokens API emulator:     ${dashboard.emulatorUrl}  (state kept in ${relative(process.cwd(), DATA_FILE)})
Admin token (account "${dashboard.username}", every scope; the page fills it in for you):
${dashboard.adminToken}

Press Ctrl-C to stop.`);

let stopping = false;
async function stop(signal) {
  if (stopping) process.exit(1); // a second Ctrl-C: do not wait
  stopping = true;
  console.log(`\n${signal}: stopping the dashboard and the emulator.`);
  await dashboard.close();
  process.exit(0);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
