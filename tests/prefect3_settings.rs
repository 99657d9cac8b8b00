//! Every case of tests/prefect3/settings_cases.json replayed against
//! `config::prefect3::read`, and compared with what Prefect 3 itself resolved
//! (tests/prefect3/settings_expected.json, written by tests/prefect3/record_settings.py).
//! Where Prefect failed, the reader must fail too.
#![cfg(unix)]

mod support;

use std::path::Path;

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::config::prefect3::{self, Prefect3Settings};
use serde_json::{Map, Value, json};
use support::tempdir::TempDir;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/prefect3")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The settings as the recorder writes them, the temporary root written `<root>`.
fn outcome(s: &Prefect3Settings, root: &str) -> Map<String, Value> {
    let text = |v: &Option<String>| {
        v.as_ref()
            .map_or(Value::Null, |t| json!(t.replace(root, "<root>")))
    };
    let secret =
        |v: &Option<prefect3::Secret>| v.as_ref().map_or(Value::Null, |t| json!(t.0.as_str()));
    let headers: Map<String, Value> = s
        .client_custom_headers
        .value
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.as_str())))
        .collect();
    let mut m = Map::new();
    m.insert("api.url".into(), text(&s.api_url.value));
    m.insert("api.key".into(), secret(&s.api_key.value));
    m.insert("api.auth_string".into(), secret(&s.api_auth_string.value));
    m.insert(
        "api.request_timeout".into(),
        json!(s.api_request_timeout.value),
    );
    m.insert("api.ssl_cert_file".into(), text(&s.api_ssl_cert_file.value));
    m.insert(
        "api.tls_insecure_skip_verify".into(),
        json!(s.api_tls_insecure_skip_verify.value),
    );
    m.insert(
        "client.max_retries".into(),
        json!(s.client_max_retries.value),
    );
    m.insert(
        "client.retry_jitter_factor".into(),
        json!(s.client_retry_jitter_factor.value),
    );
    m.insert(
        "client.retry_extra_codes".into(),
        json!(s.client_retry_extra_codes.value),
    );
    m.insert("client.custom_headers".into(), Value::Object(headers));
    m.insert(
        "client.csrf_support_enabled".into(),
        json!(s.client_csrf_support_enabled.value),
    );
    m.insert("home".into(), text(&Some(s.home.value.clone())));
    m.insert(
        "profiles_path".into(),
        text(&Some(s.profiles_path.value.clone())),
    );
    m
}

fn str_map(v: Option<&Value>, root: &str) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace("<root>", root)))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one case; `Err` describes how it differs from Prefect.
fn replay(case: &Value, expected: &Value) -> Result<(), String> {
    let dir = TempDir::new("p3settings");
    let root = dir.text();
    for rel in case
        .get("dirs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        std::fs::create_dir_all(dir.path().join(rel.as_str().unwrap())).unwrap();
    }
    for (rel, text) in str_map(case.get("files"), &root) {
        dir.write(&rel, &text);
    }
    let mut env = vec![("HOME".to_owned(), format!("{root}/home"))];
    env.extend(str_map(case.get("env"), &root));
    let env_map: std::collections::BTreeMap<_, _> = env.into_iter().collect();
    let home = Path::new(&env_map["HOME"]).to_owned();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let cwd = dir
        .path()
        .join(case.get("cwd").and_then(Value::as_str).unwrap_or("cwd"));
    std::fs::create_dir_all(&cwd).unwrap();
    let environment =
        Environment::from_pairs(env_map.iter().map(|(k, v)| (k.as_str(), v.as_str())));

    let got = prefect3::read(&environment, Some(&home), &cwd);
    match (expected.get("error"), got) {
        (Some(err), Ok(_)) => Err(format!("Prefect failed ({err}), the reader did not")),
        (Some(_), Err(_)) => Ok(()),
        (None, Err(e)) => Err(format!("the reader failed: {}", e.0)),
        (None, Ok(s)) => {
            let mut diffs = Vec::new();
            let got = outcome(&s, &root);
            for (k, want) in expected["settings"].as_object().unwrap() {
                if got.get(k) != Some(want) {
                    diffs.push(format!("{k}: Prefect {want}, reader {}", got[k]));
                }
            }
            if expected["profile"] != json!(s.profile.name) {
                diffs.push(format!(
                    "profile: Prefect {}, reader {:?}",
                    expected["profile"], s.profile.name
                ));
            }
            if expected["profile_not_found_warning"] != json!(s.profile.missing.is_some()) {
                diffs.push(format!("profile missing: reader {:?}", s.profile.missing));
            }
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(diffs.join("; "))
            }
        }
    }
}

#[test]
fn every_recorded_case_matches_prefect() {
    let cases = load("settings_cases.json");
    let expected = load("settings_expected.json");
    let cases = cases.as_array().unwrap();
    assert_eq!(
        cases.len(),
        expected.as_object().unwrap().len(),
        "cases and recording differ: re-record"
    );
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let want = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name} not recorded: re-record"));
        if let Err(why) = replay(case, want) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Reads with the given environment (plus HOME) and files, in `<root>/cwd`.
fn read_with(
    root: &Path,
    env: &[(&str, &str)],
) -> Result<Prefect3Settings, prefect_secrets::testing::config::ConfigError> {
    let home = root.join("home");
    let cwd = root.join("cwd");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&cwd).unwrap();
    let home_text = home.to_str().unwrap().to_owned();
    let mut pairs = vec![("HOME", home_text.as_str())];
    pairs.extend_from_slice(env);
    prefect3::read(&Environment::from_pairs(pairs), Some(&home), &cwd)
}

/// A settings file that is a FIFO, a device or a huge file is refused at once (Python
/// would block on the first two and read the third whole); a `.env` that is not a
/// regular file is skipped, as Prefect skips it.
#[test]
fn hostile_settings_files_answer_at_once() {
    use std::sync::mpsc;
    use std::time::Duration;

    for rel in [
        "cwd/.env",
        "cwd/prefect.toml",
        "cwd/pyproject.toml",
        "home/.prefect/profiles.toml",
    ] {
        for kind in ["fifo", "device", "huge"] {
            let dir = TempDir::new("p3hostile");
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            match kind {
                "fifo" => {
                    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
                    // SAFETY: a valid C string.
                    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
                }
                "device" => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
                _ => std::fs::File::create(&path)
                    .unwrap()
                    .set_len(1 << 30)
                    .unwrap(),
            }
            let (tx, rx) = mpsc::channel();
            let root = dir.path().to_owned();
            std::thread::spawn(move || {
                let _ = tx.send(read_with(&root, &[]).map(|_| ()));
            });
            let got = rx
                .recv_timeout(Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("{rel} as a {kind}: no answer within 5 s"));
            let skipped = rel.ends_with(".env") && kind != "huge";
            match got {
                Ok(()) => assert!(skipped, "{rel} as a {kind} was read"),
                Err(e) => {
                    assert!(!skipped, "{rel} as a {kind}: {}", e.0);
                    let file = Path::new(rel).file_name().unwrap().to_str().unwrap();
                    assert!(e.0.contains(file), "{rel} as a {kind}: {}", e.0);
                }
            }
        }
    }
}

/// Credentials never appear in an error message.
#[test]
fn errors_do_not_quote_credentials() {
    let dir = TempDir::new("p3secret");
    let bad_headers = r#"{"Authorization": "Bearer s3cr3t", "X-N": 1}"#;
    let e = read_with(
        dir.path(),
        &[("PREFECT_CLIENT_CUSTOM_HEADERS", bad_headers)],
    )
    .unwrap_err();
    assert!(!e.0.contains("s3cr3t"), "{}", e.0);
    let e = read_with(
        dir.path(),
        &[("PREFECT_CLIENT_CUSTOM_HEADERS", "Bearer s3cr3t")],
    )
    .unwrap_err();
    assert!(!e.0.contains("s3cr3t"), "{}", e.0);
    dir.write(
        "cwd/prefect.toml",
        "[api]\nkey = \"s3cr3t\nauth_string = 1\n",
    );
    let e = read_with(dir.path(), &[]).unwrap_err();
    assert!(!e.0.contains("s3cr3t"), "{}", e.0);
}
