#!/usr/bin/env node
// The broker benchmark's servers, each in its own process (bench/broker.mjs starts them):
//   node bench/broker-server.mjs floor                  a bare node:http handler answering a fixed JSON
//   node bench/broker-server.mjs memory ORIGIN          the TokenBroker (node:http), its own memory
//   node bench/broker-server.mjs redis ORIGIN REDIS_URL the TokenBroker sharing its token through Redis
// The access token comes from BENCH_ACCESS_TOKEN. Prints one JSON line {"url"} once it listens.
// BENCH_WARM=1 adds a second broker at /warm (see below).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../test/support.mjs';
import { BENCH_ORIGIN, BENCH_SCOPES } from './broker.mjs';

const [mode, origin, redisUrl] = process.argv.slice(2);
let handler;
if (mode === 'floor') {
  // What the broker answers, fixed: the same size of body and the same headers.
  const body = JSON.stringify({ token: `tk.${'x'.repeat(180)}.${'y'.repeat(22)}`, expires: '2030-01-01T00:00:00.000Z' });
  const headers = {
    'content-type': 'application/json',
    'cache-control': 'private, max-age=2700',
    vary: 'Origin',
    'access-control-allow-origin': BENCH_ORIGIN,
  };
  handler = (req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  };
} else if (mode === 'memory' || mode === 'redis') {
  const { TokenBroker } = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node', 'mapbox_tokens.cjs'));
  let store;
  if (mode === 'redis') {
    const { createClient } = await import('redis');
    const { redisStore } = await import('../npm/redis.mjs');
    const client = createClient({ url: redisUrl });
    client.on('error', () => {});
    await client.connect();
    store = redisStore(client);
  }
  const make = (scopes) => new TokenBroker({
    accessToken: process.env.BENCH_ACCESS_TOKEN,
    origin,
    scopes,
    allowedOrigins: [BENCH_ORIGIN],
    ...(store ? { store } : {}),
  });
  const broker = make(BENCH_SCOPES);
  // BENCH_WARM=1: a second broker (other scopes, so another token and store key) at /warm, whose
  // first request warms everything a mint uses (fetch, the wasm's code, node:http), so that the
  // first request of the main broker then times a mint in a warm process.
  const warm = process.env.BENCH_WARM === '1' ? make(BENCH_SCOPES.slice(0, 1)) : null;
  handler = warm ? (req, res) => (req.url === '/warm' ? warm : broker).node(req, res) : broker.node;
} else {
  console.error('usage: node bench/broker-server.mjs floor | memory ORIGIN | redis ORIGIN REDIS_URL');
  process.exit(2);
}
const server = createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/` })));
