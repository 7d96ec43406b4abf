// SPDX-License-Identifier: GPL-3.0-or-later
//! `TsRing`: a fixed-capacity ring of whole TS packets for one channel, addressed by
//! absolute packet positions, that knows its program (PAT/PMT/video PID), its recent
//! random access points and its health; readers copy out from a keyframe onward.
//!
//! Owns storage, positions and the reader protocol; must not depend on sockets,
//! threads or clocks. One writer pushes and readers read under the caller's lock.

use std::collections::VecDeque;

use super::framer::Framer;
use super::packet::{PID_NULL, TS_PACKET_SIZE, TsPacket};
use super::program::ProgramTracker;
use super::stats::{CcTracker, PcrBitrate};
use super::tables::{Pat, Pmt, VideoCodec};

/// Default capacity: 4 s at 20 Mbit/s (~10 MB).
pub const DEFAULT_CAPACITY_PACKETS: usize = (4 * 20_000_000 / (TS_PACKET_SIZE * 8)) + 1;
/// Smallest capacity accepted, so PSI plus a keyframe's first packets always fit.
pub const MIN_CAPACITY_PACKETS: usize = 64;
/// Random access points remembered at most: every one still stored is kept (a timeshift window
/// seeks to any of them), and this bounds the index of a huge ring fed tiny GOPs.
pub const KEYFRAME_HISTORY: usize = 8192;

/// Diagnostics snapshot of one ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Aligned packets received (null packets included).
    pub packets_in: u64,
    /// Bytes pushed (including any skipped while resynchronising).
    pub bytes_in: u64,
    /// Null packets dropped instead of stored.
    pub null_packets: u64,
    /// Bytes discarded while searching for packet alignment.
    pub skipped_bytes: u64,
    /// Times packet alignment was lost.
    pub sync_losses: u64,
    /// Packets flagged with transport_error_indicator.
    pub tei_packets: u64,
    /// Continuity-counter errors over all PIDs.
    pub cc_errors: u64,
    /// PAT/PMT sections rejected by CRC.
    pub psi_crc_errors: u64,
    /// Random access points found on the video PID.
    pub keyframes: u64,
    /// Last PCR on the PCR PID (27 MHz ticks).
    pub last_pcr: Option<u64>,
    /// PCR-based transport stream bitrate estimate.
    pub bitrate_bps: Option<u64>,
    /// PMT PID of the tracked program.
    pub pmt_pid: Option<u16>,
    /// Video PID from the PMT.
    pub video_pid: Option<u16>,
    /// Video codec from the PMT.
    pub video_codec: Option<VideoCodec>,
    /// Oldest position still stored.
    pub oldest: u64,
    /// Position the next stored packet will get.
    pub head: u64,
}

/// A reader's place in one ring. Cursors are only meaningful for the ring that made them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pos: u64,
    awaiting_keyframe: bool,
    psi_pending: bool,
}

impl Cursor {
    /// Absolute position of the next packet this reader gets.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Whether the reader still waits for a random access point at or after `position`.
    pub fn is_awaiting_keyframe(&self) -> bool {
        self.awaiting_keyframe
    }
}

/// The reader's next packet was overwritten; start again from the latest keyframe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("reader fell behind: {missed} packets overwritten")]
pub struct FellBehind {
    /// Packets lost between the cursor and the oldest stored packet.
    pub missed: u64,
}

/// Everything the packet callback touches (kept apart from the framer that calls it).
#[derive(Debug)]
struct Store {
    buf: Box<[u8]>,
    capacity: usize,
    head: u64,
    /// First position ever stored in the current buffer (a grown buffer holds nothing older).
    floor: u64,
    write_slot: usize,
    program: ProgramTracker,
    cc: CcTracker,
    pcr: PcrBitrate,
    keyframes: VecDeque<u64>,
    video_pes_start: Option<u64>,
    stats: Stats,
}

/// Fixed-capacity ring of TS packets for one channel.
#[derive(Debug)]
pub struct TsRing {
    framer: Framer,
    store: Store,
}

impl TsRing {
    /// Ring holding `capacity_packets` packets (at least [`MIN_CAPACITY_PACKETS`]),
    /// following the first program of the PAT.
    pub fn new(capacity_packets: usize) -> Self {
        Self::with_program(capacity_packets, None)
    }

    /// Ring following program `program` (`None`: the PAT's first program).
    pub fn with_program(capacity_packets: usize, program: Option<u16>) -> Self {
        let capacity = capacity_packets.max(MIN_CAPACITY_PACKETS);
        let store = Store {
            buf: vec![0u8; capacity * TS_PACKET_SIZE].into_boxed_slice(),
            capacity,
            head: 0,
            floor: 0,
            write_slot: 0,
            program: ProgramTracker::new(program),
            cc: CcTracker::new(),
            pcr: PcrBitrate::default(),
            keyframes: VecDeque::new(),
            video_pes_start: None,
            stats: Stats::default(),
        };
        Self {
            framer: Framer::new(),
            store,
        }
    }

    /// Capacity in packets.
    pub fn capacity(&self) -> usize {
        self.store.capacity
    }

    /// Changes the capacity to `capacity_packets` (at least [`MIN_CAPACITY_PACKETS`]), keeping
    /// the newest stored packets that fit, their positions and the keyframes among them. Costs one
    /// copy of what is kept: done when a channel becomes live (grow to its timeshift window) or
    /// stops being live (shrink back), never per packet.
    pub fn resize(&mut self, capacity_packets: usize) {
        let capacity = capacity_packets.max(MIN_CAPACITY_PACKETS);
        if capacity == self.store.capacity {
            return;
        }
        let store = &mut self.store;
        let keep_from = store.oldest().max(store.head.saturating_sub(capacity as u64));
        let mut buf = vec![0u8; capacity * TS_PACKET_SIZE].into_boxed_slice();
        for position in keep_from..store.head {
            let to = (position % capacity as u64) as usize * TS_PACKET_SIZE;
            if let (Some(from), Some(dst)) = (
                store.slot_range(position).and_then(|r| store.buf.get(r)),
                buf.get_mut(to..to + TS_PACKET_SIZE),
            ) {
                dst.copy_from_slice(from);
            }
        }
        store.buf = buf;
        store.capacity = capacity;
        store.floor = keep_from;
        store.write_slot = (store.head % capacity as u64) as usize;
        store.keyframes.retain(|&k| k >= keep_from);
    }

    /// Feeds a datagram payload (any length; alignment is recovered as needed).
    pub fn push(&mut self, data: &[u8]) {
        self.store.stats.bytes_in += data.len() as u64;
        let store = &mut self.store;
        self.framer.push(data, &mut |run| store.on_packets(run));
    }

    /// Position the next stored packet will get (total packets stored so far).
    pub fn head(&self) -> u64 {
        self.store.head
    }

    /// Oldest position still stored.
    pub fn oldest(&self) -> u64 {
        self.store.oldest()
    }

    /// The stored packet at `position`, if not yet overwritten.
    pub fn packet(&self, position: u64) -> Option<&[u8; TS_PACKET_SIZE]> {
        self.store
            .slot_range(position)
            .and_then(|r| self.store.buf.get(r)?.try_into().ok())
    }

    /// Stored random access points, newest first.
    pub fn keyframes(&self) -> impl Iterator<Item = u64> + '_ {
        let oldest = self.oldest();
        self.store
            .keyframes
            .iter()
            .rev()
            .copied()
            .filter(move |&p| p >= oldest)
    }

    /// The newest stored random access point.
    pub fn last_keyframe(&self) -> Option<u64> {
        self.keyframes().next()
    }

    /// Latest PAT.
    pub fn pat(&self) -> Option<&Pat> {
        self.store.program.pat()
    }

    /// Latest PMT of the tracked program.
    pub fn pmt(&self) -> Option<&Pmt> {
        self.store.program.pmt()
    }

    /// Continuity errors on `pid`.
    pub fn cc_errors(&self, pid: u16) -> u64 {
        self.store.cc.errors(pid)
    }

    /// `(pid, errors)` for every PID with continuity errors.
    pub fn cc_error_pids(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.store.cc.pids_with_errors()
    }

    /// Diagnostics snapshot.
    pub fn stats(&self) -> Stats {
        let s = &self.store;
        let framer = self.framer.stats();
        Stats {
            skipped_bytes: framer.skipped_bytes,
            sync_losses: framer.sync_losses,
            cc_errors: s.cc.total(),
            psi_crc_errors: s.program.crc_errors(),
            last_pcr: s.pcr.last_pcr(),
            bitrate_bps: s.pcr.bitrate(),
            pmt_pid: s.program.pmt_pid(),
            video_pid: s.program.video().map(|(pid, _)| pid),
            video_codec: s.program.video().map(|(_, codec)| codec),
            oldest: s.oldest(),
            head: s.head,
            ..s.stats
        }
    }

    /// A reader for zapping: starts at the newest random access point (or waits for
    /// the next one) and is handed the cached PAT and PMT first.
    pub fn reader_from_last_keyframe(&self) -> Cursor {
        match self.last_keyframe() {
            Some(pos) => Cursor {
                pos,
                awaiting_keyframe: false,
                psi_pending: true,
            },
            None => Cursor {
                pos: self.head(),
                awaiting_keyframe: true,
                psi_pending: true,
            },
        }
    }

    /// A reader for timeshift: starts at the newest stored random access point at or before
    /// `position` (the oldest stored one when `position` is older than all), with PAT/PMT first.
    /// `None` when the ring holds no random access point.
    pub fn reader_from_keyframe_before(&self, position: u64) -> Option<Cursor> {
        let pos = self
            .keyframes()
            .find(|&k| k <= position)
            .or_else(|| self.keyframes().last())?;
        Some(Cursor {
            pos,
            awaiting_keyframe: false,
            psi_pending: true,
        })
    }

    /// The oldest stored random access point: where the timeshift window begins.
    pub fn oldest_keyframe(&self) -> Option<u64> {
        self.keyframes().last()
    }

    /// A raw reader at exactly `position` (no PAT/PMT prefix, no keyframe wait), for copying the
    /// ring byte for byte (the timeshift spill) or taking over where a disk reader stopped.
    /// `None` when `position` is no longer stored or not yet written.
    pub fn reader_at(&self, position: u64) -> Option<Cursor> {
        (self.oldest()..=self.head())
            .contains(&position)
            .then_some(Cursor {
                pos: position,
                awaiting_keyframe: false,
                psi_pending: false,
            })
    }

    /// The cached PAT and PMT packets (what a keyframe reader is handed first); none before
    /// the PMT is known.
    pub fn psi_packets(&self) -> impl Iterator<Item = &[u8; TS_PACKET_SIZE]> {
        self.store.program.psi_packets()
    }

    /// A tap reader (guide, statistics): starts with the next packet pushed, no prefix.
    pub fn reader_from_head(&self) -> Cursor {
        Cursor {
            pos: self.head(),
            awaiting_keyframe: false,
            psi_pending: false,
        }
    }

    /// Appends whole packets from `cursor` onward to `out`, at most `max_bytes`
    /// (rounded down to whole packets; a pending PAT/PMT prefix is never split and
    /// counts towards the limit). Returns the bytes appended; 0 means nothing new yet.
    pub fn read(
        &self,
        cursor: &mut Cursor,
        out: &mut Vec<u8>,
        max_bytes: usize,
    ) -> Result<usize, FellBehind> {
        if cursor.awaiting_keyframe {
            match self.keyframes().filter(|&k| k >= cursor.pos).last() {
                Some(pos) => {
                    *cursor = Cursor {
                        pos,
                        awaiting_keyframe: false,
                        ..*cursor
                    }
                }
                None => return Ok(0),
            }
        }
        let oldest = self.oldest();
        if cursor.pos < oldest {
            return Err(FellBehind {
                missed: oldest - cursor.pos,
            });
        }
        let start = out.len();
        let mut budget = max_bytes / TS_PACKET_SIZE;
        if cursor.psi_pending {
            for packet in self.store.program.psi_packets() {
                out.extend_from_slice(packet);
                budget = budget.saturating_sub(1);
            }
            cursor.psi_pending = false;
        }
        let available = self.store.head.saturating_sub(cursor.pos);
        let count = usize::try_from(available).unwrap_or(usize::MAX).min(budget);
        self.store.copy_out(cursor.pos, count, out);
        cursor.pos += count as u64;
        Ok(out.len() - start)
    }
}

fn is_null(raw: &[u8; TS_PACKET_SIZE]) -> bool {
    u16::from_be_bytes([raw[1] & 0x1f, raw[2]]) == PID_NULL
}

impl Store {
    fn oldest(&self) -> u64 {
        self.head.saturating_sub(self.capacity as u64).max(self.floor)
    }

    /// Byte range of `position` in `buf`, if still stored.
    fn slot_range(&self, position: u64) -> Option<std::ops::Range<usize>> {
        if position < self.oldest() || position >= self.head {
            return None;
        }
        let slot = (position % self.capacity as u64) as usize;
        Some(slot * TS_PACKET_SIZE..(slot + 1) * TS_PACKET_SIZE)
    }

    /// Copies `count` stored packets from `position` in at most two spans.
    fn copy_out(&self, position: u64, count: usize, out: &mut Vec<u8>) {
        if count == 0 {
            return;
        }
        out.reserve(count * TS_PACKET_SIZE);
        let slot = (position % self.capacity as u64) as usize;
        let first = count.min(self.capacity - slot);
        let spans = [(slot, first), (0, count - first)];
        for (from, packets) in spans.into_iter().filter(|&(_, n)| n > 0) {
            let bytes = self
                .buf
                .get(from * TS_PACKET_SIZE..(from + packets) * TS_PACKET_SIZE);
            out.extend_from_slice(bytes.unwrap_or(&[]));
        }
    }

    /// Stores a run of aligned packets (null packets dropped) and analyses each.
    fn on_packets(&mut self, packets: &[[u8; TS_PACKET_SIZE]]) {
        let mut received = self.stats.packets_in;
        self.stats.packets_in += packets.len() as u64;
        let mut spans = packets.split(is_null).peekable();
        while let Some(span) = spans.next() {
            let first = self.store_span(span);
            for (position, raw) in (first..).zip(span) {
                received += 1;
                self.analyse(raw, position, received);
            }
            if spans.peek().is_some() {
                received += 1;
                self.stats.null_packets += 1;
            }
        }
    }

    /// Copies packets in at most one memcpy per pass over the buffer end; returns the
    /// position of the first.
    fn store_span(&mut self, mut span: &[[u8; TS_PACKET_SIZE]]) -> u64 {
        let first = self.head;
        while !span.is_empty() {
            let room = self.capacity - self.write_slot;
            let (now, later) = span.split_at(room.min(span.len()));
            let at = self.write_slot * TS_PACKET_SIZE;
            if let Some(dst) = self.buf.get_mut(at..at + now.len() * TS_PACKET_SIZE) {
                dst.copy_from_slice(now.as_flattened());
            }
            self.write_slot = (self.write_slot + now.len()) % self.capacity;
            self.head += now.len() as u64;
            span = later;
        }
        first
    }

    /// Updates statistics, program state and keyframes for the packet at `position`;
    /// `received` counts all packets up to and including it (for the bitrate).
    fn analyse(&mut self, raw: &[u8; TS_PACKET_SIZE], position: u64, received: u64) {
        let Some(packet) = TsPacket::from_array(raw) else {
            return;
        };
        if packet.tei() {
            // Corrupt headers would poison CC, PSI and keyframe state.
            self.stats.tei_packets += 1;
            return;
        }
        self.cc.check(&packet);
        self.track_pcr(&packet, received);
        let seen = self.program.observe(&packet);
        if seen.video_changed {
            self.keyframes.clear();
            self.video_pes_start = None;
        }
        if seen.video_pes_start {
            self.video_pes_start = Some(position);
        }
        if seen.random_access
            && let Some(start) = self.video_pes_start
        {
            self.record_keyframe(start);
        }
    }

    fn track_pcr(&mut self, packet: &TsPacket<'_>, received: u64) {
        let pcr_pid = self.program.pcr_pid();
        if pcr_pid.is_some_and(|pid| pid != packet.pid()) {
            return;
        }
        if let Some(af) = packet.adaptation()
            && let Some(pcr) = af.pcr
        {
            self.pcr.on_pcr(pcr, received, af.discontinuity);
        }
    }

    fn record_keyframe(&mut self, position: u64) {
        if self.keyframes.back() == Some(&position) {
            return;
        }
        let oldest = self.oldest();
        while self
            .keyframes
            .front()
            .is_some_and(|&k| k < oldest || self.keyframes.len() >= KEYFRAME_HISTORY)
        {
            self.keyframes.pop_front();
        }
        self.keyframes.push_back(position);
        self.stats.keyframes += 1;
    }
}

#[cfg(test)]
mod tests;
