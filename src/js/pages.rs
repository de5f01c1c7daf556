//! `listAllTokens`: the state of one iteration, served by `next()` calls one after another. The
//! `TokenIterator` class itself is exported by `mod.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::client::{Client, Limits};
use super::convert;
use crate::core::error::Error;
use crate::core::request::Request;
use crate::core::response::Visited;

/// Where a `listAllTokens` iteration stands.
pub(super) struct Pages {
    client: Rc<Client>,
    limits: Limits,
    /// The request for the next page, if there is one.
    next: Option<Request>,
    /// The tokens of the latest page not yet handed out, through the page array's own iterator,
    /// whose `next()` makes exactly the `{ value, done: false }` an async iterator resolves to.
    page: Option<(js_sys::Iterator, u32)>,
    /// A failure to report to the next `next()`, which then ends the iteration.
    error: Option<Error>,
    /// Whether `return()` ended the iteration.
    closed: bool,
    /// The pages read so far: a `Link` back to one of them ends the iteration with an error.
    visited: Visited,
    /// The promise of the latest `next()` still to settle, and how many are outstanding: each
    /// call waits for the one before, so that calls made at once are served in order with one
    /// request per page.
    latest: Option<Promise>,
    outstanding: u32,
}

impl Pages {
    /// An iteration that starts with `first` (or reports its error on the first `next()`).
    pub(super) fn new(client: Rc<Client>, first: Result<(Request, Limits), Error>) -> Pages {
        let (next, limits, error) = match first {
            Ok((req, limits)) => (Some(req), limits, None),
            Err(e) => (
                None,
                Limits {
                    timeout_ms: 0.0,
                    signal: None,
                },
                Some(e),
            ),
        };
        Pages {
            client,
            limits,
            next,
            page: None,
            error,
            closed: false,
            visited: Visited::new("listAllTokens", None),
            latest: None,
            outstanding: 0,
        }
    }

    /// Ends the iteration (`return()`): nothing more is fetched, handed out or reported.
    pub(super) fn close(&mut self) {
        self.closed = true;
        self.next = None;
        self.page = None;
        self.error = None;
    }

    /// The next fetched token, as `{ value, done: false }`.
    fn take(&mut self) -> Option<JsValue> {
        let (steps, left) = self.page.as_mut()?;
        if *left == 0 {
            return None;
        }
        *left -= 1;
        steps.next().ok().map(JsValue::from)
    }
}

/// `{ value: undefined, done: true }`: the end.
pub(super) fn done() -> JsValue {
    convert::to_js(&convert::IteratorResult {
        value: JsValue::UNDEFINED,
        done: true,
    })
}

/// `next()`: a token already fetched at once when no call is waiting before; otherwise a promise
/// served after the calls before it.
pub(super) fn next(state: &Rc<RefCell<Pages>>) -> Promise {
    let before = {
        let mut s = state.borrow_mut();
        if s.outstanding == 0 {
            if let Some(step) = s.take() {
                return Promise::resolve(&step);
            }
        }
        s.outstanding += 1;
        s.latest.take()
    };
    let state_of_call = state.clone();
    let promise = convert::promise(Box::pin(async move {
        if let Some(before) = before {
            // Its outcome is its caller's; this call only waits its turn.
            let _ = JsFuture::from(before).await;
        }
        let result = step(&state_of_call).await;
        state_of_call.borrow_mut().outstanding -= 1;
        result
    }));
    state.borrow_mut().latest = Some(promise.clone());
    promise
}

/// Serves one `next()`: a fetched token, else the next page's first, else the end (or the
/// failure that ended it, once).
async fn step(state: &Rc<RefCell<Pages>>) -> Result<JsValue, JsValue> {
    loop {
        let (client, req, limits) = {
            let mut s = state.borrow_mut();
            if let Some(step) = s.take() {
                return Ok(step);
            }
            if let Some(e) = s.error.take() {
                s.next = None;
                return Err(convert::error(e));
            }
            let Some(req) = s.next.take() else {
                return Ok(done());
            };
            if let Err(e) = s.visited.visit(&req.target) {
                return Err(convert::error(e));
            }
            (s.client.clone(), req, s.limits.clone())
        };
        // `timeout` bounds each page: an iteration may take as long as its caller keeps asking.
        let page: Result<(Array, Option<Request>), Error> = match client.start(&req, &limits) {
            Ok(deadline) => client.page(&req, &deadline).await,
            Err(e) => Err(e),
        };
        let mut s = state.borrow_mut();
        // An iteration ended by `return()` meanwhile keeps nothing and fetches nothing more.
        if s.closed {
            continue;
        }
        match page {
            Ok((tokens, next)) => {
                s.page = Some((tokens.values(), tokens.length()));
                s.next = next;
            }
            Err(e) => s.error = Some(e),
        }
    }
}
