// SPDX-License-Identifier: GPL-3.0-or-later
//! Guide ingest over HTTP against a real server on 127.0.0.1 (plain `TcpListener`, a thread per
//! connection, canned answers): gzip and xz bodies, ETag revalidation through the download
//! cache, a 404, an endless body cut by the size cap, credentials kept out of warnings.

use super::{SIX_PM, fixture, load};
use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use zapbox::epg::{GuideSource, IngestOptions, ingest};
use zapbox::guide::Guide;
use zapbox::lineup::ChannelKey;
use zapbox::net::http::HttpLimits;

use super::http_server::{respond, serve};

/// Sends an endless body (no length) until the client hangs up, at most 64 MiB.
fn endless(stream: &mut TcpStream) {
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<tv>");
    let chunk = b"<programme start=\"20261122180000\" stop=\"20261122190000\" channel=\"z\"><title>Z</title></programme>\n".repeat(1000);
    for _ in 0..(64 << 20) / chunk.len() {
        if stream.write_all(&chunk).is_err() {
            return;
        }
    }
}

fn compressed() -> (Vec<u8>, Vec<u8>) {
    let xml = std::fs::read(fixture("basic.xml")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&xml).unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&xml).unwrap();
    (gz.finish().unwrap(), xz.finish().unwrap())
}

fn options(cache: &std::path::Path, max_bytes: u64) -> IngestOptions {
    IngestOptions {
        limits: HttpLimits {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_bytes,
            ..HttpLimits::default()
        },
        download_cache: Some(cache.to_owned()),
        ..IngestOptions::default()
    }
}

#[test]
fn gzip_with_etag_revalidation_through_the_cache() {
    let (gz, _) = compressed();
    let not_modified = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&not_modified);
    let addr = serve(move |head, stream| {
        if head.to_ascii_lowercase().contains("if-none-match: \"v1\"") {
            counter.fetch_add(1, Ordering::SeqCst);
            respond(stream, "304 Not Modified", &["ETag: \"v1\""], b"");
        } else {
            respond(
                stream,
                "200 OK",
                &["ETag: \"v1\"", "Content-Type: application/gzip"],
                &gz,
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/guide.xml.gz?token=secret");
    let opts = options(&dir.path().join("downloads"), 1 << 20);
    let report = ingest(&[GuideSource::new(&url)], dir.path(), &opts).unwrap();
    assert_eq!(report.programmes, 10);
    let again = ingest(&[GuideSource::new(&url)], dir.path(), &opts).unwrap();
    assert_eq!(again.programmes, 10);
    assert_eq!(
        not_modified.load(Ordering::SeqCst),
        1,
        "the second run revalidated with the ETag"
    );
    let guide = Guide::all_channels(load(dir.path()));
    assert_eq!(
        guide
            .now_next(&ChannelKey("bbcone.uk".into()), SIX_PM)
            .now
            .unwrap()
            .title,
        "BBC News at Six"
    );
}

#[test]
fn xz_body_errors_and_size_cap_are_warnings() {
    let (_, xz) = compressed();
    let addr = serve(move |head, stream| {
        let path = head.split_whitespace().nth(1).unwrap_or("");
        match path {
            "/guide.xml.xz" => respond(stream, "200 OK", &[], &xz),
            "/huge.xml" => endless(stream),
            _ => respond(stream, "404 Not Found", &[], b"no"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        GuideSource::new(format!("http://{addr}/missing.xml?password=hunter2")),
        GuideSource::new(format!("http://{addr}/huge.xml")),
        GuideSource::new(format!("http://{addr}/guide.xml.xz")),
    ];
    let report = ingest(
        &sources,
        dir.path(),
        &options(&dir.path().join("downloads"), 1 << 20),
    )
    .unwrap();
    assert_eq!(report.programmes, 10, "the xz guide loads");
    let text: String = report.warnings.iter().map(|w| format!("{w}\n")).collect();
    assert!(text.contains("missing.xml?…: http://"), "{text}");
    assert!(text.contains("answered HTTP 404"), "{text}");
    assert!(!text.contains("hunter2"), "credentials leak: {text}");
    assert!(
        text.contains("huge.xml: http://") && text.contains("sent more than 1048576 bytes"),
        "{text}"
    );
}
