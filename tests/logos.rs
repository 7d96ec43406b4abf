// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel logos from a real local HTTP server: fetched once in the background, cached on disk
//! for the next start, and a body that is not an image (or a failed download) never retried
//! per frame and never shown.

#[path = "support/http_server.rs"]
mod http_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use zapbox::ui::logos::Logos;

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

/// Asks until the logo is there or the download has clearly ended (polling, as the UI does).
fn wait_for(logos: &mut Logos, url: &str) -> Option<slint::Image> {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if let Some(image) = logos.get(url) {
            return Some(image);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn a_logo_is_fetched_once_cached_and_bad_ones_are_not_retried() {
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
    let url = format!("http://{addr}/logo.png");
    let mut logos = Logos::new(dir.path().to_path_buf());
    assert!(logos.get(&url).is_none(), "the first ask starts the download");
    let logo = wait_for(&mut logos, &url).expect("the logo arrives");
    assert_eq!((logo.size().width, logo.size().height), (64, 32));
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let mut next_start = Logos::new(dir.path().to_path_buf());
    assert!(
        next_start.get(&url).is_some(),
        "the next start reads the cached copy"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1, "without asking the server");

    let bad = format!("http://{addr}/page.html");
    assert!(wait_for_end(&mut logos, &bad, &hits, 2).is_none());
    for _ in 0..50 {
        assert!(logos.get(&bad).is_none());
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "a failed logo is not fetched again"
    );

    for unusable in ["file:///etc/passwd", "/dev/zero", "/etc/passwd"] {
        assert!(logos.get(unusable).is_none());
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            logos.get(unusable).is_none(),
            "only http(s) URLs are used: a playlist never makes the box read its own files"
        );
    }
}

/// A local picture named by a playlist is never shown, even though it is a valid PNG: the
/// same path could be `/dev/zero` (memory), a FIFO or an input device (a blocked UI).
#[test]
fn a_playlist_cannot_make_the_box_read_a_local_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let local = dir.path().join("logo.png");
    std::fs::write(&local, png(8, 8)).expect("write");
    let mut logos = Logos::new(dir.path().join("cache"));
    let path = local.to_str().expect("utf-8 path");
    for _ in 0..10 {
        assert!(logos.get(path).is_none());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls until the server has seen `expected` requests and a little after, then asks once more.
fn wait_for_end(logos: &mut Logos, url: &str, hits: &AtomicUsize, expected: usize) -> Option<slint::Image> {
    let until = Instant::now() + Duration::from_secs(20);
    let _ = logos.get(url);
    while hits.load(Ordering::SeqCst) < expected && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    logos.get(url)
}
