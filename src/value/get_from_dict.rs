//! Prefect 3's `get_from_dict` (`prefect.utilities.collections`): a value at a key path
//! such as `a.b[0].c`, as its templates (`{{ prefect.blocks.secret.x.a.b }}`) and the
//! command line's `get --field` read one.
//!
//! The path's `[` become `.` and its `]` go, then each dot-separated key steps in: into a
//! dict by the key as it is (JSON keys are text, so Prefect's fallback to an integer key
//! never finds one); into a list or a string by the key read as Python's `int()` reads
//! text, negative from the end (a string gives one character); anything else, or a key
//! that is missing or out of range, is no value. One difference, documented: a key of
//! non-ASCII decimal digits (`"١"`) is an index for Python and not here.

use crate::pystr::PyStr;

use super::Value;

/// The value at `path` in `value`, or `None` where Prefect's `get_from_dict` gives its
/// default.
pub fn get_from_dict(value: &Value, path: &str) -> Option<Value> {
    let path = path.replace('[', ".").replace(']', "");
    let mut owned: Option<Value> = None;
    for key in path.split('.') {
        let current = owned.as_ref().unwrap_or(value);
        let next = match current {
            Value::Dict(d) => d.get(key).cloned()?,
            Value::List(l) => l.0.get(index(python_int(key)?, l.0.len())?).cloned()?,
            Value::Str(s) => {
                let points: Vec<u32> = s.code_points().collect();
                let cp = *points.get(index(python_int(key)?, points.len())?)?;
                let mut one = PyStr::new();
                one.push_code_point(cp);
                Value::Str(one)
            }
            _ => return None,
        };
        owned = Some(next);
    }
    Some(owned.unwrap_or_else(|| value.clone()))
}

/// Python's sequence index: from the end when negative, `None` out of range.
fn index(i: i128, len: usize) -> Option<usize> {
    let len = i128::try_from(len).ok()?;
    let i = if i < 0 { i + len } else { i };
    (0..len)
        .contains(&i)
        .then(|| usize::try_from(i).ok())
        .flatten()
}

/// Python's `int(text)`: surrounding whitespace, a sign, ASCII digits with single `_`
/// between them. Past `i128` it is surely out of any range: `None` as well.
fn python_int(text: &str) -> Option<i128> {
    let t = text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let b = digits.as_bytes();
    let well_formed = !b.is_empty()
        && b.first().is_some_and(u8::is_ascii_digit)
        && b.last().is_some_and(u8::is_ascii_digit)
        && b.iter().all(|c| c.is_ascii_digit() || *c == b'_')
        && !digits.contains("__");
    if !well_formed {
        return None;
    }
    let n: i128 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests;
