//! An HTTP CONNECT proxy on 127.0.0.1 for tests: it tunnels every CONNECT to one fixed
//! upstream (whatever host was asked for) and records what it saw: the CONNECT heads and
//! every byte the client sent through the tunnel.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

pub struct TestProxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default, Clone)]
pub struct Seen {
    /// Each tunnel's request head (`CONNECT host:port HTTP/1.1` and headers).
    pub heads: Vec<String>,
    /// Everything clients sent through the tunnels.
    pub tunnelled: Vec<u8>,
}

impl TestProxy {
    pub fn start(upstream: SocketAddr) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let log = seen.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = log.clone();
                thread::spawn(move || tunnel(client, upstream, &log));
            }
        });
        TestProxy { addr, seen }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, upstream: SocketAddr, log: &Mutex<Seen>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    log.lock().unwrap().heads.push(head.clone());
    let mut client_w = client;
    if !head.starts_with("CONNECT ") {
        let _ = client_w.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client_w.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if client_w
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let mut server_r = server.try_clone().unwrap();
    let mut client_w2 = client_w.try_clone().unwrap();
    let back = thread::spawn(move || {
        let _ = std::io::copy(&mut server_r, &mut client_w2);
        let _ = client_w2.shutdown(Shutdown::Write);
    });
    let mut server_w = server;
    let mut buf = [0u8; 16 * 1024];
    // The reader may hold bytes the client sent right after the CONNECT head.
    let pending = reader.buffer().to_vec();
    if !pending.is_empty() {
        log.lock().unwrap().tunnelled.extend_from_slice(&pending);
        let _ = server_w.write_all(&pending);
    }
    let mut inner = reader.into_inner();
    loop {
        match inner.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                log.lock().unwrap().tunnelled.extend_from_slice(&buf[..n]);
                if server_w.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = server_w.shutdown(Shutdown::Write);
    let _ = back.join();
}
