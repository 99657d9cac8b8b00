//! `cargo bench`: the hot paths, called through the C ABI as a host calls them.
//!
//! - local: `secret_get` / `secret_get_json` of a short string and a JSON object, a miss
//! - threads: 1, 2 and 8 readers while another thread calls a setter every millisecond
//! - server: a get against a keep-alive loopback server, beside one raw keep-alive request
//!   to the same server (the floor)
//! - first_call: loading the configuration (a realistic user file, 50 `PREFECT__` variables)
//!
//! Big user files: `benches/big_file.rs`.
//!
//! Figures and how to read them: BENCHMARKS.md.

#[path = "../tests/support/server.rs"]
#[allow(dead_code)]
mod server;

use std::ffi::CString;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::ffi::api::*;
use prefect_secrets::testing::server::flavors::request_body;
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;
use server::{Action, TestServer};

const OBJECT: &str = r#"{"user": "svc", "password": "p4ss", "port": 5432}"#;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Calls `secret_get`-like `f` into a stack buffer and checks it worked.
fn get_with(
    f: unsafe extern "C" fn(*const i8, *mut i8, usize, *mut usize) -> i32,
    name: &CString,
) -> usize {
    let mut buf = [0i8; 256];
    let mut len = 0usize;
    // SAFETY: valid name, buffer and length pointers.
    let rc = unsafe { f(name.as_ptr(), buf.as_mut_ptr(), buf.len(), &mut len) };
    assert!(rc == 0 || rc == 1, "status {rc}");
    black_box(len)
}

fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let home =
            std::env::temp_dir().join(format!("prefect-secrets-bench-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        // SAFETY: single-threaded at this point; the library has not read the environment.
        unsafe { std::env::set_var("HOME", &home) };
        // SAFETY: C strings that outlive the calls.
        unsafe {
            assert_eq!(
                secret_context_set(c("s").as_ptr(), c("hunter2").as_ptr()),
                0
            );
            assert_eq!(secret_context_set(c("obj").as_ptr(), c(OBJECT).as_ptr()), 0);
        }
    });
}

fn local(cr: &mut Criterion) {
    setup();
    let mut g = cr.benchmark_group("local");
    let (s, obj, miss) = (c("s"), c("obj"), c("missing"));
    g.bench_function("secret_get string", |b| b.iter(|| get_with(secret_get, &s)));
    g.bench_function("secret_get_json string", |b| {
        b.iter(|| get_with(secret_get_json, &s))
    });
    g.bench_function("secret_get object", |b| {
        b.iter(|| get_with(secret_get, &obj))
    });
    g.bench_function("secret_get_json object", |b| {
        b.iter(|| get_with(secret_get_json, &obj))
    });
    g.bench_function("secret_get miss", |b| {
        b.iter(|| get_with(secret_get, &miss))
    });
    g.finish();
}

/// `readers` threads share `iters` gets while a writer sets another secret every 1 ms;
/// criterion reports time per get, so throughput is its inverse.
fn threads(cr: &mut Criterion) {
    setup();
    let mut g = cr.benchmark_group("threads");
    for readers in [1usize, 2, 8] {
        g.bench_function(format!("{readers} readers + 1 writer"), |b| {
            b.iter_custom(|iters| {
                let stop = Arc::new(AtomicBool::new(false));
                let writer = {
                    let stop = stop.clone();
                    thread::spawn(move || {
                        let (name, value) = (c("other"), c("1"));
                        while !stop.load(Ordering::Relaxed) {
                            // SAFETY: valid C strings.
                            unsafe { secret_context_set(name.as_ptr(), value.as_ptr()) };
                            thread::sleep(Duration::from_millis(1));
                        }
                    })
                };
                let per = iters / readers as u64 + 1;
                let start = Instant::now();
                let handles: Vec<_> = (0..readers)
                    .map(|_| {
                        thread::spawn(move || {
                            let s = c("s");
                            for _ in 0..per {
                                get_with(secret_get, &s);
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.join().unwrap();
                }
                let elapsed = start.elapsed();
                stop.store(true, Ordering::Relaxed);
                writer.join().unwrap();
                elapsed
            })
        });
    }
    g.finish();
}

fn server(cr: &mut Criterion) {
    setup();
    let reply = br#"{"data": {"secretValue": "s3cr3t"}}"#.to_vec();
    let srv = TestServer::start(move |_| Action::json(200, reply.clone()));
    let graphql = format!("{}/graphql", srv.url());
    assert_eq!(secret_config_set_use_local_secrets(false), 0);
    assert_eq!(secret_config_set_reuse_window(0.0), 0);
    // SAFETY: valid C strings.
    unsafe {
        assert_eq!(secret_config_set_cloud_graphql(c(&graphql).as_ptr()), 0);
        assert_eq!(secret_config_set_auth_token(c("tok").as_ptr()), 0);
    }
    let mut g = cr.benchmark_group("server");
    let name = c("DB_PASSWORD");
    g.bench_function("secret_get (keep-alive loopback)", |b| {
        b.iter(|| get_with(secret_get, &name))
    });

    // The floor: the same request over one kept-alive connection, by hand.
    let body = request_body("DB_PASSWORD");
    let request = [
        format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer tok\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            srv.addr,
            body.len()
        )
        .into_bytes(),
        body,
    ]
    .concat();
    let stream = TcpStream::connect(srv.addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    g.bench_function("raw keep-alive request (floor)", |b| {
        b.iter(|| {
            writer.write_all(&request).unwrap();
            let mut len = 0usize;
            let mut line = String::new();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            black_box(body)
        })
    });
    g.finish();
    assert_eq!(secret_config_set_use_local_secrets(true), 0);
}

/// Loading Prefect's configuration as at process start: defaults, a realistic user file,
/// 50 `PREFECT__` variables.
fn first_call(cr: &mut Criterion) {
    let home =
        std::env::temp_dir().join(format!("prefect-secrets-bench-fc-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".prefect")).unwrap();
    let mut file = String::from(
        "[cloud]\napi = \"https://api.prefect.io\"\nheartbeat_interval = 15.0\n\
         [logging]\nlevel = \"DEBUG\"\n[context.secrets]\n",
    );
    for i in 0..20 {
        file.push_str(&format!("KEY_{i} = \"value-{i}-$HOME-${{cloud.api}}\"\n"));
    }
    file.push_str(
        "[context.secrets.AWS]\nkey = \"AK\"\nsecret = \"SK\"\nregions = [\"eu\", \"us\"]\n",
    );
    std::fs::write(home.join(".prefect/config.toml"), file).unwrap();
    let mut pairs = vec![("HOME".to_string(), home.to_str().unwrap().to_string())];
    for i in 0..50 {
        pairs.push((
            format!("PREFECT__CONTEXT__SECRETS__VAR_{i}"),
            format!("{{\"n\": {i}}}"),
        ));
    }
    let env = Environment::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cr.bench_function("first_call/load configuration", |b| {
        b.iter(|| black_box(Store::with_env(env.clone(), sys::accounts())))
    });
    let _ = std::fs::remove_dir_all(&home);
}

criterion_group!(benches, local, threads, server, first_call);
criterion_main!(benches);
