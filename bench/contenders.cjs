// The three ways to call the Tokens API that the benchmark compares, with the same four operations:
// (a) hand-written fetch + JSON parsing, the floor; (b) this package's Node build;
// (c) @mapbox/mapbox-sdk with its Node client. Each `make(url, token, user)` returns the operations.
'use strict';
const path = require('node:path');

const CREATE_BODY = { scopes: ['styles:read'], note: 'bench' };

/**
 * Hand-written calls, each request made by `send(url, init)`: (a) passes it straight to `fetch`.
 */
function handWritten(url, token, user, send) {
  const q = `access_token=${encodeURIComponent(token)}`;
  const json = async (r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  };
  return {
    listTokens: () => send(`${url}/tokens/v2/${user}?${q}`).then(json),
    checkValidity: () => send(`${url}/tokens/v2?${q}`).then(json),
    create: () => send(`${url}/tokens/v2/${user}?${q}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CREATE_BODY),
    }).then(json),
    async listAll() {
      let next = `${url}/tokens/v2/${user}?limit=100&${q}`;
      let n = 0;
      while (next) {
        const r = await send(next);
        n += (await json(r)).length;
        const link = /<([^>]+)>;\s*rel="next"/.exec(r.headers.get('link') ?? '');
        next = link ? `${link[1]}&${q}` : null;
      }
      return n;
    },
  };
}

function raw(url, token, user) {
  return handWritten(url, token, user, (u, init) => fetch(u, init));
}

/**
 * (a) with a 30 s timeout done the way this package does it: calls share an `AbortController`,
 * 32 at a time, aborted by one unref'd timer. Not a budget line: it shows how much of the gap
 * between (a) and (b) is the platform's cost of passing a signal to `fetch` at all.
 */
function rawWithSignal(url, token, user) {
  let controller = null;
  let left = 0;
  const signal = () => {
    if (left === 0) {
      const c = new AbortController();
      setTimeout(() => c.abort(), 30_000).unref?.();
      controller = c;
      left = 32;
    }
    left -= 1;
    return controller.signal;
  };
  return handWritten(url, token, user, (u, init = {}) => fetch(u, Object.assign(init, { signal: signal() })));
}

/** (b) this package, as a user makes it: default options, so pacing under the rate limit is on. */
function ours(url, token, user, options = {}) {
  const { Tokens } = require(path.join(__dirname, '..', 'pkg', 'node', 'mapbox_tokens.cjs'));
  const tokens = new Tokens({ accessToken: token, origin: url, ...options });
  return {
    listTokens: () => tokens.listTokens(),
    checkValidity: () => tokens.checkValidity(),
    create: () => tokens.create(CREATE_BODY),
    async listAll() {
      let n = 0;
      for await (const t of tokens.listAllTokens({ limit: 100 })) if (t) n += 1;
      return n;
    },
  };
}

/** (b) without pacing (`rateLimit: false`): beside `ours`, it shows what pacing costs a call. */
const oursUnpaced = (url, token, user) => ours(url, token, user, { rateLimit: false });

function sdk(url, token) {
  const mbxClient = require('@mapbox/mapbox-sdk');
  const mbxTokens = require('@mapbox/mapbox-sdk/services/tokens');
  const service = mbxTokens(mbxClient({ accessToken: token, origin: url }));
  return {
    listTokens: () => service.listTokens().send(),
    checkValidity: () => service.getToken().send(),
    create: () => service.createToken(CREATE_BODY).send(),
    async listAll() {
      // The SDK's listTokens takes no limit: it follows the server's default pages.
      let response = await service.listTokens().send();
      let n = response.body.length;
      while (response.hasNextPage()) {
        response = await response.nextPage().send();
        n += response.body.length;
      }
      return n;
    },
  };
}

module.exports = { raw, rawWithSignal, ours, oursUnpaced, sdk };
