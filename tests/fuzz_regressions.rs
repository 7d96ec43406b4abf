// SPDX-License-Identifier: GPL-3.0-or-later
//! The fuzz corpus as regression tests: the inputs the fuzzers found (`tests/fixtures/fuzz/TARGET/*`)
//! and the parsers' own fixtures, replayed through the very target functions of `fuzz/`
//! (`fuzz/src/targets.rs`, compiled in here) under the same resource rule (`fuzz/src/harness.rs`:
//! its counting allocator fails an input whose peak of live heap exceeds `32 × input size +
//! 16 MiB`). A fixed bug that comes back fails here in every `cargo test`, without a fuzzer and on
//! stable Rust. The fuzzers' time budget is left to the fuzzers: here, unoptimised on a busy
//! machine, a wall-clock limit would measure the machine.

// The targets refer to zapbox's modules as `crate::…`, as they do in the fuzz crate.
use zapbox::{epg, guide, input, lineup, manifest, mpegts, ott, system};

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

/// A 4-byte page prefix (page 1, as GStreamer's encoder writes it) before the packets of the
/// subtitle PID of `tests/fixtures/ts/dvbsub_sd.ts`: the `dvbsub` target's seed.
fn dvbsub_fixture() -> Vec<u8> {
    let ts = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ts/dvbsub_sd.ts"))
        .expect("the DVB subtitle fixture");
    let mut input = vec![0, 1, 0, 1];
    for packet in ts.chunks_exact(188) {
        if u16::from_be_bytes([packet[1] & 0x1f, packet[2]]) == 0x41 {
            input.extend_from_slice(packet);
        }
    }
    input
}

#[test]
fn subtitles_and_captions() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let input = dvbsub_fixture();
    assert!(input.len() > 4 + 188, "the fixture has subtitle packets");
    assert!(std::panic::catch_unwind(|| harness::run_untimed(&input, targets::dvbsub)).is_ok());
    drop(_serial);
    replay(&["tests/fixtures/fuzz/dvbsub/"], targets::dvbsub);
    replay(&["tests/fixtures/fuzz/captions/"], targets::captions);
    replay(&["tests/fixtures/fuzz/cea608/"], targets::cea608);
    replay(&["tests/fixtures/fuzz/cea708/"], targets::cea708);
    replay(&["tests/fixtures/fuzz/webvtt/"], targets::webvtt);
}

/// A display set whose one region is as large as the decoder takes, filled with a visible
/// colour, then drawn: a few hundred bytes that cost the region's codes and its RGBA. When two
/// 1080p canvases of codes were allowed (a 2036×2036 region) and the RGBA was collected by
/// doubling, that peaked at 21 MB, beyond the heap rule; one canvas sized once is 10 MB.
#[test]
fn the_largest_subtitle_region_fits_the_heap_rule() {
    use mpegts::build::{PesFlags, StreamWriter};
    let segment = |kind: u8, body: &[u8]| {
        let mut s = vec![0x0f, kind, 0, 1];
        s.extend_from_slice(&(body.len() as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (width, height) in [(2036u16, 2036u16), (1920, 1080), (4096, 506)] {
        let mut es = vec![0x20, 0x00];
        // Page: time-out 10 s, mode change, region 0 at (0, 0).
        es.extend(segment(0x10, &[10, 0x08, 0, 0xff, 0, 0, 0, 0]));
        // Region 0: filled, 4-bit, background code 1 (opaque red in the default table).
        let [w0, w1] = width.to_be_bytes();
        let [h0, h1] = height.to_be_bytes();
        es.extend(segment(0x11, &[0, 0x08, w0, w1, h0, h1, 0x08, 0, 0, 0x10]));
        es.extend(segment(0x80, &[]));
        let mut packets = Vec::new();
        StreamWriter::new(0x41, 0).pes(0xbd, &es, PesFlags::default(), &mut packets);
        let mut input = vec![0, 1, 0, 1];
        input.extend(packets.iter().flatten());
        let result = std::panic::catch_unwind(|| harness::run_untimed(&input, targets::dvbsub));
        assert!(result.is_ok(), "{width}x{height}");
    }
}

#[test]
fn manifests() {
    replay(
        &["tests/fixtures/fuzz/hls_subtitles/", "tests/fixtures/m3u/*.m3u8"],
        targets::hls_subtitles,
    );
    replay(
        &["tests/fixtures/fuzz/hls/", "tests/fixtures/m3u/*.m3u8"],
        targets::hls,
    );
    replay(
        &["tests/fixtures/fuzz/dash/", "tests/fixtures/ttml/*.mpd"],
        targets::dash,
    );
    let n = replay(
        &[
            "tests/fixtures/fuzz/ttml/",
            "tests/fixtures/ttml/*.ttml",
            "tests/fixtures/ttml/*.mp4",
            "tests/fixtures/ttml/*.m4s",
        ],
        targets::ttml,
    );
    assert!(n >= 5, "{n} inputs");
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
