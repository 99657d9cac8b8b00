//! The server path (`use_local_secrets` is not true): Prefect 0.5.3's `Client().graphql`
//! for `secretValue`, step by step, in the order its checks fail.
//!
//! - [`settings`]: what is read from the configuration (and the limits we add)
//! - [`graphql`]: the request body and how the reply is read
//! - [`transport`]: the shared HTTP agent, limits, TLS, the clear-text rule
//! - [`reuse`]: a thread's immediate repeat of a get does not ask again
//! - [`cache`]: the opt-in time-to-live cache (`cloud.cache_ttl`)
//! - [`dns`]: name resolution without a thread per request

pub mod cache;
pub mod dns;
pub mod graphql;
pub mod reuse;
pub mod settings;
pub mod transport;

use std::sync::Arc;
use std::time::Duration;

use ureq::http::HeaderValue;

use crate::config::expand::expanduser;
use crate::config::host::{Environment, Host};
use crate::context::Rendered;
use crate::error::{Error, ErrorKind};
use crate::pyjson::repr::{config_str, py_str};
use crate::pyjson::{self, DecodeError};
use crate::pystr::PyStr;
use crate::resolve::Format;
use crate::store::Store;
use crate::value::{Dict, Value};
use settings::Settings;

/// Asks the server for `name`; `sink` receives the rendered value.
pub fn get<R>(
    store: &Store,
    name: &str,
    format: Format,
    sink: impl FnOnce(&[u8]) -> R,
) -> Result<Option<R>, Error> {
    let version = store.version();
    let settings = store.read(Settings::from_state)?;
    let (window, ttl) = settings
        .limits
        .as_ref()
        .map_or((Duration::ZERO, Duration::ZERO), |l| {
            (l.reuse_window, l.cache_ttl)
        });
    let remembered = if ttl.is_zero() {
        None
    } else {
        cache::lookup(version, name)
    };
    let rendered = match remembered.or_else(|| reuse::recall(version, name, window)) {
        Some(r) => r,
        None => match fetch(store, name, &settings)? {
            None => return Ok(None),
            Some(value) => {
                let r = Arc::new(Rendered::of(&value));
                cache::insert(version, name, ttl, r.clone());
                reuse::remember(version, name, window, r.clone());
                r
            }
        },
    };
    Ok(Some(sink(match format {
        Format::Text => rendered.text(),
        Format::Json => rendered.json(),
    })))
}

fn fetch(store: &Store, name: &str, settings: &Settings) -> Result<Option<Value>, Error> {
    // Client(): the logger, then the token (from the configuration or the credentials file).
    settings.logging.clone()?;
    let token = match &settings.token {
        Some(t) => Some(config_str(t)),
        None => credentials_token(&settings.homes, store)?,
    };
    // Client._request: the URL must be text, then a token must exist.
    let Value::Str(graphql) = &settings.graphql else {
        return Err(Error::client(format!(
            "cloud.graphql is a {}, not a URL",
            settings.graphql.type_name()
        )));
    };
    let Some(token) = token else {
        return Err(Error::auth("Call Client.login() to set the client token."));
    };
    let limits = settings.limits.clone()?;
    let graphql = graphql.to_string_lossy();
    // os.path.join(server, "").rstrip("/")
    let url = transport::check_url(graphql.trim_end_matches('/'), "cloud.graphql", &limits)?;
    let body = graphql::request_body(name);

    let mut reply = transport::post(&url, &bearer(&token)?, Some(&body), &limits)?;
    if reply.status == 401 {
        // refresh_token(): POST os.path.join(graphql, "refresh_token"), take `token`
        // from whatever comes back, and try once more.
        let refresh_url = if graphql.is_empty() || graphql.ends_with('/') {
            format!("{graphql}refresh_token")
        } else {
            format!("{graphql}/refresh_token")
        };
        let refresh_url = transport::check_url(&refresh_url, "the token refresh URL", &limits)?;
        let refresh = transport::post(&refresh_url, &bearer(&token)?, None, &limits)?;
        let fresh = graphql::refreshed_token(decode(&refresh.body, "token refresh reply")?)?;
        reply = transport::post(&url, &bearer(&py_str(&fresh))?, Some(&body), &limits)?;
        if reply.status == 401 {
            return Err(Error::auth(
                "the server refused the token (HTTP 401 Unauthorized), also after refreshing it",
            ));
        }
    }
    if (400..600).contains(&reply.status) {
        return Err(Error::client(format!(
            "the server answered HTTP {}",
            reply.status
        )));
    }
    if reply.redirect {
        return Err(Error::client(format!(
            "the server answered HTTP {} with a redirect, which is not followed \
             (the token stays with the configured host)",
            reply.status
        )));
    }
    let result = if reply.body.is_empty() {
        Value::Dict(Dict::new())
    } else {
        decode(&reply.body, "reply")?
    };
    graphql::secret_value(result)
}

/// `Authorization: Bearer <token>`. Bearer tokens are ASCII (RFC 6750); line breaks,
/// other control characters and non-ASCII text cannot go in the header.
fn bearer(token: &PyStr) -> Result<HeaderValue, Error> {
    let token = token.as_bytes();
    if token.iter().any(|&b| b == b'\n' || b == b'\r') {
        return Err(Error::client(
            "the auth token contains a line break, which cannot go in an HTTP header",
        ));
    }
    if !token.is_ascii() {
        return Err(Error::client(
            "the auth token has non-ASCII characters; bearer tokens are ASCII",
        ));
    }
    let mut bytes = zeroize::Zeroizing::new(b"Bearer ".to_vec());
    bytes.extend_from_slice(token);
    HeaderValue::from_bytes(&bytes).map_err(|_| {
        Error::client(
            "the auth token contains control characters, which cannot go in an HTTP header",
        )
    })
}

/// `~/.prefect/.credentials/auth_token`, read as Prefect reads it: text with universal
/// newlines; an empty file is no token.
fn credentials_token(homes: &Environment, store: &Store) -> Result<Option<PyStr>, Error> {
    let host = Host {
        env: homes,
        accounts: store.accounts(),
    };
    let path = expanduser(&PyStr::from("~/.prefect/.credentials/auth_token"), &host)?;
    let path = std::path::PathBuf::from(path.to_string_lossy());
    if !path.exists() {
        return Ok(None);
    }
    let shown = path.display();
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(&path).map_err(|e| {
            Error::client(format!("cannot read the credentials file {shown}: {e}"))
        })?);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::client(format!("the credentials file {shown} is not valid UTF-8")))?;
    if text.is_empty() {
        return Ok(None);
    }
    let text = zeroize::Zeroizing::new(text.replace("\r\n", "\n").replace('\r', "\n"));
    Ok(Some(PyStr::from(text.as_str())))
}

/// `response.json()`, on a reply that must be UTF-8.
fn decode(body: &[u8], what: &str) -> Result<Value, Error> {
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
