//! Every method's options, as serde reads them.
//!
//! The JavaScript edge hands a method's options over as JSON text (what `JSON.stringify` makes of
//! the options object: a `Date` becomes its ISO 8601 text, `undefined` and functions are left out,
//! `NaN` and the infinities become `null`), and [`parse`] turns it into one of the structs below.
//! Going through JSON text rather than reading the object field by field means that a hostile
//! value (a throwing getter, a Proxy, a cycle, a BigInt) is met by `JSON.stringify`, whose
//! exception the edge catches, and never by code running inside the wasm module.
//!
//! Only known keys are accepted, each with its type; `null` is refused except where an update
//! clears a field with it. Messages name the option and what it must be, and never repeat the
//! value given: it might be a token.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::Error;
use super::plain;
use super::token::redact;

/// How an option's type is named in messages: "limit must be **a number**."
pub trait Expected {
    /// What a value of this type is, for people.
    const EXPECTED: &'static str;
}

impl Expected for String {
    const EXPECTED: &'static str = "a string";
}

impl Expected for bool {
    const EXPECTED: &'static str = "true or false";
}

impl Expected for f64 {
    const EXPECTED: &'static str = "a number";
}

impl Expected for Vec<String> {
    const EXPECTED: &'static str = "an array of strings";
}

/// Reads an option that may be left out but, when given, must have type `T`: `null` is refused
/// like any other wrong type (it is what JSON makes of `NaN`, `Infinity` and an invalid `Date`).
fn given<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Expected,
{
    T::deserialize(d)
        .map(Some)
        .map_err(|_| de::Error::custom(T::EXPECTED))
}

/// A field that an update may leave alone (absent), clear (`null`) or set.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    /// Absent: unchanged.
    #[default]
    Keep,
    /// `null`: removed.
    Clear,
    /// A new value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field is left alone (and so not sent).
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }
}

impl<'de, T: Deserialize<'de> + Expected> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d)
            .map(|value| value.map_or(Patch::Clear, Patch::Set))
            .map_err(|_| de::Error::custom(T::EXPECTED))
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => value.serialize(s),
            // `Keep` is skipped by the structs that hold a patch; `Clear` is sent as null.
            Patch::Keep | Patch::Clear => s.serialize_none(),
        }
    }
}

/// An app allowed to use a token: `{ platform, bundleId }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedApplication {
    /// For example `"iOS"` or `"android"`.
    pub platform: String,
    /// The app's bundle id or package name.
    pub bundle_id: String,
}

impl Expected for Vec<AllowedApplication> {
    const EXPECTED: &'static str = "an array of { platform, bundleId } objects with string values";
}

/// When a temporary token expires.
#[derive(Debug, Clone, PartialEq)]
pub enum Expires {
    /// Seconds from now, on the API's clock.
    In(f64),
    /// An absolute time as ISO 8601 text (a `Date` arrives as its ISO text).
    At(String),
}

impl Expected for Expires {
    const EXPECTED: &'static str = "a number of seconds, a Date or an ISO 8601 string";
}

// Deserialized by a visitor of its own rather than `#[serde(untagged)]`, which would buffer the
// value in serde's private `Content` first: a second reader of every type, built into the module.
impl<'de> Deserialize<'de> for Expires {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;

        impl Visitor<'_> for Either {
            type Value = Expires;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(Expires::EXPECTED)
            }

            fn visit_f64<E: de::Error>(self, seconds: f64) -> Result<Expires, E> {
                Ok(Expires::In(seconds))
            }

            fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Expires, E> {
                Ok(Expires::In(seconds as f64))
            }

            fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Expires, E> {
                Ok(Expires::In(seconds as f64))
            }

            fn visit_str<E: de::Error>(self, at: &str) -> Result<Expires, E> {
                Ok(Expires::At(at.to_owned()))
            }

            fn visit_string<E: de::Error>(self, at: String) -> Result<Expires, E> {
                Ok(Expires::At(at))
            }
        }

        d.deserialize_any(Either)
    }
}

/// Whether an option was given at all, whatever its value (`null` included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Present(pub bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// The `rateLimit` option of the client: `false`, or the figures to pace requests by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateLimitOption {
    /// `false`: no pacing.
    Off,
    /// At most `limit` requests in any `interval` seconds (checked by the pacer).
    Pace {
        /// Requests per interval.
        limit: f64,
        /// The interval, in seconds.
        interval: f64,
    },
}

impl Expected for RateLimitOption {
    const EXPECTED: &'static str =
        "false or { limit, interval } (requests per interval of seconds)";
}

// A visitor of its own, like `Expires`'s, rather than an untagged enum.
impl<'de> Deserialize<'de> for RateLimitOption {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FalseOrFigures;

        impl<'de> Visitor<'de> for FalseOrFigures {
            type Value = RateLimitOption;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(RateLimitOption::EXPECTED)
            }

            fn visit_bool<E: de::Error>(self, on: bool) -> Result<RateLimitOption, E> {
                match on {
                    false => Ok(RateLimitOption::Off),
                    true => Err(E::custom(RateLimitOption::EXPECTED)),
                }
            }

            fn visit_map<M: de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<RateLimitOption, M::Error> {
                let (mut limit, mut interval) = (None, None);
                while let Some((key, value)) = map.next_entry::<String, f64>()? {
                    match key.as_str() {
                        "limit" => limit = Some(value),
                        "interval" => interval = Some(value),
                        _ => return Err(de::Error::custom(RateLimitOption::EXPECTED)),
                    }
                }
                match (limit, interval) {
                    (Some(limit), Some(interval)) => Ok(RateLimitOption::Pace { limit, interval }),
                    _ => Err(de::Error::custom(RateLimitOption::EXPECTED)),
                }
            }
        }

        d.deserialize_any(FalseOrFigures)
    }
}

/// The methods that take options, each with the options it accepts. (What a caller called, not
/// what is sent: that is `request::Operation`, and `rotate`, say, sends three kinds of request.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `new Tokens(options)`
    NewTokens,
    /// `new TokenBroker(options)`
    NewTokenBroker,
    /// `tokens.listTokens(options)`
    ListTokens,
    /// `tokens.listAllTokens(options)`
    ListAllTokens,
    /// `tokens.createTempToken(options)`
    CreateTempToken,
    /// `tokens.create(options)`
    Create,
    /// `tokens.update(options)`
    Update,
    /// `tokens.checkValidity(options)`
    CheckValidity,
    /// `tokens.listScopes(options)`
    ListScopes,
    /// `tokens.delete(options)`
    Delete,
    /// `tokens.rotate(options)`
    Rotate,
}

impl Method {
    /// How messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Method::NewTokens => "new Tokens",
            Method::NewTokenBroker => "new TokenBroker",
            Method::ListTokens => "listTokens",
            Method::ListAllTokens => "listAllTokens",
            Method::CreateTempToken => "createTempToken",
            Method::Create => "create",
            Method::Update => "update",
            Method::CheckValidity => "checkValidity",
            Method::ListScopes => "listScopes",
            Method::Delete => "delete",
            Method::Rotate => "rotate",
        }
    }

    /// The options it accepts (the JavaScript names, as messages list them). Each is a field of
    /// [`Options`] (a host test checks it).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Method::NewTokens => &[
                "accessToken",
                "username",
                "origin",
                "timeout",
                "retries",
                "rateLimit",
            ],
            Method::NewTokenBroker => &[
                "accessToken",
                "username",
                "origin",
                "timeout",
                "retries",
                "rateLimit",
                "scopes",
                "expires",
                "allowedOrigins",
                "allowAnyOrigin",
                "authorize",
                "store",
            ],
            Method::ListTokens => &[
                "username", "default", "limit", "sortby", "start", "usage", "timeout", "signal",
            ],
            // The filters of `listTokens`, without the page cursor.
            Method::ListAllTokens => &[
                "username", "default", "limit", "sortby", "usage", "timeout", "signal",
            ],
            Method::CreateTempToken => &[
                "username",
                "scopes",
                "expires",
                // Accepted only to be refused with a clear message (even `null` or `[]`).
                "allowedUrls",
                "timeout",
                "signal",
            ],
            Method::Create => &[
                "username",
                "scopes",
                "note",
                "allowedUrls",
                "allowedApplications",
                "resources",
                "timeout",
                "signal",
            ],
            Method::Update => &[
                "username",
                "authorizationId",
                "scopes",
                "note",
                "allowedUrls",
                "allowedApplications",
                "resources",
                "timeout",
                "signal",
            ],
            Method::CheckValidity => &["accessToken", "timeout", "signal"],
            Method::ListScopes => &["username", "timeout", "signal"],
            Method::Delete => &["username", "authorizationId", "timeout", "signal"],
            Method::Rotate => &[
                "username",
                "authorizationId",
                "deleteOld",
                "timeout",
                "signal",
            ],
        }
    }

    /// Whether `null` clears the option `name` (an update's restrictions).
    fn clears(self, name: &str) -> bool {
        self == Method::Update
            && matches!(name, "allowedUrls" | "allowedApplications" | "resources")
    }
}

/// Every option of every method, as serde reads them: one struct, so that the code that reads
/// options is built into the module once. [`parse`] lets through only the keys its method
/// accepts (see [`Method::names`]); the rest stay as they are by default (absent).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// The access token (`new Tokens`, `new TokenBroker`: else the environment's), or the token
    /// `checkValidity` asks about.
    #[serde(deserialize_with = "given")]
    pub access_token: Option<String>,
    /// The account, if not the client's (or the access token's own).
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The API origin.
    #[serde(deserialize_with = "given")]
    pub origin: Option<String>,
    /// Milliseconds a call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Retries of a request that is safe to repeat.
    #[serde(deserialize_with = "given")]
    pub retries: Option<f64>,
    /// Pacing under the API's rate limit.
    #[serde(deserialize_with = "given")]
    pub rate_limit: Option<RateLimitOption>,
    /// The scopes of a token; any secret scope makes an `sk` token (a broker's: public only).
    #[serde(deserialize_with = "given")]
    pub scopes: Option<Vec<String>>,
    /// When a temporary token expires (default: one hour from now); a broker's token life.
    #[serde(deserialize_with = "given")]
    pub expires: Option<Expires>,
    /// The web origins whose pages may ask a broker for a token.
    #[serde(deserialize_with = "given")]
    pub allowed_origins: Option<Vec<String>>,
    /// Whether any page (or none) may ask a broker.
    #[serde(deserialize_with = "given")]
    pub allow_any_origin: Option<bool>,
    /// Whether a broker's `authorize` function was given (the edge reads it: JSON cannot carry it).
    pub authorize: Present,
    /// Whether a broker's shared `store` was given (the edge reads it).
    pub store: Present,
    /// `true`: only the default token; `false`: all but it.
    #[serde(deserialize_with = "given")]
    pub default: Option<bool>,
    /// The most tokens per page.
    #[serde(deserialize_with = "given")]
    pub limit: Option<f64>,
    /// `"created"` or `"modified"`.
    #[serde(deserialize_with = "given")]
    pub sortby: Option<String>,
    /// The cursor from a previous page's `nextStart`.
    #[serde(deserialize_with = "given")]
    pub start: Option<String>,
    /// `"pk"` or `"sk"`.
    #[serde(deserialize_with = "given")]
    pub usage: Option<String>,
    /// A description, at most 128 characters.
    #[serde(deserialize_with = "given")]
    pub note: Option<String>,
    /// URL restrictions, at most 100 (`null` clears them in an update).
    pub allowed_urls: Patch<Vec<String>>,
    /// App restrictions (`null` clears them in an update).
    pub allowed_applications: Patch<Vec<AllowedApplication>>,
    /// Resource restrictions (`null` clears them in an update).
    pub resources: Patch<Vec<String>>,
    /// A token's id (not the token string).
    #[serde(deserialize_with = "given")]
    pub authorization_id: Option<String>,
    /// Whether `rotate` deletes the old token once the new one exists.
    #[serde(deserialize_with = "given")]
    pub delete_old: Option<bool>,
    /// Whether a `signal` was given (the edge reads it: JSON cannot carry an `AbortSignal`).
    pub signal: Present,
}

impl Options {
    /// Whether a temporary token's expiry is relative ("seconds from now", or the default hour):
    /// then it is honoured on the API's clock, whatever the caller's clock says.
    pub fn relative(&self) -> bool {
        !matches!(self.expires, Some(Expires::At(_)))
    }
}

/// A caller's text (a key, a scope name) as it may appear in a message: redacted if token-shaped,
/// then short (in that order: cutting first could leave a token's start that no longer looks like
/// one).
pub fn short(key: &str) -> String {
    redact(key, &[]).chars().take(40).collect()
}

/// Reads the options of `method`: `json` is `None` for `undefined`/`null`, else the JSON text of
/// the value, which must be an object whose keys are all options of `method`. When one cannot be
/// read, the message names it and says what it must be.
pub fn parse(json: Option<&str>, method: Method) -> Result<Options, Error> {
    let name = method.name();
    let unreadable = || Error::invalid(format!("{name}: the options object could not be read."));
    let Some(json) = json else {
        return Ok(Options::default());
    };
    let members = match serde_json::from_str(json) {
        Ok(Value::Object(members)) => members,
        Ok(Value::Null) => return Ok(Options::default()),
        Ok(_) => return Err(Error::invalid(format!("{name} takes an options object."))),
        Err(_) => return Err(unreadable()),
    };
    let names = method.names();
    if let Some(key) = members.keys().find(|key| !names.contains(&key.as_str())) {
        return Err(Error::invalid(format!(
            "{name} has no option \"{}\"; its options are: {}.",
            short(key),
            names.join(", ")
        )));
    }
    if let Ok(options) = plain::from_members(members.into_iter()) {
        return Ok(options);
    }
    // Which option is wrong: each is read alone until one fails. What it must be is that error
    // itself (`given`, `Patch` and the option types write only that, never the value). The
    // members are parsed again for this, so that a call whose options are fine never copies them.
    let Ok(Value::Object(members)) = serde_json::from_str(json) else {
        return Err(unreadable());
    };
    for (key, value) in members {
        let alone = serde_json::Map::from_iter([(key.clone(), value)]);
        if let Err(e) = plain::from_members::<Options>(alone.into_iter()) {
            let clear = if method.clears(&key) {
                ", or null to clear it"
            } else {
                ""
            };
            return Err(Error::invalid(format!(
                "{} must be {e}{clear}.",
                short(&key)
            )));
        }
    }
    Err(unreadable())
}

/// `timeout`: milliseconds, positive and finite (at most about 24.8 days, as timers allow).
pub fn checked_timeout(timeout: Option<f64>) -> Result<Option<f64>, Error> {
    match timeout {
        Some(ms) if !(ms > 0.0 && ms <= 2_147_483_647.0) => Err(Error::invalid(
            "timeout must be a number of milliseconds greater than 0 and at most 2147483647.",
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests;
