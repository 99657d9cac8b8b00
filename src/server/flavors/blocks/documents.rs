//! What Prefect 3's templates read from the server (`templating::Documents`), through the
//! same client as a get: a block document by type and name (`read_block_document_by_name`)
//! or by id (`read_block_document`), with its secrets, and a Variable by name
//! (`read_variable_by_name`). A 404 about the object asked for is none; anything else is
//! judged as for a get.

use super::client::Api;
use super::encode_path_segment;
use crate::error::Error;
use crate::server::decode_reply;
use crate::templating::Documents;
use crate::value::{Dict, Value};

pub struct ServerDocuments<'a> {
    api: Api<'a>,
}

impl<'a> ServerDocuments<'a> {
    pub fn new(api: Api<'a>) -> ServerDocuments<'a> {
        ServerDocuments { api }
    }

    /// The `data` of the block document at `path`, `None` when the server has none.
    fn data(&self, path: &str) -> Result<Option<Dict>, Error> {
        let Some(reply) = self.api.get(path)? else {
            return Ok(None);
        };
        let mut document = object(
            decode_reply(&reply.body, "block document")?,
            "block document",
        )?;
        match document.remove("data") {
            Some(Value::Dict(data)) => Ok(Some(data)),
            _ => Err(Error::client(
                "the Prefect server's block document has no data object",
            )),
        }
    }
}

/// The API path of `read_block_document_by_name(name, slug)`, with secrets.
pub fn block_path(slug: &str, name: &str) -> String {
    format!(
        "block_types/slug/{}/block_documents/name/{}?include_secrets=true",
        encode_path_segment(slug),
        encode_path_segment(name)
    )
}

/// The API path of `read_variable_by_name(name)`.
pub fn variable_path(name: &str) -> String {
    format!("variables/name/{}", encode_path_segment(name))
}

impl Documents for ServerDocuments<'_> {
    fn block_by_name(&mut self, slug: &str, name: &str) -> Result<Option<Dict>, Error> {
        self.data(&block_path(slug, name))
    }

    fn block_by_id(&mut self, id: &str) -> Result<Option<Dict>, Error> {
        self.data(&format!(
            "block_documents/{}?include_secrets=true",
            encode_path_segment(id)
        ))
    }

    fn variable(&mut self, name: &str) -> Result<Option<Value>, Error> {
        let Some(reply) = self.api.get(&variable_path(name))? else {
            return Ok(None);
        };
        let mut variable = object(decode_reply(&reply.body, "variable")?, "variable")?;
        variable
            .remove("value")
            .map(Some)
            .ok_or_else(|| Error::client("the Prefect server's variable has no value"))
    }
}

fn object(v: Value, what: &str) -> Result<Dict, Error> {
    match v {
        Value::Dict(d) => Ok(d),
        _ => Err(Error::client(format!(
            "the Prefect server's {what} is not a JSON object"
        ))),
    }
}
