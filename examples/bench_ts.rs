// SPDX-License-Identifier: GPL-3.0-or-later
//! Benchmark of the TS receive ring: pushes generated MPEG-TS in 7-packet datagrams through
//! `TsRing` (framing, CC/PCR stats, PAT/PMT and keyframe tracking, storage) and reads it back
//! the way the player does, compared in the same run with a naive ring (`VecDeque` of packets,
//! per-packet copies out, linear rescan for the last keyframe on every zap), once bare and once
//! doing the same per-packet analysis (CC counting, PAT/PMT/keyframe tracking) as `TsRing`.
//!
//! Run: `cargo run --release --example bench_ts [megabytes]` (default 200). Depends only on
//! the public library API; touches no files or network.

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};
use zapbox::mpegts::TS_PACKET_SIZE;
use zapbox::mpegts::keyframe::pes_es_data;
use zapbox::mpegts::program::ProgramTracker;
use zapbox::mpegts::ring::DEFAULT_CAPACITY_PACKETS;
use zapbox::mpegts::stats::CcTracker;
use zapbox::mpegts::synth::SyntheticProgram;
use zapbox::mpegts::{TsPacket, TsRing};

/// Datagram size used by practically every IPTV sender.
const DATAGRAM: usize = 7 * TS_PACKET_SIZE;
/// The player reads after this many datagrams, at most `READ_MAX` bytes.
const READ_EVERY: usize = 4;
const READ_MAX: usize = 1 << 20;
/// A zap (new reader from the last keyframe) every this many datagrams (~20 s at 10 Mbit/s).
const ZAP_EVERY: usize = 20_000;
/// Runs per design; the best is reported (the first pays page faults and cold caches).
const RUNS: usize = 5;

/// Packet ring as one would first write it.
struct NaiveRing {
    packets: VecDeque<[u8; TS_PACKET_SIZE]>,
    capacity: usize,
    head: u64,
    video_pid: u16,
    /// Same per-packet work as `TsRing`, when set.
    analysis: Option<(CcTracker, ProgramTracker)>,
}

impl NaiveRing {
    fn new(analysed: bool) -> Self {
        Self {
            packets: VecDeque::with_capacity(DEFAULT_CAPACITY_PACKETS),
            capacity: DEFAULT_CAPACITY_PACKETS,
            head: 0,
            video_pid: SyntheticProgram::VIDEO_PID,
            analysis: analysed.then(|| (CcTracker::new(), ProgramTracker::new(None))),
        }
    }

    fn push(&mut self, data: &[u8]) {
        for chunk in data.chunks_exact(TS_PACKET_SIZE) {
            let mut p = [0u8; TS_PACKET_SIZE];
            p.copy_from_slice(chunk);
            if let (Some((cc, program)), Some(packet)) = (self.analysis.as_mut(), TsPacket::new(&p)) {
                cc.check(&packet);
                black_box(program.observe(&packet));
            }
            if self.packets.len() == self.capacity {
                self.packets.pop_front();
            }
            self.packets.push_back(p);
            self.head += 1;
        }
    }

    /// Linear rescan from the newest packet back to the last H.264 IDR/SPS PES start.
    fn last_keyframe(&self) -> Option<u64> {
        let oldest = self.head - self.packets.len() as u64;
        let found = self.packets.iter().rposition(|raw| {
            let Some(p) = TsPacket::new(raw) else {
                return false;
            };
            p.pid() == self.video_pid
                && p.pusi()
                && pes_es_data(p.payload()).is_some_and(|es| {
                    es.windows(4)
                        .any(|w| w[..3] == [0, 0, 1] && matches!(w[3] & 0x1f, 5 | 7))
                })
        });
        found.map(|i| oldest + i as u64)
    }

    fn read(&self, cursor: &mut u64, out: &mut Vec<u8>, max: usize) {
        let oldest = self.head - self.packets.len() as u64;
        let start = (*cursor).max(oldest);
        for pos in start..self.head {
            if out.len() + TS_PACKET_SIZE > max {
                break;
            }
            out.extend_from_slice(&self.packets[(pos - oldest) as usize]);
            *cursor = pos + 1;
        }
    }
}

/// One run's outcome: elapsed time and bytes read back out.
struct Run {
    elapsed: Duration,
    read: u64,
    zaps: u64,
}

fn run_ring(stream: &[u8], total: usize) -> Run {
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    let mut cursor = ring.reader_from_last_keyframe();
    let mut out = Vec::with_capacity(READ_MAX);
    let (mut read, mut zaps) = (0u64, 0u64);
    let start = Instant::now();
    for (i, datagram) in stream.chunks(DATAGRAM).cycle().take(total / DATAGRAM).enumerate() {
        ring.push(datagram);
        if i % ZAP_EVERY == ZAP_EVERY - 1 {
            cursor = black_box(ring.reader_from_last_keyframe());
            zaps += 1;
        }
        if i % READ_EVERY == READ_EVERY - 1 {
            out.clear();
            match ring.read(&mut cursor, &mut out, READ_MAX) {
                Ok(n) => read += n as u64,
                Err(_) => cursor = ring.reader_from_last_keyframe(),
            }
            black_box(&out);
        }
    }
    Run {
        elapsed: start.elapsed(),
        read,
        zaps,
    }
}

fn run_naive(stream: &[u8], total: usize) -> Run {
    run_naive_with(NaiveRing::new(false), stream, total)
}

fn run_naive_analysed(stream: &[u8], total: usize) -> Run {
    run_naive_with(NaiveRing::new(true), stream, total)
}

fn run_naive_with(mut ring: NaiveRing, stream: &[u8], total: usize) -> Run {
    let mut cursor = 0u64;
    let mut out = Vec::with_capacity(READ_MAX);
    let (mut read, mut zaps) = (0u64, 0u64);
    let start = Instant::now();
    for (i, datagram) in stream.chunks(DATAGRAM).cycle().take(total / DATAGRAM).enumerate() {
        ring.push(datagram);
        if i % ZAP_EVERY == ZAP_EVERY - 1 {
            cursor = black_box(ring.last_keyframe().unwrap_or(ring.head));
            zaps += 1;
        }
        if i % READ_EVERY == READ_EVERY - 1 {
            out.clear();
            ring.read(&mut cursor, &mut out, READ_MAX);
            read += out.len() as u64;
            black_box(&out);
        }
    }
    Run {
        elapsed: start.elapsed(),
        read,
        zaps,
    }
}

/// Mean cost of one zap on a full ring, for both designs.
fn zap_cost(stream: &[u8]) -> (Duration, Duration) {
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    let mut naive = NaiveRing::new(false);
    let (mut ring_time, mut naive_time) = (Duration::ZERO, Duration::ZERO);
    let rounds = 200;
    for (i, datagram) in stream.chunks(DATAGRAM).cycle().take(rounds * 97).enumerate() {
        ring.push(datagram);
        naive.push(datagram);
        if i % 97 == 96 {
            let t = Instant::now();
            black_box(ring.reader_from_last_keyframe());
            ring_time += t.elapsed();
            let t = Instant::now();
            black_box(naive.last_keyframe());
            naive_time += t.elapsed();
        }
    }
    (ring_time / rounds as u32, naive_time / rounds as u32)
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// One benchmarked design: name and runner.
type Design = (&'static str, fn(&[u8], usize) -> Run);

/// Best (shortest) of `RUNS` runs per design, runs interleaved so load drifts hit all alike.
fn best_runs(stream: &[u8], total: usize) -> Vec<(&'static str, Run)> {
    let designs: [Design; 3] = [
        ("TsRing", run_ring),
        ("naive", run_naive),
        ("naive+analysis", run_naive_analysed),
    ];
    let mut best: Vec<(&str, Option<Run>)> = designs.iter().map(|(name, _)| (*name, None)).collect();
    for _ in 0..RUNS {
        for ((_, run), slot) in designs.iter().zip(best.iter_mut()) {
            let r = run(stream, total);
            if slot.1.as_ref().is_none_or(|b| r.elapsed < b.elapsed) {
                slot.1 = Some(r);
            }
        }
    }
    best.into_iter()
        .filter_map(|(name, r)| Some((name, r?)))
        .collect()
}

fn main() {
    let megabytes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let total = megabytes * 1_000_000;
    // ~10 Mbit/s: 25 fps of 50 kB frames, an IDR every 2 s; 16 MB repeated as needed.
    let stream = SyntheticProgram::new(50, 50_000).bytes(320);
    println!(
        "stream: {:.1} MB generated, {megabytes} MB pushed in {DATAGRAM}-byte datagrams, best of {RUNS}",
        stream.len() as f64 / 1e6
    );
    let results = best_runs(&stream, total);
    let ring_mbs = results.first().map_or(0.0, |(_, r)| mb_per_s(total, r.elapsed));
    for (name, r) in &results {
        let mbs = mb_per_s(total, r.elapsed);
        println!(
            "{name:<15} push+read: {mbs:>6.0} MB/s ({:.3} s, {} MB read, {} zaps); TsRing/{name} = {:.2}x",
            r.elapsed.as_secs_f64(),
            r.read / 1_000_000,
            r.zaps,
            ring_mbs / mbs
        );
    }
    let (ring_zap, naive_zap) = zap_cost(&stream);
    println!(
        "zap on a full ring: TsRing {:.2} µs, naive rescan {:.2} µs ({:.0}x)",
        ring_zap.as_secs_f64() * 1e6,
        naive_zap.as_secs_f64() * 1e6,
        naive_zap.as_secs_f64() / ring_zap.as_secs_f64().max(1e-9)
    );
}
