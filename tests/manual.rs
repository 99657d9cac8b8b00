//! The manual pages and the completion scripts, made from one source each:
//! `prefect-secrets(1)` and the bash, zsh and fish scripts from the command line's own
//! command table (`prefect-secrets __man`, `prefect-secrets completions SHELL`), and
//! `prefect_secrets(3)` from `include/prefect_secrets.h` (`support::c_manual`).
//!
//! - `committed_docs_are_current`: `docs/man/` and `docs/completions/` hold exactly what
//!   the sources make now (a page's date is kept while the rest is unchanged);
//!   `PREFECT_SECRETS_UPDATE_DOCS=1 cargo test --test manual` rewrites the stale ones,
//!   dated today.
//! - `man_pages_render_cleanly`: both pages go through `groff -man -ww` and `mandoc
//!   -Tlint` without a warning and `man -l` renders them; every command, function and
//!   status code is in them.
//! - `completions_is_a_command`: listed in --help (`__man` is not), exit 2 on a mistake.
//! - `bash_completes`, `zsh_completes`, `fish_completes`: each shell loads its script
//!   and offers, for a line being typed, what it should (the commands, the flavours, a
//!   command's options, file names for file values, a program after `run ... --`); zsh's
//!   through a real interactive zsh on a pseudo-terminal (zpty).
//!
//! A missing tool (groff, mandoc, man, zsh, fish) is a loud `SKIPPED:` line, or a failure
//! with `PREFECT_SECRETS_DOCS_TOOLS_REQUIRED=1` (CI installs them all). The shells and
//! the man tools are Unix programs: on Windows only `committed_docs_are_current` and
//! `completions_is_a_command` run.
#![cfg_attr(not(unix), allow(dead_code, unused_imports))]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::c_manual;
use support::tempdir::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_prefect-secrets");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const HEADER: &str = include_str!("../include/prefect_secrets.h");

/// A generated file of the tree.
#[derive(Clone, Copy)]
enum Doc {
    /// `prefect-secrets(1)`.
    CommandPage,
    /// `prefect_secrets(3)`.
    LibraryPage,
    /// A completion script.
    Completion(&'static str),
}

const DOCS: [(&str, Doc); 5] = [
    ("docs/man/prefect-secrets.1", Doc::CommandPage),
    ("docs/man/prefect_secrets.3", Doc::LibraryPage),
    (
        "docs/completions/prefect-secrets.bash",
        Doc::Completion("bash"),
    ),
    (
        "docs/completions/prefect-secrets.zsh",
        Doc::Completion("zsh"),
    ),
    (
        "docs/completions/prefect-secrets.fish",
        Doc::Completion("fish"),
    ),
];

/// What the CLI prints for `args` (it must succeed).
fn cli(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run prefect-secrets");
    assert!(
        out.status.success(),
        "prefect-secrets {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `doc` as the sources make it now, a page dated `date`.
fn generate(doc: Doc, date: &str) -> String {
    match doc {
        Doc::CommandPage => cli(&["__man", date]),
        Doc::LibraryPage => c_manual::page(HEADER, env!("CARGO_PKG_VERSION"), date),
        Doc::Completion(shell) => cli(&["completions", shell]),
    }
}

/// The date in a page's `.TH` line.
fn page_date(text: &str) -> Option<String> {
    let th = text.lines().find(|l| l.starts_with(".TH "))?;
    th.split_whitespace().nth(3).map(str::to_string)
}

fn today() -> String {
    c_manual::roff::today()
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether `tool` runs here; when it does not, a loud SKIPPED line (or a failure, with
/// PREFECT_SECRETS_DOCS_TOOLS_REQUIRED set).
fn have(tool: &str, what: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            !env_set("PREFECT_SECRETS_DOCS_TOOLS_REQUIRED"),
            "PREFECT_SECRETS_DOCS_TOOLS_REQUIRED is set, but {tool} is not installed: {what}"
        );
        eprintln!("\n!!! SKIPPED: {tool} is not installed here: {what} was NOT checked\n");
    }
    found
}

/// Runs `cmd` to its end, at most 60 s (a shell on a pseudo-terminal may wait forever):
/// its exit status, stdout and stderr.
fn run(mut cmd: Command) -> (bool, String, String) {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{what}: still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn committed_docs_are_current() {
    let update = env_set("PREFECT_SECRETS_UPDATE_DOCS");
    let mut stale = Vec::new();
    for (path, doc) in DOCS {
        let file = Path::new(ROOT).join(path);
        let committed = std::fs::read_to_string(&file).ok();
        // The committed page's date, while nothing else in it changes.
        let date = committed
            .as_deref()
            .and_then(page_date)
            .unwrap_or_else(today);
        if committed.as_deref() == Some(generate(doc, &date).as_str()) {
            continue;
        }
        if update {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, generate(doc, &today())).unwrap();
            eprintln!("rewrote {path}");
        } else {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; regenerate with \
         `PREFECT_SECRETS_UPDATE_DOCS=1 cargo test --test manual` and commit them"
    );
}

/// `text` with every run of white space made one space.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The commands, as --help lists them (`  prefect-secrets NAME ...` lines).
fn commands() -> Vec<(String, String)> {
    cli(&["--help"])
        .lines()
        .filter_map(|l| l.strip_prefix("  prefect-secrets "))
        .filter(|usage| !usage.starts_with('-'))
        .map(|usage| {
            let name = usage.split_whitespace().next().unwrap().to_string();
            (name, usage.to_string())
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn man_pages_render_cleanly() {
    let dir = TempDir::new("manual-render");
    let date = today();
    let pages = [
        ("prefect-secrets.1", generate(Doc::CommandPage, &date)),
        ("prefect_secrets.3", generate(Doc::LibraryPage, &date)),
    ];
    for (name, text) in &pages {
        let file = dir.write(name, text);
        if have("groff", "the manual pages' roff (groff -ww)") {
            let mut groff = Command::new("groff");
            groff.args(["-man", "-Tutf8", "-ww", "-z"]).arg(&file);
            let (ok, _, stderr) = run(groff);
            assert!(ok && stderr.is_empty(), "groff -man -ww {name}:\n{stderr}");
            // The text as a reader sees it, on lines long enough not to wrap.
            let mut groff = Command::new("groff");
            groff
                .args(["-man", "-Tutf8", "-P-cbou", "-rLL=400n"])
                .arg(&file);
            let (ok, text, stderr) = run(groff);
            assert!(ok, "{stderr}");
            let text = squeezed(&text);
            if name.ends_with(".1") {
                for (command, usage) in commands() {
                    let line = squeezed(&format!("prefect-secrets [--flavor NAME] {usage}"));
                    assert!(text.contains(&line), "{name}: no {command}: {line}");
                }
                for want in [
                    "EXIT STATUS",
                    "ENVIRONMENT",
                    "PREFECT_SECRETS_FLAVOR",
                    "FILES",
                ] {
                    assert!(text.contains(want), "{name}: no {want}");
                }
            } else {
                for f in support::header::declared_functions(HEADER) {
                    assert!(text.contains(&format!("{f}()")), "{name}: no {f}()");
                }
                // Every prototype, as the header declares it.
                let prototypes: Vec<String> = HEADER
                    .split(';')
                    .filter_map(|d| {
                        let line = d.lines().rev().find(|l| {
                            l.starts_with(|c: char| c.is_ascii_alphabetic())
                                && l.contains("secret_")
                                && l.contains('(')
                        })?;
                        let start = d.find(line)?;
                        Some(format!("{};", squeezed(&d[start..])))
                    })
                    .collect();
                assert_eq!(
                    prototypes.len(),
                    support::header::declared_functions(HEADER).len()
                );
                for prototype in prototypes {
                    assert!(text.contains(&prototype), "{name}: no {prototype}");
                }
                for (status, n) in support::header::enumerators(HEADER) {
                    assert!(
                        text.contains(&format!("{status} ({n})")),
                        "{name}: no {status}"
                    );
                }
            }
        }
        if have("mandoc", "the manual pages' lint (mandoc -Tlint)") {
            let mut mandoc = Command::new("mandoc");
            mandoc.args(["-Tlint", "-W", "style"]).arg(&file);
            let (ok, out, err) = run(mandoc);
            assert!(
                ok && out.is_empty() && err.is_empty(),
                "mandoc -Tlint {name}:\n{out}{err}"
            );
        }
        if have("man", "the manual pages through man -l") {
            let mut man = Command::new("man");
            man.args(["--warnings", "-l"])
                .arg(&file)
                .env("MANWIDTH", "80")
                .env("MANPAGER", "cat");
            let (ok, out, err) = run(man);
            assert!(
                ok && out.contains("NAME") && out.contains("SEE ALSO"),
                "man -l {name}:\n{err}"
            );
            assert!(!err.contains("warning"), "man -l {name}:\n{err}");
        }
    }
}

/// Lines being typed, and what completing each must offer and must not offer: the same
/// for every shell. (`manual-test.json` is a file of the directory the shell runs in.)
fn cases() -> Vec<(&'static str, Vec<String>, Vec<&'static str>)> {
    let names: Vec<String> = commands().into_iter().map(|(name, _)| name).collect();
    let s = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let flavors = prefect_secrets::cli::flavor_names();
    vec![
        ("prefect-secrets g", s(&["get"]), vec!["run", "env"]),
        ("prefect-secrets ", names, vec!["manual-test.json"]),
        ("prefect-secrets --flavor ", s(&flavors), vec!["get"]),
        ("prefect-secrets --flavor prefect-3 ge", s(&["get"]), vec![]),
        (
            "prefect-secrets get --",
            s(&["--json", "--field"]),
            vec!["--env"],
        ),
        (
            "prefect-secrets get ",
            vec![],
            vec!["manual-test.json", "get"],
        ),
        ("prefect-secrets config -", s(&["--show-sources"]), vec![]),
        (
            "prefect-secrets completions ",
            s(&["bash", "zsh", "fish"]),
            vec![],
        ),
        (
            "prefect-secrets inject -i manual-t",
            s(&["manual-test.json"]),
            vec![],
        ),
        (
            "prefect-secrets env --env-file manual-t",
            s(&["manual-test.json"]),
            vec![],
        ),
        (
            "prefect-secrets run --e",
            s(&["--env", "--env-file"]),
            vec![],
        ),
        (
            "prefect-secrets run --env A=b -- ech",
            s(&["echo"]),
            vec!["--env"],
        ),
        (
            "prefect-secrets run --env A=b -- echo manual-t",
            s(&["manual-test.json"]),
            vec![],
        ),
    ]
}

/// Checks each case against `complete`, which gives what a shell offers for a line.
fn check_cases(shell: &str, complete: impl Fn(&str) -> Vec<String>) {
    for (line, want, unwanted) in cases() {
        let got = complete(line);
        for w in &want {
            assert!(
                got.contains(w),
                "{shell}: {line:?} offers {got:?}, not {w:?}"
            );
        }
        for u in unwanted {
            assert!(
                !got.iter().any(|g| g == u),
                "{shell}: {line:?} offers {u:?}: {got:?}"
            );
        }
    }
}

/// A directory with the script for `shell` (as `name`) and the file `manual-test.json`.
fn setup(shell: &'static str, name: &str) -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new(&format!("manual-{shell}"));
    dir.write("manual-test.json", "{}");
    let script = dir.write(name, &generate(Doc::Completion(shell), ""));
    (dir, script)
}

#[cfg(unix)]
#[test]
fn bash_completes() {
    let (dir, script) = setup("bash", "prefect-secrets.bash");
    let source = format!("source '{}'", script.display());
    let mut bash = Command::new("bash");
    bash.arg("-c")
        .arg(format!("{source} && complete -p prefect-secrets"));
    let (ok, out, err) = run(bash);
    assert!(ok && err.is_empty(), "bash: {err}");
    assert_eq!(out.trim(), "complete -F _prefect_secrets prefect-secrets");
    let complete = |line: &str| {
        // The words as bash gives them (a line ending in a space ends in an empty word).
        let words: Vec<String> = line.split(' ').map(|w| format!("'{w}'")).collect();
        let mut bash = Command::new("bash");
        bash.current_dir(dir.path()).arg("-c").arg(format!(
            "{source}\nCOMP_WORDS=({})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n\
             _prefect_secrets\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words.join(" ")
        ));
        let (ok, out, err) = run(bash);
        assert!(ok, "bash: {line:?}: {err}");
        out.lines().map(str::to_string).collect()
    };
    check_cases("bash", complete);
    // `--flavor=` is three words to bash.
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(format!(
        "{source}\nCOMP_WORDS=(prefect-secrets --flavor =)\nCOMP_CWORD=2\n_prefect_secrets\n\
         echo \"${{COMPREPLY[*]}}\""
    ));
    assert_eq!(
        run(bash).1.trim(),
        prefect_secrets::cli::flavor_names().join(" ")
    );
}

/// Drives an interactive zsh on a pseudo-terminal (zsh/zpty): loads compinit and the
/// script, types the line and a tab, and prints each candidate completion offers (a
/// `compadd` in front of zsh's own prints them).
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "COMPLETION_FILE=${(q)1} source ${(q)2}; print '<READ''Y>'"
zpty -r z out '*<READY>*<PROMPT>' || exit 4
zpty -n -w z "$3"$'\t'
zpty -n -w z $'\C-u'"print '<DO''NE>'"$'\n'
zpty -r z out '*<DONE>*' || exit 5
for l in ${(f)out}; do
  [[ $l == '<HIT>'* ]] && print -r -- ${${l#<HIT>}%%[$' \r\a\e']*}
done
zpty -d z
"#;

/// What the interactive zsh runs first (the prompt marks that it waits for input: what
/// is typed before then may be thrown away).
const ZSH_RC: &str = r#"
PROMPT='<PR''OMPT>' RPROMPT=''
unsetopt beep list_beep
autoload -Uz compinit && compinit -u -D
source $COMPLETION_FILE
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a hits
  builtin compadd -A hits "$@"
  (( $#hits )) || return 1
  print -rn -- $'\n'"<HIT>"${^hits}
}
zstyle ':completion:*' list-prompt ''
zstyle ':completion:*' select-prompt ''
bindkey '^I' complete-word
"#;

#[cfg(unix)]
#[test]
fn zsh_completes() {
    if !have("zsh", "the zsh completion") {
        return;
    }
    let (dir, script) = setup("zsh", "prefect-secrets.zsh");
    let mut zsh = Command::new("zsh");
    zsh.arg("-n").arg(&script);
    let (ok, _, err) = run(zsh);
    assert!(ok, "zsh -n: {err}");
    // Sourced after compinit, and autoloaded from $fpath as _prefect-secrets.
    std::fs::create_dir_all(dir.path().join("fpath")).unwrap();
    std::fs::copy(&script, dir.path().join("fpath/_prefect-secrets")).unwrap();
    for load in [format!("source '{}'", script.display()), String::new()] {
        let mut zsh = Command::new("zsh");
        zsh.current_dir(dir.path()).args(["-f", "-c"]).arg(format!(
            "fpath=(./fpath $fpath); autoload -Uz compinit; compinit -u -D; {load}\n\
             print -r -- $_comps[prefect-secrets]"
        ));
        let (ok, out, err) = run(zsh);
        assert!(ok && err.is_empty(), "zsh ({load:?}): {err}");
        assert_eq!(out.trim(), "_prefect-secrets", "zsh ({load:?})");
    }
    let driver = dir.write("driver.zsh", ZSH_DRIVER);
    let rc = dir.write("rc.zsh", ZSH_RC);
    check_cases("zsh", |line| {
        let mut zsh = Command::new("zsh");
        zsh.current_dir(dir.path())
            .arg("-f")
            .arg(&driver)
            .arg(&script)
            .arg(&rc)
            .arg(line);
        let (ok, out, err) = run(zsh);
        assert!(ok, "zsh: {line:?}: {err}");
        out.lines().map(str::to_string).collect()
    });
}

#[cfg(unix)]
#[test]
fn fish_completes() {
    if !have("fish", "the fish completion") {
        return;
    }
    let (dir, script) = setup("fish", "prefect-secrets.fish");
    let mut fish = Command::new("fish");
    fish.arg("-n").arg(&script);
    let (ok, _, err) = run(fish);
    assert!(ok, "fish -n: {err}");
    check_cases("fish", |line| {
        let mut fish = Command::new("fish");
        fish.current_dir(dir.path())
            .args(["--no-config", "-c"])
            .arg(format!(
                "source '{}'; complete -C'{line}'",
                script.display()
            ));
        let (ok, out, err) = run(fish);
        assert!(ok && err.is_empty(), "fish: {line:?}: {err}");
        // Each candidate is its word, a tab and its description.
        out.lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    });
}

/// `completions` is a command like the others: listed in --help, exit 2 on a mistake.
#[test]
fn completions_is_a_command() {
    assert!(cli(&["--help"]).contains("prefect-secrets completions bash|zsh|fish"));
    for args in [
        &["completions"][..],
        &["completions", "tcsh"],
        &["completions", "bash", "zsh"],
        &["completions", "--bogus", "bash"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage: "),
            "{args:?}"
        );
    }
    // The hidden page writer is not listed.
    assert!(!cli(&["--help"]).contains("__man"));
}
