//! Batch gets (`resolve::get_many`, what `secret_get_many` and `prefect-secrets get A B`
//! call) against loopback servers: each entry is what a single get of that name gives;
//! the Prefect 3 flavour asks once per 200 names, with a CSRF token when the server wants
//! one; Prefect 0.5.3's asks name by name on one connection. (Values against a real
//! Prefect 3 server: tests/prefect3_server.rs.)

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::{Error, ErrorKind};
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::server::with_deadline;
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;
use serde_json::{Value as Json, json};

use support::server::{Action, Request, TestServer};
use support::tempdir::TempDir;

type Outcome = Result<Option<String>, Error>;

/// A store with `vars` as its whole environment, every get asking the server.
fn store(home: &TempDir, vars: &[(&str, &str)]) -> Store {
    let home = home.text();
    let mut pairs = vec![
        ("HOME", home.as_str()),
        ("PREFECT__CLOUD__REUSE_WINDOW", "0"),
    ];
    pairs.extend_from_slice(vars);
    Store::with_env(Environment::from_pairs(pairs), sys::accounts())
}

fn prefect3(home: &TempDir, server: &TestServer, extra: &[(&str, &str)]) -> Store {
    let api = format!("{}/api", server.url());
    let mut vars = vec![
        ("PREFECT_SECRETS_FLAVOR", "prefect-3"),
        ("PREFECT_API_URL", api.as_str()),
        ("PREFECT_CLIENT_RETRY_JITTER_FACTOR", "0"),
    ];
    vars.extend_from_slice(extra);
    store(home, &vars)
}

fn single(store: &Store, name: &str, format: Format) -> Outcome {
    resolve::get(store, name, format, |b| {
        String::from_utf8_lossy(b).into_owned()
    })
}

fn batch(store: &Store, names: &[&str], format: Format) -> Vec<Outcome> {
    resolve::get_many(store, names, format, |_, b| {
        String::from_utf8_lossy(b).into_owned()
    })
}

/// The block documents a Prefect 3 server holds, by name (their `data.value` as JSON).
fn blocks() -> HashMap<&'static str, Json> {
    HashMap::from([
        ("text", json!("s3cr3t ünïcödé ✓")),
        ("json-text", json!("{\"a\": [1, 2.5]}")),
        ("object", json!({"user": "u", "n": 1, "l": [null, true]})),
        ("list", json!([1, "two"])),
        ("null-text", json!("null")),
        ("not-json", json!("{nope")),
    ])
}

/// Answers Prefect 3's single get and its block document filter from `blocks`; the
/// filter's body is checked as Prefect's server would read it.
fn blocks_server(extra: impl Fn(&Request) -> Option<Action> + Send + Sync + 'static) -> TestServer {
    let blocks = blocks();
    TestServer::start(move |req: &Request| {
        if let Some(action) = extra(req) {
            return action;
        }
        let document =
            |name: &str, value: &Json| json!({"id": "x", "name": name, "data": {"value": value}});
        if req.method == "POST" && req.path == "/api/block_documents/filter" {
            let body: Json = serde_json::from_slice(&req.body).expect("the filter is JSON");
            assert_eq!(body["block_types"], json!({"slug": {"any_": ["secret"]}}));
            assert_eq!(
                body["block_documents"]["is_anonymous"],
                json!({"eq_": null})
            );
            assert_eq!(body["include_secrets"], json!(true));
            assert_eq!((&body["limit"], &body["offset"]), (&json!(200), &json!(0)));
            let names = body["block_documents"]["name"]["any_"].as_array().unwrap();
            assert!(names.len() <= 200, "a page of {} names", names.len());
            let found: Vec<Json> = names
                .iter()
                .filter_map(|n| {
                    let n = n.as_str().unwrap();
                    blocks
                        .get(n)
                        .map(|v| document(n, v))
                        .or_else(|| n.strip_prefix("many-").map(|i| document(n, &json!(i))))
                })
                .collect();
            return Action::json(200, Json::Array(found).to_string());
        }
        let name = req
            .path
            .strip_prefix("/api/block_types/slug/secret/block_documents/name/")
            .and_then(|rest| rest.strip_suffix("?include_secrets=true"));
        match name.and_then(|n| blocks.get(n).map(|v| (n, v))) {
            Some((n, v)) => Action::json(200, document(n, v).to_string()),
            None => Action::json(404, r#"{"detail": "Block document not found"}"#),
        }
    })
}

fn filters(server: &TestServer) -> Vec<Request> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/block_documents/filter")
        .collect()
}

/// Each entry of a batch is what the single get of its name gives, in both renderings:
/// every value type, missing names, names no block can have, a repeated name, a value
/// that is not JSON; one filter request for all of them.
#[test]
fn prefect3_batch_entries_are_single_gets() {
    let server = blocks_server(|req| {
        (req.path.starts_with("/api/csrf-token"))
            .then(|| Action::json(422, r#"{"detail": "CSRF protection is disabled."}"#))
    });
    let home = TempDir::new("batch-p3");
    let store = prefect3(&home, &server, &[]);
    let names = [
        "text",
        "json-text",
        "object",
        "list",
        "null-text",
        "not-json",
        "missing",
        "UPPER",
        "a b",
        "text",
    ];
    for format in [Format::Text, Format::Json] {
        let want: Vec<Outcome> = names.iter().map(|n| single(&store, n, format)).collect();
        assert!(
            want[0].as_ref().unwrap().is_some(),
            "the server answers single gets"
        );
        let before = server.requests().len();
        assert_eq!(batch(&store, &names, format), want, "{format:?}");
        let sent = &server.requests()[before..];
        let posts: Vec<_> = sent.iter().filter(|r| r.method == "POST").collect();
        assert_eq!(posts.len(), 1, "one filter request: {sent:?}");
        let asked: Json = serde_json::from_slice(&posts[0].body).unwrap();
        assert_eq!(
            asked["block_documents"]["name"]["any_"],
            json!([
                "text",
                "json-text",
                "object",
                "list",
                "null-text",
                "not-json",
                "missing"
            ]),
            "each possible block name once"
        );
    }
    // The server said CSRF protection is off: asked once for the process, not again.
    let token_asks = server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/csrf-token"))
        .count();
    assert_eq!(token_asks, 1);
    assert!(
        filters(&server)
            .iter()
            .all(|r| r.header("prefect-csrf-token").is_none())
    );
    assert_eq!(batch(&store, &[], Format::Json), vec![]);
}

/// 450 names: three filter requests of at most 200 names (the server checks), each
/// value right, the absent ones not found.
#[test]
fn prefect3_batch_pages_of_200_names() {
    let server = blocks_server(|req| {
        req.path
            .starts_with("/api/csrf-token")
            .then(|| Action::json(404, r#"{"detail": "Not Found"}"#))
    });
    let home = TempDir::new("batch-pages");
    let store = prefect3(&home, &server, &[]);
    let names: Vec<String> = (0..450)
        .map(|i| {
            if i % 10 == 9 {
                format!("gone-{i}")
            } else {
                format!("many-{i}")
            }
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let got = batch(&store, &names, Format::Text);
    for (i, (name, got)) in names.iter().zip(&got).enumerate() {
        let want = name.strip_prefix("many-").map(str::to_string);
        assert_eq!(got.as_ref().unwrap(), &want, "{name} at {i}");
    }
    assert_eq!(filters(&server).len(), 3);
}

/// A server with CSRF protection on: the token is fetched once (`client=` a UUID), sent
/// with every POST in `Prefect-Csrf-Token`/`Prefect-Csrf-Client`, kept for the next batch;
/// when the server says it is invalid, a new one is fetched and the POST sent again
/// (after the server's `Retry-After`), as Prefect's client does.
#[test]
fn prefect3_batch_fetches_a_csrf_token_when_the_server_wants_one() {
    let issued: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let refuse_next = Arc::new(Mutex::new(false));
    let (issued2, refuse2) = (issued.clone(), refuse_next.clone());
    let server = blocks_server(move |req| {
        if let Some(client) = req.path.strip_prefix("/api/csrf-token?client=") {
            let mut issued = issued2.lock().unwrap();
            let token = format!("csrf-SECRET-{}", issued.len());
            issued.push((client.to_string(), token.clone()));
            return Some(Action::json(
                200,
                json!({"token": token, "client": client, "expiration": "2999-01-01T00:00:00.000000Z"})
                    .to_string(),
            ));
        }
        if req.method != "POST" {
            return None;
        }
        let sent = (
            req.header("prefect-csrf-client"),
            req.header("prefect-csrf-token"),
        );
        let valid = issued2
            .lock()
            .unwrap()
            .iter()
            .any(|(c, t)| sent == (Some(c.as_str()), Some(t.as_str())));
        let refuse = std::mem::take(&mut *refuse2.lock().unwrap());
        (!valid || refuse).then(|| Action::Respond {
            status: 403,
            headers: vec![("Retry-After".into(), "0".into())],
            body: br#"{"detail": "Invalid CSRF token or client identifier."}"#.to_vec(),
        })
    });
    let home = TempDir::new("batch-csrf");
    let store = prefect3(&home, &server, &[]);
    let want = vec![Ok(Some("s3cr3t ünïcödé ✓".to_string())), Ok(None)];
    assert_eq!(batch(&store, &["text", "missing"], Format::Text), want);
    assert_eq!(batch(&store, &["text", "missing"], Format::Text), want);
    assert_eq!(
        issued.lock().unwrap().len(),
        1,
        "one token for both batches"
    );
    let client = issued.lock().unwrap()[0].0.clone();
    assert_eq!(client.len(), 36, "a UUID: {client}");

    // The server forgets the token: refused, a new token, the same POST again.
    *refuse_next.lock().unwrap() = true;
    assert_eq!(batch(&store, &["text", "missing"], Format::Text), want);
    assert_eq!(issued.lock().unwrap().len(), 2);
    let posts = filters(&server);
    assert_eq!(posts.len(), 4);
    let last = &posts[3];
    assert_eq!(last.header("prefect-csrf-token"), Some("csrf-SECRET-1"));

    // PREFECT_CLIENT_CSRF_SUPPORT_ENABLED=false: no token, so this server refuses the
    // POST (after Prefect's retries) and the error says what was refused.
    let off = prefect3(
        &home,
        &server,
        &[
            ("PREFECT_CLIENT_CSRF_SUPPORT_ENABLED", "false"),
            ("PREFECT_CLIENT_MAX_RETRIES", "1"),
        ],
    );
    let got = batch(&off, &["text", "missing"], Format::Text);
    for e in got {
        let e = e.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Client);
        assert!(e.message.contains("CSRF token"), "{}", e.message);
        assert!(!e.message.contains("csrf-SECRET"), "{}", e.message);
    }
}

/// Prefect 0.5.3's GraphQL fails a whole query on any error, so a batch asks name by
/// name, on one connection: one name the server fails does not fail the others.
#[test]
fn prefect05_batch_asks_name_by_name() {
    let server = TestServer::start(|req: &Request| {
        let body = String::from_utf8_lossy(&req.body);
        if body.contains("bad") {
            Action::json(200, r#"{"errors": [{"message": "no"}], "data": null}"#)
        } else if body.contains("absent") {
            Action::json(200, r#"{"data": {"secretValue": null}}"#)
        } else {
            Action::json(200, r#"{"data": {"secretValue": "{\"k\": 1}"}}"#)
        }
    });
    let home = TempDir::new("batch-v053");
    let graphql = server.url();
    let store = store(
        &home,
        &[
            ("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false"),
            ("PREFECT__CLOUD__GRAPHQL", graphql.as_str()),
            ("PREFECT__CLOUD__AUTH_TOKEN", "tok-SECRET-1"),
        ],
    );
    let names = ["good", "bad", "absent", "good-too"];
    let want: Vec<Outcome> = names
        .iter()
        .map(|n| single(&store, n, Format::Json))
        .collect();
    assert!(want[1].is_err() && want[0].is_ok() && want[3].is_ok());
    let before = server.requests().len();
    assert_eq!(batch(&store, &names, Format::Json), want);
    let sent = &server.requests()[before..];
    assert_eq!(sent.len(), 4, "one request per name");
    assert!(
        sent.windows(2)
            .all(|w| w[1].on_connection == w[0].on_connection + 1),
        "one connection"
    );
}

/// Local secrets: answered from one snapshot, without a server; a Flow being built fails
/// every entry as it fails every get.
#[test]
fn local_batch_is_a_loop_over_one_snapshot() {
    let home = TempDir::new("batch-local");
    let store = store(
        &home,
        &[
            ("PREFECT__CONTEXT__SECRETS__A", "[1, 2]"),
            ("PREFECT__CONTEXT__SECRETS__B", "b"),
        ],
    );
    assert_eq!(
        batch(&store, &["a", "b", "c"], Format::Json),
        vec![Ok(Some("[1,2]".into())), Ok(Some("\"b\"".into())), Ok(None)]
    );
}

/// A caller's deadline bounds the whole batch: a server that never answers fails every
/// name by then.
#[test]
fn a_batch_ends_by_the_callers_deadline() {
    let server = TestServer::start(|_: &Request| Action::Hang);
    let home = TempDir::new("batch-deadline");
    let store = prefect3(
        &home,
        &server,
        &[("PREFECT_CLIENT_CSRF_SUPPORT_ENABLED", "false")],
    );
    let started = Instant::now();
    let got = with_deadline(started + Duration::from_millis(300), || {
        batch(&store, &["one", "two"], Format::Text)
    });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for e in got {
        assert!(e.unwrap_err().message.contains("deadline"));
    }
}

/// Under rate limits a batch is one request with Prefect's retries: a server answering
/// every second request 429 (`Retry-After: 0`) costs one retry per page, no failure.
#[test]
fn a_batch_retries_as_one_request_under_429s() {
    let count = Arc::new(Mutex::new(0usize));
    let seen = count.clone();
    let server = blocks_server(move |req| {
        if req.path.starts_with("/api/csrf-token") {
            return Some(Action::json(
                422,
                r#"{"detail": "CSRF protection is disabled."}"#,
            ));
        }
        let mut n = seen.lock().unwrap();
        *n += 1;
        (*n % 2 == 1).then(|| Action::Respond {
            status: 429,
            headers: vec![("Retry-After".into(), "0".into())],
            body: br#"{"detail": "rate limited"}"#.to_vec(),
        })
    });
    let home = TempDir::new("batch-429");
    let store = prefect3(&home, &server, &[]);
    let names: Vec<String> = (0..300).map(|i| format!("many-{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    for (i, got) in batch(&store, &names, Format::Text).into_iter().enumerate() {
        assert_eq!(got.unwrap(), Some(i.to_string()));
    }
    // Two pages, each refused once, then answered.
    assert_eq!(filters(&server).len(), 4);
}
