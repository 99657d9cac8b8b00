//! A plugin host that loads the library, uses it and unloads it, again and again: 50
//! `dlopen` / server gets with the cache on / `dlclose` cycles never crash (the cache
//! sweeper thread must never run unmapped code) nor leak a connection per cycle. The
//! library makes itself impossible to unload (`-z nodelete`, see build.rs): after
//! `dlclose` it is still mapped, and the next `dlopen` finds the same copy.
#![cfg(target_os = "linux")]

mod support;

use std::ffi::{CStr, CString, c_char, c_void};
use std::thread;
use std::time::Duration;

use support::cdylib::shared_library;
use support::server::{Action, TestServer};

type SetText = unsafe extern "C" fn(*const c_char) -> i32;
type SetBool = unsafe extern "C" fn(bool) -> i32;
type SetSeconds = unsafe extern "C" fn(f64) -> i32;
type Get = unsafe extern "C" fn(*const c_char, *mut c_char, usize, *mut usize) -> i32;

/// A symbol of the loaded library.
///
/// # Safety
/// `T` must be the symbol's true function type.
unsafe fn symbol<T: Copy>(lib: *mut c_void, name: &str) -> T {
    let c = CString::new(name).unwrap();
    // SAFETY: `lib` is a live handle; the caller vouches for the type.
    let f = unsafe { libc::dlsym(lib, c.as_ptr()) };
    assert!(!f.is_null(), "{name} not found");
    // SAFETY: a function pointer is pointer-sized; the caller vouches for the type.
    unsafe { std::mem::transmute_copy(&f) }
}

fn open(path: &CStr, flags: i32) -> *mut c_void {
    // SAFETY: a NUL-terminated path.
    unsafe { libc::dlopen(path.as_ptr(), flags) }
}

/// Sockets this process has open.
fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

#[test]
fn fifty_load_get_unload_cycles_with_the_cache_on() {
    let server =
        TestServer::start(|_| Action::json(200, r#"{"data": {"secretValue": "plugin-value"}}"#));
    let path = CString::new(shared_library().to_str().unwrap()).unwrap();
    let url = CString::new(format!("{}/graphql", server.url())).unwrap();
    let token = CString::new("tok-unload").unwrap();
    let name = CString::new("s").unwrap();
    let mut sockets_after_first = 0;
    for cycle in 0..50 {
        let lib = open(&path, libc::RTLD_NOW | libc::RTLD_LOCAL);
        assert!(!lib.is_null(), "dlopen failed in cycle {cycle}");
        // SAFETY: the types are the header's; the strings and buffer outlive the calls.
        unsafe {
            let use_local: SetBool = symbol(lib, "secret_config_set_use_local_secrets");
            let graphql: SetText = symbol(lib, "secret_config_set_cloud_graphql");
            let auth: SetText = symbol(lib, "secret_config_set_auth_token");
            let ttl: SetSeconds = symbol(lib, "secret_config_set_cache_ttl");
            let reuse: SetSeconds = symbol(lib, "secret_config_set_reuse_window");
            let get: Get = symbol(lib, "secret_get");
            assert_eq!(use_local(false), 0);
            assert_eq!(graphql(url.as_ptr()), 0);
            assert_eq!(auth(token.as_ptr()), 0);
            assert_eq!(reuse(0.0), 0);
            // Short, so the sweeper thread wakes and wipes entries around the dlclose.
            assert_eq!(ttl(0.002 * (1 + cycle % 5) as f64), 0);
            let mut buf = [0 as c_char; 64];
            let mut len = 0usize;
            assert_eq!(get(name.as_ptr(), buf.as_mut_ptr(), buf.len(), &mut len), 0);
            assert_eq!(len, "plugin-value".len());
        }
        // SAFETY: a handle from dlopen, closed once.
        assert_eq!(unsafe { libc::dlclose(lib) }, 0);
        // Still mapped (nodelete): RTLD_NOLOAD finds it without loading it again.
        let again = open(&path, libc::RTLD_NOW | libc::RTLD_NOLOAD);
        assert!(
            !again.is_null(),
            "the library was unloaded in cycle {cycle}"
        );
        // SAFETY: the reference RTLD_NOLOAD took.
        unsafe { libc::dlclose(again) };
        thread::sleep(Duration::from_millis(3));
        if cycle == 0 {
            sockets_after_first = open_sockets();
        }
    }
    // Let the sweeper run past every entry's expiry while nothing uses the library.
    thread::sleep(Duration::from_millis(100));
    let sockets = open_sockets();
    assert!(
        sockets <= sockets_after_first + 2,
        "sockets grew from {sockets_after_first} to {sockets} over 50 cycles"
    );
}
