//! Prefect 0.5.3's `Client().graphql(...)` for `secretValue`, step by step, in the order
//! its checks fail: the logger, the token (configuration or credentials file), the URL,
//! the token's presence, the request, one refresh-and-retry on 401, the reply.

use std::path::PathBuf;

use crate::config::cloud::url::{check_url, shown_url};
use crate::config::expand::expanduser;
use crate::config::host::Accounts;
use crate::config::host::{Environment, Host};
use crate::config::source::{Sources, key_and_source};
use crate::error::Error;
use crate::files;
use crate::pyjson::repr::{config_str, py_str};
use crate::pystr::PyStr;
use crate::server::Request;
use crate::templating::Documents;
use crate::value::{Dict, Value};

use super::graphql;
use crate::config::cloud::keys as key;
use crate::server::decode_reply;
use crate::server::redact::Redactor;
use crate::server::transport::{self, Method};

/// Prefect 0.5.3 has no blocks and no Variables: a template's placeholders for them are
/// refused, saying which flavour has them.
pub struct NoDocuments;

/// Why a block or variable placeholder cannot be filled under this flavour.
pub const NO_DOCUMENTS: &str = "a block or variable placeholder needs the Prefect 3 flavour \
     (PREFECT_SECRETS_FLAVOR=prefect-3 or cloud.server_flavor = \"prefect-3\"): Prefect \
     0.5.3 has no blocks or variables, so a render with one fails";

impl NoDocuments {
    fn refuse<T>(what: &str) -> Result<T, Error> {
        Err(Error::config(format!(
            "a {{{{ prefect.{what}... }}}} placeholder needs the Prefect 3 flavour \
             (PREFECT_SECRETS_FLAVOR=prefect-3 or cloud.server_flavor = \"prefect-3\"): \
             Prefect 0.5.3 has no blocks or variables"
        )))
    }
}

impl Documents for NoDocuments {
    fn block_by_name(&mut self, _: &str, _: &str) -> Result<Option<Dict>, Error> {
        Self::refuse("blocks")
    }

    fn block_by_id(&mut self, _: &str) -> Result<Option<Dict>, Error> {
        Self::refuse("blocks")
    }

    fn variable(&mut self, _: &str) -> Result<Option<Value>, Error> {
        Self::refuse("variables")
    }
}

pub fn fetch(request: &Request, name: &str) -> Result<Option<Value>, Error> {
    let settings = request.settings;
    // Client(): the logger, then the token (from the configuration or the credentials file).
    settings.logging.clone()?;
    let token = match &settings.token {
        Some(t) => Some(config_str(t)),
        None => credentials_token(&settings.env, request.accounts)?,
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
    let url = match &settings.graphql_url {
        Some(url) => url.clone()?,
        None => unreachable!("cloud.graphql is text and the limits are valid"),
    };
    let body = graphql::request_body(name);
    let query = Method::Post(Some(&body));
    let proxies = &settings.proxies;
    // Server texts may echo either token; they are masked in messages.
    let mut refreshed: Option<PyStr> = None;
    let mut redactor = Redactor::default();
    redactor.add(token.as_bytes());

    let mut reply = transport::send(query, &url, Some(&bearer(&token)?), &[], &limits, proxies)?;
    if reply.status == 401 {
        // refresh_token(): POST os.path.join(graphql, "refresh_token"), take `token`
        // from whatever comes back, and try once more.
        let refresh_url = if graphql.is_empty() || graphql.ends_with('/') {
            format!("{graphql}refresh_token")
        } else {
            format!("{graphql}/refresh_token")
        };
        let refresh_url = check_url(&refresh_url, "the token refresh URL", &limits)?;
        let refresh = transport::send(
            Method::Post(None),
            &refresh_url,
            Some(&bearer(&token)?),
            &[],
            &limits,
            proxies,
        )?;
        let fresh = graphql::refreshed_token(decode_reply(&refresh.body, "token refresh reply")?)?;
        let fresh = refreshed.insert(py_str(&fresh));
        redactor.add(fresh.as_bytes());
        let query = Method::Post(Some(&body));
        reply = transport::send(query, &url, Some(&bearer(fresh)?), &[], &limits, proxies)?;
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
        decode_reply(&reply.body, "reply")?
    };
    graphql::secret_value(result, &redactor)
}

/// Where Prefect 0.5.3 looks for a token when `cloud.auth_token` is not set:
/// `~/.prefect/.credentials/auth_token`, expanded as Python expands it; `None` when it
/// cannot be a path.
fn credentials_path(env: &Environment, accounts: &dyn Accounts) -> Result<Option<PathBuf>, Error> {
    let host = Host {
        env,
        accounts,
        limits: crate::config::Limits::DEFAULT,
    };
    let path = expanduser(&PyStr::from("~/.prefect/.credentials/auth_token"), &host)?;
    Ok(crate::config::to_path(&path))
}

/// What a get would do, for `secret_explain` (see `flavors::Explain`).
pub fn explain(request: &Request, _name: &str, sources: &Sources) -> Vec<String> {
    let settings = request.settings;
    let mut out = vec!["API: Prefect 0.5.3's GraphQL secretValue query".to_string()];
    let graphql = key_and_source(sources, &["cloud", key::GRAPHQL]);
    out.push(match &settings.graphql_url {
        Some(Ok(uri)) => format!("URL: {} ({graphql})", shown_url(uri)),
        Some(Err(e)) => format!("URL: unusable, so a get fails: {e} ({graphql})"),
        None if matches!(settings.graphql, Value::Str(_)) => {
            format!("URL: not checked, the limits are invalid ({graphql})")
        }
        None => format!(
            "URL: {graphql} is a {}, not a URL, so a get fails",
            settings.graphql.type_name()
        ),
    });
    out.push(match &settings.token {
        Some(_) => format!(
            "credential: bearer token in {}",
            key_and_source(sources, &["cloud", key::AUTH_TOKEN])
        ),
        None => match credentials_path(&settings.env, request.accounts) {
            Ok(Some(path)) if path.is_file() => format!(
                "credential: bearer token from the credentials file {} (cloud.auth_token is not set)",
                path.display()
            ),
            Ok(Some(path)) => format!(
                "credential: none: cloud.auth_token is not set and there is no credentials file {}, \
                 so a get fails with SECRET_ERR_AUTH",
                path.display()
            ),
            Ok(None) | Err(_) => "credential: none: cloud.auth_token is not set and the \
                 credentials file's path cannot be worked out, so a get fails with SECRET_ERR_AUTH"
                .to_string(),
        },
    });
    if out.last().is_some_and(|l| l.ends_with("SECRET_ERR_AUTH")) {
        out.push(
            "the error then says \"Call Client.login() to set the client token.\", Prefect \
             0.5.3's words for Python: set cloud.auth_token (PREFECT__CLOUD__AUTH_TOKEN) instead; \
             a Prefect 3 user sets PREFECT_SECRETS_FLAVOR=prefect-3"
                .to_string(),
        );
    }
    if let Err(e) = &settings.logging {
        out.push(format!("a get fails before asking: {e}"));
    }
    out
}

fn bearer(token: &PyStr) -> Result<ureq::http::HeaderValue, Error> {
    transport::authorization("Bearer", token.as_bytes(), "auth token")
}

/// `~/.prefect/.credentials/auth_token`, read as Prefect reads it: text with universal
/// newlines; an empty file is no token. Prefect asks `os.path.exists` first, so a path
/// that cannot be looked up at all is no token too.
///
/// Only a regular file of at most [`files::CREDENTIALS_CAP`] bytes is read, opened without
/// blocking: a FIFO, a device, a directory or a huge file there is a client error at once
/// (Python would hang on the FIFO, read `/dev/zero` until memory runs out, or raise
/// `IsADirectoryError`).
fn credentials_token(env: &Environment, accounts: &dyn Accounts) -> Result<Option<PyStr>, Error> {
    // A NUL or an unencodable character: `os.path.exists` is false.
    let Some(path) = credentials_path(env, accounts)? else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let shown = path.display();
    let bytes = match files::read_regular(&path, files::CREDENTIALS_CAP) {
        Ok(bytes) => bytes,
        // Removed since `exists`.
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => {
            return Err(Error::client(format!(
                "cannot read the credentials file {shown}: {e}"
            )));
        }
    };
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::client(format!("the credentials file {shown} is not valid UTF-8")))?;
    if text.is_empty() {
        return Ok(None);
    }
    // Each step's copy is wiped too.
    let crlf = zeroize::Zeroizing::new(text.replace("\r\n", "\n"));
    let text = zeroize::Zeroizing::new(crlf.replace('\r', "\n"));
    Ok(Some(PyStr::from(text.as_str())))
}
