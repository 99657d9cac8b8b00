//! Profiles: which `profiles.toml` the profile source reads and which of its profiles
//! gives settings, and which profile Prefect then names as active. These are two
//! separate lookups in Prefect 3 and they can disagree (see docs/prefect3-settings.md):
//! the settings come from the file `_get_profiles_path` finds, with `PREFECT_PROFILE`
//! or the file's `active`; the name comes from the `profiles_path` setting, merged with
//! the profiles Prefect ships.

use std::path::PathBuf;

use super::coerce::{py_join, py_path, truthy};
use super::toml_sources::{self, Found, value_at};
use super::{Ctx, FileState};
use crate::config::ConfigError;
use crate::value::{Dict, Value};

/// The profiles Prefect ships (`prefect/settings/profiles.toml`), by name, with the
/// settings each sets; `ephemeral` is active. Only the names and the one client setting
/// matter here; the server settings are kept so a profile's keys read as Prefect's do.
const BUILTIN: &str = r#"active = "ephemeral"
[profiles.ephemeral]
PREFECT_SERVER_EPHEMERAL_ENABLED = "true"
[profiles.local]
PREFECT_API_URL = "http://127.0.0.1:4200/api"
[profiles.test]
PREFECT_SERVER_EPHEMERAL_ENABLED = "true"
PREFECT_SERVER_DATABASE_CONNECTION_URL = "sqlite+aiosqlite:///:memory:"
[profiles.cloud]
"#;

pub const DEFAULT_PROFILE: &str = "ephemeral";

fn builtin() -> Dict {
    toml_sources::parse(BUILTIN, "<built-in profiles>".as_ref()).unwrap_or_default()
}

/// Where a profile's settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileOrigin {
    /// A profile of a user's profiles file.
    File { path: PathBuf, name: String },
    /// One of the profiles Prefect ships (used when the file or the profile is missing).
    Builtin { name: String },
    /// Prefect's test mode is on (see [`TEST_MODE`]): no profile gives settings.
    TestMode,
    /// The profiles file is not valid TOML: Prefect warns and uses no profile settings
    /// (and then fails naming the active profile, if the `profiles_path` setting names
    /// the same file).
    Unreadable { path: PathBuf },
}

/// The settings table the profile source reads.
pub struct ProfileSettings {
    pub table: Dict,
    pub origin: ProfileOrigin,
    /// The other profiles of the user's file that set a connection setting, with the
    /// ones they set: the near miss of a key set in a profile that is not active.
    pub others: Vec<(String, Vec<&'static str>)>,
}

/// The settings a get connects with, which a user may have set in another profile.
pub const CONNECTION_KEYS: [&str; 3] = [
    "PREFECT_API_URL",
    "PREFECT_API_KEY",
    "PREFECT_API_AUTH_STRING",
];

/// [`ProfileSettings::others`] of a user's profiles table.
fn others(profiles: Option<&Dict>, active: Option<&str>) -> Vec<(String, Vec<&'static str>)> {
    let Some(profiles) = profiles else {
        return Vec::new();
    };
    profiles
        .iter()
        .filter_map(|(name, table)| {
            let name = name.to_string_lossy();
            let Value::Dict(table) = table else {
                return None;
            };
            let set: Vec<&'static str> = CONNECTION_KEYS
                .into_iter()
                .filter(|k| table.get(*k).is_some())
                .collect();
            (active != Some(name.as_str()) && !set.is_empty()).then_some((name, set))
        })
        .collect()
}

/// Python truthiness of an environment variable: set and not empty.
fn env_set(ctx: &Ctx, name: &str) -> Option<String> {
    ctx.env_exact(name).filter(|v| !v.is_empty())
}

/// Prefect's test mode: any of these set and not empty turns the profile source off.
const TEST_MODE: [&str; 4] = [
    "PREFECT_TEST_MODE",
    "PREFECT_UNIT_TEST_MODE",
    "PREFECT_TESTING_UNIT_TEST_MODE",
    "PREFECT_TESTING_TEST_MODE",
];

/// `_get_profiles_path`: the file the profile source reads; `None` for Prefect's own.
fn source_path(ctx: &Ctx) -> Result<Option<String>, ConfigError> {
    if let Some(p) = env_set(ctx, "PREFECT_PROFILES_PATH") {
        return Ok(Some(py_path(&p)));
    }
    if let Some(p) = ctx
        .dotenv
        .as_ref()
        .and_then(|d| d.bindings.get("PREFECT_PROFILES_PATH").cloned().flatten())
        .filter(|p| !p.is_empty())
    {
        return Ok(Some(py_path(&p)));
    }
    for (file, keys) in [
        (&ctx.prefect_toml, &["profiles_path"][..]),
        (&ctx.pyproject, &["tool", "prefect", "profiles_path"][..]),
    ] {
        let table = match file {
            FileState::Missing => continue,
            // Prefect reads it without checking what it is, and fails.
            FileState::NotRegular { path, kind } => {
                return Err(ConfigError::new(format!(
                    "{}: {kind}, not a regular file",
                    path.display()
                )));
            }
            FileState::Table { table, .. } => table,
        };
        match value_at(table, keys) {
            Some(Value::Str(s)) if !s.is_empty() => return Ok(Some(py_path(&s.to_string_lossy()))),
            Some(v) if truthy(v) => {
                return Err(ConfigError::new(format!(
                    "`{}` in {}: not a path",
                    keys.join("."),
                    file.path_text()
                )));
            }
            _ => {}
        }
    }
    if let Some(home) = env_set(ctx, "PREFECT_HOME") {
        // No `~` expansion here, unlike the `home` setting.
        return Ok(Some(py_join(&home, "profiles.toml")));
    }
    let default = py_join(&ctx.default_home(), "profiles.toml");
    Ok(ctx.path(&default).exists().then_some(default))
}

fn default_profile(data: &Dict) -> ProfileSettings {
    let name = match data.get("active") {
        Some(Value::Str(s)) => s.to_string_lossy(),
        _ => DEFAULT_PROFILE.to_owned(),
    };
    let table = value_at(data, &["profiles", &name])
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default();
    ProfileSettings {
        table,
        origin: ProfileOrigin::Builtin { name },
        others: Vec::new(),
    }
}

/// `ProfileSettingsTomlLoader`: the settings of the profile named by `PREFECT_PROFILE`
/// (set and not empty) or else the file's `active`; Prefect's default profile when the
/// file does not exist, names no profile, or lacks the one named.
pub(crate) fn settings(ctx: &Ctx) -> Result<ProfileSettings, ConfigError> {
    if TEST_MODE.iter().any(|n| env_set(ctx, n).is_some()) {
        return Ok(ProfileSettings {
            table: Dict::new(),
            origin: ProfileOrigin::TestMode,
            others: Vec::new(),
        });
    }
    let builtin = builtin();
    let (data, path) = match source_path(ctx)? {
        None => (builtin.clone(), None),
        Some(p) => {
            let full = ctx.path(&p);
            if !full.exists() {
                return Ok(default_profile(&builtin));
            }
            match toml_sources::read(&full)? {
                Found::Missing => return Ok(default_profile(&builtin)),
                Found::NotRegular(kind) => {
                    return Err(ConfigError::new(format!(
                        "{}: {kind}, not a regular file",
                        full.display()
                    )));
                }
                Found::Text(text) => match toml_sources::parse(&text, &full) {
                    Ok(d) => (d, Some(full)),
                    Err(_) => {
                        return Ok(ProfileSettings {
                            table: Dict::new(),
                            origin: ProfileOrigin::Unreadable { path: full },
                            others: Vec::new(),
                        });
                    }
                },
            }
        }
    };
    let active = match env_set(ctx, "PREFECT_PROFILE") {
        Some(name) => Some(Value::str(&name)),
        None => data.get("active").cloned(),
    };
    // Only a user's file has other profiles worth naming.
    let user_profiles = match (&path, data.get("profiles")) {
        (Some(_), Some(Value::Dict(d))) => Some(d),
        _ => None,
    };
    let fallback = |active: Option<&str>| {
        let mut p = default_profile(&builtin);
        p.others = others(user_profiles, active);
        p
    };
    let Some(active) = active.filter(truthy) else {
        return Ok(fallback(None));
    };
    let profiles = match data.get("profiles") {
        None => return Ok(fallback(None)),
        Some(Value::Dict(d)) => d,
        Some(_) => return Err(not_a_table(path.as_ref(), "profiles")),
    };
    let Value::Str(name) = &active else {
        return Ok(fallback(None));
    };
    let name = name.to_string_lossy();
    match profiles.get(name.as_bytes()) {
        None => Ok(fallback(Some(&name))),
        Some(Value::Dict(table)) => Ok(ProfileSettings {
            table: table.clone(),
            others: others(user_profiles, Some(&name)),
            origin: match path {
                Some(path) => ProfileOrigin::File { path, name },
                None => ProfileOrigin::Builtin { name },
            },
        }),
        Some(_) => Err(not_a_table(path.as_ref(), &format!("profiles.{name}"))),
    }
}

fn not_a_table(path: Option<&PathBuf>, key: &str) -> ConfigError {
    let file = path.map_or_else(
        || "the built-in profiles".to_owned(),
        |p| p.display().to_string(),
    );
    ConfigError::new(format!("{file}: `{key}` is not a table"))
}

/// The active profile as Prefect names it (`root_settings_context`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveProfile {
    /// The profile's name: `ephemeral` when the one asked for does not exist.
    pub name: String,
    /// The name asked for (by `PREFECT_PROFILE` or the file's `active`) when no such
    /// profile exists; Prefect prints a warning and uses `ephemeral`. `None` otherwise.
    pub missing: Option<String>,
}

/// `load_profiles` then `root_settings_context`: the profiles Prefect ships merged with
/// those of the file the `profiles_path` setting names (if it exists); the active one is
/// `PREFECT_PROFILE` if set at all (even empty), else the file's `active` if truthy,
/// else `ephemeral`.
pub(crate) fn active(ctx: &Ctx, profiles_path: &str) -> Result<ActiveProfile, ConfigError> {
    let builtin = builtin();
    let mut names: Vec<String> = value_at(&builtin, &["profiles"])
        .and_then(Value::as_dict)
        .map(|d| d.iter().map(|(k, _)| k.to_string_lossy()).collect())
        .unwrap_or_default();
    let mut active = Value::str(DEFAULT_PROFILE);
    let full = ctx.path(profiles_path);
    if full.exists() {
        let text = match toml_sources::read(&full)? {
            Found::Text(t) => t,
            Found::Missing => Default::default(),
            Found::NotRegular(kind) => {
                return Err(ConfigError::new(format!(
                    "{}: {kind}, not a regular file",
                    full.display()
                )));
            }
        };
        let data = toml_sources::parse(&text, &full)?;
        match data.get("profiles") {
            None => {}
            Some(Value::Dict(d)) => {
                for (name, settings) in d.iter() {
                    if settings.as_dict().is_none() {
                        return Err(not_a_table(
                            Some(&full),
                            &format!("profiles.{}", name.to_string_lossy()),
                        ));
                    }
                    names.push(name.to_string_lossy());
                }
            }
            Some(_) => return Err(not_a_table(Some(&full), "profiles")),
        }
        if let Some(a) = data.get("active").filter(|a| truthy(a)) {
            active = a.clone();
        }
    }
    if let Some(name) = ctx.env_exact("PREFECT_PROFILE") {
        active = Value::str(&name);
    }
    Ok(match &active {
        Value::Str(s) if names.contains(&s.to_string_lossy()) => ActiveProfile {
            name: s.to_string_lossy(),
            missing: None,
        },
        other => ActiveProfile {
            name: DEFAULT_PROFILE.to_owned(),
            missing: Some(match other {
                Value::Str(s) => s.to_string_lossy(),
                v => format!("<a {}>", v.type_name()),
            }),
        },
    })
}
