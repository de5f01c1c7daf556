// Issue 19: the package in every server runtime. For each of Node (node:http and Express), Deno
// (its web build, and the Node build that `npm:mapbox-tokens` resolves to), Bun and workerd, a child
// process serves test/runtimes/app.mjs against the emulator (in this process): the library's own
// smoke test (list, create a temporary token, an InvalidInput error), and the TokenBroker: a GET
// from an allowed Origin gets a token the emulator says is valid, a burst of GETs shares it (one
// mint), a refused origin and a request without Origin get 403 and mint nothing. No process's
// output nor any answer holds the secret token. Every child is stopped after.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lib, startEmulator } from './helpers.mjs';
import { BROKER_SCOPES } from './runtimes/app.mjs';
import { missingBinary, RUNTIMES, startApp } from './runtimes/launch.mjs';

const ALLOWED = 'http://localhost:5173';
const noBroker = typeof lib.TokenBroker === 'function' ? false : 'pkg/ has no TokenBroker yet (its build adds it)';

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator?.close());

/** The emulator's mints of the broker's tokens (its scopes, usage tk). */
const brokerMints = () =>
  emulator.mints().filter((m) => m.usage === 'tk' && [...m.scopes].sort().join() === [...BROKER_SCOPES].sort().join());

/** The emulator's verdict on a token (GET /tokens/v2?access_token=…). */
async function validity(token) {
  const url = new URL('/tokens/v2', emulator.url);
  url.searchParams.set('access_token', token);
  const response = await fetch(url);
  assert.equal(response.status, 200);
  return response.json();
}

/** GET (or `method`) `url` with `headers`; resolves to status, headers and the parsed JSON body (or the text). */
async function get(url, headers = {}, method = 'GET') {
  const response = await fetch(url, { method, headers, signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, text, body };
}

for (const runtime of RUNTIMES) {
  const missing = missingBinary(runtime);
  describe(runtime, { skip: missing ? `${missing} is not installed (npm ci installs it)` : false }, () => {
    let app;
    before(async () => {
      app = await startApp(runtime, { origin: emulator.url, accessToken: emulator.adminToken, allowedOrigins: [ALLOWED] });
    });
    after(async () => {
      const output = app?.output() ?? '';
      await app?.stop();
      assert.ok(!output.includes(emulator.adminToken), `${runtime} printed the secret token`);
    });

    test("the library's smoke test: list, create a temporary token, an error", { timeout: 60_000 }, async () => {
      const { status, body } = await get(`${app.url}/smoke`);
      assert.equal(status, 200, JSON.stringify(body));
      const admin = emulator.state.tokensOf(emulator.username);
      assert.equal(body.list.status, 200);
      assert.deepEqual(new Set(body.list.ids), new Set(admin.filter((t) => t.usage !== 'tk').map((t) => t.id)));
      assert.ok(body.list.usages.includes('sk') && body.list.usages.includes('pk'));

      assert.equal(body.temp.status, 200);
      assert.match(body.temp.token, /^tk\./);
      const verdict = await validity(body.temp.token);
      assert.equal(verdict.code, 'TokenValid');
      assert.deepEqual(verdict.token.scopes, ['styles:read']);
      assert.equal(verdict.token.expires, body.temp.expires);
      const life = (Date.parse(body.temp.expires) - Date.now()) / 1000;
      assert.ok(life > 240 && life <= 301, `the temporary token lives ${life} s, asked 300`);

      assert.deepEqual(
        { name: body.error?.name, kind: body.error?.kind, isMapboxError: body.error?.isMapboxError },
        { name: 'MapboxError', kind: 'InvalidInput', isMapboxError: true },
      );
      assert.match(body.error.message, /scopes/);
    });

    test('the broker: a refused origin and a request without Origin get 403, and nothing is minted (first, while it holds no token)', { skip: noBroker, timeout: 60_000 }, async () => {
      // First, while this broker holds no token: a refused request would be the one to mint it.
      const before = brokerMints().length;
      for (const headers of [{ origin: 'https://elsewhere.example' }, { origin: 'http://localhost:5174' }, {}]) {
        const refused = await get(`${app.url}/token`, headers);
        assert.equal(refused.status, 403, `${JSON.stringify(headers)}: ${refused.text}`);
        assert.deepEqual(Object.keys(refused.body), ['message']);
        assert.equal(typeof refused.body.message, 'string');
        assert.ok(!refused.text.includes('tk.') && !refused.text.includes(emulator.adminToken), refused.text);
        assert.equal(refused.headers.get('access-control-allow-origin'), null);
      }
      assert.equal(brokerMints().length, before, 'nothing minted for refused requests');
    });

    test('the broker: the CORS preflight answers 204, other methods 405, in this runtime\'s adapter', { skip: noBroker, timeout: 60_000 }, async () => {
      const before = brokerMints().length;
      const preflight = await fetch(`${app.url}/token`, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(await preflight.text(), '');
      assert.equal(preflight.headers.get('access-control-allow-origin'), ALLOWED);
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /GET/);
      // Express routes only GET and OPTIONS to the broker (as the README shows); elsewhere it sees every method.
      if (runtime !== 'express') {
        const post = await get(`${app.url}/token`, { origin: ALLOWED }, 'POST');
        assert.equal(post.status, 405, post.text);
        assert.match(post.headers.get('allow') ?? '', /GET/);
        assert.equal(typeof post.body.message, 'string');
      }
      assert.equal(brokerMints().length, before, 'nothing minted');
    });

    test('the broker: a GET from an allowed Origin gets a valid token, shared by a burst (one mint)', { skip: noBroker, timeout: 60_000 }, async () => {
      const before = brokerMints().length;
      const first = await get(`${app.url}/token`, { origin: ALLOWED });
      assert.equal(first.status, 200, first.text);
      assert.match(first.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(Object.keys(first.body).sort(), ['expires', 'token']);
      assert.match(first.body.token, /^tk\./);
      assert.equal(first.headers.get('access-control-allow-origin'), ALLOWED);
      assert.match(first.headers.get('vary') ?? '', /origin/i);
      const maxAge = Number(/^private, max-age=(\d+)$/.exec(first.headers.get('cache-control') ?? '')?.[1]);
      assert.ok(maxAge > 0 && maxAge <= 600, `Cache-Control: ${first.headers.get('cache-control')}`);

      const verdict = await validity(first.body.token);
      assert.equal(verdict.code, 'TokenValid');
      assert.deepEqual([...verdict.token.scopes].sort(), [...BROKER_SCOPES].sort());
      assert.equal(Date.parse(verdict.token.expires), Date.parse(first.body.expires));
      assert.ok(Date.parse(first.body.expires) > Date.now() + maxAge * 1000 - 2000, 'the token outlives the cache time');

      const burst = await Promise.all(Array.from({ length: 20 }, () => get(`${app.url}/token`, { origin: ALLOWED })));
      assert.deepEqual(burst.map((r) => r.status), Array(20).fill(200));
      assert.deepEqual(new Set(burst.map((r) => r.body.token)), new Set([first.body.token]));
      assert.equal(brokerMints().length - before, 1, 'one mint for 21 requests');
      for (const answer of [first, ...burst]) assert.ok(!answer.text.includes(emulator.adminToken));
    });
  });
}
