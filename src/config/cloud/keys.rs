//! The `[cloud]` settings this library reads (`settings`, `context`) and its
//! setters write (`ffi::config`): one declaration each in [`SETTINGS`], so a setter and
//! its reader cannot drift apart, `secret_config_set` can set any of them by name, and
//! `secret_config_view` knows which ones are credentials. Prefect 0.5.3's own keys first,
//! then the ones this library adds.
//!
//! Adding a setting: its constant and its line in [`SETTINGS`] here, and its reader (for a
//! transport limit, `settings::limits`). It can then be set from C, Go, Ruby and the
//! command line through `secret_config_set`; a typed C setter is optional.

use super::flavors;
use crate::error::Error;
use crate::value::{Int, Value};

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
pub const CACHE_MAX_ENTRIES: &str = "cache_max_entries";
pub const SERVER_FLAVOR: &str = "server_flavor";
pub const API_URL: &str = "api_url";
pub const API_KEY: &str = "api_key";
pub const API_AUTH_STRING: &str = "api_auth_string";

/// What a setting's value is, which decides how `secret_config_set` reads its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `true` or `false`, in any case (as Prefect reads them from the environment).
    Bool,
    /// Text, kept as it is; the setting cannot be removed.
    Text,
    /// Text, kept as it is; NULL removes the key, so its default applies again.
    OptionalText,
    /// A number of seconds (see [`valid_seconds`]); `zero_ok` where 0 turns it off.
    Seconds { zero_ok: bool },
    /// A whole number of bytes, 1 to 2^63 - 1.
    Bytes,
    /// A whole number of things, 1 to 2^63 - 1.
    Count,
    /// A server flavour's name (`flavors::FLAVORS`).
    Flavor,
}

/// One `[cloud]` setting.
#[derive(Debug)]
pub struct Setting {
    pub key: &'static str,
    pub kind: Kind,
    /// A credential: `secret_config_view` masks it and `secret_explain` names only where
    /// it came from.
    pub credential: bool,
}

const fn setting(key: &'static str, kind: Kind, credential: bool) -> Setting {
    Setting {
        key,
        kind,
        credential,
    }
}

/// Every `[cloud]` setting the library knows.
pub static SETTINGS: &[Setting] = &[
    setting(USE_LOCAL_SECRETS, Kind::Bool, false),
    setting(AUTH_TOKEN, Kind::OptionalText, true),
    setting(GRAPHQL, Kind::Text, false),
    setting(CONNECT_TIMEOUT, Kind::Seconds { zero_ok: false }, false),
    setting(REQUEST_TIMEOUT, Kind::Seconds { zero_ok: false }, false),
    setting(MAX_REPLY_BYTES, Kind::Bytes, false),
    setting(CA_BUNDLE, Kind::OptionalText, false),
    setting(ALLOW_INSECURE_HTTP, Kind::Bool, false),
    setting(REUSE_WINDOW, Kind::Seconds { zero_ok: true }, false),
    setting(CACHE_TTL, Kind::Seconds { zero_ok: true }, false),
    setting(CACHE_MAX_ENTRIES, Kind::Count, false),
    setting(SERVER_FLAVOR, Kind::Flavor, false),
    setting(API_URL, Kind::OptionalText, false),
    setting(API_KEY, Kind::OptionalText, true),
    setting(API_AUTH_STRING, Kind::OptionalText, true),
];

/// The setting `key` names (`"cache_ttl"`, or `"cloud.cache_ttl"`), in any case, as a
/// `PREFECT__CLOUD__CACHE_TTL` variable would name it.
pub fn named(key: &str) -> Option<&'static Setting> {
    let key = key.to_ascii_lowercase();
    let key = key.strip_prefix("cloud.").unwrap_or(&key);
    SETTINGS.iter().find(|s| s.key == key)
}

/// Every setting's key, for messages: `use_local_secrets, auth_token, ...`.
pub fn all_keys() -> String {
    SETTINGS
        .iter()
        .map(|s| s.key)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Setting {
    /// The value `text` sets (`None`: remove the key), or why it cannot. Messages name
    /// the setting and what it needs, never the text (it may be a credential).
    pub fn parse(&self, text: Option<&str>) -> Result<Option<Value>, Error> {
        let key = self.key;
        let bad = |what: &str| Error::invalid_argument(format!("cloud.{key} must be {what}"));
        let Some(text) = text else {
            return match self.kind {
                Kind::Bool if key == USE_LOCAL_SECRETS => Err(bad("true or false, not NULL")),
                Kind::Text => Err(bad("text, not NULL")),
                _ => Ok(None),
            };
        };
        Ok(Some(match self.kind {
            Kind::Bool => match text.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad("true or false")),
            },
            Kind::Text | Kind::OptionalText => Value::str(text),
            Kind::Seconds { zero_ok } => match text.trim().parse::<f64>() {
                Ok(s) if valid_seconds(s, zero_ok) => Value::Float(s),
                _ => return Err(bad(seconds_rule(zero_ok))),
            },
            Kind::Bytes | Kind::Count => match text.trim().parse::<i64>() {
                Ok(n) if n > 0 => Value::Int(Int::Small(n)),
                _ if self.kind == Kind::Bytes => {
                    return Err(bad("a whole number of bytes from 1 to 2^63 - 1"));
                }
                _ => return Err(bad("a whole number from 1 to 2^63 - 1")),
            },
            Kind::Flavor => match flavors::named(text.as_bytes()) {
                Some(f) => Value::str(f.name()),
                None => return Err(bad(&flavors::names())),
            },
        }))
    }
}

/// The rule every number of seconds follows, set through a setter or the configuration:
/// finite, positive (or zero where zero turns something off), below 1e9.
pub fn valid_seconds(s: f64, zero_ok: bool) -> bool {
    s.is_finite() && (s > 0.0 || zero_ok && s == 0.0) && s < 1e9
}

/// [`valid_seconds`] in words, for messages.
pub fn seconds_rule(zero_ok: bool) -> &'static str {
    if zero_ok {
        "a non-negative finite number of seconds below 1e9"
    } else {
        "a positive finite number of seconds below 1e9"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_declared_once() {
        let mut keys: Vec<_> = SETTINGS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SETTINGS.len());
        assert!(named("cloud.cache_ttl").is_some() && named("cache_ttl").is_some());
        assert!(named("CACHE_TTL").is_some() && named("Cloud.Cache_TTL").is_some());
        assert!(named("context.secrets").is_none());
    }

    /// Forgetting a setting's entry in [`SETTINGS`], its row in the settings table of
    /// `docs/configuration.md` or its name in `secret_config_set`'s documentation (the
    /// header's list of keys) fails here.
    #[test]
    fn every_key_is_declared_and_documented() {
        let source = include_str!("keys.rs");
        let consts: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub const "))
            .filter_map(|l| l.split_once(": &str = \"")?.1.split_once('"'))
            .map(|(key, _)| key)
            .collect();
        assert!(consts.len() >= 14);
        for key in &consts {
            assert!(
                named(key).is_some(),
                "{key} has a constant but no SETTINGS entry"
            );
        }
        assert_eq!(
            consts.len(),
            SETTINGS.len(),
            "a SETTINGS entry without a constant"
        );
        let settings_doc = include_str!("../../../docs/configuration.md");
        let header = include_str!("../../../include/prefect_secrets.h");
        let doc = header
            .split("int32_t secret_config_set(")
            .next()
            .and_then(|before| before.rsplit("\n\n").next())
            .unwrap();
        for s in SETTINGS {
            assert!(
                settings_doc.contains(&format!("cloud.{}", s.key)),
                "docs/configuration.md does not name cloud.{} (add its row to the settings table)",
                s.key
            );
            assert!(
                doc.contains(&format!("`{}`", s.key)),
                "secret_config_set's doc lacks {}",
                s.key
            );
        }
    }

    #[test]
    fn text_becomes_the_setting_kind() {
        // The value set, as JSON (`-` when the key is removed), or `error`.
        let set = |k: &str, t: Option<&str>| match named(k).unwrap().parse(t) {
            Ok(Some(v)) => {
                let mut out = Vec::new();
                crate::pyjson::to_json(&v, &mut out);
                String::from_utf8(out).unwrap()
            }
            Ok(None) => "-".to_string(),
            Err(_) => "error".to_string(),
        };
        assert_eq!(set("cache_ttl", Some("2.5")), "2.5");
        assert_eq!(set("cache_ttl", Some("0")), "0.0");
        assert_eq!(set("connect_timeout", Some("0")), "error");
        assert_eq!(set("cache_ttl", Some("nan")), "error");
        assert_eq!(set("allow_insecure_http", Some("TRUE")), "true");
        assert_eq!(set("allow_insecure_http", Some("yes")), "error");
        assert_eq!(set("server_flavor", Some("prefect-3")), "\"prefect-3\"");
        assert_eq!(set("server_flavor", Some("prefect-2")), "error");
        assert_eq!(set("max_reply_bytes", Some("10")), "10");
        assert_eq!(set("max_reply_bytes", Some("0")), "error");
        assert_eq!(set("api_key", None), "-");
        assert_eq!(set("use_local_secrets", None), "error");
        assert_eq!(set("graphql", None), "error");
        let set = |k: &str, t: Option<&str>| named(k).unwrap().parse(t);
        // A credential's text never appears in the message.
        let e = set("max_reply_bytes", Some("tok-3141")).unwrap_err();
        assert!(!e.message.contains("tok-3141"), "{}", e.message);
    }
}
