//! `secret_config_view`: the effective configuration as TOML, the way
//! `prefect config view --show-sources` shows Prefect 2/3's settings.
//!
//! Masked with [`MASK`], whatever their type: every value under `context.secrets`, every
//! `[cloud]` credential (`server::keys::SETTINGS`), any key whose name says it holds a
//! credential (`token`, `password`, `secret`, `key`, `auth`, ...), a URL with a user and
//! password or a query, and any value built from a masked one by a `${key}` reference.
//! With sources, each value ends with a comment saying where it came from.

use std::fmt::Write as _;

use crate::config::keypath::KeyPath;
use crate::config::source::{Source, Sources};
use crate::context::{Secrets, State};
use crate::error::Error;
use crate::pyjson::repr::float_repr;
use crate::pystr::PyStr;
use crate::server::keys;
use crate::store::Store;
use crate::value::{Dict, Value};

/// What a masked value is shown as.
pub const MASK: &str = "********";

/// The configuration as TOML, masked; `show_sources` adds where each value came from.
pub fn config_view(store: &Store, show_sources: bool) -> Result<String, Error> {
    let snapshot = store.snapshot();
    let state = match &*snapshot {
        Ok(state) => state,
        Err(e) => return Err(e.clone()),
    };
    let (config, sources) = full(state);
    let mut out = String::from(
        "# Prefect 0.5.3 configuration as prefect-secrets resolved it; secret values and \
         credentials are masked\n",
    );
    let mut view = View {
        out: &mut out,
        sources: &sources,
        show_sources,
    };
    view.table(&config, &mut Vec::new());
    Ok(out)
}

/// The configuration with `context.secrets` back in (its values are masked anyway, so
/// only their names and sources matter), and every source by path.
fn full(state: &State) -> (Dict, Sources) {
    let mut config = state.config().clone();
    let mut sources = state.provenance().sources.clone();
    if let Secrets::Table(map) = state.secrets() {
        let mut names: Vec<(PyStr, Option<&Source>)> = map
            .iter()
            .map(|(k, e)| (PyStr::from_gutf8(k.to_vec()), e.source.as_ref()))
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let mut table = Dict::new();
        for (name, source) in names {
            let path = vec![PyStr::from("context"), PyStr::from("secrets"), name.clone()];
            if let Some(s) = source {
                sources.insert(KeyPath::of(&path), s.clone());
            }
            // A placeholder: the value is never looked at, only masked.
            table.insert(name, Value::None);
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
        let hidden = masked_path(path)
            || source.is_some_and(|s| s.references.iter().any(|r| masked_dotted(r)))
            || matches!(value, Value::Str(s) if url_with_credential(&s.to_string_lossy()));
        let mut line = format!("{} = ", toml_key(key));
        if hidden {
            line.push_str(&toml_str(MASK));
        } else if !write_value(&mut line, value) {
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

/// `context.secrets` and everything below it, `[cloud]` credentials, and keys named like
/// credentials.
fn masked_path(path: &[PyStr]) -> bool {
    let text: Vec<String> = path.iter().map(PyStr::to_string_lossy).collect();
    let in_secrets = text.len() >= 2 && text[0] == "context" && text[1] == "secrets";
    let cloud_credential = text.len() == 2 && text[0] == "cloud" && keys::is_credential(&text[1]);
    in_secrets || cloud_credential || text.iter().any(|k| named_like_credential(k))
}

fn masked_dotted(dotted: &str) -> bool {
    let path: Vec<PyStr> = dotted.split('.').map(PyStr::from).collect();
    masked_path(&path)
}

/// Key names that say they hold a credential: one of their words (split at `_`, `-`
/// and `.`) is a credential's (`auth_token`, `db-password`, `api_key`, `client_secret`;
/// not `use_local_secrets`).
fn named_like_credential(key: &str) -> bool {
    const WORDS: &[&str] = &[
        "token",
        "password",
        "passwd",
        "pwd",
        "secret",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "key",
        "apikey",
        "private",
        "passphrase",
    ];
    key.to_ascii_lowercase()
        .split(['_', '-', '.'])
        .any(|w| WORDS.contains(&w))
}

/// A URL that may carry a credential: a user and password (`scheme://user:pw@host`) or
/// a query (`?token=...`), which `secret_explain` never shows either.
fn url_with_credential(text: &str) -> bool {
    text.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority.contains('@') || rest.contains('?')
    })
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
fn toml_str(s: &str) -> String {
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

/// Writes `v` as a TOML value; false for None, which TOML has no way to write.
fn write_value(out: &mut String, v: &Value) -> bool {
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
                if !write_value(out, item) {
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
                if !write_value(out, item) {
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
    fn what_is_masked() {
        let p = |s: &str| s.split('.').map(PyStr::from).collect::<Vec<_>>();
        assert!(masked_path(&p("context.secrets.x")));
        assert!(masked_path(&p("context.secrets")));
        assert!(masked_path(&p("cloud.auth_token")));
        assert!(masked_path(&p("cloud.api_key")));
        assert!(masked_path(&p("db.password")));
        assert!(masked_path(&p("registry.key")));
        assert!(!masked_path(&p("cloud.graphql")));
        assert!(!masked_path(&p("cloud.api_url")));
        assert!(!masked_path(&p("logging.level")));
        assert!(!masked_path(&p("cloud.use_local_secrets")));
        assert!(masked_path(&p("oauth.client_secret")));
        assert!(url_with_credential("postgres://u:p@db/x"));
        assert!(url_with_credential("https://db/x?token=t"));
        assert!(!url_with_credential("https://db/x"));
        assert!(!url_with_credential("no url ? here"));
    }

    #[test]
    fn toml_values() {
        let v = |json: &str| {
            let mut out = String::new();
            write_value(&mut out, &crate::pyjson::loads(json.as_bytes()).unwrap());
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
