//! One Prefect 3 client for a request: the API URL, the credential, the custom headers,
//! the transport limits and the retries, as Prefect 3's `PrefectClient` sets them up;
//! and how its replies are judged.

use std::time::SystemTime;

use ureq::http::{HeaderName, HeaderValue, Uri};
use zeroize::Zeroizing;

use super::csrf::{self, Csrf};

use crate::config::cloud::settings::{Limits, Prefect3};
use crate::config::cloud::url::{check_url, shown_url};
use crate::error::Error;
use crate::pyjson;
use crate::server::Request;
use crate::server::base64;
use crate::server::retry::{self, Sleeper};
use crate::server::transport::{self, Failure, Method, Reply, Retry};
use crate::value::Value;

pub struct Api<'a> {
    request: &'a Request<'a>,
    p3: &'a Prefect3,
    /// The API URL without its trailing `/`.
    base: String,
    limits: Limits,
    auth: Option<HeaderValue>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl<'a> Api<'a> {
    pub fn new(request: &'a Request<'a>) -> Result<Api<'a>, Error> {
        let settings = request.settings;
        let p3 = settings.prefect3.as_ref().map_err(Clone::clone)?;
        let Some(api) = &p3.api_url else {
            return Err(Error::client(
                "no Prefect API URL: set PREFECT_API_URL (or `prefect config set \
                 PREFECT_API_URL=...`, `prefect cloud login`), e.g. http://127.0.0.1:4200/api",
            ));
        };
        // Prefect's client prefers the auth string.
        let auth = match (&p3.auth_string, &p3.api_key) {
            (Some(user_pass), _) => Some(transport::authorization(
                "Basic",
                base64::standard(user_pass.value.as_bytes()).as_bytes(),
                "API auth string",
            )?),
            (None, Some(key)) => Some(transport::authorization(
                "Bearer",
                key.value.as_bytes(),
                "API key",
            )?),
            (None, None) => None,
        };
        Ok(Api {
            request,
            p3,
            base: api
                .value
                .to_string_lossy()
                .trim_end_matches('/')
                .to_string(),
            limits: p3.limits(&settings.limits.clone()?),
            auth,
            headers: custom_headers(&p3.custom_headers)?,
        })
    }

    /// `GET {api}/{path}` with Prefect's retries: the reply when it is a success, `None`
    /// for a 404 about the object asked for, an error for anything else (a 404 of a
    /// route the server does not have says the URL is wrong).
    pub fn get(&self, path: &str) -> Result<Option<Reply>, Error> {
        let url = self.url(path)?;
        let reply = self.retrying(|| self.send(Method::Get, &url, &self.headers))?;
        self.judge(reply, &url)
    }

    /// `POST {api}/{path}` with a JSON body, judged as [`Api::get`]: with Prefect's
    /// retries, and a CSRF token first when the server wants one. A reply saying the
    /// token is invalid drops it and is retried like a 429, as in Prefect's client (the
    /// next try fetches a new token).
    pub fn post(&self, path: &str, body: &[u8]) -> Result<Option<Reply>, Error> {
        let url = self.url(path)?;
        let reply = self.retrying(|| {
            let mut headers = self.headers.clone();
            if let Csrf::Token(token) = self.csrf().map_err(never)? {
                headers.extend(token.headers().map_err(never)?);
            }
            let mut reply = self.send(Method::Post(Some(body)), &url, &headers)?;
            if is_csrf_refusal(&reply) {
                csrf::forget(&self.base);
                reply.resend = true;
            }
            Ok(reply)
        })?;
        self.judge(reply, &url)
    }

    /// What the server wants before a change request (`csrf`).
    fn csrf(&self) -> Result<Csrf, Error> {
        if !csrf::wanted(&self.base, self.p3.csrf_support) {
            return Ok(Csrf::Off);
        }
        csrf::current(&self.base, SystemTime::now(), |path| {
            let url = self.url(path)?;
            let reply = self.retrying(|| self.send(Method::Get, &url, &self.headers))?;
            // An older server (404) or one with the protection off (422) wants none.
            let off = reply.status == 404
                || (reply.status == 422 && contains(&reply.body, b"CSRF protection is disabled."));
            if off {
                return Ok(None);
            }
            match self.judge(reply, &url)? {
                Some(reply) => csrf::decode(&reply.body).map(Some),
                None => Ok(None),
            }
        })
    }

    fn url(&self, path: &str) -> Result<Uri, Error> {
        check_url(
            &format!("{}/{path}", self.base),
            "the Prefect API URL",
            &self.limits,
        )
    }

    /// Sends with Prefect's retries; `attempt` makes one request.
    fn retrying(&self, attempt: impl FnMut() -> Result<Reply, Failure>) -> Result<Reply, Error> {
        retry::Client::default().send(&self.p3.retries, &mut Sleeper, attempt)
    }

    fn send(
        &self,
        method: Method,
        url: &Uri,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<Reply, Failure> {
        transport::send(
            method,
            url,
            self.auth.as_ref(),
            headers,
            &self.limits,
            &self.request.settings.proxies,
        )
    }

    fn judge(&self, reply: Reply, url: &Uri) -> Result<Option<Reply>, Error> {
        let status = reply.status;
        Err(match status {
            200..=299 => return Ok(Some(reply)),
            404 if is_route_miss(&reply.body) => Error::client(format!(
                "the Prefect API has no such route at {}: HTTP 404 {{\"detail\": \"Not \
                 Found\"}}, so the API URL is probably wrong (it ends in /api, e.g. \
                 http://127.0.0.1:4200/api, or for Prefect Cloud \
                 https://api.prefect.cloud/api/accounts/<account>/workspaces/<workspace>)",
                shown_url(url)
            )),
            404 => return Ok(None),
            403 if is_csrf_refusal(&reply) => Error::client(format!(
                "the Prefect server refused the CSRF token (HTTP 403 \"Invalid CSRF token or \
                 client identifier.\") after {} retries",
                reply.retries
            )),
            401 | 403 if self.auth.is_none() => Error::auth(format!(
                "the Prefect server wants credentials (HTTP {status}): set PREFECT_API_KEY or \
                 PREFECT_API_AUTH_STRING (or cloud.api_key / cloud.api_auth_string)"
            )),
            401 | 403 => Error::auth(format!(
                "the Prefect server refused the credentials (HTTP {status})"
            )),
            _ if reply.redirect => Error::client(format!(
                "the Prefect server answered HTTP {status} with a redirect, which is not followed"
            )),
            _ if reply.retries > 0 => Error::client(format!(
                "the Prefect server answered HTTP {status} (after {} retries)",
                reply.retries
            )),
            _ => Error::client(format!("the Prefect server answered HTTP {status}")),
        })
    }
}

/// An error no retry can help.
fn never(error: Error) -> Failure {
    Failure {
        error,
        retry: Retry::Never,
    }
}

/// Prefect's server's answer to a missing, stale or unknown CSRF token.
fn is_csrf_refusal(reply: &Reply) -> bool {
    reply.status == 403 && contains(&reply.body, b"Invalid CSRF token")
}

/// Whether `text` holds `word` (Prefect's `in response.text`).
fn contains(text: &[u8], word: &[u8]) -> bool {
    text.windows(word.len()).any(|w| w == word)
}

/// Headers Prefect's client manages itself; a custom header of one of these names is
/// ignored (Prefect logs a warning).
const PROTECTED_HEADERS: [&str; 3] = ["user-agent", "prefect-csrf-token", "prefect-csrf-client"];

/// `client.custom_headers` as request headers, sent with every request after Prefect's
/// own (so `Authorization` among them replaces the credential's). Their values may be
/// credentials: marked sensitive, and never in a message.
fn custom_headers(
    headers: &[(String, Zeroizing<String>)],
) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    let mut out: Vec<(HeaderName, HeaderValue)> = Vec::new();
    for (name, value) in headers {
        if PROTECTED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::client(format!(
                "Prefect 3's client.custom_headers: {name:?} is not a valid HTTP header name"
            ))
        })?;
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            Error::client(format!(
                "Prefect 3's client.custom_headers: the value of {name:?} cannot go in an \
                 HTTP header (control characters or non-ASCII text)"
            ))
        })?;
        value.set_sensitive(true);
        // A name given twice (in another case) keeps the last value, as httpx's headers do.
        out.retain(|(n, _)| *n != header);
        out.push((header, value));
    }
    Ok(out)
}

/// A 404 that is not about the object asked for: the web framework's answer for a path
/// it has no route for (`{"detail": "Not Found"}`, what a URL without `/api` gets), or a
/// reply that is not a JSON object at all (a proxy's page). The server's own 404s say
/// what is missing ("Block document not found", "Block type not found").
fn is_route_miss(body: &[u8]) -> bool {
    match pyjson::loads(body) {
        Ok(Value::Dict(d)) => {
            matches!(d.get("detail"), Some(Value::Str(s)) if s.as_bytes() == b"Not Found")
        }
        _ => true,
    }
}
