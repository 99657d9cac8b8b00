//! `prefect-secrets`: Prefect's `Secret(name).get()` for C, Go and Ruby programs.
//!
//! Its API is the C ABI (`include/prefect_secrets.h`); nothing of this crate is a Rust
//! API. Every module is private: the safe core — `config` (Prefect's configuration
//! loading), `pyjson` (Python-exact JSON), `value`, `context` (the state `get` reads),
//! `store` (one shared snapshot), `resolve` (the steps of `get`), `server`,
//! `templating` (Prefect 3's placeholders) and `yaml` (templates as PyYAML reads them) —
//! holds no
//! `unsafe` and no C types; `ffi` is the C ABI over it, and `sys` the few
//! operating-system calls. [`cli`] and [`testing`] re-export, hidden, what the command
//! line and the tests, benches and fuzz targets reach (`docs/architecture.md`). Read it
//! with `cargo doc --document-private-items`.

// `unsafe` only where C meets Rust (`ffi`), in the OS calls (`sys`) and in the allocator
// that wipes what is freed (`wiping_allocator`), which allow it
// explicitly; anywhere else it fails to build. Every `unsafe` block says why it is sound
// (`clippy::undocumented_unsafe_blocks`, Cargo.toml).
#![deny(unsafe_code)]

mod config;
mod context;
mod error;
#[allow(unsafe_code)]
mod ffi;
mod files;
mod process;
mod pyjson;
mod pystr;
mod rendered;
mod report;
mod resolve;
mod server;
mod store;
#[allow(unsafe_code)]
mod sys;
mod templating;
mod value;
#[allow(unsafe_code)]
mod wiping_allocator;
mod yaml;

/// The header's declarations, read from its text, for the unit tests (shared with the
/// integration tests).
#[cfg(test)]
#[path = "../tests/support/header.rs"]
mod header_text;

/// The crate's source files, for the unit tests that read them (shared likewise).
#[cfg(test)]
#[path = "../tests/support/source_files.rs"]
mod source_files;

/// Registers [`cli::note_stdout_at_start`] as a
/// constructor of the program that expands it (ELF `.init_array`, Mach-O
/// `__mod_init_func`): constructors run before Rust's runtime replaces a closed standard
/// output with `/dev/null`. A macro, expanded in the command line's `main` file only, so
/// that the library itself, loaded by C, Go and Ruby programs, registers no constructor.
#[macro_export]
macro_rules! note_stdout_at_start {
    () => {
        // SAFETY: the loader calls each entry of these sections as a C function before
        // `main`; this one is an `extern "C" fn()` (the arguments glibc passes are
        // ignored under the C calling convention) that needs nothing initialized.
        #[cfg(unix)]
        #[used]
        #[cfg_attr(
            target_vendor = "apple",
            unsafe(link_section = "__DATA,__mod_init_func")
        )]
        #[cfg_attr(not(target_vendor = "apple"), unsafe(link_section = ".init_array"))]
        static NOTE_STDOUT_AT_START: extern "C" fn() = $crate::cli::note_stdout_at_start;
    };
}

/// What the command line (`src/bin/prefect-secrets/`) uses: the same core the C layer
/// calls, without C types. Not an API: hidden from the documentation and free to change.
#[doc(hidden)]
pub mod cli {
    pub use crate::error::Error;
    pub use crate::ffi::status::SecretStatus;
    pub use crate::report::{explain::explain, secret_names, view::config_view};
    pub use crate::resolve::{Format, TemplateFormat, get, get_many};
    pub use crate::store::global;
    pub use crate::sys::{note_stdout_at_start, stdout_closed_at_start};

    /// `text` as a JSON string, as the values of `Format::Json` are written (Python's
    /// `json.dumps`: non-ASCII escaped).
    pub fn json_string(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        crate::pyjson::to_json(
            &crate::value::Value::Str(crate::pystr::PyStr::from(text)),
            &mut out,
        );
        out
    }

    /// The value at `path` (Prefect 3's key path rules, `value::get_from_dict`) inside a
    /// value given as `get`'s JSON, rendered in `format`: `Ok(None)` when it is None,
    /// an error when nothing is there.
    pub fn field(json: &[u8], path: &str, format: Format) -> Result<Option<Vec<u8>>, Error> {
        use crate::value::Value;
        let value = crate::pyjson::loads(json)
            .map_err(|e| Error::client(format!("the value is not JSON ({e})")))?;
        match crate::value::get_from_dict(&value, path) {
            None => Err(Error::invalid_argument(format!(
                "nothing at {path:?} in the value (keys step into objects, numbers index \
                 lists: a.b[0])"
            ))),
            Some(Value::None) => Ok(None),
            Some(found) => Ok(Some(
                crate::rendered::Rendered::of(&found).bytes(format).to_vec(),
            )),
        }
    }

    /// `secret_render_template` on the process-wide store, for a template in `format`
    /// (YAML too): the rendered template's bytes.
    pub fn render_template(text: &[u8], format: TemplateFormat) -> Result<Vec<u8>, Error> {
        let rendered = crate::resolve::render_template(crate::store::global(), text, format)?;
        Ok(rendered.to_vec())
    }

    /// Whether `text` holds a placeholder Prefect 3 fills from a server: a block
    /// document's or a variable's (`{{ image }}` and `{{ $VAR }}` are not).
    pub fn has_server_placeholder(text: &str) -> bool {
        crate::templating::fills_any(&crate::pystr::PyStr::from(text))
    }

    /// Each of `templates` rendered as a string of a job-variables list (one render on
    /// the process-wide store), each result as `get` prints a value.
    pub fn render_strings(templates: &[&str]) -> Result<Vec<Vec<u8>>, Error> {
        let rendered = crate::resolve::render_strings(crate::store::global(), templates)?;
        Ok(rendered
            .iter()
            .map(|r| r.bytes(Format::Text).to_vec())
            .collect())
    }

    /// `secret_config_set(key, text)` on the process-wide store.
    pub fn set_setting(key: &str, text: &str) -> Result<(), Error> {
        crate::store::global().update(|s| s.set_setting(key, Some(text)))
    }

    /// The environment variable that chooses the flavour (`PREFECT_SECRETS_FLAVOR`).
    pub const FLAVOR_VARIABLE: &str = crate::config::cloud::flavors::SWITCH_VARIABLE;

    /// The flavours, the default first: each one's name (`--flavor NAME`) and what it is
    /// (for `--help` and the manual).
    pub fn flavors() -> impl Iterator<Item = (&'static str, &'static str)> {
        crate::config::cloud::flavors::FLAVORS
            .iter()
            .map(|f| (f.name, f.help))
    }

    /// The flavours' names, the default first.
    pub fn flavor_names() -> Vec<&'static str> {
        flavors().map(|(name, _)| name).collect()
    }
}

/// The internals the integration tests, benches and fuzz targets reach, by the paths the
/// crate uses for them. Not an API: hidden from the documentation and free to change;
/// everything else is private to the crate.
#[doc(hidden)]
pub mod testing {
    pub mod config {
        pub use crate::config::{
            ConfigError, Limits, defaults, escape, expand, flat, host, load_text, merge, prefect3,
            toml_file, typing, validate,
        };
    }
    pub mod context {
        pub use crate::context::{Lookup, Outcome, State};
    }
    pub mod error {
        pub use crate::error::{Error, ErrorKind};
    }
    pub mod ffi {
        pub use crate::ffi::{api, status};
    }
    pub mod files {
        pub use crate::files::CONFIG_FILE_CAP;
    }
    pub mod pyjson {
        pub use crate::pyjson::{DecodeError, decode, loads, repr, to_json, to_raw};
    }
    pub mod pystr {
        pub use crate::pystr::PyStr;
    }
    pub mod report {
        pub use crate::report::{explain, secret_names, view};
    }
    pub mod resolve {
        pub use crate::resolve::{Format, TemplateFormat, get, get_many, render_template};
    }
    pub mod server {
        pub use crate::server::{cache, transport::with_deadline};
        pub mod flavors {
            pub use crate::server::flavors::graphql::request_body;
        }
    }
    pub mod store {
        pub use crate::store::Store;
    }
    pub mod sys {
        pub use crate::sys::accounts;
    }
    pub mod templating {
        pub use crate::templating::{
            Documents, Kind, Placeholder, find_placeholders, placeholders, render,
        };
    }
    pub mod value {
        pub use crate::value::{Dict, Int, List, Value};
    }
    pub mod yaml {
        pub use crate::yaml::{MAX_DEPTH, dump, load};
    }
}
