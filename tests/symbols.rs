//! The shared library exports the C API and nothing else. Reads the dynamic symbol table
//! with `nm` (binutils). (The installed library's SONAME is checked by scripts/test-all.)
#![cfg(target_os = "linux")]

mod support;

use std::process::Command;

use support::cdylib::shared_library;

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
    let declared = support::header::declared_functions(header);
    let mut exported: Vec<&str> = exported;
    exported.sort_unstable();
    let mut declared: Vec<&str> = declared.iter().map(String::as_str).collect();
    declared.sort_unstable();
    assert_eq!(exported, declared, "every declared function is exported");
}
