//! The server path against real loopback servers: misbehaving servers, limits, the
//! refresh dance, concurrency, connection reuse, TLS, and messages that never carry the
//! token or a secret value.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::{Error, ErrorKind};
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;
use prefect_secrets::testing::value::Value;

use support::server::{Action, Request, TestServer};
use support::tempdir::TempDir;

const TOKEN: &str = "tok-SECRET-4af1";
const VALUE: &str = "val-SECRET-77c2";

fn reply(value: &str) -> Action {
    Action::json(200, format!(r#"{{"data": {{"secretValue": "{value}"}}}}"#))
}

/// A store whose configuration points at `graphql`, with extra `PREFECT__` settings.
fn store_for(home: &TempDir, graphql: &str, extra: &[(&str, &str)]) -> Store {
    let home = home.text();
    let mut pairs = vec![
        ("HOME".to_string(), home),
        ("PREFECT__CLOUD__USE_LOCAL_SECRETS".into(), "false".into()),
        ("PREFECT__CLOUD__GRAPHQL".into(), graphql.into()),
        ("PREFECT__CLOUD__AUTH_TOKEN".into(), TOKEN.into()),
    ];
    for (k, v) in extra {
        pairs.retain(|(name, _)| name != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    let env = Environment::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Store::with_env(env, sys::accounts())
}

fn get(store: &Store, name: &str) -> Result<Option<String>, Error> {
    resolve::get(store, name, Format::Text, |b| {
        String::from_utf8_lossy(b).into_owned()
    })
}

fn expect_client_error(store: &Store, contains: &str) -> Error {
    let e = get(store, "s").expect_err("the get should fail");
    assert_eq!(e.kind, ErrorKind::Client, "{}", e.message);
    assert!(
        e.message.contains(contains),
        "message {:?} lacks {contains:?}",
        e.message
    );
    assert_clean(&e);
    e
}

/// No message ever carries the token or a secret value.
fn assert_clean(e: &Error) {
    assert!(
        !e.message.contains(TOKEN),
        "token in message: {}",
        e.message
    );
    assert!(
        !e.message.contains(VALUE),
        "value in message: {}",
        e.message
    );
    assert!(
        !e.message.contains("SECRET"),
        "secret-looking text in message: {}",
        e.message
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = TestServer::start(|_| Action::Hang);
    let home = TempDir::new("srv");
    let store = store_for(
        &home,
        &server.url(),
        &[("PREFECT__CLOUD__REQUEST_TIMEOUT", "0.5")],
    );
    let started = Instant::now();
    expect_client_error(&store, "timed out after 500 ms");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A caller's deadline (`secret_get_alloc_within`) shorter than the request timeout ends
/// the exchange by then; a longer one leaves the request timeout in charge.
#[test]
fn a_callers_deadline_ends_the_exchange_first() {
    use prefect_secrets::testing::server::with_deadline;
    let server = TestServer::start(|_| Action::Hang);
    let home = TempDir::new("srv");
    let store = store_for(
        &home,
        &server.url(),
        &[("PREFECT__CLOUD__REQUEST_TIMEOUT", "30")],
    );
    let started = Instant::now();
    let e = with_deadline(started + Duration::from_millis(300), || {
        get(&store, "s").expect_err("the get should fail")
    });
    assert_eq!(e.kind, ErrorKind::Client, "{}", e.message);
    assert!(
        e.message.contains("the call's deadline passed"),
        "{}",
        e.message
    );
    assert_clean(&e);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A deadline already past sends nothing.
    let before = server.requests().len();
    let e = with_deadline(Instant::now(), || {
        get(&store, "s").expect_err("no time left")
    });
    assert!(e.message.contains("deadline had passed"), "{}", e.message);
    assert_eq!(server.requests().len(), before);

    // Longer than the request timeout: the request timeout's message.
    let store = store_for(
        &home,
        &server.url(),
        &[("PREFECT__CLOUD__REQUEST_TIMEOUT", "0.3")],
    );
    let e = with_deadline(Instant::now() + Duration::from_secs(60), || {
        get(&store, "s").expect_err("the get should fail")
    });
    assert!(
        e.message
            .contains("timed out after 300 ms (cloud.request_timeout)"),
        "{}",
        e.message
    );
}

#[test]
fn a_server_that_drips_a_byte_a_second_times_out() {
    let body = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{{\"data\": {{\"secretValue\": \"{VALUE}\"}}}}"
    );
    let server = TestServer::start(move |_| Action::Drip {
        bytes: body.clone().into_bytes(),
        interval: Duration::from_secs(1),
    });
    let home = TempDir::new("srv");
    let store = store_for(
        &home,
        &server.url(),
        &[("PREFECT__CLOUD__REQUEST_TIMEOUT", "1.5")],
    );
    let started = Instant::now();
    expect_client_error(&store, "timed out after 1500 ms");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_connection_closed_mid_reply_is_a_client_error() {
    let server = TestServer::start(|_| {
        Action::RawThenClose(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\": {\"sec"
                .to_vec(),
        )
    });
    let home = TempDir::new("srv");
    let store = store_for(&home, &server.url(), &[]);
    expect_client_error(&store, "network error");
}

#[test]
fn a_100_mib_reply_is_refused_not_read() {
    let server = TestServer::start(|_| Action::Huge { len: 100 << 20 });
    let home = TempDir::new("srv");
    let store = store_for(&home, &server.url(), &[]);
    expect_client_error(&store, "larger than 4194304 bytes");
    // And with a tighter cap, an ordinary reply is too big.
    let small = TestServer::start(|_| reply("abc"));
    let store = store_for(
        &home,
        &small.url(),
        &[("PREFECT__CLOUD__MAX_REPLY_BYTES", "10")],
    );
    expect_client_error(&store, "larger than 10 bytes");
}

#[test]
fn replies_that_are_not_json_or_not_utf8_are_client_errors() {
    let server = TestServer::start(|_| Action::json(200, "<html>down for maintenance</html>"));
    let home = TempDir::new("srv");
    expect_client_error(&store_for(&home, &server.url(), &[]), "not JSON");

    let server = TestServer::start(|_| {
        Action::json(200, b"{\"data\": {\"secretValue\": \"\xff\xfe\"}}".to_vec())
    });
    expect_client_error(&store_for(&home, &server.url(), &[]), "not valid UTF-8");
}

#[test]
fn a_refresh_reply_without_a_token_retries_with_bearer_none() {
    let calls = Arc::new(AtomicUsize::new(0));
    let n = calls.clone();
    let server = TestServer::start(move |req: &Request| {
        if req.path.ends_with("/refresh_token") {
            return Action::json(200, "{}");
        }
        match n.fetch_add(1, Ordering::SeqCst) {
            0 => Action::json(401, ""),
            _ => reply(VALUE),
        }
    });
    let home = TempDir::new("srv");
    let store = store_for(&home, &format!("{}/graphql", server.url()), &[]);
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some(VALUE));
    let auth: Vec<_> = server
        .requests()
        .iter()
        .map(|r| {
            (
                r.path.clone(),
                r.header("Authorization").map(str::to_string),
            )
        })
        .collect();
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        auth,
        vec![
            ("/graphql".to_string(), Some(bearer.clone())),
            ("/graphql/refresh_token".to_string(), Some(bearer)),
            ("/graphql".to_string(), Some("Bearer None".to_string())),
        ]
    );
}

#[test]
fn unauthorized_twice_is_an_auth_error() {
    let server = TestServer::start(|req: &Request| {
        if req.path.ends_with("/refresh_token") {
            Action::json(200, r#"{"token": "new-token"}"#)
        } else {
            Action::json(401, "")
        }
    });
    let home = TempDir::new("srv");
    let store = store_for(&home, &server.url(), &[]);
    let e = get(&store, "s").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth, "{}", e.message);
    assert_clean(&e);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        server.requests()[2].header("Authorization"),
        Some("Bearer new-token")
    );
}

#[test]
fn no_token_fails_before_any_request() {
    let server = TestServer::start(|_| reply(VALUE));
    let home = TempDir::new("srv");
    let store = store_for(&home, &server.url(), &[]);
    store.update(|s| s.set_cloud("auth_token", None)).unwrap();
    let e = get(&store, "s").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(e.message, "Call Client.login() to set the client token.");
    // The credentials file is read at each get.
    home.write(".prefect/.credentials/auth_token", TOKEN);
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some(VALUE));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn repeated_gets_reuse_one_connection() {
    let server = TestServer::start(|_| reply(VALUE));
    let home = TempDir::new("srv");
    let store = store_for(
        &home,
        &server.url(),
        &[("PREFECT__CLOUD__REUSE_WINDOW", "0")],
    );
    for _ in 0..50 {
        assert_eq!(get(&store, "s").unwrap().as_deref(), Some(VALUE));
    }
    assert_eq!(server.requests().len(), 50);
    assert_eq!(
        server.connections(),
        1,
        "every get should reuse the kept-alive connection"
    );
}

#[test]
fn thirty_two_threads_fetch_at_once() {
    let server = TestServer::start(|req: &Request| {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let name = body
            .split("\\\"name\\\": \\\"")
            .nth(1)
            .unwrap_or("?")
            .split('\\')
            .next()
            .unwrap_or("?")
            .to_string();
        reply(&format!("value-of-{name}"))
    });
    let home = TempDir::new("srv");
    let store = Arc::new(store_for(
        &home,
        &server.url(),
        &[("PREFECT__CLOUD__REUSE_WINDOW", "0")],
    ));
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let store = store.clone();
            thread::spawn(move || {
                for round in 0..20 {
                    let name = format!("n{i}-{round}");
                    let got = get(&store, &name).unwrap();
                    assert_eq!(got.as_deref(), Some(format!("value-of-{name}").as_str()));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(server.requests().len(), 32 * 20);
    assert!(
        server.connections() <= 32,
        "{} connections for 32 threads: kept-alive connections should be reused",
        server.connections()
    );
}

/// 64 threads released together ask for one name, cache and reuse off, against a slow
/// server: they share requests not yet sent, so the server sees at most two, and every
/// thread gets the value of one of them.
fn sixty_four_threads_at_once_share(flavor: &str, answer: fn(&str) -> Action) {
    let calls = Arc::new(AtomicUsize::new(0));
    let n = calls.clone();
    let server = TestServer::start(move |_| {
        let v = format!("v{}", n.fetch_add(1, Ordering::SeqCst));
        // Slow enough that every thread arrives while the first request is in flight.
        thread::sleep(Duration::from_millis(250));
        answer(&v)
    });
    let home = TempDir::new("srv");
    let off = [
        ("PREFECT__CLOUD__CACHE_TTL", "0"),
        ("PREFECT__CLOUD__REUSE_WINDOW", "0"),
    ];
    let store = Arc::new(match flavor {
        "prefect-3" => prefect3_store(&home, &format!("{}/api", server.url()), &off),
        _ => store_for(&home, &server.url(), &off),
    });
    let barrier = Arc::new(std::sync::Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                get(&store, "shared-name")
            })
        })
        .collect();
    for t in threads {
        let got = t.join().unwrap().unwrap();
        assert!(
            matches!(got.as_deref(), Some("v0" | "v1")),
            "{flavor}: {got:?}"
        );
    }
    let asked = server.requests().len();
    assert!((1..=2).contains(&asked), "{flavor}: {asked} requests");
}

#[test]
fn sixty_four_threads_at_once_cost_at_most_two_requests() {
    sixty_four_threads_at_once_share("prefect-0.5", reply);
    sixty_four_threads_at_once_share("prefect-3", |v| block(&format!("\"{v}\"")));
}

#[test]
fn a_thread_reuses_what_it_just_fetched_until_something_changes() {
    let calls = Arc::new(AtomicUsize::new(0));
    let n = calls.clone();
    let server =
        TestServer::start(move |_| reply(&format!("v{}", n.fetch_add(1, Ordering::SeqCst))));
    let home = TempDir::new("srv");
    let store = store_for(&home, &server.url(), &[]);
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some("v0"));
    let json = resolve::get(&store, "s", Format::Json, |b| b.to_vec()).unwrap();
    assert_eq!(json.as_deref(), Some(&b"\"v0\""[..]));
    assert_eq!(server.requests().len(), 1);
    // A different name asks again; so does anything after a setter.
    assert_eq!(get(&store, "t").unwrap().as_deref(), Some("v1"));
    store
        .update(|s| s.set_cloud("reuse_window", Some(Value::Float(0.0))))
        .unwrap();
    assert_eq!(get(&store, "t").unwrap().as_deref(), Some("v2"));
    assert_eq!(get(&store, "t").unwrap().as_deref(), Some("v3"));
}

#[test]
fn clear_text_tokens_go_only_to_loopback() {
    let home = TempDir::new("srv");
    // 192.0.2.0/24 is reserved for documentation: nothing is ever sent there.
    let store = store_for(&home, "http://192.0.2.10:4200/graphql", &[]);
    let e = expect_client_error(&store, "clear text");
    assert!(
        e.message.contains("http://192.0.2.10:4200"),
        "{}",
        e.message
    );
    let store = store_for(&home, "http://user:pw@192.0.2.10/graphql", &[]);
    let e = expect_client_error(&store, "clear text");
    assert!(!e.message.contains("pw"), "{}", e.message);
}

#[test]
fn redirects_are_not_followed() {
    let elsewhere = TestServer::start(|_| reply(VALUE));
    let target = format!("{}/steal", elsewhere.url());
    let server = TestServer::start(move |_| Action::Respond {
        status: 302,
        headers: vec![("Location".into(), target.clone())],
        body: Vec::new(),
    });
    let home = TempDir::new("srv");
    expect_client_error(&store_for(&home, &server.url(), &[]), "redirect");
    assert!(elsewhere.requests().is_empty());
}

#[test]
fn https_with_a_named_ca_bundle() {
    let pki = support::tls::make_pki();
    let server = TestServer::start_tls(pki.server.clone(), |_| reply(VALUE));
    let home = TempDir::new("srv");
    let ca = home.write("ca.pem", &pki.ca_pem);
    let url = format!("{}/graphql", server.https_url());
    // Our CA is not in the system's trust store.
    expect_client_error(&store_for(&home, &url, &[]), "TLS");
    // `/` separators: a `\` in an environment value is an escape.
    let ca = ca.to_str().unwrap().replace('\\', "/");
    let store = store_for(&home, &url, &[("PREFECT__CLOUD__CA_BUNDLE", &ca)]);
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some(VALUE));
    assert_eq!(
        server.requests()[0].header("Authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    // A bundle that is not a certificate is a configuration error.
    let junk = home.write("junk.pem", "not a certificate");
    let junk = junk.to_str().unwrap().replace('\\', "/");
    let store = store_for(&home, &url, &[("PREFECT__CLOUD__CA_BUNDLE", &junk)]);
    let e = get(&store, "s").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config, "{}", e.message);
}

/// A CA bundle that is not a regular file (a FIFO no one writes to, a device, a
/// directory, a huge sparse file) is a configuration error naming it, at once; and it
/// blocks no other get meanwhile.
#[cfg(unix)]
#[test]
fn a_ca_bundle_that_is_not_a_regular_file_is_refused_at_once() {
    let server = TestServer::start(|_| reply(VALUE));
    let home = TempDir::new("ca");
    let fifo = home.path().join("fifo.pem");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let sparse = home.path().join("sparse.pem");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let https = format!("https://localhost:{}/graphql", server.addr.port());
    let plain = store_for(&home, &server.url(), &[]);
    for (path, why) in [
        (fifo.to_str().unwrap(), "a FIFO"),
        ("/dev/zero", "a device"),
        (home.text().as_str(), "a directory"),
        (sparse.to_str().unwrap(), "larger than"),
    ] {
        let store = store_for(&home, &https, &[("PREFECT__CLOUD__CA_BUNDLE", path)]);
        let other = thread::scope(|s| {
            let bad = s.spawn(|| {
                let started = Instant::now();
                (get(&store, "s"), started.elapsed())
            });
            // Meanwhile, a get through another agent goes on as usual.
            let other = get(&plain, "s");
            let (result, took) = bad.join().unwrap();
            let e = result.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Config, "{path}: {}", e.message);
            assert!(
                e.message.contains(path) && e.message.contains(why),
                "{path}: {}",
                e.message
            );
            assert!(took < Duration::from_secs(2), "{path}: took {took:?}");
            other
        });
        assert_eq!(other.unwrap().as_deref(), Some(VALUE));
    }
}

#[test]
fn bad_limits_are_configuration_errors() {
    let home = TempDir::new("srv");
    for (key, value) in [
        ("PREFECT__CLOUD__REQUEST_TIMEOUT", "0"),
        ("PREFECT__CLOUD__CONNECT_TIMEOUT", "-1"),
        ("PREFECT__CLOUD__REQUEST_TIMEOUT", "soon"),
        ("PREFECT__CLOUD__MAX_REPLY_BYTES", "1.5"),
        ("PREFECT__CLOUD__ALLOW_INSECURE_HTTP", "yes"),
        ("PREFECT__CLOUD__REUSE_WINDOW", "-1"),
    ] {
        let store = store_for(&home, "http://127.0.0.1:9/graphql", &[(key, value)]);
        let e = get(&store, "s").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config, "{key}={value}: {}", e.message);
    }
}

#[test]
fn failure_messages_never_carry_secrets() {
    let home = TempDir::new("srv");
    let echo =
        format!(r#"{{"errors": [{{"message": "bad"}}], "data": {{"secretValue": "{VALUE}"}}}}"#);
    let scenarios: Vec<Action> = vec![
        Action::json(500, format!("{{\"detail\": \"{VALUE} {TOKEN}\"}}")),
        Action::json(200, echo),
        Action::json(200, format!("{VALUE} is not json")),
        Action::json(
            200,
            format!(r#"{{"data": {{"secretValue": {{"items": "{VALUE}"}}}}}}"#),
        ),
        Action::json(404, ""),
    ];
    for action in scenarios {
        let action = Arc::new(std::sync::Mutex::new(Some(action)));
        let server = TestServer::start(move |_| {
            action
                .lock()
                .unwrap()
                .take()
                .unwrap_or_else(|| Action::json(500, ""))
        });
        let e = get(&store_for(&home, &server.url(), &[]), "s").unwrap_err();
        assert_clean(&e);
    }
}

#[test]
fn the_opt_in_cache_serves_every_thread_until_it_expires() {
    use prefect_secrets::testing::server::cache;
    let calls = Arc::new(AtomicUsize::new(0));
    let n = calls.clone();
    let server =
        TestServer::start(move |_| reply(&format!("v{}", n.fetch_add(1, Ordering::SeqCst))));
    let home = TempDir::new("srv");
    let store = Arc::new(store_for(
        &home,
        &server.url(),
        &[
            ("PREFECT__CLOUD__CACHE_TTL", "0.4"),
            ("PREFECT__CLOUD__REUSE_WINDOW", "0"),
        ],
    ));
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some("v0"));
    let other = store.clone();
    let from_another_thread = thread::spawn(move || get(&other, "s").unwrap())
        .join()
        .unwrap();
    assert_eq!(from_another_thread.as_deref(), Some("v0"));
    assert_eq!(server.requests().len(), 1);
    // Once expired it is asked again (that the sweeper wipes it by then, without any
    // further get, is tests/c/test_memory_scan.c's to prove).
    thread::sleep(Duration::from_millis(500));
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some("v1"));
    // secret_cache_clear and any setter end it at once.
    cache::clear();
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some("v2"));
    store
        .update(|s| {
            s.set_flow_building(false);
            Ok(())
        })
        .unwrap();
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some("v3"));
    assert_eq!(get(&store, "s").unwrap().as_deref(), Some("v3"));
}

/// A store speaking the Prefect 3 flavour to `api`, with extra `PREFECT__`/Prefect 3 variables.
fn prefect3_store(home: &TempDir, api: &str, extra: &[(&str, &str)]) -> Store {
    let mut all = vec![
        ("PREFECT__CLOUD__SERVER_FLAVOR", "prefect-3"),
        ("PREFECT_API_URL", api),
        ("PREFECT__CLOUD__AUTH_TOKEN", ""),
    ];
    all.extend_from_slice(extra);
    store_for(home, "http://127.0.0.1:9/unused", &all)
}

fn block(value: &str) -> Action {
    Action::json(
        200,
        format!(r#"{{"id": "x", "name": "n", "data": {{"value": {value}}}}}"#),
    )
}

#[test]
fn prefect3_secret_blocks() {
    let server = TestServer::start(|req: &Request| {
        let name = req
            .path
            .split("/name/")
            .nth(1)
            .unwrap_or("")
            .split('?')
            .next()
            .unwrap_or("");
        match name {
            "text" => block(&format!("\"{VALUE}\"")),
            "json-text" => block(r#""{\"a\": [1, 2.5]}""#),
            "object" => block(r#"{"user": "u", "n": 1}"#),
            "null-text" => block(r#""null""#),
            "forbidden" => Action::json(403, "{}"),
            "broken" => Action::json(200, r#"{"data": {}}"#),
            _ => Action::json(404, r#"{"detail": "Block document not found"}"#),
        }
    });
    let home = TempDir::new("p3");
    let api = format!("{}/api", server.url());
    let store = prefect3_store(&home, &api, &[]);
    assert_eq!(get(&store, "text").unwrap().as_deref(), Some(VALUE));
    assert_eq!(
        get(&store, "json-text").unwrap().as_deref(),
        Some(r#"{"a":[1,2.5]}"#)
    );
    assert_eq!(
        get(&store, "object").unwrap().as_deref(),
        Some(r#"{"user":"u","n":1}"#)
    );
    assert_eq!(get(&store, "null-text").unwrap(), None);
    assert_eq!(get(&store, "missing").unwrap(), None);
    // Names no block can have (Prefect: lowercase letters, digits, dashes) are not found,
    // without a request; so is `..`, never sent as a path segment.
    let asked = server.requests().len();
    for impossible in ["a/b c", "..", "UPPER", "db_pass", ""] {
        assert_eq!(get(&store, impossible).unwrap(), None, "{impossible:?}");
    }
    // A 100 KB name is not sent either, and says why.
    let e = get(&store, &"x".repeat(100_000)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Client);
    assert!(e.message.contains("100000 bytes long"), "{}", e.message);
    assert_eq!(
        server.requests().len(),
        asked,
        "no request for impossible names"
    );
    assert_eq!(get(&store, "forbidden").unwrap_err().kind, ErrorKind::Auth);
    assert_eq!(get(&store, "broken").unwrap_err().kind, ErrorKind::Client);
    let first = &server.requests()[0];
    assert_eq!(first.method, "GET");
    assert_eq!(
        first.path,
        "/api/block_types/slug/secret/block_documents/name/text?include_secrets=true"
    );
    assert_eq!(first.header("Authorization"), None);
}

#[test]
fn prefect3_credentials() {
    let server = TestServer::start(|_| block(r#""v""#));
    let home = TempDir::new("p3");
    let api = format!("{}/api", server.url());
    let auth = |extra: &[(&str, &str)]| {
        let store = prefect3_store(&home, &api, extra);
        get(&store, "s").unwrap();
        server
            .requests()
            .last()
            .unwrap()
            .header("Authorization")
            .map(str::to_string)
    };
    assert_eq!(
        auth(&[("PREFECT_API_KEY", "pnu_key")]).as_deref(),
        Some("Bearer pnu_key")
    );
    // The auth string wins over the key, as in Prefect's client: base64("admin:pass").
    assert_eq!(
        auth(&[
            ("PREFECT_API_KEY", "pnu_key"),
            ("PREFECT_API_AUTH_STRING", "admin:pass")
        ])
        .as_deref(),
        Some("Basic YWRtaW46cGFzcw==")
    );
    // Configuration keys override the Prefect 3 variables.
    assert_eq!(
        auth(&[
            ("PREFECT_API_KEY", "pnu_key"),
            ("PREFECT__CLOUD__API_KEY", "from-config")
        ])
        .as_deref(),
        Some("Bearer from-config")
    );
    // Never in clear text to a host that is not loopback, never in a message.
    let store = prefect3_store(
        &home,
        "http://192.0.2.10/api",
        &[("PREFECT_API_KEY", TOKEN)],
    );
    let e = get(&store, "s").unwrap_err();
    assert!(e.message.contains("clear text"), "{}", e.message);
    assert_clean(&e);
    let store = prefect3_store(&home, "", &[]);
    assert!(
        get(&store, "s")
            .unwrap_err()
            .message
            .contains("PREFECT_API_URL")
    );
}

#[test]
fn a_deeply_nested_refresh_token_does_not_overflow_a_small_stack() {
    let deep = format!("{{\"token\": {}1{}}}", "[".repeat(9_999), "]".repeat(9_999));
    let server = TestServer::start(move |req: &Request| {
        if req.path.ends_with("/refresh_token") {
            Action::json(200, deep.clone())
        } else {
            Action::json(401, "")
        }
    });
    let home = TempDir::new("srv");
    let store = store_for(&home, &server.url(), &[]);
    let e = thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || get(&store, "s").unwrap_err())
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(e.kind, ErrorKind::Auth, "{}", e.message);
}

/// A server that echoes the credentials it was sent in its GraphQL errors: the message
/// keeps the server's words but never the token, the refreshed token included.
#[test]
fn credentials_echoed_by_the_server_are_masked() {
    let echo = |req: &Request| {
        let auth = req.header("Authorization").unwrap_or("").to_string();
        Action::json(
            200,
            format!(r#"{{"errors": [{{"message": "bad token {auth}"}}]}}"#),
        )
    };
    let server = TestServer::start(echo);
    let home = TempDir::new("echo");
    let store = store_for(&home, &server.url(), &[]);
    let e = expect_client_error(&store, "bad token Bearer [redacted]");
    assert!(!e.message.contains("tok-"), "{}", e.message);

    // Not a list of messages: Python's str(errors), as Prefect shows it, still masked.
    let server = TestServer::start(|req: &Request| {
        let auth = req.header("Authorization").unwrap_or("").to_string();
        Action::json(200, format!(r#"{{"errors": {{"sent": "{auth}"}}}}"#))
    });
    let store = store_for(&home, &server.url(), &[]);
    expect_client_error(&store, "{'sent': 'Bearer [redacted]'}");

    // After a 401 and a refresh, the fresh token is masked too.
    const FRESH: &str = "fresh-SECRET-0b1c";
    let server = TestServer::start(|req: &Request| {
        let auth = req.header("Authorization").unwrap_or("").to_string();
        if req.path.ends_with("/refresh_token") {
            Action::json(200, format!(r#"{{"token": "{FRESH}"}}"#))
        } else if auth.contains(TOKEN) {
            Action::json(401, "{}")
        } else {
            Action::json(
                200,
                format!(r#"{{"errors": [{{"message": "expired: {auth}"}}]}}"#),
            )
        }
    });
    let store = store_for(&home, &server.url(), &[]);
    let e = expect_client_error(&store, "expired: Bearer [redacted]");
    assert!(!e.message.contains(FRESH), "{}", e.message);
}

/// A token with a TAB (and quotes, a slash, a space, `+`, `%`, `~`), echoed by the server
/// in another form: inside a non-list `errors` (shown as Python's `str(errors)`, whose repr
/// writes the TAB as `\t` and the quote as `\'`), as JSON text inside a message,
/// percent-encoded, and in base64, alone or inside a longer encoded text at each of the
/// three alignments (`Basic base64("user:" + token)`). The message still says what
/// happened and holds the token in no form. (A token with other control characters or
/// non-ASCII text cannot be sent in a header, so no server can echo it: those forms are
/// proven in `server::redact`'s unit tests.)
#[test]
fn an_echoed_token_is_masked_in_every_form() {
    const TAB_TOKEN: &str = "tok-SECRET\t'\"/ +%~-4af1";
    type Echo = fn(&str) -> String;
    let echoes: [(&str, Echo); 10] = [
        ("repr", |t| {
            let sent = serde_json::to_string(&format!("Bearer {t}")).unwrap();
            format!(r#"{{"errors": {{"sent": {sent}, "why": "expired"}}}}"#)
        }),
        ("str", |t| {
            let text = serde_json::to_string(&format!("bad token {t}")).unwrap();
            format!(r#"{{"errors": {text}}}"#)
        }),
        ("json in text", |t| {
            let inner = serde_json::to_string(&serde_json::json!({ "token": t })).unwrap();
            message(&format!("request was {inner}"))
        }),
        ("percent, lower", |t| {
            message(&format!("GET /?token={}", percent(t, false)))
        }),
        ("percent, upper", |t| {
            message(&format!("GET /?token={}", percent(t, true)))
        }),
        ("base64", |t| {
            message(&format!("token {}", b64(t.as_bytes(), false, true)))
        }),
        ("basic", |t| {
            let auth = b64(format!("user:{t}").as_bytes(), false, true);
            message(&format!("Authorization: Basic {auth}"))
        }),
        ("base64 after 1 byte, URL-safe, unpadded", |t| {
            message(&format!(
                "t={}",
                b64(format!("u{t}").as_bytes(), true, false)
            ))
        }),
        ("base64 after 3 bytes", |t| {
            message(&format!(
                "t={}",
                b64(format!("xyz{t}").as_bytes(), false, true)
            ))
        }),
        ("base64 after 2 bytes, in a repr", |t| {
            let encoded = b64(format!("us{t}").as_bytes(), true, true);
            format!(r#"{{"errors": {{"b64": "{encoded}"}}}}"#)
        }),
    ];
    let home = TempDir::new("echo-forms");
    for (what, echo) in echoes {
        let server = TestServer::start(move |req: &Request| {
            let auth = req.header("Authorization").unwrap_or("");
            let token = auth.strip_prefix("Bearer ").unwrap_or(auth);
            Action::json(200, echo(token))
        });
        let store = store_for(
            &home,
            &server.url(),
            &[("PREFECT__CLOUD__AUTH_TOKEN", TAB_TOKEN)],
        );
        let e = expect_client_error(&store, "the server answered with GraphQL errors: ");
        // The server did receive the TAB (so its echo holds the token).
        assert_eq!(
            server.requests()[0].header("Authorization"),
            Some(format!("Bearer {TAB_TOKEN}").as_str())
        );
        assert!(e.message.contains("[redacted]"), "{what}: {}", e.message);
        if what == "repr" {
            // What the message still says, around the mask.
            assert!(
                e.message
                    .ends_with("GraphQL errors: {'sent': 'Bearer [redacted]', 'why': 'expired'}"),
                "{}",
                e.message
            );
        }
        for form in token_forms(TAB_TOKEN) {
            assert!(
                !e.message.contains(&form),
                "{what}: the token as {form:?} in {}",
                e.message
            );
        }
    }
}

/// `{"errors": [{"message": text}]}`.
fn message(text: &str) -> String {
    let text = serde_json::to_string(text).unwrap();
    format!(r#"{{"errors": [{{"message": {text}}}]}}"#)
}

/// Percent-encoding, `+` for a space.
fn percent(text: &str, upper: bool) -> String {
    text.bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => (b as char).to_string(),
            b if upper => format!("%{b:02X}"),
            b => format!("%{b:02x}"),
        })
        .collect()
}

/// Base64, standard or URL-safe, padded or not.
fn b64(bytes: &[u8], url_safe: bool, padded: bool) -> String {
    let alphabet: &[u8; 64] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else if padded {
                out.push('=');
            }
        }
    }
    out
}

/// Pieces of every form of `token` a message could show: as it is, Python's repr and
/// JSON's escapes of it, percent-encoded, and 8-character pieces of the part of its base64
/// that is the same wherever it sits (each alignment, each alphabet).
fn token_forms(token: &str) -> Vec<String> {
    use prefect_secrets::testing::pyjson::repr::repr_str;
    use prefect_secrets::testing::pystr::PyStr;
    let repr = repr_str(&PyStr::from(token)).to_string_lossy();
    let json = serde_json::to_string(token).unwrap();
    let mut forms = vec![
        token.to_string(),
        repr[1..repr.len() - 1].to_string(),
        json[1..json.len() - 1].to_string(),
        percent(token, false),
        percent(token, true),
        "SECRET".to_string(),
    ];
    for align in 0..3 {
        let mut bytes = vec![0u8; align];
        bytes.extend_from_slice(token.as_bytes());
        for url_safe in [false, true] {
            let whole = b64(&bytes, url_safe, false);
            let middle = &whole[(8 * align).div_ceil(6)..8 * bytes.len() / 6];
            forms.extend(
                middle
                    .as_bytes()
                    .windows(8)
                    .map(|w| String::from_utf8(w.to_vec()).unwrap()),
            );
        }
    }
    forms
}

/// Prefect's ClientError shows `str(errors)` when it is not a list of messages.
#[test]
fn graphql_errors_that_are_not_a_list_are_shown_as_python_shows_them() {
    let server =
        TestServer::start(|_| Action::json(200, r#"{"data": "42", "errors": "GraphQL issue!"}"#));
    let home = TempDir::new("errs");
    let store = store_for(&home, &server.url(), &[]);
    expect_client_error(&store, "GraphQL issue!");
}

/// Prefect 3's client retries 429/503 (here with `Retry-After: 0`); Prefect 0.5.3's had
/// no retries, and its flavour keeps none. Recorded from Prefect 3.9.1: 429, 503, 429,
/// then the block gives the value after 4 requests.
#[test]
fn prefect3_retries_what_prefect_retries_and_prefect05_does_not() {
    let retry_now = |status: u16| Action::Respond {
        status,
        headers: vec![("Retry-After".into(), "0".into())],
        body: b"{}".to_vec(),
    };
    let script = std::sync::Mutex::new(vec![
        retry_now(429),
        retry_now(503),
        retry_now(429),
        block(&format!("\"{VALUE}\"")),
    ]);
    let server = TestServer::start(move |_| {
        let mut s = script.lock().unwrap();
        if s.is_empty() {
            retry_now(429)
        } else {
            s.remove(0)
        }
    });
    let home = TempDir::new("p3retry");
    let store = prefect3_store(&home, &format!("{}/api", server.url()), &[]);
    assert_eq!(get(&store, "db-pass").unwrap().as_deref(), Some(VALUE));
    assert_eq!(server.requests().len(), 4);

    // Out of tries: the 429 is the answer, and the message says it was retried.
    let e = get(&store, "other").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Client);
    assert!(
        e.message.contains("HTTP 429 (after 5 retries)"),
        "{}",
        e.message
    );
    assert_eq!(server.requests().len(), 4 + 6);

    let v053 = store_for(&home, &server.url(), &[]);
    assert_eq!(get(&v053, "s").unwrap_err().kind, ErrorKind::Client);
    assert_eq!(server.requests().len(), 4 + 6 + 1);
}

/// A URL without `/api` reaches Prefect's server but no route: its 404 is an error that
/// says the URL is wrong; only the block's own 404 ("Block document not found") is not
/// found. A proxy's page (not JSON) is a wrong URL too.
#[test]
fn prefect3_a_route_404_is_a_wrong_url_not_a_missing_secret() {
    let server = TestServer::start(|req: &Request| {
        if req.path.starts_with("/api/") {
            Action::json(404, r#"{"detail": "Block document not found"}"#)
        } else if req.path.starts_with("/proxy/") {
            Action::json(404, "<html>nothing here</html>")
        } else {
            Action::json(404, r#"{"detail":"Not Found"}"#)
        }
    });
    let home = TempDir::new("p3route");
    let store = prefect3_store(&home, &format!("{}/api", server.url()), &[]);
    assert_eq!(get(&store, "db-pass").unwrap(), None);
    for base in ["", "/proxy"] {
        let store = prefect3_store(&home, &format!("{}{base}", server.url()), &[]);
        let e = get(&store, "db-pass").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Client);
        assert!(
            e.message.contains("API URL is probably wrong"),
            "{}",
            e.message
        );
    }
}

/// `list` under Prefect 3: the Secret blocks' names from the server, sorted, asked for
/// without secrets; no Secret block type is no names; a route 404 is a wrong URL.
#[test]
fn prefect3_list_names_the_secret_blocks() {
    use prefect_secrets::testing::report::secret_names;
    let server = TestServer::start(|req: &Request| match req.path.as_str() {
        "/api/block_types/slug/secret/block_documents?include_secrets=false" => Action::json(
            200,
            r#"[{"name": "b-two", "data": {"value": "********"}}, {"name": "a-one", "data": {}}]"#,
        ),
        "/none/block_types/slug/secret/block_documents?include_secrets=false" => {
            Action::json(404, r#"{"detail": "Block type not found"}"#)
        }
        _ => Action::json(404, r#"{"detail": "Not Found"}"#),
    });
    let home = TempDir::new("p3list");
    let names = |base: &str| {
        secret_names(&prefect3_store(
            &home,
            &format!("{}{base}", server.url()),
            &[],
        ))
    };
    assert_eq!(names("/api").unwrap(), ["a-one", "b-two"]);
    assert_eq!(names("/none").unwrap(), Vec::<String>::new());
    assert!(
        names("")
            .unwrap_err()
            .message
            .contains("API URL is probably wrong")
    );
}

/// Prefect 3's TLS settings: `PREFECT_API_SSL_CERT_FILE` (or `SSL_CERT_FILE`, its
/// default) names the CA; `PREFECT_API_TLS_INSECURE_SKIP_VERIFY` checks nothing;
/// `cloud.ca_bundle`, when set, still wins. Custom headers go with the request, one named
/// `Authorization` replacing the key's, a protected `User-Agent` ignored.
#[test]
fn prefect3_tls_settings_and_custom_headers() {
    let pki = support::tls::make_pki();
    let server = TestServer::start_tls(pki.server.clone(), |_| block(&format!("\"{VALUE}\"")));
    let home = TempDir::new("p3tls");
    let ca = home
        .write("ca.pem", &pki.ca_pem)
        .to_str()
        .unwrap()
        .replace('\\', "/");
    let junk = home
        .write("junk.pem", "not a certificate")
        .to_str()
        .unwrap()
        .replace('\\', "/");
    let api = format!("{}/api", server.https_url());
    let value = |extra: &[(&str, &str)]| get(&prefect3_store(&home, &api, extra), "db-pass");
    assert!(value(&[]).unwrap_err().message.contains("TLS"));
    for extra in [
        &[("PREFECT_API_SSL_CERT_FILE", ca.as_str())][..],
        &[("SSL_CERT_FILE", ca.as_str())][..],
        &[("PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "true")][..],
        &[
            ("PREFECT_API_SSL_CERT_FILE", junk.as_str()),
            ("PREFECT__CLOUD__CA_BUNDLE", ca.as_str()),
        ][..],
    ] {
        assert_eq!(value(extra).unwrap().as_deref(), Some(VALUE), "{extra:?}");
    }
    let e = value(&[("PREFECT_API_SSL_CERT_FILE", junk.as_str())]).unwrap_err();
    assert!(e.message.contains("api.ssl_cert_file"), "{}", e.message);

    let headers = format!(
        r#"{{"X-Proxy-Token": "{TOKEN}", "Authorization": "Bearer from-headers", "User-Agent": "mine"}}"#
    );
    let before = server.requests().len();
    let got = value(&[
        ("PREFECT_API_SSL_CERT_FILE", ca.as_str()),
        ("PREFECT_API_KEY", "key-not-sent"),
        ("PREFECT_CLIENT_CUSTOM_HEADERS", &headers),
    ]);
    assert_eq!(got.unwrap().as_deref(), Some(VALUE));
    let sent = &server.requests()[before];
    assert_eq!(sent.header("X-Proxy-Token"), Some(TOKEN));
    assert_eq!(sent.header("Authorization"), Some("Bearer from-headers"));
    assert!(
        sent.header("User-Agent")
            .is_some_and(|ua| ua.starts_with("prefect-secrets/"))
    );
}

/// A retry wait longer than the caller's deadline ends the get at once with an error
/// saying what the server answered; no second request is sent.
#[test]
fn prefect3_a_wait_past_the_deadline_ends_the_get() {
    use prefect_secrets::testing::server::with_deadline;
    let server = TestServer::start(|_| Action::Respond {
        status: 429,
        headers: vec![("Retry-After".into(), "30".into())],
        body: b"{}".to_vec(),
    });
    let home = TempDir::new("p3deadline");
    let store = prefect3_store(&home, &format!("{}/api", server.url()), &[]);
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(2);
    let e = with_deadline(deadline, || get(&store, "db-pass")).unwrap_err();
    assert!(
        e.message.contains("HTTP 429") && e.message.contains("deadline"),
        "{}",
        e.message
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(server.requests().len(), 1);
}
