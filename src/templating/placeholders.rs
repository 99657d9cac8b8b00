//! Prefect 3's `find_placeholders` (`prefect.utilities.templating`): the `{{ name }}`
//! placeholders of a string, as `PLACEHOLDER_CAPTURE_REGEX.findall` finds them, with the
//! regex `({{\s*([\w\.\-\[\]$]+)\s*}})`, then deduplicated (Prefect makes a set of them).
//!
//! The regex needs no backtracking: `\s` and the name's characters are disjoint sets and
//! neither holds `}`, so from a `{{` the match is the longest run of spaces, the longest
//! run of name characters (at least one), the longest run of spaces, then `}}`, or no
//! match there. [`matches`] scans that way in one pass over the text: after a failed
//! start it resumes where the scan stopped (no `{` lies before it), so a hostile text
//! such as `"{{" * 100000` or `"{{ " + "a" * n` costs linear time.
//!
//! Characters as Python's `re` sees a `str`:
//!
//! - `\s` is `str.isspace()`: Rust's `char::is_whitespace` plus U+001C..U+001F, exactly
//!   (checked over every code point against Python 3.11).
//! - `\w` is `_` or `str.isalnum()`; here `_` or `char::is_alphanumeric`, which is a
//!   strict superset of Python 3.11's: it also holds the marks and symbols Unicode calls
//!   `Other_Alphabetic` (Devanagari and other vowel signs such as U+093E, Hebrew points
//!   U+05B0.., circled letters U+24B6..) and the letters and digits added after Unicode
//!   14 (Python 3.11's version): 15,559 code points in all with Rust 1.95, none of them
//!   ASCII. A name holding one of them is a placeholder here and not in Prefect
//!   (docs/templating.md).
//! - A lone surrogate (a `PyStr` may hold one) is neither.

use std::collections::HashSet;

use crate::pystr::PyStr;

/// `BLOCK_DOCUMENT_PLACEHOLDER_PREFIX`.
pub const BLOCK_PREFIX: &str = "prefect.blocks.";
/// `VARIABLE_PLACEHOLDER_PREFIX`.
pub const VARIABLE_PREFIX: &str = "prefect.variables.";
/// `ENV_VAR_PLACEHOLDER_PREFIX`.
pub const ENV_VAR_PREFIX: &str = "$";

/// Prefect's `PlaceholderType`, from the name's prefix (`determine_placeholder_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Any other name (`{{ image }}`): filled from a deployment's values, not here.
    Standard,
    /// `prefect.blocks.<block-type-slug>.<block-document-name>[.<key path>]`.
    BlockDocument,
    /// `prefect.variables.<name>`.
    Variable,
    /// `$NAME`: an environment variable, filled by `apply_values`, not here.
    EnvVar,
}

impl Kind {
    /// The kind of a placeholder named `name`.
    pub fn of(name: &str) -> Kind {
        if name.starts_with(BLOCK_PREFIX) {
            Kind::BlockDocument
        } else if name.starts_with(VARIABLE_PREFIX) {
            Kind::Variable
        } else if name.starts_with(ENV_VAR_PREFIX) {
            Kind::EnvVar
        } else {
            Kind::Standard
        }
    }
}

/// Prefect's `Placeholder`: the whole `{{ ... }}` as written, the name inside it, and
/// its kind. Template text, never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub full_match: String,
    pub name: String,
    pub kind: Kind,
}

/// What a block placeholder names, as `_resolve_single_placeholder` reads its name:
/// every `prefect.blocks.` removed (Python's `str.replace`), then split at the first two
/// dots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockName {
    pub slug: String,
    pub name: String,
    /// What follows the second dot: a key path into the document's data.
    pub keypath: Option<String>,
}

impl Placeholder {
    /// The block type slug, document name and key path of a block placeholder; `None`
    /// when its name has fewer than two parts (Prefect: an error).
    pub fn block_name(&self) -> Option<BlockName> {
        let rest = self.name.replace(BLOCK_PREFIX, "");
        let mut parts = rest.splitn(3, '.');
        let (Some(slug), Some(name)) = (parts.next(), parts.next()) else {
            return None;
        };
        Some(BlockName {
            slug: slug.to_owned(),
            name: name.to_owned(),
            keypath: parts.next().map(str::to_owned),
        })
    }

    /// The variable a variable placeholder names: every `prefect.variables.` removed.
    pub fn variable_name(&self) -> String {
        self.name.replace(VARIABLE_PREFIX, "")
    }
}

/// The distinct placeholders of `text`, in the order they first appear (Prefect's set
/// holds the same ones, in an order Python's hash randomization varies).
pub fn find_placeholders(text: &PyStr) -> Vec<Placeholder> {
    let bytes = text.as_bytes();
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut out = Vec::new();
    for m in matches(bytes) {
        // `name` determines `kind`, and `full_match` determines `name`: one key suffices.
        if seen.insert(&bytes[m.start..m.end]) {
            let name = String::from_utf8_lossy(&bytes[m.name_start..m.name_end]).into_owned();
            out.push(Placeholder {
                full_match: String::from_utf8_lossy(&bytes[m.start..m.end]).into_owned(),
                kind: Kind::of(&name),
                name,
            });
        }
    }
    out
}

/// One match of the regex, as byte offsets into the text: the whole `{{ ... }}`
/// (`start..end`) and the name (`name_start..name_end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub name_start: usize,
    pub name_end: usize,
}

/// Every match of the regex in `bytes` (generalized UTF-8, as a `PyStr` holds it), left
/// to right and not overlapping, as `re.finditer` gives them.
pub fn matches(bytes: &[u8]) -> Matches<'_> {
    Matches { bytes, at: 0 }
}

pub struct Matches<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Iterator for Matches<'_> {
    type Item = Match;

    fn next(&mut self) -> Option<Match> {
        let b = self.bytes;
        loop {
            let start = self.at + find_open(&b[self.at.min(b.len())..])?;
            let name_start = skip(b, start + 2, is_space);
            let name_end = skip(b, name_start, is_name_char);
            let close = skip(b, name_end, is_space);
            if name_end > name_start && b[close..].starts_with(b"}}") {
                self.at = close + 2;
                return Some(Match {
                    start,
                    end: close + 2,
                    name_start,
                    name_end,
                });
            }
            // No `{` lies in start+2..stop (each character there is a space or a name
            // character), so the next `{{` is at start+1 (only when nothing was read:
            // `{{{`) or at stop or later.
            let stop = if name_end > name_start {
                close
            } else {
                name_start
            };
            self.at = if stop > start + 2 { stop } else { start + 1 };
        }
    }
}

/// The offset of the first `{{` in `b`.
fn find_open(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = b[from..].iter().position(|&c| c == b'{') {
        let at = from + i;
        match b.get(at + 1) {
            Some(b'{') => return Some(at),
            Some(_) => from = at + 2,
            None => return None,
        }
    }
    None
}

/// The offset after the run of characters from `at` that `class` accepts.
fn skip(b: &[u8], mut at: usize, class: fn(u32) -> bool) -> usize {
    while at < b.len() {
        let (cp, len) = decode(&b[at..]);
        if !class(cp) {
            break;
        }
        at += len;
    }
    at
}

/// The code point that starts `b` (non-empty, generalized UTF-8) and its length in
/// bytes; a malformed byte, which a `PyStr` never holds, reads as U+FFFD.
fn decode(b: &[u8]) -> (u32, usize) {
    let len = match b[0] {
        0x00..=0x7F => return (u32::from(b[0]), 1),
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let len = len.min(b.len());
    let cp = crate::pystr::CodePoints::new(&b[..len])
        .next()
        .flatten()
        .unwrap_or(0xFFFD);
    (cp, len)
}

/// Python's `\s` on a `str` (`str.isspace()`).
fn is_space(cp: u32) -> bool {
    (0x1C..=0x1F).contains(&cp) || char::from_u32(cp).is_some_and(char::is_whitespace)
}

/// The regex's name class `[\w\.\-\[\]$]`, `\w` as `_` or `char::is_alphanumeric`.
fn is_name_char(cp: u32) -> bool {
    match char::from_u32(cp) {
        Some(c) if c.is_ascii() => {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']' | '$')
        }
        Some(c) => c.is_alphanumeric(),
        None => false,
    }
}
