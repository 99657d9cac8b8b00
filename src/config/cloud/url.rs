//! The URLs the settings name: checked before anything is sent to them (http or https,
//! a host, no clear text to another machine unless allowed), and shown without what may
//! be a credential.

use std::net::IpAddr;

use ureq::http::Uri;

use super::settings::Limits;
use crate::error::Error;

/// A URL as a report may show it: scheme, host, port and path, never the user
/// information or the query (either may carry a credential).
pub fn shown_url(uri: &Uri) -> String {
    let mut shown = format!("{}{}", describe(uri), uri.path());
    if uri.query().is_some() {
        shown.push_str("?(query not shown)");
    }
    shown
}

/// Where a request goes, for messages: scheme, host and port only (a URL may carry
/// credentials).
pub fn describe(uri: &Uri) -> String {
    let host = uri.host().unwrap_or("?");
    match uri.port_u16() {
        Some(p) => format!("{}://{host}:{p}", uri.scheme_str().unwrap_or("?")),
        None => format!("{}://{host}", uri.scheme_str().unwrap_or("?")),
    }
}

pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks a URL before anything is sent to it: http(s), a host, and no clear text to
/// another machine unless `cloud.allow_insecure_http` says so.
pub fn check_url(url: &str, what: &str, limits: &Limits) -> Result<Uri, Error> {
    let uri: Uri = url
        .parse()
        .map_err(|_| Error::client(format!("{what} is not a valid URL")))?;
    let scheme = uri.scheme_str().unwrap_or("");
    let Some(host) = uri.host() else {
        return Err(Error::client(format!(
            "{what} has no host (a URL like https://host/path is needed)"
        )));
    };
    match scheme {
        "https" => {}
        "http" if is_loopback(host) || limits.allow_insecure_http => {}
        "http" => {
            return Err(Error::client(format!(
                "refusing to send credentials and secrets in clear text to {}: use https, or \
                 set cloud.allow_insecure_http to true to allow plain http to other hosts",
                describe(&uri)
            )));
        }
        _ => {
            return Err(Error::client(format!(
                "{what} must be an http:// or https:// URL"
            )));
        }
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in ["127.0.0.1", "127.8.9.10", "[::1]", "localhost", "LOCALHOST"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "10.0.0.1",
            "example.com",
            "localhost.example.com",
            "[::2]",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn cleartext_token_only_to_loopback() {
        let l = Limits::default();
        assert!(check_url("http://127.0.0.1:9/graphql", "u", &l).is_ok());
        assert!(check_url("https://api.prefect.io/graphql", "u", &l).is_ok());
        let e = check_url("http://user:pw@api.prefect.io/graphql", "u", &l).unwrap_err();
        assert!(
            e.message.contains("clear text") && !e.message.contains("pw"),
            "{}",
            e.message
        );
        let open = Limits {
            allow_insecure_http: true,
            ..Limits::default()
        };
        assert!(check_url("http://api.prefect.io/graphql", "u", &open).is_ok());
        assert!(check_url("ftp://127.0.0.1/x", "u", &l).is_err());
        assert!(check_url("127.0.0.1:8080/x", "u", &l).is_err());
        assert!(check_url("", "u", &l).is_err());
    }
}
