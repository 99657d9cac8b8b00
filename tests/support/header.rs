//! The functions `include/prefect_secrets.h` declares, read from its text. Shared by
//! `tests/symbols.rs` (the library exports exactly these) and the unit test
//! `ffi::tests::every_export_goes_through_the_boundary` (every one is an export it checked),
//! which includes this file by path.

/// The names of the declared functions, in order. A declaration's first line is a type at
/// the start of the line, then `secret_...(` (cbindgen wraps long parameter lists onto
/// the following lines).
pub fn declared_functions(header: &str) -> Vec<String> {
    header
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| {
            let (head, _) = l.split_once('(')?;
            let name = head.split_whitespace().last()?.trim_start_matches('*');
            name.starts_with("secret_").then(|| name.to_string())
        })
        .collect()
}
