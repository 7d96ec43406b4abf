// SPDX-License-Identifier: GPL-3.0-or-later
//! Unit tests of `TsRing`: positions across wraparound, the reader protocol, program
//! tracking and per-ring statistics.

use super::*;
use crate::mpegts::build::{PacketSpec, ts_packet};
use crate::mpegts::synth::SyntheticProgram;

const VIDEO: u16 = SyntheticProgram::VIDEO_PID;

/// A payload-only packet on `pid` whose first payload bytes hold `n`.
fn numbered(pid: u16, n: u32) -> [u8; TS_PACKET_SIZE] {
    let mut body = [0u8; 184];
    body[..4].copy_from_slice(&n.to_be_bytes());
    ts_packet(
        &PacketSpec {
            pid,
            cc: n as u8,
            ..PacketSpec::default()
        },
        &body,
    )
    .0
}

fn pid_of(p: &[u8]) -> u16 {
    TsPacket::new(p).map_or(u16::MAX, |p| p.pid())
}

#[test]
fn wraparound_keeps_positions_exact() {
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS);
    for n in 0..200 {
        ring.push(&numbered(0x200, n));
    }
    assert_eq!(ring.head(), 200);
    assert_eq!(ring.oldest(), 200 - MIN_CAPACITY_PACKETS as u64);
    assert!(ring.packet(ring.oldest() - 1).is_none());
    assert!(ring.packet(200).is_none());
    for pos in ring.oldest()..200 {
        assert_eq!(ring.packet(pos), Some(&numbered(0x200, pos as u32)));
    }
}

#[test]
fn read_spans_the_wrap_in_order() {
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS);
    for n in 0..100 {
        ring.push(&numbered(0x200, n));
    }
    let mut cursor = ring.reader_from_head();
    for n in 100..150 {
        ring.push(&numbered(0x200, n));
    }
    let mut out = Vec::new();
    assert_eq!(
        ring.read(&mut cursor, &mut out, 20 * TS_PACKET_SIZE + 5),
        Ok(20 * TS_PACKET_SIZE)
    );
    assert_eq!(
        ring.read(&mut cursor, &mut out, usize::MAX),
        Ok(30 * TS_PACKET_SIZE)
    );
    let expected: Vec<u8> = (100..150).flat_map(|n| numbered(0x200, n)).collect();
    assert_eq!(out, expected);
    assert_eq!(cursor.position(), 150);
    assert_eq!(ring.read(&mut cursor, &mut out, usize::MAX), Ok(0));
}

#[test]
fn reader_that_falls_behind_is_told() {
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS);
    let mut cursor = ring.reader_from_head();
    for n in 0..100 {
        ring.push(&numbered(0x200, n));
    }
    let mut out = Vec::new();
    let err = ring.read(&mut cursor, &mut out, usize::MAX).unwrap_err();
    assert_eq!(
        err,
        FellBehind {
            missed: 100 - MIN_CAPACITY_PACKETS as u64
        }
    );
    assert!(out.is_empty());
}

#[test]
fn reader_from_last_keyframe_gets_psi_then_keyframe() {
    let mut synth = SyntheticProgram::new(10, 2000);
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    ring.push(&synth.bytes(25)); // IDRs at frames 0, 10, 20
    assert_eq!(ring.stats().keyframes, 3);
    let key = ring.last_keyframe().unwrap();
    let mut cursor = ring.reader_from_last_keyframe();
    let mut out = Vec::new();
    ring.read(&mut cursor, &mut out, usize::MAX).unwrap();
    let packets: Vec<&[u8]> = out.chunks(TS_PACKET_SIZE).collect();
    assert_eq!(pid_of(packets[0]), 0);
    assert_eq!(pid_of(packets[1]), SyntheticProgram::PMT_PID);
    assert_eq!(packets[2], ring.packet(key).unwrap());
    let first = TsPacket::new(packets[2]).unwrap();
    assert!(first.pid() == VIDEO && first.pusi());
    assert_eq!(packets.len() as u64, 2 + ring.head() - key);
}

#[test]
fn reader_without_keyframe_waits_for_the_next() {
    let mut synth = SyntheticProgram::new(10, 500);
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    let mut cursor = ring.reader_from_last_keyframe();
    assert!(cursor.is_awaiting_keyframe());
    let mut out = Vec::new();
    assert_eq!(ring.read(&mut cursor, &mut out, usize::MAX), Ok(0));
    ring.push(&synth.bytes(3));
    assert!(ring.read(&mut cursor, &mut out, usize::MAX).unwrap() > 0);
    assert_eq!(pid_of(&out[..TS_PACKET_SIZE]), 0);
    assert!(!cursor.is_awaiting_keyframe());
}

#[test]
fn keyframe_history_is_bounded_and_exact() {
    let mut synth = SyntheticProgram::new(2, 300);
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    let mut packets = Vec::new();
    let mut expected = Vec::new();
    for _ in 0..40 {
        let before = packets.len();
        if synth.frame(&mut packets) {
            // The IDR's PES starts right after the two PSI packets.
            expected.push(before as u64 + 2);
        }
    }
    ring.push(&packets.concat());
    let got: Vec<u64> = ring.keyframes().collect();
    let want: Vec<u64> = expected.iter().rev().take(KEYFRAME_HISTORY).copied().collect();
    assert_eq!(got, want);
    assert_eq!(ring.stats().keyframes, 20);
}

#[test]
fn program_and_stats_are_tracked() {
    let mut synth = SyntheticProgram::new(25, 4000);
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    let data = synth.bytes(60);
    for chunk in data.chunks(1316) {
        ring.push(chunk);
    }
    let stats = ring.stats();
    assert_eq!(stats.bytes_in, data.len() as u64);
    assert_eq!(stats.packets_in, (data.len() / TS_PACKET_SIZE) as u64);
    assert_eq!(stats.pmt_pid, Some(SyntheticProgram::PMT_PID));
    assert_eq!(
        (stats.video_pid, stats.video_codec),
        (Some(VIDEO), Some(VideoCodec::H264))
    );
    assert_eq!(stats.cc_errors, 0);
    assert_eq!(stats.last_pcr, Some(59 * 27_000_000 / 25));
    // Bitrate is the stored bytes over PCR time: check it against the data itself.
    let packets_per_frame = data.len() as u64 / TS_PACKET_SIZE as u64 / 60;
    let approx = packets_per_frame * 188 * 8 * 25;
    let bps = stats.bitrate_bps.unwrap();
    assert!(bps.abs_diff(approx) < approx / 20, "{bps} vs {approx}");
    let audio = ring.pmt().unwrap().audio().next().unwrap().0.languages();
    assert_eq!(audio[0].as_str(), Some("deu"));
}

#[test]
fn cc_errors_and_duplicates_through_the_ring() {
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS);
    for n in [0, 1, 1, 2, 5, 6] {
        ring.push(&numbered(0x300, n));
    }
    assert_eq!(ring.cc_errors(0x300), 1);
    assert_eq!(ring.cc_error_pids().collect::<Vec<_>>(), vec![(0x300, 1)]);
}

#[test]
fn null_packets_are_not_stored() {
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS);
    ring.push(&numbered(0x1fff, 0));
    ring.push(&numbered(0x200, 0));
    assert_eq!(ring.head(), 1);
    assert_eq!(ring.stats().null_packets, 1);
    assert_eq!(ring.stats().packets_in, 2);
}

#[test]
fn tei_packets_are_stored_but_not_analysed() {
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS);
    let bad = ts_packet(
        &PacketSpec {
            pid: 0x300,
            tei: true,
            cc: 9,
            ..PacketSpec::default()
        },
        &[0; 184],
    )
    .0;
    ring.push(&numbered(0x300, 0));
    ring.push(&bad);
    ring.push(&numbered(0x300, 1));
    assert_eq!(ring.head(), 3);
    assert_eq!(ring.stats().tei_packets, 1);
    assert_eq!(ring.cc_errors(0x300), 0);
}

#[test]
fn misaligned_input_is_resynchronised() {
    let mut synth = SyntheticProgram::new(5, 700);
    let data = synth.bytes(10);
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    ring.push(&[0x47, 0x00, 0x13, 0x47]);
    ring.push(&data[100..]); // starts mid-packet
    let stats = ring.stats();
    assert_eq!(stats.skipped_bytes, 4 + (TS_PACKET_SIZE - 100) as u64);
    assert_eq!(ring.head(), (data.len() / TS_PACKET_SIZE - 1) as u64);
    // The first PAT was cut, so the first IDR passed before the program was known.
    assert_eq!(stats.keyframes, 1);
}

#[test]
fn video_pid_change_drops_stale_keyframes() {
    use crate::mpegts::build::{StreamSpec, StreamWriter, pat_section, pmt_section};
    let mut synth = SyntheticProgram::new(5, 300);
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    ring.push(&synth.bytes(6));
    assert!(ring.last_keyframe().is_some());
    let mut packets = Vec::new();
    StreamWriter::new(0, 5).section(&pat_section(1, 1, &[(1, 0x100)]), &mut packets);
    let pmt = pmt_section(1, 1, 0x201, &[StreamSpec::new(0x24, 0x201)]);
    StreamWriter::new(0x100, 9).section(&pmt, &mut packets);
    ring.push(&packets.concat());
    assert_eq!(ring.last_keyframe(), None);
    assert_eq!(ring.stats().video_codec, Some(VideoCodec::Hevc));
}

#[test]
fn resize_keeps_positions_packets_and_keyframes() {
    let mut synth = SyntheticProgram::new(5, 400);
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS * 4);
    ring.push(&synth.bytes(60));
    let (oldest, head) = (ring.oldest(), ring.head());
    assert!(oldest > 0, "the small ring wrapped");
    let before: Vec<Vec<u8>> = (oldest..head).map(|p| ring.packet(p).unwrap().to_vec()).collect();
    let keyframes: Vec<u64> = ring.keyframes().collect();
    ring.resize(MIN_CAPACITY_PACKETS * 40);
    assert_eq!(
        ring.oldest(),
        oldest,
        "a grown ring holds nothing older than before"
    );
    assert_eq!(ring.head(), head);
    let after: Vec<Vec<u8>> = (oldest..head).map(|p| ring.packet(p).unwrap().to_vec()).collect();
    assert_eq!(before, after);
    assert_eq!(ring.keyframes().collect::<Vec<_>>(), keyframes);
    // It now keeps far more than before.
    ring.push(&synth.bytes(120));
    assert_eq!(ring.oldest(), oldest);
    assert!(ring.keyframes().count() > keyframes.len());
    // Shrinking keeps the newest packets and their keyframes only.
    let head = ring.head();
    let newest = ring.packet(head - 1).unwrap().to_vec();
    ring.resize(MIN_CAPACITY_PACKETS * 2);
    assert_eq!(ring.oldest(), head - (MIN_CAPACITY_PACKETS * 2) as u64);
    assert_eq!(ring.packet(head - 1).unwrap().to_vec(), newest);
    assert!(ring.keyframes().all(|k| k >= ring.oldest()));
    // Writing continues at the same positions.
    ring.push(&synth.bytes(5));
    assert!(ring.head() > head);
    let mut cursor = ring.reader_from_last_keyframe();
    let mut out = Vec::new();
    assert!(ring.read(&mut cursor, &mut out, usize::MAX).unwrap() > 0);
}

#[test]
fn reader_from_keyframe_before_picks_the_right_gop() {
    let mut synth = SyntheticProgram::new(10, 300);
    let mut ring = TsRing::new(DEFAULT_CAPACITY_PACKETS);
    assert!(ring.reader_from_keyframe_before(0).is_none());
    ring.push(&synth.bytes(45));
    let keys: Vec<u64> = ring.keyframes().collect(); // newest first
    assert_eq!(keys.len(), 5);
    let middle = keys[2];
    let cursor = ring.reader_from_keyframe_before(middle + 3).unwrap();
    assert_eq!(cursor.position(), middle);
    assert_eq!(
        ring.reader_from_keyframe_before(middle).unwrap().position(),
        middle
    );
    assert_eq!(ring.reader_from_keyframe_before(0).unwrap().position(), keys[4]);
    assert_eq!(ring.oldest_keyframe(), Some(keys[4]));
    let mut cursor = ring.reader_from_keyframe_before(middle + 3).unwrap();
    let mut out = Vec::new();
    ring.read(&mut cursor, &mut out, usize::MAX).unwrap();
    assert_eq!(pid_of(&out[..TS_PACKET_SIZE]), 0, "PAT first");
    assert_eq!(
        &out[2 * TS_PACKET_SIZE..3 * TS_PACKET_SIZE],
        ring.packet(middle).unwrap()
    );
}

#[test]
fn keyframes_are_kept_while_stored_and_dropped_when_overwritten() {
    let mut synth = SyntheticProgram::new(2, 300);
    let mut ring = TsRing::new(MIN_CAPACITY_PACKETS * 8);
    ring.push(&synth.bytes(200));
    let oldest = ring.oldest();
    assert!(oldest > 0);
    assert!(ring.keyframes().count() > 8, "more than the old fixed history");
    assert!(ring.keyframes().all(|k| k >= oldest));
}
