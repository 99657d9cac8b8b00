//! Every case of tests/prefect3/client_cases.json replayed with the library, side by side
//! with Prefect 3's own client (tests/prefect3/client_expected.json, written by
//! tests/prefect3/record_client.py from `Secret.load(name).get()`): the same files, the
//! same environment (plus `PREFECT_SECRETS_FLAVOR=prefect-3`), the same scripted replies.
//! The requests (method, path, the recorded headers) and the outcome must be Prefect's.
//!
//! One thing Prefect sends is not compared, and is checked to be exactly that: after a
//! successful load, Prefect's events worker emits a `prefect.block.secret.loaded` event in
//! the background (`GET {api}/admin/version`, then a websocket at `{api}/events/in`).
//! The library reads only (docs/server.md, Prefect 2/3 servers).
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::ErrorKind;
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;
use serde_json::{Value, json};
use support::server::{Action, TestServer};
use support::tempdir::TempDir;

const DEFAULT_SECRET: &str = "db-pass";

/// The requests of Prefect's event emission, as they trail a successful load: the ends of
/// their paths (the version check joins the API URL as text, so a trailing `/` doubles).
const EVENT_PATHS: [&str; 2] = ["/admin/version", "/events/in"];

fn is_event_path(path: &str, i: usize) -> bool {
    path.starts_with("/api") && path.ends_with(EVENT_PATHS[i])
}

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/prefect3")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A scripted reply: status, headers, body.
type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// The scripted replies, as the recorder builds them.
fn replies(case: &Value, document: &Value, secret: &str) -> Vec<Reply> {
    case["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reply| {
            let body = match reply.get("value") {
                Some(value) => {
                    let mut doc = document.clone();
                    doc["name"] = json!(secret);
                    doc["data"]["value"] = value.clone();
                    doc
                }
                None => reply.get("body").cloned().unwrap_or(json!({})),
            };
            let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
            for (k, v) in reply
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                headers.push((k.clone(), v.as_str().unwrap().to_owned()));
            }
            let status = reply.get("status").and_then(Value::as_u64).unwrap_or(200);
            (status as u16, headers, body.to_string().into_bytes())
        })
        .collect()
}

/// The library's outcome in the recorder's terms.
fn outcome(got: Result<Option<String>, prefect_secrets::testing::error::Error>) -> Value {
    match got {
        Ok(Some(rendered)) => json!({"value": serde_json::from_str::<Value>(&rendered).unwrap()}),
        Ok(None) => json!({"not_found": true}),
        Err(e) => {
            let kind = match e.kind {
                ErrorKind::Auth => "auth",
                ErrorKind::Client => "client",
                _ => "other",
            };
            json!({"error": kind, "message": e.message})
        }
    }
}

/// Whether the library's outcome is Prefect's: a value is the value (None is `Ok(None)`,
/// as the library renders Python's None), not found is `Ok(None)`, an HTTP status error
/// is `ErrorKind::Auth` for 401/403 and `ErrorKind::Client` otherwise, its message naming
/// the same status.
fn same_outcome(prefect: &Value, lib: &Value) -> bool {
    if let Some(value) = prefect.get("value") {
        return match value {
            Value::Null => lib.get("not_found").is_some(),
            v => lib.get("value") == Some(v),
        };
    }
    if prefect.get("not_found").is_some() {
        return lib.get("not_found").is_some();
    }
    let (kind, status) = match (text(prefect, "error"), prefect["status"].as_u64()) {
        (Some("PrefectHTTPStatusError"), Some(s @ (401 | 403))) => ("auth", s),
        (Some("PrefectHTTPStatusError"), Some(s)) => ("client", s),
        _ => return false,
    };
    text(lib, "error") == Some(kind)
        && text(lib, "message").is_some_and(|m| m.contains(&format!("HTTP {status}")))
}

/// Prefect's requests without its event emission, which must be exactly the trailing
/// [`EVENT_PATHS`] after a successful load, and nothing anywhere else.
fn without_event_emission(prefect: &Value) -> Result<Vec<Value>, String> {
    let mut requests = prefect["requests"].as_array().unwrap().clone();
    let n = requests.len();
    let succeeded = prefect.get("value").is_some();
    let path = |r: &Value| r["path"].as_str().unwrap().to_owned();
    let trailing: Vec<String> = requests[n.saturating_sub(2)..].iter().map(path).collect();
    if succeeded {
        if trailing.len() != 2 || !(0..2).all(|i| is_event_path(&trailing[i], i)) {
            return Err(format!(
                "Prefect's load did not end with its event emission: {trailing:?}"
            ));
        }
        requests.truncate(n - 2);
    }
    if let Some(r) = requests
        .iter()
        .find(|r| (0..2).any(|i| is_event_path(&path(r), i)))
    {
        return Err(format!("an event request where none was expected: {r}"));
    }
    Ok(requests)
}

/// Runs one case; `Err` describes how the library differs from Prefect.
fn replay(case: &Value, prefect: &Value, document: &Value) -> Result<(), String> {
    let secret = text(case, "secret").unwrap_or(DEFAULT_SECRET);
    let script = replies(case, document, secret);
    let count = Arc::new(AtomicUsize::new(0));
    let server = {
        let count = count.clone();
        let last = script.len() - 1;
        // The script in order, its last reply again once it runs out (as the recorder).
        TestServer::start(move |_| {
            let (status, headers, body) = &script[count.fetch_add(1, Ordering::SeqCst).min(last)];
            Action::Respond {
                status: *status,
                headers: headers.clone(),
                body: body.clone(),
            }
        })
    };
    let api = format!("{}/api", server.url());

    let dir = TempDir::new("p3client");
    let root = dir.text();
    let sub = |s: &str| s.replace("{api}", &api).replace("<root>", &root);
    for (rel, content) in case
        .get("files")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        dir.write(rel, &sub(content.as_str().unwrap()));
    }
    let mut env = BTreeMap::from([
        ("HOME".to_owned(), format!("{root}/home")),
        ("PATH".to_owned(), std::env::var("PATH").unwrap_or_default()),
    ]);
    for (k, v) in case
        .get("env")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        env.insert(k.clone(), sub(v.as_str().unwrap()));
    }
    env.insert("PREFECT_SECRETS_FLAVOR".into(), "prefect-3".into());
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let cwd = dir.path().join(text(case, "cwd").unwrap_or("cwd"));
    std::fs::create_dir_all(&cwd).unwrap();

    let environment = Environment::from_pairs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let store = Store::with_env_in(environment, sys::accounts(), cwd);
    let got = outcome(resolve::get(&store, secret, Format::Json, |b| {
        String::from_utf8_lossy(b).into_owned()
    }));

    let mut diffs = Vec::new();
    let prefect_outcome: serde_json::Map<_, _> = prefect
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "requests")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let prefect_outcome = Value::Object(prefect_outcome);
    if !same_outcome(&prefect_outcome, &got) {
        diffs.push(format!("outcome: Prefect {prefect_outcome}, library {got}"));
    }
    let want = without_event_emission(prefect)?;
    let names: Vec<&str> = std::iter::once("Authorization")
        .chain(
            case.get("record_headers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|h| h.as_str().unwrap()),
        )
        .collect();
    let sent: Vec<Value> = server
        .requests()
        .iter()
        .map(|r| {
            let headers: serde_json::Map<_, _> = names
                .iter()
                .filter_map(|name| {
                    let values: Vec<&str> = r
                        .headers
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.as_str())
                        .collect();
                    (!values.is_empty()).then(|| (name.to_string(), json!(values.join(", "))))
                })
                .collect();
            json!({
                "method": r.method,
                "path": r.path,
                "headers": headers,
            })
        })
        .collect();
    if sent != want {
        diffs.push(format!(
            "requests:\n  Prefect {}\n  library {}",
            Value::from(want),
            Value::from(sent)
        ));
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

#[test]
fn every_case_matches_prefect3_client() {
    let cases = load("client_cases.json");
    let recording = load("client_expected.json");
    let cases = cases.as_array().unwrap();
    let expected = recording["cases"].as_object().unwrap();
    assert_eq!(
        cases.len(),
        expected.len(),
        "cases and recording differ: re-record"
    );
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let prefect = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name} not recorded: re-record"));
        if let Err(why) = replay(case, prefect, &recording["block_document"]) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Prefect 3's client:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
