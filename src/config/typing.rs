//! Prefect 0.5.3's `string_to_type`: how an environment value becomes a bool, int or float.

use crate::pyjson::decode::INT_MAX_STR_DIGITS;
use crate::pyjson::repr::float_repr;
use crate::pystr::PyStr;
use crate::value::{Int, Value};

/// `true`/`false` in any case -> bool; text equal to `str(int(text))` -> int; text equal
/// to `str(float(text))` -> float; anything else stays text.
pub fn string_to_type(s: PyStr) -> Value {
    let Some(text) = s.as_str() else {
        return Value::Str(s);
    };
    // `text.upper()` can only be TRUE or FALSE for at most five characters (`ſ` becomes
    // `S`, so "falſe" counts): skip uppercasing long text, which may be megabytes.
    if text.len() <= 5 * 4 {
        match text.to_uppercase().as_str() {
            "TRUE" => return Value::Bool(true),
            "FALSE" => return Value::Bool(false),
            _ => {}
        }
    }
    if let Some(i) = canonical_int(text) {
        return Value::Int(i);
    }
    if let Ok(f) = text.parse::<f64>() {
        if float_repr(f) == text {
            return Value::Float(f);
        }
    }
    Value::Str(s)
}

fn canonical_int(text: &str) -> Option<Int> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.len() > INT_MAX_STR_DIGITS || digits.starts_with('0') && digits.len() > 1 {
        return None;
    }
    if text == "-0" {
        return None;
    }
    Int::parse_decimal(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::render::to_json;

    fn typed(s: &str) -> String {
        let v = string_to_type(PyStr::from(s));
        let mut out = Vec::new();
        to_json(&v, &mut out);
        format!("{}:{}", v.type_name(), String::from_utf8(out).unwrap())
    }

    #[test]
    fn types_like_prefect() {
        assert_eq!(typed("TrUe"), "bool:true");
        assert_eq!(typed("false"), "bool:false");
        assert_eq!(typed("falſe"), "bool:false");
        assert_eq!(typed("42"), "int:42");
        assert_eq!(typed("-7"), "int:-7");
        assert_eq!(typed("0"), "int:0");
        assert_eq!(
            typed("123456789012345678901234567890"),
            "int:123456789012345678901234567890"
        );
        for text in [
            "007", " 42", "1_000", "+5", "-0", "1.50", "1e5", "1E+16", "Infinity", "-nan", "",
        ] {
            assert_eq!(typed(text), format!("str:{}", serde_like(text)), "{text}");
        }
        assert_eq!(typed("3.14"), "float:3.14");
        assert_eq!(typed("nan"), "float:NaN");
        assert_eq!(typed("inf"), "float:Infinity");
        assert_eq!(typed("-inf"), "float:-Infinity");
        assert_eq!(typed("1e+16"), "float:1e+16");
        assert_eq!(typed("-0.0"), "float:-0.0");
        let long = "1".repeat(INT_MAX_STR_DIGITS + 1);
        assert!(typed(&long).starts_with("str:"));
    }

    fn serde_like(s: &str) -> String {
        format!("\"{s}\"")
    }
}
