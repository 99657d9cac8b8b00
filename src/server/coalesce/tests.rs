//! With fake fetches that count, block and panic: the rule (join only what is not yet
//! sent), the bound (two requests per key), deadlines, handover, panics, and that nothing
//! is left in the table. Each test uses a store number of its own, so tests running at
//! once never share a key.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Barrier, Mutex};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use super::*;
use crate::value::Value;

const NAME: &str = "db";

fn version(store: u64) -> Version {
    Version::for_tests(0xC0A1_E5CE_0000 + store, 1)
}

fn value(text: &str) -> Arc<Rendered> {
    Arc::new(Rendered::of(&Value::str(text)))
}

fn text(outcome: &Outcome) -> Option<String> {
    match outcome {
        Ok(Some(r)) => Some(String::from_utf8_lossy(r.bytes(crate::rendered::Format::Text)).into()),
        _ => None,
    }
}

/// How many callers wait on the queued request of `(v, NAME)`.
fn queued_waiters(v: Version) -> usize {
    let Some(table) = TABLE.peek() else { return 0 };
    let t = lock(&table);
    t.lanes
        .get(&(v, Arc::from(NAME)))
        .and_then(|lane| lane.queued)
        .and_then(|id| t.calls.get(&id))
        .map_or(0, |call| call.waiters.len())
}

/// Nothing of `v` is left in the table.
fn gone(v: Version) -> bool {
    let Some(table) = TABLE.peek() else {
        return true;
    };
    let t = lock(&table);
    !t.lanes.keys().any(|(kv, _)| *kv == v)
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waited for {what}"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// A request in flight for `v`, held until `release` is sent.
struct Held {
    release: Sender<()>,
    thread: JoinHandle<Outcome>,
}

fn hold_in_flight(v: Version, answer: &'static str) -> Held {
    let (started_tx, started) = channel();
    let (release, released): (Sender<()>, Receiver<()>) = channel();
    let thread = thread::spawn(move || {
        join(v, NAME, || {
            started_tx.send(()).unwrap();
            released.recv().unwrap();
            Ok(Some(value(answer)))
        })
    });
    started.recv().unwrap();
    Held { release, thread }
}

impl Held {
    fn finish(self) -> Outcome {
        self.release.send(()).unwrap();
        self.thread.join().unwrap()
    }
}

#[test]
fn sixty_four_callers_at_once_cost_at_most_two_fetches() {
    let v = version(1);
    let fetches = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (fetches, barrier) = (fetches.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                join(v, NAME, || {
                    let n = fetches.fetch_add(1, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(200));
                    Ok(Some(value(&format!("v{n}"))))
                })
            })
        })
        .collect();
    for t in threads {
        let got = text(&t.join().unwrap());
        assert!(matches!(got.as_deref(), Some("v0" | "v1")), "{got:?}");
    }
    assert!(fetches.load(Ordering::SeqCst) <= 2, "{fetches:?} fetches");
    assert!(gone(v));
}

#[test]
fn a_caller_arriving_after_the_request_was_sent_gets_the_next_one() {
    let v = version(2);
    let first = hold_in_flight(v, "first");
    let later = thread::spawn(move || join(v, NAME, || Ok(Some(value("second")))));
    until("the later caller to queue", || queued_waiters(v) == 1);
    assert_eq!(text(&first.finish()).as_deref(), Some("first"));
    assert_eq!(text(&later.join().unwrap()).as_deref(), Some("second"));
    assert!(gone(v));
}

#[test]
fn callers_that_join_a_queued_request_share_its_value_and_its_error() {
    for (store, answer) in [
        (3, Ok(Some(value("shared")))),
        (4, Err(Error::client("the server said no"))),
    ] {
        let v = version(store);
        let first = hold_in_flight(v, "first");
        let fetches = Arc::new(AtomicUsize::new(0));
        let joiners: Vec<_> = (0..8)
            .map(|_| {
                let (fetches, answer) = (fetches.clone(), answer.clone());
                thread::spawn(move || {
                    join(v, NAME, || {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        answer
                    })
                })
            })
            .collect();
        until("eight callers to queue", || queued_waiters(v) == 8);
        assert_eq!(text(&first.finish()).as_deref(), Some("first"));
        for j in joiners {
            let got = j.join().unwrap();
            match &answer {
                Ok(_) => assert_eq!(text(&got).as_deref(), Some("shared")),
                Err(e) => assert_eq!(got.unwrap_err(), *e),
            }
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(gone(v));
    }
}

#[test]
fn a_waiter_gives_up_at_its_deadline_and_the_others_still_get_the_value() {
    let v = version(5);
    let first = hold_in_flight(v, "first");
    let patient = thread::spawn(move || join(v, NAME, || Ok(Some(value("second")))));
    until("the patient caller to queue", || queued_waiters(v) == 1);
    let hasty = thread::spawn(move || {
        let start = Instant::now();
        let got = transport::with_deadline(start + Duration::from_millis(100), || {
            join(v, NAME, || Ok(Some(value("never"))))
        });
        (got, start.elapsed())
    });
    let (got, took) = hasty.join().unwrap();
    let e = got.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Client);
    assert!(
        e.message
            .contains("the call's deadline passed while waiting for an identical request"),
        "{}",
        e.message
    );
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(queued_waiters(v), 1);
    assert_eq!(text(&first.finish()).as_deref(), Some("first"));
    assert_eq!(text(&patient.join().unwrap()).as_deref(), Some("second"));
    assert!(gone(v));
}

#[test]
fn when_the_queued_leader_gives_up_another_waiter_sends_on_its_own_thread() {
    let v = version(6);
    let first = hold_in_flight(v, "first");
    let senders = Arc::new(Mutex::new(Vec::<ThreadId>::new()));
    let deadline_in = |ms: u64, answer: &'static str| {
        let senders = senders.clone();
        thread::spawn(move || {
            let run = || {
                join(v, NAME, || {
                    senders.lock().unwrap().push(thread::current().id());
                    Ok(Some(value(answer)))
                })
            };
            let got = transport::with_deadline(Instant::now() + Duration::from_millis(ms), run);
            (got, thread::current().id())
        })
    };
    // The one that starts the queued request gives up first.
    let leader = deadline_in(100, "from-leader");
    until("the leader to queue", || queued_waiters(v) == 1);
    let other = deadline_in(10_000, "from-other");
    until("the other to queue", || queued_waiters(v) == 2);
    assert!(leader.join().unwrap().0.is_err());
    assert_eq!(
        queued_waiters(v),
        1,
        "the queued request outlives its leader"
    );
    assert_eq!(text(&first.finish()).as_deref(), Some("first"));
    let (got, other_thread) = other.join().unwrap();
    assert_eq!(text(&got).as_deref(), Some("from-other"));
    assert_eq!(*senders.lock().unwrap(), vec![other_thread]);
    assert!(gone(v));
}

#[test]
fn the_waiter_with_the_latest_deadline_sends() {
    let v = version(7);
    let first = hold_in_flight(v, "first");
    let with_deadline = thread::spawn(move || {
        transport::with_deadline(Instant::now() + Duration::from_secs(10), || {
            join(v, NAME, || Ok(Some(value("bounded"))))
        })
    });
    until("the bounded caller to queue", || queued_waiters(v) == 1);
    let without = thread::spawn(move || join(v, NAME, || Ok(Some(value("unbounded")))));
    until("the unbounded caller to queue", || queued_waiters(v) == 2);
    first.finish().unwrap();
    assert_eq!(
        text(&with_deadline.join().unwrap()).as_deref(),
        Some("unbounded")
    );
    assert_eq!(text(&without.join().unwrap()).as_deref(), Some("unbounded"));
    assert!(gone(v));
}

#[test]
fn a_queued_request_everyone_gave_up_on_is_never_sent() {
    let v = version(8);
    let first = hold_in_flight(v, "first");
    let fetched = Arc::new(AtomicUsize::new(0));
    let f = fetched.clone();
    let hasty = thread::spawn(move || {
        transport::with_deadline(Instant::now() + Duration::from_millis(50), || {
            join(v, NAME, || {
                f.fetch_add(1, Ordering::SeqCst);
                Ok(None)
            })
        })
    });
    assert!(hasty.join().unwrap().is_err());
    assert_eq!(queued_waiters(v), 0);
    assert_eq!(text(&first.finish()).as_deref(), Some("first"));
    assert_eq!(fetched.load(Ordering::SeqCst), 0);
    assert!(gone(v));
    // A deadline already passed gives up at once rather than waiting at all.
    let first = hold_in_flight(v, "first");
    let start = Instant::now();
    let got = transport::with_deadline(start, || join(v, NAME, || Ok(None)));
    assert!(got.is_err() && start.elapsed() < Duration::from_secs(1));
    first.finish().unwrap();
    assert!(gone(v));
}

#[test]
fn a_panicking_fetch_wakes_its_waiters_with_an_error() {
    let v = version(9);
    let first = hold_in_flight(v, "first");
    let joiners: Vec<_> = (0..4)
        .map(|_| thread::spawn(move || join(v, NAME, || panic!("a fetch that panics"))))
        .collect();
    until("four callers to queue", || queued_waiters(v) == 4);
    first.finish().unwrap();
    let (mut panicked, mut errors) = (0, 0);
    for j in joiners {
        match j.join() {
            Err(_) => panicked += 1,
            Ok(got) => {
                assert_eq!(got.unwrap_err().kind, ErrorKind::Internal);
                errors += 1;
            }
        }
    }
    assert_eq!((panicked, errors), (1, 3));
    assert!(gone(v));
    // The key is usable again.
    assert_eq!(
        text(&join(v, NAME, || Ok(Some(value("again"))))).as_deref(),
        Some("again")
    );
    assert!(gone(v));
}

#[test]
fn distinct_names_and_snapshots_never_share_and_leave_nothing_behind() {
    let v = version(10);
    let first = hold_in_flight(v, "first");
    // Another name, and the same name under another snapshot, send at once.
    assert_eq!(
        text(&join(v, "other", || Ok(Some(value("o"))))).as_deref(),
        Some("o")
    );
    let next = Version::for_tests(0xC0A1_E5CE_0000 + 10, 2);
    assert_eq!(
        text(&join(next, NAME, || Ok(Some(value("n"))))).as_deref(),
        Some("n")
    );
    first.finish().unwrap();
    for i in 0..1000 {
        join(v, &format!("n{i}"), || Ok(None)).unwrap();
    }
    assert!(gone(v) && gone(next));
}
