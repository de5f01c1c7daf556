// Serves the runtime tests' app in Node: `node node.mjs http` (node:http, the broker as
// `http.createServer`'s handler) or `node node.mjs express` (an Express route). The config is the
// JSON of BROKER_TEST_CONFIG (see app.mjs); with `redis` in it, the broker shares its token through
// that Redis (mapbox-tokens/redis). Prints one line `{"url": …}` once it listens on 127.0.0.1.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { makeBroker, runSmoke } from './app.mjs';

const require = createRequire(import.meta.url);
const lib = require('../../pkg/node/mapbox_tokens.cjs');
const config = JSON.parse(process.env.BROKER_TEST_CONFIG);
const mode = process.argv[2] ?? 'http';

let store;
if (config.redis) {
  const { createClient } = await import('redis');
  const { redisStore } = await import('../../npm/redis.mjs');
  const client = createClient({ url: config.redis });
  client.on('error', (e) => console.error(`redis: ${e.message}`));
  await client.connect();
  store = redisStore(client);
}
const broker = makeBroker(lib, config, store);

/** Sends a fetch-standard Response through node's `res`. */
async function send(res, response) {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(await response.text());
}

/** 501 when this build of the package has no TokenBroker. */
const noBroker = (req, res) => {
  res.writeHead(501, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message: 'this build of the package has no TokenBroker' }));
};

let server;
if (mode === 'express') {
  const { default: express } = await import('express');
  const app = express();
  app.get('/health', (req, res) => res.json({ broker: Boolean(broker) }));
  app.get('/smoke', async (req, res) => send(res, await runSmoke(lib, config)));
  // As an application would write it: the broker's bound handler is the route's handler.
  app.get('/token', broker ? broker.node : noBroker);
  app.options('/token', broker ? broker.node : noBroker);
  server = createServer(app);
} else {
  const handle = broker ? broker.node : noBroker;
  server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    if (pathname === '/token') return handle(req, res);
    if (pathname === '/smoke') return send(res, await runSmoke(lib, config));
    if (pathname === '/health') return send(res, Response.json({ broker: Boolean(broker) }));
    res.writeHead(404).end();
  });
}
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })));
