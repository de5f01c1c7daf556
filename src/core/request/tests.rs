use serde_json::Value;

use super::*;
use crate::core::error::ErrorKind;

const TOKEN: &str = "sk.eyJ1IjoiZGVtbyIsImEiOiJjaWQifQ.c2ln";
const NOW: f64 = 1_790_000_000_000.0;

fn config() -> Config {
    Config {
        origin: Origin::parse("http://127.0.0.1:8787").unwrap(),
        access_token: TOKEN.into(),
        username: Some("demo".into()),
    }
}

fn scopes(s: &[&str]) -> Option<Vec<String>> {
    Some(s.iter().map(|s| s.to_string()).collect())
}

fn invalid(result: Result<Request, Error>) -> String {
    let e = result.expect_err("the input should have been refused");
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert_eq!(
        (e.method, e.url.clone()),
        (None, None),
        "nothing is sent for invalid input"
    );
    e.message.clone()
}

/// Asserts the method, path and query, and body that `req` sends.
fn assert_sends(req: &Request, method: &str, target: &str, body: Option<&str>) {
    assert_eq!(
        (req.method(), req.target.as_str(), req.body.as_deref()),
        (method, target, body)
    );
}

fn body(req: &Request) -> Value {
    serde_json::from_str(req.body.as_deref().expect("a body")).expect("valid JSON")
}

#[test]
fn list_tokens_sends_every_filter() {
    let c = config();
    let req = c.list_tokens(&Options::default()).unwrap();
    assert_sends(&req, "GET", "/tokens/v2/demo", None);
    let req = c
        .list_tokens(&Options {
            username: Some("other user".into()),
            default: Some(false),
            limit: Some(25.0),
            sortby: Some("modified".into()),
            start: Some("c/ur&sor".into()),
            usage: Some("sk".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(req.target, "/tokens/v2/other%20user?default=false&limit=25&sortby=modified&start=c%2Fur%26sor&usage=sk");
    assert_eq!(
        req.url(&c.origin, TOKEN),
        format!("http://127.0.0.1:8787{}&access_token={}", req.target, TOKEN)
    );
    let req = c
        .list_tokens(&Options {
            default: Some(true),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(req.target, "/tokens/v2/demo?default=true");
}

#[test]
fn list_tokens_refuses_bad_filters() {
    let c = config();
    for limit in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
        let m = invalid(c.list_tokens(&Options {
            limit: Some(limit),
            ..Default::default()
        }));
        assert_eq!(m, "limit must be a positive whole number.");
    }
    let m = invalid(c.list_tokens(&Options {
        sortby: Some("name".into()),
        ..Default::default()
    }));
    assert_eq!(m, "sortby must be \"created\" or \"modified\".");
    let m = invalid(c.list_tokens(&Options {
        usage: Some("tk".into()),
        ..Default::default()
    }));
    assert_eq!(m, "usage must be \"pk\" or \"sk\".");
    invalid(c.list_tokens(&Options {
        start: Some(String::new()),
        ..Default::default()
    }));
}

#[test]
fn usernames_and_ids_are_single_encoded_path_segments() {
    let c = config();
    for (name, encoded) in [
        ("../admin", "..%2Fadmin"),
        ("a/b", "a%2Fb"),
        ("a?b#c", "a%3Fb%23c"),
        ("50%", "50%25"),
    ] {
        let req = c.list_scopes(&Some(name.into())).unwrap();
        assert_eq!(req.target, format!("/scopes/v1/{encoded}"));
        let req = c.delete(&Some(name.into()), &Some(name.into())).unwrap();
        assert_eq!(req.target, format!("/tokens/v2/{encoded}/{encoded}"));
    }
    let long = "u".repeat(MAX_SEGMENT_BYTES + 1);
    assert!(invalid(c.list_scopes(&Some(long.clone()))).contains("at most 1024 bytes"));
    assert!(invalid(c.delete(&None, &Some(long))).contains("authorizationId must be at most"));
    assert!(c.list_scopes(&Some("u".repeat(MAX_SEGMENT_BYTES))).is_ok());
    for bad in ["", ".", ".."] {
        invalid(c.list_scopes(&Some(bad.into())));
        invalid(c.delete(&None, &Some(bad.into())));
    }
}

#[test]
fn a_missing_username_is_a_clear_error() {
    let c = Config {
        username: None,
        ..config()
    };
    let m = invalid(c.list_tokens(&Options::default()));
    assert!(m.contains("Pass { username }"), "{m}");
    assert!(c
        .list_tokens(&Options {
            username: Some("u".into()),
            ..Default::default()
        })
        .is_ok());
    // checkValidity needs no username.
    assert_eq!(c.check_validity(None).target, "/tokens/v2");
}

#[test]
fn create_temp_token_sends_scopes_and_an_iso_expiry() {
    let c = config();
    let req = c
        .create_temp_token(
            &Options {
                scopes: scopes(&["styles:read"]),
                expires: Some(Expires::In(60.0)),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    assert_sends(
        &req,
        "POST",
        "/tokens/v2/demo",
        Some(r#"{"scopes":["styles:read"],"expires":"2026-09-21T14:14:20.000Z"}"#),
    );
    // Default: one hour.
    let req = c
        .create_temp_token(
            &Options {
                scopes: scopes(&["a:b"]),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    assert_eq!(
        body(&req).get("expires").and_then(Value::as_str),
        Some("2026-09-21T15:13:20.000Z")
    );
    // Absolute times: a Date's ISO text, or text with any offset.
    let text = Expires::At("2026-09-21T14:43:20.000Z".into());
    let req = c
        .create_temp_token(
            &Options {
                scopes: scopes(&["a:b"]),
                expires: Some(text),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    assert_eq!(
        body(&req).get("expires").and_then(Value::as_str),
        Some("2026-09-21T14:43:20.000Z")
    );
    let text = Expires::At("2026-09-21T16:43:20+02:00".into());
    let req = c
        .create_temp_token(
            &Options {
                scopes: scopes(&["a:b"]),
                expires: Some(text),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    assert_eq!(
        body(&req).get("expires").and_then(Value::as_str),
        Some("2026-09-21T14:43:20.000Z")
    );
}

#[test]
fn create_temp_token_refuses_bad_expiry_scopes_and_urls() {
    let c = config();
    let temp = |expires| Options {
        scopes: scopes(&["styles:read"]),
        expires: Some(expires),
        ..Default::default()
    };
    for seconds in [0.0, -5.0, 3600.5, 86_400.0, f64::NAN, f64::INFINITY] {
        let m = invalid(c.create_temp_token(&temp(Expires::In(seconds)), NOW));
        assert!(m.contains("greater than 0 and at most 3600"), "{m}");
    }
    assert!(c.create_temp_token(&temp(Expires::In(3600.0)), NOW).is_ok());
    let at = |ms: f64| Expires::At(time::format_utc(ms as i64));
    assert!(invalid(c.create_temp_token(&temp(at(NOW - 1.0)), NOW)).contains("in the future"));
    assert!(invalid(c.create_temp_token(&temp(at(NOW + 3_600_001.0)), NOW)).contains("one hour"));
    assert!(c
        .create_temp_token(&temp(at(NOW + 3_600_000.0)), NOW)
        .is_ok());
    assert!(
        invalid(c.create_temp_token(&temp(Expires::At("next week".into())), NOW))
            .contains("ISO 8601")
    );
    assert!(
        invalid(c.create_temp_token(&temp(Expires::At("2026-09-21T14:00:00".into())), NOW))
            .contains("time zone")
    );
    let m = invalid(c.create_temp_token(
        &Options {
            allowed_urls: Patch::Set(vec![]),
            ..temp(Expires::In(60.0))
        },
        NOW,
    ));
    assert!(
        m.contains("allowedUrls cannot be set on a temporary token"),
        "{m}"
    );
    assert!(invalid(c.create_temp_token(&Options::default(), NOW)).contains("scopes is required"));
    let empty = Options {
        scopes: Some(vec![]),
        ..Default::default()
    };
    assert!(invalid(c.create_temp_token(&empty, NOW)).contains("can never gain any"));
}

#[test]
fn create_sends_only_given_fields() {
    let c = config();
    let req = c
        .create(&Options {
            scopes: scopes(&["styles:read"]),
            note: Some("test-token".into()),
            ..Default::default()
        })
        .unwrap();
    assert_sends(
        &req,
        "POST",
        "/tokens/v2/demo",
        Some(r#"{"scopes":["styles:read"],"note":"test-token"}"#),
    );
    let req = c
        .create(&Options {
            username: Some("other".into()),
            scopes: scopes(&["styles:read", "styles:write"]),
            note: Some("ü \"q\"".into()),
            allowed_urls: Patch::Set(vec!["https://example.com".into()]),
            allowed_applications: Patch::Set(vec![AllowedApplication {
                platform: "iOS".into(),
                bundle_id: "com.example.app".into(),
            }]),
            resources: Patch::Set(vec!["mapbox.satellite".into()]),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(req.target, "/tokens/v2/other");
    assert_eq!(
        req.body.as_deref(),
        Some(
            r#"{"scopes":["styles:read","styles:write"],"note":"ü \"q\"","allowedUrls":["https://example.com"],"allowedApplications":[{"platform":"iOS","bundleId":"com.example.app"}],"resources":["mapbox.satellite"]}"#
        )
    );
}

#[test]
fn create_refuses_bad_input() {
    let c = config();
    let base = || Options {
        scopes: scopes(&["styles:read"]),
        ..Default::default()
    };
    assert!(invalid(c.create(&Options::default())).contains("scopes is required"));
    assert!(invalid(c.create(&Options {
        scopes: Some(vec![]),
        ..base()
    }))
    .contains("can never gain any"));
    assert!(invalid(c.create(&Options {
        scopes: scopes(&["styles:read", ""]),
        ..base()
    }))
    .contains("non-empty strings"));
    let long = "n".repeat(129);
    assert_eq!(
        invalid(c.create(&Options {
            note: Some(long),
            ..base()
        })),
        "note must be at most 128 characters."
    );
    assert!(
        c.create(&Options {
            note: Some("é".repeat(128)),
            ..base()
        })
        .is_ok(),
        "128 characters, more bytes"
    );
    let urls: Vec<String> = (0..101).map(|i| format!("https://{i}.example")).collect();
    assert!(invalid(c.create(&Options {
        allowed_urls: Patch::Set(urls.clone()),
        ..base()
    }))
    .contains("at most 100"));
    assert!(c
        .create(&Options {
            allowed_urls: Patch::Set(urls[..100].to_vec()),
            ..base()
        })
        .is_ok());
    let app = AllowedApplication {
        platform: "iOS".into(),
        bundle_id: String::new(),
    };
    assert!(invalid(c.create(&Options {
        allowed_applications: Patch::Set(vec![app]),
        ..base()
    }))
    .contains("bundleId"));
}

#[test]
fn update_sends_only_changes_and_null_clears() {
    let c = config();
    let req = c
        .update(&Options {
            authorization_id: Some("cid".into()),
            scopes: scopes(&["styles:read", "datasets:read"]),
            note: Some("updated".into()),
            ..Default::default()
        })
        .unwrap();
    assert_sends(
        &req,
        "PATCH",
        "/tokens/v2/demo/cid",
        Some(r#"{"scopes":["styles:read","datasets:read"],"note":"updated"}"#),
    );
    let req = c
        .update(&Options {
            authorization_id: Some("cid".into()),
            allowed_urls: Patch::Clear,
            allowed_applications: Patch::Clear,
            resources: Patch::Set(vec!["r".into()]),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        req.body.as_deref(),
        Some(r#"{"allowedUrls":null,"allowedApplications":null,"resources":["r"]}"#)
    );
    let req = c
        .update(&Options {
            authorization_id: Some("cid".into()),
            note: Some(String::new()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(req.body.as_deref(), Some(r#"{"note":""}"#));
}

#[test]
fn update_refuses_bad_input() {
    let c = config();
    let id = || Some("cid".to_string());
    assert!(invalid(c.update(&Options {
        authorization_id: id(),
        ..Default::default()
    }))
    .contains("at least one field"));
    assert!(invalid(c.update(&Options {
        note: Some("x".into()),
        ..Default::default()
    }))
    .contains("authorizationId is required"));
    for token in ["pk.eyJ1IjoiYSJ9.sig", "sk.abc.def", "tk.abc.def"] {
        let m = invalid(c.update(&Options {
            authorization_id: Some(token.into()),
            note: Some("x".into()),
            ..Default::default()
        }));
        assert!(m.contains("not the token string"), "{m}");
        assert!(!m.contains(token));
        assert!(invalid(c.delete(&None, &Some(token.into()))).contains("not the token string"));
    }
    assert!(invalid(c.update(&Options {
        authorization_id: id(),
        scopes: Some(vec![]),
        ..Default::default()
    }))
    .contains("never gain"));
    let urls = Patch::Set((0..101).map(|i| i.to_string()).collect());
    assert!(invalid(c.update(&Options {
        authorization_id: id(),
        allowed_urls: urls,
        ..Default::default()
    }))
    .contains("at most 100"));
    let long = Some("x".repeat(200));
    assert!(invalid(c.update(&Options {
        authorization_id: id(),
        note: long,
        ..Default::default()
    }))
    .contains("128"));
}

#[test]
fn check_validity_asks_about_the_given_token() {
    let c = config();
    let own = c.check_validity(None);
    assert_eq!(
        (own.method(), own.url(&c.origin, TOKEN)),
        (
            "GET",
            format!("http://127.0.0.1:8787/tokens/v2?access_token={TOKEN}")
        )
    );
    let other = c.check_validity(Some("not a token/&".into()));
    assert_eq!(
        other.url(&c.origin, TOKEN),
        "http://127.0.0.1:8787/tokens/v2?access_token=not%20a%20token%2F%26"
    );
    assert_eq!(
        other.redacted_url(&c.origin),
        "http://127.0.0.1:8787/tokens/v2?access_token=[redacted]"
    );
}

#[test]
fn list_scopes_and_delete_paths() {
    let c = config();
    let req = c.list_scopes(&None).unwrap();
    assert_sends(&req, "GET", "/scopes/v1/demo", None);
    let req = c.delete(&None, &Some("cid".into())).unwrap();
    assert_sends(&req, "DELETE", "/tokens/v2/demo/cid", None);
    assert!(invalid(c.delete(&None, &None)).contains("authorizationId is required"));
}

#[test]
fn next_pages_set_the_access_token_exactly_once() {
    let c = config();
    let req = c.next_page("/tokens/v2/demo?limit=2&access_token=pk.old.token&start=abc#x");
    assert_eq!(req.target, "/tokens/v2/demo?limit=2&start=abc");
    assert_eq!(
        req.url(&c.origin, TOKEN),
        format!("http://127.0.0.1:8787/tokens/v2/demo?limit=2&start=abc&access_token={TOKEN}")
    );
}

#[test]
fn usage_for_scopes_checks_like_create() {
    assert_eq!(
        token_usage_for(&["styles:read".into()]).unwrap(),
        Usage::Public
    );
    assert_eq!(
        token_usage_for(&["styles:read".into(), "tokens:write".into()]).unwrap(),
        Usage::Secret
    );
    assert_eq!(
        token_usage_for(&[]).unwrap_err().kind,
        ErrorKind::InvalidInput
    );
}
