//! `prefect-secrets`: the command line for shell scripts.
//!
//! ```text
//! prefect-secrets get NAME [--json]
//! prefect-secrets explain NAME
//! prefect-secrets config [--show-sources]
//! prefect-secrets list
//! prefect-secrets --help | --version
//! ```
//!
//! `get` resolves NAME exactly as the C ABI's `secret_get` / `secret_get_json` do (the same
//! core call, `resolve::get` on the process-wide store) and prints the value and a newline.
//! Exit status: 0 found, 1 not found (Python's None; nothing printed), 2 an error or a
//! usage mistake, with the message on stderr. `explain` and `config` print what
//! `secret_explain` and `secret_config_view` write (the same core calls); `list` the names
//! in `context.secrets`. They exit 0, or 2 on an error.
//!
//! Each subcommand is one entry in [`COMMANDS`] and one function taking its arguments.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use prefect_secrets::error::Error;
use prefect_secrets::ffi::status::SecretStatus;
use prefect_secrets::report;
use prefect_secrets::resolve::{self, Format};
use prefect_secrets::store;

const PROGRAM: &str = "prefect-secrets";

/// Exit statuses, the same as examples-c/secret-get's.
const FOUND: u8 = 0;
const NOT_FOUND: u8 = 1;
const ERROR: u8 = 2;

/// A subcommand: its name, its usage line, one line of help, and the function that runs it
/// with the arguments after its name.
struct Command {
    name: &'static str,
    usage: &'static str,
    help: &'static str,
    run: fn(&[String]) -> u8,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "get",
        usage: "get NAME [--json]",
        help: "print the secret NAME as Prefect 0.5.3's Secret(NAME).get() resolves it:\n      \
               a string as its text, anything else as compact JSON (--json: always JSON).\n      \
               Exit status 0 found, 1 not found (None), 2 error (message on stderr).",
        run: get,
    },
    Command {
        name: "explain",
        usage: "explain NAME",
        help: "say where the secret NAME comes from, or why it is not found (near misses:\n      \
               case, spaces, mistyped PREFECT__ variables, a config.toml that is not read).\n      \
               Never prints a value or a credential.",
        run: explain,
    },
    Command {
        name: "config",
        usage: "config [--show-sources]",
        help: "print the effective configuration as TOML, secret values and credentials\n      \
               masked; --show-sources: where each value came from.",
        run: config,
    },
    Command {
        name: "list",
        usage: "list",
        help: "print the names in context.secrets, one per line (never their values).",
        run: list,
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(OsString::into_string)
        .collect()
    {
        Ok(args) => args,
        Err(_) => return ExitCode::from(usage_error("arguments must be UTF-8")),
    };
    let status = match args.first().map(String::as_str) {
        None => usage_error("no command given"),
        Some("-h" | "--help" | "help") => {
            print!("{}", help());
            FOUND
        }
        Some("-V" | "--version") => {
            println!("{PROGRAM} {}", env!("CARGO_PKG_VERSION"));
            FOUND
        }
        Some(name) => match COMMANDS.iter().find(|c| c.name == name) {
            Some(command) => (command.run)(&args[1..]),
            None => usage_error(&format!("unknown command '{name}'")),
        },
    };
    ExitCode::from(status)
}

fn help() -> String {
    let mut text = format!(
        "{PROGRAM} {}: Prefect 0.5.3 secrets for shell scripts\n\nUsage:\n",
        env!("CARGO_PKG_VERSION")
    );
    for c in COMMANDS {
        text += &format!("  {PROGRAM} {}\n      {}\n", c.usage, c.help);
    }
    text += &format!(
        "  {PROGRAM} --help | --version\n\n\
         Configuration as Prefect's: PREFECT__* environment variables and \
         ~/.prefect/config.toml.\nExample: DB_PASSWORD=$({PROGRAM} get db_password)\n"
    );
    text
}

fn usage_error(message: &str) -> u8 {
    let usages: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("{PROGRAM} {}", c.usage))
        .collect();
    eprintln!(
        "{PROGRAM}: {message}\nusage: {} | {PROGRAM} --help | {PROGRAM} --version",
        usages.join(" | ")
    );
    ERROR
}

/// Splits a subcommand's arguments into flags and operands: `--` ends the flags, so an
/// operand may start with `-`. `-h`/`--help` anywhere before `--` is reported as `Help`.
enum Parsed {
    Help,
    Args {
        flags: Vec<String>,
        operands: Vec<String>,
    },
}

fn parse(args: &[String]) -> Parsed {
    let (mut flags, mut operands) = (Vec::new(), Vec::new());
    let mut rest = args.iter();
    for arg in rest.by_ref() {
        match arg.as_str() {
            "--" => break,
            "-h" | "--help" => return Parsed::Help,
            a if a.starts_with('-') && a.len() > 1 => flags.push(arg.clone()),
            _ => operands.push(arg.clone()),
        }
    }
    operands.extend(rest.cloned());
    Parsed::Args { flags, operands }
}

/// A subcommand's flags (each one of `known`) and exactly `operands` operands (named
/// `what` in messages); `Err` is the exit status when help was asked for or on a usage
/// mistake.
fn arguments(
    command: &str,
    args: &[String],
    known: &[&str],
    operands: usize,
    what: &str,
) -> Result<(Vec<String>, Vec<String>), u8> {
    let (flags, found) = match parse(args) {
        Parsed::Help => {
            print!("{}", help());
            return Err(FOUND);
        }
        Parsed::Args { flags, operands } => (flags, operands),
    };
    if let Some(other) = flags.iter().find(|f| !known.contains(&f.as_str())) {
        return Err(usage_error(&format!("{command}: unknown option '{other}'")));
    }
    if found.len() != operands {
        return Err(usage_error(&match operands {
            0 => format!("{command}: takes no operands"),
            _ => format!("{command}: expected exactly one {what}"),
        }));
    }
    Ok((flags, found))
}

/// Prints `text` to stdout, reporting a failed write.
fn print_out(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => FOUND,
        Err(e) => {
            eprintln!("{PROGRAM}: writing to stdout: {e}");
            ERROR
        }
    }
}

/// `explain NAME`.
fn explain(args: &[String]) -> u8 {
    match arguments("explain", args, &[], 1, "NAME") {
        Ok((_, operands)) => print_out(&report::explain::explain(store::global(), &operands[0])),
        Err(status) => status,
    }
}

/// `config [--show-sources]`.
fn config(args: &[String]) -> u8 {
    let show_sources = match arguments("config", args, &["--show-sources"], 0, "") {
        Ok((flags, _)) => !flags.is_empty(),
        Err(status) => return status,
    };
    match report::view::config_view(store::global(), show_sources) {
        Ok(text) => print_out(&text),
        Err(e) => report(&e),
    }
}

/// `list`.
fn list(args: &[String]) -> u8 {
    if let Err(status) = arguments("list", args, &[], 0, "") {
        return status;
    }
    match report::secret_names(store::global()) {
        Ok(names) => print_out(&names.iter().map(|n| format!("{n}\n")).collect::<String>()),
        Err(e) => report(&e),
    }
}

/// `get NAME [--json]`.
fn get(args: &[String]) -> u8 {
    let (flags, operands) = match arguments("get", args, &["--json"], 1, "NAME") {
        Ok(parsed) => parsed,
        Err(status) => return status,
    };
    let format = if flags.is_empty() {
        Format::Text
    } else {
        Format::Json
    };
    let name = &operands[0];
    let stdout = std::io::stdout();
    let written = resolve::get(store::global(), name, format, |value: &[u8]| {
        let mut out = stdout.lock();
        out.write_all(value)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
    });
    match written {
        Ok(Some(Ok(()))) => FOUND,
        Ok(Some(Err(e))) => {
            eprintln!("{PROGRAM}: writing to stdout: {e}");
            ERROR
        }
        Ok(None) => NOT_FOUND,
        Err(e) => report(&e),
    }
}

/// Reports a library error as the C ABI would describe it: the status, then the message.
fn report(e: &Error) -> u8 {
    let status = SecretStatus::describe(SecretStatus::of(e.kind) as i32).trim_end_matches('\0');
    eprintln!("{PROGRAM}: {status}: {}", e.message);
    ERROR
}
