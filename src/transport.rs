//! The only file that touches web-sys: one HTTP exchange through the platform's global `fetch`
//! (never `window.fetch`, which Node and workers lack), the deadline that bounds a call, sleeping,
//! and the clocks. Everything here is an `async fn` or a plain function; JavaScript exceptions are
//! caught where they can occur (imports marked `catch`) and become [`Failure`]s.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, RequestInit, Response};

use crate::core::response::Failure;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, looked up when called (so a test may replace it), with a URL string and
    /// an init object.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn fetch_with_init(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);

    /// `performance.now()`: a monotonic clock (it never jumps when the system clock is set). Only
    /// called where the platform has it ([`HAS_PERFORMANCE_NOW`]), so without a `catch`: the
    /// clock is read several times a call, and each `catch` wraps a call in an exception handler.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The longest delay a timer holds: Node and browsers fire a longer one at once.
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// Milliseconds on a monotonic clock, for deadlines and pacing (`Date.now()` where the platform
/// has no `performance.now`).
pub fn monotonic_ms() -> f64 {
    if HAS_PERFORMANCE_NOW.with(|has| *has) {
        performance_now()
    } else {
        js_sys::Date::now()
    }
}

/// Milliseconds since the epoch on the system clock: the caller's idea of the time, against which
/// an absolute `expires` is checked.
pub fn wall_clock_ms() -> f64 {
    js_sys::Date::now()
}

/// Milliseconds since the epoch that never jump when the system clock is set
/// (`performance.timeOrigin + performance.now()`): elapsed time for estimating the API's clock.
/// The system clock where the platform lacks either.
pub fn steady_epoch_ms() -> f64 {
    match TIME_ORIGIN.with(|o| *o) {
        Some(origin) if HAS_PERFORMANCE_NOW.with(|has| *has) => origin + performance_now(),
        _ => js_sys::Date::now(),
    }
}

/// What an exchange brought back.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: Headers,
    /// The body, read as the status calls for.
    pub body: Body,
}

/// A response body.
pub enum Body {
    /// 204 or 205: none.
    Empty,
    /// Any other 2xx: the JSON, parsed by the platform (`Response.json()`).
    Json(JsValue),
    /// Not 2xx: the text of the error body (empty if it could not be read).
    Text(String),
}

/// A property of the global `performance`, if the platform has one.
fn performance(name: &str) -> Option<JsValue> {
    let performance = Reflect::get(&js_sys::global(), &"performance".into()).ok()?;
    Reflect::get(&performance, &name.into()).ok()
}

thread_local! {
    /// Whether the platform has `performance.now` (every one this package supports does).
    static HAS_PERFORMANCE_NOW: bool = performance("now").is_some_and(|now| now.is_function());

    /// `performance.timeOrigin`: when `performance.now()` was 0, in milliseconds since the epoch.
    static TIME_ORIGIN: Option<f64> = performance("timeOrigin")
        .and_then(|origin| origin.as_f64())
        .filter(|origin| origin.is_finite() && *origin > 0.0);

    /// `{ "Content-Type": "application/json" }`, made once: `fetch` only reads it.
    static JSON_HEADERS: JsValue = {
        let headers = js_sys::Object::new();
        let _ = Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
        headers.into()
    };
}

/// A JavaScript exception's `message`, or nothing.
fn js_message(error: &JsValue) -> String {
    Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default()
}

fn network(error: JsValue) -> Failure {
    Failure::Network {
        detail: js_message(&error),
    }
}

/// One request and its whole response, bounded by `deadline`.
pub async fn exchange(
    url: &str,
    method: &str,
    body: Option<&str>,
    deadline: &Deadline,
) -> Result<Answer, Failure> {
    let init = RequestInit::new();
    if method != "GET" {
        init.set_method(method);
    }
    if let Some(body) = body {
        JSON_HEADERS.with(|headers| init.set_headers(headers));
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(Some(&deadline.signal));
    let fetching = fetch_with_init(url, &init).map_err(|e| deadline.failure(e))?;
    let response = JsFuture::from(fetching)
        .await
        .map_err(|e| deadline.failure(e))?;
    if !response.is_object() {
        return Err(Failure::Network {
            detail: "fetch answered with something that is not a Response".into(),
        });
    }
    // Not checked with `instanceof`: a `fetch` polyfill's responses are as good as the platform's.
    let response: Response = response.unchecked_into();
    let (status, headers) = (response.status(), response.headers());
    if !(200..300).contains(&status) {
        // The error body's text, if it can be read: without it only the API's message is lost.
        let text = match response.text() {
            Ok(reading) => JsFuture::from(reading)
                .await
                .ok()
                .and_then(|t| t.as_string()),
            Err(_) => None,
        };
        if let Some(stop) = deadline.stopped() {
            return Err(stop);
        }
        let body = Body::Text(text.unwrap_or_default());
        return Ok(Answer {
            status,
            headers,
            body,
        });
    }
    if status == 204 || status == 205 {
        let body = Body::Empty;
        return Ok(Answer {
            status,
            headers,
            body,
        });
    }
    let parsing = response.json().map_err(|e| deadline.failure(e))?;
    let data = JsFuture::from(parsing).await.map_err(|error| {
        deadline.stopped().unwrap_or_else(|| {
            if error.is_instance_of::<js_sys::SyntaxError>() {
                Failure::Decode { status }
            } else {
                Failure::Network {
                    detail: format!("the response body was cut short: {}", js_message(&error)),
                }
            }
        })
    })?;
    let body = Body::Json(data);
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// A response header's value (the name is case-insensitive).
pub fn header(headers: &Headers, name: &str) -> Option<String> {
    headers.get(name).ok().flatten()
}

/// The limits of one call: its time and the caller's signal, as one `AbortSignal` for `fetch`
/// that aborts when the caller's does, and as [`Deadline::race`], which ends any step of the call
/// (a `fetch` that ignores its signal, a body that never ends) when the time is up. Dropping the
/// deadline (when the call ends) removes its listener from the caller's signal.
pub struct Deadline {
    controller: AbortController,
    /// `controller.signal`, read once: every step of the call asks it.
    signal: AbortSignal,
    /// The caller's signal, and the listener on it: `controller.abort`, bound to it.
    user: Option<(AbortSignal, Function)>,
    timeout_ms: f64,
    /// When the time is up, on the monotonic clock.
    ends_at: Cell<f64>,
}

impl Deadline {
    /// Starts the clock of a call that may take `timeout_ms` and that `user` may cancel.
    pub fn start(timeout_ms: f64, user: Option<&AbortSignal>) -> Result<Deadline, Failure> {
        if user.is_some_and(AbortSignal::aborted) {
            return Err(Failure::Aborted);
        }
        let controller = AbortController::new().map_err(network)?;
        let user = match user {
            Some(user) => {
                let abort: Function = Reflect::get(&controller, &"abort".into())
                    .map_err(network)?
                    .dyn_into()
                    .map_err(network)?;
                let abort = abort.bind0(&controller);
                user.add_event_listener_with_callback("abort", &abort)
                    .map_err(network)?;
                Some((user.clone(), abort))
            }
            None => None,
        };
        Ok(Deadline {
            signal: controller.signal(),
            controller,
            user,
            timeout_ms,
            ends_at: Cell::new(monotonic_ms() + timeout_ms),
        })
    }

    /// The caller's own signal, if any.
    pub fn user(&self) -> Option<&AbortSignal> {
        self.user.as_ref().map(|(signal, _)| signal)
    }

    /// Moves the end `ms` later: time spent waiting for the rate limit does not count.
    pub fn extend(&self, ms: f64) {
        self.ends_at.set(self.ends_at.get() + ms.max(0.0));
    }

    /// What remains of the call's time, in milliseconds.
    pub fn time_left(&self) -> f64 {
        self.ends_at.get() - monotonic_ms()
    }

    /// Why the call must stop now, if it must: the caller aborted, or the time is up.
    pub fn stopped(&self) -> Option<Failure> {
        if self.user().is_some_and(AbortSignal::aborted) {
            Some(Failure::Aborted)
        } else if self.signal.aborted() || self.time_left() <= 0.0 {
            Some(Failure::Timeout {
                ms: self.timeout_ms,
            })
        } else {
            None
        }
    }

    /// The failure a JavaScript exception of the exchange stands for: the deadline's, if it has
    /// passed (an abort rejects with an exception), else a network failure.
    fn failure(&self, error: JsValue) -> Failure {
        self.stopped().unwrap_or_else(|| network(error))
    }

    /// Runs `work` until it ends or the call must stop, whichever comes first; in the latter case
    /// `fetch`'s signal is aborted, so that the request is cancelled where the platform can.
    ///
    /// (A two-way select written out, as `std::future::poll_fn` makes it short: the `futures`
    /// crate's `select` would bring a dependency for these few lines.)
    pub async fn race<T>(
        &self,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        if let Some(stop) = self.stopped() {
            return Err(stop);
        }
        let mut work = pin!(work);
        let mut expiry = pin!(self.expiry());
        poll_fn(|cx| match work.as_mut().poll(cx) {
            Poll::Ready(done) => Poll::Ready(done),
            Poll::Pending => expiry.as_mut().poll(cx).map(|stop| {
                if !self.signal.aborted() {
                    self.controller.abort();
                }
                Err(stop)
            }),
        })
        .await
    }

    /// Resolves with why the call must stop, when it must.
    async fn expiry(&self) -> Failure {
        // Only the caller's signal is listened to: the call's own is aborted by it or by a race.
        let user = self.user();
        sleep_until(self.ends_at.get(), user.as_slice()).await;
        self.stopped().unwrap_or(Failure::Timeout {
            ms: self.timeout_ms,
        })
    }

    /// Waits `ms`, or less if the call stops first (then with why it stopped).
    pub async fn sleep(&self, ms: f64) -> Result<(), Failure> {
        let wake = (monotonic_ms() + ms).min(self.ends_at.get());
        let user = self.user();
        sleep_until(wake, user.as_slice()).await;
        match self.stopped() {
            Some(stop) => Err(stop),
            None => Ok(()),
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some((user, abort)) = &self.user {
            let _ = user.remove_event_listener_with_callback("abort", abort);
        }
    }
}

/// What `promise` (or a plain value) settles to, if it fulfils within `ms`; `None` when it rejects
/// or takes longer. For calls into the caller's code (a store, a renewal) that must never hold the
/// caller up for long.
pub async fn settle_within(promise: &JsValue, ms: f64) -> Option<JsValue> {
    let deadline = Deadline::start(ms, None).ok()?;
    let settled = JsFuture::from(Promise::resolve(promise));
    let failed = |_| Failure::Network {
        detail: String::new(),
    };
    deadline
        .race(async { settled.await.map_err(failed) })
        .await
        .ok()
}

/// Wakes every sleeper that waits on it at once. (Pacing rings it when places are given back or
/// re-planned, so that the calls behind move up instead of waking at their old time.) The sleepers'
/// wake-up functions are kept here rather than as listeners on one shared signal: hundreds of calls
/// held at once would make Node warn of a listener leak.
#[derive(Default)]
pub struct Bell(RefCell<Vec<Function>>);

impl Bell {
    /// Wakes the sleepers waiting now.
    pub fn ring(&self) {
        let sleepers = std::mem::take(&mut *self.0.borrow_mut());
        for wake in sleepers {
            let _ = wake.call1(&JsValue::UNDEFINED, &JsValue::TRUE);
        }
    }

    fn add(&self, wake: &Function) {
        self.0.borrow_mut().push(wake.clone());
    }

    fn remove(&self, wake: &Function) {
        self.0.borrow_mut().retain(|w| w != wake);
    }
}

/// Removes a sleep's timer and listeners, however the sleep ends.
struct Wake<'a> {
    resolve: Function,
    timer: JsValue,
    signals: Vec<&'a AbortSignal>,
    bell: Option<&'a Bell>,
}

impl Drop for Wake<'_> {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        for signal in &self.signals {
            let _ = signal.remove_event_listener_with_callback("abort", &self.resolve);
        }
        if let Some(bell) = self.bell {
            bell.remove(&self.resolve);
        }
        // A sleep cut short (its race won by the other side) still settles its promise: a
        // `JsFuture` whose promise never settles keeps its callbacks, and their memory, for good.
        let _ = self.resolve.call0(&JsValue::UNDEFINED);
    }
}

/// Resolves when the monotonic clock reaches `until`, or as soon as one of `signals` aborts. Long
/// waits are slept in steps that a timer can hold, and the time is checked on every waking.
pub async fn sleep_until(until: f64, signals: &[&AbortSignal]) {
    sleep_steps(until, signals, None, false).await;
}

/// [`sleep_until`], also cut short when `bell` rings.
pub async fn sleep_until_rung(until: f64, signal: Option<&AbortSignal>, bell: &Bell) {
    let signals: Vec<&AbortSignal> = signal.into_iter().collect();
    sleep_steps(until, &signals, Some(bell), false).await;
}

/// [`sleep_until`] for work that may be given up: its timer does not keep a Node process alive
/// (`unref`), so a script that is done exits rather than wait for it.
pub async fn idle_until(until: f64) {
    sleep_steps(until, &[], None, true).await;
}

/// `true` when the bell woke it.
async fn sleep_steps(
    until: f64,
    signals: &[&AbortSignal],
    bell: Option<&Bell>,
    idle: bool,
) -> bool {
    loop {
        let left = until - monotonic_ms();
        if left <= 0.0 || signals.iter().any(|s| s.aborted()) {
            return false;
        }
        match sleep_once(left.min(MAX_TIMER_MS), signals, bell, idle).await {
            Slept::Timer => {}
            Slept::Rung => return true,
            Slept::NoTimer => return false,
        }
    }
}

/// How one timer's sleep ended.
enum Slept {
    /// The timer fired, or a signal aborted.
    Timer,
    /// The bell rang.
    Rung,
    /// No timer could be set.
    NoTimer,
}

/// One timer of `ms` (at most [`MAX_TIMER_MS`]), cut short when one of `signals` aborts or `bell`
/// rings. An `idle` timer is `unref`'d where timers have that (Node, Deno, Bun).
async fn sleep_once<'a>(
    ms: f64,
    signals: &[&'a AbortSignal],
    bell: Option<&'a Bell>,
    idle: bool,
) -> Slept {
    let mut resolve = None;
    let woken = Promise::new(&mut |done, _| resolve = Some(done));
    let Some(resolve) = resolve else {
        return Slept::NoTimer;
    };
    // Timers take whole milliseconds (Node throws on a fraction).
    let Ok(timer) = set_timeout(&resolve, ms.max(0.0).ceil()) else {
        return Slept::NoTimer;
    };
    if idle {
        let unref = Reflect::get(&timer, &"unref".into()).ok();
        if let Some(unref) = unref.and_then(|f| f.dyn_into::<Function>().ok()) {
            let _ = unref.call0(&timer);
        }
    }
    let signals = signals
        .iter()
        .copied()
        .filter(|s| {
            s.add_event_listener_with_callback("abort", &resolve)
                .is_ok()
        })
        .collect();
    if let Some(bell) = bell {
        bell.add(&resolve);
    }
    let _wake = Wake {
        resolve,
        timer,
        signals,
        bell,
    };
    // The bell resolves with `true`; the timer with nothing, a signal with its event.
    match JsFuture::from(woken).await {
        Ok(value) if value == JsValue::TRUE => Slept::Rung,
        _ => Slept::Timer,
    }
}
