//! `listAllTokens`: the state of one iteration, and how waiting `next()` calls are served from
//! fetched pages. The `TokenIterator` class itself is exported by `mod.rs`.

use alloc::collections::VecDeque;
use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::{JsCast, JsValue};

use super::client::{fetch_page, Call, Client};
use super::values;
use crate::core::error::Error;
use crate::core::request::Request;
use crate::core::response::{self, Failure};
use crate::transport::Reply;

/// Where a `listAllTokens` iteration stands.
pub(super) struct Pages {
    client: Rc<Client>,
    /// The request for the next page, if there is one.
    next: Option<Request>,
    /// The tokens of the last page not yet handed out.
    page: Option<Page>,
    call: Call,
    /// A failure to report to the next `next()`, which then ends the iteration.
    error: Option<Error>,
    /// `next()` calls waiting for a page, oldest first: each promise's resolve and reject.
    waiters: VecDeque<(Function, Function)>,
    /// Whether a page is being fetched.
    fetching: bool,
    /// Whether `return()` ended the iteration.
    closed: bool,
}

impl Pages {
    /// An iteration that starts with `first` (or reports its error on the first `next()`).
    pub(super) fn new(client: Rc<Client>, first: Result<(Request, Call), Error>) -> Pages {
        let (next, call, error) = match first {
            Ok((req, call)) => (Some(req), call, None),
            Err(e) => (None, Call::default(), Some(e)),
        };
        Pages {
            client,
            next,
            page: None,
            call,
            error,
            waiters: VecDeque::new(),
            fetching: false,
            closed: false,
        }
    }

    /// Ends the iteration (`return()`): nothing more is fetched or handed out.
    pub(super) fn close(&mut self) {
        self.closed = true;
        self.next = None;
        self.page = None;
    }

    /// The next fetched token, as the `{ value, done: false }` that `next()` resolves to.
    fn take(&mut self) -> Option<JsValue> {
        self.page.as_mut()?.take()
    }
}

/// A page of tokens being handed out, through the page array's own iterator: its `next()` makes
/// exactly the `{ value, done: false }` objects an async iterator resolves to, in one call.
struct Page {
    steps: js_sys::Iterator,
    left: u32,
}

impl Page {
    fn take(&mut self) -> Option<JsValue> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.steps.next().ok().map(JsValue::from)
    }
}

/// `next()`: the next token at once when one is fetched and nobody waits before; else a promise
/// served in turn.
pub(super) fn next(state: &Rc<RefCell<Pages>>) -> Promise {
    {
        let mut s = state.borrow_mut();
        if s.waiters.is_empty() {
            // The common case, a token already fetched: no waiting at all.
            if let Some(result) = s.take() {
                return Promise::resolve(&result);
            }
        }
    }
    let promise = Promise::new(&mut |resolve, reject| {
        state.borrow_mut().waiters.push_back((resolve, reject));
    });
    serve(state);
    promise
}

/// Serves waiting `next()` calls, in order, from the fetched tokens; starts fetching the next
/// page when they run out, and reports the end (or a failure) once there is nothing more.
fn serve(state: &Rc<RefCell<Pages>>) {
    loop {
        let mut s = state.borrow_mut();
        if s.fetching || s.waiters.is_empty() {
            return;
        }
        let settled = if let Some(result) = s.take() {
            Ok(result)
        } else if let Some(e) = s.error.take() {
            s.next = None;
            Err(values::error(e))
        } else if let Some(req) = s.next.take() {
            s.fetching = true;
            let (client, call) = (s.client.clone(), s.call.clone());
            drop(s);
            // Its outcome comes back through `received` or `failed`.
            fetch_page(client, req, &call, state.clone());
            return;
        } else {
            Ok(values::iter_done())
        };
        let Some((resolve, reject)) = s.waiters.pop_front() else {
            return;
        };
        drop(s);
        match settled {
            Ok(result) => values::settle(&resolve, &result),
            Err(error) => values::settle(&reject, &error),
        }
    }
}

/// A page of `listAllTokens` arrived: its tokens are buffered and waiting calls served.
pub(super) fn received(state: &Rc<RefCell<Pages>>, client: &Client, req: &Request, reply: Reply) {
    let origin = &client.config.origin;
    let page = response::next_target(reply.header("link").as_deref(), origin).and_then(|next| {
        let tokens = reply.data.dyn_ref::<Array>().ok_or_else(|| {
            let decode = Failure::Decode {
                status: reply.status,
            };
            response::error_for(req, origin, decode, &[])
        })?;
        Ok((
            tokens.clone(),
            next.map(|target| client.config.next_page(target)),
        ))
    });
    {
        let mut s = state.borrow_mut();
        s.fetching = false;
        match page {
            // An iteration ended by `return()` keeps nothing and fetches nothing more.
            Ok(_) if s.closed => {}
            Ok((tokens, next)) => {
                s.page = Some(Page {
                    steps: tokens.values(),
                    left: tokens.length(),
                });
                s.next = next;
            }
            Err(e) => s.error = Some(e),
        }
    }
    serve(state);
}

/// Fetching a page of `listAllTokens` failed: the next waiting call gets the error.
pub(super) fn failed(state: &Rc<RefCell<Pages>>, error: Error) {
    {
        let mut s = state.borrow_mut();
        s.fetching = false;
        s.error = Some(error);
    }
    serve(state);
}
