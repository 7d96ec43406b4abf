// SPDX-License-Identifier: GPL-3.0-or-later
//! The shape of the dispatch loop: the app owns it (no shell hidden in a thread-local of the
//! Slint adapter), and the core is started exactly once, by the source loader, after the boot's
//! lineup has arrived (so no "no channels" notice flashes at start-up).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zapbox::app::{Boot, Inbox, SourceLoader};
use zapbox::core::Event;

fn sources_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(sources_under(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Lines of code (comments skipped) under `dir` that contain `token`, as `file:line`.
fn code_lines_with(dir: &str, token: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in sources_under(&root.join(dir)) {
        let source = std::fs::read_to_string(&file).expect("UTF-8 source");
        for (n, line) in source.lines().enumerate() {
            if line.split("//").next().unwrap_or("").contains(token) {
                found.push(format!("{}:{}", file.display(), n + 1));
            }
        }
    }
    found
}

#[test]
fn the_slint_adapter_keeps_no_state_in_thread_locals() {
    let found = code_lines_with("src/ui", "thread_local!");
    assert!(found.is_empty(), "thread-locals in src/ui: {found:?}");
}

#[test]
fn only_the_source_loader_starts_the_core() {
    let mut found = code_lines_with("src/ui", "Event::Started");
    found.extend(code_lines_with("src/app", "Event::Started"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("sources.rs"), "{found:?}");
}

#[test]
fn started_comes_once_after_the_boot_lineup_even_when_a_reload_supersedes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let playlist = dir.path().join("boot.m3u");
    std::fs::write(
        &playlist,
        "#EXTM3U\n#EXTINF:-1,One\nudp://@239.255.9.1:5000\n#EXTINF:-1,Two\nudp://@239.255.9.2:5000\n",
    )
    .expect("playlist written");
    let playlist = playlist.to_string_lossy().into_owned();
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let loader = SourceLoader::new(inbox, dir.path().join("cache"), 0);
    loader.load(vec![playlist.clone()], Vec::new(), Boot::Start);
    loader.load(vec![playlist], Vec::new(), Boot::Reload);

    let mut events = Vec::new();
    let mut quiet_after = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && quiet_after.is_none_or(|t| Instant::now() < t) {
        if let Ok(event) = rx.recv_timeout(Duration::from_millis(50)) {
            if event == Event::Started {
                quiet_after = Some(Instant::now() + Duration::from_millis(500));
            }
            events.push(event);
        }
    }
    let started: Vec<usize> = (0..events.len())
        .filter(|&i| events[i] == Event::Started)
        .collect();
    assert_eq!(started.len(), 1, "Started exactly once: {events:?}");
    let lineup_before = events[..started[0]]
        .iter()
        .any(|e| matches!(e, Event::LineupLoaded(l) if l.channels.len() == 2));
    assert!(lineup_before, "the lineup came first: {events:?}");
}
