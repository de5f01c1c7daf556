//! JavaScript values made from core results: response objects, `MapboxError`s and decoded tokens.

use js_sys::{Array, Date, Function, Object, Promise};
use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::core::token::TokenInfo;
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

/// Sets `key` on an object this module has just made.
fn set(target: &Object, key: &str, value: &JsValue) {
    put(target, &JsValue::from_str(key), value);
}

#[wasm_bindgen]
extern "C" {
    /// A plain object being filled in as a response or an iterator result. Each property has its
    /// own setter import, so each is one monomorphic store (`o.status = v`) in the glue rather
    /// than a `Reflect.set` shared by every object and key of the module (measured in Node: the
    /// five stores of a response cost ~5 µs that way, ~1 µs this way).
    #[wasm_bindgen(extends = Object)]
    type Fields;

    #[wasm_bindgen(method, setter = status)]
    fn set_status(this: &Fields, status: u16);
    #[wasm_bindgen(method, setter = ok)]
    fn set_ok(this: &Fields, ok: bool);
    #[wasm_bindgen(method, setter = headers)]
    fn set_headers(this: &Fields, headers: &JsValue);
    #[wasm_bindgen(method, setter = data)]
    fn set_data(this: &Fields, data: &JsValue);
    #[wasm_bindgen(method, setter = json)]
    fn set_json(this: &Fields, json: &JsValue);
    #[wasm_bindgen(method, setter = nextStart)]
    fn set_next_start(this: &Fields, next_start: &JsValue);
    #[wasm_bindgen(method, setter = value)]
    fn set_value(this: &Fields, value: &JsValue);
    #[wasm_bindgen(method, setter = done)]
    fn set_done(this: &Fields, done: bool);
}

fn fields() -> Fields {
    Object::new().unchecked_into()
}

/// `{ value: undefined, done: true }`: an async iterator's end.
pub fn iter_done() -> JsValue {
    let object = fields();
    object.set_value(&JsValue::UNDEFINED);
    object.set_done(true);
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
    let object = fields();
    object.set_status(reply.status);
    object.set_ok(true);
    object.set_headers(&reply.headers);
    object.set_data(&reply.data);
    let json =
        PROMISE.with(|ctor| PROMISE_RESOLVE.with(|resolve| resolve.bind1(ctor, &reply.data)));
    object.set_json(&json);
    if let Some(next) = next_start {
        object.set_next_start(&next.map_or(JsValue::NULL, |s| JsValue::from_str(&s)));
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

#[wasm_bindgen]
extern "C" {
    /// A promise's own `resolve` or `reject` function, which never throws: so it is called
    /// without the exception handling `Function::call1` wraps around every call.
    type Settler;

    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &Settler, this_arg: &JsValue, value: &JsValue);
}

/// Resolves or rejects a promise through its `resolve` or `reject` function.
pub fn settle(resolve_or_reject: &Function, value: &JsValue) {
    let settle: &Settler = resolve_or_reject.unchecked_ref();
    settle.call(&JsValue::NULL, value);
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
