//! `SafeConstructor`'s `construct_yaml_int`, `construct_yaml_float` and
//! `construct_yaml_bool`, step by step, with Python's `int()` and `float()` where they call
//! them. An explicit tag sends any text here (`!!int " 12 "` is 12, `!!float 1e3` is
//! 1000.0); what `int()` or `float()` would refuse is refused. Text outside ASCII (which
//! `int()` and `float()` read as digits or spaces), ints of more than 4300 decimal digits
//! and sexagesimal floats of more than 33 parts are refused as not converted here (Python
//! takes them).

use super::digits::Nat;
use crate::value::Int;

/// Why a scalar was not converted.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Bad {
    /// PyYAML fails on it too (a `ValueError`, `KeyError` or `IndexError`).
    Refused,
    /// PyYAML converts it; this reader does not.
    NotConverted(&'static str),
}

/// Python's whitespace among ASCII characters (what `int()` and `float()` strip).
fn py_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{1c}'..='\u{1f}'
    )
}

fn ascii(value: &str) -> Result<&str, Bad> {
    if value.is_ascii() {
        Ok(value)
    } else {
        Err(Bad::NotConverted("text outside ASCII"))
    }
}

/// `value[0]` of PyYAML's constructors, after which a sign is taken off:
/// (-1 or 1, the rest). An empty value is an `IndexError`.
fn sign(value: &str) -> Result<(i8, &str), Bad> {
    match value.as_bytes().first() {
        None => Err(Bad::Refused),
        Some(b'-') => Ok((-1, &value[1..])),
        Some(b'+') => Ok((1, &value[1..])),
        Some(_) => Ok((1, value)),
    }
}

/// `construct_yaml_bool`: `bool_values[value.lower()]`.
pub(super) fn bool(value: &str) -> Result<bool, Bad> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err(Bad::Refused),
    }
}

/// `construct_yaml_int`.
pub(super) fn int(value: &str) -> Result<Int, Bad> {
    let value = ascii(value)?.replace('_', "");
    let (sign, value) = sign(&value)?;
    let n = if value == "0" {
        Int::Small(0)
    } else if let Some(bits) = value.strip_prefix("0b") {
        py_int_base(bits, 2)?
    } else if let Some(hex) = value.strip_prefix("0x") {
        py_int_base(hex, 16)?
    } else if value.starts_with('0') {
        py_int_base(value, 8)?
    } else if value.contains(':') {
        // `sum(int(part) * 60**i)` over the parts from the last, as Horner's rule from
        // the first.
        let mut total = Nat::default();
        for part in value.split(':') {
            let (negative, digits) = py_int_digits(part)?;
            if negative && digits.bytes().any(|b| b != b'0') {
                return Err(Bad::NotConverted("a sexagesimal part below zero"));
            }
            let part = Nat::from_digits(digits, 10).ok_or(TOO_BIG)?;
            total = total.sexagesimal(&part).ok_or(TOO_BIG)?;
        }
        of_nat(false, &total)?
    } else {
        let (negative, digits) = py_int_digits(value)?;
        let digits = digits.trim_start_matches('0');
        let text = if negative {
            format!("-{digits}")
        } else {
            digits.to_string()
        };
        Int::parse_decimal(if digits.is_empty() { "0" } else { &text }).ok_or(Bad::Refused)?
    };
    Ok(if sign < 0 { negate(n) } else { n })
}

const TOO_BIG: Bad = Bad::NotConverted("an int of more than 4300 decimal digits");

fn of_nat(negative: bool, n: &Nat) -> Result<Int, Bad> {
    let digits = n.to_decimal();
    let text = if negative {
        format!("-{digits}")
    } else {
        digits
    };
    Int::parse_decimal(&text).ok_or(Bad::Refused)
}

fn negate(n: Int) -> Int {
    if let Some(v) = n.as_i64().and_then(i64::checked_neg) {
        return Int::Small(v);
    }
    let mut text = Vec::new();
    n.write_decimal(&mut text);
    let text = String::from_utf8(text).unwrap_or_default();
    let flipped = match text.strip_prefix('-') {
        Some(positive) => positive.to_string(),
        None => format!("-{text}"),
    };
    Int::parse_decimal(&flipped).unwrap_or(n)
}

/// Python's `int(text)` (base 10; no underscores left) up to its digits: whitespace
/// around, a sign, ASCII digits, at most 4300 of them (`sys.get_int_max_str_digits()`).
/// (whether negative, the digits).
fn py_int_digits(text: &str) -> Result<(bool, &str), Bad> {
    let text = text.trim_matches(py_space);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 4300 {
        return Err(Bad::Refused);
    }
    Ok((negative, digits))
}

/// Python's `int(text, base)` for base 2, 8 or 16: whitespace around, a sign, the base's
/// prefix (`0b`, `0o`, `0x`, either case), its digits.
fn py_int_base(text: &str, base: u32) -> Result<Int, Bad> {
    let text = text.trim_matches(py_space);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let prefix = match base {
        2 => "0b",
        8 => "0o",
        _ => "0x",
    };
    let digits = match text.get(..2) {
        Some(p) if p.eq_ignore_ascii_case(prefix) => &text[2..],
        _ => text,
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return Err(Bad::Refused);
    }
    of_nat(negative, &Nat::from_digits(digits, base).ok_or(TOO_BIG)?)
}

/// `construct_yaml_float`.
pub(super) fn float(value: &str) -> Result<f64, Bad> {
    let value = ascii(value)?.replace('_', "").to_ascii_lowercase();
    let (sign, value) = sign(&value)?;
    let sign = f64::from(sign);
    if value == ".inf" {
        return Ok(sign * f64::INFINITY);
    }
    if value == ".nan" {
        return Ok(f64::NAN);
    }
    if value.contains(':') {
        // `value += digit*base` over the parts from the last, `base` an exact int
        // (60**i) made a float for each product: 15**i rounded, times 4**i exactly.
        let mut total = 0.0;
        for (i, part) in value.split(':').rev().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let fifteens = 15u128.checked_pow(i).ok_or(Bad::NotConverted(
                "a sexagesimal float of more than 33 parts",
            ))?;
            let base = fifteens as f64 * 2f64.powi(2 * i as i32);
            total += py_float(part)? * base;
        }
        return Ok(sign * total);
    }
    Ok(sign * py_float(value)?)
}

/// Python's `float(text)` on ASCII text without underscores: whitespace around, then
/// Rust's grammar, which is Python's (`1e5`, `1.`, `.5`, `inf`, `infinity`, `nan`, a sign).
fn py_float(text: &str) -> Result<f64, Bad> {
    text.trim_matches(py_space)
        .parse::<f64>()
        .map_err(|_| Bad::Refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int_text(value: &str) -> Result<String, Bad> {
        let mut out = Vec::new();
        int(value)?.write_decimal(&mut out);
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn ints_as_construct_yaml_int() {
        for (text, want) in [
            ("0755", "493"),
            ("-0b1_01", "-5"),
            ("0x_1F", "31"),
            ("1:30", "90"),
            ("-1:30", "-90"),
            (" 12 ", "12"),
            ("+-1", "-1"),
            ("0o17", "15"),
            ("-0x8000000000000000", "-9223372036854775808"),
            ("0xffffffffffffffffff", "4722366482869645213695"),
            ("-99999999999999999999", "-99999999999999999999"),
        ] {
            assert_eq!(int_text(text).as_deref(), Ok(want), "{text:?}");
        }
        for text in ["0b_", "0x_", "", "-", "1e3", "0B1", "1.5", "1:x"] {
            assert_eq!(int_text(text), Err(Bad::Refused), "{text:?}");
        }
        assert_eq!(int_text(&"1".repeat(4301)), Err(Bad::Refused));
        assert_eq!(int_text(&"1".repeat(4300)).unwrap().len(), 4300);
        assert!(matches!(int_text("٣"), Err(Bad::NotConverted(_))));
        assert!(matches!(
            int_text(&format!("0x{}", "f".repeat(4000))),
            Err(Bad::NotConverted(_))
        ));
        assert_eq!(
            int_text(&format!("-0x{}", "f".repeat(40))).as_deref(),
            Ok("-1461501637330902918203684832716283019655932542975")
        );
        assert_eq!(
            int_text(&vec!["1"; 25].join(":")).as_deref(),
            Ok("4818692886428762945084745762711864406779661")
        );
    }

    #[test]
    fn floats_as_construct_yaml_float() {
        for (text, want) in [
            ("1_0.5", 10.5),
            ("-.INF", f64::NEG_INFINITY),
            ("190:20:30.15", 685230.15),
            ("1:1e3", 1060.0),
            ("- 1", -1.0),
            (" 1 ", 1.0),
            ("1e400", f64::INFINITY),
            ("infinity", f64::INFINITY),
        ] {
            assert_eq!(float(text), Ok(want), "{text:?}");
        }
        assert!(float(".NaN").unwrap().is_nan());
        for text in ["", ".", "1:", "abc", "1e"] {
            assert_eq!(float(text), Err(Bad::Refused), "{text:?}");
        }
    }

    #[test]
    fn bools_as_construct_yaml_bool() {
        assert_eq!(bool("yEs"), Ok(true));
        assert_eq!(bool("OFF"), Ok(false));
        assert_eq!(bool("y"), Err(Bad::Refused));
    }
}
