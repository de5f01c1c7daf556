// `mapbox-tokens broker`: serves the package's TokenBroker over node:http for local development,
// so that a map page (e.g. a Vite dev server on http://localhost:5173) gets temporary tokens
// without holding a long-lived one. Prints its URL, then one line per request on stderr (method,
// status, origin: never a token); stops cleanly on Ctrl-C (SIGINT) and SIGTERM.
import { createServer } from 'node:http';
import * as library from 'mapbox-tokens';
import { clean, fields, note } from './output.mjs';

/** The port when --port is not given. */
export const DEFAULT_PORT = 8788;

/** A UsageError-like failure: the command line maps it to exit code 2. */
const usage = (UsageError, message) => new UsageError(message);

/** `--scopes a,b --scopes c` → ['a', 'b', 'c'] (empty entries dropped). */
const list = (values) => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

/** A redis:// URL without its password (what the command prints). */
function safeUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(invalid URL)';
  }
}

/** The port option as a number from 0 (a free one) to 65535. */
function port(value, UsageError) {
  if (value === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw usage(UsageError, `--port must be a number from 0 to 65535, not '${clean(value)}'.`);
  return Number(value);
}

/**
 * A store on the Redis server at `url` (mapbox-tokens/redis over the `redis` package, which the
 * project must have installed: it is an optional peer dependency), and the function that closes it.
 */
async function redisStoreAt(url, UsageError) {
  let createClient;
  try {
    ({ createClient } = await import('redis'));
  } catch {
    throw usage(UsageError, "--redis needs the 'redis' package: npm install redis");
  }
  const { redisStore } = await import('mapbox-tokens/redis');
  // A first connection that fails ends the command; after that, a lost connection is retried.
  let connected = false;
  const reconnectStrategy = (retries) => (connected ? Math.min(retries * 200, 5000) : new Error('no connection'));
  const client = createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy } });
  // Once connected, the broker goes on with its own memory while Redis is away: said once per outage.
  let down = false;
  let lastError;
  client.on('error', (e) => {
    lastError = e;
    if (!connected || down) return;
    note(`broker: Redis at ${safeUrl(url)} fails (${clean(e?.message ?? e)}); serving from this process's memory meanwhile`);
    down = true;
  });
  client.on('ready', () => { down = false; });
  try {
    await client.connect();
    connected = true;
  } catch (e) {
    throw usage(UsageError, `cannot reach Redis at ${safeUrl(url)} (${clean(lastError?.message ?? e?.message ?? e)}).`);
  }
  return { store: redisStore(client), close: () => (typeof client.close === 'function' ? client.close() : client.quit()).catch(() => {}) };
}

/**
 * Runs the broker until SIGINT or SIGTERM.
 * @param {{ opts: Record<string, any>, token: () => string, print: Function, UsageError: typeof Error }} context
 */
export async function broker({ opts, token, print, UsageError }) {
  if (typeof library.TokenBroker !== 'function') throw new Error('this build of mapbox-tokens has no TokenBroker.');
  const scopes = list(opts.scopes);
  if (scopes.length === 0) throw usage(UsageError, 'a broker needs --scopes, e.g. --scopes styles:read,styles:tiles,fonts:read (public scopes only).');
  const allowedOrigins = list(opts['allow-origin']);
  if (allowedOrigins.length === 0) throw usage(UsageError, 'a broker needs --allow-origin ORIGIN: the origin of your pages, e.g. http://localhost:5173.');
  const listenPort = port(opts.port, UsageError);
  const expires = opts.expires === undefined ? undefined : Number(opts.expires);
  const accessToken = token();

  const shared = opts.redis === undefined ? null : await redisStoreAt(opts.redis, UsageError);
  let tokenBroker;
  try {
    tokenBroker = new library.TokenBroker({
      accessToken,
      scopes,
      allowedOrigins,
      expires,
      origin: opts.origin,
      username: opts.username,
      timeout: opts.timeout === undefined ? undefined : Number(opts.timeout),
      ...(shared ? { store: shared.store } : {}),
    });
  } catch (e) {
    await shared?.close();
    throw e;
  }

  const handle = tokenBroker.node;
  const server = createServer((req, res) => {
    res.on('finish', () => {
      const origin = req.headers.origin === undefined ? 'no Origin' : clean(req.headers.origin).slice(0, 200);
      note(`${new Date().toISOString().slice(11, 19)} ${clean(req.method).slice(0, 16)} ${res.statusCode} ${origin}`);
    });
    handle(req, res);
  });
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', resolve);
    });
  } catch (e) {
    await shared?.close();
    throw e.code === 'EADDRINUSE' ? usage(UsageError, `port ${listenPort} is in use: pass another --port (0 picks a free one).`) : e;
  }

  const url = `http://127.0.0.1:${server.address().port}/`;
  const info = { url, scopes, allowedOrigins, expires: expires ?? 3600, store: shared ? safeUrl(opts.redis) : 'memory' };
  print(info, (i) => `Token broker listening on ${i.url}\n${fields([
    ['scopes', i.scopes.join(', ')],
    ['allowed origins', i.allowedOrigins.join(', ')],
    ['token life', `${i.expires} s`],
    ['shared store', i.store],
  ])}\nA GET from an allowed origin answers {"token", "expires"}. Ctrl-C stops it.`);

  await new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
  tokenBroker.close?.();
  await shared?.close();
}

/** The command's declaration, for COMMANDS in commands.mjs. */
export const BROKER_COMMAND = {
  args: [],
  summary: 'serve temporary tokens to browsers (a token broker for local development)',
  description: `Serves a token broker on http://127.0.0.1:PORT/ (default ${DEFAULT_PORT}): a GET from one of the
allowed origins answers {"token": "tk.…", "expires": "…"}, one temporary token shared by every
page until a quarter of its life is left; other origins, and requests without Origin, get 403.
The access token (MAPBOX_ACCESS_TOKEN or --token-file) needs tokens:write and every scope handed
out; it never leaves this process. With --redis, brokers that share that Redis share one token
(it needs the 'redis' package). Prints its URL (with --json: {"url", "scopes", "allowedOrigins",
"expires", "store"}), then one line per request on stderr: time, method, status, origin.
Ctrl-C stops it.`,
  options: {
    scopes: { type: 'string', multiple: true, arg: 'LIST', help: 'the tokens\' scopes, comma-separated: public ones only' },
    'allow-origin': { type: 'string', multiple: true, arg: 'ORIGIN', help: 'an origin whose pages may ask (repeatable, or comma-separated)' },
    port: { type: 'string', arg: 'PORT', help: `the port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)` },
    expires: { type: 'string', arg: 'SECONDS', help: 'each token\'s life, 60 to 3600 (default 3600)' },
    redis: { type: 'string', arg: 'URL', help: 'share the token through this Redis (redis://…)' },
  },
};
