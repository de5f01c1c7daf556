//! wasm tests shared by `tests/node.rs` (Node) and `tests/browser.rs` (headless Chromium): the
//! JavaScript API driven against the local Tokens API emulator over real `fetch`.
//! The emulator's URL comes from MAPBOX_EMULATOR_URL at compile time (scripts/with-emulator.sh).

use js_sys::{Array, Promise, Reflect, JSON};
use mapbox_tokens::js::{find_tokens, is_mapbox_error, parse_token, Tokens};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const EMULATOR: &str = match option_env!("MAPBOX_EMULATOR_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:18787",
};

/// A JS value from JSON text.
fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap_or_else(|_| panic!("bad test JSON: {json}"))
}

/// `value.a.b.c`.
fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        Reflect::get(&v, &key.into()).unwrap_or(JsValue::UNDEFINED)
    })
}

fn text(value: &JsValue, path: &str) -> String {
    get(value, path)
        .as_string()
        .unwrap_or_else(|| panic!("{path} is not a string"))
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

async fn ok(p: Promise) -> JsValue {
    match settle(p).await {
        Ok(v) => v,
        Err(e) => panic!("rejected: {}", text(&e, "message")),
    }
}

async fn err(p: Promise) -> JsValue {
    let e = settle(p).await.expect_err("should have rejected");
    assert!(is_mapbox_error(e.clone()), "a MapboxError");
    assert!(e.is_instance_of::<js_sys::Error>());
    e
}

async fn emulator(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let init = js_sys::Object::new();
    Reflect::set(&init, &"method".into(), &method.into()).unwrap();
    if let Some(body) = body {
        Reflect::set(&init, &"body".into(), &body.into()).unwrap();
        Reflect::set(
            &init,
            &"headers".into(),
            &js(r#"{"content-type":"application/json"}"#),
        )
        .unwrap();
    }
    let fetch: js_sys::Function = Reflect::get(&js_sys::global(), &"fetch".into())
        .unwrap()
        .unchecked_into();
    let url = format!("{EMULATOR}{path}");
    let response = JsFuture::from(
        fetch
            .call2(&JsValue::NULL, &url.into(), &init)
            .unwrap()
            .unchecked_into::<Promise>(),
    )
    .await
    .unwrap();
    let json: js_sys::Function = Reflect::get(&response, &"json".into())
        .unwrap()
        .unchecked_into();
    match json.call0(&response) {
        Ok(p) => JsFuture::from(p.unchecked_into::<Promise>())
            .await
            .unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    }
}

async fn admin_token() -> String {
    text(
        &emulator("GET", "/__emulator/info", None).await,
        "adminToken",
    )
}

/// A client of the emulator's admin account.
async fn client() -> Tokens {
    let token = admin_token().await;
    Tokens::new(js(&format!(
        r#"{{"accessToken":"{token}","origin":"{EMULATOR}"}}"#
    )))
    .unwrap_or_else(|_| panic!("constructor"))
}

/// A token of the admin's account minted with exactly `scopes`.
async fn minted(scopes: &str) -> String {
    text(
        &emulator(
            "POST",
            "/__emulator/tokens",
            Some(&format!(r#"{{"scopes":{scopes}}}"#)),
        )
        .await,
        "token",
    )
}

async fn request_count() -> u32 {
    emulator("GET", "/__emulator/requests", None)
        .await
        .unchecked_into::<Array>()
        .length()
}

#[wasm_bindgen_test]
async fn check_validity_reports_the_clients_own_token_valid() {
    let tokens = client().await;
    let r = ok(tokens.check_validity(JsValue::UNDEFINED)).await;
    assert_eq!(get(&r, "status").as_f64(), Some(200.0));
    assert_eq!(get(&r, "ok").as_bool(), Some(true));
    assert_eq!(text(&r, "data.code"), "TokenValid");
    assert_eq!(text(&r, "data.token.usage"), "sk");
    let json: js_sys::Function = get(&r, "json").unchecked_into();
    let same = ok(json.call0(&r).unwrap().unchecked_into()).await;
    assert_eq!(text(&same, "code"), "TokenValid");
}

#[wasm_bindgen_test]
async fn check_validity_judges_other_tokens_through_the_api() {
    let tokens = client().await;
    let r = ok(tokens.check_validity(js(r#"{"accessToken":"not-a-token"}"#))).await;
    assert_eq!(text(&r, "data.code"), "TokenMalformed");
    let public = minted(r#"["styles:read"]"#).await;
    let r = ok(tokens.check_validity(js(&format!(r#"{{"accessToken":"{public}"}}"#)))).await;
    assert_eq!(text(&r, "data.code"), "TokenValid");
    assert_eq!(text(&r, "data.token.usage"), "pk");
}

#[wasm_bindgen_test]
async fn create_update_list_and_delete_a_token() {
    let tokens = client().await;
    let created = ok(tokens.create(js(r#"{"scopes":["styles:read"],"note":"wasm test"}"#))).await;
    let token = text(&created, "data.token");
    assert!(token.starts_with("pk."), "{token}");
    let id = text(&created, "data.id");
    assert_eq!(
        text(&parse_token(token.clone().into()).unwrap(), "authorization"),
        id
    );

    let updated = ok(tokens.update(js(&format!(
        r#"{{"authorizationId":"{id}","scopes":["styles:read","datasets:read"],"note":"updated","allowedUrls":["https://example.com"]}}"#
    ))))
    .await;
    assert_eq!(get(&updated, "status").as_f64(), Some(200.0));
    assert_eq!(text(&updated, "data.note"), "updated");
    assert_eq!(
        get(&updated, "data.scopes")
            .unchecked_into::<Array>()
            .length(),
        2
    );
    let cleared = ok(tokens.update(js(&format!(
        r#"{{"authorizationId":"{id}","allowedUrls":null}}"#
    ))))
    .await;
    assert!(
        get(&cleared, "data.allowedUrls").is_undefined(),
        "null clears the URL restriction"
    );

    let secret = ok(tokens.create(js(r#"{"scopes":["styles:read","styles:write"]}"#))).await;
    assert!(text(&secret, "data.token").starts_with("sk."));

    let deleted = ok(tokens.delete(js(&format!(r#"{{"authorizationId":"{id}"}}"#)))).await;
    assert_eq!(get(&deleted, "status").as_f64(), Some(204.0));
    assert!(get(&deleted, "data").is_null());
    let revoked = ok(tokens.check_validity(js(&format!(r#"{{"accessToken":"{token}"}}"#)))).await;
    assert_eq!(text(&revoked, "data.code"), "TokenRevoked");
}

#[wasm_bindgen_test]
async fn creates_temporary_tokens() {
    let tokens = client().await;
    let r = ok(tokens.create_temp_token(js(r#"{"scopes":["styles:read"],"expires":60}"#))).await;
    let token = text(&r, "data.token");
    assert_eq!(&token[..3], "tk.");
    let info = parse_token(token.into()).unwrap();
    assert_eq!(text(&info, "usage"), "tk");
    let scopes: Array = get(&info, "scopes").unchecked_into();
    assert_eq!(scopes.get(0).as_string().as_deref(), Some("styles:read"));
}

#[wasm_bindgen_test]
async fn lists_scopes_with_public_flags() {
    let tokens = client().await;
    let r = ok(tokens.list_scopes(JsValue::UNDEFINED)).await;
    let scopes: Array = get(&r, "data").unchecked_into();
    let public = scopes
        .iter()
        .filter(|s| get(s, "public").as_bool() == Some(true))
        .count();
    assert_eq!(public, 5);
    assert!(scopes.length() > 5);
}

#[wasm_bindgen_test]
async fn pages_through_tokens_with_next_start_and_list_all_tokens() {
    let tokens = client().await;
    let user = tokens.username().unwrap();
    let before = ok(tokens.list_tokens(JsValue::UNDEFINED)).await;
    let total_before = get(&before, "data").unchecked_into::<Array>().length();
    emulator(
        "POST",
        "/__emulator/seed",
        Some(r#"{"count":7,"scopes":["styles:read"]}"#),
    )
    .await;
    let total = total_before + 7;

    let mut seen = 0;
    let mut pages = 0;
    let mut start: Option<String> = None;
    loop {
        let opts = match &start {
            Some(s) => format!(r#"{{"limit":3,"sortby":"created","start":"{s}"}}"#),
            None => r#"{"limit":3,"sortby":"created"}"#.to_string(),
        };
        let page = ok(tokens.list_tokens(js(&opts))).await;
        seen += get(&page, "data").unchecked_into::<Array>().length();
        pages += 1;
        match get(&page, "nextStart").as_string() {
            Some(next) => start = Some(next),
            None => {
                assert!(get(&page, "nextStart").is_null());
                break;
            }
        }
    }
    assert_eq!(seen, total);
    assert!(pages >= 3, "{pages} pages");

    let iterator = tokens.list_all_tokens(js(r#"{"limit":2}"#));
    let next: js_sys::Function = get(&iterator, "next").unchecked_into();
    let mut count = 0;
    loop {
        let step = ok(next.call0(&iterator).unwrap().unchecked_into()).await;
        if get(&step, "done").as_bool() == Some(true) {
            break;
        }
        assert!(!text(&step, "value.id").is_empty());
        count += 1;
    }
    assert_eq!(count, total, "for {user}");
}

#[wasm_bindgen_test]
async fn api_errors_become_mapbox_errors_with_hints_and_no_token() {
    let tokens = client().await;
    let admin = admin_token().await;
    // A token without tokens:write cannot create: the API says 404.
    let reader = minted(r#"["tokens:read","styles:read"]"#).await;
    let weak = Tokens::new(js(&format!(
        r#"{{"accessToken":"{reader}","origin":"{EMULATOR}","retries":0}}"#
    )))
    .ok()
    .unwrap();
    let e = err(weak.create(js(r#"{"scopes":["styles:read"]}"#))).await;
    assert_eq!(text(&e, "kind"), "Http");
    assert_eq!(get(&e, "status").as_f64(), Some(404.0));
    assert!(text(&e, "message").contains("tokens:write"));
    assert_eq!(text(&e, "method"), "POST");
    // Another user's path.
    let e = err(tokens.list_tokens(js(r#"{"username":"other"}"#))).await;
    assert_eq!(text(&e, "apiMessage"), "No such user");
    // Scopes the admin cannot grant.
    let e = err(tokens.create(js(r#"{"scopes":["no:such-scope"]}"#))).await;
    assert_eq!(
        (get(&e, "status").as_f64(), text(&e, "apiMessage")),
        (Some(422.0), "scopes are invalid".into())
    );
    // A revoked token.
    let created = ok(tokens.create(js(r#"{"scopes":["tokens:read"]}"#))).await;
    let (gone, id) = (text(&created, "data.token"), text(&created, "data.id"));
    ok(tokens.delete(js(&format!(r#"{{"authorizationId":"{id}"}}"#)))).await;
    let revoked = Tokens::new(js(&format!(
        r#"{{"accessToken":"{gone}","origin":"{EMULATOR}"}}"#
    )))
    .ok()
    .unwrap();
    let e = err(revoked.list_tokens(JsValue::UNDEFINED)).await;
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    for field in ["message", "url", "stack", "apiMessage"] {
        let value = get(&e, field).as_string().unwrap_or_default();
        assert!(
            !value.contains(&gone) && !value.contains(&admin),
            "{field} leaks a token: {value}"
        );
    }
    assert!(text(&e, "url").contains("access_token=[redacted]"));
}

#[wasm_bindgen_test]
async fn invalid_input_rejects_before_any_request() {
    let tokens = client().await;
    let before = request_count().await;
    for (promise, needle) in [
        (tokens.create(js(r#"{"scopes":[]}"#)), "never gain"),
        (
            tokens.create(js(r#"{"scopes":"styles:read"}"#)),
            "scopes must be an array of strings",
        ),
        (
            tokens.create_temp_token(js(r#"{"scopes":["styles:read"],"expires":7200}"#)),
            "at most 3600",
        ),
        (
            tokens.create_temp_token(js(
                r#"{"scopes":["styles:read"],"allowedUrls":["https://x"]}"#,
            )),
            "temporary",
        ),
        (tokens.list_tokens(js(r#"{"usage":"tk"}"#)), "usage"),
        (tokens.list_tokens(js(r#"{"limit":2.5}"#)), "limit"),
        (
            tokens.update(js(r#"{"authorizationId":"x"}"#)),
            "at least one field",
        ),
        (
            tokens.delete(js(r#"{"authorizationId":"pk.eyJ1IjoiYSJ9.c2ln"}"#)),
            "not the token string",
        ),
        (tokens.list_scopes(js("[1,2]")), "options object"),
        (tokens.list_scopes(js(r#"{"usernme":"x"}"#)), "no option"),
    ] {
        let e = err(promise).await;
        assert_eq!(text(&e, "kind"), "InvalidInput");
        assert!(
            text(&e, "message").contains(needle),
            "{} lacks {needle}",
            text(&e, "message")
        );
    }
    assert_eq!(request_count().await, before, "nothing was sent");
}

#[wasm_bindgen_test]
async fn rotates_a_token_and_deletes_the_old_one() {
    let tokens = client().await;
    let old = ok(tokens.create(js(
        r#"{"scopes":["styles:read"],"note":"to rotate","allowedUrls":["https://a.example"]}"#,
    )))
    .await;
    let (old_id, old_token) = (text(&old, "data.id"), text(&old, "data.token"));
    let r = ok(tokens.rotate(js(&format!(
        r#"{{"authorizationId":"{old_id}","deleteOld":true}}"#
    ))))
    .await;
    assert_eq!(get(&r, "data.deleted").as_bool(), Some(true));
    assert_eq!(text(&r, "data.previous.id"), old_id);
    assert_eq!(text(&r, "data.created.note"), "to rotate");
    assert_eq!(text(&r, "data.created.allowedUrls.0"), "https://a.example");
    let new_token = text(&r, "data.created.token");
    assert!(new_token.starts_with("pk.") && new_token != old_token);
    let revoked =
        ok(tokens.check_validity(js(&format!(r#"{{"accessToken":"{old_token}"}}"#)))).await;
    assert_eq!(text(&revoked, "data.code"), "TokenRevoked");
}

#[wasm_bindgen_test]
fn finds_tokens_in_strings_and_bytes() {
    let pk =
        "pk.eyJ1Ijoic2NvdGhpcyIsImEiOiJjaWp1Y2ltYmUwMDBicmJrdDQ4ZDBkaGN4In0.sbihZCZJ56-fsFNKHXF8YQ";
    // "😀" is two UTF-16 units (a JavaScript string's index) and four UTF-8 bytes.
    let text_value = format!("key: 😀 {pk}\n pk.notatoken");
    let found = find_tokens(JsValue::from_str(&text_value)).unwrap();
    let found: Array = found.unchecked_into();
    assert_eq!(found.length(), 1);
    let first = found.get(0);
    assert_eq!(get(&first, "index").as_f64(), Some(8.0));
    assert_eq!(get(&first, "column").as_f64(), Some(9.0));
    assert_eq!(text(&first, "user"), "scothis");
    assert_eq!(text(&first, "usage"), "pk");
    assert_eq!(text(&first, "authorization"), "cijucimbe000brbkt48d0dhcx");
    assert!(text(&first, "redacted").ends_with('…'));
    let bytes = js_sys::Uint8Array::from(text_value.as_bytes());
    let in_bytes: Array = find_tokens(bytes.into()).unwrap().unchecked_into();
    assert_eq!(get(&in_bytes.get(0), "index").as_f64(), Some(10.0));
    let e = find_tokens(JsValue::from_f64(1.0)).unwrap_err();
    assert_eq!(text(&e, "kind"), "InvalidInput");
}
