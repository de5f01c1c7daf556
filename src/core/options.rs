//! Reading a method's options. The JavaScript edge hands them over as JSON text (what
//! `JSON.stringify` makes of the options object), so that every check lives here, in plain Rust:
//! only known keys, the expected type for each, `null` where an update clears a field.
//! Messages name the option and the expected type but never repeat the value (it might be a token).
//!
//! What JSON cannot carry the edge reads itself: the `signal` (an `AbortSignal`). A `Date` arrives
//! as its ISO 8601 text, `undefined` and functions as absent keys, `NaN` and infinities as `null`.

use super::error::Error;
use super::json::{self, Value};
use super::request::{AllowedApplication, Expires, Patch};
use super::text::cat;
use super::token::redact;
use crate::prelude::*;

/// The options every method takes besides its own: its limits.
pub const CALL_OPTIONS: [&str; 2] = ["timeout", "signal"];

/// A checked options object: a JSON object (or nothing) with only known keys.
#[derive(Default)]
pub struct Options {
    members: Vec<(String, Value)>,
}

/// An unknown key as it may appear in a message: short, and redacted if token-shaped.
fn short(key: &str) -> String {
    let key: String = key.chars().take(40).collect();
    redact(&key, &[])
}

impl Options {
    /// Checks the options of `method`: `json` is `None` for `undefined`/`null`, else the JSON
    /// text of the value, which must be an object whose keys are all in `allowed` or `also`
    /// (the options every call takes, [`CALL_OPTIONS`], or none).
    pub fn parse(
        json: Option<&str>,
        method: &str,
        allowed: &[&str],
        also: &[&str],
    ) -> Result<Options, Error> {
        let Some(json) = json else {
            return Ok(Options::default());
        };
        match json::parse(json) {
            Some(Value::Object(members)) => {
                let known =
                    |k: &String| allowed.contains(&k.as_str()) || also.contains(&k.as_str());
                if let Some((key, _)) = members.iter().find(|(k, _)| !known(k)) {
                    let mut names = String::new();
                    for name in allowed.iter().chain(also) {
                        if !names.is_empty() {
                            names.push_str(", ");
                        }
                        names.push_str(name);
                    }
                    return Err(Error::invalid(cat(&[
                        method,
                        " has no option \"",
                        &short(key),
                        "\"; its options are: ",
                        &names,
                        ".",
                    ])));
                }
                Ok(Options { members })
            }
            Some(Value::Null) => Ok(Options::default()),
            Some(_) => Err(Error::invalid(cat(&[method, " takes an options object."]))),
            None => Err(Error::invalid(cat(&[
                method,
                ": the options object could not be read.",
            ]))),
        }
    }

    /// The value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` was given (with any value but `undefined`).
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn typed<T>(
        &self,
        key: &str,
        expected: &str,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Result<Option<T>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => read(value)
                .map(Some)
                .ok_or_else(|| Error::invalid(cat(&[key, " must be ", expected, "."]))),
        }
    }

    /// A string option.
    pub fn string(&self, key: &str) -> Result<Option<String>, Error> {
        self.typed(key, "a string", |v| v.as_str().map(str::to_owned))
    }

    /// A boolean option.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, Error> {
        self.typed(key, "true or false", |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
    }

    /// A number option (range checks are the request builders').
    pub fn number(&self, key: &str) -> Result<Option<f64>, Error> {
        self.typed(key, "a number", Value::as_f64)
    }

    /// An array-of-strings option.
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        self.typed(key, "an array of strings", Value::as_str_array)
    }

    /// A field an update may set, clear with `null`, or leave out.
    fn patch<T>(
        &self,
        key: &str,
        read: impl FnOnce(&str) -> Result<Option<T>, Error>,
    ) -> Result<Patch<T>, Error> {
        if matches!(self.get(key), Some(Value::Null)) {
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
                Value::as_str_array,
            )
        })
    }

    /// `allowedApplications`: `[{ platform, bundleId }]`.
    pub fn applications(&self, key: &str) -> Result<Option<Vec<AllowedApplication>>, Error> {
        self.typed(
            key,
            "an array of { platform, bundleId } objects with string values",
            |v| match v {
                Value::Array(items) => items
                    .iter()
                    .map(|item| {
                        let field = |name| item.get(name)?.as_str().map(str::to_owned);
                        Some(AllowedApplication {
                            platform: field("platform")?,
                            bundle_id: field("bundleId")?,
                        })
                    })
                    .collect(),
                _ => None,
            },
        )
    }

    /// `allowedApplications`, `null` (clear) or absent (keep).
    pub fn patch_applications(&self, key: &str) -> Result<Patch<Vec<AllowedApplication>>, Error> {
        self.patch(key, |key| self.applications(key))
    }

    /// `expires`: seconds from now (a number), or an ISO 8601 string (a `Date` arrives as one).
    pub fn expires(&self) -> Result<Option<Expires>, Error> {
        self.typed(
            "expires",
            "a number of seconds, a Date or an ISO 8601 string",
            |v| match v {
                Value::Number(seconds) => Some(Expires::In(*seconds)),
                Value::String(text) => Some(Expires::Text(text.clone())),
                _ => None,
            },
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOWED: [&str; 6] = [
        "username",
        "limit",
        "scopes",
        "allowedUrls",
        "expires",
        "timeout",
    ];

    fn parse(json: &str) -> Result<Options, Error> {
        Options::parse(Some(json), "listTokens", &ALLOWED, &[])
    }

    fn message(r: Result<impl Sized, Error>) -> String {
        match r {
            Ok(_) => panic!("accepted"),
            Err(e) => e.message.clone(),
        }
    }

    #[test]
    fn nothing_null_and_empty_objects_are_no_options() {
        for o in [
            Options::parse(None, "m", &[], &[]).unwrap(),
            parse("null").unwrap(),
            parse("{}").unwrap(),
        ] {
            assert_eq!(o.string("username").unwrap(), None);
            assert!(!o.has("limit"));
        }
    }

    #[test]
    fn only_objects_with_known_keys() {
        for json in ["[]", "\"x\"", "3", "true"] {
            assert_eq!(message(parse(json)), "listTokens takes an options object.");
        }
        assert_eq!(
            message(parse("{")),
            "listTokens: the options object could not be read."
        );
        let m = message(parse(r#"{"usernme":"a"}"#));
        assert!(
            m.starts_with("listTokens has no option \"usernme\"; its options are: username, limit")
        );
        let call = Options::parse(Some(r#"{"a":1,"timeout":2}"#), "m", &["a"], &CALL_OPTIONS);
        assert_eq!(call.unwrap().timeout().unwrap(), Some(2.0));
        let m = message(Options::parse(
            Some(r#"{"b":1}"#),
            "m",
            &["a"],
            &CALL_OPTIONS,
        ));
        assert_eq!(
            m,
            "m has no option \"b\"; its options are: a, timeout, signal."
        );
        // An unknown key that looks like a token is not repeated.
        let token = "pk.eyJ1IjoiYSJ9.abcdefghijklmnopqrstuv";
        assert!(!message(parse(&format!(r#"{{"{token}":1}}"#))).contains(token));
    }

    #[test]
    fn typed_readers() {
        let o = parse(
            r#"{"username":"ann","limit":20,"scopes":["a","b"],"allowedUrls":null,"expires":"2026-01-01T00:00:00.000Z","timeout":5}"#,
        )
        .unwrap();
        assert_eq!(o.string("username").unwrap().as_deref(), Some("ann"));
        assert_eq!(o.number("limit").unwrap(), Some(20.0));
        assert_eq!(
            o.strings("scopes").unwrap(),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(o.patch_strings("allowedUrls").unwrap(), Patch::Clear);
        assert_eq!(
            o.patch_strings("scopes").unwrap(),
            Patch::Set(vec!["a".into(), "b".into()])
        );
        assert_eq!(o.patch_applications("missing").unwrap(), Patch::Keep);
        assert_eq!(
            o.expires().unwrap(),
            Some(Expires::Text("2026-01-01T00:00:00.000Z".into()))
        );
        assert_eq!(o.timeout().unwrap(), Some(5.0));
        assert!(o.has("allowedUrls"));

        let bad = parse(r#"{"username":1,"limit":"2","scopes":["a",1],"expires":{},"timeout":0}"#)
            .unwrap();
        assert_eq!(
            message(bad.string("username")),
            "username must be a string."
        );
        assert_eq!(message(bad.number("limit")), "limit must be a number.");
        assert_eq!(
            message(bad.strings("scopes")),
            "scopes must be an array of strings."
        );
        assert!(message(bad.expires()).starts_with("expires must be a number of seconds"));
        assert!(message(bad.timeout()).starts_with("timeout must be a number of milliseconds"));
        assert_eq!(message(bad.bool("limit")), "limit must be true or false.");
    }

    #[test]
    fn applications() {
        let o = Options::parse(
            Some(r#"{"a":[{"platform":"iOS","bundleId":"com.x"}],"b":[{"platform":"iOS"}],"c":null}"#),
            "create",
            &["a", "b"],
            &["c"],
        )
        .unwrap();
        let apps = o.applications("a").unwrap().unwrap();
        assert_eq!(
            (apps[0].platform.as_str(), apps[0].bundle_id.as_str()),
            ("iOS", "com.x")
        );
        assert!(message(o.applications("b")).contains("{ platform, bundleId }"));
        assert_eq!(o.patch_applications("c").unwrap(), Patch::Clear);
    }
}
