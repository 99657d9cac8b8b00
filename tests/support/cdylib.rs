//! The crate's shared library as C programs load it.

use std::path::PathBuf;
use std::process::Command;

/// The shared library, freshly built: `cargo test` builds the crate as an rlib for the
/// tests and leaves the cdylib as it was, so build it (incrementally) first.
pub fn shared_library() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/libprefect_secrets.so
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    // Into the same target directory as this test (whatever `--target-dir` said).
    let target = dir.parent().unwrap().to_path_buf();
    BUILD.call_once(|| {
        let mut command = Command::new(env!("CARGO"));
        command
            .args(["build", "--quiet", "--lib", "--manifest-path", manifest])
            .arg("--target-dir")
            .arg(&target);
        if !cfg!(debug_assertions) {
            command.arg("--release");
        }
        let status = command.status().expect("run cargo build");
        assert!(status.success(), "cargo build --lib failed");
    });
    dir.join("libprefect_secrets.so")
}
