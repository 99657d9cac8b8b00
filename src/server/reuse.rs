//! Each thread remembers the last value it fetched from the server, for a short while
//! (`cloud.reuse_window`, 1 s by default, 0 turns it off).
//!
//! A C caller often asks twice in a row for the same secret: once to size a buffer and
//! once to fill it, or `secret_get_json` then `secret_get`. Without this, each ask is a
//! network round trip and the two could even see different values.
//!
//! The value is held by `cache`, not in a thread-local, so that it is wiped when the
//! window ends, when any setter or `secret_cache_clear()` runs (from whatever thread),
//! and when the thread ends, rather than when this thread next fetches.

use std::sync::Arc;
use std::thread::ThreadId;
use std::time::Duration;

use super::cache;
use crate::rendered::Rendered;
use crate::store::Version;

/// This thread's id; its drop, when the thread ends, wipes what the thread remembers.
struct ThisThread(ThreadId);

impl Drop for ThisThread {
    fn drop(&mut self) {
        cache::forget_thread(self.0);
    }
}

thread_local! {
    static THIS: ThisThread = ThisThread(std::thread::current().id());
}

fn this_thread() -> Option<ThreadId> {
    THIS.try_with(|t| t.0).ok()
}

/// The value this thread fetched for `name` within its window, under the same snapshot.
pub fn recall(version: Version, name: &str) -> Option<Arc<Rendered>> {
    cache::recall_for_thread(this_thread()?, version, name)
}

/// Remembers `value` as this thread's last fetch of `name` for `window` (0: not at all).
pub fn remember(version: Version, name: &str, window: Duration, value: Arc<Rendered>) {
    if let Some(thread) = this_thread() {
        cache::remember_for_thread(thread, version, name, window, value);
    }
}
