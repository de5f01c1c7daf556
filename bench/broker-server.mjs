#!/usr/bin/env node
// The broker benchmark's servers, each in its own process (bench/broker.mjs starts them):
//   node bench/broker-server.mjs floor                  a bare node:http handler answering a fixed JSON
//   node bench/broker-server.mjs memory ORIGIN          the TokenBroker (node:http), its own memory
//   node bench/broker-server.mjs redis ORIGIN REDIS_URL the TokenBroker sharing its token through Redis
// The access token comes from BENCH_ACCESS_TOKEN. Prints one JSON line {"url"} once it listens.
// Only the benchmark runs this: it warms nothing but what BENCH_WARM_FETCH asks for.
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
  const broker = new TokenBroker({
    accessToken: process.env.BENCH_ACCESS_TOKEN,
    origin,
    scopes: BENCH_SCOPES,
    allowedOrigins: [BENCH_ORIGIN],
    ...(store ? { store } : {}),
  });
  handler = broker.node;
} else {
  console.error('usage: node bench/broker-server.mjs floor | memory ORIGIN | redis ORIGIN REDIS_URL');
  process.exit(2);
}
// BENCH_WARM_FETCH=1: one request to the API origin first, so that the first mint is timed without
// the cost of fetch's first use in a new process (Node loads its HTTP client then).
if (process.env.BENCH_WARM_FETCH === '1' && origin) await (await fetch(new URL('/', origin))).arrayBuffer();
const server = createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/` })));
