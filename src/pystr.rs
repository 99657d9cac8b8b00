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
use std::fmt;

use zeroize::Zeroize;

#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PyStr(Vec<u8>);

impl Drop for PyStr {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Borrow<[u8]> for PyStr {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for PyStr {
    fn from(s: &str) -> Self {
        PyStr(s.as_bytes().to_vec())
    }
}

impl From<String> for PyStr {
    fn from(s: String) -> Self {
        PyStr(s.into_bytes())
    }
}

impl fmt::Debug for PyStr {
    /// Debug output never shows the content: a `PyStr` may be a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PyStr(<{} bytes>)", self.0.len())
    }
}

impl PyStr {
    pub fn new() -> Self {
        PyStr(Vec::new())
    }

    /// Wraps bytes already in generalized UTF-8 (built only from pieces of other `PyStr`s
    /// and `str`s cut at ASCII boundaries).
    pub(crate) fn from_gutf8(bytes: Vec<u8>) -> Self {
        debug_assert!(CodePoints::new(&bytes).all(|c| c.is_some()));
        PyStr(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text as `&str`, or `None` when it holds a lone surrogate.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The length of the text in bytes (of its generalized UTF-8), not in characters.
    pub fn byte_len(&self) -> usize {
        self.0.len()
    }

    pub fn len_bytes(&self) -> usize {
        self.0.len()
    }

    pub fn push_str(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    pub fn push_py(&mut self, s: &PyStr) {
        self.0.extend_from_slice(&s.0);
    }

    /// Appends bytes cut from another `PyStr` at character boundaries.
    pub(crate) fn push_gutf8(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// Appends one code point (`0..=0x10FFFF`, surrogates allowed).
    pub fn push_code_point(&mut self, cp: u32) {
        encode_code_point(cp, &mut self.0);
    }

    /// Iterates the code points.
    pub fn code_points(&self) -> impl Iterator<Item = u32> + '_ {
        CodePoints::new(&self.0).map(|c| c.unwrap_or(0xFFFD))
    }

    pub fn contains_byte(&self, b: u8) -> bool {
        self.0.contains(&b)
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
            return self.0.clone();
        }
        let mut out = Vec::with_capacity(self.0.len());
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
            return Some(self.0.clone());
        }
        let mut out = Vec::with_capacity(self.0.len());
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
    match cp {
        0..=0x7F => out.push(cp as u8),
        0x80..=0x7FF => out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]),
        0x800..=0xFFFF => out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]),
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
}
