//! What `yaml::dump` writes, read by PyYAML's own `yaml.safe_load` (in the pinned Prefect 3
//! venv, `scripts/prefect3-venv`): every value the recorded documents of
//! tests/prefect3/yaml_cases.json read as, and every value of
//! tests/prefect3/yaml_values.json (control characters, lone surrogates, floats, long
//! keys, deep nesting...), must come back as the same value (`json.dumps` of it equal to
//! the library's JSON of the value). The library's own reading back is in the unit tests
//! (`cargo test --lib yaml`).
//!
//! The venv: `PREFECT3_VENV` when set, else `scripts/prefect3-venv` builds or reuses
//! `target/prefect3-venv`. Without one the test prints a loud `SKIPPED:` and passes;
//! `PREFECT3_REQUIRED=1` makes that a failure (CI).
#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use prefect_secrets::testing::pyjson;
use prefect_secrets::testing::pystr::PyStr;
use prefect_secrets::testing::value::{List, Value};
use prefect_secrets::testing::yaml;

/// Reads a JSON list of YAML documents on stdin; writes, for each, `{"json": json.dumps(
/// yaml.safe_load(doc))}` or `{"error": type}`.
const READ_BACK: &str = r#"
import json, sys, yaml
out = []
for doc in json.load(sys.stdin):
    try:
        out.append({"json": json.dumps(yaml.safe_load(doc), separators=(",", ":"))})
    except Exception as e:
        out.append({"error": type(e).__name__})
json.dump(out, sys.stdout)
"#;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn skip(why: &str) {
    if std::env::var_os("PREFECT3_REQUIRED").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("yaml_pyyaml: PREFECT3_REQUIRED is set, but: {why}");
    }
    let bar = "!".repeat(78);
    let _ = writeln!(
        std::io::stderr(),
        "\n{bar}\n!!! SKIPPED: yaml_pyyaml: no PyYAML to read the written YAML back.\n!!! {why}\n\
         !!! (set PREFECT3_REQUIRED=1 to fail instead of skipping)\n{bar}\n"
    );
}

/// The venv's python, or why there is none.
fn python() -> Result<PathBuf, String> {
    let venv = match std::env::var_os("PREFECT3_VENV").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let out = Command::new("bash")
                .arg(root().join("scripts/prefect3-venv"))
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run scripts/prefect3-venv: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "scripts/prefect3-venv failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            let stdout = String::from_utf8_lossy(&out.stdout);
            PathBuf::from(stdout.lines().last().unwrap_or("").trim())
        }
    };
    let python = venv.join("bin/python");
    if python.exists() {
        Ok(python)
    } else {
        Err(format!("{} does not exist", python.display()))
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string_lossy(),
        _ => panic!("expected text"),
    }
}

fn json(v: &Value) -> String {
    let mut out = Vec::new();
    pyjson::to_json(v, &mut out);
    String::from_utf8(out).unwrap()
}

fn list(bytes: &[u8]) -> Vec<Value> {
    match pyjson::loads(bytes).unwrap() {
        Value::List(l) => l.0.clone(),
        _ => panic!("a list"),
    }
}

/// (name, value) of each accepted case and of each value of yaml_values.json.
fn values() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for case in list(include_bytes!("prefect3/yaml_cases.json")) {
        let case = case.as_dict().unwrap();
        if let Ok(v) = yaml::load(text(case.get("yaml").unwrap()).as_bytes()) {
            out.push((text(case.get("name").unwrap()), v));
        }
    }
    for v in list(include_bytes!("prefect3/yaml_values.json")) {
        let v = v.as_dict().unwrap();
        out.push((
            text(v.get("name").unwrap()),
            v.get("value").unwrap().clone(),
        ));
    }
    out
}

#[test]
fn pyyaml_reads_what_is_written_as_the_same_value() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => return skip(&why),
    };
    let values = values();
    assert!(values.len() > 50, "{}", values.len());
    let docs: Vec<Value> = values
        .iter()
        .map(|(_, v)| {
            let mut out = Vec::new();
            yaml::dump(v, &mut out);
            Value::Str(PyStr::from(String::from_utf8(out).expect("UTF-8")))
        })
        .collect();
    let input = json(&Value::List(List(docs.clone())));
    let mut child = Command::new(&python)
        .args(["-c", READ_BACK])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the venv's python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the read-back script failed");
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let read = read.as_array().unwrap();
    assert_eq!(read.len(), values.len());
    let mut failures = Vec::new();
    for (((name, v), doc), got) in values.iter().zip(&docs).zip(read) {
        let want = json(v);
        match got["json"].as_str() {
            Some(got) if got == want => {}
            _ => failures.push(format!(
                "{name}: PyYAML reads {got}, not {want}, from:\n{}",
                text(doc)
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let _ = writeln!(
        std::io::stderr(),
        "yaml_pyyaml: PyYAML read {} written values back as they were",
        values.len()
    );
}
