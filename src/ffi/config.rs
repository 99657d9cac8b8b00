//! Configuration setters (`secret_config_*`), the cache, loading a file and resetting.
//
// Each function's documentation (copied into the C header) states what its pointer
// arguments must be; that is the safety contract, so no separate `# Safety` sections.
// Every export runs its body through the boundary (`call` or `guard`): a test
// (`ffi::tests::every_export_goes_through_the_boundary`) fails on one that does not.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::args::{opt_str_arg, str_arg};
use super::boundary::call;
use super::status::SecretStatus::{self, SECRET_OK};
use crate::config::cloud::flavors;
use crate::config::cloud::keys::{self as key, seconds_rule, valid_seconds};
use crate::error::Error;
use crate::store;
use crate::value::Value;

fn set_cloud(key: &str, value: Option<Value>) -> Result<SecretStatus, Error> {
    store::global().update(|s| s.set_cloud(key, value))?;
    Ok(SECRET_OK)
}

/// Sets the `[cloud]` setting `key` (`"cache_ttl"` or `"cloud.cache_ttl"`, in any case)
/// from text, as the typed setters below do: `"true"`/`"false"` (any case) for a switch,
/// a number (`"2.5"`, `"1e3"`) for seconds, a whole number for bytes or a count, a
/// flavour's configuration name (`"prefect-0.5"`, `"prefect-3"`),
/// or text kept as it is (URLs, paths, credentials). `value` NULL removes the key, so its
/// default (or its environment variable) applies again; `use_local_secrets` and `graphql`
/// cannot be removed. The keys: `use_local_secrets`, `auth_token`, `graphql`,
/// `connect_timeout`, `request_timeout`, `max_reply_bytes`, `ca_bundle`,
/// `allow_insecure_http`, `reuse_window`, `cache_ttl`, `cache_max_entries`,
/// `server_flavor`, `api_url`,
/// `api_key`, `api_auth_string` (docs/configuration.md, "Settings"). An unknown key or a value
/// of the wrong kind gives `SECRET_ERR_INVALID_ARGUMENT` and changes nothing; the message
/// names the setting, never the value (nor an unknown key, which may be a value passed
/// in its place).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set(key: *const c_char, value: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes a valid C string.
        let name = unsafe { str_arg(key, "key") }?;
        // SAFETY: the caller passes NULL or a valid C string.
        let value = unsafe { opt_str_arg(value, "value") }?;
        store::global().update(|s| s.set_setting(name, value))?;
        Ok(SECRET_OK)
    })
}

/// Sets `config.cloud.use_local_secrets`: true reads secrets from the context, false asks
/// the server.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_use_local_secrets(use_local: bool) -> i32 {
    call(|| set_cloud(key::USE_LOCAL_SECRETS, Some(Value::Bool(use_local))))
}

/// Sets `config.cloud.auth_token`, the server's bearer token. NULL removes it, so the
/// token is read from `~/.prefect/.credentials/auth_token` again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_auth_token(token: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let token = unsafe { opt_str_arg(token, "token") }?;
        set_cloud(key::AUTH_TOKEN, token.map(Value::str))
    })
}

/// Sets `config.cloud.graphql`, the URL of the server's GraphQL endpoint.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_cloud_graphql(url: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes a valid C string.
        let url = unsafe { str_arg(url, "url") }?;
        set_cloud(key::GRAPHQL, Some(Value::str(url)))
    })
}

/// A number of seconds from C: finite, positive (or zero when `zero_ok`), below 1e9.
fn seconds_arg(v: f64, what: &str, zero_ok: bool) -> Result<Value, Error> {
    if valid_seconds(v, zero_ok) {
        Ok(Value::Float(v))
    } else {
        Err(Error::invalid_argument(format!(
            "{what} must be {}",
            seconds_rule(zero_ok)
        )))
    }
}

/// Sets the server path's timeouts in seconds: `connect_seconds` to set up a connection
/// (`cloud.connect_timeout`, default 10) and `request_seconds` for a whole HTTP exchange,
/// reply included (`cloud.request_timeout`, default 30). Both must be positive, finite and
/// below 1e9.
/// A server that does not answer in time fails the get with `SECRET_ERR_CLIENT`.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_timeouts(connect_seconds: f64, request_seconds: f64) -> i32 {
    call(|| {
        let connect = seconds_arg(connect_seconds, "connect_seconds", false)?;
        let request = seconds_arg(request_seconds, "request_seconds", false)?;
        store::global().update(|s| {
            s.set_cloud(key::CONNECT_TIMEOUT, Some(connect))?;
            s.set_cloud(key::REQUEST_TIMEOUT, Some(request))
        })?;
        Ok(SECRET_OK)
    })
}

/// Sets the largest server reply accepted, in bytes (`cloud.max_reply_bytes`, default
/// 4 MiB); a larger reply fails with `SECRET_ERR_CLIENT` without being read whole.
/// Must be between 1 and 2^63 - 1.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_max_reply_bytes(max_bytes: u64) -> i32 {
    call(|| {
        let n = i64::try_from(max_bytes)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Error::invalid_argument("max_bytes must be between 1 and 2^63 - 1"))?;
        set_cloud(
            key::MAX_REPLY_BYTES,
            Some(Value::Int(crate::value::Int::Small(n))),
        )
    })
}

/// Trusts the CA certificates in the PEM file at `path` for https servers, instead of
/// the system's trust store (`cloud.ca_bundle`). NULL goes back to the system's store.
/// The file is read when a server get first needs it: a missing or unreadable file, or one
/// without a PEM certificate, makes that get fail with `SECRET_ERR_CONFIG`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_ca_bundle(path: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let path = unsafe { opt_str_arg(path, "path") }?;
        set_cloud(key::CA_BUNDLE, path.map(Value::str))
    })
}

/// Allows plain `http://` to servers that are not loopback, so credentials and secret
/// values cross the network unencrypted (`cloud.allow_insecure_http`, default false: such
/// URLs fail with `SECRET_ERR_CLIENT` before anything is sent). Loopback addresses
/// (127.0.0.0/8, ::1, localhost) are always allowed.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_allow_insecure_http(allow: bool) -> i32 {
    call(|| set_cloud(key::ALLOW_INSECURE_HTTP, Some(Value::Bool(allow))))
}

/// Chooses which Prefect a get follows (`cloud.server_flavor`):
/// `SECRET_SERVER_PREFECT_0_5` (the default: Prefect 0.5.3, whose GraphQL `secretValue`
/// is asked when `use_local_secrets` is false) or `SECRET_SERVER_PREFECT_3` (Prefect 3's
/// `Secret.load(name).get()`: every get reads the server's Secret blocks, with Prefect 3's
/// settings from its own sources, docs/prefect3.md; the one switch a Prefect 3 user
/// needs, like `PREFECT_SECRETS_FLAVOR=prefect-3`). Another number gives
/// `SECRET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_server_flavor(flavor: i32) -> i32 {
    call(|| {
        let name = flavors::numbered(flavor)
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "{flavor} is not a SecretServerFlavor: {}",
                    flavors::c_constants()
                ))
            })?
            .name();
        set_cloud(key::SERVER_FLAVOR, Some(Value::str(name)))
    })
}

/// Sets the Prefect 2/3 API URL (`cloud.api_url`, e.g. `https://api.prefect.cloud/api/
/// accounts/<id>/workspaces/<id>` or `http://127.0.0.1:4200/api`); NULL goes back to
/// Prefect 3's `PREFECT_API_URL` (from its sources, as read when the configuration was
/// loaded); an empty string means none, ignoring it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_api_url(url: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let url = unsafe { opt_str_arg(url, "url") }?;
        set_cloud(key::API_URL, url.map(Value::str))
    })
}

/// Sets the Prefect Cloud API key sent as a bearer token by the Prefect 2/3 flavour
/// (`cloud.api_key`); NULL goes back to Prefect 3's `PREFECT_API_KEY` (from its sources,
/// as read when the configuration was loaded); an empty string means none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_api_key(key: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let key = unsafe { opt_str_arg(key, "key") }?;
        set_cloud(key::API_KEY, key.map(Value::str))
    })
}

/// Sets the `user:password` a self-hosted Prefect 2/3 server checks with HTTP Basic auth
/// (`cloud.api_auth_string`); it takes precedence over the API key, as in Prefect's
/// client. NULL goes back to Prefect 3's `PREFECT_API_AUTH_STRING` (from its sources, as
/// read when the configuration was loaded); an empty string means none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_api_auth_string(auth: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let auth = unsafe { opt_str_arg(auth, "auth") }?;
        set_cloud(key::API_AUTH_STRING, auth.map(Value::str))
    })
}

/// Sets how long, in seconds, a thread may reuse the value it just fetched from the
/// server for the same name (`cloud.reuse_window`, default 1; 0 turns it off; below 1e9).
/// This is
/// what lets a caller size a buffer and call again, or ask for the text after the JSON,
/// with one round trip and the same value. Any setter ends the reuse at once.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_reuse_window(seconds: f64) -> i32 {
    call(|| {
        set_cloud(
            key::REUSE_WINDOW,
            Some(seconds_arg(seconds, "seconds", true)?),
        )
    })
}

/// Turns on the cache of server values: for `seconds` after a value is fetched, gets of
/// that name from any thread are answered from memory (`cloud.cache_ttl`; default 0, off,
/// so every get asks the server as Prefect does). Only values are cached: a name the
/// server does not know is asked again each time. Any setter (`secret_context_set` too),
/// `secret_config_load_file`, `secret_config_reset` and `secret_cache_clear` empty it
/// (and wipe what it held at once); expired values are wiped when they expire. It holds
/// at most `cloud.cache_max_entries` values (default 1000): the oldest is wiped first.
/// Must be non-negative, finite and below 1e9.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_cache_ttl(seconds: f64) -> i32 {
    call(|| set_cloud(key::CACHE_TTL, Some(seconds_arg(seconds, "seconds", true)?)))
}

/// Wipes every cached server value now (see `secret_config_set_cache_ttl`), and the
/// values every thread remembers for immediate repeats (see
/// `secret_config_set_reuse_window`).
#[unsafe(no_mangle)]
pub extern "C" fn secret_cache_clear() -> i32 {
    call(|| {
        crate::server::cache::clear();
        Ok(SECRET_OK)
    })
}

/// Merges the Prefect configuration file at `path` over the current configuration, the
/// way Prefect merges `~/.prefect/config.toml` over its defaults: `$VAR`/`~` expansion,
/// `${key}` references within the file, and the `PREFECT__*` environment variables applied
/// over it (so they win over the file, and over earlier `secret_context_set` calls for
/// the same names). Other secrets set with `secret_context_set` stay unless the file sets
/// the same name. On failure (`SECRET_ERR_CONFIG`) nothing changes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_load_file(path: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes a valid C string.
        let path = unsafe { str_arg(path, "path") }?;
        store::global().load_file(path)?;
        Ok(SECRET_OK)
    })
}

/// Reloads the configuration as at process start (defaults, `PREFECT__*` environment
/// variables as they are now, the user file) and resets the context: secrets set through
/// this API are dropped and the flow-building flag is cleared. When the configuration is
/// broken, returns `SECRET_ERR_CONFIG` and every later call fails the same way until a
/// reset succeeds.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_reset() -> i32 {
    call(|| {
        store::global().reset()?;
        Ok(SECRET_OK)
    })
}
