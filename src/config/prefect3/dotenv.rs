//! `.env` files as python-dotenv 1.2 reads them (`dotenv_values`, which pydantic-settings
//! calls): one binding per line, `export ` prefixes, single- and double-quoted values with
//! their own escapes, `#` comments, a line that does not parse skipped (up to its end),
//! then `${VAR}` / `${VAR:-default}` interpolation.

use indexmap::IndexMap;

/// The bindings of a `.env` file in file order: a name given twice keeps its first
/// position and its last value; a name without `=` maps to `None` (set to nothing).
pub type Bindings = IndexMap<String, Option<String>>;

/// Python's `\s` on `str`: Unicode whitespace plus the four separators `\x1c`..`\x1f`.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `[^\S\r\n]`: whitespace that does not end a line.
fn is_inline_space(c: char) -> bool {
    is_py_space(c) && c != '\r' && c != '\n'
}

/// The parse error of one binding; the rest of its line is then skipped.
struct Skip;

struct Reader<'a> {
    s: &'a str,
    pos: usize,
    /// Where the binding being read starts (its name, past leading space).
    start: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_while(&mut self, f: impl Fn(char) -> bool) -> &str {
        let start = self.pos;
        let len: usize = self
            .rest()
            .chars()
            .take_while(|&c| f(c))
            .map(char::len_utf8)
            .sum();
        self.pos += len;
        &self.s[start..self.pos]
    }

    /// `[^\r\n]*(?:\r|\n|\r\n)?` — the regex tries `\r` before `\r\n`, so a CRLF is
    /// consumed as its `\r` only, and the `\n` starts the next (empty) binding.
    fn skip_rest_of_line(&mut self) {
        self.skip_while(|c| c != '\r' && c != '\n');
        if matches!(self.peek(), Some('\r' | '\n')) {
            self.pos += 1;
        }
    }

    /// `[^\S\r\n]*(?:\r\n|\n|\r|$)`.
    fn end_of_line(&mut self) -> Result<(), Skip> {
        self.skip_while(is_inline_space);
        let r = self.rest();
        if r.starts_with("\r\n") {
            self.pos += 2;
        } else if r.starts_with('\n') || r.starts_with('\r') {
            self.pos += 1;
        } else if !r.is_empty() {
            return Err(Skip);
        }
        Ok(())
    }

    /// A quoted value, `quote` already seen: `(?:\\.|[^q\\])*` then the closing quote
    /// (DOTALL: it may span lines). Returns the text between the quotes, escapes kept.
    fn quoted(&mut self, quote: char) -> Result<&str, Skip> {
        let body_start = self.pos + 1;
        let mut chars = self.s[body_start..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                if chars.next().is_none() {
                    return Err(Skip);
                }
            } else if c == quote {
                self.pos = body_start + i + 1;
                return Ok(&self.s[body_start..body_start + i]);
            }
        }
        Err(Skip)
    }

    fn key(&mut self) -> Result<Option<String>, Skip> {
        match self.peek() {
            Some('#') => Ok(None),
            Some('\'') => {
                // `'([^']+)'`
                let body = &self.rest()[1..];
                match body.find('\'') {
                    Some(end) if end > 0 => {
                        let key = body[..end].to_owned();
                        self.pos += end + 2;
                        Ok(Some(key))
                    }
                    _ => Err(Skip),
                }
            }
            _ => {
                let key = self.skip_while(|c| c != '=' && c != '#' && !is_py_space(c));
                if key.is_empty() {
                    return Err(Skip);
                }
                Ok(Some(key.to_owned()))
            }
        }
    }

    fn value(&mut self) -> Result<String, Skip> {
        match self.peek() {
            Some('\'') => Ok(unescape(self.quoted('\'')?, "\\'")),
            Some('"') => Ok(unescape(self.quoted('"')?, "\\'\"abfnrtv")),
            None | Some('\n' | '\r') => Ok(String::new()),
            Some(_) => {
                let part = self.skip_while(|c| c != '\r' && c != '\n');
                Ok(strip_inline_comment(part)
                    .trim_end_matches(is_py_space)
                    .to_owned())
            }
        }
    }

    /// One binding: `Ok(None)` for a blank or comment line, `Err` for one that does not
    /// parse (python-dotenv warns and goes on).
    fn binding(&mut self) -> Result<Option<(String, Option<String>)>, Skip> {
        self.skip_while(is_py_space);
        self.start = self.pos;
        if self.rest().is_empty() {
            return Ok(None);
        }
        if let Some(after) = self.rest().strip_prefix("export") {
            let spaces: usize = after
                .chars()
                .take_while(|&c| is_inline_space(c))
                .map(char::len_utf8)
                .sum();
            if spaces > 0 {
                self.pos += "export".len() + spaces;
            }
        }
        let key = self.key()?;
        self.skip_while(is_inline_space);
        let mut value = None;
        if self.peek() == Some('=') {
            self.pos += 1;
            let spaces = self.skip_while(is_inline_space).len();
            // `KEY= # comment` is empty; `KEY=#x` is the value `#x`.
            value = Some(if spaces > 0 && self.peek() == Some('#') {
                String::new()
            } else {
                self.value()?
            });
        }
        // `(?:[^\S\r\n]*#[^\r\n]*)?`
        let save = self.pos;
        self.skip_while(is_inline_space);
        if self.peek() == Some('#') {
            self.skip_while(|c| c != '\r' && c != '\n');
        } else {
            self.pos = save;
        }
        self.end_of_line()?;
        Ok(key.map(|k| (k, value)))
    }
}

/// `re.sub(r"\s+#.*", "", part)`: from the first whitespace run followed by `#`.
fn strip_inline_comment(part: &str) -> &str {
    let mut run_start = None;
    for (i, c) in part.char_indices() {
        if is_py_space(c) {
            run_start.get_or_insert(i);
        } else if c == '#' && run_start.is_some() {
            return &part[..run_start.unwrap_or(i)];
        } else {
            run_start = None;
        }
    }
    part
}

/// `decode_escapes`: a backslash followed by one of `escapable` becomes that character
/// (`\n`, `\t`... their control characters); any other backslash stays as written.
fn unescape(text: &str, escapable: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&n) if c == '\\' && escapable.contains(n) => {
                chars.next();
                out.push(match n {
                    'a' => '\x07',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\x0b',
                    other => other,
                });
            }
            _ => out.push(c),
        }
    }
    out
}

/// Parses a `.env` text (a leading byte order mark is dropped) without interpolation.
#[cfg(test)]
pub fn parse(text: &str) -> Vec<(String, Option<String>)> {
    parse_lines(text).into_iter().map(|(b, _)| b).collect()
}

/// [`parse`], with the line (from 1) each binding starts on, for reports.
pub fn parse_lines(text: &str) -> Vec<((String, Option<String>), u32)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = Reader {
        s: text,
        pos: 0,
        start: 0,
    };
    let mut out = Vec::new();
    // Lines counted as the reader moves on, never from the start again.
    let (mut counted, mut line) = (0, 1u32);
    while r.pos < text.len() {
        match r.binding() {
            Ok(Some(b)) => {
                line += text[counted..r.start].matches('\n').count() as u32;
                counted = r.start;
                out.push((b, line));
            }
            Ok(None) => {}
            Err(Skip) => r.skip_rest_of_line(),
        }
    }
    out
}

/// `${name}` or `${name:-default}` expanded, each binding against the process
/// environment overlaid with the bindings above it (python-dotenv's `override=True`):
/// an earlier line beats the environment. A name bound to nothing (no `=`) expands to
/// the empty text, as does an unknown name without a default.
pub fn interpolate(
    bindings: Vec<(String, Option<String>)>,
    env: impl Fn(&str) -> Option<String>,
) -> Bindings {
    let mut done = Bindings::new();
    for (name, value) in bindings {
        let value =
            value.map(|v| expand(&v, |n| done.get(n).cloned().or_else(|| env(n).map(Some))));
        done.insert(name, value);
    }
    done
}

/// One value's `${...}` references, left to right, never re-expanded.
fn expand(value: &str, lookup: impl Fn(&str) -> Option<Option<String>>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(close) = after.find('}') else { break };
        let inner = &after[..close];
        // `(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?`: a `:` not followed by `-` stops
        // the match; the regex then looks for the next `${`.
        let (name, default) = match inner.find(':') {
            None => (inner, None),
            Some(i) if inner[i..].starts_with(":-") => (&inner[..i], Some(&inner[i + 2..])),
            Some(_) => {
                out.push_str(&rest[..start + 2]);
                rest = after;
                continue;
            }
        };
        out.push_str(&rest[..start]);
        match lookup(name) {
            Some(found) => out.push_str(found.as_deref().unwrap_or("")),
            None => out.push_str(default.unwrap_or("")),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(text: &str) -> Vec<(String, Option<String>)> {
        parse(text)
    }

    fn one(text: &str) -> Option<String> {
        let v = vals(text);
        assert_eq!(v.len(), 1, "{text:?} gave {v:?}");
        v[0].1.clone()
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(one("A=\"x y\"\n").as_deref(), Some("x y"));
        assert_eq!(one("A='x y'\n").as_deref(), Some("x y"));
        assert_eq!(
            one("A=\"a\\nb\\tc\\\"d\\\\e\\x\"").as_deref(),
            Some("a\nb\tc\"d\\e\\x")
        );
        assert_eq!(one("A='a\\nb\\'c'").as_deref(), Some("a\\nb'c"));
        assert_eq!(one("A=\"l1\nl2\"\n").as_deref(), Some("l1\nl2"));
    }

    #[test]
    fn comments_export_and_spaces() {
        assert_eq!(one("export A=1").as_deref(), Some("1"));
        assert_eq!(vals("exportA=1")[0].0, "exportA");
        assert_eq!(one("A = v  # c\n").as_deref(), Some("v"));
        assert_eq!(one("A=k#nc").as_deref(), Some("k#nc"));
        assert_eq!(one("A= #c").as_deref(), Some(""));
        assert_eq!(one("A=\"h#x\" # c").as_deref(), Some("h#x"));
        assert_eq!(one("A=").as_deref(), Some(""));
        assert_eq!(one("A"), None);
        assert!(vals("# only\n\n  # indented\n").is_empty());
    }

    #[test]
    fn bad_lines_are_skipped() {
        assert_eq!(
            vals("this is = not 'valid\nB=after\n"),
            vec![("B".to_owned(), Some("after".to_owned()))]
        );
        assert!(vals("A=\"open\n").is_empty());
        assert_eq!(vals("=x\nB=1")[0].0, "B");
    }

    #[test]
    fn each_binding_has_its_line() {
        let lines: Vec<(String, u32)> = parse_lines("# c\nA=1\n\nB=\"x\ny\"\nC=2\r\nexport D=3")
            .into_iter()
            .map(|((n, _), l)| (n, l))
            .collect();
        let want = [("A", 1 + 1), ("B", 4), ("C", 6), ("D", 7)];
        assert_eq!(lines, want.map(|(n, l)| (n.to_string(), l)));
    }

    #[test]
    fn crlf_bom_and_duplicates() {
        let v = vals("\u{feff}A=1\r\nB=2\r\nA=3");
        let b = interpolate(v, |_| None);
        assert_eq!(b.get("A"), Some(&Some("3".to_owned())));
        assert_eq!(b.get("B"), Some(&Some("2".to_owned())));
        assert_eq!(b.get_index_of("A"), Some(0));
    }

    #[test]
    fn interpolation() {
        let env = |n: &str| (n == "E").then(|| "env".to_owned());
        let b = interpolate(
            vals("E=file\nX=${E}/${MISSING:-d}/${MISSING}/$E/${E:x}\nN\nY=${N:-d}"),
            env,
        );
        assert_eq!(b["X"].as_deref(), Some("file/d//$E/${E:x}"));
        assert_eq!(b["Y"].as_deref(), Some(""));
        let b = interpolate(vals("X='${E}'"), env);
        assert_eq!(b["X"].as_deref(), Some("env"));
    }
}
