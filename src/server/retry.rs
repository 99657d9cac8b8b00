//! Prefect 3's client retries (`prefect.client.base`, `_send_with_retry` and `send`), for
//! the Prefect 3 flavour only: Prefect 0.5.3's client had none.
//!
//! A reply with status 408, 429, 502, 503 or one of `PREFECT_CLIENT_RETRY_EXTRA_CODES` is
//! sent again, up to `PREFECT_CLIENT_MAX_RETRIES` times; a reply carrying
//! `Prefect-Maintenance: true` does not count as a try. Between tries Prefect waits what
//! `Retry-After` asks (seconds or an HTTP date), else `2^tries` seconds, with jitter
//! (`PREFECT_CLIENT_RETRY_JITTER_FACTOR`): never less than `Retry-After`, symmetric around
//! the back-off otherwise. Timeouts, resets and protocol errors are retried alike; a
//! connection that cannot be made at all only once the client has had a reply (Prefect
//! fails fast on a wrong URL).
//!
//! Two differences, both about waiting only: a wait that would pass the caller's
//! deadline (`*_within`, Go's `GetContext`) ends the get at once with an error, and when
//! the tries are used up the last reply is returned without the one more wait Prefect
//! makes before returning it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::cloud::settings::ClientRetries;
use crate::error::Error;

use super::transport::{Failure, Reply, Retry};

/// The statuses Prefect's client always retries.
const RETRY_CODES: [u16; 4] = [408, 429, 502, 503];

/// How one logical client (one get, or one batch) waits and draws its jitter; the
/// production one sleeps and draws from [`uniform`], tests record.
pub trait Waiter {
    /// Waits `d`; `false` when the caller's deadline leaves less than that.
    fn wait(&mut self, d: Duration) -> bool;
    /// A number in [0, 1), as Python's `random.random()`.
    fn random(&mut self) -> f64;
}

/// Waits on this thread, within the call's deadline (`transport::time_left`).
pub struct Sleeper;

impl Waiter for Sleeper {
    fn wait(&mut self, d: Duration) -> bool {
        if super::transport::time_left().is_some_and(|left| left <= d) {
            return false;
        }
        std::thread::sleep(d);
        true
    }

    fn random(&mut self) -> f64 {
        uniform()
    }
}

/// What one client remembers between its requests: whether a request of it has had a
/// reply (Prefect's `_has_connected`), after which failed connections are retried too.
#[derive(Default)]
pub struct Client {
    connected: bool,
}

impl Client {
    /// Sends with Prefect's retries: `attempt` makes one request. The reply is returned
    /// whatever its status (the flavour judges it), with `retries` set.
    pub fn send(
        &mut self,
        policy: &ClientRetries,
        waiter: &mut dyn Waiter,
        mut attempt: impl FnMut() -> Result<Reply, Failure>,
    ) -> Result<Reply, Error> {
        let mut tries: u32 = 0;
        let mut retries: u32 = 0;
        loop {
            let (asked, why) = match attempt() {
                Err(failure) => {
                    tries += 1;
                    let retryable = match failure.retry {
                        Retry::Always => true,
                        Retry::OnceConnected => self.connected,
                        Retry::Never => false,
                    };
                    if !retryable || tries > policy.max_retries {
                        return Err(failure.error);
                    }
                    (None, failure.error.message.clone())
                }
                Ok(mut reply) => {
                    if !reply.maintenance {
                        tries += 1;
                    }
                    let retryable = reply.resend
                        || RETRY_CODES.contains(&reply.status)
                        || policy.extra_codes.contains(&reply.status);
                    if !retryable || tries > policy.max_retries {
                        self.connected = true;
                        reply.retries = retries;
                        return Ok(reply);
                    }
                    let asked = reply
                        .retry_after
                        .as_deref()
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    (asked, format!("the server answered HTTP {}", reply.status))
                }
            };
            let seconds = delay(asked, tries, policy.jitter_factor, waiter.random());
            let d = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
            if !waiter.wait(d) {
                return Err(Error::client(format!(
                    "{why}; Prefect's client would try again in {seconds:.3} s, after the \
                     call's deadline"
                )));
            }
            retries += 1;
        }
    }
}

/// The seconds Prefect waits before the next try: `Retry-After` when the reply had one
/// Prefect could read, else `2^tries`, then jittered (`prefect.utilities.math`).
fn delay(asked: Option<f64>, tries: u32, jitter: f64, u: f64) -> f64 {
    let base = asked.unwrap_or_else(|| 2f64.powi(tries.min(1023) as i32));
    if base > 0.0 && jitter > 0.0 {
        match asked {
            // Never sooner than the server asked.
            Some(s) => bounded_poisson_interval(s, s * (1.0 + jitter), u),
            None => clamped_poisson_interval(base, jitter, u),
        }
    } else {
        base
    }
}

/// An inter-arrival time of a Poisson process of mean `average`, drawn by the inverse
/// CDF from `uniform(lower, upper)`.
fn poisson_interval(average: f64, lower: f64, upper: f64, u: f64) -> f64 {
    let x = lower + (upper - lower) * u;
    -(1.0 - x).max(1e-10).ln() * average
}

fn exponential_cdf(x: f64, average: f64) -> f64 {
    1.0 - (-x / average).exp()
}

/// The lower bound's multiple that leaves as much probability below the median as the
/// upper bound `k` leaves above it.
fn lower_clamp_multiple(k: f64) -> f64 {
    if k >= 50.0 {
        return 0.0;
    }
    let p = 2f64.powf(k);
    (p / (p - 1.0)).max(1e-10).log2()
}

fn clamped_poisson_interval(average: f64, factor: f64, u: f64) -> f64 {
    if average <= 0.0 {
        return 0.0;
    }
    let upper = average * (1.0 + factor);
    let lower = (average * lower_clamp_multiple(1.0 + factor)).max(0.0);
    poisson_interval(
        average,
        exponential_cdf(lower, average),
        exponential_cdf(upper, average),
        u,
    )
}

fn bounded_poisson_interval(lower: f64, upper: f64, u: f64) -> f64 {
    let average = (lower + upper) / 2.0;
    poisson_interval(
        average,
        exponential_cdf(lower, average),
        exponential_cdf(upper, average),
        u,
    )
}

/// `Retry-After` as Prefect reads it (`_parse_retry_after`): Python's `float()` of the
/// text, else an HTTP date (`email.utils.parsedate_to_datetime`; no zone means UTC) as
/// seconds from `now`; never negative; `None` (so the back-off applies) when it is
/// neither, or not finite.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<f64> {
    let seconds = match python_float(value) {
        Some(s) => s,
        None => {
            let at = http_date(value)?;
            let now = match now.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_secs_f64(),
                Err(e) => -e.duration().as_secs_f64(),
            };
            at - now
        }
    };
    seconds.is_finite().then_some(seconds.max(0.0))
}

/// Python's `float(text)` for the texts a header holds: surrounding whitespace, a sign,
/// digits with single `_` between them, `inf`/`infinity`/`nan`.
fn python_float(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let digit = |j: Option<usize>| j.and_then(|j| b.get(j)).is_some_and(u8::is_ascii_digit);
            if !digit(i.checked_sub(1)) || !digit(Some(i + 1)) {
                return None;
            }
        }
    }
    // With the underscores checked, Rust's grammar is Python's (signs, `1.`, `.5`,
    // exponents, `inf`/`infinity`/`nan` in any case).
    t.chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .parse()
        .ok()
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The three HTTP date forms (RFC 9110: IMF-fixdate, RFC 850, asctime), and RFC 2822's
/// numeric zones, as seconds since the epoch. A form Prefect reads that this does not
/// gives `None`: the back-off then applies, which only changes a wait.
fn http_date(text: &str) -> Option<f64> {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // A leading day name ("Wed," or "Wednesday,"), as email.utils drops it.
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    if words
        .first()
        .is_some_and(|w| w.ends_with(',') || DAYS.contains(&w.to_ascii_lowercase().as_str()))
    {
        words.remove(0);
    }
    let (day, mon, year, time, zone) = match words.as_slice() {
        // 21 Oct 2015 07:28:00 GMT
        [d, m, y, t, z] => (d.parse().ok()?, month(m)?, year(y)?, *t, Some(*z)),
        [d, m, y, t] if month(m).is_some() => (d.parse().ok()?, month(m)?, year(y)?, *t, None),
        // 21-Oct-15 07:28:00 GMT
        [dmy, t, z] => {
            let mut p = dmy.split('-');
            let (d, m, y) = (p.next()?, p.next()?, p.next()?);
            (d.parse().ok()?, month(m)?, year(y)?, *t, Some(*z))
        }
        // Oct 21 07:28:00 2015 (asctime)
        [m, d, t, y] => (d.parse().ok()?, month(m)?, year(y)?, *t, None),
        _ => return None,
    };
    let mut hms = time.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let mi: i64 = hms.next()?.parse().ok()?;
    let s: i64 = hms.next().map_or(Some(0), |s| s.parse().ok())?;
    if !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 61 {
        return None;
    }
    let offset = match zone {
        None => 0,
        Some(z) if matches!(z.to_ascii_uppercase().as_str(), "GMT" | "UT" | "UTC" | "Z") => 0,
        Some(z) => {
            let (sign, digits) = match z.as_bytes().first()? {
                b'+' => (1, &z[1..]),
                b'-' => (-1, &z[1..]),
                _ => return None,
            };
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let n: i64 = digits.parse().ok()?;
            sign * ((n / 100) * 3600 + (n % 100) * 60)
        }
    };
    let days = days_from_civil(year, mon, day);
    Some((days * 86400 + h * 3600 + mi * 60 + s - offset) as f64)
}

fn month(word: &str) -> Option<i64> {
    let w = word.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| w.starts_with(m))
        .map(|i| i as i64 + 1)
}

/// A year as email.utils reads it: two digits are 19xx above 68, else 20xx.
fn year(word: &str) -> Option<i64> {
    let y: i64 = word.parse().ok()?;
    Some(match (word.len(), y) {
        (2, y) if y > 68 => y + 1900,
        (2, y) => y + 2000,
        _ => y,
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A uniform draw in [0, 1) for jitter: per thread, seeded from the standard library's
/// random hash keys (jitter needs spread across processes, not secrecy).
pub fn uniform() -> f64 {
    use std::cell::Cell;
    use std::hash::{BuildHasher, RandomState};
    thread_local! {
        static STATE: Cell<u64> = Cell::new(RandomState::new().hash_one(0u64) | 1);
    }
    STATE.with(|s| {
        // xorshift64*
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests;
