//! The Prefect 3 flavour (`cloud.server_flavor = "prefect-3"`) against a REAL Prefect 3
//! server, started from a Python venv with a pinned Prefect (`scripts/prefect3-venv`).
//!
//! Secrets are created with Prefect's own `Secret(value=...).save(name)`, and every value
//! the library returns is compared byte for byte with what Prefect's own
//! `Secret.load(name).get()` returns, rendered as the library renders (`json.dumps(v,
//! separators=(",", ":"))`; a string as itself for `secret_get`). The helpers live in
//! `tests/prefect3/`.
//!
//! The venv: `PREFECT3_VENV` when set (used as it is), else `scripts/prefect3-venv` builds
//! or reuses `target/prefect3-venv` (a minute or two the first time). Without Python or a
//! package index, each test prints a loud `SKIPPED:` line and returns; set
//! `PREFECT3_REQUIRED=1` to make that a failure instead (CI). `PREFECT3_PYTHON=/nonexistent`
//! simulates "no Python" (it is passed on to the script).
//!
//! Run: `cargo test --test prefect3_server -- --nocapture`
#![cfg(unix)]

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::{Error, ErrorKind};
use prefect_secrets::testing::report::secret_names;
use prefect_secrets::testing::resolve::{self, Format, TemplateFormat};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;
use serde_json::Value as Json;

/// How long the helper waits for `GET /api/health` (a fresh server migrates its SQLite
/// database first: 10-20 s here).
const START_TIMEOUT_SECS: u64 = 90;
/// How long Prefect's own client may take to save and load the secrets (about 5-10 s).
const CLIENT_TIMEOUT_SECS: u64 = 180;
const AUTH_STRING: &str = "admin:pass";

// ---------------------------------------------------------------------------------------
// Output that libtest does not capture: a skip must be seen even without --nocapture.

fn loud(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn skip(test: &str, why: &str) {
    if std::env::var_os("PREFECT3_REQUIRED").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{test}: PREFECT3_REQUIRED is set, but: {why}");
    }
    let bar = "!".repeat(78);
    loud(&format!(
        "\n{bar}\n!!! SKIPPED: {test}: no Prefect 3 to test against.\n!!! {}\n\
         !!! (set PREFECT3_REQUIRED=1 to fail instead of skipping)\n{bar}\n",
        why.replace('\n', "\n!!! ")
    ));
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// The venv.

/// `Ok(venv dir)` or `Err(why the tests skip)`, found once for all tests.
fn venv() -> Result<&'static Path, &'static str> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    VENV.get_or_init(find_venv)
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(String::as_str)
}

fn find_venv() -> Result<PathBuf, String> {
    let started = Instant::now();
    let dir = match std::env::var_os("PREFECT3_VENV").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let script = root().join("scripts/prefect3-venv");
            loud(&format!(
                "prefect3_server: running {} (a minute or two the first time)",
                script.display()
            ));
            let out = Command::new("bash")
                .arg(&script)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run bash {}: {e}", script.display()))?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() {
                let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("ERROR")).collect();
                let why = if errors.is_empty() {
                    tail(&stderr, 10)
                } else {
                    errors.join("\n")
                };
                return Err(format!(
                    "scripts/prefect3-venv failed ({}):\n{why}",
                    out.status
                ));
            }
            for line in stderr.lines().filter(|l| l.starts_with("prefect3-venv:")) {
                loud(line);
            }
            let stdout = String::from_utf8_lossy(&out.stdout);
            let last = stdout.lines().last().unwrap_or("").trim();
            if last.is_empty() {
                return Err("scripts/prefect3-venv printed no venv path".into());
            }
            PathBuf::from(last)
        }
    };
    let python = dir.join("bin/python");
    if !python.exists() {
        return Err(format!(
            "{} is not a venv ({} does not exist); with PREFECT3_VENV set, build it first \
             (PREFECT3_VENV={} scripts/prefect3-venv) or unset PREFECT3_VENV",
            dir.display(),
            python.display(),
            dir.display()
        ));
    }
    // The installed distribution's version, without importing prefect (slow, and it
    // creates its PREFECT_HOME).
    let out = Command::new(&python)
        .args([
            "-c",
            "from importlib.metadata import version; print(version('prefect'))",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !version.starts_with("3.") {
        return Err(format!(
            "{} has no Prefect 3 (version {version:?}): {}",
            python.display(),
            tail(&String::from_utf8_lossy(&out.stderr), 5)
        ));
    }
    loud(&format!(
        "prefect3_server: Prefect {version} in {} (found in {:.1} s)",
        dir.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(dir)
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A Python command from the venv, with no inherited `PREFECT_*` setting (a developer's
/// own PREFECT_API_URL or PREFECT_API_KEY must not leak into the servers or the client).
fn python(venv: &Path, script: &str) -> Command {
    let mut cmd = Command::new(venv.join("bin/python"));
    cmd.arg(root().join("tests/prefect3").join(script));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PREFECT") {
            cmd.env_remove(k);
        }
    }
    cmd
}

// ---------------------------------------------------------------------------------------
// A server, stopped by process group on drop (also when the test panics).

struct Server {
    child: Child,
    /// Closing it tells the helper to stop the server (it also notices if we die).
    stdin: Option<ChildStdin>,
    dir: PathBuf,
    api_url: String,
}

impl Server {
    /// A server; `csrf` turns on its CSRF protection (off by default in Prefect 3), so
    /// every POST needs a token from `/csrf-token`.
    fn start(venv: &Path, tag: &str, auth_string: Option<&str>, csrf: bool) -> Server {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "prefect-secrets-p3-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the server's temp dir");
        let helper_log = File::create(dir.join("helper.log")).expect("create helper.log");
        let mut cmd = python(venv, "server.py");
        cmd.arg("--home")
            .arg(&dir)
            .args(["--timeout", &START_TIMEOUT_SECS.to_string()])
            // The helper removes the dir once the server stopped, even if we were killed.
            .arg("--remove-home")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(helper_log)
            // Its own process group: the helper and the server it starts are killed together.
            .process_group(0);
        if let Some(auth) = auth_string {
            cmd.env("PREFECT_SERVER_API_AUTH_STRING", auth);
        }
        cmd.env(
            "PREFECT_SERVER_CSRF_PROTECTION_ENABLED",
            if csrf { "true" } else { "false" },
        );
        let started = Instant::now();
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                panic!("cannot start tests/prefect3/server.py: {e}");
            }
        };
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        let mut server = Server {
            child,
            stdin,
            dir,
            api_url: String::new(),
        };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {} // drain until the helper exits
        });
        let line = match rx.recv_timeout(Duration::from_secs(START_TIMEOUT_SECS + 15)) {
            Ok(Some(Ok(line))) => line,
            Ok(_) => panic!("{tag}: the server helper exited without a word (see the logs below)"),
            Err(_) => panic!("{tag}: no answer from the server helper in time"),
        };
        let ready: Json = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{tag}: the helper said {line:?}: {e}"));
        if ready["ready"] != Json::Bool(true) {
            panic!(
                "{tag}: the Prefect server did not start: {}",
                ready["error"]
            );
        }
        server.api_url = ready["api_url"].as_str().unwrap().to_string();
        loud(&format!(
            "prefect3_server: {tag}: Prefect server pid {} healthy at {} after {:.1} s{}",
            ready["pid"],
            server.api_url,
            started.elapsed().as_secs_f64(),
            if auth_string.is_some() {
                " (PREFECT_SERVER_API_AUTH_STRING set)"
            } else {
                ""
            }
        ));
        server
    }

    fn log_tails(&self) {
        for name in ["helper.log", "server.log"] {
            let text = fs::read_to_string(self.dir.join(name)).unwrap_or_default();
            loud(&format!(
                "----- {} (last 40 lines) -----\n{}",
                self.dir.join(name).display(),
                tail(&text, 40)
            ));
        }
    }

    /// Runs tests/prefect3/make_secrets.py with `request` (JSON text) against this server,
    /// as a client with `auth_string`: its reply.
    fn make_secrets(&self, auth_string: Option<&str>, request: &str) -> Json {
        let mut cmd = python(venv().unwrap(), "make_secrets.py");
        cmd.env("PREFECT_API_URL", &self.api_url)
            .env("PREFECT_HOME", self.dir.join("client"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(auth) = auth_string {
            cmd.env("PREFECT_API_AUTH_STRING", auth);
        }
        let mut child = cmd.spawn().expect("run tests/prefect3/make_secrets.py");
        // A write error (it died early) shows in its status and stderr below.
        let _ = child.stdin.take().unwrap().write_all(request.as_bytes());
        let pid = child.id() as libc::pid_t;
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let out = match rx.recv_timeout(Duration::from_secs(CLIENT_TIMEOUT_SECS)) {
            Ok(out) => out.expect("wait for make_secrets.py"),
            Err(_) => {
                // SAFETY: our own child, not reaped yet (so the pid is still its).
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                panic!("make_secrets.py did not finish in {CLIENT_TIMEOUT_SECS} s");
            }
        };
        assert!(
            out.status.success(),
            "make_secrets.py failed ({}):\n{}",
            out.status,
            tail(&String::from_utf8_lossy(&out.stderr), 20)
        );
        serde_json::from_slice(&out.stdout).expect("make_secrets.py's reply")
    }

    /// Creates `secrets` (name, value as JSON text) with Prefect's API and loads `load`
    /// back with `Secret.load(name).get()`, and `load_many` (names by the hundred) with
    /// its async form: what Prefect says, per name.
    fn prefect(
        &self,
        auth_string: Option<&str>,
        secrets: &[(String, String)],
        load: &[&str],
        load_many: &[&str],
    ) -> Vec<(String, Expected)> {
        // Built as text: values such as 2**70 must reach Python unrounded.
        let save: Vec<String> = secrets
            .iter()
            .map(|(name, value)| {
                format!(
                    r#"{{"name": {}, "value": {value}}}"#,
                    Json::from(name.as_str())
                )
            })
            .collect();
        let request = format!(
            r#"{{"save": [{}], "load": {}, "load_many": {}}}"#,
            save.join(", "),
            Json::from(load.to_vec()),
            Json::from(load_many.to_vec())
        );
        let started = Instant::now();
        let reply = self.make_secrets(auth_string, &request);
        loud(&format!(
            "prefect3_server: Prefect {} saved {} and loaded {} secrets in {:.1} s",
            reply["prefect_version"].as_str().unwrap_or("?"),
            secrets.len(),
            load.len() + load_many.len(),
            started.elapsed().as_secs_f64()
        ));
        load.iter()
            .chain(load_many)
            .map(|name| {
                let r = &reply["loaded"][*name];
                let e = if let Some(err) = r["error"].as_str() {
                    Expected::Error(err.to_string())
                } else if r["found"] == Json::Bool(false) {
                    Expected::NotFound
                } else {
                    let json = r["json"].as_str().expect("json").to_string();
                    if json == "null" {
                        Expected::None
                    } else {
                        let text = r["text"].as_str().map_or(json.clone(), str::to_string);
                        Expected::Value { json, text }
                    }
                };
                (name.to_string(), e)
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if thread::panicking() {
            self.log_tails();
        }
        let pid = self.child.id() as libc::pid_t;
        // EOF on its stdin: the helper stops the server (SIGTERM, SIGKILL after 15 s).
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        while !exited_unreaped(pid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (the helper is not reaped yet, so its pid, the
        // group's id, cannot have been reused).
        // SAFETY: a plain system call on that group.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Whether the child has exited, without reaping it.
fn exited_unreaped(pid: libc::pid_t) -> bool {
    // SAFETY: siginfo_t is plain data; all zeroes is a valid value.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a valid out-pointer; WNOWAIT leaves the child unreaped.
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: waitid filled `info` (or left it zeroed) for a SIGCHLD-style event.
    r != 0 || unsafe { info.si_pid() } != 0
}

// ---------------------------------------------------------------------------------------
// What Prefect says, and the library.

#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// `json.dumps(get(), separators=(",", ":"))`, and what `secret_get` writes.
    Value { json: String, text: String },
    /// `get()` returned None.
    None,
    /// `Secret.load` found no block.
    NotFound,
    /// `Secret.load` raised something else.
    Error(String),
}

/// A store speaking the Prefect 3 flavour to `api_url`; every get asks the server (no
/// reuse window), with extra variables (later ones win).
fn store(server: &Server, extra: &[(&str, &str)]) -> Store {
    let home = server.dir.join("lib-home");
    fs::create_dir_all(&home).unwrap();
    let home = home.to_str().unwrap().to_string();
    let mut pairs: Vec<(&str, &str)> = vec![
        ("HOME", &home),
        ("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false"),
        ("PREFECT__CLOUD__SERVER_FLAVOR", "prefect-3"),
        ("PREFECT_API_URL", &server.api_url),
        ("PREFECT__CLOUD__REUSE_WINDOW", "0"),
    ];
    for (k, v) in extra {
        pairs.retain(|(name, _)| name != k);
        pairs.push((k, v));
    }
    Store::with_env(Environment::from_pairs(pairs), sys::accounts())
}

fn get(store: &Store, name: &str, format: Format) -> Result<Option<Vec<u8>>, Error> {
    resolve::get(store, name, format, <[u8]>::to_vec)
}

/// Never a value in a message: its length and a fingerprint instead.
fn describe(b: &[u8]) -> String {
    let hash = b.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &c| {
        (h ^ u64::from(c)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{} bytes, fnv1a {hash:016x}", b.len())
}

fn same(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let at = got.iter().zip(want).take_while(|(a, b)| a == b).count();
    Err(format!(
        "{what}: got {}, Prefect says {} (first difference at byte {at})",
        describe(got),
        describe(want)
    ))
}

/// The library's answer for `name`, checked against Prefect's.
fn check(store: &Store, name: &str, want: &Expected) -> Result<(), String> {
    let json = get(store, name, Format::Json);
    let text = get(store, name, Format::Text);
    let kind = |r: &Result<Option<Vec<u8>>, Error>| match r {
        Ok(Some(v)) => format!("a value ({})", describe(v)),
        Ok(None) => "None".into(),
        Err(e) => format!("{:?} error: {}", e.kind, e.message),
    };
    match want {
        Expected::Value { json: wj, text: wt } => match (&json, &text) {
            (Ok(Some(j)), Ok(Some(t))) => {
                same("secret_get_json", j, wj.as_bytes())?;
                same("secret_get", t, wt.as_bytes())
            }
            _ => Err(format!(
                "Prefect returns a value; the library: {} / {}",
                kind(&json),
                kind(&text)
            )),
        },
        Expected::None | Expected::NotFound => match (&json, &text) {
            (Ok(None), Ok(None)) => Ok(()),
            _ => Err(format!(
                "Prefect says {want:?}; the library: {} / {}",
                kind(&json),
                kind(&text)
            )),
        },
        Expected::Error(e) => Err(format!("Prefect's own client failed: {e}")),
    }
}

/// A batch get of every name (`secret_get_many`), in both renderings: each entry must be
/// what Prefect's `Secret.load(name).get()` gave, as for single gets.
fn check_batch(store: &Store, expected: &[(String, Expected)]) {
    let names: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    let mut failures = Vec::new();
    for format in [Format::Json, Format::Text] {
        let got = resolve::get_many(store, &names, format, |_, b| b.to_vec());
        assert_eq!(got.len(), names.len());
        for ((name, want), got) in expected.iter().zip(got) {
            let agrees = match (want, &got) {
                (Expected::Value { json, .. }, Ok(Some(v))) if format == Format::Json => {
                    same("batch json", v, json.as_bytes())
                }
                (Expected::Value { text, .. }, Ok(Some(v))) => {
                    same("batch text", v, text.as_bytes())
                }
                (Expected::None | Expected::NotFound, Ok(None)) => Ok(()),
                (want, got) => Err(format!(
                    "Prefect says {want:?}; the batch: {}",
                    match got {
                        Ok(Some(v)) => format!("a value ({})", describe(v)),
                        Ok(None) => "None".into(),
                        Err(e) => format!("{:?} error: {}", e.kind, e.message),
                    }
                )),
            };
            if let Err(e) = agrees {
                failures.push(format!("{name:?} ({format:?}): {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "the batch disagrees with Prefect 3:\n  {}",
        failures.join("\n  ")
    );
    loud(&format!(
        "prefect3_server:   a batch of {} names: each the same as Prefect",
        names.len()
    ));
}

/// Job-variable templates rendered by Prefect's own `resolve_variables(
/// resolve_block_document_references(...))` and by the library (`secret_render_template`,
/// `prefect-secrets inject`): the same JSON, or an error where Prefect fails. Uses the
/// secrets of `secrets()`, plus Variables of every type and a block that is not a system
/// block.
fn check_templates(server: &Server, store: &Store) {
    let templates = [
        r#"{"env": {"PASSWORD": "{{ prefect.blocks.secret.plain-text }}"}}"#,
        r#"{"url": "postgres://u:{{ prefect.blocks.secret.plain-text }}@db/x"}"#,
        r#"{"raw": "{{ prefect.blocks.secret.json-text }}"}"#,
        r#"{"obj": "{{ prefect.blocks.secret.json-object }}"}"#,
        r#"{"x": "{{ prefect.blocks.secret.json-object.a[1] }}", "y": "{{ prefect.blocks.secret.json-object.value.a }}"}"#,
        r#"{"x": "n={{ prefect.blocks.secret.json-object.a[0] }}, {{ prefect.blocks.secret.int-value }}"}"#,
        r#"{"x": "text {{ prefect.blocks.secret.json-object }}"}"#,
        r#"{"x": "{{ prefect.blocks.secret.no-such-block }}"}"#,
        r#"{"x": "{{ prefect.blocks.secret.json-object.nope }}"}"#,
        r#"{"v": "{{ prefect.variables.v_str }}", "n": "{{ prefect.variables.v_int }}", "f": "{{ prefect.variables.v_float }}", "b": "{{ prefect.variables.v_bool }}", "d": "{{ prefect.variables.v_dict }}", "l": "{{ prefect.variables.v_list }}"}"#,
        r#"{"e": "pre {{ prefect.variables.v_int }} {{ prefect.variables.v_dict }} {{ prefect.variables.v_float }} {{ prefect.variables.v_bool }} {{ prefect.variables.v_list }} post"}"#,
        r#"{"m": "{{ prefect.variables.missing_var }}", "m2": "a{{ prefect.variables.missing_var }}b"}"#,
        r#"{"o": "{{ other }}", "h": "{{ $HOME }}", "k": ["{{ prefect.blocks.secret.plain-text }}", 5, null, true, 2.5]}"#,
        r#"{"s": "{{ prefect.blocks.fixture-settings.app-settings.values.host }}", "p": "{{ prefect.blocks.fixture-settings.app-settings.values.ports[1] }}", "all": "{{ prefect.blocks.fixture-settings.app-settings }}"}"#,
        r#"{"tight": "{{prefect.variables.v_str}}", "loose": "{{   prefect.variables.v_str   }}", "twice": "{{ prefect.variables.v_str }}{{ prefect.variables.v_str }}"}"#,
        r#"["{{ prefect.blocks.secret.nested-object.l[1] }}", {"deep": [{"x": "{{ prefect.blocks.secret.nested-object.ü }}"}]}]"#,
    ];
    let request = format!(
        r#"{{"variables": [{{"name": "v_str", "value": "héllo {{{{ x }}}}"}}, {{"name": "v_int", "value": 42}},
            {{"name": "v_float", "value": 0.1}}, {{"name": "v_bool", "value": true}},
            {{"name": "v_dict", "value": {{"k": "v", "n": [1, null]}}}}, {{"name": "v_list", "value": ["a", 1.5]}}],
            "settings_blocks": [{{"name": "app-settings", "values": {{"host": "db.internal", "ports": [5432, 6432]}}}}],
            "render": [{}]}}"#,
        templates.join(", ")
    );
    let reply = server.make_secrets(None, &request);
    let mut failures = Vec::new();
    for (template, prefect) in templates.iter().zip(reply["rendered"].as_array().unwrap()) {
        let ours = resolve::render_template(store, template.as_bytes(), TemplateFormat::Json);
        let agrees = match (prefect["ok"].as_str(), &ours) {
            (Some(want), Ok(got)) => same("rendered", got, want.as_bytes()),
            (None, Err(_)) => Ok(()),
            (Some(_), Err(e)) => Err(format!("Prefect renders it; the library: {}", e.message)),
            (None, Ok(got)) => Err(format!(
                "Prefect fails ({}); the library renders {}",
                prefect["error"],
                describe(got)
            )),
        };
        match agrees {
            Ok(()) => loud(&format!(
                "prefect3_server:   template {}: {}",
                template.chars().take(60).collect::<String>(),
                match &ours {
                    Ok(got) => format!("same as Prefect ({})", describe(got)),
                    Err(e) => format!("fails as Prefect does ({})", e.message),
                }
            )),
            Err(e) => failures.push(format!("{template}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "templates rendered differently from Prefect 3:\n  {}",
        failures.join("\n  ")
    );
}

fn check_all(store: &Store, expected: &[(String, Expected)]) {
    let mut failures = Vec::new();
    for (name, want) in expected {
        match check(store, name, want) {
            Ok(()) => loud(&format!(
                "prefect3_server:   {name:?}: {} - same as Prefect",
                match want {
                    Expected::Value { json, .. } => format!("value, {}", describe(json.as_bytes())),
                    other => format!("{other:?}"),
                }
            )),
            Err(e) => failures.push(format!("{name:?}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "the library disagrees with Prefect 3:\n  {}",
        failures.join("\n  ")
    );
}

fn expect_auth_error(store: &Store, name: &str, what: &str, secrets: &[&str]) {
    match get(store, name, Format::Text) {
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Auth, "{what}: {e:?}");
            assert!(e.message.contains("401"), "{what}: {}", e.message);
            for s in secrets {
                assert!(!e.message.contains(s), "{what}: a secret in the message");
            }
            loud(&format!(
                "prefect3_server:   {what}: Auth error ({})",
                e.message
            ));
        }
        Ok(v) => panic!(
            "{what}: expected an Auth error, got {}",
            v.map_or("None".into(), |v| describe(&v))
        ),
    }
}

// ---------------------------------------------------------------------------------------

/// Secrets for the server without credentials: name (lowercase letters, digits and dashes
/// only: Prefect 3 refuses any other block name) and value, as JSON text.
fn secrets() -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = [
        ("plain-text", r#""s3cr3t with spaces, \"quotes\", \\ , ünïcödé ✓ and 🦀""#),
        ("json-text", r#""{\"user\": \"svc\", \"n\": 1}""#),
        ("json-object", r#"{"a": [1, 2.5]}"#),
        (
            "nested-object",
            r#"{"ü": "✓", "ok": true, "none": null, "f": 1e16, "g": 0.1, "big": 1180591620717411303424, "l": [1, "two", null, false, -0.0]}"#,
        ),
        ("json-scalar-text", r#""42""#),
        ("null-text", r#""null""#),
        ("nan-text", r#""NaN""#),
        ("not-json-text", r#""{not json""#),
        ("empty-text", r#""""#),
        ("int-value", "7"),
        ("bool-value", "true"),
        ("list-value", r#"[1, "two", null, true]"#),
        ("0-db-pass--v2-", r#""digits and dashes in the name""#),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    // A large value: 300 kB, well under the default 4 MiB reply limit.
    s.push(("big-text".into(), format!("\"{}\"", "x".repeat(300_000))));
    s
}

/// More Secret blocks, enough that a batch of every name (with `secrets()` and the
/// missing names) is more than the 200 names one filter request asks for: the second page
/// comes from the real server too.
fn page_secrets() -> Vec<(String, String)> {
    (0..190)
        .map(|i| (format!("page-{i:03}"), format!(r#""value {i}""#)))
        .collect()
}

/// Names no block has; Prefect reports them as not found.
const MISSING: &[&str] = &[
    "no-such-secret",
    "db-pass.v2", // not a valid block name (the dot), but a valid lookup
    "PLAIN-TEXT", // names are case-sensitive
    "plain-text ",
    "a b",
    "é",
];

/// Names that need percent-encoding and contain an existing name: Prefect 3's client puts
/// the name in the URL unencoded (so `?x`, `#x`, `/` cut it short and it loads
/// `plain-text`). The library encodes them; it must never return another secret's value.
const UNENCODED_BY_PREFECT: &[&str] = &[
    "plain-text?x=1",
    "plain-text#x",
    "plain-text/",
    "a/../plain-text",
];

#[test]
fn prefect3_server_secret_blocks() {
    let venv = match venv() {
        Ok(v) => v,
        Err(why) => return skip("prefect3_server_secret_blocks", why),
    };
    let started = Instant::now();
    let server = Server::start(venv, "noauth", None, false);
    let mut secrets = secrets();
    let mut load: Vec<&str> = secrets.iter().map(|(n, _)| n.as_str()).collect();
    load.extend(MISSING);
    load.extend(UNENCODED_BY_PREFECT);
    let pages = page_secrets();
    let load_many: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    let expected = server.prefect(
        None,
        &[&secrets[..], &pages[..]].concat(),
        &load,
        &load_many,
    );
    secrets.extend(pages.iter().cloned());

    // Prefect's own answers are what we expect: sanity-check a few of them first.
    let by_name = |n: &str| {
        expected
            .iter()
            .find(|(name, _)| name == n)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(
        by_name("json-text"),
        Expected::Value {
            json: r#"{"user":"svc","n":1}"#.into(),
            text: r#"{"user":"svc","n":1}"#.into()
        }
    );
    assert_eq!(by_name("null-text"), Expected::None);
    for name in MISSING {
        assert_eq!(by_name(name), Expected::NotFound, "{name:?}");
    }

    let store = store(&server, &[]);
    let (agreed, unencoded): (Vec<_>, Vec<_>) = expected
        .into_iter()
        .partition(|(name, _)| !UNENCODED_BY_PREFECT.contains(&name.as_str()));
    // One by one: all but the page secrets, which only the batch below needs (the
    // server takes a second or more per hundred gets).
    let singles: Vec<_> = agreed
        .iter()
        .filter(|(n, _)| !load_many.contains(&n.as_str()))
        .cloned()
        .collect();
    check_all(&store, &singles);
    // The same names in one batch (CSRF protection off: the token request is told so),
    // more than 200 of them block names, which it asks for: two filter requests.
    let block_names = agreed
        .iter()
        .filter(|(n, _)| {
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .count();
    assert!(block_names > 200, "{block_names} block names");
    check_batch(&store, &agreed);
    check_templates(&server, &store);

    let plain = get(&store, "plain-text", Format::Json).unwrap().unwrap();

    // `prefect-secrets list`: the Secret blocks' names, sorted, as the server has them.
    let mut names: Vec<String> = secrets.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    assert_eq!(secret_names(&store).unwrap(), names);

    // The one switch, and nothing of Prefect 0.5.3: the same value.
    let home = server.dir.join("switch-home");
    fs::create_dir_all(&home).unwrap();
    let switched = Store::with_env(
        Environment::from_pairs([
            ("HOME", home.to_str().unwrap()),
            ("PREFECT_SECRETS_FLAVOR", "prefect-3"),
            ("PREFECT_API_URL", server.api_url.as_str()),
        ]),
        sys::accounts(),
    );
    assert_eq!(
        get(&switched, "plain-text", Format::Json).unwrap().unwrap(),
        plain
    );
    // The server's URL without /api: Prefect's server has no such route, which is an
    // error about the URL, not a missing secret.
    let root = server.api_url.trim_end_matches("/api").to_string();
    let rootless = self::store(&server, &[("PREFECT_API_URL", &root)]);
    let e = get(&rootless, "plain-text", Format::Json).unwrap_err();
    assert!(
        e.message.contains("API URL is probably wrong"),
        "{}",
        e.message
    );
    for (name, prefect) in &unencoded {
        let got = get(&store, name, Format::Json);
        loud(&format!(
            "prefect3_server:   {name:?}: Prefect's client says {}; the library: {}",
            match prefect {
                Expected::Value { json, .. } if json.as_bytes() == plain.as_slice() =>
                    "plain-text's value".to_string(),
                other => format!("{other:?}"),
            },
            match &got {
                Ok(Some(v)) => format!("a value ({})", describe(v)),
                Ok(None) => "not found".into(),
                Err(e) => format!("{:?} error: {}", e.kind, e.message),
            }
        ));
        match got {
            Ok(None) => {}
            Err(e) if e.kind == ErrorKind::Client => {}
            other => panic!("{name:?}: expected not found (or a client error), got {other:?}"),
        }
    }
    loud(&format!(
        "prefect3_server: prefect3_server_secret_blocks done in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
}

#[test]
fn prefect3_server_auth_string() {
    let venv = match venv() {
        Ok(v) => v,
        Err(why) => return skip("prefect3_server_auth_string", why),
    };
    let started = Instant::now();
    let server = Server::start(venv, "auth", Some(AUTH_STRING), true);
    let secrets: Vec<(String, String)> = [
        ("auth-text", r#""value behind basic auth""#),
        ("auth-object", r#"{"user": "svc", "token": "t-123"}"#),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    let expected = server.prefect(
        Some(AUTH_STRING),
        &secrets,
        &["auth-text", "auth-object", "no-such-secret"],
        &[],
    );
    assert_eq!(expected[2].1, Expected::NotFound);

    // The right credentials, from PREFECT_API_AUTH_STRING or from cloud.api_auth_string;
    // the auth string wins over an API key, as in Prefect's client.
    for extra in [
        &[("PREFECT_API_AUTH_STRING", AUTH_STRING)][..],
        &[("PREFECT__CLOUD__API_AUTH_STRING", AUTH_STRING)],
        &[
            ("PREFECT_API_AUTH_STRING", AUTH_STRING),
            ("PREFECT_API_KEY", "pnu_not_used"),
        ],
    ] {
        loud(&format!(
            "prefect3_server:  with {:?}",
            extra.iter().map(|(k, _)| k).collect::<Vec<_>>()
        ));
        check_all(&store(&server, extra), &expected);
    }
    // A batch: this server has CSRF protection on, so the POST needs a token first.
    check_batch(
        &store(&server, &[("PREFECT_API_AUTH_STRING", AUTH_STRING)]),
        &expected,
    );

    // As a Prefect 3 user sets up: `prefect config set` writes the URL and the auth string
    // into the active profile; the library, told only PREFECT_SECRETS_FLAVOR, finds them.
    let prefect_home = server.dir.join("configured");
    let out = Command::new(venv.join("bin/prefect"))
        .args([
            "config",
            "set",
            &format!("PREFECT_API_URL={}", server.api_url),
            &format!("PREFECT_API_AUTH_STRING={AUTH_STRING}"),
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &prefect_home)
        .env("PREFECT_HOME", &prefect_home)
        .output()
        .expect("run prefect config set");
    assert!(
        out.status.success(),
        "prefect config set: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let home = prefect_home.to_str().unwrap();
    let configured = Store::with_env(
        Environment::from_pairs([
            ("HOME", home),
            ("PREFECT_HOME", home),
            ("PREFECT_SECRETS_FLAVOR", "prefect-3"),
            ("PREFECT__CLOUD__REUSE_WINDOW", "0"),
        ]),
        sys::accounts(),
    );
    check_all(&configured, &expected);

    let values = [
        "value behind basic auth",
        "t-123",
        AUTH_STRING,
        "pass",
        "wrong",
    ];
    let cases: [(&str, &[(&str, &str)]); 5] = [
        (
            "wrong password",
            &[("PREFECT_API_AUTH_STRING", "admin:wrong")],
        ),
        ("wrong user", &[("PREFECT_API_AUTH_STRING", "root:pass")]),
        ("no credentials", &[]),
        (
            "an API key (Bearer) only",
            &[("PREFECT_API_KEY", "pnu_wrong")],
        ),
        (
            "a config key overriding the right variable",
            &[
                ("PREFECT_API_AUTH_STRING", AUTH_STRING),
                ("PREFECT__CLOUD__API_AUTH_STRING", "admin:wrong"),
            ],
        ),
    ];
    for (what, extra) in cases {
        let store = store(&server, extra);
        expect_auth_error(&store, "auth-text", what, &values);
        // Refused before any lookup: a missing name is refused the same way.
        expect_auth_error(
            &store,
            "no-such-secret",
            &format!("{what}, missing name"),
            &values,
        );
    }
    loud(&format!(
        "prefect3_server: prefect3_server_auth_string done in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
}
