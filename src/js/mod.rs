//! The JavaScript API: the only place with `#[wasm_bindgen]` exports. Doc comments here become
//! the JSDoc of the generated `.d.ts`; the option and result types are declared in `types.d.ts`.
//! Public to Rust only so that the wasm test suites can drive it exactly as JavaScript does.

mod client;
mod options;
mod pages;
mod values;

use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::{Date, Object, Promise, Reflect, Symbol};
use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::core::options::{Options, CALL_OPTIONS};
use crate::core::request::{self, Request};
use crate::core::token;
use client::{new_client, respond, Call, Client};
use pages::Pages;

use crate::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

#[wasm_bindgen]
extern "C" {
    #[cfg(debug_assertions)]
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// In development builds, a Rust panic (a bug) is reported on the console as a readable message,
/// tokens redacted, before the wasm trap surfaces as `RuntimeError: unreachable`. Release builds
/// leave this out to stay small. Called by the package's panic handler (`runtime`), or by `std`'s
/// panic hook when the crate is built with `std` (the wasm test suites).
#[cfg(debug_assertions)]
pub(crate) fn report_panic(info: &dyn core::fmt::Display) {
    console_error(&token::redact(
        &alloc::format!("mapbox-tokens panicked (a bug; please report it): {info}"),
        &[],
    ));
}

#[cfg(all(debug_assertions, feature = "std"))]
#[wasm_bindgen(start)]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| report_panic(info)));
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
    /// Reads a method's options synchronously: `build` turns them into the request, and the
    /// shared `timeout`/`signal` become the call's limits.
    fn prepare(
        &self,
        options: &JsValue,
        method: &'static str,
        allowed: &[&str],
        build: &dyn Fn(&Client, &Options) -> Result<Request, Error>,
    ) -> Result<(Request, Call), Error> {
        let o = options::read(options, method, allowed, &CALL_OPTIONS)?;
        Ok((build(&self.client, &o)?, self.client.call(options, &o)?))
    }

    /// Runs one request: a bad option rejects the promise; otherwise the request is sent and its
    /// reply turned into a response object.
    fn run(
        &self,
        options: &JsValue,
        method: &'static str,
        allowed: &[&str],
        build: &dyn Fn(&Client, &Options) -> Result<Request, Error>,
    ) -> Promise {
        match self.prepare(options, method, allowed, build) {
            Ok((req, call)) => respond(self.client.clone(), req, &call),
            Err(e) => values::rejected(e),
        }
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
    /// - `retries`: how often a GET or DELETE is repeated after a 429, 5xx or network error
    ///   (default 2). POST and PATCH are never repeated.
    ///
    /// @throws {MapboxError} with kind `InvalidInput` when there is no access token or an option is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "TokensOptions")] options: JsValue,
    ) -> Result<Tokens, JsValue> {
        new_client(&options)
            .map(|client| Tokens {
                client: Rc::new(client),
            })
            .map_err(values::error)
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

    /// Lists the account's tokens, one page at a time (`GET /tokens/v2/{username}`).
    /// Secret tokens come without their `token` string. `nextStart` is the cursor of the next page
    /// (pass it as `start`), or `null` on the last page. Needs the `tokens:read` scope.
    /// See https://docs.mapbox.com/api/accounts/tokens/#list-tokens
    #[wasm_bindgen(js_name = listTokens, unchecked_return_type = "Promise<TokensResponse<Token[]> & { nextStart: string | null }>")]
    pub fn list_tokens(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListTokensOptions")] options: JsValue,
    ) -> Promise {
        self.run(
            &options,
            "listTokens",
            &["username", "default", "limit", "sortby", "start", "usage"],
            &|c, o| c.config.list_tokens(&list_options(o)?),
        )
    }

    /// Every token of the account, following the API's `Link: rel="next"` pages on the
    /// configured origin: `for await (const token of tokens.listAllTokens()) { … }`.
    #[wasm_bindgen(js_name = listAllTokens, unchecked_return_type = "AsyncIterableIterator<Token>")]
    pub fn list_all_tokens(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListAllTokensOptions")] options: JsValue,
    ) -> JsValue {
        let prepared = self.prepare(
            &options,
            "listAllTokens",
            &["username", "default", "limit", "sortby", "usage"],
            &|c, o| c.config.list_tokens(&list_options(o)?),
        );
        let state = Pages::new(self.client.clone(), prepared);
        TokenIterator::wrap(state)
    }

    /// Creates a temporary token (`tk.…`) that expires within an hour.
    /// `expires`: seconds from now (0 < n ≤ 3600, default 3600), or a `Date` / ISO 8601 string at
    /// most one hour ahead. Temporary tokens cannot be updated, deleted or URL-restricted.
    /// Needs `tokens:write` and every requested scope. Resolves to `{ token, issued_at, expires, expires_in }`.
    /// See https://docs.mapbox.com/api/accounts/tokens/#create-a-temporary-token
    #[wasm_bindgen(js_name = createTempToken, unchecked_return_type = "Promise<TokensResponse<TemporaryToken>>")]
    pub fn create_temp_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateTempTokenOptions")] options: JsValue,
    ) -> Promise {
        self.run(
            &options,
            "createTempToken",
            &["username", "scopes", "expires", "allowedUrls"],
            &|c, o| {
                let opts = request::CreateTempToken {
                    username: o.string("username")?,
                    scopes: o.strings("scopes")?,
                    expires: o.expires()?,
                    allowed_urls_given: o.has("allowedUrls"),
                };
                c.config.create_temp_token(&opts, Date::now())
            },
        )
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
        self.run(
            &options,
            "create",
            &[
                "username",
                "scopes",
                "note",
                "allowedUrls",
                "allowedApplications",
                "resources",
            ],
            &|c, o| {
                c.config.create(&request::Create {
                    username: o.string("username")?,
                    scopes: o.strings("scopes")?,
                    note: o.string("note")?,
                    allowed_urls: o.strings("allowedUrls")?,
                    allowed_applications: o.applications("allowedApplications")?,
                    resources: o.strings("resources")?,
                })
            },
        )
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
        let allowed = [
            "username",
            "authorizationId",
            "scopes",
            "note",
            "allowedUrls",
            "allowedApplications",
            "resources",
        ];
        self.run(&options, "update", &allowed, &|c, o| {
            c.config.update(&request::Update {
                username: o.string("username")?,
                authorization_id: o.string("authorizationId")?,
                scopes: o.strings("scopes")?,
                note: o.string("note")?,
                allowed_urls: o.patch_strings("allowedUrls")?,
                allowed_applications: o.patch_applications("allowedApplications")?,
                resources: o.patch_strings("resources")?,
            })
        })
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
        self.run(&options, "checkValidity", &["accessToken"], &|c, o| {
            Ok(c.config.check_validity(o.string("accessToken")?))
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
        self.run(&options, "listScopes", &["username"], &|c, o| {
            c.config.list_scopes(&o.string("username")?)
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
        self.run(
            &options,
            "delete",
            &["username", "authorizationId"],
            &|c, o| {
                c.config
                    .delete(&o.string("username")?, &o.string("authorizationId")?)
            },
        )
    }
}

fn list_options(o: &Options) -> Result<request::ListTokens, Error> {
    Ok(request::ListTokens {
        username: o.string("username")?,
        default: o.bool("default")?,
        limit: o.number("limit")?,
        sortby: o.string("sortby")?,
        start: o.string("start")?,
        usage: o.string("usage")?,
    })
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
        Promise::resolve(&values::iter_done())
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
        .ok_or_else(|| values::error(Error::invalid("parseToken takes a token string.")))?;
    token::parse_token(&text)
        .map(values::token_info)
        .map_err(values::error)
}

/// Which token `create({ scopes })` would make: `'pk'` when every scope is public, else `'sk'`.
/// @throws {MapboxError} with kind `InvalidInput` unless `scopes` is a non-empty array of non-empty strings.
#[wasm_bindgen(js_name = tokenUsageFor, unchecked_return_type = "'pk' | 'sk'")]
pub fn token_usage_for(
    #[wasm_bindgen(unchecked_param_type = "readonly string[]")] scopes: JsValue,
) -> Result<JsValue, JsValue> {
    let list = options::string_array(&scopes)
        .ok_or_else(|| Error::invalid("scopes must be an array of strings."))
        .and_then(|s| request::token_usage_for(&s));
    list.map(|usage| JsValue::from_str(usage.as_str()))
        .map_err(values::error)
}

/// The scopes a public token may hold (`styles:tiles`, `styles:read`, `fonts:read`,
/// `datasets:read`, `vision:read`); any other scope makes a token secret. Also exported as the
/// constant `PUBLIC_SCOPES`.
#[wasm_bindgen(js_name = publicScopes, unchecked_return_type = "string[]")]
pub fn public_scopes() -> JsValue {
    values::strings(&token::PUBLIC_SCOPES)
}

/// Whether `value` is a {@link MapboxError} thrown or rejected by this package.
#[wasm_bindgen(js_name = isMapboxError, unchecked_return_type = "value is MapboxError")]
pub fn is_mapbox_error(value: JsValue) -> bool {
    options::instance_of(&value, "Error")
        && Reflect::get(&value, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .as_deref()
            == Some("MapboxError")
}
