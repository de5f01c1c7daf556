//! A fixed-size, deterministic fuzz run on the host (part of `cargo test`): the readers of
//! untrusted text (tokens, leak scans, `Link` headers, options, timestamps, origins, URLs) never
//! panic on random and mutated input, and redaction never lets a token-shaped run through.
#![cfg(not(target_arch = "wasm32"))]

use mapbox_tokens::core::{options, response, time, token, url};

/// xorshift64*: a small deterministic generator, so every run checks the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A string of up to `max` pieces drawn from fragments that matter to the parsers.
    fn text(&mut self, max: usize) -> String {
        const PIECES: &[&str] = &[
            "pk.",
            "sk.",
            "tk.",
            ".",
            "<",
            ">",
            ";",
            ",",
            "=",
            "\"",
            "rel",
            "next",
            "NEXT",
            " ",
            "\t",
            "?",
            "&",
            "#",
            "%",
            "%2",
            "%zz",
            "%41",
            "/",
            "//",
            ":",
            "http",
            "https://",
            "127.0.0.1",
            "localhost",
            "[::1]",
            "@",
            "{",
            "}",
            "[",
            "]",
            "\\",
            "\\u",
            "d83d",
            "ude00",
            "0",
            "9",
            "-",
            "+",
            "e",
            "E",
            "T",
            "Z",
            "z",
            "eyJ1Ijoi",
            "YQ",
            "==",
            "_",
            "é",
            "😀",
            "\u{0}",
            "\u{7f}",
            "null",
            "true",
            "1e999",
            "2026-11-27",
            "T19:30:00",
            "+01:00",
            "access_token",
            "start",
            "abcdefghijklmnop",
        ];
        let n = self.below(max + 1);
        (0..n).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }

    /// `seed` with a few random byte-level edits, kept valid UTF-8.
    fn mutate(&mut self, seed: &str) -> String {
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..=self.below(4) {
            let at = self.below(chars.len() + 1);
            match self.below(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => chars.insert(at, char::from(b"-_+/=.!%\"<>,;~"[self.below(14)])),
                _ if at < chars.len() => chars[at] = char::from(b'A' + self.below(58) as u8),
                _ => {}
            }
        }
        chars.into_iter().collect()
    }
}

const SEEDS: &[&str] = &[
    "pk.eyJ1Ijoic2NvdGhpcyIsImEiOiJjaWp1Y2ltYmUwMDBicmJrdDQ4ZDBkaGN4In0.sbihZCZJ56-fsFNKHXF8YQ",
    "tk.eyJ1IjoibWFwYm94IiwiZXhwIjoxNDczOTY3NjczLCJpYXQiOjE0NzM5Njc2NDMsInNjb3BlcyI6WyJzdHlsZXM6cmVhZCIsImZvbnRzOnJlYWQiXSwiY2xpZW50IjoiYXBpIn0.ZepsWvpjTMlpePE4IQBs0g",
    r#"<https://api.mapbox.com/tokens/v2/u?start=abc&limit=100>; rel="next", <https://x/p>; rel=prev"#,
    r#"{"message":"Not Found","nested":[1,2.5e3,{"a":null}],"s":"\u00e9\ud83d\ude00"}"#,
    "2026-11-27T19:30:00.123+01:00",
    "http://127.0.0.1:8787/",
    "/tokens/v2/demo?limit=2&start=c%2Fd&access_token=pk.x.y#frag",
];

const ROUNDS: usize = 40_000;

#[test]
fn parsers_never_panic_on_random_or_mutated_input() {
    let origin = url::Origin::parse("https://api.mapbox.com").unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..ROUNDS {
        let input = if round % 2 == 0 {
            rng.text(24)
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            rng.mutate(seed)
        };
        if let Err(e) = token::parse_token(&input) {
            assert_eq!(e.kind, mapbox_tokens::core::error::ErrorKind::InvalidInput);
        }
        let _ = token::decode_base64url(&input);
        let _ = url::next_link(&input);
        let _ = response::next_target(Some(&input), &origin);
        let _ = response::next_start(Some(&input), &origin);
        let _ = options::parse(Some(&input), options::Method::Update);
        for found in token::find_tokens(input.as_bytes(), token::Units::Bytes) {
            assert_eq!(
                input.get(found.index..found.index + found.token.len()),
                Some(found.token.as_str())
            );
            assert_eq!(
                token::parse_token(&found.token).map(|i| i.user),
                Ok(found.info.user)
            );
        }
        let _ = time::parse_rfc3339(&input);
        let _ = url::Origin::parse(&input);
        let _ = origin.strip(&input);
        let _ = url::query_param(&input, "start");
        let _ = url::without_access_token(&input);
        let _ = url::decode_component(&input);
        let redacted = token::redact(&input, &["abcdefghijklmnop"]);
        assert!(!redacted.contains("abcdefghijklmnop"), "{input:?}");
        let boundaries = redacted.char_indices().filter(|&(i, _)| {
            i == 0
                || !redacted[..i]
                    .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        for (i, _) in boundaries {
            assert!(
                !token::looks_like_token(&redacted[i..]),
                "a token survived redaction: {redacted:?}"
            );
        }
    }
}

#[test]
fn leak_scans_find_every_planted_token_in_random_bytes() {
    let mut rng = Rng(42);
    let planted = SEEDS[0];
    for _ in 0..ROUNDS / 8 {
        let mut bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        let at = rng.below(bytes.len() + 1);
        // Planted after a space, so that it starts at a word boundary whatever came before.
        let mut token = b" ".to_vec();
        token.extend_from_slice(planted.as_bytes());
        token.push(b'\n');
        bytes.splice(at..at, token);
        let found = token::find_tokens(&bytes, token::Units::Bytes);
        assert!(
            found
                .iter()
                .any(|f| f.index == at + 1 && f.token == planted),
            "{bytes:?}"
        );
    }
}
