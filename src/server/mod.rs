//! The server path (`use_local_secrets` is not true): Prefect 0.5.3's GraphQL
//! `secretValue` (the default), or a Prefect 2/3 server's Secret blocks
//! (`cloud.server_flavor`).
//!
//! What it is asked with comes from below: the `[cloud]` settings, the flavour names and
//! the clear-text rule are `config::cloud`'s.
//!
//! - [`flavors`]: the table of server APIs, each in its own file below it (Prefect 0.5.3's
//!   GraphQL client, a Prefect 3 server's Secret blocks)
//! - [`transport`]: the shared HTTP agent, limits, TLS; [`retry`]: Prefect 3's client retries
//! - [`reuse`]: a thread's immediate repeat of a get does not ask again
//! - [`cache`]: the opt-in time-to-live cache (`cloud.cache_ttl`)
//! - [`coalesce`]: identical gets at once share a request not yet sent
//! - [`dns`]: name resolution without a thread per request; [`tcp`]: a lean TCP transport

pub mod base64;
pub mod cache;
mod coalesce;
pub mod dns;
pub mod flavors;
pub mod redact;
pub mod retry;
pub mod reuse;
pub mod tcp;
pub mod transport;

use std::sync::Arc;
use std::time::Duration;

use crate::config::cloud::settings::Settings;
use crate::config::host::Accounts;
use crate::error::{Error, ErrorKind};
use crate::pyjson::{self, DecodeError};
use crate::rendered::{Format, Rendered};
use crate::store::Version;
use crate::value::Value;

/// What a server get is asked with, taken by the caller from one snapshot.
pub struct Request<'a> {
    /// The snapshot's version: cached and reused values are kept under it.
    pub version: Version,
    pub settings: &'a Settings,
    /// The user database, for `~` in the credentials file's path.
    pub accounts: &'a dyn Accounts,
}

/// Asks the server for `name`; `sink` receives the rendered value.
pub fn get<R>(
    request: &Request,
    name: &str,
    format: Format,
    sink: impl FnOnce(&[u8]) -> R,
) -> Result<Option<R>, Error> {
    let version = request.version;
    let (window, ttl, max_entries) = request
        .settings
        .limits
        .as_ref()
        .map_or((Duration::ZERO, Duration::ZERO, 0), |l| {
            (l.reuse_window, l.cache_ttl, l.cache_max_entries)
        });
    let remembered = if ttl.is_zero() {
        None
    } else {
        cache::lookup(version, name)
    };
    let rendered = match remembered.or_else(|| reuse::recall(version, name)) {
        Some(r) => r,
        None => match coalesce::join(version, name, || {
            let value = (flavors::chosen(request.settings)?.fetch)(request, name)?;
            Ok(value.map(|v| Arc::new(Rendered::of(&v))))
        })? {
            None => return Ok(None),
            Some(r) => {
                cache::insert(version, name, ttl, max_entries, r.clone());
                reuse::remember(version, name, window, r.clone());
                r
            }
        },
    };
    Ok(Some(sink(rendered.bytes(format))))
}

/// `response.json()`, on a reply that must be UTF-8.
fn decode_reply(body: &[u8], what: &str) -> Result<Value, Error> {
    std::str::from_utf8(body)
        .map_err(|_| Error::client(format!("the server's {what} is not valid UTF-8")))?;
    pyjson::loads(body).map_err(|e| match e {
        DecodeError::Syntax { .. } => {
            Error::client(format!("the server's {what} is not JSON ({e})"))
        }
        other => Error::new(
            ErrorKind::Client,
            format!("the server's {what} cannot be decoded: {other}"),
        ),
    })
}
