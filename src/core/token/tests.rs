use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use crate::core::error::ErrorKind;

const DOC_PK: &str =
    "pk.eyJ1Ijoic2NvdGhpcyIsImEiOiJjaWp1Y2ltYmUwMDBicmJrdDQ4ZDBkaGN4In0.sbihZCZJ56-fsFNKHXF8YQ";
const DOC_TK: &str = "tk.eyJ1IjoibWFwYm94IiwiZXhwIjoxNDczOTY3NjczLCJpYXQiOjE0NzM5Njc2NDMsInNjb3BlcyI6WyJzdHlsZXM6cmVhZCIsImZvbnRzOnJlYWQiXSwiY2xpZW50IjoiYXBpIn0.ZepsWvpjTMlpePE4IQBs0g";

fn token(prefix: &str, payload: &str) -> String {
    format!("{prefix}.{}.sig", URL_SAFE_NO_PAD.encode(payload))
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
    let padded = format!("sk.{}==.sig", URL_SAFE_NO_PAD.encode(br#"{"u":"a"}"#));
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
        assert_eq!(err.kind, ErrorKind::InvalidInput, "{bad:?}");
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
    let invalid_utf8 = format!("pk.{}.sig", URL_SAFE_NO_PAD.encode([0xff, 0xfe]));
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
    assert_eq!(redact("ü pk.a.b ü", &[]), "ü pk.[redacted] ü");
}

fn found(text: &str) -> Vec<(String, usize, usize, usize)> {
    find_tokens(text.as_bytes(), Units::Utf16)
        .into_iter()
        .map(|f| (f.token, f.index, f.line, f.column))
        .collect()
}

#[test]
fn finds_every_token_with_its_position() {
    let sk = token("sk", r#"{"u":"demo","a":"cid"}"#);
    let text = format!("MAPBOX={DOC_PK}\n\n  key: \"{sk}\" # and {DOC_TK}");
    let all = find_tokens(text.as_bytes(), Units::Utf16);
    assert_eq!(all.len(), 3);
    assert_eq!(
        (
            all[0].token.as_str(),
            all[0].index,
            all[0].line,
            all[0].column
        ),
        (DOC_PK, 7, 1, 8)
    );
    assert_eq!(
        all[0].info.authorization.as_deref(),
        Some("cijucimbe000brbkt48d0dhcx")
    );
    assert_eq!(
        (all[1].info.usage, all[1].line, all[1].column),
        (Usage::Secret, 3, 9)
    );
    assert_eq!(all[1].info.user, "demo");
    assert_eq!(all[2].info.usage, Usage::Temporary);
    for f in &all {
        assert_eq!(
            text.get(f.index..f.index + f.token.len()),
            Some(f.token.as_str())
        );
    }
}

#[test]
fn counts_utf16_units_for_strings_and_bytes_for_files() {
    // "é" is 2 bytes and 1 UTF-16 unit; "😀" 4 bytes and 2 units.
    let text = format!("é😀 {DOC_PK}\né😀{DOC_PK}");
    assert_eq!(
        found(&text),
        vec![
            (DOC_PK.into(), 4, 1, 5),
            (DOC_PK.into(), 4 + DOC_PK.len() + 4, 2, 4)
        ]
    );
    let bytes = find_tokens(text.as_bytes(), Units::Bytes);
    assert_eq!((bytes[0].index, bytes[0].column), (7, 8));
    assert_eq!((bytes[1].line, bytes[1].column), (2, 7));
    assert_eq!(
        &text.as_bytes()[bytes[1].index..][..DOC_PK.len()],
        DOC_PK.as_bytes()
    );
}

#[test]
fn skips_look_alikes() {
    let not_json = format!("pk.{}.sig", URL_SAFE_NO_PAD.encode("not json"));
    let no_user = token("sk", r#"{"a":"x"}"#);
    let unsigned = DOC_PK.rsplit_once('.').unwrap().0.to_string();
    for text in [
        "pk.notatoken",
        "pk.notatoken.really",
        "sk..sig",
        &not_json,
        &no_user,
        &unsigned,
        &format!("{unsigned}."),
        &format!("x{DOC_PK}"),
        &format!("_{DOC_PK}"),
        "pk.pk.pk.pk.",
    ] {
        assert_eq!(found(text), vec![], "{text}");
    }
    // A token right after a look-alike, and tokens touching punctuation, are still found.
    let text = format!("pk.notatoken.{DOC_PK} ({DOC_PK}),\"{DOC_PK}\"");
    assert_eq!(found(&text).len(), 3);
}

#[test]
fn survives_adversarial_input() {
    // Tokens at both ends of the buffer, invalid UTF-8 around them.
    let mut bytes = DOC_PK.as_bytes().to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b' ', 0xc3]);
    bytes.extend_from_slice(DOC_TK.as_bytes());
    let all = find_tokens(&bytes, Units::Bytes);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].index, 0);
    assert_eq!(all[1].index + DOC_TK.len(), bytes.len());
    // One huge line of token characters, of dots, and of prefixes: nothing, and quickly.
    for huge in [
        "A".repeat(4_000_000),
        ".".repeat(4_000_000),
        "pk.".repeat(1_000_000),
        format!("pk.{}.sig", "A".repeat(4_000_000)),
        format!("pk.eyJ1IjoiYSJ9.{}", "A".repeat(4_000_000)),
    ] {
        let started = std::time::Instant::now();
        let n = find_tokens(huge.as_bytes(), Units::Utf16).len();
        assert!(n <= 1, "{n}");
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }
    // 10,000 tokens in one text, every one found once at its place.
    let text = (0..10_000)
        .map(|i| token(["pk", "sk", "tk"][i % 3], &format!(r#"{{"u":"user{i}"}}"#)))
        .collect::<Vec<_>>()
        .join("\n");
    let all = find_tokens(text.as_bytes(), Units::Utf16);
    assert_eq!(all.len(), 10_000);
    assert!(all
        .iter()
        .enumerate()
        .all(|(i, f)| f.line == i + 1 && f.column == 1 && f.info.user == format!("user{i}")));
}

#[test]
fn redacts_tokens_spelled_in_standard_base64_or_percent_encoded() {
    let standard = "pk.eyJ1IjoiYWJjIn0+/x=.c2ln+/=";
    assert_eq!(
        redact(
            &format!("fetch failed: https://x/?access_token={standard} end"),
            &[]
        ),
        "fetch failed: https://x/?access_token=pk.[redacted] end"
    );
    assert_eq!(
        redact("url ?access_token=pk.eyJ1%2Bx%2F.c2ln%3D&a=1", &[]),
        "url ?access_token=pk.[redacted]&a=1"
    );
    // A secret that does not look like a token, as given and as a URL holds it.
    let secret = "not a token/but secret";
    assert_eq!(
        redact(
            "said not a token/but secret, sent ?access_token=not%20a%20token%2Fbut%20secret",
            &[secret]
        ),
        "said [redacted], sent ?access_token=[redacted]"
    );
}

#[test]
fn redacted_keeps_only_the_start() {
    assert_eq!(redacted(DOC_PK), "pk.eyJ1Ijoic2N…");
    assert_eq!(redacted("sk.a"), "sk.a…");
}
