//! Name resolution for the shared agents. ureq resolves the host of every request, even
//! one that goes over a kept-alive connection, and with a timeout set it spawns a thread
//! per lookup. Here an IP address costs nothing, and a name is looked up (with ureq's
//! timeout-aware resolver) at most once per `TTL`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up name is reused.
const TTL: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct CachingResolver {
    lookup: DefaultResolver,
    names: Mutex<HashMap<String, (Instant, Vec<SocketAddr>)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or("");
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let mut out = self.empty();
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            out.push(SocketAddr::new(ip, port));
            return Ok(out);
        }
        let key = format!("{host}:{port}");
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, addrs)) = names.get(&key) {
            if at.elapsed() < TTL {
                addrs.iter().for_each(|a| out.push(*a));
                return Ok(out);
            }
        }
        drop(names);
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        names.insert(key, (Instant::now(), addrs.iter().copied().collect()));
        Ok(addrs)
    }
}
