//! Credentials out of server texts. A server may echo what it was sent ("bad token
//! <token>"), and in any form: as it is, escaped by Python's `repr` or by JSON (or by
//! both, one inside the other), percent-encoded, or in base64 (an `Authorization: Basic`
//! header echoed back). Any text that came from a server goes through
//! [`Redactor::clean`] or [`Redactor::clean_within`] before it can reach an error message.
//!
//! A credential is looked for one character at a time, each character in any of the ways
//! a text can spell it ([`spellings`]): so every escape is caught whichever encoder chose
//! it (Python's `repr` writes `\t`, JSON `\t` or `\u0009`, a third one `\x09`), and texts
//! that mix forms too. Its base64 is looked for the same way (so a percent-encoded base64
//! is caught as well), by the part of it that does not depend on what was encoded with it.

use std::ops::Range;

use zeroize::Zeroizing;

use crate::pystr::CodePoints;
use crate::server::base64;

/// What replaces a credential in a message.
pub const MASK: &str = "[redacted]";

/// The shortest part of a credential's base64 that is looked for. Any run of letters and
/// digits is base64 of something, so the encoding of a tiny credential (a few characters)
/// would turn up in ordinary words: masking those would garble messages, and which word
/// got masked would tell the credential's encoding to whoever reads the message. Eight
/// characters carry 48 bits, which do not occur by chance; a credential too short to give
/// them (under 7 bytes) is guessable whatever the messages say, and is still masked in
/// every other form.
const MIN_BASE64: usize = 8;

/// The longest spelling of one character, in bytes: a 4-byte UTF-8 character as escaped
/// bytes, escaped once more (`\\xf0\\x9f\\x98\\x80`). The other forms are shorter
/// (`\\ud83d\\ude00` 14, `%F0%9F%98%80` 12, `\\U0001f600` 11).
const MAX_SPELLING: usize = 20;

/// The credentials of one get (the token, a refreshed token, an API key, an auth string
/// and its base64), borrowed: nothing is copied or computed unless a text needs
/// cleaning, so the common path (no error) costs nothing.
#[derive(Default)]
pub struct Redactor<'a> {
    secrets: [&'a [u8]; 4],
    len: usize,
}

/// One thing to look for: a credential's characters, or a part of its base64.
struct Pattern {
    code_points: Zeroizing<Vec<u32>>,
    /// A base64 part: the character just before it, or just after it, also carries some
    /// of the credential's bits when it is a base64 character, and is masked with it.
    base64_edges: (bool, bool),
}

impl<'a> Redactor<'a> {
    /// Adds a credential (at most four are kept; a get has at most three).
    pub fn add(&mut self, secret: &'a [u8]) {
        if !secret.is_empty() && self.len < self.secrets.len() {
            self.secrets[self.len] = secret;
            self.len += 1;
        }
    }

    /// `text` with every credential masked, in every form it can take (see the module's
    /// documentation). Messages always go through [`Redactor::clean_within`].
    #[cfg(test)]
    pub fn clean(&self, text: &str) -> String {
        self.clean_within(text, usize::MAX)
    }

    /// Like [`Redactor::clean`], then cut to at most `max` bytes (at a character boundary,
    /// `...` added when anything was left out). Credentials are masked before the cut, so
    /// no part of one is left; only the start of a long text that can reach the result is
    /// searched, so a huge text costs no more than a short one.
    pub fn clean_within(&self, text: &str, max: usize) -> String {
        let patterns = self.patterns();
        // A form starting in the first `max` bytes ends within `reach` bytes after them.
        let reach = patterns
            .iter()
            .map(|p| p.code_points.len() * MAX_SPELLING + 2)
            .max()
            .unwrap_or(0);
        let (searched, keep) = if text.len() <= max.saturating_add(reach) {
            (text.len(), text.len())
        } else {
            (floor_boundary(text, max + reach), floor_boundary(text, max))
        };
        let bytes = &text.as_bytes()[..searched];
        let mut spans = Vec::new();
        for pattern in &patterns {
            let found = spans.len();
            find(bytes, &pattern.code_points, &mut spans);
            let (before, after) = pattern.base64_edges;
            for span in &mut spans[found..] {
                if before && span.start > 0 && is_base64(bytes[span.start - 1]) {
                    span.start -= 1;
                }
                if after && bytes.get(span.end).is_some_and(|&b| is_base64(b)) {
                    span.end += 1;
                }
            }
        }
        let (mut out, done) = mask(text, spans, keep);
        let mut cut = done < text.len();
        if out.len() > max {
            out.truncate(floor_boundary(&out, max));
            cut = true;
        }
        if cut {
            out.push_str("...");
        }
        out
    }

    /// What to look for: each credential's characters, and the parts of its base64.
    /// Computed only when a text is cleaned, and wiped afterwards.
    fn patterns(&self) -> Vec<Pattern> {
        let mut patterns = Vec::new();
        for secret in &self.secrets[..self.len] {
            patterns.push(Pattern {
                code_points: Zeroizing::new(
                    CodePoints::new(secret)
                        .map(|c| c.unwrap_or(0xFFFD))
                        .collect(),
                ),
                base64_edges: (false, false),
            });
            base64_parts(secret, &mut patterns);
        }
        patterns
    }
}

/// The parts of `secret`'s base64 that are the same wherever it sits in a longer encoded
/// text (`Basic base64("user:" + token)`): base64 encodes 3 bytes as 4 characters, so
/// after 0, 1 or 2 bytes of prefix the credential is encoded in one of 3 ways; in each,
/// the characters made only of the credential's bits are fixed, and those at the edges
/// (which mix in the bits of the bytes around it) are not. Each part is looked for in the
/// standard alphabet and in the URL-safe one (`-_` for `+/`); padded or not makes no
/// difference, padding comes after the part.
fn base64_parts(secret: &[u8], patterns: &mut Vec<Pattern>) {
    for align in 0..3 {
        let mut bytes = Zeroizing::new(vec![0u8; align]);
        bytes.extend_from_slice(secret);
        let encoded = base64::standard(&bytes);
        let (start_bit, end_bit) = (8 * align, 8 * bytes.len());
        let (first, end) = (start_bit.div_ceil(6), end_bit / 6);
        if end < first + MIN_BASE64 {
            continue;
        }
        let edges = (start_bit % 6 != 0, end_bit % 6 != 0);
        let part = &encoded.as_bytes()[first..end];
        let standard: Zeroizing<Vec<u32>> =
            Zeroizing::new(part.iter().map(|&b| b.into()).collect());
        if part.iter().any(|&b| b == b'+' || b == b'/') {
            let url_safe = standard
                .iter()
                .map(|&c| match c {
                    0x2B => u32::from(b'-'),
                    0x2F => u32::from(b'_'),
                    c => c,
                })
                .collect();
            patterns.push(Pattern {
                code_points: Zeroizing::new(url_safe),
                base64_edges: edges,
            });
        }
        patterns.push(Pattern {
            code_points: standard,
            base64_edges: edges,
        });
    }
}

/// A character of either base64 alphabet.
fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Adds to `spans` every place in `text` where `pattern` is spelled, each as long as it
/// goes. Every start is tried, overlapping ones too: after `abcab` in `abcabcab` the
/// second `abcab` is masked as well, not left as `cab`.
fn find(text: &[u8], pattern: &[u32], spans: &mut Vec<Range<usize>>) {
    if pattern.is_empty() {
        return;
    }
    let (mut here, mut next) = (Vec::new(), Vec::new());
    for start in 0..text.len() {
        if let Some(end) = spelled_at(text, start, pattern, &mut here, &mut next) {
            spans.push(start..end);
        }
    }
}

/// The end of the longest spelling of `pattern` starting at `start`, if any. The spellings
/// of one character can be prefixes of each other (`\` and `\\`), so every way through is
/// followed: `here` holds where the text may stand after the characters matched so far.
fn spelled_at(
    text: &[u8],
    start: usize,
    pattern: &[u32],
    here: &mut Vec<usize>,
    next: &mut Vec<usize>,
) -> Option<usize> {
    here.clear();
    here.push(start);
    for &cp in pattern {
        next.clear();
        for &at in here.iter() {
            spellings(text, at, cp, next);
        }
        if next.is_empty() {
            return None;
        }
        next.sort_unstable();
        next.dedup();
        std::mem::swap(here, next);
    }
    here.last().copied()
}

/// Pushes to `out` the end of every spelling of the character `cp` that starts at `at`:
///
/// - the character itself (a lone surrogate as U+FFFD, as messages show one), and `+`
///   for a space (form encoding);
/// - its UTF-8 bytes percent-encoded (`%C3%A9`, hex digits in either case);
/// - an escape as Python's `repr`/`str` or JSON writes it, or escaped once more (the
///   `repr` of a text holding JSON doubles the backslash): `\t \n \r \b \f \v \a`, `\xHH`,
///   `\uHHHH` (a UTF-16 pair `\uD83D\uDE00` beyond the BMP), `\UHHHHHHHH`, the UTF-8
///   bytes as `\xHH\xHH`; `'`, `"` and `/` after one to three backslashes (`\'`, `\"`,
///   `\/`, and those escaped again), and `\` itself as two to four.
fn spellings(text: &[u8], at: usize, cp: u32, out: &mut Vec<usize>) {
    let rest = &text[at..];
    let Some(&first) = rest.first() else {
        return;
    };
    let mut utf8 = [0u8; 4];
    let raw = char::from_u32(cp)
        .unwrap_or('\u{FFFD}')
        .encode_utf8(&mut utf8)
        .as_bytes();
    if rest.starts_with(raw) {
        out.push(at + raw.len());
    }
    match first {
        b'+' if cp == 0x20 => out.push(at + 1),
        b'%' => {
            if let Some(n) = hex_bytes(rest, raw, b"%") {
                out.push(at + n);
            }
        }
        b'\\' => escapes(rest, at, cp, raw, out),
        _ => {}
    }
}

/// The escapes of [`spellings`], `rest` starting with a backslash at `at`.
fn escapes(rest: &[u8], at: usize, cp: u32, raw: &[u8], out: &mut Vec<usize>) {
    let run = rest.iter().take_while(|&&b| b == b'\\').count();
    match cp {
        0x5C => out.extend((2..=run.min(4)).map(|n| at + n)),
        0x22 | 0x27 | 0x2F => {
            for n in 1..=run.min(3) {
                if rest.get(n) == Some(&(cp as u8)) {
                    out.push(at + n + 1);
                }
            }
        }
        _ => {}
    }
    // One backslash, or two: the escape escaped once more.
    for k in 1..=run.min(2) {
        let Some((&letter, digits)) = rest[k..].split_first() else {
            continue;
        };
        let end = |n: usize| at + k + 1 + n;
        match letter {
            b'x' => {
                if hex(digits, 2) == Some(cp) {
                    out.push(end(2));
                }
                if cp > 0x7F {
                    let intro: &[u8] = if k == 1 { b"\\x" } else { b"\\\\x" };
                    if let Some(n) = hex_bytes(rest, raw, intro) {
                        out.push(at + n);
                    }
                }
            }
            b'u' => {
                if hex(digits, 4) == Some(cp) {
                    out.push(end(4));
                } else if cp > 0xFFFF {
                    let v = cp - 0x10000;
                    let (high, low) = (0xD800 | (v >> 10), 0xDC00 | (v & 0x3FF));
                    let second = digits.get(4..).and_then(|r| r.get(..k + 1));
                    let intro_again =
                        second.is_some_and(|s| s[..k].iter().all(|&b| b == b'\\') && s[k] == b'u');
                    if hex(digits, 4) == Some(high)
                        && intro_again
                        && hex(&digits[4 + k + 1..], 4) == Some(low)
                    {
                        out.push(end(4 + k + 1 + 4));
                    }
                }
            }
            b'U' => {
                if hex(digits, 8) == Some(cp) {
                    out.push(end(8));
                }
            }
            named => {
                let value = match named {
                    b't' => 0x09,
                    b'n' => 0x0A,
                    b'r' => 0x0D,
                    b'b' => 0x08,
                    b'f' => 0x0C,
                    b'v' => 0x0B,
                    b'a' => 0x07,
                    _ => continue,
                };
                if value == cp {
                    out.push(end(0));
                }
            }
        }
    }
}

/// The value of the `n` hex digits (either case) `text` starts with.
fn hex(text: &[u8], n: usize) -> Option<u32> {
    let digits = text.get(..n)?;
    digits.iter().try_fold(0u32, |acc, &b| {
        Some((acc << 4) | char::from(b).to_digit(16)?)
    })
}

/// The length of `bytes` written each as `intro` and two hex digits (either case) at the
/// start of `text`, if they are.
fn hex_bytes(text: &[u8], bytes: &[u8], intro: &[u8]) -> Option<usize> {
    let mut at = 0;
    for &b in bytes {
        let digits = text.get(at..)?.strip_prefix(intro)?;
        if hex(digits, 2)? != u32::from(b) {
            return None;
        }
        at += intro.len() + 2;
    }
    Some(at)
}

/// `text` up to `keep` with each span (merged where they touch or overlap) replaced by
/// [`MASK`], and how far into `text` that went (past `keep` when a span straddles it).
fn mask(text: &str, mut spans: Vec<Range<usize>>, keep: usize) -> (String, usize) {
    spans.sort_unstable_by_key(|r| r.start);
    let mut out = String::with_capacity(keep + MASK.len());
    let mut at = 0;
    let mut open: Option<Range<usize>> = None;
    for span in spans {
        if span.start >= keep {
            break;
        }
        match &mut open {
            Some(o) if span.start <= o.end => o.end = o.end.max(span.end),
            _ => {
                if let Some(o) = open.take() {
                    out.push_str(&text[at..o.start]);
                    out.push_str(MASK);
                    at = o.end;
                }
                open = Some(span);
            }
        }
    }
    if let Some(o) = open {
        out.push_str(&text[at..o.start]);
        out.push_str(MASK);
        at = o.end;
    }
    if at < keep {
        out.push_str(&text[at..keep]);
        at = keep;
    }
    (out, at)
}

/// The largest character boundary of `text` at or below `n`.
fn floor_boundary(text: &str, n: usize) -> usize {
    let mut n = n.min(text.len());
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::render::write_json_str;
    use crate::pyjson::repr::repr_str;
    use crate::pystr::PyStr;

    fn redactor(secrets: &[&'static str]) -> Redactor<'static> {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s.as_bytes());
        }
        r
    }

    /// Python's `repr(text)` without its quotes (repr.rs, Python's rules).
    fn repr_body(text: &str) -> String {
        let r = repr_str(&PyStr::from(text)).to_string_lossy();
        r[1..r.len() - 1].to_string()
    }

    /// `json.dumps(text)` without its quotes (render.rs, Python's rules: ensure_ascii).
    fn json_body(text: &str) -> String {
        let mut out = Vec::new();
        write_json_str(&PyStr::from(text), &mut out);
        String::from_utf8(out[1..out.len() - 1].to_vec()).unwrap()
    }

    /// `\\u00e9` as `\\u00E9`: another encoder's choice.
    fn upper_hex(json: &str) -> String {
        let mut out = String::new();
        let mut digits = 0usize;
        for c in json.chars() {
            out.push(if digits > 0 {
                c.to_ascii_uppercase()
            } else {
                c
            });
            digits = if out.ends_with("\\u") {
                4
            } else {
                digits.saturating_sub(1)
            };
        }
        out
    }

    fn percent(text: &str, lower: bool) -> String {
        text.bytes()
            .map(|b| match b {
                b' ' => "+".to_string(),
                b if b.is_ascii_alphanumeric() => (b as char).to_string(),
                b if lower => format!("%{b:02x}"),
                b => format!("%{b:02X}"),
            })
            .collect()
    }

    fn b64(bytes: &[u8], url_safe: bool, padded: bool) -> String {
        let mut s = base64::standard(bytes).to_string();
        if url_safe {
            s = s.replace('+', "-").replace('/', "_");
        }
        if !padded {
            s = s.trim_end_matches('=').to_string();
        }
        s
    }

    /// Asserts `text`, cleaned, is `before [redacted] after` around the form.
    fn masks(r: &Redactor, form: &str) {
        let text = format!("bad token <{form}> (sent)");
        assert_eq!(
            r.clean(&text),
            "bad token <[redacted]> (sent)",
            "form {form:?}"
        );
    }

    #[test]
    fn masks_each_credential_and_its_repr_form() {
        let mut r = Redactor::default();
        r.add(b"tok-1");
        r.add(b"it's\\x");
        r.add(b"");
        assert_eq!(
            r.clean("bad token tok-1 (tok-1)"),
            "bad token [redacted] ([redacted])"
        );
        assert_eq!(r.clean("['it\\'s\\\\x']"), "['[redacted]']");
        assert_eq!(r.clean("nothing here"), "nothing here");
        assert_eq!(Redactor::default().clean("as it is"), "as it is");
    }

    /// Control characters, quotes and backslashes, non-printable and non-ASCII characters:
    /// every form Python's repr gives them (both quote styles), JSON's, and each of those
    /// escaped once more.
    #[test]
    fn masks_every_escape_python_and_json_write() {
        const TOKEN: &str = "t\tk\n\r\x01\x7f\\'é\u{80}\u{2028}\u{e0001}😀/\"x";
        const QUOTE: &str = "tok'\t\\x"; // ' and no ": repr picks double quotes
        let r = redactor(&[TOKEN, QUOTE]);
        for form in [
            repr_body(TOKEN),
            json_body(TOKEN),
            upper_hex(&json_body(TOKEN)).replace('/', "\\/"),
            repr_body(&json_body(TOKEN)),
            json_body(&repr_body(TOKEN)),
            repr_body(QUOTE),
            // The single-quoted repr of a longer text holding both quotes.
            repr_body(&format!("\"{QUOTE}"))[1..].to_string(),
            json_body(QUOTE),
        ] {
            masks(&r, &form);
        }
        // The escapes themselves, as each is written.
        assert_eq!(repr_body(QUOTE), "tok'\\t\\\\x");
        assert!(repr_body(TOKEN).contains(r"\t"));
        assert!(repr_body(TOKEN).contains(r"\x01"));
        assert!(repr_body(TOKEN).contains(r"\x7f"));
        assert!(repr_body(TOKEN).contains(r"\x80"));
        assert!(repr_body(TOKEN).contains(r"\u2028"));
        assert!(repr_body(TOKEN).contains(r"\U000e0001"));
        assert!(json_body(TOKEN).contains(r"\ud83d\ude00"));
        // Escaped bytes of the UTF-8 (a bytes repr), and other encoders' choices.
        let r = redactor(&["é\t😀 x"]);
        for form in [
            r"\xc3\xa9\x09\xf0\x9f\x98\x80\x20x",
            r"\u00E9\u0009\U0001F600\u0020\x78",
            r"\\xc3\\xa9\\t\\ud83d\\ude00 x",
        ] {
            masks(&r, form);
        }
        // A lone surrogate: U+FFFD in a message's text, \ud800 in a repr.
        let lone = [b'a', 0xED, 0xA0, 0x80, b'b', b'c'];
        let mut r = Redactor::default();
        r.add(&lone);
        masks(&r, "a\u{FFFD}bc");
        masks(&r, r"a\ud800bc");
    }

    #[test]
    fn masks_percent_encoding() {
        const TOKEN: &str = "tok\t SECRET/é+%'";
        let r = redactor(&[TOKEN]);
        for form in [
            percent(TOKEN, false),
            percent(TOKEN, true),
            percent(TOKEN, true).replace('+', "%20"),
            // Encoders that leave some characters as they are (encodeURIComponent: ').
            "tok%09%20SECRET%2F%C3%a9%2B%25'".to_string(),
        ] {
            masks(&r, &form);
        }
    }

    /// The credential alone, and inside a longer encoded text at each of the 3 alignments
    /// (as `Basic base64("user:" + token)` holds it), in both alphabets, padded or not.
    #[test]
    fn masks_base64_at_every_alignment() {
        const TOKEN: &str = "tok-SECRET-?>~\u{e9}\t";
        let r = redactor(&[TOKEN]);
        for prefix in ["", "u", "us", "user:", "user:x"] {
            for suffix in ["", "!", "!!"] {
                let raw = format!("{prefix}{TOKEN}{suffix}");
                for url_safe in [false, true] {
                    for padded in [false, true] {
                        let encoded = b64(raw.as_bytes(), url_safe, padded);
                        let text = format!("auth: Basic {encoded}; retry");
                        let cleaned = r.clean(&text);
                        assert!(cleaned.contains("[redacted]"), "{text}: {cleaned}");
                        assert!(cleaned.starts_with("auth: Basic "), "{cleaned}");
                        assert!(cleaned.ends_with("; retry"), "{cleaned}");
                        // Not one character that carries the token's bits is left.
                        for align in 0..3 {
                            let mut bytes = vec![0u8; align];
                            bytes.extend_from_slice(TOKEN.as_bytes());
                            let whole = b64(&bytes, url_safe, false);
                            let first = (8 * align).div_ceil(6);
                            let end = 8 * bytes.len() / 6;
                            let middle = &whole[first..end];
                            for piece in middle.as_bytes().windows(4) {
                                let piece = std::str::from_utf8(piece).unwrap();
                                assert!(!cleaned.contains(piece), "{piece} in {cleaned}");
                            }
                        }
                    }
                }
            }
        }
        // Percent-encoded base64 (in a URL).
        let encoded = b64(format!("user:{TOKEN}").as_bytes(), false, true);
        let form = encoded
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let cleaned = r.clean(&format!("GET /?auth={form}"));
        assert!(cleaned.contains("[redacted]"), "{cleaned}");
    }

    /// A credential too short to give 8 base64 characters is not looked for in base64:
    /// ordinary words are not masked (and cannot reveal it), its other forms still are.
    #[test]
    fn tiny_credentials_are_not_looked_for_in_base64() {
        let r = redactor(&["abc"]);
        assert_eq!(r.clean("YWJj and abc"), "YWJj and [redacted]");
        // 7 bytes: 8 characters at every alignment.
        let r = redactor(&["abcdefg"]);
        for prefix in ["", "u", "us"] {
            let text = b64(format!("{prefix}abcdefg").as_bytes(), false, true);
            assert!(r.clean(&text).contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn the_message_keeps_its_words() {
        let r = redactor(&["tok\tSECRET"]);
        assert_eq!(
            r.clean("{'sent': 'Bearer tok\\tSECRET', 'why': 'expired'}"),
            "{'sent': 'Bearer [redacted]', 'why': 'expired'}"
        );
        // Overlapping and adjacent forms become one mask.
        let r = redactor(&["abcab"]);
        assert_eq!(r.clean("x abcabcab y"), "x [redacted] y");
        assert_eq!(r.clean("abcababcab"), "[redacted]");
    }

    #[test]
    fn the_longest_spelling_fits_max_spelling() {
        let form = r"\\xf0\\x9f\\x98\\x80";
        assert_eq!(form.len(), MAX_SPELLING);
        let mut ends = Vec::new();
        spellings(form.as_bytes(), 0, 0x1F600, &mut ends);
        assert_eq!(ends, [MAX_SPELLING]);
    }

    #[test]
    fn cut_after_masking_and_only_the_start_is_searched() {
        let r = redactor(&["tok-SECRET"]);
        // The token straddling the cut is masked whole, not cut in half.
        let text = format!("{}tok-SECRET and more", "x".repeat(296));
        let cleaned = r.clean_within(&text, 300);
        assert!(!cleaned.contains("tok-"), "{cleaned}");
        assert!(cleaned.ends_with("..."), "{cleaned}");
        assert!(cleaned.len() <= 303, "{}", cleaned.len());
        // Short texts are not cut.
        assert_eq!(r.clean_within("bad tok-SECRET", 300), "bad [redacted]");
        // A huge text: the result is the same as cleaning all of it, then cutting.
        let huge = format!("{}tok-SECRET", "tok-SECRET é ".repeat(400_000));
        let cleaned = r.clean_within(&huge, 300);
        assert!(cleaned.starts_with("[redacted] é [redacted]"), "{cleaned}");
        assert!(!cleaned.contains("tok"), "{cleaned}");
        assert!(cleaned.ends_with("..."));
        // Long credentials masked into short masks: what is left is shorter, never a
        // piece of one.
        let long = "L".repeat(200);
        let long: &'static str = Box::leak(long.into_boxed_str());
        let r = redactor(&[long]);
        let text = format!("{long}, ").repeat(50);
        let cleaned = r.clean_within(&text, 300);
        assert!(!cleaned.contains("LL"), "{cleaned}");
    }
}
