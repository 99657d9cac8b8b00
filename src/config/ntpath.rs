//! Python 3.11's `ntpath.expandvars` and `ntpath.expanduser`: what `os.path.expandvars`
//! and `os.path.expanduser` do when Prefect runs on Windows, as pure functions.
//!
//! - `expandvars`: `$name` (name characters `[A-Za-z0-9_-]`), `${name}` and `%name%`;
//!   `$$` and `%%` become one character; nothing expands inside single quotes (the
//!   quotes are kept, an unterminated quote runs to the end); unknown variables and an
//!   unterminated `${` or `%` stay as written. A value is never expanded again.
//! - `expanduser`: a leading `~` or `~user` (up to the first `\` or `/`) becomes
//!   `USERPROFILE`, or else `HOMEDRIVE` joined with `HOMEPATH` (never `HOME`); without
//!   either the text stays as it is. `~user` for another user is guessed as a sibling of
//!   the current profile, and only when that profile's basename equals `USERNAME`. The home
//!   is used as it is (no separator is trimmed or added).
//!
//! `env(name)` looks a variable up; the caller makes it case-insensitive, as Windows'
//! `os.environ` is. Python looks up whatever sits between the delimiters, an empty name
//! too, so `env` is called with exactly that text. A name holding a lone surrogate cannot
//! be passed as `&str` and counts as unknown.
//!
//! Every delimiter (`$ { } % ' ~ \ / :`) is ASCII, and in a `PyStr`'s generalized UTF-8
//! an ASCII byte is always that character, so the text is scanned byte by byte and cut
//! only next to those bytes.

use super::ConfigError;
use super::expand::{shown_var, too_long};
use crate::pystr::PyStr;

fn is_varchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_sep(b: u8) -> bool {
    b == b'\\' || b == b'/'
}

fn lookup(env: &dyn Fn(&str) -> Option<PyStr>, name: &[u8]) -> Option<PyStr> {
    std::str::from_utf8(name).ok().and_then(env)
}

/// Appends the value of `name`, or `written` (the text as it stands) when it is unknown;
/// fails, before appending, when the value would take `out` past `limit` bytes (`cap`,
/// the value cap, is for the message).
fn expand(
    out: &mut PyStr,
    env: &dyn Fn(&str) -> Option<PyStr>,
    name: &[u8],
    written: &[u8],
    (limit, cap): (usize, usize),
) -> Result<(), ConfigError> {
    match lookup(env, name) {
        Some(v) if out.byte_len() + v.byte_len() > limit => {
            Err(too_long(&(shown_var("%", name) + "%"), cap))
        }
        Some(v) => {
            out.push_py(&v);
            Ok(())
        }
        None => {
            out.push_gutf8(written);
            Ok(())
        }
    }
}

fn find(bytes: &[u8], from: usize, b: u8) -> Option<usize> {
    bytes[from..].iter().position(|&c| c == b).map(|p| from + p)
}

/// `ntpath.expandvars`; a result longer than `limit` bytes is an error (see
/// [`super::expand::too_long`], told `cap`), found before it is built.
pub fn expandvars(
    s: &PyStr,
    env: &dyn Fn(&str) -> Option<PyStr>,
    limit: usize,
    cap: usize,
) -> Result<PyStr, ConfigError> {
    let b = s.as_bytes();
    if !b.contains(&b'$') && !b.contains(&b'%') {
        return Ok(s.clone());
    }
    let n = b.len();
    let mut out = PyStr::new();
    let mut i = 0;
    while i < n {
        match b[i] {
            b'\'' => {
                let end = find(b, i + 1, b'\'').map_or(n, |j| j + 1);
                out.push_gutf8(&b[i..end]);
                i = end;
            }
            b'%' if b.get(i + 1) == Some(&b'%') => {
                out.push_str("%");
                i += 2;
            }
            b'%' => match find(b, i + 1, b'%') {
                Some(j) => {
                    expand(&mut out, env, &b[i + 1..j], &b[i..=j], (limit, cap))?;
                    i = j + 1;
                }
                None => {
                    out.push_gutf8(&b[i..]);
                    i = n;
                }
            },
            b'$' => match b.get(i + 1) {
                Some(b'$') => {
                    out.push_str("$");
                    i += 2;
                }
                Some(b'{') => match find(b, i + 2, b'}') {
                    Some(j) => {
                        expand(&mut out, env, &b[i + 2..j], &b[i..=j], (limit, cap))?;
                        i = j + 1;
                    }
                    None => {
                        out.push_gutf8(&b[i..]);
                        i = n;
                    }
                },
                _ => {
                    let end = i + 1 + b[i + 1..].iter().take_while(|&&c| is_varchar(c)).count();
                    expand(&mut out, env, &b[i + 1..end], &b[i..end], (limit, cap))?;
                    i = end;
                }
            },
            _ => {
                let end = b[i..]
                    .iter()
                    .position(|&c| matches!(c, b'\'' | b'%' | b'$'))
                    .map_or(n, |p| i + p);
                out.push_gutf8(&b[i..end]);
                i = end;
            }
        }
    }
    if out.byte_len() > limit {
        return Err(too_long("its variables", cap));
    }
    Ok(out)
}

/// `ntpath.expanduser`.
pub fn expanduser(s: &PyStr, env: &dyn Fn(&str) -> Option<PyStr>) -> PyStr {
    let b = s.as_bytes();
    if b.first() != Some(&b'~') {
        return s.clone();
    }
    let i = 1 + b[1..].iter().take_while(|&&c| !is_sep(c)).count();
    let mut userhome = match env("USERPROFILE") {
        Some(profile) => profile.as_bytes().to_vec(),
        None => match env("HOMEPATH") {
            None => return s.clone(),
            Some(path) => {
                let drive = env("HOMEDRIVE").unwrap_or_default();
                join(drive.as_bytes(), path.as_bytes())
            }
        },
    };
    if i != 1 {
        let target = &b[1..i];
        let current = env("USERNAME");
        if current.as_ref().map(PyStr::as_bytes) != Some(target) {
            // Python guesses a sibling of the current profile, and only when the profile
            // looks like a normal one (named after the current user).
            if current.as_ref().map(PyStr::as_bytes) != Some(basename(&userhome)) {
                return s.clone();
            }
            userhome = join(&dirname(&userhome), target);
        }
    }
    userhome.extend_from_slice(&b[i..]);
    PyStr::from_gutf8(userhome)
}

/// `ntpath.splitdrive`: a drive letter (`C:`), a UNC share (`\\server\share`, also
/// `\\?\UNC\server\share`) or a device (`\\.\pipe`), and the rest.
fn splitdrive(p: &[u8]) -> (&[u8], &[u8]) {
    if p.len() >= 2 && is_sep(p[0]) && is_sep(p[1]) {
        // Python compares `normp[:8].upper()` with `\\?\UNC\`; no character outside ASCII
        // upper-cases to any of those characters, so an ASCII comparison is exact.
        let unc_prefix = b"\\\\?\\UNC\\";
        let start = if p.len() >= 8
            && p[..8].iter().zip(unc_prefix).all(|(&c, &u)| {
                if is_sep(u) {
                    is_sep(c)
                } else {
                    c.to_ascii_uppercase() == u
                }
            }) {
            8
        } else {
            2
        };
        let Some(index) = p[start..]
            .iter()
            .position(|&c| is_sep(c))
            .map(|x| start + x)
        else {
            return (p, &[]);
        };
        let Some(index2) = p[index + 1..]
            .iter()
            .position(|&c| is_sep(c))
            .map(|x| index + 1 + x)
        else {
            return (p, &[]);
        };
        return p.split_at(index2);
    }
    // Python's test is `normp[1:2] == ':'`: any first character, then a colon.
    let first = match p.first() {
        None => return (&[], p),
        Some(&c) if c < 0x80 => 1,
        Some(&c) if c < 0xE0 => 2,
        Some(&c) if c < 0xF0 => 3,
        Some(_) => 4,
    };
    if p.get(first) == Some(&b':') {
        return p.split_at(first + 1);
    }
    (&[], p)
}

/// `ntpath.split`: (dirname, basename).
fn split(p: &[u8]) -> (Vec<u8>, &[u8]) {
    let (drive, rest) = splitdrive(p);
    let i = rest.len() - rest.iter().rev().take_while(|&&c| !is_sep(c)).count();
    let (head, tail) = rest.split_at(i);
    let trimmed = &head[..head.len() - head.iter().rev().take_while(|&&c| is_sep(c)).count()];
    let head = if trimmed.is_empty() { head } else { trimmed };
    ([drive, head].concat(), tail)
}

fn dirname(p: &[u8]) -> Vec<u8> {
    split(p).0
}

fn basename(p: &[u8]) -> &[u8] {
    split(p).1
}

/// Python's `str.lower()` of a piece of a `PyStr`.
fn lower(b: &[u8]) -> PyStr {
    PyStr::from_gutf8(b.to_vec()).to_lowercase()
}

/// `ntpath.join(path, p)` of two paths.
fn join(path: &[u8], p: &[u8]) -> Vec<u8> {
    let (first_drive, first_path) = splitdrive(path);
    let (p_drive, p_path) = splitdrive(p);
    let (drive, rest) = if p_path.first().is_some_and(|&c| is_sep(c)) {
        // The second path is absolute: it keeps the first drive only when it has none.
        let drive = if p_drive.is_empty() {
            first_drive
        } else {
            p_drive
        };
        (drive, p_path.to_vec())
    } else if !p_drive.is_empty() && p_drive != first_drive && lower(p_drive) != lower(first_drive)
    {
        // Another drive: the first path is dropped.
        (p_drive, p_path.to_vec())
    } else {
        // Relative to the first path (on the same drive, maybe spelled in another case).
        let drive = if p_drive.is_empty() {
            first_drive
        } else {
            p_drive
        };
        let mut rest = first_path.to_vec();
        if first_path.last().is_some_and(|&c| !is_sep(c)) {
            rest.push(b'\\');
        }
        rest.extend_from_slice(p_path);
        (drive, rest)
    };
    let mut out = drive.to_vec();
    // A separator between a UNC drive and a relative path.
    if rest.first().is_some_and(|&c| !is_sep(c)) && drive.last().is_some_and(|&c| c != b':') {
        out.push(b'\\');
    }
    out.extend_from_slice(&rest);
    out
}

#[cfg(test)]
mod tests {
    //! Every expected value below comes from the real Python 3.11 `ntpath`; regenerate
    //! them with `python3 tests/conformance/ntpath_cases.py --update src/config/ntpath.rs`
    //! (see that script), never by hand.

    use super::cases::*;
    use super::*;

    /// A case-insensitive lookup, as Windows' `os.environ` does it (`str.upper`).
    fn lookup_in(env: Env) -> impl Fn(&str) -> Option<PyStr> {
        move |name: &str| {
            let key = name.to_uppercase();
            env.iter()
                .find(|(k, _)| k.to_uppercase() == key)
                .map(|(_, v)| PyStr::from(*v))
        }
    }

    fn show(s: &str) -> String {
        format!("{s:?}")
    }

    #[test]
    fn expandvars_matches_python() {
        let env = lookup_in(VARS_ENV);
        let mut failed = Vec::new();
        for &(input, expected) in VARS_CASES {
            let got = expandvars(&PyStr::from(input), &env, usize::MAX, usize::MAX)
                .unwrap()
                .to_string_lossy();
            if got != expected {
                failed.push(format!(
                    "expandvars({}) = {} expected {}",
                    show(input),
                    show(&got),
                    show(expected)
                ));
            }
        }
        assert!(
            failed.is_empty(),
            "{} of {} cases:\n{}",
            failed.len(),
            VARS_CASES.len(),
            failed.join("\n")
        );
    }

    #[test]
    fn expanduser_matches_python() {
        let mut failed = Vec::new();
        for &(env, input, expected) in USER_CASES {
            let got = expanduser(&PyStr::from(input), &lookup_in(env)).to_string_lossy();
            if got != expected {
                failed.push(format!(
                    "expanduser({}) under {env:?} = {} expected {}",
                    show(input),
                    show(&got),
                    show(expected)
                ));
            }
        }
        assert!(
            failed.is_empty(),
            "{} of {} cases:\n{}",
            failed.len(),
            USER_CASES.len(),
            failed.join("\n")
        );
    }

    #[test]
    fn split_and_join_match_python() {
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        let mut failed = Vec::new();
        for &(p, dir, base) in SPLIT_CASES {
            let (d, b) = (text(&dirname(p.as_bytes())), text(basename(p.as_bytes())));
            if d != dir || b != base {
                failed.push(format!(
                    "split({}) = ({}, {}) expected ({}, {})",
                    show(p),
                    show(&d),
                    show(&b),
                    show(dir),
                    show(base)
                ));
            }
        }
        for &(a, b, joined) in JOIN_CASES {
            let got = text(&join(a.as_bytes(), b.as_bytes()));
            if got != joined {
                failed.push(format!(
                    "join({}, {}) = {} expected {}",
                    show(a),
                    show(b),
                    show(&got),
                    show(joined)
                ));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    #[test]
    fn lone_surrogates_pass_through() {
        // Python keeps a lone surrogate in the text and in values; a name holding one is
        // looked up as is (it is never in a real environment, so it stays as written).
        let mut value = PyStr::from("v");
        value.push_code_point(0xDC80);
        let env = |name: &str| (name.eq_ignore_ascii_case("x")).then(|| value.clone());
        let mut input = PyStr::from("$x|%");
        input.push_code_point(0xD800);
        input.push_str("%|");
        input.push_code_point(0xDFFF);
        let mut expected = value.clone();
        expected.push_str("|%");
        expected.push_code_point(0xD800);
        expected.push_str("%|");
        expected.push_code_point(0xDFFF);
        assert_eq!(
            expandvars(&input, &env, usize::MAX, usize::MAX).unwrap(),
            expected
        );

        let mut profile = PyStr::from("C:\\Users\\");
        profile.push_code_point(0xDC80);
        let home = |name: &str| match name {
            "USERPROFILE" => Some(profile.clone()),
            _ => None,
        };
        let mut expected = profile.clone();
        expected.push_str("\\x");
        assert_eq!(expanduser(&PyStr::from("~\\x"), &home), expected);
    }

    #[test]
    fn text_without_syntax_is_returned_unchanged() {
        let none = |_: &str| -> Option<PyStr> { panic!("no lookup expected") };
        for s in ["", "plain", "C:\\x\\y", "a~b", "x/~"] {
            assert_eq!(
                expandvars(&PyStr::from(s), &none, usize::MAX, usize::MAX)
                    .unwrap()
                    .as_str(),
                Some(s)
            );
            assert_eq!(expanduser(&PyStr::from(s), &none).as_str(), Some(s));
        }
    }
}

/// The expected outcomes, generated by `tests/conformance/ntpath_cases.py` from Python
/// 3.11's `ntpath` (with a case-insensitive, Windows-like `os.environ`).
#[cfg(test)]
#[rustfmt::skip]
mod cases {
    /// Environment variables as (name, value) pairs.
    pub type Env = &'static [(&'static str, &'static str)];

    // BEGIN GENERATED by tests/conformance/ntpath_cases.py: do not edit by hand
    // Python 3.11's ntpath, with a Windows-like (case-insensitive) os.environ.
    pub const VARS_ENV: Env = &[("HOME", "C:\\Users\\me"), ("Path", "C:\\bin;D:\\tools"), ("foo", "FOO"), ("a-b", "dash"), ("A_1", "x1"), ("EMPTY", ""), ("dollar", "$foo"), ("pct", "%foo%"), ("sp ace", "spaced"), ("\u{e9}t\u{e9}", "summer"), ("Q", "'q'"), ("x.y", "dotted")];
    /// (input, ntpath.expandvars(input)) under VARS_ENV
    pub const VARS_CASES: &[(&str, &str)] = &[
        ("", ""),
        ("plain text", "plain text"),
        ("C:\\no\\vars", "C:\\no\\vars"),
        ("$foo", "FOO"),
        ("${foo}", "FOO"),
        ("%foo%", "FOO"),
        ("$foo/x", "FOO/x"),
        ("${foo}x", "FOOx"),
        ("%foo%x", "FOOx"),
        ("x$foo", "xFOO"),
        ("x${foo}", "xFOO"),
        ("x%foo%", "xFOO"),
        ("$foo$foo", "FOOFOO"),
        ("${foo}${foo}", "FOOFOO"),
        ("%foo%%foo%", "FOOFOO"),
        ("$foo${foo}%foo%", "FOOFOOFOO"),
        ("$foobar", "$foobar"),
        ("${foo}bar", "FOObar"),
        ("%foo%bar", "FOObar"),
        ("$FOO", "FOO"),
        ("${FoO}", "FOO"),
        ("%Foo%", "FOO"),
        ("$PATH", "C:\\bin;D:\\tools"),
        ("%path%\\x", "C:\\bin;D:\\tools\\x"),
        ("${pAtH}", "C:\\bin;D:\\tools"),
        ("$\u{c9}T\u{c9}", "$\u{c9}T\u{c9}"),
        ("%\u{c9}t\u{e9}%", "summer"),
        ("${\u{e9}T\u{c9}}", "summer"),
        ("$a-b", "dash"),
        ("${a-b}", "dash"),
        ("%a-b%", "dash"),
        ("$a-b-c", "$a-b-c"),
        ("$A_1", "x1"),
        ("$a_1x", "$a_1x"),
        ("$A_1/x", "x1/x"),
        ("$x.y", "$x.y"),
        ("${x.y}", "dotted"),
        ("%x.y%", "dotted"),
        ("$-", "$-"),
        ("$_", "$_"),
        ("$1", "$1"),
        ("$foo-", "$foo-"),
        ("$\u{e9}t\u{e9}", "$\u{e9}t\u{e9}"),
        ("$sp ace", "$sp ace"),
        ("${sp ace}", "spaced"),
        ("%sp ace%", "spaced"),
        ("$unknown", "$unknown"),
        ("${unknown}", "${unknown}"),
        ("%unknown%", "%unknown%"),
        ("$unknown/x", "$unknown/x"),
        ("%unknown%foo%", "%unknown%foo%"),
        ("%unknown%%foo%", "%unknown%FOO"),
        ("${un known}", "${un known}"),
        ("%un known%", "%un known%"),
        ("$", "$"),
        ("end$", "end$"),
        ("$ x", "$ x"),
        ("$/", "$/"),
        ("${", "${"),
        ("${foo", "${foo"),
        ("x${foo", "x${foo"),
        ("${}", "${}"),
        ("${}x", "${}x"),
        ("$}", "$}"),
        ("${foo}}", "FOO}"),
        ("${{foo}", "${{foo}"),
        ("%", "%"),
        ("end%", "end%"),
        ("%foo", "%foo"),
        ("a%b", "a%b"),
        ("100% sure", "100% sure"),
        ("%foo%%", "FOO%"),
        ("%foo% %", "FOO %"),
        ("$$", "$"),
        ("$$foo", "$foo"),
        ("$$$foo", "$FOO"),
        ("$$$$", "$$"),
        ("$$$", "$$"),
        ("a$$b", "a$b"),
        ("${$}", "${$}"),
        ("%%", "%"),
        ("%%foo%%", "%foo%"),
        ("%%%foo%", "%FOO"),
        ("%%%%", "%%"),
        ("%%%", "%%"),
        ("a%%b", "a%b"),
        ("%%foo%", "%foo%"),
        ("$%foo%", "$FOO"),
        ("%$foo%", "%$foo%"),
        ("$%%", "$%"),
        ("%$$%", "%$$%"),
        ("'$foo'", "'$foo'"),
        ("'%foo%' $foo", "'%foo%' FOO"),
        ("'${foo}'x%foo%", "'${foo}'xFOO"),
        ("'unterminated $foo", "'unterminated $foo"),
        ("a'b'c$foo", "a'b'cFOO"),
        ("$foo'", "FOO'"),
        ("''", "''"),
        ("'", "'"),
        ("it's $foo", "it's $foo"),
        ("'a''$foo'", "'a''$foo'"),
        ("%'foo'%", "%'foo'%"),
        ("${'foo}", "${'foo}"),
        ("$'foo'", "$'foo'"),
        ("%foo%'%foo%'", "FOO'%foo%'"),
        ("'%foo", "'%foo"),
        ("$EMPTY|", "|"),
        ("%EMPTY%|", "|"),
        ("${EMPTY}|", "|"),
        ("$dollar", "$foo"),
        ("%pct%", "%foo%"),
        ("${pct}", "%foo%"),
        ("$Q$foo", "'q'FOO"),
        ("\u{fc}$foo\u{20ac}", "\u{fc}FOO\u{20ac}"),
        ("\u{fc}%foo%\u{20ac}", "\u{fc}FOO\u{20ac}"),
        ("${\u{20ac}}", "${\u{20ac}}"),
        ("%\u{1f600}%", "%\u{1f600}%"),
        ("$\u{1f600}", "$\u{1f600}"),
    ];
    /// (environment, input, ntpath.expanduser(input))
    pub const USER_CASES: &[(Env, &str, &str)] = &[
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~", "C:\\Users\\alice"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~\\x", "C:\\Users\\alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~/x", "C:\\Users\\alice/x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~\\", "C:\\Users\\alice\\"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~/", "C:\\Users\\alice/"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~\\x\\y", "C:\\Users\\alice\\x\\y"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~/x/y", "C:\\Users\\alice/x/y"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "x~", "x~"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "\\~", "\\~"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], " ~", " ~"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~~", "C:\\Users\\~"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~.\\x", "C:\\Users\\.\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~ \\x", "C:\\Users\\ \\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~$foo", "C:\\Users\\$foo"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~alice", "C:\\Users\\alice"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~alice\\x", "C:\\Users\\alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~alice/x", "C:\\Users\\alice/x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~bob", "C:\\Users\\bob"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~bob\\x", "C:\\Users\\bob\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~bob/x", "C:\\Users\\bob/x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~bob\\", "C:\\Users\\bob\\"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~Alice\\x", "C:\\Users\\Alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~ALICE", "C:\\Users\\ALICE"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~zo\u{e9}/x", "C:\\Users\\zo\u{e9}/x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~bob\\x/y", "C:\\Users\\bob\\x/y"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "~b:c\\x", "b:c\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")], "", ""),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "ALICE")], "~", "C:\\Users\\alice"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "ALICE")], "~\\x", "C:\\Users\\alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "ALICE")], "~ALICE\\x", "C:\\Users\\alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "ALICE")], "~alice\\x", "~alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "ALICE")], "~bob\\x", "~bob\\x"),
        (&[("USERPROFILE", "D:\\profiles\\svc-account"), ("USERNAME", "svc")], "~/x", "D:\\profiles\\svc-account/x"),
        (&[("USERPROFILE", "D:\\profiles\\svc-account"), ("USERNAME", "svc")], "~svc/x", "D:\\profiles\\svc-account/x"),
        (&[("USERPROFILE", "D:\\profiles\\svc-account"), ("USERNAME", "svc")], "~bob/x", "~bob/x"),
        (&[("USERPROFILE", "D:\\profiles\\svc-account"), ("USERNAME", "svc")], "~svc-account/x", "~svc-account/x"),
        (&[("USERPROFILE", "C:/Users/alice/"), ("USERNAME", "alice")], "~", "C:/Users/alice/"),
        (&[("USERPROFILE", "C:/Users/alice/"), ("USERNAME", "alice")], "~\\x", "C:/Users/alice/\\x"),
        (&[("USERPROFILE", "C:/Users/alice/"), ("USERNAME", "alice")], "~/x", "C:/Users/alice//x"),
        (&[("USERPROFILE", "C:/Users/alice/"), ("USERNAME", "alice")], "~alice/x", "C:/Users/alice//x"),
        (&[("USERPROFILE", "C:/Users/alice/"), ("USERNAME", "alice")], "~bob/x", "~bob/x"),
        (&[("USERPROFILE", "C:/Users/alice"), ("USERNAME", "alice")], "~/x", "C:/Users/alice/x"),
        (&[("USERPROFILE", "C:/Users/alice"), ("USERNAME", "alice")], "~bob/x", "C:/Users\\bob/x"),
        (&[("USERPROFILE", "C:/Users/alice"), ("USERNAME", "alice")], "~bob\\x", "C:/Users\\bob\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice")], "~\\x", "C:\\Users\\alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice")], "~alice\\x", "~alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice")], "~bob\\x", "~bob\\x"),
        (&[("userprofile", "C:\\U\\me"), ("Username", "me")], "~\\x", "C:\\U\\me\\x"),
        (&[("userprofile", "C:\\U\\me"), ("Username", "me")], "~me\\x", "C:\\U\\me\\x"),
        (&[("userprofile", "C:\\U\\me"), ("Username", "me")], "~you\\x", "C:\\U\\you\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice"), ("HOMEDRIVE", "E:"), ("HOMEPATH", "\\home\\x"), ("HOME", "/home/alice")], "~\\x", "C:\\Users\\alice\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice"), ("HOMEDRIVE", "E:"), ("HOMEPATH", "\\home\\x"), ("HOME", "/home/alice")], "~bob\\x", "C:\\Users\\bob\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~", "C:\\Users\\bob"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~\\x", "C:\\Users\\bob\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~/x", "C:\\Users\\bob/x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~bob\\x", "C:\\Users\\bob\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~carol\\x", "C:\\Users\\carol\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~carol", "C:\\Users\\carol"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "Users\\bob"), ("USERNAME", "bob")], "~\\x", "C:Users\\bob\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "Users\\bob"), ("USERNAME", "bob")], "~carol\\x", "C:Users\\carol\\x"),
        (&[("HOMEDRIVE", "c:"), ("HOMEPATH", "C:\\Users\\bob"), ("USERNAME", "bob")], "~\\x", "C:\\Users\\bob\\x"),
        (&[("HOMEDRIVE", "c:"), ("HOMEPATH", "C:\\Users\\bob"), ("USERNAME", "bob")], "~carol\\x", "C:\\Users\\carol\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "D:\\Users\\bob"), ("USERNAME", "bob")], "~\\x", "D:\\Users\\bob\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "D:\\Users\\bob"), ("USERNAME", "bob")], "~carol\\x", "D:\\Users\\carol\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "")], "~", "C:"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "")], "~\\x", "C:\\x"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "")], "~bob\\x", "~bob\\x"),
        (&[("HOMEDRIVE", ""), ("HOMEPATH", "")], "~", ""),
        (&[("HOMEDRIVE", ""), ("HOMEPATH", "")], "~\\x", "\\x"),
        (&[("HOMEDRIVE", "C:\\"), ("HOMEPATH", "\\x")], "~", "C:\\x"),
        (&[("HOMEDRIVE", "C:\\"), ("HOMEPATH", "\\x")], "~\\y", "C:\\x\\y"),
        (&[("HOMEDRIVE", "C:\\"), ("HOMEPATH", "x")], "~", "C:\\x"),
        (&[("HOMEDRIVE", "C:\\"), ("HOMEPATH", "x")], "~\\y", "C:\\x\\y"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "/")], "~", "C:/"),
        (&[("HOMEDRIVE", "C:"), ("HOMEPATH", "/")], "~\\y", "C:/\\y"),
        (&[("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~\\x", "\\Users\\bob\\x"),
        (&[("HOMEPATH", "\\Users\\bob"), ("USERNAME", "bob")], "~carol\\x", "\\Users\\carol\\x"),
        (&[("HOMEDRIVE", "C:"), ("USERNAME", "bob")], "~", "~"),
        (&[("HOMEDRIVE", "C:"), ("USERNAME", "bob")], "~\\x", "~\\x"),
        (&[("HOMEDRIVE", "C:"), ("USERNAME", "bob")], "~bob\\x", "~bob\\x"),
        (&[("HOME", "/home/bob"), ("USERNAME", "bob")], "~", "~"),
        (&[("HOME", "/home/bob"), ("USERNAME", "bob")], "~\\x", "~\\x"),
        (&[("HOME", "/home/bob"), ("USERNAME", "bob")], "~/x", "~/x"),
        (&[("HOME", "/home/bob"), ("USERNAME", "bob")], "~bob\\x", "~bob\\x"),
        (&[], "~", "~"),
        (&[], "~\\x", "~\\x"),
        (&[("HOMEDRIVE", "\\\\server\\share"), ("HOMEPATH", "\\home\\bob"), ("USERNAME", "bob")], "~\\x", "\\\\server\\share\\home\\bob\\x"),
        (&[("HOMEDRIVE", "\\\\server\\share"), ("HOMEPATH", "\\home\\bob"), ("USERNAME", "bob")], "~carol\\x", "\\\\server\\share\\home\\carol\\x"),
        (&[("HOMEDRIVE", "\\\\server\\share"), ("HOMEPATH", "home\\bob"), ("USERNAME", "bob")], "~\\x", "\\\\server\\share\\home\\bob\\x"),
        (&[("HOMEDRIVE", "\\\\server\\share"), ("HOMEPATH", "home\\bob"), ("USERNAME", "bob")], "~carol\\x", "\\\\server\\share\\home\\carol\\x"),
        (&[("HOMEDRIVE", "\\\\server\\share"), ("HOMEPATH", ""), ("USERNAME", "bob")], "~", "\\\\server\\share"),
        (&[("HOMEDRIVE", "\\\\server\\share"), ("HOMEPATH", ""), ("USERNAME", "bob")], "~\\x", "\\\\server\\share\\x"),
        (&[("HOMEDRIVE", "\\\\server\\share"), ("HOMEPATH", ""), ("USERNAME", "bob")], "~carol\\x", "~carol\\x"),
        (&[("USERPROFILE", "\\\\srv\\share\\alice"), ("USERNAME", "alice")], "~\\x", "\\\\srv\\share\\alice\\x"),
        (&[("USERPROFILE", "\\\\srv\\share\\alice"), ("USERNAME", "alice")], "~bob\\x", "\\\\srv\\share\\bob\\x"),
        (&[("USERPROFILE", "//srv/share/alice"), ("USERNAME", "alice")], "~bob/x", "//srv/share/bob/x"),
        (&[("USERPROFILE", "\\\\?\\UNC\\srv\\share\\alice"), ("USERNAME", "alice")], "~bob\\x", "\\\\?\\UNC\\srv\\share\\bob\\x"),
        (&[("USERPROFILE", "\\\\srv\\share"), ("USERNAME", "")], "~\\x", "\\\\srv\\share\\x"),
        (&[("USERPROFILE", "\\\\srv\\share"), ("USERNAME", "")], "~bob\\x", "\\\\srv\\share\\bob\\x"),
        (&[("USERPROFILE", ""), ("USERNAME", "alice")], "~", ""),
        (&[("USERPROFILE", ""), ("USERNAME", "alice")], "~\\x", "\\x"),
        (&[("USERPROFILE", ""), ("USERNAME", "alice")], "~/x", "/x"),
        (&[("USERPROFILE", ""), ("USERNAME", "alice")], "~bob\\x", "~bob\\x"),
        (&[("USERPROFILE", "")], "~bob\\x", "~bob\\x"),
        (&[("USERPROFILE", ""), ("USERNAME", "")], "~", ""),
        (&[("USERPROFILE", ""), ("USERNAME", "")], "~bob\\x", "bob\\x"),
        (&[("USERPROFILE", ""), ("USERNAME", "")], "~bob", "bob"),
        (&[("USERPROFILE", "C:\\"), ("USERNAME", "")], "~\\x", "C:\\\\x"),
        (&[("USERPROFILE", "C:\\"), ("USERNAME", "")], "~bob\\x", "C:\\bob\\x"),
        (&[("USERPROFILE", "C:"), ("USERNAME", "")], "~\\x", "C:\\x"),
        (&[("USERPROFILE", "C:"), ("USERNAME", "")], "~bob\\x", "C:bob\\x"),
        (&[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "")], "~bob\\x", "~bob\\x"),
        (&[("USERPROFILE", "alice"), ("USERNAME", "alice")], "~\\x", "alice\\x"),
        (&[("USERPROFILE", "alice"), ("USERNAME", "alice")], "~bob\\x", "bob\\x"),
        (&[("USERPROFILE", "home\\alice"), ("USERNAME", "alice")], "~bob\\x", "home\\bob\\x"),
        (&[("USERPROFILE", "C:\\Users\\\u{e9}lodie"), ("USERNAME", "\u{e9}lodie")], "~\\x", "C:\\Users\\\u{e9}lodie\\x"),
        (&[("USERPROFILE", "C:\\Users\\\u{e9}lodie"), ("USERNAME", "\u{e9}lodie")], "~zo\u{e9}\\x", "C:\\Users\\zo\u{e9}\\x"),
        (&[("USERPROFILE", "C:\\Users\\\u{e9}lodie"), ("USERNAME", "\u{e9}lodie")], "~\u{c9}lodie\\x", "C:\\Users\\\u{c9}lodie\\x"),
    ];
    /// (path, ntpath.dirname(path), ntpath.basename(path))
    pub const SPLIT_CASES: &[(&str, &str, &str)] = &[
        ("", "", ""),
        ("a", "", "a"),
        ("a\\", "a", ""),
        ("a\\b", "a", "b"),
        ("a/b/", "a/b", ""),
        ("\\a", "\\", "a"),
        ("/", "/", ""),
        ("\\", "\\", ""),
        ("//", "//", ""),
        ("\\\\\\", "\\\\\\", ""),
        ("C:", "C:", ""),
        ("C:\\", "C:\\", ""),
        ("C:/", "C:/", ""),
        ("c:a", "c:", "a"),
        ("C:\\a\\b", "C:\\a", "b"),
        ("C:/a/b/", "C:/a/b", ""),
        ("C:\\\\\\", "C:\\\\\\", ""),
        ("C:a\\b", "C:a", "b"),
        ("\\\\srv", "\\\\srv", ""),
        ("\\\\srv\\", "\\\\srv\\", ""),
        ("\\\\srv\\share", "\\\\srv\\share", ""),
        ("\\\\srv\\share\\", "\\\\srv\\share\\", ""),
        ("\\\\srv\\share\\x", "\\\\srv\\share\\", "x"),
        ("//srv/share/x/", "//srv/share/x", ""),
        ("\\\\?\\UNC\\srv\\share\\x", "\\\\?\\UNC\\srv\\share\\", "x"),
        ("\\\\?\\unc\\srv\\share\\x", "\\\\?\\unc\\srv\\share\\", "x"),
        ("//?/UNC/srv/share", "//?/UNC/srv/share", ""),
        ("\\\\?\\c:\\x", "\\\\?\\c:\\", "x"),
        ("\\\\.\\pipe\\x", "\\\\.\\pipe\\", "x"),
        ("a\\\\\\", "a", ""),
        ("\\\\\\a", "\\\\\\a", ""),
        ("\u{e9}\\\u{fc}", "\u{e9}", "\u{fc}"),
        ("\u{e9}:\\x", "\u{e9}:\\", "x"),
        ("1:x", "1:", "x"),
        ("::x", "::", "x"),
        ("\u{e9}", "", "\u{e9}"),
        ("\u{20ac}:", "\u{20ac}:", ""),
        ("\u{1f600}:x\\y", "\u{1f600}:x", "y"),
        ("\\\\s\u{e9}rv\\sh\u{e0}re\\x", "\\\\s\u{e9}rv\\sh\u{e0}re\\", "x"),
    ];
    /// (a, b, ntpath.join(a, b))
    pub const JOIN_CASES: &[(&str, &str, &str)] = &[
        ("C:", "x", "C:x"),
        ("C:", "\\x", "C:\\x"),
        ("C:", "", "C:"),
        ("C:\\", "x", "C:\\x"),
        ("C:\\a", "D:b", "D:b"),
        ("C:\\a", "D:\\b", "D:\\b"),
        ("C:\\a", "c:b", "c:\\a\\b"),
        ("c:\\a", "C:\\b", "C:\\b"),
        ("C:a", "c:b", "c:a\\b"),
        ("", "x", "x"),
        ("", "", ""),
        ("a", "", "a\\"),
        ("", "\\x", "\\x"),
        ("a", "C:", "C:"),
        ("a", "/b", "/b"),
        ("a/", "b", "a/b"),
        ("a\\", "b", "a\\b"),
        ("a", "b", "a\\b"),
        ("C:a", "/b", "C:/b"),
        ("\\\\srv\\share", "x", "\\\\srv\\share\\x"),
        ("\\\\srv\\share\\", "x", "\\\\srv\\share\\x"),
        ("\\\\srv\\share", "", "\\\\srv\\share"),
        ("\\\\srv\\share", "\\x", "\\\\srv\\share\\x"),
        ("\\\\srv\\share\\a", "\\\\SRV\\SHARE\\b", "\\\\SRV\\SHARE\\b"),
        ("\\\\srv\\share\\a", "\\\\SRV\\SHARE", "\\\\SRV\\SHARE\\a\\"),
        ("\\\\srv\\share\\a", "\\\\other\\share\\b", "\\\\other\\share\\b"),
        ("C:\\a", "\\\\srv\\share\\b", "\\\\srv\\share\\b"),
        ("\\\\srv\\share", "C:x", "C:x"),
        ("\u{c9}:\\a", "\u{e9}:b", "\u{e9}:\\a\\b"),
        ("\u{20ac}:", "x", "\u{20ac}:x"),
        ("a", "\u{1f600}:\\b", "\u{1f600}:\\b"),
        ("\\\\S\u{c9}RV\\x\\a", "\\\\s\u{e9}rv\\X", "\\\\s\u{e9}rv\\X\\a\\"),
    ];
    // END GENERATED
}
