//! Which proxy a request goes through, chosen as Prefect's HTTP client (`requests`) chooses
//! it from the environment: `https_proxy`/`HTTPS_PROXY` for an https URL,
//! `http_proxy`/`HTTP_PROXY` for an http one, else `all_proxy`/`ALL_PROXY` (lower case
//! first, empty values ignored), none for hosts in `no_proxy`/`NO_PROXY`, and none for
//! loopback targets (a test or local server). `HTTP_PROXY` is ignored when
//! `REQUEST_METHOD` is set (a CGI request can set it through a `Proxy:` header), as Python
//! ignores it.
//!
//! Proxies are HTTP CONNECT tunnels (`http://` or `https://` proxy URLs), so an https
//! target's TLS runs end to end and the proxy never sees a token. A SOCKS proxy is refused
//! with a clear error rather than skipped (a silent direct connection would bypass a
//! proxy the environment asks for); Prefect's `requests` also fails on one unless PySocks
//! is installed.

use ureq::http::Uri;

use super::url::is_loopback;
use crate::config::host::Environment;
use crate::error::Error;

/// The proxy variables, read once from the configuration's environment snapshot.
#[derive(Clone, Debug, Default)]
pub struct ProxyEnv {
    https: Option<Setting>,
    http: Option<Setting>,
    all: Option<Setting>,
    no_proxy: Option<String>,
}

/// A proxy variable and its value (which may carry credentials: never in a message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub var: &'static str,
    pub url: String,
}

/// The environment variables this module reads (kept in the configuration snapshot).
pub const VARIABLES: &[&str] = &[
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",
];

impl ProxyEnv {
    pub fn from_env(env: &Environment) -> ProxyEnv {
        let first = |names: &[&'static str]| {
            names.iter().find_map(|&var| {
                let value = env.get(var.as_bytes())?.to_string_lossy();
                let value = value.trim();
                (!value.is_empty()).then(|| Setting {
                    var,
                    url: value.to_string(),
                })
            })
        };
        let cgi = env.get(b"REQUEST_METHOD").is_some();
        ProxyEnv {
            https: first(&["https_proxy", "HTTPS_PROXY"]),
            http: if cgi {
                first(&["http_proxy"])
            } else {
                first(&["http_proxy", "HTTP_PROXY"])
            },
            all: first(&["all_proxy", "ALL_PROXY"]),
            no_proxy: first(&["no_proxy", "NO_PROXY"]).map(|s| s.url),
        }
    }

    /// The proxy for a request to `uri`, `None` to connect directly. A proxy this library
    /// cannot use is an error naming the variable (not its value).
    pub fn for_target(&self, uri: &Uri) -> Result<Option<ureq::Proxy>, Error> {
        let host = uri.host().unwrap_or("");
        if is_loopback(host) || self.bypassed(host, uri.port_u16()) {
            return Ok(None);
        }
        let setting = match uri.scheme_str() {
            Some("https") => self.https.as_ref(),
            _ => self.http.as_ref(),
        }
        .or(self.all.as_ref());
        let Some(setting) = setting else {
            return Ok(None);
        };
        let scheme = setting
            .url
            .split_once("://")
            .map_or("http", |(scheme, _)| scheme)
            .to_ascii_lowercase();
        match scheme.as_str() {
            "http" | "https" => {}
            s if s.starts_with("socks") => {
                return Err(Error::client(format!(
                    "the proxy in {} is a SOCKS proxy, which this library does not support: \
                     use an HTTP CONNECT proxy (http://host:port), or unset it (or list the \
                     host in NO_PROXY) to connect directly",
                    setting.var
                )));
            }
            _ => {
                return Err(Error::client(format!(
                    "the proxy in {} is not an http:// or https:// URL",
                    setting.var
                )));
            }
        }
        ureq::Proxy::new(&setting.url)
            .map(Some)
            .map_err(|_| Error::client(format!("the proxy in {} is not a valid URL", setting.var)))
    }

    /// Whether `no_proxy` lists the host: `*`, the host itself, or a domain it is in
    /// (a leading dot is ignored), with or without the port; case-insensitive.
    fn bypassed(&self, host: &str, port: Option<u16>) -> bool {
        let Some(list) = &self.no_proxy else {
            return false;
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let with_port = port.map(|p| format!("{host}:{p}"));
        list.split(',').map(str::trim).any(|entry| {
            if entry == "*" {
                return true;
            }
            let name = entry.trim_start_matches('.').to_ascii_lowercase();
            if name.is_empty() {
                return false;
            }
            let matches = |h: &str| h == name || h.ends_with(&format!(".{name}"));
            matches(&host) || with_port.as_deref().is_some_and(matches)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ProxyEnv {
        ProxyEnv::from_env(&Environment::from_pairs(pairs.iter().copied()))
    }

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    fn proxy_host(p: &ProxyEnv, target: &str) -> Option<String> {
        p.for_target(&uri(target))
            .unwrap()
            .map(|p| format!("{}:{}", p.host(), p.port()))
    }

    #[test]
    fn chosen_by_scheme_then_all() {
        let p = env(&[
            ("HTTPS_PROXY", "http://s.example:3128"),
            ("http_proxy", "http://p.example:8080"),
            ("ALL_PROXY", "http://a.example:1"),
        ]);
        assert_eq!(
            proxy_host(&p, "https://api.example/graphql").as_deref(),
            Some("s.example:3128")
        );
        assert_eq!(
            proxy_host(&p, "http://api.example/graphql").as_deref(),
            Some("p.example:8080")
        );
        let p = env(&[("ALL_PROXY", "http://a.example:1")]);
        assert_eq!(
            proxy_host(&p, "https://api.example/").as_deref(),
            Some("a.example:1")
        );
        assert_eq!(proxy_host(&p, "https://127.0.0.1:9/").as_deref(), None);
        assert_eq!(proxy_host(&p, "https://localhost/").as_deref(), None);
    }

    #[test]
    fn lower_case_wins_and_empty_is_unset() {
        let p = env(&[
            ("https_proxy", "http://lower.example:1"),
            ("HTTPS_PROXY", "http://upper.example:2"),
        ]);
        assert_eq!(
            proxy_host(&p, "https://x.example/").as_deref(),
            Some("lower.example:1")
        );
        let p = env(&[
            ("https_proxy", " "),
            ("HTTPS_PROXY", "http://upper.example:2"),
        ]);
        assert_eq!(
            proxy_host(&p, "https://x.example/").as_deref(),
            Some("upper.example:2")
        );
    }

    #[test]
    fn cgi_requests_cannot_set_the_http_proxy() {
        let p = env(&[
            ("HTTP_PROXY", "http://evil.example:1"),
            ("REQUEST_METHOD", "GET"),
        ]);
        assert_eq!(proxy_host(&p, "http://x.example/").as_deref(), None);
    }

    #[test]
    fn no_proxy_lists_hosts_and_domains() {
        let p = env(&[
            ("HTTPS_PROXY", "http://s.example:3128"),
            (
                "NO_PROXY",
                "internal.example, .corp.example,api.example:8443",
            ),
        ]);
        for direct in [
            "https://internal.example/",
            "https://a.internal.example/",
            "https://corp.example/",
            "https://x.corp.example/",
            "https://api.example:8443/",
        ] {
            assert_eq!(proxy_host(&p, direct), None, "{direct}");
        }
        for proxied in ["https://notinternal.example/", "https://api.example/"] {
            assert!(proxy_host(&p, proxied).is_some(), "{proxied}");
        }
        let p = env(&[("HTTPS_PROXY", "http://s.example:3128"), ("no_proxy", "*")]);
        assert_eq!(proxy_host(&p, "https://anything.example/"), None);
    }

    #[test]
    fn socks_and_other_schemes_are_refused_by_name() {
        for url in [
            "socks5://user:pw-SECRET@s.example:1080",
            "socks5h://s.example:1080",
            "socks4://s.example:1080",
        ] {
            let p = env(&[("ALL_PROXY", url), ("HTTPS_PROXY", "http://h.example:1")]);
            // HTTPS_PROXY is chosen for https; ALL_PROXY for http.
            assert!(p.for_target(&uri("https://x.example/")).unwrap().is_some());
            let e = p.for_target(&uri("http://x.example/")).unwrap_err();
            assert!(
                e.message.contains("ALL_PROXY is a SOCKS proxy"),
                "{}",
                e.message
            );
            assert!(!e.message.contains("SECRET"), "{}", e.message);
        }
        let p = env(&[("HTTPS_PROXY", "ftp://h.example:1")]);
        let e = p.for_target(&uri("https://x.example/")).unwrap_err();
        assert!(
            e.message.contains("HTTPS_PROXY is not an http"),
            "{}",
            e.message
        );
        let p = env(&[("HTTPS_PROXY", "h.example:3128")]);
        assert_eq!(
            proxy_host(&p, "https://x.example/").as_deref(),
            Some("h.example:3128")
        );
    }
}
