//! The token broker's policy: which requests get a token, when the shared temporary token is
//! renewed, how long an answer may be cached, what the shared store holds, and what each answer
//! says. No I/O: the JavaScript edge (`js::broker`) asks this module and carries out its answers.
//!
//! Times are milliseconds since the epoch on the API's clock (as well as the client knows it),
//! the clock a temporary token's `expires` is written on.

use serde::{Deserialize, Serialize};

use super::error::Error;
use super::options::{Expires, Options};
use super::plain;
use super::time;
use super::token::{self, PUBLIC_SCOPES};
use super::url::web_origin;

/// The shortest and longest life a broker's token may be given, in seconds.
pub const MIN_EXPIRES_S: f64 = 60.0;
/// The longest: the API's limit for a temporary token.
pub const MAX_EXPIRES_S: f64 = 3600.0;
/// A token with less than this left (or an eighth of its life, for lives under eight minutes) is
/// no longer served, even while the API fails.
pub const MIN_LEFT_MS: f64 = 60_000.0;
/// The most a token's refresh is moved earlier at random, so that instances that adopted the same
/// token do not all ask for the next one at once.
pub const MAX_JITTER_MS: f64 = 5_000.0;
/// The request header with which a page says that the map API refused the token it was given
/// (a 401: expired or revoked sooner than the broker's clock says). The broker then asks the API
/// about its token, at most once per [`VERIFY_EVERY_MS`], and renews it if it is no longer valid.
pub const REFUSED_HEADER: &str = "x-token-refused";
/// The least time between two checks of the broker's token asked for by pages.
pub const VERIFY_EVERY_MS: f64 = 5_000.0;

/// The first wait after a failed mint, doubled after each further failure.
const FIRST_RETRY_MS: f64 = 1_000.0;
/// The longest wait between two mints after failures.
const LONGEST_RETRY_MS: f64 = 30_000.0;

/// Which pages may ask for a token.
#[derive(Debug, Clone, PartialEq)]
enum Origins {
    /// Any page, and requests without an `Origin`.
    Any,
    /// These origins (as browsers write them), and same-origin requests.
    Listed(Vec<String>),
}

/// What the broker hands out and to whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The scopes of every token.
    pub scopes: Vec<String>,
    /// Each token's life, in seconds.
    pub expires_s: u32,
    origins: Origins,
}

impl Policy {
    /// Checks the broker's own options: public scopes only, a life of 60 to 3600 s, and the
    /// pages that may ask.
    pub fn new(o: &Options) -> Result<Policy, Error> {
        let scopes = o.scopes.as_deref().ok_or_else(|| {
            Error::invalid("scopes is required: the public scopes of the tokens handed out, such as [\"styles:read\", \"styles:tiles\", \"fonts:read\"].")
        })?;
        if scopes.is_empty() {
            return Err(Error::invalid("scopes must not be empty."));
        }
        if let Some(secret) = scopes.iter().find(|s| !PUBLIC_SCOPES.contains(&s.as_str())) {
            let shown = super::options::short(secret);
            return Err(Error::invalid(format!(
                "scopes may hold only public scopes ({}): \"{shown}\" is not one. Tokens handed to browsers must never carry a secret scope.",
                PUBLIC_SCOPES.join(", ")
            )));
        }
        let expires_s = match o.expires {
            None => MAX_EXPIRES_S,
            Some(Expires::In(seconds)) => seconds,
            // A date: the broker's tokens live a number of seconds, each from its own mint.
            Some(Expires::At(_)) => f64::NAN,
        };
        if !(expires_s.fract() == 0.0 && (MIN_EXPIRES_S..=MAX_EXPIRES_S).contains(&expires_s)) {
            return Err(Error::invalid(
                "expires must be a whole number of seconds from 60 to 3600.",
            ));
        }
        let origins = match (o.allow_any_origin, &o.allowed_origins) {
            (Some(true), Some(_)) => {
                return Err(Error::invalid(
                    "Give allowedOrigins or allowAnyOrigin: true, not both.",
                ))
            }
            (Some(true), None) => Origins::Any,
            (_, Some(listed)) if !listed.is_empty() => Origins::Listed(
                listed
                    .iter()
                    .map(|text| {
                        web_origin(text).ok_or_else(|| {
                            Error::invalid(
                                "allowedOrigins must hold web origins such as \"https://app.example\" (scheme, host and port: no path).",
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => {
                return Err(Error::invalid(
                    "allowedOrigins is required: the origins of the pages that may ask for tokens, such as [\"https://app.example\"] (or allowAnyOrigin: true).",
                ))
            }
        };
        Ok(Policy {
            scopes: scopes.to_vec(),
            expires_s: expires_s as u32,
            origins,
        })
    }

    /// What to do with a request, from its method and its `Origin` and `Sec-Fetch-Site` headers.
    pub fn admit(&self, method: &str, origin: Option<&str>, fetch_site: Option<&str>) -> Admission {
        let cors = match (&self.origins, origin) {
            (Origins::Any, Some(_)) => Cors::Any,
            (Origins::Any, None) => Cors::None,
            (Origins::Listed(allowed), Some(origin)) => {
                match web_origin(origin).filter(|o| allowed.contains(o)) {
                    Some(origin) => Cors::Origin(origin),
                    None => return Admission::Refuse(Refusal::Origin),
                }
            }
            // No `Origin`: only the page's own origin may (a same-origin GET need not send one).
            (Origins::Listed(_), None) if fetch_site == Some("same-origin") => Cors::None,
            (Origins::Listed(_), None) => return Admission::Refuse(Refusal::NoOrigin),
        };
        match method {
            "GET" | "HEAD" => Admission::Serve(cors),
            "OPTIONS" => Admission::Preflight(cors),
            _ => Admission::NotAllowed(cors),
        }
    }

    /// The key under which a shared store holds the current token of this API origin, account,
    /// scopes and life: derived from them alone, never from the secret token. (The origin keeps a
    /// test API's tokens, the local emulator's say, apart from the real API's on one store.)
    pub fn store_key(&self, origin: &str, username: &str) -> String {
        let mut scopes = self.scopes.clone();
        scopes.sort_unstable();
        scopes.dedup();
        format!(
            "mapbox-tokens:broker:{origin}:{username}:{}:{}",
            scopes.join(","),
            self.expires_s
        )
    }
}

/// The key of the lock an instance takes in the store before it mints.
pub fn lock_key(store_key: &str) -> String {
    format!("{store_key}:lock")
}

/// The CORS answer a request gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Cors {
    /// No CORS headers (a same-origin request, or no `Origin`).
    None,
    /// `Access-Control-Allow-Origin: <origin>`.
    Origin(String),
    /// `Access-Control-Allow-Origin: *`.
    Any,
}

/// Why a request gets no token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refusal {
    /// Its `Origin` is not allowed.
    Origin,
    /// It has no `Origin` and is not same-origin.
    NoOrigin,
    /// `authorize` said no.
    Authorize,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    /// Hand out the token (after `authorize`, if any).
    Serve(Cors),
    /// Answer the CORS preflight.
    Preflight(Cors),
    /// 405: only GET (and OPTIONS) are served.
    NotAllowed(Cors),
    /// 403.
    Refuse(Refusal),
}

/// The token a broker holds, and when it got it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Held {
    /// The temporary token.
    pub token: String,
    /// When it expires.
    pub expires: f64,
    /// When it was made (or, for a token read from a store without it, adopted).
    pub issued: f64,
    /// How much earlier than at three quarters of its life it is renewed.
    #[serde(skip)]
    pub jitter: f64,
}

impl Held {
    /// A token made at `issued` that expires at `expires` (ISO 8601 text, as the API writes it).
    pub fn new(token: String, expires: &str, issued: f64, random: f64) -> Option<Held> {
        let expires = time::parse_rfc3339(expires)? as f64;
        Some(Held {
            token,
            expires,
            issued: issued.min(expires),
            jitter: random.clamp(0.0, 1.0) * MAX_JITTER_MS,
        })
    }

    /// When a new token is fetched: a quarter of the life before the end, less the jitter.
    pub fn renew_at(&self) -> f64 {
        let life = self.expires - self.issued;
        (self.expires - life / 4.0 - self.jitter).max(self.issued)
    }

    /// Whether it is served without asking for a new one.
    pub fn fresh(&self, now: f64) -> bool {
        now < self.renew_at()
    }

    /// Whether it may still be served (while a new one is being made, or the API fails).
    pub fn usable(&self, now: f64) -> bool {
        let life = self.expires - self.issued;
        self.expires - now >= MIN_LEFT_MS.min(life / 8.0)
    }

    /// The seconds an answer holding it may be cached: until it would be renewed.
    pub fn max_age(&self, now: f64) -> u64 {
        ((self.renew_at() - now) / 1000.0).floor().max(0.0) as u64
    }

    /// Its `expires` as ISO 8601 text.
    pub fn expires_text(&self) -> String {
        time::format_utc(self.expires as i64)
    }

    /// What a shared store holds: JSON with the token, `expires` and `issued`.
    pub fn to_store(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A token read from a store (`None` for anything else), with its own jitter.
    pub fn from_store(text: &str, random: f64) -> Option<Held> {
        // Through `plain`: serde_json's own typed reading describes wrong values in its errors,
        // which would bring float formatting into the module.
        let mut held: Held = plain::from_value(serde_json::from_str(text).ok()?).ok()?;
        let valid = token::looks_like_token(&held.token)
            && held.token.starts_with("tk.")
            && held.expires.is_finite()
            && held.issued.is_finite();
        held.jitter = random.clamp(0.0, 1.0) * MAX_JITTER_MS;
        valid.then_some(held)
    }

    /// Whether it would be a better token to hold than `other`: it lasts longer.
    pub fn outlasts(&self, other: Option<&Held>) -> bool {
        other.is_none_or(|o| self.expires > o.expires)
    }
}

/// How long to wait before minting again after `failures` mints failed in a row (1 s, doubled
/// each time, at most 30 s).
pub fn retry_delay(failures: u32) -> f64 {
    let doubled = FIRST_RETRY_MS * 2f64.powi(failures.saturating_sub(1).min(16) as i32);
    doubled.min(LONGEST_RETRY_MS)
}

/// The body of an answer that hands out a token.
#[derive(Serialize)]
struct Issued<'a> {
    token: &'a str,
    expires: String,
}

/// The body of an answer that says why there is no token.
#[derive(Serialize)]
struct Message<'a> {
    message: &'a str,
}

/// An HTTP answer for the edge to send: status, headers and a JSON body (empty for 204).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

impl Answer {
    fn new(status: u16, cors: &Cors, body: String) -> Answer {
        let mut headers = vec![("vary", "Origin".to_owned())];
        match cors {
            Cors::None => {}
            Cors::Origin(origin) => {
                headers.push(("access-control-allow-origin", origin.clone()));
                // A listed origin may send its cookies, for `authorize` to check a session.
                headers.push(("access-control-allow-credentials", "true".to_owned()));
            }
            Cors::Any => headers.push(("access-control-allow-origin", "*".to_owned())),
        }
        if !body.is_empty() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    /// `{"message": …}`, one line.
    fn message(status: u16, cors: &Cors, message: &str) -> Answer {
        let body = serde_json::to_string(&Message { message }).unwrap_or_default();
        let mut answer = Answer::new(status, cors, body);
        answer
            .headers
            .push(("cache-control", "no-store".to_owned()));
        answer
    }

    /// 200 with `{"token", "expires"}`, cacheable by the asking browser until the token is renewed.
    pub fn token(held: &Held, now: f64, cors: &Cors) -> Answer {
        let body = serde_json::to_string(&Issued {
            token: &held.token,
            expires: held.expires_text(),
        })
        .unwrap_or_default();
        let mut answer = Answer::new(200, cors, body);
        answer.headers.push((
            "cache-control",
            format!("private, max-age={}", held.max_age(now)),
        ));
        answer
    }

    /// 204, the CORS preflight's answer.
    pub fn preflight(cors: &Cors) -> Answer {
        let mut answer = Answer::new(204, cors, String::new());
        answer
            .headers
            .push(("access-control-allow-methods", "GET, OPTIONS".to_owned()));
        answer.headers.push((
            "access-control-allow-headers",
            format!("authorization, content-type, {REFUSED_HEADER}"),
        ));
        answer
            .headers
            .push(("access-control-max-age", "600".to_owned()));
        answer
    }

    /// 405, with the methods that are served.
    pub fn not_allowed(cors: &Cors) -> Answer {
        let mut answer = Answer::message(
            405,
            cors,
            "Only GET is served: it answers a temporary token.",
        );
        answer.headers.push(("allow", "GET, OPTIONS".to_owned()));
        answer
    }

    /// 403: no token for this request.
    pub fn refused(refusal: Refusal) -> Answer {
        let message = match refusal {
            Refusal::Origin => "This page's origin may not ask for tokens.",
            Refusal::NoOrigin => {
                "Tokens are handed only to pages of the allowed origins (the request has no Origin header)."
            }
            Refusal::Authorize => "Not authorized to ask for tokens.",
        };
        Answer::message(403, &Cors::None, message)
    }

    /// 500: the `authorize` function failed (its error is the server's, never the page's).
    pub fn authorize_failed(cors: &Cors) -> Answer {
        Answer::message(
            500,
            cors,
            "The token broker could not check this request (its authorize function failed).",
        )
    }

    /// 503 with `Retry-After`: no usable token, and none could be made yet.
    pub fn unavailable(cors: &Cors, retry_after_ms: f64) -> Answer {
        let seconds = (retry_after_ms / 1000.0).ceil().clamp(1.0, 3600.0) as u64;
        let mut answer = Answer::message(
            503,
            cors,
            &format!("No map token is available right now: the Mapbox Tokens API could not make one. Try again in {seconds} s."),
        );
        answer.headers.push(("retry-after", seconds.to_string()));
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::super::options::Method;
    use super::*;

    fn options(json: &str) -> Options {
        super::super::options::parse(Some(json), Method::NewTokenBroker).unwrap()
    }

    fn policy(json: &str) -> Result<Policy, Error> {
        Policy::new(&options(json))
    }

    const SCOPES: &str = r#""scopes":["styles:read","styles:tiles","fonts:read"]"#;

    #[test]
    fn only_public_scopes_a_sane_life_and_named_origins() {
        let p = policy(&format!(
            r#"{{{SCOPES},"allowedOrigins":["https://App.Example:443/"]}}"#
        ))
        .unwrap();
        assert_eq!(p.expires_s, 3600);
        assert_eq!(
            p.origins,
            Origins::Listed(vec!["https://app.example".into()])
        );
        let e = policy(r#"{"scopes":["styles:read","tokens:write"],"allowAnyOrigin":true}"#)
            .unwrap_err();
        assert!(
            e.message.contains("\"tokens:write\" is not one"),
            "{}",
            e.message
        );
        for (json, says) in [
            (r#"{"allowAnyOrigin":true}"#, "scopes is required"),
            (
                r#"{"scopes":[],"allowAnyOrigin":true}"#,
                "must not be empty",
            ),
            (&format!(r#"{{{SCOPES}}}"#), "allowedOrigins is required"),
            (
                &format!(r#"{{{SCOPES},"allowedOrigins":[]}}"#),
                "allowedOrigins is required",
            ),
            (
                &format!(r#"{{{SCOPES},"allowedOrigins":["https://a.example/app"]}}"#),
                "no path",
            ),
            (
                &format!(r#"{{{SCOPES},"allowedOrigins":["*"]}}"#),
                "web origins",
            ),
            (
                &format!(r#"{{{SCOPES},"allowAnyOrigin":true,"allowedOrigins":["https://a"]}}"#),
                "not both",
            ),
            (
                &format!(r#"{{{SCOPES},"allowAnyOrigin":true,"expires":59}}"#),
                "60 to 3600",
            ),
            (
                &format!(r#"{{{SCOPES},"allowAnyOrigin":true,"expires":3601}}"#),
                "60 to 3600",
            ),
            (
                &format!(r#"{{{SCOPES},"allowAnyOrigin":true,"expires":90.5}}"#),
                "60 to 3600",
            ),
        ] {
            let e = policy(json).unwrap_err();
            assert!(e.message.contains(says), "{json}: {}", e.message);
        }
    }

    #[test]
    fn admits_allowed_origins_and_same_origin_requests_only() {
        let p = policy(&format!(
            r#"{{{SCOPES},"allowedOrigins":["https://app.example","http://localhost:5173"]}}"#
        ))
        .unwrap();
        let allowed = Cors::Origin("https://app.example".into());
        assert_eq!(
            p.admit("GET", Some("https://app.example"), Some("cross-site")),
            Admission::Serve(allowed.clone())
        );
        assert_eq!(
            p.admit("GET", Some("HTTP://LOCALHOST:5173"), None),
            Admission::Serve(Cors::Origin("http://localhost:5173".into()))
        );
        assert_eq!(
            p.admit("OPTIONS", Some("https://app.example"), None),
            Admission::Preflight(allowed.clone())
        );
        assert_eq!(
            p.admit("POST", Some("https://app.example"), None),
            Admission::NotAllowed(allowed)
        );
        for origin in [
            "https://evil.example",
            "https://app.example.evil",
            "null",
            "http://app.example",
        ] {
            assert_eq!(
                p.admit("GET", Some(origin), None),
                Admission::Refuse(Refusal::Origin),
                "{origin}"
            );
        }
        assert_eq!(
            p.admit("GET", None, None),
            Admission::Refuse(Refusal::NoOrigin)
        );
        assert_eq!(
            p.admit("GET", None, Some("cross-site")),
            Admission::Refuse(Refusal::NoOrigin)
        );
        assert_eq!(
            p.admit("GET", None, Some("same-origin")),
            Admission::Serve(Cors::None)
        );
        let any = policy(&format!(r#"{{{SCOPES},"allowAnyOrigin":true}}"#)).unwrap();
        assert_eq!(
            any.admit("GET", Some("https://x.example"), None),
            Admission::Serve(Cors::Any)
        );
        assert_eq!(any.admit("GET", None, None), Admission::Serve(Cors::None));
    }

    #[test]
    fn renews_at_three_quarters_of_the_life_less_the_jitter() {
        let issued = 1_800_000_000_000.0;
        let expires = time::format_utc(issued as i64 + 3_600_000);
        let held = Held::new("tk.x.y".into(), &expires, issued, 0.0).unwrap();
        assert_eq!(held.renew_at(), issued + 2_700_000.0);
        assert!(held.fresh(issued + 2_699_999.0));
        assert!(!held.fresh(issued + 2_700_000.0));
        assert_eq!(held.max_age(issued), 2700);
        assert_eq!(held.max_age(issued + 2_800_000.0), 0);
        assert!(held.usable(issued + 3_540_000.0));
        assert!(!held.usable(issued + 3_540_001.0));
        let jittered = Held::new("tk.x.y".into(), &expires, issued, 1.0).unwrap();
        assert_eq!(jittered.renew_at(), issued + 2_700_000.0 - MAX_JITTER_MS);
        // A one-minute token is renewed after 45 s, 40 s at the earliest.
        let minute = Held::new(
            "tk.x.y".into(),
            &time::format_utc(issued as i64 + 60_000),
            issued,
            1.0,
        )
        .unwrap();
        assert_eq!(minute.renew_at(), issued + 40_000.0);
        assert!(
            minute.usable(issued + 52_500.0),
            "a short life is served to its last eighth"
        );
        assert!(!minute.usable(issued + 52_501.0));
        assert!(Held::new("tk.x.y".into(), "soon", issued, 0.0).is_none());
    }

    #[test]
    fn the_store_holds_the_token_under_a_key_without_secrets() {
        let p = policy(
            r#"{"scopes":["styles:tiles","styles:read"],"allowAnyOrigin":true,"expires":600}"#,
        )
        .unwrap();
        let key = p.store_key("https://api.mapbox.com", "demo");
        assert_eq!(
            key,
            "mapbox-tokens:broker:https://api.mapbox.com:demo:styles:read,styles:tiles:600"
        );
        assert_ne!(key, p.store_key("http://127.0.0.1:8080", "demo"));
        assert_eq!(lock_key(&key), format!("{key}:lock"));
        let token = "tk.eyJ1IjoiZGVtbyJ9.c2ln";
        let held = Held::new(
            token.into(),
            "2030-01-01T00:00:00Z",
            1_893_455_000_000.0,
            0.5,
        )
        .unwrap();
        let stored = held.to_store();
        let back = Held::from_store(&stored, 0.0).unwrap();
        assert_eq!(
            (back.token.as_str(), back.expires, back.issued),
            (token, held.expires, held.issued)
        );
        for bad in [
            "",
            "null",
            "{}",
            r#"{"token":"sk.a.b","expires":1,"issued":0}"#,
            r#"{"token":"tk.a.b","expires":"x","issued":0}"#,
        ] {
            assert!(Held::from_store(bad, 0.0).is_none(), "{bad}");
        }
        assert!(back.outlasts(None));
        assert!(!back.outlasts(Some(&held)));
    }

    #[test]
    fn answers_say_only_what_they_must() {
        let held = Held::new(
            "tk.eyJ1IjoiZGVtbyJ9.c2ln".into(),
            "2030-01-01T00:00:00Z",
            1_893_455_000_000.0,
            0.0,
        )
        .unwrap();
        let cors = Cors::Origin("https://app.example".into());
        let a = Answer::token(&held, 1_893_455_000_000.0, &cors);
        assert_eq!(a.status, 200);
        assert_eq!(
            a.body,
            r#"{"token":"tk.eyJ1IjoiZGVtbyJ9.c2ln","expires":"2030-01-01T00:00:00.000Z"}"#
        );
        let header = |a: &Answer, name| {
            a.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            header(&a, "cache-control").as_deref(),
            Some("private, max-age=750")
        );
        assert_eq!(header(&a, "vary").as_deref(), Some("Origin"));
        assert_eq!(
            header(&a, "access-control-allow-origin").as_deref(),
            Some("https://app.example")
        );
        let u = Answer::unavailable(&Cors::Any, 2_500.0);
        assert_eq!(
            (u.status, header(&u, "retry-after").as_deref()),
            (503, Some("3"))
        );
        assert!(!u.body.contains('\n') && u.body.starts_with(r#"{"message":"#));
        let r = Answer::refused(Refusal::Origin);
        assert_eq!(r.status, 403);
        assert_eq!(header(&r, "access-control-allow-origin"), None);
        assert_eq!(Answer::not_allowed(&Cors::None).status, 405);
        assert_eq!(Answer::preflight(&cors).status, 204);
        assert_eq!(retry_delay(1), 1000.0);
        assert_eq!(retry_delay(3), 4000.0);
        assert_eq!(retry_delay(30), 30_000.0);
    }
}
