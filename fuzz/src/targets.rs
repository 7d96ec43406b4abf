// SPDX-License-Identifier: GPL-3.0-or-later
//! One function per fuzz target: the input goes through the same entry point the app uses.
//! Targets that read files (the index loader, config, state) get the input as a file in a
//! per-process scratch directory (in `/dev/shm` when there is one).

use crate::epg::build::{BuildOptions, IndexBuilder};
use crate::guide::{LiveOverlay, LiveProgramme, ProgrammeId};
use crate::lineup::ChannelKey;
use crate::mpegts::eit::EitCollector;
use crate::mpegts::teletext::{Page, PageFilter, TeletextDecoder};
use crate::mpegts::{RtpReorder, TS_PACKET_SIZE, TsPacket, TsRing};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static ROOT: OnceLock<PathBuf> = OnceLock::new();

/// A scratch directory of this process: `$ZAPBOX_FUZZ_SCRATCH` when set (kept, e.g. to make an
/// index seed), else one in `/dev/shm` removed when the process exits.
fn scratch(name: &str) -> PathBuf {
    let root = ROOT.get_or_init(|| {
        if let Some(dir) = std::env::var_os("ZAPBOX_FUZZ_SCRATCH") {
            return PathBuf::from(dir);
        }
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        // libFuzzer ends with exit(): no destructor runs, an atexit handler does.
        unsafe { libc::atexit(remove_scratch) };
        base.join(format!("zapbox-fuzz-{}", std::process::id()))
    });
    let dir = root.join(name);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

extern "C" fn remove_scratch() {
    if let Some(root) = ROOT.get() {
        let _ = std::fs::remove_dir_all(root);
    }
}

/// M3U: up to three playlists (split at 0xFF bytes), parsed and merged.
pub fn m3u(data: &[u8]) {
    let inputs: Vec<(String, Vec<u8>)> = data
        .splitn(3, |&b| b == 0xff)
        .enumerate()
        .map(|(i, part)| (format!("p{i}.m3u"), part.to_vec()))
        .collect();
    let report = crate::lineup::build(&inputs);
    let _ = report.lineup.channels.len();
}

/// XMLTV (plain, gzip or xz) through the reader and the index builder into an index.
pub fn xmltv_index(data: &[u8]) {
    let dir = scratch("index");
    let Ok(mut builder) = IndexBuilder::new(&dir, BuildOptions::default()) else {
        return;
    };
    if let Ok(input) = crate::epg::input::open_bytes(data.to_vec()) {
        let mut sink = builder.source("fuzz", 0, 0, None);
        crate::epg::xmltv::parse_parallel(input.reader, 64 << 20, 1, &mut sink);
        sink.finish();
    }
    let _ = builder.finish();
}

/// XMLTV times (`20261122180000 +0100` and the ways guides get them wrong).
pub fn xmltv_time(data: &[u8]) {
    let _ = crate::epg::time::parse_xmltv_time(&String::from_utf8_lossy(data));
}

/// The index file as stored on flash (damaged, truncated or forged), then read like the guide does.
pub fn index_load(data: &[u8]) {
    let dir = scratch("load");
    if std::fs::write(dir.join("guide.idx"), data).is_err() {
        return;
    }
    let Ok(index) = crate::epg::index::load(&dir) else {
        return;
    };
    for number in 0..index.channels().len().min(64) as u32 {
        let (first, slots) = index.programmes(number);
        for (i, slot) in slots.iter().take(64).enumerate() {
            let _ = index.title(slot);
            let _ = index.details(ProgrammeId(first.0 + i as u32));
            let _ = index.first_ending_after(number, slot.start());
        }
    }
}

/// TS bytes into the receive ring: sync, packets, PSI sections, PAT/PMT, continuity, PCR, keyframes.
pub fn ts_ring(data: &[u8]) {
    let mut ring = TsRing::new(64);
    // Two pushes: the framer must carry a packet split across datagrams.
    let (a, b) = data.split_at(data.len() / 2);
    ring.push(a);
    ring.push(b);
    let _ = (ring.pat(), ring.pmt(), ring.stats(), ring.last_keyframe());
    let _: Vec<u64> = ring.keyframes().collect();
}

/// TS bytes into the EIT collector, its sections into the guide's live overlay. Once with all the
/// bytes in one push (what the collector holds until taken is bounded), then as the player
/// feeds it: a datagram (7 packets) at a time, taking the sections after each.
pub fn eit(data: &[u8]) {
    let key = ChannelKey("fuzz".into());
    let mut overlay = LiveOverlay::new();
    let mut apply = |sections: Vec<crate::mpegts::eit::EitSection>| {
        for section in sections {
            for event in &section.events {
                let _ = LiveProgramme::from_eit(event);
            }
            overlay.apply_eit(&key, &section);
        }
    };
    let mut collector = EitCollector::new();
    collector.push_bytes(data);
    apply(collector.take());
    let mut collector = EitCollector::new();
    for datagram in data.chunks(7 * TS_PACKET_SIZE) {
        collector.push_bytes(datagram);
        apply(collector.take());
    }
}

/// TS packets of one teletext PID (each 188-byte chunk, its sync byte forced) into the teletext
/// decoder with every page wanted: PES assembly, data units, Hamming and parity, page and
/// subtitle text.
pub fn teletext(data: &[u8]) {
    let mut decoder = TeletextDecoder::new(PageFilter::All);
    let mut packet = [0u8; TS_PACKET_SIZE];
    for chunk in data.chunks_exact(TS_PACKET_SIZE) {
        packet.copy_from_slice(chunk);
        packet[0] = 0x47;
        if let Some(p) = TsPacket::from_array(&packet) {
            decoder.push_packet(&p, &mut |page: &Page| {
                let _ = page.subtitle_text();
            });
        }
    }
    let _ = decoder.stats();
}

/// RTP datagrams (each: a 16-bit little-endian length, then that many bytes) through the
/// reorder window (its size from the first byte).
pub fn rtp_reorder(data: &[u8]) {
    let Some((&window, mut rest)) = data.split_first() else {
        return;
    };
    let mut reorder = RtpReorder::new(usize::from(window % 64) + 1);
    let mut out = 0usize;
    while let [lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi]));
        let (datagram, next) = tail.split_at(len.min(tail.len()));
        let _ = reorder.push(datagram, &mut |ts| out += ts.len());
        rest = next;
    }
    reorder.flush(&mut |ts| out += ts.len());
}

/// The config file.
pub fn config(data: &[u8]) {
    let path = scratch("config").join("config.json");
    if std::fs::write(&path, data).is_ok() {
        let _ = crate::system::load_config(&path);
    }
}

/// The state file.
pub fn state(data: &[u8]) {
    let path = scratch("state").join("state.json");
    if std::fs::write(&path, data).is_ok() {
        let _ = crate::system::load_state(&path);
    }
}

/// A keymap (without `extends` targets: no board directories).
pub fn keymap(data: &[u8]) {
    let _ = crate::input::Keymap::parse(&String::from_utf8_lossy(data), Path::new("fuzz.json"), &[]);
}
