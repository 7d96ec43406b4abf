// SPDX-License-Identifier: GPL-3.0-or-later
//! Inputs the fuzzers found (`tests/fixtures/fuzz/TARGET/*`) and the parsers' own fixtures, replayed
//! through the same entry points as the fuzz targets (`fuzz/src/targets.rs`) with the same resource
//! rule: no panic, and a peak of live heap under `32 × input size + 16 MiB` (a counting
//! allocator). A fixed bug that comes back fails here in every `cargo test`, without a fuzzer.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static SERIAL: Mutex<()> = Mutex::new(());

fn files(patterns: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for pattern in patterns {
        let (dir, ext) = pattern.split_once('*').unwrap_or((pattern, ""));
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        out.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.to_string_lossy().ends_with(ext)),
        );
    }
    out.sort();
    out
}

/// Runs `target` on every file, checking the heap rule; returns how many ran.
fn replay(patterns: &[&str], target: impl Fn(&[u8])) -> usize {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let inputs = files(patterns);
    for path in &inputs {
        let data = std::fs::read(path).unwrap();
        let base = LIVE.load(Ordering::SeqCst);
        PEAK.store(base, Ordering::SeqCst);
        target(&data);
        let peak = PEAK.load(Ordering::SeqCst).saturating_sub(base);
        let limit = 32 * data.len() + (16 << 20);
        assert!(peak <= limit, "{}: peak heap {peak} > {limit}", path.display());
    }
    inputs.len()
}

#[test]
fn playlists() {
    let n = replay(&["tests/fixtures/fuzz/m3u/", "tests/fixtures/m3u/"], |data| {
        let inputs: Vec<(String, Vec<u8>)> = data
            .splitn(3, |&b| b == 0xff)
            .enumerate()
            .map(|(i, part)| (format!("p{i}.m3u"), part.to_vec()))
            .collect();
        let _ = zapbox::lineup::build(&inputs);
    });
    assert!(n >= 8);
}

#[test]
fn guides_through_the_index_builder() {
    let dir = tempfile::tempdir().unwrap();
    let n = replay(
        &["tests/fixtures/fuzz/xmltv_index/", "tests/fixtures/epg/*.xml"],
        |data| {
            let mut builder = zapbox::epg::IndexBuilder::new(dir.path(), Default::default()).unwrap();
            if let Ok(input) = zapbox::epg::input::open_bytes(data.to_vec()) {
                let mut sink = builder.source("fuzz", 0, 0);
                zapbox::epg::xmltv::parse_parallel(input.reader, 64 << 20, 1, &mut sink);
                sink.finish();
            }
            let _ = builder.finish();
        },
    );
    assert!(n >= 7);
}

#[test]
fn streams_and_rtp() {
    let ts = ["tests/fixtures/fuzz/ts_ring/", "tests/fixtures/ts/*.ts"];
    let n = replay(&ts, |data| {
        let mut ring = zapbox::mpegts::TsRing::new(64);
        let (a, b) = data.split_at(data.len() / 2);
        ring.push(a);
        ring.push(b);
    });
    assert!(n >= 2);
    replay(&["tests/fixtures/fuzz/eit/", "tests/fixtures/epg/*.ts"], |data| {
        let mut collector = zapbox::epg::eit::EitCollector::new();
        collector.push_bytes(data);
        for section in collector.take() {
            for event in &section.events {
                let _ = event.to_live();
            }
        }
    });
    replay(&["tests/fixtures/fuzz/rtp_reorder/"], |data| {
        let Some((&window, mut rest)) = data.split_first() else {
            return;
        };
        let mut reorder = zapbox::mpegts::RtpReorder::new(usize::from(window % 64) + 1);
        while let [lo, hi, tail @ ..] = rest {
            let len = usize::from(u16::from_le_bytes([*lo, *hi]));
            let (datagram, next) = tail.split_at(len.min(tail.len()));
            let _ = reorder.push(datagram, &mut |_| {});
            rest = next;
        }
        reorder.flush(&mut |_| {});
    });
}

#[test]
fn files_on_flash() {
    let dir = tempfile::tempdir().unwrap();
    let n = replay(
        &["tests/fixtures/fuzz/config/", "tests/fixtures/config/*.json"],
        |data| {
            let path = dir.path().join("config.json");
            std::fs::write(&path, data).unwrap();
            let _ = zapbox::system::load_config(&path);
        },
    );
    assert!(n >= 5);
    replay(&["tests/fixtures/fuzz/state/"], |data| {
        let path = dir.path().join("state.json");
        std::fs::write(&path, data).unwrap();
        let _ = zapbox::system::load_state(&path);
    });
    replay(&["tests/fixtures/fuzz/index_load/"], |data| {
        let index = dir.path().join("index");
        std::fs::create_dir_all(&index).unwrap();
        std::fs::write(index.join("guide.idx"), data).unwrap();
        let _ = zapbox::epg::index::file::load(&index);
    });
    let keymaps = replay(&["tests/fixtures/fuzz/keymap/", "board/*.json"], |data| {
        let _ = zapbox::input::Keymap::parse(&String::from_utf8_lossy(data), Path::new("k.json"), &[]);
    });
    assert!(keymaps >= 1);
}
