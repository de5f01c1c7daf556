//! The only file that touches web-sys: one HTTP exchange through the platform's global `fetch`
//! (never `window.fetch`, which Node and workers lack), plus the timer the retry loop sleeps on.

use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, AbortSignal, Headers, RequestInit, Response};

use crate::core::num;
use crate::core::response::{self, Failure};
use crate::core::text::cat;
use crate::local::{Lazy, Local};
use crate::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, called with a URL string and an init object (the cheapest form).
    // Imports that can throw are `catch`: a JavaScript exception must never unwind through wasm
    // frames. (`performance.now` below is called only once it is known to exist.)
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(input: &JsValue, init: &RequestInit) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;

    /// `performance.now()`: a monotonic clock in milliseconds (unlike `Date.now()`, it never
    /// jumps when the system clock is set). Not `catch`: only called once [`has_performance_now`]
    /// has seen that it exists.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// `AbortSignal.any(signals)`: aborts when any of them does.
    #[wasm_bindgen(js_namespace = AbortSignal, js_name = any, catch)]
    fn abort_signal_any(signals: &Array) -> Result<AbortSignal, JsValue>;
}

/// A 2xx answer: status, headers and the parsed body (`null` for 204).
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: Headers,
    /// The body as parsed by `Response.json()`, or `null` when there is none.
    pub data: JsValue,
}

impl Reply {
    /// The answer a repeated DELETE stands for when its token is already gone: 204, no body.
    pub fn deleted() -> Reply {
        Reply {
            status: 204,
            headers: Headers::new().unwrap_or_else(|_| JsValue::UNDEFINED.unchecked_into()),
            data: JsValue::NULL,
        }
    }

    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).ok().flatten()
    }
}

/// The deadline and the caller's signal that bound one call, across all its attempts.
pub struct Deadline {
    timeout_ms: f64,
    /// Aborted once the call's time is up (see [`Window`]).
    timeout: AbortSignal,
    user: Option<AbortSignal>,
    /// What `fetch` is given: `timeout`, or it and `user` combined.
    combined: AbortSignal,
    /// The window's init objects, when `combined` is the window's signal.
    inits: Option<Rc<Inits>>,
}

/// Calls with the same timeout that begin within one short *window* share one `AbortController`,
/// aborted by one timer when the window's last deadline passes. Creating an `AbortController` and
/// arming a timer for every call would cost more than the rest of the call (in Node, a quarter
/// of its CPU time); shared, each call times out at most one window late. A window lasts 1% of
/// the timeout (at least 1 ms): a call with the default 30 s timeout fails with `Timeout` between
/// 30 s and 30.3 s after it began.
///
/// In Node the timer is `unref`'d, so a window never keeps a process alive by itself; a call in
/// flight does (its socket), and the timer fires as usual while it runs. A window takes at most
/// [`CALLS_PER_WINDOW`] calls: Node's `fetch` adds a listener to the signal for each request,
/// removes it only when the request is garbage collected, and copies the list of listeners on each
/// new request; measured there, a `Request` with a fresh signal costs ~20 µs more than one without,
/// with a signal shared by 32 requests ~8 µs, by 100 ~12 µs, by 1,000 ~25 µs.
struct Window {
    timeout_ms: f64,
    /// Calls beginning before this time (`performance.now()`) join this window.
    joins_until: f64,
    /// How many more calls may join.
    room: u32,
    signal: AbortSignal,
    inits: Rc<Inits>,
}

/// The `fetch` init objects of a window's calls, one per method, made once: a call only sets
/// its body (`fetch` reads its init when it is called, so the next call may set another).
struct Inits {
    get: RequestInit,
    post: RequestInit,
    patch: RequestInit,
    delete: RequestInit,
}

impl Inits {
    fn new(signal: &AbortSignal) -> Inits {
        Inits {
            get: fetch_init("GET", false, signal),
            post: fetch_init("POST", true, signal),
            patch: fetch_init("PATCH", true, signal),
            delete: fetch_init("DELETE", false, signal),
        }
    }

    fn for_method(&self, method: &str) -> &RequestInit {
        match method {
            "GET" => &self.get,
            "POST" => &self.post,
            "PATCH" => &self.patch,
            _ => &self.delete,
        }
    }
}

/// A `fetch` init with `method`, the JSON content type when a body will be `json`, and `signal`.
fn fetch_init(method: &str, json: bool, signal: &AbortSignal) -> RequestInit {
    let init = RequestInit::new();
    if method != "GET" {
        init.set_method(method); // GET is fetch's default
    }
    if json {
        init.set_headers(json_headers());
    }
    init.set_signal(Some(signal));
    init
}

const CALLS_PER_WINDOW: u32 = 32;

/// The open windows, one per timeout in use (a handful at most).
static WINDOWS: Local<Vec<Window>> = Local(RefCell::new(Vec::new()));
const MAX_WINDOWS: usize = 8;

/// The timeout signal for a call that begins now, and its init objects: its window's, or a new
/// window's.
fn timeout_signal(timeout_ms: f64) -> Result<(AbortSignal, Rc<Inits>), JsValue> {
    let now = monotonic_now();
    let mut windows = WINDOWS.0.borrow_mut();
    if let Some(w) = windows
        .iter_mut()
        .find(|w| w.timeout_ms == timeout_ms && now < w.joins_until && w.room > 0)
    {
        // Its timer fires at `joins_until + timeout_ms`, after now: it cannot have fired yet.
        w.room -= 1;
        return Ok((w.signal.clone(), w.inits.clone()));
    }
    let controller = AbortController::new()?;
    // `AbortController.prototype.abort`, looked up once.
    let abort = ABORT.get(|| {
        Reflect::get(&controller, &"abort".into())
            .unwrap_or(JsValue::UNDEFINED)
            .unchecked_into()
    });
    let width = (timeout_ms / 100.0).max(1.0);
    // Timers take whole milliseconds (Node throws on a fraction).
    let timer = set_timeout(&abort.bind0(&controller), num::ceil(timeout_ms + width))?;
    // Node's timers have `unref()`; browsers' are plain numbers.
    if let Ok(unref) = Reflect::get(&timer, &"unref".into()) {
        if let Some(unref) = unref.dyn_ref::<Function>() {
            let _ = unref.call0(&timer);
        }
    }
    let signal = controller.signal();
    let inits = Rc::new(Inits::new(&signal));
    let window = Window {
        timeout_ms,
        joins_until: now + width,
        room: CALLS_PER_WINDOW - 1,
        signal: signal.clone(),
        inits: inits.clone(),
    };
    windows.retain(|w| now < w.joins_until && w.room > 0);
    if windows.len() >= MAX_WINDOWS {
        windows.remove(0);
    }
    windows.push(window);
    Ok((signal, inits))
}

impl Deadline {
    /// Starts the clock: the call fails with `Timeout` after `timeout_ms`, or `Aborted` when
    /// `user` fires (at once if it already has).
    pub fn start(timeout_ms: f64, user: Option<JsValue>) -> Result<Deadline, Failure> {
        let user: Option<AbortSignal> = user.map(JsCast::unchecked_into);
        if user.as_ref().is_some_and(AbortSignal::aborted) {
            return Err(Failure::Aborted);
        }
        let (timeout, inits) = timeout_signal(timeout_ms).map_err(network)?;
        let (combined, inits) = match &user {
            Some(user) => {
                let any = abort_signal_any(&Array::of2(user, &timeout)).map_err(network)?;
                (any, None)
            }
            None => (timeout.clone(), Some(inits)),
        };
        Ok(Deadline {
            timeout_ms,
            timeout,
            user,
            combined,
            inits,
        })
    }

    /// Why the call must stop now, if it must.
    pub fn expired(&self) -> Option<Failure> {
        if self.user.as_ref().is_some_and(AbortSignal::aborted) {
            Some(Failure::Aborted)
        } else if self.timeout.aborted() {
            Some(Failure::Timeout {
                ms: self.timeout_ms,
            })
        } else {
            None
        }
    }

    fn failure(&self, error: &JsValue, default: impl FnOnce(String) -> Failure) -> Failure {
        self.expired().unwrap_or_else(|| default(js_message(error)))
    }
}

/// A network failure described by a JavaScript exception.
fn network(error: JsValue) -> Failure {
    Failure::Network {
        detail: js_message(&error),
    }
}

/// An exception's `message`, or nothing.
fn js_message(error: &JsValue) -> String {
    Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default()
}

static ABORT: Lazy<Function> = Lazy::new();

/// Whether the global `performance.now` is a function (it is in browsers, workers and Node;
/// looked up once, and `Date.now()` stands in where it is not).
static HAS_PERFORMANCE_NOW: Lazy<bool> = Lazy::new();

fn has_performance_now() -> bool {
    *HAS_PERFORMANCE_NOW.get(|| {
        Reflect::get(&js_sys::global(), &"performance".into())
            .and_then(|p| Reflect::get(&p, &"now".into()))
            .is_ok_and(|now| now.is_function())
    })
}

/// Milliseconds on a monotonic clock.
fn monotonic_now() -> f64 {
    if has_performance_now() {
        performance_now()
    } else {
        js_sys::Date::now()
    }
}

/// `{ "Content-Type": "application/json" }`, made once: `fetch` only reads it.
static JSON_HEADERS: Lazy<JsValue> = Lazy::new();

fn json_headers() -> &'static JsValue {
    JSON_HEADERS.get(|| {
        let headers = Object::new();
        let _ = Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
        headers.into()
    })
}

/// Begins one request to `url` (a string) now, synchronously: the fetch is in flight when this
/// returns.
pub fn start(
    url: &JsValue,
    method: &str,
    body: Option<&str>,
    deadline: &Deadline,
) -> Result<Promise, Failure> {
    // The window's init, or, with the caller's own signal, one made for this call.
    let own;
    let init = match &deadline.inits {
        Some(inits) => inits.for_method(method),
        None => {
            own = fetch_init(method, body.is_some(), &deadline.combined);
            &own
        }
    };
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    global_fetch(url, init).map_err(|e| fetch_failure(&e, deadline))
}

/// The status and headers of a response whose body is still to be read.
pub struct Head {
    status: u16,
    headers: Headers,
}

impl Head {
    /// The reply once the body has been parsed.
    pub fn reply(self, data: JsValue) -> Reply {
        Reply {
            status: self.status,
            headers: self.headers,
            data,
        }
    }
}

/// What a response calls for next, decided from its status alone.
pub enum Received {
    /// 204/205: done, no body.
    Done(Reply),
    /// 2xx with a body, which resolves to the parsed JSON (`Response.json()`).
    Json(Head, Promise),
    /// Not 2xx: the body resolves to the text of the error body (`Response.text()`).
    Failed(Head, Promise),
}

/// Looks at a `Response` the `fetch` of [`start`] resolved to.
pub fn receive(response: JsValue) -> Result<Received, Failure> {
    let response: Response = response.unchecked_into();
    let head = Head {
        status: response.status(),
        headers: response.headers(),
    };
    if !(200..300).contains(&head.status) {
        let body = response.text().map_err(network)?;
        return Ok(Received::Failed(head, body));
    }
    if head.status == 204 || head.status == 205 {
        return Ok(Received::Done(head.reply(JsValue::NULL)));
    }
    let body = response.json().map_err(network)?;
    Ok(Received::Json(head, body))
}

/// Why `fetch` itself rejected: the deadline or signal, else a network error.
pub fn fetch_failure(error: &JsValue, deadline: &Deadline) -> Failure {
    deadline.failure(error, |detail| Failure::Network { detail })
}

/// Why reading a 2xx body failed: the deadline or signal, JSON that does not parse, or a body cut
/// short.
pub fn body_failure(error: &JsValue, head: &Head, deadline: &Deadline) -> Failure {
    deadline.failure(error, |detail| {
        if error.is_instance_of::<js_sys::SyntaxError>() {
            Failure::Decode {
                status: head.status,
            }
        } else {
            Failure::Network {
                detail: cat(&["the response body was cut short: ", &detail]),
            }
        }
    })
}

/// The failure a non-2xx answer stands for, with its body text (if it could be read) and its
/// rate-limit headers; or the deadline's, if it passed while the body was read.
pub fn status_failure(head: &Head, body: &JsValue, deadline: &Deadline) -> Failure {
    if let Some(stop) = deadline.expired() {
        return stop;
    }
    Failure::Status {
        status: head.status,
        body: body.as_string().unwrap_or_default(),
        rate_limit: response::rate_limit(|name| head.headers.get(name).ok().flatten()),
    }
}

/// A promise that resolves after `ms` milliseconds, or as soon as the deadline passes.
pub fn sleep(ms: f64, deadline: &Deadline) -> Promise {
    Promise::new(&mut |resolve, _reject| {
        let _ = set_timeout(&resolve, num::ceil(ms));
        let _ = deadline
            .combined
            .add_event_listener_with_callback("abort", &resolve);
    })
}
