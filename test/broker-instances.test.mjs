// Issue 19: many broker instances, one real store. Four Node processes each serve a TokenBroker
// (node:http, expires: 60) sharing one real redis-server through mapbox-tokens/redis; requests
// spread over them while two refresh points pass (a token of 60 s is renewed 40 to 45 s into its
// life) make exactly three mints in all, and every answer is a token that the emulator says is
// valid, served before its end. Real time: about 95 s.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { lib, startEmulator } from './helpers.mjs';
import { REDIS_SERVER, startRedis } from './redis.mjs';
import { BROKER_SCOPES } from './runtimes/app.mjs';
import { startApp } from './runtimes/launch.mjs';

const ALLOWED = 'http://localhost:5173';
const INSTANCES = 4;
const REQUESTS = 4000;
/** Each tick sends one request to each instance: 50 requests a second. */
const TICK_MS = 80;
/** The load stops by then whatever happened: the third refresh point comes at 80 s at the earliest. */
const DEADLINE_MS = 115_000;
const skip =
  typeof lib.TokenBroker !== 'function' ? 'pkg/ has no TokenBroker yet (its build adds it)'
  : !REDIS_SERVER ? 'redis-server is not installed (scripts/setup.sh installs it)'
  : false;

let emulator;
let redis;
const apps = [];
before(async () => {
  if (skip) return;
  emulator = await startEmulator();
  redis = await startRedis();
  const config = { origin: emulator.url, accessToken: emulator.adminToken, allowedOrigins: [ALLOWED], expires: 60, redis: redis.url };
  for (let i = 0; i < INSTANCES; i++) apps.push(await startApp('node:http', config));
});
after(async () => {
  const outputs = apps.map((app) => app.output());
  await Promise.all(apps.map((app) => app.stop()));
  await redis?.stop();
  await emulator?.close();
  for (const output of outputs) assert.ok(!output.includes(emulator.adminToken), 'an instance printed the secret token');
});

/** Failed answers in a few words: statuses, instances, first and last time (s after `start`), a body. */
function summary(failed, start) {
  const by = (key) => JSON.stringify(failed.reduce((counts, a) => ({ ...counts, [a[key]]: (counts[a[key]] ?? 0) + 1 }), {}));
  const seconds = (a) => ((a.at - start) / 1000).toFixed(1);
  return `by status ${by('status')}, by instance ${by('instance')}, from ${seconds(failed[0])} s to ${seconds(failed.at(-1))} s, e.g. ${failed[0].text.slice(0, 200)}`;
}

/** The emulator's mints of the brokers' tokens. */
const brokerMints = () =>
  emulator.mints().filter((m) => m.usage === 'tk' && [...m.scopes].sort().join() === [...BROKER_SCOPES].sort().join());

test(`${INSTANCES} instances sharing one redis-server: ${REQUESTS} requests over two refresh points make exactly three mints, every answer a valid token`, { skip, timeout: 150_000 }, async () => {
  /** @type {{ instance: number, status: number, token?: string, expires?: string, at: number }[]} */
  const answers = [];
  /** The emulator's verdict on each token served, asked when it was first seen. */
  const verdicts = new Map();
  /** The tokens each instance has served. */
  const servedBy = apps.map(() => new Set());

  const ask = async (instance) => {
    const response = await fetch(`${apps[instance].url}/token`, { headers: { origin: ALLOWED }, signal: AbortSignal.timeout(20_000) });
    const at = Date.now();
    const text = await response.text();
    assert.ok(!text.includes(emulator.adminToken));
    const body = response.status === 200 ? JSON.parse(text) : {};
    answers.push({ instance, status: response.status, token: body.token, expires: body.expires, at, text: response.status === 200 ? '' : text });
    if (body.token && !verdicts.has(body.token)) verdicts.set(body.token, check(body.token));
    if (body.token) servedBy[instance].add(body.token);
  };
  const check = async (token) => {
    const url = new URL('/tokens/v2', emulator.url);
    url.searchParams.set('access_token', token);
    return { verdict: await (await fetch(url)).json(), at: Date.now() };
  };

  /** Whether every instance has served three tokens: both refresh points have passed for all. */
  const allRefreshedTwice = () => servedBy.every((tokens) => tokens.size >= 3);
  const start = Date.now();
  while ((answers.length < REQUESTS || !allRefreshedTwice()) && Date.now() - start < DEADLINE_MS) {
    const tick = Date.now();
    await Promise.all(Array.from({ length: INSTANCES }, (_, i) => ask(i)));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, tick + TICK_MS - Date.now())));
  }
  const elapsed = Date.now() - start;
  // Anything still in flight in the instances settles; then the count is final.
  await new Promise((resolve) => setTimeout(resolve, 1000));

  const mints = brokerMints();
  assert.ok(answers.length >= REQUESTS, `${answers.length} requests in ${elapsed} ms`);
  const failed = answers.filter((a) => a.status !== 200);
  if (failed.length > 0) assert.fail(`${failed.length} answers were not 200: ${summary(failed, start)}`);
  assert.equal(mints.length, 3, `mints at ${mints.map((m) => m.time).join(', ')} (load over ${elapsed} ms)`);

  // Every answer: a token the emulator said was valid, with the expiry it gave, served before it.
  const tokens = [...verdicts.keys()];
  assert.equal(tokens.length, 3, 'each of the three tokens was served');
  for (const [token, pending] of verdicts) {
    const { verdict, at } = await pending;
    assert.equal(verdict.code, 'TokenValid', `verdict at ${new Date(at).toISOString()}`);
    assert.deepEqual([...verdict.token.scopes].sort(), [...BROKER_SCOPES].sort());
    assert.ok(mints.some((m) => m.expires === verdict.token.expires), 'a token of the mint log');
    verdicts.set(token, verdict);
  }
  for (const answer of answers) {
    const verdict = verdicts.get(answer.token);
    assert.equal(Date.parse(answer.expires), Date.parse(verdict.token.expires));
    assert.ok(answer.at < Date.parse(verdict.token.expires), `served at ${new Date(answer.at).toISOString()}, after its end ${verdict.token.expires}`);
  }
  // Shared: each instance served each token (none made its own), in the order they were made.
  for (let i = 0; i < INSTANCES; i++) {
    const served = answers.filter((a) => a.instance === i).map((a) => a.token);
    assert.deepEqual([...new Set(served)], tokens, `instance ${i} served the three tokens in turn`);
  }
  // The two refresh points passed within the load, at three quarters of the life less the jitter.
  const times = mints.map((m) => Date.parse(m.time));
  for (const gap of [times[1] - times[0], times[2] - times[1]]) {
    assert.ok(gap >= 38_000 && gap <= 47_000, `a refresh ${gap} ms after the previous mint`);
  }
});
