import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEmulator } from '../index.mjs';
import { call, start, tempDir } from './helpers.mjs';

function dataFileFor(t) {
  const { path: dir, remove } = tempDir('tokens-emulator-');
  t.after(remove);
  return { dir, dataFile: join(dir, 'state.json') };
}

// Starts, runs `use`, closes; returns what `use` returned.
async function session(dataFile, use) {
  const emulator = await startEmulator({ dataFile, rateLimit: false });
  try {
    return await use(emulator);
  } finally {
    await emulator.close();
  }
}

test('tokens, updates, deletions and the secret survive a restart', async (t) => {
  const { dataFile } = dataFileFor(t);
  const before = await session(dataFile, async (emulator) => {
    const body = { scopes: ['styles:list'], note: 'kept', allowedUrls: ['https://a.com'] };
    const kept = (await call(emulator, 'POST', '/tokens/v2/demo', { body })).body;
    const gone = (await call(emulator, 'POST', '/tokens/v2/demo', { body: { scopes: ['styles:read'] } })).body;
    await call(emulator, 'PATCH', `/tokens/v2/demo/${kept.id}`, { body: { note: 'kept and updated' } });
    await call(emulator, 'DELETE', `/tokens/v2/demo/${gone.id}`);
    const list = (await call(emulator, 'GET', '/tokens/v2/demo')).body;
    return { adminToken: emulator.adminToken, kept, gone, list };
  });
  await session(dataFile, async (emulator) => {
    assert.equal(emulator.adminToken, before.adminToken);
    assert.deepEqual((await call(emulator, 'GET', '/tokens/v2/demo')).body, before.list);
    const validate = async (token) => (await call(emulator, 'GET', '/tokens/v2', { token })).body.code;
    assert.equal(await validate(before.kept.token), 'TokenValid');
    assert.equal(await validate(before.gone.token), 'TokenRevoked');
    const listed = before.list.find((x) => x.id === before.kept.id);
    assert.equal(listed.note, 'kept and updated');
    assert.deepEqual(listed.allowedUrls, ['https://a.com']);
  });
});

test('every change is on disk at once, and no temporary file is left behind', async (t) => {
  const { dir, dataFile } = dataFileFor(t);
  const emulator = await start(t, { dataFile });
  const saved = () => JSON.parse(readFileSync(dataFile, 'utf8'));
  assert.equal(saved().tokens.length, 3, 'two default tokens and the admin token');
  const { id } = emulator.mintToken({ scopes: ['styles:read'] });
  assert.ok(saved().tokens.some((x) => x.id === id));
  emulator.seedTokens(50);
  assert.equal(saved().tokens.length, 54);
  await call(emulator, 'DELETE', `/tokens/v2/demo/${id}`);
  assert.deepEqual(saved().revoked, [id]);
  assert.deepEqual(readdirSync(dir), ['state.json']);
});

test('a leftover temporary file from an interrupted write does not corrupt the state', async (t) => {
  const { dir, dataFile } = dataFileFor(t);
  const token = await session(dataFile, (emulator) => emulator.mintToken({ scopes: ['styles:read'] }).token);
  const committed = readFileSync(dataFile, 'utf8');
  writeFileSync(join(dir, 'state.json.12345-abcdef.tmp'), committed.slice(0, committed.length / 2));
  await session(dataFile, async (emulator) => {
    assert.equal((await call(emulator, 'GET', '/tokens/v2', { token })).body.code, 'TokenValid');
    emulator.mintToken({ scopes: [] });
  });
  assert.equal(JSON.parse(readFileSync(dataFile, 'utf8')).tokens.length, 5);
});

test('a corrupt data file stops the start instead of being overwritten', async (t) => {
  const { dataFile } = dataFileFor(t);
  for (const content of ['{"version": 1, "secr', '{"hello": "world"}']) {
    writeFileSync(dataFile, content);
    await assert.rejects(startEmulator({ dataFile }), (err) => err.message.includes(dataFile));
    assert.equal(readFileSync(dataFile, 'utf8'), content);
  }
});

test('a reset is persisted, and the admin token stays valid through it', async (t) => {
  const { dataFile } = dataFileFor(t);
  const { token, adminToken } = await session(dataFile, (emulator) => {
    const minted = emulator.mintToken({ scopes: ['styles:read'] });
    emulator.reset();
    return { token: minted.token, adminToken: emulator.adminToken };
  });
  await session(dataFile, async (emulator) => {
    assert.equal(emulator.adminToken, adminToken);
    assert.equal((await call(emulator, 'GET', '/tokens/v2', { token })).body.code, 'TokenInvalid');
    assert.equal((await call(emulator, 'GET', '/tokens/v2/demo')).body.length, 2);
  });
});

test('without a data file, each start is fresh', async (t) => {
  const first = await start(t);
  const second = await start(t);
  assert.notEqual(first.adminToken, second.adminToken);
  assert.equal((await call(second, 'GET', '/tokens/v2', { token: first.adminToken })).body.code, 'TokenInvalid');
});
