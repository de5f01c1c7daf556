use super::*;
use crate::core::plain::Refused;
use serde::de::{DeserializeOwned, Visitor};

fn parse_as(json: &str) -> Result<Options, Error> {
    parse(Some(json), Method::ListTokens)
}

/// The field names of `T` as serde reads them, asked of serde itself (a struct's `Deserialize`
/// names its fields when it asks for a struct).
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

#[test]
fn every_method_takes_options_that_options_has_and_every_option_has_a_method() {
    let fields = field_names::<Options>();
    let methods = [
        Method::NewTokens,
        Method::NewTokenBroker,
        Method::ListTokens,
        Method::ListAllTokens,
        Method::CreateTempToken,
        Method::Create,
        Method::Update,
        Method::CheckValidity,
        Method::ListScopes,
        Method::Delete,
        Method::Rotate,
    ];
    for method in methods {
        for name in method.names() {
            assert!(fields.contains(name), "{}: {name}", method.name());
        }
    }
    for field in fields {
        assert!(
            methods.iter().any(|m| m.names().contains(field)),
            "no method takes {field}"
        );
    }
}

fn message<T>(r: Result<T, Error>) -> String {
    match r {
        Ok(_) => panic!("accepted"),
        Err(e) => e.message.clone(),
    }
}

#[test]
fn nothing_null_and_empty_objects_are_no_options() {
    for o in [
        parse(None, Method::ListTokens).unwrap(),
        parse_as("null").unwrap(),
        parse_as("{}").unwrap(),
    ] {
        assert_eq!(o.username, None);
        assert_eq!(o.limit, None);
        assert!(!o.signal.0);
    }
}

#[test]
fn only_objects_with_known_keys() {
    for json in ["[]", "\"x\"", "3", "true"] {
        assert_eq!(
            message(parse_as(json)),
            "listTokens takes an options object."
        );
    }
    assert_eq!(
        message(parse_as("{")),
        "listTokens: the options object could not be read."
    );
    assert_eq!(
        message(parse_as(r#"{"usernme":"a"}"#)),
        "listTokens has no option \"usernme\"; its options are: username, default, limit, sortby, start, usage, timeout, signal."
    );
    assert_eq!(
        message(parse(Some(r#"{"b":1}"#), Method::ListScopes)),
        "listScopes has no option \"b\"; its options are: username, timeout, signal."
    );
    // listAllTokens has no cursor.
    assert!(
        message(parse(Some(r#"{"start":"x"}"#), Method::ListAllTokens))
            .starts_with("listAllTokens has no option \"start\"")
    );
    // An unknown key that looks like a token is not repeated.
    let token = "pk.eyJ1IjoiYSJ9.abcdefghijklmnopqrstuv";
    assert!(!message(parse_as(&format!(r#"{{"{token}":1}}"#))).contains(token));
}

#[test]
fn typed_fields() {
    let o = parse(Some(
        r#"{"username":"ann","authorizationId":"id","scopes":["a","b"],"allowedUrls":null,"resources":["r"],"timeout":5,"signal":{}}"#,
    ), Method::Update)
    .unwrap();
    assert_eq!(o.username.as_deref(), Some("ann"));
    assert_eq!(o.scopes, Some(vec!["a".into(), "b".into()]));
    assert_eq!(o.allowed_urls, Patch::Clear);
    assert_eq!(o.allowed_applications, Patch::Keep);
    assert_eq!(o.resources, Patch::Set(vec!["r".into()]));
    assert_eq!(o.timeout, Some(5.0));
    assert!(o.signal.0);

    let temp = |json| parse(Some(json), Method::CreateTempToken).unwrap();
    let o = temp(r#"{"scopes":["a"],"expires":"2026-01-01T00:00:00.000Z"}"#);
    assert_eq!(
        o.expires,
        Some(Expires::At("2026-01-01T00:00:00.000Z".into()))
    );
    assert!(!o.relative());
    let o = temp(r#"{"scopes":["a"],"expires":60}"#);
    assert_eq!(o.expires, Some(Expires::In(60.0)));
    assert!(o.relative() && Options::default().relative());
}

#[test]
fn wrong_types_name_the_option_and_never_the_value() {
    let secret = "sk.eyJ1IjoiYSJ9.c2VjcmV0c2VjcmV0";
    for (json, expected) in [
        (r#"{"username":1}"#, "username must be a string."),
        (r#"{"limit":"2"}"#, "limit must be a number."),
        // JSON.stringify turns NaN and Infinity into null.
        (r#"{"limit":null}"#, "limit must be a number."),
        (r#"{"default":"yes"}"#, "default must be true or false."),
        (r#"{"usage":["pk"]}"#, "usage must be a string."),
        (
            &format!(r#"{{"limit":"{secret}"}}"#),
            "limit must be a number.",
        ),
        (
            &format!(r#"{{"default":"{secret}"}}"#),
            "default must be true or false.",
        ),
    ] {
        assert_eq!(message(parse_as(json)), expected, "{json}");
    }
    for (json, expected) in [
        (r#"{"scopes":["a",1]}"#, "scopes must be an array of strings."),
        (r#"{"scopes":"styles:read"}"#, "scopes must be an array of strings."),
        (
            r#"{"allowedApplications":[{"platform":"iOS"}]}"#,
            "allowedApplications must be an array of { platform, bundleId } objects with string values.",
        ),
    ] {
        assert_eq!(message(parse(Some(json), Method::Create)), expected, "{json}");
    }
    assert!(
        message(parse(Some(r#"{"expires":{}}"#), Method::CreateTempToken))
            .starts_with("expires must be a number of seconds, a Date or an ISO 8601 string")
    );
    assert!(
        message(parse(Some(r#"{"expires":null}"#), Method::CreateTempToken))
            .starts_with("expires must be a number of seconds")
    );
    assert_eq!(
        message(parse(Some(r#"{"allowedUrls":"x"}"#), Method::Update)),
        "allowedUrls must be an array of strings, or null to clear it."
    );
    // Only an update clears with null.
    assert_eq!(
        message(parse(Some(r#"{"allowedUrls":"x"}"#), Method::Create)),
        "allowedUrls must be an array of strings."
    );
}

#[test]
fn the_rate_limit_option() {
    let o = parse(Some(r#"{"rateLimit":false}"#), Method::NewTokens).unwrap();
    assert_eq!(o.rate_limit, Some(RateLimitOption::Off));
    let o = parse(
        Some(r#"{"rateLimit":{"limit":5,"interval":4}}"#),
        Method::NewTokens,
    )
    .unwrap();
    assert_eq!(
        o.rate_limit,
        Some(RateLimitOption::Pace {
            limit: 5.0,
            interval: 4.0
        })
    );
    for bad in [
        "true",
        "{}",
        r#"{"limit":5}"#,
        r#"{"limit":5,"interval":4,"x":1}"#,
        "5",
    ] {
        let m = message(parse(
            Some(&format!(r#"{{"rateLimit":{bad}}}"#)),
            Method::NewTokens,
        ));
        assert!(
            m.starts_with("rateLimit must be false or { limit, interval }"),
            "{m}"
        );
    }
}

#[test]
fn timeouts_are_positive_and_fit_a_timer() {
    assert_eq!(checked_timeout(Some(1.5)).unwrap(), Some(1.5));
    assert_eq!(checked_timeout(None).unwrap(), None);
    for bad in [0.0, -1.0, 2_147_483_648.0, f64::NAN] {
        assert!(message(checked_timeout(Some(bad)))
            .starts_with("timeout must be a number of milliseconds"));
    }
}

#[test]
fn an_unknown_key_is_redacted_before_it_is_cut_short() {
    // 40 characters of this key would no longer look like a token, and would show its payload.
    let key = "pk.eyJ1IjoiYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
    let m = message(parse(Some(&format!("{{\"{key}\":1}}")), Method::ListScopes));
    assert!(m.contains("\"pk.[redacted]\""), "{m}");
    assert!(!m.contains("eyJ1"), "{m}");
}

#[test]
fn allowed_urls_on_a_temporary_token_is_noted_even_when_null() {
    for json in [
        r#"{"allowedUrls":null}"#,
        r#"{"allowedUrls":[]}"#,
        r#"{"allowedUrls":["https://x"]}"#,
    ] {
        let o = parse(Some(json), Method::CreateTempToken).unwrap();
        assert!(!o.allowed_urls.is_keep(), "{json}");
    }
    let o = parse(Some("{}"), Method::CreateTempToken).unwrap();
    assert!(o.allowed_urls.is_keep());
}
