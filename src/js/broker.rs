//! The `TokenBroker` class: one temporary token shared by every page that asks, renewed ahead of
//! its end with one mint at a time (and one across instances, through a shared store), served
//! over HTTP by a fetch-standard handler and a `node:http` one. The rules (who gets a token, when
//! to renew, what each answer holds) are `core::broker`'s; this file carries them out.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Math, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{Headers, Request, Response, ResponseInit};

use super::client::{Client, Limits};
use super::convert;
use crate::core::broker::{
    lock_key, retry_delay, Admission, Answer, Cors, Held, Policy, Refusal, REFUSED_HEADER,
    VERIFY_EVERY_MS,
};
use crate::core::error::Error;
use crate::core::options::{Expires, Method, Options};
use crate::core::token;
use crate::transport;

/// How long one call to the shared store may take before the broker goes on without it.
const STORE_TIMEOUT_MS: f64 = 2_000.0;
/// How long the request that starts a renewal waits for it before it is served the token held.
const BRIEF_WAIT_MS: f64 = 1_500.0;
/// How often an instance that found another one minting looks for its token.
const POLL_MS: f64 = 100.0;

/// The shared store the caller gave: `{ get, setIfAbsent, set, delete }`.
struct Store(JsValue);

impl Store {
    /// Checks that `value` has the four methods.
    fn new(value: JsValue) -> Result<Store, Error> {
        for method in ["get", "setIfAbsent", "set", "delete"] {
            if !convert::member(&value, method).is_some_and(|f| f.is_function()) {
                return Err(Error::invalid(format!(
                    "store must have the methods get, setIfAbsent, set and delete: its {method} is not a function."
                )));
            }
        }
        Ok(Store(value))
    }

    /// Calls `method` with `args` and waits for its promise (or value), at most
    /// [`STORE_TIMEOUT_MS`]. `None` when it throws, rejects or takes too long: a store that fails
    /// is treated as a store that has nothing, never as a broker failure.
    async fn call(&self, method: &str, args: &[JsValue]) -> Option<JsValue> {
        let returned = convert::call_method(&self.0, method, args)?;
        transport::settle_within(&returned, STORE_TIMEOUT_MS).await
    }

    async fn get(&self, key: &str) -> Option<Held> {
        let text = self.call("get", &[key.into()]).await?.as_string()?;
        Held::from_store(&text, Math::random())
    }

    async fn set_if_absent(&self, key: &str, value: &str, ttl_ms: f64) -> Option<bool> {
        let args = [key.into(), value.into(), ttl_ms.ceil().into()];
        self.call("setIfAbsent", &args).await.map(|v| v.is_truthy())
    }

    async fn set(&self, key: &str, value: &str, ttl_ms: f64) {
        let args = [key.into(), value.into(), ttl_ms.ceil().max(1.0).into()];
        self.call("set", &args).await;
    }

    async fn delete(&self, key: &str) {
        self.call("delete", &[key.into()]).await;
    }
}

/// A broker's state, shared by its handlers and their calls.
struct Broker {
    client: Client,
    policy: Policy,
    limits: Limits,
    /// Where a shared store keeps the current token, and the key of its mint lock.
    key: String,
    lock: String,
    authorize: Option<Function>,
    store: Option<Store>,
    /// The token served now.
    held: RefCell<Option<Held>>,
    /// The renewal in flight, which every caller that needs it waits for (single flight).
    renewing: RefCell<Option<Promise>>,
    /// Failed mints in a row, and when the next may be tried.
    failures: Cell<u32>,
    retry_at: Cell<f64>,
    /// The latest mint's error, for `token()` to reject with.
    last_error: RefCell<Option<Error>>,
    /// When a page's report of a refused token was last checked (monotonic clock).
    verified_at: Cell<f64>,
    /// Whether a token was handed out since the latest renewal, and the token whose renewal
    /// point a timer waits for.
    in_use: Cell<bool>,
    scheduled: RefCell<Option<String>>,
}

impl Broker {
    /// The API's time, as the client knows it.
    fn now(&self) -> f64 {
        self.client.api_now()
    }

    /// A token to serve: the one held if fresh; the one held while a new one is made if it is
    /// still usable; else the new one, once made. `Err` with the milliseconds to wait when there
    /// is none.
    async fn current(self: &Rc<Self>) -> Result<Held, f64> {
        self.in_use.set(true);
        let now = self.now();
        let held = self.held.borrow().clone();
        if let Some(held) = held {
            if held.fresh(now) {
                return Ok(held);
            }
            if held.usable(now) {
                // Served while a new one is made (or, after failures, tried again in time). The
                // request that starts the renewal waits for it a little: the page gets the new
                // token now rather than ask again, one request per renewal.
                let idle = self.renewing.borrow().is_none();
                let renewing = self.renew();
                if idle && self.renewing.borrow().is_some() {
                    transport::settle_within(&renewing, BRIEF_WAIT_MS).await;
                    let newer = self.held.borrow().clone();
                    return Ok(newer.filter(|h| h.usable(self.now())).unwrap_or(held));
                }
                return Ok(held);
            }
        }
        let _ = JsFuture::from(self.renew()).await;
        let now = self.now();
        match self.held.borrow().clone() {
            Some(held) if held.usable(now) => Ok(held),
            _ => Err((self.retry_at.get() - now).max(1000.0)),
        }
    }

    /// The renewal in flight, or a new one (none while failed mints wait their turn).
    fn renew(self: &Rc<Self>) -> Promise {
        if let Some(renewing) = self.renewing.borrow().clone() {
            return renewing;
        }
        if self.now() < self.retry_at.get() {
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        let broker = self.clone();
        let renewing = future_to_promise(async move {
            broker.renew_now().await;
            broker.renewing.borrow_mut().take();
            broker.schedule();
            Ok(JsValue::UNDEFINED)
        });
        // The future first runs in a later microtask: it is in place before then.
        *self.renewing.borrow_mut() = Some(renewing.clone());
        renewing
    }

    /// Takes a token that outlasts the one held.
    fn adopt(&self, held: Held) {
        let mut current = self.held.borrow_mut();
        if held.outlasts(current.as_ref()) {
            *current = Some(held);
        }
    }

    /// Renews the token at its renewal point, if it is still in use then, so that pages that
    /// come back when their answer's `max-age` runs out find the new one ready: one request per
    /// renewal. The timer does not keep a Node process alive; where timers do not outlive a
    /// request (serverless), the next request renews instead.
    fn schedule(self: &Rc<Self>) {
        let Some(held) = self.held.borrow().clone() else {
            return;
        };
        if self.scheduled.borrow().as_ref() == Some(&held.token) {
            return;
        }
        *self.scheduled.borrow_mut() = Some(held.token.clone());
        let broker = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // `renew_at` is on the API's clock; the wait is slept on the monotonic one.
            let wait = held.renew_at() - broker.now();
            transport::idle_until(transport::monotonic_ms() + wait.max(0.0)).await;
            // Only for the token still held, if still in use and due (another renewal may have
            // come first).
            let current = broker.held.borrow().clone();
            if current.as_ref().map(|h| &h.token) != Some(&held.token) {
                return;
            }
            broker.scheduled.borrow_mut().take();
            if held.fresh(broker.now()) {
                // Woken early (the API's clock, as learnt since, is behind): wait again.
                broker.schedule();
            } else if broker.in_use.replace(false) {
                let _ = JsFuture::from(broker.renew()).await;
            }
        });
    }

    /// A fresh token from the store, if another instance has put one there.
    async fn take_from_store(&self) -> bool {
        let Some(store) = &self.store else {
            return false;
        };
        match store.get(&self.key).await {
            Some(held) if held.fresh(self.now()) => {
                self.adopt(held);
                true
            }
            _ => false,
        }
    }

    /// One renewal: a fresh token from the store if another instance made it; else, holding the
    /// store's lock (or with no store), one mint.
    async fn renew_now(&self) {
        if self.take_from_store().await {
            return;
        }
        if let Some(store) = &self.store {
            // The lock outlives a mint that takes the whole timeout, and then expires on its own.
            let ttl = self.limits.timeout_ms + 5_000.0;
            let until = transport::monotonic_ms() + ttl;
            loop {
                match store.set_if_absent(&self.lock, "minting", ttl).await {
                    // Taken: look once more (another instance may have just finished), then mint.
                    Some(true) => {
                        if !self.take_from_store().await {
                            self.mint().await;
                        }
                        store.delete(&self.lock).await;
                        return;
                    }
                    // Another instance mints: its token will be in the store.
                    Some(false) if transport::monotonic_ms() < until => {
                        transport::sleep_until(transport::monotonic_ms() + POLL_MS, &[]).await;
                        if self.take_from_store().await {
                            return;
                        }
                    }
                    // The store fails (or the other instance never finished): mint all the same.
                    _ => break,
                }
            }
        }
        self.mint().await;
    }

    /// Asks the API for a token; on success holds it (and shares it through the store), on
    /// failure waits longer before the next try.
    async fn mint(&self) {
        let options = Options {
            scopes: Some(self.policy.scopes.clone()),
            expires: Some(Expires::In(f64::from(self.policy.expires_s))),
            ..Default::default()
        };
        let reply = match self.client.create_temp_token(&options, &self.limits).await {
            Ok(reply) => reply,
            Err(error) => {
                let failures = self.failures.get().saturating_add(1);
                self.failures.set(failures);
                let mut wait = retry_delay(failures);
                if let Some(reset) = error.rate_limit.and_then(|r| r.reset) {
                    wait = wait.max(reset * 1000.0 - self.now());
                }
                self.retry_at.set(self.now() + wait.min(60_000.0));
                *self.last_error.borrow_mut() = Some(error);
                return;
            }
        };
        let text = |key: &str| convert::text(&reply.data, key);
        let Some(token) = text("token") else {
            return;
        };
        // The answer's `expires`, else the token's own.
        let expires = text("expires").or_else(|| {
            let ms = token::parse_token(&token).ok()?.expires_ms?;
            Some(crate::core::time::format_utc(ms))
        });
        let Some(held) = expires.and_then(|e| Held::new(token, &e, self.now(), Math::random()))
        else {
            return;
        };
        self.failures.set(0);
        self.retry_at.set(0.0);
        self.last_error.borrow_mut().take();
        if let Some(store) = &self.store {
            let ttl = held.expires - self.now();
            store.set(&self.key, &held.to_store(), ttl).await;
        }
        self.adopt(held);
    }

    /// After a page said the map API refused its token: asks the API about the token held (at
    /// most once per [`VERIFY_EVERY_MS`]), which also tells the API's time; a token it no longer
    /// takes is dropped, so that the next request makes a new one.
    async fn verify(&self) {
        let now = transport::monotonic_ms();
        if now - self.verified_at.get() < VERIFY_EVERY_MS {
            return;
        }
        self.verified_at.set(now);
        let Some(held) = self.held.borrow().clone() else {
            return;
        };
        let req = self.client.config.check_validity(Some(held.token.clone()));
        let Ok(reply) = self.client.call(&req, &self.limits).await else {
            return;
        };
        if convert::text(&reply.data, "code").as_deref() != Some("TokenValid") {
            let mut current = self.held.borrow_mut();
            if current.as_ref().is_some_and(|h| h.token == held.token) {
                *current = None;
            }
        }
    }

    /// Whether `authorize` lets `request` (what the handler was given) have a token: `Err` when
    /// it throws or rejects.
    async fn authorized(&self, request: &JsValue) -> Result<bool, ()> {
        let Some(authorize) = &self.authorize else {
            return Ok(true);
        };
        let returned = authorize
            .call1(&JsValue::UNDEFINED, request)
            .map_err(|_| ())?;
        let verdict = JsFuture::from(Promise::resolve(&returned))
            .await
            .map_err(|_| ())?;
        Ok(verdict.as_bool() == Some(true))
    }

    /// The answer to a request: its method, `Origin` and `Sec-Fetch-Site`, and the request itself
    /// for `authorize`.
    async fn answer(
        self: &Rc<Self>,
        method: &str,
        origin: Option<String>,
        fetch_site: Option<String>,
        refused: bool,
        request: &JsValue,
    ) -> Answer {
        let cors = match self
            .policy
            .admit(method, origin.as_deref(), fetch_site.as_deref())
        {
            Admission::Serve(cors) => cors,
            Admission::Preflight(cors) => return Answer::preflight(&cors),
            Admission::NotAllowed(cors) => return Answer::not_allowed(&cors),
            Admission::Refuse(refusal) => return Answer::refused(refusal),
        };
        match self.authorized(request).await {
            Ok(true) => {}
            Ok(false) => return Answer::refused(Refusal::Authorize),
            Err(()) => return Answer::authorize_failed(&cors),
        }
        if refused {
            self.verify().await;
        }
        self.serve(&cors).await
    }

    async fn serve(self: &Rc<Self>, cors: &Cors) -> Answer {
        match self.current().await {
            Ok(held) => Answer::token(&held, self.now(), cors),
            Err(wait) => Answer::unavailable(cors, wait),
        }
    }
}

/// Hands browsers short-lived tokens (`tk.…`) from a server: one fetch-standard handler.
///
/// ```js
/// const broker = new TokenBroker({
///   accessToken,                            // a secret token with tokens:write (else MAPBOX_ACCESS_TOKEN in Node)
///   scopes: ['styles:read', 'styles:tiles', 'fonts:read'],   // public scopes only
///   allowedOrigins: ['https://app.example'],
/// });
/// Deno.serve(broker.fetch);                 // Bun.serve({ fetch: broker.fetch }), export default { fetch: broker.fetch }
/// http.createServer(broker.node);           // node:http; app.get('/mapbox-token', broker.node) in Express
/// ```
///
/// Every page gets the same token until a quarter of its life is left; then one new token is made
/// (one at a time, however many requests arrive), and the old one is served meanwhile. With a
/// shared `store`, several instances make one token per renewal between them.
#[wasm_bindgen]
pub struct TokenBroker {
    broker: Rc<Broker>,
    fetch: Function,
    node: Function,
}

#[wasm_bindgen]
impl TokenBroker {
    /// Creates a broker.
    ///
    /// - `accessToken`, `username`, `origin`, `timeout`, `retries`, `rateLimit`: as for `Tokens`.
    ///   The access token needs `tokens:write` and every scope handed out; it never leaves the server.
    /// - `scopes`: the tokens' scopes, public ones only (required).
    /// - `expires`: each token's life in seconds, 60 to 3600 (default 3600), on the API's clock.
    /// - `allowedOrigins`: the origins of the pages that may ask (required unless `allowAnyOrigin: true`).
    ///   A request from another origin, or with no `Origin` that is not same-origin, gets 403.
    /// - `authorize`: `(request) => boolean | Promise<boolean>`, your session check; `request` is
    ///   the `Request` (for `fetch`) or the `IncomingMessage` (for `node`). Only `true` lets it through.
    /// - `store`: a store shared by instances, such as `redisStore(client)` from `mapbox-tokens/redis`;
    ///   by default each broker keeps its token in its own memory.
    ///
    /// @throws {MapboxError} with kind `InvalidInput` when an option is invalid (a secret scope, say).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "TokenBrokerOptions")] options: JsValue,
    ) -> Result<TokenBroker, JsValue> {
        Self::build(&options).map_err(convert::error)
    }

    /// A token to hand out now: `{ token, expires }` (`expires` as ISO 8601 text). Rejects with
    /// the mint's `MapboxError` when no usable token can be had.
    #[wasm_bindgen(unchecked_return_type = "Promise<{ token: string; expires: string }>")]
    pub fn token(&self) -> Promise {
        let broker = self.broker.clone();
        future_to_promise(async move {
            match broker.current().await {
                Ok(held) => Ok(convert::to_js(&convert::Handed {
                    token: &held.token,
                    expires: held.expires_text(),
                })),
                Err(_) => Err(convert::error(
                    broker.last_error.borrow().clone().unwrap_or_else(|| {
                        Error::of(
                            crate::core::error::ErrorKind::Network,
                            "No token could be made yet.".into(),
                        )
                    }),
                )),
            }
        })
    }

    /// The fetch-standard handler, bound to this broker: `(request: Request) => Promise<Response>`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "(request: Request) => Promise<Response>"
    )]
    pub fn fetch(&self) -> Function {
        self.fetch.clone()
    }

    /// The `node:http` handler, bound to this broker: `(req, res) => void`, also an Express or
    /// Connect route handler.
    #[wasm_bindgen(getter, unchecked_return_type = "(req: any, res: any) => void")]
    pub fn node(&self) -> Function {
        self.node.clone()
    }
}

impl TokenBroker {
    fn build(options: &JsValue) -> Result<TokenBroker, Error> {
        let (authorize, store, rest) = convert::broker_parts(options)?;
        let o = convert::options(&rest, Method::NewTokenBroker)?;
        let policy = Policy::new(&o)?;
        let client = Client::new(o, convert::env_var)?;
        let username = client.config.username.clone().ok_or_else(|| {
            Error::invalid("username is required when the access token does not name its account.")
        })?;
        let limits = client.limits(None, None)?;
        let key = policy.store_key(client.config.origin.as_str(), &username);
        let broker = Rc::new(Broker {
            client,
            lock: lock_key(&key),
            key,
            policy,
            limits,
            authorize,
            store: store.map(Store::new).transpose()?,
            held: RefCell::new(None),
            renewing: RefCell::new(None),
            failures: Cell::new(0),
            retry_at: Cell::new(0.0),
            last_error: RefCell::new(None),
            verified_at: Cell::new(f64::NEG_INFINITY),
            in_use: Cell::new(false),
            scheduled: RefCell::new(None),
        });
        let for_fetch = broker.clone();
        let fetch = Closure::<dyn Fn(JsValue) -> Promise>::new(move |request: JsValue| {
            let broker = for_fetch.clone();
            future_to_promise(async move { Ok(handle_fetch(&broker, request).await) })
        })
        .into_js_value()
        .unchecked_into();
        let for_node = broker.clone();
        let node = Closure::<dyn Fn(JsValue, JsValue)>::new(move |req: JsValue, res: JsValue| {
            let broker = for_node.clone();
            wasm_bindgen_futures::spawn_local(async move { handle_node(&broker, req, res).await });
        })
        .into_js_value()
        .unchecked_into();
        Ok(TokenBroker {
            broker,
            fetch,
            node,
        })
    }
}

/// `broker.fetch(request)`.
async fn handle_fetch(broker: &Rc<Broker>, request: JsValue) -> JsValue {
    let (method, origin, site, refused) = match request.dyn_ref::<Request>() {
        Some(r) => {
            let headers = r.headers();
            (
                r.method(),
                transport::header(&headers, "origin"),
                transport::header(&headers, "sec-fetch-site"),
                transport::header(&headers, REFUSED_HEADER).is_some(),
            )
        }
        None => (String::new(), None, None, false),
    };
    let answer = broker
        .answer(&method, origin, site, refused, &request)
        .await;
    let head = method == "HEAD";
    response(&answer, head).unwrap_or(JsValue::UNDEFINED)
}

/// A fetch-standard `Response` for `answer`.
fn response(answer: &Answer, head: bool) -> Result<JsValue, JsValue> {
    let headers = Headers::new()?;
    for (name, value) in &answer.headers {
        headers.set(name, value)?;
    }
    let init = ResponseInit::new();
    init.set_status(answer.status);
    init.set_headers(&headers);
    let body = (!answer.body.is_empty() && !head).then_some(answer.body.as_str());
    Ok(Response::new_with_opt_str_and_init(body, &init)?.into())
}

/// `broker.node(req, res)`: reads `req.method` and its headers, writes `res.writeHead` and `res.end`.
async fn handle_node(broker: &Rc<Broker>, req: JsValue, res: JsValue) {
    let text = convert::text;
    let method = text(&req, "method").unwrap_or_default();
    let headers = convert::member(&req, "headers").unwrap_or_default();
    let origin = text(&headers, "origin");
    let site = text(&headers, "sec-fetch-site");
    let refused = text(&headers, REFUSED_HEADER).is_some();
    let answer = broker.answer(&method, origin, site, refused, &req).await;
    let head = Object::new();
    for (name, value) in &answer.headers {
        let _ = Reflect::set(&head, &(*name).into(), &value.as_str().into());
    }
    let call = |name: &str, args: &[JsValue]| convert::call_method(&res, name, args);
    call("writeHead", &[answer.status.into(), head.into()]);
    let body = if method == "HEAD" {
        ""
    } else {
        answer.body.as_str()
    };
    call("end", &[body.into()]);
}
