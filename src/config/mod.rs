//! Prefect 0.5.3's configuration, built the way `prefect.configuration` builds it at import:
//! the bundled defaults, then `PREFECT__*` environment variables, `$VAR`/`~` expansion and
//! `${key}` references, then the user file at `user_config_path` (which goes through the
//! same steps on its own) merged over the defaults.
//!
//! - [`toml_file`]: TOML text to tables, as Python's `toml` 0.10.2 reads it
//! - [`flat`]: environment overrides, interpolation, references (`load_config_file`)
//! - [`escape`], [`expand`], [`typing`]: the pieces applied to single values
//! - [`validate`]: the checks Prefect makes before anything runs
//! - [`host`]: the environment and user database the loader reads
//! - [`prefect3`]: Prefect 3's own client settings (a separate reader, not the above)

pub mod cloud;
pub mod defaults;
pub mod escape;
pub mod expand;
pub mod flat;
pub mod host;
pub mod keypath;
pub mod ntpath;
pub mod prefect3;
pub mod source;
pub mod toml_file;
pub mod typing;
pub mod validate;

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Error;
use crate::files;
use crate::pystr::PyStr;
use crate::value::{Dict, Value};
use expand::interpolate_env_var;
use flat::Flat;
use host::Host;
use source::{Built, Origin, merged_sources};

/// The longest text one value may grow to through `$VAR`/`~` expansion or `${key}`
/// references (16 MiB). Python has no such limit: it builds whatever the doubling asks for
/// until memory runs out; a value that would grow past this is a configuration error
/// naming the variable or key instead. Text that is longer as written is left alone.
pub const MAX_VALUE_BYTES: usize = 16 << 20;

/// How far `$VAR`/`~` expansion and `${key}` references may grow all values of one
/// configuration (one file, or the defaults, with the environment over it) together
/// (64 MiB, or what the values weighed as written, if more). A value's weight is roughly
/// the memory it takes: its text plus [`VALUE_OVERHEAD`] for itself and each item it
/// holds. Many values each under [`MAX_VALUE_BYTES`] cannot add up to more, nor can a
/// big list copied by many whole-value references (Python shares one list; here each
/// reference holds a copy).
pub const MAX_CONFIG_BYTES: usize = 64 << 20;

/// The caps configuration loading applies. Production loads with [`Limits::DEFAULT`]
/// (`Store::with_env` and `Store::from_process`); tests reach a cap in milliseconds with
/// small ones (`Store::with_limits`, or a [`Host`] of their own) instead of building
/// tens of megabytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// [`MAX_VALUE_BYTES`]
    pub value_bytes: usize,
    /// [`MAX_CONFIG_BYTES`]
    pub config_bytes: usize,
    /// [`files::CONFIG_FILE_CAP`]: the largest configuration file read.
    pub file_bytes: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        value_bytes: MAX_VALUE_BYTES,
        config_bytes: MAX_CONFIG_BYTES,
        file_bytes: files::CONFIG_FILE_CAP,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A cap in messages: "16777216 bytes (16 MiB)"; a cap that is no whole number of MiB
/// (only tests use one) without the MiB.
pub fn shown_cap(bytes: usize) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{bytes} bytes ({} MiB)", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What one value weighs towards [`MAX_CONFIG_BYTES`] besides its text: its own size.
pub const VALUE_OVERHEAD: usize = std::mem::size_of::<Value>();

/// A configuration Prefect 0.5.3 would refuse to start with. The message names the file,
/// variable or key, never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl ConfigError {
    pub fn new(msg: impl Into<String>) -> Self {
        ConfigError(msg.into())
    }

    /// A value or configuration that would grow past [`MAX_VALUE_BYTES`] or
    /// [`MAX_CONFIG_BYTES`]: a limit of this library, where Python would go on building.
    pub fn over_cap(msg: impl std::fmt::Display) -> Self {
        ConfigError(format!("{msg} {OVER_CAP_NOTE}"))
    }

    /// Whether this is (or wraps) an [`ConfigError::over_cap`] error.
    pub fn is_over_cap(&self) -> bool {
        self.0.contains(OVER_CAP_NOTE)
    }
}

// Here rather than in `error`, which sits below the configuration.
impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::config(e.0)
    }
}

const OVER_CAP_NOTE: &str =
    "(a limit of this library: Prefect 0.5.3 would try to build it until memory runs out)";

/// `load_config_file` on configuration text: parse, flatten, environment overrides,
/// interpolation, references, nest again. `source` names the text in messages. (The
/// fuzz targets load text through it.)
pub fn load_text(text: &str, source: &str, host: &Host) -> Result<Dict, ConfigError> {
    Ok(build(text, source, &Origin::Defaults, host)?.config)
}

/// The configuration of `text`, with the source of every value, `origin` being the text's.
fn build(text: &str, source: &str, origin: &Origin, host: &Host) -> Result<Built, ConfigError> {
    let (tree, lines) = toml_file::parse_with_lines(text, source)?;
    let mut flat = Flat::from_tree(tree, origin, lines, host.limits);
    flat.apply_env(host)?;
    flat.interpolate(host)?;
    flat.resolve_references()?;
    flat.into_tree()
}

/// `load_config_file(path)`: the path is interpolated first, as Prefect does.
pub fn load_path(path: &PyStr, host: &Host) -> Result<Built, ConfigError> {
    let shown = path.to_string_lossy();
    let expanded = interpolate_env_var(Value::Str(path.clone()), host)
        .map_err(|e| ConfigError::new(format!("configuration file path {shown}: {}", e.0)))?;
    let path = match expanded {
        Value::Str(p) => p,
        other => {
            return Err(ConfigError::new(format!(
                "configuration file path {shown} expands to a {}, not a path",
                other.type_name()
            )));
        }
    };
    let shown = path.to_string_lossy();
    let os_path = to_path(&path).ok_or_else(|| {
        ConfigError::new(format!("configuration file path {shown} cannot be encoded"))
    })?;
    // Only a regular file, opened without blocking and read up to the cap: a FIFO, a
    // device or a huge file is refused at once.
    let bytes = files::read_regular(&os_path, host.limits.file_bytes)
        .map_err(|e| ConfigError::new(format!("cannot read configuration file {shown}: {e}")))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ConfigError::new(format!("configuration file {shown} is not valid UTF-8")))?;
    let origin = Origin::File {
        path: Arc::from(shown.as_ref()),
        line: None,
    };
    let mut built = build(text, &format!("configuration file {shown}"), &origin, host)?;
    built.files.push(shown.to_string());
    Ok(built)
}

/// A configuration string as a file system path (Python's file system encoding:
/// surrogateescape on POSIX); `None` when it cannot be one (a NUL, an unencodable
/// character), where Python raises `ValueError`.
#[cfg(unix)]
pub fn to_path(p: &PyStr) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    let bytes = p.to_bytes_surrogateescape()?;
    (!bytes.contains(&0)).then(|| PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
pub fn to_path(p: &PyStr) -> Option<PathBuf> {
    let s = p.as_str()?;
    (!s.contains('\0')).then(|| PathBuf::from(s))
}

/// `merge_dicts`: tables merge key by key, anything else is replaced.
pub fn merge(mut base: Dict, mut over: Dict) -> Dict {
    for (k, v) in over.take_entries() {
        match (base.get_mut(&k), v) {
            (Some(Value::Dict(b)), Value::Dict(o)) => {
                let merged = merge(std::mem::take(b), o);
                *b = merged;
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    base
}

/// The configuration a Python process importing Prefect 0.5.3 would have.
pub fn load_startup(host: &Host) -> Result<Built, ConfigError> {
    let mut built = build(
        defaults::DEFAULT_CONFIG,
        "Prefect's default configuration",
        &Origin::Defaults,
        host,
    )?;
    if let Some(path) = user_config_file(&built.config)? {
        let user = load_path(&path, host)?;
        built = merge_built(built, user);
    }
    apply_flavor_switch(&mut built, host);
    validate::check_task_defaults(&built.config)?;
    validate::context_secrets(&built.config)?;
    Ok(built)
}

/// `PREFECT_SECRETS_FLAVOR` (when set and not empty) as `cloud.server_flavor`, over what
/// the files and `PREFECT__` variables said. Its value is checked where every flavour
/// name is, when a get needs it.
fn apply_flavor_switch(built: &mut Built, host: &Host) {
    let name = cloud::flavors::SWITCH_VARIABLE;
    let Some(flavor) = host.env.get(name.as_bytes()).filter(|v| !v.is_empty()) else {
        return;
    };
    if let Some(Value::Dict(cloud)) = built.config.get_mut("cloud") {
        cloud.insert(
            PyStr::from(cloud::keys::SERVER_FLAVOR),
            Value::Str(flavor.clone()),
        );
        built.sources.insert(
            keypath::KeyPath::of_strs(&["cloud", cloud::keys::SERVER_FLAVOR]),
            source::Source::new(Origin::Env(name.to_string())),
        );
    }
}

/// `secret_config_load_file`'s merge: a file already loaded with [`load_path`] merged
/// over `current` and checked. Separate so that the file can be read before taking a lock.
pub fn merge_loaded(current: &Built, file: Built) -> Result<Built, ConfigError> {
    let merged = merge_built(current.clone(), file);
    validate::check_task_defaults(&merged.config)?;
    validate::context_secrets(&merged.config)?;
    Ok(merged)
}

/// [`merge`], carrying the sources and the list of files along.
fn merge_built(base: Built, over: Built) -> Built {
    let config = merge(base.config, over.config);
    let sources = merged_sources(&config, base.sources, over.sources);
    let mut files = base.files;
    files.extend(over.files);
    Built {
        config,
        sources,
        files,
    }
}

/// `user_config_path` if Prefect would load it: a non-empty path naming a regular file
/// (`os.path.isfile`, so a FIFO, a device or a directory there is skipped, as in Python).
/// It may be replaced between this check and the read; [`load_path`] reads only a regular
/// file, so a swapped-in FIFO is an error at once rather than a hang.
fn user_config_file(config: &Dict) -> Result<Option<PyStr>, ConfigError> {
    match config.get("user_config_path") {
        Some(Value::Str(p)) if !p.is_empty() => {
            Ok(to_path(p).filter(|p| p.is_file()).map(|_| p.clone()))
        }
        // `os.path.isfile` takes an int as a file descriptor, never a config file here.
        None | Some(Value::None | Value::Str(_) | Value::Int(_) | Value::Bool(_)) => Ok(None),
        Some(Value::Float(f)) if *f == 0.0 => Ok(None),
        Some(Value::List(l)) if l.0.is_empty() => Ok(None),
        Some(Value::Dict(d)) if d.is_empty() => Ok(None),
        Some(other) => Err(ConfigError::new(format!(
            "user_config_path is a {}, not a path (Prefect 0.5.3 fails to start with TypeError)",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests;
