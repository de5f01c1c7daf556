//! Reading a method's options object from any JavaScript value, inside the method body, so that a
//! bad option rejects the promise with an `InvalidInput` error instead of throwing or trapping.
//! Messages name the option and the expected type but never repeat the value (it might be a token).

use js_sys::{Function, Object, Reflect, Symbol};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::error::Error;
use crate::core::request::{AllowedApplication, Expires, Patch};
use crate::core::text::cat;
use crate::core::token::redact;
use crate::prelude::*;

/// The most items read from any array option.
const MAX_ITEMS: f64 = 10_000.0;

// Untrusted values may be hostile Proxies whose traps throw. A JavaScript exception must never
// unwind through wasm frames (it would leave the module's state half-updated), so every look at
// such a value goes through a call that catches: Reflect, or a Function called with `call*`.

fn global(name: &str) -> JsValue {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn call_global(object: &str, method: &str, this: &JsValue, arg: &JsValue) -> Option<JsValue> {
    let f = Reflect::get(&global(object), &JsValue::from_str(method)).ok()?;
    f.dyn_ref::<Function>()?.call1(this, arg).ok()
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

/// `Array.isArray(value)`; false when it throws (a revoked Proxy).
fn is_array(value: &JsValue) -> bool {
    call_global("Array", "isArray", &JsValue::UNDEFINED, value).is_some_and(|r| r.is_truthy())
}

/// A validated options object: a plain object (or nothing) with only known keys.
pub struct Options {
    object: Option<Object>,
    method: &'static str,
}

fn short(key: &str) -> String {
    let key: String = key.chars().take(40).collect();
    redact(&key, &[])
}

impl Options {
    /// Accepts `undefined`, `null` or a non-array object whose own keys are all in `allowed`.
    pub fn new(value: &JsValue, method: &'static str, allowed: &[&str]) -> Result<Options, Error> {
        if value.is_undefined() || value.is_null() {
            return Ok(Options {
                object: None,
                method,
            });
        }
        if !value.is_object() || is_array(value) || value.is_function() {
            return Err(Error::invalid(cat(&[method, " takes an options object."])));
        }
        let object: Object = value.clone().unchecked_into();
        let keys = Reflect::own_keys(&object).map_err(|_| {
            Error::invalid(cat(&[method, ": the options object could not be read."]))
        })?;
        for key in keys.iter() {
            let Some(key) = key.as_string() else { continue }; // symbol keys are ignored
            if !allowed.contains(&key.as_str()) {
                return Err(Error::invalid(cat(&[
                    method,
                    " has no option \"",
                    &short(&key),
                    "\"; its options are: ",
                    &allowed.join(", "),
                    ".",
                ])));
            }
        }
        Ok(Options {
            object: Some(object),
            method,
        })
    }

    /// The raw value of `key` (`undefined` when absent).
    pub fn get(&self, key: &str) -> Result<JsValue, Error> {
        match &self.object {
            None => Ok(JsValue::UNDEFINED),
            Some(object) => Reflect::get(object, &JsValue::from_str(key)).map_err(|_| {
                Error::invalid(cat(&[self.method, ": option ", key, " could not be read."]))
            }),
        }
    }

    fn typed<T>(
        &self,
        key: &str,
        expected: &str,
        read: impl FnOnce(&JsValue) -> Option<T>,
    ) -> Result<Option<T>, Error> {
        let value = self.get(key)?;
        if value.is_undefined() {
            return Ok(None);
        }
        read(&value)
            .map(Some)
            .ok_or_else(|| Error::invalid(cat(&[key, " must be ", expected, "."])))
    }

    /// A string option.
    pub fn string(&self, key: &str) -> Result<Option<String>, Error> {
        self.typed(key, "a string", JsValue::as_string)
    }

    /// A boolean option.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, Error> {
        self.typed(key, "true or false", JsValue::as_bool)
    }

    /// A number option (range checks are the core's).
    pub fn number(&self, key: &str) -> Result<Option<f64>, Error> {
        self.typed(key, "a number", JsValue::as_f64)
    }

    /// An array-of-strings option.
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        self.typed(key, "an array of strings", string_array)
    }

    /// A field an update may set, clear with `null`, or leave out.
    fn patch<T>(
        &self,
        key: &str,
        read: impl FnOnce(&str) -> Result<Option<T>, Error>,
    ) -> Result<Patch<T>, Error> {
        if self.get(key)?.is_null() {
            return Ok(Patch::Clear);
        }
        Ok(read(key)?.map_or(Patch::Keep, Patch::Set))
    }

    /// An array of strings, `null` (clear) or absent (keep).
    pub fn patch_strings(&self, key: &str) -> Result<Patch<Vec<String>>, Error> {
        self.patch(key, |key| {
            self.typed(
                key,
                "an array of strings, or null to clear it",
                string_array,
            )
        })
    }

    /// `allowedApplications`: `[{ platform, bundleId }]`.
    pub fn applications(&self, key: &str) -> Result<Option<Vec<AllowedApplication>>, Error> {
        self.typed(
            key,
            "an array of { platform, bundleId } objects with string values",
            application_array,
        )
    }

    /// `allowedApplications`, `null` (clear) or absent (keep).
    pub fn patch_applications(&self, key: &str) -> Result<Patch<Vec<AllowedApplication>>, Error> {
        self.patch(key, |key| self.applications(key))
    }

    /// `expires`: seconds from now (number), a `Date`, or ISO 8601 text.
    pub fn expires(&self) -> Result<Option<Expires>, Error> {
        self.typed(
            "expires",
            "a number of seconds, a Date or an ISO 8601 string",
            |v| {
                if let Some(seconds) = v.as_f64() {
                    Some(Expires::In(seconds))
                } else if let Some(text) = v.as_string() {
                    Some(Expires::Text(text))
                } else {
                    // Date.prototype.getTime.call(v): throws (caught) unless v is a real Date.
                    let get_time = Reflect::get(&global("Date"), &"prototype".into())
                        .and_then(|proto| Reflect::get(&proto, &"getTime".into()))
                        .ok()?;
                    let ms = get_time.dyn_ref::<Function>()?.call0(v).ok()?.as_f64()?;
                    Some(Expires::At(ms))
                }
            },
        )
    }

    /// `signal`: an `AbortSignal`.
    pub fn signal(&self) -> Result<Option<JsValue>, Error> {
        self.typed("signal", "an AbortSignal", |v| {
            // A real signal answers `aborted` with a boolean; a Proxy of one throws (caught).
            let real = instance_of(v, "AbortSignal")
                && Reflect::get(v, &"aborted".into()).is_ok_and(|a| a.as_bool().is_some());
            real.then(|| v.clone())
        })
    }

    /// `timeout`: milliseconds, positive and finite (at most about 24.8 days, as timers allow).
    pub fn timeout(&self) -> Result<Option<f64>, Error> {
        match self.number("timeout")? {
            Some(ms) if !(ms > 0.0 && ms <= 2_147_483_647.0) => Err(Error::invalid(
                "timeout must be a number of milliseconds greater than 0 and at most 2147483647.",
            )),
            other => Ok(other),
        }
    }
}

/// The items of an array (at most `MAX_ITEMS`), each read through a catching `Reflect.get`.
fn items(value: &JsValue) -> Option<Vec<JsValue>> {
    if !is_array(value) {
        return None;
    }
    let length = Reflect::get(value, &"length".into()).ok()?.as_f64()?;
    if !(0.0..=MAX_ITEMS).contains(&length) {
        return None;
    }
    (0..length as u32)
        .map(|i| Reflect::get(value, &JsValue::from(i)).ok())
        .collect()
}

/// An array whose items are all strings (read safely), or `None`.
pub(super) fn string_array(value: &JsValue) -> Option<Vec<String>> {
    items(value)?.iter().map(JsValue::as_string).collect()
}

fn application_array(value: &JsValue) -> Option<Vec<AllowedApplication>> {
    items(value)?
        .into_iter()
        .map(|item| {
            if !item.is_object() {
                return None;
            }
            let field = |key: &str| {
                Reflect::get(&item, &JsValue::from_str(key))
                    .ok()?
                    .as_string()
            };
            Some(AllowedApplication {
                platform: field("platform")?,
                bundle_id: field("bundleId")?,
            })
        })
        .collect()
}
