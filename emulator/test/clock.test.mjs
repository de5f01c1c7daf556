// The emulator's clock offset: a server whose clock runs ahead of or behind the client's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulator } from '../index.mjs';
import { T0, assertError, call, fakeClock, foreignPage, noChromium, payloadOf, start } from './helpers.mjs';

const SKEWS = [
  ['20 seconds behind', -20_000],
  ['5 minutes behind', -5 * 60_000],
  ['10 minutes ahead', 10 * 60_000],
];
const HOUR = 60 * 60_000;
const iso = (ms) => new Date(ms).toISOString();
const httpDate = (ms) => new Date(ms).toUTCString();

/** An answer's Date header, as milliseconds. */
const dateOf = (res) => Date.parse(res.headers.get('date'));

function hook(emulator, method, path, body, rawBody) {
  return call(emulator, method, `/__emulator/${path}`, { token: null, body, rawBody });
}

for (const [name, skew] of SKEWS) {
  test(`${name}: the Date header of every kind of answer follows the shifted clock`, async (t) => {
    const clock = fakeClock();
    const emulator = await start(t, { now: clock.now, clockOffset: skew, hooks: true, rateLimit: { limit: 1, interval: 60 } });
    const expected = httpDate(T0 + skew);
    emulator.addFault({ path: '/faulted/status', fault: { type: 'status', status: 503 } });
    emulator.addFault({ path: '/faulted/malformed', fault: { type: 'malformed' } });
    const answers = {
      ok: await call(emulator, 'GET', '/tokens/v2'),
      limited: await call(emulator, 'GET', '/tokens/v2'),
      notFound: await call(emulator, 'GET', '/nowhere', { token: null }),
      limitedPost: await call(emulator, 'POST', '/tokens/v2/demo', { rawBody: '{' }),
      hook: await hook(emulator, 'GET', 'info'),
      status: await call(emulator, 'GET', '/faulted/status'),
      malformed: await call(emulator, 'GET', '/faulted/malformed'),
      preflight: await fetch(`${emulator.url}/tokens/v2/demo`, { method: 'OPTIONS' }),
    };
    assert.deepEqual(Object.values(answers).map((res) => res.status), [200, 429, 404, 429, 200, 503, 200, 204]);
    for (const [kind, res] of Object.entries(answers)) {
      assert.equal(res.headers.get('date'), expected, kind);
      // The hooks answer no web page, so they expose nothing.
      if (kind !== 'hook') assert.ok(res.headers.get('access-control-expose-headers').split(/,\s*/).includes('Date'), kind);
    }
    clock.advance(1500);
    assert.equal((await hook(emulator, 'GET', 'info')).headers.get('date'), httpDate(T0 + skew + 1500));
  });

  test(`${name}: temporary tokens are checked against the shifted clock`, async (t) => {
    const clock = fakeClock();
    const emulator = await start(t, { now: clock.now, clockOffset: skew });
    const now = T0 + skew;
    const createTk = (expiresMs) =>
      call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'], expires: iso(expiresMs) } });

    // Each bound checked on both sides, one second apart: these verdicts differ from those of the
    // unshifted clock for every skew here (e.g. now - 1 s is in the future when the clock is behind).
    assertError(await createTk(now - 1000), 422, 'expires is in the past');
    assertError(await createTk(now + HOUR + 1000), 422, 'expires is more than one hour in the future');
    assert.equal((await createTk(now + HOUR)).status, 200);
    const created = await createTk(now + 1000);
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.issued_at, iso(now));
    assert.equal(created.body.expires, iso(now + 1000));
    assert.equal(created.body.expires_in, 1);
    assert.equal(payloadOf(created.body.token).iat, now / 1000);

    const validity = async (token) => (await call(emulator, 'GET', '/tokens/v2', { token })).body.code;
    assert.equal(await validity(created.body.token), 'TokenValid');
    clock.advance(1000);
    assert.equal(await validity(created.body.token), 'TokenExpired');

    // A tk that expires between the real time and the shifted time: expired when the emulator
    // runs ahead, still valid when it runs behind.
    const between = emulator.mintToken({ scopes: ['styles:read'], expires: T0 + skew / 2 });
    assert.equal(await validity(between.token), skew > 0 ? 'TokenExpired' : 'TokenValid');
  });

  test(`${name}: token times, the request log and rate-limit windows use the shifted clock`, async (t) => {
    const clock = fakeClock();
    const emulator = await start(t, { now: clock.now, clockOffset: skew, rateLimit: { limit: 2, interval: 60 } });
    const now = T0 + skew;
    const created = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'] } });
    assert.equal(created.body.created, iso(now));
    assert.equal(created.body.modified, iso(now));
    assert.equal(created.headers.get('x-rate-limit-reset'), String(now / 1000 + 60));
    assert.equal(emulator.requests()[0].time, iso(now));
    clock.advance(15_000);
    const patched = await call(emulator, 'PATCH', `/tokens/v2/demo/${created.body.id}`, { body: { note: 'n' } });
    assert.equal(patched.body.modified, iso(now + 15_000));
    const limited = await call(emulator, 'GET', '/tokens/v2');
    assertError(limited, 429, 'Too Many Requests');
    assert.equal(limited.headers.get('x-rate-limit-reset'), String(now / 1000 + 60));
    assert.equal(limited.headers.get('retry-after'), '45');
  });
}

test('the offset composes with the real clock when no `now` is given', async (t) => {
  const emulator = await start(t, { clockOffset: -5 * 60_000 });
  const before = Date.now();
  const res = await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'] } });
  const after = Date.now();
  // The Date header has whole seconds: it may read up to 1 s before `before`.
  const date = dateOf(res);
  assert.ok(date >= before - 5 * 60_000 - 1000 && date <= after - 5 * 60_000, res.headers.get('date'));
  const created = Date.parse(res.body.created);
  assert.ok(created >= before - 5 * 60_000 && created <= after - 5 * 60_000, res.body.created);
});

test('setClockOffset moves the clock at run time, clears the rate-limit windows, and refuses non-integers', async (t) => {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now, rateLimit: { limit: 1, interval: 60 } });
  assert.equal(emulator.clockOffset, 0);
  const first = await call(emulator, 'GET', '/tokens/v2');
  assert.equal(first.headers.get('date'), httpDate(T0));
  assert.equal((await call(emulator, 'GET', '/tokens/v2')).status, 429);

  emulator.setClockOffset(-20_000);
  assert.equal(emulator.clockOffset, -20_000);
  const behind = await call(emulator, 'GET', '/tokens/v2');
  assert.equal(behind.status, 200, 'a window opened on the old clock is gone');
  assert.equal(behind.headers.get('date'), httpDate(T0 - 20_000));
  assert.equal(behind.headers.get('x-rate-limit-reset'), String((T0 - 20_000) / 1000 + 60));
  assert.equal(payloadOf(emulator.mintToken({ scopes: ['styles:read'], expires: T0 }).token).iat, (T0 - 20_000) / 1000);

  for (const bad of [1.5, '1000', NaN, Infinity, undefined, null, 2 ** 53]) {
    assert.throws(() => emulator.setClockOffset(bad), { status: 422, message: 'clock offset must be an integer number of milliseconds' }, String(bad));
  }
  assert.equal(emulator.clockOffset, -20_000, 'a refused value changes nothing');
  emulator.reset();
  assert.equal(emulator.clockOffset, -20_000, 'reset() keeps the offset');
});

test('PUT and GET /__emulator/clock set and read the offset; bad bodies are refused', async (t) => {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now, hooks: true });
  assert.deepEqual((await hook(emulator, 'GET', 'clock')).body, { offset: 0 });
  const put = await hook(emulator, 'PUT', 'clock', { offset: 600_000 });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, { offset: 600_000 });
  assert.equal(put.headers.get('date'), httpDate(T0 + 600_000), 'the answer that moves the clock already reads it');
  assert.equal(emulator.clockOffset, 600_000);
  const got = await hook(emulator, 'GET', 'clock');
  assert.deepEqual(got.body, { offset: 600_000 });
  assert.equal((await call(emulator, 'GET', '/tokens/v2')).headers.get('date'), httpDate(T0 + 600_000));
  assert.deepEqual((await hook(emulator, 'PUT', 'clock', { offset: -300_000 })).body, { offset: -300_000 });

  const message = 'clock offset must be an integer number of milliseconds';
  assertError(await hook(emulator, 'PUT', 'clock', {}), 422, message);
  assertError(await hook(emulator, 'PUT', 'clock', { offset: '5' }), 422, message);
  assertError(await hook(emulator, 'PUT', 'clock', { offset: 0.5 }), 422, message);
  assertError(await hook(emulator, 'PUT', 'clock', { offset: null }), 422, message);
  assertError(await hook(emulator, 'PUT', 'clock', { offset: 1, when: 'now' }), 422, 'unknown fields: when');
  assertError(await hook(emulator, 'PUT', 'clock', [1]), 422, 'Request body must be a JSON object');
  assertError(await hook(emulator, 'PUT', 'clock', undefined, '{'), 400, 'Request body is not valid JSON');
  assertError(await hook(emulator, 'POST', 'clock', { offset: 1 }), 405, /^Method POST is not allowed here/);
  assert.equal(emulator.clockOffset, -300_000);
  assert.equal(emulator.requests().length, 1, 'hooks are not logged');
});

test('startEmulator refuses a clock offset that is not an integer', async () => {
  for (const clockOffset of [1.5, '10', NaN, null]) {
    await assert.rejects(startEmulator({ clockOffset }), { name: 'TypeError', message: /clock offset must be an integer/ }, String(clockOffset));
  }
});

test('a page on another origin can read the Date header', { skip: noChromium }, async (t) => {
  const emulator = await start(t, { clockOffset: -5 * 60_000 });
  const page = await foreignPage(t);
  const before = Date.now();
  const seen = await page.evaluate(async ({ url, token }) => {
    const res = await fetch(`${url}/tokens/v2?access_token=${encodeURIComponent(token)}`);
    return { date: res.headers.get('date') };
  }, { url: emulator.url, token: emulator.adminToken });
  assert.notEqual(seen.date, null, 'the page could not read Date');
  const date = Date.parse(seen.date);
  assert.ok(Math.abs(date - (before - 5 * 60_000)) < 5000, seen.date);
});
