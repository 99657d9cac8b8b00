//! Generates the C header from the `ffi` module with cbindgen.
//!
//! The header is written to `$OUT_DIR/prefect_secrets.h` on every build; the committed
//! copy in `include/` is rewritten only when `PREFECT_SECRETS_UPDATE_HEADER` is set, and a
//! test fails when the two differ.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// The flavour table, the one place a flavour's name is written: the header's enum is
// made from it (`server_flavor_enum`).
#[allow(dead_code)]
#[path = "src/config/cloud/flavors.rs"]
mod flavors;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src/config/cloud/flavors.rs");
    println!("cargo:rerun-if-env-changed=PREFECT_SECRETS_UPDATE_HEADER");

    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());

    // The shared library's SONAME carries the ABI major version (the crate's major
    // version), so programs linked against one ABI never load an incompatible one. Every
    // ELF build has it, so `make install` and scripts/dist install the very build the
    // tests ran against (no second build just for the SONAME).
    let elf = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os != "windows" && os != "macos");
    if elf {
        let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
        let soname = format!("libprefect_secrets.so.{major}");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
        soname_link(&soname);
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
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let builder = cbindgen::Builder::new()
        .with_src(crate_dir.join("src/ffi/mod.rs"))
        .with_src(server_flavor_enum(&out_dir));
    let bindings = builder
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");

    let out = out_dir.join("prefect_secrets.h");
    bindings.write_to_file(&out);
    if env::var_os("PREFECT_SECRETS_UPDATE_HEADER").is_some() {
        bindings.write_to_file(crate_dir.join("include/prefect_secrets.h"));
    }
}

/// `enum SecretServerFlavor` as Rust for cbindgen to read, written into `out_dir`: one
/// constant per flavour of `flavors::FLAVORS`, numbered by its position (the number
/// `secret_config_set_server_flavor` takes). Nothing in the crate uses this type.
fn server_flavor_enum(out_dir: &Path) -> PathBuf {
    let mut src = String::from(
        "/// The server APIs the server path can speak (`secret_config_set_server_flavor`).\n\
         #[repr(i32)]\npub enum SecretServerFlavor {\n",
    );
    for (i, f) in flavors::FLAVORS.iter().enumerate() {
        let constant = flavors::c_constant(f.name);
        writeln!(src, "    /// {}\n    {constant} = {i},", f.about).unwrap();
    }
    src.push_str("}\n");
    let path = out_dir.join("server_flavor.rs");
    std::fs::write(&path, src).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// `libprefect_secrets.so.<major>` -> `libprefect_secrets.so` beside the library cargo
/// builds: a program linked in the tree (`-Ltarget/release -lprefect_secrets`, the C
/// tests, examples, benches, the Go tests) needs the library by its SONAME, and finds it
/// there through its rpath. Made before the library exists (it is linked after this
/// script runs); relative, so it follows the library.
fn soname_link(soname: &str) {
    // OUT_DIR is <target dir>/[<triple>/]<profile>/build/<package>-<hash>/out.
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let Some(profile_dir) = out.ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join(soname);
    if std::fs::read_link(&link).is_ok_and(|to| to == std::path::Path::new("libprefect_secrets.so"))
    {
        return;
    }
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    std::os::unix::fs::symlink("libprefect_secrets.so", &link)
        .unwrap_or_else(|e| panic!("cannot make {}: {e}", link.display()));
}
