//! Getting a secret: into the caller's buffer (`secret_get`, `secret_get_json`) or into
//! one the library allocates (`secret_get_alloc`, `secret_get_json_alloc`, `secret_free`).
//
// Each function's documentation (copied into the C header) states what its pointer
// arguments must be; that is the safety contract, so no separate `# Safety` sections.
// Every export runs its body through the boundary (`call` or `guard`): a test
// (`ffi::tests::every_export_goes_through_the_boundary`) fails on one that does not.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;
use std::time::{Duration, Instant};

use super::alloc;
use super::args::{AllocOut, CStrArg, OutBuf};
use super::boundary::{self, call};
use super::status::SecretStatus::{self, SECRET_NOT_FOUND};
use crate::config::cloud::keys::valid_seconds;
use crate::error::Error;
use crate::resolve::{self, Format};
use crate::server::transport;
use crate::store;

unsafe fn get_into(
    name: *const c_char,
    out_buf: *mut c_char,
    out_buf_len: usize,
    out_len: *mut usize,
    format: Format,
) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string, as documented in the header.
        let name = unsafe { CStrArg::new(name, "name") };
        // SAFETY: the caller passes valid pointers, as documented in the header.
        let out = unsafe { OutBuf::new(out_buf, out_buf_len, out_len, &[name]) }?;
        let name = name.get()?;
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
/// `out_buf_len > 0`) and `*out_len` is 0, except for `SECRET_ERR_BUFFER_TOO_SMALL` and
/// overlapping outputs (below).
/// `out_buf` may be NULL only when `out_buf_len` is 0 (a size query); `out_len` may be NULL.
/// The outputs must not overlap `name`: when `out_buf[0..out_buf_len]` or `*out_len`
/// shares a byte with `name` (its NUL included), returns `SECRET_ERR_INVALID_ARGUMENT`
/// ("out_buf overlaps name") and writes nothing, neither the buffer nor `*out_len`.
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
/// every non-ASCII character escaped. Outputs that overlap `name` are refused as by
/// `secret_get` (`SECRET_ERR_INVALID_ARGUMENT`, nothing written).
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
    // SAFETY: forwarded caller contract.
    call(|| unsafe { alloc_value(name, out, out_len, format) })
}

/// The body of the allocating getters, run inside the boundary by its callers.
unsafe fn alloc_value(
    name: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
    format: Format,
) -> Result<SecretStatus, Error> {
    // SAFETY: the caller passes NULL or a valid C string, as documented in the header.
    let name = unsafe { CStrArg::new(name, "name") };
    // SAFETY: the caller passes valid pointers, as documented in the header.
    let dest = unsafe { AllocOut::new(out, out_len, &[name]) }?;
    let name = name.get()?;
    match resolve::get(store::global(), name, format, |bytes| dest.set(bytes))? {
        Some(set) => set,
        None => Ok(SECRET_NOT_FOUND),
    }
}

/// Like `secret_get`, but the library allocates the buffer: on `SECRET_OK`, `*out` points
/// to the value and a terminating NUL, and `*out_len` (when `out_len` is not NULL) is the
/// length without the NUL. Free it with `secret_free`, which wipes it first. On any other
/// status `*out` is NULL and `*out_len` 0, except when an output overlaps `name`: when
/// `*out` (the pointer itself) or `*out_len` shares a byte with `name` (its NUL included),
/// returns `SECRET_ERR_INVALID_ARGUMENT` ("out overlaps name") and writes neither.
/// `out` must not be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_alloc(
    name: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_alloc(name, out, out_len, Format::Text) }
}

/// Like `secret_get_json`, with a buffer the library allocates (see `secret_get_alloc`;
/// outputs that overlap `name` are refused likewise, nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_json_alloc(
    name: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_alloc(name, out, out_len, Format::Json) }
}

unsafe fn get_alloc_within(
    name: *const c_char,
    max_seconds: f64,
    out: *mut *mut c_char,
    out_len: *mut usize,
    format: Format,
) -> i32 {
    call(|| {
        if !valid_seconds(max_seconds, false) {
            // Clears the outputs (a NULL `out` is reported below only if this is fixed;
            // outputs that overlap the name are not written).
            // SAFETY: the caller passes valid pointers, as documented in the header.
            let name = unsafe { CStrArg::new(name, "name") };
            // SAFETY: as above.
            let _ = unsafe { AllocOut::new(out, out_len, &[name]) };
            return Err(Error::invalid_argument(
                "max_seconds must be a positive finite number of seconds below 1e9",
            ));
        }
        let deadline = Instant::now() + Duration::from_secs_f64(max_seconds);
        // SAFETY: forwarded caller contract.
        transport::with_deadline(deadline, || unsafe {
            alloc_value(name, out, out_len, format)
        })
    })
}

/// Like `secret_get_alloc`, but a server exchange this call makes ends within
/// `max_seconds` as well: its timeout is the shorter of `cloud.request_timeout` and the
/// time left (a caller's deadline, passed down). When it runs out the call fails with
/// `SECRET_ERR_CLIENT` ("the call's deadline passed"). Local secrets, cached and reused
/// values are answered as by `secret_get_alloc`. `max_seconds` must be positive, finite
/// and below 1e9, else `SECRET_ERR_INVALID_ARGUMENT`. Outputs that overlap `name` are
/// refused as by `secret_get_alloc` (`SECRET_ERR_INVALID_ARGUMENT`, nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_alloc_within(
    name: *const c_char,
    max_seconds: f64,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_alloc_within(name, max_seconds, out, out_len, Format::Text) }
}

/// Like `secret_get_json_alloc`, within `max_seconds` (see `secret_get_alloc_within`;
/// outputs that overlap `name` are refused likewise, nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_json_alloc_within(
    name: *const c_char,
    max_seconds: f64,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { get_alloc_within(name, max_seconds, out, out_len, Format::Json) }
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
