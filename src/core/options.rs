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

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::Error;
use super::plain::{self, Refused};
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
            .map_err(|_| de::Error::custom(format_args!("{}, or null to clear it", T::EXPECTED)))
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Expires {
    /// Seconds from now, on the API's clock.
    In(f64),
    /// An absolute time as ISO 8601 text (a `Date` arrives as its ISO text).
    At(String),
}

impl Expected for Expires {
    const EXPECTED: &'static str = "a number of seconds, a Date or an ISO 8601 string";
}

/// Whether the `signal` option was given. JSON cannot carry an `AbortSignal` (it arrives as `{}`),
/// so the edge reads the signal itself when this says there is one.
pub type SignalGiven = Present;

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

impl<'de> Deserialize<'de> for RateLimitOption {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Flag(bool),
            Figures(Figures),
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Figures {
            limit: f64,
            interval: f64,
        }
        match Given::deserialize(d)? {
            Given::Flag(false) => Ok(RateLimitOption::Off),
            Given::Figures(Figures { limit, interval }) => {
                Ok(RateLimitOption::Pace { limit, interval })
            }
            Given::Flag(true) => Err(de::Error::custom(Self::EXPECTED)),
        }
    }
}

/// Options of `new Tokens(options)`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClientOptions {
    /// The access token; else the environment's.
    #[serde(deserialize_with = "given")]
    pub access_token: Option<String>,
    /// The account; else the token's own.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The API origin.
    #[serde(deserialize_with = "given")]
    pub origin: Option<String>,
    /// Milliseconds per call.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Retries of a request that is safe to repeat.
    #[serde(deserialize_with = "given")]
    pub retries: Option<f64>,
    /// Pacing under the API's rate limit.
    #[serde(deserialize_with = "given")]
    pub rate_limit: Option<RateLimitOption>,
}

/// Options of `new TokenBroker(options)`: the client's, plus the broker's own (checked by
/// `core::broker::Policy`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BrokerOptions {
    /// The secret token that mints (needs `tokens:write`); else the environment's.
    #[serde(deserialize_with = "given")]
    pub access_token: Option<String>,
    /// The account; else the token's own.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The API origin.
    #[serde(deserialize_with = "given")]
    pub origin: Option<String>,
    /// Milliseconds per mint.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Retries of a request that is safe to repeat.
    #[serde(deserialize_with = "given")]
    pub retries: Option<f64>,
    /// Pacing under the API's rate limit.
    #[serde(deserialize_with = "given")]
    pub rate_limit: Option<RateLimitOption>,
    /// The scopes of the tokens handed out: public scopes only.
    #[serde(deserialize_with = "given")]
    pub scopes: Option<Vec<String>>,
    /// The seconds each token lives, 60 to 3600 (default 3600).
    #[serde(deserialize_with = "given")]
    pub expires: Option<f64>,
    /// The web origins whose pages may ask for a token.
    #[serde(deserialize_with = "given")]
    pub allowed_origins: Option<Vec<String>>,
    /// Whether any page (or none) may ask.
    #[serde(deserialize_with = "given")]
    pub allow_any_origin: Option<bool>,
    /// Whether an `authorize` function was given (the edge reads it: JSON cannot carry it).
    pub authorize: Present,
    /// Whether a shared `store` was given (the edge reads it).
    pub store: Present,
}

impl BrokerOptions {
    /// The options of the broker's client.
    pub fn client(&self) -> ClientOptions {
        ClientOptions {
            access_token: self.access_token.clone(),
            username: self.username.clone(),
            origin: self.origin.clone(),
            timeout: self.timeout,
            retries: self.retries,
            rate_limit: self.rate_limit,
        }
    }
}

/// `listTokens` options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListTokens {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
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
    /// Milliseconds this call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

/// `listAllTokens` options: the filters of `listTokens`, without the page cursor.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListAllTokens {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// `true`: only the default token; `false`: all but it.
    #[serde(deserialize_with = "given")]
    pub default: Option<bool>,
    /// The most tokens per page.
    #[serde(deserialize_with = "given")]
    pub limit: Option<f64>,
    /// `"created"` or `"modified"`.
    #[serde(deserialize_with = "given")]
    pub sortby: Option<String>,
    /// `"pk"` or `"sk"`.
    #[serde(deserialize_with = "given")]
    pub usage: Option<String>,
    /// Milliseconds each page may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

impl From<ListAllTokens> for ListTokens {
    fn from(o: ListAllTokens) -> ListTokens {
        ListTokens {
            username: o.username,
            default: o.default,
            limit: o.limit,
            sortby: o.sortby,
            start: None,
            usage: o.usage,
            timeout: o.timeout,
            signal: o.signal,
        }
    }
}

/// `createTempToken` options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CreateTempToken {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The scopes, a subset of the access token's.
    #[serde(deserialize_with = "given")]
    pub scopes: Option<Vec<String>>,
    /// Default: one hour from now.
    #[serde(deserialize_with = "given")]
    pub expires: Option<Expires>,
    /// Accepted only to be refused with a clear message (even `null` or `[]`): temporary tokens
    /// cannot have them.
    pub allowed_urls: Present,
    /// Milliseconds this call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

impl CreateTempToken {
    /// Whether the expiry is relative ("seconds from now", or the default hour): then it is
    /// honoured on the API's clock, whatever the caller's clock says.
    pub fn relative(&self) -> bool {
        !matches!(self.expires, Some(Expires::At(_)))
    }
}

/// `create` options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Create {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The scopes; any secret scope makes an `sk` token.
    #[serde(deserialize_with = "given")]
    pub scopes: Option<Vec<String>>,
    /// A description, at most 128 characters.
    #[serde(deserialize_with = "given")]
    pub note: Option<String>,
    /// URL restrictions, at most 100.
    #[serde(deserialize_with = "given")]
    pub allowed_urls: Option<Vec<String>>,
    /// App restrictions.
    #[serde(deserialize_with = "given")]
    pub allowed_applications: Option<Vec<AllowedApplication>>,
    /// Resource restrictions.
    #[serde(deserialize_with = "given")]
    pub resources: Option<Vec<String>>,
    /// Milliseconds this call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

/// `update` options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Update {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The token's id (not the token string).
    #[serde(deserialize_with = "given")]
    pub authorization_id: Option<String>,
    /// The new scopes (they replace the old set).
    #[serde(deserialize_with = "given")]
    pub scopes: Option<Vec<String>>,
    /// The new note.
    #[serde(deserialize_with = "given")]
    pub note: Option<String>,
    /// New URL restrictions, or `Clear`.
    pub allowed_urls: Patch<Vec<String>>,
    /// New app restrictions, or `Clear`.
    pub allowed_applications: Patch<Vec<AllowedApplication>>,
    /// New resource restrictions, or `Clear`.
    pub resources: Patch<Vec<String>>,
    /// Milliseconds this call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

/// `checkValidity` options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CheckValidity {
    /// The token to ask about, if not the client's own.
    #[serde(deserialize_with = "given")]
    pub access_token: Option<String>,
    /// Milliseconds this call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

/// `listScopes` options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListScopes {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// Milliseconds this call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

/// `delete` options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Delete {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The token's id (not the token string).
    #[serde(deserialize_with = "given")]
    pub authorization_id: Option<String>,
    /// Milliseconds this call may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

/// `rotate` options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Rotate {
    /// The account, if not the client's.
    #[serde(deserialize_with = "given")]
    pub username: Option<String>,
    /// The id of the token to replace.
    #[serde(deserialize_with = "given")]
    pub authorization_id: Option<String>,
    /// Whether to delete the old token once the new one exists.
    #[serde(deserialize_with = "given")]
    pub delete_old: Option<bool>,
    /// Milliseconds each request may take.
    #[serde(deserialize_with = "given")]
    pub timeout: Option<f64>,
    /// Whether a `signal` was given.
    pub signal: SignalGiven,
}

/// The limits every method takes besides its own options: `timeout` and `signal`.
pub trait CallOptions {
    /// Milliseconds the call may take, if given.
    fn timeout(&self) -> Option<f64>;
    /// Whether a `signal` was given (the edge reads it).
    fn signal_given(&self) -> bool;
}

macro_rules! call_options {
    ($($options:ty),*) => {$(
        impl CallOptions for $options {
            fn timeout(&self) -> Option<f64> {
                self.timeout
            }
            fn signal_given(&self) -> bool {
                self.signal.0
            }
        }
    )*};
}

call_options!(
    ListTokens,
    ListAllTokens,
    CreateTempToken,
    Create,
    Update,
    CheckValidity,
    ListScopes,
    Delete,
    Rotate
);

/// The option names of `T` as serde reads them, in declaration order. They are asked of serde
/// itself (a struct's `Deserialize` names its fields when it asks for a struct), so that the list
/// in messages can never disagree with what is accepted.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Names<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = Refused;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut names));
    names
}

/// A caller's text (a key, a scope name) as it may appear in a message: redacted if token-shaped,
/// then short (in that order: cutting first could leave a token's start that no longer looks like
/// one).
pub fn short(key: &str) -> String {
    redact(key, &[]).chars().take(40).collect()
}

/// Reads the options of `method`: `json` is `None` for `undefined`/`null`, else the JSON text of
/// the value, which must be an object whose keys are all options of `T`.
pub fn parse<T: DeserializeOwned + Default>(json: Option<&str>, method: &str) -> Result<T, Error> {
    let mut options = None;
    // Only this closure depends on `T`: the rest is built into the module once, not per method.
    check(json, method, field_names::<T>(), &mut |members| {
        options = Some(plain::from_members(members)?);
        Ok(())
    })?;
    Ok(options.unwrap_or_default())
}

/// An object's members, as [`check`] hands them to a reader. (Members, not a JSON value, so that
/// only the object form of an options struct's `Deserialize` is ever used and built in.)
type Members = serde_json::map::IntoIter;

/// Parses `json` and checks its keys against `names`, then has `read` read the members; when
/// that fails, finds the option at fault and says what it must be.
fn check(
    json: Option<&str>,
    method: &str,
    names: &[&str],
    read: &mut dyn FnMut(Members) -> Result<(), Refused>,
) -> Result<(), Error> {
    let Some(json) = json else {
        return Ok(());
    };
    let members = match serde_json::from_str(json) {
        Ok(Value::Object(members)) => members,
        Ok(Value::Null) => return Ok(()),
        Ok(_) => return Err(Error::invalid(format!("{method} takes an options object."))),
        Err(_) => {
            return Err(Error::invalid(format!(
                "{method}: the options object could not be read."
            )))
        }
    };
    if let Some(key) = members.keys().find(|key| !names.contains(&key.as_str())) {
        return Err(Error::invalid(format!(
            "{method} has no option \"{}\"; its options are: {}.",
            short(key),
            names.join(", ")
        )));
    }
    if read(members.into_iter()).is_ok() {
        return Ok(());
    }
    // Which option is wrong: each is read alone until one fails. What it must be is that error
    // itself (`given`, `Patch` and the option types write only that, never the value). The
    // members are parsed again for this, so that a call whose options are fine never copies them.
    let culprits = match serde_json::from_str(json) {
        Ok(Value::Object(members)) => members,
        _ => serde_json::Map::new(),
    };
    for (key, value) in culprits {
        let alone = serde_json::Map::from_iter([(key.clone(), value)]);
        if let Err(e) = read(alone.into_iter()) {
            return Err(Error::invalid(format!("{} must be {e}.", short(&key))));
        }
    }
    Err(Error::invalid(format!(
        "{method}: the options object could not be read."
    )))
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
