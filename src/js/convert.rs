//! JavaScript values in and out: options read from the caller's object, and the objects this
//! package hands back (response objects, `MapboxError`s, decoded and found tokens, and the
//! promises of its methods).

use std::future::Future;
use std::pin::Pin;

use js_sys::{Date, Function, Object, Promise, Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use crate::core::error::Error;
use crate::core::options::{self, Method, Options};
use crate::core::token::{self, Found, TokenInfo};

/// The JSON text of a caller's value: `JSON.stringify`, whose exceptions (a throwing getter or
/// Proxy trap, a cycle, a BigInt) are caught, so that no hostile value ever throws through the
/// wasm module. `None` when the value has no JSON text.
fn json_text(value: &JsValue) -> Option<String> {
    JSON::stringify(value).ok()?.as_string()
}

thread_local! {
    /// `Object.prototype`: what a plain object (an object literal) inherits from.
    static OBJECT_PROTOTYPE: JsValue = Object::get_prototype_of(&Object::new()).into();
}

/// Reads the options of `method`: `undefined`, `null`, or an object (see `core::options`), read
/// through its JSON text: a value that has none is refused like any other bad input. Options
/// that property access finds on the object's prototype chain (a class instance's getters) count
/// as given, like its own.
pub fn options(value: &JsValue, method: Method) -> Result<Options, Error> {
    if value.is_undefined() || value.is_null() {
        return options::parse(None, method);
    }
    if !value.is_object() {
        return Err(Error::invalid(format!(
            "{} takes an options object.",
            method.name()
        )));
    }
    let text = options_text(value, method.name(), method.names())?;
    options::parse(Some(&text), method).map_err(|e| unreadable_option(value, &text).unwrap_or(e))
}

/// The JSON text of an options object, with the known `names` that it holds other than as own
/// enumerable properties (which `JSON.stringify` alone would miss) read as property access reads
/// them. `accessToken` present with the value `undefined` is refused: the caller meant to give
/// one, and falling back to the environment's could reach another account.
fn options_text(value: &JsValue, method: &str, names: &[&str]) -> Result<String, Error> {
    let unreadable = || Error::invalid(format!("{method}: the options object could not be read."));
    let text = json_text(value).ok_or_else(unreadable)?;
    // (Through `Reflect`, whose exceptions are caught: a Proxy's trap may throw.)
    let prototype: JsValue = Reflect::get_prototype_of(value)
        .map_err(|_| unreadable())?
        .into();
    let inherits = !(prototype.is_null() || OBJECT_PROTOTYPE.with(|p| *p == prototype));
    // `accessToken` held but not in the text: `undefined`, or not an own enumerable property.
    let token_elsewhere = names.contains(&"accessToken")
        && !text.contains("\"accessToken\":")
        && Reflect::has(value, &JsValue::from_str("accessToken")).unwrap_or(false);
    if !inherits && !token_elsewhere {
        return Ok(text);
    }
    // Only an object's text can be added to (a `toJSON` that made something else is refused by
    // the parser later).
    let Some(body) = text.strip_suffix('}').filter(|_| text.starts_with('{')) else {
        return Ok(text);
    };
    let mut out = body.to_owned();
    for &name in names {
        let key = JsValue::from_str(name);
        // A name in quotes before a colon can only be a key: a string's quotes are escaped.
        let own = text.contains(&format!("\"{name}\":"));
        if own || !Reflect::has(value, &key).unwrap_or(false) {
            continue;
        }
        let cannot = || Error::invalid(format!("{method}: the option {name} could not be read."));
        let given = Reflect::get(value, &key).map_err(|_| cannot())?;
        if given.is_undefined() {
            if name == "accessToken" {
                return Err(Error::invalid(format!(
                    "{method}: accessToken is undefined. Pass the token string, or leave the option out to use MAPBOX_ACCESS_TOKEN."
                )));
            }
            continue;
        }
        let json = json_text(&given).ok_or_else(cannot)?;
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&format!("\"{name}\":{json}"));
    }
    out.push('}');
    Ok(out)
}

/// When options text could not be read because a string in it holds a lone UTF-16 surrogate
/// (which `JSON.stringify` writes as an escape that no UTF-8 text can hold): the error naming the
/// option that holds it.
fn unreadable_option(value: &JsValue, text: &str) -> Option<Error> {
    if !text.contains("\\ud") {
        return None;
    }
    let keys = Reflect::own_keys(value).ok()?;
    keys.iter().find_map(|key| {
        let name = key.as_string()?;
        let text = json_text(&Reflect::get(value, &key).ok()?)?;
        serde_json::from_str::<serde_json::Value>(&text).is_err().then(|| {
            let name = options::short(&name);
            Error::invalid(format!(
                "{name} must be well-formed text: it holds a lone surrogate (half of a UTF-16 pair)."
            ))
        })
    })
}

/// The options of `new TokenBroker`, split: its `authorize` function and its `store` object (which
/// JSON cannot carry, and whose text could be huge or cyclic), and the rest, to be read like any
/// options (a copy whose prototype is the original's, so that inherited getters still count).
pub fn broker_parts(
    options: &JsValue,
) -> Result<(Option<Function>, Option<JsValue>, JsValue), Error> {
    if !options.is_object() {
        return Err(Error::invalid("new TokenBroker takes an options object."));
    }
    let unreadable = |name: &str| {
        Error::invalid(format!(
            "new TokenBroker: the option {name} could not be read."
        ))
    };
    let authorize = match Reflect::get(options, &"authorize".into()) {
        Ok(f) if f.is_undefined() => None,
        Ok(f) => Some(f.dyn_into::<Function>().map_err(|_| {
            Error::invalid("authorize must be a function: (request) => boolean | Promise<boolean>.")
        })?),
        Err(_) => return Err(unreadable("authorize")),
    };
    let store = match Reflect::get(options, &"store".into()) {
        Ok(s) if s.is_undefined() => None,
        Ok(s) if s.is_object() => Some(s),
        Ok(_) => {
            return Err(Error::invalid(
                "store must be an object with get, setIfAbsent, set and delete.",
            ))
        }
        Err(_) => return Err(unreadable("store")),
    };
    let prototype = Reflect::get_prototype_of(options).map_err(|_| unreadable("object"))?;
    let rest = Object::create(&prototype);
    let keys = Reflect::own_keys(options).map_err(|_| unreadable("object"))?;
    for key in keys.iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        if name == "authorize" || name == "store" {
            continue;
        }
        let value = Reflect::get(options, &key).map_err(|_| unreadable(&name))?;
        let _ = Reflect::set(&rest, &key, &value);
    }
    Ok((authorize, store, rest.into()))
}

/// The `signal` option, which JSON cannot carry: a real `AbortSignal`, or an error.
pub fn signal(options: &JsValue) -> Result<AbortSignal, Error> {
    let refused = || Error::invalid("signal must be an AbortSignal.");
    let signal = Reflect::get(options, &"signal".into()).map_err(|_| refused())?;
    let signal = signal.dyn_into::<AbortSignal>().map_err(|_| refused())?;
    // A Proxy or a made-up object passes `instanceof` but throws on use; a real signal answers.
    let real = Reflect::get(&signal, &"aborted".into()).is_ok_and(|a| a.as_bool().is_some());
    if real {
        Ok(signal)
    } else {
        Err(refused())
    }
}

/// An environment variable, in Node (`process.env`); nothing elsewhere.
pub fn env_var(name: &str) -> Option<String> {
    let process = member(&js_sys::global(), "process")?;
    let env = member(&process, "env")?;
    text(&env, name).filter(|s| !s.is_empty())
}

#[wasm_bindgen]
extern "C" {
    /// `Array.isArray`, which throws for a revoked Proxy.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// The global `Promise`.
    #[wasm_bindgen(thread_local_v2, js_name = Promise)]
    static PROMISE: JsValue;

    /// `Promise.resolve`, bound per response to make its `json()` without a closure.
    #[wasm_bindgen(thread_local_v2, js_namespace = Promise, js_name = resolve)]
    static PROMISE_RESOLVE: Function;
}

/// Every object this package hands back is one of the structs below, made by serde-wasm-bindgen
/// (`null` for a `None` that is sent, an option left out where the `.d.ts` says so). What
/// JavaScript already holds (a parsed body, `Headers`, a `Date`, a function) goes in as it is
/// (`preserve`).
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);

/// `value` as a JavaScript value.
pub fn to_js(value: &impl Serialize) -> JsValue {
    value.serialize(&SERIALIZER).unwrap_or(JsValue::UNDEFINED)
}

/// What every method resolves to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    status: u16,
    ok: bool,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    headers: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    data: JsValue,
    /// `json()`: `Promise.resolve` bound to the data (no closure to keep).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    json: JsValue,
    /// Only on a page of `listTokens`: the next page's cursor, or `null` on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_start: Option<Option<String>>,
}

/// `{ status, ok, headers, data, json() }`, plus `nextStart` (the next page's cursor or `null`)
/// for a page of `listTokens`.
pub fn response(
    status: u16,
    headers: JsValue,
    data: JsValue,
    next_start: Option<Option<String>>,
) -> JsValue {
    let json =
        PROMISE.with(|ctor| PROMISE_RESOLVE.with(|resolve| resolve.bind1(ctor, &data).into()));
    to_js(&Response {
        status,
        ok: true,
        headers,
        data,
        json,
        next_start,
    })
}

/// The `X-Rate-Limit-*` figures of a failed response, as `error.rateLimit`: those sent.
#[derive(Serialize)]
struct RateLimitFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reset: Option<f64>,
}

/// What a `MapboxError` carries besides its message: those known.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorFields<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate_limit: Option<RateLimitFields>,
    /// Only from `rotate`: the token it made before it failed.
    #[serde(
        skip_serializing_if = "JsValue::is_undefined",
        with = "serde_wasm_bindgen::preserve"
    )]
    created: JsValue,
}

/// A real `Error` named `MapboxError` with `kind`, and where known `status`, `apiMessage`,
/// `method`, `url` and `rateLimit`.
pub fn error(e: Error) -> JsValue {
    error_with_created(e, JsValue::UNDEFINED)
}

/// A `MapboxError` that also carries `created` (unless it is `undefined`): the token a rotation
/// made before it failed.
pub fn error_with_created(e: Error, created: JsValue) -> JsValue {
    let e = e.into_details();
    let js = js_sys::Error::new(&e.message);
    js.set_name("MapboxError");
    let fields = ErrorFields {
        kind: e.kind.as_str(),
        status: e.status,
        api_message: e.api_message.as_deref(),
        method: e.method,
        url: e.url.as_deref(),
        rate_limit: e.rate_limit.map(|rl| RateLimitFields {
            limit: rl.limit,
            interval: rl.interval,
            reset: rl.reset,
        }),
        created,
    };
    Object::assign(&js, to_js(&fields).unchecked_ref());
    js.into()
}

/// What `parseToken` returns, the dates as `Date`s.
#[derive(Serialize)]
struct TokenInfoObject<'a> {
    usage: &'static str,
    user: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization: Option<&'a str>,
    #[serde(
        skip_serializing_if = "JsValue::is_undefined",
        with = "serde_wasm_bindgen::preserve"
    )]
    expires: JsValue,
    #[serde(
        skip_serializing_if = "JsValue::is_undefined",
        with = "serde_wasm_bindgen::preserve"
    )]
    created: JsValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<&'a str>,
}

/// `{ usage, user, authorization?, expires?, created?, scopes?, client? }`.
pub fn token_info(info: TokenInfo) -> JsValue {
    let date = |ms: Option<i64>| {
        ms.map_or(JsValue::UNDEFINED, |ms| {
            Date::new(&JsValue::from(ms as f64)).into()
        })
    };
    to_js(&TokenInfoObject {
        usage: info.usage.as_str(),
        user: &info.user,
        authorization: info.authorization.as_deref(),
        expires: date(info.expires_ms),
        created: date(info.created_ms),
        scopes: info.scopes.as_deref(),
        client: info.client.as_deref(),
    })
}

/// A token found by `findTokens`, as JavaScript sees it.
#[derive(Serialize)]
struct FoundToken<'a> {
    token: &'a str,
    redacted: String,
    usage: &'static str,
    user: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization: Option<&'a str>,
    index: usize,
    line: usize,
    column: usize,
}

/// The array `findTokens` returns.
pub fn found_tokens(found: &[Found]) -> JsValue {
    let items: Vec<FoundToken> = found
        .iter()
        .map(|f| FoundToken {
            token: &f.token,
            redacted: token::redacted(&f.token),
            usage: f.info.usage.as_str(),
            user: &f.info.user,
            authorization: f.info.authorization.as_deref(),
            index: f.index,
            line: f.line,
            column: f.column,
        })
        .collect();
    to_js(&items)
}

/// What the pacing is doing, as `tokens.rateLimit`: `{ limit, interval, held, resumesIn }`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PacingStatus {
    pub limit: u32,
    pub interval: f64,
    pub held: usize,
    pub resumes_in: f64,
}

/// `{ created, previous, deleted }`, the data of `rotate`'s response.
#[derive(Serialize)]
pub struct Rotated {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub created: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub previous: JsValue,
    pub deleted: bool,
}

/// What an async iterator's `next()` resolves to.
#[derive(Serialize)]
pub struct IteratorResult {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub value: JsValue,
    pub done: bool,
}

/// A token handed out by a broker: `{ token, expires }` (`expires` as ISO 8601 text).
#[derive(Serialize)]
pub struct Handed<'a> {
    pub token: &'a str,
    pub expires: String,
}

/// The value of `key` in an object; `None` when it is absent, `null`, or cannot be read.
pub fn member(object: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(object, &key.into())
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

/// The string at `key` in an object; `None` when there is none.
pub fn text(object: &JsValue, key: &str) -> Option<String> {
    member(object, key)?.as_string()
}

/// Calls the method `name` of `object` with `args`: what it returns, or `None` when `object` has
/// no such method or it throws.
pub fn call_method(object: &JsValue, name: &str, args: &[JsValue]) -> Option<JsValue> {
    let method: Function = member(object, name)?.dyn_into().ok()?;
    method.apply(object, &args.iter().collect()).ok()
}

/// The strings of an array (a caller's, or one the API sent); `None` unless it is an array of strings. Read as property
/// access reads it, with exceptions caught (it may be a Proxy whose traps throw).
pub fn strings_of(value: &JsValue) -> Option<Vec<String>> {
    if !is_array(value).ok()? {
        return None;
    }
    let length = Reflect::get(value, &"length".into()).ok()?.as_f64()?;
    (0..length as u32)
        .map(|i| Reflect::get_u32(value, i).ok()?.as_string())
        .collect()
}

/// The work of a method call, as `future_to_promise` runs it. One boxed type for every method, so
/// that the machinery that polls it is built into the module once, not once per method.
pub type Work = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// The promise of `work`: resolved with its value, or rejected with its `MapboxError`. (A thin
/// generic shell: the work is boxed at once, and what follows is built into the module once.)
pub fn spawn(work: impl Future<Output = Result<JsValue, Error>> + 'static) -> Promise {
    settle(Box::pin(work))
}

fn settle(work: Pin<Box<dyn Future<Output = Result<JsValue, Error>>>>) -> Promise {
    promise(Box::pin(async move { work.await.map_err(error) }))
}

/// The promise of `work`, settled as it is.
pub fn promise(work: Work) -> Promise {
    future_to_promise(work)
}
