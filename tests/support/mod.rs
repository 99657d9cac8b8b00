//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod cases;
pub mod floats;
pub mod pyvalue;
pub mod server;
pub mod tempdir;
pub mod tls;
