// SPDX-License-Identifier: GPL-3.0-or-later
//! The fuzz corpus as regression tests: the inputs the fuzzers found (`tests/fixtures/fuzz/TARGET/*`)
//! and the parsers' own fixtures, replayed through the very target functions of `fuzz/`
//! (`fuzz/src/targets.rs`, compiled in here) under the same resource rule (`fuzz/src/harness.rs`:
//! its counting allocator fails an input whose peak of live heap exceeds `32 × input size +
//! 16 MiB`). A fixed bug that comes back fails here in every `cargo test`, without a fuzzer and on
//! stable Rust. The fuzzers' time budget is left to the fuzzers: here, unoptimised on a busy
//! machine, a wall-clock limit would measure the machine.

// The targets refer to zapbox's modules as `crate::…`, as they do in the fuzz crate.
use zapbox::{epg, guide, input, lineup, mpegts, system};

#[path = "../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;
#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The heap peak is process-wide: one replay at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Files under the repository matching `dir/` (all) or `dir/*ext`, sorted.
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

/// Runs the fuzz target `target` on every file; returns how many ran.
fn replay(patterns: &[&str], target: fn(&[u8])) -> usize {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let inputs = files(patterns);
    for path in &inputs {
        let data = std::fs::read(path).expect("readable input");
        let result = std::panic::catch_unwind(|| harness::run_untimed(&data, target));
        assert!(result.is_ok(), "{} failed", path.display());
    }
    inputs.len()
}

#[test]
fn playlists() {
    let n = replay(&["tests/fixtures/fuzz/m3u/", "tests/fixtures/m3u/"], targets::m3u);
    assert!(n >= 8, "{n} inputs");
}

#[test]
fn guides_through_the_index_builder() {
    let n = replay(
        &["tests/fixtures/fuzz/xmltv_index/", "tests/fixtures/epg/*.xml"],
        targets::xmltv_index,
    );
    assert!(n >= 7, "{n} inputs");
    replay(&["tests/fixtures/fuzz/xmltv_time/"], targets::xmltv_time);
}

#[test]
fn streams_and_rtp() {
    let n = replay(
        &["tests/fixtures/fuzz/ts_ring/", "tests/fixtures/ts/*.ts"],
        targets::ts_ring,
    );
    assert!(n >= 2, "{n} inputs");
    let n = replay(
        &["tests/fixtures/fuzz/eit/", "tests/fixtures/epg/*.ts"],
        targets::eit,
    );
    assert!(n >= 1, "{n} inputs");
    let n = replay(
        &["tests/fixtures/fuzz/teletext/", "tests/fixtures/ts/*.ts"],
        targets::teletext,
    );
    assert!(n >= 2, "{n} inputs");
    replay(&["tests/fixtures/fuzz/rtp_reorder/"], targets::rtp_reorder);
}

#[test]
fn files_on_flash() {
    let n = replay(
        &["tests/fixtures/fuzz/config/", "tests/fixtures/config/*.json"],
        targets::config,
    );
    assert!(n >= 5, "{n} inputs");
    replay(&["tests/fixtures/fuzz/state/"], targets::state);
    replay(&["tests/fixtures/fuzz/index_load/"], targets::index_load);
    let n = replay(&["tests/fixtures/fuzz/keymap/", "board/*.json"], targets::keymap);
    assert!(n >= 1, "{n} inputs");
}

/// The harness is not a test that cannot fail: an input that allocates far beyond its size is
/// reported as resource abuse.
#[test]
fn the_heap_rule_catches_a_blowup() {
    fn blowup(data: &[u8]) {
        let big = vec![1u8; 32 * data.len() + (17 << 20)];
        std::hint::black_box(&big);
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let result = std::panic::catch_unwind(|| harness::run_untimed(b"tiny", blowup));
    assert!(result.is_err());
}

/// What the `eit` target found (a 743 KB input peaking at 40.8 MB): the TS framer copied the
/// rest of its buffer at every loss of sync, nested, so a buffer that loses sync often cost its
/// length times the losses in memory and time. Generated here: 1 MiB losing sync every 20
/// packets (about 140 MiB with the old framer), through the targets that push whole buffers.
#[test]
fn frequent_sync_losses_cost_linear_memory() {
    let mut ts = Vec::new();
    for i in 0..5_600u32 {
        let mut packet = [0u8; 188];
        packet[0] = if i % 20 == 19 { 0x00 } else { 0x47 };
        packet[1] = 0x00;
        packet[2] = 0x12; // the EIT PID
        packet[3] = 0x10 | (i % 16) as u8;
        ts.extend_from_slice(&packet);
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for target in [targets::eit, targets::ts_ring, targets::teletext] {
        let result = std::panic::catch_unwind(|| harness::run_untimed(&ts, target));
        assert!(result.is_ok());
    }
}
