//! JavaScript values made from core results: response objects, `MapboxError`s and decoded tokens.

use js_sys::{Array, Date, Function, Object, Promise};
use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::core::token::TokenInfo;
use crate::local::Lazy;
use crate::prelude::*;
use crate::transport::Reply;

#[wasm_bindgen]
extern "C" {
    /// `Reflect.set`, only ever on objects this module has just made (plain or `Error`,
    /// extensible, no setters), where it cannot throw: so without the exception handling that
    /// `js_sys::Reflect::set` wraps around every call.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn put(target: &Object, key: &JsValue, value: &JsValue) -> bool;
}

fn set(target: &Object, key: &str, value: &JsValue) {
    put(target, &JsValue::from_str(key), value);
}

/// The property names set on every response and iterator result, made into JavaScript strings
/// once rather than on every call.
struct Keys {
    status: JsValue,
    ok: JsValue,
    headers: JsValue,
    data: JsValue,
    json: JsValue,
    next_start: JsValue,
    value: JsValue,
    done: JsValue,
}

static KEYS: Lazy<Keys> = Lazy::new();

fn keys() -> &'static Keys {
    KEYS.get(|| Keys {
        status: "status".into(),
        ok: "ok".into(),
        headers: "headers".into(),
        data: "data".into(),
        json: "json".into(),
        next_start: "nextStart".into(),
        value: "value".into(),
        done: "done".into(),
    })
}

/// `{ value: undefined, done: true }`: an async iterator's end.
pub fn iter_done() -> JsValue {
    let k = keys();
    let object = Object::new();
    put(&object, &k.value, &JsValue::UNDEFINED);
    put(&object, &k.done, &JsValue::TRUE);
    object.into()
}

#[wasm_bindgen]
extern "C" {
    /// The global `Promise`.
    #[wasm_bindgen(thread_local_v2, js_name = Promise)]
    static PROMISE: JsValue;

    /// `Promise.resolve`, bound per response to make `json()` without any JS source or closure.
    #[wasm_bindgen(thread_local_v2, js_namespace = Promise, js_name = resolve)]
    static PROMISE_RESOLVE: Function;
}

/// `{ status, ok, headers, data, json() }`, plus `nextStart` for list responses.
pub fn response(reply: Reply, next_start: Option<Option<String>>) -> JsValue {
    let k = keys();
    let object = Object::new();
    put(&object, &k.status, &JsValue::from(reply.status));
    put(&object, &k.ok, &JsValue::TRUE);
    put(&object, &k.headers, &reply.headers);
    put(&object, &k.data, &reply.data);
    let json =
        PROMISE.with(|ctor| PROMISE_RESOLVE.with(|resolve| resolve.bind1(ctor, &reply.data)));
    put(&object, &k.json, &json);
    if let Some(next) = next_start {
        let next = next.map_or(JsValue::NULL, |s| JsValue::from_str(&s));
        put(&object, &k.next_start, &next);
    }
    object.into()
}

/// A real `Error` named `MapboxError` with `kind`, and where known `status`, `apiMessage`,
/// `method`, `url` and `rateLimit`.
pub fn error(e: Error) -> JsValue {
    let e = e.into_details();
    let js = js_sys::Error::new(&e.message);
    js.set_name("MapboxError");
    set(&js, "kind", &JsValue::from_str(e.kind.as_str()));
    if let Some(status) = e.status {
        set(&js, "status", &JsValue::from(status));
    }
    if let Some(m) = &e.api_message {
        set(&js, "apiMessage", &JsValue::from_str(m));
    }
    if let Some(method) = e.method {
        set(&js, "method", &JsValue::from_str(method));
    }
    if let Some(url) = &e.url {
        set(&js, "url", &JsValue::from_str(url));
    }
    if let Some(rl) = e.rate_limit {
        let object = Object::new();
        let number = |n: Option<f64>| n.map_or(JsValue::UNDEFINED, JsValue::from);
        set(&object, "limit", &number(rl.limit));
        set(&object, "interval", &number(rl.interval));
        set(&object, "reset", &number(rl.reset));
        set(&js, "rateLimit", &object);
    }
    js.into()
}

/// A rejected promise carrying `e`.
pub fn rejected(e: Error) -> Promise {
    Promise::reject(&error(e))
}

/// `{ usage, user, authorization?, expires?, created?, scopes?, client? }`.
pub fn token_info(info: TokenInfo) -> JsValue {
    let object = Object::new();
    set(&object, "usage", &JsValue::from_str(info.usage.as_str()));
    set(&object, "user", &JsValue::from_str(&info.user));
    if let Some(a) = &info.authorization {
        set(&object, "authorization", &JsValue::from_str(a));
    }
    let date = |ms: i64| Date::new(&JsValue::from(ms as f64)).into();
    if let Some(ms) = info.expires_ms {
        set(&object, "expires", &date(ms));
    }
    if let Some(ms) = info.created_ms {
        set(&object, "created", &date(ms));
    }
    if let Some(scopes) = &info.scopes {
        set(&object, "scopes", &strings(scopes));
    }
    if let Some(client) = &info.client {
        set(&object, "client", &JsValue::from_str(client));
    }
    object.into()
}

/// A JS array of strings.
pub fn strings<S: AsRef<str>>(items: &[S]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from_str(s.as_ref()))
        .collect::<Array>()
        .into()
}
