//! Near misses for a secret that is not found: the usual reasons a Prefect 0.5.3 secret
//! "does not work" are in the configuration pipeline, not in the secret.
//!
//! - a name in `context.secrets` that differs only in case or in spaces at the ends
//!   (Prefect lowercases the names of environment variables);
//! - an environment variable that looks meant for it but is not read as it
//!   (`PREFECT__CONTEXT__SECRET__X`, `PREFECT_CONTEXT__SECRETS__X`, a lowercase prefix),
//!   or one whose secret was removed after the configuration was loaded;
//! - a `config.toml` that sets it but is not the file at `user_config_path`.
//!
//! Only names of variables, keys and files are shown, never a value. The environment is
//! the one read when the configuration was loaded (`State`), never the live one: reading
//! `environ` while a host thread calls `setenv` can crash, so no report reads it.

use std::path::{Path, PathBuf};

use crate::config::host::Host;
use crate::config::source::{Origin, from_text, source_of};
use crate::config::{expand, to_path, toml_file};
use crate::context::{Secrets, State};
use crate::files;
use crate::pystr::PyStr;
use crate::store::Store;
use crate::value::Value;

/// What Prefect reads environment overrides from: variables whose names start with this
/// exactly (case matters).
const ENV_PREFIX: &str = "PREFECT__";

/// The "did you mean" lines for `name`.
pub fn near_misses(store: &Store, state: &State, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Secrets::Table(map) = state.secrets() {
        let mut names: Vec<String> = map
            .keys()
            .map(|k| PyStr::from_gutf8(k.to_vec()).to_string_lossy())
            .filter(|n| n != name && similar(n, name))
            .collect();
        names.sort();
        for other in names {
            let entry = &map[other.as_bytes()];
            let mut line = format!("did you mean {other:?}? it is set");
            if let Some(source) = &entry.source {
                line.push_str(&format!(" by {source}"));
                if matches!(source.origin, Origin::Env(_)) && other.to_lowercase() == other {
                    line.push_str(
                        ": Prefect 0.5.3 lowercases the names of environment variables, so a \
                         secret set there always has a lowercase name",
                    );
                }
            }
            if other.trim() != other || name.trim() != name {
                line.push_str(" (the names differ in spaces at their ends)");
            }
            out.push(line);
        }
    }
    // The environment as it was loaded, never the live one (a host's `setenv` may be
    // changing it): the names of Prefect's variables, and the home directory for `~`.
    out.extend(environment(state, name));
    let env = state.env();
    let host = Host {
        env: &env,
        accounts: store.accounts(),
        limits: store.limits(),
    };
    out.extend(other_files(&host, state, name));
    out.extend(prefect3_configured(state));
    out
}

/// The dead end of a Prefect 3 user who has not chosen its flavour: Prefect 3's API URL
/// is set (by `prefect cloud login`, `prefect config set`, the environment...), but a
/// get reads Prefect 0.5.3's local secrets.
pub fn prefect3_configured(state: &State) -> Option<String> {
    let p3 = state.prefect3().as_ref().ok()?;
    p3.api_url.value.as_deref().filter(|u| !u.is_empty())?;
    Some(format!(
        "Prefect 3's API URL is set ({}), but this get reads Prefect 0.5.3's secrets: for \
         Prefect 3's Secret blocks, set PREFECT_SECRETS_FLAVOR=prefect-3 (or --flavor \
         prefect-3, or secret_config_set_server_flavor(SECRET_SERVER_PREFECT_3))",
        p3.api_url.source
    ))
}

/// Names that differ only in case or in whitespace at the ends.
fn similar(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Environment variables that look meant for `name` but do not set it.
fn environment(state: &State, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let loaded =
        |n: &str| matches!(state.secrets(), Secrets::Table(map) if map.contains_key(n.as_bytes()));
    for var in state.prefect_variables() {
        let Some(meant) = meant_secret(var) else {
            continue;
        };
        if !similar(&meant, name) {
            continue;
        }
        match var.strip_prefix(ENV_PREFIX) {
            Some(option) => {
                let key: Vec<String> = option
                    .to_lowercase()
                    .split("__")
                    .map(String::from)
                    .collect();
                if key.len() == 3 && key[0] == "context" && key[1] == "secrets" {
                    if key[2] == name && !loaded(name) {
                        out.push(format!(
                            "{var} was set when the configuration was loaded, but the secret \
                             has been removed since (secret_config_reset reads the environment \
                             again)"
                        ));
                    }
                    // Otherwise it is a name in context.secrets (see above).
                    continue;
                }
                let mut line = format!(
                    "{var} does not set it: it sets {}, not context.secrets.{}",
                    key.join("."),
                    name.to_lowercase()
                );
                if key.get(1).is_some_and(|k| k == "secret") {
                    line.push_str(" (secret, not secrets)");
                } else {
                    line.push_str(" (keys are separated by two underscores)");
                }
                out.push(line);
            }
            None => out.push(format!(
                "{var} is not read: Prefect 0.5.3 reads only environment variables whose \
                 names start with PREFECT__ (capitals, two underscores)"
            )),
        }
    }
    out
}

/// The secret name a variable looks meant to set: `PREFECT`, `CONTEXT`, `SECRET` or
/// `SECRETS` and the name, joined by runs of underscores, in any case.
fn meant_secret(var: &str) -> Option<String> {
    let lower = var.to_lowercase();
    let rest = lower.strip_prefix("prefect")?;
    let rest = rest.strip_prefix('_')?.trim_start_matches('_');
    let rest = rest.strip_prefix("context")?;
    let rest = rest.strip_prefix('_')?.trim_start_matches('_');
    let rest = rest.strip_prefix("secret")?;
    let rest = rest.strip_prefix('s').unwrap_or(rest);
    let rest = rest.strip_prefix('_')?.trim_start_matches('_');
    (!rest.is_empty()).then(|| rest.to_string())
}

/// `config.toml` files in the usual places that set `name` but are not read.
fn other_files(host: &Host, state: &State, name: &str) -> Vec<String> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(p) = expand::expanduser(&PyStr::from("~/.prefect/config.toml"), host) {
        candidates.extend(to_path(&p));
    }
    candidates.push(PathBuf::from("config.toml"));
    candidates.push(PathBuf::from(".prefect/config.toml"));
    let read: Vec<PathBuf> = state
        .provenance()
        .files
        .iter()
        .filter_map(|f| std::fs::canonicalize(f).ok())
        .collect();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for path in candidates {
        let Ok(full) = std::fs::canonicalize(&path) else {
            continue;
        };
        if read.contains(&full) || seen.contains(&full) {
            continue;
        }
        seen.push(full.clone());
        if let Some((key, line)) = sets_secret(&full, name) {
            out.push(format!(
                "{} (line {line}) sets context.secrets.{key}, but that file is not read: \
                 Prefect reads only the file at user_config_path ({})",
                full.display(),
                user_config_path(state)
            ));
        }
    }
    out
}

/// The name (as the file spells it) and line of a `context.secrets` entry similar to
/// `name` in the TOML file at `path`, if it has one. Read as every configuration file is
/// (a regular file, capped); a file that cannot be read or parsed says nothing.
fn sets_secret(path: &Path, name: &str) -> Option<(String, u32)> {
    let bytes = files::read_regular(path, files::CONFIG_FILE_CAP).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (tree, lines) = toml_file::parse_with_lines(text, "a candidate file").ok()?;
    let Some(Value::Dict(context)) = tree.get("context") else {
        return None;
    };
    let Some(Value::Dict(secrets)) = context.get("secrets") else {
        return None;
    };
    let (key, _) = secrets
        .iter()
        .find(|(k, _)| similar(&k.to_string_lossy(), name))?;
    let path = vec![PyStr::from("context"), PyStr::from("secrets"), key.clone()];
    Some((key.to_string_lossy(), lines.of(&tree, &path).unwrap_or(0)))
}

/// `user_config_path`'s value and where it came from.
fn user_config_path(state: &State) -> String {
    let value = match state.config().get("user_config_path") {
        Some(Value::Str(p)) => format!("{:?}", p.to_string_lossy()),
        Some(other) => format!("a {}", other.type_name()),
        None => "not set".to_string(),
    };
    format!(
        "{value}, {}",
        from_text(&state.provenance().sources, &["user_config_path"])
    )
}

/// The line saying which configuration files were read.
pub fn files_read(state: &State) -> String {
    let files = &state.provenance().files;
    if files.is_empty() {
        let exists = match state.config().get("user_config_path") {
            Some(Value::Str(p)) => to_path(p).is_some_and(|p| p.exists()),
            _ => false,
        };
        format!(
            "configuration files read: none, only Prefect's defaults and the environment \
             (user_config_path is {}{})",
            user_config_path(state),
            if exists {
                ", not a regular file"
            } else {
                ", no such file"
            }
        )
    } else {
        format!("configuration files read: {}", files.join(", "))
    }
}

/// Where the value at `path` (a table's first value for a table) came from.
pub fn describe_key_source(state: &State, path: &[&str]) -> String {
    let key: Vec<PyStr> = path.iter().map(|k| PyStr::from(*k)).collect();
    match source_of(&state.provenance().sources, &key) {
        Some(source) => source.to_string(),
        None => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_meant_for_a_secret() {
        assert_eq!(
            meant_secret("PREFECT__CONTEXT__SECRETS__MY_KEY").as_deref(),
            Some("my_key")
        );
        assert_eq!(
            meant_secret("PREFECT__CONTEXT__SECRET__X").as_deref(),
            Some("x")
        );
        assert_eq!(
            meant_secret("PREFECT_CONTEXT__SECRETS__X").as_deref(),
            Some("x")
        );
        assert_eq!(
            meant_secret("prefect__context__secrets__x").as_deref(),
            Some("x")
        );
        assert_eq!(
            meant_secret("PREFECT__CONTEXT_SECRETS_X").as_deref(),
            Some("x")
        );
        assert_eq!(meant_secret("PREFECT__CLOUD__API"), None);
        assert_eq!(meant_secret("PREFECT__CONTEXT__SECRETS__"), None);
        assert_eq!(meant_secret("PREFECTCONTEXT__SECRETS__X"), None);
    }
}
