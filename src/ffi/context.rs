//! The context: secrets set through the API, and the flow-building flag.
//
// Each function's documentation (copied into the C header) states what its pointer
// arguments must be; that is the safety contract, so no separate `# Safety` sections.
// Every export runs its body through the boundary (`call` or `guard`): a test
// (`ffi::tests::every_export_goes_through_the_boundary`) fails on one that does not.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::args::{str_arg, text_arg};
use super::boundary::call;
use super::status::SecretStatus::{SECRET_NOT_FOUND, SECRET_OK};
use crate::pystr::PyStr;
use crate::store;

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
