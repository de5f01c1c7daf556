//! A small JSON reader and writer.
//!
//! Success bodies are parsed by the platform (`Response.json()`), never here. The core only reads
//! the few JSON documents it must understand itself (a token's payload, an error body
//! `{"message": …}`) and writes request bodies, so a full JSON library would only add weight.

use crate::prelude::*;

/// A parsed JSON value. Objects keep their members in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any number (JSON has one number type).
    Number(f64),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in document order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object; `None` for other values or a missing key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string inside a `String` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside a `Number` value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The strings of an array made only of strings.
    pub fn as_str_array(&self) -> Option<Vec<String>> {
        match self {
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        }
    }
}

/// Deepest nesting accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Parses a complete JSON document. Returns `None` for anything that is not exactly one valid
/// JSON value (surrounding white space allowed).
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let value = p.value(0)?;
    p.skip_ws();
    (p.pos == p.bytes.len()).then_some(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, literal: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(literal.len())?;
        (self.bytes.get(self.pos..end)? == literal).then(|| self.pos = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match *self.bytes.get(self.pos)? {
            b'n' => self.eat(b"null").map(|_| Value::Null),
            b't' => self.eat(b"true").map(|_| Value::Bool(true)),
            b'f' => self.eat(b"false").map(|_| Value::Bool(false)),
            b'"' => self.string().map(Value::String),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.eat(b"]").is_some() {
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    if self.eat(b"]").is_some() {
                        return Some(Value::Array(items));
                    }
                    self.eat(b",")?;
                }
            }
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.eat(b"}").is_some() {
                    return Some(Value::Object(members));
                }
                loop {
                    self.skip_ws();
                    let key = self.string()?;
                    self.skip_ws();
                    self.eat(b":")?;
                    members.push((key, self.value(depth + 1)?));
                    self.skip_ws();
                    if self.eat(b"}").is_some() {
                        return Some(Value::Object(members));
                    }
                    self.eat(b",")?;
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.bytes.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > from
        };
        let _ = self.eat(b"-");
        if self.eat(b"0").is_none() && !digits(self) {
            return None;
        }
        if self.eat(b".").is_some() && !digits(self) {
            return None;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        let text = core::str::from_utf8(&self.bytes[start..self.pos]).ok()?;
        parse_number(text).map(Value::Number)
    }

    fn hex4(&mut self) -> Option<u32> {
        let text = core::str::from_utf8(self.bytes.get(self.pos..self.pos + 4)?).ok()?;
        self.pos += 4;
        u32::from_str_radix(text, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.eat(b"\"")?;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(core::str::from_utf8(&self.bytes[run_start..self.pos]).ok()?);
            match *self.bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let escape = *self.bytes.get(self.pos)?;
                    self.pos += 1;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                _ => return None, // a raw control character
            }
        }
    }

    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            self.eat(b"\\u")?;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        } else {
            char::from_u32(first)
        }
    }
}

/// Reads a JSON-syntax decimal number (`-12.5e3`). Exact for integers up to 2^53, close enough
/// for the rest; a hand-rolled reader keeps the float-parsing tables out of the wasm module.
pub fn parse_number(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    let (mut mantissa, mut scale, mut digits) = (0f64, 0i32, 0);
    while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
        mantissa = mantissa * 10.0 + f64::from(d - b'0');
        digits += 1;
        i += 1;
    }
    if b.get(i) == Some(&b'.') && digits > 0 {
        i += 1;
        let before = digits;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            mantissa = mantissa * 10.0 + f64::from(d - b'0');
            digits += 1;
            scale -= 1;
            i += 1;
        }
        if digits == before {
            return None;
        }
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let sign = match b.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 1,
        };
        let start = i;
        let mut exponent = 0i32;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i32::from(d - b'0'));
            i += 1;
        }
        if i == start {
            return None;
        }
        scale = scale.saturating_add(sign * exponent);
    }
    if i != b.len() {
        return None;
    }
    let value = if scale < 0 {
        mantissa / super::num::powi(10.0, scale.saturating_neg())
    } else {
        mantissa * super::num::powi(10.0, scale)
    };
    Some(if negative { -value } else { value })
}

/// Appends `s` to `out` as a JSON string literal, quotes included.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(b"0123456789abcdef"[c as usize >> 4]));
                out.push(char::from(b"0123456789abcdef"[c as usize & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `values` as a JSON array of strings.
pub fn string_array(values: &[String]) -> String {
    let mut out = String::from("[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(&mut out, v);
    }
    out.push(']');
    out
}

/// Builds a JSON object member by member: `{"a":…,"b":…}`.
pub struct ObjectWriter {
    out: String,
}

impl ObjectWriter {
    /// An empty object.
    pub fn new() -> Self {
        ObjectWriter {
            out: String::from("{"),
        }
    }

    fn key(&mut self, key: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        write_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds a string member.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        write_string(&mut self.out, value);
        self
    }

    /// Adds an array-of-strings member.
    pub fn strings(&mut self, key: &str, values: &[String]) -> &mut Self {
        self.raw(key, &string_array(values))
    }

    /// Adds a member whose value is already JSON text.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// The finished object text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_value() {
        let v =
            parse(r#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00"} "#)
                .unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Value::Array(vec![
                Value::Number(1.0),
                Value::Number(-2500.0),
                Value::Bool(true),
                Value::Bool(false),
                Value::Null
            ]))
        );
        assert_eq!(v.get("b").and_then(Value::as_str), Some("x\"\\/\né😀"));
    }

    #[test]
    fn rejects_invalid_documents() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01x",
            "1 2",
            "\"\\x\"",
            "\"a\nb\"",
            "-",
            "1.",
            "1e",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "nul",
            "{\"a\":1,}",
            "\u{feff}{}",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_numbers() {
        for (text, n) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("7", 7.0),
            ("1473967673", 1_473_967_673.0),
            ("9007199254740993", 9_007_199_254_740_992.0),
            ("2.5", 2.5),
            ("-2.5e3", -2500.0),
            ("1E+2", 100.0),
            ("125e-2", 1.25),
            ("1e400", f64::INFINITY),
        ] {
            assert_eq!(parse_number(text), Some(n), "{text}");
        }
        for bad in [
            "", "-", ".5", "5.", "1e", "1e+", "0x10", "1 ", "+1", "1.2.3", "NaN",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn limits_nesting_depth() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(parse(&deep), None);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_some());
    }

    #[test]
    fn writes_escaped_objects_that_parse_back() {
        let mut w = ObjectWriter::new();
        w.string("note", "a \"quoted\"\\ note\n\u{1}é")
            .strings("scopes", &["styles:read".into(), "x".into()])
            .raw("allowedUrls", "null");
        let text = w.finish();
        assert_eq!(
            text,
            r#"{"note":"a \"quoted\"\\ note\n\u0001é","scopes":["styles:read","x"],"allowedUrls":null}"#
        );
        let back = parse(&text).unwrap();
        assert_eq!(
            back.get("note").and_then(Value::as_str),
            Some("a \"quoted\"\\ note\n\u{1}é")
        );
        assert_eq!(
            back.get("scopes").and_then(Value::as_str_array),
            Some(vec!["styles:read".to_string(), "x".to_string()])
        );
    }
}
