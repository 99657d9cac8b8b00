//! Getting many secrets in one call (`secret_get_many`): one result per name, in an
//! opaque batch the caller reads with `secret_batch_*` and frees with
//! `secret_batch_free`, which wipes every value.
//
// Each function's documentation (copied into the C header) states what its pointer
// arguments must be; that is the safety contract, so no separate `# Safety` sections.
// Every export runs its body through the boundary (`call` or `guard`): a test
// (`ffi::tests::every_export_goes_through_the_boundary`) fails on one that does not.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{CString, c_char};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::args::CStrArg;
use super::boundary::{self, call};
use super::status::SecretStatus::{self, SECRET_NOT_FOUND, SECRET_OK};
use crate::config::cloud::keys::valid_seconds;
use crate::error::{Error, ErrorKind};
use crate::resolve::{self, Format};
use crate::server::transport;
use crate::store;

/// The results of one `secret_get_many` call: for each name, its status and, when that is
/// `SECRET_OK`, its value (NUL-terminated), else the failure's message. Opaque to C.
pub struct SecretBatch {
    entries: Vec<Entry>,
}

struct Entry {
    status: SecretStatus,
    /// The value and a NUL, for `SECRET_OK`; wiped when the batch is freed.
    value: Option<Zeroizing<Vec<u8>>>,
    /// Why it failed, for a negative status.
    error: Option<(ErrorKind, CString)>,
}

/// What the text getters answer when there is no text (a path, so the boundary scan
/// sees nothing evaluated before the boundary).
const NO_TEXT: *const c_char = std::ptr::null();

/// The most names one call takes: a larger count is surely a mistake (an uninitialised
/// length), and refusing it keeps the batch's allocation bounded.
const MAX_NAMES: usize = 1 << 20;

unsafe fn get_many(
    names: *const *const c_char,
    count: usize,
    json: bool,
    deadline: Option<Instant>,
    out: *mut *mut SecretBatch,
) -> Result<SecretStatus, Error> {
    if out.is_null() {
        return Err(Error::invalid_argument("out is NULL"));
    }
    // SAFETY: `out` is writable by the caller's contract.
    unsafe { *out = std::ptr::null_mut() };
    if names.is_null() && count > 0 {
        return Err(Error::invalid_argument("names is NULL"));
    }
    if count > MAX_NAMES {
        return Err(Error::invalid_argument(format!(
            "count ({count}) is more than the {MAX_NAMES} names one call takes"
        )));
    }
    // SAFETY: `names` points to `count` C string pointers (each NULL or valid), as
    // documented in the header.
    let pointers: &[*const c_char] = if count == 0 {
        &[]
    } else {
        // SAFETY: as above.
        unsafe { std::slice::from_raw_parts(names, count) }
    };
    let format = if json { Format::Json } else { Format::Text };
    let mut entries: Vec<Option<Entry>> = Vec::with_capacity(count);
    let mut valid: Vec<(usize, &str)> = Vec::with_capacity(count);
    for (i, &p) in pointers.iter().enumerate() {
        // SAFETY: NULL or a valid C string, as documented in the header.
        match unsafe { CStrArg::new(p, "a name") }.get() {
            Ok(name) => {
                valid.push((i, name));
                entries.push(None);
            }
            Err(e) => entries.push(Some(failed(Error::invalid_argument(format!(
                "names[{i}]: {}",
                e.message
            ))))),
        }
    }
    let asked: Vec<&str> = valid.iter().map(|(_, n)| *n).collect();
    let resolve = || {
        resolve::get_many(store::global(), &asked, format, |_, bytes| {
            let mut v = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
            v.extend_from_slice(bytes);
            v.push(0);
            v
        })
    };
    let results = match deadline {
        Some(d) => transport::with_deadline(d, resolve),
        None => resolve(),
    };
    for ((i, _), result) in valid.into_iter().zip(results) {
        entries[i] = Some(match result {
            Ok(Some(value)) => Entry {
                status: SECRET_OK,
                value: Some(value),
                error: None,
            },
            Ok(None) => Entry {
                status: SECRET_NOT_FOUND,
                value: None,
                error: None,
            },
            Err(e) => failed(e),
        });
    }
    let entries: Vec<Entry> = entries.into_iter().flatten().collect();
    let failures: Vec<usize> = (0..entries.len())
        .filter(|&i| (entries[i].status as i32) < 0)
        .collect();
    // The call's status and message are the first failure's, with how many failed.
    let first = failures.first().and_then(|&i| {
        let (kind, message) = entries[i].error.as_ref()?;
        Some(Error::new(
            *kind,
            format!(
                "{} of {} names failed; the first, names[{i}]: {}",
                failures.len(),
                entries.len(),
                message.to_string_lossy()
            ),
        ))
    });
    let batch = Box::into_raw(Box::new(SecretBatch { entries }));
    // SAFETY: as above.
    unsafe { *out = batch };
    match first {
        None => Ok(SECRET_OK),
        Some(e) => Err(e),
    }
}

fn failed(e: Error) -> Entry {
    let message = CString::new(e.message.replace('\0', "\\0")).unwrap_or_default();
    Entry {
        status: SecretStatus::of(e.kind),
        value: None,
        error: Some((e.kind, message)),
    }
}

/// The entry at `index`, or why there is none.
///
/// # Safety
/// `batch` is NULL or a live batch from `secret_get_many`.
unsafe fn entry<'a>(batch: *const SecretBatch, index: usize) -> Option<&'a Entry> {
    // SAFETY: NULL or live, by the caller's contract.
    unsafe { batch.as_ref() }?.entries.get(index)
}

/// Resolves each of the `count` names in `names` as `secret_get` (or, with `json`,
/// `secret_get_json`) would resolve it alone, all from one configuration, and stores the
/// results in a new batch at `*out`; read it with `secret_batch_status`,
/// `secret_batch_value` and `secret_batch_error`, and free it with `secret_batch_free`.
///
/// With the Prefect 3 flavour the names the server has are asked in one request per 200
/// names (`POST /block_documents/filter`, after a CSRF token when the server wants one);
/// with Prefect 0.5.3's, one request per name, back to back on one connection. Local
/// secrets, cached and reused values are answered as by `secret_get`.
///
/// Returns `SECRET_OK` when every name was resolved or not found. When any name failed,
/// returns the first failure's status, and `secret_last_error()` says how many failed and
/// why the first did; the batch is made all the same (each entry has its own status and
/// message). `*out` is NULL only when the call itself is refused:
/// `SECRET_ERR_INVALID_ARGUMENT` for a NULL `out`, a NULL `names` with a `count` above 0,
/// or a `count` above 1048576. A NULL or non-UTF-8 name fails its own entry
/// (`SECRET_ERR_INVALID_ARGUMENT`). `count` may be 0 (an empty batch).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_many(
    names: *const *const c_char,
    count: usize,
    json: bool,
    out: *mut *mut SecretBatch,
) -> i32 {
    // SAFETY: forwarded caller contract.
    call(|| unsafe { get_many(names, count, json, None, out) })
}

/// Like `secret_get_many`, but every server exchange the call makes ends within
/// `max_seconds` as well (see `secret_get_alloc_within`); names not resolved by then fail
/// with `SECRET_ERR_CLIENT` ("the call's deadline passed"). `max_seconds` must be
/// positive, finite and below 1e9, else `SECRET_ERR_INVALID_ARGUMENT` (and `*out` NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_get_many_within(
    names: *const *const c_char,
    count: usize,
    json: bool,
    max_seconds: f64,
    out: *mut *mut SecretBatch,
) -> i32 {
    call(|| {
        if !valid_seconds(max_seconds, false) {
            if !out.is_null() {
                // SAFETY: writable by the caller's contract.
                unsafe { *out = std::ptr::null_mut() };
            }
            return Err(Error::invalid_argument(
                "max_seconds must be a positive finite number of seconds below 1e9",
            ));
        }
        let deadline = Instant::now() + Duration::from_secs_f64(max_seconds);
        // SAFETY: forwarded caller contract.
        unsafe { get_many(names, count, json, Some(deadline), out) }
    })
}

/// How many entries `batch` has (the `count` it was made with); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_batch_len(batch: *const SecretBatch) -> usize {
    boundary::guard(0, || {
        // SAFETY: NULL or a live batch, as documented.
        unsafe { batch.as_ref() }.map_or(0, |b| b.entries.len())
    })
}

/// The status of entry `index` of `batch`: `SECRET_OK` (it has a value),
/// `SECRET_NOT_FOUND`, or the error that name met (its message: `secret_batch_error`).
/// `SECRET_ERR_INVALID_ARGUMENT` for a NULL batch or an index past the end.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_batch_status(batch: *const SecretBatch, index: usize) -> i32 {
    call(|| {
        if batch.is_null() {
            return Err(Error::invalid_argument("batch is NULL"));
        }
        // SAFETY: a live batch, as documented.
        match unsafe { entry(batch, index) } {
            Some(e) => Ok(e.status),
            None => Err(Error::invalid_argument(format!(
                "index {index} is past the end of the batch"
            ))),
        }
    })
}

/// The value of entry `index` of `batch` when its status is `SECRET_OK`: its bytes and a
/// terminating NUL, owned by the batch (valid until `secret_batch_free`); `*out_len` (when
/// `out_len` is not NULL) is its length without the NUL. NULL, with `*out_len` 0, for any
/// other status, a NULL batch or an index past the end.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_batch_value(
    batch: *const SecretBatch,
    index: usize,
    out_len: *mut usize,
) -> *const c_char {
    boundary::guard(NO_TEXT, || {
        // SAFETY: NULL or a live batch, as documented.
        let value = unsafe { entry(batch, index) }.and_then(|e| e.value.as_ref());
        if !out_len.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *out_len = value.map_or(0, |v| v.len() - 1) };
        }
        value.map_or(NO_TEXT, |v| v.as_ptr().cast())
    })
}

/// Why entry `index` of `batch` failed, in plain words (never a secret value), owned by
/// the batch; NULL when it did not fail, for a NULL batch or an index past the end.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_batch_error(
    batch: *const SecretBatch,
    index: usize,
) -> *const c_char {
    boundary::guard(NO_TEXT, || {
        // SAFETY: NULL or a live batch, as documented.
        unsafe { entry(batch, index) }
            .and_then(|e| e.error.as_ref())
            .map_or(NO_TEXT, |(_, m)| m.as_ptr())
    })
}

/// Wipes every value of `batch` and frees it. NULL is ignored. Passing any other pointer,
/// or a batch already freed, is undefined behaviour, as with `free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_batch_free(batch: *mut SecretBatch) {
    boundary::guard((), || {
        if !batch.is_null() {
            // SAFETY: a batch from `secret_get_many`, not freed yet; its values are
            // `Zeroizing`, wiped as they drop.
            drop(unsafe { Box::from_raw(batch) });
        }
    })
}
