// SPDX-License-Identifier: GPL-3.0-or-later
//! HTTP client and download cache against a real server on 127.0.0.1 (plain `TcpListener`,
//! one thread, one request per connection, canned responses).

use flate2::{Compression, write::GzEncoder};
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use zapbox::net::http::{HttpClient, HttpError, HttpLimits, HttpResponse, Validators};
use zapbox::net::resource::{FetchError, FetchedFrom, fetch};

const PLAYLIST: &[u8] = b"#EXTM3U\n#EXTINF:-1,One\nhttp://x.example/1.ts\n";

use super::http_server::response;

/// Serves `handler(request head)` as the whole answer on every connection.
fn serve(handler: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> SocketAddr {
    super::http_server::serve(move |head, stream| {
        let _ = stream.write_all(&handler(head));
    })
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn limits() -> HttpLimits {
    HttpLimits {
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        ..HttpLimits::default()
    }
}

fn get(addr: SocketAddr, path: &str, limits: HttpLimits) -> Result<HttpResponse, HttpError> {
    HttpClient::new(limits)
        .unwrap()
        .get(&format!("http://{addr}{path}"), None)
}

#[test]
fn gzip_transfer_encoding_and_gz_files_are_unpacked() {
    let addr = serve(|head| {
        if head.starts_with("GET /file.m3u.gz") {
            response("200 OK", &["Content-Type: application/gzip"], &gzip(PLAYLIST))
        } else {
            assert!(
                head.to_ascii_lowercase().contains("accept-encoding: gzip"),
                "{head}"
            );
            response(
                "200 OK",
                &["Content-Encoding: gzip", "ETag: \"v1\""],
                &gzip(PLAYLIST),
            )
        }
    });
    let Ok(HttpResponse::Body { bytes, validators }) = get(addr, "/list.m3u", limits()) else {
        panic!()
    };
    assert_eq!(bytes, PLAYLIST);
    assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
    let Ok(HttpResponse::Body { bytes, .. }) = get(addr, "/file.m3u.gz", limits()) else {
        panic!()
    };
    assert_eq!(bytes, PLAYLIST);
}

#[test]
fn conditional_request_gets_not_modified() {
    let addr = serve(|head| {
        if head.contains("If-None-Match: \"v7\"") || head.contains("if-none-match: \"v7\"") {
            response("304 Not Modified", &[], b"")
        } else {
            response("200 OK", &["ETag: \"v7\""], PLAYLIST)
        }
    });
    let client = HttpClient::new(limits()).unwrap();
    let v = Validators {
        etag: Some("\"v7\"".into()),
        last_modified: None,
    };
    assert_eq!(
        client.get(&format!("http://{addr}/l.m3u"), Some(&v)).unwrap(),
        HttpResponse::NotModified
    );
}

#[test]
fn redirect_loops_stop_at_the_cap() {
    let addr = serve(|_| response("302 Found", &["Location: /again"], b""));
    assert_eq!(
        get(addr, "/start", limits()),
        Err(HttpError::TooManyRedirects {
            url: format!("http://{addr}/start"),
            max: 5
        })
    );
}

#[test]
fn oversized_bodies_are_cut_off_while_streaming() {
    // No Content-Length: the size is only known by counting.
    let addr = serve(|_| {
        let mut out = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        out.extend(std::iter::repeat_n(b'#', 200_000));
        out
    });
    let small = HttpLimits {
        max_bytes: 10_000,
        ..limits()
    };
    assert!(matches!(
        get(addr, "/big", small),
        Err(HttpError::TooLarge { limit: 10_000, .. })
    ));
    let lying = serve(|_| response("200 OK", &[], &vec![b'#'; 50_000]));
    assert!(matches!(
        get(
            lying,
            "/big",
            HttpLimits {
                max_bytes: 10_000,
                ..limits()
            }
        ),
        Err(HttpError::TooLarge { .. })
    ));
}

#[test]
fn slow_servers_time_out() {
    let addr = serve(|_| {
        std::thread::sleep(Duration::from_secs(5));
        response("200 OK", &[], PLAYLIST)
    });
    let start = Instant::now();
    let quick = HttpLimits {
        timeout: Duration::from_millis(700),
        ..limits()
    };
    assert!(matches!(
        get(addr, "/slow", quick),
        Err(HttpError::Timeout { .. })
    ));
    assert!(start.elapsed() < Duration::from_secs(4), "{:?}", start.elapsed());
}

#[test]
fn errors_say_what_happened_without_credentials() {
    let addr = serve(|_| response("404 Not Found", &[], b"nope"));
    let err = get(addr, "/get.php?username=me&password=secret", limits()).unwrap_err();
    assert_eq!(
        err,
        HttpError::Status {
            url: format!("http://{addr}/get.php?…"),
            status: 404
        }
    );
    assert!(!err.to_string().contains("secret"));
}

#[test]
fn cache_serves_304_and_outages() {
    let cache = tempfile::tempdir().unwrap();
    let down = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&down);
    let addr = serve(move |head| {
        if flag.load(Ordering::SeqCst) {
            response("503 Service Unavailable", &[], b"")
        } else if head
            .to_ascii_lowercase()
            .contains("if-modified-since: wed, 01 jan 2025 00:00:00 gmt")
        {
            response("304 Not Modified", &[], b"")
        } else {
            response(
                "200 OK",
                &["Last-Modified: Wed, 01 Jan 2025 00:00:00 GMT"],
                PLAYLIST,
            )
        }
    });
    let url = format!("http://{addr}/list.m3u?user=me");
    let first = fetch(&url, Some(cache.path()), &limits()).unwrap();
    assert_eq!(
        (first.bytes.as_slice(), &first.from),
        (PLAYLIST, &FetchedFrom::Network)
    );
    assert_eq!(
        std::fs::read_dir(cache.path()).unwrap().count(),
        2,
        "body and metadata"
    );
    let second = fetch(&url, Some(cache.path()), &limits()).unwrap();
    assert_eq!(
        (second.bytes.as_slice(), &second.from),
        (PLAYLIST, &FetchedFrom::CacheValidated)
    );

    down.store(true, Ordering::SeqCst);
    let stale = fetch(&url, Some(cache.path()), &limits()).unwrap();
    assert!(matches!(stale.from, FetchedFrom::StaleCache { .. }));
    assert_eq!(stale.bytes, PLAYLIST);
    let warning = stale.warnings.join("");
    assert!(warning.starts_with("using cached copy from 20"), "{warning}");
    assert!(
        warning.contains("because") && warning.contains("HTTP 503") && !warning.contains("user=me"),
        "{warning}"
    );

    // Without a cache, or for a URL never fetched, the outage is an error.
    assert!(matches!(
        fetch(&url, None, &limits()),
        Err(FetchError::Http(HttpError::Status { status: 503, .. }))
    ));
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let refused = fetch(&format!("http://{closed}/x.m3u"), Some(cache.path()), &limits());
    assert!(
        matches!(refused, Err(FetchError::Http(HttpError::Connect { .. }))),
        "{refused:?}"
    );
}

#[test]
fn lineup_loads_from_a_server_with_unreachable_locations_named() {
    use zapbox::net::lineup_load::load_lineup;
    let addr = serve(|_| response("200 OK", &[], PLAYLIST));
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let locations = [
        format!("http://{addr}/a.m3u"),
        format!("http://{closed}/b.m3u?token=t"),
    ];
    let r = load_lineup(&locations, None, &limits());
    assert_eq!(r.lineup.channels.len(), 1);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].file, format!("http://{closed}/b.m3u?…"));
    assert!(
        r.errors[0].message.starts_with("cannot connect"),
        "{}",
        r.errors[0].message
    );
}
