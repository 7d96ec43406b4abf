// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel logos from a real local HTTP server through the logo fetcher (the executor of
//! `Effect::LoadLogo`): fetched in the background, cached on disk for the next start, a body that
//! is not an image answered with no picture, and only http(s) URLs ever fetched. The core asks
//! for each URL once (tests/core_screens.rs), so a bad logo is not fetched again per frame.

#[path = "support/http_server.rs"]
mod http_server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use zapbox::app::{Inbox, LogoFetcher, MAX_WAITING};
use zapbox::core::{Event, Picture};

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("header");
    writer
        .write_image_data(&vec![200; (width * height * 3) as usize])
        .expect("pixels");
    writer.finish().expect("finish");
    bytes
}

/// Asks `fetcher` for `url` and waits for the answer posted into the inbox.
fn fetch(fetcher: &LogoFetcher, rx: &mpsc::Receiver<Event>, url: &str) -> Option<Picture> {
    fetcher.request(url.to_string());
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(Event::LogoLoaded {
            url: answered,
            picture,
        }) => {
            assert_eq!(answered, url);
            picture
        }
        other => panic!("expected the logo's answer, got {other:?}"),
    }
}

#[test]
fn a_logo_is_fetched_once_cached_and_bad_ones_come_back_empty() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let image = png(64, 32);
    let addr = http_server::serve(move |head, stream| {
        counter.fetch_add(1, Ordering::SeqCst);
        if head.starts_with("GET /logo.png") {
            http_server::respond(stream, "200 OK", &["Content-Type: image/png"], &image);
        } else {
            http_server::respond(
                stream,
                "200 OK",
                &["Content-Type: text/html"],
                b"<html>not a logo</html>",
            );
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let url = format!("http://{addr}/logo.png");
    let fetcher = LogoFetcher::start(inbox.clone(), dir.path().to_path_buf()).expect("fetcher starts");
    let logo = fetch(&fetcher, &rx, &url).expect("the logo arrives");
    assert_eq!((logo.width, logo.height), (64, 32));
    assert_eq!(logo.rgba.len(), 64 * 32 * 4);
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let next_start = LogoFetcher::start(inbox, dir.path().to_path_buf()).expect("fetcher starts");
    assert!(
        fetch(&next_start, &rx, &url).is_some(),
        "the next start reads the cached copy"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1, "without asking the server");

    let bad = format!("http://{addr}/page.html");
    assert!(fetch(&fetcher, &rx, &bad).is_none(), "a page is not a logo");
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    // A playlist naming local files or devices gets nothing read: `/dev/zero` would fill memory,
    // a FIFO or an input device would block. Even a valid local PNG is not shown.
    let local = dir.path().join("local.png");
    std::fs::write(&local, png(8, 8)).expect("written");
    let local = local.to_string_lossy().into_owned();
    for unusable in ["file:///etc/passwd", "/etc/passwd", "/dev/zero", local.as_str()] {
        let asked = Instant::now();
        assert!(fetch(&fetcher, &rx, unusable).is_none(), "{unusable}");
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "{unusable} answered at once"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 2, "only http(s) URLs are fetched");
}

fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc")
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .count()
}

/// 300 new logo URLs on a server that accepts connections but never answers: still one logo
/// thread, at most MAX_WAITING requests wait, and every older one is answered at once with no
/// picture (it may be asked for again).
#[test]
fn many_logos_wait_in_a_bounded_queue_on_one_thread() {
    let server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("temp dir");
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let fetcher = LogoFetcher::start(inbox, dir.path().to_path_buf()).expect("fetcher starts");
    for i in 0..300 {
        fetcher.request(format!("http://127.0.0.1:{port}/logo{i}.png"));
    }
    let answered: Vec<Event> = rx.try_iter().collect();
    assert!(
        answered.len() >= 300 - MAX_WAITING - 1,
        "{} answered at once",
        answered.len()
    );
    assert!(
        answered
            .iter()
            .all(|e| matches!(e, Event::LogoLoaded { picture: None, .. }))
    );
    // This fetcher's one thread, and at most the two of the other test running in parallel.
    assert!(threads_named("logos") <= 3, "one thread per fetcher, not per URL");
    drop(fetcher);
    drop(server);
}
