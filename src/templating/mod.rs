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

/// `resolve_variables(resolve_block_document_references(template))`, as Prefect 3's
/// workers resolve job variables. Each block document and variable is asked for once
/// per call; an error from `docs` ends the render with that error.
pub fn render(template: Value, docs: &mut dyn Documents) -> Result<Value, Error> {
    let template = blocks::resolve(template, docs)?;
    variables::resolve(template, docs)
}

#[cfg(test)]
mod tests;
