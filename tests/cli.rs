//! The `prefect-secrets` command line: output, exit statuses (0 found, 1 not found,
//! 2 error or usage), `--help`, `--version`, and output that cannot be written.

use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

const BIN: &str = env!("CARGO_BIN_EXE_prefect-secrets");

/// Held while a child is spawned, so that a pipe made for one test (see `broken_pipe`) is
/// never inherited by another test's child.
static SPAWN: Mutex<()> = Mutex::new(());

/// Runs the CLI with `args` and extra environment variables, without a user config file.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    output(cmd, env, Stdio::piped())
}

/// Runs `cmd` (the CLI, or a shell that runs it) with the test's environment and this
/// standard output (captured when piped).
fn output(mut cmd: Command, env: &[(&str, &str)], stdout: Stdio) -> Output {
    let home = std::env::temp_dir().join("prefect-secrets-cli-test-home");
    std::fs::create_dir_all(&home).unwrap();
    cmd.env("HOME", &home)
        .env("USERPROFILE", &home)
        // A backslash in a PREFECT__ value starts an escape, as in Prefect (docs/install.md,
        // "Windows and macOS"): a Windows path is written with '/'.
        .env(
            "PREFECT__USER_CONFIG_PATH",
            home.join("no-such-config.toml")
                .to_str()
                .unwrap()
                .replace('\\', "/"),
        );
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped());
    let child = {
        let _spawning = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        cmd.spawn().expect("run prefect-secrets")
    };
    child.wait_with_output().expect("run prefect-secrets")
}

fn stdout(out: &Output) -> &str {
    std::str::from_utf8(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> &str {
    std::str::from_utf8(&out.stderr).unwrap()
}

const OBJECT: (&str, &str) = (
    "PREFECT__CONTEXT__SECRETS__CLI_OBJECT",
    r#"{"user": "svc", "port": 5432}"#,
);
const TEXT: (&str, &str) = ("PREFECT__CONTEXT__SECRETS__CLI_TEXT", "hunter2");

#[test]
fn get_prints_the_value_and_a_newline() {
    let out = run(&["get", "cli_object"], &[OBJECT]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "{\"user\":\"svc\",\"port\":5432}\n");

    let out = run(&["get", "cli_text"], &[TEXT]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "hunter2\n");
}

#[test]
fn json_always_renders_json() {
    for args in [["get", "cli_text", "--json"], ["get", "--json", "cli_text"]] {
        let out = run(&args, &[TEXT]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(stdout(&out), "\"hunter2\"\n");
    }
}

/// Several names: one JSON object on one line (each name once, `null` when not found),
/// exit 0 even with names not found; `--json` is required.
#[test]
fn several_names_print_one_json_object() {
    let out = run(
        &[
            "get",
            "cli_text",
            "cli_missing",
            "cli_object",
            "cli_text",
            "--json",
        ],
        &[TEXT, OBJECT],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"cli_text\": \"hunter2\", \"cli_missing\": null, \"cli_object\": \
         {\"user\":\"svc\",\"port\":5432}}\n"
    );
    let out = run(&["get", "cli_text", "cli_object"], &[TEXT, OBJECT]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("several names need --json"),
        "{}",
        stderr(&out)
    );
}

/// A name that fails makes the batch exit 2, each failure on stderr (never a value or
/// credential), nothing on stdout.
#[test]
fn a_failing_name_in_a_batch_is_exit_2() {
    let out = run(
        &["get", "one", "two", "--json"],
        &[
            ("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false"),
            ("PREFECT__CLOUD__GRAPHQL", "http://127.0.0.1:1/graphql"),
            ("PREFECT__CLOUD__AUTH_TOKEN", "tok-SECRET-c1"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("\"one\": SECRET_ERR_CLIENT"), "{err}");
    assert!(err.contains("\"two\": SECRET_ERR_CLIENT"), "{err}");
    assert!(!err.contains("tok-SECRET"), "{err}");
}

/// Not found: exit 1, nothing on stdout, a one-line note on stderr (so a `set -e` script
/// does not stop without a word); `-q` silences the note.
#[test]
fn not_found_is_exit_1_with_a_note() {
    let out = run(&["get", "cli_missing"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "prefect-secrets: \"cli_missing\": not found\n"
    );
    for quiet in ["-q", "--quiet"] {
        let out = run(&["get", quiet, "cli_missing"], &[]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr(&out), "");
    }
    // A name starting with '-' after "--" is a name, not an option.
    let out = run(&["get", "--", "-cli-missing"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_broken_configuration_is_exit_2_with_the_message_on_stderr() {
    let out = run(
        &["get", "cli_text"],
        &[TEXT, ("PREFECT__CONTEXT__SECRETS__CLI_BROKEN", "x\\")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("prefect-secrets: SECRET_ERR_CONFIG: "),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("PREFECT__CONTEXT__SECRETS__CLI_BROKEN"));
}

#[test]
fn help_and_version() {
    for flag in ["--help", "-h", "help"] {
        let out = run(&[flag], &[]);
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).contains("prefect-secrets get NAME [NAME...] [--json]"));
    }
    let out = run(&["get", "--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["--version"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!("prefect-secrets {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_mistakes_are_exit_2() {
    for args in [
        &[][..],
        &["nope"][..],
        &["get"][..],
        &["get", "a", "b"][..],
        &["get", "--bogus", "a"][..],
    ] {
        let out = run(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert!(
            stderr(&out).contains("usage: "),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// Every command that prints, with what it needs to print something. (The tests that use
/// it are Unix only: they close descriptors, open /dev/full, make POSIX pipes.)
#[cfg(unix)]
const PRINTING: &[&[&str]] = &[
    &["get", "cli_text"],
    &["get", "cli_object", "--json"],
    &["explain", "cli_text"],
    &["config"],
    &["config", "--show-sources"],
    &["list"],
    &["--help"],
    &["get", "--help"],
    &["--version"],
];

/// The command failed because its output could not be written: exit status 2, the
/// reason on stderr.
#[cfg(unix)]
fn assert_write_failed(out: &Output, args: &[&str], reason: &str) {
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(out));
    let want = format!("prefect-secrets: writing to stdout: {reason}");
    assert!(stderr(out).starts_with(&want), "{args:?}: {}", stderr(out));
}

/// Standard output closed (`prefect-secrets get x >&-`): Rust's runtime puts /dev/null in
/// its place before `main`, and `std::io::stdout()` takes EBADF for success, so the
/// command exited 0 having printed nothing. Unix only: a shell closes the descriptor.
#[cfg(unix)]
#[test]
fn a_closed_stdout_is_exit_2_with_a_message() {
    for args in PRINTING {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(r#"exec "$0" "$@" >&-"#)
            .arg(BIN)
            .args(*args);
        let out = output(cmd, &[TEXT, OBJECT], Stdio::piped());
        assert_write_failed(&out, args, "Bad file descriptor");
    }
    // Nothing to print: a name not found is exit 1 as always.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"exec "$0" "$@" >&-"#)
        .arg(BIN)
        .args(["get", "cli_missing"]);
    let out = output(cmd, &[], Stdio::piped());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// A full disk: `/dev/full` refuses every write (ENOSPC). Unix only; skipped where there
/// is no `/dev/full` (macOS).
#[cfg(unix)]
#[test]
fn a_full_disk_is_exit_2_with_a_message() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("SKIPPED: no /dev/full on this system");
        return;
    };
    for args in PRINTING {
        let mut cmd = Command::new(BIN);
        cmd.args(*args);
        let out = output(cmd, &[TEXT, OBJECT], full.try_clone().unwrap().into());
        assert_write_failed(&out, args, "No space left on device");
    }
}

/// A reader that has gone: standard output is a pipe whose read end was closed before the
/// command started, so its first write fails with EPIPE (Rust ignores SIGPIPE): always,
/// not only when the reader happens to exit first. Unix only (a POSIX pipe).
#[cfg(unix)]
#[test]
fn a_broken_pipe_is_exit_2_with_a_message() {
    for args in PRINTING {
        let mut cmd = Command::new(BIN);
        cmd.args(*args);
        let pipe = {
            let _spawning = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
            broken_pipe()
        };
        let out = output(cmd, &[TEXT, OBJECT], pipe);
        assert_write_failed(&out, args, "Broken pipe");
    }
}

/// The write end of a pipe whose read end is closed. Made while holding `SPAWN`, so no
/// other test's child can inherit the read end (the descriptors are not close-on-exec)
/// before it is closed.
#[cfg(unix)]
fn broken_pipe() -> Stdio {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: room for the two descriptors pipe() returns.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: both descriptors were just made and belong to nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write.into()
}

/// `--flavor prefect-3` (or `PREFECT_SECRETS_FLAVOR`) is Prefect 3: no local secrets, so
/// with no API URL a get is an error that says what to set; a bad name is a usage error.
#[test]
fn the_flavor_option_chooses_prefect_3() {
    let local = ("PREFECT__CONTEXT__SECRETS__CLI_FLAVOR", "v");
    let out = run(&["--flavor", "prefect-0.5", "get", "cli_flavor"], &[local]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), "v\n"));
    for args in [
        &["--flavor", "prefect-3", "get", "cli_flavor"][..],
        &["--flavor=prefect-3", "get", "cli_flavor"][..],
    ] {
        let out = run(args, &[local]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("PREFECT_API_URL"), "{}", stderr(&out));
    }
    let out = run(
        &["get", "cli_flavor"],
        &[local, ("PREFECT_SECRETS_FLAVOR", "prefect-3")],
    );
    assert_eq!(out.status.code(), Some(2));
    // The option wins over the variable.
    let out = run(
        &["--flavor", "prefect-0.5", "get", "cli_flavor"],
        &[local, ("PREFECT_SECRETS_FLAVOR", "prefect-3")],
    );
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), "v\n"));
    for args in [
        &["--flavor"][..],
        &["--flavor", "prefect-4", "get", "x"][..],
    ] {
        let out = run(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("--flavor"), "{}", stderr(&out));
    }
}

/// A value with everything a shell could trip on.
const HOSTILE: &str = "it's \"$HOME\" `id` \\ $(x) \n\ttab ünï ✓ ' '' end";

/// What `get` prints for `name` (without its newline): what `run` and `env` must pass on
/// (Prefect expands `$HOME` in a `PREFECT__` value, so it is not `HOSTILE` itself).
fn value_of(name: &str, env: &[(&str, &str)]) -> String {
    let out = run(&["get", name], env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("`id`"), "{text}");
    text.strip_suffix('\n').unwrap().to_string()
}

/// `run`: the child sees each variable set to the value (as `get` prints it: text, or
/// compact JSON), its arguments as given, and its exit status is the run's. (A POSIX
/// shell is the child: not under wine.)
#[cfg(unix)]
#[test]
fn run_puts_secrets_into_the_environment_of_the_command() {
    let env = [
        ("PREFECT__CONTEXT__SECRETS__HOSTILE", HOSTILE),
        OBJECT,
        TEXT,
    ];
    let out = run(
        &[
            "run",
            "--env",
            "A=hostile",
            "--env=B=cli_object",
            "--env",
            "C=cli_text",
            "--",
            "sh",
            "-c",
            "printf '%s|%s|%s|%s' \"$A\" \"$B\" \"$C\" \"$1\"; exit 7",
            "sh",
            "arg one",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{}|{{\"user\":\"svc\",\"port\":5432}}|hunter2|arg one",
            value_of("hostile", &env)
        )
    );
}

/// The values never appear in the command's arguments (`/proc/<pid>/cmdline`); the command
/// runs in this process's place (its pid), so a signal that kills it is what the caller
/// sees.
#[cfg(target_os = "linux")]
#[test]
fn run_keeps_values_out_of_argv_and_passes_signals_through() {
    use std::os::unix::process::ExitStatusExt;
    let out = run(
        &[
            "run",
            "--env",
            "T=cli_text",
            "sh",
            "-c",
            "cat /proc/$$/cmdline; kill -TERM $$",
        ],
        &[TEXT],
    );
    assert_eq!(
        out.status.signal(),
        Some(15),
        "{:?} {}",
        out.status,
        stderr(&out)
    );
    assert!(stdout(&out).starts_with("sh\0-c\0"), "{:?}", stdout(&out));
    assert!(!stdout(&out).contains("hunter2"));
}

/// A name not found or failing stops `run` before the command starts: exit 1 (not found)
/// or 2 (an error wins), each name on stderr; an unknown command is 127.
#[test]
fn run_stops_before_the_command_when_a_secret_is_missing() {
    let dir = std::env::temp_dir().join(format!("prefect-secrets-run-{}", std::process::id()));
    let marker = dir.join("started");
    let _ = std::fs::create_dir_all(&dir);
    let touch = format!("touch '{}'", marker.display());
    let out = run(
        &[
            "run",
            "--env",
            "A=cli_text",
            "--env",
            "B=cli_missing",
            "--",
            "sh",
            "-c",
            &touch,
        ],
        &[TEXT],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("\"cli_missing\" (for B): not found"),
        "{}",
        stderr(&out)
    );
    assert!(!marker.exists(), "the command must not have started");
    let out = run(
        &[
            "run",
            "--env",
            "A=cli_broken",
            "--env",
            "B=cli_missing",
            "--",
            "sh",
            "-c",
            &touch,
        ],
        // An integer past Python's 4300-digit limit: `get` raises on it.
        &[(
            "PREFECT__CONTEXT__SECRETS__CLI_BROKEN",
            "1".repeat(5000).as_str(),
        )],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!marker.exists());
    let out = run(
        &["run", "--env", "A=cli_text", "no-such-command-xyz"],
        &[TEXT],
    );
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    for (args, why) in [
        (
            &["run", "--env", "1A=x", "true"][..],
            "is not a variable name",
        ),
        (&["run", "--env", "A", "true"][..], "expected VAR=NAME"),
        (&["run", "--env", "A=x"][..], "no command given"),
        (&["run", "--bogus", "true"][..], "unknown option"),
        (&["env", "true"][..], "takes no operands"),
        (&["env"][..], "no --env"),
    ] {
        let out = run(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `env` prints `export` lines that sh, bash, dash and zsh read back to the exact bytes; an
/// env file names variables too (comments, blank lines and `export ` allowed).
#[test]
fn env_output_round_trips_through_posix_shells() {
    let dir = std::env::temp_dir().join(format!("prefect-secrets-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vars.env");
    std::fs::write(
        &file,
        "# the database\n\nexport DB=hostile\nOBJ=cli_object\n",
    )
    .unwrap();
    let env = [("PREFECT__CONTEXT__SECRETS__HOSTILE", HOSTILE), OBJECT];
    let out = run(&["env", "--env-file", file.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = stdout(&out).to_string();
    assert!(script.starts_with("export DB='"), "{script}");
    for shell in ["sh", "bash", "dash", "zsh"] {
        let Ok(got) = Command::new(shell)
            .arg("-c")
            .arg(format!("{script}\nprintf '%s|%s' \"$DB\" \"$OBJ\""))
            .output()
        else {
            eprintln!("SKIPPED: {shell} is not installed here");
            continue;
        };
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            format!(
                "{}|{{\"user\":\"svc\",\"port\":5432}}",
                value_of("hostile", &env)
            ),
            "{shell}"
        );
    }
    // A value with a NUL byte cannot be in an environment: an error, nothing printed.
    let nul = [("PREFECT__CONTEXT__SECRETS__NUL", "\"a\\u0000b\"")];
    let out = run(&["env", "--env", "N=nul"], &nul);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("NUL byte"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `get NAME --field KEYPATH`: a value inside a dict or list value, by Prefect 3's key path
/// rules (`value::get_from_dict`, recorded from Prefect), printed as `get` prints values.
#[test]
fn field_reads_inside_a_value() {
    let db = (
        "PREFECT__CONTEXT__SECRETS__DB",
        r#"{"user": "svc", "hosts": ["a", {"port": 5432}], "none": null}"#,
    );
    for (args, want) in [
        (&["get", "db", "--field", "user"][..], "svc\n"),
        (&["get", "db", "--field=hosts[1].port"][..], "5432\n"),
        (
            &["get", "--json", "db", "--field", "hosts[0]"][..],
            "\"a\"\n",
        ),
        (
            &["get", "db", "--field", "hosts[-1]"][..],
            "{\"port\":5432}\n",
        ),
    ] {
        let out = run(args, &[db]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), want, "{args:?}");
    }
    let out = run(&["get", "db", "--field", "none"], &[db]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "prefect-secrets: \"db\": \"none\" is null\n");
    let out = run(&["get", "db", "--field", "hosts[2]"], &[db]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nothing at \"hosts[2]\""),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("svc"), "no value in the message");
    for args in [
        &["get", "db", "--field"][..],
        &["get", "a", "b", "--json", "--field", "x"],
    ] {
        assert_eq!(run(args, &[db]).status.code(), Some(2), "{args:?}");
    }
}
