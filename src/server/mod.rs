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

use std::collections::{HashMap, HashSet};
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
    let keep = Keep::of(request);
    let rendered = match keep.recall(name) {
        Some(r) => r,
        None => match coalesce::join(keep.version, name, || {
            let value = (flavors::chosen(request.settings)?.fetch)(request, name)?;
            Ok(value.map(|v| Arc::new(Rendered::of(&v))))
        })? {
            None => return Ok(None),
            Some(r) => keep.remember(name, r),
        },
    };
    Ok(Some(sink(rendered.bytes(format))))
}

/// Asks the server for several names at once (a batch get): one outcome per name, in
/// order, each what [`get`] gives for it. Cached and reused values are answered as by
/// `get`; the rest go to the flavour's `fetch_many`, each name once.
pub fn get_many(request: &Request, names: &[&str]) -> Vec<Result<Option<Arc<Rendered>>, Error>> {
    let keep = Keep::of(request);
    let mut out: Vec<Option<Result<Option<Arc<Rendered>>, Error>>> = names
        .iter()
        .map(|name| keep.recall(name).map(|r| Ok(Some(r))))
        .collect();
    let mut seen = HashSet::new();
    let ask: Vec<&str> = names
        .iter()
        .zip(&out)
        .filter(|(name, known)| known.is_none() && seen.insert(**name))
        .map(|(name, _)| *name)
        .collect();
    if !ask.is_empty() {
        let fetched = match flavors::chosen(request.settings) {
            Ok(asker) => (asker.fetch_many)(request, &ask),
            Err(e) => ask.iter().map(|_| Err(e.clone())).collect(),
        };
        let by_name: HashMap<&str, Result<Option<Arc<Rendered>>, Error>> = ask
            .iter()
            .zip(fetched)
            .map(|(name, r)| {
                let kept = r.map(|v| v.map(|v| keep.remember(name, Arc::new(Rendered::of(&v)))));
                (*name, kept)
            })
            .collect();
        for (name, slot) in names.iter().zip(&mut out) {
            if slot.is_none() {
                *slot = Some(by_name.get(name).cloned().unwrap_or_else(|| {
                    Err(Error::new(
                        ErrorKind::Internal,
                        "the flavour's batch answered fewer names than it was asked",
                    ))
                }));
            }
        }
    }
    out.into_iter().flatten().collect()
}

/// Renders a Prefect 3 template (`templating::render`), its placeholders read through
/// the flavour (`{"$ref": ...}`, `{{ prefect.blocks... }}`, `{{ prefect.variables... }}`).
pub fn render(request: &Request, template: Value) -> Result<Value, Error> {
    let mut documents = (flavors::chosen(request.settings)?.templates)(request)?;
    crate::templating::render(template, &mut *documents)
}

/// Where fetched values are kept under the request's snapshot: the time-to-live cache and
/// this thread's reuse window.
struct Keep {
    version: Version,
    window: Duration,
    ttl: Duration,
    max_entries: u64,
}

impl Keep {
    fn of(request: &Request) -> Keep {
        let (window, ttl, max_entries) = request
            .settings
            .limits
            .as_ref()
            .map_or((Duration::ZERO, Duration::ZERO, 0), |l| {
                (l.reuse_window, l.cache_ttl, l.cache_max_entries)
            });
        Keep {
            version: request.version,
            window,
            ttl,
            max_entries,
        }
    }

    /// A value kept for `name`: the cache's (when on), else this thread's last fetch.
    fn recall(&self, name: &str) -> Option<Arc<Rendered>> {
        let cached = if self.ttl.is_zero() {
            None
        } else {
            cache::lookup(self.version, name)
        };
        cached.or_else(|| reuse::recall(self.version, name))
    }

    /// Keeps a fetched value, rendered.
    fn remember(&self, name: &str, r: Arc<Rendered>) -> Arc<Rendered> {
        cache::insert(self.version, name, self.ttl, self.max_entries, r.clone());
        reuse::remember(self.version, name, self.window, r.clone());
        r
    }
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
