// SPDX-License-Identifier: GPL-3.0-or-later
//! The demo headend's small HTTP server (lineup, guide, HLS) on 127.0.0.1. One short-lived thread
//! per connection; `Connection: close` keeps it simple. Not for anything but the demo and tests.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// A response body with its content type.
pub struct Body {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Send no faster than this many bytes per second (a slow origin), if set.
    pub pace: Option<u32>,
}

impl Body {
    /// A body sent at full speed.
    pub fn new(content_type: &'static str, bytes: Vec<u8>) -> Self {
        Self {
            content_type,
            bytes,
            pace: None,
        }
    }
}

/// Maps a request path to a body; `None` is a 404.
pub type Router = Arc<dyn Fn(&str) -> Option<Body> + Send + Sync>;

/// A running server; stops when dropped.
pub struct HttpServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Listens on 127.0.0.1:`port` (0: any free port).
    pub fn start(router: Router, port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("demo-http".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let router = router.clone();
                        let _ = std::thread::Builder::new()
                            .name("demo-http-conn".into())
                            .spawn(move || serve(stream, &router));
                    }
                }
            })?;
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wake the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, router: &Router) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split('?').next().unwrap_or(path);
    let mut out = &stream;
    let _ = match router(path) {
        Some(body) => out
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.content_type,
                    body.bytes.len()
                )
                .as_bytes(),
            )
            .and_then(|()| send(out, &body.bytes, body.pace)),
        None => out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
}

/// Writes `bytes`, in tenths of a second's worth when `pace` limits the rate.
fn send(mut out: &TcpStream, bytes: &[u8], pace: Option<u32>) -> std::io::Result<()> {
    let Some(rate) = pace else {
        return out.write_all(bytes);
    };
    let tick = std::time::Duration::from_millis(100);
    let chunk = (rate as usize / 10).max(1);
    for part in bytes.chunks(chunk) {
        out.write_all(part)?;
        out.flush()?;
        std::thread::sleep(tick);
    }
    Ok(())
}
