/* tslint:disable */
/* eslint-disable */
/** Options of `new Tokens(options)`. */
export interface TokensOptions {
    /** The access token that authorises requests. In Node, `MAPBOX_ACCESS_TOKEN` or `MapboxAccessToken` from the environment when left out (not when given as `undefined`, which is refused). Read as property access reads it: a getter on a class works. */
    accessToken?: string;
    /** The account to work on; by default the one named inside the access token. */
    username?: string;
    /** The API origin, default `https://api.mapbox.com`. Plain `http` is accepted only for loopback hosts. */
    origin?: string;
    /** Milliseconds a call may take, every request of it and their retries included (default 30000); waiting for the rate limit does not count. */
    timeout?: number;
    /** How often a request is repeated after a 429 (any method; the API did not process it), or a GET or DELETE after a 5xx or network error (0 to 10, default 2). POST and PATCH are never repeated after those. */
    retries?: number;
    /**
     * Pacing under the API's rate limit: at most `limit` requests start in any `interval` seconds;
     * later calls wait their turn, and the wait does not count toward `timeout`. Default
     * `{ limit: 100, interval: 60 }` (the Tokens API's), replaced by the figures the API's answers
     * carry (`X-Rate-Limit-Limit`, `-Interval`). `false` turns pacing off.
     */
    rateLimit?: { limit: number; interval: number } | false;
}

/** What the pacing under the rate limit is doing (`tokens.rateLimit`). */
export interface RateLimitStatus {
    /** Requests allowed per interval. */
    limit: number;
    /** The interval, in seconds. */
    interval: number;
    /** Calls waiting for a slot. */
    held: number;
    /** Milliseconds until the next held call starts (0 when none is held). */
    resumesIn: number;
}

/** Limits every method accepts. */
export interface CallOptions {
    /**
     * Milliseconds this call may take, every request it makes included (`createTempToken` may make
     * three, `rotate` many); overrides the client's `timeout`. Waiting for the rate limit does not
     * count. For `listAllTokens`, each page's. Rejects with kind `Timeout`, even when `fetch`
     * ignores its signal.
     */
    timeout?: number;
    /** Cancels the call when it aborts. Rejects with kind `Aborted`. */
    signal?: AbortSignal;
}

/** Every method accepts `username` to work on another account than the token's own. */
export interface AccountOptions extends CallOptions {
    /** The account; default: the client's `username`. */
    username?: string;
}

/** Filters of `listTokens`. See https://docs.mapbox.com/api/accounts/tokens/#list-tokens */
export interface ListAllTokensOptions extends AccountOptions {
    /** `true`: only the default public token; `false`: every token but it. */
    default?: boolean;
    /** The most tokens per page (a positive whole number). */
    limit?: number;
    /** Sort order. */
    sortby?: 'created' | 'modified';
    /** Only public (`pk`) or only secret (`sk`) tokens. */
    usage?: 'pk' | 'sk';
}

/** Options of `listTokens`: the filters plus the page cursor. */
export interface ListTokensOptions extends ListAllTokensOptions {
    /** The cursor of the page to read: a previous response's `nextStart`. */
    start?: string;
}

/** Options of `createTempToken`. See https://docs.mapbox.com/api/accounts/tokens/#create-a-temporary-token */
export interface CreateTempTokenOptions extends AccountOptions {
    /** The scopes, each held by the access token. Not empty. */
    scopes: readonly string[];
    /** Seconds from now (greater than 0, at most 3600; default 3600), counted on the API's clock; or a `Date` / ISO 8601 string at most one hour ahead by this machine's clock, sent as given (the API refuses it with a 422 if its own clock disagrees). */
    expires?: number | Date | string;
}

/** An app allowed to use a token (a beta restriction). */
export interface AllowedApplication {
    /** For example `'iOS'` or `'android'`. */
    platform: string;
    /** The app's bundle id or package name. */
    bundleId: string;
}

/** Options of `create`. See https://docs.mapbox.com/api/accounts/tokens/#create-a-token */
export interface CreateTokenOptions extends AccountOptions {
    /** The scopes, each held by the access token. Not empty: a token without scopes can never gain any. Any secret scope makes an `sk` token. */
    scopes: readonly string[];
    /** A description, at most 128 characters. */
    note?: string;
    /** URLs the token may be used from, at most 100. */
    allowedUrls?: readonly string[];
    /** Apps the token may be used from. */
    allowedApplications?: readonly AllowedApplication[];
    /** Resource restrictions. */
    resources?: readonly string[];
}

/** Options of `update`: fields left out stay unchanged. See https://docs.mapbox.com/api/accounts/tokens/#update-a-token */
export interface UpdateTokenOptions extends AccountOptions {
    /** The token's `id` (not the token string). */
    authorizationId: string;
    /** The new scopes; they replace the old ones. A public token cannot gain secret scopes. */
    scopes?: readonly string[];
    /** The new note, at most 128 characters. */
    note?: string;
    /** New allowed URLs, or `null` to remove the restriction. */
    allowedUrls?: readonly string[] | null;
    /** New allowed apps, or `null` to remove the restriction. */
    allowedApplications?: readonly AllowedApplication[] | null;
    /** New resource restrictions, or `null` to remove them. */
    resources?: readonly string[] | null;
}

/** Options of `checkValidity`. */
export interface CheckValidityOptions extends CallOptions {
    /** The token to check; default: the client's own. Sent as it is: the API judges it. */
    accessToken?: string;
}

/** Options of `listScopes`. */
export type ListScopesOptions = AccountOptions;

/** Options of `delete`. */
export interface DeleteTokenOptions extends AccountOptions {
    /** The token's `id` (not the token string). */
    authorizationId: string;
}

/** Options of `rotate`. */
export interface RotateOptions extends AccountOptions {
    /** The `id` of the token to replace (not the token string). */
    authorizationId: string;
    /** Delete the old token once the new one exists (default `false`). */
    deleteOld?: boolean;
}

/** The result of `rotate`. */
export interface RotatedToken {
    /** The new token, with its `token` string: for a secret token, the only time it is shown. */
    created: Token;
    /** The old token, as the list of tokens showed it. */
    previous: Token;
    /** Whether the old token was deleted. */
    deleted: boolean;
}

/** A token found in a text by `findTokens`. */
export interface FoundToken {
    /** The token string. */
    token: string;
    /** Its first characters and an ellipsis: safe to print or log. */
    redacted: string;
    usage: 'pk' | 'sk' | 'tk';
    /** The account it belongs to. */
    user: string;
    /** The token id (pk and sk): what `rotate` and `delete` take as `authorizationId`. */
    authorization?: string;
    /** Where it starts: the string index, or the byte offset in a `Uint8Array`. */
    index: number;
    /** Its line, 1-based. */
    line: number;
    /** Its column, 1-based, in the units of `index`. */
    column: number;
}

/** A token's metadata. See https://docs.mapbox.com/api/accounts/tokens/#the-token-object */
export interface Token {
    /** The token's id: what `update` and `delete` take as `authorizationId`. */
    id: string;
    /** Public, secret or temporary. */
    usage: 'pk' | 'sk' | 'tk';
    /** Always `'api'`. */
    client: string;
    /** Whether this is the account's default public token. */
    default: boolean;
    /** The scopes granted. */
    scopes: string[];
    /** The description. */
    note?: string | null;
    /** When it was created (ISO 8601). */
    created: string;
    /** When it was last changed (ISO 8601). */
    modified: string;
    /** URL restrictions; absent when there are none. */
    allowedUrls?: string[];
    /** App restrictions, where the account has them. */
    allowedApplications?: AllowedApplication[];
    /** The token string. Secret tokens have it only in the response of `create`. */
    token?: string;
}

/** The result of `createTempToken`. */
export interface TemporaryToken {
    /** The token string, `tk.…`. */
    token: string;
    /** When it was issued (ISO 8601). */
    issued_at?: string;
    /** When it expires (ISO 8601). */
    expires?: string;
    /** Seconds it lives. */
    expires_in?: number;
}

/** The API's verdict on a token. See https://docs.mapbox.com/api/accounts/tokens/#retrieve-a-token */
export interface TokenValidation {
    /** `TokenValid`, or why the token is not valid. */
    code: 'TokenValid' | 'TokenMalformed' | 'TokenInvalid' | 'TokenExpired' | 'TokenRevoked';
    /** What the API read from the token, when it could parse it. */
    token?: {
        usage: 'pk' | 'sk' | 'tk';
        user: string;
        /** The token id (pk and sk). */
        authorization?: string;
        /** Expiry (tk, ISO 8601). */
        expires?: string;
        /** Issue time (tk, ISO 8601). */
        created?: string;
        /** Scopes (tk). */
        scopes?: string[];
        client?: string;
    };
}

/** A scope the account can grant. See https://docs.mapbox.com/api/accounts/tokens/#list-scopes */
export interface Scope {
    /** For example `'styles:read'`. */
    id: string;
    description: string;
    /** `true` for scopes a public token may hold; absent for secret scopes. */
    public?: boolean;
}

/** What every method resolves to: like a fetch `Response`, with the body already parsed. */
export interface TokensResponse<T> {
    /** The HTTP status (200, or 204 for `delete`). */
    status: number;
    /** Always `true`: failures reject with a `MapboxError` instead. */
    ok: true;
    /** The response headers. */
    headers: Headers;
    /** The parsed body (`null` for 204). */
    data: T;
    /** A promise of `data`, so that `(await tokens.listTokens()).json()` reads like the fetch API. */
    json(): Promise<T>;
}

/** What `parseToken` reads from a token without asking the API. */
export interface TokenInfo {
    usage: 'pk' | 'sk' | 'tk';
    /** The account's username. */
    user: string;
    /** The token id (pk and sk). */
    authorization?: string;
    /** When a temporary token expires. */
    expires?: Date;
    /** When a temporary token was issued. */
    created?: Date;
    /** A temporary token's scopes. */
    scopes?: string[];
    /** A temporary token's client, e.g. `'api'`. */
    client?: string;
}

/** The broad cause of a `MapboxError`. */
export type MapboxErrorKind = 'InvalidInput' | 'Http' | 'Network' | 'Timeout' | 'Aborted' | 'Decode';

/**
 * Every failure: a real `Error` (with a stack) whose `name` is `'MapboxError'`. Test with `isMapboxError`.
 * Its `message` says what failed, why, and what to do. No field ever contains an access token.
 */
export interface MapboxError extends Error {
    name: 'MapboxError';
    /** `InvalidInput`: refused before sending; `Http`: non-2xx answer; `Network`, `Timeout`, `Aborted`; `Decode`: a 2xx body that could not be read. */
    kind: MapboxErrorKind;
    /** The HTTP status, for `Http` and `Decode` errors. */
    status?: number;
    /** The API's own message (its `{"message": …}` body), when it sent one. */
    apiMessage?: string;
    /** The request's method, once a request was made. */
    method?: string;
    /** The request's URL with the access token replaced by `[redacted]`. */
    url?: string;
    /** The `X-Rate-Limit-*` headers of the failed response, where sent (`reset` is in Unix seconds). */
    rateLimit?: { limit?: number; interval?: number; reset?: number };
    /**
     * Only from `rotate`: the new token, which exists. When the old token could not be deleted, it
     * is the create's answer (with its token string). When the create got no clear answer (network
     * error, timeout, 5xx) and the listing shows the token it made, it is the listed token: with its
     * string for a public token, without it for a secret one (delete that one and rotate again).
     */
    created?: Token;
}

/**
 * A store shared by several `TokenBroker` instances (processes, servers), so that they make one
 * token per renewal between them: `redisStore(client)` from `mapbox-tokens/redis` is one. Keys
 * are derived from the account, the scopes and the life; values are JSON holding a temporary
 * token (never the secret token). A store that throws, rejects or takes more than 2 s is treated
 * as one that has nothing: the broker goes on alone.
 */
export interface TokenStore {
    /** The value under `key`, or `null`. */
    get(key: string): Promise<string | null> | string | null;
    /** Sets `key` only if it is absent, expiring after `ttlMs`; whether it was set (the broker's mint lock). */
    setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> | boolean;
    /** Sets `key`, expiring after `ttlMs`. */
    set(key: string, value: string, ttlMs: number): Promise<unknown> | unknown;
    /** Removes `key`. */
    delete(key: string): Promise<unknown> | unknown;
}

/** Options of `new TokenBroker(options)`: those of `new Tokens` (mints are paced under the API's rate limit), and the broker's own. */
export interface TokenBrokerOptions extends TokensOptions {
    /** A secret token with `tokens:write` and every scope handed out; in Node, `MAPBOX_ACCESS_TOKEN` when left out. It never leaves the server. */
    accessToken?: string;
    /** Milliseconds one mint may take (default 30000). */
    timeout?: number;
    /** The scopes of the tokens handed out: public scopes only (a secret scope is refused). */
    scopes: readonly string[];
    /** Each token's life in seconds, 60 to 3600 (default 3600), on the API's clock. It is renewed when a quarter of it is left. */
    expires?: number;
    /** The origins of the pages that may ask, such as `['https://app.example']`. Required unless `allowAnyOrigin` is `true`. */
    allowedOrigins?: readonly string[];
    /** Any page may ask (and requests with no `Origin`). */
    allowAnyOrigin?: boolean;
    /** Your session check: only `true` lets a request have a token. `request` is a `Request` for `broker.fetch`, an `IncomingMessage` for `broker.node`. */
    authorize?: (request: any) => boolean | Promise<boolean>;
    /** A store shared by instances; by default each broker keeps its token in its own memory. */
    store?: TokenStore;
}



/**
 * Hands browsers short-lived tokens (`tk.…`) from a server: one fetch-standard handler.
 *
 * ```js
 * const broker = new TokenBroker({
 *   accessToken,                            // a secret token with tokens:write (else MAPBOX_ACCESS_TOKEN in Node)
 *   scopes: ['styles:read', 'styles:tiles', 'fonts:read'],   // public scopes only
 *   allowedOrigins: ['https://app.example'],
 * });
 * Deno.serve(broker.fetch);                 // Bun.serve({ fetch: broker.fetch }), export default { fetch: broker.fetch }
 * http.createServer(broker.node);           // node:http; app.get('/mapbox-token', broker.node) in Express
 * ```
 *
 * Every page gets the same token until a quarter of its life is left; then one new token is made
 * (one at a time, however many requests arrive), and the old one is served meanwhile. With a
 * shared `store`, several instances make one token per renewal between them.
 */
export class TokenBroker {
    free(): void;
    /**
     * Creates a broker.
     *
     * - `accessToken`, `username`, `origin`, `timeout`, `retries`, `rateLimit`: as for `Tokens`.
     *   The access token needs `tokens:write` and every scope handed out; it never leaves the server.
     * - `scopes`: the tokens' scopes, public ones only (required).
     * - `expires`: each token's life in seconds, 60 to 3600 (default 3600), on the API's clock.
     * - `allowedOrigins`: the origins of the pages that may ask (required unless `allowAnyOrigin: true`).
     *   A request from another origin, or with no `Origin` that is not same-origin, gets 403.
     * - `authorize`: `(request) => boolean | Promise<boolean>`, your session check; `request` is
     *   the `Request` (for `fetch`) or the `IncomingMessage` (for `node`). Only `true` lets it through.
     * - `store`: a store shared by instances, such as `redisStore(client)` from `mapbox-tokens/redis`;
     *   by default each broker keeps its token in its own memory.
     *
     * @throws {MapboxError} with kind `InvalidInput` when an option is invalid (a secret scope, say).
     */
    constructor(options: TokenBrokerOptions);
    /**
     * A token to hand out now: `{ token, expires }` (`expires` as ISO 8601 text). Rejects with
     * the mint's `MapboxError` when no usable token can be had.
     */
    token(): Promise<{ token: string; expires: string }>;
    /**
     * The fetch-standard handler, bound to this broker: `(request: Request) => Promise<Response>`.
     */
    readonly fetch: (request: Request) => Promise<Response>;
    /**
     * The `node:http` handler, bound to this broker: `(req, res) => void`, also an Express or
     * Connect route handler.
     */
    readonly node: (req: any, res: any) => void;
}

/**
 * The async iterator returned by `listAllTokens`: yields tokens, fetching pages as needed.
 */
export class TokenIterator {
    private constructor();
    free(): void;
    /**
     * The next token: `{ value: Token, done: false }`, or `{ value: undefined, done: true }`
     * after the last page. Calls made before the previous one settled wait their turn.
     */
    next(): Promise<IteratorResult<Token, undefined>>;
    /**
     * Stops the iteration early (called by `break` in `for await`): no further page is fetched.
     */
    return(): Promise<IteratorResult<Token, undefined>>;
}

/**
 * A client for the [Mapbox Tokens API](https://docs.mapbox.com/api/accounts/tokens/).
 *
 * ```js
 * const tokens = new Tokens({ accessToken: 'sk.…' });   // or MAPBOX_ACCESS_TOKEN in Node
 * const { data } = await tokens.listTokens({ limit: 10 });
 * ```
 *
 * Every method returns a promise of a {@link TokensResponse}, or rejects with a
 * {@link MapboxError}. Invalid input rejects before anything is sent.
 */
export class Tokens {
    free(): void;
    /**
     * Asks the API whether a token is valid: the client's own, or `accessToken` if given (no
     * new client needed). Any string is sent as it is and judged by the API, which always
     * answers 200 with `code`: `TokenValid`, `TokenMalformed`, `TokenInvalid`, `TokenExpired`
     * or `TokenRevoked`. Needs no scope.
     * See https://docs.mapbox.com/api/accounts/tokens/#retrieve-a-token
     */
    checkValidity(options?: CheckValidityOptions): Promise<TokensResponse<TokenValidation>>;
    /**
     * Creates a temporary token (`tk.…`) that expires within an hour.
     * `expires`: seconds from now (0 < n ≤ 3600, default 3600), counted on the API's clock, so
     * the token lives that long even when this machine's clock is off; or a `Date` / ISO 8601
     * string at most one hour ahead, sent as given. Temporary tokens cannot be updated, deleted
     * or URL-restricted. Needs `tokens:write` and every requested scope. Resolves to
     * `{ token, issued_at, expires, expires_in }`.
     * See https://docs.mapbox.com/api/accounts/tokens/#create-a-temporary-token
     */
    createTempToken(options: CreateTempTokenOptions): Promise<TokensResponse<TemporaryToken>>;
    /**
     * Creates a permanent token: public (`pk.…`) when every scope is public, secret (`sk.…`)
     * when any is secret (see `tokenUsageFor`). A secret token's string is only ever returned
     * here: store it now. Needs `tokens:write` and every requested scope.
     * See https://docs.mapbox.com/api/accounts/tokens/#create-a-token
     */
    create(options: CreateTokenOptions): Promise<TokensResponse<Token>>;
    /**
     * Deletes (revokes) a token by its `id`; resolves to status 204 with `data: null`. If an
     * attempt's outcome was unknown (network error, 5xx) and the retry finds the token gone
     * (404), the call counts it as deleted. Needs `tokens:write`.
     * See https://docs.mapbox.com/api/accounts/tokens/#delete-a-token
     */
    delete(options: DeleteTokenOptions): Promise<TokensResponse<null>>;
    /**
     * Every token of the account, following the API's `Link: rel="next"` pages on the
     * configured origin: `for await (const token of tokens.listAllTokens()) { … }`.
     */
    listAllTokens(options?: ListAllTokensOptions): AsyncIterableIterator<Token>;
    /**
     * Lists the scopes the account can grant, `public: true` marking those a public token may
     * hold. Needs the `scopes:list` scope.
     * See https://docs.mapbox.com/api/accounts/tokens/#list-scopes
     */
    listScopes(options?: ListScopesOptions): Promise<TokensResponse<Scope[]>>;
    /**
     * Lists the account's tokens, one page at a time (`GET /tokens/v2/{username}`).
     * Secret tokens come without their `token` string. `nextStart` is the cursor of the next page
     * (pass it as `start`), or `null` on the last page. Needs the `tokens:read` scope.
     * See https://docs.mapbox.com/api/accounts/tokens/#list-tokens
     */
    listTokens(options?: ListTokensOptions): Promise<TokensResponse<Token[]> & { nextStart: string | null }>;
    /**
     * Creates a client.
     *
     * - `accessToken`: the token that authorises requests; in Node, `MAPBOX_ACCESS_TOKEN` or
     *   `MapboxAccessToken` from the environment when left out. Managing tokens needs the
     *   `tokens:read` / `tokens:write` scopes (secret scopes: keep such tokens out of browsers).
     * - `username`: the account; by default the one named inside the access token.
     * - `origin`: the API origin, default `https://api.mapbox.com` (plain http only for loopback).
     * - `timeout`: milliseconds per call, default 30000.
     * - `retries`: how often a request is repeated after a 429 (any method), or a GET or DELETE
     *   after a 5xx or network error (default 2). POST and PATCH are never repeated after those.
     * - `rateLimit`: `{ limit, interval }` (default `{ limit: 100, interval: 60 }`, the API's):
     *   at most `limit` requests start in any `interval` seconds, later calls wait their turn
     *   (the wait does not count toward `timeout`). Learnt from the API's answers; `false` turns
     *   pacing off.
     *
     * @throws {MapboxError} with kind `InvalidInput` when there is no access token or an option is invalid.
     */
    constructor(options?: TokensOptions);
    /**
     * Replaces a token with a new one of the same settings (scopes, note, allowed URLs, and
     * allowed applications and resources where set), as Mapbox advises after a leak: the new
     * token is created first, then, with `deleteOld: true`, the old one is deleted. Resolves to
     * `{ created, previous, deleted }` (`created` holds the new token string: for a secret token
     * the only time it is shown). The old token's settings are read from the list of tokens.
     * If the delete fails, the promise rejects with a `MapboxError` whose `created` holds the new
     * token: it exists, and so does the old one. The default public token cannot be rotated
     * (refresh it on the account page). Needs `tokens:read` and `tokens:write`.
     */
    rotate(options: RotateOptions): Promise<TokensResponse<RotatedToken>>;
    /**
     * Changes a token's note, scopes or restrictions; fields left out stay as they are, and
     * `allowedUrls: null` removes the URL restriction. `authorizationId` is the token's `id`.
     * A public token cannot gain secret scopes. Needs `tokens:write`.
     * See https://docs.mapbox.com/api/accounts/tokens/#update-a-token
     */
    update(options: UpdateTokenOptions): Promise<TokensResponse<Token>>;
    /**
     * The API origin requests go to.
     */
    readonly origin: string;
    /**
     * What the pacing under the rate limit is doing now: the figures in force (learnt from the
     * API when it sends them), how many calls are `held` waiting for a slot, and in how many
     * milliseconds the next of them starts (`resumesIn`). `null` when `rateLimit` is `false`.
     */
    readonly rateLimit: RateLimitStatus | null;
    /**
     * The account the client works on: the `username` option, else the access token's own.
     * `undefined` when neither names one (then only `checkValidity` works).
     */
    readonly username: string | undefined;
}

/**
 * Finds every Mapbox token in a text (a config file, a log, a built bundle): `pk.`, `sk.` or
 * `tk.`, a payload that decodes to a user, and a signature; look-alikes are skipped. Each
 * finding says what the token is and whose (offline, like `parseToken`) and where it is:
 * `index` (a string index, or a byte offset for a `Uint8Array`), `line` and `column` (1-based,
 * in the same units). `redacted` is safe to print. Use `checkValidity({ accessToken: token })`
 * for the API's verdict on one.
 * @throws {MapboxError} with kind `InvalidInput` unless `text` is a string or a `Uint8Array`.
 */
export function findTokens(text: string | Uint8Array): FoundToken[];

/**
 * Whether `value` is a {@link MapboxError} thrown or rejected by this package.
 */
export function isMapboxError(value: any): value is MapboxError;

/**
 * Decodes a token offline: `{ usage, user, authorization?, expires?, created?, scopes?, client? }`.
 * It does not check the signature; use `checkValidity` for the API's verdict.
 * @throws {MapboxError} with kind `InvalidInput` when the value is not a well-formed token.
 */
export function parseToken(token: string): TokenInfo;

/**
 * The scopes a public token may hold (`styles:tiles`, `styles:read`, `fonts:read`,
 * `datasets:read`, `vision:read`); any other scope makes a token secret. Also exported as the
 * constant `PUBLIC_SCOPES`.
 */
export function publicScopes(): string[];

/**
 * Which token `create({ scopes })` would make: `'pk'` when every scope is public, else `'sk'`.
 * @throws {MapboxError} with kind `InvalidInput` unless `scopes` is a non-empty array of non-empty strings.
 */
export function tokenUsageFor(scopes: readonly string[]): 'pk' | 'sk';

/** The scopes a public token may hold; any other scope makes a token secret. */
export const PUBLIC_SCOPES: readonly string[];
