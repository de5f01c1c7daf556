// mapbox-tokens/redis as a consumer gets it: the packed package installed into a scratch project
// with the `redis` package beside it (its optional peer dependency), then `import` and `require` of
// the subpath against a real redis-server, a TokenBroker sharing its token through it, and the
// types: an ES module and a CommonJS file that use it compile with tsc (nodenext), a misuse does not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REDIS_SERVER, startRedis } from '../../test/redis.mjs';
import { installPackedPackage, PKG, ROOT, runScript, startEmulator } from './helpers.mjs';

const skip = REDIS_SERVER ? false : 'redis-server is not installed (scripts/setup.sh installs it)';
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
let project;
let redis;
let emulator;

before(async () => {
  project = installPackedPackage();
  // The peer dependency, as the application would have installed it (from this repository's copy).
  for (const name of ['redis', '@redis']) symlinkSync(join(ROOT, 'node_modules', name), join(project, 'node_modules', name));
  if (!skip) {
    redis = await startRedis();
    emulator = await startEmulator();
  }
});
after(async () => {
  await redis?.stop();
  await emulator?.close();
});

test('the package declares redis as an optional peer dependency and nothing as a dependency', () => {
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  assert.equal(manifest.dependencies, undefined);
  assert.ok(manifest.peerDependencies?.redis);
  assert.deepEqual(manifest.peerDependenciesMeta?.redis, { optional: true });
  assert.deepEqual(Object.keys(manifest.exports['./redis']), ['import', 'require']);
});

test('import and require of mapbox-tokens/redis give the same store, working against redis-server', { skip }, async () => {
  const body = (load) => `
    ${load}
    const client = createClient({ url: process.env.REDIS_URL });
    await client.connect();
    const store = redisStore(client);
    const first = await store.setIfAbsent('consumer:k', process.env.VALUE, 60000);
    const second = await store.setIfAbsent('consumer:k', 'other', 60000);
    const value = await store.get('consumer:k');
    await store.delete('consumer:k');
    console.log(JSON.stringify({ first, second, value, after: await store.get('consumer:k') }));
    await client.close();`;
  const esm = await runScript(project, 'store.mjs',
    body(`import { createClient } from 'redis'; import { redisStore } from 'mapbox-tokens/redis';`), { REDIS_URL: redis.url, VALUE: 'esm' });
  assert.deepEqual(JSON.parse(esm), { first: true, second: false, value: 'esm', after: null });
  const cjs = await runScript(project, 'store.cjs',
    `(async () => { const { createClient } = require('redis'); const { redisStore } = require('mapbox-tokens/redis'); ${body('')} })();`,
    { REDIS_URL: redis.url, VALUE: 'cjs' });
  assert.deepEqual(JSON.parse(cjs), { first: true, second: false, value: 'cjs', after: null });
});

test('two TokenBrokers with redisStore in a consumer project make one mint', { skip, timeout: 60_000 }, async () => {
  const out = await runScript(project, 'brokers.mjs', `
    import { createClient } from 'redis';
    import { TokenBroker } from 'mapbox-tokens';
    import { redisStore } from 'mapbox-tokens/redis';
    const clients = [createClient({ url: process.env.REDIS_URL }), createClient({ url: process.env.REDIS_URL })];
    await Promise.all(clients.map((c) => c.connect()));
    const brokers = clients.map((c) => new TokenBroker({
      accessToken: process.env.ADMIN, origin: process.env.ORIGIN, scopes: ['styles:read'],
      allowedOrigins: ['https://app.example'], store: redisStore(c),
    }));
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => brokers[i % 2].token()));
    console.log(JSON.stringify({ distinct: new Set(tokens.map((t) => t.token)).size }));
    await Promise.all(clients.map((c) => c.close()));
  `, { REDIS_URL: redis.url, ADMIN: emulator.adminToken, ORIGIN: emulator.url });
  assert.deepEqual(JSON.parse(out), { distinct: 1 });
  assert.equal(emulator.mints().filter((m) => m.usage === 'tk').length, 1);
});

test('the types: ES module and CommonJS consumers compile (nodenext, strict), a misuse does not', () => {
  const tsconfig = (file) => JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', types: [], lib: ['es2022', 'dom'], skipLibCheck: true },
    files: [file],
  });
  writeFileSync(join(project, 'use.mts'), `
    import { createClient } from 'redis';
    import { TokenBroker, type TokenStore } from 'mapbox-tokens';
    import { redisStore, type RedisStore } from 'mapbox-tokens/redis';
    const store: RedisStore = redisStore(createClient());
    const asBrokerStore: TokenStore = store;
    const ok: Promise<boolean> = store.setIfAbsent('k', 'v', 1000);
    new TokenBroker({ scopes: ['styles:read'], allowedOrigins: ['https://app.example'], store: asBrokerStore });
    export { ok };
  `);
  writeFileSync(join(project, 'use.cts'), `
    import redis = require('redis');
    import tokensRedis = require('mapbox-tokens/redis');
    const store: tokensRedis.RedisStore = tokensRedis.redisStore(redis.createClient());
    export const value: Promise<string | null> = store.get('k');
  `);
  writeFileSync(join(project, 'misuse.mts'), `
    import { redisStore } from 'mapbox-tokens/redis';
    redisStore('redis://127.0.0.1:6379');
  `);
  for (const [file, compiles] of [['use.mts', true], ['use.cts', true], ['misuse.mts', false]]) {
    writeFileSync(join(project, `tsconfig.${file}.json`), tsconfig(file));
    const r = spawnSync(TSC, ['-p', join(project, `tsconfig.${file}.json`)], { encoding: 'utf8', cwd: project });
    if (compiles) assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
    else assert.match(r.stdout + r.stderr, /misuse\.mts\(3,/, `${file} should not compile: ${r.stdout}${r.stderr}`);
  }
});
