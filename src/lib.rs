//! `prefect-secrets`: Prefect 0.5.3's `Secret(name).get()` for C, Go and Ruby programs.
//!
//! The safe core — [`config`] (Prefect's configuration loading), [`pyjson`] (Python-exact
//! JSON), [`value`], [`context`] (the state `get` reads), [`store`] (one shared snapshot),
//! [`resolve`] (the four steps of `get`) and [`server`] — holds no `unsafe` and no C types.
//! [`ffi`] is the C ABI over it, and [`sys`] the few operating-system calls.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod config;
pub mod context;
pub mod error;
pub mod ffi;
pub mod files;
pub mod process;
pub mod pyjson;
pub mod pystr;
pub mod resolve;
pub mod server;
pub mod store;
pub mod sys;
pub mod value;
