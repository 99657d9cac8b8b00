//! The C ABI: a thin layer over the safe core.
//!
//! Every exported function's body is one call of [`boundary::call`] (or
//! [`boundary::guard`] for the few that return pointers), directly or through a private
//! helper of its file. The boundary catches panics, turns core errors into status codes
//! and records this thread's last error message. Raw pointers are read only through the
//! helpers in [`args`].

// The exports, one file per concern, in the order the header gives them (cbindgen reads
// these modules from here; `ffi::tests` checks that each goes through the boundary).
pub mod status;

pub mod get;
pub mod get_many;
pub mod template;

pub mod config;
pub mod context;
pub mod info;
pub mod report;

// Helpers of the exports.
pub mod alloc;
pub mod args;
pub mod boundary;

/// Every export, for the Rust tests that call the C ABI (the command line uses the core).
pub mod api {
    pub use super::config::*;
    pub use super::context::*;
    pub use super::get::*;
    pub use super::get_many::*;
    pub use super::info::*;
    pub use super::report::*;
    pub use super::template::*;
}

#[cfg(test)]
mod tests;
