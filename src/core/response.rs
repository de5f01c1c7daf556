//! Reading what came back: statuses, error bodies, rate-limit headers and the pagination cursor.
//! Success bodies are left to the platform's JSON parser.

use super::error::{Details, Error, ErrorKind, RateLimit};
use super::request::{Operation, Request};
use super::time;
use super::token::redact;
use super::url::{next_link, query_param, Origin};

/// How a request ended without a usable response.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Not 2xx.
    Status {
        /// The HTTP status.
        status: u16,
        /// The response body as text (empty if it could not be read).
        body: String,
        /// The `X-Rate-Limit-*` headers.
        rate_limit: Option<RateLimit>,
    },
    /// 2xx, but the body was not JSON.
    Decode {
        /// The HTTP status.
        status: u16,
    },
    /// The connection failed; `detail` is the platform's message.
    Network {
        /// What the platform said.
        detail: String,
    },
    /// No answer within `ms` milliseconds.
    Timeout {
        /// The timeout in force.
        ms: f64,
    },
    /// The caller's signal fired.
    Aborted,
}

/// Reads the `X-Rate-Limit-*` headers through `header` (a case-insensitive lookup).
pub fn rate_limit(header: impl Fn(&str) -> Option<String>) -> Option<RateLimit> {
    let read = |name| {
        header(name)
            // Whole numbers (requests, seconds, Unix seconds): read as such, which needs none
            // of the decimal-parsing machinery a float would.
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|n| n as f64)
            .filter(|n| n.is_finite())
    };
    let rl = RateLimit {
        limit: read("x-rate-limit-limit"),
        interval: read("x-rate-limit-interval"),
        reset: read("x-rate-limit-reset"),
    };
    (rl != RateLimit::default()).then_some(rl)
}

/// The `start` cursor of the next page named by a `Link` header, if it is on `origin`.
pub fn next_start(link: Option<&str>, origin: &Origin) -> Option<String> {
    next_target(link, origin)
        .ok()
        .flatten()
        .and_then(|t| query_param(t, "start"))
}

/// The path and query of the next page named by a `Link` header: `Ok(None)` when there is none,
/// an error when the link leads away from `origin` (it is not followed).
pub fn next_target<'a>(link: Option<&'a str>, origin: &Origin) -> Result<Option<&'a str>, Error> {
    let Some(uri) = link.and_then(next_link) else {
        return Ok(None);
    };
    origin.strip(uri).map(Some).ok_or_else(|| {
        Error::of(
            ErrorKind::Decode,
            "listAllTokens stopped: the API's next-page link leads to another origin, and the access \
             token is only ever sent to the configured origin."
                .into(),
        )
    })
}

/// The `message` of an error body such as `{"message": "Not Found"}`.
fn api_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("message")?.as_str().map(str::to_owned)
}

/// Whether `error` is the API refusing a temporary token's `expires` (a 422 about it), which a
/// client whose clock is off from the API's gets: nothing was created, and the call may be made
/// again with the API's time.
pub fn refuses_expires(error: &Error) -> bool {
    error.status == Some(422)
        && error
            .api_message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("expires"))
}

fn rate_limit_hint(rate_limit: Option<&RateLimit>) -> String {
    let figures = rate_limit
        .and_then(|r| Some((r.limit?, r.interval?)))
        .map_or("100 per minute".to_owned(), |(limit, interval)| {
            format!("{} per {} s", limit as u64, interval as u64)
        });
    let reset = rate_limit
        .and_then(|r| r.reset)
        .filter(|reset| reset.is_finite() && reset.abs() < 8.64e12)
        .map_or(String::new(), |reset| {
            let at = time::format_utc((reset * 1000.0) as i64);
            format!(" The limit resets at {at} (on the API's clock).")
        });
    format!("Too many requests: the Tokens API allows {figures} per account.{reset} Wait for the rate limit to reset and try again.")
}

fn hint(
    op: Operation,
    status: u16,
    api_message: Option<&str>,
    rate_limit: Option<&RateLimit>,
) -> String {
    match status {
        401 => "The access token is invalid, expired or revoked: check the accessToken option or MAPBOX_ACCESS_TOKEN.".into(),
        404 if api_message.is_some_and(|m| m.eq_ignore_ascii_case("no such user")) => {
            "The username does not match the access token's account: leave username out or use a token of that account.".into()
        }
        404 => {
            let what = match op {
                Operation::Update | Operation::Delete => "no token of the account has that authorizationId",
                _ => "the account does not exist",
            };
            match op.required_scope() {
                Some(scope) => format!("The access token may lack the {scope} scope, or {what}."),
                None => format!("Perhaps {what}."),
            }
        }
        422 => "The API refused the input; correct it and try again.".into(),
        429 => rate_limit_hint(rate_limit),
        500 if op == Operation::ListTokens => {
            "The API had an internal error; an invalid start cursor causes this, so use nextStart from a previous page.".into()
        }
        500..=599 => "The API had a server error; try again later.".into(),
        _ => String::new(),
    }
}

/// Turns a failure of `req` into the error the caller sees. `secrets` are strings (the access
/// token) that must not appear in the result even where they do not look like tokens.
pub fn error_for(req: &Request, origin: &Origin, failure: Failure, secrets: &[&str]) -> Error {
    let op = req.op;
    let name = op.name();
    let (kind, message, status, api_message, rate_limit) = match failure {
        Failure::Status { status, body, rate_limit } => {
            let api_message = api_message(&body)
                .map(|m| redact(&m, secrets))
                .filter(|m| !m.is_empty());
            let mut message = format!("{name} failed: the API answered {status}");
            if let Some(m) = &api_message {
                message.push_str(&format!(" \"{m}\""));
            }
            message.push('.');
            let hint = hint(op, status, api_message.as_deref(), rate_limit.as_ref());
            if !hint.is_empty() {
                message.push(' ');
                message.push_str(&hint);
            }
            (ErrorKind::Http, message, Some(status), api_message, rate_limit)
        }
        Failure::Decode { status } => (
            ErrorKind::Decode,
            format!("{name} failed: the API answered {status} with a body that is not valid JSON. Try again; if it persists, the origin may not be a Tokens API."),
            Some(status),
            None,
            None,
        ),
        Failure::Network { detail } => {
            let detail = redact(detail.trim(), secrets);
            let detail = if detail.is_empty() { String::new() } else { format!(" ({detail})") };
            (
                ErrorKind::Network,
                format!("{name} failed: the request did not reach the API{detail}. Check the network connection and the origin."),
                None,
                None,
                None,
            )
        }
        Failure::Timeout { ms } => (
            ErrorKind::Timeout,
            format!("{name} failed: no answer within {} ms. Try again, or allow more time with the timeout option.", ms.round() as u64),
            None,
            None,
            None,
        ),
        Failure::Aborted => (ErrorKind::Aborted, format!("{name} was aborted by its signal."), None, None, None),
    };
    Details {
        kind,
        message: redact(&message, secrets),
        status,
        api_message,
        method: Some(req.method()),
        url: Some(req.redacted_url(origin)),
        rate_limit,
    }
    .into()
}

/// The error of a rotation whose token is not in the account: `listing` (its last page) was read
/// to the end without finding it. Shaped like the API's 404 for an unknown id.
pub fn no_such_token(listing: &Request, origin: &Origin) -> Error {
    Details {
        kind: ErrorKind::Http,
        message: "rotate failed: the account has no token with this authorizationId (every page of its tokens was read). Check the id (the `id` field of listTokens).".into(),
        status: Some(404),
        api_message: None,
        method: Some(listing.method()),
        url: Some(listing.redacted_url(origin)),
        rate_limit: None,
    }
    .into()
}

/// Whether a failed request may still have been carried out by the API: no answer came (network
/// failure, timeout, abort after sending) or a server error did.
pub fn outcome_unknown(error: &Error) -> bool {
    match error.kind {
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Aborted => true,
        ErrorKind::Http => error.status.is_some_and(|s| s >= 500),
        ErrorKind::InvalidInput | ErrorKind::Decode => false,
    }
}

/// The error of a rotation whose new token was created but whose old token could not be deleted:
/// the delete's own error, with a message that says what exists now.
pub fn old_token_remains(error: Error, new_id: &str) -> Error {
    let no_answer = matches!(
        error.kind,
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Aborted
    );
    let old = if no_answer {
        "whose delete got no clear answer: the old token may or may not still exist"
    } else {
        "which still exists"
    };
    let mut details = error.into_details();
    details.message = format!(
        "rotate created the new token (id {new_id}) but could not delete the old one, {old}: {} Delete it once the new token is in use.",
        details.message
    );
    details.into()
}

/// What a rotation whose create got no clear answer found when it looked for the new token.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    /// Not looked for (the caller aborted).
    NotLooked,
    /// The listing showed a token made by this rotation: its id, and whether its token string
    /// was listed (a secret token's never is).
    Found {
        /// The new token's id.
        id: String,
        /// Whether the listing holds its token string.
        with_token: bool,
    },
    /// The whole listing was read and holds no such token.
    NotFound,
    /// The listing could not be read.
    Failed,
}

/// The error of a rotation whose create got no clear answer (`error`, the create's): a new token
/// may exist. The old one is untouched in every case.
pub fn created_unknown(error: Error, search: &Search) -> Error {
    let found = match search {
        Search::NotLooked => "It was not looked for (the call was aborted): check the account's tokens for a new one with the old one's note and scopes.".to_owned(),
        Search::Found { id, with_token: true } => format!("It was: the listing shows it (id {id}), in error.created. The old token still exists."),
        Search::Found { id, with_token: false } => format!("It was: the listing shows it (id {id}, in error.created), but the API never lists a secret token's string, so nobody can use it: delete it and rotate again. The old token still exists."),
        Search::NotFound => "The listing shows no new token with the old one's note and scopes made since the call began, so none was made; the old token still exists.".to_owned(),
        Search::Failed => "The listing could not be read to find out: check the account's tokens for a new one with the old one's note and scopes. The old token still exists.".to_owned(),
    };
    let mut details = error.into_details();
    details.message = format!(
        "rotate may have created a new token: its create got no clear answer ({}). {found}",
        details.message
    );
    details.into()
}

/// The most pages one rotation reads while looking for a token.
pub const MAX_ROTATE_PAGES: usize = 1000;

/// The pages a listing has read, by cursor, so that a `Link` leading back to one of them stops the
/// listing instead of looping for ever; and, for a listing that may read only so many, the count.
#[derive(Debug)]
pub struct Visited {
    /// Who reads (`listAllTokens`, `rotate`), for messages.
    what: &'static str,
    /// The most pages it may read, if it has a bound.
    most: Option<usize>,
    /// A list, not a set: a listing has few pages, and a hash set would cost the module far more
    /// code than these comparisons cost time.
    cursors: Vec<String>,
}

impl Visited {
    /// The pages read by `what`, at most `most` of them.
    pub fn new(what: &'static str, most: Option<usize>) -> Visited {
        Visited {
            what,
            most,
            cursors: Vec::new(),
        }
    }

    /// Notes the page at `target` (a path and query) as read; a `Decode` error when it was read
    /// before, or when the most pages have been read.
    pub fn visit(&mut self, target: &str) -> Result<(), Error> {
        let what = self.what;
        let cursor = query_param(target, "start").unwrap_or_default();
        if let Some(most) = self.most.filter(|&most| self.cursors.len() >= most) {
            return Err(Error::of(
                ErrorKind::Decode,
                format!("{what} stopped after reading {most} pages of tokens without finding the token."),
            ));
        }
        if !self.cursors.contains(&cursor) {
            self.cursors.push(cursor);
            return Ok(());
        }
        let shown = if cursor.is_empty() {
            "the first page".to_owned()
        } else {
            let short: String = redact(&cursor, &[]).chars().take(60).collect();
            format!("start={short}")
        };
        Err(Error::of(
            ErrorKind::Decode,
            format!("{what} stopped: the API's next-page link leads back to a page already read ({shown}); following it would loop for ever."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::request::Config;

    #[test]
    fn a_link_back_to_a_page_already_read_stops_the_listing() {
        let mut v = Visited::new("listAllTokens", None);
        v.visit("/tokens/v2/demo?limit=2").unwrap();
        v.visit("/tokens/v2/demo?limit=2&start=abc").unwrap();
        v.visit("/tokens/v2/demo?start=def&limit=2").unwrap();
        let e = v.visit("/tokens/v2/demo?start=abc").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Decode);
        assert!(e.message.contains("start=abc"), "{}", e.message);
        let e = v.visit("/tokens/v2/demo?limit=2").unwrap_err();
        assert!(e.message.contains("the first page"), "{}", e.message);
    }

    #[test]
    fn a_rotation_reads_a_bounded_number_of_pages() {
        let mut v = Visited::new("rotate", Some(MAX_ROTATE_PAGES));
        for i in 0..MAX_ROTATE_PAGES {
            v.visit(&format!("/t?start={i}")).unwrap();
        }
        let e = v.visit("/t?start=last").unwrap_err();
        assert!(e.message.contains("1000 pages"), "{}", e.message);
    }

    #[test]
    fn unknown_outcomes_are_told_apart_from_refusals() {
        let of = |kind, status| {
            Error::from(Details {
                kind,
                message: String::new(),
                status,
                api_message: None,
                method: None,
                url: None,
                rate_limit: None,
            })
        };
        assert!(outcome_unknown(&of(ErrorKind::Timeout, None)));
        assert!(outcome_unknown(&of(ErrorKind::Network, None)));
        assert!(outcome_unknown(&of(ErrorKind::Http, Some(502))));
        assert!(!outcome_unknown(&of(ErrorKind::Http, Some(422))));
        assert!(!outcome_unknown(&of(ErrorKind::InvalidInput, None)));
        let e = old_token_remains(of(ErrorKind::Timeout, None), "new");
        assert!(
            e.message.contains("may or may not still exist"),
            "{}",
            e.message
        );
        let e = old_token_remains(of(ErrorKind::Http, Some(503)), "new");
        assert!(e.message.contains("which still exists"), "{}", e.message);
        let e = created_unknown(
            of(ErrorKind::Timeout, None),
            &Search::Found {
                id: "x1".into(),
                with_token: false,
            },
        );
        assert!(
            e.message.starts_with("rotate may have created a new token"),
            "{}",
            e.message
        );
        assert!(e.message.contains("x1"), "{}", e.message);
    }

    const TOKEN: &str = "sk.eyJ1IjoiZGVtbyIsImEiOiJjaWQifQ.c2lnbmF0dXJl";

    fn config() -> Config {
        Config {
            origin: Origin::parse("https://api.mapbox.com").unwrap(),
            access_token: TOKEN.into(),
            username: Some("demo".into()),
        }
    }

    fn status(status: u16, body: &str) -> Failure {
        Failure::Status {
            status,
            body: body.into(),
            rate_limit: None,
        }
    }

    fn fail(req: &Request, failure: Failure) -> Error {
        error_for(req, &config().origin, failure, &[TOKEN])
    }

    #[test]
    fn http_errors_carry_status_api_message_method_and_a_redacted_url() {
        let c = config();
        let req = c.list_tokens(&Default::default()).unwrap();
        let e = fail(&req, status(401, r#"{"message":"Unauthorized"}"#));
        assert_eq!(e.kind, ErrorKind::Http);
        assert_eq!(e.status, Some(401));
        assert_eq!(e.api_message.as_deref(), Some("Unauthorized"));
        assert_eq!(e.method, Some("GET"));
        assert_eq!(
            e.url.as_deref(),
            Some("https://api.mapbox.com/tokens/v2/demo?access_token=[redacted]")
        );
        assert!(e.message.starts_with("listTokens failed: the API answered 401 \"Unauthorized\". The access token is invalid"), "{}", e.message);
    }

    #[test]
    fn not_found_hints_name_the_missing_scope() {
        let c = config();
        let list = c.list_tokens(&Default::default()).unwrap();
        assert!(fail(&list, status(404, r#"{"message":"Not Found"}"#))
            .message
            .contains("lack the tokens:read scope"));
        let del = c.delete(&None, &Some("cid".into())).unwrap();
        let e = fail(&del, status(404, r#"{"message":"Not Found"}"#));
        assert!(
            e.message.contains(
                "lack the tokens:write scope, or no token of the account has that authorizationId"
            ),
            "{}",
            e.message
        );
        let scopes = c.list_scopes(&None).unwrap();
        assert!(fail(&scopes, status(404, ""))
            .message
            .contains("scopes:list"));
        let e = fail(&list, status(404, r#"{"message":"No such user"}"#));
        assert!(
            e.message.contains("username does not match"),
            "{}",
            e.message
        );
    }

    #[test]
    fn other_statuses_get_useful_hints() {
        let c = config();
        let list = c.list_tokens(&Default::default()).unwrap();
        assert!(
            fail(&list, status(500, r#"{"message":"Internal Server Error"}"#))
                .message
                .contains("start cursor")
        );
        assert!(fail(&c.list_scopes(&None).unwrap(), status(503, "oops"))
            .message
            .contains("server error"));
        let e = fail(
            &list,
            status(422, r#"{"message":"usage must be pk or sk"}"#),
        );
        assert_eq!(e.api_message.as_deref(), Some("usage must be pk or sk"));
        assert!(e.message.contains("refused the input"));
        let e = fail(&list, status(418, "not json"));
        assert_eq!(
            (e.api_message.clone(), e.message.as_str()),
            (None, "listTokens failed: the API answered 418.")
        );
    }

    #[test]
    fn secrets_never_survive_into_messages() {
        let c = config();
        let other = "pk.eyJ1IjoieCJ9.c2ln";
        let req = c.check_validity(Some(other.into()));
        let body = format!(
            r#"{{"message":"bad token {TOKEN} and {other} and raw {}"}}"#,
            &TOKEN[3..]
        );
        let e = error_for(&req, &c.origin, status(400, &body), &[TOKEN, &TOKEN[3..]]);
        for text in [
            e.message.as_str(),
            e.api_message.as_deref().unwrap(),
            e.url.as_deref().unwrap(),
        ] {
            assert!(
                !text.contains(TOKEN) && !text.contains(other) && !text.contains(&TOKEN[3..]),
                "{text}"
            );
        }
        let e = fail(
            &req,
            Failure::Network {
                detail: format!("connect failed for {TOKEN}"),
            },
        );
        assert!(!e.message.contains(TOKEN), "{}", e.message);
        assert_eq!(e.kind, ErrorKind::Network);
    }

    #[test]
    fn transport_failures_map_to_their_kinds() {
        let c = config();
        let req = c
            .create(&crate::core::options::Options {
                scopes: Some(vec!["styles:read".into()]),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            fail(&req, Failure::Timeout { ms: 1500.0 }).kind,
            ErrorKind::Timeout
        );
        assert!(fail(&req, Failure::Timeout { ms: 1500.0 })
            .message
            .contains("1500 ms"));
        assert_eq!(fail(&req, Failure::Aborted).kind, ErrorKind::Aborted);
        let e = fail(&req, Failure::Decode { status: 200 });
        assert_eq!(
            (e.kind, e.status, e.method),
            (ErrorKind::Decode, Some(200), Some("POST"))
        );
    }

    #[test]
    fn reads_rate_limit_headers() {
        let headers = |name: &str| match name {
            "x-rate-limit-limit" => Some("100".to_string()),
            "x-rate-limit-interval" => Some(" 60 ".to_string()),
            "x-rate-limit-reset" => Some("1790000000".to_string()),
            _ => None,
        };
        assert_eq!(
            rate_limit(headers),
            Some(RateLimit {
                limit: Some(100.0),
                interval: Some(60.0),
                reset: Some(1_790_000_000.0)
            })
        );
        assert_eq!(rate_limit(|_| None), None);
        assert_eq!(rate_limit(|_| Some("soon".into())), None);
    }

    #[test]
    fn follows_next_links_only_on_the_origin() {
        let o = config().origin;
        let link = r#"<https://api.mapbox.com/tokens/v2/demo?limit=2&start=c%2Bd>; rel="next""#;
        assert_eq!(next_start(Some(link), &o).as_deref(), Some("c+d"));
        assert_eq!(
            next_target(Some(link), &o).unwrap(),
            Some("/tokens/v2/demo?limit=2&start=c%2Bd")
        );
        assert_eq!(next_target(None, &o).unwrap(), None);
        assert_eq!(
            next_target(Some(r#"<https://x/p>; rel="prev""#), &o).unwrap(),
            None
        );
        let evil = r#"<https://evil.example/tokens/v2/demo?start=x>; rel="next""#;
        assert_eq!(
            next_target(Some(evil), &o).unwrap_err().kind,
            ErrorKind::Decode
        );
        assert_eq!(next_start(Some(evil), &o), None);
    }
}
