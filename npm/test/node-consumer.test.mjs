// The packed package used from Node exactly as a consumer would: require, import, the seed's
// examples line for line, and the environment variables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { installPackedPackage, runScript, startEmulator } from './helpers.mjs';

let project, emulator;
before(async () => {
  project = installPackedPackage();
  emulator = await startEmulator({ rateLimit: false, hooks: true });
});
after(() => emulator?.close());

test('require() of the package reaches checkValidity()', async () => {
  const out = await runScript(project, 'require.cjs', `
    const { Tokens, isMapboxError } = require('mapbox-tokens');
    const tokens = new Tokens({ accessToken: process.env.TOKEN, origin: process.env.ORIGIN });
    tokens.checkValidity().then((r) => console.log(JSON.stringify({ status: r.status, code: r.data.code, guard: typeof isMapboxError })));
  `, { TOKEN: emulator.adminToken, ORIGIN: emulator.url });
  assert.deepEqual(JSON.parse(out), { status: 200, code: 'TokenValid', guard: 'function' });
});

test('import of the package reaches checkValidity()', async () => {
  const out = await runScript(project, 'import.mjs', `
    import { Tokens, PUBLIC_SCOPES, tokenUsageFor } from 'mapbox-tokens';
    const tokens = new Tokens({ accessToken: process.env.TOKEN, origin: process.env.ORIGIN });
    const r = await tokens.checkValidity();
    console.log(JSON.stringify({ code: r.data.code, user: tokens.username, scopes: PUBLIC_SCOPES.length, sk: tokenUsageFor(['tokens:read']) }));
  `, { TOKEN: emulator.adminToken, ORIGIN: emulator.url });
  assert.deepEqual(JSON.parse(out), { code: 'TokenValid', user: emulator.username, scopes: 5, sk: 'sk' });
});

test('the seed document\'s examples, translated to JS, in order', async () => {
  // ../shared/seed/tokens.md, section by section. The token comes from the environment, as there.
  await runScript(project, 'seed.mjs', `
    import assert from 'node:assert/strict';
    import { Tokens } from 'mapbox-tokens';
    const service = new Tokens({ origin: process.env.ORIGIN });

    // List tokens
    let response = await service.listTokens();
    assert.ok(Array.isArray(await response.json()));

    // Create temporary tokens
    response = await service.createTempToken({ scopes: ['styles:read'], expires: 60 });
    let auth = await response.json();
    assert.equal(auth.token.slice(0, 3), 'tk.');

    // Create a permanent token
    response = await service.create({ scopes: ['styles:read'], note: 'test-token' });
    auth = await response.json();
    assert.deepEqual(auth.scopes, ['styles:read']);
    assert.equal(auth.token.slice(0, 3), 'pk.');

    // Secret scopes make a secret token
    const secret = await (await service.create({ scopes: ['styles:read', 'styles:write'] })).json();
    assert.equal(secret.token.slice(0, 3), 'sk.');

    // Update a token
    response = await service.update({ authorizationId: auth.id, scopes: ['styles:read', 'datasets:read'], note: 'updated' });
    auth = await response.json();
    assert.equal(response.status, 200);
    assert.deepEqual(auth.scopes, ['styles:read', 'datasets:read']);

    // Check validity of a token
    assert.equal((await (await service.checkValidity()).json()).code, 'TokenValid');

    // ... and of another token, both ways: a new instance, or without one.
    const newService = new Tokens({ accessToken: auth.token, origin: process.env.ORIGIN });
    assert.equal((await newService.checkValidity()).data.code, 'TokenValid');
    assert.equal((await service.checkValidity({ accessToken: auth.token })).data.code, 'TokenValid');
    assert.equal((await service.checkValidity({ accessToken: 'pk.garbage' })).data.code, 'TokenMalformed');

    // List the scopes of a token
    response = await service.listScopes();
    const scopes = await response.json();
    assert.ok(scopes.some((s) => s.id === 'styles:read' && s.public === true));

    // Delete a token
    response = await service.delete({ authorizationId: auth.id });
    assert.equal(response.status, 204);
    assert.equal((await service.checkValidity({ accessToken: auth.token })).data.code, 'TokenRevoked');
    console.log('seed ok');
  `, { MAPBOX_ACCESS_TOKEN: emulator.adminToken, ORIGIN: emulator.url });
});

test('MapboxAccessToken is read when MAPBOX_ACCESS_TOKEN is absent, and no token is a clear error', async () => {
  const script = `
    const { Tokens } = require('mapbox-tokens');
    try {
      const t = new Tokens({ origin: process.env.ORIGIN });
      t.checkValidity().then((r) => console.log(JSON.stringify({ code: r.data.code, user: t.username })));
    } catch (e) {
      console.log(JSON.stringify({ name: e.name, kind: e.kind, message: e.message }));
    }
  `;
  const withEnv = JSON.parse(await runScript(project, 'env.cjs', script, { MapboxAccessToken: emulator.adminToken, ORIGIN: emulator.url }));
  assert.deepEqual(withEnv, { code: 'TokenValid', user: emulator.username });
  const none = JSON.parse(await runScript(project, 'env.cjs', script, { ORIGIN: emulator.url }));
  assert.equal(none.name, 'MapboxError');
  assert.equal(none.kind, 'InvalidInput');
  assert.match(none.message, /MAPBOX_ACCESS_TOKEN/);
});

test('the emulator ships in the package with its command', async () => {
  const out = await runScript(project, 'emu.mjs', `
    import { startEmulator } from 'mapbox-tokens/emulator';
    const emu = await startEmulator({ rateLimit: false });
    console.log(JSON.stringify({ url: emu.url.startsWith('http://127.0.0.1:'), token: emu.adminToken.slice(0, 3) }));
    await emu.close();
  `);
  assert.deepEqual(JSON.parse(out), { url: true, token: 'sk.' });
});

test('the installed bins run: mapbox-tokens and mapbox-tokens-emulator', async () => {
  const { execFileSync } = await import('node:child_process');
  const { join } = await import('node:path');
  const bin = (name) => join(project, 'node_modules', '.bin', name);
  assert.match(execFileSync(bin('mapbox-tokens'), ['--version'], { encoding: 'utf8' }), /0\.1\.0/);
  const parsed = JSON.parse(execFileSync(bin('mapbox-tokens'), ['parse', emulator.adminToken, '--json'], { encoding: 'utf8' }));
  assert.equal(parsed.user, emulator.username);
  assert.ok(!JSON.stringify(parsed).includes(emulator.adminToken), 'parse prints fields, not the token');
  assert.match(execFileSync(bin('mapbox-tokens-emulator'), ['--help'], { encoding: 'utf8' }), /--port/);
});
