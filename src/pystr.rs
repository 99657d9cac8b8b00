//! `PyStr`: a Python `str`, i.e. a sequence of code points that may hold lone surrogates.
//!
//! Python strings can carry lone surrogates (`json.loads('"\\ud800"')`, `\ud800` in an
//! environment value, undecodable bytes in the environment), which Rust's `String` cannot.
//! A `PyStr` stores every code point in its own UTF-8 form ("generalized UTF-8": a surrogate
//! takes three bytes), so strings without surrogates are plain UTF-8 and every ASCII byte in
//! the buffer is a real ASCII character: the configuration code can scan for `$`, `{`, `~`
//! and `/` byte by byte. The buffer is wiped when the string is dropped, since it may hold
//! a secret.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use zeroize::Zeroize;

/// Keys this long and shorter live inside the `PyStr` itself ([`PyStr::key`]): a file
/// of many small tables is mostly such keys, each of which would otherwise be a heap
/// block of its own. 30 keeps a `PyStr` at 32 bytes, no bigger than the other kinds of
/// `Value`. Only keys: an inline text is copied wherever the string moves (stacks are
/// not wiped), so values, which may be secrets, stay in one heap block.
const INLINE: usize = 30;

#[derive(Clone, Default)]
pub struct PyStr(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Vec<u8>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Heap(Vec::new())
    }
}

impl Drop for PyStr {
    fn drop(&mut self) {
        match &mut self.0 {
            Repr::Inline { bytes, .. } => bytes.zeroize(),
            Repr::Heap(v) => v.zeroize(),
        }
    }
}

// Equality, order and hash are the text's, whichever way it is kept (and the hash is
// that of `[u8]`, which `Borrow` requires).
impl PartialEq for PyStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for PyStr {}

impl PartialOrd for PyStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyStr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for PyStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl Borrow<[u8]> for PyStr {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for PyStr {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<&str> for PyStr {
    fn from(s: &str) -> Self {
        PyStr(Repr::Heap(s.as_bytes().to_vec()))
    }
}

impl From<String> for PyStr {
    fn from(s: String) -> Self {
        PyStr(Repr::Heap(s.into_bytes()))
    }
}

impl fmt::Debug for PyStr {
    /// Debug output never shows the content: a `PyStr` may be a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PyStr(<{} bytes>)", self.byte_len())
    }
}

impl PyStr {
    pub fn new() -> Self {
        PyStr::default()
    }

    /// The key of a table: inside the `PyStr` when short enough (the `String` is then
    /// freed, which wipes it), else its buffer. Never for a value (see [`INLINE`]).
    pub fn key(name: String) -> Self {
        if name.len() > INLINE {
            return PyStr::from(name);
        }
        let mut bytes = [0; INLINE];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        PyStr(Repr::Inline {
            // At most `INLINE`, which fits.
            len: name.len() as u8,
            bytes,
        })
    }

    /// Wraps bytes already in generalized UTF-8 (built only from pieces of other `PyStr`s
    /// and `str`s cut at ASCII boundaries).
    pub(crate) fn from_gutf8(bytes: Vec<u8>) -> Self {
        debug_assert!(CodePoints::new(&bytes).all(|c| c.is_some()));
        PyStr(Repr::Heap(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(v) => v,
        }
    }

    /// The text as `&str`, or `None` when it holds a lone surrogate.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// The length of the text in bytes (of its generalized UTF-8), not in characters.
    pub fn byte_len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn len_bytes(&self) -> usize {
        self.byte_len()
    }

    pub fn push_str(&mut self, s: &str) {
        self.push_gutf8(s.as_bytes());
    }

    pub fn push_py(&mut self, s: &PyStr) {
        self.push_gutf8(s.as_bytes());
    }

    /// Appends bytes cut from another `PyStr` at character boundaries.
    pub(crate) fn push_gutf8(&mut self, more: &[u8]) {
        match &mut self.0 {
            Repr::Inline { len, bytes } if usize::from(*len) + more.len() <= INLINE => {
                let at = usize::from(*len);
                bytes[at..at + more.len()].copy_from_slice(more);
                // At most `INLINE`, which fits.
                *len = (at + more.len()) as u8;
            }
            Repr::Inline { len, bytes } => {
                let mut v = Vec::with_capacity(usize::from(*len) + more.len());
                v.extend_from_slice(&bytes[..usize::from(*len)]);
                v.extend_from_slice(more);
                bytes.zeroize();
                self.0 = Repr::Heap(v);
            }
            Repr::Heap(v) => v.extend_from_slice(more),
        }
    }

    /// Appends one code point (`0..=0x10FFFF`, surrogates allowed).
    pub fn push_code_point(&mut self, cp: u32) {
        let (buf, n) = code_point_bytes(cp);
        self.push_gutf8(&buf[..n]);
    }

    /// Iterates the code points.
    pub fn code_points(&self) -> impl Iterator<Item = u32> + '_ {
        CodePoints::new(self.as_bytes()).map(|c| c.unwrap_or(0xFFFD))
    }

    pub fn contains_byte(&self, b: u8) -> bool {
        self.as_bytes().contains(&b)
    }

    /// Python's `str.lower()`; surrogates are left as they are.
    pub fn to_lowercase(&self) -> PyStr {
        match self.as_str() {
            Some(s) => PyStr::from(s.to_lowercase()),
            None => self.map_chars(|c, out| out.extend(c.to_lowercase())),
        }
    }

    /// Python's `str.upper()`; surrogates are left as they are.
    pub fn to_uppercase(&self) -> PyStr {
        match self.as_str() {
            Some(s) => PyStr::from(s.to_uppercase()),
            None => self.map_chars(|c, out| out.extend(c.to_uppercase())),
        }
    }

    fn map_chars(&self, f: impl Fn(char, &mut String)) -> PyStr {
        let mut out = PyStr::new();
        let mut buf = String::new();
        for cp in self.code_points() {
            match char::from_u32(cp) {
                Some(c) => {
                    buf.clear();
                    f(c, &mut buf);
                    out.push_str(&buf);
                }
                None => out.push_code_point(cp),
            }
        }
        out
    }

    /// The text for messages and non-secret uses, lone surrogates as U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        match self.as_str() {
            Some(s) => s.to_owned(),
            None => self
                .code_points()
                .map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
                .collect(),
        }
    }

    /// The bytes a C caller receives for this string: UTF-8, with a surrogate pair joined
    /// into its character and a lone surrogate in its three-byte form (WTF-8, like
    /// Python's `encode("utf-8", "surrogatepass")` after joining pairs).
    pub fn to_wtf8(&self) -> Vec<u8> {
        if self.as_str().is_some() {
            return self.as_bytes().to_vec();
        }
        let mut out = Vec::with_capacity(self.byte_len());
        let mut cps = self.code_points().peekable();
        while let Some(cp) = cps.next() {
            if (0xD800..0xDC00).contains(&cp) {
                if let Some(&low) = cps.peek() {
                    if (0xDC00..0xE000).contains(&low) {
                        cps.next();
                        let joined = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        encode_code_point(joined, &mut out);
                        continue;
                    }
                }
            }
            encode_code_point(cp, &mut out);
        }
        out
    }

    /// Decodes bytes the way Python decodes the environment and file names
    /// (`surrogateescape`): each byte of an invalid sequence becomes U+DC80..U+DCFF.
    pub fn from_bytes_surrogateescape(mut bytes: &[u8]) -> PyStr {
        let mut out = PyStr::new();
        loop {
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    out.push_str(s);
                    return out;
                }
                Err(e) => {
                    let (good, rest) = bytes.split_at(e.valid_up_to());
                    out.push_gutf8(good);
                    let bad = e.error_len().unwrap_or(rest.len());
                    for &b in &rest[..bad] {
                        out.push_code_point(0xDC00 + u32::from(b));
                    }
                    bytes = &rest[bad..];
                }
            }
        }
    }

    /// The inverse of [`PyStr::from_bytes_surrogateescape`]; `None` when a character
    /// cannot be encoded that way (NUL is left to the caller).
    pub fn to_bytes_surrogateescape(&self) -> Option<Vec<u8>> {
        if self.as_str().is_some() {
            return Some(self.as_bytes().to_vec());
        }
        let mut out = Vec::with_capacity(self.byte_len());
        for cp in self.code_points() {
            match cp {
                0xDC80..=0xDCFF => out.push((cp - 0xDC00) as u8),
                0xD800..=0xDFFF => return None,
                _ => encode_code_point(cp, &mut out),
            }
        }
        Some(out)
    }
}

pub(crate) fn encode_code_point(cp: u32, out: &mut Vec<u8>) {
    let (buf, n) = code_point_bytes(cp);
    out.extend_from_slice(&buf[..n]);
}

/// The generalized UTF-8 of `cp` (`0..=0x10FFFF`): its bytes, and how many.
fn code_point_bytes(cp: u32) -> ([u8; 4], usize) {
    match cp {
        0..=0x7F => ([cp as u8, 0, 0, 0], 1),
        0x80..=0x7FF => ([0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8, 0, 0], 2),
        0x800..=0xFFFF => (
            [
                0xE0 | (cp >> 12) as u8,
                0x80 | ((cp >> 6) & 0x3F) as u8,
                0x80 | (cp & 0x3F) as u8,
                0,
            ],
            3,
        ),
        _ => (
            [
                0xF0 | (cp >> 18) as u8,
                0x80 | ((cp >> 12) & 0x3F) as u8,
                0x80 | ((cp >> 6) & 0x3F) as u8,
                0x80 | (cp & 0x3F) as u8,
            ],
            4,
        ),
    }
}

/// Decodes generalized UTF-8 (UTF-8 that also allows encoded surrogates).
/// Yields `None` for a malformed sequence, which a valid `PyStr` never holds.
pub(crate) struct CodePoints<'a> {
    bytes: &'a [u8],
}

impl<'a> CodePoints<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        CodePoints { bytes }
    }
}

impl Iterator for CodePoints<'_> {
    type Item = Option<u32>;

    fn next(&mut self) -> Option<Option<u32>> {
        let (&b0, rest) = self.bytes.split_first()?;
        let (len, init) = match b0 {
            0x00..=0x7F => (1, u32::from(b0)),
            0xC2..=0xDF => (2, u32::from(b0 & 0x1F)),
            0xE0..=0xEF => (3, u32::from(b0 & 0x0F)),
            0xF0..=0xF4 => (4, u32::from(b0 & 0x07)),
            _ => {
                self.bytes = rest;
                return Some(None);
            }
        };
        if self.bytes.len() < len || !self.bytes[1..len].iter().all(|b| b & 0xC0 == 0x80) {
            self.bytes = rest;
            return Some(None);
        }
        let cp = self.bytes[1..len]
            .iter()
            .fold(init, |acc, b| (acc << 6) | u32::from(b & 0x3F));
        self.bytes = &self.bytes[len..];
        let min = [0, 0, 0x80, 0x800, 0x10000][len];
        Some((cp >= min && cp <= 0x10FFFF).then_some(cp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogates_round_trip_and_pairs_join_on_output() {
        let mut s = PyStr::from("a");
        s.push_code_point(0xD83D);
        s.push_code_point(0xDE00);
        s.push_code_point(0xD800);
        assert!(s.as_str().is_none());
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x61, 0xD83D, 0xDE00, 0xD800]
        );
        assert_eq!(s.to_wtf8(), b"a\xF0\x9F\x98\x80\xED\xA0\x80".to_vec());
    }

    #[test]
    fn surrogateescape_is_reversible() {
        let raw = b"ok\xff\xc3(";
        let s = PyStr::from_bytes_surrogateescape(raw);
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x6F, 0x6B, 0xDCFF, 0xDCC3, 0x28]
        );
        assert_eq!(s.to_bytes_surrogateescape().unwrap(), raw.to_vec());
    }

    #[test]
    fn lowercase_keeps_surrogates() {
        let mut s = PyStr::from("AB");
        s.push_code_point(0xDC80);
        let low = s.to_lowercase();
        assert_eq!(
            low.code_points().collect::<Vec<_>>(),
            vec![0x61, 0x62, 0xDC80]
        );
        assert_eq!(PyStr::from("ÉΣ").to_lowercase().as_str(), Some("éς"));
    }

    #[test]
    fn debug_hides_content() {
        assert_eq!(format!("{:?}", PyStr::from("hunter2")), "PyStr(<7 bytes>)");
    }

    /// Short strings sit inline and long ones on the heap, and a string grows from one to
    /// the other; neither shows: same text, same equality, order and hash.
    #[test]
    fn inline_and_heap_strings_are_one_kind() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |x: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            x(&mut h);
            h.finish()
        };
        for n in [0, 1, INLINE - 1, INLINE, INLINE + 1, 100] {
            let text: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let whole = PyStr::from(text.as_str());
            let owned = PyStr::key(text.clone());
            let mut grown = PyStr::new();
            for c in text.chars() {
                grown.push_code_point(u32::from(c));
            }
            let mut pushed = PyStr::from("");
            pushed.push_str(&text);
            for s in [&owned, &grown, &pushed] {
                assert_eq!(s.as_bytes(), text.as_bytes());
                assert_eq!(s, &whole);
                assert_eq!(s.cmp(&whole), Ordering::Equal);
                assert_eq!(
                    hash(&|h| s.hash(h)),
                    hash(&|h| Hash::hash(text.as_bytes(), h))
                );
            }
        }
        // Across the boundary, by pieces: inline, then over it.
        let mut s = PyStr::key("x".repeat(INLINE - 2));
        assert!(matches!(s.0, Repr::Inline { .. }));
        s.push_code_point(0xDC80);
        assert_eq!(s.byte_len(), INLINE + 1);
        assert_eq!(s.code_points().last(), Some(0xDC80));
        assert!(matches!(s.0, Repr::Heap(_)));
        // Values are never inline, however short.
        for v in [
            PyStr::new(),
            PyStr::from("pw"),
            PyStr::from(String::from("pw")),
        ] {
            assert!(matches!(v.0, Repr::Heap(_)));
        }
        assert!(PyStr::from("a") < PyStr::from("x".repeat(INLINE + 5)));
    }
}
