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

/// The peak memory of a process that loads a big user file stays under 18 times the
/// file's size more than that of one that loads no user file, for the shape that costs
/// the most for its size (50,000 one-key tables in an array of tables, `[[a]]`, `x = 1`:
/// 0.8 MB) and for a mix of keys, tables and arrays of tables (2 MiB). The tables took
/// 88 times the file when the whole file's `toml_edit` document (some 1.3 KB a small
/// table) lived beside them; 26 once the file was parsed in pieces; about 12 now that a
/// small table is one block and short strings sit inside their `PyStr` (the mix: about
/// 14 in a debug build, 13 in a release one). Prefect 0.5.3 itself takes 33 and 20
/// times (`import prefect` with such a file, BENCHMARKS.md).
#[test]
fn peak_memory_grows_with_the_file_by_a_small_multiple() {
    let dir = TempDir::new("big-config-memory");
    let without = peak_memory_loading(&dir, None);
    for (shape, text) in [
        ("tables", big_config::array_of_tables(50_000)),
        ("mixed", big_config::mixed(2 << 20)),
    ] {
        let with = peak_memory_loading(&dir, Some(&text));
        let grown = with.saturating_sub(without);
        let times = grown as f64 / text.len() as f64;
        eprintln!(
            "{shape}: a {} byte file: the peak grew by {grown} bytes ({times:.1} times)",
            text.len()
        );
        assert!(
            grown < 18 * text.len(),
            "{shape}: a {} byte file: the peak grew by {grown} bytes ({times:.1} times), from {without}",
            text.len(),
        );
    }
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
