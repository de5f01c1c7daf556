// A real redis-server for the tests of the token broker's shared store: Debian's redis-server
// (scripts/setup.sh installs it), started on 127.0.0.1 and a free port, with no persistence, in a
// folder of its own, and stopped by its process id. Not a test file itself.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { stopper, tempDir } from './support.mjs';

/** The redis-server binary, or null when it is not installed. */
export const REDIS_SERVER = spawnSync('redis-server', ['--version'], { timeout: 10_000 }).status === 0 ? 'redis-server' : null;

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Sends one inline command (e.g. `PING`) to a Redis server and resolves to its first reply line,
 * or rejects after `ms` milliseconds or on a connection error.
 * @param {number} port
 * @param {string} command
 * @param {number} [ms]
 * @returns {Promise<string>}
 */
export function redisCommand(port, command, ms = 1000) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (error, line) => {
      clearTimeout(timer);
      socket.destroy();
      error ? reject(error) : resolve(line);
    };
    const timer = setTimeout(() => done(new Error(`redis on port ${port}: no answer to ${command} within ${ms} ms`)), ms);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\r\n');
      if (end >= 0) done(null, text.slice(0, end));
    });
    socket.on('error', (error) => done(error));
  });
}

/**
 * Starts redis-server on 127.0.0.1 and a free port (`--save '' --appendonly no`: nothing written to
 * disk but in its own temporary folder), waits until it answers PING with PONG, and returns it.
 * `stop()` ends it by its process id (SIGTERM, then SIGKILL after 5 s) and removes the folder;
 * calling it again does nothing. Tries three ports in case another process takes the free one first.
 * @returns {Promise<{ port: number, url: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startRedis() {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed (scripts/setup.sh installs it)');
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = tempDir('mapbox-tokens-redis-');
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path, '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { output = (output + chunk).slice(-4000); });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output = (output + chunk).slice(-4000); });
    const stop = stopper(child, dir);
    try {
      await waitForPong(port, child);
      return { port, url: `redis://127.0.0.1:${port}`, pid: child.pid, stop };
    } catch (error) {
      lastError = new Error(`redis-server on port ${port} did not start: ${error.message}\n${output}`);
      await stop();
    }
  }
  throw lastError;
}

/** Resolves once the server on `port` answers PONG; rejects when `child` exits first or after 10 s. */
async function waitForPong(port, child) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    try {
      if ((await redisCommand(port, 'PING', 500)) === '+PONG') return;
    } catch {}
    if (Date.now() > deadline) throw new Error('no PONG within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
