//! Python's `repr(float)` and `str()` of configuration values.
//!
//! `str()` matters where Prefect formats a value into text: a `${key}` reference inside a
//! longer configuration string, and the `Bearer {token}` header.

use crate::pystr::PyStr;
use crate::value::{Token, Value, Visitor, walk};

/// Python's `repr(float)` for a finite or non-finite double: the shortest digits that
/// round-trip, positional when the decimal exponent is in `-4..16`, else `d.ddde±XX`.
pub fn write_float_repr(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, e.g. "1.2345e-7".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len() as i32;
    let decpt = exp + 1;
    if !(-4 < decpt && decpt <= 16) {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", e.abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-decpt) as usize));
        out.push_str(&digits);
    } else if decpt >= n {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (decpt - n) as usize));
        out.push_str(".0");
    } else {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    }
}

pub fn float_repr(f: f64) -> String {
    let mut s = String::new();
    write_float_repr(f, &mut s);
    s
}

/// Python's `str(value)` of a configuration value: a table is a Prefect `Config`
/// (`<Config: 'a', 'b'>`), while tables inside lists are plain dicts, as Python's `toml`
/// makes them.
pub fn config_str(v: &Value) -> PyStr {
    match v {
        Value::Dict(d) => {
            let mut keys: Vec<PyStr> = d.iter().map(|(k, _)| repr_str(k)).collect();
            keys.sort();
            let mut out = PyStr::from("<Config");
            for (i, k) in keys.iter().enumerate() {
                out.push_str(if i == 0 { ": " } else { ", " });
                out.push_py(k);
            }
            out.push_str(">");
            out
        }
        other => py_str(other),
    }
}

/// Python's `str(value)` of a value decoded from JSON (dicts are plain dicts).
pub fn py_str(v: &Value) -> PyStr {
    match v {
        Value::Str(s) => s.clone(),
        other => {
            let mut out = PyStr::new();
            write_repr(other, &mut out);
            out
        }
    }
}

/// Python's `repr(value)`.
fn write_repr(v: &Value, out: &mut PyStr) {
    walk(v, &mut ReprWriter(out));
}

struct ReprWriter<'a>(&'a mut PyStr);

impl Visitor for ReprWriter<'_> {
    fn scalar(&mut self, v: &Value) {
        let out = &mut *self.0;
        match v {
            Value::None => out.push_str("None"),
            Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Value::Int(i) => {
                let mut digits = Vec::new();
                i.write_decimal(&mut digits);
                out.push_str(std::str::from_utf8(&digits).unwrap_or("0"));
            }
            Value::Float(f) => out.push_str(&float_repr(*f)),
            Value::Str(s) => out.push_py(&repr_str(s)),
            Value::List(_) | Value::Dict(_) => unreachable!("walk hands containers as tokens"),
        }
    }

    fn key(&mut self, k: &PyStr) {
        self.0.push_py(&repr_str(k));
    }

    fn token(&mut self, t: Token) {
        self.0.push_str(match t {
            Token::OpenList => "[",
            Token::CloseList => "]",
            Token::OpenDict => "{",
            Token::CloseDict => "}",
            Token::ItemSep => ", ",
            Token::KeySep => ": ",
        });
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`.
pub fn repr_str(s: &PyStr) -> PyStr {
    let quote = if s.contains_byte(b'\'') && !s.contains_byte(b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for cp in s.code_points() {
        match char::from_u32(cp) {
            Some(c) if c == quote || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            Some('\t') => out.push_str("\\t"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some(c) if is_printable(c) => out.push(c),
            _ if cp <= 0xFF => out.push_str(&format!("\\x{cp:02x}")),
            _ if cp <= 0xFFFF => out.push_str(&format!("\\u{cp:04x}")),
            _ => out.push_str(&format!("\\U{cp:08x}")),
        }
    }
    out.push(quote);
    PyStr::from(out)
}

/// Python's `str.isprintable()` for one character, approximated without a Unicode
/// database: control, format, separator (but space), private-use and noncharacter code
/// points are not printable; everything else is. Exact for ASCII and Latin-1.
fn is_printable(c: char) -> bool {
    let cp = c as u32;
    !matches!(cp,
        0x00..=0x1F | 0x7F..=0xA0 | 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E
        | 0x1680 | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x2064 | 0x2066..=0x206F
        | 0x3000 | 0xD800..=0xF8FF | 0xFEFF | 0xFFF9..=0xFFFB | 0xFFFE | 0xFFFF
        | 0x110BD | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Dict, Int, List};

    #[test]
    fn float_repr_matches_python() {
        for (f, want) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (100000.0, "100000.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (2.5, "2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (2.225073858507201e-308, "2.225073858507201e-308"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123456789.123, "123456789.123"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float_repr(f), want, "{f:e}");
        }
    }

    #[test]
    fn str_of_values_matches_python() {
        let s = |v: &Value| config_str(v).to_string_lossy();
        assert_eq!(s(&Value::Bool(true)), "True");
        assert_eq!(s(&Value::None), "None");
        assert_eq!(s(&Value::Float(30.0)), "30.0");
        let list = Value::List(List(vec![
            Value::str("a"),
            Value::str("b'c"),
            Value::str("d\"e"),
            Value::str("\n"),
            Value::str("x'y\"z"),
            Value::str("é\u{80}\u{2028}"),
            Value::Int(Int::Small(1)),
        ]));
        assert_eq!(
            s(&list),
            r#"['a', "b'c", 'd"e', '\n', 'x\'y"z', 'é\x80\u2028', 1]"#
        );
        let mut d = Dict::new();
        d.insert(PyStr::from("b"), Value::Int(Int::Small(1)));
        d.insert(PyStr::from("a"), Value::Int(Int::Small(2)));
        assert_eq!(s(&Value::Dict(d.clone())), "<Config: 'a', 'b'>");
        assert_eq!(s(&Value::Dict(Dict::new())), "<Config>");
        let nested = Value::List(List(vec![Value::Dict(d)]));
        assert_eq!(s(&nested), "[{'b': 1, 'a': 2}]");
        let plain = py_str(&Value::Dict({
            let mut d = Dict::new();
            d.insert(PyStr::from("t"), Value::None);
            d
        }));
        assert_eq!(plain.to_string_lossy(), "{'t': None}");
        let mut deep = Value::Int(Int::Small(1));
        for _ in 0..100_000 {
            deep = Value::List(List(vec![deep]));
        }
        assert_eq!(py_str(&deep).len_bytes(), 200_001);
    }
}
