//! Prefect 3's placeholder rendering (`prefect.utilities.templating`), as its workers
//! resolve a deployment's job variables: `resolve_variables(
//! resolve_block_document_references(template))`, with `{{ prefect.blocks.<slug>.<name>
//! [.<key path>] }}`, `{"$ref": {"block_document_id": id}}` and `{{ prefect.variables.
//! <name> }}` filled from a server. The pure part: the server is behind [`Documents`],
//! which its caller implements; nothing here does I/O. `docs/templating.md` has the rules
//! with examples and the known differences.
//!
//! - [`placeholders`]: `find_placeholders`, the regex and the kinds.
//! - `blocks`: the first pass, block documents; `variables`: the second, variables.
//! - `substitute`: values into longer strings; `tree`: the walk over dicts and lists.

use crate::error::Error;
use crate::pystr::PyStr;
use crate::value::{Dict, Value};

mod blocks;
pub mod placeholders;
mod substitute;
mod tree;
mod variables;

pub use placeholders::{Kind, Placeholder, find_placeholders};

/// Where placeholders' values come from (a Prefect 3 server; tests: recorded data).
pub trait Documents {
    /// `read_block_document_by_name(name, block_type_slug)` with secrets: the document's
    /// `data`; Ok(None) when the server has no such block (Prefect raises
    /// ObjectNotFound: the render fails, with the message saying which block).
    fn block_by_name(&mut self, slug: &str, name: &str) -> Result<Option<Dict>, Error>;
    /// `read_block_document(id)`: for `{"$ref": {"block_document_id": id}}`.
    fn block_by_id(&mut self, id: &str) -> Result<Option<Dict>, Error>;
    /// `read_variable_by_name(name)`: the variable's value, Ok(None) when there is none.
    fn variable(&mut self, name: &str) -> Result<Option<Value>, Error>;
}

/// Whether `text` holds a placeholder [`render`] fills: a block document's or a
/// variable's (`{{ image }}` and `{{ $VAR }}` are left for Prefect).
pub fn fills_any(text: &PyStr) -> bool {
    find_placeholders(text)
        .iter()
        .any(|p| matches!(p.kind, Kind::BlockDocument | Kind::Variable))
}

/// What [`render`] fills `p` with, in words (names and key paths, never a value).
pub fn describe(p: &Placeholder) -> String {
    match p.kind {
        Kind::BlockDocument => match p.block_name() {
            None => "not a block placeholder Prefect can read (expected \
                     prefect.blocks.<block-type-slug>.<block-document-name>), so a render fails"
                .to_string(),
            Some(b) => {
                let document = format!("block document {:?} of block type {:?}", b.name, b.slug);
                match b.keypath.as_deref() {
                    None => format!(
                        "the data of {document} (its \"value\" when that is all the data \
                         holds, as for a Secret block)"
                    ),
                    Some(k) if blocks::names_value(k) => {
                        format!("the key path {k:?} in the whole data of {document}")
                    }
                    Some(k) => format!(
                        "the key path {k:?} in the data of {document} (inside its \"value\" \
                         when that is all the data holds); nothing there fails the render"
                    ),
                }
            }
        },
        Kind::Variable => format!(
            "the Prefect 3 Variable {:?} (empty text when there is none)",
            p.variable_name()
        ),
        Kind::Standard => "left as written (a deployment's own value, not filled here)".to_string(),
        Kind::EnvVar => {
            "left as written (an environment variable Prefect fills when the job runs)".to_string()
        }
    }
}

/// `resolve_variables(resolve_block_document_references(template))`, as Prefect 3's
/// workers resolve job variables. Each block document and variable is asked for once
/// per call; an error from `docs` ends the render with that error.
pub fn render(template: Value, docs: &mut dyn Documents) -> Result<Value, Error> {
    let template = blocks::resolve(template, docs)?;
    variables::resolve(template, docs)
}

#[cfg(test)]
mod tests;
