//! The exported functions. Each one is a few lines: read the arguments, call the core,
//! return a status, all inside the boundary.
//!
//! Each function's documentation (copied into the C header) states what its pointer
//! arguments must be; that is the safety contract, so no separate `# Safety` sections.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::alloc;
use super::args::{OutBuf, opt_str_arg, str_arg, text_arg};
use super::boundary::{self, call};
use super::status::SecretServerFlavor;
use super::status::SecretStatus::{self, SECRET_NOT_FOUND, SECRET_OK};
use crate::pystr::PyStr;
use crate::resolve::{self, Format};
use crate::store;
use crate::value::Value;

unsafe fn get_into(
    name: *const c_char,
    out_buf: *mut c_char,
    out_buf_len: usize,
    out_len: *mut usize,
    format: Format,
) -> i32 {
    call(|| {
        // SAFETY: the caller passes valid pointers, as documented in the header.
        let out = unsafe { OutBuf::new(out_buf, out_buf_len, out_len) }?;
        // SAFETY: as above.
        let name = unsafe { str_arg(name, "name") }?;
        match resolve::get(store::global(), name, format, |bytes| out.write(bytes))? {
            Some(written) => written,
            None => Ok(SECRET_NOT_FOUND),
        }
    })
}

/// Resolves the secret `name` as Prefect 0.5.3's `Secret(name).get()` does and writes it to
/// `out_buf`: a string value as its UTF-8 text, any other value as compact JSON.
///
/// On `SECRET_OK` the bytes and a terminating NUL are written and `*out_len` is the
/// value's length without the NUL (a value may contain NUL bytes; `out_len` counts them).
/// `SECRET_NOT_FOUND` means Python's `None`. When `out_buf_len` is smaller than the length
/// plus one, returns `SECRET_ERR_BUFFER_TOO_SMALL`, sets `*out_len` to the length and
/// writes only an empty string: call again with a buffer of `*out_len + 1` bytes.
/// On every status other than `SECRET_OK`, `out_buf` holds an empty string (when
/// `out_buf_len > 0`) and `*out_len` is 0, except for `SECRET_ERR_BUFFER_TOO_SMALL`.
/// `out_buf` may be NULL only when `out_buf_len` is 0 (a size query); `out_len` may be NULL.
/// A lone surrogate in a string value (possible in Python) is written in its 3-byte form.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get(
    name: *const c_char,
    out_buf: *mut c_char,
    out_buf_len: usize,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_into(name, out_buf, out_buf_len, out_len, Format::Text) }
}

/// Like `secret_get`, but always writes JSON, as Python's
/// `json.dumps(value, separators=(",", ":"))` would: a string value comes out quoted, with
/// every non-ASCII character escaped.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_json(
    name: *const c_char,
    out_buf: *mut c_char,
    out_buf_len: usize,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_into(name, out_buf, out_buf_len, out_len, Format::Json) }
}

unsafe fn get_alloc(
    name: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
    format: Format,
) -> i32 {
    call(|| {
        if out.is_null() {
            return Err(crate::error::Error::invalid_argument("out is NULL"));
        }
        // SAFETY: `out` is non-NULL and writable; `out_len` is NULL or writable.
        unsafe {
            *out = std::ptr::null_mut();
            if !out_len.is_null() {
                *out_len = 0;
            }
        }
        // SAFETY: the caller passes a valid C string.
        let name = unsafe { str_arg(name, "name") }?;
        let found = resolve::get(store::global(), name, format, |bytes| {
            alloc::copy_out(bytes).map(|p| (p, bytes.len()))
        })?;
        let Some(copied) = found else {
            return Ok(SECRET_NOT_FOUND);
        };
        let (p, len) = copied?;
        // SAFETY: as above.
        unsafe {
            *out = p;
            if !out_len.is_null() {
                *out_len = len;
            }
        }
        Ok(SECRET_OK)
    })
}

/// Like `secret_get`, but the library allocates the buffer: on `SECRET_OK`, `*out` points
/// to the value and a terminating NUL, and `*out_len` (when `out_len` is not NULL) is the
/// length without the NUL. Free it with `secret_free`, which wipes it first. On any other
/// status `*out` is NULL and `*out_len` 0. `out` must not be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_alloc(
    name: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_alloc(name, out, out_len, Format::Text) }
}

/// Like `secret_get_json`, with a buffer the library allocates (see `secret_get_alloc`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_json_alloc(
    name: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_alloc(name, out, out_len, Format::Json) }
}

/// Wipes (overwrites with zeros) and frees a value from `secret_get_alloc` or
/// `secret_get_json_alloc`. NULL is ignored. Passing any other pointer, or one already
/// freed, is undefined behaviour, as with `free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_free(value: *mut c_char) {
    boundary::guard((), || {
        // SAFETY: the caller passes NULL or a pointer from secret_get_*_alloc.
        unsafe { alloc::free(value) }
    })
}

fn set_cloud(key: &str, value: Option<Value>) -> Result<SecretStatus, crate::error::Error> {
    store::global().update(|s| s.set_cloud(key, value))?;
    Ok(SECRET_OK)
}

/// Sets `config.cloud.use_local_secrets`: true reads secrets from the context, false asks
/// the server.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_use_local_secrets(use_local: bool) -> i32 {
    call(|| set_cloud("use_local_secrets", Some(Value::Bool(use_local))))
}

/// Sets `config.cloud.auth_token`, the server's bearer token. NULL removes it, so the
/// token is read from `~/.prefect/.credentials/auth_token` again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_auth_token(token: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let token = unsafe { opt_str_arg(token, "token") }?;
        set_cloud("auth_token", token.map(Value::str))
    })
}

/// Sets `config.cloud.graphql`, the URL of the server's GraphQL endpoint.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_cloud_graphql(url: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes a valid C string.
        let url = unsafe { str_arg(url, "url") }?;
        set_cloud("graphql", Some(Value::str(url)))
    })
}

/// A number of seconds from C: finite, positive (or zero when `zero_ok`), below 1e9.
fn seconds_arg(v: f64, what: &str, zero_ok: bool) -> Result<Value, crate::error::Error> {
    if v.is_finite() && (v > 0.0 || zero_ok && v == 0.0) && v < 1e9 {
        Ok(Value::Float(v))
    } else {
        Err(crate::error::Error::invalid_argument(format!(
            "{what} must be a {} finite number of seconds below 1e9",
            if zero_ok { "non-negative" } else { "positive" }
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
            s.set_cloud("connect_timeout", Some(connect))?;
            s.set_cloud("request_timeout", Some(request))
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
            .ok_or_else(|| {
                crate::error::Error::invalid_argument("max_bytes must be between 1 and 2^63 - 1")
            })?;
        set_cloud(
            "max_reply_bytes",
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
        set_cloud("ca_bundle", path.map(Value::str))
    })
}

/// Allows plain `http://` to servers that are not loopback, so credentials and secret
/// values cross the network unencrypted (`cloud.allow_insecure_http`, default false: such
/// URLs fail with `SECRET_ERR_CLIENT` before anything is sent). Loopback addresses
/// (127.0.0.0/8, ::1, localhost) are always allowed.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_allow_insecure_http(allow: bool) -> i32 {
    call(|| set_cloud("allow_insecure_http", Some(Value::Bool(allow))))
}

/// Chooses the server API of the server path (`cloud.server_flavor`):
/// `SECRET_SERVER_PREFECT_0_5` (the default, Prefect 0.5.3's GraphQL `secretValue`) or
/// `SECRET_SERVER_PREFECT_3` (a Prefect 2/3 server's Secret blocks, reached with
/// `secret_config_set_api_url` / `PREFECT_API_URL`). Another number gives
/// `SECRET_ERR_INVALID_ARGUMENT`. The server path is used when `use_local_secrets` is false.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_server_flavor(flavor: i32) -> i32 {
    call(|| {
        let name = SecretServerFlavor::from_i32(flavor)
            .ok_or_else(|| {
                crate::error::Error::invalid_argument(format!(
                    "{flavor} is not a SecretServerFlavor"
                ))
            })?
            .name();
        set_cloud("server_flavor", Some(Value::str(name)))
    })
}

/// Sets the Prefect 2/3 API URL (`cloud.api_url`, e.g. `https://api.prefect.cloud/api/
/// accounts/<id>/workspaces/<id>` or `http://127.0.0.1:4200/api`); NULL goes back to the
/// `PREFECT_API_URL` environment variable (as it was when the configuration was loaded);
/// an empty string means none, ignoring the variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_api_url(url: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let url = unsafe { opt_str_arg(url, "url") }?;
        set_cloud("api_url", url.map(Value::str))
    })
}

/// Sets the Prefect Cloud API key sent as a bearer token by the Prefect 2/3 flavour
/// (`cloud.api_key`); NULL goes back to the `PREFECT_API_KEY` environment variable (as it
/// was when the configuration was loaded); an empty string means none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_api_key(key: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let key = unsafe { opt_str_arg(key, "key") }?;
        set_cloud("api_key", key.map(Value::str))
    })
}

/// Sets the `user:password` a self-hosted Prefect 2/3 server checks with HTTP Basic auth
/// (`cloud.api_auth_string`); it takes precedence over the API key, as in Prefect's
/// client. NULL goes back to the `PREFECT_API_AUTH_STRING` environment variable (as it
/// was when the configuration was loaded); an empty string means none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_set_api_auth_string(auth: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string.
        let auth = unsafe { opt_str_arg(auth, "auth") }?;
        set_cloud("api_auth_string", auth.map(Value::str))
    })
}

/// Sets how long, in seconds, a thread may reuse the value it just fetched from the
/// server for the same name (`cloud.reuse_window`, default 1; 0 turns it off; below 1e9).
/// This is
/// what lets a caller size a buffer and call again, or ask for the text after the JSON,
/// with one round trip and the same value. Any setter ends the reuse at once.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_reuse_window(seconds: f64) -> i32 {
    call(|| set_cloud("reuse_window", Some(seconds_arg(seconds, "seconds", true)?)))
}

/// Turns on the cache of server values: for `seconds` after a value is fetched, gets of
/// that name from any thread are answered from memory (`cloud.cache_ttl`; default 0, off,
/// so every get asks the server as Prefect does). Only values are cached: a name the
/// server does not know is asked again each time. Any setter (`secret_context_set` too),
/// `secret_config_load_file`, `secret_config_reset` and `secret_cache_clear` empty it;
/// expired values are wiped when they expire. Must be non-negative, finite and below 1e9.
#[unsafe(no_mangle)]
pub extern "C" fn secret_config_set_cache_ttl(seconds: f64) -> i32 {
    call(|| set_cloud("cache_ttl", Some(seconds_arg(seconds, "seconds", true)?)))
}

/// Wipes every cached server value now (see `secret_config_set_cache_ttl`), and the
/// values threads remember for immediate repeats (see `secret_config_set_reuse_window`).
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

/// `prefect.context.secrets[name] = value`. `json.loads` applies when the secret is read,
/// so `"42"` reads back as the number 42.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_context_set(name: *const c_char, value: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes valid C strings.
        let name = unsafe { str_arg(name, "name") }?;
        // SAFETY: as above.
        let value = unsafe { str_arg(value, "value") }?;
        store::global().update(|s| s.set_secret(name, PyStr::from(value)))?;
        Ok(SECRET_OK)
    })
}

/// Like `secret_context_set`, with a value of `value_len` bytes that may contain NUL
/// (`value` may be NULL when `value_len` is 0). The bytes must be UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_context_set_bytes(
    name: *const c_char,
    value: *const c_char,
    value_len: usize,
) -> i32 {
    call(|| {
        // SAFETY: the caller passes a valid C string and `value_len` readable bytes.
        let name = unsafe { str_arg(name, "name") }?;
        // SAFETY: as above.
        let value = unsafe { text_arg(value, value_len, "value") }?;
        store::global().update(|s| s.set_secret(name, PyStr::from(value)))?;
        Ok(SECRET_OK)
    })
}

/// Removes the secret `name` from the context. Returns `SECRET_NOT_FOUND` (not an error)
/// when there was no such secret.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_context_remove(name: *const c_char) -> i32 {
    call(|| {
        // SAFETY: the caller passes a valid C string.
        let name = unsafe { str_arg(name, "name") }?;
        let removed = store::global().update(|s| s.remove_secret(name))?;
        Ok(if removed { SECRET_OK } else { SECRET_NOT_FOUND })
    })
}

/// Removes every secret from the context (those from the configuration too).
#[unsafe(no_mangle)]
pub extern "C" fn secret_context_clear() -> i32 {
    call(|| {
        store::global().update(|s| {
            s.clear_secrets();
            Ok(())
        })?;
        Ok(SECRET_OK)
    })
}

/// Marks whether a Flow is being built (`prefect.context.flow`). While it is,
/// `secret_get` and `secret_get_json` fail with `SECRET_ERR_FLOW_BUILDING`.
#[unsafe(no_mangle)]
pub extern "C" fn secret_context_set_flow_building(building: bool) -> i32 {
    call(|| {
        store::global().update(|s| {
            s.set_flow_building(building);
            Ok(())
        })?;
        Ok(SECRET_OK)
    })
}

/// The message of this thread's last failed call, in plain words; never NULL ("" before
/// any failure) and never containing a secret value or token. Successful calls leave it
/// as it was, so check the status first. The pointer stays valid until the next call
/// into this library on the same thread.
#[unsafe(no_mangle)]
pub extern "C" fn secret_last_error() -> *const c_char {
    boundary::guard(c"".as_ptr(), boundary::last_error)
}

/// A static description of a status code, such as
/// `"SECRET_ERR_AUTH: no server token, or the server refused it"`; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn secret_status_str(status: i32) -> *const c_char {
    boundary::guard(c"".as_ptr(), || {
        SecretStatus::describe(status).as_ptr().cast()
    })
}

/// The library's version, e.g. `"0.1.0"`; static, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn secret_version() -> *const c_char {
    boundary::guard(c"".as_ptr(), || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}
