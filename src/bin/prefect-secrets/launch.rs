//! `run` and `env`: secrets into a program's environment, never into its arguments.
//!
//! Both take the variables to set as `--env VAR=NAME` (and `--env-file FILE` of such
//! lines), resolve every NAME in one batch get before anything else happens, and stop
//! when a name is not found or fails (exit 1 or 2, each named on stderr). In place of
//! NAME, text with Prefect 3's placeholders (`VAR=postgres://{{ prefect.blocks.secret.
//! db-user }}@db`) is rendered as a job-variables string, all of them in one render. `run`
//! then executes the command with the variables added (Unix: `execvp`, so the command
//! takes over this process: its exit status and signals are its own, nothing is left
//! running; Windows: spawned and waited for). `env` prints `export VAR='...'` lines that
//! POSIX shells read back to the exact bytes.

use std::collections::HashSet;
use std::process::Command;

use prefect_secrets::cli::{self, Format};

use super::{ERROR, NOT_FOUND, complain, described, print_out, usage_error};

/// A variable to set and where its value comes from: a secret's name, or a template
/// (text with a block or variable placeholder).
struct Binding {
    var: String,
    source: String,
    template: bool,
}

/// What `run` and `env` were asked: the bindings, in order (a later one for the same
/// variable wins), and for `run` the command.
struct Request {
    bindings: Vec<Binding>,
    command: Vec<String>,
}

/// Reads `--env VAR=NAME`, `--env-file FILE` (each as one argument with `=` or two), then
/// for `run` the command: after `--`, or from the first argument that is not an option.
fn parse(command: &str, args: &[String], takes_command: bool) -> Result<Request, u8> {
    let mut bindings = Vec::new();
    let mut rest = args.iter();
    let mut cmd = Vec::new();
    while let Some(arg) = rest.next() {
        let (option, inline) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| rest.next().cloned())
                .ok_or_else(|| usage_error(&format!("{command}: {option} needs {what}")))
        };
        match option {
            "-h" | "--help" => return Err(print_out(&[super::help().as_bytes()])),
            "--env" => bindings.push(binding(command, &value("VAR=NAME")?, None)?),
            "--env-file" => bindings.extend(env_file(command, &value("a file")?)?),
            "--" => {
                cmd.extend(rest.by_ref().cloned());
                break;
            }
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(usage_error(&format!("{command}: unknown option '{a}'")));
            }
            _ => {
                cmd.push(arg.clone());
                cmd.extend(rest.by_ref().cloned());
                break;
            }
        }
    }
    match (takes_command, cmd.is_empty()) {
        (true, true) => Err(usage_error(&format!("{command}: no command given"))),
        (false, false) => Err(usage_error(&format!("{command}: takes no operands"))),
        _ => Ok(Request {
            bindings,
            command: cmd,
        }),
    }
}

/// `VAR=NAME`, with VAR a POSIX variable name (letters, digits, `_`, not starting with a
/// digit) and NAME not empty. `line` places it in an env file, for messages.
fn binding(command: &str, text: &str, line: Option<(&str, usize)>) -> Result<Binding, u8> {
    let at = line.map_or(String::new(), |(file, n)| format!(" ({file}, line {n})"));
    let Some((var, name)) = text.split_once('=') else {
        return Err(usage_error(&format!(
            "{command}: expected VAR=NAME{at}, got {text:?}"
        )));
    };
    let posix = var
        .bytes()
        .enumerate()
        .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
    if var.is_empty() || !posix {
        return Err(usage_error(&format!(
            "{command}: {var:?}{at} is not a variable name (letters, digits and _, not \
             starting with a digit)"
        )));
    }
    if name.is_empty() {
        return Err(usage_error(&format!(
            "{command}: no secret name for {var}{at}"
        )));
    }
    Ok(Binding {
        var: var.to_string(),
        source: name.to_string(),
        template: cli::has_server_placeholder(name),
    })
}

/// The `VAR=NAME` lines of an env file; blank lines and lines starting with `#` are
/// skipped, as is an `export ` before a line.
fn env_file(command: &str, path: &str) -> Result<Vec<Binding>, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        complain(&format!("{command}: cannot read --env-file {path:?}: {e}"));
        ERROR
    })?;
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
            binding(command, line, Some((path, n)))
        })
        .collect()
}

/// Resolves every binding: the names in one batch get, the templates in one render. The
/// variables and their values, each variable once (its last binding). A name not found,
/// a failure, or a value no environment can hold (a NUL byte) is the exit status, with
/// each named on stderr.
fn resolve(command: &str, bindings: &[Binding]) -> Result<Vec<(String, String)>, u8> {
    let mut seen = HashSet::new();
    let last: Vec<&Binding> = bindings
        .iter()
        .rev()
        .filter(|b| seen.insert(b.var.as_str()))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut status = None;
    let mut fail = |what: String, code: u8, why: &str| {
        complain(&format!("{command}: {what}: {why}"));
        // An error outranks a secret not found.
        status = Some(status.map_or(code, |s: u8| s.max(code)));
    };
    let mut values: Vec<Option<Vec<u8>>> = vec![None; last.len()];
    let (names, templates): (Vec<usize>, Vec<usize>) =
        (0..last.len()).partition(|&i| !last[i].template);
    let asked: Vec<&str> = names.iter().map(|&i| last[i].source.as_str()).collect();
    let results = cli::get_many(cli::global(), &asked, Format::Text, |j, value| {
        values[names[j]] = Some(value.to_vec());
    });
    for (&i, result) in names.iter().zip(&results) {
        let what = format!("{:?} (for {})", last[i].source, last[i].var);
        match result {
            Err(e) => fail(what, ERROR, &described(e)),
            Ok(None) => fail(what, NOT_FOUND, "not found"),
            Ok(Some(())) => {}
        }
    }
    if !templates.is_empty() {
        let texts: Vec<&str> = templates.iter().map(|&i| last[i].source.as_str()).collect();
        match cli::render_strings(&texts) {
            Ok(rendered) => {
                for (&i, value) in templates.iter().zip(rendered) {
                    values[i] = Some(value);
                }
            }
            Err(e) => {
                let vars: Vec<&str> = templates.iter().map(|&i| last[i].var.as_str()).collect();
                fail(
                    format!("the placeholders for {}", vars.join(", ")),
                    ERROR,
                    &described(&e),
                );
            }
        }
    }
    let mut out = Vec::with_capacity(last.len());
    for (binding, value) in last.iter().zip(values) {
        // A template's text may hold more than placeholders: only its variable is named.
        let what = || match binding.template {
            true => format!("the template for {}", binding.var),
            false => format!("{:?} (for {})", binding.source, binding.var),
        };
        match value.map(String::from_utf8) {
            None => {} // (its failure is told above)
            Some(Ok(v)) if v.contains('\0') => fail(
                what(),
                ERROR,
                "the value contains a NUL byte, which no environment variable can hold",
            ),
            Some(Ok(v)) => out.push((binding.var.clone(), v)),
            Some(Err(_)) => fail(
                what(),
                ERROR,
                "the value is not valid UTF-8 text (a lone surrogate)",
            ),
        }
    }
    match status {
        Some(code) => Err(code),
        None => Ok(out),
    }
}

/// `run [--env VAR=NAME]... [--env-file FILE] [--] CMD [ARGS...]`.
pub fn run(args: &[String]) -> u8 {
    let request = match parse("run", args, true) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let vars = match resolve("run", &request.bindings) {
        Ok(vars) => vars,
        Err(status) => return status,
    };
    let mut child = Command::new(&request.command[0]);
    child.args(&request.command[1..]).envs(vars);
    launch(&request.command[0], child)
}

/// Runs the command in this process's place: its exit status and signals are the
/// caller's to see, and nothing of this process (nor its memory) is left.
#[cfg(unix)]
fn launch(program: &str, mut child: Command) -> u8 {
    use std::os::unix::process::CommandExt;
    let e = child.exec();
    complain(&format!("run: cannot run {program:?}: {e}"));
    // As POSIX shells and env(1) report a command that cannot run.
    if e.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}

/// Windows has no exec: the command runs as a child, waited for, with its exit code as
/// this process's (a console's Ctrl-C reaches both).
#[cfg(windows)]
fn launch(program: &str, mut child: Command) -> u8 {
    match child.status() {
        Ok(status) => status.code().map_or(ERROR, |c| c as u8),
        Err(e) => {
            complain(&format!("run: cannot run {program:?}: {e}"));
            if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            }
        }
    }
}

/// `env [--env VAR=NAME]... [--env-file FILE]`: `export VAR='value'` lines.
pub fn env(args: &[String]) -> u8 {
    let request = match parse("env", args, false) {
        Ok(r) => r,
        Err(status) => return status,
    };
    if request.bindings.is_empty() {
        return usage_error("env: no --env VAR=NAME or --env-file given");
    }
    let vars = match resolve("env", &request.bindings) {
        Ok(vars) => vars,
        Err(status) => return status,
    };
    let mut text = String::new();
    for (var, value) in &vars {
        text.push_str(&format!("export {var}={}\n", shell_quote(value)));
    }
    print_out(&[text.as_bytes()])
}

/// `value` in single quotes, each `'` written as `'\''`: every POSIX shell reads it back
/// to the same bytes (no expansion happens inside single quotes).
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_quotes_survive_quoting() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$x `y` \\ \n"), "'$x `y` \\ \n'");
    }
}
