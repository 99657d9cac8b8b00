//! The server path (`use_local_secrets` is not true). Filled in by the server issue.

use crate::error::Error;
use crate::resolve::Format;
use crate::store::Store;

pub fn get<R>(
    _store: &Store,
    _name: &str,
    _format: Format,
    _sink: impl FnOnce(&[u8]) -> R,
) -> Result<Option<R>, Error> {
    Err(Error::client("the server path is not built yet"))
}
