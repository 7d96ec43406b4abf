// SPDX-License-Identifier: GPL-3.0-or-later
//! The source loader against a real HTTP server on 127.0.0.1: a load fetches the playlist and
//! the guide, posts them and its thread ends (the refresh period is the core's timer, not a
//! sleeping thread holding the lineup); a refresh ingests again and ends; a load superseded by a
//! newer one ends too, and only the newest posts its guide.

#[path = "support/http_server.rs"]
mod http_server;

use http_server::{respond, serve};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use zapbox::app::{Boot, Inbox, SourceLoader};
use zapbox::core::Event;
use zapbox::demo::showcase;

const PATIENCE: Duration = Duration::from_secs(30);

struct Server {
    base: String,
    guide_requests: Arc<AtomicUsize>,
}

/// Serves `/list.m3u` (3 channels) and `/guide.xml` (their guide around now); the guide
/// answers after `guide_delay`.
fn server(guide_delay: Duration) -> Server {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut guide = Vec::new();
    showcase::write_guide(&mut guide, 3, now - 3600, 1).unwrap();
    let playlist = showcase::playlist(3);
    let guide_requests = Arc::new(AtomicUsize::new(0));
    let counter = guide_requests.clone();
    let addr = serve(move |head, stream| {
        if head.starts_with("GET /list.m3u") {
            respond(stream, "200 OK", &[], playlist.as_bytes());
        } else if head.starts_with("GET /guide.xml") {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(guide_delay);
            respond(stream, "200 OK", &[], &guide);
        } else {
            respond(stream, "404 Not Found", &[], b"");
        }
    });
    Server {
        base: format!("http://{addr}"),
        guide_requests,
    }
}

fn loader(cache: &std::path::Path) -> (SourceLoader, mpsc::Receiver<Event>) {
    let (inbox, events) = Inbox::new(Arc::new(|| {}));
    (SourceLoader::new(inbox, cache.to_owned(), 0), events)
}

/// Events until one that `done` accepts (included); panics after [`PATIENCE`].
fn events_until(events: &mpsc::Receiver<Event>, done: impl Fn(&Event) -> bool) -> Vec<Event> {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no such event; saw {seen:?}"));
        let last = done(&event);
        seen.push(event);
        if last {
            return seen;
        }
    }
}

fn wait_until_idle(loader: &SourceLoader) {
    let deadline = Instant::now() + PATIENCE;
    while loader.running() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} loader threads still alive",
            loader.running()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn is_guide(event: &Event) -> bool {
    matches!(event, Event::GuideLoaded(_))
}

#[test]
fn a_load_and_a_refresh_each_end_their_thread() {
    let server = server(Duration::ZERO);
    let cache = tempfile::tempdir().unwrap();
    let (loader, events) = loader(cache.path());
    let playlists = vec![format!("{}/list.m3u", server.base)];
    let guides = vec![format!("{}/guide.xml", server.base)];
    loader.load(playlists, guides.clone(), Boot::Start);

    let seen = events_until(&events, is_guide);
    let lineup = seen
        .iter()
        .find_map(|e| match e {
            Event::LineupLoaded(lineup) => Some(std::sync::Arc::clone(lineup)),
            _ => None,
        })
        .expect("the lineup came first");
    assert_eq!(lineup.channels.len(), 3);
    let Some(Event::GuideLoaded(guide)) = seen.last() else {
        unreachable!()
    };
    assert!(guide.0.index().programme_count() > 0);
    wait_until_idle(&loader);
    assert_eq!(server.guide_requests.load(Ordering::SeqCst), 1);

    loader.refresh_guide(guides, lineup);
    events_until(&events, is_guide);
    wait_until_idle(&loader);
    assert_eq!(server.guide_requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_superseded_load_ends_and_only_the_newest_posts_a_guide() {
    let slow = server(Duration::from_millis(1500));
    let fast = server(Duration::ZERO);
    let cache = tempfile::tempdir().unwrap();
    let (loader, events) = loader(cache.path());
    let sources = |s: &Server| {
        (
            vec![format!("{}/list.m3u", s.base)],
            vec![format!("{}/guide.xml", s.base)],
        )
    };
    let (playlists, guides) = sources(&slow);
    loader.load(playlists, guides, Boot::Reload);
    // The first load is in its slow guide download when the second one starts.
    let deadline = Instant::now() + PATIENCE;
    while slow.guide_requests.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the first load never asked for its guide"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let (playlists, guides) = sources(&fast);
    loader.load(playlists, guides, Boot::Reload);
    wait_until_idle(&loader);
    let guides_posted = events.try_iter().filter(is_guide).count();
    assert_eq!(guides_posted, 1, "only the newest load posts its guide");
    assert_eq!(fast.guide_requests.load(Ordering::SeqCst), 1);
}
