//! Reports for people (`secret_explain`, `secret_config_view`), in the caller's buffer or
//! in one the library allocates. Neither ever holds a secret value or a credential.
//
// Each function's documentation (copied into the C header) states what its pointer
// arguments must be; that is the safety contract, so no separate `# Safety` sections.
// Every export runs its body through the boundary (`call`): a test
// (`ffi::tests::every_export_goes_through_the_boundary`) fails on one that does not.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::args::{AllocOut, CStrArg, OutBuf};
use super::boundary::call;
use super::status::SecretStatus;
use crate::error::Error;
use crate::report::{explain, view};
use crate::store;

/// Where a report goes: the caller's buffer, or one the library allocates.
enum Dest {
    Buf(OutBuf),
    Alloc(AllocOut),
}

impl Dest {
    fn write(&self, text: &str) -> Result<SecretStatus, Error> {
        match self {
            Dest::Buf(b) => b.write(text.as_bytes()),
            Dest::Alloc(a) => a.set(text.as_bytes()),
        }
    }
}

/// The one body of the four exports, inside the boundary: the destination is made first
/// (checked against the name, which it must not overlap, and its outputs cleared on every
/// other failure), then the report is written to it.
fn report_to(
    dest: impl FnOnce() -> Result<Dest, Error>,
    report: impl FnOnce() -> Result<String, Error>,
) -> i32 {
    call(|| dest()?.write(&report()?))
}

/// `secret_explain`'s report on the C string `name`.
///
/// # Safety
/// `name` is NULL or a valid C string.
unsafe fn explain_name(name: *const c_char) -> Result<String, Error> {
    // SAFETY: forwarded caller contract.
    let name = unsafe { CStrArg::new(name, "name") }.get()?;
    Ok(explain::explain(store::global(), name))
}

/// Writes to `out_buf` a plain-text report on what `secret_get(name)` would do with the
/// current configuration, and why: the first line says found, not found, asked of the
/// server, or why every get fails; the indented lines after it say where the secret was
/// set (environment variable, configuration file and line, `${...}` reference, `$VAR`/`~`
/// expansion, set through this API), what `json.loads` makes of it (by kind and size),
/// and for a name not found the near misses (another case or spacing, a mistyped
/// `PREFECT__CONTEXT__SECRETS__` variable, a `config.toml` that is not read). On the
/// server path: the flavour, the URL (without credentials or query), where the credential
/// comes from, and whether the cache or this thread's reuse window would answer. The
/// report never contains a value, a token, a key or an auth string, and never asks the
/// server. Given text with Prefect 3's block or variable placeholders
/// (`{{ prefect.blocks.TYPE.NAME }}`, `{{ prefect.variables.NAME }}`), the report is on
/// that template (as `secret_render_template` would render it): what each placeholder is
/// filled with and the request that reads it, never the text around them. The environment it looks at is the one read when the configuration was
/// loaded (the live one is never read, so another thread may call `setenv` meanwhile;
/// `secret_config_reset` reads it again). The format is for people and may change
/// between versions.
///
/// The buffer protocol is `secret_get`'s: on `SECRET_OK` the text and a NUL are written
/// and `*out_len` is its length; `SECRET_ERR_BUFFER_TOO_SMALL` sets `*out_len` to the
/// length needed. A configuration that cannot be loaded is reported, not an error.
/// Outputs that overlap `name` are refused as by `secret_get`
/// (`SECRET_ERR_INVALID_ARGUMENT`, "out_buf overlaps name", nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_explain(
    name: *const c_char,
    out_buf: *mut c_char,
    out_buf_len: usize,
    out_len: *mut usize,
) -> i32 {
    report_to(
        || {
            // SAFETY: the caller passes valid pointers, as documented in the header.
            let name = unsafe { CStrArg::new(name, "name") };
            // SAFETY: as above.
            unsafe { OutBuf::new(out_buf, out_buf_len, out_len, &[name]) }.map(Dest::Buf)
        },
        // SAFETY: as above.
        || unsafe { explain_name(name) },
    )
}

/// Like `secret_explain`, with a buffer the library allocates (see `secret_get_alloc`):
/// free it with `secret_free`. Outputs that overlap `name` are refused as by
/// `secret_get_alloc` (`SECRET_ERR_INVALID_ARGUMENT`, nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_explain_alloc(
    name: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    report_to(
        || {
            // SAFETY: the caller passes valid pointers, as documented in the header.
            let name = unsafe { CStrArg::new(name, "name") };
            // SAFETY: as above.
            unsafe { AllocOut::new(out, out_len, &[name]) }.map(Dest::Alloc)
        },
        // SAFETY: as above.
        || unsafe { explain_name(name) },
    )
}

/// Writes to `out_buf` the effective configuration as TOML (what Prefect 0.5.3's
/// `prefect.config` holds, `context.secrets` included). Default deny: a value is shown
/// only when it is a known setting that is not a credential (a `[cloud]` setting of this
/// library's, or a key of Prefect 0.5.3's bundled defaults) built from nothing masked (no
/// `${...}` reference to a masked value, at any depth, and no `$VAR` but the home
/// directory's); every other value is `"******** (TYPE)"`, inside arrays and inline
/// tables too, so key names and sources stay visible. With `show_sources`, each value
/// ends with a comment saying where it
/// came from (`# environment variable PREFECT__CLOUD__GRAPHQL`,
/// `# /home/u/.prefect/config.toml, line 3`, ...), as `prefect config view
/// --show-sources` does for Prefect 2/3. Buffer protocol as `secret_get`'s;
/// `SECRET_ERR_CONFIG` when the configuration cannot be loaded.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_view(
    show_sources: bool,
    out_buf: *mut c_char,
    out_buf_len: usize,
    out_len: *mut usize,
) -> i32 {
    report_to(
        // SAFETY: the caller passes valid pointers, as documented in the header.
        || unsafe { OutBuf::new(out_buf, out_buf_len, out_len, &[]) }.map(Dest::Buf),
        || view::config_view(store::global(), show_sources),
    )
}

/// Like `secret_config_view`, with a buffer the library allocates: free it with
/// `secret_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_config_view_alloc(
    show_sources: bool,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    report_to(
        // SAFETY: the caller passes valid pointers, as documented in the header.
        || unsafe { AllocOut::new(out, out_len, &[]) }.map(Dest::Alloc),
        || view::config_view(store::global(), show_sources),
    )
}
