//! The only file that touches web-sys: one HTTP exchange through the platform's global `fetch`
//! (never `window.fetch`, which Node and workers lack), the deadline that bounds a call, sleeping,
//! and the clocks. Everything here is an `async fn` or a plain function; JavaScript exceptions are
//! caught where they can occur (imports marked `catch`) and become [`Failure`]s.

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

    /// `performance.now()`: a monotonic clock (it never jumps when the system clock is set).
    #[wasm_bindgen(js_namespace = performance, js_name = now, catch)]
    fn performance_now() -> Result<f64, JsValue>;
}

/// Milliseconds on a monotonic clock, for deadlines and pacing (`Date.now()` where the platform
/// has no `performance.now`).
pub fn monotonic_ms() -> f64 {
    performance_now().unwrap_or_else(|_| js_sys::Date::now())
}

/// Milliseconds since the epoch on the system clock, for comparing with the API's clock.
pub fn wall_clock_ms() -> f64 {
    js_sys::Date::now()
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

thread_local! {
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
    init.set_signal(Some(&deadline.controller.signal()));
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

/// The limits of one call as a single `AbortSignal` for `fetch`: it aborts when the call's time is
/// up or when the caller's own signal aborts. Dropping the deadline (when the call ends) clears
/// its timer and removes its listener from the caller's signal.
pub struct Deadline {
    controller: AbortController,
    /// `controller.abort`, bound to it: the timer's handler and the listener on `user`.
    abort: Function,
    user: Option<AbortSignal>,
    timeout_ms: f64,
    /// When the time is up, on the monotonic clock.
    ends_at: f64,
    timer: JsValue,
}

impl Deadline {
    /// Starts the clock of a call that may take `timeout_ms` and that `user` may cancel.
    pub fn start(timeout_ms: f64, user: Option<&AbortSignal>) -> Result<Deadline, Failure> {
        if user.is_some_and(AbortSignal::aborted) {
            return Err(Failure::Aborted);
        }
        let controller = AbortController::new().map_err(network)?;
        let abort: Function = Reflect::get(&controller, &"abort".into())
            .map_err(network)?
            .dyn_into()
            .map_err(network)?;
        let abort = abort.bind0(&controller);
        if let Some(user) = user {
            user.add_event_listener_with_callback("abort", &abort)
                .map_err(network)?;
        }
        let mut deadline = Deadline {
            controller,
            abort,
            user: user.cloned(),
            timeout_ms,
            ends_at: monotonic_ms() + timeout_ms,
            timer: JsValue::UNDEFINED,
        };
        deadline.arm()?;
        Ok(deadline)
    }

    /// Sets the timer to fire when the time is up.
    fn arm(&mut self) -> Result<(), Failure> {
        clear_timeout(&self.timer);
        // Timers take whole milliseconds (Node throws on a fraction).
        let ms = (self.ends_at - monotonic_ms()).max(0.0).ceil();
        self.timer = set_timeout(&self.abort, ms).map_err(network)?;
        Ok(())
    }

    /// Moves the end `ms` later: time spent waiting for the rate limit does not count.
    pub fn extend(&mut self, ms: f64) -> Result<(), Failure> {
        self.ends_at += ms;
        self.arm()
    }

    /// What remains of the call's time, in milliseconds.
    pub fn time_left(&self) -> f64 {
        self.ends_at - monotonic_ms()
    }

    /// Why the call must stop now, if it must: the caller aborted, or the time is up.
    pub fn stopped(&self) -> Option<Failure> {
        if self.user.as_ref().is_some_and(AbortSignal::aborted) {
            Some(Failure::Aborted)
        } else if self.controller.signal().aborted() {
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

    /// Waits `ms`, or less if the call stops first (then with why it stopped).
    pub async fn sleep(&self, ms: f64) -> Result<(), Failure> {
        sleep(ms, Some(&self.controller.signal())).await;
        match self.stopped() {
            Some(stop) => Err(stop),
            None => Ok(()),
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(user) = &self.user {
            let _ = user.remove_event_listener_with_callback("abort", &self.abort);
        }
    }
}

/// Removes a sleep's timer and listener, however the sleep ends.
struct Wake {
    resolve: Function,
    timer: JsValue,
    signal: Option<AbortSignal>,
}

impl Drop for Wake {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(signal) = &self.signal {
            let _ = signal.remove_event_listener_with_callback("abort", &self.resolve);
        }
    }
}

/// Resolves after `ms` milliseconds, or as soon as `signal` aborts.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) {
    if signal.is_some_and(AbortSignal::aborted) {
        return;
    }
    let mut resolve = None;
    let woken = Promise::new(&mut |done, _| resolve = Some(done));
    let Some(resolve) = resolve else {
        return;
    };
    let Ok(timer) = set_timeout(&resolve, ms.max(0.0).ceil()) else {
        return;
    };
    let signal = signal.filter(|s| {
        s.add_event_listener_with_callback("abort", &resolve)
            .is_ok()
    });
    let _wake = Wake {
        resolve,
        timer,
        signal: signal.cloned(),
    };
    let _ = JsFuture::from(woken).await;
}
