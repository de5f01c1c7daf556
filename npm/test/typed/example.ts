// A typed tour of the public API: `tsc --noEmit` must accept it (npm/test/types.test.mjs).
import {
  Tokens, TokenBroker, parseToken, tokenUsageFor, isMapboxError, PUBLIC_SCOPES, type TokenStore,
  type Token, type TokensResponse, type MapboxError, type TokenValidation, type Scope, type TemporaryToken,
} from 'mapbox-tokens';

export async function tour(accessToken: string): Promise<string[]> {
  const tokens = new Tokens({ accessToken, origin: 'http://127.0.0.1:8787', timeout: 5000, retries: 1 });
  const user: string | undefined = tokens.username;
  const page = await tokens.listTokens({ limit: 10, sortby: 'created', usage: 'pk', default: false });
  const list: Token[] = page.data;
  const next: string | null = page.nextStart;
  const again: Token[] = await page.json();
  for await (const token of tokens.listAllTokens({ limit: 100 })) {
    const id: string = token.id;
    void id;
  }
  const temp: TokensResponse<TemporaryToken> = await tokens.createTempToken({ scopes: ['styles:read'], expires: 60 });
  await tokens.createTempToken({ scopes: ['styles:read'], expires: new Date(Date.now() + 60_000) });
  const created = await tokens.create({ scopes: ['styles:read'], note: 'n', allowedUrls: ['https://example.com'] });
  await tokens.update({ authorizationId: created.data.id, note: 'updated', allowedUrls: null });
  const valid: TokenValidation = (await tokens.checkValidity({ accessToken: temp.data.token })).data;
  const scopes: Scope[] = (await tokens.listScopes()).data;
  const gone: null = (await tokens.delete({ authorizationId: created.data.id, signal: AbortSignal.timeout(1000) })).data;
  const usage: 'pk' | 'sk' = tokenUsageFor(['styles:read']);
  const info = parseToken(temp.data.token);
  const expires: Date | undefined = info.expires;
  try {
    await tokens.listScopes({ username: 'someone' });
  } catch (e) {
    if (isMapboxError(e)) {
      const err: MapboxError = e;
      return [err.kind, String(err.status), err.apiMessage ?? '', err.url ?? ''];
    }
  }
  return [String(user), String(list.length + again.length), String(next), valid.code, String(scopes.length), String(gone), usage,
    String(expires), PUBLIC_SCOPES[0]];
}

/** A token broker on node:http and as a fetch handler, with a store of one's own. */
export async function serveTokens(accessToken: string): Promise<string> {
  const store: TokenStore = {
    get: async () => null,
    setIfAbsent: async () => true,
    set: async () => undefined,
    delete: async () => undefined,
  };
  const broker = new TokenBroker({
    accessToken,
    scopes: ['styles:read', 'styles:tiles'],
    expires: 600,
    allowedOrigins: ['https://app.example'],
    authorize: async (request: Request) => request.headers.has('cookie'),
    store,
  });
  const handler: (request: Request) => Promise<Response> = broker.fetch;
  const answer = await handler(new Request('https://broker.example/mapbox-token'));
  const { token, expires }: { token: string; expires: string } = await broker.token();
  return `${answer.status} ${token} ${expires} ${typeof broker.node}`;
}
