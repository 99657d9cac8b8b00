//! The C ABI driven from Rust: NULLs, bad UTF-8, the buffer protocol, allocated values,
//! the boundary. These tests also run under Miri (`scripts/miri`), where the unsafe code
//! lives. They share the process-wide store, so each test uses its own secret names.

use std::ffi::{CStr, c_char};
use std::ptr;

use super::api::*;
use super::status::SecretStatus::*;

const BAD_UTF8: &[u8] = b"\xff\xfe\0";

fn bad() -> *const c_char {
    BAD_UTF8.as_ptr().cast()
}

fn last_error() -> String {
    // SAFETY: never NULL, valid until the next call on this thread.
    unsafe { CStr::from_ptr(secret_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn set(name: &CStr, value: &CStr) {
    // SAFETY: valid C strings.
    let rc = unsafe { secret_context_set(name.as_ptr(), value.as_ptr()) };
    assert_eq!(rc, 0, "{}", last_error());
}

#[test]
fn buffer_protocol() {
    set(c"ffi-buf", c"hunter2");
    let mut buf = [0x55 as c_char; 16];
    let mut len = 99usize;
    let get = |buf: &mut [c_char], cap: usize, len: &mut usize| {
        // SAFETY: `cap` never exceeds the buffer.
        unsafe { secret_get(c"ffi-buf".as_ptr(), buf.as_mut_ptr(), cap, len) }
    };
    // Exact fit: 7 bytes and the NUL.
    assert_eq!(get(&mut buf, 8, &mut len), SECRET_OK as i32);
    assert_eq!(len, 7);
    // SAFETY: NUL-terminated by the library.
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }, c"hunter2");
    // One byte short: the size comes back, the buffer holds "".
    assert_eq!(
        get(&mut buf, 7, &mut len),
        SECRET_ERR_BUFFER_TOO_SMALL as i32
    );
    assert_eq!((len, buf[0]), (7, 0));
    assert_eq!(
        buf[1] as u8, b'u',
        "nothing after the empty string is touched"
    );
    // Size query.
    // SAFETY: a NULL buffer with length 0 is allowed.
    let rc = unsafe { secret_get(c"ffi-buf".as_ptr(), ptr::null_mut(), 0, &mut len) };
    assert_eq!((rc, len), (SECRET_ERR_BUFFER_TOO_SMALL as i32, 7));
    // NULL out_len is allowed; a NULL buffer with a length is not.
    // SAFETY: valid buffer of 16 bytes.
    let rc = unsafe { secret_get_json(c"ffi-buf".as_ptr(), buf.as_mut_ptr(), 16, ptr::null_mut()) };
    assert_eq!(rc, 0);
    // SAFETY: the library must refuse, not write.
    let rc = unsafe { secret_get(c"ffi-buf".as_ptr(), ptr::null_mut(), 5, &mut len) };
    assert_eq!((rc, len), (SECRET_ERR_INVALID_ARGUMENT as i32, 0));
    assert!(last_error().contains("out_buf is NULL"), "{}", last_error());
}

/// `secret_get(buf, buf, ...)`: clearing the buffer first would turn the name into "" and
/// return that secret. Outputs that overlap the name are refused and left unwritten.
#[test]
fn outputs_overlapping_the_name_are_refused_and_not_written() {
    set(c"", c"the-empty-name");
    set(c"ffi-alias", c"v");
    let mut buf = [0 as c_char; 32];
    for (i, &b) in b"ffi-alias\0".iter().enumerate() {
        buf[i] = b as c_char;
    }
    let mut len = 99usize;
    let p = buf.as_mut_ptr();
    // SAFETY: 32 writable bytes holding a C string; the library must refuse, not write.
    let rc = unsafe { secret_get(p, p, 32, &mut len) };
    assert_eq!(rc, SECRET_ERR_INVALID_ARGUMENT as i32);
    assert_eq!(last_error(), "out_buf overlaps name");
    // SAFETY: still the NUL-terminated name.
    assert_eq!(unsafe { CStr::from_ptr(p) }, c"ffi-alias");
    assert_eq!(len, 99);
    // The name's NUL is the buffer's first byte: refused too. Right after it: fine.
    // SAFETY: as above.
    let rc = unsafe { secret_get_json(p, p.add(9), 8, &mut len) };
    assert_eq!((rc, len), (SECRET_ERR_INVALID_ARGUMENT as i32, 99));
    // SAFETY: as above.
    let rc = unsafe { secret_get_json(p, p.add(10), 8, &mut len) };
    assert_eq!((rc, len), (SECRET_OK as i32, 3));
    // `*out_len` holding the name.
    let mut slot = [0usize; 2];
    // One pointer for both arguments (a second `as_mut_ptr` would invalidate the first).
    let slot_p = slot.as_mut_ptr();
    let name = slot_p.cast::<c_char>();
    // SAFETY: writes "ffi-alias\0" (10 bytes) into the 16 bytes of `slot`.
    unsafe { ptr::copy_nonoverlapping(c"ffi-alias".as_ptr(), name, 10) };
    // SAFETY: `name` is a C string; the library must refuse, not write.
    let rc = unsafe { secret_get(name, buf.as_mut_ptr(), 32, slot_p) };
    assert_eq!(rc, SECRET_ERR_INVALID_ARGUMENT as i32);
    assert_eq!(last_error(), "out_len overlaps name");
    // SAFETY: still the C string.
    assert_eq!(unsafe { CStr::from_ptr(name) }, c"ffi-alias");
    // `*out` holding the name (allocating getters and explain).
    let mut out: [*mut c_char; 2] = [ptr::null_mut(); 2];
    let out_p = out.as_mut_ptr();
    let name = out_p.cast::<c_char>();
    // SAFETY: 10 bytes into the 16 of `out`.
    unsafe { ptr::copy_nonoverlapping(c"ffi-alias".as_ptr(), name, 10) };
    for rc in [
        // SAFETY: `name` is a C string; the library must refuse, not write.
        unsafe { secret_get_alloc(name, out_p, ptr::null_mut()) },
        // SAFETY: as above.
        unsafe { secret_get_json_alloc_within(name, 5.0, out_p, &mut len) },
        // SAFETY: as above.
        unsafe { secret_explain_alloc(name, out_p, ptr::null_mut()) },
    ] {
        assert_eq!(rc, SECRET_ERR_INVALID_ARGUMENT as i32);
        assert_eq!(last_error(), "out overlaps name");
        // SAFETY: still the C string.
        assert_eq!(unsafe { CStr::from_ptr(name) }, c"ffi-alias");
    }
    assert_eq!(len, 3);
}

#[test]
fn nulls_and_bad_utf8_are_invalid_arguments() {
    let mut buf = [0 as c_char; 8];
    let mut len = 0usize;
    let invalid = SECRET_ERR_INVALID_ARGUMENT as i32;
    // SAFETY: each pointer is NULL or valid; the library must refuse the bad ones.
    unsafe {
        assert_eq!(
            secret_get(ptr::null(), buf.as_mut_ptr(), 8, &mut len),
            invalid
        );
        assert!(last_error().contains("name is NULL"));
        assert_eq!(secret_get(bad(), buf.as_mut_ptr(), 8, &mut len), invalid);
        assert!(last_error().contains("name is not valid UTF-8"));
        assert_eq!(secret_context_set(c"x".as_ptr(), ptr::null()), invalid);
        assert_eq!(secret_context_set(bad(), c"v".as_ptr()), invalid);
        assert_eq!(
            secret_context_set_bytes(c"x".as_ptr(), ptr::null(), 3),
            invalid
        );
        assert_eq!(secret_context_set_bytes(c"x".as_ptr(), bad(), 2), invalid);
        assert_eq!(secret_context_remove(ptr::null()), invalid);
        assert_eq!(secret_config_set_cloud_graphql(ptr::null()), invalid);
        assert_eq!(secret_config_set_auth_token(bad()), invalid);
        assert_eq!(secret_config_load_file(ptr::null()), invalid);
        assert_eq!(
            secret_get_alloc(c"x".as_ptr(), ptr::null_mut(), &mut len),
            invalid
        );
        assert_eq!(secret_config_set_timeouts(0.0, 1.0), invalid);
        assert_eq!(secret_config_set_timeouts(1.0, f64::NAN), invalid);
        assert_eq!(secret_config_set_reuse_window(-1.0), invalid);
        assert_eq!(secret_config_set_max_reply_bytes(0), invalid);
        assert_eq!(secret_config_set_server_flavor(7), invalid);
    }
}

#[test]
fn values_with_nul_and_allocated_copies() {
    // SAFETY: 5 readable bytes.
    let rc =
        unsafe { secret_context_set_bytes(c"ffi-nul".as_ptr(), b"a\0b\0c".as_ptr().cast(), 5) };
    assert_eq!(rc, 0);
    let mut out: *mut c_char = ptr::null_mut();
    let mut len = 0usize;
    // SAFETY: valid out pointers; the value is freed with secret_free.
    unsafe {
        assert_eq!(secret_get_alloc(c"ffi-nul".as_ptr(), &mut out, &mut len), 0);
        assert_eq!(
            std::slice::from_raw_parts(out.cast::<u8>(), len + 1),
            b"a\0b\0c\0"
        );
        secret_free(out);
        assert_eq!(
            secret_get_json_alloc(c"ffi-nul".as_ptr(), &mut out, ptr::null_mut()),
            0
        );
        assert_eq!(CStr::from_ptr(out), c"\"a\\u0000b\\u0000c\"");
        secret_free(out);
        out = ptr::NonNull::<c_char>::dangling().as_ptr();
        assert_eq!(
            secret_get_alloc(c"ffi-absent".as_ptr(), &mut out, &mut len),
            1
        );
        assert_eq!((out, len), (ptr::null_mut(), 0));
        secret_free(ptr::null_mut());
    }
}

#[test]
fn allocated_copies_within_a_deadline() {
    set(c"ffi-within", c"{\"a\": 1}");
    let mut out: *mut c_char = ptr::NonNull::<c_char>::dangling().as_ptr();
    let mut len = 99usize;
    let invalid = SECRET_ERR_INVALID_ARGUMENT as i32;
    // SAFETY: valid out pointers; values are freed with secret_free.
    unsafe {
        for bad_seconds in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            let rc =
                secret_get_alloc_within(c"ffi-within".as_ptr(), bad_seconds, &mut out, &mut len);
            assert_eq!(rc, invalid, "{bad_seconds}");
            assert_eq!((out, len), (ptr::null_mut(), 0));
            assert!(last_error().contains("max_seconds"), "{}", last_error());
        }
        assert_eq!(
            secret_get_json_alloc_within(c"x".as_ptr(), 1.0, ptr::null_mut(), &mut len),
            invalid
        );
        // A local secret is answered as by secret_get_alloc.
        assert_eq!(
            secret_get_alloc_within(c"ffi-within".as_ptr(), 5.0, &mut out, &mut len),
            0
        );
        assert_eq!((CStr::from_ptr(out), len), (c"{\"a\":1}", 7));
        secret_free(out);
        assert_eq!(
            secret_get_json_alloc_within(c"ffi-within".as_ptr(), 0.001, &mut out, ptr::null_mut()),
            0
        );
        assert_eq!(CStr::from_ptr(out), c"{\"a\":1}");
        secret_free(out);
        assert_eq!(
            secret_get_alloc_within(c"ffi-within-absent".as_ptr(), 1.0, &mut out, &mut len),
            1
        );
        assert_eq!((out, len), (ptr::null_mut(), 0));
    }
}

#[test]
fn remove_clear_and_statuses() {
    set(c"ffi-rm", c"1");
    // SAFETY: valid C strings.
    unsafe {
        assert_eq!(secret_context_remove(c"ffi-rm".as_ptr()), SECRET_OK as i32);
        assert_eq!(
            secret_context_remove(c"ffi-rm".as_ptr()),
            SECRET_NOT_FOUND as i32
        );
    }
    let status_str = |code| {
        // SAFETY: static NUL-terminated strings.
        let text = unsafe { CStr::from_ptr(secret_status_str(code)) };
        text.to_str().unwrap()
    };
    for &s in super::status::ALL {
        assert!(status_str(s as i32).starts_with(&format!("{s:?}: ")));
    }
    assert_eq!(status_str(42), "unknown status code");
    // SAFETY: as above.
    let version = unsafe { CStr::from_ptr(secret_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn last_error_is_per_thread() {
    // SAFETY: NULL name on purpose.
    unsafe { secret_context_remove(ptr::null()) };
    let here = last_error();
    std::thread::spawn(|| {
        assert_eq!(last_error(), "");
        // SAFETY: bad name on purpose.
        unsafe { secret_context_remove(bad()) };
        assert!(last_error().contains("UTF-8"));
    })
    .join()
    .unwrap();
    assert_eq!(last_error(), here);
}

#[test]
fn panics_stop_at_the_boundary() {
    let rc = super::boundary::call(|| panic!("boom"));
    assert_eq!(rc, SECRET_ERR_INTERNAL as i32);
    assert!(last_error().contains("panic"), "{}", last_error());
    assert_eq!(super::boundary::guard(7, || -> i32 { panic!("boom") }), 7);
}

/// Every exported function runs its body through the boundary, or a panic could cross
/// into C. Checked on the syntax (syn), not the text, so a comment or a string proves
/// nothing: every `no_mangle`/`export_name` item of `src/ffi` must be a top-level
/// `extern "C" fn` whose body is exactly one boundary call (see [`boundary_scan`]), and
/// they must be exactly the header's functions.
#[test]
#[cfg_attr(
    miri,
    ignore = "reads src/ffi from disk, which Miri's isolation forbids; plain cargo test runs it"
)]
fn every_export_goes_through_the_boundary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let files = crate::source_files::rust_files(&dir);
    assert!(files.len() >= 5, "src/ffi has the export files");
    let mut exports = Vec::new();
    let mut faults = Vec::new();
    for path in &files {
        let shown = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(path);
        let shown = shown.display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{shown}: {e}"));
        for (name, fault) in boundary_scan::exports(&file) {
            match fault {
                None => exports.push(name),
                Some(f) => faults.push(format!("{shown}: {name}: {f}")),
            }
        }
    }
    assert!(
        faults.is_empty(),
        "exports that do not go through the boundary (src/ffi/boundary.rs):\n  {}\n\
         An export's body must be exactly one call of `call(..)` or `guard(..)` from \
         src/ffi/boundary.rs (maybe in an `unsafe {{ }}` block), or of a private helper of \
         its file whose body is exactly such a call; the arguments must be closures, \
         paths or literals (they are evaluated before the boundary is entered).",
        faults.join("\n  ")
    );
    exports.sort();
    for (which, header) in [
        (
            "include/prefect_secrets.h",
            include_str!("../../include/prefect_secrets.h"),
        ),
        (
            "the header cbindgen generated in this build ($OUT_DIR/prefect_secrets.h)",
            include_str!(concat!(env!("OUT_DIR"), "/prefect_secrets.h")),
        ),
    ] {
        let mut declared = crate::header_text::declared_functions(header);
        declared.sort();
        assert_eq!(
            exports, declared,
            "the exports of src/ffi (left) vs the functions {which} declares (right); \
             after adding or removing an export regenerate the header with \
             `PREFECT_SECRETS_UPDATE_HEADER=1 cargo build`"
        );
    }
}

mod boundary_scan;
