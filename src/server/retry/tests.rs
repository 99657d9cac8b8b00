//! Expected numbers come from Prefect 3.9.1 itself: `prefect.utilities.math` with
//! `random.uniform` fixed, `prefect.client.base._parse_retry_after`, and request counts
//! seen by a scripted loopback server while `Secret.load(name).get()` ran.

use super::*;
use crate::error::ErrorKind;
use zeroize::Zeroizing;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1e-9)
}

#[test]
fn jitter_is_prefects_draw_for_the_same_uniform_number() {
    // u, clamped(4, 0.2), bounded(3, 3.6), clamped(2, 1.0), bounded(0.5, 0.6), clamped(1e-9, 0.2)
    let recorded: [(f64, [f64; 5]); 4] = [
        (
            0.0,
            [
                3.2975212581097537,
                3.0,
                0.8300749985576874,
                0.49999999999999994,
                8.243803145274385e-10,
            ],
        ),
        (
            0.25,
            [
                3.62359430801288,
                3.1400855396146365,
                1.2732673226755347,
                0.5233475899357726,
                9.0589857700322e-10,
            ],
        ),
        (
            0.5,
            [
                3.978626412749288,
                3.2863823779424797,
                1.843484121505452,
                0.5477303963237466,
                9.94656603187322e-10,
            ],
        ),
        (
            0.999,
            [
                4.7981768422268285,
                3.599342058456592,
                3.992256791856989,
                0.5998903430760988,
                1.1995442105567071e-09,
            ],
        ),
    ];
    for (u, want) in recorded {
        let got = [
            clamped_poisson_interval(4.0, 0.2, u),
            bounded_poisson_interval(3.0, 3.0 * 1.2, u),
            clamped_poisson_interval(2.0, 1.0, u),
            bounded_poisson_interval(0.5, 0.5 * 1.2, u),
            clamped_poisson_interval(1e-9, 0.2, u),
        ];
        for (g, w) in got.iter().zip(want) {
            assert!(close(*g, w), "u={u}: {g} != {w}");
        }
    }
    assert_eq!(clamped_poisson_interval(0.0, 0.2, 0.5), 0.0);
    // Retry-After is a floor: the jittered wait is never shorter.
    assert!(delay(Some(3.0), 1, 0.2, 0.0) >= 3.0);
    assert_eq!(delay(None, 3, 0.0, 0.7), 8.0);
    assert_eq!(delay(Some(0.0), 3, 0.2, 0.7), 0.0);
}

#[test]
fn retry_after_is_read_as_prefect_reads_it() {
    let now = UNIX_EPOCH + Duration::from_secs(1_445_400_000);
    let recorded: [(&str, Option<f64>); 18] = [
        ("1.5", Some(1.5)),
        (" 2 ", Some(2.0)),
        ("1_0", Some(10.0)),
        ("-3", Some(0.0)),
        ("inf", None),
        ("nan", None),
        ("abc", None),
        ("1e1", Some(10.0)),
        ("0x10", None),
        (".5", Some(0.5)),
        ("5.", Some(5.0)),
        ("+4", Some(4.0)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", Some(12480.0)),
        ("21 Oct 2015 07:28:00 +0200", Some(5280.0)),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", Some(12480.0)),
        ("Wed Oct 21 07:28:00 2015", Some(12480.0)),
        ("Wed, 21 Oct 2015 07:28:00", Some(12480.0)),
        ("Wed, 21 Oct 2015 07:28 GMT", Some(12480.0)),
    ];
    for (text, want) in recorded {
        assert_eq!(parse_retry_after(text, now), want, "{text:?}");
    }
    assert_eq!(parse_retry_after("1__0", now), None);
    assert_eq!(parse_retry_after("_1", now), None);
    assert_eq!(
        parse_retry_after(
            "Wed, 21 Oct 2015 07:28:00 GMT",
            UNIX_EPOCH + Duration::from_secs(1_445_500_000)
        ),
        Some(0.0)
    );
}

/// Records the waits; `deadline` is how much waiting the caller allows.
struct Recorder {
    waits: Vec<f64>,
    deadline: Duration,
}

impl Waiter for Recorder {
    fn wait(&mut self, d: Duration) -> bool {
        if d >= self.deadline {
            return false;
        }
        self.deadline -= d;
        self.waits.push(d.as_secs_f64());
        true
    }
    fn random(&mut self) -> f64 {
        0.5
    }
}

fn reply(status: u16, retry_after: Option<&str>, maintenance: bool) -> Result<Reply, Failure> {
    Ok(Reply {
        status,
        redirect: false,
        body: Zeroizing::new(Vec::new()),
        retry_after: retry_after.map(str::to_string),
        maintenance,
        retries: 0,
        resend: false,
    })
}

fn failure(retry: Retry) -> Result<Reply, Failure> {
    Err(Failure {
        error: Error::client("cannot connect to http://127.0.0.1:1"),
        retry,
    })
}

/// Runs a scripted exchange: the statuses (or failures) of each attempt in order.
fn run(
    policy: &ClientRetries,
    client: &mut Client,
    script: Vec<Result<Reply, Failure>>,
) -> (Result<Reply, Error>, usize, Vec<f64>) {
    let mut script = script.into_iter();
    let mut sent = 0;
    let mut waiter = Recorder {
        waits: Vec::new(),
        deadline: Duration::from_secs(3600),
    };
    let out = client.send(policy, &mut waiter, || {
        sent += 1;
        script
            .next()
            .expect("the client sent more requests than scripted")
    });
    (out, sent, waiter.waits)
}

fn exact(max_retries: u32, extra_codes: Vec<u16>) -> ClientRetries {
    ClientRetries {
        max_retries,
        jitter_factor: 0.0,
        extra_codes,
    }
}

#[test]
fn statuses_are_retried_as_prefect_retries_them() {
    // Prefect: 429 (Retry-After: 0), 503, 429, then the block: 4 requests, ~12 s of waits.
    let (out, sent, waits) = run(
        &exact(5, vec![]),
        &mut Client::default(),
        vec![
            reply(429, Some("0"), false),
            reply(503, None, false),
            reply(429, None, false),
            reply(200, None, false),
        ],
    );
    let out = out.ok().unwrap();
    assert_eq!((out.status, out.retries, sent), (200, 3, 4));
    assert_eq!(waits, [0.0, 4.0, 8.0]);

    // PREFECT_CLIENT_MAX_RETRIES=2 and 503s: 3 requests, then the 503 is the answer.
    let (out, sent, _) = run(
        &exact(2, vec![]),
        &mut Client::default(),
        vec![
            reply(503, Some("0"), false),
            reply(503, Some("0"), false),
            reply(503, Some("0"), false),
        ],
    );
    assert_eq!((out.ok().unwrap().status, sent), (503, 3));

    // Maintenance replies do not count: MAX_RETRIES=0 and three of them, then a 404.
    let (out, sent, _) = run(
        &exact(0, vec![]),
        &mut Client::default(),
        vec![
            reply(503, Some("0"), true),
            reply(503, Some("0"), true),
            reply(503, Some("0"), true),
            reply(404, None, false),
        ],
    );
    assert_eq!((out.ok().unwrap().status, sent), (404, 4));

    // PREFECT_CLIENT_RETRY_EXTRA_CODES=500; without it a 500 is the answer at once.
    let (out, sent, _) = run(
        &exact(5, vec![500]),
        &mut Client::default(),
        vec![reply(500, Some("0"), false), reply(404, None, false)],
    );
    assert_eq!((out.ok().unwrap().status, sent), (404, 2));
    let (out, sent, _) = run(
        &exact(5, vec![]),
        &mut Client::default(),
        vec![reply(500, Some("0"), false)],
    );
    assert_eq!((out.ok().unwrap().status, sent), (500, 1));
}

#[test]
fn failed_connections_are_retried_only_once_the_client_had_a_reply() {
    let policy = exact(5, vec![]);
    let mut client = Client::default();
    let (out, sent, _) = run(&policy, &mut client, vec![failure(Retry::OnceConnected)]);
    assert_eq!((out.err().unwrap().kind, sent), (ErrorKind::Client, 1));
    // A reply (any status) makes the client connected; its next request retries them.
    let (_, _, _) = run(&policy, &mut client, vec![reply(404, None, false)]);
    let (out, sent, waits) = run(
        &policy,
        &mut client,
        vec![
            failure(Retry::OnceConnected),
            failure(Retry::Always),
            reply(200, None, false),
        ],
    );
    assert_eq!((out.ok().unwrap().retries, sent), (2, 3));
    assert_eq!(waits, [2.0, 4.0]);
    // The library's own limits never are.
    let (out, sent, _) = run(&policy, &mut Client::default(), vec![failure(Retry::Never)]);
    assert!(out.is_err() && sent == 1);
    // Timeouts and resets are, up to the count: 1 + 5 tries, then the error.
    let (out, sent, _) = run(
        &policy,
        &mut Client::default(),
        (0..6).map(|_| failure(Retry::Always)).collect(),
    );
    assert!(out.is_err() && sent == 6);
}

#[test]
fn a_wait_past_the_deadline_ends_the_get_with_a_plain_error() {
    let mut waiter = Recorder {
        waits: Vec::new(),
        deadline: Duration::from_secs(5),
    };
    let mut replies = vec![reply(429, Some("30"), false)].into_iter();
    let out = Client::default().send(&exact(5, vec![]), &mut waiter, || replies.next().unwrap());
    let e = out.err().unwrap();
    assert_eq!(e.kind, ErrorKind::Client);
    assert!(
        e.message.contains("HTTP 429") && e.message.contains("30.000 s"),
        "{}",
        e.message
    );
    assert!(waiter.waits.is_empty());
}

#[test]
fn uniform_draws_stay_in_range() {
    let draws: Vec<f64> = (0..1000).map(|_| uniform()).collect();
    assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
    // Not one value over and over.
    assert!(draws.windows(2).any(|w| w[0] != w[1]));
}
