//! `secret_config_view`: the effective configuration as TOML, the way
//! `prefect config view --show-sources` shows Prefect 2/3's settings.
//!
//! Default deny: a value is shown only when it is a known setting that is not a
//! credential (a `[cloud]` setting of this library's, or a key of Prefect 0.5.3's bundled
//! defaults) and nothing masked went into it (by `${key}` references, followed to any
//! depth, or by `$VAR` expansion of any variable but the home directory's: provenance
//! recorded while loading, not key names); everything else, `context.secrets` and every
//! credential included, is shown as [`MASK`] and its type (`"******** (text)"`), inside
//! arrays and inline tables too, so key names and sources stay visible. Text that was not
//! a bundled default is masked too when it could carry a credential (a URL with a user,
//! query or fragment, a `key=value`, whitespace). With sources, each value ends with a
//! comment saying where it came from.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::config::cloud::keys;
use crate::config::keypath::KeyPath;
use crate::config::source::{Origin, Source, Sources, for_each_leaf};
use crate::context::{Secrets, State};
use crate::error::Error;
use crate::pyjson::repr::float_repr;
use crate::pystr::PyStr;
use crate::store::Store;
use crate::value::{Dict, Value};

/// What a masked value is shown as, before its type: `"******** (text)"`.
pub const MASK: &str = "********";

/// The configuration as TOML, masked; `show_sources` adds where each value came from.
pub fn config_view(store: &Store, show_sources: bool) -> Result<String, Error> {
    let snapshot = store.snapshot();
    let state = match &snapshot.loaded {
        Ok(state) => state,
        Err(e) => return Err(e.clone()),
    };
    let (config, sources) = full(state);
    let mut out = String::from(
        "# Prefect 0.5.3 configuration as prefect-secrets resolved it; only known settings \
         that are not credentials are shown, every other value is masked\n",
    );
    let mut view = View {
        out: &mut out,
        sources: &sources,
        show_sources,
    };
    view.table(&config, &mut Vec::new());
    if state.is_prefect3() {
        super::prefect3::view_section(&mut out, state, show_sources);
    }
    Ok(out)
}

/// The configuration with `context.secrets` back in (its values are masked anyway, so
/// only their names and sources matter), and every source by path.
fn full(state: &State) -> (Dict, Sources) {
    let mut config = state.config().clone();
    let mut sources = state.provenance().sources.clone();
    if let Secrets::Table(map) = state.secrets() {
        let mut names: Vec<(PyStr, Option<&Source>, &'static str)> = map
            .iter()
            .map(|(k, e)| {
                (
                    PyStr::from_gutf8(k.to_vec()),
                    e.source.as_ref(),
                    kind_name(&e.stored()),
                )
            })
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let mut table = Dict::new();
        for (name, source, kind) in names {
            let path = vec![PyStr::from("context"), PyStr::from("secrets"), name.clone()];
            if let Some(s) = source {
                sources.insert(KeyPath::of(&path), s.clone());
            }
            // A stand-in naming the value's kind: the value is never looked at.
            table.insert(name, Value::str(kind));
        }
        if !matches!(config.get("context"), Some(Value::Dict(_))) {
            config.insert(PyStr::from("context"), Value::Dict(Dict::new()));
        }
        let Some(Value::Dict(context)) = config.get_mut("context") else {
            unreachable!("a table, made so above");
        };
        context.insert(PyStr::from("secrets"), Value::Dict(table));
    }
    (config, sources)
}

struct View<'a> {
    out: &'a mut String,
    sources: &'a Sources,
    show_sources: bool,
}

impl View<'_> {
    /// A table's values, then its tables, each under its `[header]`.
    fn table(&mut self, table: &Dict, path: &mut Vec<PyStr>) {
        for (k, v) in table.iter() {
            if matches!(v, Value::Dict(_)) {
                continue;
            }
            path.push(k.clone());
            self.leaf(k, v, path);
            path.pop();
        }
        for (k, v) in table.iter() {
            let Value::Dict(d) = v else { continue };
            path.push(k.clone());
            // A table holding only tables needs no header of its own (as TOML writers do).
            if d.is_empty() || d.iter().any(|(_, v)| !matches!(v, Value::Dict(_))) {
                let header: Vec<String> = path.iter().map(toml_key).collect();
                let _ = writeln!(self.out, "\n[{}]", header.join("."));
            }
            self.table(d, path);
            path.pop();
        }
    }

    fn leaf(&mut self, key: &PyStr, value: &Value, path: &[PyStr]) {
        let source = self.sources.get(&KeyPath::of(path));
        let how = match source {
            Some(s) if shown(self.sources, path, s, &mut Vec::new()) => {
                if s.origin == Origin::Defaults {
                    Show::Plain
                } else {
                    Show::PlainText
                }
            }
            _ => Show::Masked,
        };
        let mut line = format!("{} = ", toml_key(key));
        if path.len() == 3 && path[0].as_bytes() == b"context" && path[1].as_bytes() == b"secrets" {
            // The stand-in `full` made: the kind of a secret, whole, never its shape.
            let kind = match value {
                Value::Str(kind) => kind.to_string_lossy(),
                other => kind_name(other).to_string(),
            };
            line.push_str(&toml_str(&format!("{MASK} ({kind})")));
        } else if !write_value(&mut line, value, how) {
            line = format!("# {} is None, which TOML cannot write", toml_key(key));
        }
        if self.show_sources {
            match source {
                Some(s) => {
                    let _ = write!(line, "  # {s}");
                }
                None if !line.starts_with('#') => line.push_str("  # (unknown)"),
                None => {}
            }
        }
        let _ = writeln!(self.out, "{line}");
    }
}

/// How a value is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    /// As it is (a bundled default, untouched).
    Plain,
    /// As it is, but text that could carry a credential is masked.
    PlainText,
    /// Every scalar masked, with its type; arrays and tables keep their shape.
    Masked,
}

/// Whether the value at `path`, from `source`, can be shown: a known setting that is not
/// a credential, built from nothing masked. `visiting` holds the references being
/// followed (a cycle is masked).
fn shown(
    sources: &Sources,
    path: &[PyStr],
    source: &Source,
    visiting: &mut Vec<Vec<PyStr>>,
) -> bool {
    if !known_setting(path) || source.env_text {
        return false;
    }
    source.references.iter().all(|r| {
        let target: Vec<PyStr> = r.split('.').map(PyStr::from).collect();
        if visiting.contains(&target) {
            return false;
        }
        let Some(s) = sources.get(&KeyPath::of(&target)) else {
            return false;
        };
        visiting.push(target.clone());
        let ok = shown(sources, &target, s, visiting);
        visiting.pop();
        ok
    })
}

/// A `[cloud]` setting of this library's or a key of Prefect's bundled defaults, and not
/// a credential (nor anything under `context.secrets`).
fn known_setting(path: &[PyStr]) -> bool {
    let text: Vec<String> = path.iter().map(PyStr::to_string_lossy).collect();
    if text.len() >= 2 && text[0] == "context" && text[1] == "secrets" {
        return false;
    }
    if text.len() == 2 && text[0] == "cloud" {
        if let Some(setting) = keys::named(&text[1]) {
            return !setting.credential && text[1] == setting.key;
        }
    }
    default_keys().contains(path)
}

/// The leaves of Prefect 0.5.3's bundled defaults, by path.
fn default_keys() -> &'static HashSet<Vec<PyStr>> {
    static KEYS: OnceLock<HashSet<Vec<PyStr>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = HashSet::new();
        if let Ok(tree) =
            crate::config::toml_file::parse(crate::config::defaults::DEFAULT_CONFIG, "defaults")
        {
            for_each_leaf(&tree, &mut Vec::new(), &mut |p| {
                keys.insert(p.clone());
            });
        }
        keys
    })
}

/// Text that could carry a credential: a URL with a user, a query or a fragment, a
/// `key=value`, whitespace or control characters.
pub fn could_carry_credential(text: &str) -> bool {
    // A URL's user (`@`), query (`?`) and fragment (`#`) are among these characters.
    text.contains(['=', '#', '?', '@']) || text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A key as TOML writes it: bare when it can be, else quoted.
fn toml_key(k: &PyStr) -> String {
    let s = k.to_string_lossy();
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        s
    } else {
        toml_str(&s)
    }
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A masked scalar: [`MASK`] and its type, as a TOML string.
fn masked(v: &Value) -> String {
    toml_str(&format!("{MASK} ({})", kind_name(v)))
}

/// The type a masked value is shown with.
fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::None => "None",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "text",
        Value::List(_) => "list",
        Value::Dict(_) => "table",
    }
}

/// Writes `v` as a TOML value, shown as `how` says; false for an unmasked None, which
/// TOML has no way to write.
fn write_value(out: &mut String, v: &Value, how: Show) -> bool {
    match v {
        Value::List(_) | Value::Dict(_) => {}
        Value::Str(s) if how == Show::PlainText && could_carry_credential(&s.to_string_lossy()) => {
            out.push_str(&masked(v));
            return true;
        }
        _ if how == Show::Masked => {
            out.push_str(&masked(v));
            return true;
        }
        _ => {}
    }
    match v {
        Value::None => return false,
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let mut digits = Vec::new();
            i.write_decimal(&mut digits);
            out.push_str(&String::from_utf8_lossy(&digits));
        }
        Value::Float(f) if f.is_nan() => out.push_str("nan"),
        Value::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 { "inf" } else { "-inf" }),
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => out.push_str(&toml_str(&s.to_string_lossy())),
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.0.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !write_value(out, item, how) {
                    out.push_str("\"None\"");
                }
            }
            out.push(']');
        }
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, item)) in d.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { " " });
                let _ = write!(out, "{} = ", toml_key(k));
                if !write_value(out, item, how) {
                    out.push_str("\"None\"");
                }
            }
            out.push_str(if d.is_empty() { "}" } else { " }" });
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_settings() {
        let p = |s: &str| s.split('.').map(PyStr::from).collect::<Vec<_>>();
        assert!(!known_setting(&p("context.secrets.x")));
        assert!(!known_setting(&p("cloud.auth_token")));
        assert!(!known_setting(&p("cloud.api_key")));
        assert!(!known_setting(&p("db.password")));
        assert!(!known_setting(&p("db.host")));
        assert!(!known_setting(&p("cloud.CACHE_TTL")));
        assert!(known_setting(&p("cloud.graphql")));
        assert!(known_setting(&p("cloud.cache_ttl")));
        assert!(known_setting(&p("cloud.api")));
        assert!(known_setting(&p("logging.level")));
        assert!(known_setting(&p("user_config_path")));
        assert!(could_carry_credential("postgres://u:p@db/x"));
        assert!(could_carry_credential("https://db/x?token=t"));
        assert!(could_carry_credential("https://db/x#access_token=t"));
        assert!(could_carry_credential("host=db password=x"));
        assert!(could_carry_credential("Bearer abc"));
        assert!(!could_carry_credential("https://db/x"));
        assert!(!could_carry_credential("INFO"));
    }

    #[test]
    fn toml_values() {
        let v = |json: &str| {
            let mut out = String::new();
            write_value(
                &mut out,
                &crate::pyjson::loads(json.as_bytes()).unwrap(),
                Show::Plain,
            );
            out
        };
        assert_eq!(
            v(r#"{"a": [1, 2.5, "x\"y"], "b c": true}"#),
            r#"{ a = [1, 2.5, "x\"y"], "b c" = true }"#
        );
        assert_eq!(v("1e16"), "1e+16");
        assert_eq!(v("-Infinity"), "-inf");
        assert_eq!(toml_str("a\u{1}b"), "\"a\\u0001b\"");
    }
}
