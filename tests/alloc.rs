//! A local get allocates nothing when the caller's buffer is big enough: counted with a
//! counting global allocator around a million calls through the C ABI (a count, not a
//! timing). Only the calling thread's allocations count: the test harness's own threads
//! allocate now and then.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::CString;

use prefect_secrets::ffi::api::{secret_context_set, secret_get, secret_get_json};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn local_gets_do_not_allocate() {
    let home = std::env::temp_dir().join(format!("prefect-secrets-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    // SAFETY: this test binary has one test; nothing else reads the environment now.
    unsafe { std::env::set_var("HOME", &home) };
    let (s, obj, miss) = (
        CString::new("s").unwrap(),
        CString::new("obj").unwrap(),
        CString::new("missing").unwrap(),
    );
    // SAFETY: valid C strings.
    unsafe {
        assert_eq!(secret_context_set(s.as_ptr(), c"hunter2".as_ptr()), 0);
        assert_eq!(
            secret_context_set(obj.as_ptr(), c"{\"a\": [1, 2.5]}".as_ptr()),
            0
        );
    }
    let mut buf = [0i8; 64];
    let mut len = 0usize;
    let mut call = |name: &CString, json: bool| {
        let f = if json { secret_get_json } else { secret_get };
        // SAFETY: valid pointers.
        unsafe { f(name.as_ptr(), buf.as_mut_ptr(), buf.len(), &mut len) }
    };
    assert_eq!(call(&s, false), 0);
    let before = allocations();
    for i in 0..1_000_000 {
        assert_eq!(call(&s, i % 2 == 0), 0);
        assert_eq!(call(&obj, i % 2 == 1), 0);
        assert_eq!(call(&miss, false), 1);
    }
    let after = allocations();
    assert_eq!(after - before, 0, "allocations during 3 million local gets");
    let _ = std::fs::remove_dir_all(&home);
}
