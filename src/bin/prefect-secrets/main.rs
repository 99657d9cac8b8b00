//! `prefect-secrets`: the command line for shell scripts.
//!
//! ```text
//! prefect-secrets get NAME [--json] [-q] [--field KEYPATH]
//! prefect-secrets get NAME NAME... --json
//! prefect-secrets run [--env VAR=NAME]... [--env-file FILE] -- CMD [ARGS...]
//! prefect-secrets env [--env VAR=NAME]... [--env-file FILE]
//! prefect-secrets inject -i TEMPLATE [-o OUT] [--json | --yaml | --text]
//! prefect-secrets explain NAME
//! prefect-secrets config [--show-sources]
//! prefect-secrets list
//! prefect-secrets completions bash|zsh|fish
//! prefect-secrets --help | --version
//! ```
//!
//! `--flavor NAME` before the command chooses the server flavour (`prefect-3`: Prefect 3's
//! `Secret.load`), as `PREFECT_SECRETS_FLAVOR` and `secret_config_set_server_flavor` do.
//!
//! `get` resolves NAME exactly as the C ABI's `secret_get` / `secret_get_json` do (the same
//! core call, `resolve::get` on the process-wide store) and prints the value and a newline.
//! Exit status: 0 found, 1 not found (Python's None; nothing printed on stdout, a note on
//! stderr unless `-q`), 2 an error or a usage mistake, with the message on stderr. With several names (`--json` needed) `get`
//! is a batch get (`resolve::get_many`, as `secret_get_many`): one JSON object of each
//! name's value (`null` when not found) on one line, exit 0 when every name resolved or
//! was not found, else 2 with each failure on stderr and nothing on stdout. `explain` and `config` print what
//! `secret_explain` and `secret_config_view` write (the same core calls); `list` the names
//! in `context.secrets` (under Prefect 3, the server's Secret blocks). They exit 0, or 2
//! on an error.
//!
//! Output that cannot be written (standard output closed, a full disk, a reader gone) is
//! an error too: exit status 2 and a message on stderr, for every command ([`print_out`]).
//!
//! `run` and `env` put secrets into a program's environment ([`launch`]); `inject`
//! renders Prefect 3's placeholders in a file ([`inject`]).
//!
//! Each subcommand is one entry in [`COMMANDS`] and one function taking its arguments.
//! The manual page (`prefect-secrets __man`, hidden: [`manual`]) and the completion
//! scripts ([`completions`]) are made from that table ([`shape`] reads its usage lines),
//! so a command added there is in both.

mod completions;
mod inject;
mod launch;
mod manual;
mod roff;
mod shape;

use std::ffi::OsString;
#[cfg(unix)]
use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;

use prefect_secrets::cli::{self, Error, Format, SecretStatus};

// Whether standard output was closed at start, recorded before Rust's runtime puts
// /dev/null in its place (see `sys::stdout_closed_at_start`).
prefect_secrets::note_stdout_at_start!();

const PROGRAM: &str = "prefect-secrets";
/// What it is: --help's first line and the manual's NAME.
const TAGLINE: &str = "Prefect secrets for shell scripts";

/// The option before the command that chooses the flavour: `--flavor NAME` or
/// `--flavor=NAME`, NAME one of the library's flavour names.
const FLAVOR_OPTION: &str = "--flavor";
/// What asks for the help, and for the version, in place of a command.
const HELP_OPTIONS: &[&str] = &["-h", "--help", "help"];
const VERSION_OPTIONS: &[&str] = &["-V", "--version"];

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
        usage: "get NAME [NAME...] [--json] [-q] [--field KEYPATH]",
        help: "print the secret NAME as Prefect's Secret(NAME).get() resolves it:\n      \
               a string as its text, anything else as compact JSON (--json: always JSON).\n      \
               Exit status 0 found, 1 not found (None; a note on stderr, -q: none),\n      \
               2 error (message on stderr).\n      \
               --field KEYPATH: the value at a.b[0] inside a dict or list value.\n      \
               Several names (with --json), asked together: one JSON object\n      \
               {\"NAME\": value or null, ...}; exit 0 unless a name failed (then 2).",
        run: get,
    },
    Command {
        name: "run",
        usage: "run [--env VAR=NAME]... [--env-file FILE] -- CMD [ARGS...]",
        help: "run CMD with each VAR set to the secret NAME (as get prints it), never in\n      \
               its arguments. Every NAME is resolved first: a name not found (exit 1) or\n      \
               failing (exit 2) stops before CMD starts. Then CMD replaces this process\n      \
               (its exit status is the command's; 127: not found, 126: cannot run).\n      \
               --env-file: lines VAR=NAME ('#' comments). In place of NAME, text\n      \
               with {{ prefect.blocks.T.N }} or {{ prefect.variables.N }} placeholders\n      \
               is rendered as inject renders a string (all in one render).",
        run: launch::run,
    },
    Command {
        name: "env",
        usage: "env [--env VAR=NAME]... [--env-file FILE]",
        help: "print `export VAR='value'` lines for a POSIX shell (eval \"$(...)\"), each\n      \
               value quoted so the shell reads back its exact bytes; exit 1/2 as run.",
        run: launch::env,
    },
    Command {
        name: "inject",
        usage: "inject -i TEMPLATE [-o OUT] [--json | --yaml | --text]",
        help: "render Prefect 3's {{ prefect.blocks.TYPE.NAME[.key] }} and\n      \
               {{ prefect.variables.NAME }} placeholders as Prefect 3's workers do (a\n      \
               .json file as JSON, a .yaml or .yml file as YAML read as PyYAML's\n      \
               safe_load reads it and written back as YAML, any other file as one\n      \
               string; --json, --yaml, --text say which; -i - reads stdin);\n      \
               to stdout, or to OUT written whole with mode 0600. Needs prefect-3.",
        run: inject::inject,
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
        help: "print the names in context.secrets (prefect-3: the server's Secret blocks),\n      \
               one per line (never their values).",
        run: list,
    },
    Command {
        name: "completions",
        usage: "completions bash|zsh|fish",
        help: "print the completion script for the shell (make install installs them;\n      \
               for this session: source <(prefect-secrets completions bash)).",
        run: completions::print,
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
    // Options before the command apply to every command.
    let mut args = &args[..];
    while let Some(option) = args.first().filter(|a| a.starts_with(FLAVOR_OPTION)) {
        let (flavor, used) = match option[FLAVOR_OPTION.len()..].strip_prefix('=') {
            Some(name) => (Some(name), 1),
            None if option == FLAVOR_OPTION => (args.get(1).map(String::as_str), 2),
            None => break,
        };
        let Some(flavor) = flavor else {
            return ExitCode::from(usage_error(&format!(
                "{FLAVOR_OPTION} needs a name: {}",
                cli::flavor_names().join(" or ")
            )));
        };
        if let Err(e) = cli::set_setting("server_flavor", flavor) {
            return ExitCode::from(usage_error(&format!("{FLAVOR_OPTION}: {e}")));
        }
        args = &args[used..];
    }
    let status = match args.first().map(String::as_str) {
        None => usage_error("no command given"),
        Some(a) if HELP_OPTIONS.contains(&a) => print_out(&[help().as_bytes()]),
        Some(a) if VERSION_OPTIONS.contains(&a) => {
            print_out(&[format!("{PROGRAM} {}\n", env!("CARGO_PKG_VERSION")).as_bytes()])
        }
        // The manual page, as roff, dated DATE or today: `__man [DATE]` (hidden;
        // docs/man/prefect-secrets.1 is its output).
        Some("__man") => {
            let date = args.get(1).cloned().unwrap_or_else(roff::today);
            print_out(&[manual::page(&date).as_bytes()])
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
        "{PROGRAM} {}: {TAGLINE}\n\nUsage:\n",
        env!("CARGO_PKG_VERSION")
    );
    for c in COMMANDS {
        text += &format!("  {PROGRAM} {}\n      {}\n", c.usage, c.help);
    }
    text += &format!(
        "  {PROGRAM} {} | {}\n\n\
         Which Prefect ({FLAVOR_OPTION} NAME before the command, or {}=NAME):\n",
        shape::long(HELP_OPTIONS),
        shape::long(VERSION_OPTIONS),
        cli::FLAVOR_VARIABLE
    );
    for (i, (name, what)) in cli::flavors().enumerate() {
        let default = if i == 0 { " (the default)" } else { "" };
        text += &format!("  {name}{default}: {what}\n");
    }
    text += &format!("Example: DB_PASSWORD=$({PROGRAM} get db_password)\n");
    text
}

fn usage_error(message: &str) -> u8 {
    let usages: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("{PROGRAM} {}", c.usage))
        .collect();
    complain(&format!(
        "{message}\nusage: {} | {PROGRAM} --help | {PROGRAM} --version",
        usages.join(" | ")
    ));
    ERROR
}

/// Writes `{PROGRAM}: {message}` and a newline to stderr. A failure to write there is
/// ignored (there is nowhere left to say it; the exit status still tells).
fn complain(message: &str) {
    let _ = writeln!(io::stderr(), "{PROGRAM}: {message}");
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

/// How many operands a subcommand takes.
#[derive(Clone, Copy)]
enum Operands {
    Exactly(usize),
    AtLeastOne,
}

/// A subcommand's flags (each one of `known`) and its `operands` (named `what` in
/// messages); `Err` is the exit status when help was asked for or on a usage mistake.
fn arguments(
    command: &str,
    args: &[String],
    known: &[&str],
    operands: Operands,
    what: &str,
) -> Result<(Vec<String>, Vec<String>), u8> {
    let (flags, found) = match parse(args) {
        Parsed::Help => return Err(print_out(&[help().as_bytes()])),
        Parsed::Args { flags, operands } => (flags, operands),
    };
    if let Some(other) = flags.iter().find(|f| !known.contains(&f.as_str())) {
        return Err(usage_error(&format!("{command}: unknown option '{other}'")));
    }
    let message = match (operands, found.len()) {
        (Operands::Exactly(n), m) if n == m => None,
        (Operands::AtLeastOne, m) if m > 0 => None,
        (Operands::Exactly(0), _) => Some(format!("{command}: takes no operands")),
        (Operands::Exactly(_), _) => Some(format!("{command}: expected exactly one {what}")),
        (Operands::AtLeastOne, _) => Some(format!("{command}: expected a {what}")),
    };
    if let Some(message) = message {
        return Err(usage_error(&message));
    }
    Ok((flags, found))
}

/// Writes `parts` to standard output: the one way every command prints. Exit status 0,
/// or 2 with a message on stderr when the output cannot be written: standard output
/// closed, a full disk (`/dev/full`), a reader gone (EPIPE: Rust ignores SIGPIPE).
fn print_out(parts: &[&[u8]]) -> u8 {
    let written = stdout().and_then(|mut out| {
        parts.iter().try_for_each(|part| out.write_all(part))?;
        out.flush()
    });
    match written {
        Ok(()) => FOUND,
        Err(e) => {
            complain(&format!("writing to stdout: {e}"));
            ERROR
        }
    }
}

/// Standard output, where a write cannot fail unseen. `std::io::stdout()` takes a closed
/// output (EBADF, Windows' invalid handle) for success, and on Unix Rust's runtime has put
/// `/dev/null` on a closed descriptor 1 before `main`.
///
/// Unix: a duplicate of descriptor 1, written without a buffer (so the value of a secret
/// is not copied into one on its way out); an error if descriptor 1 was closed at start.
/// Windows: an error if there is no standard output handle (it cannot be duplicated),
/// else the standard `Stdout`, which writes Unicode to a console properly.
#[cfg(unix)]
fn stdout() -> io::Result<impl Write> {
    use std::os::fd::AsFd;
    if cli::stdout_closed_at_start() {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    Ok(File::from(io::stdout().as_fd().try_clone_to_owned()?))
}

#[cfg(windows)]
fn stdout() -> io::Result<impl Write> {
    use std::os::windows::io::AsHandle;
    drop(io::stdout().as_handle().try_clone_to_owned()?);
    Ok(io::stdout().lock())
}

/// `explain NAME`.
fn explain(args: &[String]) -> u8 {
    match arguments("explain", args, &[], Operands::Exactly(1), "NAME") {
        Ok((_, operands)) => print_out(&[cli::explain(cli::global(), &operands[0]).as_bytes()]),
        Err(status) => status,
    }
}

/// `config [--show-sources]`.
fn config(args: &[String]) -> u8 {
    let show_sources = match arguments(
        "config",
        args,
        &["--show-sources"],
        Operands::Exactly(0),
        "",
    ) {
        Ok((flags, _)) => !flags.is_empty(),
        Err(status) => return status,
    };
    match cli::config_view(cli::global(), show_sources) {
        Ok(text) => print_out(&[text.as_bytes()]),
        Err(e) => report(&e),
    }
}

/// `list`.
fn list(args: &[String]) -> u8 {
    if let Err(status) = arguments("list", args, &[], Operands::Exactly(0), "") {
        return status;
    }
    match cli::secret_names(cli::global()) {
        Ok(names) => {
            let text: String = names.iter().map(|n| format!("{n}\n")).collect();
            print_out(&[text.as_bytes()])
        }
        Err(e) => report(&e),
    }
}

/// `get NAME [NAME...] [--json]`.
fn get(args: &[String]) -> u8 {
    let (field, args) = match take_field(args) {
        Ok(split) => split,
        Err(status) => return status,
    };
    let known = ["--json", "-q", "--quiet"];
    let (flags, operands) = match arguments("get", &args, &known, Operands::AtLeastOne, "NAME") {
        Ok(parsed) => parsed,
        Err(status) => return status,
    };
    let format = if flags.iter().any(|f| f == "--json") {
        Format::Json
    } else {
        Format::Text
    };
    let quiet = flags.iter().any(|f| f != "--json");
    if let [name] = &operands[..] {
        // Set when the secret is there but the field is null.
        let mut null_field = false;
        let got = match &field {
            None => cli::get(cli::global(), name, format, |value| {
                print_out(&[value, b"\n"])
            }),
            // The field is read from the value's JSON, which holds it exactly.
            Some(path) => cli::get(cli::global(), name, Format::Json, |json| {
                let found = cli::field(json, path, format);
                null_field = matches!(found, Ok(None));
                found.map(|v| v.map(|v| print_out(&[&v, b"\n"])))
            })
            .and_then(|r| r.unwrap_or(Ok(None)))
            .map_err(|e| field_error(name, e)),
        };
        return match got {
            Ok(Some(status)) => status,
            Ok(None) => {
                // A `set -e` script would otherwise stop without a word.
                if !quiet {
                    complain(&match &field {
                        Some(path) if null_field => format!("{name:?}: {path:?} is null"),
                        _ => format!("{name:?}: not found"),
                    });
                }
                NOT_FOUND
            }
            Err(e) => report(&e),
        };
    }
    if field.is_some() {
        return usage_error("get: --field takes one NAME");
    }
    if format != Format::Json {
        return usage_error("get: several names need --json (they are printed as one JSON object)");
    }
    get_many(&operands)
}

/// `--field KEYPATH` (or `--field=KEYPATH`) out of `get`'s arguments (before any `--`).
fn take_field(args: &[String]) -> Result<(Option<String>, Vec<String>), u8> {
    let mut field = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = match arg.as_str() {
            "--" => {
                rest.push(arg.clone());
                rest.extend(it.by_ref().cloned());
                break;
            }
            "--field" => match it.next() {
                Some(v) => v.clone(),
                None => {
                    return Err(usage_error(
                        "get: --field needs a KEYPATH (e.g. user or hosts[0])",
                    ));
                }
            },
            a => match a.strip_prefix("--field=") {
                Some(v) => v.to_string(),
                None => {
                    rest.push(arg.clone());
                    continue;
                }
            },
        };
        if field.replace(value).is_some() {
            return Err(usage_error("get: --field given twice"));
        }
    }
    Ok((field, rest))
}

/// A field that is not there names the secret it was looked for in.
fn field_error(name: &str, e: Error) -> Error {
    Error {
        message: format!("{name:?}: {}", e.message),
        ..e
    }
}

/// `get NAME NAME... --json`: one JSON object, each name once, in the order given.
fn get_many(names: &[String]) -> u8 {
    let mut seen = std::collections::HashSet::new();
    let names: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| seen.insert(*n))
        .collect();
    let mut values: Vec<Option<Vec<u8>>> = vec![None; names.len()];
    let results = cli::get_many(cli::global(), &names, Format::Json, |i, value| {
        values[i] = Some(value.to_vec());
    });
    let mut failed = false;
    for (name, result) in names.iter().zip(&results) {
        if let Err(e) = result {
            failed = true;
            report_for(name, e);
        }
    }
    if failed {
        return ERROR;
    }
    let mut object = b"{".to_vec();
    for (i, (name, value)) in names.iter().zip(&values).enumerate() {
        if i > 0 {
            object.extend_from_slice(b", ");
        }
        object.extend(cli::json_string(name));
        object.extend_from_slice(b": ");
        object.extend_from_slice(value.as_deref().unwrap_or(b"null"));
    }
    object.extend_from_slice(b"}\n");
    print_out(&[&object])
}

/// Reports a library error as the C ABI would describe it: the status, then the message.
fn report(e: &Error) -> u8 {
    complain(&described(e));
    ERROR
}

/// Reports the error of one name of a batch.
fn report_for(name: &str, e: &Error) {
    complain(&format!("{name:?}: {}", described(e)));
}

/// An error as the C ABI would describe it: `SECRET_ERR_...: what it means: message`.
fn described(e: &Error) -> String {
    let status = SecretStatus::describe(SecretStatus::of(e.kind) as i32);
    format!("{}: {}", status.trim_end_matches('\0'), e.message)
}
