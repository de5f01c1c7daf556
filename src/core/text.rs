//! Building messages without `format!`: Rust's formatting machinery would add some 10 KB to the
//! wasm module, and the library only ever joins strings and prints whole numbers.

use crate::prelude::*;

/// Joins `parts` into one string: `cat(&["limit must be at most ", &int(100), "."])`.
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// The byte offset of the first `needle` in `haystack`. (`str::find` with a string pattern
/// brings a large searching algorithm, and panic paths, that these short texts do not need.)
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

/// `text` with every `needle` (non-empty) replaced by `with`.
pub fn replace_all(text: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = find(rest, needle).filter(|_| !needle.is_empty()) {
        // `i` and `i + needle.len()` are char boundaries: `needle` is whole UTF-8.
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str(with);
        rest = rest.get(i + needle.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Appends the decimal digits of `n`, zero-padded to at least `width` digits.
pub fn push_int(out: &mut String, n: i64, width: usize) {
    if n < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut rest = n.unsigned_abs();
    let mut len = 0;
    while rest > 0 || len < width.clamp(1, digits.len()) {
        digits[len] = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
    }
    out.extend(digits[..len].iter().rev().map(|&d| char::from(d)));
}

/// The decimal digits of `n`.
pub fn int(n: i64) -> String {
    let mut out = String::new();
    push_int(&mut out, n, 1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_print_like_format() {
        for n in [
            0,
            7,
            -7,
            10,
            99,
            100,
            2_147_483_647,
            i64::MAX,
            i64::MIN,
            -1_000_000,
        ] {
            assert_eq!(int(n), format!("{n}"));
        }
        for (n, width) in [(5, 2), (2026, 4), (7, 4), (123, 2), (0, 3), (0, 0)] {
            let mut out = String::from("x");
            push_int(&mut out, n, width);
            assert_eq!(out, format!("x{n:0width$}"));
        }
    }

    #[test]
    fn find_and_replace_like_std() {
        for (h, n) in [
            ("a://b", "://"),
            ("abc", "abcd"),
            ("", "x"),
            ("xüx", "ü"),
            ("aaa", "aa"),
            ("ab", ""),
        ] {
            assert_eq!(find(h, n), h.find(n), "{h} {n}");
        }
        for (t, n, w) in [
            ("a-b-c", "-", "+"),
            ("secretsecret x", "secret", "[r]"),
            ("none", "zz", "y"),
            ("üü", "ü", "u"),
        ] {
            assert_eq!(replace_all(t, n, w), t.replace(n, w));
        }
    }

    #[test]
    fn cat_joins() {
        assert_eq!(cat(&[]), "");
        assert_eq!(cat(&["a", "", "bc", "d"]), "abcd");
    }
}
