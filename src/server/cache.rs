//! The opt-in cache of server values (`cloud.cache_ttl`, off by default so the semantics
//! stay Prefect's, which asks the server on every get).
//!
//! Process-wide and safe from any thread. An entry serves gets of its name until it
//! expires, the configuration or context changes, or `secret_cache_clear()` runs. Expired
//! entries are wiped when they expire, by one sweeper thread started with the first entry
//! (it sleeps until the next expiry, and for good when the cache is empty).
//! A forked child starts with an empty cache of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::context::Rendered;
use crate::process::{PerProcess, Tagged};

struct Entry {
    /// The store and snapshot generation it was fetched under.
    version: (u64, u64),
    expires: Instant,
    value: Arc<Rendered>,
}

/// The cache of one process (a forked child starts with an empty one, see `process`).
#[derive(Default)]
struct Cache {
    entries: Mutex<HashMap<String, Entry>>,
    /// Wakes the sweeper when an entry is added.
    wake: Condvar,
    sweeper: AtomicBool,
    /// Bumped by `clear`; anything remembered under an older epoch is gone (see `reuse`).
    epoch: AtomicU64,
}

static CACHE: PerProcess<Cache> = PerProcess::new();

fn cache() -> Arc<Tagged<Cache>> {
    CACHE.get(Cache::default)
}

pub fn epoch() -> u64 {
    CACHE.peek().map_or(0, |c| c.epoch.load(Ordering::Acquire))
}

fn lock(cache: &Cache) -> MutexGuard<'_, HashMap<String, Entry>> {
    cache.entries.lock().unwrap_or_else(|p| p.into_inner())
}

fn key(version: (u64, u64), name: &str) -> String {
    format!("{}\0{name}", version.0)
}

/// The cached value of `name`, if fresh and fetched under the same snapshot.
pub fn lookup(version: (u64, u64), name: &str) -> Option<Arc<Rendered>> {
    let cache = CACHE.peek()?;
    let mut entries = lock(&cache);
    let key = key(version, name);
    let entry = entries.get(&key)?;
    if entry.version == version && entry.expires > Instant::now() {
        return Some(entry.value.clone());
    }
    entries.remove(&key);
    None
}

pub fn insert(version: (u64, u64), name: &str, ttl: Duration, value: Arc<Rendered>) {
    if ttl.is_zero() {
        return;
    }
    let cache = cache();
    if !cache.sweeper.swap(true, Ordering::AcqRel) {
        let swept = cache.clone();
        let _ = std::thread::Builder::new()
            .name("prefect-secrets-cache".into())
            .spawn(move || sweep(&swept));
    }
    let entry = Entry {
        version,
        expires: Instant::now() + ttl,
        value,
    };
    lock(&cache).insert(key(version, name), entry);
    cache.wake.notify_one();
}

/// `secret_cache_clear`: every cached value is wiped now, and values threads remember
/// for immediate repeats are forgotten.
pub fn clear() {
    let cache = cache();
    cache.epoch.fetch_add(1, Ordering::AcqRel);
    lock(&cache).clear();
}

/// Wipes entries as they expire: sleeps until the next expiry, or until an entry comes.
/// Runs for the life of the process (the library is never unloaded: see build.rs).
fn sweep(cache: &Cache) {
    let mut entries = lock(cache);
    loop {
        let now = Instant::now();
        entries.retain(|_, e| e.expires > now);
        let next = entries.values().map(|e| e.expires).min();
        entries = match next {
            None => cache.wake.wait(entries).unwrap_or_else(|p| p.into_inner()),
            Some(at) => {
                cache
                    .wake
                    .wait_timeout(entries, at.saturating_duration_since(now))
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}

/// How many entries are held (tests).
pub fn len() -> usize {
    CACHE.peek().map_or(0, |c| lock(&c).len())
}
