//! Mapbox access tokens, read offline: `pk|sk|tk.<base64url JSON payload>.<signature>`.
//!
//! Also the public/secret scope rule that decides whether a new token is `pk` or `sk`, and the
//! redaction that keeps token strings out of every message this library produces.

use super::error::Error;
use super::json::{self, Value};
use super::num;
use super::text::{cat, find, replace_all};
use crate::prelude::*;

/// The scopes a public (`pk`) token may hold. A token created with any other scope is secret (`sk`).
pub const PUBLIC_SCOPES: [&str; 5] = [
    "styles:tiles",
    "styles:read",
    "fonts:read",
    "datasets:read",
    "vision:read",
];

/// The kind of a token, its first three characters without the dot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Public token (`pk.`).
    Public,
    /// Secret token (`sk.`).
    Secret,
    /// Temporary token (`tk.`).
    Temporary,
}

impl Usage {
    /// `"pk"`, `"sk"` or `"tk"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::Public => "pk",
            Usage::Secret => "sk",
            Usage::Temporary => "tk",
        }
    }

    fn from_prefix(prefix: &str) -> Option<Usage> {
        match prefix {
            "pk" => Some(Usage::Public),
            "sk" => Some(Usage::Secret),
            "tk" => Some(Usage::Temporary),
            _ => None,
        }
    }
}

/// What a token says about itself, decoded without asking the API.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    /// pk, sk or tk.
    pub usage: Usage,
    /// The account's username (payload `u`).
    pub user: String,
    /// The token id (payload `a`; pk and sk tokens only).
    pub authorization: Option<String>,
    /// Expiry, milliseconds since the epoch (payload `exp`, tk only).
    pub expires_ms: Option<i64>,
    /// Issue time, milliseconds since the epoch (payload `iat`, tk only).
    pub created_ms: Option<i64>,
    /// The scopes carried by a tk token.
    pub scopes: Option<Vec<String>>,
    /// The client that created a tk token (usually `"api"`).
    pub client: Option<String>,
}

/// Whether a create call with `scopes` yields a public (`pk`) or a secret (`sk`) token.
pub fn usage_for_scopes<S: AsRef<str>>(scopes: &[S]) -> Usage {
    if scopes.iter().all(|s| PUBLIC_SCOPES.contains(&s.as_ref())) {
        Usage::Public
    } else {
        Usage::Secret
    }
}

/// Decodes base64 in either alphabet (`-_` or `+/`), with or without `=` padding.
pub fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    if text.len() - trimmed.len() > 2 || trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in trimmed.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn malformed(why: &str) -> Error {
    Error::invalid(cat(&["The token is malformed: ", why, "."]))
}

/// Seconds (as sent in a payload) to milliseconds, for values a `Date` can hold.
fn seconds_to_ms(v: &Value) -> Option<i64> {
    let s = v.as_f64()?;
    (s.is_finite() && s.abs() < 8.64e12).then(|| num::round(s * 1000.0) as i64)
}

/// Reads a token's usage, user, id and (for tk) expiry, scopes and client, without the network.
/// The signature is not checked: only the API can do that (`checkValidity`).
pub fn parse_token(token: &str) -> Result<TokenInfo, Error> {
    let mut parts = token.split('.');
    let (Some(prefix), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a token has three parts separated by dots"));
    };
    let usage = Usage::from_prefix(prefix)
        .ok_or_else(|| malformed("it must start with pk., sk. or tk."))?;
    if signature.is_empty() {
        return Err(malformed("the signature is missing"));
    }
    let bytes =
        decode_base64url(payload).ok_or_else(|| malformed("the payload is not base64url"))?;
    let text = String::from_utf8(bytes).map_err(|_| malformed("the payload is not UTF-8"))?;
    let value = json::parse(&text).ok_or_else(|| malformed("the payload is not JSON"))?;
    if !matches!(value, Value::Object(_)) {
        return Err(malformed("the payload is not a JSON object"));
    }
    let user = value
        .get("u")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| malformed("the payload names no user"))?
        .to_owned();
    let string = |key| value.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(TokenInfo {
        usage,
        user,
        authorization: string("a"),
        expires_ms: value.get("exp").and_then(seconds_to_ms),
        created_ms: value.get("iat").and_then(seconds_to_ms),
        scopes: value.get("scopes").and_then(Value::as_str_array),
        client: string("client"),
    })
}

/// True when `s` has the shape of a token string: `pk.`, `sk.` or `tk.` then base64url, a dot, and more.
pub fn looks_like_token(s: &str) -> bool {
    find_token(s, 0).is_some_and(|(start, _)| start == 0)
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='
}

/// The byte range of the first token-shaped run in `s` at or after `from`.
fn find_token(s: &str, from: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = from;
    while i + 3 <= b.len() {
        let prefix = &b[i..i + 3];
        let boundary =
            i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-' || b[i - 1] == b'_');
        if boundary && matches!(prefix, b"pk." | b"sk." | b"tk.") {
            let mut j = i + 3;
            let payload_start = j;
            while j < b.len() && is_token_char(b[j]) {
                j += 1;
            }
            if j > payload_start && b.get(j) == Some(&b'.') {
                let sig_start = j + 1;
                let mut k = sig_start;
                while k < b.len() && is_token_char(b[k]) {
                    k += 1;
                }
                if k > sig_start {
                    return Some((i, k));
                }
            }
        }
        i += 1;
    }
    None
}

/// Replaces every token-shaped run in `text`, and every occurrence of each of `secrets`, with
/// `[redacted]`, so that no message, URL or log line carries a token.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    // Secrets first: removing one can put a token-shaped run on a word boundary.
    let mut text = alloc::borrow::Cow::Borrowed(text);
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        if find(&text, secret).is_some() {
            text = replace_all(&text, secret, "[redacted]").into();
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some((start, end)) = find_token(&text, pos) {
        // Token runs are ASCII: their ends are char boundaries.
        out.push_str(text.get(pos..start + 3).unwrap_or_default());
        out.push_str("[redacted]");
        pos = end;
    }
    out.push_str(text.get(pos..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_PK: &str =
        "pk.eyJ1Ijoic2NvdGhpcyIsImEiOiJjaWp1Y2ltYmUwMDBicmJrdDQ4ZDBkaGN4In0.sbihZCZJ56-fsFNKHXF8YQ";
    const DOC_TK: &str = "tk.eyJ1IjoibWFwYm94IiwiZXhwIjoxNDczOTY3NjczLCJpYXQiOjE0NzM5Njc2NDMsInNjb3BlcyI6WyJzdHlsZXM6cmVhZCIsImZvbnRzOnJlYWQiXSwiY2xpZW50IjoiYXBpIn0.ZepsWvpjTMlpePE4IQBs0g";

    fn token(prefix: &str, payload: &str) -> String {
        format!("{prefix}.{}.sig", encode(payload.as_bytes()))
    }

    fn encode(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn parses_the_documented_public_token() {
        let info = parse_token(DOC_PK).unwrap();
        assert_eq!(info.usage, Usage::Public);
        assert_eq!(info.user, "scothis");
        assert_eq!(
            info.authorization.as_deref(),
            Some("cijucimbe000brbkt48d0dhcx")
        );
        assert_eq!(info.expires_ms, None);
    }

    #[test]
    fn parses_the_documented_temporary_token() {
        let info = parse_token(DOC_TK).unwrap();
        assert_eq!(info.usage, Usage::Temporary);
        assert_eq!(info.user, "mapbox");
        assert_eq!(info.authorization, None);
        assert_eq!(info.expires_ms, Some(1_473_967_673_000));
        assert_eq!(info.created_ms, Some(1_473_967_643_000));
        assert_eq!(
            info.scopes,
            Some(vec!["styles:read".into(), "fonts:read".into()])
        );
        assert_eq!(info.client.as_deref(), Some("api"));
    }

    #[test]
    fn decodes_base64url_characters_and_optional_padding() {
        // "?>?" encodes to "Pz4/" in standard base64 and "Pz4_" in base64url.
        assert_eq!(decode_base64url("Pz4_").unwrap(), b"?>?");
        assert_eq!(decode_base64url("Pz4/").unwrap(), b"?>?");
        assert_eq!(decode_base64url("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_base64url("YQ").unwrap(), b"a");
        assert_eq!(decode_base64url("YQ==").unwrap(), b"a");
        assert_eq!(decode_base64url("YWI=").unwrap(), b"ab");
        assert_eq!(decode_base64url("YWJj").unwrap(), b"abc");
        assert_eq!(decode_base64url("Y"), None);
        assert_eq!(decode_base64url("YQ==="), None);
        assert_eq!(decode_base64url("Y!=="), None);
        // A payload whose encoding contains '-' and '_' (the case @mapbox/parse-mapbox-token rejects).
        let t = token("sk", r#"{"u":"ü>?~","a":"id"}"#);
        assert!(t.contains('_') || t.contains('-'), "{t}");
        assert_eq!(parse_token(&t).unwrap().user, "ü>?~");
        let padded = format!("sk.{}==.sig", encode(br#"{"u":"a"}"#));
        assert_eq!(parse_token(&padded).unwrap().user, "a");
    }

    #[test]
    fn refuses_malformed_tokens_with_a_reason_and_without_echoing_them() {
        for bad in [
            "",
            "pk",
            "pk.",
            "pk..",
            "pk.abc",
            "xx.eyJ1IjoiYSJ9.sig",
            "pk.eyJ1IjoiYSJ9.",
            "pk.eyJ1IjoiYSJ9.sig.extra",
            "pk.!!!!.sig",
            "pk.eyJ1Ijoi.sig",
        ] {
            let err = parse_token(bad).unwrap_err();
            assert_eq!(
                err.kind,
                super::super::error::ErrorKind::InvalidInput,
                "{bad:?}"
            );
            assert!(
                err.message.starts_with("The token is malformed"),
                "{}",
                err.message
            );
            if bad.len() > 3 {
                assert!(!err.message.contains(bad), "{}", err.message);
            }
        }
        assert!(parse_token(&token("pk", "[1]")).is_err());
        assert!(parse_token(&token("pk", r#"{"a":"x"}"#)).is_err());
        assert!(parse_token(&token("pk", r#"{"u":""}"#)).is_err());
        assert!(parse_token(&token("pk", r#"{"u":7}"#)).is_err());
        let invalid_utf8 = format!("pk.{}.sig", encode(&[0xff, 0xfe]));
        assert!(parse_token(&invalid_utf8).is_err());
    }

    #[test]
    fn ignores_payload_fields_of_the_wrong_type() {
        let info = parse_token(&token(
            "tk",
            r#"{"u":"a","exp":"soon","scopes":[1],"client":2,"a":3}"#,
        ))
        .unwrap();
        assert_eq!(
            (
                info.expires_ms,
                info.scopes,
                info.client,
                info.authorization
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn decides_public_or_secret_from_scopes() {
        assert_eq!(
            usage_for_scopes(&["styles:read", "datasets:read"]),
            Usage::Public
        );
        assert_eq!(usage_for_scopes(&PUBLIC_SCOPES), Usage::Public);
        assert_eq!(
            usage_for_scopes(&["styles:read", "styles:write"]),
            Usage::Secret
        );
        assert_eq!(usage_for_scopes(&["tokens:read"]), Usage::Secret);
        assert_eq!(usage_for_scopes::<&str>(&[]), Usage::Public);
    }

    #[test]
    fn recognises_token_shapes() {
        assert!(looks_like_token(DOC_PK));
        assert!(looks_like_token("sk.abc.def"));
        assert!(!looks_like_token("cijucimbe000brbkt48d0dhcx"));
        assert!(!looks_like_token("pk."));
        assert!(!looks_like_token("xpk.abc.def"));
    }

    #[test]
    fn redacts_tokens_anywhere_in_text() {
        let text = format!("GET https://x/?access_token={DOC_PK}&a=1 and ({DOC_TK}) end");
        let r = redact(&text, &[]);
        assert_eq!(
            r,
            "GET https://x/?access_token=pk.[redacted]&a=1 and (tk.[redacted]) end"
        );
        assert_eq!(
            redact("no tokens, pk. here; sk.x", &[]),
            "no tokens, pk. here; sk.x"
        );
        assert_eq!(
            redact("secret abcdefgh123 here", &["abcdefgh123"]),
            "secret [redacted] here"
        );
        assert_eq!(redact("short ab", &["ab"]), "short ab");
    }
}
