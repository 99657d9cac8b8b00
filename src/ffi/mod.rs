//! The C ABI: a thin layer over the safe core.
//!
//! Every exported function runs its body through [`boundary::call`] (or
//! [`boundary::guard`] for the few that return pointers), which catches panics, turns core
//! errors into status codes and records this thread's last error message. Raw pointers are
//! read only through the helpers in [`args`].

pub mod alloc;
pub mod args;
pub mod boundary;
pub mod config;
pub mod context;
pub mod get;
pub mod info;
pub mod status;

/// Every export, for Rust callers (the tests, the command line) that use the C ABI.
pub mod api {
    pub use super::config::*;
    pub use super::context::*;
    pub use super::get::*;
    pub use super::info::*;
}

#[cfg(test)]
mod tests;
