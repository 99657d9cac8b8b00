//! Rendering a Prefect 3 template (`secret_render_template`): placeholders replaced as
//! Prefect 3's workers resolve a deployment's job variables.
//
// Each function's documentation (copied into the C header) states what its pointer
// arguments must be; that is the safety contract, so no separate `# Safety` sections.
// Every export runs its body through the boundary (`call` or `guard`): a test
// (`ffi::tests::every_export_goes_through_the_boundary`) fails on one that does not.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::args::{AllocOut, CStrArg};
use super::boundary::call;
use crate::resolve::{self, TemplateFormat};
use crate::store;

/// Renders `template` as Prefect 3's workers render a deployment's job variables
/// (`resolve_variables(resolve_block_document_references(...))`, see docs/templating.md):
/// `{{ prefect.blocks.<type>.<name>[.keypath] }}` is the block's value (a Secret block's
/// value as stored, not decoded), `{{ prefect.variables.<name> }}` the Variable's, and
/// `{"$ref": {"block_document_id": ...}}` the block's data; a placeholder that is a whole
/// string gives the typed value, one inside text its `str()`; other `{{ ... }}` stay.
///
/// With `json`, `template` is a JSON document and `*out` the rendered one as compact JSON;
/// without, `template` is one string and `*out` the rendered text (or, when the whole
/// text was one placeholder of a value that is not a string, that value as JSON).
/// `*out` is allocated as by `secret_get_alloc` (free it with `secret_free`, which wipes
/// it); on failure it is NULL and `*out_len` 0. Placeholders need the Prefect 3 flavour
/// (`SECRET_ERR_CONFIG` otherwise); a missing block or key path is `SECRET_ERR_CLIENT`;
/// a template that is not UTF-8 (or not JSON, with `json`) `SECRET_ERR_INVALID_ARGUMENT`.
/// Messages never contain a value. Outputs that overlap `template` are refused as by
/// `secret_get_alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secret_render_template(
    template: *const c_char,
    json: bool,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(|| {
        // SAFETY: the caller passes NULL or a valid C string, as documented in the header.
        let template = unsafe { CStrArg::new(template, "template") };
        // SAFETY: the caller passes valid pointers, as documented in the header.
        let dest = unsafe { AllocOut::new(out, out_len, &[template]) }?;
        let text = template.get()?;
        let format = if json {
            TemplateFormat::Json
        } else {
            TemplateFormat::Text
        };
        let rendered = resolve::render_template(store::global(), text.as_bytes(), format)?;
        dest.set(&rendered)
    })
}
