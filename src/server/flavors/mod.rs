//! How each server flavour asks (`fetch`) and says what it would do (`explain`), in
//! the order of `config::cloud::flavors::FLAVORS`, which names them: one file each.
//!
//! Adding a flavour: a file beside this one with its `fetch` and `explain`, its `mod`
//! line and its entry in [`FLAVORS`] here (see `config::cloud::flavors`).

pub mod blocks;
pub mod graphql;
pub mod v053;

use crate::config::cloud::flavors::{self as names, Flavor};
use crate::config::cloud::settings::Settings;
use crate::config::source::Sources;
use crate::error::Error;
use crate::templating::{Documents, Placeholder};
use crate::value::Value;

use super::Request;

/// Asks the server for one secret: `Ok(None)` is Python's None.
pub type Fetch = fn(&Request, &str) -> Result<Option<Value>, Error>;

/// Asks the server for several secrets (a batch get): one outcome per name, in order,
/// each what [`Fetch`] would give for that name alone.
pub type FetchMany = fn(&Request, &[&str]) -> Vec<Result<Option<Value>, Error>>;

/// What `secret_explain` says about asking for one secret, without asking: lines of the
/// report (the API, the URL, the credential's source), never a credential or a value.
/// `Sources` says where each `cloud.*` value came from.
pub type Explain = fn(&Request, &str, &Sources) -> Vec<String>;

/// What `secret_explain` says about rendering a template's placeholders (the block and
/// variable ones given), without asking: the API, the URL, what each reads.
pub type ExplainTemplate = fn(&Request, &[Placeholder], &Sources) -> Vec<String>;

/// Where a template's `{{ prefect.blocks... }}` and `{{ prefect.variables... }}`
/// placeholders are read from (`templating::render`).
pub type Templates = for<'a> fn(&'a Request<'a>) -> Result<Box<dyn Documents + 'a>, Error>;

pub struct Asker {
    pub fetch: Fetch,
    pub fetch_many: FetchMany,
    pub explain: Explain,
    pub explain_template: ExplainTemplate,
    pub templates: Templates,
}

/// Each flavour's, by its position in `config::cloud::flavors::FLAVORS`.
static FLAVORS: [Asker; names::FLAVORS.len()] = [
    Asker {
        fetch: v053::fetch,
        // Prefect 0.5.3's GraphQL fails a whole query on any error, so one query for many
        // names could turn one bad name into errors for the others: asked one by one,
        // back to back on the kept-alive connection.
        fetch_many: |request, names| names.iter().map(|n| v053::fetch(request, n)).collect(),
        explain: v053::explain,
        explain_template: |_, _, _| vec![v053::NO_DOCUMENTS.to_string()],
        templates: |_| Ok(Box::new(v053::NoDocuments)),
    },
    Asker {
        fetch: blocks::fetch,
        fetch_many: blocks::fetch_many,
        explain: blocks::explain,
        explain_template: blocks::explain_template,
        templates: blocks::documents,
    },
];

/// How `flavor` asks.
pub fn of(flavor: Flavor) -> &'static Asker {
    &FLAVORS[flavor.index()]
}

/// The flavour the settings name, or why there is none.
pub fn chosen(settings: &Settings) -> Result<&'static Asker, Error> {
    settings.flavor.clone().map(of)
}
