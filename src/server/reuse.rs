//! Each thread remembers the last value it fetched from the server, for a short while
//! (`cloud.reuse_window`, 1 s by default, 0 turns it off).
//!
//! A C caller often asks twice in a row for the same secret: once to size a buffer and
//! once to fill it, or `secret_get_json` then `secret_get`. Without this, each ask is a
//! network round trip and the two could even see different values. Any change to the
//! configuration or context ends the reuse at once. The remembered value is wiped when it
//! is replaced, expires, or the thread ends.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::context::Rendered;

struct Memo {
    /// The store and snapshot generation it was fetched under.
    version: (u64, u64),
    /// `secret_cache_clear` forgets it too.
    epoch: u64,
    /// A forked child never reuses what its parent fetched (see `process`).
    process: u64,
    name: String,
    at: Instant,
    value: Arc<Rendered>,
}

thread_local! {
    static LAST: RefCell<Option<Memo>> = const { RefCell::new(None) };
}

/// The value this thread fetched for `name` within `window`, under the same snapshot.
pub fn recall(version: (u64, u64), name: &str, window: Duration) -> Option<Arc<Rendered>> {
    LAST.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        let fresh = slot.as_ref().is_some_and(|m| {
            m.version == version
                && m.epoch == super::cache::epoch()
                && m.process == crate::process::generation()
                && m.at.elapsed() <= window
        });
        if !fresh {
            *slot = None;
            return None;
        }
        let m = slot.as_ref()?;
        (m.name == name).then(|| m.value.clone())
    })
    .ok()
    .flatten()
}

pub fn remember(version: (u64, u64), name: &str, window: Duration, value: Arc<Rendered>) {
    let _ = LAST.try_with(|slot| {
        *slot.borrow_mut() = (!window.is_zero()).then(|| Memo {
            version,
            epoch: super::cache::epoch(),
            process: crate::process::generation(),
            name: name.to_string(),
            at: Instant::now(),
            value,
        });
    });
}
