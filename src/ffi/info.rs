//! What the library says about itself: the last error, status descriptions, the version.
//
// Each function's documentation (copied into the C header) states what its pointer
// arguments must be; that is the safety contract, so no separate `# Safety` sections.
// Every export runs its body through the boundary (`call` or `guard`): a test
// (`ffi::tests::every_export_goes_through_the_boundary`) fails on one that does not.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::boundary;
use super::status::SecretStatus;

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
