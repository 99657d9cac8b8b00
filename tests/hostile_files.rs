//! Files that are not what they seem, and values that would grow without bound.
//!
//! A credentials file, a file given to `secret_config_load_file` or the file at
//! `user_config_path` may be a FIFO (an open or read that never returns), a device
//! (`/dev/zero` never ends), a huge sparse file or a directory. Each must give an answer
//! at once (a watchdog fails the test after 5 s), with the right status and a message
//! naming the file; none may hold a lock another thread needs. And `B='$B$B...'` must be
//! a configuration error naming the variable, not an abort.
//!
//! Stores with a fixed environment (`Store::with_env`) keep the tests apart; the C ABI
//! tests share the process-wide store and only make calls that change nothing in it, or
//! set names no other test reads.
//!
//! POSIX only: FIFOs, `/dev/zero` and symbolic links are made with POSIX calls.
#![cfg(unix)]

mod support;

use std::ffi::{CStr, CString, c_char};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use prefect_secrets::testing::config::Limits;
use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::error::{Error, ErrorKind};
use prefect_secrets::testing::ffi::api::{
    secret_config_load_file, secret_context_set, secret_get, secret_last_error,
};
use prefect_secrets::testing::ffi::status::SecretStatus;
use prefect_secrets::testing::pystr::PyStr;
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;

use support::tempdir::TempDir;

const WATCHDOG: Duration = Duration::from_secs(5);

/// Caps reached in milliseconds (64 KiB a value, 256 KiB in all).
const SMALL: Limits = Limits {
    value_bytes: 64 << 10,
    config_bytes: 256 << 10,
    file_bytes: 64 << 10,
};

/// Runs `f` on its own thread and fails the test when it has not answered within 5 s
/// (the thread is left behind, blocked: the test has failed anyway).
fn within_watchdog<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(v) => v,
        Err(_) => panic!("{what}: no answer within {WATCHDOG:?}"),
    }
}

/// The kinds of file that are not regular files, or too big to read.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    Fifo,
    DevZero,
    Sparse,
    Directory,
}

const ALL: [Hostile; 4] = [
    Hostile::Fifo,
    Hostile::DevZero,
    Hostile::Sparse,
    Hostile::Directory,
];

impl Hostile {
    /// Creates this kind of file at `path` (its parent exists).
    fn make(self, path: &Path) {
        match self {
            Hostile::Fifo => {
                let c = CString::new(path.to_str().unwrap()).unwrap();
                // SAFETY: a valid C string.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
            }
            // A symbolic link: the path is looked up as given, so it leads to the device.
            Hostile::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
            // 1 GiB that takes no disk space.
            Hostile::Sparse => std::fs::File::create(path)
                .unwrap()
                .set_len(1 << 30)
                .unwrap(),
            Hostile::Directory => std::fs::create_dir(path).unwrap(),
        }
    }

    /// What the message says about it.
    fn reason(self) -> &'static str {
        match self {
            Hostile::Fifo => "it is a FIFO, not a regular file",
            Hostile::DevZero => "it is a device, not a regular file",
            Hostile::Sparse => "it is larger than",
            Hostile::Directory => "it is a directory, not a regular file",
        }
    }
}

fn env_of(pairs: &[(&str, String)]) -> Environment {
    Environment::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
}

fn get(store: &Store, name: &str) -> Result<Option<String>, Error> {
    resolve::get(store, name, Format::Text, |b| {
        String::from_utf8_lossy(b).into_owned()
    })
}

// ---- the credentials file ----------------------------------------------------------

/// A store on the server path with no `auth_token` in the configuration, so the token
/// comes from `$HOME/.prefect/.credentials/auth_token`. The server is never reached.
fn credentials_store(home: &TempDir) -> Store {
    let env = env_of(&[
        ("HOME", home.text()),
        ("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false".into()),
        (
            "PREFECT__CLOUD__GRAPHQL",
            "http://127.0.0.1:9/graphql".into(),
        ),
    ]);
    Store::with_env(env, sys::accounts())
}

fn credentials_path(home: &TempDir) -> PathBuf {
    let dir = home.path().join(".prefect/.credentials");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("auth_token")
}

#[test]
fn a_credentials_file_that_is_not_a_regular_file_is_a_client_error_at_once() {
    for kind in ALL {
        let home = TempDir::new("hostile-creds");
        let path = credentials_path(&home);
        kind.make(&path);
        let store = credentials_store(&home);
        let t = Instant::now();
        let e = within_watchdog(&format!("credentials file {kind:?}"), move || {
            get(&store, "s").expect_err("no token can be read")
        });
        assert_eq!(e.kind, ErrorKind::Client, "{kind:?}: {}", e.message);
        assert!(
            e.message.contains(&path.display().to_string()),
            "{kind:?}: the message names the file: {}",
            e.message
        );
        assert!(e.message.contains(kind.reason()), "{kind:?}: {}", e.message);
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{kind:?}: {:?}",
            t.elapsed()
        );
    }
}

#[test]
fn a_missing_credentials_file_is_still_no_token() {
    let home = TempDir::new("hostile-creds-missing");
    let e = get(&credentials_store(&home), "s").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth, "{}", e.message);
    assert!(e.message.contains("Client.login()"), "{}", e.message);
    // A dangling link is missing too (`os.path.exists` is false).
    std::os::unix::fs::symlink(home.path().join("nowhere"), credentials_path(&home)).unwrap();
    let e = get(&credentials_store(&home), "s").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth, "{}", e.message);
}

// ---- user_config_path --------------------------------------------------------------

fn user_config_store(home: &TempDir, path: &Path) -> Store {
    let env = env_of(&[
        ("HOME", home.text()),
        ("PREFECT__USER_CONFIG_PATH", path.to_str().unwrap().into()),
        ("PREFECT__CONTEXT__SECRETS__S", "from-env".into()),
    ]);
    Store::with_env(env, sys::accounts())
}

/// Prefect loads `user_config_path` only when `os.path.isfile` says so: a FIFO, a device
/// or a directory there is skipped, as in Prefect. A regular file too big to read is a
/// configuration error naming it (Prefect would try to read a gigabyte).
#[test]
fn user_config_path_that_is_not_a_regular_file_is_skipped_and_a_huge_one_refused() {
    for kind in ALL {
        let home = TempDir::new("hostile-user");
        let path = home.path().join("config.toml");
        kind.make(&path);
        let probe = path.clone();
        let got = within_watchdog(&format!("user_config_path {kind:?}"), move || {
            let store = user_config_store(&home, &probe);
            get(&store, "s")
        });
        match kind {
            Hostile::Sparse => {
                let e = got.expect_err("a 1 GiB file is refused");
                assert_eq!(e.kind, ErrorKind::Config, "{}", e.message);
                assert!(
                    e.message.contains(path.to_str().unwrap())
                        && e.message.contains("it is larger than 16777216 bytes"),
                    "{}",
                    e.message
                );
            }
            _ => assert_eq!(got.unwrap().as_deref(), Some("from-env"), "{kind:?}"),
        }
    }
}

// ---- secret_config_load_file -------------------------------------------------------

fn last_error() -> String {
    // SAFETY: never NULL, valid until the next call on this thread.
    unsafe { CStr::from_ptr(secret_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// `secret_config_load_file(path)` on the process-wide store: the status and the message.
fn load_file_ffi(path: &Path) -> (i32, String) {
    let c = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string.
    let rc = unsafe { secret_config_load_file(c.as_ptr()) };
    (rc, last_error())
}

#[test]
fn load_file_refuses_what_is_not_a_regular_file_at_once() {
    let dir = TempDir::new("hostile-load");
    for kind in ALL {
        let path = dir.path().join(format!("{kind:?}.toml"));
        kind.make(&path);
        let probe = path.clone();
        let (rc, message) = within_watchdog(&format!("load_file {kind:?}"), move || {
            load_file_ffi(&probe)
        });
        assert_eq!(
            rc,
            SecretStatus::SECRET_ERR_CONFIG as i32,
            "{kind:?}: {message}"
        );
        assert!(
            message.contains(path.to_str().unwrap()) && message.contains(kind.reason()),
            "{kind:?}: {message}"
        );
    }
}

/// A FIFO given to `secret_config_load_file` used to block that thread forever while
/// holding the writer lock, so every setter and reset in the process waited too.
#[test]
fn a_fifo_given_to_load_file_blocks_no_setter_or_reset() {
    let dir = TempDir::new("hostile-fifo-lock");
    let fifo = dir.path().join("fifo.toml");
    Hostile::Fifo.make(&fifo);

    // The process-wide store, through the C ABI: a setter on another thread.
    let probe = fifo.clone();
    let loader = thread::spawn(move || load_file_ffi(&probe));
    within_watchdog("secret_context_set beside a FIFO load", || {
        // SAFETY: valid C strings.
        let rc = unsafe { secret_context_set(c"hostile-fifo-set".as_ptr(), c"1".as_ptr()) };
        assert_eq!(rc, 0, "{}", last_error());
    });
    let (rc, _) = within_watchdog("the FIFO load itself", move || loader.join().unwrap());
    assert_eq!(rc, SecretStatus::SECRET_ERR_CONFIG as i32);

    // A store of its own: a reset on another thread.
    let home = TempDir::new("hostile-fifo-reset");
    let store = Arc::new(Store::with_env(
        env_of(&[("HOME", home.text())]),
        sys::accounts(),
    ));
    let (s, p) = (Arc::clone(&store), fifo.to_str().unwrap().to_string());
    let loader = thread::spawn(move || s.load_file(&p));
    let s = Arc::clone(&store);
    within_watchdog("reset beside a FIFO load", move || s.reset().unwrap());
    let e =
        within_watchdog("the FIFO load on a store", move || loader.join().unwrap()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config, "{}", e.message);
}

/// Reading and loading a file happen before the writer lock is taken: while a big file
/// loads on one thread, setters and resets on another finish.
#[test]
fn loading_a_big_file_holds_no_lock() {
    let home = TempDir::new("hostile-big");
    let mut text = String::from("[context.secrets]\n");
    let mut i = 0;
    // Big enough that loading takes far longer than the head start below (a debug build
    // loads 512 KiB in about a second).
    while text.len() < 512 << 10 {
        text.push_str(&format!("key_{i} = \"value number {i} of many\"\n"));
        i += 1;
    }
    let big = home.write("big.toml", &text);
    let store = Arc::new(Store::with_env(
        env_of(&[("HOME", home.text())]),
        sys::accounts(),
    ));

    let done = Arc::new(AtomicBool::new(false));
    let (s, d, p) = (
        Arc::clone(&store),
        Arc::clone(&done),
        big.to_str().unwrap().to_string(),
    );
    let t = Instant::now();
    let loader = thread::spawn(move || {
        let r = s.load_file(&p);
        d.store(true, Ordering::SeqCst);
        r
    });
    // Give the loader a head start into reading and parsing.
    thread::sleep(Duration::from_millis(50));
    let mut finished_meanwhile = 0;
    while !done.load(Ordering::SeqCst) {
        store
            .update(|st| st.set_secret("beside", PyStr::from("1")))
            .unwrap();
        store.reset().unwrap();
        if !done.load(Ordering::SeqCst) {
            finished_meanwhile += 1;
        }
    }
    loader.join().unwrap().unwrap();
    let load_time = t.elapsed();
    eprintln!("{finished_meanwhile} setter+reset pairs finished during a {load_time:?} load");
    assert!(
        finished_meanwhile > 0,
        "no setter and reset finished while the file loaded ({load_time:?})"
    );
}

// ---- expansion ---------------------------------------------------------------------

/// `B='$B$B...'`: 128 bytes, 8 KiB, 512 KiB, past the (small) cap, which is refused
/// before it is built; at the default 16 MiB cap the next round, 32 MiB, would be. Python goes on to 2 GiB and 128 GiB; the library used to abort the
/// host ("memory allocation of 8388608000 bytes failed").
#[test]
fn an_expansion_bomb_is_a_configuration_error_naming_the_variable() {
    let bomb = "$B".repeat(64);
    let t = Instant::now();
    let e = within_watchdog("the expansion bomb", move || {
        let env = env_of(&[("B", bomb), ("PREFECT__CONTEXT__SECRETS__X", "$B".into())]);
        // Small caps: refused at 512 KiB rather than 32 MiB (that production uses the
        // default ones is config::tests::production_loads_with_the_documented_caps).
        let store = Store::with_limits(env, sys::accounts(), SMALL);
        get(&store, "x").unwrap_err()
    });
    let took = t.elapsed();
    eprintln!("expansion bomb refused in {took:?}");
    assert_eq!(e.kind, ErrorKind::Config, "{}", e.message);
    assert!(
        e.message
            .contains("environment variable PREFECT__CONTEXT__SECRETS__X: expanding $B would"),
        "{}",
        e.message
    );
    assert!(e.message.contains("65536 bytes"), "{}", e.message);
    assert!(!e.message.contains("$B$B"), "{}", e.message);
}

/// `${key}` doubling 40 levels deep, through `secret_config_load_file`. Prefect's own rule
/// (10 rounds, one reference per value each) stops it early; the expected values come
/// from Prefect 0.5.3 (`python3 tests/oracle/oracle.py tests/oracle/doubling-chain.json`,
/// cases `hostile-chain-k*`, three runs agreeing): k1..k3 resolve fully; k40 keeps
/// references to the deepest keys at its end (which ones depends on Python's string
/// hashing; this library goes in file order).
#[test]
fn a_doubling_chain_of_references_through_load_file() {
    let dir = TempDir::new("hostile-chain");
    let mut text = String::from("[context.secrets]\nhostile_k0 = \"xxxxxxxx\"\n");
    for i in 1..=40 {
        let r = format!("${{context.secrets.hostile_k{}}}", i - 1);
        text.push_str(&format!("hostile_k{i} = \"{r}{r}\"\n"));
    }
    let path = dir.write("chain.toml", &text);
    let values = within_watchdog("the doubling chain", move || {
        let (rc, message) = load_file_ffi(&path);
        assert_eq!(rc, 0, "{message}");
        ["hostile_k1", "hostile_k2", "hostile_k3", "hostile_k40"].map(|name| {
            let name = CString::new(name).unwrap();
            let mut buf = vec![0 as c_char; 1 << 20];
            let mut len = 0usize;
            // SAFETY: the buffer holds `buf.len()` bytes.
            let rc = unsafe { secret_get(name.as_ptr(), buf.as_mut_ptr(), buf.len(), &mut len) };
            assert_eq!(rc, 0, "{}", last_error());
            // SAFETY: NUL-terminated by the library.
            unsafe { CStr::from_ptr(buf.as_ptr()) }
                .to_string_lossy()
                .into_owned()
        })
    });
    assert_eq!(values[0], "x".repeat(16));
    assert_eq!(values[1], "x".repeat(32));
    assert_eq!(values[2], "x".repeat(64));
    assert!(values[3].starts_with("xxxxxxxx"), "{}", values[3]);
    assert!(
        values[3].ends_with("${context.secrets.hostile_k39}"),
        "{}",
        values[3]
    );
}
