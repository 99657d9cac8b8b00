//! `Secret(name).get()`: the four steps of `docs/SEMANTICS.md`, section 1.
//!
//! 1. Building a Flow: fail.
//! 2. `use_local_secrets is True`: the context's value, decoded when it was set.
//! 3. Otherwise: the server.
//! 4. Hand the rendered bytes to the caller.

use crate::context::{Lookup, Outcome};
use crate::error::Error;
use crate::store::Store;

/// Which rendering the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A string as its text, anything else as JSON (`secret_get`).
    Text,
    /// Always JSON (`secret_get_json`).
    Json,
}

/// Resolves `name` and passes the rendered value to `sink`; `Ok(None)` is Python's None.
/// The local path copies straight from the shared snapshot, without allocating.
pub fn get<R>(
    store: &Store,
    name: &str,
    format: Format,
    sink: impl FnOnce(&[u8]) -> R,
) -> Result<Option<R>, Error> {
    let mut sink = Some(sink);
    let local = store.read(|state| {
        Ok(match state.lookup(name)? {
            Lookup::Server => None,
            Lookup::Local(None | Some(Outcome::None)) => Some(None),
            Lookup::Local(Some(Outcome::Error(e))) => return Err(e.clone()),
            Lookup::Local(Some(Outcome::Value(r))) => {
                let bytes = match format {
                    Format::Text => r.text(),
                    Format::Json => r.json(),
                };
                Some(sink.take().map(|f| f(bytes)))
            }
        })
    })?;
    match local {
        Some(found) => Ok(found),
        None => {
            let sink = sink.take().expect("the local path did not use the sink");
            crate::server::get(store, name, format, sink)
        }
    }
}
