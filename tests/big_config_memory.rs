//! A big user file loads in memory that grows with its size by a bounded multiple
//! (issue 19: a 6.7 MB file of 400,000 small tables took 480 MB, some 70 times its size).
//!
//! Measured on a child process (the command line), whose peak `wait4` reports (unix
//! only). Alone in its test program on purpose: on Linux a child's peak counts its
//! parent's from before the child's `exec`, so the parent must stay small (a test program
//! that loads big files itself would hide the child's peak under its own).
#![cfg(unix)]

mod support;

use std::process::{Command, Stdio};

use support::big_config;
use support::tempdir::TempDir;

/// The peak memory of a process that loads a user file of 50,000 one-key tables in an
/// array of tables (`[[a]]`, `x = 1`: 0.8 MB) stays under 50 times the file's size more
/// than that of one that loads no user file. It was some 90 times: the whole file's
/// `toml_edit` document, some 1.3 KB a table, lived beside the tables it was made into.
/// Now the file is parsed in pieces, and the loaded tables themselves are most of it
/// (about 260 bytes for each such table, some 25 times the file).
#[test]
fn peak_memory_grows_with_the_file_by_a_bounded_multiple() {
    let dir = TempDir::new("big-config-memory");
    let without = peak_memory_loading(&dir, None);
    let text = big_config::array_of_tables(50_000);
    let with = peak_memory_loading(&dir, Some(&text));
    let grown = with.saturating_sub(without);
    assert!(
        grown < 50 * text.len(),
        "a {} byte file: the peak grew by {grown} bytes ({:.1} times), from {without}",
        text.len(),
        grown as f64 / text.len() as f64
    );
}

/// The peak memory (bytes) of `prefect-secrets get x` with `text` as the user file
/// (`$HOME/.prefect/config.toml`), or none.
fn peak_memory_loading(dir: &TempDir, text: Option<&str>) -> usize {
    match text {
        Some(text) => drop(dir.write(".prefect/config.toml", text)),
        None => drop(std::fs::remove_file(
            dir.path().join(".prefect/config.toml"),
        )),
    }
    let (code, peak) = big_config::peak_memory(
        Command::new(env!("CARGO_BIN_EXE_prefect-secrets"))
            .args(["get", "x"])
            .env_clear()
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    // Exit status 1: loaded, and no secret `x`.
    assert_eq!(code, Some(1));
    peak
}
