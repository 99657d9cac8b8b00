//! Python's `unicode_escape` decoding, which Prefect 0.5.3 applies to every `PREFECT__*`
//! environment value (`value.encode().decode("unicode_escape")`).
//!
//! One deliberate difference: Python's codec reads the UTF-8 bytes as Latin-1, so `é`
//! becomes `Ã©` (a Prefect bug, fixed later). Characters that are not part of an escape are
//! kept as they are here.

use crate::pystr::PyStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscapeError {
    /// `\` as the last character.
    TrailingBackslash,
    /// `\x`, `\u` or `\U` without enough hex digits.
    Truncated(&'static str),
    /// `\U` beyond U+10FFFF.
    IllegalCodePoint,
    /// `\N` not followed by `{name}`.
    MalformedName,
    /// `\N{name}` with a name Python does not know.
    UnknownName,
}

impl std::fmt::Display for EscapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EscapeError::TrailingBackslash => "a backslash at the end of the value",
            EscapeError::Truncated(which) => which,
            EscapeError::IllegalCodePoint => "a \\U escape beyond U+10FFFF",
            EscapeError::MalformedName => "a malformed \\N{...} escape",
            EscapeError::UnknownName => "a \\N{...} escape with an unknown character name",
        })
    }
}

pub fn unicode_escape(s: &str) -> Result<PyStr, EscapeError> {
    let mut out = PyStr::new();
    let mut chars = s.char_indices().peekable();
    let mut utf8 = [0u8; 4];
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push_str(c.encode_utf8(&mut utf8));
            continue;
        }
        let Some((at, e)) = chars.next() else {
            return Err(EscapeError::TrailingBackslash);
        };
        let simple = match e {
            '\n' => continue,
            '\\' => '\\',
            '\'' => '\'',
            '"' => '"',
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'v' => '\x0b',
            '0'..='7' => {
                let mut v = e as u32 - '0' as u32;
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&(_, d @ '0'..='7')) => {
                            v = v * 8 + (d as u32 - '0' as u32);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                out.push_code_point(v);
                continue;
            }
            'x' | 'u' | 'U' => {
                let (count, msg) = match e {
                    'x' => (2, "a truncated \\xXX escape"),
                    'u' => (4, "a truncated \\uXXXX escape"),
                    _ => (8, "a truncated \\UXXXXXXXX escape"),
                };
                let mut v = 0u32;
                for _ in 0..count {
                    let d = chars
                        .next()
                        .and_then(|(_, d)| d.to_digit(16))
                        .ok_or(EscapeError::Truncated(msg))?;
                    v = (v << 4) | d;
                }
                if v > 0x10FFFF {
                    return Err(EscapeError::IllegalCodePoint);
                }
                out.push_code_point(v);
                continue;
            }
            'N' => {
                let rest = &s[at + 1..];
                let name = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .map(|(name, _)| name)
                    .filter(|name| !name.is_empty())
                    .ok_or(EscapeError::MalformedName)?;
                let c = character_named(name).ok_or(EscapeError::UnknownName)?;
                out.push_str(c.encode_utf8(&mut utf8));
                // Skip `{name}`.
                for _ in 0..name.chars().count() + 2 {
                    chars.next();
                }
                continue;
            }
            other => {
                out.push_str("\\");
                out.push_str(other.encode_utf8(&mut utf8));
                continue;
            }
        };
        out.push_str(simple.encode_utf8(&mut utf8));
    }
    Ok(out)
}

/// The character a `\N{name}` escape names, as Python's `unicodedata` finds it: the
/// official name in any ASCII case (the algorithmic CJK and Hangul names in upper case
/// only). Name aliases, which Python also accepts, are not supported.
fn character_named(name: &str) -> Option<char> {
    // Names are ASCII letters, digits, spaces and inner hyphens; anything else is unknown
    // (and a leading hyphen would trip an overflow inside unicode_names2).
    let plausible = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
        && !name.starts_with('-');
    if !plausible {
        return None;
    }
    let c = unicode_names2::character(name)?;
    let official = unicode_names2::name(c)?.to_string();
    let algorithmic = ["CJK UNIFIED IDEOGRAPH-", "HANGUL SYLLABLE "]
        .iter()
        .any(|p| official.starts_with(p));
    let same = if algorithmic {
        official == name
    } else {
        official.eq_ignore_ascii_case(name)
    };
    same.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Vec<u32> {
        unicode_escape(s).unwrap().code_points().collect()
    }

    fn text(s: &str) -> String {
        unicode_escape(s).unwrap().to_string_lossy()
    }

    #[test]
    fn decodes_python_escapes() {
        assert_eq!(text(r"line1\nline2"), "line1\nline2");
        assert_eq!(
            text(r#"a\tb\\c\'\"\a\b\f\v\r"#),
            "a\tb\\c'\"\x07\x08\x0c\x0b\r"
        );
        assert_eq!(text(r"\x41\u00e9\U0001F600"), "Aé😀");
        assert_eq!(text(r"\101\0\777"), "A\0\u{1ff}");
        assert_eq!(text(r"\q\8"), r"\q\8");
        assert_eq!(text("a\\\nb"), "ab");
        assert_eq!(text(r"\N{SNOWMAN}\N{snowman}x"), "☃☃x");
        assert_eq!(text(r"\N{CJK UNIFIED IDEOGRAPH-4E00}"), "一");
        assert_eq!(text("été ☃"), "été ☃");
        assert_eq!(dec(r"\ud800\udc00"), vec![0xD800, 0xDC00]);
    }

    #[test]
    fn rejects_what_python_rejects() {
        assert_eq!(unicode_escape(r"abc\"), Err(EscapeError::TrailingBackslash));
        assert!(matches!(
            unicode_escape(r"\x4"),
            Err(EscapeError::Truncated(_))
        ));
        assert!(matches!(
            unicode_escape(r"\u12g4"),
            Err(EscapeError::Truncated(_))
        ));
        assert_eq!(
            unicode_escape(r"\U00110000"),
            Err(EscapeError::IllegalCodePoint)
        );
        assert_eq!(unicode_escape(r"\N"), Err(EscapeError::MalformedName));
        assert_eq!(unicode_escape(r"\N{}"), Err(EscapeError::MalformedName));
        assert_eq!(unicode_escape(r"\N{SNOW"), Err(EscapeError::MalformedName));
        assert_eq!(
            unicode_escape(r"\N{SNOW MAN}"),
            Err(EscapeError::UnknownName)
        );
        assert_eq!(
            unicode_escape(r"\N{snow_man}"),
            Err(EscapeError::UnknownName)
        );
    }
}
