//! The exported functions. Each one is a few lines: read the arguments, call the core,
//! return a status, all inside the boundary.

use std::ffi::c_char;

use super::args::{OutBuf, opt_str_arg, str_arg, text_arg};
use super::boundary::{self, call};
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
