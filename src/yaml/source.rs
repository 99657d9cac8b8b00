//! The text as PyYAML's reader and scanner take it, where they differ from the YAML 1.2
//! scanner under `compose`: which characters may appear at all, which are line breaks,
//! the `%YAML` directive, and anchor names. Also positions (the parser counts characters;
//! the text is indexed by bytes).

use super::refuse;
use crate::error::Error;

/// The template as text, refused when PyYAML's reader would refuse it or read it
/// differently from the parser.
pub(super) fn check(bytes: &[u8]) -> Result<&str, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        refuse(line, "the text is not UTF-8")
    })?;
    let mut line = 1;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\n' => line += 1,
            '\r' if chars.peek().map(|&(_, c)| c) != Some('\n') => line += 1,
            '\u{85}' | '\u{2028}' | '\u{2029}' => {
                return Err(refuse(
                    line,
                    "a NEL, LINE SEPARATOR or PARAGRAPH SEPARATOR character, which PyYAML \
                     reads as a line break (write it as \\N, \\L or \\P in a double-quoted \
                     string)",
                ));
            }
            '\u{FEFF}' if at > 0 => {
                return Err(refuse(
                    line,
                    "a byte order mark (U+FEFF) after the start (write it as \\uFEFF in a \
                     double-quoted string)",
                ));
            }
            c if !printable(c) => {
                return Err(refuse(
                    line,
                    "a control character or non-character, which PyYAML refuses (write it \
                     as an escape in a double-quoted string)",
                ));
            }
            _ => {}
        }
    }
    check_prologue(text)?;
    Ok(text)
}

/// PyYAML's reader: `[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]`
/// is refused.
fn printable(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// What comes before the document, as PyYAML reads it: directives named with letters,
/// digits, `-` and `_` then a space; a `%YAML` directive it reads (`%YAML 1.x`, spaces,
/// an optional comment: it refuses any major version but 1, which the parser does not
/// check); no `...` before the document.
fn check_prologue(text: &str) -> Result<(), Error> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some(directive) = line.strip_prefix('%') else {
            let content = line.trim_start_matches([' ', '\t']);
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if line
                .strip_prefix("...")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
            {
                return Err(refuse(
                    i + 1,
                    "a document end marker (...) before any document (PyYAML refuses it)",
                ));
            }
            return Ok(());
        };
        let name_end = directive
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(directive.len());
        if name_end == 0 || !matches!(directive[name_end..].chars().next(), None | Some(' ')) {
            return Err(refuse(
                i + 1,
                "a directive PyYAML does not read (a name of letters, digits, - and _, \
                 then a space)",
            ));
        }
        if &directive[..name_end] != "YAML" {
            continue;
        }
        match yaml_version(&directive[name_end..]) {
            Some(true) => {}
            Some(false) => {
                return Err(refuse(
                    i + 1,
                    "a %YAML directive for a version other than 1.x (PyYAML refuses it)",
                ));
            }
            None => {
                return Err(refuse(
                    i + 1,
                    "a %YAML directive PyYAML does not read (it takes `%YAML 1.1`)",
                ));
            }
        }
    }
    Ok(())
}

/// After `%YAML`: `Some(major == 1)` when PyYAML reads the rest (` +digits.digits`, then
/// spaces and a comment), `None` when it refuses it.
fn yaml_version(rest: &str) -> Option<bool> {
    let rest = rest.strip_prefix(' ')?.trim_start_matches(' ');
    let (major, rest) = rest.split_once('.')?;
    let minor_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (minor, tail) = rest.split_at(minor_end);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    if !tail.is_empty() {
        let comment = tail.strip_prefix(' ')?.trim_start_matches(' ');
        if !(comment.is_empty() || comment.starts_with('#')) {
            return None;
        }
    }
    Some(major.trim_start_matches('0') == "1")
}

/// Byte offsets of the parser's character indexes, asked for in about increasing order
/// (the events' order, each event's start then its end): a cursor that moves from one
/// to the next, linear over the whole text.
pub(super) struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> Offsets<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Offsets {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    /// The byte offset of character `index` (the text's length past its end).
    pub(super) fn byte(&mut self, index: usize) -> usize {
        if self.ascii {
            return index.min(self.text.len());
        }
        let mut back = self.text[..self.bytes].chars().rev();
        while self.chars > index {
            let Some(c) = back.next() else { break };
            self.chars -= 1;
            self.bytes -= c.len_utf8();
        }
        let mut ahead = self.text[self.bytes..].chars();
        while self.chars < index {
            let Some(c) = ahead.next() else { break };
            self.chars += 1;
            self.bytes += c.len_utf8();
        }
        self.bytes
    }
}

/// The anchor (`&name`) or alias (`*name`) name of a node whose properties start at byte
/// `at`: the name as the parser reads it (up to a space or a flow indicator), when it is
/// also one PyYAML reads the same way (`[0-9A-Za-z_-]+`, not directly followed by `[` or
/// `{`); `Err(())` otherwise.
pub(super) fn anchor_name(text: &str, at: usize, sigil: char) -> Result<&str, ()> {
    let mut rest = text.get(at..).ok_or(())?;
    if sigil == '&' && rest.starts_with('!') {
        // A tag first: skip it, and the spaces, line breaks and comments after it.
        let end = rest.find([' ', '\t', '\r', '\n']).ok_or(())?;
        rest = &rest[end..];
        loop {
            rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
            if !rest.starts_with('#') {
                break;
            }
            rest = &rest[rest.find(['\r', '\n']).unwrap_or(rest.len())..];
        }
    }
    let rest = rest.strip_prefix(sigil).ok_or(())?;
    let end = rest
        .find([' ', '\t', '\r', '\n', ',', '[', ']', '{', '}'])
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(end);
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() || !name.chars().all(word) || after.starts_with(['[', '{']) {
        return Err(());
    }
    Ok(name)
}

/// Where a scalar's token starts when its node's properties (tag, anchor) start at
/// byte `at`: past them and the spaces, line breaks and comments around them.
pub(super) fn skip_properties(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(at) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' | b'!' | b'&' => {
                let stop: &[u8] = if b == b'#' { b"\r\n" } else { b" \t\r\n" };
                at += bytes[at..]
                    .iter()
                    .position(|c| stop.contains(c))
                    .unwrap_or(bytes.len() - at);
            }
            _ => break,
        }
    }
    at
}

/// The end of the quoted scalar starting at byte `at` (its opening quote): past its
/// closing quote (`''` and `\"` are inside it).
pub(super) fn quoted_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let quote = bytes.get(at).copied().unwrap_or(b'"');
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            _ if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// PyYAML's scanner skips only spaces between tokens and ends a plain scalar at a tab:
/// a tab is read only inside a quoted scalar, inside a block scalar's content, and in a
/// comment. `inside` are the byte ranges of the first two, in order.
pub(super) fn check_tabs(text: &str, inside: &[(usize, usize)]) -> Result<(), Error> {
    let mut ranges = inside.iter().peekable();
    let mut line = 1;
    let mut comment = false;
    let mut after_space = true;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        while ranges.peek().is_some_and(|&&(_, end)| end <= at) {
            ranges.next();
        }
        let quoted = ranges.peek().is_some_and(|&&(start, _)| start <= at);
        match c {
            '\n' => {
                line += 1;
                comment = false;
            }
            '\r' => {
                if chars.peek().map(|&(_, c)| c) != Some('\n') {
                    line += 1;
                }
                comment = false;
            }
            '#' if !quoted && after_space => comment = true,
            '\t' if !quoted && !comment => {
                return Err(refuse(
                    line,
                    "a tab outside a quoted string, a block scalar's text or a comment \
                     (PyYAML refuses it: indent and separate with spaces)",
                ));
            }
            _ => {}
        }
        after_space = matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_directives_as_pyyaml_reads_them() {
        assert_eq!(yaml_version(" 1.1"), Some(true));
        assert_eq!(yaml_version("   01.2  # c"), Some(true));
        assert_eq!(yaml_version(" 2.0"), Some(false));
        assert_eq!(yaml_version(" 1.1#c"), None);
        assert_eq!(yaml_version("\t1.1"), None);
        assert_eq!(yaml_version(" 1"), None);
        assert_eq!(yaml_version(" 1.1 x"), None);
    }

    #[test]
    fn anchor_names() {
        assert_eq!(anchor_name("&a-1_B x", 0, '&'), Ok("a-1_B"));
        assert_eq!(anchor_name("!!str  # c\n  &a x", 0, '&'), Ok("a"));
        assert_eq!(anchor_name("*a]", 0, '*'), Ok("a"));
        assert_eq!(anchor_name("&a.b x", 0, '&'), Err(()));
        assert_eq!(anchor_name("&a[1]", 0, '&'), Err(()));
    }

    #[test]
    fn tabs_where_pyyaml_reads_them() {
        assert!(check_tabs("a: 1 # x\ty", &[]).is_ok());
        assert!(check_tabs("a: 1\t# x", &[]).is_err());
        assert!(check_tabs("a: \"\t\"", &[(3, 6)]).is_ok());
        assert!(check_tabs("a: \"x\"\t", &[(3, 6)]).is_err());
        assert!(check_tabs("a: x#\t", &[]).is_err());
    }

    #[test]
    fn ends_of_quoted_scalars() {
        assert_eq!(quoted_end("'it''s' x", 0), 7);
        assert_eq!(quoted_end(r#""a\"b" x"#, 0), 6);
        assert_eq!(quoted_end("'open", 0), 5);
    }

    #[test]
    fn properties_skipped() {
        assert_eq!(skip_properties("!!str &a # c\n  \"x\"", 0), 15);
        assert_eq!(skip_properties("\"x\"", 0), 0);
    }

    #[test]
    fn offsets_of_characters() {
        let mut o = Offsets::new("é&a");
        assert_eq!(o.byte(1), 2);
        assert_eq!(o.byte(2), 3);
        assert_eq!(o.byte(0), 0);
        assert_eq!(o.byte(9), 4);
    }
}
