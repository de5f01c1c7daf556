//! Every Tokens API operation as a request to send: method, path, query and body, built only after
//! the input has been checked. Nothing here does I/O.

use serde::Serialize;

use super::error::Error;
use super::options::{AllowedApplication, Expected, Expires, Options, Patch};
use super::time;
use super::token::{self, Usage};
use super::url::{encode_component, Origin};

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
        return Err(Error::invalid(format!(
            "{name} must be a non-empty string other than \".\" and \"..\"."
        )));
    }
    if value.len() > MAX_SEGMENT_BYTES {
        return Err(Error::invalid(format!(
            "{name} must be at most {MAX_SEGMENT_BYTES} bytes long."
        )));
    }
    out.push('/');
    encode_component(out, value);
    Ok(())
}

/// The body of a permanent token's create.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    scopes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_urls: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_applications: Option<&'a [AllowedApplication]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<&'a [String]>,
}

/// The body of a temporary token's create.
#[derive(Serialize)]
struct TempBody<'a> {
    scopes: &'a [String],
    expires: String,
}

/// The body of an update: only the fields that change.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "unchanged")]
    allowed_urls: &'a Patch<Vec<String>>,
    #[serde(skip_serializing_if = "unchanged")]
    allowed_applications: &'a Patch<Vec<AllowedApplication>>,
    #[serde(skip_serializing_if = "unchanged")]
    resources: &'a Patch<Vec<String>>,
}

/// Whether an update leaves a field alone (then it is not sent).
fn unchanged<T>(patch: &&Patch<T>) -> bool {
    patch.is_keep()
}

/// A request body as JSON text. Serialising these plain structs cannot fail; should it ever, the
/// call is refused rather than sent with a wrong body.
fn json_body(body: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(body)
        .map_err(|_| Error::invalid("The request body could not be written."))
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
    pub fn list_tokens(&self, o: &Options) -> Result<Request, Error> {
        let mut target = self.account_path("/tokens/v2", &o.username)?;
        let mut query = Vec::new();
        if let Some(d) = o.default {
            query.push(("default", d.to_string()));
        }
        if let Some(limit) = o.limit {
            query.push(("limit", positive_integer("limit", limit)?.to_string()));
        }
        if let Some(sortby) = &o.sortby {
            if sortby != "created" && sortby != "modified" {
                return Err(Error::invalid(
                    "sortby must be \"created\" or \"modified\".",
                ));
            }
            query.push(("sortby", sortby.clone()));
        }
        if let Some(start) = &o.start {
            if start.is_empty() {
                return Err(Error::invalid(
                    "start must be a non-empty cursor (a previous response's nextStart).",
                ));
            }
            query.push(("start", start.clone()));
        }
        if let Some(usage) = &o.usage {
            if usage != "pk" && usage != "sk" {
                return Err(Error::invalid("usage must be \"pk\" or \"sk\"."));
            }
            query.push(("usage", usage.clone()));
        }
        for (i, (key, value)) in query.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            target.push_str(key);
            target.push('=');
            encode_component(&mut target, value);
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

    /// `POST /tokens/v2/{username}` with `expires`: a temporary token. `api_now_ms` is the current
    /// time on the API's clock (as well as the client knows it), from which a relative expiry
    /// counts and against which an absolute one is checked.
    pub fn create_temp_token(&self, o: &Options, api_now_ms: f64) -> Result<Request, Error> {
        if !o.allowed_urls.is_keep() {
            return Err(Error::invalid(
                "allowedUrls cannot be set on a temporary token (the API does not allow it).",
            ));
        }
        let scopes = required_scopes(&o.scopes)?;
        let expires = time::format_utc(expiry_ms(o.expires.as_ref(), api_now_ms)?);
        let target = self.account_path("/tokens/v2", &o.username)?;
        let body = json_body(&TempBody { scopes, expires })?;
        Ok(self.request(Operation::CreateTempToken, target, Some(body)))
    }

    /// `POST /tokens/v2/{username}`: a permanent pk or sk token.
    pub fn create(&self, o: &Options) -> Result<Request, Error> {
        let body = CreateBody {
            scopes: required_scopes(&o.scopes)?,
            note: o.note.as_deref().map(checked_note).transpose()?,
            allowed_urls: given("allowedUrls", &o.allowed_urls)?
                .map(|urls| checked_urls(urls))
                .transpose()?,
            allowed_applications: given("allowedApplications", &o.allowed_applications)?
                .map(|apps| checked_applications(apps))
                .transpose()?,
            resources: given("resources", &o.resources)?
                .map(|r| checked_strings("resources", r))
                .transpose()?,
        };
        let target = self.account_path("/tokens/v2", &o.username)?;
        Ok(self.request(Operation::Create, target, Some(json_body(&body)?)))
    }

    /// `PATCH /tokens/v2/{username}/{id}`: only the given fields change.
    pub fn update(&self, o: &Options) -> Result<Request, Error> {
        let id = authorization_id(&o.authorization_id)?;
        if let Patch::Set(urls) = &o.allowed_urls {
            checked_urls(urls)?;
        }
        if let Patch::Set(apps) = &o.allowed_applications {
            checked_applications(apps)?;
        }
        if let Patch::Set(resources) = &o.resources {
            checked_strings("resources", resources)?;
        }
        let body = UpdateBody {
            scopes: o.scopes.as_deref().map(nonempty_scopes).transpose()?,
            note: o.note.as_deref().map(checked_note).transpose()?,
            allowed_urls: &o.allowed_urls,
            allowed_applications: &o.allowed_applications,
            resources: &o.resources,
        };
        let unchanged = body.scopes.is_none()
            && body.note.is_none()
            && [
                o.allowed_urls.is_keep(),
                o.allowed_applications.is_keep(),
                o.resources.is_keep(),
            ]
            .iter()
            .all(|keep| *keep);
        if unchanged {
            return Err(Error::invalid(
                "update needs at least one field to change: scopes, note, allowedUrls, allowedApplications or resources.",
            ));
        }
        let mut target = self.account_path("/tokens/v2", &o.username)?;
        path_segment(&mut target, "authorizationId", id)?;
        Ok(self.request(Operation::Update, target, Some(json_body(&body)?)))
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
    if n.fract() == 0.0 && (1.0..=9_007_199_254_740_991.0).contains(&n) {
        Ok(n as u64)
    } else {
        Err(Error::invalid(format!(
            "{name} must be a positive whole number."
        )))
    }
}

/// The id of the token an update, delete or rotation is about: required, and not a token string.
pub fn authorization_id(id: &Option<String>) -> Result<&str, Error> {
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

/// A restriction given to `create`: absent, or a value (`null` clears only in an update).
fn given<'a, T: Expected>(name: &str, patch: &'a Patch<T>) -> Result<Option<&'a T>, Error> {
    match patch {
        Patch::Keep => Ok(None),
        Patch::Set(value) => Ok(Some(value)),
        Patch::Clear => Err(Error::invalid(format!("{name} must be {}.", T::EXPECTED))),
    }
}

fn checked_strings<'a>(name: &str, values: &'a [String]) -> Result<&'a [String], Error> {
    if values.iter().any(String::is_empty) {
        return Err(Error::invalid(format!(
            "{name} must contain only non-empty strings."
        )));
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
        return Err(Error::invalid(format!(
            "note must be at most {MAX_NOTE_CHARS} characters."
        )));
    }
    Ok(note)
}

fn checked_urls(urls: &[String]) -> Result<&[String], Error> {
    if urls.len() > MAX_ALLOWED_URLS {
        return Err(Error::invalid(format!(
            "allowedUrls may hold at most {MAX_ALLOWED_URLS} URLs."
        )));
    }
    checked_strings("allowedUrls", urls)
}

fn checked_applications(apps: &[AllowedApplication]) -> Result<&[AllowedApplication], Error> {
    if apps
        .iter()
        .any(|app| app.platform.is_empty() || app.bundle_id.is_empty())
    {
        return Err(Error::invalid(
            "allowedApplications entries need a non-empty platform and bundleId.",
        ));
    }
    Ok(apps)
}

/// When a temporary token expires, in milliseconds since the epoch, on the API's clock: `now_ms`
/// plus a relative expiry (default: one hour), or the absolute time given, which must lie within
/// the hour ahead.
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
        Some(Expires::At(text)) => time::parse_rfc3339(text).ok_or_else(|| {
            Error::invalid("expires must be an ISO 8601 date-time with a time zone, such as \"2026-01-01T12:00:00Z\".")
        })? as f64,
    };
    if !at.is_finite() || at <= now_ms {
        return Err(Error::invalid("expires must be in the future."));
    }
    if at > max_ms {
        return Err(Error::invalid("expires must be at most one hour from now."));
    }
    Ok(at.floor() as i64)
}

/// Whether `create` with these scopes yields `pk` or `sk`; checked like `create` checks them.
pub fn token_usage_for(scopes: &[String]) -> Result<Usage, Error> {
    Ok(token::usage_for_scopes(nonempty_scopes(scopes)?))
}

#[cfg(test)]
mod tests;
