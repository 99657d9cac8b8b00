//! What `include/prefect_secrets.h` declares, read from its text: its functions and its
//! enumerators. Shared by `tests/symbols.rs` (the library exports exactly these functions)
//! and the library's unit tests (`crate::header_text`: every function is an export the
//! boundary test checked; the status and flavour enumerators are exactly the Rust ones),
//! which include this file by path.

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

/// Every `SECRET_... = n` enumerator, in order (status codes and server flavours alike).
pub fn enumerators(header: &str) -> Vec<(String, i32)> {
    header
        .lines()
        .filter_map(|l| {
            let (name, n) = l.trim().trim_end_matches(',').split_once(" = ")?;
            let n: i32 = n.parse().ok()?;
            name.starts_with("SECRET_").then(|| (name.to_string(), n))
        })
        .collect()
}
