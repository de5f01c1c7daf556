//! JavaScript values in and out: options read from the caller's object, and the objects this
//! package hands back (response objects, `MapboxError`s, decoded and found tokens).

use js_sys::{Date, Function, Object, Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
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
    let process = Reflect::get(&js_sys::global(), &"process".into()).ok()?;
    let env = Reflect::get(&process, &"env".into()).ok()?;
    Reflect::get(&env, &name.into())
        .ok()?
        .as_string()
        .filter(|s| !s.is_empty())
}

#[wasm_bindgen]
extern "C" {
    /// A plain object being filled in as a response. Each property has its own setter, so each is
    /// one plain store in the glue (`o.status = v`) rather than a `Reflect.set` with exception
    /// handling around it: a response is made on every call.
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

/// `{ status, ok, headers, data, json() }`, plus `nextStart` (the next page's cursor or `null`)
/// for a page of `listTokens`.
pub fn response(
    status: u16,
    headers: &JsValue,
    data: &JsValue,
    next_start: Option<Option<String>>,
) -> JsValue {
    let object: Fields = Object::new().unchecked_into();
    object.set_status(status);
    object.set_ok(true);
    object.set_headers(headers);
    object.set_data(data);
    let json = PROMISE.with(|ctor| PROMISE_RESOLVE.with(|resolve| resolve.bind1(ctor, data)));
    object.set_json(&json);
    if let Some(next) = next_start {
        object.set_next_start(&next.map_or(JsValue::NULL, JsValue::from));
    }
    object.into()
}

/// Sets `key` on an object this module has just made (plain or `Error`: no setters, extensible),
/// where it cannot fail.
fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The `X-Rate-Limit-*` figures of a failed response, as `error.rateLimit`.
#[derive(Serialize)]
struct RateLimitFields {
    limit: Option<f64>,
    interval: Option<f64>,
    reset: Option<f64>,
}

/// Plain objects, `undefined` for `None`: the shapes the `.d.ts` declares.
const SERIALIZER: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::new();

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
        let fields = RateLimitFields {
            limit: rl.limit,
            interval: rl.interval,
            reset: rl.reset,
        };
        if let Ok(value) = fields.serialize(&SERIALIZER) {
            set(&js, "rateLimit", &value);
        }
    }
    js.into()
}

/// A `MapboxError` that also carries `created`: the token a rotation made before it failed.
pub fn error_with_created(e: Error, created: &JsValue) -> JsValue {
    let js = error(e);
    set(js.unchecked_ref(), "created", created);
    js
}

/// `{ usage, user, authorization?, expires?, created?, scopes?, client? }`, the dates as `Date`s.
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
pub fn found_tokens(found: &[Found]) -> Result<JsValue, Error> {
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
    items
        .serialize(&SERIALIZER)
        .map_err(|_| Error::invalid("findTokens could not list the tokens it found."))
}

/// What the pacing is doing, as `tokens.rateLimit`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PacingStatus {
    limit: u32,
    interval: f64,
    held: usize,
    resumes_in: f64,
}

/// `{ limit, interval, held, resumesIn }`.
pub fn pacing_status(limit: u32, interval: f64, held: usize, resumes_in: f64) -> JsValue {
    let status = PacingStatus {
        limit,
        interval,
        held,
        resumes_in: resumes_in.ceil(),
    };
    status.serialize(&SERIALIZER).unwrap_or(JsValue::NULL)
}

/// `{ created, previous, deleted }`, the data of `rotate`'s response.
pub fn rotated(created: &JsValue, previous: &JsValue, deleted: bool) -> JsValue {
    let object = Object::new();
    set(&object, "created", created);
    set(&object, "previous", previous);
    set(&object, "deleted", &JsValue::from_bool(deleted));
    object.into()
}

/// The strings of a caller's array; `None` unless it is an array of strings. Read as property
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

/// A JS array of strings.
pub fn strings<S: AsRef<str>>(items: &[S]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from_str(s.as_ref()))
        .collect::<js_sys::Array>()
        .into()
}
