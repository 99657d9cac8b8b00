//! The crate's shared library as C programs load it.

use std::path::PathBuf;

/// The shared library of this very build: the integration tests depend on the library, so
/// `cargo test` builds every crate type of it (the cdylib too) into `deps/`, beside this
/// test program (`target/<profile>/deps/<test>-<hash>`). Not a `cargo build --lib` from
/// here: without the dev-dependencies' features it is another build of the whole crate
/// (some 20 s after each change), and the next `cargo test` builds this one again.
pub fn shared_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().join("libprefect_secrets.so")
}
