// listAllTokens: pages fetched one at a time as the iteration needs them, calls to next() made
// before the previous one settled served in order, return() ending it, and a failed page reported
// once. Against the emulator, with its request log as the witness of what was sent.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { lib, startEmulator } from './helpers.mjs';

const { Tokens, isMapboxError } = lib;
let emu, tokens;
const SEEDED = 250;
before(async () => {
  emu = await startEmulator({ rateLimit: false });
  emu.seedTokens(SEEDED);
  tokens = new Tokens({ accessToken: emu.adminToken, origin: emu.url, retries: 0, rateLimit: false });
});
after(() => emu?.close());
beforeEach(() => {
  emu.clearRequests();
  emu.clearFaults();
});

const pages = () => emu.requests().filter((r) => r.method === 'GET' && r.path.startsWith('/tokens/v2/')).length;

test('every token once, in order, one page request per page', async () => {
  // What paging by hand with nextStart gives.
  const expected = [];
  for (let start; ;) {
    const page = await tokens.listTokens({ limit: 100, ...(start ? { start } : {}) });
    expected.push(...page.data.map((t) => t.id));
    if (!page.nextStart) break;
    start = page.nextStart;
  }
  assert.ok(expected.length > SEEDED);
  emu.clearRequests();
  const ids = [];
  for await (const token of tokens.listAllTokens({ limit: 100 })) ids.push(token.id);
  assert.equal(new Set(ids).size, ids.length, 'a token came twice');
  assert.deepEqual(ids, expected);
  assert.equal(pages(), Math.ceil(expected.length / 100));
});

test('next() calls made at once are served in order across a page boundary', async () => {
  const iterator = tokens.listAllTokens({ limit: 10 });
  const burst = await Promise.all(Array.from({ length: 25 }, () => iterator.next()));
  assert.ok(burst.every((r) => r.done === false && typeof r.value.id === 'string'));
  const ids = burst.map((r) => r.value.id);
  assert.equal(new Set(ids).size, 25, 'a token was handed out twice');
  assert.equal(pages(), 3, 'each page is fetched once, whoever waits for it');
  // The order is the order a plain loop sees.
  const again = [];
  for await (const token of tokens.listAllTokens({ limit: 10 })) {
    again.push(token.id);
    if (again.length === 25) break;
  }
  assert.deepEqual(ids, again);
});

test('return() ends the iteration: nothing more is fetched or yielded', async () => {
  const iterator = tokens.listAllTokens({ limit: 10 });
  assert.equal((await iterator.next()).done, false);
  // A page is in flight for these when return() comes.
  const waiting = Array.from({ length: 12 }, () => iterator.next());
  const ended = await iterator.return();
  assert.deepEqual(ended, { value: undefined, done: true });
  const settled = await Promise.all(waiting);
  assert.ok(settled.slice(9).every((r) => r.done), 'tokens came after return()');
  assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  assert.ok(pages() <= 2, `${pages()} pages were fetched`);
});

test('a failed page rejects one next() with a MapboxError, then the iteration is over', async () => {
  const iterator = tokens.listAllTokens({ limit: 10 });
  for (let i = 0; i < 10; i += 1) assert.equal((await iterator.next()).done, false);
  emu.addFault({ method: 'GET', path: '/tokens/v2/', count: 1, fault: { type: 'status', status: 503 } });
  const failed = await iterator.next().then(() => null, (e) => e);
  assert.ok(isMapboxError(failed), 'expected a MapboxError');
  assert.equal(failed.status, 503);
  assert.deepEqual(await iterator.next(), { value: undefined, done: true });
});
