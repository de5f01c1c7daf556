// Issue 21, item 13: "Any web page can read the emulator's hooks". The hooks hand out the admin
// token and rewrite the state: they must answer test processes only, and the request log they
// serve must not hold the tokens that clients sent.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { redactToken } from '../index.mjs';
import { call, foreignPage, noChromium, start } from './helpers.mjs';

/** Sends a request with exactly the given headers (fetch may not set Host); resolves to {status, headers, body}. */
function raw(emulator, method, path, headers = {}) {
  const { hostname, port } = new URL(emulator.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers, setHost: !('host' in headers) }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

const port = (emulator) => new URL(emulator.url).port;

test('hooks answer with no CORS headers, while the API keeps them', async (t) => {
  const emulator = await start(t, { hooks: true });
  for (const path of ['info', 'requests', 'clock', 'nothing']) {
    const res = await call(emulator, 'GET', `/__emulator/${path}`, { token: null });
    assert.equal(res.headers.get('access-control-allow-origin'), null, path);
    assert.equal(res.headers.get('access-control-expose-headers'), null, path);
  }
  const preflight = await raw(emulator, 'OPTIONS', '/__emulator/reset', {
    origin: 'http://evil.example',
    'access-control-request-method': 'POST',
  });
  assert.notEqual(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  assert.equal(preflight.headers['access-control-allow-methods'], undefined);

  const api = await call(emulator, 'GET', '/tokens/v2');
  assert.equal(api.headers.get('access-control-allow-origin'), '*');
});

test('hooks answer only requests addressed to 127.0.0.1, localhost or [::1] (DNS rebinding)', async (t) => {
  const emulator = await start(t, { hooks: true });
  for (const host of ['127.0.0.1', `127.0.0.1:${port(emulator)}`, 'localhost', `LocalHost:${port(emulator)}`, '[::1]', '[::1]:8787']) {
    const res = await raw(emulator, 'GET', '/__emulator/info', { host });
    assert.equal(res.status, 200, host);
    assert.equal(res.body.adminToken, emulator.adminToken, host);
  }
  for (const host of ['evil.example', `evil.example:${port(emulator)}`, '127.0.0.1.evil.example', 'localhost.evil.example:80', '127.0.0.2', '0.0.0.0']) {
    const res = await raw(emulator, 'GET', '/__emulator/info', { host });
    assert.equal(res.status, 403, host);
    assert.deepEqual(res.body, { message: 'Test hooks answer only requests addressed to 127.0.0.1, localhost or [::1]' }, host);
    assert.ok(!res.text.includes(emulator.adminToken), host);
  }
  const reset = await raw(emulator, 'POST', '/__emulator/reset', { host: 'rebound.example' });
  assert.equal(reset.status, 403);
  // The API itself is not restricted by Host (a client may reach it by any name).
  assert.equal((await raw(emulator, 'GET', `/tokens/v2?access_token=${emulator.adminToken}`, { host: 'api.example' })).status, 200);
});

test('hooks refuse requests made by web pages (Origin, Sec-Fetch-Site), and change nothing for them', async (t) => {
  const emulator = await start(t, { hooks: true });
  const [seeded] = emulator.seedTokens(1);
  const message = 'Test hooks do not answer web pages: call them from a test process or a server';
  const refused = [
    ['POST', '/__emulator/reset', { origin: 'http://evil.example' }],
    ['POST', '/__emulator/reset', { origin: 'null' }],
    ['POST', '/__emulator/reset', { origin: `http://127.0.0.1:${port(emulator)}` }],
    ['GET', '/__emulator/info', { 'sec-fetch-site': 'cross-site' }],
    ['GET', '/__emulator/requests', { 'sec-fetch-site': 'same-site' }],
    ['PUT', '/__emulator/clock', { origin: 'http://localhost:5173' }],
  ];
  for (const [method, path, headers] of refused) {
    const res = await raw(emulator, method, path, headers);
    assert.equal(res.status, 403, `${method} ${path} ${JSON.stringify(headers)}`);
    assert.deepEqual(res.body, { message });
  }
  assert.ok(emulator.state.find('demo', seeded.id), 'the refused reset did not reset');
  assert.equal((await raw(emulator, 'GET', '/__emulator/info', { 'sec-fetch-site': 'none' })).status, 200);
  assert.equal((await raw(emulator, 'GET', '/__emulator/info', { 'sec-fetch-site': 'same-origin' })).status, 200);
});

test('the request log redacts tokens: access_token values and token-shaped text anywhere', async (t) => {
  const emulator = await start(t, { hooks: true });
  const pk = emulator.mintToken({ scopes: ['styles:read'] }).token;
  const tk = emulator.mintToken({ scopes: ['styles:read'], expires: Date.now() + 60_000 }).token;
  const standard = `sk.${Buffer.from('{"u":"demo","a":"x?>"}').toString('base64')}.abc+/def==`;
  await call(emulator, 'GET', '/tokens/v2/demo');
  await call(emulator, 'GET', '/tokens/v2', { token: pk, headers: { authorization: `Bearer ${tk}`, referer: 'https://app.example/?access_token=not-token-shaped' } });
  await call(emulator, 'POST', `/tokens/v2/demo/${tk}`, { token: 'garbage', query: { other: standard }, body: { note: `copied ${pk} here` } });
  await call(emulator, 'GET', '/tokens/v2', { token: '' });

  const served = await call(emulator, 'GET', '/__emulator/requests', { token: null });
  const everything = served.text + JSON.stringify(emulator.requests());
  for (const secret of [emulator.adminToken, pk, tk, standard, 'garbage', 'not-token-shaped']) {
    assert.ok(!everything.includes(secret), `the log holds ${secret.slice(0, 12)}…`);
    // No part of a token's payload or signature either (the fingerprint is a hash).
    for (const part of secret.split('.').slice(1)) assert.ok(part.length < 4 || !everything.includes(part), part);
  }
  const [listed, checked, posted, empty] = served.body;
  assert.deepEqual(served.body, emulator.requests());
  assert.equal(listed.query.access_token, redactToken(emulator.adminToken));
  assert.match(listed.query.access_token, /^sk\.…[0-9a-f]{8}$/);
  assert.match(checked.query.access_token, /^pk\.…[0-9a-f]{8}$/);
  assert.notEqual(checked.query.access_token, listed.query.access_token, 'tokens can be told apart');
  assert.equal(checked.headers.authorization, `Bearer ${redactToken(tk)}`);
  assert.match(checked.headers.referer, /^https:\/\/app\.example\/\?access_token=…[0-9a-f]{8}$/);
  assert.equal(posted.path, `/tokens/v2/demo/${redactToken(tk)}`);
  assert.match(posted.query.access_token, /^…[0-9a-f]{8}$/);
  assert.equal(posted.query.other, redactToken(standard));
  assert.equal(JSON.parse(posted.body).note, `copied ${redactToken(pk)} here`);
  assert.equal(empty.query.access_token, '');
  // The same token always gets the same redacted text.
  await call(emulator, 'GET', '/tokens/v2/demo');
  assert.equal(emulator.requests().at(-1).query.access_token, listed.query.access_token);
});

test('a page on another origin can neither read the hooks nor reset the emulator', { skip: noChromium }, async (t) => {
  const emulator = await start(t, { hooks: true });
  const [seeded] = emulator.seedTokens(1);
  await call(emulator, 'GET', '/tokens/v2');
  const page = await foreignPage(t);

  const seen = await page.evaluate(async (url) => {
    const read = async (path) => {
      try {
        return await (await fetch(`${url}/__emulator/${path}`)).text();
      } catch (err) {
        return `failed: ${err.name}`;
      }
    };
    const info = await read('info');
    const requests = await read('requests');
    // Simple requests need no preflight: the page cannot read the answer, but it is sent.
    await fetch(`${url}/__emulator/reset`, { method: 'POST', mode: 'no-cors' }).catch(() => {});
    await fetch(`${url}/__emulator/clock`, { method: 'PUT', mode: 'no-cors', body: '{"offset":3600000}' }).catch(() => {});
    return { info, requests };
  }, emulator.url);
  assert.equal(seen.info, 'failed: TypeError');
  assert.equal(seen.requests, 'failed: TypeError');
  assert.ok(emulator.state.find('demo', seeded.id), 'the page reset the emulator');
  assert.equal(emulator.clockOffset, 0, 'the page moved the clock');
});

test('hooksForPages (for in-browser test runners only) lets pages call the hooks, still only on loopback', async () => {
  const { startEmulator } = await import('../index.mjs');
  const emu = await startEmulator({ hooks: true, hooksForPages: true, rateLimit: false });
  try {
    const info = await fetch(`${emu.url}/__emulator/info`, { headers: { origin: 'http://127.0.0.1:9' } });
    assert.equal(info.status, 200);
    assert.equal(info.headers.get('access-control-allow-origin'), '*');
    const pre = await fetch(`${emu.url}/__emulator/reset`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:9' } });
    assert.equal(pre.status, 204);
  } finally {
    await emu.close();
  }
});
