// SPDX-License-Identifier: GPL-3.0-or-later
//! A real HTTP server on 127.0.0.1 for tests (plain `TcpListener`, a thread per connection,
//! `Connection: close`); the handler sees the request head and writes the answer itself.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;

type Handler = dyn Fn(&str, &mut TcpStream) + Send + Sync;

/// Serves `handler(request head, stream)` on every connection until the test process ends.
pub fn serve(handler: impl Fn(&str, &mut TcpStream) + Send + Sync + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handler: Arc<Handler> = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || answer(stream, &*handler));
        }
    });
    addr
}

fn answer(mut stream: TcpStream, handler: &Handler) {
    let mut head = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    handler(&head, &mut stream);
}

/// A complete response with a `Content-Length`.
pub fn response(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Writes [`response`] to `stream`.
pub fn respond(stream: &mut TcpStream, status: &str, headers: &[&str], body: &[u8]) {
    let _ = stream.write_all(&response(status, headers, body));
}
