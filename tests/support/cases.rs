//! Runs one conformance case through the library's core, the way `tests/oracle/lib_worker.py`
//! runs it through the C ABI, and compares the outcome with Prefect 0.5.3's.

use std::path::PathBuf;

use serde_json::Value as Json;

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::{Error, ErrorKind};
use prefect_secrets::testing::pystr::PyStr;
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;
use prefect_secrets::testing::value::Value;

use super::pyvalue::{parse, same};
use super::server::{Action, Request, TestServer};
use super::tempdir::TempDir;
use std::collections::VecDeque;
use std::sync::Mutex;

pub struct Case {
    pub id: String,
    pub spec: Json,
    pub expected: Json,
}

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

pub fn load_cases(cases_file: &str, expected_file: &str) -> Vec<Case> {
    let read = |f: &str| -> Json {
        let text = std::fs::read_to_string(conformance_dir().join(f)).expect(f);
        serde_json::from_str(&text).expect(f)
    };
    let specs = read(cases_file);
    let expected = read(expected_file);
    let expected: Vec<&Json> = expected.as_array().unwrap().iter().collect();
    specs
        .as_array()
        .unwrap()
        .iter()
        .map(|spec| {
            let id = spec["id"].as_str().unwrap().to_string();
            let want = expected
                .iter()
                .find(|e| e["id"] == spec["id"])
                .unwrap_or_else(|| panic!("no expected outcome for {id}"));
            Case {
                id,
                spec: spec.clone(),
                expected: want["expected"].clone(),
            }
        })
        .collect()
}

/// Replaces `{HOME}` (and `{SERVER}`) in every string.
pub fn substitute(v: &Json, marks: &[(&str, &str)]) -> Json {
    match v {
        Json::String(s) => {
            let mut s = s.clone();
            for (k, r) in marks {
                s = s.replace(k, r);
            }
            Json::String(s)
        }
        Json::Array(a) => Json::Array(a.iter().map(|x| substitute(x, marks)).collect()),
        Json::Object(o) => Json::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, marks)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "invalid_argument",
        ErrorKind::BufferTooSmall => "buffer_too_small",
        ErrorKind::FlowBuilding => "flow_building",
        ErrorKind::Auth => "auth",
        ErrorKind::Client => "client",
        ErrorKind::Config => "config",
        ErrorKind::Internal => "internal",
    }
}

/// The outcome of one case: `Ok(Some((json, text)))`, `Ok(None)` for None, or the error.
type Outcome = Result<Option<(Vec<u8>, Vec<u8>)>, Error>;

/// What a case sets through the API before its get, as `lib_worker.py` does.
pub fn apply_sets(store: &Store, spec: &Json) -> Result<(), Error> {
    if let Some(sets) = spec["config_set"].as_object() {
        for (key, value) in sets {
            let v = match key.as_str() {
                "use_local_secrets" => Value::Bool(value.as_bool().unwrap()),
                "auth_token" => Value::str(value.as_str().unwrap()),
                "cloud_graphql" => Value::str(value.as_str().unwrap()),
                other => panic!("unknown config_set key {other}"),
            };
            let key = if key == "cloud_graphql" {
                "graphql"
            } else {
                key
            };
            store.update(|s| s.set_cloud(key, Some(v)))?;
        }
    }
    if let Some(sets) = spec["context_set"].as_object() {
        for (name, value) in sets {
            // lib_worker.py ignores this status too.
            let _ = store.update(|s| s.set_secret(name, PyStr::from(value.as_str().unwrap())));
        }
    }
    if spec["flow_building"].as_bool() == Some(true) {
        store.update(|s| {
            s.set_flow_building(true);
            Ok(())
        })?;
    }
    Ok(())
}

fn run_on_store(store: &Store, spec: &Json) -> Outcome {
    apply_sets(store, spec)?;
    let name = spec["name"].as_str().unwrap();
    let json = resolve::get(store, name, Format::Json, |b| b.to_vec())?;
    let Some(json) = json else { return Ok(None) };
    let text = resolve::get(store, name, Format::Text, |b| b.to_vec())?.ok_or_else(|| {
        Error::config("secret_get found nothing where secret_get_json found a value")
    })?;
    Ok(Some((json, text)))
}

/// The oracle's scripted loopback server: answers in order, `refresh` for `/refresh_token`,
/// HTTP 500 once the script runs out.
fn scripted_server(spec: &Json) -> TestServer {
    let responses: VecDeque<Json> = spec["responses"]
        .as_array()
        .map(|a| a.iter().cloned().collect())
        .unwrap_or_default();
    let responses = Mutex::new(responses);
    let refresh = spec.get("refresh").cloned().unwrap_or_else(
        || serde_json::json!({"status": 200, "body": {"token": "refreshed-token"}}),
    );
    TestServer::start(move |req: &Request| {
        let spec = if req.path.trim_end_matches('/').ends_with("/refresh_token") {
            refresh.clone()
        } else {
            responses
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| serde_json::json!({"status": 500, "raw": ""}))
        };
        let payload = match spec.get("raw") {
            Some(Json::String(raw)) => raw.clone().into_bytes(),
            _ => spec["body"].to_string().into_bytes(),
        };
        Action::json(spec["status"].as_u64().unwrap_or(200) as u16, payload)
    })
}

/// What the oracle logs of each request.
fn logged(req: &Request) -> Json {
    let body: Json = serde_json::from_slice(&req.body).unwrap_or(Json::Null);
    let mut variables = body.get("variables").cloned().unwrap_or(Json::Null);
    if let Json::String(s) = &variables {
        if let Ok(v) = serde_json::from_str::<Json>(s) {
            variables = v;
        }
    }
    // Python 3.11's http.server collapses leading slashes ("//x" is "/x").
    let path = match req.path.strip_prefix("//") {
        Some(_) => format!("/{}", req.path.trim_start_matches('/')),
        None => req.path.clone(),
    };
    serde_json::json!({
        "method": req.method,
        "path": path.trim_end_matches('/'),
        "authorization": req.header("Authorization"),
        "variables": variables,
    })
}

/// The oracle's rule: the library's requests start with Prefect's, and are at most twice as
/// many.
fn judge_requests(want: &Json, got: &[Json]) -> Result<(), String> {
    let want = want.as_array().cloned().unwrap_or_default();
    // (At most twice as many also means none when Prefect made none.)
    let ok =
        got.len() >= want.len() && got[..want.len()] == want[..] && got.len() <= 2 * want.len();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "requests {}, expected {}",
            Json::Array(got.to_vec()),
            Json::Array(want)
        ))
    }
}

/// A case made ready to run: its home directory and server (kept alive while it runs),
/// its spec and expected outcome with `{HOME}`/`{SERVER}` filled in, and a store with
/// its environment.
pub struct Prepared {
    pub home: TempDir,
    pub server: Option<TestServer>,
    pub spec: Json,
    pub expected: Json,
    pub store: Store,
}

/// Sets a case up; `None` when it cannot run on this platform.
pub fn prepare(case: &Case) -> Option<Prepared> {
    // `~user` needs the POSIX user database Prefect read on the reference machine.
    if cfg!(not(unix)) && case.id.contains("tilde-root") {
        return None;
    }
    let home = TempDir::new("golden");
    let home_str = home.text();
    let server = case.spec.get("server").map(scripted_server);
    let server_url = server.as_ref().map(TestServer::url).unwrap_or_default();
    let marks = [
        ("{HOME}", home_str.as_str()),
        ("{SERVER}", server_url.as_str()),
    ];
    let spec = substitute(&case.spec, &marks);
    let expected = substitute(&case.expected, &marks);
    if let Some(text) = spec["user_config"].as_str() {
        home.write(".prefect/config.toml", text);
    }
    if let Some(text) = spec["credentials"].as_str() {
        home.write(".prefect/.credentials/auth_token", text);
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    let mut pairs: Vec<(String, String)> = vec![
        ("PATH".into(), path),
        ("LANG".into(), "C.UTF-8".into()),
        ("HOME".into(), home_str.clone()),
    ];
    if let Some(env) = spec["env"].as_object() {
        for (k, v) in env {
            pairs.retain(|(name, _)| name != k);
            pairs.push((k.clone(), v.as_str().unwrap().to_string()));
        }
    }
    let env = Environment::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let store = Store::with_env(env, sys::accounts());
    Some(Prepared {
        home,
        server,
        spec,
        expected,
        store,
    })
}

/// Runs a case; `Ok(false)` when it cannot run on this platform.
pub fn run_case(case: &Case) -> Result<bool, String> {
    // The home directory must outlive the get.
    let Some(Prepared {
        home: _home,
        server,
        spec,
        expected,
        store,
    }) = prepare(case)
    else {
        return Ok(false);
    };
    let got = run_on_store(&store, &spec);
    judge(&expected, &got)?;
    if let Some(server) = &server {
        let got: Vec<Json> = server.requests().iter().map(logged).collect();
        judge_requests(&expected["requests"], &got)?;
    }
    Ok(true)
}

fn judge(want: &Json, got: &Outcome) -> Result<(), String> {
    let status = want["status"].as_str().unwrap();
    if status == "error" && want["error"] == "recursion" {
        return Ok(());
    }
    match (status, got) {
        ("none", Ok(None)) => Ok(()),
        ("error", Err(e)) => {
            if want["error"] == kind_name(e.kind) {
                Ok(())
            } else {
                Err(format!(
                    "error {} ({}), expected {} ({})",
                    kind_name(e.kind),
                    e.message,
                    want["error"],
                    want["message"]
                ))
            }
        }
        ("value", Ok(Some((json, text)))) => {
            let expected = parse(want["json"].as_str().unwrap().as_bytes())?;
            let value =
                parse(json).map_err(|e| format!("secret_get_json wrote invalid JSON: {e}"))?;
            if !same(&expected, &value) {
                return Err(format!(
                    "secret_get_json {:?}, expected {}",
                    String::from_utf8_lossy(json),
                    want["json"]
                ));
            }
            let text_ok = match &expected {
                Value::Str(s) => *text == s.to_wtf8(),
                other => parse(text).is_ok_and(|v| same(other, &v)),
            };
            if text_ok {
                Ok(())
            } else {
                Err(format!(
                    "secret_get {:?}, expected {}",
                    String::from_utf8_lossy(text),
                    want["json"]
                ))
            }
        }
        (_, got) => Err(format!(
            "got {}, expected {status} {}",
            match got {
                Ok(None) => "None".to_string(),
                Ok(Some(_)) => "a value".to_string(),
                Err(e) => format!("error {} ({})", kind_name(e.kind), e.message),
            },
            want.get("message")
                .map(|m| m.to_string())
                .unwrap_or_default()
        )),
    }
}
