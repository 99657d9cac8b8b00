//! Putting values in place of placeholders inside a longer string.
//!
//! Prefect calls `text.replace(full_match, str(value))` once per placeholder, in its
//! set's iteration order. Each original occurrence of a placeholder's text is exactly
//! one match of the regex (a placeholder's text holds no `{` after its `{{` and no `}`
//! before its `}}`, so two matches can neither overlap nor nest), so when no value
//! holds, or forms with the text around it, another placeholder's text, that is one
//! left-to-right pass replacing each match: what [`substitute`] does, in linear time.
//! When one does, Prefect's result depends on which placeholder its set yields first
//! (Python randomizes string hashes per process), and a later `replace` may rewrite text
//! an earlier one inserted; here values are never rescanned (docs/templating.md).

use crate::pystr::PyStr;

use super::placeholders::{Placeholder, matches};

/// `text` with each placeholder that `value` gives text for replaced by that text, and
/// every other placeholder left as written.
pub fn substitute<'v>(text: &PyStr, value: impl Fn(&[u8]) -> Option<&'v PyStr>) -> PyStr {
    let bytes = text.as_bytes();
    let mut out = PyStr::new();
    let mut copied = 0;
    for m in matches(bytes) {
        if let Some(v) = value(&bytes[m.start..m.end]) {
            // Cut at `{{`, an ASCII boundary: whole characters on either side.
            out.push_gutf8(&bytes[copied..m.start]);
            out.push_py(v);
            copied = m.end;
        }
    }
    out.push_gutf8(&bytes[copied..]);
    out
}

/// Whether `text` is nothing but `placeholder` (Prefect: one placeholder in the set,
/// and its `full_match == tmpl`).
pub fn is_whole(text: &PyStr, placeholder: &Placeholder) -> bool {
    text.as_bytes() == placeholder.full_match.as_bytes()
}
