// The package's TokenBroker (pkg/node) behind node:http, in a worker thread of the end-to-end
// tests, so that its clock (`performance.now`, which the broker reads) can be moved forward with
// the emulator's and the browser's without moving the clock of the test's own process (playwright
// and node:test time their waits with it). Not a test file itself: refresher/test/e2e.test.mjs
// starts it through startBroker() below.
//
// Shared with the test through a SharedArrayBuffer of Int32: [0] milliseconds added to the
// broker's clock, [1] GET requests answered, [2] requests being answered. Each GET is also posted
// to the test: `{ refused, status, token, maxAge }` (`refused`: it carried `X-Token-Refused: 1`).
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const SHIFT = 0;
const GETS = 1;
const BUSY = 2;

if (!isMainThread) {
  const { shared, options } = workerData;
  const counters = new Int32Array(shared);
  const realNow = performance.now.bind(performance);
  performance.now = () => realNow() + Atomics.load(counters, SHIFT);
  const { TokenBroker } = createRequire(import.meta.url)('../../pkg/node/mapbox_tokens.cjs');
  const broker = new TokenBroker(options);
  const server = createServer((req, res) => {
    Atomics.add(counters, BUSY, 1);
    res.on('close', () => Atomics.sub(counters, BUSY, 1));
    // The broker's machine lives on the moved clock too.
    res.setHeader('date', new Date(Date.now() + Atomics.load(counters, SHIFT)).toUTCString());
    if (req.method === 'GET') {
      const refused = req.headers['x-token-refused'] === '1';
      const end = res.end.bind(res);
      res.end = (body, ...rest) => {
        Atomics.add(counters, GETS, 1);
        let token = null;
        try {
          token = JSON.parse(String(body)).token ?? null;
        } catch {}
        const maxAge = Number(/max-age=(\d+)/.exec(res.getHeader('cache-control'))?.[1] ?? NaN);
        parentPort.postMessage({ refused, status: res.statusCode, token, maxAge });
        return end(body, ...rest);
      };
    }
    broker.node(req, res);
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on('message', (message) => {
    if (message === 'close') {
      broker.close?.();
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
}

/**
 * Starts a TokenBroker with `options` behind node:http on 127.0.0.1, in a worker thread.
 * @param {object} options the TokenBroker's options (plain data: no function)
 * @returns {Promise<{ url: string, answers: Array<{ refused: boolean, status: number, token: string | null,
 *   maxAge: number }>, gets: () => number, busy: () => number, shift: (ms: number) => void, close: () => Promise<void> }>}
 *   `url` is the broker's, `/mapbox-token`; `shift(ms)` moves the broker's clock forward by `ms`
 */
export async function startBroker(options) {
  const shared = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  const counters = new Int32Array(shared);
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { shared, options } });
  const answers = [];
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const port = await new Promise((resolve, reject) => {
    worker.on('message', (message) => (message.port ? resolve(message.port) : answers.push(message)));
    worker.once('error', reject);
    exited.then(() => reject(new Error('the broker worker stopped before it listened')));
  });
  return {
    url: `http://127.0.0.1:${port}/mapbox-token`,
    answers,
    gets: () => Atomics.load(counters, GETS),
    busy: () => Atomics.load(counters, BUSY),
    shift: (ms) => Atomics.add(counters, SHIFT, ms),
    async close() {
      worker.postMessage('close');
      const timer = setTimeout(() => worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
