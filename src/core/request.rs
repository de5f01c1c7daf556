//! Every Tokens API operation as a request to send: method, path, query and body, built only after
//! the input has been checked. Nothing here does I/O.

use super::error::Error;
use super::json::{self, ObjectWriter};
use super::num;
use super::text::{cat, int};
use super::time;
use super::token::{self, Usage};
use super::url::{encode_component, Origin};
use crate::prelude::*;

/// The operations of the Tokens API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `GET /tokens/v2/{username}`
    ListTokens,
    /// `POST /tokens/v2/{username}` with `expires`
    CreateTempToken,
    /// `POST /tokens/v2/{username}`
    Create,
    /// `PATCH /tokens/v2/{username}/{id}`
    Update,
    /// `GET /tokens/v2`
    CheckValidity,
    /// `GET /scopes/v1/{username}`
    ListScopes,
    /// `DELETE /tokens/v2/{username}/{id}`
    Delete,
}

impl Operation {
    /// The JavaScript method name, used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ListTokens => "listTokens",
            Operation::CreateTempToken => "createTempToken",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::CheckValidity => "checkValidity",
            Operation::ListScopes => "listScopes",
            Operation::Delete => "delete",
        }
    }

    /// The scope the access token needs for this operation.
    pub fn required_scope(self) -> Option<&'static str> {
        match self {
            Operation::ListTokens => Some("tokens:read"),
            Operation::CreateTempToken
            | Operation::Create
            | Operation::Update
            | Operation::Delete => Some("tokens:write"),
            Operation::ListScopes => Some("scopes:list"),
            Operation::CheckValidity => None,
        }
    }

    /// The HTTP method.
    pub fn method(self) -> &'static str {
        match self {
            Operation::ListTokens | Operation::CheckValidity | Operation::ListScopes => "GET",
            Operation::CreateTempToken | Operation::Create => "POST",
            Operation::Update => "PATCH",
            Operation::Delete => "DELETE",
        }
    }
}

/// Which token goes in the request's `access_token` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The client's own access token.
    Client,
    /// Another token: `checkValidity({ accessToken })` asks about it.
    Other(String),
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// What it does (for messages and retry decisions).
    pub op: Operation,
    /// Path and query, percent-encoded, without `access_token`.
    pub target: String,
    /// The JSON body, for POST and PATCH.
    pub body: Option<String>,
    /// The token to send as `access_token`.
    pub credential: Credential,
}

impl Request {
    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.op.method()
    }

    fn url_with(&self, origin: &Origin, token: &str) -> String {
        let mut url =
            String::with_capacity(origin.as_str().len() + self.target.len() + token.len() + 16);
        url.push_str(origin.as_str());
        url.push_str(&self.target);
        url.push(if self.target.contains('?') { '&' } else { '?' });
        url.push_str("access_token=");
        encode_component(&mut url, token);
        url
    }

    /// The URL to fetch, with the access token as its `access_token` query parameter.
    pub fn url(&self, origin: &Origin, client_token: &str) -> String {
        match &self.credential {
            Credential::Client => self.url_with(origin, client_token),
            Credential::Other(token) => self.url_with(origin, token),
        }
    }

    /// The URL for messages and logs: the access token replaced by `[redacted]`.
    pub fn redacted_url(&self, origin: &Origin) -> String {
        let mut url = String::from(origin.as_str());
        url.push_str(&self.target);
        url.push(if self.target.contains('?') { '&' } else { '?' });
        url.push_str("access_token=[redacted]");
        url
    }
}

/// The client's fixed settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the API is.
    pub origin: Origin,
    /// The access token that authorises every request.
    pub access_token: String,
    /// The account: the override, or the token's `u`.
    pub username: Option<String>,
}

/// A field that an update may leave alone, clear (`null`) or set.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    /// Absent or `undefined`: unchanged.
    #[default]
    Keep,
    /// `null`: remove the restriction.
    Clear,
    /// A new value.
    Set(T),
}

impl<T> Patch<T> {
    /// The field's JSON text (`null` to clear), or `None` to leave it out.
    fn json(&self, set: impl FnOnce(&T) -> Result<String, Error>) -> Result<Option<String>, Error> {
        match self {
            Patch::Keep => Ok(None),
            Patch::Clear => Ok(Some("null".into())),
            Patch::Set(value) => set(value).map(Some),
        }
    }
}

/// An app allowed to use a token (`allowedApplications`, a beta restriction).
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedApplication {
    /// `"iOS"` or `"android"`.
    pub platform: String,
    /// The app's bundle id or package name.
    pub bundle_id: String,
}

/// `listTokens` options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListTokens {
    /// The account, if not the token's.
    pub username: Option<String>,
    /// `true`: only the default token; `false`: all but it.
    pub default: Option<bool>,
    /// The most tokens per page.
    pub limit: Option<f64>,
    /// `"created"` or `"modified"`.
    pub sortby: Option<String>,
    /// The cursor from a previous page's `nextStart`.
    pub start: Option<String>,
    /// `"pk"` or `"sk"`.
    pub usage: Option<String>,
}

/// When a temporary token expires.
#[derive(Debug, Clone, PartialEq)]
pub enum Expires {
    /// Seconds from now.
    In(f64),
    /// An absolute time, milliseconds since the epoch (from a `Date`).
    At(f64),
    /// An absolute time as ISO 8601 text.
    Text(String),
}

/// `createTempToken` options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateTempToken {
    /// The account, if not the token's.
    pub username: Option<String>,
    /// The scopes, a subset of the access token's.
    pub scopes: Option<Vec<String>>,
    /// Default: one hour from now.
    pub expires: Option<Expires>,
    /// Present only to be refused with a clear message: temporary tokens cannot have them.
    pub allowed_urls_given: bool,
}

/// `create` options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Create {
    /// The account, if not the token's.
    pub username: Option<String>,
    /// The scopes; any secret scope makes an `sk` token.
    pub scopes: Option<Vec<String>>,
    /// A description, at most 128 characters.
    pub note: Option<String>,
    /// URL restrictions, at most 100.
    pub allowed_urls: Option<Vec<String>>,
    /// App restrictions.
    pub allowed_applications: Option<Vec<AllowedApplication>>,
    /// Resource restrictions.
    pub resources: Option<Vec<String>>,
}

/// `update` options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    /// The account, if not the token's.
    pub username: Option<String>,
    /// The token's id (not the token string).
    pub authorization_id: Option<String>,
    /// The new scopes (they replace the old set).
    pub scopes: Option<Vec<String>>,
    /// The new note.
    pub note: Option<String>,
    /// New URL restrictions, or `Clear`.
    pub allowed_urls: Patch<Vec<String>>,
    /// New app restrictions, or `Clear`.
    pub allowed_applications: Patch<Vec<AllowedApplication>>,
    /// New resource restrictions, or `Clear`.
    pub resources: Patch<Vec<String>>,
}

/// Longest `note` the API accepts.
pub const MAX_NOTE_CHARS: usize = 128;
/// Most `allowedUrls` a token may have.
pub const MAX_ALLOWED_URLS: usize = 100;
/// Longest lifetime of a temporary token, in seconds.
pub const MAX_TEMP_SECONDS: f64 = 3600.0;

/// Longest username or id accepted: far beyond any real one, well within servers' URL limits.
pub const MAX_SEGMENT_BYTES: usize = 1024;

fn path_segment(out: &mut String, name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::invalid(cat(&[
            name,
            " must be a non-empty string other than \".\" and \"..\".",
        ])));
    }
    if value.len() > MAX_SEGMENT_BYTES {
        return Err(Error::invalid(cat(&[
            name,
            " must be at most ",
            &int(MAX_SEGMENT_BYTES as i64),
            " bytes long.",
        ])));
    }
    out.push('/');
    encode_component(out, value);
    Ok(())
}

impl Config {
    fn username<'a>(&'a self, given: &'a Option<String>) -> Result<&'a str, Error> {
        given
            .as_deref()
            .or(self.username.as_deref())
            .ok_or_else(|| {
                Error::invalid(
                "No username: the access token does not name its account. Pass { username } to the \
                 Tokens constructor or to this call.",
            )
            })
    }

    fn account_path(&self, base: &str, given: &Option<String>) -> Result<String, Error> {
        let mut target = String::from(base);
        path_segment(&mut target, "username", self.username(given)?)?;
        Ok(target)
    }

    fn request(&self, op: Operation, target: String, body: Option<String>) -> Request {
        Request {
            op,
            target,
            body,
            credential: Credential::Client,
        }
    }

    /// `GET /tokens/v2/{username}` with the list filters.
    pub fn list_tokens(&self, o: &ListTokens) -> Result<Request, Error> {
        let mut target = self.account_path("/tokens/v2", &o.username)?;
        let mut sep = '?';
        let mut param = |target: &mut String, key: &str, value: &str| {
            target.push(sep);
            sep = '&';
            target.push_str(key);
            target.push('=');
            encode_component(target, value);
        };
        if let Some(d) = o.default {
            param(&mut target, "default", if d { "true" } else { "false" });
        }
        if let Some(limit) = o.limit {
            param(
                &mut target,
                "limit",
                &int(positive_integer("limit", limit)? as i64),
            );
        }
        if let Some(sortby) = &o.sortby {
            if sortby != "created" && sortby != "modified" {
                return Err(Error::invalid(
                    "sortby must be \"created\" or \"modified\".",
                ));
            }
            param(&mut target, "sortby", sortby);
        }
        if let Some(start) = &o.start {
            if start.is_empty() {
                return Err(Error::invalid(
                    "start must be a non-empty cursor (a previous response's nextStart).",
                ));
            }
            param(&mut target, "start", start);
        }
        if let Some(usage) = &o.usage {
            if usage != "pk" && usage != "sk" {
                return Err(Error::invalid("usage must be \"pk\" or \"sk\"."));
            }
            param(&mut target, "usage", usage);
        }
        Ok(self.request(Operation::ListTokens, target, None))
    }

    /// The next page of a listing: the `Link rel="next"` target, on this origin only.
    pub fn next_page(&self, link_target: &str) -> Request {
        self.request(
            Operation::ListTokens,
            super::url::without_access_token(link_target),
            None,
        )
    }

    /// `POST /tokens/v2/{username}` with `expires`: a temporary token. `now_ms` is the current time.
    pub fn create_temp_token(&self, o: &CreateTempToken, now_ms: f64) -> Result<Request, Error> {
        if o.allowed_urls_given {
            return Err(Error::invalid(
                "allowedUrls cannot be set on a temporary token (the API does not allow it).",
            ));
        }
        let scopes = required_scopes(&o.scopes)?;
        let expires_ms = expiry_ms(o.expires.as_ref(), now_ms)?;
        let target = self.account_path("/tokens/v2", &o.username)?;
        let mut body = ObjectWriter::new();
        body.strings("scopes", scopes)
            .string("expires", &time::format_utc(expires_ms));
        Ok(self.request(Operation::CreateTempToken, target, Some(body.finish())))
    }

    /// `POST /tokens/v2/{username}`: a permanent pk or sk token.
    pub fn create(&self, o: &Create) -> Result<Request, Error> {
        let scopes = required_scopes(&o.scopes)?;
        let target = self.account_path("/tokens/v2", &o.username)?;
        let mut body = ObjectWriter::new();
        body.strings("scopes", scopes);
        if let Some(note) = &o.note {
            body.string("note", checked_note(note)?);
        }
        if let Some(urls) = &o.allowed_urls {
            body.strings("allowedUrls", checked_urls(urls)?);
        }
        if let Some(apps) = &o.allowed_applications {
            body.raw("allowedApplications", &applications_json(apps)?);
        }
        if let Some(resources) = &o.resources {
            body.strings("resources", checked_strings("resources", resources)?);
        }
        Ok(self.request(Operation::Create, target, Some(body.finish())))
    }

    /// `PATCH /tokens/v2/{username}/{id}`: only the given fields change.
    pub fn update(&self, o: &Update) -> Result<Request, Error> {
        let id = authorization_id(&o.authorization_id)?;
        let mut body = ObjectWriter::new();
        let mut changes = 0;
        if let Some(scopes) = &o.scopes {
            body.strings("scopes", nonempty_scopes(scopes)?);
            changes += 1;
        }
        if let Some(note) = &o.note {
            body.string("note", checked_note(note)?);
            changes += 1;
        }
        for (key, patch) in [
            (
                "allowedUrls",
                o.allowed_urls
                    .json(|urls| Ok(json::string_array(checked_urls(urls)?)))?,
            ),
            (
                "allowedApplications",
                o.allowed_applications
                    .json(|apps| applications_json(apps))?,
            ),
            (
                "resources",
                o.resources
                    .json(|r| Ok(json::string_array(checked_strings("resources", r)?)))?,
            ),
        ] {
            if let Some(text) = patch {
                body.raw(key, &text);
                changes += 1;
            }
        }
        if changes == 0 {
            return Err(Error::invalid(
                "update needs at least one field to change: scopes, note, allowedUrls, allowedApplications or resources.",
            ));
        }
        let mut target = self.account_path("/tokens/v2", &o.username)?;
        path_segment(&mut target, "authorizationId", id)?;
        Ok(self.request(Operation::Update, target, Some(body.finish())))
    }

    /// `GET /tokens/v2`: the API's verdict on the client's token, or on `other`.
    pub fn check_validity(&self, other: Option<String>) -> Request {
        let credential = other.map_or(Credential::Client, Credential::Other);
        Request {
            op: Operation::CheckValidity,
            target: "/tokens/v2".into(),
            body: None,
            credential,
        }
    }

    /// `GET /scopes/v1/{username}`.
    pub fn list_scopes(&self, username: &Option<String>) -> Result<Request, Error> {
        Ok(self.request(
            Operation::ListScopes,
            self.account_path("/scopes/v1", username)?,
            None,
        ))
    }

    /// `DELETE /tokens/v2/{username}/{id}`.
    pub fn delete(&self, username: &Option<String>, id: &Option<String>) -> Result<Request, Error> {
        let id = authorization_id(id)?;
        let mut target = self.account_path("/tokens/v2", username)?;
        path_segment(&mut target, "authorizationId", id)?;
        Ok(self.request(Operation::Delete, target, None))
    }
}

fn positive_integer(name: &str, n: f64) -> Result<u64, Error> {
    if num::is_whole(n) && (1.0..=9_007_199_254_740_991.0).contains(&n) {
        Ok(n as u64)
    } else {
        Err(Error::invalid(cat(&[
            name,
            " must be a positive whole number.",
        ])))
    }
}

fn authorization_id(id: &Option<String>) -> Result<&str, Error> {
    let id = id.as_deref().ok_or_else(|| {
        Error::invalid("authorizationId is required: the token's id (its `id` field).")
    })?;
    if token::looks_like_token(id) {
        return Err(Error::invalid(
            "authorizationId must be the token's id (its `id` field), not the token string itself.",
        ));
    }
    Ok(id)
}

fn checked_strings<'a>(name: &str, values: &'a [String]) -> Result<&'a [String], Error> {
    if values.iter().any(String::is_empty) {
        return Err(Error::invalid(cat(&[
            name,
            " must contain only non-empty strings.",
        ])));
    }
    Ok(values)
}

fn nonempty_scopes(scopes: &[String]) -> Result<&[String], Error> {
    if scopes.is_empty() {
        return Err(Error::invalid(
            "scopes must not be empty: a token created without scopes can never gain any.",
        ));
    }
    checked_strings("scopes", scopes)
}

fn required_scopes(scopes: &Option<Vec<String>>) -> Result<&[String], Error> {
    let scopes = scopes.as_deref().ok_or_else(|| {
        Error::invalid("scopes is required: an array of scope names such as [\"styles:read\"].")
    })?;
    nonempty_scopes(scopes)
}

fn checked_note(note: &str) -> Result<&str, Error> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid(cat(&[
            "note must be at most ",
            &int(MAX_NOTE_CHARS as i64),
            " characters.",
        ])));
    }
    Ok(note)
}

fn checked_urls(urls: &[String]) -> Result<&[String], Error> {
    if urls.len() > MAX_ALLOWED_URLS {
        return Err(Error::invalid(cat(&[
            "allowedUrls may hold at most ",
            &int(MAX_ALLOWED_URLS as i64),
            " URLs.",
        ])));
    }
    checked_strings("allowedUrls", urls)
}

fn applications_json(apps: &[AllowedApplication]) -> Result<String, Error> {
    let mut out = String::from("[");
    for (i, app) in apps.iter().enumerate() {
        if app.platform.is_empty() || app.bundle_id.is_empty() {
            return Err(Error::invalid(
                "allowedApplications entries need a non-empty platform and bundleId.",
            ));
        }
        if i > 0 {
            out.push(',');
        }
        let mut w = ObjectWriter::new();
        w.string("platform", &app.platform)
            .string("bundleId", &app.bundle_id);
        out.push_str(&w.finish());
    }
    out.push(']');
    Ok(out)
}

fn expiry_ms(expires: Option<&Expires>, now_ms: f64) -> Result<i64, Error> {
    let max_ms = now_ms + MAX_TEMP_SECONDS * 1000.0;
    let at = match expires {
        None => max_ms,
        Some(Expires::In(seconds)) => {
            if !(seconds.is_finite() && *seconds > 0.0 && *seconds <= MAX_TEMP_SECONDS) {
                return Err(Error::invalid(
                    "expires in seconds must be greater than 0 and at most 3600 (one hour).",
                ));
            }
            now_ms + seconds * 1000.0
        }
        Some(Expires::At(ms)) => *ms,
        Some(Expires::Text(text)) => time::parse_rfc3339(text).ok_or_else(|| {
            Error::invalid("expires must be an ISO 8601 date-time with a time zone, such as \"2026-01-01T12:00:00Z\".")
        })? as f64,
    };
    if !at.is_finite() || at <= now_ms {
        return Err(Error::invalid("expires must be in the future."));
    }
    if at > max_ms {
        return Err(Error::invalid("expires must be at most one hour from now."));
    }
    Ok(num::floor(at) as i64)
}

/// Whether `create` with these scopes yields `pk` or `sk`; checked like `create` checks them.
pub fn token_usage_for(scopes: &[String]) -> Result<Usage, Error> {
    Ok(token::usage_for_scopes(nonempty_scopes(scopes)?))
}

#[cfg(test)]
mod tests;
