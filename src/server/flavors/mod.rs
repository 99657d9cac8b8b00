//! The server flavours (`cloud.server_flavor`), one entry each: the name the configuration
//! uses, the C constant that chooses it (`secret_config_set_server_flavor`: its number is
//! the entry's position), and the function that asks the server.
//!
//! Adding a flavour: a file beside this one with its `fetch`, its `mod` line and its entry
//! in [`FLAVORS`] here, and the C constant in `ffi/status.rs` (`SecretServerFlavor`); tests
//! fail until the header, this table and the bindings agree (CONTRIBUTING.md).

pub mod blocks;
pub mod graphql;
pub mod v053;

use super::settings::Settings;
use crate::config::source::Sources;
use crate::error::Error;
use crate::store::Store;
use crate::value::Value;

/// Asks the server for one secret: `Ok(None)` is Python's None.
pub type Fetch = fn(&Store, &str, &Settings) -> Result<Option<Value>, Error>;

/// What `secret_explain` says about asking for one secret, without asking: lines of the
/// report (the API, the URL, the credential's source), never a credential or a value.
/// `Sources` says where each `cloud.*` value came from.
pub type Explain = fn(&Store, &str, &Settings, &Sources) -> Vec<String>;

pub struct Flavor {
    /// The `cloud.server_flavor` text.
    pub name: &'static str,
    /// The C constant's name in the header (`SecretServerFlavor`).
    pub c_name: &'static str,
    pub fetch: Fetch,
    pub explain: Explain,
}

impl std::fmt::Debug for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every flavour; the first is the default. A flavour's C number is its position.
pub static FLAVORS: &[Flavor] = &[
    Flavor {
        name: "prefect-0.5",
        c_name: "SECRET_SERVER_PREFECT_0_5",
        fetch: v053::fetch,
        explain: v053::explain,
    },
    Flavor {
        name: "prefect-3",
        c_name: "SECRET_SERVER_PREFECT_3",
        fetch: blocks::fetch,
        explain: blocks::explain,
    },
];

/// The flavour a `cloud.server_flavor` text names.
pub fn named(name: &[u8]) -> Option<&'static Flavor> {
    FLAVORS.iter().find(|f| f.name.as_bytes() == name)
}

/// The flavour of a C number.
pub fn numbered(n: i32) -> Option<&'static Flavor> {
    usize::try_from(n).ok().and_then(|i| FLAVORS.get(i))
}

/// The names, for messages: `"prefect-0.5" or "prefect-3"`.
pub fn names() -> String {
    let quoted: Vec<String> = FLAVORS.iter().map(|f| format!("\"{}\"", f.name)).collect();
    quoted.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header's `SecretServerFlavor` constants are exactly this table, in order.
    #[test]
    fn the_header_lists_every_flavor_with_its_number() {
        let header = include_str!("../../../include/prefect_secrets.h");
        let declared: Vec<(String, i32)> = crate::header_text::enumerators(header)
            .into_iter()
            .filter(|(name, _)| name.starts_with("SECRET_SERVER_"))
            .collect();
        let expected: Vec<(String, i32)> = FLAVORS
            .iter()
            .enumerate()
            .map(|(i, f)| (f.c_name.to_string(), i as i32))
            .collect();
        assert_eq!(declared, expected);
        assert_eq!(numbered(1).map(|f| f.name), Some("prefect-3"));
        assert!(numbered(-1).is_none() && numbered(FLAVORS.len() as i32).is_none());
        // The first two, whatever is added after them.
        assert!(names().starts_with("\"prefect-0.5\" or \"prefect-3\""));
    }
}
