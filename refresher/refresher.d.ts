// Types of `mapbox-tokens/refresher`: a small plain ES module (no WebAssembly) that keeps a browser
// page supplied with temporary tokens from a token broker, and keeps live maps supplied.

/** Options of {@link TokenRefresher}. */
export interface TokenRefresherOptions {
  /**
   * The token broker's URL (e.g. `'/mapbox-token'`): a `GET` there answers `200` with JSON
   * `{ "token": "tk.…", "expires": "<ISO 8601>" }` (the package's `TokenBroker` does). Tabs of one
   * origin that use the same `url` share their tokens.
   */
  url: string | URL;
  /**
   * The map API's origin: requests to it get the token in {@link TokenRefresher.transformRequest}.
   * Default `'https://api.mapbox.com'`.
   */
  origin?: string;
  /** Seconds that a token from {@link TokenRefresher.token} has left at least. Default 60. */
  minValidity?: number;
  /** The fetch function used to reach the broker. Default: the global `fetch`. */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /**
   * The Web Locks API's lock manager, used to elect the one tab that fetches. Default
   * `navigator.locks` where it exists; `null` lets every tab fetch on its own schedule (tokens are
   * still shared through `BroadcastChannel`).
   */
  locks?: Pick<LockManager, 'request'> | null;
}

/** The detail of a `token` event: a new token, and when it ends (on this machine's clock). */
export interface TokenEventDetail {
  token: string;
  expires: Date;
}

/** An error of a try to reach the broker. */
export interface RefreshError extends Error {
  /** The broker's HTTP status (e.g. 503, 403), absent when no answer came (network). */
  status?: number;
  /** What the broker's `Retry-After` asked for, in milliseconds. */
  retryAfter?: number;
}

/** The detail of an `error` event: one failed try, and the milliseconds until the next one. */
export interface RefreshErrorDetail {
  error: RefreshError;
  retryIn: number;
}

/** The events of a {@link TokenRefresher}. */
export interface TokenRefresherEventMap {
  token: CustomEvent<TokenEventDetail>;
  error: CustomEvent<RefreshErrorDetail>;
}

/** What {@link TokenRefresher.transformRequest} returns: the request's URL, token included. */
export interface TransformedRequest {
  url: string;
}

/**
 * What {@link TokenRefresher.attach} needs of a map: a Mapbox GL JS or MapLibre GL JS `Map`.
 * The other members are used when the map has them.
 */
export interface AttachableMap {
  on(type: 'error', listener: (event: any) => void): unknown;
  off(type: 'error', listener: (event: any) => void): unknown;
  setTransformRequest?(transformRequest: (url: string, resourceType?: any) => any): unknown;
  getTransformRequest?(): unknown;
  refreshTiles?(sourceId: string, tileIds?: Array<{ x: number; y: number; z: number }>): void;
  getSource?(id: string): unknown;
  triggerRepaint?(): void;
}

/** Options of {@link TokenRefresher.attach}. */
export interface AttachOptions {
  /** Mapbox GL JS's module (`mapboxgl`): its global `accessToken` is kept current too. */
  mapboxgl?: { accessToken: string | null | undefined };
}

/**
 * Keeps a temporary token from a token broker fresh ahead of its end: it fetches a new one when a
 * quarter of the token's life is left, or when the answer's `Cache-Control: max-age` says the
 * broker will have a new one (a few seconds later in each tab, at random); one fetch at a time
 * however many callers wait; retries with growing pauses (1 s doubling to 60 s, or the broker's
 * `Retry-After`) while the broker fails, never giving up while open; and checks again when the
 * page becomes visible and when the network comes back. The token's end is the answer's
 * `expires`, else the token's own `exp`, counted from the broker's clock (its `Date` header, when
 * the page can read it), so that a page whose clock is wrong still refreshes in time.
 *
 * Tabs of one origin share one refresh: a new token reaches the others through `BroadcastChannel`,
 * and the Web Locks API elects the tab that fetches. Where either is missing, each tab works alone.
 *
 * @example
 * ```js
 * import { TokenRefresher } from 'mapbox-tokens/refresher';
 * const refresher = new TokenRefresher({ url: '/mapbox-token' });
 * await refresher.token();
 * const map = new maplibregl.Map({ container: 'map', style, transformRequest: refresher.transformRequest });
 * const detach = refresher.attach(map);
 * ```
 */
export declare class TokenRefresher extends EventTarget {
  /** @throws {TypeError} without `url`, or with an `origin` that is not a URL */
  constructor(options: TokenRefresherOptions);

  /** The latest token (possibly ended: {@link token} gives one with time left), or null before the first. */
  readonly current: string | null;

  /**
   * A token with at least `minValidity` seconds left (or, when the broker's tokens are shorter,
   * the freshest the broker has). Fetches one when needed, once however many callers wait.
   * Rejects with a {@link RefreshError} when the broker fails (the refresher keeps trying and
   * emits `error` events), and once the refresher is closed.
   */
  token(): Promise<string>;

  /**
   * Reports that the map API refused the current token (a 401 seen outside {@link attach}, e.g. by
   * your own `fetch`): fetches a token at once, with the request header `X-Token-Refused: 1`, which
   * makes the package's `TokenBroker` ask the API whether the token it serves still works and
   * renew it when not (its estimate of the API's clock may lag). Resolves to the token then held:
   * the same one when the broker has no other yet (the refresher then asks again at the broker's
   * next refresh point). Rejects as {@link token} does.
   */
  refused(): Promise<string | null>;

  /**
   * For the `transformRequest` option of Mapbox GL JS and MapLibre GL JS maps (synchronous, already
   * bound): a URL of the map API's origin comes back with the current token as its `access_token`
   * (replacing any other); other URLs come back unchanged.
   */
  readonly transformRequest: (url: string, resourceType?: string) => TransformedRequest;

  /**
   * Keeps a live map supplied without a remount: sets the map's transformRequest where the map
   * offers `setTransformRequest` and has none (MapLibre; give Mapbox GL JS `transformRequest:
   * refresher.transformRequest` at construction), keeps `mapboxgl.accessToken` current when
   * `options.mapboxgl` is given, refreshes at once when a map request to the map API fails with 401
   * (as {@link refused} does), and then requests the failed tiles again (through the map's own tile cache, as a tile not yet
   * loaded; with `map.refreshTiles` where the map has no such cache) and a failed TileJSON.
   * @returns a function that detaches the refresher from the map
   */
  attach(map: AttachableMap, options?: AttachOptions): () => void;

  /** Stops refreshing: leaves no timer, listener, channel or fetch; `token()` rejects from then on. */
  close(): void;

  addEventListener<K extends keyof TokenRefresherEventMap>(
    type: K,
    listener: (this: TokenRefresher, event: TokenRefresherEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof TokenRefresherEventMap>(
    type: K,
    listener: (this: TokenRefresher, event: TokenRefresherEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}
