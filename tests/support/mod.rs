//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod big_config;
pub mod c_manual;
pub mod cases;
pub mod cdylib;
pub mod floats;
pub mod header;
pub mod proxy;
pub mod pyvalue;
pub mod server;
pub mod source_files;
pub mod tempdir;
pub mod tls;
