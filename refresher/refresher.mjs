// TokenRefresher: keeps a browser page supplied with temporary tokens from a token broker (the
// package's TokenBroker or any endpoint answering `{ "token": "tk.…", "expires": "<ISO 8601>" }`),
// shares one refresh among the tabs of an origin, and keeps live Mapbox GL JS and MapLibre GL JS
// maps supplied without a remount. Plain JavaScript, no WebAssembly and no dependencies: a map page
// loads only this. Types and the full reference: refresher.d.ts.

/** The longest pause between two tries while the broker fails, in milliseconds. */
const MAX_BACKOFF = 60e3;
/**
 * How long a tab holds the lock after a fetch, so that its token reaches the other tabs before one
 * of them takes the lock (they do not wait for it: a token from another tab ends their wait).
 */
const HOLD = 1e3;

/**
 * The claims of a `tk.<payload>.<signature>` token (base64url JSON: `exp`, `iat` in Unix seconds),
 * or an empty object when the token is not of that form.
 * @param {string} token
 * @returns {{ exp?: number, iat?: number }}
 */
function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) || {};
  } catch {
    return {};
  }
}

/**
 * The pause before the `tries`-th try after a failure: 1 s, 2 s, 4 s… at most MAX_BACKOFF.
 * @param {number} tries 1 or more
 */
const backoff = (tries) => Math.min(1e3 * 2 ** (tries - 1), MAX_BACKOFF);

/**
 * The URL as a URL object, or undefined when it is not an absolute URL.
 * @param {string} url
 */
function parse(url) {
  try {
    return new URL(url);
  } catch {}
}

/**
 * Waits `ms` milliseconds, or less when `signal` aborts; leaves no timer or listener behind.
 * @param {number} ms
 * @param {AbortSignal} signal
 */
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const end = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', end);
      resolve();
    };
    const timer = setTimeout(end, ms);
    signal.addEventListener('abort', end);
  });

/**
 * Keeps a temporary token from a token broker fresh, ahead of its end, for every tab of an origin.
 * Events: `token` (detail `{ token, expires }`) for each new token, `error` (detail
 * `{ error, retryIn }`) for each failed try. See refresher.d.ts for the reference.
 */
export class TokenRefresher extends EventTarget {
  /** @type {string | null} */
  #token = null;
  /** When the token ends, on this machine's clock (ms). */
  #expires = 0;
  /** When the token should be replaced (ms, jittered). */
  #at = 0;
  /** When the timer fires next (ms). */
  #next = 0;
  /** Tries in a row that brought no new token. */
  #tries = 0;
  #timer;
  /** @type {Promise<Error | undefined> | null} the refresh in flight */
  #flight = null;
  /** Ends the wait of the refresh in flight (when another tab sends a token). */
  #settle;
  /** The token that the map API refused (a 401), while it is still the current one. */
  #refused = null;
  #closed = new AbortController();
  #min;
  #origin;
  #locks;
  #name;
  #channel;
  #get;

  /**
   * @param {import('./refresher.d.ts').TokenRefresherOptions} options
   */
  constructor({ url, origin = 'https://api.mapbox.com', minValidity = 60, fetch = globalThis.fetch, locks = globalThis.navigator?.locks } = {}) {
    super();
    if (!url) throw new TypeError('TokenRefresher: the `url` option (the token broker) is required');
    if (typeof fetch != 'function') throw new TypeError('TokenRefresher: no fetch function');
    this.#get = (init) => fetch(url, init);
    this.#origin = new URL(origin).origin;
    this.#min = minValidity * 1e3;
    this.#locks = locks;
    this.#name = `mapbox-tokens ${url}`;
    const signal = this.#closed.signal;
    const on = (target, type, listener) => target?.addEventListener?.(type, listener, { signal });
    const check = () => (this.#due() ? this.#refresh() : this.#arm(this.#next));
    on(globalThis.document, 'visibilitychange', () => document.visibilityState == 'visible' && check());
    on(globalThis, 'online', check);
    if (typeof BroadcastChannel == 'function') {
      this.#channel = new BroadcastChannel(this.#name);
      on(this.#channel, 'message', ({ data }) => data?.token && this.#use(data));
    }
  }

  /** The latest token (possibly ended: use `token()` for one with time left), or null before the first. */
  get current() {
    return this.#token;
  }

  /**
   * A token with at least `minValidity` seconds left (or, when the broker's tokens are shorter than
   * that, the freshest it has); fetches one when needed, once however many callers wait.
   * @returns {Promise<string>} rejects with the broker's failure (the refresher keeps trying)
   */
  async token() {
    if (this.#closed.signal.aborted) throw new Error('TokenRefresher: closed');
    if (!this.#valid(this.#min)) {
      const error = await this.#refresh();
      if (error || !this.#valid(0)) throw error || new Error('TokenRefresher: no token');
    }
    return this.#token;
  }

  /**
   * Reports that the map API refused the current token (a 401 seen outside `attach()`): fetches a
   * token at once, telling the broker (`X-Token-Refused: 1`) to check the one it serves.
   * @returns {Promise<string | null>} the token then held: the same one while the broker has no other
   */
  async refused() {
    if (this.#closed.signal.aborted) throw new Error('TokenRefresher: closed');
    this.#refused = this.#token;
    const error = await this.#refresh();
    if (error) throw error;
    return this.#token;
  }

  /**
   * For the maps' `transformRequest` option: a request to the map API's origin gets the current
   * token as its `access_token` (replacing any other); other URLs come back unchanged. Synchronous,
   * bound to this refresher.
   * @param {string} url
   * @param {string} [resourceType]
   * @returns {{ url: string }}
   */
  transformRequest = (url, resourceType) => {
    const token = this.#token;
    const u = token && parse(url);
    if (u?.origin == this.#origin) {
      // A tab that slept holds an ended token: fetch a new one at once.
      if (!this.#valid(0)) this.#refresh();
      const params = u.search.slice(1).split('&').filter((p) => p && !p.startsWith('access_token='));
      u.search = [...params, `access_token=${token}`].join('&');
      url = u.href;
    }
    return { url };
  };

  /**
   * Keeps a live Mapbox GL JS or MapLibre GL JS map supplied: sets its transformRequest where the
   * map can (MapLibre's `setTransformRequest`, unless the map has one), sets
   * `mapboxgl.accessToken` when given, refreshes at once when a map request fails with 401, and
   * requests the failed tiles again with the new token.
   * @param {any} map
   * @param {{ mapboxgl?: { accessToken: string | null } }} [options]
   * @returns {() => void} detaches the refresher from the map
   */
  attach(map, { mapboxgl } = {}) {
    /** @type {Map<string, [string, any]>} the sources and tiles that failed with 401, to request again */
    const failed = new Map();
    const retry = () => {
      const all = [...failed.values()];
      failed.clear();
      for (const [id, tile] of all) {
        try {
          if (!tile) {
            // The source's TileJSON failed: load it again.
            const source = map.getSource(id);
            (source?.reload || source?.load)?.call(source);
          } else {
            // The tile's own cache loads it again as a tile without data ('loading'), as the maps do
            // on a source change: Mapbox GL JS has no public way, and MapLibre's refreshTiles marks
            // an errored tile 'expired', which its raster renderer then draws without a texture.
            const style = map.style || {};
            const caches = style.getSourceCaches?.(id) || [(style.tileManagers || style.sourceCaches)?.[id]];
            const reload = caches.filter((cache) => cache?._reloadTile);
            for (const cache of reload) cache._reloadTile(tile.tileID.key, 'loading');
            if (!reload.length) map.refreshTiles?.(id, [tile.tileID.canonical]);
          }
        } catch {}
      }
      map.triggerRepaint?.();
    };
    const supply = () => {
      if (mapboxgl) mapboxgl.accessToken = this.#token;
      retry();
    };
    const onError = ({ error, sourceId, tile }) => {
      if (error?.status != 401) return;
      const u = parse(error.url);
      if (u && u.origin != this.#origin) return;
      if (sourceId) failed.set(`${sourceId} ${tile?.tileID.key}`, [sourceId, tile]);
      const sent = u?.searchParams.get('access_token');
      // Sent with an older token than the current one: only the request needs repeating.
      if (sent && sent != this.#token && this.#valid(0)) retry();
      else this.refused().catch(() => {});
    };
    if (map.setTransformRequest && !map.getTransformRequest?.()) map.setTransformRequest(this.transformRequest);
    if (mapboxgl && this.#token) mapboxgl.accessToken = this.#token;
    map.on('error', onError);
    this.addEventListener('token', supply);
    return () => {
      map.off('error', onError);
      this.removeEventListener('token', supply);
    };
  }

  /** Stops refreshing: no timer, listener, channel or fetch is left; `token()` rejects from now on. */
  close() {
    this.#closed.abort();
    clearTimeout(this.#timer);
    this.#channel?.close();
  }

  /** Whether the token has more than `ms` milliseconds left. */
  #valid(ms) {
    return this.#token != null && this.#expires - Date.now() > ms;
  }

  /** Whether it is time to fetch a new token. */
  #due() {
    return !this.#valid(this.#min) || Date.now() >= this.#at;
  }

  /** Sets the one timer to refresh at `at` (ms). */
  #arm(at) {
    clearTimeout(this.#timer);
    if (this.#closed.signal.aborted) return;
    this.#next = at;
    this.#timer = setTimeout(() => this.#refresh(), Math.max(0, at - Date.now()));
  }

  /**
   * Fetches a new token unless the token changed meanwhile (another tab sent one while this one
   * waited for the lock). One at a time; with the Web Locks API, one tab at a time. Never rejects:
   * resolves with the failure, if any.
   * @returns {Promise<Error | undefined>}
   */
  #refresh() {
    const signal = this.#closed.signal;
    const stale = this.#token;
    return (this.#flight ||= new Promise((done) => {
      this.#settle = done;
      const job = async (lock) => {
        if (this.#token !== stale) return done();
        done(await this.#fetch(signal).then((t) => this.#use(t, true), (e) => this.#fail(e, signal)));
        if (lock) await sleep(HOLD, signal);
      };
      (this.#locks ? this.#locks.request(this.#name, { signal }, job) : job()).catch(done);
    }).finally(() => (this.#flight = null)));
  }

  /**
   * Asks the broker for a token.
   * @param {AbortSignal} signal
   * @returns {Promise<{ token: string, expires: number, base: number }>} `expires` and `base` (when
   *   to replace it, before jitter) on this machine's clock
   */
  async #fetch(signal) {
    const headers = { accept: 'application/json' };
    // The map API refused the token we hold: the broker checks its own (its clock may lag the API's).
    if (this.#refused && this.#refused == this.#token) headers['x-token-refused'] = '1';
    const response = await this.#get({ cache: 'no-store', headers, signal });
    const now = Date.now();
    const header = (name) => response.headers.get(name);
    // Never the body's text in a message: a broker could have sent a token as plain text.
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = typeof body?.message == 'string' ? `: ${body.message.slice(0, 200)}` : '';
      const after = header('retry-after');
      throw Object.assign(new Error(`token broker answered ${response.status}${message}`), {
        status: response.status,
        retryAfter: Math.min((/^\d+$/.test(after) ? after * 1e3 : Date.parse(after) - now) || 0, 36e5),
      });
    }
    const token = body?.token;
    if (typeof token != 'string' || !token) throw new Error('token broker answered without a token');
    const { exp, iat } = claims(token);
    // Times left are counted from the broker's clock (its Date header) when it shows it, so that a
    // page whose clock is wrong still refreshes in time.
    const left = (Date.parse(body.expires) || exp * 1e3) - (Date.parse(header('date')) || now);
    if (!(left > 0)) throw new Error('token broker answered a token without time left');
    const life = exp > iat ? (exp - iat) * 1e3 : left;
    const maxAge = /max-age=(\d+)/.exec(header('cache-control'))?.[1] * 1e3;
    return { token, expires: now + left, base: now + Math.min(maxAge > 0 ? maxAge : left - life / 4, left - life / 8) };
  }

  /**
   * Takes a new token: one fetched here (`fetched`), or one from another tab if it ends later than
   * the current one.
   * @param {{ token: string, expires: number, base: number }} answer
   * @param {boolean} [fetched]
   */
  #use({ token, expires, base }, fetched) {
    if (this.#closed.signal.aborted) return;
    const jitter = Math.random() * Math.min(5e3, (expires - base) / 4);
    if (token != this.#token && (fetched || expires > this.#expires)) {
      this.#token = token;
      this.#expires = expires;
      this.#tries = 0;
      this.#arm((this.#at = base + jitter));
      if (fetched) this.#channel?.postMessage({ token, expires, base });
      else this.#settle?.();
      this.dispatchEvent(new CustomEvent('token', { detail: { token, expires: new Date(expires) } }));
    } else if (fetched) {
      // The broker still has the token we hold: ask again later, less often each time.
      this.#arm(Math.max(base + jitter, Date.now() + backoff(++this.#tries)));
    }
  }

  /**
   * Reports a failed try and plans the next one.
   * @param {Error & { retryAfter?: number }} error
   * @param {AbortSignal} signal
   */
  #fail(error, signal) {
    if (!signal.aborted) {
      const retryIn = Math.max(backoff(++this.#tries), error.retryAfter || 0);
      this.#arm(Date.now() + retryIn);
      this.dispatchEvent(new CustomEvent('error', { detail: { error, retryIn } }));
    }
    return error;
  }
}
