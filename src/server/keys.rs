//! The `[cloud]` configuration keys the library reads (`server::settings`, `context`) and
//! its setters write (`ffi::config`): one name each, so a setter and its reader cannot
//! drift apart. Prefect 0.5.3's own keys first, then the ones this library adds.

pub const USE_LOCAL_SECRETS: &str = "use_local_secrets";
pub const AUTH_TOKEN: &str = "auth_token";
pub const GRAPHQL: &str = "graphql";

pub const CONNECT_TIMEOUT: &str = "connect_timeout";
pub const REQUEST_TIMEOUT: &str = "request_timeout";
pub const MAX_REPLY_BYTES: &str = "max_reply_bytes";
pub const CA_BUNDLE: &str = "ca_bundle";
pub const ALLOW_INSECURE_HTTP: &str = "allow_insecure_http";
pub const REUSE_WINDOW: &str = "reuse_window";
pub const CACHE_TTL: &str = "cache_ttl";
pub const SERVER_FLAVOR: &str = "server_flavor";
pub const API_URL: &str = "api_url";
pub const API_KEY: &str = "api_key";
pub const API_AUTH_STRING: &str = "api_auth_string";

/// The rule every number of seconds follows, set through a setter or the configuration:
/// finite, positive (or zero where zero turns something off), below 1e9.
pub fn valid_seconds(s: f64, zero_ok: bool) -> bool {
    s.is_finite() && (s > 0.0 || zero_ok && s == 0.0) && s < 1e9
}
