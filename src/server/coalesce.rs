//! Identical server gets from many threads at once share requests, without any caller
//! receiving a value the server read before its call began.
//!
//! The rule: a get may join an identical request (same snapshot [`Version`], which fixes
//! the flavour, URL, credentials and every setting, and same name) only while that
//! request has not been sent. So per name at most one request is in flight and at most
//! one waits to be sent. A get that finds nothing in flight sends at once; one that finds
//! a request in flight joins the request waiting behind it (or starts it), which is sent
//! when the one in flight finishes, and everyone who joined it gets its outcome. A request
//! already sent is never joined: the server may have read the value before the joiner's
//! call began. Without a cache, 64 threads asking at once cost at most two requests.
//!
//! The waiting request is sent by the waiter with the latest deadline (none counts as
//! latest), on its own thread, so the deadline its exchange runs under is one no other
//! waiter outlives. A waiter never waits past its own deadline (`transport::time_left`);
//! when the last waiter of a waiting request gives up, that request is dropped unsent.
//!
//! The table is per process (a forked child must not wait for its parent's requests) and
//! holds only what is pending: entries go when their request is done.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::transport;
use crate::error::{Error, ErrorKind};
use crate::process::PerProcess;
use crate::rendered::Rendered;
use crate::store::Version;

/// What a get returns: the value (shared by everyone who joined), `None` for not found.
pub type Outcome = Result<Option<Arc<Rendered>>, Error>;

/// Shared between the table and the sender (one allocation per server get).
type Key = (Version, Arc<str>);

/// A waiter, ordered by deadline (none last, as the latest), then by arrival.
type Rank = (bool, Option<Instant>, u64);

/// One request: in flight once it has a sender, else waiting to be sent.
struct Call {
    /// Who sends it; `Some` from the moment it may no longer be joined.
    sender: Option<u64>,
    /// The callers waiting for its outcome (not its sender).
    waiters: BTreeSet<Rank>,
    /// Kept until every waiter has taken it.
    outcome: Option<Outcome>,
    /// Its waiters sleep on this (with the table's lock): they are woken when it gets a
    /// sender and when it is done, and no one else is. Only a queued request has waiters
    /// (a request sent at once can no longer be joined), so only it has one.
    wake: Option<Arc<Condvar>>,
}

impl Call {
    /// A request sent at once by `sender`.
    fn sent(sender: u64) -> Call {
        Call {
            sender: Some(sender),
            waiters: BTreeSet::new(),
            outcome: None,
            wake: None,
        }
    }

    /// A request queued behind the one in flight.
    fn queued() -> Call {
        Call {
            sender: None,
            waiters: BTreeSet::new(),
            outcome: None,
            wake: Some(Arc::new(Condvar::new())),
        }
    }

    fn wake_all(&self) {
        if let Some(wake) = &self.wake {
            wake.notify_all();
        }
    }
}

/// The requests of one key.
#[derive(Default)]
struct Lane {
    in_flight: Option<u64>,
    queued: Option<u64>,
}

/// FNV-1a, for the table's few short keys: every server get hashes three to six times,
/// and SipHash's resistance to chosen keys buys nothing for a table that holds only the
/// requests in flight (a third of the cost of coalescing, measured with callgrind).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Fast = BuildHasherDefault<Fnv>;

#[derive(Default)]
struct Table {
    lanes: HashMap<Key, Lane, Fast>,
    calls: HashMap<u64, Call, Fast>,
    /// Numbers calls and waiters alike.
    next_id: u64,
}

impl Table {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The request `id` of `key` is done: its waiters get `outcome`, and the request
    /// waiting behind it (if any) is sent by its waiter with the latest deadline.
    fn finish(&mut self, key: &Key, id: u64, outcome: &Outcome) {
        if let Some(call) = self.calls.get_mut(&id) {
            if call.waiters.is_empty() {
                self.calls.remove(&id);
            } else {
                call.outcome = Some(outcome.clone());
                call.wake_all();
            }
        }
        let Some(lane) = self.lanes.get_mut(key) else {
            return;
        };
        lane.in_flight = None;
        if let Some(next) = lane.queued.take() {
            // A queued request always has a waiter: it is dropped when its last one leaves.
            if let Some(call) = self.calls.get_mut(&next) {
                if let Some((_, _, sender)) = call.waiters.pop_last() {
                    call.sender = Some(sender);
                    lane.in_flight = Some(next);
                    call.wake_all();
                } else {
                    self.calls.remove(&next);
                }
            }
        }
        if lane.in_flight.is_none() {
            self.lanes.remove(key);
        }
    }

    /// Waiter `rank` leaves request `id` of `key` (it took the outcome, or gave up).
    fn leave(&mut self, key: &Key, id: u64, rank: &Rank) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.waiters.remove(rank);
        if !call.waiters.is_empty() {
            return;
        }
        if call.outcome.is_some() {
            self.calls.remove(&id);
        } else if call.sender.is_none() {
            // Still queued, and no one is left to send it or to want it.
            self.calls.remove(&id);
            if let Some(lane) = self.lanes.get_mut(key) {
                lane.queued = None;
            }
        }
        // Else it is in flight: its sender removes it when done.
    }
}

static TABLE: PerProcess<Mutex<Table>> = PerProcess::new();

fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|p| p.into_inner())
}

/// `fetch`'s outcome for `name` under snapshot `version`, or that of an identical request
/// not yet sent when this call began (see the module comment). `fetch` runs at most once,
/// on this thread, and only if this call sends the request.
pub fn join(version: Version, name: &str, fetch: impl FnOnce() -> Outcome) -> Outcome {
    let table = TABLE.get(Mutex::default);
    let key: Key = (version, Arc::from(name));
    // The call's deadline as an instant: every wait below ends by it.
    let left = transport::time_left();
    let deadline = left.and_then(|left| Instant::now().checked_add(left));
    let mut t = lock(&table);
    let me = t.id();
    let new_call = t.id();
    let Table { lanes, calls, .. } = &mut *t;
    let lane = lanes.entry(key.clone()).or_default();
    if lane.in_flight.is_none() {
        lane.in_flight = Some(new_call);
        calls.insert(new_call, Call::sent(me));
        drop(t);
        return send(&table, key, new_call, fetch);
    }
    let id = *lane.queued.get_or_insert(new_call);
    let call = match calls.entry(id) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => e.insert(Call::queued()),
    };
    let rank: Rank = (deadline.is_none(), deadline, me);
    call.waiters.insert(rank);
    let Some(wake) = call.wake.clone() else {
        // Cannot happen: a queued request has its condition variable.
        return Err(lost());
    };
    loop {
        let Some(call) = t.calls.get_mut(&id) else {
            // Cannot happen: a call stays while it has waiters.
            return Err(lost());
        };
        if let Some(outcome) = &call.outcome {
            let outcome = outcome.clone();
            t.leave(&key, id, &rank);
            return outcome;
        }
        if call.sender == Some(me) {
            drop(t);
            return send(&table, key, id, fetch);
        }
        t = match deadline {
            None => wake.wait(t).unwrap_or_else(|p| p.into_inner()),
            Some(at) => {
                let now = Instant::now();
                if now >= at {
                    t.leave(&key, id, &rank);
                    return Err(Error::client(format!(
                        "no answer from the server: the call's deadline passed while waiting \
                         for an identical request ({} ms)",
                        left.unwrap_or_default().as_millis()
                    )));
                }
                wake.wait_timeout(t, at - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}

/// Sends request `id` (runs `fetch` on this thread) and hands its outcome to its waiters.
fn send(table: &Mutex<Table>, key: Key, id: u64, fetch: impl FnOnce() -> Outcome) -> Outcome {
    /// Finishes the request even when `fetch` panics, so its waiters and the one queued
    /// behind it are not left waiting forever (the C boundary catches the panic itself).
    struct Sending<'a> {
        table: &'a Mutex<Table>,
        key: Key,
        id: u64,
        outcome: Option<Outcome>,
    }
    impl Drop for Sending<'_> {
        fn drop(&mut self) {
            let outcome = self.outcome.take().unwrap_or_else(|| Err(lost()));
            lock(self.table).finish(&self.key, self.id, &outcome);
        }
    }
    let mut sending = Sending {
        table,
        key,
        id,
        outcome: None,
    };
    let outcome = fetch();
    sending.outcome = Some(outcome.clone());
    outcome
}

/// What waiters get when the request they waited for never finished (a bug).
fn lost() -> Error {
    Error::new(
        ErrorKind::Internal,
        "the identical request this get waited for failed unexpectedly (a bug)",
    )
}

#[cfg(test)]
mod tests;
