//! `json.loads` exactly as CPython 3.11's C scanner does it (strict mode):
//! whitespace is space, tab, CR and LF only; `NaN`, `Infinity` and `-Infinity` are accepted;
//! integers keep every digit (up to Python's 4300-digit conversion limit, beyond which
//! Python raises `ValueError`, not a decode error); floats are correctly rounded; duplicate
//! keys keep their first position and last value; `\uXXXX` surrogate pairs are joined and
//! lone surrogates kept. The parser is iterative, so nesting depth costs heap, not stack.

use crate::pystr::PyStr;
use crate::value::{Dict, Int, List, Value};

/// Nesting deeper than this is refused. Python itself stops near 1000 levels with a
/// `RecursionError`; we go further but keep a bound so hostile input stays cheap.
pub const MAX_DEPTH: usize = 10_000;

/// Python 3.11's `sys.int_info.default_max_str_digits`.
pub const INT_MAX_STR_DIGITS: usize = 4300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Python raises `json.JSONDecodeError`: the text is not JSON.
    Syntax { pos: usize, msg: &'static str },
    /// Python raises `ValueError` from `int()`: an integer with too many digits.
    IntTooLong { digits: usize },
    /// Nested deeper than [`MAX_DEPTH`] (Python raises `RecursionError` far earlier).
    TooDeep,
}

impl std::fmt::Display for DecodeError {
    /// Positions and reasons only, never the text itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Syntax { pos, msg } => write!(f, "{msg} at byte {pos}"),
            DecodeError::IntTooLong { digits } => write!(
                f,
                "an integer has {digits} digits, more than Python's limit of {INT_MAX_STR_DIGITS}"
            ),
            DecodeError::TooDeep => write!(f, "JSON nested more than {MAX_DEPTH} levels deep"),
        }
    }
}

/// Python's `json.loads` on a `str` (given as generalized UTF-8, see [`PyStr`]).
pub fn loads(text: &[u8]) -> Result<Value, DecodeError> {
    let mut p = Parser { s: text, pos: 0 };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.err("Extra data"));
    }
    Ok(v)
}

enum Frame {
    List(Vec<Value>),
    Dict(Dict, PyStr),
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, msg: &'static str) -> DecodeError {
        DecodeError::Syntax { pos: self.pos, msg }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &[u8]) -> bool {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// A property name and its `:`, leaving `pos` at the start of the member's value.
    fn member_key(&mut self) -> Result<PyStr, DecodeError> {
        if !self.eat(b'"') {
            return Err(self.err("Expecting property name enclosed in double quotes"));
        }
        let key = self.string_body()?;
        self.skip_ws();
        if !self.eat(b':') {
            return Err(self.err("Expecting ':' delimiter"));
        }
        self.skip_ws();
        Ok(key)
    }

    fn value(&mut self) -> Result<Value, DecodeError> {
        let mut stack: Vec<Frame> = Vec::new();
        'next_value: loop {
            if matches!(self.peek(), Some(b'{' | b'[')) && stack.len() >= MAX_DEPTH {
                return Err(DecodeError::TooDeep);
            }
            let mut v = match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.eat(b'}') {
                        Value::Dict(Dict::new())
                    } else {
                        let key = self.member_key()?;
                        stack.push(Frame::Dict(Dict::new(), key));
                        continue 'next_value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.eat(b']') {
                        Value::List(List::default())
                    } else {
                        stack.push(Frame::List(Vec::new()));
                        continue 'next_value;
                    }
                }
                _ => self.scalar()?,
            };
            // Attach the finished value to its container, closing containers as they end.
            loop {
                match stack.last_mut() {
                    None => return Ok(v),
                    Some(Frame::List(items)) => {
                        items.push(v);
                        self.skip_ws();
                        if self.eat(b',') {
                            self.skip_ws();
                            continue 'next_value;
                        }
                        if !self.eat(b']') {
                            return Err(self.err("Expecting ',' delimiter"));
                        }
                    }
                    Some(Frame::Dict(map, key)) => {
                        map.insert(std::mem::take(key), v);
                        self.skip_ws();
                        if self.eat(b',') {
                            self.skip_ws();
                            *key = self.member_key()?;
                            continue 'next_value;
                        }
                        if !self.eat(b'}') {
                            return Err(self.err("Expecting ',' delimiter"));
                        }
                    }
                }
                v = match stack.pop() {
                    Some(Frame::List(items)) => Value::List(List(items)),
                    Some(Frame::Dict(map, _)) => Value::Dict(map),
                    None => unreachable!("a container was just closed"),
                };
            }
        }
    }

    fn scalar(&mut self) -> Result<Value, DecodeError> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                Ok(Value::Str(self.string_body()?))
            }
            Some(b'n') if self.eat_word(b"null") => Ok(Value::None),
            Some(b't') if self.eat_word(b"true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat_word(b"false") => Ok(Value::Bool(false)),
            Some(b'N') if self.eat_word(b"NaN") => Ok(Value::Float(f64::NAN)),
            Some(b'I') if self.eat_word(b"Infinity") => Ok(Value::Float(f64::INFINITY)),
            Some(b'-') if self.eat_word(b"-Infinity") => Ok(Value::Float(f64::NEG_INFINITY)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("Expecting value")),
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`; a `.` or exponent without digits
    /// is not part of the number (it then fails as extra data or a missing delimiter).
    fn number(&mut self) -> Result<Value, DecodeError> {
        let start = self.pos;
        let digit = |p: &Self, i: usize| p.s.get(i).is_some_and(u8::is_ascii_digit);
        let mut i = self.pos;
        if self.s[i] == b'-' {
            i += 1;
        }
        match self.s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while digit(self, i) {
                    i += 1;
                }
            }
            _ => return Err(self.err("Expecting value")),
        }
        let mut is_float = false;
        if self.s.get(i) == Some(&b'.') && digit(self, i + 1) {
            is_float = true;
            i += 2;
            while digit(self, i) {
                i += 1;
            }
        }
        if matches!(self.s.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(self.s.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if digit(self, j) {
                while digit(self, j) {
                    j += 1;
                }
                is_float = true;
                i = j;
            }
        }
        self.pos = i;
        // The matched text is ASCII by construction.
        let text = std::str::from_utf8(&self.s[start..i]).unwrap_or("0");
        if is_float {
            return Ok(Value::Float(text.parse::<f64>().unwrap_or(f64::NAN)));
        }
        let digits = text.len() - usize::from(text.starts_with('-'));
        if digits > INT_MAX_STR_DIGITS {
            return Err(DecodeError::IntTooLong { digits });
        }
        Ok(Value::Int(
            Int::parse_decimal(text).unwrap_or(Int::Small(0)),
        ))
    }

    fn hex4(&mut self) -> Result<u32, DecodeError> {
        let hex = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("Invalid \\uXXXX escape"))?;
        let mut v = 0u32;
        for &b in hex {
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.err("Invalid \\uXXXX escape"))?;
            v = (v << 4) | d;
        }
        self.pos += 4;
        Ok(v)
    }

    /// The rest of a string after its opening quote.
    fn string_body(&mut self) -> Result<PyStr, DecodeError> {
        let mut out = PyStr::new();
        loop {
            let chunk_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_gutf8(&self.s[chunk_start..self.pos]);
            match self.peek() {
                None => return Err(self.err("Unterminated string starting")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(esc) = self.peek() else {
                        return Err(self.err("Unterminated string starting"));
                    };
                    self.pos += 1;
                    let simple = match esc {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => 0,
                        _ => {
                            self.pos -= 1;
                            return Err(self.err("Invalid \\escape"));
                        }
                    };
                    if esc != b'u' {
                        out.push_gutf8(&[simple]);
                        continue;
                    }
                    let mut c = self.hex4()?;
                    if (0xD800..0xDC00).contains(&c) && self.s[self.pos..].starts_with(b"\\u") {
                        let save = self.pos;
                        self.pos += 2;
                        let c2 = self.hex4()?;
                        if (0xDC00..0xE000).contains(&c2) {
                            c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
                        } else {
                            self.pos = save;
                        }
                    }
                    out.push_code_point(c);
                }
                Some(_) => return Err(self.err("Invalid control character")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::render::to_json;

    fn dumps(text: &str) -> String {
        let v = loads(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        to_json(&v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn is_syntax_error(text: &str) -> bool {
        matches!(loads(text.as_bytes()), Err(DecodeError::Syntax { .. }))
    }

    #[test]
    fn accepts_what_python_accepts() {
        assert_eq!(dumps("  \n 7 \t"), "7");
        assert_eq!(dumps("1E5"), "100000.0");
        assert_eq!(dumps("-0"), "0");
        assert_eq!(dumps("-0.0"), "-0.0");
        assert_eq!(dumps("1e400"), "Infinity");
        assert_eq!(dumps("1e-400"), "0.0");
        assert_eq!(dumps("0.30000000000000004441"), "0.30000000000000004");
        assert_eq!(
            dumps("[NaN,Infinity,-Infinity]"),
            "[NaN,Infinity,-Infinity]"
        );
        assert_eq!(dumps(r#"{"a": 1, "b": 0, "a": 2}"#), r#"{"a":2,"b":0}"#);
        assert_eq!(dumps(r#""\u00e9t\u00e9""#), r#""\u00e9t\u00e9""#);
        assert_eq!(dumps(r#""\ud83d\ude00""#), r#""\ud83d\ude00""#);
        assert_eq!(dumps(r#""\ud800x""#), r#""\ud800x""#);
        assert_eq!(dumps(r#""\ud800\u0041""#), r#""\ud800A""#);
        assert_eq!(dumps(r#""a\/b""#), r#""a/b""#);
        assert_eq!(
            dumps("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
        assert_eq!(dumps("1e99999999999999999999999"), "Infinity");
    }

    #[test]
    fn rejects_what_python_rejects() {
        for bad in [
            "",
            " ",
            "\u{feff}1",
            "'a'",
            "[1,]",
            "{\"a\":1,}",
            "+1",
            "007",
            "0x10",
            "1.",
            ".5",
            "1e",
            "42 43",
            "{'a': 1}",
            "\"a\tb\"",
            "\"\\x41\"",
            "\"\\u12\"",
            "nul",
            "\"abc",
            "[1 2]",
            "{1: 2}",
            "{\"a\" 1}",
            "\u{a0}1",
            "\x0c1",
            "-",
            "-Inf",
            "infinity",
            "\"\\ud800\\uzzzz\"",
        ] {
            assert!(is_syntax_error(bad), "{bad:?} should not decode");
        }
    }

    #[test]
    fn int_digit_limit_is_a_value_error() {
        let ok = "1".repeat(INT_MAX_STR_DIGITS);
        assert!(loads(ok.as_bytes()).is_ok());
        assert!(loads(format!("-{ok}").as_bytes()).is_ok());
        let long = "1".repeat(INT_MAX_STR_DIGITS + 1);
        assert!(matches!(
            loads(long.as_bytes()),
            Err(DecodeError::IntTooLong { digits: 4301 })
        ));
        // A float may have any number of digits.
        assert!(loads(format!("{long}.0").as_bytes()).is_ok());
    }

    #[test]
    fn nesting_is_bounded_but_deep() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(loads(deep.as_bytes()).is_ok());
        let deeper = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(
            loads(deeper.as_bytes()),
            Err(DecodeError::TooDeep)
        ));
        let objects = format!("{}1{}", "{\"k\":".repeat(5000), "}".repeat(5000));
        assert!(loads(objects.as_bytes()).is_ok());
    }

    #[test]
    fn errors_never_quote_the_text() {
        let e = loads(b"hunter2").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
