import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertError, call, fakeClock, start } from './helpers.mjs';

const list = (emulator, query, token) => call(emulator, 'GET', '/tokens/v2/demo', { query, token });

// The URL of a `Link: <url>; rel="next"` header, or null.
function nextUrl(res) {
  const link = res.headers.get('link');
  if (link === null) return null;
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  assert.ok(match, link);
  return new URL(match[1]);
}

// Follows the Link headers from a first page, as a client would (adding its token); returns the pages.
async function allPages(emulator, query) {
  const pages = [];
  let res = await list(emulator, query);
  for (;;) {
    assert.equal(res.status, 200, res.text);
    pages.push(res.body);
    const next = nextUrl(res);
    if (next === null) return pages;
    assert.equal(next.origin, emulator.url);
    assert.equal(next.pathname, '/tokens/v2/demo');
    assert.ok(!next.searchParams.has('access_token'), 'the Link must not carry the token');
    assert.ok(next.searchParams.get('start'));
    for (const [name, value] of Object.entries(query)) assert.equal(next.searchParams.get(name), value, name);
    next.searchParams.set('access_token', emulator.adminToken);
    const raw = await fetch(next);
    res = { status: raw.status, headers: raw.headers, text: '', body: await raw.json() };
  }
}

const bySortKey = (key) => (a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.id < b.id ? -1 : 1);

// 12 tokens created a second apart, then updated in another order, so created and modified orders differ.
async function populated(t) {
  const clock = fakeClock();
  const emulator = await start(t, { now: clock.now });
  const created = [];
  for (let i = 0; i < 12; i += 1) {
    clock.advance(1000);
    const scopes = i % 3 === 0 ? ['styles:list'] : ['styles:read'];
    created.push((await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes, note: `t${i}` } })).body);
  }
  for (const i of [7, 2, 11, 0, 5]) {
    clock.advance(1000);
    await call(emulator, 'PATCH', `/tokens/v2/demo/${created[i].id}`, { body: { note: `updated ${i}` } });
  }
  const everything = (await list(emulator, { limit: '1000' })).body;
  return { emulator, clock, everything };
}

test('a list has every token of the account; sk entries lack the token string', async (t) => {
  const emulator = await start(t);
  emulator.mintToken({ username: 'other', scopes: ['styles:read'] });
  const res = await list(emulator);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('link'), null);
  assert.equal(res.body.length, 2);
  const defaultToken = res.body.find((x) => x.default);
  const admin = res.body.find((x) => !x.default);
  assert.equal(defaultToken.default, true);
  assert.equal(defaultToken.usage, 'pk');
  assert.ok(defaultToken.token.startsWith('pk.'));
  assert.equal(admin.usage, 'sk');
  assert.equal(admin.note, 'Emulator admin token');
  assert.ok(!('token' in admin));
});

test('default and usage filter the list', async (t) => {
  const { emulator, everything } = await populated(t);
  const only = (query) => list(emulator, { ...query, limit: '1000' }).then((res) => res.body);
  const defaults = await only({ default: 'true' });
  assert.equal(defaults.length, 1);
  assert.equal(defaults[0].default, true);
  const others = await only({ default: 'false' });
  assert.equal(others.length, everything.length - 1);
  assert.ok(others.every((x) => !x.default));
  const pks = await only({ usage: 'pk' });
  const sks = await only({ usage: 'sk' });
  assert.ok(pks.every((x) => x.usage === 'pk') && pks.length > 1);
  assert.ok(sks.every((x) => x.usage === 'sk') && sks.length > 1);
  assert.equal(pks.length + sks.length, everything.length);
  assert.equal((await only({ usage: 'sk', default: 'true' })).length, 0);
});

for (const sortby of ['created', 'modified']) {
  test(`pagination by ${sortby} covers every token once, in order, over at least 3 pages`, async (t) => {
    const { emulator, everything } = await populated(t);
    const pages = await allPages(emulator, { sortby, limit: '4' });
    assert.ok(pages.length >= 3, `${pages.length} pages`);
    assert.ok(pages.every((page) => page.length <= 4 && page.length > 0));
    const expected = [...everything].sort(bySortKey(sortby)).map((x) => x.id);
    assert.deepEqual(pages.flat().map((x) => x.id), expected);
  });
}

test('the created and modified orders differ, so each sortby is really applied', async (t) => {
  const { emulator } = await populated(t);
  const ids = async (sortby) => (await list(emulator, { sortby })).body.map((x) => x.id);
  assert.notDeepEqual(await ids('created'), await ids('modified'));
  assert.deepEqual(await ids('created'), (await list(emulator)).body.map((x) => x.id));
});

test('the Link keeps the filters, and pages then hold only matching tokens', async (t) => {
  const { emulator, everything } = await populated(t);
  const pages = await allPages(emulator, { usage: 'pk', default: 'false', limit: '2' });
  assert.ok(pages.length >= 3);
  const expected = everything.filter((x) => x.usage === 'pk' && !x.default).map((x) => x.id);
  assert.deepEqual(pages.flat().map((x) => x.id), expected);
});

test('equal dates are ordered by id, so pages never overlap', async (t) => {
  const emulator = await start(t, { now: () => Date.UTC(2030, 0, 1) });
  emulator.seedTokens(9);
  const pages = await allPages(emulator, { limit: '2' });
  const ids = pages.flat().map((x) => x.id);
  assert.equal(ids.length, 11);
  assert.deepEqual(ids, [...ids].sort());
});

test('a cursor stays valid when the last token of the page is deleted', async (t) => {
  const { emulator, everything } = await populated(t);
  const first = await list(emulator, { limit: '5' });
  const deleted = first.body.at(-1).id;
  await call(emulator, 'DELETE', `/tokens/v2/demo/${deleted}`);
  const next = nextUrl(first);
  const rest = await list(emulator, Object.fromEntries(next.searchParams));
  assert.deepEqual(rest.body.map((x) => x.id), everything.slice(5, 10).map((x) => x.id));
});

test('without limit a page holds 100 tokens, and the Link says limit=100', async (t) => {
  const emulator = await start(t);
  emulator.seedTokens(150);
  const first = await list(emulator);
  assert.equal(first.body.length, 100);
  const next = nextUrl(first);
  assert.equal(next.searchParams.get('limit'), '100');
  const second = await list(emulator, Object.fromEntries(next.searchParams));
  assert.equal(second.body.length, 52);
  assert.equal(second.headers.get('link'), null);
});

test('bad query parameters are 422, a bad start is 500', async (t) => {
  const emulator = await start(t);
  for (const usage of ['tk', 'PK', '']) assertError(await list(emulator, { usage }), 422, 'usage must be pk or sk');
  for (const limit of ['0', '-1', 'ten', '1.5', '']) assertError(await list(emulator, { limit }), 422, 'limit must be a positive integer');
  assertError(await list(emulator, { sortby: 'name' }), 422, 'sortby must be created or modified');
  assertError(await list(emulator, { default: 'yes' }), 422, 'default must be true or false');
  const notACursor = Buffer.from('{"a":1}').toString('base64url');
  for (const start of ['garbage!', notACursor, 'cijucimbe000brbkt48d0dhcx']) {
    assertError(await list(emulator, { start }), 500, 'Internal Server Error');
  }
});
