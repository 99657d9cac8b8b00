//! The library inside real host processes (issue: fork, stale connections):
//!
//! - a process that used the server path and then forks: parent and child each get their
//!   own, correct values (both flavours, http and https), never the other's;
//! - forking while other threads are inside the library never leaves a child hung;
//! - servers that close kept-alive connections (after every reply, as the next request
//!   arrives, or when idle) cost no failed get, and at most one retry per get.
//!
//! Every server is on 127.0.0.1. The children run only library calls and `_exit`.
#![cfg(unix)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::Error;
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;

use support::server::{Action, Request, TestServer};
use support::tempdir::TempDir;
use support::tls::make_pki;

const TOKEN: &str = "tok-host-4af1";

/// The secret's name, as the server saw it (either flavour).
fn requested_name(req: &Request) -> String {
    if let Some(rest) = req.path.split("/name/").nth(1) {
        return rest.split('?').next().unwrap_or("").to_string();
    }
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let variables: serde_json::Value =
        serde_json::from_str(body["variables"].as_str().unwrap_or("{}")).unwrap_or_default();
    variables["name"].as_str().unwrap_or("").to_string()
}

/// Each secret's value is its name's, so a reply meant for another request shows.
fn value_of(name: &str) -> String {
    format!("value-of-{name}")
}

/// The reply for `name` in the flavour the request speaks.
fn answer(req: &Request) -> Action {
    let value = value_of(&requested_name(req));
    if req.method == "GET" {
        Action::json(
            200,
            format!(r#"{{"name": "n", "data": {{"value": "{value}"}}}}"#),
        )
    } else {
        Action::json(200, format!(r#"{{"data": {{"secretValue": "{value}"}}}}"#))
    }
}

#[derive(Clone, Copy, Debug)]
enum Flavor {
    Graphql,
    Blocks,
}

/// A store speaking `flavor` to `base` (http://… or https://localhost:…), asking the
/// server on every get (no reuse window).
fn store_for(home: &TempDir, base: &str, flavor: Flavor, ca: Option<&str>) -> Store {
    let mut pairs = vec![
        ("HOME".to_string(), home.text()),
        ("PREFECT__CLOUD__USE_LOCAL_SECRETS".into(), "false".into()),
        ("PREFECT__CLOUD__REUSE_WINDOW".into(), "0".into()),
        ("PREFECT__CLOUD__REQUEST_TIMEOUT".into(), "10".into()),
    ];
    match flavor {
        Flavor::Graphql => {
            pairs.push(("PREFECT__CLOUD__GRAPHQL".into(), format!("{base}/graphql")));
            pairs.push(("PREFECT__CLOUD__AUTH_TOKEN".into(), TOKEN.into()));
        }
        Flavor::Blocks => {
            pairs.push(("PREFECT__CLOUD__SERVER_FLAVOR".into(), "prefect-3".into()));
            pairs.push(("PREFECT_API_URL".into(), format!("{base}/api")));
            pairs.push(("PREFECT_API_KEY".into(), TOKEN.into()));
        }
    }
    if let Some(ca) = ca {
        pairs.push(("PREFECT__CLOUD__CA_BUNDLE".into(), ca.into()));
    }
    let env = Environment::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Store::with_env(env, sys::accounts())
}

fn get(store: &Store, name: &str) -> Result<Option<String>, Error> {
    resolve::get(store, name, Format::Text, |b| {
        String::from_utf8_lossy(b).into_owned()
    })
}

/// Outcome counts of many gets.
#[derive(Default, Debug, PartialEq)]
struct Tally {
    right: usize,
    wrong: usize,
    failed: usize,
}

/// `count` gets spread over 4 threads, each name unique to this process and call.
fn hammer(store: &Store, tag: &str, count: usize) -> Tally {
    let right = AtomicUsize::new(0);
    let wrong = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    thread::scope(|s| {
        for t in 0..4 {
            let (right, wrong, failed) = (&right, &wrong, &failed);
            s.spawn(move || {
                for i in (t..count).step_by(4) {
                    let name = format!("{tag}-{i}");
                    match get(store, &name) {
                        Ok(Some(v)) if v == value_of(&name) => right.fetch_add(1, Ordering::SeqCst),
                        Ok(_) => wrong.fetch_add(1, Ordering::SeqCst),
                        Err(_) => failed.fetch_add(1, Ordering::SeqCst),
                    };
                }
            });
        }
    });
    Tally {
        right: right.into_inner(),
        wrong: wrong.into_inner(),
        failed: failed.into_inner(),
    }
}

/// Forks; the child runs `child` and exits with its code (99 if it panicked).
fn fork(child: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: the child only runs library code and test code that allocates and spawns
    // threads (what a prefork server's child does), then `_exit`s without unwinding.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(99);
        // SAFETY: ends the child at once, running no destructor of the parent's state.
        unsafe { libc::_exit(code) };
    }
    pid
}

/// The child's exit code, or `None` if it has not exited within `limit` (then killed,
/// after printing where its threads wait, for the failure's reader).
fn wait_for(pid: libc::pid_t, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child; `status` is a valid out-pointer.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return Some(if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                128 + libc::WTERMSIG(status)
            });
        }
        if Instant::now() > deadline {
            eprintln!(
                "child {pid} still running after {limit:?}:\n{}",
                waits_of(pid)
            );
            // SAFETY: our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Where each thread of `pid` waits: its kernel wait channel and system call (202 is
/// `futex`: a lock), from `/proc`.
fn waits_of(pid: libc::pid_t) -> String {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return "  (no /proc)".into();
    };
    let mut out = String::new();
    for task in tasks.flatten() {
        let path = task.path();
        let read = |f: &str| std::fs::read_to_string(path.join(f)).unwrap_or_default();
        out += &format!(
            "  thread {}: wchan {:?}, syscall {:?}\n",
            task.file_name().to_string_lossy(),
            read("wchan").trim(),
            read("syscall").split(' ').next().unwrap_or("").trim()
        );
    }
    out
}

/// A loopback server (https with a generated CA when `tls`; closing idle connections
/// after `idle` when given) and a store speaking `flavor` to it.
fn server_and_store(
    tls: bool,
    idle: Option<Duration>,
    flavor: Flavor,
    handler: fn(&Request) -> Action,
) -> (TestServer, TempDir, Store) {
    let pki = make_pki();
    let server = match (idle, tls) {
        (Some(idle), _) => {
            TestServer::start_idle_timeout(tls.then(|| pki.server.clone()), idle, handler)
        }
        (None, true) => TestServer::start_tls(pki.server.clone(), handler),
        (None, false) => TestServer::start(handler),
    };
    let home = TempDir::new("host");
    let ca = home.write("ca.pem", &pki.ca_pem);
    let ca = ca.to_string_lossy();
    let base = if tls {
        server.https_url()
    } else {
        server.url()
    };
    let store = store_for(&home, &base, flavor, tls.then_some(&*ca));
    (server, home, store)
}

fn fork_cross_talk(flavor: Flavor, tls: bool) {
    let (_server, _home, store) = server_and_store(tls, None, flavor, answer);
    // The parent uses the server path, so it has pooled connections (and a TLS session).
    assert_eq!(get(&store, "warm").unwrap(), Some(value_of("warm")));
    assert_eq!(hammer(&store, "before", 40).right, 40);

    const GETS: usize = 300;
    let child = fork(|| {
        let tally = hammer(&store, "child", GETS);
        if tally.wrong > 0 {
            10
        } else if tally.failed > 0 {
            11
        } else {
            0
        }
    });
    let parent = hammer(&store, "parent", GETS);
    let child = wait_for(child, Duration::from_secs(60));
    assert_eq!(
        parent,
        Tally {
            right: GETS,
            ..Tally::default()
        },
        "{flavor:?} tls={tls}: the parent's gets"
    );
    assert_eq!(
        child,
        Some(0),
        "{flavor:?} tls={tls}: the child (10: a wrong value, 11: an error, 99: a panic)"
    );
}

#[test]
fn after_fork_graphql_http_each_process_gets_its_own_values() {
    fork_cross_talk(Flavor::Graphql, false);
}

#[test]
fn after_fork_graphql_https_each_process_gets_its_own_values() {
    fork_cross_talk(Flavor::Graphql, true);
}

#[test]
fn after_fork_blocks_http_each_process_gets_its_own_values() {
    fork_cross_talk(Flavor::Blocks, false);
}

#[test]
fn after_fork_blocks_https_each_process_gets_its_own_values() {
    fork_cross_talk(Flavor::Blocks, true);
}

/// Fork while 4 threads are inside the library (server gets, and configuration changes
/// through the C ABI on the global store): every child finishes its own library calls.
#[test]
fn forking_while_threads_are_inside_the_library_never_hangs_a_child() {
    use prefect_secrets::testing::ffi::api::*;
    use std::ffi::CString;

    let server = TestServer::start(answer);
    let url = CString::new(format!("{}/graphql", server.url())).unwrap();
    let token = CString::new(TOKEN).unwrap();
    assert_eq!(secret_config_set_use_local_secrets(false), 0);
    // SAFETY: NUL-terminated strings that outlive the calls.
    let rc = unsafe { secret_config_set_cloud_graphql(url.as_ptr()) };
    assert_eq!(rc, 0);
    // SAFETY: as above.
    let rc = unsafe { secret_config_set_auth_token(token.as_ptr()) };
    assert_eq!(rc, 0);
    assert_eq!(secret_config_set_reuse_window(0.0), 0);
    assert_eq!(secret_config_set_cache_ttl(0.5), 0);

    let global_get = |name: &str| -> Result<String, i32> {
        let name = CString::new(name).unwrap();
        let mut buf = [0u8; 256];
        let mut len = 0usize;
        // SAFETY: a C string, and a buffer with its true length.
        let rc = unsafe { secret_get(name.as_ptr(), buf.as_mut_ptr().cast(), buf.len(), &mut len) };
        match rc {
            0 => Ok(String::from_utf8_lossy(&buf[..len]).into_owned()),
            status => Err(status),
        }
    };
    assert_eq!(global_get("warm").as_deref(), Ok(value_of("warm").as_str()));

    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let stop = stop.clone();
            let url = url.clone();
            thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    if t == 3 {
                        // Configuration changes: the writer lock, new snapshots, settings.
                        // SAFETY: a C string that outlives the call.
                        let _ = unsafe { secret_config_set_cloud_graphql(url.as_ptr()) };
                        let _ = secret_cache_clear();
                    } else {
                        let name = CString::new(format!("w{t}-{}", i % 50)).unwrap();
                        let mut buf = [0u8; 256];
                        let mut len = 0usize;
                        // SAFETY: a C string, and a buffer with its true length.
                        let _ = unsafe {
                            secret_get(name.as_ptr(), buf.as_mut_ptr().cast(), buf.len(), &mut len)
                        };
                    }
                }
            })
        })
        .collect();

    const FORKS: usize = 1000;
    let mut hung = 0;
    let mut bad = Vec::new();
    for i in 0..FORKS {
        let child = fork(|| {
            // A server get (new pool), a configuration change (the writer lock), a local
            // value: each must complete in the child.
            if global_get(&format!("child-{i}")).as_deref()
                != Ok(value_of(&format!("child-{i}")).as_str())
            {
                return 10;
            }
            let key = CString::new("local").unwrap();
            let value = CString::new("\"v\"").unwrap();
            // SAFETY: C strings that outlive the call.
            let set = unsafe { secret_context_set(key.as_ptr(), value.as_ptr()) };
            if set != 0
                || secret_config_set_use_local_secrets(true) != 0
                || global_get("local").as_deref() != Ok("v")
            {
                return 11;
            }
            0
        });
        // Long enough that only a child that cannot go on reaches it, however loaded the
        // machine (a child stuck on a lock stays stuck; CI once saw one of 1,000 pass 5 s
        // while every core was busy with other builds).
        match wait_for(child, Duration::from_secs(30)) {
            None => hung += 1,
            Some(0) => {}
            Some(code) => bad.push(code),
        }
    }
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(hung, 0, "children hung (of {FORKS})");
    assert!(bad.is_empty(), "children failed: {bad:?}");
}

/// Gets against a server that closes connections: `close` decides per request.
fn against_closing_server(tls: bool, close: fn(&Request) -> Action) -> (Tally, usize, usize) {
    let (server, _home, store) = server_and_store(tls, None, Flavor::Graphql, close);
    let mut tally = Tally::default();
    const GETS: usize = 300;
    for i in 0..GETS {
        let name = format!("g{i}");
        match get(&store, &name) {
            Ok(Some(v)) if v == value_of(&name) => tally.right += 1,
            Ok(_) => tally.wrong += 1,
            Err(_) => tally.failed += 1,
        }
    }
    (tally, server.requests().len(), GETS)
}

fn all_right(tally: &Tally, gets: usize) -> bool {
    tally.right == gets && tally.wrong == 0 && tally.failed == 0
}

#[test]
fn a_server_closing_after_every_reply_costs_no_get() {
    for tls in [false, true] {
        let (tally, requests, gets) =
            against_closing_server(tls, |r| Action::ThenClose(Box::new(answer(r))));
        assert!(all_right(&tally, gets), "tls={tls}: {tally:?}");
        assert!(requests <= 2 * gets, "tls={tls}: {requests} requests");
    }
}

#[test]
fn a_server_closing_as_the_next_request_arrives_costs_no_get() {
    for tls in [false, true] {
        // Each connection answers once; a second request on it is met with a close.
        let (tally, requests, gets) = against_closing_server(tls, |r| {
            if r.on_connection == 0 {
                answer(r)
            } else {
                Action::Close
            }
        });
        assert!(all_right(&tally, gets), "tls={tls}: {tally:?}");
        // At most one retry per get: each get is at most one refused and one answered.
        assert!(requests <= 2 * gets, "tls={tls}: {requests} requests");
    }
}

#[test]
fn a_get_after_the_server_dropped_an_idle_connection_succeeds() {
    for tls in [false, true] {
        let idle = Some(Duration::from_millis(100));
        let (server, _home, store) = server_and_store(tls, idle, Flavor::Graphql, answer);
        for round in 0..5 {
            let name = format!("idle-{round}");
            assert_eq!(
                get(&store, &name).unwrap(),
                Some(value_of(&name)),
                "tls={tls} round {round}"
            );
            thread::sleep(Duration::from_millis(250));
        }
        assert!(
            server.connections() >= 5,
            "each get after idling needs a new connection"
        );
    }
}
