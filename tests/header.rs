//! The committed C header is exactly what cbindgen generates from the sources, and every
//! item in it is documented.

const COMMITTED: &str = include_str!("../include/prefect_secrets.h");
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/prefect_secrets.h"));

#[test]
fn committed_header_matches_the_generated_one() {
    assert!(
        COMMITTED == GENERATED,
        "include/prefect_secrets.h is out of date; regenerate it with \
         `PREFECT_SECRETS_UPDATE_HEADER=1 cargo build` and commit it"
    );
}

#[test]
fn every_function_and_status_is_documented() {
    let lines: Vec<&str> = COMMITTED.lines().collect();
    let mut items = 0;
    for (i, line) in lines.iter().enumerate() {
        // Function prototypes and status constants.
        let is_item = line.ends_with(");") && line.contains("secret_")
            || line.trim_start().starts_with("SECRET_");
        if !is_item {
            continue;
        }
        items += 1;
        let previous = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(&"");
        assert!(
            previous.trim_start().starts_with("//"),
            "undocumented item in the header: {line}"
        );
    }
    assert!(
        items >= 29,
        "only {items} items found: did the header format change?"
    );
}

#[test]
fn version_macros_match_the_crate() {
    let want = format!(
        "#define PREFECT_SECRETS_VERSION \"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(COMMITTED.contains(&want), "{want}");
    for (part, value) in [
        ("MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        let line = format!("#define PREFECT_SECRETS_VERSION_{part} {value}");
        assert!(COMMITTED.contains(&line), "{line}");
    }
}
