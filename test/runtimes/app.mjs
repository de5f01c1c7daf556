// The app that each runtime test serves (node:http, Express, Deno, Bun, workerd): the library's own
// smoke test at /smoke, and the token broker at /token, both against the emulator named in the
// config. Written for the fetch standard only (Request, Response, URL), so that every runtime runs
// the same code; the runtimes' entry files beside it load the package their way and serve this.

/** The scopes the broker hands out in these tests (public ones). */
export const BROKER_SCOPES = ['styles:read', 'styles:tiles', 'fonts:read'];

/**
 * @typedef {object} AppConfig
 * @property {string} origin the emulator's URL
 * @property {string} accessToken a secret token of the emulator with tokens:read and tokens:write
 * @property {string[]} allowedOrigins the origins the broker serves
 * @property {number} [expires] the broker's token life in seconds (default 600)
 * @property {string} [redis] a redis:// URL: the broker shares its token through this Redis
 */

/**
 * The library's smoke test: list the tokens, create a temporary token, and make one call fail
 * before it is sent (a create with no scopes: InvalidInput). Resolves to what a test checks.
 * @param {any} lib the package's exports in this runtime
 * @param {AppConfig} config
 */
export async function smoke(lib, { origin, accessToken }) {
  const tokens = new lib.Tokens({ accessToken, origin });
  const listed = await tokens.listTokens();
  const temp = await tokens.createTempToken({ scopes: ['styles:read'], expires: 300 });
  let error = null;
  try {
    await tokens.create({ scopes: [] });
  } catch (e) {
    error = { name: e.name, kind: e.kind, isMapboxError: lib.isMapboxError(e), message: e.message };
  }
  return {
    list: { status: listed.status, ids: listed.data.map((t) => t.id), usages: listed.data.map((t) => t.usage) },
    temp: { status: temp.status, token: temp.data.token, expires: temp.data.expires },
    error,
  };
}

/**
 * The broker of the test, or null when this build of the package has no TokenBroker yet.
 * @param {any} lib
 * @param {AppConfig} config
 * @param {object} [store] a shared store (redisStore)
 */
export function makeBroker(lib, { origin, accessToken, allowedOrigins, expires = 600 }, store) {
  if (typeof lib.TokenBroker !== 'function') return null;
  return new lib.TokenBroker({ accessToken, origin, scopes: BROKER_SCOPES, allowedOrigins, expires, ...(store ? { store } : {}) });
}

/** A JSON answer (Response.json is not in every runtime's typings; this is the same). */
const json = (value, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

/**
 * The app as a fetch-standard handler: GET /smoke runs the smoke test, /token is the broker's
 * `fetch` (called unbound, as `Deno.serve(broker.fetch)` would), /health answers 200.
 * @param {any} lib
 * @param {AppConfig} config
 * @returns {(request: Request) => Promise<Response>}
 */
export function fetchApp(lib, config) {
  let broker;
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return json({ broker: typeof lib.TokenBroker === 'function' });
    if (pathname === '/smoke') return runSmoke(lib, config);
    if (pathname === '/token') {
      broker ??= makeBroker(lib, config);
      if (!broker) return json({ message: 'this build of the package has no TokenBroker' }, 501);
      const handle = broker.fetch;
      return handle(request);
    }
    return json({ message: 'not found' }, 404);
  };
}

/**
 * The smoke test as an HTTP answer: 200 with its result, or 500 with the error's name, kind and
 * message when a step failed.
 */
export async function runSmoke(lib, config) {
  try {
    return json(await smoke(lib, config));
  } catch (e) {
    return json({ failed: { name: e?.name, kind: e?.kind, message: String(e?.message ?? e) } }, 500);
  }
}
