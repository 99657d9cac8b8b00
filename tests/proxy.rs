//! Proxies from the environment, as Prefect's `requests` takes them: an https target goes
//! through `HTTPS_PROXY` as a CONNECT tunnel (the proxy never sees the token), a SOCKS
//! proxy is refused by name (never a silent direct connection), plain http through a
//! proxy needs `cloud.allow_insecure_http`, and `NO_PROXY` is honoured.
//!
//! Targets are named `prefect.invalid`, which never resolves: only the test proxy (on
//! 127.0.0.1, tunnelling to a server on 127.0.0.1) can reach them.

mod support;

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::{Error, ErrorKind};
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;

use support::proxy::TestProxy;
use support::server::{Action, TestServer};
use support::tempdir::TempDir;
use support::tls::{PROXIED_HOST, make_pki};

const TOKEN: &str = "tok-proxy-9d3e";
const VALUE: &str = "val-proxy-51aa";

fn reply() -> Action {
    Action::json(200, format!(r#"{{"data": {{"secretValue": "{VALUE}"}}}}"#))
}

fn store(home: &TempDir, graphql: &str, extra: &[(&str, &str)]) -> Store {
    let home_dir = home.text();
    let mut pairs = vec![
        ("HOME", home_dir.as_str()),
        ("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false"),
        ("PREFECT__CLOUD__GRAPHQL", graphql),
        ("PREFECT__CLOUD__AUTH_TOKEN", TOKEN),
        ("PREFECT__CLOUD__CONNECT_TIMEOUT", "5"),
        ("PREFECT__CLOUD__REQUEST_TIMEOUT", "5"),
    ];
    pairs.extend_from_slice(extra);
    Store::with_env(Environment::from_pairs(pairs), sys::accounts())
}

fn get(store: &Store) -> Result<Option<String>, Error> {
    resolve::get(store, "s", Format::Text, |b| {
        String::from_utf8_lossy(b).into_owned()
    })
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn https_goes_through_the_https_proxy_as_a_tunnel_the_proxy_cannot_read() {
    let pki = make_pki();
    let server = TestServer::start_tls(pki.server.clone(), |_| reply());
    let proxy = TestProxy::start(server.addr);
    let home = TempDir::new("proxy");
    // `/` separators: a `\` in an environment value is an escape (Windows paths).
    let ca = home.write("ca.pem", &pki.ca_pem);
    let ca = ca.to_str().unwrap().replace('\\', "/");
    let url = format!("https://{PROXIED_HOST}:{}/graphql", server.addr.port());
    let store = store(
        &home,
        &url,
        &[
            ("PREFECT__CLOUD__CA_BUNDLE", &ca),
            ("HTTPS_PROXY", &proxy.url()),
        ],
    );
    assert_eq!(get(&store).unwrap().as_deref(), Some(VALUE));
    let seen = proxy.seen();
    assert_eq!(seen.heads.len(), 1, "{:?}", seen.heads);
    assert!(
        seen.heads[0].starts_with(&format!("CONNECT {PROXIED_HOST}:{} ", server.addr.port())),
        "{}",
        seen.heads[0]
    );
    assert!(!seen.heads[0].contains(TOKEN));
    assert!(!seen.tunnelled.is_empty());
    assert!(
        !contains(&seen.tunnelled, TOKEN) && !contains(&seen.tunnelled, "secretValue"),
        "the proxy saw clear text"
    );
}

#[test]
fn a_socks_proxy_is_refused_not_skipped() {
    let server = TestServer::start(|_| reply());
    let home = TempDir::new("proxy");
    let url = format!("https://{PROXIED_HOST}:{}/graphql", server.addr.port());
    for (var, proxy) in [
        ("ALL_PROXY", "socks5://127.0.0.1:9"),
        ("all_proxy", "socks5h://user:pw-9d3e@127.0.0.1:9"),
        ("HTTPS_PROXY", "socks4://127.0.0.1:9"),
    ] {
        // An HTTPS_PROXY beside ALL_PROXY is used for https; the SOCKS one only where it
        // is the one chosen (so an http:// one here, for ALL_PROXY).
        let store = store(&home, &url, &[(var, proxy)]);
        let e = get(&store).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Client, "{var}: {}", e.message);
        assert!(
            e.message.contains(&format!("{var} is a SOCKS proxy")),
            "{var}: {}",
            e.message
        );
        assert!(!e.message.contains("pw-9d3e") && !e.message.contains(TOKEN));
    }
    assert_eq!(server.connections(), 0, "nothing may connect directly");
}

#[test]
fn plain_http_through_a_proxy_needs_allow_insecure_http() {
    let server = TestServer::start(|_| reply());
    let proxy = TestProxy::start(server.addr);
    let home = TempDir::new("proxy");
    let url = format!("http://{PROXIED_HOST}:{}/graphql", server.addr.port());
    let refused = store(&home, &url, &[("HTTP_PROXY", &proxy.url())]);
    let e = get(&refused).unwrap_err();
    assert!(e.message.contains("clear text"), "{}", e.message);
    assert!(
        proxy.seen().heads.is_empty(),
        "nothing is sent when refused"
    );

    let allowed = store(
        &home,
        &url,
        &[
            ("HTTP_PROXY", &proxy.url()),
            ("PREFECT__CLOUD__ALLOW_INSECURE_HTTP", "true"),
        ],
    );
    assert_eq!(get(&allowed).unwrap().as_deref(), Some(VALUE));
    let seen = proxy.seen();
    assert_eq!(seen.heads.len(), 1);
    assert!(seen.heads[0].starts_with("CONNECT "), "{}", seen.heads[0]);
}

#[test]
fn no_proxy_sends_the_host_direct() {
    let server = TestServer::start(|_| reply());
    let proxy = TestProxy::start(server.addr);
    let home = TempDir::new("proxy");
    let url = format!("https://{PROXIED_HOST}:{}/graphql", server.addr.port());
    let store = store(
        &home,
        &url,
        &[("HTTPS_PROXY", &proxy.url()), ("NO_PROXY", ".invalid")],
    );
    // Direct, the name does not resolve (the system's wording differs): the proxy was not
    // asked.
    let e = get(&store).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Client);
    assert!(e.message.contains(PROXIED_HOST), "{}", e.message);
    assert!(proxy.seen().heads.is_empty());
}

#[test]
fn loopback_targets_never_use_a_proxy() {
    let server = TestServer::start(|_| reply());
    let home = TempDir::new("proxy");
    let store = store(
        &home,
        &format!("{}/graphql", server.url()),
        &[
            ("HTTP_PROXY", "http://127.0.0.1:9"),
            ("ALL_PROXY", "socks5://127.0.0.1:9"),
        ],
    );
    assert_eq!(get(&store).unwrap().as_deref(), Some(VALUE));
}
