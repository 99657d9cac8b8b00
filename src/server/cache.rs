//! The opt-in cache of server values (`cloud.cache_ttl`, off by default so the semantics
//! stay Prefect's, which asks the server on every get).
//!
//! Process-wide and safe from any thread. An entry serves gets of its name until it
//! expires, the configuration or context changes, or `secret_cache_clear()` runs. Expired
//! entries are wiped when they expire, by one sweeper thread started with the first entry
//! (it sleeps until the next expiry, and for good when the cache is empty).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, Once};
use std::time::{Duration, Instant};

use crate::context::Rendered;

struct Entry {
    /// The store and snapshot generation it was fetched under.
    version: (u64, u64),
    expires: Instant,
    value: Arc<Rendered>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<String, Entry>,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);
static WAKE: Condvar = Condvar::new();
static SWEEPER: Once = Once::new();

/// Bumped by `clear`; anything remembered under an older epoch is gone (see `reuse`).
static EPOCH: AtomicU64 = AtomicU64::new(0);

pub fn epoch() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

fn key(version: (u64, u64), name: &str) -> String {
    format!("{}\0{name}", version.0)
}

/// The cached value of `name`, if fresh and fetched under the same snapshot.
pub fn lookup(version: (u64, u64), name: &str) -> Option<Arc<Rendered>> {
    let mut cache = lock();
    let key = key(version, name);
    let entry = cache.entries.get(&key)?;
    if entry.version == version && entry.expires > Instant::now() {
        return Some(entry.value.clone());
    }
    cache.entries.remove(&key);
    None
}

pub fn insert(version: (u64, u64), name: &str, ttl: Duration, value: Arc<Rendered>) {
    if ttl.is_zero() {
        return;
    }
    SWEEPER.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("prefect-secrets-cache".into())
            .spawn(sweep);
    });
    let entry = Entry {
        version,
        expires: Instant::now() + ttl,
        value,
    };
    lock().entries.insert(key(version, name), entry);
    WAKE.notify_one();
}

/// `secret_cache_clear`: every cached value is wiped now, and values threads remember
/// for immediate repeats are forgotten.
pub fn clear() {
    EPOCH.fetch_add(1, Ordering::AcqRel);
    lock().entries.clear();
}

fn sweep() {
    let mut cache = lock();
    loop {
        let now = Instant::now();
        cache.entries.retain(|_, e| e.expires > now);
        let next = cache.entries.values().map(|e| e.expires).min();
        cache = match next {
            None => WAKE.wait(cache).unwrap_or_else(|p| p.into_inner()),
            Some(at) => {
                WAKE.wait_timeout(cache, at.saturating_duration_since(now))
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}

/// How many entries are held (tests).
pub fn len() -> usize {
    lock().entries.len()
}
