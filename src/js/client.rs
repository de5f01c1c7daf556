//! The client behind the `Tokens` class: its settings, read from the constructor's options, and
//! the life of one call (deadline, first fetch, retries, errors). No exports: `mod.rs` has them.

use alloc::rc::Rc;

use js_sys::{Date, Math, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

use super::options::Options;
use super::values;
use crate::core::error::Error;
use crate::core::num;
use crate::core::request::{self, Config, Request};
use crate::core::response::{self, Failure};
use crate::core::retry;
use crate::core::text::{cat, int};
use crate::core::token;
use crate::core::url::{Origin, DEFAULT_ORIGIN};
use crate::prelude::*;
use crate::transport::{self, Deadline, Reply};

/// The timeout of a call when neither the call nor the client sets one.
const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

pub(super) struct Client {
    pub(super) config: Config,
    timeout_ms: f64,
    retries: u32,
}

/// Per-call limits: `timeout` and `signal`.
#[derive(Clone, Default)]
pub(super) struct Call {
    timeout_ms: f64,
    signal: Option<JsValue>,
}

impl Client {
    pub(super) fn call(&self, o: &Options) -> Result<Call, Error> {
        Ok(Call {
            timeout_ms: o.timeout()?.unwrap_or(self.timeout_ms),
            signal: o.signal()?,
        })
    }

    /// Begins `req` synchronously: its deadline starts and its first fetch is in flight when
    /// this returns, so no microtask turn separates the caller from the network.
    fn begin(&self, req: &Request, call: &Call) -> Result<Exchange, Error> {
        let deadline =
            Deadline::start(call.timeout_ms, call.signal.clone()).map_err(|f| self.fail(req, f))?;
        if let Some(stop) = deadline.expired() {
            return Err(self.fail(req, stop));
        }
        let url = req.url(&self.config.origin, &self.config.access_token);
        let first = transport::start(&url, req.method(), req.body.as_deref(), &deadline);
        Ok(Exchange {
            deadline,
            url,
            first: Some(first),
        })
    }

    fn fail(&self, req: &Request, failure: Failure) -> Error {
        response::error_for(
            req,
            &self.config.origin,
            failure,
            &[&self.config.access_token],
        )
    }

    /// Finishes a begun request, retrying what is safe to retry, and maps every failure to an
    /// [`Error`].
    async fn complete(&self, req: &Request, mut exchange: Exchange) -> Result<Reply, Error> {
        let deadline = &exchange.deadline;
        let (mut attempt, mut unknown) = (0, false);
        loop {
            attempt += 1;
            let started = match exchange.first.take() {
                Some(first) => first,
                None => {
                    transport::start(&exchange.url, req.method(), req.body.as_deref(), deadline)
                }
            };
            let outcome = match started {
                Ok(request) => transport::finish(request, deadline).await,
                Err(failure) => Err(failure),
            };
            let failure = match outcome {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            if let Failure::Status { status, .. } = failure {
                if retry::counts_as_deleted(req, status, unknown) {
                    return Ok(Reply::deleted());
                }
            }
            unknown |= retry::outcome_unknown(&failure);
            let Some(ms) = retry::delay_before_retry(
                req,
                &failure,
                attempt,
                self.retries,
                Math::random(),
                Date::now(),
            ) else {
                return Err(self.fail(req, failure));
            };
            transport::sleep(ms, deadline).await;
            if let Some(stop) = deadline.expired() {
                return Err(self.fail(req, stop));
            }
        }
    }

    /// Sends `req` and waits for its reply (begin, then complete).
    pub(super) async fn execute(&self, req: &Request, call: &Call) -> Result<Reply, Error> {
        let exchange = self.begin(req, call)?;
        self.complete(req, exchange).await
    }
}

/// A call in progress: its deadline (dropped, and its timer cleared, when the call ends), its URL
/// and its first attempt, already in flight.
struct Exchange {
    deadline: Deadline,
    url: String,
    first: Option<Result<Promise, Failure>>,
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
    let o = Options::new(
        options,
        "new Tokens",
        &["accessToken", "username", "origin", "timeout", "retries"],
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
    })
}

/// The asynchronous half of every method, kept out of the generic `run` so that its state
/// machine exists once in the module, not once per method.
pub(super) fn send(client: Rc<Client>, req: Request, call: Call) -> Promise {
    let exchange = match client.begin(&req, &call) {
        Ok(exchange) => exchange,
        Err(e) => return values::rejected(e),
    };
    future_to_promise(async move {
        let reply = client
            .complete(&req, exchange)
            .await
            .map_err(values::error)?;
        let next_start = (req.op == request::Operation::ListTokens)
            .then(|| response::next_start(reply.header("link").as_deref(), &client.config.origin));
        Ok(values::response(reply, next_start))
    })
}
