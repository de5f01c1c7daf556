import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeToken, describeToken, encodeToken, newId } from '../lib/tokens.mjs';
import { SCOPES } from '../index.mjs';
import { PUBLIC_SCOPE_IDS } from '../lib/scopes.mjs';

const SECRET = 'test-secret';

function rawToken(usage, payloadText, signature = 'AAAAAAAAAAAAAAAAAAAAAA') {
  return `${usage}.${Buffer.from(payloadText).toString('base64url')}.${signature}`;
}

test('encodeToken writes header.base64url(JSON).signature, unpadded, with a 22-character signature', () => {
  const token = encodeToken(SECRET, 'pk', { u: 'demo', a: 'cijucimbe000brbkt48d0dhcx' });
  const [header, payload, signature] = token.split('.');
  assert.equal(header, 'pk');
  assert.match(payload, /^[A-Za-z0-9_-]+$/);
  assert.equal(Buffer.from(payload, 'base64url').toString(), '{"u":"demo","a":"cijucimbe000brbkt48d0dhcx"}');
  assert.match(signature, /^[A-Za-z0-9_-]{22}$/);
});

test('decodeToken accepts its own tokens and tells a foreign signature apart', () => {
  const token = encodeToken(SECRET, 'sk', { u: 'demo', a: 'cabc' });
  assert.deepEqual(decodeToken(SECRET, token), { usage: 'sk', payload: { u: 'demo', a: 'cabc' }, signatureValid: true });
  assert.equal(decodeToken('another-secret', token).signatureValid, false);
  const headerSwapped = `pk${token.slice(2)}`;
  assert.equal(decodeToken(SECRET, headerSwapped).signatureValid, false);
});

test('decodeToken returns null for strings that cannot be parsed', () => {
  const cases = [
    '',
    'abc',
    'pk.only-two',
    'pk.a.b.c',
    rawToken('xx', '{"u":"demo","a":"c1"}'),
    'pk.!!!.sig',
    rawToken('pk', 'not json'),
    rawToken('pk', '["u","a"]'),
    rawToken('pk', '{"u":"demo"}'),
    rawToken('pk', '{"a":"c1"}'),
    rawToken('tk', '{"u":"demo","exp":10,"scopes":[],"client":"api"}'),
    rawToken('tk', '{"u":"demo","exp":10,"iat":1,"scopes":"styles:read"}'),
    rawToken('tk', '{"u":"demo","exp":1e300,"iat":1,"scopes":[]}'),
  ];
  for (const token of cases) assert.equal(decodeToken(SECRET, token), null, token);
});

test('describeToken gives the retrieve shapes of pk/sk and tk', () => {
  assert.deepEqual(describeToken({ usage: 'pk', payload: { u: 'demo', a: 'c1' } }), {
    usage: 'pk',
    user: 'demo',
    authorization: 'c1',
  });
  const tk = { u: 'mapbox', exp: 1473967673, iat: 1473967643, scopes: ['styles:read'], client: 'api' };
  assert.deepEqual(describeToken({ usage: 'tk', payload: tk }), {
    usage: 'tk',
    user: 'mapbox',
    expires: '2016-09-15T19:27:53.000Z',
    created: '2016-09-15T19:27:23.000Z',
    scopes: ['styles:read'],
    client: 'api',
  });
});

test('newId makes distinct 25-character cuid-like ids', () => {
  const ids = Array.from({ length: 2000 }, () => newId(Date.UTC(2030, 0, 1)));
  for (const id of ids) assert.match(id, /^c[a-z0-9]{24}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('the exported scope catalogue marks exactly the five public scopes', () => {
  assert.deepEqual(
    SCOPES.filter((s) => s.public).map((s) => s.id),
    ['styles:tiles', 'styles:read', 'fonts:read', 'datasets:read', 'vision:read'],
  );
  assert.deepEqual(PUBLIC_SCOPE_IDS, SCOPES.filter((s) => s.public).map((s) => s.id));
  for (const scope of SCOPES) {
    assert.equal(typeof scope.description, 'string');
    assert.ok(scope.public === true || !('public' in scope), scope.id);
  }
  for (const id of ['scopes:list', 'tokens:read', 'tokens:write', 'styles:write', 'offline:write']) {
    assert.ok(SCOPES.some((s) => s.id === id && !s.public), id);
  }
});
