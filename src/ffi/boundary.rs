//! The one boundary every exported function goes through: panics stop here, core errors
//! become status codes, and failures leave a message for `secret_last_error`.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::status::SecretStatus;
use crate::error::Error;

const PANIC_MESSAGE: &str =
    "internal error: a panic was caught at the C boundary (a bug in prefect-secrets)";

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Runs `f`, returning `on_panic` if it panics. Every export uses this, directly or
/// through [`call`].
pub fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => {
            set_last_error(PANIC_MESSAGE);
            on_panic
        }
    }
}

/// Runs the body of a status-returning export.
pub fn call(f: impl FnOnce() -> Result<SecretStatus, Error>) -> i32 {
    guard(SecretStatus::SECRET_ERR_INTERNAL as i32, || match f() {
        Ok(status) => status as i32,
        Err(e) => {
            set_last_error(&e.message);
            SecretStatus::of(e.kind) as i32
        }
    })
}

fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // `try_with`: during thread teardown there is nowhere to keep the message.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = c);
}

/// This thread's last failure message; valid until this thread's next failing call.
pub fn last_error() -> *const c_char {
    LAST_ERROR
        .try_with(|slot| slot.borrow().as_ptr())
        .unwrap_or(c"".as_ptr())
}
