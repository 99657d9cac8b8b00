//! Every server value the library holds after a get: the opt-in cache (`cloud.cache_ttl`,
//! off by default so the semantics stay Prefect's, which asks the server on every get) and
//! what each thread remembers for its reuse window (`reuse`).
//!
//! Process-wide and safe from any thread. A value is held until it expires, the store it
//! was fetched under publishes another snapshot (any setter, load or reset), or
//! `secret_cache_clear()` runs, and is wiped at that moment, not at the next get: one
//! sweeper thread, started with the first value, sleeps until the next expiry; the store
//! tells [`retire`] of each new snapshot; [`clear`] empties everything. The cache holds
//! at most `cloud.cache_max_entries` values, the oldest wiped first. A forked child
//! starts with nothing held.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use crate::process::{PerProcess, Tagged};
use crate::rendered::Rendered;
use crate::store::Version;

/// Who a held value serves.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Slot {
    /// The cache: every thread, by store and name.
    Cached { store: u64, name: String },
    /// One thread's reuse window.
    Thread(ThreadId),
}

struct Held {
    /// The store and snapshot generation it was fetched under.
    version: Version,
    name: String,
    expires: Instant,
    /// Order of arrival (oldest first), and a tie-breaker between equal expiries.
    seq: u64,
    value: Arc<Rendered>,
}

#[derive(Default)]
struct Table {
    held: HashMap<Slot, Held>,
    /// Every held value by expiry, so the sweeper finds the next one without a scan.
    by_expiry: BTreeMap<(Instant, u64), Slot>,
    /// The cached values (not the threads') by arrival, for `cloud.cache_max_entries`.
    by_arrival: BTreeMap<u64, Slot>,
    next_seq: u64,
}

impl Table {
    fn put(
        &mut self,
        slot: Slot,
        version: Version,
        name: &str,
        ttl: Duration,
        value: Arc<Rendered>,
    ) {
        self.remove(&slot);
        let seq = self.next_seq;
        self.next_seq += 1;
        let expires = Instant::now() + ttl;
        self.by_expiry.insert((expires, seq), slot.clone());
        if matches!(slot, Slot::Cached { .. }) {
            self.by_arrival.insert(seq, slot.clone());
        }
        let held = Held {
            version,
            name: name.to_string(),
            expires,
            seq,
            value,
        };
        self.held.insert(slot, held);
    }

    /// Drops the value in `slot` (it is wiped when its last reader is done with it).
    fn remove(&mut self, slot: &Slot) {
        if let Some(h) = self.held.remove(slot) {
            self.by_expiry.remove(&(h.expires, h.seq));
            self.by_arrival.remove(&h.seq);
        }
    }

    /// The value in `slot`, if it is fresh and from snapshot `version`; a stale one is
    /// dropped.
    fn fresh(&mut self, slot: &Slot, version: Version, name: &str) -> Option<Arc<Rendered>> {
        let h = self.held.get(slot)?;
        if h.version == version && h.expires > Instant::now() {
            return (h.name == name).then(|| h.value.clone());
        }
        self.remove(slot);
        None
    }

    fn expire(&mut self, now: Instant) {
        while let Some((&(at, seq), _)) = self.by_expiry.first_key_value() {
            if at > now {
                break;
            }
            let slot = self.by_expiry.remove(&(at, seq)).expect("just seen");
            self.remove(&slot);
        }
    }

    fn evict_beyond(&mut self, max: u64) {
        while self.by_arrival.len() as u64 > max {
            let Some((_, slot)) = self.by_arrival.pop_first() else {
                break;
            };
            self.remove(&slot);
        }
    }

    fn next_expiry(&self) -> Option<Instant> {
        self.by_expiry.first_key_value().map(|(&(at, _), _)| at)
    }
}

/// What one process holds (a forked child starts with nothing, see `process`).
#[derive(Default)]
struct Cache {
    table: Mutex<Table>,
    /// Wakes the sweeper when a value comes.
    wake: Condvar,
    sweeper: AtomicBool,
}

static CACHE: PerProcess<Cache> = PerProcess::new();

fn cache() -> Arc<Tagged<Cache>> {
    CACHE.get(|| {
        // From now on, every snapshot a store publishes retires what was held under the
        // ones before it.
        crate::store::on_publish(retire);
        Cache::default()
    })
}

fn lock(cache: &Cache) -> MutexGuard<'_, Table> {
    cache.table.lock().unwrap_or_else(|p| p.into_inner())
}

/// Holds `value` in `slot` for `ttl`, starting the sweeper with the first value.
fn hold(
    slot: Slot,
    version: Version,
    name: &str,
    ttl: Duration,
    value: Arc<Rendered>,
) -> Arc<Tagged<Cache>> {
    let cache = cache();
    if !cache.sweeper.swap(true, Ordering::AcqRel) {
        let swept = cache.clone();
        let _ = std::thread::Builder::new()
            .name("prefect-secrets-cache".into())
            .spawn(move || sweep(&swept));
    }
    lock(&cache).put(slot, version, name, ttl, value);
    cache.wake.notify_one();
    cache
}

/// The cached value of `name`, if fresh and fetched under the same snapshot.
pub fn lookup(version: Version, name: &str) -> Option<Arc<Rendered>> {
    let cache = CACHE.peek()?;
    let slot = Slot::Cached {
        store: version.store(),
        name: name.to_string(),
    };
    lock(&cache).fresh(&slot, version, name)
}

/// Caches `value` for `ttl` (0: not at all), keeping at most `max_entries` values.
pub fn insert(version: Version, name: &str, ttl: Duration, max_entries: u64, value: Arc<Rendered>) {
    if ttl.is_zero() {
        return;
    }
    let slot = Slot::Cached {
        store: version.store(),
        name: name.to_string(),
    };
    let cache = hold(slot, version, name, ttl, value);
    lock(&cache).evict_beyond(max_entries);
}

/// What the calling thread remembers for `name`, if within its window and under the
/// same snapshot (`reuse`).
pub fn recall_for_thread(thread: ThreadId, version: Version, name: &str) -> Option<Arc<Rendered>> {
    let cache = CACHE.peek()?;
    lock(&cache).fresh(&Slot::Thread(thread), version, name)
}

/// Remembers `value` as the calling thread's last fetch for `window` (0: forgets).
pub fn remember_for_thread(
    thread: ThreadId,
    version: Version,
    name: &str,
    window: Duration,
    value: Arc<Rendered>,
) {
    if window.is_zero() {
        forget_thread(thread);
    } else {
        hold(Slot::Thread(thread), version, name, window, value);
    }
}

/// Wipes what `thread` remembers (it ended, or its window is off).
pub fn forget_thread(thread: ThreadId) {
    if let Some(cache) = CACHE.peek() {
        lock(&cache).remove(&Slot::Thread(thread));
    }
}

/// `secret_cache_clear`: every value held, cached or remembered by any thread, is wiped
/// now.
pub fn clear() {
    if let Some(cache) = CACHE.peek() {
        let mut table = lock(&cache);
        *table = Table {
            next_seq: table.next_seq,
            ..Table::default()
        };
    }
}

/// A store published the snapshot `current`: what was fetched under an earlier one of
/// the same store can never be used again, so it is wiped now.
fn retire(current: Version) {
    let Some(cache) = CACHE.peek() else {
        return;
    };
    let mut table = lock(&cache);
    let stale: Vec<Slot> = table
        .held
        .iter()
        .filter(|(_, h)| h.version.store() == current.store() && h.version != current)
        .map(|(slot, _)| slot.clone())
        .collect();
    for slot in &stale {
        table.remove(slot);
    }
}

/// Wipes values as they expire: sleeps until the next expiry, or until a value comes.
/// Runs for the life of the process (the library is never unloaded: see build.rs).
fn sweep(cache: &Cache) {
    let mut table = lock(cache);
    loop {
        let now = Instant::now();
        table.expire(now);
        table = match table.next_expiry() {
            None => cache.wake.wait(table).unwrap_or_else(|p| p.into_inner()),
            Some(at) => {
                cache
                    .wake
                    .wait_timeout(table, at.saturating_duration_since(now))
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn value(text: &str) -> Arc<Rendered> {
        Arc::new(Rendered::of(&Value::str(text)))
    }

    #[test]
    fn the_oldest_cached_value_goes_first_and_threads_do_not_count() {
        let mut t = Table::default();
        let v = Version::for_tests(1, 1);
        let hour = Duration::from_secs(3600);
        let cached = |n: &str| Slot::Cached {
            store: 1,
            name: n.to_string(),
        };
        t.put(cached("a"), v, "a", hour, value("1"));
        t.put(
            Slot::Thread(std::thread::current().id()),
            v,
            "x",
            hour,
            value("x"),
        );
        t.put(cached("b"), v, "b", hour, value("2"));
        t.put(cached("a"), v, "a", hour, value("3")); // a is now the newest
        t.put(cached("c"), v, "c", hour, value("4"));
        t.evict_beyond(2);
        assert!(t.fresh(&cached("b"), v, "b").is_none());
        assert!(t.fresh(&cached("a"), v, "a").is_some());
        assert!(t.fresh(&cached("c"), v, "c").is_some());
        assert!(
            t.held
                .contains_key(&Slot::Thread(std::thread::current().id()))
        );
        assert_eq!(t.by_arrival.len(), 2);
        assert_eq!(t.by_expiry.len(), 3);
    }

    #[test]
    fn expiry_wipes_in_order_of_expiry() {
        let mut t = Table::default();
        let v = Version::for_tests(1, 1);
        let cached = |n: &str| Slot::Cached {
            store: 1,
            name: n.to_string(),
        };
        t.put(
            cached("long"),
            v,
            "long",
            Duration::from_secs(3600),
            value("1"),
        );
        t.put(
            cached("short"),
            v,
            "short",
            Duration::from_millis(1),
            value("2"),
        );
        t.expire(Instant::now() + Duration::from_millis(5));
        assert_eq!(t.held.len(), 1);
        assert!(t.held.contains_key(&cached("long")));
        assert_eq!((t.by_expiry.len(), t.by_arrival.len()), (1, 1));
    }

    #[test]
    fn a_value_from_another_snapshot_or_name_is_not_served() {
        let mut t = Table::default();
        let (v1, v2) = (Version::for_tests(1, 1), Version::for_tests(1, 2));
        let slot = Slot::Thread(std::thread::current().id());
        t.put(slot.clone(), v1, "a", Duration::from_secs(3600), value("1"));
        assert!(t.fresh(&slot, v1, "b").is_none());
        assert!(t.fresh(&slot, v1, "a").is_some());
        assert!(t.fresh(&slot, v2, "a").is_none());
        assert!(t.held.is_empty() && t.by_expiry.is_empty());
    }
}
