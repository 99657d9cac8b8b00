//! A big user file loads in time and memory that grow with its size, not faster
//! (issue 19: loading once counted the lines before every key, so 40,000 keys took 19 s).
//!
//! Not timed against a clock (the machines that run the tests are shared and noisy): the
//! time test compares two sizes, and the memory test compares a child process's peak
//! memory with the file's size.

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use prefect_secrets::config::host::Environment;
use prefect_secrets::resolve::{self, Format};
use prefect_secrets::store::Store;
use prefect_secrets::sys;

use support::big_config;
use support::tempdir::TempDir;

/// The tests of this file one at a time: the memory test's child would slow the time
/// test's loads.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How long loading the configuration with `text` as the user file takes (the file is
/// written before the clock starts), checked to have loaded.
fn load_time(dir: &TempDir, text: &str) -> Duration {
    let path = dir.write("config.toml", text);
    let env = Environment::from_pairs([
        ("HOME", dir.text().as_str()),
        ("PREFECT__USER_CONFIG_PATH", path.to_str().unwrap()),
    ]);
    let start = Instant::now();
    let store = Store::with_env(env, sys::accounts());
    let elapsed = start.elapsed();
    let got = resolve::get(&store, "k0", Format::Text, <[u8]>::to_vec).unwrap();
    assert_eq!(got.as_deref(), Some(&b"value-0"[..]));
    elapsed
}

/// Four times the keys take less than eight times as long (linear: 4x; quadratic: 16x;
/// it was 21x for 10,000 and 40,000 keys). The fastest of three runs of each size,
/// alternating, so that a pause of the machine does not count. In a release build
/// 40,000 keys load in a few tenths of a second (BENCHMARKS.md).
#[test]
fn load_time_grows_linearly_with_the_keys() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    const SMALL: usize = 5_000;
    let dir = TempDir::new("big-config-time");
    let (small, big) = (big_config::keys(SMALL), big_config::keys(4 * SMALL));
    let mut best = [Duration::MAX; 2];
    for _ in 0..3 {
        for (i, text) in [&small, &big].into_iter().enumerate() {
            best[i] = best[i].min(load_time(&dir, text));
        }
    }
    let ratio = best[1].as_secs_f64() / best[0].as_secs_f64();
    assert!(
        ratio < 8.0,
        "{SMALL} keys: {:?}, {} keys: {:?} ({ratio:.1}x)",
        best[0],
        4 * SMALL,
        best[1]
    );
}

/// The peak memory of a process that loads a user file of 50,000 one-key tables in an
/// array of tables (`[[a]]`, `x = 1`: 0.8 MB) stays under 50 times the file's size more
/// than that of one that loads no user file. It was some 90 times: the whole file's
/// `toml_edit` document, some 1.3 KB a table, lived beside the tables it was made into.
/// Now the file is parsed in pieces, and the loaded tables themselves are most of it
/// (about 260 bytes for each such table, some 25 times the file). Measured on a child
/// process (the command line), whose peak `wait4` reports: unix only.
#[cfg(unix)]
#[test]
fn peak_memory_grows_with_the_file_by_a_bounded_multiple() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
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
#[cfg(unix)]
fn peak_memory_loading(dir: &TempDir, text: Option<&str>) -> usize {
    use std::process::{Command, Stdio};

    let file = dir.path().join(".prefect/config.toml");
    match text {
        Some(text) => drop(dir.write(".prefect/config.toml", text)),
        None => drop(std::fs::remove_file(&file)),
    }
    // Reaped by `wait4` below, which `Child::wait` cannot stand in for (no usage).
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_prefect-secrets"))
        .args(["get", "x"])
        .env_clear()
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: `rusage` is plain integers, for which all zeros is a value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to a status and a `rusage`; `pid` is our child, not yet
    // waited for (`child` is dropped without waiting).
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    // Exit status 1: loaded, and no secret `x`.
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 1,
        "{status}"
    );
    let max = usize::try_from(usage.ru_maxrss).unwrap();
    // Bytes on macOS, KiB elsewhere.
    if cfg!(target_os = "macos") {
        max
    } else {
        max * 1024
    }
}
