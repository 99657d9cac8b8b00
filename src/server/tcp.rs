//! The TCP transport under the shared agents, in place of ureq's own, to make a kept-alive
//! request cost little more than the bytes on the wire:
//!
//! - A request's writes are held and sent in one `send` when the reply is awaited (ureq
//!   writes the headers and the body separately, waking the server twice).
//! - Socket timeouts are set only when the one in place would wait more than 10% too
//!   long; a shorter one that expires early is simply renewed, so deadlines hold without
//!   a `setsockopt` before every read and write.
//! - Whether a pooled connection is still open is one non-blocking peek (`sys`).
//!
//! TLS (ureq's rustls connector) and proxies chain on top of it as with ureq's own.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ureq::Timeout;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};
use zeroize::Zeroize;

thread_local! {
    /// Whether the current request attempt on this thread opened a new connection (rather
    /// than taking a kept-alive one from the pool). ureq runs a request on the calling
    /// thread, connector included.
    static CONNECTED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the start of a request attempt on this thread.
pub fn begin_attempt() {
    CONNECTED.with(|c| c.set(false));
}

/// Whether the attempt since [`begin_attempt`] opened a new connection.
pub fn connected_fresh() -> bool {
    CONNECTED.with(Cell::get)
}

/// Held writes beyond this size go out at once.
const FLUSH_AT: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct LeanTcpConnector;

impl<In: Transport> Connector<In> for LeanTcpConnector {
    type Out = Either<In, LeanTcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(previous) = chained {
            return Ok(Some(Either::A(previous)));
        }
        CONNECTED.with(|c| c.set(true));
        let stream = Arc::new(connect(details)?);
        stream.set_nodelay(true)?;
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        let config = details.config;
        Ok(Some(Either::B(LeanTcpTransport {
            stream,
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            held: Vec::new(),
            read_timeout: None,
            write_timeout: None,
        })))
    }
}

/// Tries each resolved address within the connect timeout.
fn connect(details: &ConnectionDetails) -> Result<TcpStream, ureq::Error> {
    let deadline = remaining(&details.timeout).map(|d| Instant::now() + d);
    let mut last = None;
    for addr in details.addrs.iter() {
        let attempt = match deadline {
            None => TcpStream::connect(addr),
            Some(at) => match at
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
            {
                Some(left) => TcpStream::connect_timeout(addr, left),
                None => return Err(ureq::Error::Timeout(Timeout::Connect)),
            },
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                last = Some(ureq::Error::Timeout(Timeout::Connect))
            }
            Err(e) => last = Some(ureq::Error::Io(e)),
        }
    }
    Err(last.unwrap_or(ureq::Error::HostNotFound))
}

/// The time left, `None` when there is no deadline.
fn remaining(timeout: &NextTimeout) -> Option<Duration> {
    timeout.not_zero().map(|d| *d)
}

pub struct LeanTcpTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// Written by ureq, not sent yet (wiped once sent: it holds the credentials).
    held: Vec<u8>,
    /// The timeouts the socket has now.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl std::fmt::Debug for LeanTcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeanTcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

/// Sets a socket timeout unless the one in place is close enough: no longer than 10% over
/// what is needed (so a deadline is never overshot by more), and not under half of it (a
/// shorter one is renewed when it expires, but should not expire over and over).
fn fit_timeout(
    current: &mut Option<Duration>,
    needed: Option<Duration>,
    set: impl FnOnce(Option<Duration>) -> io::Result<()>,
) -> io::Result<()> {
    let close_enough = match (*current, needed) {
        (None, None) => true,
        (Some(have), Some(want)) => have <= want + want / 10 && have >= want / 2,
        _ => false,
    };
    if !close_enough {
        set(needed)?;
        *current = needed;
    }
    Ok(())
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl LeanTcpTransport {
    /// Sends what is held, in one write.
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.held.is_empty() {
            return Ok(());
        }
        let stream = &*self.stream;
        fit_timeout(&mut self.write_timeout, remaining(&timeout), |t| {
            stream.set_write_timeout(t)
        })?;
        let sent = (&*self.stream).write_all(&self.held);
        self.held.zeroize();
        match sent {
            Ok(()) => Ok(()),
            Err(e) if timed_out(&e) => Err(ureq::Error::Timeout(timeout.reason)),
            Err(e) => Err(e.into()),
        }
    }
}

impl Transport for LeanTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        self.held
            .extend_from_slice(&self.buffers.output()[..amount]);
        if self.held.len() >= FLUSH_AT {
            self.flush(timeout)?;
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        self.flush(timeout)?;
        let deadline = remaining(&timeout).map(|d| Instant::now() + d);
        loop {
            let left = match deadline {
                None => None,
                Some(at) => match at
                    .checked_duration_since(Instant::now())
                    .filter(|d| !d.is_zero())
                {
                    Some(left) => Some(left),
                    None => return Err(ureq::Error::Timeout(timeout.reason)),
                },
            };
            let stream = &*self.stream;
            fit_timeout(&mut self.read_timeout, left, |t| stream.set_read_timeout(t))?;
            match (&*self.stream).read(self.buffers.input_append_buf()) {
                Ok(n) => {
                    self.buffers.input_appended(n);
                    return Ok(n > 0);
                }
                // A socket timeout shorter than the deadline, or a signal: go on waiting.
                Err(e) if timed_out(&e) || e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn is_open(&mut self) -> bool {
        crate::sys::socket_is_open(&self.stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_set_only_when_needed() {
        let mut current = None;
        let mut sets = Vec::new();
        let mut fit = |current: &mut Option<Duration>, want: Option<Duration>| {
            fit_timeout(current, want, |t| {
                sets.push(t);
                Ok(())
            })
            .unwrap()
        };
        let s = Duration::from_secs;
        fit(&mut current, Some(s(30)));
        fit(&mut current, Some(s(30)));
        fit(&mut current, Some(Duration::from_millis(28_000)));
        fit(&mut current, Some(s(20)));
        fit(&mut current, Some(s(50)));
        fit(&mut current, None);
        assert_eq!(sets, vec![Some(s(30)), Some(s(20)), Some(s(50)), None]);
    }
}
