//! Mapbox access tokens, read offline: `pk|sk|tk.<base64url JSON payload>.<signature>`.
//!
//! Also finding every token in a text (a leak scan), the public/secret scope rule that decides
//! whether a new token is `pk` or `sk`, and the redaction that keeps token strings out of every
//! message this library produces.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde_json::Value;

use super::error::Error;
use super::url::encode_component;

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

    fn from_prefix(prefix: &[u8]) -> Option<Usage> {
        match prefix {
            b"pk" => Some(Usage::Public),
            b"sk" => Some(Usage::Secret),
            b"tk" => Some(Usage::Temporary),
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

/// Base64 without padding (it is stripped first) and, like most decoders, tolerant of non-zero
/// bits after the last byte.
const fn lenient(alphabet: &alphabet::Alphabet) -> GeneralPurpose {
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    )
}
const URL_SAFE: GeneralPurpose = lenient(&alphabet::URL_SAFE);
const STANDARD: GeneralPurpose = lenient(&alphabet::STANDARD);

/// Decodes a payload in the base64url alphabet (`-_`), or the standard one (`+/`) that some tools
/// produce, with or without `=` padding (token payloads come both ways; up to two `=` are
/// accepted, whether needed or not).
pub fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let unpadded = text
        .strip_suffix("==")
        .or_else(|| text.strip_suffix('='))
        .unwrap_or(text);
    URL_SAFE
        .decode(unpadded)
        .or_else(|_| STANDARD.decode(unpadded))
        .ok()
}

fn malformed(why: &str) -> Error {
    Error::invalid(format!("The token is malformed: {why}."))
}

/// Seconds (as sent in a payload) to milliseconds, for values a `Date` can hold.
fn seconds_to_ms(v: &Value) -> Option<i64> {
    let s = v.as_f64()?;
    (s.is_finite() && s.abs() < 8.64e12).then(|| (s * 1000.0).round() as i64)
}

/// Why a payload is not a token's: the message of [`parse_token`]'s error.
enum PayloadError {
    NotBase64,
    NotUtf8,
    NotJson,
    NotObject,
    NoUser,
}

impl PayloadError {
    fn reason(&self) -> &'static str {
        match self {
            PayloadError::NotBase64 => "the payload is not base64url",
            PayloadError::NotUtf8 => "the payload is not UTF-8",
            PayloadError::NotJson => "the payload is not JSON",
            PayloadError::NotObject => "the payload is not a JSON object",
            PayloadError::NoUser => "the payload names no user",
        }
    }
}

/// Reads a payload: base64url JSON naming a user (`u`); the other fields are kept where they have
/// the expected type and ignored otherwise.
fn read_payload(usage: Usage, payload: &str) -> Result<TokenInfo, PayloadError> {
    let bytes = decode_base64url(payload).ok_or(PayloadError::NotBase64)?;
    let text = String::from_utf8(bytes).map_err(|_| PayloadError::NotUtf8)?;
    let value: Value = serde_json::from_str(&text).map_err(|_| PayloadError::NotJson)?;
    let fields = value.as_object().ok_or(PayloadError::NotObject)?;
    let string = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
    let user = string("u")
        .filter(|u| !u.is_empty())
        .ok_or(PayloadError::NoUser)?;
    let scopes = fields.get("scopes").and_then(|v| {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    });
    Ok(TokenInfo {
        usage,
        user,
        authorization: string("a"),
        expires_ms: fields.get("exp").and_then(seconds_to_ms),
        created_ms: fields.get("iat").and_then(seconds_to_ms),
        scopes,
        client: string("client"),
    })
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
    let usage = Usage::from_prefix(prefix.as_bytes())
        .ok_or_else(|| malformed("it must start with pk., sk. or tk."))?;
    if signature.is_empty() {
        return Err(malformed("the signature is missing"));
    }
    read_payload(usage, payload).map_err(|e| malformed(e.reason()))
}

/// True when `s` has the shape of a token string: `pk.`, `sk.` or `tk.` then base64url, a dot, and more.
pub fn looks_like_token(s: &str) -> bool {
    token_shape_at(s.as_bytes(), 0).is_some()
}

/// A character of a token's payload or signature (base64url, and `=` padding).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='
}

/// A character that redaction treats as part of a token: those of [`is_token_char`], standard
/// base64's `+` and `/` (which `parseToken` accepts too), and `%` (a token percent-encoded in a
/// URL). Wider than what [`find_tokens`] reports: redacting a little too much is harmless.
fn is_redacted_char(b: u8) -> bool {
    is_token_char(b) || matches!(b, b'+' | b'/' | b'%')
}

/// The end of the run of `is_char` characters starting at `from`.
fn token_run_end(b: &[u8], from: usize, is_char: fn(u8) -> bool) -> usize {
    b.get(from..)
        .and_then(|rest| rest.iter().position(|&c| !is_char(c)))
        .map_or(b.len(), |n| from + n)
}

/// A token's parts, as byte ranges of the text it was found in.
struct Shape {
    /// Where the payload ends (the dot before the signature).
    payload_end: usize,
    /// Where the signature ends: the end of the token.
    end: usize,
}

/// The token-shaped run starting at `start` (`pk.`/`sk.`/`tk.`, a payload, a dot, a signature),
/// if there is one; `start` must be at a word boundary, which the caller checks.
fn token_shape_at(b: &[u8], start: usize) -> Option<Shape> {
    shape_of(b, start, is_token_char)
}

/// [`token_shape_at`] with the parts made of `is_char` characters.
fn shape_of(b: &[u8], start: usize, is_char: fn(u8) -> bool) -> Option<Shape> {
    let prefix = b.get(start..start + 3)?;
    if !matches!(prefix, b"pk." | b"sk." | b"tk.") {
        return None;
    }
    let payload_end = token_run_end(b, start + 3, is_char);
    if payload_end == start + 3 || b.get(payload_end) != Some(&b'.') {
        return None;
    }
    let end = token_run_end(b, payload_end + 1, is_char);
    (end > payload_end + 1).then_some(Shape { payload_end, end })
}

/// Whether a token may start at `i`: not in the middle of a word or of another token.
fn at_boundary(b: &[u8], i: usize) -> bool {
    i == 0
        || !b
            .get(i - 1)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// The start of every `pk.`/`sk.`/`tk.` at a word boundary in `b`, from `from` on, in order.
fn prefix_positions(b: &[u8], mut from: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::from_fn(move || {
        while from + 3 <= b.len() {
            // Dots are rare in most text: find the next one, then look at what precedes it.
            let dot = from + 2 + b.get(from + 2..)?.iter().position(|&c| c == b'.')?;
            let start = dot - 2;
            from = dot + 1;
            if Usage::from_prefix(&b[start..dot]).is_some() && at_boundary(b, start) {
                return Some(start);
            }
        }
        None
    })
}

/// Longest payload considered: real ones are a few hundred bytes; a longer base64 run is not a
/// token, and decoding it would only cost time.
const MAX_PAYLOAD_BYTES: usize = 16 * 1024;

/// How [`find_tokens`] counts positions: bytes (for a file's contents) or UTF-16 code units (for
/// a JavaScript string, whose indices count those).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Byte offsets.
    Bytes,
    /// UTF-16 code units of the UTF-8 text.
    Utf16,
}

impl Units {
    /// How many units the byte `b` adds: in UTF-16, every UTF-8 sequence's leading byte counts one
    /// unit, and a four-byte sequence (a surrogate pair) one more.
    fn of(self, b: u8) -> usize {
        match self {
            Units::Bytes => 1,
            Units::Utf16 => usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0),
        }
    }
}

/// A token found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The token string.
    pub token: String,
    /// What its payload says.
    pub info: TokenInfo,
    /// Where it starts, in the chosen units.
    pub index: usize,
    /// Its line, 1-based.
    pub line: usize,
    /// Its column, 1-based, in the chosen units.
    pub column: usize,
}

/// Every Mapbox token in `text`, in order: `pk.`/`sk.`/`tk.` at a word boundary, a base64url
/// payload that decodes to a JSON object naming a user, a dot and a signature. Look-alikes
/// (`pk.notatoken`, a payload that is not such JSON, no signature) are skipped. Runs in time
/// linear in the text; `text` need not be UTF-8 (a file may be anything).
pub fn find_tokens(text: &[u8], units: Units) -> Vec<Found> {
    let mut found = Vec::new();
    // Position counting, advanced only as far as the last token found.
    let (mut counted, mut index, mut line, mut line_start) = (0, 0, 1, 0);
    let mut from = 0;
    while let Some(start) = prefix_positions(text, from).next() {
        from = start + 3;
        let Some(shape) = token_shape_at(text, start) else {
            continue;
        };
        let payload = &text[start + 3..shape.payload_end];
        let info = std::str::from_utf8(payload)
            .ok()
            .filter(|p| p.len() <= MAX_PAYLOAD_BYTES)
            .zip(Usage::from_prefix(&text[start..start + 2]))
            .and_then(|(p, usage)| read_payload(usage, p).ok());
        let Some(info) = info else {
            continue;
        };
        for &b in &text[counted..start] {
            index += units.of(b);
            if b == b'\n' {
                line += 1;
                line_start = index;
            }
        }
        counted = start;
        found.push(Found {
            // Token characters are ASCII.
            token: String::from_utf8_lossy(&text[start..shape.end]).into_owned(),
            info,
            index,
            line,
            column: index - line_start + 1,
        });
        from = shape.end;
    }
    found
}

/// How many characters of a token [`redacted`] keeps: the prefix and the start of the payload,
/// which says nothing secret (every payload begins with `{"u":"` and the username).
const SHOWN_CHARS: usize = 14;

/// A token shortened for display: its first characters and an ellipsis (`sk.eyJ1IjoiZGV…`).
pub fn redacted(token: &str) -> String {
    let shown: String = token.chars().take(SHOWN_CHARS).collect();
    format!("{shown}…")
}

/// Replaces every token-shaped run in `text` (in base64url or standard base64, percent-encoded
/// or not), and every occurrence of each of `secrets` (as it is, and percent-encoded as a URL
/// holds it, where a platform's message may quote it), with `[redacted]`, so that no message,
/// URL or log line carries a token.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    // Secrets first: removing one can put a token-shaped run on a word boundary.
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        let mut encoded = String::with_capacity(secret.len());
        encode_component(&mut encoded, secret);
        text = text
            .replace(secret, "[redacted]")
            .replace(&encoded, "[redacted]");
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for start in prefix_positions(b, 0) {
        if start < pos {
            continue;
        }
        if let Some(shape) = shape_of(b, start, is_redacted_char) {
            // Token runs are ASCII: their ends are character boundaries.
            out.push_str(text.get(pos..start + 3).unwrap_or_default());
            out.push_str("[redacted]");
            pos = shape.end;
        }
    }
    out.push_str(text.get(pos..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests;
