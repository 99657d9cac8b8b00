//! Generates the C header from the `ffi` module with cbindgen.
//!
//! The header is written to `$OUT_DIR/prefect_secrets.h` on every build; the committed
//! copy in `include/` is rewritten only when `PREFECT_SECRETS_UPDATE_HEADER` is set, and a
//! test fails when the two differ.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=PREFECT_SECRETS_UPDATE_HEADER");

    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());

    // The installed shared library's SONAME carries the ABI major version (the crate's
    // major version), so programs linked against one ABI never load an incompatible one.
    // `make install` asks for it; in-tree builds keep cargo's plain libprefect_secrets.so,
    // which programs in the tree link and load as it is.
    println!("cargo:rerun-if-env-changed=PREFECT_SECRETS_SONAME");
    let elf = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os != "windows" && os != "macos");
    if env::var_os("PREFECT_SECRETS_SONAME").is_some() && elf {
        let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libprefect_secrets.so.{major}");
    }
    // The library is never unloaded: `dlclose` leaves it in place (`-z nodelete`), so no
    // thread of ours (the cache sweeper) can be left running unmapped code, and pooled
    // connections are not leaked per load. The ELF linkers (GNU ld, lld, gold) take it;
    // Windows pins the DLL at run time instead (`sys::pin_library`).
    if elf {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let patch = env::var("CARGO_PKG_VERSION_PATCH").unwrap();
    config.after_includes = Some(format!(
        "\n/* The version of this header; compare with secret_version() at run time. */\n\
         #define PREFECT_SECRETS_VERSION_MAJOR {major}\n\
         #define PREFECT_SECRETS_VERSION_MINOR {minor}\n\
         #define PREFECT_SECRETS_VERSION_PATCH {patch}\n\
         #define PREFECT_SECRETS_VERSION \"{major}.{minor}.{patch}\"\n"
    ));

    // Only the C layer: cbindgen follows `src/ffi/mod.rs`'s modules, so a new export
    // file needs no listing here, and the header keeps their order. The rest of the crate
    // has no C items.
    let builder = cbindgen::Builder::new().with_src(crate_dir.join("src/ffi/mod.rs"));
    let bindings = builder
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");

    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("prefect_secrets.h");
    bindings.write_to_file(&out);
    if env::var_os("PREFECT_SECRETS_UPDATE_HEADER").is_some() {
        bindings.write_to_file(crate_dir.join("include/prefect_secrets.h"));
    }
}
