//! The shared library exports the C API and nothing else. Reads the dynamic symbol table
//! with `nm` (binutils). (The installed library's SONAME is checked by scripts/test-all.)
#![cfg(target_os = "linux")]

use std::path::PathBuf;
use std::process::Command;

/// The shared library, freshly built: `cargo test` builds the crate as an rlib for the
/// tests and leaves the cdylib as it was, so build it (incrementally) first.
fn shared_library() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    BUILD.call_once(|| {
        let mut args = vec!["build", "--quiet", "--lib", "--manifest-path", manifest];
        if !cfg!(debug_assertions) {
            args.push("--release");
        }
        let status = Command::new(env!("CARGO"))
            .args(&args)
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build --lib failed");
    });
    // target/<profile>/deps/symbols-<hash> -> target/<profile>/libprefect_secrets.so
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    dir.join("libprefect_secrets.so")
}

fn tool(name: &str, args: &[&str]) -> Option<String> {
    match Command::new(name).args(args).output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!("{name} failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => {
            eprintln!(
                "SKIPPED: `{name}` (binutils) is not installed; the symbol table was NOT checked"
            );
            None
        }
    }
}

#[test]
fn only_the_c_api_is_exported() {
    let lib = shared_library();
    assert!(lib.exists(), "{} not built", lib.display());
    let Some(nm) = tool("nm", &["-D", "--defined-only", lib.to_str().unwrap()]) else {
        return;
    };
    let exported: Vec<&str> = nm
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let header = include_str!("../include/prefect_secrets.h");
    for sym in &exported {
        assert!(
            sym.starts_with("secret_"),
            "unexpected exported symbol {sym}"
        );
        assert!(
            header.contains(&format!(" {sym}(")) || header.contains(&format!("*{sym}(")),
            "{sym} is not in the header"
        );
    }
    let declared = header
        .lines()
        .filter(|l| l.ends_with(");") && l.contains("secret_"))
        .count();
    assert_eq!(
        exported.len(),
        declared,
        "every declared function is exported"
    );
}
