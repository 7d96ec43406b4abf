// SPDX-License-Identifier: GPL-3.0-or-later
//! Fetching channel logos (`tvg-logo`) into the cache directory, for any caller.
//!
//! A logo URL comes from a playlist, that is from a stranger, so the rules are enforced here and
//! not by the caller: only `http://` and `https://` (never a local path: `/dev/zero`, a FIFO or
//! an evdev node would exhaust memory or block), a size cap, short timeouts, one shared HTTP
//! client, a fixed pool of worker threads and a bounded queue. Asking for a thousand new logos
//! costs the same threads as asking for one; requests beyond the queue push out the oldest
//! (the viewer has moved on) and are reported as [`LogoError::Dropped`] so they can be asked
//! for again later. Never decodes pictures (the UI does that, with its own limits).

use super::http::{HttpClient, HttpLimits, HttpResponse, redact};
use super::resource::fnv1a;
use crate::system::atomic::{remove_stale_temps, write_atomic};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Largest logo file accepted.
pub const MAX_LOGO_BYTES: u64 = 1 << 20;
/// Worker threads downloading logos.
pub const LOGO_WORKERS: usize = 2;
/// Requests waiting for a worker; older ones are dropped beyond this.
pub const MAX_QUEUED: usize = 32;

/// Why a logo could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoError {
    #[error("only http(s) logo addresses are fetched")]
    NotHttp,
    #[error("too many logos were waiting; ask again later")]
    Dropped,
    #[error("{0}")]
    Download(String),
}

/// Called from a worker thread when a request ends: the URL and the cached file, or why not.
pub type OnLogo = dyn Fn(String, Result<PathBuf, LogoError>) + Send + Sync;

struct Queue {
    waiting: VecDeque<String>,
    /// Being downloaded now (so a repeated request does not start a second download).
    active: Vec<String>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    dir: PathBuf,
    on_done: Box<OnLogo>,
}

/// A bounded background fetcher of logos; dropping it stops its workers after their current
/// download.
pub struct LogoFetcher {
    shared: Arc<Shared>,
}

impl LogoFetcher {
    /// Logos cached under `dir`; `on_done` hears about every request that did not return at once.
    pub fn new(
        dir: PathBuf,
        on_done: impl Fn(String, Result<PathBuf, LogoError>) + Send + Sync + 'static,
    ) -> Self {
        remove_stale_temps(&dir);
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                active: Vec::new(),
                closed: false,
            }),
            wake: Condvar::new(),
            dir,
            on_done: Box::new(on_done),
        });
        let limits = HttpLimits {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_bytes: MAX_LOGO_BYTES,
            ..HttpLimits::default()
        };
        match HttpClient::new(limits) {
            Ok(client) => {
                for _ in 0..LOGO_WORKERS {
                    let (shared, client) = (shared.clone(), client.clone());
                    let spawned = std::thread::Builder::new()
                        .name("logo".into())
                        .spawn(move || work(&shared, &client));
                    if let Err(e) = spawned {
                        log::warn!("cannot start a logo worker: {e}");
                    }
                }
            }
            Err(e) => log::warn!("no logos: {e}"),
        }
        Self { shared }
    }

    /// The cache file of `url` when it is there already; otherwise queues a download (reported
    /// through `on_done`) and returns `Ok(None)`. Anything but http(s) is refused at once.
    pub fn request(&self, url: &str) -> Result<Option<PathBuf>, LogoError> {
        if !is_http(url) {
            return Err(LogoError::NotHttp);
        }
        let file = cache_file(&self.shared.dir, url);
        if file.is_file() {
            return Ok(Some(file));
        }
        let dropped = {
            let mut q = self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            if q.waiting.iter().chain(&q.active).any(|u| u == url) {
                return Ok(None);
            }
            q.waiting.push_back(url.to_owned());
            (q.waiting.len() > MAX_QUEUED)
                .then(|| q.waiting.pop_front())
                .flatten()
        };
        self.shared.wake.notify_one();
        if let Some(old) = dropped {
            (self.shared.on_done)(old, Err(LogoError::Dropped));
        }
        Ok(None)
    }
}

impl Drop for LogoFetcher {
    fn drop(&mut self) {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.shared.wake.notify_all();
    }
}

/// Whether `url` is an absolute `http://` or `https://` URL (by scheme, case-insensitive).
pub fn is_http(url: &str) -> bool {
    let scheme = url.split_once("://").map_or("", |(s, _)| s);
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// Where the logo of `url` is cached.
pub fn cache_file(dir: &Path, url: &str) -> PathBuf {
    dir.join(format!("{:016x}.logo", fnv1a(url.as_bytes())))
}

fn work(shared: &Shared, client: &HttpClient) {
    loop {
        let url = {
            let mut q = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if q.closed {
                    return;
                }
                if let Some(url) = q.waiting.pop_back() {
                    // Newest first: the logo on screen now matters more than one scrolled past.
                    q.active.push(url.clone());
                    break url;
                }
                q = shared.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let result = download(client, &url, &cache_file(&shared.dir, &url));
        shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .active
            .retain(|u| *u != url);
        if let Err(e) = &result {
            log::info!("no logo from {}: {e}", redact(&url));
        }
        (shared.on_done)(url, result);
    }
}

fn download(client: &HttpClient, url: &str, file: &Path) -> Result<PathBuf, LogoError> {
    let failed = |e: &dyn std::fmt::Display| LogoError::Download(e.to_string());
    let HttpResponse::Body { bytes, .. } = client.get(url, None).map_err(|e| failed(&e))? else {
        return Err(LogoError::Download("the server sent no body".into()));
    };
    write_atomic(file, &bytes).map_err(|e| failed(&e))?;
    Ok(file.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::mpsc;

    fn logo_threads() -> usize {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .flatten()
            .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "logo"))
            .count()
    }

    /// A playlist naming local files or devices gets nothing read: `/dev/zero` would fill memory,
    /// a FIFO would block. Refused before any I/O, so this returns at once.
    #[test]
    fn local_paths_and_other_schemes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fetcher = LogoFetcher::new(dir.path().to_owned(), |_, _| {});
        for url in [
            "/dev/zero",
            "/etc/passwd",
            "file:///dev/zero",
            "relative/logo.png",
            "data:image/png;base64,AAAA",
            "ftp://h/logo.png",
        ] {
            assert_eq!(fetcher.request(url), Err(LogoError::NotHttp), "{url}");
        }
        assert!(is_http("HTTPS://h/x.png"));
    }

    /// 300 new logo URLs on a server that never answers: still two worker threads, the queue
    /// stays bounded and the oldest requests are reported as dropped.
    #[test]
    fn many_logos_use_a_fixed_pool() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let fetcher = LogoFetcher::new(dir.path().to_owned(), move |url, r| {
            let _ = tx.lock().unwrap().send((url, r));
        });
        for i in 0..300 {
            let url = format!("http://127.0.0.1:{port}/logo{i}.png");
            assert_eq!(fetcher.request(&url), Ok(None));
            assert_eq!(
                fetcher.request(&url),
                Ok(None),
                "a repeated request is not queued twice"
            );
        }
        let dropped: Vec<_> = rx.try_iter().collect();
        assert!(dropped.iter().all(|(_, r)| *r == Err(LogoError::Dropped)));
        // 300 requests, at most 2 taken by workers and 32 waiting.
        assert!(
            dropped.len() >= 300 - MAX_QUEUED - LOGO_WORKERS,
            "{}",
            dropped.len()
        );
        assert!(
            logo_threads() <= LOGO_WORKERS * 4,
            "other tests may run fetchers too"
        );
        drop(fetcher);
        drop(server);
    }

    /// A real download through the pool lands in the cache and is served from it next time.
    #[test]
    fn downloads_into_the_cache() {
        use std::io::{Read, Write};
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = server.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nPNG!");
        });
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let fetcher = LogoFetcher::new(dir.path().to_owned(), move |url, r| {
            let _ = tx.lock().unwrap().send((url, r));
        });
        let url = format!("http://127.0.0.1:{port}/a.png");
        assert_eq!(fetcher.request(&url), Ok(None));
        let (got, result) = rx.recv_timeout(Duration::from_secs(20)).unwrap();
        assert_eq!(got, url);
        let file = result.unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"PNG!");
        assert_eq!(fetcher.request(&url), Ok(Some(file)));
    }
}
