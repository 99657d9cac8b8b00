//! `secret_explain`: what `Secret(name).get()` would do with this configuration, and why,
//! in plain text. The first line is the verdict; the indented lines after it the reasons:
//!
//! ```text
//! secret "my_key": found (local: cloud.use_local_secrets is true, from Prefect 0.5.3's defaults)
//!   set by: environment variable PREFECT__CONTEXT__SECRETS__MY_KEY (Prefect lowercases the name)
//!   stored: text of 16 bytes; json.loads gives a dict with 2 keys
//! ```
//!
//! It never asks a server and never shows a value or a credential (see `report`).

use std::fmt::Write as _;

use super::{kind_of, near};
use crate::config::cloud::keys as key;
use crate::config::source::{Origin, Source, from_text, key_and_source};
use crate::context::{Entry, Outcome, Secrets, State};
use crate::pyjson::{self, DecodeError};
use crate::pystr::PyStr;
use crate::server::{Request, flavors};
use crate::server::{cache, reuse};
use crate::store::{Store, Version};
use crate::value::Value;

/// The report on `name`; on a template when `name` holds a block or variable placeholder
/// (no secret is named so: a Prefect 3 block name has no braces).
pub fn explain(store: &Store, name: &str) -> String {
    if crate::templating::fills_any(&PyStr::from(name)) {
        return super::template::explain(store, name);
    }
    let snapshot = store.snapshot();
    let mut out = String::new();
    match &snapshot.loaded {
        Ok(state) => explain_state(&mut out, store, snapshot.version, state, name),
        Err(e) => {
            let _ = writeln!(
                out,
                "secret {name:?}: every get fails: the configuration cannot be loaded\n  \
                 because: {e}"
            );
        }
    }
    out
}

fn explain_state(out: &mut String, store: &Store, version: Version, state: &State, name: &str) {
    let sources = &state.provenance().sources;
    let local_from = from_text(sources, &["cloud", key::USE_LOCAL_SECRETS]);
    let mut lines = Vec::new();
    if state.flow_building() {
        lines.push(
            "first: a Flow is being built (secret_context_set_flow_building), so every get \
             fails with SECRET_ERR_FLOW_BUILDING until that ends"
                .to_string(),
        );
    }
    let verdict = match state.uses_local_secrets() {
        Err(e) => format!("every get fails: {e}"),
        Ok(true) => {
            let (verdict, mut more) = local(store, state, name);
            lines.append(&mut more);
            format!("{verdict} (local: cloud.use_local_secrets is true, {local_from})")
        }
        Ok(false) => {
            lines.append(&mut server(store, version, state, name));
            if state.is_prefect3() {
                "asked of the server at each get (the prefect-3 flavour: Prefect 3's \
                 Secret.load has no local secrets)"
                    .to_string()
            } else {
                format!(
                    "asked of the server at each get (cloud.use_local_secrets is not true, \
                     {local_from})"
                )
            }
        }
    };
    let _ = writeln!(out, "secret {name:?}: {verdict}");
    for line in lines {
        let _ = writeln!(out, "  {line}");
    }
}

/// The local path: the verdict and the reasons.
fn local(store: &Store, state: &State, name: &str) -> (String, Vec<String>) {
    let map = match state.secrets() {
        Secrets::Table(map) => Some(map),
        Secrets::Absent => None,
        Secrets::NotATable(kind) => {
            return (
                format!("every get fails: context.secrets is a {kind}, not a table"),
                vec![format!(
                    "set by: {}",
                    near::describe_key_source(state, &["context", "secrets"])
                )],
            );
        }
    };
    if let Some(entry) = map.and_then(|m| m.get(name.as_bytes())) {
        return found(name, entry);
    }
    let mut lines = vec![match map {
        Some(m) => format!(
            "looked up in context.secrets ({} {})",
            m.len(),
            if m.len() == 1 { "name" } else { "names" }
        ),
        None => "looked up in context.secrets, which the configuration does not have".into(),
    }];
    lines.append(&mut near::near_misses(store, state, name));
    lines.push(near::files_read(state));
    ("not found (Python's None)".to_string(), lines)
}

fn found(name: &str, entry: &Entry) -> (String, Vec<String>) {
    let verdict = match &entry.outcome {
        Outcome::Value(_) => "found".to_string(),
        Outcome::None => "found, but its value is None, so get answers not found".to_string(),
        Outcome::Error(e) => format!("found, but every get fails: {e}"),
    };
    let mut lines = vec![format!("set by: {}", set_by(name, entry.source.as_ref()))];
    lines.push(format!(
        "stored: {}",
        stored(&entry.stored(), entry.source.as_ref())
    ));
    (verdict, lines)
}

/// Where an entry came from, with what Prefect did to its name on the way.
fn set_by(name: &str, source: Option<&Source>) -> String {
    let Some(source) = source else {
        return "unknown".to_string();
    };
    match &source.origin {
        Origin::Env(var) if !var.ends_with(name) => {
            format!("{source} (Prefect 0.5.3 lowercases the names of environment variables)")
        }
        _ => source.to_string(),
    }
}

/// What is stored and what `json.loads` makes of it, by kind and size only.
fn stored(value: &Value, source: Option<&Source>) -> String {
    match value {
        Value::Str(s) => format!("{}; {}", kind_of(value), decoded(s)),
        other => {
            let why = match source.map(|s| &s.origin) {
                Some(Origin::Env(_)) => {
                    " (Prefect's string_to_type made it from the variable's text: true/false \
                     in any case, and numbers written as Python writes them)"
                }
                Some(Origin::File { .. } | Origin::Defaults) => " (as TOML wrote it)",
                _ => "",
            };
            format!(
                "{}{why}; json.loads applies only to text, so get returns it as it is",
                kind_of(other)
            )
        }
    }
}

fn decoded(text: &PyStr) -> String {
    match pyjson::loads(text.as_bytes()) {
        Ok(v) => format!("json.loads gives {}", kind_of(&v)),
        Err(DecodeError::Syntax { pos, msg }) => {
            format!("not JSON (json.loads: {msg} at byte {pos}), so get returns the text as it is")
        }
        Err(e) => format!("json.loads raises ({e}), so get fails"),
    }
}

/// The server path: the flavour's account of the request, the cache and the reuse window.
fn server(store: &Store, version: Version, state: &State, name: &str) -> Vec<String> {
    let sources = &state.provenance().sources;
    let mut lines = Vec::new();
    let settings = match state.server_settings() {
        Ok(s) => s,
        Err(e) => return vec![format!("every get fails: {e}")],
    };
    let flavor_key = key_and_source(sources, &["cloud", key::SERVER_FLAVOR]);
    match &settings.flavor {
        Ok(flavor) => {
            lines.push(format!("server API: {} ({flavor_key})", flavor.name()));
            let request = Request {
                version,
                settings: &settings,
                accounts: store.accounts(),
            };
            lines.extend((flavors::of(*flavor).explain)(&request, name, sources));
        }
        Err(e) => lines.push(format!("every get fails: {e}")),
    }
    match &settings.limits {
        Ok(limits) => {
            lines.push(if limits.cache_ttl.is_zero() {
                format!(
                    "cache: off ({})",
                    key_and_source(sources, &["cloud", key::CACHE_TTL])
                )
            } else if cache::lookup(version, name).is_some() {
                "cache: holds this name, so a get now is answered from memory".to_string()
            } else {
                format!(
                    "cache: on for {} s, but it does not hold this name now",
                    limits.cache_ttl.as_secs_f64()
                )
            });
            if reuse::recall(version, name).is_some() {
                lines.push(
                    "reuse: this thread fetched it within cloud.reuse_window, so a get from \
                     it now reuses that value"
                        .to_string(),
                );
            }
        }
        Err(e) => lines.push(format!("every get fails: {e}")),
    }
    if let Secrets::Table(map) = state.secrets() {
        if let Some(entry) = map.get(name.as_bytes()) {
            lines.push(format!(
                "not used: context.secrets has {name:?} (set by: {}), but only the local path \
                 reads it",
                set_by(name, entry.source.as_ref())
            ));
        }
    }
    lines.push(
        "explain does not ask the server, so whether the server has this secret is not known"
            .to_string(),
    );
    lines
}
