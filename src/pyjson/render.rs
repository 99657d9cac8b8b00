//! Rendering a value for a C caller.
//!
//! JSON is `json.dumps(value, separators=(",", ":"))` with Python's defaults
//! (`ensure_ascii=True`, `allow_nan=True`): compact, every non-ASCII character escaped
//! (a lone surrogate too, so any Python string survives the trip), ints with every digit,
//! floats in `repr` form, `NaN`/`Infinity`/`-Infinity`. The writer is iterative.

use crate::pyjson::repr::write_float_repr;
use crate::pystr::PyStr;
use crate::value::{Token, Value, Visitor, walk};

/// What `secret_get` writes: a string as its text (WTF-8, see [`PyStr::to_wtf8`]),
/// anything else as JSON.
pub fn to_raw(v: &Value) -> Vec<u8> {
    match v {
        Value::Str(s) => s.to_wtf8(),
        other => {
            let mut out = Vec::new();
            to_json(other, &mut out);
            out
        }
    }
}

/// Appends the compact JSON of `v` to `out`.
pub fn to_json(v: &Value, out: &mut Vec<u8>) {
    walk(v, &mut JsonWriter(out));
}

struct JsonWriter<'a>(&'a mut Vec<u8>);

impl Visitor for JsonWriter<'_> {
    fn scalar(&mut self, v: &Value) {
        let out = &mut *self.0;
        match v {
            Value::None => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Int(i) => i.write_decimal(out),
            Value::Float(f) => write_json_float(*f, out),
            Value::Str(s) => write_json_str(s, out),
            Value::List(_) | Value::Dict(_) => unreachable!("walk hands containers as tokens"),
        }
    }

    fn key(&mut self, k: &PyStr) {
        write_json_str(k, self.0);
    }

    fn token(&mut self, t: Token) {
        self.0.push(match t {
            Token::OpenList => b'[',
            Token::CloseList => b']',
            Token::OpenDict => b'{',
            Token::CloseDict => b'}',
            Token::ItemSep => b',',
            Token::KeySep => b':',
        });
    }
}

fn write_json_float(f: f64, out: &mut Vec<u8>) {
    if f.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if f.is_infinite() {
        out.extend_from_slice(if f > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else {
        let mut s = String::new();
        write_float_repr(f, &mut s);
        out.extend_from_slice(s.as_bytes());
    }
}

/// Python's `py_encode_basestring_ascii`.
pub fn write_json_str(s: &PyStr, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let u = |cp: u32, out: &mut Vec<u8>| {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[((cp >> shift) & 0xF) as usize]);
        }
    };
    out.push(b'"');
    for cp in s.code_points() {
        match cp {
            0x22 => out.extend_from_slice(b"\\\""),
            0x5C => out.extend_from_slice(b"\\\\"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0D => out.extend_from_slice(b"\\r"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x20..=0x7E => out.push(cp as u8),
            0x10000.. => {
                let v = cp - 0x10000;
                u(0xD800 | (v >> 10), out);
                u(0xDC00 | (v & 0x3FF), out);
            }
            _ => u(cp, out),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Dict, Int, List};

    fn json(v: &Value) -> String {
        let mut out = Vec::new();
        to_json(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_python_dumps() {
        let mut d = Dict::new();
        d.insert(PyStr::from("é\"\\"), Value::Float(1e16));
        d.insert(
            PyStr::from("l"),
            Value::List(List(vec![
                Value::None,
                Value::Bool(true),
                Value::Int(Int::Small(-3)),
                Value::Float(f64::NAN),
                Value::Float(-0.0),
                Value::str("\u{1F600}\u{7f}\u{1}\n"),
            ])),
        );
        assert_eq!(
            json(&Value::Dict(d)),
            r#"{"\u00e9\"\\":1e+16,"l":[null,true,-3,NaN,-0.0,"\ud83d\ude00\u007f\u0001\n"]}"#
        );
    }

    #[test]
    fn raw_is_the_text_for_strings_only() {
        assert_eq!(to_raw(&Value::str("été")), "été".as_bytes());
        assert_eq!(to_raw(&Value::Float(100000.0)), b"100000.0");
        assert_eq!(
            to_raw(&Value::List(List(vec![Value::str("a")]))),
            br#"["a"]"#
        );
    }

    #[test]
    fn deep_values_render_without_recursion() {
        let mut v = Value::Int(Int::Small(1));
        for _ in 0..200_000 {
            v = Value::List(List(vec![v]));
        }
        let s = json(&v);
        assert_eq!(s.len(), 400_001);
    }
}
