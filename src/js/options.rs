//! Options objects as the core reads them: the edge turns the value into JSON text with
//! `JSON.stringify`, called inside the method body, and `core::options` checks it. A hostile value
//! (a throwing getter or Proxy trap, a cycle, a BigInt) makes `stringify` throw, which is caught:
//! the promise rejects with an `InvalidInput` error instead of the call throwing. The only option
//! JSON cannot carry, `signal`, is read here.

use js_sys::{Function, Reflect, Symbol, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::error::Error;
use crate::core::json;
use crate::core::options::Options;
use crate::core::text::cat;
use crate::prelude::*;

fn global(name: &str) -> JsValue {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `value instanceof globalThis[constructor]`; false when the check throws.
pub fn instance_of(value: &JsValue, constructor: &str) -> bool {
    if !(value.is_object() || value.is_function()) {
        return false;
    }
    let ctor = global(constructor);
    let has_instance = Reflect::get(&ctor, &Symbol::has_instance()).ok();
    let check = has_instance.as_ref().and_then(|f| f.dyn_ref::<Function>());
    check
        .and_then(|f| f.call1(&ctor, value).ok())
        .is_some_and(|r| r.is_truthy())
}

/// The JSON text of a value; `None` when it has none (`undefined`, a function, a symbol) or
/// `stringify` throws.
fn json_text(value: &JsValue) -> Option<String> {
    JSON::stringify(value).ok()?.as_string()
}

/// Reads the options of `method` (`undefined`, `null` or an object with only keys from `allowed`
/// and `also`).
pub fn read(
    value: &JsValue,
    method: &str,
    allowed: &[&str],
    also: &[&str],
) -> Result<Options, Error> {
    // The common cases first, with the fewest calls out of wasm: none, then an object.
    if value.is_undefined() {
        return Ok(Options::default());
    }
    if value.is_object() {
        let text = json_text(value).ok_or_else(|| {
            Error::invalid(cat(&[method, ": the options object could not be read."]))
        })?;
        return Options::parse(Some(&text), method, allowed, also);
    }
    if value.is_null() {
        return Ok(Options::default());
    }
    Err(Error::invalid(cat(&[method, " takes an options object."])))
}

/// The `signal` option: an `AbortSignal`, or nothing.
pub fn signal(value: &JsValue, options: &Options) -> Result<Option<JsValue>, Error> {
    if !options.has("signal") {
        return Ok(None);
    }
    let signal = Reflect::get(value, &"signal".into()).unwrap_or(JsValue::UNDEFINED);
    // A real signal answers `aborted` with a boolean; a Proxy of one throws (caught).
    let real = instance_of(&signal, "AbortSignal")
        && Reflect::get(&signal, &"aborted".into()).is_ok_and(|a| a.as_bool().is_some());
    if real {
        Ok(Some(signal))
    } else {
        Err(Error::invalid("signal must be an AbortSignal."))
    }
}

/// An array whose items are all strings, or `None` (any other value's JSON is not such an array).
pub(super) fn string_array(value: &JsValue) -> Option<Vec<String>> {
    json::parse(&json_text(value)?)?.as_str_array()
}
