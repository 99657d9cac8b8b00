//! A small HTTP/1.1 server on 127.0.0.1 for tests: keep-alive, a handler that decides
//! per request what to do (answer, hang, drip, close mid-reply, send a huge body), a log
//! of the requests and a count of accepted connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How many requests came before this one on the same connection.
    pub on_connection: usize,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to do with a request.
pub enum Action {
    /// A complete response with this status, extra headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Never answer (the connection stays open until the server stops).
    Hang,
    /// Send these bytes one at a time, `interval` apart, then close.
    Drip { bytes: Vec<u8>, interval: Duration },
    /// Send these raw bytes, then close the connection.
    RawThenClose(Vec<u8>),
    /// Announce `len` bytes of JSON and stream them (a string of `x`), then close.
    Huge { len: u64 },
    /// Do this, then close the connection (without having said `Connection: close`).
    ThenClose(Box<Action>),
    /// Close the connection without answering.
    Close,
}

impl Action {
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Action {
        Action::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }
}

type Handler = dyn Fn(&Request) -> Action + Send + Sync;

pub struct TestServer {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&Request) -> Action + Send + Sync + 'static) -> TestServer {
        Self::start_with(None, handler)
    }

    /// An https server with this TLS configuration.
    pub fn start_tls(
        tls: Arc<rustls::ServerConfig>,
        handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
    ) -> TestServer {
        Self::start_with(Some(tls), handler)
    }

    /// A server that closes a kept-alive connection once it has been idle for `idle`.
    pub fn start_idle_timeout(
        tls: Option<Arc<rustls::ServerConfig>>,
        idle: Duration,
        handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
    ) -> TestServer {
        Self::start_full(tls, Some(idle), handler)
    }

    fn start_with(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
    ) -> TestServer {
        Self::start_full(tls, None, handler)
    }

    fn start_full(
        tls: Option<Arc<rustls::ServerConfig>>,
        idle: Option<Duration>,
        handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let (log, connections, stop) = (log.clone(), connections.clone(), stop.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = stream.set_nodelay(true);
                    if idle.is_some() {
                        let _ = stream.set_read_timeout(idle);
                    }
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (log, handler, stop) = (log.clone(), handler.clone(), stop.clone());
                    let tls = tls.clone();
                    thread::spawn(move || match tls {
                        None => serve(stream, &log, handler.as_ref(), &stop),
                        Some(config) => {
                            let Ok(conn) = rustls::ServerConnection::new(config) else {
                                return;
                            };
                            let stream = rustls::StreamOwned::new(conn, stream);
                            serve(stream, &log, handler.as_ref(), &stop)
                        }
                    });
                }
            });
        }
        TestServer {
            addr,
            log,
            connections,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn https_url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
    }
}

fn read_request<S: Read>(reader: &mut BufReader<S>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        // Like Python's http.server: leading blanks of a value go, trailing ones stay.
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim_start().to_string()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
        on_connection: 0,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

fn serve<S: Read + Write>(
    stream: S,
    log: &Mutex<Vec<Request>>,
    handler: &Handler,
    stop: &AtomicBool,
) {
    let mut reader = BufReader::new(stream);
    let mut served = 0;
    while let Some(mut request) = read_request(&mut reader) {
        request.on_connection = served;
        served += 1;
        let action = handler(&request);
        log.lock().unwrap().push(request);
        if !respond(reader.get_mut(), action, stop) {
            return;
        }
    }
}

/// Carries out one action; whether the connection stays open.
fn respond<S: Write>(writer: &mut S, action: Action, stop: &AtomicBool) -> bool {
    match action {
        Action::ThenClose(first) => {
            respond(writer, *first, stop);
            false
        }
        Action::Close => false,
        Action::Respond {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            // One write: a separate small write for the body would wait on a delayed ACK.
            let response = [head.into_bytes(), body].concat();
            writer.write_all(&response).is_ok() && writer.flush().is_ok()
        }
        Action::Hang => {
            while !stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(20));
            }
            false
        }
        Action::Drip { bytes, interval } => {
            for b in bytes {
                if writer.write_all(&[b]).is_err()
                    || writer.flush().is_err()
                    || stop.load(Ordering::SeqCst)
                {
                    return false;
                }
                thread::sleep(interval);
            }
            false
        }
        Action::RawThenClose(bytes) => {
            let _ = writer.write_all(&bytes);
            let _ = writer.flush();
            false
        }
        Action::Huge { len } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n\""
            );
            if writer.write_all(head.as_bytes()).is_err() {
                return false;
            }
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 1u64;
            while sent < len {
                let n = chunk.len().min((len - sent) as usize);
                if writer.write_all(&chunk[..n]).is_err() {
                    return false;
                }
                sent += n as u64;
            }
            false
        }
    }
}
