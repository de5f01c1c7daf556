//! The JavaScript API: the only place with `#[wasm_bindgen]` exports. Doc comments here become
//! the JSDoc of the generated `.d.ts`; the option and result types are declared in `types.d.ts`.
//! Public to Rust only so that the wasm test suites can drive it exactly as JavaScript does.
//!
//! Every method does the same: it reads its options now (so that the caller may change or reuse
//! the object at once, and bad input is refused before anything is sent), then runs an `async`
//! block of the client's `async fn`s, which `future_to_promise` turns into the promise returned.

mod broker;
mod client;
mod convert;
mod pages;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect, Symbol, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::core::options::{Method, Options};
use crate::core::request::{self, Config, Request};
use crate::core::response;
use crate::core::token::{self, Units};
use client::{Client, Limits};
use convert::{promise, spawn};
use pages::Pages;

pub use broker::TokenBroker;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// In development builds, a Rust panic (a bug) is reported on the console as a readable message,
/// tokens redacted, before the wasm trap surfaces as `RuntimeError: unreachable`.
#[cfg(debug_assertions)]
#[wasm_bindgen(start)]
fn report_panics() {
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = console, js_name = error)]
        fn console_error(message: &str);
    }
    std::panic::set_hook(Box::new(|info| {
        console_error(&token::redact(
            &format!("mapbox-tokens panicked (a bug; please report it): {info}"),
            &[],
        ));
    }));
}

/// A client for the [Mapbox Tokens API](https://docs.mapbox.com/api/accounts/tokens/).
///
/// ```js
/// const tokens = new Tokens({ accessToken: 'sk.…' });   // or MAPBOX_ACCESS_TOKEN in Node
/// const { data } = await tokens.listTokens({ limit: 10 });
/// ```
///
/// Every method returns a promise of a {@link TokensResponse}, or rejects with a
/// {@link MapboxError}. Invalid input rejects before anything is sent.
#[wasm_bindgen]
pub struct Tokens {
    client: Rc<Client>,
}

impl Tokens {
    /// Reads a method's options and its limits (`timeout`, `signal`).
    fn read(&self, options: &JsValue, method: Method) -> Result<(Options, Limits), Error> {
        let o = convert::options(options, method)?;
        let signal = if o.signal.0 {
            Some(convert::signal(options)?)
        } else {
            None
        };
        let limits = self.client.limits(o.timeout, signal)?;
        Ok((o, limits))
    }

    /// The promise of a method made of one request, which `build` makes of the options: read
    /// now, so that the caller may change or reuse the object at once. Six methods are this.
    fn one_request(
        &self,
        options: &JsValue,
        method: Method,
        build: fn(&Config, &Options) -> Result<Request, Error>,
    ) -> Promise {
        let read = self.read(options, method);
        let client = self.client.clone();
        spawn(async move {
            let (o, limits) = read?;
            let reply = client.call(&build(&client.config, &o)?, &limits).await?;
            // A page of `listTokens` also says where the next one starts.
            let next = (method == Method::ListTokens).then(|| {
                response::next_start(reply.header("link").as_deref(), &client.config.origin)
            });
            Ok(reply.into_js(next))
        })
    }
}

#[wasm_bindgen]
impl Tokens {
    /// Creates a client.
    ///
    /// - `accessToken`: the token that authorises requests; in Node, `MAPBOX_ACCESS_TOKEN` or
    ///   `MapboxAccessToken` from the environment when left out. Managing tokens needs the
    ///   `tokens:read` / `tokens:write` scopes (secret scopes: keep such tokens out of browsers).
    /// - `username`: the account; by default the one named inside the access token.
    /// - `origin`: the API origin, default `https://api.mapbox.com` (plain http only for loopback).
    /// - `timeout`: milliseconds per call, default 30000.
    /// - `retries`: how often a request is repeated after a 429 (any method), or a GET or DELETE
    ///   after a 5xx or network error (default 2). POST and PATCH are never repeated after those.
    /// - `rateLimit`: `{ limit, interval }` (default `{ limit: 100, interval: 60 }`, the API's):
    ///   at most `limit` requests start in any `interval` seconds, later calls wait their turn
    ///   (the wait does not count toward `timeout`). Learnt from the API's answers; `false` turns
    ///   pacing off.
    ///
    /// @throws {MapboxError} with kind `InvalidInput` when there is no access token or an option is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "TokensOptions")] options: JsValue,
    ) -> Result<Tokens, JsValue> {
        convert::options(&options, Method::NewTokens)
            .and_then(|o| Client::new(o, convert::env_var))
            .map(|client| Tokens {
                client: Rc::new(client),
            })
            .map_err(convert::error)
    }

    /// The account the client works on: the `username` option, else the access token's own.
    /// `undefined` when neither names one (then only `checkValidity` works).
    #[wasm_bindgen(getter)]
    pub fn username(&self) -> Option<String> {
        self.client.config.username.clone()
    }

    /// The API origin requests go to.
    #[wasm_bindgen(getter)]
    pub fn origin(&self) -> String {
        self.client.config.origin.as_str().to_owned()
    }

    /// What the pacing under the rate limit is doing now: the figures in force (learnt from the
    /// API when it sends them), how many calls are `held` waiting for a slot, and in how many
    /// milliseconds the next of them starts (`resumesIn`). `null` when `rateLimit` is `false`.
    #[wasm_bindgen(getter = rateLimit, unchecked_return_type = "RateLimitStatus | null")]
    pub fn rate_limit(&self) -> JsValue {
        match self.client.pacing_status() {
            Some((limit, interval, held, resumes_in)) => convert::to_js(&convert::PacingStatus {
                limit,
                interval,
                held,
                resumes_in: resumes_in.ceil(),
            }),
            None => JsValue::NULL,
        }
    }

    /// Lists the account's tokens, one page at a time (`GET /tokens/v2/{username}`).
    /// Secret tokens come without their `token` string. `nextStart` is the cursor of the next page
    /// (pass it as `start`), or `null` on the last page. Needs the `tokens:read` scope.
    /// See https://docs.mapbox.com/api/accounts/tokens/#list-tokens
    #[wasm_bindgen(js_name = listTokens, unchecked_return_type = "Promise<TokensResponse<Token[]> & { nextStart: string | null }>")]
    pub fn list_tokens(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListTokensOptions")] options: JsValue,
    ) -> Promise {
        self.one_request(&options, Method::ListTokens, Config::list_tokens)
    }

    /// Every token of the account, following the API's `Link: rel="next"` pages on the
    /// configured origin: `for await (const token of tokens.listAllTokens()) { … }`.
    #[wasm_bindgen(js_name = listAllTokens, unchecked_return_type = "AsyncIterableIterator<Token>")]
    pub fn list_all_tokens(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListAllTokensOptions")] options: JsValue,
    ) -> JsValue {
        let first = self
            .read(&options, Method::ListAllTokens)
            .and_then(|(o, limits)| Ok((self.client.config.list_tokens(&o)?, limits)));
        TokenIterator::wrap(Pages::new(self.client.clone(), first))
    }

    /// Creates a temporary token (`tk.…`) that expires within an hour.
    /// `expires`: seconds from now (0 < n ≤ 3600, default 3600), counted on the API's clock, so
    /// the token lives that long even when this machine's clock is off; or a `Date` / ISO 8601
    /// string at most one hour ahead, sent as given. Temporary tokens cannot be updated, deleted
    /// or URL-restricted. Needs `tokens:write` and every requested scope. Resolves to
    /// `{ token, issued_at, expires, expires_in }`.
    /// See https://docs.mapbox.com/api/accounts/tokens/#create-a-temporary-token
    #[wasm_bindgen(js_name = createTempToken, unchecked_return_type = "Promise<TokensResponse<TemporaryToken>>")]
    pub fn create_temp_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateTempTokenOptions")] options: JsValue,
    ) -> Promise {
        let read = self.read(&options, Method::CreateTempToken);
        let client = self.client.clone();
        spawn(async move {
            let (o, limits) = read?;
            let reply = client.create_temp_token(&o, &limits).await?;
            Ok(reply.into_js(None))
        })
    }

    /// Creates a permanent token: public (`pk.…`) when every scope is public, secret (`sk.…`)
    /// when any is secret (see `tokenUsageFor`). A secret token's string is only ever returned
    /// here: store it now. Needs `tokens:write` and every requested scope.
    /// See https://docs.mapbox.com/api/accounts/tokens/#create-a-token
    #[wasm_bindgen(unchecked_return_type = "Promise<TokensResponse<Token>>")]
    pub fn create(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateTokenOptions")] options: JsValue,
    ) -> Promise {
        self.one_request(&options, Method::Create, Config::create)
    }

    /// Changes a token's note, scopes or restrictions; fields left out stay as they are, and
    /// `allowedUrls: null` removes the URL restriction. `authorizationId` is the token's `id`.
    /// A public token cannot gain secret scopes. Needs `tokens:write`.
    /// See https://docs.mapbox.com/api/accounts/tokens/#update-a-token
    #[wasm_bindgen(unchecked_return_type = "Promise<TokensResponse<Token>>")]
    pub fn update(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UpdateTokenOptions")] options: JsValue,
    ) -> Promise {
        self.one_request(&options, Method::Update, Config::update)
    }

    /// Asks the API whether a token is valid: the client's own, or `accessToken` if given (no
    /// new client needed). Any string is sent as it is and judged by the API, which always
    /// answers 200 with `code`: `TokenValid`, `TokenMalformed`, `TokenInvalid`, `TokenExpired`
    /// or `TokenRevoked`. Needs no scope.
    /// See https://docs.mapbox.com/api/accounts/tokens/#retrieve-a-token
    #[wasm_bindgen(js_name = checkValidity, unchecked_return_type = "Promise<TokensResponse<TokenValidation>>")]
    pub fn check_validity(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckValidityOptions")] options: JsValue,
    ) -> Promise {
        self.one_request(&options, Method::CheckValidity, |config, o| {
            Ok(config.check_validity(o.access_token.clone()))
        })
    }

    /// Lists the scopes the account can grant, `public: true` marking those a public token may
    /// hold. Needs the `scopes:list` scope.
    /// See https://docs.mapbox.com/api/accounts/tokens/#list-scopes
    #[wasm_bindgen(js_name = listScopes, unchecked_return_type = "Promise<TokensResponse<Scope[]>>")]
    pub fn list_scopes(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListScopesOptions")] options: JsValue,
    ) -> Promise {
        self.one_request(&options, Method::ListScopes, |config, o| {
            config.list_scopes(&o.username)
        })
    }

    /// Deletes (revokes) a token by its `id`; resolves to status 204 with `data: null`. If an
    /// attempt's outcome was unknown (network error, 5xx) and the retry finds the token gone
    /// (404), the call counts it as deleted. Needs `tokens:write`.
    /// See https://docs.mapbox.com/api/accounts/tokens/#delete-a-token
    #[wasm_bindgen(unchecked_return_type = "Promise<TokensResponse<null>>")]
    pub fn delete(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DeleteTokenOptions")] options: JsValue,
    ) -> Promise {
        self.one_request(&options, Method::Delete, |config, o| {
            config.delete(&o.username, &o.authorization_id)
        })
    }

    /// Replaces a token with a new one of the same settings (scopes, note, allowed URLs, and
    /// allowed applications and resources where set), as Mapbox advises after a leak: the new
    /// token is created first, then, with `deleteOld: true`, the old one is deleted. Resolves to
    /// `{ created, previous, deleted }` (`created` holds the new token string: for a secret token
    /// the only time it is shown). The old token's settings are read from the list of tokens.
    /// If the delete fails, the promise rejects with a `MapboxError` whose `created` holds the new
    /// token: it exists, and so does the old one. The default public token cannot be rotated
    /// (refresh it on the account page). Needs `tokens:read` and `tokens:write`.
    #[wasm_bindgen(unchecked_return_type = "Promise<TokensResponse<RotatedToken>>")]
    pub fn rotate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RotateOptions")] options: JsValue,
    ) -> Promise {
        let read = self.read(&options, Method::Rotate);
        let client = self.client.clone();
        promise(Box::pin(async move {
            let (o, limits) = read.map_err(convert::error)?;
            match client.rotate(&o, &limits).await {
                Ok(r) => {
                    let data = convert::to_js(&convert::Rotated {
                        created: r.created.data,
                        previous: r.previous,
                        deleted: r.deleted,
                    });
                    Ok(convert::response(
                        r.created.status,
                        r.created.headers.into(),
                        data,
                        None,
                    ))
                }
                Err(failed) => Err(match failed.created {
                    Some(created) => convert::error_with_created(failed.error, created),
                    None => convert::error(failed.error),
                }),
            }
        }))
    }
}

/// The async iterator returned by `listAllTokens`: yields tokens, fetching pages as needed.
#[wasm_bindgen]
pub struct TokenIterator {
    state: Rc<RefCell<Pages>>,
}

impl TokenIterator {
    fn wrap(state: Pages) -> JsValue {
        let value: JsValue = TokenIterator {
            state: Rc::new(RefCell::new(state)),
        }
        .into();
        // `Object(x)` returns `x`: a bound `Object` is a `[Symbol.asyncIterator]() { return this }`
        // made without JavaScript source or a Rust closure.
        let object_fn = Object::new().constructor();
        let _ = Reflect::set(
            &value,
            &Symbol::async_iterator(),
            &object_fn.bind1(&JsValue::NULL, &value),
        );
        value
    }
}

#[wasm_bindgen]
impl TokenIterator {
    /// The next token: `{ value: Token, done: false }`, or `{ value: undefined, done: true }`
    /// after the last page. Calls made before the previous one settled wait their turn.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<Token, undefined>>")]
    pub fn next(&self) -> Promise {
        pages::next(&self.state)
    }

    /// Stops the iteration early (called by `break` in `for await`): no further page is fetched.
    #[wasm_bindgen(
        js_name = "return",
        unchecked_return_type = "Promise<IteratorResult<Token, undefined>>"
    )]
    pub fn finish(&self) -> Promise {
        self.state.borrow_mut().close();
        Promise::resolve(&pages::done())
    }
}

/// Decodes a token offline: `{ usage, user, authorization?, expires?, created?, scopes?, client? }`.
/// It does not check the signature; use `checkValidity` for the API's verdict.
/// @throws {MapboxError} with kind `InvalidInput` when the value is not a well-formed token.
#[wasm_bindgen(js_name = parseToken, unchecked_return_type = "TokenInfo")]
pub fn parse_token(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
) -> Result<JsValue, JsValue> {
    let text = token
        .as_string()
        .ok_or_else(|| convert::error(Error::invalid("parseToken takes a token string.")))?;
    token::parse_token(&text)
        .map(convert::token_info)
        .map_err(convert::error)
}

/// Finds every Mapbox token in a text (a config file, a log, a built bundle): `pk.`, `sk.` or
/// `tk.`, a payload that decodes to a user, and a signature; look-alikes are skipped. Each
/// finding says what the token is and whose (offline, like `parseToken`) and where it is:
/// `index` (a string index, or a byte offset for a `Uint8Array`), `line` and `column` (1-based,
/// in the same units). `redacted` is safe to print. Use `checkValidity({ accessToken: token })`
/// for the API's verdict on one.
/// @throws {MapboxError} with kind `InvalidInput` unless `text` is a string or a `Uint8Array`.
#[wasm_bindgen(js_name = findTokens, unchecked_return_type = "FoundToken[]")]
pub fn find_tokens(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] text: JsValue,
) -> Result<JsValue, JsValue> {
    let found = if let Some(text) = text.as_string() {
        token::find_tokens(text.as_bytes(), Units::Utf16)
    } else if let Some(bytes) = text.dyn_ref::<Uint8Array>() {
        token::find_tokens(&bytes.to_vec(), Units::Bytes)
    } else {
        let e = Error::invalid("findTokens takes a string or a Uint8Array (such as a Buffer).");
        return Err(convert::error(e));
    };
    Ok(convert::found_tokens(&found))
}

/// Which token `create({ scopes })` would make: `'pk'` when every scope is public, else `'sk'`.
/// @throws {MapboxError} with kind `InvalidInput` unless `scopes` is a non-empty array of non-empty strings.
#[wasm_bindgen(js_name = tokenUsageFor, unchecked_return_type = "'pk' | 'sk'")]
pub fn token_usage_for(
    #[wasm_bindgen(unchecked_param_type = "readonly string[]")] scopes: JsValue,
) -> Result<JsValue, JsValue> {
    let scopes = convert::strings_of(&scopes)
        .ok_or_else(|| convert::error(Error::invalid("scopes must be an array of strings.")))?;
    request::token_usage_for(&scopes)
        .map(|usage| JsValue::from_str(usage.as_str()))
        .map_err(convert::error)
}

/// The scopes a public token may hold (`styles:tiles`, `styles:read`, `fonts:read`,
/// `datasets:read`, `vision:read`); any other scope makes a token secret. Also exported as the
/// constant `PUBLIC_SCOPES`.
#[wasm_bindgen(js_name = publicScopes, unchecked_return_type = "string[]")]
pub fn public_scopes() -> JsValue {
    convert::to_js(&token::PUBLIC_SCOPES)
}

/// Whether `value` is a {@link MapboxError} thrown or rejected by this package.
#[wasm_bindgen(js_name = isMapboxError, unchecked_return_type = "value is MapboxError")]
pub fn is_mapbox_error(value: JsValue) -> bool {
    value.is_instance_of::<js_sys::Error>()
        && convert::text(&value, "name").as_deref() == Some("MapboxError")
}
