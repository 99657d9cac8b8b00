//! Prefect 0.5.3's `interpolate_env_var`: repeated `os.path.expandvars` and
//! `os.path.expanduser`, then `string_to_type` when the text changed more than once.
//! The POSIX rules of Python 3.11 are here; under Windows rules (the environment's
//! [`PathRules`]) the `ntpath` ones in `ntpath.rs` apply.

use super::host::{Host, PathRules};
use super::ntpath;
use super::typing::string_to_type;
use super::{ConfigError, shown_cap};
use crate::pystr::PyStr;
use crate::value::Value;

/// Python gives up (returns `None`) after this many rounds that still change the text.
const MAX_ROUNDS: usize = 10;

/// `interpolate_env_var`. No round may make the text longer than the value cap
/// ([`super::MAX_VALUE_BYTES`], the host's `limits.value_bytes`) (or
/// than it was to begin with, when it was longer already): that is an error, found before
/// the text is built, so `B='$B$B...'` costs at most a few rounds of 16 MiB.
pub fn interpolate_env_var(v: Value, host: &Host) -> Result<Value, ConfigError> {
    let mut s = match v {
        Value::Str(s) if !s.is_empty() => s,
        other => return Ok(other),
    };
    let limit = s.byte_len().max(host.limits.value_bytes);
    for round in 0..MAX_ROUNDS {
        let next = expanduser(&expandvars_within(&s, host, limit)?, host)?;
        if next.byte_len() > limit {
            return Err(too_long("~", host.limits.value_bytes));
        }
        if next == s {
            return Ok(if round > 1 {
                string_to_type(next)
            } else {
                Value::Str(next)
            });
        }
        s = next;
    }
    Ok(Value::None)
}

/// The variables `~` expansion reads (Python's `expanduser` under either path rules).
const HOME_VARIABLES: &[&str] = &["HOME", "USERPROFILE", "HOMEDRIVE", "HOMEPATH"];

/// Whether `expanded`, what [`interpolate_env_var`] made of `original`, holds text of an
/// environment variable other than the home directory's: expanded again with only those
/// variables, it comes out different. Provenance by outcome, not by variable names.
pub fn used_other_variables(original: &Value, expanded: &Value, host: &Host) -> bool {
    let home_only = host.env.subset(HOME_VARIABLES);
    let host = Host {
        env: &home_only,
        accounts: host.accounts,
        limits: host.limits,
    };
    let again = match interpolate_env_var(original.clone(), &host) {
        Ok(v) => v,
        Err(_) => return true,
    };
    match (&again, expanded) {
        (Value::Str(a), Value::Str(b)) => a != b,
        // Typed by a later round: compared by their (exact) JSON.
        (a, b) => {
            let (mut ja, mut jb) = (Vec::new(), Vec::new());
            crate::pyjson::to_json(a, &mut ja);
            crate::pyjson::to_json(b, &mut jb);
            ja != jb
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `os.path.expandvars` under the environment's path rules. A result that would be longer
/// than the value cap and than `s` is an error naming the variable (see [`too_long`]).
pub fn expandvars(s: &PyStr, host: &Host) -> Result<PyStr, ConfigError> {
    expandvars_within(s, host, s.byte_len().max(host.limits.value_bytes))
}

/// `expandvars`, stopping with an error as soon as the result would pass `limit` bytes.
fn expandvars_within(s: &PyStr, host: &Host, limit: usize) -> Result<PyStr, ConfigError> {
    match host.env.rules() {
        PathRules::Posix => posix_expandvars(s, host, limit),
        PathRules::Windows => {
            let cap = host.limits.value_bytes;
            ntpath::expandvars(
                s,
                &|name| host.env.get(name.as_bytes()).cloned(),
                limit,
                cap,
            )
        }
    }
}

/// The error for a value whose expansion would grow past the cap: names what was being
/// expanded (`$NAME`, or `~`), never the text. `cap` is the value cap.
pub fn too_long(what: &str, cap: usize) -> ConfigError {
    ConfigError::over_cap(format!(
        "expanding {what} would make the value longer than {}",
        shown_cap(cap)
    ))
}

/// `$NAME` for a message, shortened when the name is absurdly long.
pub fn shown_var(prefix: &str, name: &[u8]) -> String {
    let text = String::from_utf8_lossy(name);
    match text.char_indices().nth(64) {
        Some((cut, _)) => format!("{prefix}{}...", &text[..cut]),
        None => format!("{prefix}{text}"),
    }
}

/// `os.path.expanduser` under the environment's path rules.
pub fn expanduser(s: &PyStr, host: &Host) -> Result<PyStr, ConfigError> {
    match host.env.rules() {
        PathRules::Posix => posix_expanduser(s, host),
        PathRules::Windows => Ok(ntpath::expanduser(s, &|name| {
            host.env.get(name.as_bytes()).cloned()
        })),
    }
}

/// `posixpath.expandvars`: `$name` (ASCII word characters) and `${anything but '}'}`;
/// unknown names stay as written. Linear time: once a `${` has no `}` after it, no later
/// one has either (Python's regex rescans the rest for each, quadratic on `${${${...`).
fn posix_expandvars(s: &PyStr, host: &Host, limit: usize) -> Result<PyStr, ConfigError> {
    let bytes = s.as_bytes();
    if !bytes.contains(&b'$') {
        return Ok(s.clone());
    }
    let mut out = PyStr::new();
    let mut copied = 0;
    let mut i = 0;
    // No `}` at or after this index.
    let mut no_brace_from = bytes.len() + 1;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'$') {
        let p = i + off;
        let (name, end) = match bytes.get(p + 1) {
            Some(&b) if is_word(b) => {
                let len = bytes[p + 1..].iter().take_while(|&&b| is_word(b)).count();
                (&bytes[p + 1..p + 1 + len], p + 1 + len)
            }
            Some(b'{') => {
                let close = if p + 2 >= no_brace_from {
                    None
                } else {
                    bytes[p + 2..].iter().position(|&b| b == b'}')
                };
                match close {
                    Some(len) => (&bytes[p + 2..p + 2 + len], p + 3 + len),
                    None => {
                        no_brace_from = p + 2;
                        i = p + 1;
                        continue;
                    }
                }
            }
            _ => {
                i = p + 1;
                continue;
            }
        };
        if let Some(value) = host.env.get(name) {
            if out.byte_len() + (p - copied) + value.byte_len() > limit {
                return Err(too_long(&shown_var("$", name), host.limits.value_bytes));
            }
            out.push_gutf8(&bytes[copied..p]);
            out.push_py(value);
            copied = end;
        }
        i = end;
    }
    if out.byte_len() + (bytes.len() - copied) > limit {
        return Err(too_long("its $VARIABLES", host.limits.value_bytes));
    }
    out.push_gutf8(&bytes[copied..]);
    Ok(out)
}

/// `posixpath.expanduser`: a leading `~` or `~user` becomes that home directory (its
/// trailing `/` removed); an unknown user, or no home at all, leaves the text as it is.
fn posix_expanduser(s: &PyStr, host: &Host) -> Result<PyStr, ConfigError> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'~') {
        return Ok(s.clone());
    }
    let i = bytes[1..]
        .iter()
        .position(|&b| b == b'/')
        .map_or(bytes.len(), |p| p + 1);
    let home = if i == 1 {
        match host.env.get(b"HOME") {
            Some(h) => h.clone(),
            None => match host.accounts.current_home() {
                Some(h) => PyStr::from_bytes_surrogateescape(&h),
                None => return Ok(s.clone()),
            },
        }
    } else {
        let name = PyStr::from_gutf8(bytes[1..i].to_vec());
        let raw = name.to_bytes_surrogateescape().ok_or_else(|| {
            ConfigError::new("a `~user` path names a user that cannot be encoded")
        })?;
        if raw.contains(&0) {
            return Err(ConfigError::new(
                "a `~user` path contains a NUL character (Python raises ValueError)",
            ));
        }
        match host.accounts.home_of(&raw) {
            Some(h) => PyStr::from_bytes_surrogateescape(&h),
            None => return Ok(s.clone()),
        }
    };
    let home = home.as_bytes();
    let trimmed = &home[..home.len() - home.iter().rev().take_while(|&&b| b == b'/').count()];
    let mut out = PyStr::from_gutf8(trimmed.to_vec());
    out.push_gutf8(&bytes[i..]);
    if out.is_empty() {
        out.push_str("/");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::host::{Accounts, Environment};
    // Small caps: a test reaches them in milliseconds.
    use super::super::tests::SMALL;
    use super::*;

    struct Users;
    impl Accounts for Users {
        fn current_home(&self) -> Option<Vec<u8>> {
            Some(b"/home/me/".to_vec())
        }
        fn home_of(&self, name: &[u8]) -> Option<Vec<u8>> {
            (name == b"svc").then(|| b"/srv/svc".to_vec())
        }
    }

    fn with_env<R>(pairs: &[(&str, &str)], f: impl FnOnce(&Host) -> R) -> R {
        let env = Environment::from_pairs(pairs.iter().copied());
        f(&Host {
            env: &env,
            accounts: &Users,
            limits: SMALL,
        })
    }

    fn vars(s: &str, pairs: &[(&str, &str)]) -> String {
        with_env(pairs, |h| {
            expandvars(&PyStr::from(s), h).unwrap().to_string_lossy()
        })
    }

    fn user(s: &str, pairs: &[(&str, &str)]) -> String {
        with_env(pairs, |h| {
            expanduser(&PyStr::from(s), h).unwrap().to_string_lossy()
        })
    }

    #[test]
    fn expandvars_like_posixpath() {
        let env = [
            ("HOME", "/root"),
            ("word", "W"),
            ("a.b", "dotted"),
            ("X", "$HOME"),
        ];
        assert_eq!(
            vars("$HOME${HOME}$$HOME${}${a", &env),
            "/root/root$/root${}${a"
        );
        assert_eq!(vars("pa$$word-$NOT_SET", &env), "pa$W-$NOT_SET");
        assert_eq!(vars("${a.b}|$a.b|$X", &env), "dotted|$a.b|$HOME");
        assert_eq!(vars("no dollars", &env), "no dollars");
        assert_eq!(vars("end$", &env), "end$");
    }

    #[test]
    fn expanduser_like_posixpath() {
        assert_eq!(user("~/key.pem", &[("HOME", "/root/")]), "/root/key.pem");
        assert_eq!(user("~", &[("HOME", "/")]), "/");
        assert_eq!(user("~", &[("HOME", "")]), "/");
        assert_eq!(user("~/x", &[]), "/home/me/x");
        assert_eq!(user("~svc/cfg", &[]), "/srv/svc/cfg");
        assert_eq!(user("~nobody/cfg", &[]), "~nobody/cfg");
        assert_eq!(user("a~/x", &[("HOME", "/h")]), "a~/x");
        let err = with_env(&[], |h| expanduser(&PyStr::from("~a\0b/x"), h));
        assert!(err.is_err());
    }

    #[test]
    fn windows_rules_follow_ntpath() {
        let env = Environment::from_pairs([
            ("Foo", "bar"),
            ("USERPROFILE", "C:\\Users\\me"),
            ("USERNAME", "me"),
        ])
        .with_rules(PathRules::Windows);
        let host = Host {
            env: &env,
            accounts: &Users,
            limits: crate::config::Limits::DEFAULT,
        };
        let vars = |s: &str| {
            expandvars(&PyStr::from(s), &host)
                .unwrap()
                .to_string_lossy()
        };
        let user = |s: &str| {
            expanduser(&PyStr::from(s), &host)
                .unwrap()
                .to_string_lossy()
        };
        // Expected values from Python 3.11's ntpath (see tests/conformance/ntpath_cases.py).
        assert_eq!(
            vars("%FOO%|$foo|${FOO}|$$|%%|'$foo'"),
            "bar|bar|bar|$|%|'$foo'"
        );
        assert_eq!(user("~/x"), "C:\\Users\\me/x");
        assert_eq!(user("~bob\\x"), "C:\\Users\\bob\\x");
        assert_eq!(
            env.get(b"foo").map(PyStr::to_string_lossy).as_deref(),
            Some("bar")
        );
    }

    /// `B='$B$B...'`: each round multiplies the text by 64; Python builds it until memory
    /// runs out (8 GB at the fifth round). Refused within the cap, naming the variable.
    #[test]
    fn a_self_referencing_variable_stops_at_the_cap() {
        for (rules, bomb) in [
            (PathRules::Posix, "$B".repeat(64)),
            (PathRules::Windows, "%B%".repeat(64)),
        ] {
            let env = Environment::from_pairs([("B", bomb.as_str())]).with_rules(rules);
            let host = Host {
                env: &env,
                accounts: &Users,
                limits: SMALL,
            };
            let t = std::time::Instant::now();
            let e = interpolate_env_var(Value::str("x$B"), &host).unwrap_err();
            assert!(t.elapsed() < std::time::Duration::from_secs(5));
            assert!(e.is_over_cap(), "{}", e.0);
            assert!(e.0.contains("$B") || e.0.contains("%B%"), "{}", e.0);
            assert!(e.0.contains("65536 bytes"), "{}", e.0);
            assert!(
                !e.0.contains("$B$B"),
                "the value is not in the message: {}",
                e.0
            );
            // One round on its own stays within the cap.
            let once = expandvars(&PyStr::from("$B"), &host).unwrap();
            assert_eq!(once.byte_len(), bomb.len());
        }
    }

    #[test]
    fn growth_up_to_the_cap_is_fine_and_long_text_as_written_is_left_alone() {
        let half = "x".repeat(SMALL.value_bytes / 2);
        let len = |v: Value| match v {
            Value::Str(s) => s.byte_len(),
            other => panic!("a {}", other.type_name()),
        };
        let two = with_env(&[("H", &half)], |h| {
            interpolate_env_var(Value::str("$H$H"), h).unwrap()
        });
        assert_eq!(len(two), SMALL.value_bytes);
        let e = with_env(&[("H", &half)], |h| {
            interpolate_env_var(Value::str("$H$H$H"), h).unwrap_err()
        });
        assert!(e.0.contains("expanding $H would"), "{}", e.0);
        // Already longer than the cap as written, with nothing to expand or shrinking.
        let long = format!("$NOPE{}", "y".repeat(SMALL.value_bytes));
        let v = with_env(&[], |h| interpolate_env_var(Value::str(&long), h).unwrap());
        assert_eq!(len(v), long.len());
        // A value that is long as written may not grow further, though.
        let e = with_env(&[("X", "xxx")], |h| {
            interpolate_env_var(Value::str(&format!("$X{long}")), h).unwrap_err()
        });
        assert!(e.is_over_cap(), "{}", e.0);
    }

    /// Python rescans the rest of the text for a `}` after every `${` (quadratic); a
    /// megabyte of `${` must not take minutes.
    #[test]
    fn unclosed_braces_take_linear_time() {
        let text = "${".repeat(1 << 20);
        let t = std::time::Instant::now();
        let out = vars(&text, &[("A", "a")]);
        assert_eq!(out, text);
        assert_eq!(vars("${${A}$A", &[("A", "a"), ("${A", "no")]), "noa");
        assert_eq!(vars("${x${A}", &[("A", "a"), ("x${A", "b")]), "b");
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn interpolation_types_only_after_two_changes() {
        let run = |s: &str, pairs: &[(&str, &str)]| {
            with_env(pairs, |h| {
                let v = interpolate_env_var(Value::str(s), h).unwrap();
                match v {
                    Value::Str(s) => format!("str:{}", s.to_string_lossy()),
                    other => other.type_name().to_string(),
                }
            })
        };
        assert_eq!(run("$A", &[("A", "42")]), "str:42");
        assert_eq!(run("$A", &[("A", "$B"), ("B", "42")]), "int");
        assert_eq!(run("$A", &[("A", "$A")]), "str:$A");
        assert_eq!(run("$A", &[("A", "x$A")]), "NoneType");
        assert_eq!(run("", &[]), "str:");
    }
}
