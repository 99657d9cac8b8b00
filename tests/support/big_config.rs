//! Big configuration files, generated (never committed), and the peak memory of a process
//! that loads one: for `tests/big_config.rs` and `benches/get.rs`.

use std::fmt::Write as _;

/// A user file with about `n` keys under `context.secrets`: three quarters of them plain
/// secrets (`k0 = "value-0"`), the rest in two-key tables (`[context.secrets.t0]`), which
/// are secrets too (tables).
pub fn keys(n: usize) -> String {
    let mut out = String::from("[context.secrets]\n");
    let plain = n * 3 / 4;
    for i in 0..plain {
        let _ = writeln!(out, "k{i} = \"value-{i}\"");
    }
    for i in 0..(n - plain) / 2 {
        let _ = writeln!(out, "[context.secrets.t{i}]\nuser = \"u{i}\"\nport = {i}");
    }
    out
}

/// `n` one-key tables in an array of tables (`[[a]]`, `x = 1`), the shape where the parsed
/// tables weigh most against the file.
pub fn array_of_tables(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let _ = writeln!(out, "[[a]]\nx = {}", i % 100_000);
    }
    out
}

/// A file of at most `bytes` bytes (and nearly that) mixing the shapes a big
/// configuration has, about a third of the size each: plain keys under `[context.secrets]`,
/// tables of a few keys (`[flows.f0]`, `[context.secrets.db0]`) and arrays of tables
/// (`[[jobs]]`).
pub fn mixed(bytes: usize) -> String {
    let mut out = String::from("[context.secrets]\n");
    let mut fill = |upto: usize, record: &dyn Fn(usize) -> String| {
        for i in 0.. {
            let r = record(i);
            if out.len() + r.len() > upto {
                break;
            }
            out.push_str(&r);
        }
    };
    fill(bytes / 3, &|i| {
        format!("API_KEY_{i} = \"sk-{i:012}-abcdefghijklmnop\"\n")
    });
    fill(bytes / 3 * 2, &|i| {
        format!(
            "[flows.f{i}]\nname = \"flow {i}\"\nretries = {}\n\
             schedule = [\"0 * * * *\", \"30 * * * *\"]\n\
             [context.secrets.db{i}]\nuser = \"svc{i}\"\npassword = \"p{i}\"\nport = 5432\n",
            i % 7
        )
    });
    fill(bytes, &|i| {
        format!("[[jobs]]\nid = {i}\nname = \"job-{i}\"\nenabled = true\ntags = [\"a\", \"b\"]\n")
    });
    out
}

/// Runs `command` to its end; its exit code (`None`: killed by a signal) and its peak
/// memory in bytes (`wait4`'s `ru_maxrss`).
#[cfg(unix)]
pub fn peak_memory(command: &mut std::process::Command) -> (Option<i32>, usize) {
    // Reaped by `wait4` below, which `Child::wait` cannot stand in for (no usage).
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().expect("the command starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: `rusage` is plain integers, for which all zeros is a value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to a status and a `rusage`; `pid` is our child, not yet
    // waited for (`child` is dropped without waiting).
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let max = usize::try_from(usage.ru_maxrss).expect("a size");
    // Bytes on macOS, KiB elsewhere.
    let bytes = if cfg!(target_os = "macos") {
        max
    } else {
        max * 1024
    };
    (code, bytes)
}
