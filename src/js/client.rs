//! The client behind the `Tokens` class: its settings, read from the constructor's options, and
//! the life of one call (deadline, first fetch, retries, errors). No exports: `mod.rs` has them.

use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::{Date, Function, Math, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::pages::{self, Pages};
use super::{options, values};
use crate::core::error::Error;
use crate::core::num;
use crate::core::options::Options;
use crate::core::request::{self, Config, Request};
use crate::core::response::{self, Failure};
use crate::core::retry;
use crate::core::text::{cat, int};
use crate::core::token;
use crate::core::url::{Origin, DEFAULT_ORIGIN};
use crate::local::{Lazy, Local};
use crate::prelude::*;
use crate::transport::{self, Deadline, Head, Received, Reply};

/// The timeout of a call when neither the call nor the client sets one.
const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

pub(super) struct Client {
    pub(super) config: Config,
    timeout_ms: f64,
    retries: u32,
    /// The URL of the latest call, and the JavaScript string made of it: most calls of a client
    /// go to the URL of the one before, and making the string costs a `TextDecoder` run.
    last_url: RefCell<Option<(String, JsValue)>>,
}

/// Per-call limits: `timeout` and `signal`.
#[derive(Clone, Default)]
pub(super) struct Call {
    timeout_ms: f64,
    signal: Option<JsValue>,
}

impl Client {
    /// The limits of one call: its `timeout` (else the client's) and its `signal`.
    pub(super) fn call(&self, value: &JsValue, o: &Options) -> Result<Call, Error> {
        Ok(Call {
            timeout_ms: o.timeout()?.unwrap_or(self.timeout_ms),
            signal: options::signal(value, o)?,
        })
    }

    /// `url` as a JavaScript string.
    fn url_value(&self, url: String) -> JsValue {
        let mut last = self.last_url.borrow_mut();
        match &*last {
            Some((same, value)) if *same == url => value.clone(),
            _ => {
                let value = JsValue::from_str(&url);
                *last = Some((url, value.clone()));
                value
            }
        }
    }

    fn fail(&self, req: &Request, failure: Failure) -> Error {
        response::error_for(
            req,
            &self.config.origin,
            failure,
            &[&self.config.access_token],
        )
    }
}

/// Where a call's outcome goes: the promise the method returned (settled directly, so that no
/// chain of promises stands between the network and the caller), or the iterator a page is for.
enum Settle {
    Promise { resolve: Function, reject: Function },
    Page(Rc<RefCell<Pages>>),
}

impl Settle {
    fn succeed(self, client: &Client, req: &Request, reply: Reply) {
        match self {
            Settle::Promise { resolve, .. } => {
                let next_start = (req.op == request::Operation::ListTokens).then(|| {
                    response::next_start(reply.header("link").as_deref(), &client.config.origin)
                });
                values::settle(&resolve, &values::response(reply, next_start));
            }
            Settle::Page(state) => pages::received(&state, client, req, reply),
        }
    }

    fn fail(self, error: Error) {
        match self {
            Settle::Promise { reject, .. } => {
                values::settle(&reject, &values::error(error));
            }
            Settle::Page(state) => pages::failed(&state, error),
        }
    }
}

/// A call in progress. It lives in [`EXCHANGES`] while a promise of it is pending; the JavaScript
/// side only holds its number, bound into the handlers the promises settle into. Dropping it (when
/// the call ends) releases everything it holds.
struct Exchange {
    client: Rc<Client>,
    req: Request,
    deadline: Deadline,
    url: JsValue,
    attempt: u32,
    /// Whether an earlier attempt's outcome is unknown (for a repeated DELETE's 404).
    unknown: bool,
    /// The status and headers of the response whose body is being read.
    head: Option<Head>,
    settle: Settle,
}

impl Exchange {
    /// The call ends with `failure`, as its `MapboxError`.
    fn give_up(self, failure: Failure) {
        let error = self.client.fail(&self.req, failure);
        self.settle.fail(error);
    }
}

/// The calls in progress, by number; freed numbers are reused.
static EXCHANGES: Local<Vec<Option<Exchange>>> = Local(RefCell::new(Vec::new()));

fn park(exchange: Exchange) -> u32 {
    let mut slots = EXCHANGES.0.borrow_mut();
    let id = match slots.iter().position(Option::is_none) {
        Some(free) => {
            slots[free] = Some(exchange);
            free
        }
        None => {
            slots.push(Some(exchange));
            slots.len() - 1
        }
    };
    id as u32
}

fn unpark(id: u32) -> Option<Exchange> {
    EXCHANGES.0.borrow_mut().get_mut(id as usize)?.take()
}

/// The handlers every call's promises settle into, made once: each is a Rust function taking the
/// exchange's number (bound per step with `Function.prototype.bind`, which costs far less than a
/// new closure) and the settled value.
struct Handlers {
    response: Handler,
    fetch_error: Handler,
    data: Handler,
    data_error: Handler,
    error_body: Handler,
    retry: Handler,
}

type Step = fn(Exchange, JsValue);

fn handler(step: Step) -> Handler {
    // Each number is settled once; a handler never throws, so the promises `then` makes of them
    // always fulfil (with `undefined`) and are left alone.
    let f = move |id: u32, value: JsValue| {
        if let Some(exchange) = unpark(id) {
            step(exchange, value);
        }
    };
    Closure::<dyn Fn(u32, JsValue)>::new(f)
        .into_js_value()
        .unchecked_into()
}

static HANDLERS: Lazy<Handlers> = Lazy::new();

fn handlers() -> &'static Handlers {
    HANDLERS.get(|| Handlers {
        response: handler(on_response),
        fetch_error: handler(on_fetch_error),
        data: handler(on_data),
        data_error: handler(on_data_error),
        error_body: handler(on_error_body),
        retry: handler(on_retry),
    })
}

#[wasm_bindgen]
extern "C" {
    /// A promise, seen as something with a `then` that takes plain functions.
    type Thenable;

    #[wasm_bindgen(method, js_name = then)]
    fn then_with(this: &Thenable, on_fulfilled: &JsValue, on_rejected: &JsValue) -> Promise;

    /// One of the handlers: a function of an exchange's number and a settled value.
    type Handler;

    /// `handler.bind(null, id)`, the number passed as a plain number.
    #[wasm_bindgen(method, js_name = bind)]
    fn bound(this: &Handler, this_arg: &JsValue, id: u32) -> JsValue;
}

/// `promise.then(ok, err)`, both bound to the parked `exchange`.
fn settle_into(promise: &Promise, exchange: Exchange, ok: &Handler, err: &Handler) {
    let id = park(exchange);
    let promise: &Thenable = promise.unchecked_ref();
    let _ = promise.then_with(
        &ok.bound(&JsValue::NULL, id),
        &err.bound(&JsValue::NULL, id),
    );
}

/// Starts a call whose reply becomes the method's response object: its deadline begins and its
/// first fetch is in flight when this returns (no microtask turn separates the caller from the
/// network). The promise resolves to the response or rejects with a `MapboxError`.
pub(super) fn respond(client: Rc<Client>, req: Request, call: &Call) -> Promise {
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| {
        settle = Some(Settle::Promise { resolve, reject });
    });
    if let Some(settle) = settle {
        start(client, req, call, settle);
    }
    promise
}

/// Starts fetching a page of `listAllTokens`; `pages::received` or `pages::failed` gets the outcome.
pub(super) fn fetch_page(client: Rc<Client>, req: Request, call: &Call, state: Rc<RefCell<Pages>>) {
    start(client, req, call, Settle::Page(state));
}

fn start(client: Rc<Client>, req: Request, call: &Call, settle: Settle) {
    let deadline = match Deadline::start(call.timeout_ms, call.signal.clone()) {
        Ok(deadline) => deadline,
        Err(failure) => return settle.fail(client.fail(&req, failure)),
    };
    let url = client.url_value(req.url(&client.config.origin, &client.config.access_token));
    attempt(Exchange {
        client,
        req,
        deadline,
        url,
        attempt: 0,
        unknown: false,
        head: None,
        settle,
    });
}

/// Sends one attempt of the exchange.
fn attempt(mut x: Exchange) {
    x.attempt += 1;
    match transport::start(&x.url, x.req.method(), x.req.body.as_deref(), &x.deadline) {
        Ok(fetching) => {
            let h = handlers();
            settle_into(&fetching, x, &h.response, &h.fetch_error);
        }
        Err(failure) => failed(x, failure),
    }
}

fn on_response(mut x: Exchange, response: JsValue) {
    let h = handlers();
    match transport::receive(response) {
        Ok(Received::Done(reply)) => finished(x, reply),
        Ok(Received::Json(head, body)) => {
            x.head = Some(head);
            settle_into(&body, x, &h.data, &h.data_error);
        }
        Ok(Received::Failed(head, body)) => {
            x.head = Some(head);
            settle_into(&body, x, &h.error_body, &h.error_body);
        }
        Err(failure) => failed(x, failure),
    }
}

fn on_fetch_error(x: Exchange, error: JsValue) {
    let failure = transport::fetch_failure(&error, &x.deadline);
    failed(x, failure);
}

// The body handlers run only after `on_response` stored the head.

fn on_data(x: Exchange, data: JsValue) {
    with_head(x, |x, head| finished(x, head.reply(data)));
}

fn on_data_error(x: Exchange, error: JsValue) {
    with_head(x, |x, head| {
        let failure = transport::body_failure(&error, &head, &x.deadline);
        failed(x, failure);
    });
}

fn on_error_body(x: Exchange, body: JsValue) {
    with_head(x, |x, head| {
        let failure = transport::status_failure(&head, &body, &x.deadline);
        failed(x, failure);
    });
}

/// Runs `then` with the head of the response whose body has been read.
fn with_head(mut x: Exchange, then: impl FnOnce(Exchange, Head)) {
    if let Some(head) = x.head.take() {
        then(x, head);
    }
}

fn on_retry(x: Exchange, _: JsValue) {
    match x.deadline.expired() {
        Some(stop) => x.give_up(stop),
        None => attempt(x),
    }
}

/// A failed attempt: retried when that is safe and allowed, else the call's `MapboxError`.
fn failed(mut x: Exchange, failure: Failure) {
    if let Failure::Status { status, .. } = failure {
        if retry::counts_as_deleted(&x.req, status, x.unknown) {
            return finished(x, Reply::deleted());
        }
    }
    x.unknown |= retry::outcome_unknown(&failure);
    let delay = retry::delay_before_retry(
        &x.req,
        &failure,
        x.attempt,
        x.client.retries,
        Math::random(),
        Date::now(),
    );
    match delay {
        Some(ms) => {
            let waiting = transport::sleep(ms, &x.deadline);
            let retry = &handlers().retry;
            settle_into(&waiting, x, retry, retry);
        }
        None => x.give_up(failure),
    }
}

/// A successful reply: the call ends (its deadline is dropped with `x`).
fn finished(x: Exchange, reply: Reply) {
    let Exchange {
        client,
        req,
        settle,
        ..
    } = x;
    settle.succeed(&client, &req, reply);
}

fn env_var(name: &str) -> Option<String> {
    let process = Reflect::get(&js_sys::global(), &"process".into()).ok()?;
    let env = Reflect::get(&process, &"env".into()).ok()?;
    Reflect::get(&env, &name.into())
        .ok()?
        .as_string()
        .filter(|s| !s.is_empty())
}

pub(super) fn new_client(options: &JsValue) -> Result<Client, Error> {
    let o = options::read(
        options,
        "new Tokens",
        &["accessToken", "username", "origin", "timeout", "retries"],
        &[],
    )?;
    let access_token = match o.string("accessToken")? {
        Some(t) if t.is_empty() => return Err(Error::invalid("accessToken must be a non-empty string.")),
        Some(t) => t,
        None => env_var("MAPBOX_ACCESS_TOKEN").or_else(|| env_var("MapboxAccessToken")).ok_or_else(|| {
            Error::invalid(
                "No access token: pass new Tokens({ accessToken }) or, in Node, set MAPBOX_ACCESS_TOKEN \
                 (or MapboxAccessToken) in the environment.",
            )
        })?,
    };
    let origin = Origin::parse(&o.string("origin")?.unwrap_or_else(|| DEFAULT_ORIGIN.into()))?;
    let username = match o.string("username")? {
        Some(u) if u.is_empty() => {
            return Err(Error::invalid("username must be a non-empty string."))
        }
        Some(u) => Some(u),
        None => token::parse_token(&access_token).ok().map(|info| info.user),
    };
    let retries = match o.number("retries")? {
        None => retry::DEFAULT_RETRIES,
        Some(n) if num::is_whole(n) && (0.0..=f64::from(retry::MAX_RETRIES)).contains(&n) => {
            n as u32
        }
        Some(_) => {
            return Err(Error::invalid(cat(&[
                "retries must be a whole number from 0 to ",
                &int(retry::MAX_RETRIES.into()),
                ".",
            ])))
        }
    };
    let timeout_ms = o.timeout()?.unwrap_or(DEFAULT_TIMEOUT_MS);
    Ok(Client {
        config: Config {
            origin,
            access_token,
            username,
        },
        timeout_ms,
        retries,
        last_url: RefCell::new(None),
    })
}
