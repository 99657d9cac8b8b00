//! What the server path reads from the configuration: Prefect 0.5.3's own keys
//! (`cloud.graphql`, `cloud.auth_token`, the `logging` table its client sets up) and the
//! limits this library adds (`cloud.connect_timeout`, ...). All of it is copied out of a
//! snapshot before any network I/O.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::flavors::{self, Flavor};
use super::keys::{self as key, valid_seconds};
use super::proxy::ProxyEnv;
use super::url::check_url;
use zeroize::Zeroizing;

use crate::config::host::Environment;
use crate::config::prefect3::{self as p3, Prefect3Settings};
use crate::error::Error;
use crate::pystr::PyStr;
use crate::value::{Dict, Value};
use ureq::http::Uri;

/// Defaults for the keys this library adds; Prefect 0.5.3 itself has no limits.
pub const DEFAULT_CONNECT_TIMEOUT: f64 = 10.0;
pub const DEFAULT_REQUEST_TIMEOUT: f64 = 30.0;
pub const DEFAULT_MAX_REPLY_BYTES: u64 = 4 << 20;
pub const DEFAULT_REUSE_WINDOW: f64 = 1.0;
pub const DEFAULT_CACHE_TTL: f64 = 0.0;
pub const DEFAULT_CACHE_MAX_ENTRIES: u64 = 1000;

/// Transport limits and policies (the keys this library adds under `[cloud]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// `cloud.connect_timeout`: seconds to set up a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// `cloud.request_timeout`: seconds for one whole HTTP exchange, reply included.
    pub request_timeout: Duration,
    /// `cloud.max_reply_bytes`: a larger reply is an error, not an allocation.
    pub max_reply_bytes: u64,
    /// `cloud.ca_bundle`: PEM file of trusted roots; `None` uses the system's trust store.
    pub ca_bundle: Option<PathBuf>,
    /// The setting `ca_bundle` came from, for messages.
    pub ca_bundle_from: &'static str,
    /// Certificates are not checked at all (Prefect 3's
    /// `PREFECT_API_TLS_INSECURE_SKIP_VERIFY`; never for Prefect 0.5.3).
    pub skip_verify: bool,
    /// `cloud.allow_insecure_http`: plain `http://` to hosts that are not loopback.
    pub allow_insecure_http: bool,
    /// `cloud.reuse_window`: how long a thread may reuse the value it just fetched.
    pub reuse_window: Duration,
    /// `cloud.cache_ttl`: how long any thread may reuse a fetched value (0: never).
    pub cache_ttl: Duration,
    /// `cloud.cache_max_entries`: the most values the cache holds (the oldest goes first).
    pub cache_max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs_f64(DEFAULT_CONNECT_TIMEOUT),
            request_timeout: Duration::from_secs_f64(DEFAULT_REQUEST_TIMEOUT),
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
            ca_bundle: None,
            ca_bundle_from: "cloud.ca_bundle",
            skip_verify: false,
            allow_insecure_http: false,
            reuse_window: Duration::from_secs_f64(DEFAULT_REUSE_WINDOW),
            cache_ttl: Duration::from_secs_f64(DEFAULT_CACHE_TTL),
            cache_max_entries: DEFAULT_CACHE_MAX_ENTRIES,
        }
    }
}

/// How to reach a Prefect 3 server: `cloud.api_url`, `cloud.api_key` and
/// `cloud.api_auth_string`, each defaulting to the Prefect 3 setting of the same meaning
/// (`PREFECT_API_URL`, `PREFECT_API_KEY`, `PREFECT_API_AUTH_STRING`) from Prefect 3's
/// sources (`config::prefect3`); the rest is Prefect 3's settings as they are.
#[derive(Clone, Debug, Default)]
pub struct Prefect3 {
    pub api_url: Option<Sourced>,
    pub api_key: Option<Sourced>,
    pub auth_string: Option<Sourced>,
    pub retries: ClientRetries,
    /// `client.custom_headers`, in order (values are credentials).
    pub custom_headers: Vec<(String, Zeroizing<String>)>,
    /// `client.csrf_support_enabled`: whether a request that changes something (a batch
    /// get's POST) first fetches a CSRF token, when the server is not Prefect Cloud.
    pub csrf_support: bool,
    /// What Prefect 3's settings change in the transport (see [`Prefect3::limits`]).
    pub transport: Prefect3Transport,
    /// The active profile's name, and the other profiles that set a connection setting
    /// (for `secret_explain`).
    pub profile: String,
    pub other_profiles: Vec<(String, Vec<&'static str>)>,
}

/// Prefect 3's transport settings, where no `cloud.*` key says otherwise.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prefect3Transport {
    /// `api.request_timeout`, for `cloud.connect_timeout` and `cloud.request_timeout`
    /// when they are not set.
    pub connect_timeout: Option<Duration>,
    pub request_timeout: Option<Duration>,
    /// `api.ssl_cert_file` (default `SSL_CERT_FILE`), when `cloud.ca_bundle` is not set.
    pub ca_bundle: Option<PathBuf>,
    /// `api.tls_insecure_skip_verify`.
    pub skip_verify: bool,
}

impl Prefect3 {
    /// The transport limits of a Prefect 3 get: `base` (the `cloud.*` settings) with
    /// Prefect 3's settings where those are not set.
    pub fn limits(&self, base: &Limits) -> Limits {
        let t = &self.transport;
        let mut limits = base.clone();
        limits.connect_timeout = t.connect_timeout.unwrap_or(base.connect_timeout);
        limits.request_timeout = t.request_timeout.unwrap_or(base.request_timeout);
        if let Some(path) = &t.ca_bundle {
            limits.ca_bundle = Some(path.clone());
            limits.ca_bundle_from = "Prefect 3's api.ssl_cert_file";
        }
        limits.skip_verify = t.skip_verify;
        limits
    }
}

/// How Prefect 3's client retries (`server::retry`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClientRetries {
    /// `PREFECT_CLIENT_MAX_RETRIES`: tries after the first.
    pub max_retries: u32,
    /// `PREFECT_CLIENT_RETRY_JITTER_FACTOR`: 0 waits exactly.
    pub jitter_factor: f64,
    /// `PREFECT_CLIENT_RETRY_EXTRA_CODES`: statuses retried besides 408, 429, 502, 503.
    pub extra_codes: Vec<u16>,
}

impl Default for ClientRetries {
    /// Prefect 3's defaults (`prefect.settings.models.client`).
    fn default() -> Self {
        ClientRetries {
            max_retries: 5,
            jitter_factor: 0.2,
            extra_codes: Vec::new(),
        }
    }
}

/// A Prefect 3 setting's text and where it was read (for `secret_explain`).
#[derive(Clone, Debug)]
pub struct Sourced {
    pub value: PyStr,
    /// `Key(k)`: `cloud.<k>`; `Env(v)`: the environment variable `v`.
    pub from: ReadFrom,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    Key(&'static str),
    /// One of Prefect 3's sources, described (`config::prefect3::Source`).
    Prefect3(String),
}

/// Everything one server `get` needs, copied out of a snapshot.
pub struct Settings {
    pub flavor: Result<Flavor, Error>,
    pub prefect3: Result<Prefect3, Error>,
    /// `config.cloud.graphql` as it is (Prefect asserts it is a string only later).
    pub graphql: Value,
    /// `config.cloud.auth_token`; `None` (absent or None) means "read the credentials file".
    pub token: Option<Value>,
    /// Whether Prefect's client could set up its logger (it fails before any request).
    pub logging: Result<(), Error>,
    pub limits: Result<Limits, Error>,
    /// The environment as it was at load, for `~` (the credentials file).
    pub env: Arc<Environment>,
    /// `cloud.graphql` checked and parsed, when it is text and the limits are valid.
    pub graphql_url: Option<Result<Uri, Error>>,
    /// The proxy variables of the environment snapshot.
    pub proxies: ProxyEnv,
}

impl Settings {
    /// From a snapshot's `[cloud]` and `[logging]` tables, its environment and the
    /// Prefect 3 settings read with it.
    pub fn new(
        cloud: &Dict,
        logging: Option<&Value>,
        env: Arc<Environment>,
        read: &Result<Arc<Prefect3Settings>, Error>,
    ) -> Settings {
        let token = match cloud.get(key::AUTH_TOKEN) {
            None | Some(Value::None) => None,
            Some(v) => Some(v.clone()),
        };
        let graphql = cloud.get(key::GRAPHQL).cloned().unwrap_or(Value::None);
        let limits = limits(cloud);
        // os.path.join(server, "").rstrip("/")
        let graphql_url = match (&graphql, &limits) {
            (Value::Str(url), Ok(limits)) => {
                let url = url.to_string_lossy();
                Some(check_url(
                    url.trim_end_matches('/'),
                    "cloud.graphql",
                    limits,
                ))
            }
            _ => None,
        };
        Settings {
            flavor: flavor(cloud),
            prefect3: prefect3(cloud, read),
            token,
            logging: check_logging(logging),
            proxies: ProxyEnv::from_env(&env),
            limits,
            graphql,
            env,
            graphql_url,
        }
    }
}

fn flavor(cloud: &Dict) -> Result<Flavor, Error> {
    match cloud.get(key::SERVER_FLAVOR) {
        None => Ok(Flavor::DEFAULT),
        Some(Value::Str(s)) => flavors::named(s.as_bytes()).ok_or_else(bad_flavor),
        Some(_) => Err(bad_flavor()),
    }
}

fn bad_flavor() -> Error {
    Error::config(format!("cloud.server_flavor must be {}", flavors::names()))
}

fn prefect3(cloud: &Dict, read: &Result<Arc<Prefect3Settings>, Error>) -> Result<Prefect3, Error> {
    let p3 = read.as_ref().map_err(Clone::clone)?;
    // A `cloud.*` key when set; else Prefect 3's setting, where an empty text is no value
    // (Prefect: `if not api`).
    let text = |key: &'static str, prefect: Option<&str>, source: &p3::Source| match cloud.get(key)
    {
        None | Some(Value::None) => Ok(prefect.filter(|v| !v.is_empty()).map(|v| Sourced {
            value: PyStr::from(v),
            from: ReadFrom::Prefect3(source.to_string()),
        })),
        Some(Value::Str(s)) if s.is_empty() => Ok(None),
        Some(Value::Str(s)) => Ok(Some(Sourced {
            value: s.clone(),
            from: ReadFrom::Key(key),
        })),
        Some(other) => Err(Error::config(format!(
            "cloud.{key} must be text, not a {}",
            other.type_name()
        ))),
    };
    fn secret(r: &p3::Resolved<Option<p3::Secret>>) -> Option<&str> {
        r.value.as_ref().map(|s| s.0.as_str())
    }
    let timeout = p3.api_request_timeout.value;
    let seconds = if timeout > 0.0 && timeout.is_finite() {
        Duration::try_from_secs_f64(timeout).ok()
    } else {
        None
    };
    let Some(seconds) = seconds else {
        return Err(Error::config(format!(
            "Prefect 3's api.request_timeout ({}) is not a positive number of seconds, so \
             every request would time out at once",
            p3.api_request_timeout.source
        )));
    };
    let unset = |key: &str| cloud.get(key).is_none();
    Ok(Prefect3 {
        api_url: text(
            key::API_URL,
            p3.api_url.value.as_deref(),
            &p3.api_url.source,
        )?,
        api_key: text(key::API_KEY, secret(&p3.api_key), &p3.api_key.source)?,
        auth_string: text(
            key::API_AUTH_STRING,
            secret(&p3.api_auth_string),
            &p3.api_auth_string.source,
        )?,
        retries: ClientRetries {
            max_retries: u32::try_from(p3.client_max_retries.value).unwrap_or(u32::MAX),
            jitter_factor: p3.client_retry_jitter_factor.value,
            extra_codes: p3.client_retry_extra_codes.value.clone(),
        },
        custom_headers: p3
            .client_custom_headers
            .value
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        csrf_support: p3.client_csrf_support_enabled.value,
        transport: Prefect3Transport {
            connect_timeout: unset(key::CONNECT_TIMEOUT).then_some(seconds),
            request_timeout: unset(key::REQUEST_TIMEOUT).then_some(seconds),
            ca_bundle: match &p3.api_ssl_cert_file.value {
                Some(path) if !path.is_empty() && unset(key::CA_BUNDLE) => {
                    Some(PathBuf::from(path))
                }
                _ => None,
            },
            skip_verify: p3.api_tls_insecure_skip_verify.value,
        },
        profile: p3.profile.name.clone(),
        other_profiles: p3.other_profiles.clone(),
    })
}

/// Reads the keys this library adds; a bad value is a configuration error.
pub fn limits(cloud: &Dict) -> Result<Limits, Error> {
    let d = Limits::default();
    let seconds = |key: &str, default: Duration, allow_zero: bool| -> Result<Duration, Error> {
        let Some(v) = cloud.get(key) else {
            return Ok(default);
        };
        let s = match v {
            Value::Int(i) => i.as_i64().map(|i| i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        };
        match s {
            Some(s) if valid_seconds(s, allow_zero) => Ok(Duration::from_secs_f64(s)),
            _ => Err(Error::config(format!(
                "cloud.{key} must be a {} number of seconds, not a {}",
                if allow_zero {
                    "non-negative"
                } else {
                    "positive"
                },
                v.type_name()
            ))),
        }
    };
    let positive = |key: &str, default: u64| -> Result<u64, Error> {
        match cloud.get(key) {
            None => Ok(default),
            Some(Value::Int(i)) if i.as_i64().is_some_and(|n| n > 0) => {
                Ok(i.as_i64().map_or(default, |n| n as u64))
            }
            Some(_) => Err(Error::config(format!(
                "cloud.{key} must be a positive integer"
            ))),
        }
    };
    let ca_bundle = match cloud.get(key::CA_BUNDLE) {
        None | Some(Value::None) => None,
        Some(Value::Str(s)) if s.is_empty() => None,
        Some(Value::Str(s)) => Some(PathBuf::from(s.to_string_lossy())),
        Some(other) => {
            return Err(Error::config(format!(
                "cloud.ca_bundle must be a file path, not a {}",
                other.type_name()
            )));
        }
    };
    let allow_insecure_http = match cloud.get(key::ALLOW_INSECURE_HTTP) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(Error::config(format!(
                "cloud.allow_insecure_http must be true or false, not a {}",
                other.type_name()
            )));
        }
    };
    Ok(Limits {
        connect_timeout: seconds(key::CONNECT_TIMEOUT, d.connect_timeout, false)?,
        request_timeout: seconds(key::REQUEST_TIMEOUT, d.request_timeout, false)?,
        max_reply_bytes: positive(key::MAX_REPLY_BYTES, d.max_reply_bytes)?,
        ca_bundle,
        ca_bundle_from: d.ca_bundle_from,
        skip_verify: false,
        allow_insecure_http,
        reuse_window: seconds(key::REUSE_WINDOW, d.reuse_window, true)?,
        cache_ttl: seconds(key::CACHE_TTL, d.cache_ttl, true)?,
        cache_max_entries: positive(key::CACHE_MAX_ENTRIES, d.cache_max_entries)?,
    })
}

const LEVEL_NAMES: &[&str] = &[
    "CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET",
];

/// Prefect 0.5.3's `Client()` builds a logger from `config.logging.format` and
/// `config.logging.level` before anything else; values Python's `logging` rejects make
/// every server `get` fail.
fn check_logging(logging: Option<&Value>) -> Result<(), Error> {
    let fail = |why: String| {
        Err(Error::client(format!(
            "Prefect 0.5.3's client cannot start: {why}"
        )))
    };
    let Some(Value::Dict(logging)) = logging else {
        return fail("the configuration has no logging table".into());
    };
    match logging.get("format") {
        None => return fail("logging.format is missing".into()),
        Some(v) if is_falsy(v) => {}
        Some(Value::Str(s)) => {
            if !has_percent_field(&s.to_string_lossy()) {
                return fail(
                    "logging.format has no %(name)s field (Python's logging rejects it)".into(),
                );
            }
        }
        Some(other) => {
            return fail(format!(
                "logging.format is a {}, not text",
                other.type_name()
            ));
        }
    }
    match logging.get("level") {
        None => fail("logging.level is missing".into()),
        Some(Value::Int(_) | Value::Bool(_)) => Ok(()),
        Some(Value::Str(s)) if s.as_str().is_some_and(|l| LEVEL_NAMES.contains(&l)) => Ok(()),
        Some(Value::Str(_)) => {
            fail("logging.level is not a level name Python's logging knows".into())
        }
        Some(other) => fail(format!(
            "logging.level is a {}, not a level",
            other.type_name()
        )),
    }
}

fn is_falsy(v: &Value) -> bool {
    match v {
        Value::None => true,
        Value::Bool(b) => !b,
        Value::Int(i) => i.as_i64() == Some(0),
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::List(l) => l.0.is_empty(),
        Value::Dict(d) => d.is_empty(),
    }
}

/// Whether `fmt` has a match of `%\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%]`
/// (case-insensitive), the check `logging.PercentStyle.validate` makes.
fn has_percent_field(fmt: &str) -> bool {
    let chars: Vec<char> = fmt.chars().collect();
    let digit = |c: char| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric());
    (0..chars.len()).any(|start| {
        let mut i = start;
        if chars.get(i) != Some(&'%') || chars.get(i + 1) != Some(&'(') {
            return false;
        }
        i += 2;
        let name = chars[i..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_')
            .count();
        if name == 0 || chars.get(i + name) != Some(&')') {
            return false;
        }
        i += name + 1;
        while chars.get(i).is_some_and(|c| "#0+ -".contains(*c)) {
            i += 1;
        }
        if chars.get(i) == Some(&'*') {
            i += 1;
        } else {
            while chars.get(i).is_some_and(|c| digit(*c)) {
                i += 1;
            }
        }
        if chars.get(i) == Some(&'.') {
            match chars.get(i + 1) {
                Some('*') => i += 2,
                Some(c) if digit(*c) => {
                    i += 1;
                    while chars.get(i).is_some_and(|c| digit(*c)) {
                        i += 1;
                    }
                }
                _ => {}
            }
        }
        chars
            .get(i)
            .is_some_and(|c| "diouxefgcrsa%".contains(c.to_ascii_lowercase()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_fields_like_python_logging() {
        assert!(has_percent_field(
            "[%(asctime)s] %(levelname)s - %(name)s | %(message)s"
        ));
        assert!(has_percent_field("%(message)-10.3S"));
        assert!(has_percent_field("x %(a)0*.*d"));
        assert!(has_percent_field("%(a)%"));
        assert!(!has_percent_field("plain"));
        assert!(!has_percent_field("%(a)"));
        assert!(!has_percent_field("%()s"));
        assert!(!has_percent_field("%(a)5.z"));
        assert!(!has_percent_field("{message}"));
    }
}
