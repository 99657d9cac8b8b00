//! `prefect-secrets`: Prefect 0.5.3's `Secret(name).get()` for C, Go and Ruby programs.
//!
//! The safe core — [`config`] (Prefect's configuration loading), [`pyjson`] (Python-exact
//! JSON), [`value`], [`context`] (the state `get` reads), [`store`] (one shared snapshot),
//! [`resolve`] (the four steps of `get`) and [`server`] — holds no `unsafe` and no C types.
//! [`ffi`] is the C ABI over it, and [`sys`] the few operating-system calls.

// `unsafe` only where C meets Rust (`ffi`), in the OS calls (`sys`) and in the allocator
// that wipes what is freed (`wiping_allocator`), which allow it
// explicitly; anywhere else it fails to build. Every `unsafe` block says why it is sound
// (`clippy::undocumented_unsafe_blocks`, Cargo.toml).
#![deny(unsafe_code)]

pub mod config;
pub mod context;
pub mod error;
#[allow(unsafe_code)]
pub mod ffi;
pub mod files;
pub mod process;
pub mod pyjson;
pub mod pystr;
pub mod rendered;
pub mod report;
pub mod resolve;
pub mod server;
pub mod store;
#[allow(unsafe_code)]
pub mod sys;
pub mod value;
#[allow(unsafe_code)]
pub mod wiping_allocator;

/// The header's declarations, read from its text, for the unit tests (shared with the
/// integration tests).
#[cfg(test)]
#[path = "../tests/support/header.rs"]
mod header_text;

/// The crate's source files, for the unit tests that read them (shared likewise).
#[cfg(test)]
#[path = "../tests/support/source_files.rs"]
mod source_files;
