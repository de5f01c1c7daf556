//! URL pieces: the API origin, percent-encoding, query strings and `Link` headers.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::error::Error;

/// A validated API origin such as `https://api.mapbox.com`: scheme, host and port, nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    text: String,
}

/// The default API origin.
pub const DEFAULT_ORIGIN: &str = "https://api.mapbox.com";

fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}

/// `scheme://host[:port]`.
fn origin_text(scheme: String, host: &str, port: &str) -> String {
    if port.is_empty() {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{port}")
    }
}

/// Splits `scheme://authority` off `url`, returning (scheme, host, port or "", rest).
fn split_origin(url: &str) -> Option<(String, String, &str, &str)> {
    let colon = url.find("://")?;
    let (scheme, after) = (url.get(..colon)?, url.get(colon + 3..)?);
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at_checked(end)?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority.get(i..)?.contains(']') => {
            (authority.get(..i)?, authority.get(i + 1..)?)
        }
        _ => (authority, ""),
    };
    if host.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5 {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let port = if port == default_port { "" } else { port };
    Some((scheme, host.to_ascii_lowercase(), port, rest))
}

/// A web page's origin (`scheme://host[:port]`, http or https, any host) in the form browsers send
/// it in an `Origin` header: scheme and host in lower case, a default port left out. `None` when
/// `text` is not one (a path, a query, another scheme, `null`).
pub fn web_origin(text: &str) -> Option<String> {
    let (scheme, host, port, rest) = split_origin(text.trim())?;
    let host_chars = |b: u8| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b);
    (rest.is_empty() || rest == "/")
        .then_some(())
        .filter(|()| host.bytes().all(host_chars))
        .map(|()| origin_text(scheme, &host, port))
}

impl Origin {
    /// Validates an origin. It must be `https://host[:port]` (a trailing `/` is fine); plain `http`
    /// is accepted only for loopback hosts (`localhost`, `127.x.x.x`, `[::1]`), such as the
    /// bundled emulator.
    pub fn parse(text: &str) -> Result<Origin, Error> {
        let bad =
            |why: &str| Error::invalid(format!("origin {why}; for example \"{DEFAULT_ORIGIN}\"."));
        let (scheme, host, port, rest) =
            split_origin(text.trim()).ok_or_else(|| bad("must be an http(s) URL with a host"))?;
        if !(rest.is_empty() || rest == "/") {
            return Err(bad(
                "must be only scheme, host and port, with no path, query or fragment",
            ));
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b))
        {
            return Err(bad("has a host with characters a host name cannot have"));
        }
        if scheme == "http" && !is_loopback_host(&host) {
            return Err(bad(
                "must use https (plain http is allowed only for localhost and 127.0.0.1)",
            ));
        }
        let text = origin_text(scheme, &host, port);
        Ok(Origin { text })
    }

    /// The origin as text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path, query (and fragment) of `url` when it is on this origin; a path-absolute
    /// reference (`/tokens/v2/…`) counts as on this origin. `None` for any other origin.
    pub fn strip<'a>(&self, url: &'a str) -> Option<&'a str> {
        if url.starts_with('/') && !url.starts_with("//") {
            return Some(url);
        }
        let (scheme, host, port, rest) = split_origin(url)?;
        let same = origin_text(scheme, &host, port);
        (same == self.text).then_some(rest)
    }
}

/// Every byte but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`): stricter than
/// `encodeURIComponent` (`!'()*` are encoded too). Used for path segments and query values.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `s` percent-encoded as a path segment or query value.
pub fn encode_component(out: &mut String, s: &str) {
    out.extend(utf8_percent_encode(s, COMPONENT));
}

/// Decodes `%XX` escapes (and `+` as space, as in form-encoded queries). Escapes that do not make
/// UTF-8 leave the text as it was written.
pub fn decode_component(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map_or_else(|_| s.to_owned(), |decoded| decoded.into_owned())
}

/// The value of query parameter `name` in `target` (a path with an optional `?query` and `#fragment`).
pub fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_component(k) == name).then(|| decode_component(v))
    })
}

/// `target` without its fragment and without every `access_token` query parameter, so that
/// the client can set its own exactly once.
pub fn without_access_token(target: &str) -> String {
    let target = target.split('#').next().unwrap_or_default();
    let Some((path, query)) = target.split_once('?') else {
        return target.to_owned();
    };
    let mut out = path.to_owned();
    let kept = query.split('&').filter(|pair| {
        !pair.is_empty()
            && decode_component(pair.split('=').next().unwrap_or_default()) != "access_token"
    });
    for (i, pair) in kept.enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(pair);
    }
    out
}

/// The URI of the first `Link` entry whose `rel` includes `next` (RFC 8288: URIs may contain
/// commas, `rel` may be quoted or not, a space-separated list, in any case).
pub fn next_link(header: &str) -> Option<&str> {
    let mut rest = header;
    loop {
        let open = rest.find('<')?;
        let close = open + rest.get(open..)?.find('>')?;
        let uri = rest.get(open + 1..close)?;
        rest = rest.get(close + 1..)?;
        // The parameters run to the next comma outside quotes.
        let mut in_quotes = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    in_quotes = !in_quotes;
                }
                c == ',' && !in_quotes
            })
            .map_or(rest.len(), |(i, _)| i);
        let (params, after) = rest.split_at_checked(end)?;
        rest = after;
        let is_next = params.split(';').any(|param| {
            let Some((key, value)) = param.split_once('=') else {
                return false;
            };
            key.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(uri.trim());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http_origins() {
        assert_eq!(
            Origin::parse("https://api.mapbox.com").unwrap().as_str(),
            "https://api.mapbox.com"
        );
        assert_eq!(
            Origin::parse("HTTPS://API.Mapbox.com:443/")
                .unwrap()
                .as_str(),
            "https://api.mapbox.com"
        );
        assert_eq!(
            Origin::parse("https://proxy.example:8443")
                .unwrap()
                .as_str(),
            "https://proxy.example:8443"
        );
        assert_eq!(
            Origin::parse("http://127.0.0.1:8787").unwrap().as_str(),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            Origin::parse("http://localhost").unwrap().as_str(),
            "http://localhost"
        );
        assert_eq!(
            Origin::parse("http://[::1]:80").unwrap().as_str(),
            "http://[::1]"
        );
    }

    #[test]
    fn refuses_unsafe_or_ambiguous_origins() {
        for bad in [
            "",
            "api.mapbox.com",
            "http://api.mapbox.com",
            "http://10.0.0.1",
            "http://127.0.0.1.evil.com",
            "ftp://x",
            "https://",
            "https://user:pw@api.mapbox.com",
            "https://api.mapbox.com/tokens",
            "https://api.mapbox.com?x=1",
            "https://api.mapbox.com#f",
            "https://a:99999999",
            "https://a b",
            "http://127.0.0.256",
            "javascript:alert(1)",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn strips_only_same_origin_urls() {
        let o = Origin::parse("http://127.0.0.1:8787").unwrap();
        assert_eq!(
            o.strip("http://127.0.0.1:8787/tokens/v2/u?start=a"),
            Some("/tokens/v2/u?start=a")
        );
        assert_eq!(o.strip("HTTP://127.0.0.1:8787/x"), Some("/x"));
        assert_eq!(
            o.strip("/tokens/v2/u?start=a"),
            Some("/tokens/v2/u?start=a")
        );
        assert_eq!(o.strip("//evil.example/tokens"), None);
        assert_eq!(o.strip("http://127.0.0.1:8788/x"), None);
        assert_eq!(o.strip("https://127.0.0.1:8787/x"), None);
        assert_eq!(o.strip("http://evil.example/x"), None);
        let m = Origin::parse(DEFAULT_ORIGIN).unwrap();
        assert_eq!(m.strip("https://api.mapbox.com:443/t"), Some("/t"));
        assert_eq!(m.strip("https://api.mapbox.com.evil/t"), None);
    }

    #[test]
    fn encodes_components_so_they_cannot_change_the_path() {
        let mut s = String::new();
        encode_component(&mut s, "../a/b?c#d%e f+ü");
        assert_eq!(s, "..%2Fa%2Fb%3Fc%23d%25e%20f%2B%C3%BC");
        assert_eq!(decode_component(&s), "../a/b?c#d%e f+ü");
        assert_eq!(decode_component("a%2"), "a%2");
        assert_eq!(decode_component("%zz%41+"), "%zzA ");
    }

    #[test]
    fn encodes_every_byte_outside_the_unreserved_set() {
        // The byte-by-byte definition, against which the run-copying encoder is checked.
        let reference = |s: &str| {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        };
        let samples = [
            "",
            "a",
            "/",
            "pk.eyJ1IjoiYSJ9.sig-_~",
            "ü",
            "€x",
            "x😀",
            "a b/c?d&e=f#g%h+i",
            "\u{0}\u{7f}\u{80}",
            "日本語のトークン",
        ];
        for s in samples {
            let mut out = String::from("prefix:");
            encode_component(&mut out, s);
            assert_eq!(out, format!("prefix:{}", reference(s)), "{s:?}");
        }
        // Every single character up to U+07FF, alone and between unreserved runs.
        for c in (0u32..0x800).filter_map(char::from_u32) {
            let s = format!("ab{c}cd{c}");
            let mut out = String::new();
            encode_component(&mut out, &s);
            assert_eq!(out, reference(&s), "{c:?}");
        }
    }

    #[test]
    fn reads_query_parameters_and_drops_access_tokens() {
        let t = "/tokens/v2/u?limit=2&start=c%20d&access_token=pk.x.y#frag";
        assert_eq!(query_param(t, "start").as_deref(), Some("c d"));
        assert_eq!(query_param(t, "limit").as_deref(), Some("2"));
        assert_eq!(query_param(t, "missing"), None);
        assert_eq!(query_param("/p", "start"), None);
        assert_eq!(without_access_token(t), "/tokens/v2/u?limit=2&start=c%20d");
        assert_eq!(
            without_access_token("/p?access_token=a&access%5Ftoken=b"),
            "/p"
        );
        assert_eq!(
            without_access_token("/p?a=1&&access_token=x&b=2"),
            "/p?a=1&b=2"
        );
        assert_eq!(without_access_token("/p"), "/p");
    }

    #[test]
    fn finds_the_next_link() {
        let h = r#"<https://api.mapbox.com/tokens/v2/u?start=abc&limit=100>; rel="next""#;
        assert_eq!(
            next_link(h),
            Some("https://api.mapbox.com/tokens/v2/u?start=abc&limit=100")
        );
        let many = r#"<https://x/p?bbox=1,2,3,4&start=p>; rel="prev", <https://x/n?bbox=1,2,3,4>; title="a, b"; REL="last NEXT""#;
        assert_eq!(next_link(many), Some("https://x/n?bbox=1,2,3,4"));
        assert_eq!(next_link(r#"<https://x/p>; rel=prev"#), None);
        assert_eq!(next_link(r#"<https://x/n>; rel=next"#), Some("https://x/n"));
        assert_eq!(next_link(r#"<https://x/n>; rel="nextpage""#), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("<unterminated; rel=next"), None);
    }
}
