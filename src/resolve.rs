//! `Secret(name).get()`: the four steps of `docs/SEMANTICS.md`, section 1.
//!
//! 1. Building a Flow: fail.
//! 2. `use_local_secrets is True`: the context's value, decoded when it was set.
//! 3. Otherwise: the server.
//! 4. Hand the rendered bytes to the caller.

use crate::context::{Lookup, Outcome, State};
use crate::error::Error;
pub use crate::rendered::Format;
use crate::rendered::Rendered;
use crate::server::{self, Request};
use crate::store::Store;
use crate::value::Value;

use zeroize::Zeroizing;

/// Resolves `name` and passes the rendered value to `sink`; `Ok(None)` is Python's None.
/// The local path copies straight from the shared snapshot, without allocating.
pub fn get<R>(
    store: &Store,
    name: &str,
    format: Format,
    sink: impl FnOnce(&[u8]) -> R,
) -> Result<Option<R>, Error> {
    let mut sink = Some(sink);
    let local = store.read(|state| answer_locally(state, name, format, &mut sink))?;
    if let Some(found) = local {
        return Ok(found);
    }
    // The server path works from one snapshot, held for the request: its state (asked
    // again, in case a setter came in between), settings and version go down together.
    let snapshot = store.snapshot();
    let state = snapshot.loaded.as_ref().map_err(Clone::clone)?;
    if let Some(found) = answer_locally(state, name, format, &mut sink)? {
        return Ok(found);
    }
    let settings = state.server_settings()?;
    let request = Request {
        version: snapshot.version,
        settings: &settings,
        accounts: store.accounts(),
    };
    let sink = sink.take().expect("the local path did not use the sink");
    server::get(&request, name, format, sink)
}

/// Resolves several names at once (a batch get): one outcome per name, in order, each
/// what [`get`] gives for that name. All of them are resolved from one snapshot (one
/// configuration); the names the server has are asked together (`server::get_many`).
/// `sink(i, bytes)` receives the rendered value of `names[i]`.
pub fn get_many<R>(
    store: &Store,
    names: &[&str],
    format: Format,
    mut sink: impl FnMut(usize, &[u8]) -> R,
) -> Vec<Result<Option<R>, Error>> {
    let snapshot = store.snapshot();
    let state = match snapshot.loaded.as_ref() {
        Ok(state) => state,
        Err(e) => return names.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut remote = Vec::new();
    let mut out: Vec<Result<Option<R>, Error>> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let mut one = Some(|bytes: &[u8]| sink(i, bytes));
        out.push(match answer_locally(state, name, format, &mut one) {
            Ok(Some(found)) => Ok(found),
            Ok(None) => {
                remote.push(i);
                Ok(None)
            }
            Err(e) => Err(e),
        });
    }
    if remote.is_empty() {
        return out;
    }
    let settings = match state.server_settings() {
        Ok(settings) => settings,
        Err(e) => {
            for i in remote {
                out[i] = Err(e.clone());
            }
            return out;
        }
    };
    let request = Request {
        version: snapshot.version,
        settings: &settings,
        accounts: store.accounts(),
    };
    let asked: Vec<&str> = remote.iter().map(|&i| names[i]).collect();
    for (i, answer) in remote.into_iter().zip(server::get_many(&request, &asked)) {
        out[i] = answer.map(|found| found.map(|r| sink(i, r.bytes(format))));
    }
    out
}

/// How a template is read and its rendering written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    /// A JSON document, written back as compact JSON.
    Json,
    /// A YAML document read as PyYAML's `yaml.safe_load` reads it (`yaml::load`), written
    /// back as YAML (`yaml::dump`).
    Yaml,
    /// One string, written back as its text (a value that is not a string, which a
    /// whole-string placeholder may give, as JSON).
    Text,
}

/// Renders a template as Prefect 3's workers resolve job variables: `text` read as
/// `format` says, the result written the same way. See `templating`.
pub fn render_template(
    store: &Store,
    text: &[u8],
    format: TemplateFormat,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let template = match format {
        TemplateFormat::Json => crate::pyjson::loads(text)
            .map_err(|e| Error::invalid_argument(format!("the template is not JSON: {e}")))?,
        TemplateFormat::Yaml => crate::yaml::load(text)?,
        TemplateFormat::Text => {
            let text = std::str::from_utf8(text)
                .map_err(|_| Error::invalid_argument("the template is not UTF-8 text"))?;
            Value::Str(crate::pystr::PyStr::from(text))
        }
    };
    let rendered = render(store, template)?;
    Ok(match format {
        TemplateFormat::Json => Zeroizing::new(Rendered::of(&rendered).json().to_vec()),
        TemplateFormat::Text => Zeroizing::new(Rendered::of(&rendered).text().to_vec()),
        TemplateFormat::Yaml => {
            let mut out = Zeroizing::new(Vec::new());
            crate::yaml::dump(&rendered, &mut out);
            out
        }
    })
}

/// Renders each of `templates` as one string of a job-variables list would be: in one
/// render, so each block document and variable is read once for all of them.
pub fn render_strings(store: &Store, templates: &[&str]) -> Result<Vec<Rendered>, Error> {
    let list = crate::value::List(
        templates
            .iter()
            .map(|t| Value::Str(crate::pystr::PyStr::from(*t)))
            .collect(),
    );
    match render(store, Value::List(list))? {
        Value::List(items) => Ok(items.0.iter().map(Rendered::of).collect()),
        // A list renders as a list: each of its strings in place.
        other => Ok(vec![Rendered::of(&other)]),
    }
}

/// Renders a Prefect 3 template value (`templating::render`), its placeholders read from
/// the server of one snapshot's settings (`server::render`).
fn render(store: &Store, template: Value) -> Result<Value, Error> {
    let snapshot = store.snapshot();
    let state = snapshot.loaded.as_ref().map_err(Clone::clone)?;
    let settings = state.server_settings()?;
    let request = Request {
        version: snapshot.version,
        settings: &settings,
        accounts: store.accounts(),
    };
    server::render(&request, template)
}

/// Steps 1, 2 and 4 on `state`: `Some` with the answer, or `None` when the server has it.
/// Inlined: it is most of a local get.
#[inline(always)]
fn answer_locally<R>(
    state: &State,
    name: &str,
    format: Format,
    sink: &mut Option<impl FnOnce(&[u8]) -> R>,
) -> Result<Option<Option<R>>, Error> {
    Ok(match state.lookup(name)? {
        Lookup::Server => None,
        Lookup::Local(None | Some(Outcome::None)) => Some(None),
        Lookup::Local(Some(Outcome::Error(e))) => return Err(e.clone()),
        Lookup::Local(Some(Outcome::Value(r))) => Some(sink.take().map(|f| f(r.bytes(format)))),
    })
}
