//! The C ABI: a thin layer over the safe core.
//!
//! Every exported function runs its body through [`boundary::call`] (or
//! [`boundary::guard`] for the few that return pointers), which catches panics, turns core
//! errors into status codes and records this thread's last error message. Raw pointers are
//! read only through the helpers in [`args`].

pub mod alloc;
pub mod api;
pub mod args;
pub mod boundary;
pub mod status;

#[cfg(test)]
mod tests;
