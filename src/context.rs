//! The state `get` reads: Prefect's configuration, its context secrets (already decoded
//! and rendered, so a local `get` is a lookup and a copy), and the flow-building flag.
//!
//! A `State` is an immutable snapshot; setters build a new one (see `store`). The secrets
//! live apart from the rest of the configuration, behind `Arc`s, so setting one secret
//! copies pointers, not every value.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::config::cloud::settings::Settings;
use crate::config::host::{Environment, Host};
use crate::config::keypath::KeyPath;
use crate::config::prefect3::Prefect3Settings;
use crate::config::source::{Built, Source, Sources, for_each_leaf, sources_of_entries};
use crate::config::validate::{SecretsTable, context_secrets};
use crate::config::{self, ConfigError};
use crate::error::Error;
use crate::pyjson;
use crate::pystr::PyStr;
use crate::rendered::Rendered;
use crate::value::{Dict, Value};

/// What `Secret(name).get()` gives for one stored value, rendered for C.
#[derive(Debug)]
pub enum Outcome {
    /// Python's `None`.
    None,
    Value(Rendered),
    /// `get` raises (e.g. an integer beyond Python's 4300-digit limit).
    Error(Error),
}

/// One `context.secrets` entry: the stored value (kept for merging another file over it
/// and for `secret_explain`), what `get` returns for it, and where it came from.
#[derive(Debug)]
pub struct Entry {
    /// `None` when it is the text of `outcome`'s rendering (a string `json.loads` refuses,
    /// as most secrets are): not kept twice.
    value: Option<Value>,
    pub outcome: Outcome,
    pub source: Option<Source>,
}

impl Drop for Entry {
    /// A number or boolean secret is wiped too (strings and renderings wipe themselves).
    fn drop(&mut self) {
        if let Some(v) = &mut self.value {
            crate::value::wipe_scalar(v);
        }
    }
}

impl Entry {
    /// Step 2 of `get`: `json.loads` the stored value; a decode error or a non-string
    /// (TypeError) returns the value as it is.
    fn new(name: &PyStr, value: Value, source: Option<Source>) -> Entry {
        let outcome = match pyjson::loads_or_keep(value.clone()) {
            Ok(Value::None) => Outcome::None,
            Ok(decoded) => Outcome::Value(Rendered::of(&decoded)),
            Err(e) => Outcome::Error(Error::config(format!(
                "secret {} cannot be decoded: {e}",
                name.to_string_lossy()
            ))),
        };
        let is_text = match (&value, &outcome) {
            (Value::Str(s), Outcome::Value(r)) => s.as_bytes() == r.text(),
            _ => false,
        };
        Entry {
            value: (!is_text).then_some(value),
            outcome,
            source,
        }
    }

    /// The value as stored, before `json.loads`.
    pub fn stored(&self) -> Cow<'_, Value> {
        match (&self.value, &self.outcome) {
            (Some(v), _) => Cow::Borrowed(v),
            // The same bytes as the stored string (compared when the entry was made).
            (None, Outcome::Value(r)) => {
                Cow::Owned(Value::Str(PyStr::from_gutf8(r.text().to_vec())))
            }
            (None, _) => unreachable!("only a rendered string stands for the stored value"),
        }
    }
}

pub type SecretMap = HashMap<Arc<[u8]>, Arc<Entry>>;

/// `prefect.context.secrets`.
#[derive(Clone, Debug)]
pub enum Secrets {
    Absent,
    Table(Arc<SecretMap>),
    /// Set to something that is not a table: `get` fails as Python's `secrets.get` does.
    NotATable(&'static str),
}

/// What the server path derives from a snapshot (`config::cloud::settings::Settings`), worked out
/// on the first server get and kept with the snapshot, so it goes when the snapshot goes.
/// A copy of a state (made to be changed) starts without it.
#[derive(Default)]
pub struct ServerCache(OnceLock<Result<Arc<Settings>, Error>>);

impl Clone for ServerCache {
    fn clone(&self) -> Self {
        ServerCache::default()
    }
}

impl std::fmt::Debug for ServerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerCache")
    }
}

/// Where the configuration's values came from (see `config::source`).
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// The sources of the values in `State::config` (not those of the secrets, which each
    /// [`Entry`] carries).
    pub sources: Sources,
    /// The configuration files read, in order.
    pub files: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct State {
    /// The configuration without `context.secrets`.
    config: Arc<Dict>,
    provenance: Arc<Provenance>,
    secrets: Secrets,
    flow_building: bool,
    /// `config.cloud.use_local_secrets is True`, worked out when the configuration
    /// changes rather than on every `get`.
    local: Result<bool, Error>,
    /// The environment variables read after loading (`~` for the credentials file, the
    /// Prefect 3 settings), as they were when the configuration was loaded: Python's
    /// `os.environ` is a snapshot too, and reading the live environment on every get
    /// would race with a host's `setenv`.
    env: Arc<Environment>,
    /// The names (never the values) of the variables whose names start with `prefect`
    /// in any case, as loaded, sorted: `secret_explain`'s near misses read these rather
    /// than the live environment, which a host's `setenv` may be changing.
    prefect_variables: Arc<[String]>,
    /// Prefect 3's client settings from its own sources (`config::prefect3`), read with
    /// the configuration whatever the flavour, so switching to Prefect 3 later reads
    /// nothing new; an error only matters to the Prefect 3 flavour.
    prefect3: Result<Arc<Prefect3Settings>, Error>,
    server: ServerCache,
}

/// The variables kept in that snapshot: what Python's `expanduser` reads (POSIX and
/// Windows) and Prefect 3's connection settings; and the proxy variables
/// (`config::cloud::proxy::VARIABLES`).
const SNAPSHOT_VARIABLES: &[&str] = &[
    "HOME",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "USERNAME",
    "PREFECT_API_URL",
    "PREFECT_API_KEY",
    "PREFECT_API_AUTH_STRING",
];

/// The names in `env` that start with `prefect` in any case, sorted.
fn prefect_variables(env: &Environment) -> Arc<[String]> {
    let mut names: Vec<String> = env
        .iter()
        .map(|(k, _)| k.to_string_lossy())
        .filter(|k| k.len() >= 7 && k.as_bytes()[..7].eq_ignore_ascii_case(b"prefect"))
        .collect();
    names.sort();
    names.into()
}

/// Where step 2 of `get` goes.
pub enum Lookup<'a> {
    Local(Option<&'a Outcome>),
    Server,
}

impl State {
    /// The state a freshly started Python process has, in the working directory `cwd`
    /// (where Prefect 3 looks for `.env`, `prefect.toml` and `pyproject.toml`).
    pub fn load_startup(host: &Host, cwd: &Path) -> Result<State, ConfigError> {
        let home = config::expand::expanduser(&PyStr::from("~"), host)
            .ok()
            .filter(|h| h.as_bytes() != b"~")
            .and_then(|h| config::to_path(&h));
        let prefect3 = config::prefect3::read(host.env, home.as_deref(), cwd)
            .map(Arc::new)
            .map_err(|e| Error::config(format!("Prefect 3's settings: {}", e.0)));
        State::from_config(config::load_startup(host)?, host, prefect3)
    }

    /// Splits `context.secrets` out of a full configuration and decodes each secret.
    fn from_config(
        built: Built,
        host: &Host,
        prefect3: Result<Arc<Prefect3Settings>, Error>,
    ) -> Result<State, ConfigError> {
        let Built {
            mut config,
            mut sources,
            files,
        } = built;
        let secrets = match context_secrets(&config)? {
            SecretsTable::Absent => Secrets::Absent,
            SecretsTable::NotATable(kind) => Secrets::NotATable(kind),
            SecretsTable::Table(_) => {
                let Some(Value::Dict(context)) = config.get_mut("context") else {
                    unreachable!("context_secrets found a table");
                };
                let Some(Value::Dict(mut table)) = context.remove("secrets") else {
                    unreachable!("context_secrets found a table");
                };
                let prefix = secrets_path();
                let of_secrets = sources_of_entries(&sources, &prefix);
                let map = table
                    .take_entries()
                    .map(|(k, v)| {
                        let source = of_secrets.get(k.as_bytes()).map(|s| (*s).clone());
                        let entry = Entry::new(&k, v, source);
                        (Arc::from(k.as_bytes()), Arc::new(entry))
                    })
                    .collect();
                drop(of_secrets);
                let prefix = KeyPath::of(&prefix);
                sources.retain(|k, _| !k.starts_with(&prefix));
                // The secrets' sources are most of them in a big file: the room they took
                // would stay with every snapshot.
                sources.shrink_to_fit();
                Secrets::Table(Arc::new(map))
            }
        };
        let local = use_local_secrets(&config);
        Ok(State {
            config: Arc::new(config),
            provenance: Arc::new(Provenance { sources, files }),
            secrets,
            flow_building: false,
            local,
            env: Arc::new(
                host.env
                    .subset(&[SNAPSHOT_VARIABLES, crate::config::cloud::proxy::VARIABLES].concat()),
            ),
            prefect_variables: prefect_variables(host.env),
            prefect3,
            server: ServerCache::default(),
        })
    }

    /// The full configuration again, `context.secrets` included, with its sources.
    fn full_config(&self) -> Built {
        let mut config = (*self.config).clone();
        let mut sources = self.provenance.sources.clone();
        let files = self.provenance.files.clone();
        let secrets = match &self.secrets {
            // A non-table `secrets` value never left the configuration.
            Secrets::Absent | Secrets::NotATable(_) => {
                return Built {
                    config,
                    sources,
                    files,
                };
            }
            Secrets::Table(map) => {
                let mut d = Dict::new();
                for (k, e) in map.iter() {
                    let name = PyStr::from_gutf8(k.to_vec());
                    if let Some(source) = &e.source {
                        // Every leaf of the value gets the entry's source back.
                        let mut path = secret_path(&name);
                        match &*e.stored() {
                            Value::Dict(table) => for_each_leaf(table, &mut path, &mut |p| {
                                sources.insert(KeyPath::of(p), source.clone());
                            }),
                            _ => {
                                sources.insert(KeyPath::of(&path), source.clone());
                            }
                        }
                    }
                    d.insert(name, e.stored().into_owned());
                }
                d
            }
        };
        match config.get_mut("context") {
            Some(Value::Dict(context)) => {
                context.insert(PyStr::from("secrets"), Value::Dict(secrets));
            }
            _ => {
                let mut context = Dict::new();
                context.insert(PyStr::from("secrets"), Value::Dict(secrets));
                config.insert(PyStr::from("context"), Value::Dict(context));
            }
        }
        Built {
            config,
            sources,
            files,
        }
    }

    /// `secret_config_load_file`: a file already loaded with
    /// [`config::load_path`] (outside any lock) merged over this state.
    pub fn merge_file(&self, file: Built, host: &Host) -> Result<State, ConfigError> {
        let merged = config::merge_loaded(&self.full_config(), file)?;
        let mut next = State::from_config(merged, host, self.prefect3.clone())?;
        next.flow_building = self.flow_building;
        Ok(next)
    }

    /// The configuration without `context.secrets` (for reports).
    /// Prefect 3's client settings as read with this configuration.
    pub fn prefect3(&self) -> &Result<Arc<Prefect3Settings>, Error> {
        &self.prefect3
    }

    /// Whether the server flavour is Prefect 3's (so reports speak of its settings).
    pub fn is_prefect3(&self) -> bool {
        self.server_settings()
            .is_ok_and(|s| s.flavor == Ok(crate::config::cloud::flavors::Flavor::PREFECT_3))
    }

    pub fn config(&self) -> &Dict {
        &self.config
    }

    /// Where the configuration's values came from.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// `prefect.context.secrets`.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    pub fn flow_building(&self) -> bool {
        self.flow_building
    }

    /// `config.cloud.use_local_secrets is True`, or why it cannot be worked out.
    pub fn uses_local_secrets(&self) -> Result<bool, Error> {
        self.local.clone()
    }

    /// Steps 1 and 2 of `get`, up to where the local and server paths part.
    pub fn lookup(&self, name: &str) -> Result<Lookup<'_>, Error> {
        if self.flow_building {
            return Err(Error::new(
                crate::error::ErrorKind::FlowBuilding,
                "Secrets should only be retrieved during a Flow run, not while building a Flow.",
            ));
        }
        if !self.local.clone()? {
            return Ok(Lookup::Server);
        }
        match &self.secrets {
            Secrets::Absent => Ok(Lookup::Local(None)),
            Secrets::Table(map) => Ok(Lookup::Local(map.get(name.as_bytes()).map(|e| &e.outcome))),
            Secrets::NotATable(kind) => Err(Error::config(format!(
                "context.secrets is a {kind}, not a table, so no secret can be read from it"
            ))),
        }
    }

    /// `config.cloud`, which the server path reads its settings from.
    pub fn cloud(&self) -> Result<&Dict, Error> {
        cloud_table(&self.config)
    }

    /// The server path's settings for this snapshot (computed once).
    pub fn server_settings(&self) -> Result<Arc<Settings>, Error> {
        // Worked out outside the `OnceLock` (racing threads may both work it out; one is
        // kept): a fork while another thread is inside `get_or_init` would leave the
        // child waiting forever for a thread it does not have.
        if let Some(settings) = self.server.0.get() {
            return settings.clone();
        }
        let settings = self.cloud().map(|cloud| {
            let logging = self.table("logging");
            Arc::new(Settings::new(cloud, logging, self.env(), &self.prefect3))
        });
        let _ = self.server.0.set(settings);
        self.server.0.get().expect("set just above").clone()
    }

    /// The environment variables read after loading (see the field).
    pub fn env(&self) -> Arc<Environment> {
        self.env.clone()
    }

    /// The names of the variables that start with `prefect` (any case) when the
    /// configuration was loaded, sorted.
    pub fn prefect_variables(&self) -> &[String] {
        &self.prefect_variables
    }

    /// A top-level table of the configuration, if it is one (`logging`, ...).
    pub fn table(&self, key: &str) -> Option<&Value> {
        self.config.get(key)
    }

    /// Assigns `config.cloud.<key>`; `None` deletes it.
    pub fn set_cloud(&mut self, key: &str, value: Option<Value>) -> Result<(), Error> {
        self.cloud()?;
        let config = Arc::make_mut(&mut self.config);
        let Some(Value::Dict(cloud)) = config.get_mut("cloud") else {
            unreachable!("checked above");
        };
        let path = KeyPath::of_strs(&["cloud", key]);
        let sources = &mut Arc::make_mut(&mut self.provenance).sources;
        match value {
            Some(v) => {
                cloud.insert(PyStr::from(key), v);
                sources.insert(path, Source::api());
            }
            None => {
                cloud.remove(key);
                sources.remove(&path);
            }
        }
        self.local = use_local_secrets(&self.config);
        Ok(())
    }

    /// `secret_config_set`: the `[cloud]` setting `key` (any case, `cloud.` or not) from
    /// text, as its kind reads it; `None` removes it. Messages never repeat the key or the
    /// text (either may be a credential passed by mistake).
    pub fn set_setting(&mut self, key: &str, text: Option<&str>) -> Result<(), Error> {
        use crate::config::cloud::keys;
        let setting = keys::named(key).ok_or_else(|| {
            Error::invalid_argument(format!(
                "key is not a [cloud] setting of this library; the settings are {}",
                keys::all_keys()
            ))
        })?;
        self.set_cloud(setting.key, setting.parse(text)?)
    }

    fn secrets_mut(&mut self) -> Result<&mut SecretMap, Error> {
        match &self.secrets {
            Secrets::NotATable(kind) => {
                return Err(Error::config(format!(
                    "context.secrets is a {kind}, not a table, so secrets cannot be set in it"
                )));
            }
            Secrets::Absent => self.secrets = Secrets::Table(Arc::default()),
            Secrets::Table(_) => {}
        }
        match &mut self.secrets {
            Secrets::Table(map) => Ok(Arc::make_mut(map)),
            _ => unreachable!("made a table above"),
        }
    }

    /// `prefect.context.secrets[name] = value`.
    pub fn set_secret(&mut self, name: &str, value: PyStr) -> Result<(), Error> {
        let entry = Entry::new(&PyStr::from(name), Value::Str(value), Some(Source::api()));
        self.secrets_mut()?
            .insert(Arc::from(name.as_bytes()), Arc::new(entry));
        Ok(())
    }

    /// `del prefect.context.secrets[name]`; `false` when there was no such secret.
    pub fn remove_secret(&mut self, name: &str) -> Result<bool, Error> {
        match &self.secrets {
            Secrets::Table(map) if map.contains_key(name.as_bytes()) => {}
            Secrets::NotATable(_) => {
                self.secrets_mut()?;
            }
            _ => return Ok(false),
        }
        Ok(self.secrets_mut()?.remove(name.as_bytes()).is_some())
    }

    /// `prefect.context.secrets.clear()`; a non-table `secrets` becomes an empty table.
    pub fn clear_secrets(&mut self) {
        self.secrets = Secrets::Table(Arc::default());
    }

    pub fn set_flow_building(&mut self, building: bool) {
        self.flow_building = building;
    }
}

/// `["context", "secrets"]`.
fn secrets_path() -> Vec<PyStr> {
    vec![PyStr::from("context"), PyStr::from("secrets")]
}

/// `["context", "secrets", name]`.
fn secret_path(name: &PyStr) -> Vec<PyStr> {
    let mut path = secrets_path();
    path.push(name.clone());
    path
}

fn cloud_table(config: &Dict) -> Result<&Dict, Error> {
    match config.get("cloud") {
        Some(Value::Dict(d)) => Ok(d),
        Some(other) => Err(Error::config(format!(
            "cloud is a {} in the configuration, not a table",
            other.type_name()
        ))),
        None => Err(Error::config("the configuration has no cloud table")),
    }
}

/// `config.cloud.use_local_secrets is True`: the boolean true only, not `1` or `"yes"`;
/// never under the Prefect 3 flavour, whose `Secret.load` has no local secrets (so
/// choosing that flavour is all a Prefect 3 user sets).
fn use_local_secrets(config: &Dict) -> Result<bool, Error> {
    use crate::config::cloud::{flavors, keys};
    let cloud = cloud_table(config)?;
    if let Some(Value::Str(f)) = cloud.get(keys::SERVER_FLAVOR)
        && flavors::named(f.as_bytes()) == Some(flavors::Flavor::PREFECT_3)
    {
        return Ok(false);
    }
    Ok(matches!(
        cloud.get(keys::USE_LOCAL_SECRETS),
        Some(Value::Bool(true))
    ))
}

#[cfg(test)]
mod tests;
