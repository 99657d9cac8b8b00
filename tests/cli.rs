//! The `prefect-secrets` command line: output, exit statuses (0 found, 1 not found,
//! 2 error or usage), `--help`, `--version`.

use std::process::{Command, Output};

/// Runs the CLI with `args` and extra environment variables, without a user config file.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = std::env::temp_dir().join("prefect-secrets-cli-test-home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_prefect-secrets"));
    cmd.args(args)
        .env("HOME", &home)
        .env("USERPROFILE", &home)
        // A backslash in a PREFECT__ value starts an escape, as in Prefect (README,
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
    cmd.output().expect("run prefect-secrets")
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

#[test]
fn not_found_is_exit_1_with_nothing_printed() {
    let out = run(&["get", "cli_missing"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");
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
        assert!(stdout(&out).contains("prefect-secrets get NAME [--json]"));
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
