//! Prefect 3's CSRF tokens (`prefect.client.base`, `_add_csrf_headers`): before a
//! request that changes something (a batch get's `POST .../filter`), a client of a
//! self-hosted server fetches `GET {api}/csrf-token?client=<id>` and sends the token in
//! `Prefect-Csrf-Token` with its id in `Prefect-Csrf-Client`. A server that answers 404
//! (older) or 422 "CSRF protection is disabled." needs none; Prefect Cloud is never asked.
//!
//! Tokens are kept per API URL for the process (a forked child fetches its own) until
//! they expire. Each fetch uses a new client id, as each Prefect client has its own, so
//! two threads fetching at once do not replace each other's token on the server.

use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ureq::http::{HeaderName, HeaderValue};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::process::PerProcess;
use crate::server::decode_reply;
use crate::server::retry::days_from_civil;
use crate::value::Value;

/// What a server wants before a change request.
#[derive(Clone)]
pub enum Csrf {
    /// Nothing (the server's protection is off, or it is too old to have any).
    Off,
    Token(Arc<Token>),
}

pub struct Token {
    token: Zeroizing<String>,
    client: String,
    expires: SystemTime,
}

impl Token {
    /// The two headers that carry it; the token is marked sensitive.
    pub fn headers(&self) -> Result<[(HeaderName, HeaderValue); 2], Error> {
        let mut token = HeaderValue::from_str(&self.token).map_err(|_| {
            Error::client("the Prefect server's CSRF token cannot go in an HTTP header")
        })?;
        token.set_sensitive(true);
        let client = HeaderValue::from_str(&self.client)
            .map_err(|_| Error::client("a CSRF client id cannot go in an HTTP header"))?;
        Ok([
            (HeaderName::from_static("prefect-csrf-token"), token),
            (HeaderName::from_static("prefect-csrf-client"), client),
        ])
    }
}

/// Prefect Cloud's API (`PREFECT_CLOUD_API_URL`'s default): its clients send no CSRF token.
const CLOUD_API: &str = "https://api.prefect.cloud/api";

/// Whether a client of `api` (the API URL) with CSRF support `enabled` asks for tokens
/// (Prefect: `server_type != CLOUD and PREFECT_CLIENT_CSRF_SUPPORT_ENABLED`).
pub fn wanted(api: &str, enabled: bool) -> bool {
    enabled && !api.starts_with(CLOUD_API)
}

/// Known answers, by API URL (a process talks to one or two).
static KNOWN: PerProcess<Mutex<Vec<(String, Csrf)>>> = PerProcess::new();
const MAX_KNOWN: usize = 8;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What `api` wants, fetched with `fetch` (given the new client id's query) when nothing
/// valid is known. `fetch` answers `Ok(None)` when the server needs no token.
pub fn current(
    api: &str,
    now: SystemTime,
    fetch: impl FnOnce(&str) -> Result<Option<Value>, Error>,
) -> Result<Csrf, Error> {
    let known = KNOWN.get(|| Mutex::new(Vec::new()));
    let valid = |c: &Csrf| match c {
        Csrf::Off => true,
        Csrf::Token(t) => now <= t.expires,
    };
    if let Some((_, c)) = lock(&known).iter().find(|(a, c)| a == api && valid(c)) {
        return Ok(c.clone());
    }
    let client = new_client_id();
    // Fetched without the lock: it is a request, with retries.
    let csrf = match fetch(&format!("csrf-token?client={client}"))? {
        None => Csrf::Off,
        Some(reply) => Csrf::Token(Arc::new(token_of(reply, client)?)),
    };
    let mut known = lock(&known);
    known.retain(|(a, _)| a != api);
    if known.len() >= MAX_KNOWN {
        known.remove(0);
    }
    known.push((api.to_string(), csrf.clone()));
    Ok(csrf)
}

/// Drops the token known for `api` (the server said it is invalid): the next request
/// fetches a new one.
pub fn forget(api: &str) {
    lock(&KNOWN.get(|| Mutex::new(Vec::new()))).retain(|(a, _)| a != api);
}

/// The reply of `/csrf-token` (`CsrfToken`: `token`, `client`, `expiration`).
fn token_of(reply: Value, client: String) -> Result<Token, Error> {
    let Value::Dict(mut d) = reply else {
        return Err(Error::client(
            "the Prefect server's CSRF token reply is not a JSON object",
        ));
    };
    let Some(Value::Str(token)) = d.remove("token") else {
        return Err(Error::client(
            "the Prefect server's CSRF token reply has no token",
        ));
    };
    let expires = match d.get("expiration") {
        Some(Value::Str(s)) => parse_expiration(&s.to_string_lossy()).ok_or_else(|| {
            Error::client("the Prefect server's CSRF token has an unreadable expiration")
        })?,
        _ => {
            return Err(Error::client(
                "the Prefect server's CSRF token reply has no expiration",
            ));
        }
    };
    Ok(Token {
        token: Zeroizing::new(token.to_string_lossy()),
        client,
        expires,
    })
}

/// Decodes the token reply's body (for [`current`]'s `fetch`).
pub fn decode(body: &[u8]) -> Result<Value, Error> {
    decode_reply(body, "CSRF token reply")
}

/// A random UUID (version 4), as Prefect's `uuid.uuid4()` client ids; it needs to be
/// unique, not secret.
fn new_client_id() -> String {
    let mut b = [0u8; 16];
    for (i, chunk) in b.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&RandomState::new().hash_one(i).to_le_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An ISO 8601 date and time as the server writes it (`2026-12-07T12:00:00.123456Z`,
/// or with `+HH:MM`), as a point in time.
fn parse_expiration(text: &str) -> Option<SystemTime> {
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = text.split_once(['T', ' '])?;
    let mut ymd = date.splitn(3, '-');
    let (y, m, d) = (num(ymd.next()?)?, num(ymd.next()?)?, num(ymd.next()?)?);
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        None => (time, 0),
        Some(i) => {
            let zone = &time[i..];
            let offset = match zone {
                "Z" | "z" => 0,
                _ => {
                    let sign = if zone.starts_with('-') { -1 } else { 1 };
                    let (h, mi) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
                    sign * (num(h)? * 3600 + num(mi)? * 60)
                }
            };
            (&time[..i], offset)
        }
    };
    let (whole, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms = whole.splitn(3, ':');
    let (h, mi, s) = (num(hms.next()?)?, num(hms.next()?)?, num(hms.next()?)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(9).collect();
        num(&digits)? * 10i64.pow(9 - digits.len() as u32)
    };
    let secs = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s - offset;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, u32::try_from(nanos).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expirations_as_the_server_writes_them() {
        let at = |s| parse_expiration(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap());
        assert_eq!(at("1970-01-01T00:00:10Z"), Some(Duration::from_secs(10)));
        assert_eq!(
            at("2026-12-07T12:00:00.5Z"),
            Some(Duration::new(1_796_644_800, 500_000_000))
        );
        assert_eq!(
            at("2026-12-07T13:30:00+01:30"),
            Some(Duration::from_secs(1_796_644_800))
        );
        assert_eq!(
            at("2026-12-07T12:00:00"),
            Some(Duration::from_secs(1_796_644_800))
        );
        for bad in [
            "",
            "2026-12-07",
            "2026-13-01T00:00:00Z",
            "x-1-1T0:0:0Z",
            "2026-12-07T12:00Z",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }

    #[test]
    fn client_ids_are_version_4_uuids_and_differ() {
        let (a, b) = (new_client_id(), new_client_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn cloud_is_never_asked() {
        assert!(!wanted(
            "https://api.prefect.cloud/api/accounts/a/workspaces/w",
            true
        ));
        assert!(wanted("http://127.0.0.1:4200/api", true));
        assert!(!wanted("http://127.0.0.1:4200/api", false));
    }
}
