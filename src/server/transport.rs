//! HTTP for the server path: one shared `ureq` agent per transport setting (so repeated
//! gets reuse kept-alive connections, from any thread), the limits (timeouts, reply cap),
//! TLS roots, credentials headers, and the rule that credentials and secrets never travel
//! in clear text to a host that is not loopback.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::http::{HeaderName, HeaderValue, Uri, header};
use ureq::tls::Certificate;
use ureq::tls::{PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Proxy};
use zeroize::Zeroizing;

use super::dns::CachingResolver;
use super::tcp::{self, LeanTcpConnector};
use crate::config::cloud::proxy::ProxyEnv;
use crate::config::cloud::settings::Limits;
use crate::config::cloud::url::describe;
use crate::error::Error;
use crate::files;
use crate::process::PerProcess;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};

/// A server reply, read whole (within the cap) so the connection can be reused.
pub struct Reply {
    pub status: u16,
    /// A 3xx reply that points elsewhere (redirects are never followed).
    pub redirect: bool,
    pub body: Zeroizing<Vec<u8>>,
    /// Its `Retry-After` header, when it has one that is text.
    pub retry_after: Option<String>,
    /// `Prefect-Maintenance: true` (Prefect Cloud under maintenance).
    pub maintenance: bool,
    /// How many times the request was sent again before this reply (`retry`).
    pub retries: u32,
    /// Set by a flavour for a reply its client sends again whatever the status (Prefect
    /// 3's after a CSRF refusal), with the same waits as a retried status.
    pub resend: bool,
}

/// A request that got no reply: the error, and whether Prefect 3's client would send it
/// again (`retry`). Prefect 0.5.3's flavour only takes the error.
pub struct Failure {
    pub error: Error,
    pub retry: Retry,
}

/// Which failures Prefect 3's client retries (`PrefectHttpxAsyncClient.send`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Timeouts, resets, protocol errors: the connection was there, or slow to come.
    Always,
    /// No connection could be made (refused, unknown host, TLS): retried only once the
    /// client has had a reply, so a wrong URL fails fast.
    OnceConnected,
    /// The library's own limits (reply cap, deadline) and requests that cannot be made.
    Never,
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        f.error
    }
}

/// The agent-level settings; a change builds a new agent (and a new connection pool).
#[derive(Clone, PartialEq)]
struct AgentKey {
    connect_timeout: Duration,
    request_timeout: Duration,
    ca_bundle: Option<PathBuf>,
    ca_bundle_from: &'static str,
    skip_verify: bool,
    /// The proxy chosen for the target (`None`: direct).
    proxy: Option<Proxy>,
}

/// The agents in use, by setting (usually one or two), per process: a forked child never
/// uses its parent's connections (see `process`).
static AGENTS: PerProcess<Mutex<Vec<(AgentKey, Agent)>>> = PerProcess::new();

/// Keep at most this many agents; the least recently used is dropped (its pool closes).
const MAX_AGENTS: usize = 8;

fn agent_for(key: &AgentKey) -> Result<Agent, Error> {
    let agents = AGENTS.get(|| Mutex::new(Vec::new()));
    // The agent for `key`, moved to the end: the front is the least recently used, so a
    // process that also uses other settings for a while keeps its busy agent's connections.
    let find = |agents: &mut Vec<(AgentKey, Agent)>| {
        let i = agents.iter().position(|(k, _)| k == key)?;
        let entry = agents.remove(i);
        let agent = entry.1.clone();
        agents.push(entry);
        Some(agent)
    };
    if let Some(agent) = find(&mut lock(&agents)) {
        return Ok(agent);
    }
    // Built without the lock: building reads the CA bundle, which may be slow or hostile.
    let agent = build_agent(key)?;
    let mut agents = lock(&agents);
    if let Some(agent) = find(&mut agents) {
        return Ok(agent);
    }
    if agents.len() >= MAX_AGENTS {
        agents.remove(0);
    }
    agents.push((key.clone(), agent.clone()));
    Ok(agent)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn build_agent(key: &AgentKey) -> Result<Agent, Error> {
    let roots = match &key.ca_bundle {
        None => RootCerts::PlatformVerifier,
        Some(path) => RootCerts::Specific(Arc::new(read_ca_bundle(path, key.ca_bundle_from)?)),
    };
    let tls = TlsConfig::builder()
        .root_certs(roots)
        .disable_verification(key.skip_verify)
        .build();
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(key.connect_timeout))
        .timeout_global(Some(key.request_timeout))
        .user_agent(concat!("prefect-secrets/", env!("CARGO_PKG_VERSION")))
        .max_idle_connections(64)
        .max_idle_connections_per_host(64)
        .proxy(key.proxy.clone())
        .tls_config(tls)
        .build();
    // ureq's own chain, with our TCP transport in place of its TcpConnector.
    let connector =
        ().chain(ConnectProxyConnector::default())
            .chain(LeanTcpConnector)
            .chain(RustlsConnector::default());
    Ok(Agent::with_parts(
        config,
        connector,
        CachingResolver::default(),
    ))
}

/// The certificates of a CA bundle (`from`: the setting that named it): a regular PEM
/// file within `files::CA_BUNDLE_CAP`.
fn read_ca_bundle(path: &Path, from: &str) -> Result<Vec<Certificate<'static>>, Error> {
    let shown = path.display();
    let pem = files::read_regular(path, files::CA_BUNDLE_CAP)
        .map_err(|e| Error::config(format!("cannot read the CA bundle {shown} ({from}): {e}")))?;
    let certs: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(Error::config(format!(
            "the CA bundle {shown} ({from}) holds no PEM certificate"
        )));
    }
    Ok(certs)
}

/// An `Authorization` header, `<scheme> <credential>`. Credentials are ASCII (bearer
/// tokens by RFC 6750, Basic by its base64); line breaks, other control characters and
/// non-ASCII text cannot go in a header.
pub fn authorization(scheme: &str, credential: &[u8], what: &str) -> Result<HeaderValue, Error> {
    if credential.iter().any(|&b| b == b'\n' || b == b'\r') {
        return Err(Error::client(format!(
            "the {what} contains a line break, which cannot go in an HTTP header"
        )));
    }
    if !credential.is_ascii() {
        return Err(Error::client(format!(
            "the {what} has non-ASCII characters, which cannot go in an HTTP header"
        )));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(scheme.len() + 1 + credential.len()));
    bytes.extend_from_slice(scheme.as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(credential);
    HeaderValue::from_bytes(&bytes).map_err(|_| {
        Error::client(format!(
            "the {what} contains control characters, which cannot go in an HTTP header"
        ))
    })
}

/// How a request is made.
pub enum Method<'a> {
    /// POST with a JSON body, or with none.
    Post(Option<&'a [u8]>),
    Get,
}

thread_local! {
    /// The deadline of the C call running on this thread, when it gave one
    /// (`secret_get_alloc_within`): every exchange ends by then as well.
    static CALL_DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `f` with every server exchange it makes on this thread also bounded by
/// `deadline`: an exchange's timeout is the shorter of `cloud.request_timeout` and the time
/// left. The previous deadline (none) is put back afterwards, even on a panic.
pub fn with_deadline<R>(deadline: Instant, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CALL_DEADLINE.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(CALL_DEADLINE.with(|d| d.replace(Some(deadline))));
    f()
}

/// The time left before this thread's call deadline, when there is one.
pub fn time_left() -> Option<Duration> {
    CALL_DEADLINE
        .with(Cell::get)
        .map(|d| d.saturating_duration_since(Instant::now()))
}

/// Sends a request with an optional `Authorization` header and `extra` headers (Prefect
/// 3's custom headers, which replace it when they name it), and reads the whole reply
/// within the limits. Any HTTP status is a `Reply`; failures to get one are client
/// errors with plain messages.
///
/// Both flavours' requests are reads, safe to repeat: one that fails on a kept-alive
/// connection before any reply arrived (the server closed it as the request went out, or
/// while it sat idle) is sent once more, on a new connection.
pub fn send(
    method: Method,
    uri: &Uri,
    authorization: Option<&HeaderValue>,
    extra: &[(HeaderName, HeaderValue)],
    limits: &Limits,
    proxies: &ProxyEnv,
) -> Result<Reply, Failure> {
    let authorization =
        authorization.filter(|_| !extra.iter().any(|(n, _)| n == header::AUTHORIZATION));
    let key = AgentKey {
        connect_timeout: limits.connect_timeout,
        request_timeout: limits.request_timeout,
        ca_bundle: limits.ca_bundle.clone(),
        ca_bundle_from: limits.ca_bundle_from,
        skip_verify: limits.skip_verify,
        proxy: proxies.for_target(uri).map_err(Failure::never)?,
    };
    let agent = agent_for(&key).map_err(Failure::never)?;
    // The caller's deadline, when it leaves less than cloud.request_timeout.
    let shorter = time_left().filter(|left| *left < limits.request_timeout);
    if shorter.is_some_and(|left| left.is_zero()) {
        return Err(Failure::never(Error::client(format!(
            "no request sent to {}: the call's deadline had passed",
            describe(uri)
        ))));
    }
    let failed = |e: ureq::Error| transport_error(e, uri, limits, shorter);
    tcp::begin_attempt();
    let mut response = match call(&agent, &method, uri, authorization, extra, false, shorter) {
        Ok(r) => r,
        Err(e) if !tcp::connected_fresh() && closed_before_reply(&e) => {
            // The retry gets what is left of the caller's deadline, not a new one.
            let shorter = time_left().filter(|left| *left < limits.request_timeout);
            call(&agent, &method, uri, authorization, extra, true, shorter).map_err(failed)?
        }
        Err(e) => return Err(failed(e)),
    };
    let status = response.status().as_u16();
    let headers = response.headers();
    let redirect = (300..400).contains(&status) && headers.contains_key(header::LOCATION);
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let maintenance = headers
        .get("prefect-maintenance")
        .is_some_and(|v| v.as_bytes() == b"true");
    let body = response
        .body_mut()
        .with_config()
        .limit(limits.max_reply_bytes)
        .read_to_vec()
        .map_err(failed)?;
    Ok(Reply {
        status,
        redirect,
        body: Zeroizing::new(body),
        retry_after,
        maintenance,
        retries: 0,
        resend: false,
    })
}

/// One request, up to the reply's head. `fresh` keeps it off the pool: it neither takes
/// a kept-alive connection nor leaves its own behind. `timeout`, when given, replaces the
/// agent's `cloud.request_timeout` for this request (a caller's shorter deadline).
fn call(
    agent: &Agent,
    method: &Method,
    uri: &Uri,
    authorization: Option<&HeaderValue>,
    extra: &[(HeaderName, HeaderValue)],
    fresh: bool,
    timeout: Option<Duration>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    // ureq shares its pool only with requests whose transport settings match the
    // agent's; `no_delay` is such a setting, and changing it changes nothing else here
    // (`LeanTcpConnector` always sets TCP_NODELAY itself). Timeouts are not: a request
    // with its own still uses (and returns) pooled connections.
    macro_rules! apart {
        ($request:expr) => {
            match (fresh, timeout) {
                (false, None) => $request,
                (true, None) => $request.config().no_delay(false).build(),
                (false, Some(t)) => $request.config().timeout_global(Some(t)).build(),
                (true, Some(t)) => $request
                    .config()
                    .no_delay(false)
                    .timeout_global(Some(t))
                    .build(),
            }
        };
    }
    match method {
        Method::Get => {
            let mut request = apart!(agent.get(uri.clone()));
            if let Some(auth) = authorization {
                request = request.header(header::AUTHORIZATION, auth.clone());
            }
            for (name, value) in extra {
                request = request.header(name, value);
            }
            request.call()
        }
        Method::Post(body) => {
            let mut request = apart!(agent.post(uri.clone()));
            if let Some(auth) = authorization {
                request = request.header(header::AUTHORIZATION, auth.clone());
            }
            for (name, value) in extra {
                request = request.header(name, value);
            }
            match body {
                Some(b) => request
                    .header(header::CONTENT_TYPE, "application/json")
                    .send(*b),
                None => request.send_empty(),
            }
        }
    }
}

/// The ways a kept-alive connection fails when the server has closed it: the request
/// could not be written, or the connection ended before a reply.
fn closed_before_reply(e: &ureq::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e, ureq::Error::Io(io) if matches!(
        io.kind(),
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe | NotConnected
    ))
}

impl Failure {
    fn never(error: Error) -> Failure {
        Failure {
            error,
            retry: Retry::Never,
        }
    }
}

/// Which of httpx's exceptions Prefect would have seen: `ConnectError` for a connection
/// never made (refused, unknown host, TLS), `ConnectTimeout`/`ReadTimeout`, `ReadError`/
/// `WriteError` and protocol errors on a connection that was there.
fn retry_of(e: &ureq::Error, uri: &Uri, shorter: Option<Duration>) -> Retry {
    match e {
        // The caller's own deadline ended it: nothing to retry within it.
        ureq::Error::Timeout(_) if shorter.is_some() => Retry::Never,
        ureq::Error::Timeout(_) => Retry::Always,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Retry::OnceConnected,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => Retry::OnceConnected,
        // rustls reports a failed handshake as invalid data.
        ureq::Error::Io(io)
            if uri.scheme_str() == Some("https")
                && io.kind() == std::io::ErrorKind::InvalidData =>
        {
            Retry::OnceConnected
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Retry::OnceConnected
        }
        ureq::Error::Io(_) | ureq::Error::Protocol(_) => Retry::Always,
        _ => Retry::Never,
    }
}

fn transport_error(
    e: ureq::Error,
    uri: &Uri,
    limits: &Limits,
    shorter: Option<Duration>,
) -> Failure {
    Failure {
        retry: retry_of(&e, uri, shorter),
        error: transport_message(e, uri, limits, shorter),
    }
}

fn transport_message(
    e: ureq::Error,
    uri: &Uri,
    limits: &Limits,
    shorter: Option<Duration>,
) -> Error {
    let to = describe(uri);
    let ms = |d: Duration| d.as_millis();
    Error::client(match e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve)
            if shorter.is_none_or(|left| left >= limits.connect_timeout) =>
        {
            format!(
                "could not connect to {to}: timed out after {} ms (cloud.connect_timeout)",
                ms(limits.connect_timeout)
            )
        }
        ureq::Error::Timeout(_) if shorter.is_some() => format!(
            "no complete answer from {to}: the call's deadline passed ({} ms)",
            ms(shorter.unwrap_or_default())
        ),
        ureq::Error::Timeout(_) => format!(
            "no complete answer from {to}: timed out after {} ms (cloud.request_timeout)",
            ms(limits.request_timeout)
        ),
        ureq::Error::BodyExceedsLimit(_) => format!(
            "the reply from {to} is larger than {} bytes (cloud.max_reply_bytes)",
            limits.max_reply_bytes
        ),
        ureq::Error::HostNotFound => format!("cannot resolve the host of {to}"),
        ureq::Error::ConnectionFailed => format!("cannot connect to {to}"),
        // Over https, a failed certificate check also surfaces as an I/O error.
        ureq::Error::Io(io) if uri.scheme_str() == Some("https") => {
            format!("network or TLS error with {to}: {io}")
        }
        ureq::Error::Io(io) => format!("network error with {to}: {io}"),
        ureq::Error::Tls(why) => format!("TLS error with {to}: {why}"),
        ureq::Error::Rustls(why) => format!("TLS error with {to}: {why}"),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => format!("cannot make a request to {to}"),
        other => format!("HTTP error with {to}: {other}"),
    })
}
