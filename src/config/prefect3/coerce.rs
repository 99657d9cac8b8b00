//! The conversions pydantic 2 (lax mode) and Prefect's validators apply to a setting's
//! raw value, whichever source it came from. Each returns `Err(reason)`, a reason that
//! never quotes the value.

use indexmap::IndexMap;
use zeroize::Zeroizing;

use crate::pyjson;
use crate::value::{Int, Value};

pub type Reason = &'static str;

/// Python's `str.isspace()`.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

pub fn text(v: &Value) -> Result<String, Reason> {
    match v {
        Value::Str(s) => Ok(s.to_string_lossy()),
        _ => Err("expected a string"),
    }
}

/// pydantic's `bool`: the words below in any case (not trimmed), 0 and 1.
pub fn boolean(v: &Value) -> Result<bool, Reason> {
    const TRUE: [&str; 6] = ["1", "on", "t", "true", "y", "yes"];
    const FALSE: [&str; 6] = ["0", "off", "f", "false", "n", "no"];
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Int(Int::Small(0)) => Ok(false),
        Value::Int(Int::Small(1)) => Ok(true),
        Value::Float(f) if *f == 0.0 || *f == 1.0 => Ok(*f == 1.0),
        Value::Str(s) => {
            let lower = s.to_string_lossy().to_lowercase();
            if TRUE.contains(&lower.as_str()) {
                Ok(true)
            } else if FALSE.contains(&lower.as_str()) {
                Ok(false)
            } else {
                Err("not a boolean")
            }
        }
        _ => Err("not a boolean"),
    }
}

/// Python's `float(text)`: surrounding whitespace, `_` between digits, `inf`, `nan`.
pub fn parse_py_float(text: &str) -> Option<f64> {
    let t = text.trim_matches(is_py_space);
    let b = t.as_bytes();
    let mut plain = String::with_capacity(t.len());
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let digit_before = i > 0 && b[i - 1].is_ascii_digit();
            let digit_after = b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(digit_before && digit_after) {
                return None;
            }
        } else {
            plain.push(char::from(c));
        }
    }
    if !t.is_ascii() {
        return None;
    }
    plain.parse::<f64>().ok()
}

pub fn float(v: &Value) -> Result<f64, Reason> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Int(Int::Small(i)) => Ok(*i as f64),
        Value::Int(Int::Big(_)) => Err("a number too large"),
        Value::Str(s) => parse_py_float(&s.to_string_lossy()).ok_or("not a number"),
        _ => Err("not a number"),
    }
}

/// pydantic's `int` from text: trimmed, `_` between digits, and a fraction of zeros only.
fn parse_int_text(text: &str) -> Option<i64> {
    let t = text.trim_matches(is_py_space);
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if !frac.bytes().all(|c| c == b'0') {
        return None;
    }
    let (neg, digits) = match whole.as_bytes().first() {
        Some(b'-') => (true, &whole[1..]),
        Some(b'+') => (false, &whole[1..]),
        _ => (false, whole),
    };
    let b = digits.as_bytes();
    if b.is_empty() || b[0] == b'_' || b[b.len() - 1] == b'_' || digits.contains("__") {
        return None;
    }
    let plain: String = digits.chars().filter(|&c| c != '_').collect();
    if !plain.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v = plain.parse::<i64>().ok()?;
    Some(if neg { -v } else { v })
}

pub fn int(v: &Value) -> Result<i64, Reason> {
    match v {
        Value::Int(Int::Small(i)) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(*f as i64),
        Value::Str(s) => parse_int_text(&s.to_string_lossy()).ok_or("not an integer"),
        _ => Err("not an integer"),
    }
}

pub fn at_least_zero<T: PartialOrd + Default>(v: T) -> Result<T, Reason> {
    if v >= T::default() {
        Ok(v)
    } else {
        Err("less than 0")
    }
}

/// Python truthiness, for the "empty means none" checks Prefect makes.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != Int::Small(0),
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(l) => !l.0.is_empty(),
        Value::Dict(d) => !d.is_empty(),
    }
}

/// A `StatusCode`: an int from 100 to 599.
fn status_code(v: &Value) -> Result<u16, Reason> {
    let code = int(v)?;
    u16::try_from(code)
        .ok()
        .filter(|c| (100..=599).contains(c))
        .ok_or("a status code outside 100..599")
}

/// `client.retry_extra_codes`: nothing for a falsy value; text split at `,` (each part
/// trimmed, none may be empty); one code; or a list of codes. Sorted, without repeats.
pub fn status_codes(v: &Value) -> Result<Vec<u16>, Reason> {
    let mut codes = if !truthy(v) {
        Vec::new()
    } else if let Value::Str(s) = v {
        let text = s.to_string_lossy();
        let mut out = Vec::new();
        for part in text.split(',') {
            out.push(status_code(&Value::str(part.trim_matches(is_py_space)))?);
        }
        out
    } else if let Value::List(items) = v {
        items.0.iter().map(status_code).collect::<Result<_, _>>()?
    } else {
        vec![status_code(v)?]
    };
    codes.sort_unstable();
    codes.dedup();
    Ok(codes)
}

/// Header names to values, in the order given. Values may be credentials.
pub type Headers = IndexMap<String, Zeroizing<String>>;

/// `client.custom_headers`: a table, or text holding a JSON object, of string values.
pub fn headers(v: &Value) -> Result<Headers, Reason> {
    let decoded;
    let v = match v {
        Value::Str(s) => {
            decoded = pyjson::loads(s.as_bytes()).map_err(|_| "text that is not JSON")?;
            &decoded
        }
        other => other,
    };
    let Value::Dict(d) = v else {
        return Err("not a table of headers");
    };
    d.iter()
        .map(|(k, v)| match v {
            Value::Str(s) => Ok((k.to_string_lossy(), Zeroizing::new(s.to_string_lossy()))),
            _ => Err("a header value that is not a string"),
        })
        .collect()
}

/// `str(PurePosixPath(text))`: empty and `.` parts dropped, repeated `/` collapsed (two
/// leading ones kept, as POSIX allows), no trailing `/`; nothing at all is `.`.
pub fn py_path(text: &str) -> String {
    let lead = if text.starts_with("//") && !text.starts_with("///") {
        "//"
    } else if text.starts_with('/') {
        "/"
    } else {
        ""
    };
    let parts: Vec<&str> = text
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = format!("{lead}{}", parts.join("/"));
    if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// `os.path.expanduser` for `~` and `~/...` with the given home; `~user` and an unknown
/// home leave the text as it is.
pub fn expand_user(text: &str, home: Option<&str>) -> String {
    let Some(rest) = text.strip_prefix('~') else {
        return text.to_owned();
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return text.to_owned();
    }
    let Some(home) = home else {
        return text.to_owned();
    };
    let joined = format!("{}{rest}", home.trim_end_matches('/'));
    if joined.is_empty() {
        "/".to_owned()
    } else {
        joined
    }
}

/// `a / b` on Python paths, rendered with `str()`.
pub fn py_join(base: &str, name: &str) -> String {
    if name.starts_with('/') {
        py_path(name)
    } else {
        py_path(&format!("{base}/{name}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_python_reads_them() {
        assert_eq!(parse_py_float(" 5.5 "), Some(5.5));
        assert_eq!(parse_py_float("1_0"), Some(10.0));
        assert_eq!(parse_py_float("1e1"), Some(10.0));
        assert_eq!(parse_py_float("1__0"), None);
        assert_eq!(parse_py_float("_1"), None);
        assert_eq!(parse_py_float(""), None);
        assert_eq!(parse_py_float("soon"), None);
    }

    #[test]
    fn ints_and_booleans() {
        assert_eq!(int(&Value::str("2.0")), Ok(2));
        assert!(int(&Value::str("2.5")).is_err());
        assert_eq!(int(&Value::Float(2.0)), Ok(2));
        assert!(int(&Value::Float(2.5)).is_err());
        assert_eq!(boolean(&Value::str("fAlSe")), Ok(false));
        assert!(boolean(&Value::str(" true ")).is_err());
        assert!(boolean(&Value::str("")).is_err());
    }

    #[test]
    fn codes() {
        assert_eq!(
            status_codes(&Value::str(" 429 , 500,429")),
            Ok(vec![429, 500])
        );
        assert_eq!(status_codes(&Value::str("")), Ok(vec![]));
        assert!(status_codes(&Value::str("429,")).is_err());
        assert!(status_codes(&Value::str("99")).is_err());
    }

    #[test]
    fn paths() {
        assert_eq!(py_path(""), ".");
        assert_eq!(py_path("a//b/./c/"), "a/b/c");
        assert_eq!(py_join(".", "profiles.toml"), "profiles.toml");
        assert_eq!(expand_user("~/x", Some("/h/")), "/h/x");
        assert_eq!(expand_user("~u/x", Some("/h")), "~u/x");
    }
}
