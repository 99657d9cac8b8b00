//! Prefect 3's client settings, resolved from the same sources, in the same order and
//! with the same conversions as Prefect 3.9 (pydantic-settings) does at import: see
//! docs/prefect3-settings.md for the rules and the recorded cases behind each.
//!
//! Highest first: `PREFECT_API` / `PREFECT_CLIENT` JSON objects, environment variables
//! (names without regard to case), `.env` in the working directory, `prefect.toml` in
//! the working directory, `[tool.prefect]` of `pyproject.toml` there, the active profile
//! of `profiles.toml`, then the defaults. One setting at a time: the sources merge.
//!
//! - [`dotenv`]: `.env` as python-dotenv reads it
//! - [`toml_sources`]: the TOML files, read under a cap
//! - [`profiles`]: which profile gives settings, and which one is named active
//! - [`coerce`]: pydantic's conversions of a raw value to a setting's type

pub mod coerce;
pub mod dotenv;
pub mod profiles;
pub mod toml_sources;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::ConfigError;
use crate::config::host::Environment;
use crate::pyjson;
use crate::value::{Dict, Value};
use coerce::{Headers, Reason};
use profiles::{ActiveProfile, ProfileOrigin, ProfileSettings};
use toml_sources::{Found, table_at};

/// Where a setting's value came from, for reports. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Prefect's default (`api.ssl_cert_file`'s default is `SSL_CERT_FILE`: that is
    /// [`Source::Env`]).
    Default,
    /// An environment variable, named as it is spelled in the environment.
    Env(String),
    /// A binding of the `.env` file.
    DotEnv {
        path: PathBuf,
        name: String,
        line: u32,
    },
    /// A key of `prefect.toml` or of `[tool.prefect]` in `pyproject.toml`, in the working
    /// directory: the file, the key's dotted path and its line.
    Toml {
        path: PathBuf,
        key: String,
        line: Option<u32>,
    },
    /// A key of the active profile.
    Profile { origin: ProfileOrigin, key: String },
    /// A key of a `PREFECT_API` / `PREFECT_CLIENT` JSON object, which came from there.
    Object(Box<Source>),
    /// A table merged from several sources (`client.custom_headers`), highest first.
    Merged(Vec<Source>),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "the default"),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::DotEnv { path, name, line } => {
                write!(f, "{name} in {}, line {line}", path.display())
            }
            Source::Toml { path, key, line } => {
                write!(f, "{key} in {}", path.display())?;
                match line {
                    Some(n) => write!(f, ", line {n}"),
                    None => Ok(()),
                }
            }
            Source::Profile { origin, key } => match origin {
                ProfileOrigin::File { path, name } => {
                    write!(f, "{key} of profile {name:?} in {}", path.display())
                }
                ProfileOrigin::Builtin { name } => write!(f, "{key} of Prefect's {name:?} profile"),
                ProfileOrigin::Unreadable { path } => write!(f, "{key} in {}", path.display()),
                ProfileOrigin::TestMode => write!(f, "{key} of no profile (test mode)"),
            },
            Source::Object(inner) => write!(f, "a JSON object in {inner}"),
            Source::Merged(all) => {
                write!(f, "merged from ")?;
                for (i, s) in all.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{s}")?;
                }
                Ok(())
            }
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<T> {
    pub value: T,
    pub source: Source,
}

/// A credential: wiped when dropped, and never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Zeroizing<String>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(..)")
    }
}

/// The settings a Prefect 3 client reads (`prefect.settings.get_current_settings()`),
/// and the active profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefect3Settings {
    /// `api.url`: the API's URL as given (not checked), `None` if unset.
    pub api_url: Resolved<Option<String>>,
    /// `api.key`: the Prefect Cloud API key.
    pub api_key: Resolved<Option<Secret>>,
    /// `api.auth_string`: `user:password` for a self-hosted server's basic auth.
    pub api_auth_string: Resolved<Option<Secret>>,
    /// `api.request_timeout`, seconds (60.0; may be negative, Prefect does not check).
    pub api_request_timeout: Resolved<f64>,
    /// `api.ssl_cert_file`: a CA bundle path; defaults to `SSL_CERT_FILE`.
    pub api_ssl_cert_file: Resolved<Option<String>>,
    /// `api.tls_insecure_skip_verify` (false).
    pub api_tls_insecure_skip_verify: Resolved<bool>,
    /// `client.max_retries` (5).
    pub client_max_retries: Resolved<u64>,
    /// `client.retry_jitter_factor` (0.2, at least 0).
    pub client_retry_jitter_factor: Resolved<f64>,
    /// `client.retry_extra_codes`: sorted, without repeats (none).
    pub client_retry_extra_codes: Resolved<Vec<u16>>,
    /// `client.custom_headers`: header names to values (credentials), in order (none).
    pub client_custom_headers: Resolved<Headers>,
    /// `client.csrf_support_enabled` (true).
    pub client_csrf_support_enabled: Resolved<bool>,
    /// `home`: `str()` of Prefect's path, `~` expanded (`~/.prefect`). Relative paths
    /// stay relative to the working directory, as in Prefect.
    pub home: Resolved<String>,
    /// `profiles_path`: `str()` of Prefect's path, `$PREFECT_HOME` replaced but `~` not
    /// expanded (`<home>/profiles.toml`).
    pub profiles_path: Resolved<String>,
    /// The profile Prefect names active; its settings came from [`Self::profile_origin`].
    pub profile: ActiveProfile,
    /// Which profile the profile source read settings from. It may differ from
    /// [`Self::profile`] (see docs/prefect3-settings.md).
    pub profile_origin: ProfileOrigin,
    /// Other profiles of the user's file that set `PREFECT_API_URL`, `_KEY` or
    /// `_AUTH_STRING`, and which (for `secret_explain`'s near misses).
    pub other_profiles: Vec<(String, Vec<&'static str>)>,
}

/// A settings file of the working directory.
pub(crate) enum FileState {
    Missing,
    NotRegular {
        path: PathBuf,
        kind: &'static str,
    },
    Table {
        path: PathBuf,
        table: Dict,
        /// The text, for the line of a key in use (`toml_sources::line_of`).
        text: Zeroizing<String>,
    },
}

impl FileState {
    fn load(path: PathBuf) -> Result<FileState, ConfigError> {
        Ok(match toml_sources::read(&path)? {
            Found::Missing => FileState::Missing,
            Found::NotRegular(kind) => FileState::NotRegular { path, kind },
            Found::Text(text) => FileState::Table {
                table: toml_sources::parse(&text, &path)?,
                path,
                text,
            },
        })
    }

    fn path_text(&self) -> String {
        match self {
            FileState::Missing => String::new(),
            FileState::NotRegular { path, .. } | FileState::Table { path, .. } => {
                path.display().to_string()
            }
        }
    }
}

pub(crate) struct DotEnv {
    path: PathBuf,
    bindings: dotenv::Bindings,
    /// Lower-cased name to the name as written, the last spelling winning.
    lower: HashMap<String, String>,
    /// Each name's line.
    lines: HashMap<String, u32>,
}

/// Everything read once, for every setting.
pub(crate) struct Ctx<'a> {
    env: &'a Environment,
    /// Lower-cased name to the name as spelled; pydantic-settings lower-cases names and
    /// the last spelling in the environment wins.
    env_lower: HashMap<String, String>,
    home: Option<String>,
    cwd: &'a Path,
    dotenv: Option<DotEnv>,
    prefect_toml: FileState,
    pyproject: FileState,
}

impl Ctx<'_> {
    fn env_exact(&self, name: &str) -> Option<String> {
        self.env.get(name.as_bytes()).map(|v| v.to_string_lossy())
    }

    /// A path as Prefect opens it: relative to the working directory.
    fn path(&self, py: &str) -> PathBuf {
        self.cwd.join(py)
    }

    /// `Path.home() / ".prefect"`.
    fn default_home(&self) -> String {
        coerce::py_join(self.home.as_deref().unwrap_or("~"), ".prefect")
    }
}

/// A settings model: its environment prefix and its table in the TOML files.
#[derive(Clone, Copy)]
struct Model {
    prefix: &'static str,
    table: &'static [&'static str],
}

const ROOT: Model = Model {
    prefix: "PREFECT_",
    table: &[],
};
const API: Model = Model {
    prefix: "PREFECT_API_",
    table: &["api"],
};
const CLIENT: Model = Model {
    prefix: "PREFECT_CLIENT_",
    table: &["client"],
};

/// How a source's raw value is decoded before the setting's own conversion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Taken as it is.
    Plain,
    /// A table-typed setting (`client.custom_headers`): text goes through `json.loads`,
    /// a TOML table is taken as it is, in the TOML files; in a profile, only text is
    /// accepted (a table there makes Prefect fail).
    Table,
    /// A nested model (`api`, `client`) as one value: like [`Shape::Table`], except
    /// that a TOML table is not this value but the model's own table, read per setting.
    Model,
    /// `client.retry_extra_codes` in the environment: JSON if it parses, else the text.
    JsonOrText,
}

/// One raw value and its source.
type Raw = (Value, Source);

fn decode_json(v: Value, what: &dyn Fn() -> String) -> Result<Value, ConfigError> {
    match v {
        Value::Str(s) => pyjson::loads(s.as_bytes())
            .map_err(|e| ConfigError::new(format!("{}: not JSON ({e})", what()))),
        other => Err(ConfigError::new(format!(
            "{}: a value of type {} where text or a table was expected",
            what(),
            other.type_name()
        ))),
    }
}

impl Ctx<'_> {
    /// The environment and `.env` sources: the variable `prefix+name`, case ignored.
    fn vars_source(&self, var: &str, shape: Shape) -> Result<Vec<Raw>, ConfigError> {
        let lower = var.to_lowercase();
        let mut out = Vec::new();
        if let Some(name) = self.env_lower.get(&lower) {
            let v = self.env_exact(name).unwrap_or_default();
            out.push((Value::str(&v), Source::Env(name.clone())));
        }
        if let Some(d) = &self.dotenv {
            // A name without `=` is bound to nothing: not set.
            if let Some((name, Some(v))) = d
                .lower
                .get(&lower)
                .and_then(|n| Some((n, d.bindings.get(n)?.as_ref())))
            {
                out.push((
                    Value::str(v),
                    Source::DotEnv {
                        path: d.path.clone(),
                        name: name.clone(),
                        line: d.lines.get(name).copied().unwrap_or(0),
                    },
                ));
            }
        }
        out.into_iter()
            .map(|(v, src)| {
                let v = match shape {
                    Shape::Plain => v,
                    Shape::JsonOrText => pyjson::loads_or_keep(v)
                        .map_err(|e| ConfigError::new(format!("{src}: {e}")))?,
                    Shape::Table | Shape::Model => decode_json(v, &|| src.to_string())?,
                };
                Ok((v, src))
            })
            .collect()
    }

    /// The `prefect.toml` and `pyproject.toml` sources: key `name` in the model's table.
    fn toml_source(&self, model: Model, name: &str, shape: Shape) -> Result<Vec<Raw>, ConfigError> {
        let mut out = Vec::new();
        for (file, lead) in [
            (&self.prefect_toml, &[][..]),
            (&self.pyproject, &["tool", "prefect"][..]),
        ] {
            let FileState::Table { path, table, text } = file else {
                continue;
            };
            let keys: Vec<&str> = lead.iter().chain(model.table).copied().collect();
            let Some(t) = table_at(table, &keys, path)? else {
                continue;
            };
            let Some(v) = t.get(name.as_bytes()) else {
                continue;
            };
            let mut at = keys.clone();
            at.push(name);
            let src = Source::Toml {
                path: path.clone(),
                key: at.join("."),
                line: toml_sources::line_of(text, &at),
            };
            let v = match (shape, v) {
                // A table for a setting that is not a table is taken for a nested
                // model's and skipped; a model's own table is read setting by setting.
                (Shape::Model | Shape::Plain | Shape::JsonOrText, Value::Dict(_)) => continue,
                (Shape::Table, Value::Dict(_)) | (Shape::Plain | Shape::JsonOrText, _) => v.clone(),
                (Shape::Table | Shape::Model, _) => {
                    decode_json(v.clone(), &|| format!("`{name}` in {src}"))?
                }
            };
            out.push((v, src));
        }
        Ok(out)
    }

    fn profile_source(
        &self,
        profile: &ProfileSettings,
        key: &str,
        shape: Shape,
    ) -> Result<Vec<Raw>, ConfigError> {
        let Some(v) = profile.table.get(key.as_bytes()) else {
            return Ok(Vec::new());
        };
        let src = Source::Profile {
            origin: profile.origin.clone(),
            key: key.to_owned(),
        };
        let v = match shape {
            Shape::Plain | Shape::JsonOrText => v.clone(),
            Shape::Table | Shape::Model => decode_json(v.clone(), &|| src.to_string())?,
        };
        Ok(vec![(v, src)])
    }

    /// Every source's raw value for one setting, highest first.
    fn raw(
        &self,
        model: Model,
        name: &str,
        shape: Shape,
        init: Option<&(Dict, Source)>,
        profile: &ProfileSettings,
    ) -> Result<Vec<Raw>, ConfigError> {
        let mut all = Vec::new();
        if let Some((d, src)) = init {
            if let Some(v) = d.get(name.as_bytes()) {
                all.push((v.clone(), Source::Object(Box::new(src.clone()))));
            }
        }
        let var = format!("{}{}", model.prefix, name.to_uppercase());
        let env_shape = if shape == Shape::Plain && name == "retry_extra_codes" {
            Shape::JsonOrText
        } else {
            shape
        };
        all.extend(self.vars_source(&var, env_shape)?);
        all.extend(self.toml_source(model, name, shape)?);
        all.extend(self.profile_source(profile, &var, shape)?);
        Ok(all)
    }
}

/// pydantic-settings' `deep_update` over the sources: the highest value wins, except
/// that tables merge key by key down to the first source that is not a table.
fn merge(all: Vec<Raw>) -> Option<Raw> {
    let mut it = all.into_iter();
    let (first, src) = it.next()?;
    let Value::Dict(mut top) = first else {
        return Some((first, src));
    };
    let mut sources = vec![src];
    for (v, s) in it {
        let Value::Dict(lower) = v else { break };
        fill(&mut top, lower);
        sources.push(s);
    }
    let src = if sources.len() == 1 {
        sources.pop().unwrap_or(Source::Default)
    } else {
        Source::Merged(sources)
    };
    Some((Value::Dict(top), src))
}

/// Adds `lower`'s keys that `top` lacks; tables on both sides merge the same way.
fn fill(top: &mut Dict, mut lower: Dict) {
    for (k, v) in lower.take_entries() {
        match (top.get_mut(k.as_bytes()), v) {
            (None, v) => {
                top.insert(k, v);
            }
            (Some(Value::Dict(t)), Value::Dict(l)) => fill(t, l),
            (Some(_), _) => {}
        }
    }
}

fn resolve<T>(
    found: Option<Raw>,
    setting: &str,
    default: impl FnOnce() -> T,
    convert: impl FnOnce(&Value) -> Result<T, Reason>,
) -> Result<Resolved<T>, ConfigError> {
    match found {
        None => Ok(Resolved {
            value: default(),
            source: Source::Default,
        }),
        Some((v, source)) => match convert(&v) {
            Ok(value) => Ok(Resolved { value, source }),
            Err(reason) => Err(ConfigError::new(format!(
                "Prefect 3 setting {setting} from {source}: {reason}"
            ))),
        },
    }
}

fn secret(v: &Value) -> Result<Option<Secret>, Reason> {
    coerce::text(v).map(|s| Some(Secret(Zeroizing::new(s))))
}

/// Resolves Prefect 3's client settings as a client process started with this
/// environment, home directory and working directory would (`import prefect`, then
/// `get_current_settings()`). `home` stands for `Path.home()` (`$HOME`); with `None`,
/// `~` stays as written. Where Prefect would fail to import, this fails too, with a
/// message that names the file, variable or key but never a value.
pub fn read(
    env: &Environment,
    home: Option<&Path>,
    cwd: &Path,
) -> Result<Prefect3Settings, ConfigError> {
    let mut env_lower = HashMap::new();
    for (k, _) in env.iter() {
        let k = k.to_string_lossy();
        env_lower.insert(k.to_lowercase(), k);
    }
    let dotenv_path = cwd.join(".env");
    let dotenv = match toml_sources::read(&dotenv_path)? {
        Found::Text(text) => {
            let parsed = dotenv::parse_lines(&text);
            // The line of a name given twice is its last one, whose value counts.
            let lines = parsed.iter().map(|((n, _), l)| (n.clone(), *l)).collect();
            let bindings = dotenv::interpolate(parsed.into_iter().map(|(b, _)| b).collect(), |n| {
                env.get(n.as_bytes()).map(|v| v.to_string_lossy())
            });
            let lower = bindings
                .keys()
                .map(|k| (k.to_lowercase(), k.clone()))
                .collect();
            Some(DotEnv {
                path: dotenv_path,
                bindings,
                lower,
                lines,
            })
        }
        // Prefect reads `.env` only if it is a file.
        Found::Missing | Found::NotRegular(_) => None,
    };
    let ctx = Ctx {
        env,
        env_lower,
        home: home.map(|h| h.to_string_lossy().into_owned()),
        cwd,
        dotenv,
        prefect_toml: FileState::load(cwd.join("prefect.toml"))?,
        pyproject: FileState::load(cwd.join("pyproject.toml"))?,
    };
    let profile = profiles::settings(&ctx)?;
    let raw = |model, name: &str, shape, init| ctx.raw(model, name, shape, init, &profile);
    let first = |model, name: &str, init| -> Result<Option<Raw>, ConfigError> {
        Ok(raw(model, name, Shape::Plain, init)?.into_iter().next())
    };

    // The root model: `home`, `profiles_path`, and `api` / `client` given whole.
    let home_dir = ctx.home.as_deref();
    let home_setting = resolve(
        first(ROOT, "home", None)?,
        "home",
        || ctx.default_home(),
        |v| coerce::text(v).map(|t| coerce::py_path(&coerce::expand_user(&t, home_dir))),
    )?;
    let profiles_path = match first(ROOT, "profiles_path", None)? {
        None => Resolved {
            value: coerce::py_join(&home_setting.value, "profiles.toml"),
            source: Source::Default,
        },
        Some(found) => resolve(Some(found), "profiles_path", String::new, |v| {
            coerce::text(v)
                .map(|t| coerce::py_path(&t.replace("$PREFECT_HOME", &home_setting.value)))
        })?,
    };
    let model_object = |name: &str| -> Result<Option<(Dict, Source)>, ConfigError> {
        match merge(raw(ROOT, name, Shape::Model, None)?) {
            None => Ok(None),
            Some((Value::Dict(d), src)) => Ok(Some((d, src))),
            Some((v, src)) => Err(ConfigError::new(format!(
                "Prefect 3 setting {name} from {src}: a value of type {} where a JSON object was expected",
                v.type_name()
            ))),
        }
    };
    let api = model_object("api")?;
    let client = model_object("client")?;
    let api = api.as_ref();
    let client = client.as_ref();

    let ssl_default = env.get(b"SSL_CERT_FILE").map(|v| v.to_string_lossy());
    let api_ssl_cert_file = match first(API, "ssl_cert_file", api)? {
        None => Resolved {
            source: if ssl_default.is_some() {
                Source::Env("SSL_CERT_FILE".to_owned())
            } else {
                Source::Default
            },
            value: ssl_default,
        },
        found => resolve(
            found,
            "api.ssl_cert_file",
            || None,
            |v| coerce::text(v).map(Some),
        )?,
    };
    let settings = Prefect3Settings {
        api_url: resolve(
            first(API, "url", api)?,
            "api.url",
            || None,
            |v| coerce::text(v).map(Some),
        )?,
        api_key: resolve(first(API, "key", api)?, "api.key", || None, secret)?,
        api_auth_string: resolve(
            first(API, "auth_string", api)?,
            "api.auth_string",
            || None,
            secret,
        )?,
        api_request_timeout: resolve(
            first(API, "request_timeout", api)?,
            "api.request_timeout",
            || 60.0,
            coerce::float,
        )?,
        api_ssl_cert_file,
        api_tls_insecure_skip_verify: resolve(
            first(API, "tls_insecure_skip_verify", api)?,
            "api.tls_insecure_skip_verify",
            || false,
            coerce::boolean,
        )?,
        client_max_retries: resolve(
            first(CLIENT, "max_retries", client)?,
            "client.max_retries",
            || 5,
            |v| {
                coerce::int(v)
                    .and_then(coerce::at_least_zero)
                    .map(|n| n.unsigned_abs())
            },
        )?,
        client_retry_jitter_factor: resolve(
            first(CLIENT, "retry_jitter_factor", client)?,
            "client.retry_jitter_factor",
            || 0.2,
            |v| coerce::float(v).and_then(coerce::at_least_zero),
        )?,
        client_retry_extra_codes: resolve(
            first(CLIENT, "retry_extra_codes", client)?,
            "client.retry_extra_codes",
            Vec::new,
            coerce::status_codes,
        )?,
        client_custom_headers: resolve(
            merge(raw(CLIENT, "custom_headers", Shape::Table, client)?),
            "client.custom_headers",
            Headers::new,
            coerce::headers,
        )?,
        client_csrf_support_enabled: resolve(
            first(CLIENT, "csrf_support_enabled", client)?,
            "client.csrf_support_enabled",
            || true,
            coerce::boolean,
        )?,
        profile: profiles::active(&ctx, &profiles_path.value)?,
        profile_origin: profile.origin.clone(),
        other_profiles: profile.others.clone(),
        home: home_setting,
        profiles_path,
    };
    Ok(settings)
}
