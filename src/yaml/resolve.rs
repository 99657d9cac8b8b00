//! Which constructor a node goes to: its explicit tag, or for a plain scalar (and any
//! node tagged `!`) PyYAML's implicit resolvers (`yaml/resolver.py`), the YAML 1.1
//! regular expressions written out by hand. A match means that type, whatever the
//! constructor then makes of the text (`0b_` is an int that `int()` refuses).

/// The tags `SafeConstructor` knows, and the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tag {
    Null,
    Bool,
    Int,
    Float,
    Str,
    /// `<<`: a merge key in a mapping's key; nothing constructs it elsewhere.
    Merge,
    /// `=`: a string in a mapping's key; nothing constructs it elsewhere.
    Value,
    Timestamp,
    Binary,
    Set,
    Omap,
    Pairs,
    Seq,
    Map,
    /// Any other tag: `SafeConstructor` has no constructor for it (`!!python/...`,
    /// `!foo`, `tag:yaml.org,2002:yaml`).
    Other,
}

/// The tag named by its full text (`tag:yaml.org,2002:int`).
pub(super) fn explicit(tag: &str) -> Tag {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some("null") => Tag::Null,
        Some("bool") => Tag::Bool,
        Some("int") => Tag::Int,
        Some("float") => Tag::Float,
        Some("str") => Tag::Str,
        Some("merge") => Tag::Merge,
        Some("value") => Tag::Value,
        Some("timestamp") => Tag::Timestamp,
        Some("binary") => Tag::Binary,
        Some("set") => Tag::Set,
        Some("omap") => Tag::Omap,
        Some("pairs") => Tag::Pairs,
        Some("seq") => Tag::Seq,
        Some("map") => Tag::Map,
        _ => Tag::Other,
    }
}

/// The implicit resolvers on a scalar's text (each an anchored regular expression; at
/// most one can match). `Tag::Str` when none does.
pub(super) fn implicit(value: &str) -> Tag {
    let b = value.as_bytes();
    if is_bool(b) {
        Tag::Bool
    } else if is_float(b) {
        Tag::Float
    } else if is_int(b) {
        Tag::Int
    } else if b == b"<<" {
        Tag::Merge
    } else if matches!(b, b"" | b"~" | b"null" | b"Null" | b"NULL") {
        Tag::Null
    } else if is_timestamp(b) {
        Tag::Timestamp
    } else if b == b"=" {
        Tag::Value
    } else if matches!(b, b"!" | b"&" | b"*") {
        // `tag:yaml.org,2002:yaml`, which nothing constructs.
        Tag::Other
    } else {
        Tag::Str
    }
}

/// `yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF`
fn is_bool(b: &[u8]) -> bool {
    matches!(
        b,
        b"yes"
            | b"Yes"
            | b"YES"
            | b"no"
            | b"No"
            | b"NO"
            | b"true"
            | b"True"
            | b"TRUE"
            | b"false"
            | b"False"
            | b"FALSE"
            | b"on"
            | b"On"
            | b"ON"
            | b"off"
            | b"Off"
            | b"OFF"
    )
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}

fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// The length of the longest prefix of `b` whose bytes all pass `f`.
fn span(b: &[u8], f: impl Fn(u8) -> bool) -> usize {
    b.iter().position(|&c| !f(c)).unwrap_or(b.len())
}

/// `[-+]?` removed.
fn unsigned(b: &[u8]) -> &[u8] {
    match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    }
}

/// `(?:[eE][-+][0-9]+)?$`
fn exponent_end(b: &[u8]) -> bool {
    match b {
        [] => true,
        [b'e' | b'E', b'-' | b'+', digits @ ..] => {
            !digits.is_empty() && digits.iter().all(|&c| digit(c))
        }
        _ => false,
    }
}

/// `(?::[0-5]?[0-9])+`: the length matched from `b` (0 when nothing is). Each group takes
/// two digits when it can; after one digit only `:` or `.` or the end can follow, so this
/// is the only way the pattern can match.
fn sexagesimal(b: &[u8]) -> usize {
    let mut i = 0;
    while b.get(i) == Some(&b':') {
        match (b.get(i + 1), b.get(i + 2)) {
            (Some(b'0'..=b'5'), Some(&c)) if digit(c) => i += 3,
            (Some(&c), _) if digit(c) => i += 2,
            _ => return i,
        }
    }
    i
}

/// ```text
/// [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
/// |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
/// |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
/// |[-+]?\.(?:inf|Inf|INF)
/// |\.(?:nan|NaN|NAN)
/// ```
fn is_float(b: &[u8]) -> bool {
    if matches!(unsigned(b), b".inf" | b".Inf" | b".INF")
        || matches!(b, b".nan" | b".NaN" | b".NAN")
    {
        return true;
    }
    if let Some(rest) = b.strip_prefix(b".") {
        return rest.first().is_some_and(|&c| digit(c))
            && exponent_end(&rest[span(rest, digit_)..]);
    }
    let s = unsigned(b);
    if !s.first().is_some_and(|&c| digit(c)) {
        return false;
    }
    let mut i = span(s, digit_);
    let groups = sexagesimal(&s[i..]);
    i += groups;
    if s.get(i) != Some(&b'.') {
        return false;
    }
    let rest = &s[i + 1..];
    let fraction = span(rest, digit_);
    if groups > 0 {
        fraction == rest.len()
    } else {
        exponent_end(&rest[fraction..])
    }
}

/// ```text
/// [-+]?0b[0-1_]+
/// |[-+]?0[0-7_]+
/// |[-+]?(?:0|[1-9][0-9_]*)
/// |[-+]?0x[0-9a-fA-F_]+
/// |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
/// ```
fn is_int(b: &[u8]) -> bool {
    let s = unsigned(b);
    let all = |rest: &[u8], f: fn(u8) -> bool| !rest.is_empty() && rest.iter().all(|&c| f(c));
    if let Some(rest) = s.strip_prefix(b"0b") {
        return all(rest, |c| matches!(c, b'0' | b'1' | b'_'));
    }
    if let Some(rest) = s.strip_prefix(b"0x") {
        return all(rest, |c| c.is_ascii_hexdigit() || c == b'_');
    }
    if let Some(rest) = s.strip_prefix(b"0") {
        return rest.is_empty() || all(rest, |c| matches!(c, b'0'..=b'7' | b'_'));
    }
    if !s.first().is_some_and(|&c| digit(c)) {
        return false;
    }
    let i = span(s, digit_);
    i == s.len() || i + sexagesimal(&s[i..]) == s.len()
}

/// ```text
/// [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
/// |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
///  (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
///  (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
/// ```
fn is_timestamp(b: &[u8]) -> bool {
    let mut p = Cursor { b, i: 0 };
    if !(p.digits(4, 4) && p.eat(b'-')) {
        return false;
    }
    let date = |p: &mut Cursor| p.digits(1, 2) && p.eat(b'-') && p.digits(1, 2);
    if b.len() == 10
        && b[5..7].iter().all(|&c| digit(c))
        && b[7] == b'-'
        && b[8..].iter().all(|&c| digit(c))
    {
        return true;
    }
    if !date(&mut p) {
        return false;
    }
    if !(p.eat(b'T') || p.eat(b't') || p.blanks() > 0) {
        return false;
    }
    if !(p.digits(1, 2) && p.eat(b':') && p.digits(2, 2) && p.eat(b':') && p.digits(2, 2)) {
        return false;
    }
    if p.eat(b'.') {
        p.digits(0, usize::MAX);
    }
    if p.done() {
        return true;
    }
    p.blanks();
    if p.eat(b'Z') {
        return p.done();
    }
    if !((p.eat(b'-') || p.eat(b'+')) && p.digits(1, 2)) {
        return false;
    }
    if p.eat(b':') && !p.digits(2, 2) {
        return false;
    }
    p.done()
}

/// A reader for [`is_timestamp`].
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        self.i += usize::from(hit);
        hit
    }

    /// Takes between `min` and `max` digits (as many as there are, up to `max`).
    fn digits(&mut self, min: usize, max: usize) -> bool {
        let n = span(&self.b[self.i..], digit).min(max);
        self.i += n;
        n >= min
    }

    /// Takes spaces and tabs; how many.
    fn blanks(&mut self) -> usize {
        let n = span(&self.b[self.i..], |c| c == b' ' || c == b'\t');
        self.i += n;
        n
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_resolver() {
        for (text, tag) in [
            ("yes", Tag::Bool),
            ("yEs", Tag::Str),
            ("y", Tag::Str),
            ("1.0", Tag::Float),
            ("1e3", Tag::Str),
            ("1.0e3", Tag::Str),
            ("1.0e+3", Tag::Float),
            ("1.", Tag::Float),
            ("._5", Tag::Str),
            (".5e-1", Tag::Float),
            ("-.5", Tag::Str),
            ("-.inf", Tag::Float),
            ("-.nan", Tag::Str),
            ("190:20:30.15", Tag::Float),
            ("1:60.5", Tag::Str),
            ("1:30", Tag::Int),
            ("0:30", Tag::Str),
            ("1:5:9", Tag::Int),
            ("0755", Tag::Int),
            ("08", Tag::Str),
            ("0o17", Tag::Str),
            ("0x_", Tag::Int),
            ("0b", Tag::Str),
            ("-0", Tag::Int),
            ("+", Tag::Str),
            ("1_000", Tag::Int),
            ("_1", Tag::Str),
            ("<<", Tag::Merge),
            ("", Tag::Null),
            ("~", Tag::Null),
            ("nULL", Tag::Str),
            ("2001-12-14", Tag::Timestamp),
            ("2001-1-1", Tag::Str),
            ("2001-1-1 1:02:03", Tag::Timestamp),
            ("2001-12-14t21:59:43.10-05:00", Tag::Timestamp),
            ("2001-12-14 21:59:43.10 Z", Tag::Timestamp),
            ("2001-12-14 21:59:43.10 ", Tag::Str),
            ("2001-12-14 21:59:43.10-5:0", Tag::Str),
            ("=", Tag::Value),
            ("*", Tag::Other),
        ] {
            assert_eq!(implicit(text), tag, "{text:?}");
        }
    }
}
