//! The server flavours the configuration can name (`cloud.server_flavor`), in the order
//! of the C constants that choose them (`secret_config_set_server_flavor`): a flavour's
//! number is its position, its constant's name is `SECRET_SERVER_` and its name in upper
//! case with `_` for `-` and `.`. How each asks the server is `server::flavors`, in the same
//! order (an array of this length, so neither can grow alone).
//!
//! The header's `enum SecretServerFlavor` is made from [`FLAVORS`] by `build.rs` (which
//! includes this file), so a flavour's C constant is never written by hand.
//!
//! Adding a flavour: its entry here, its file and entry in `server::flavors`; tests fail
//! until the committed header and the bindings agree (CONTRIBUTING.md).

/// The environment variable that chooses the flavour for a process, over
/// `cloud.server_flavor` from files and `PREFECT__` variables (a call that sets the
/// flavour afterwards still wins): `PREFECT_SECRETS_FLAVOR=prefect-3` is the one switch a
/// Prefect 3 user needs (`docs/prefect3.md`). Read when the configuration loads.
pub const SWITCH_VARIABLE: &str = "PREFECT_SECRETS_FLAVOR";

/// A flavour's name.
#[derive(Debug)]
pub struct FlavorName {
    /// The `cloud.server_flavor` text.
    pub name: &'static str,
    /// Its C constant's documentation in the header (read by `build.rs` only).
    #[allow(dead_code)]
    pub about: &'static str,
    /// What it is, for the command line's `--help` and manual page (`\n      ` where the
    /// help wraps it).
    pub help: &'static str,
}

/// Every flavour; the first is the default.
pub const FLAVORS: [FlavorName; 2] = [
    FlavorName {
        name: "prefect-0.5",
        about: "Prefect 0.5.3's GraphQL `secretValue` query (the default).",
        help: "Prefect 0.5.3's Secret(NAME).get(), configured by PREFECT__*\n      \
               environment variables and ~/.prefect/config.toml.",
    },
    FlavorName {
        name: "prefect-3",
        about: "A Prefect 2/3 server's Secret blocks (REST API, `PREFECT_API_URL`).",
        help: "Prefect 3's Secret.load(NAME).get() from a Prefect 3 server or Prefect Cloud,\n      \
               with Prefect 3's settings (PREFECT_API_URL, PREFECT_API_KEY, ...).",
    },
];

/// A flavour's C constant: `SECRET_SERVER_` and its name in upper case, `_` for `-` and `.`.
pub fn c_constant(name: &str) -> String {
    format!(
        "SECRET_SERVER_{}",
        name.to_uppercase().replace(['-', '.'], "_")
    )
}

/// One of [`FLAVORS`], by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flavor(usize);

impl Flavor {
    /// The default, `prefect-0.5`.
    pub const DEFAULT: Flavor = Flavor(0);
    /// `prefect-3`: a get is Prefect 3's `Secret.load(name).get()`, which has no local
    /// secrets (`cloud.use_local_secrets` does not apply).
    pub const PREFECT_3: Flavor = Flavor(1);

    /// Its position in [`FLAVORS`] (and its C number).
    pub fn index(self) -> usize {
        self.0
    }

    pub fn name(self) -> &'static str {
        FLAVORS[self.0].name
    }
}

/// The flavour a `cloud.server_flavor` text names.
pub fn named(name: &[u8]) -> Option<Flavor> {
    FLAVORS
        .iter()
        .position(|f| f.name.as_bytes() == name)
        .map(Flavor)
}

/// The flavour of a C number.
pub fn numbered(n: i32) -> Option<Flavor> {
    usize::try_from(n)
        .ok()
        .filter(|&i| i < FLAVORS.len())
        .map(Flavor)
}

/// The C constants, for messages: `SECRET_SERVER_PREFECT_0_5 (0), SECRET_SERVER_PREFECT_3 (1)`.
pub fn c_constants() -> String {
    let listed: Vec<String> = FLAVORS
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{} ({i})", c_constant(f.name)))
        .collect();
    listed.join(", ")
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
            .map(|(i, f)| (c_constant(f.name), i as i32))
            .collect();
        assert_eq!(declared, expected);
        assert!(
            c_constants().starts_with("SECRET_SERVER_PREFECT_0_5 (0), SECRET_SERVER_PREFECT_3 (1)")
        );
        assert_eq!(numbered(1).map(Flavor::name), Some("prefect-3"));
        assert!(numbered(-1).is_none() && numbered(FLAVORS.len() as i32).is_none());
        assert_eq!(named(b"prefect-3"), numbered(1));
        // The first two, whatever is added after them.
        assert!(names().starts_with("\"prefect-0.5\" or \"prefect-3\""));
        assert_eq!(Flavor::PREFECT_3.name(), "prefect-3");
    }
}
