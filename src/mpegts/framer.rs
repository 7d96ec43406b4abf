// SPDX-License-Identifier: GPL-3.0-or-later
//! Cuts an arbitrary byte stream (datagram payloads of any size, possibly starting
//! mid-packet or carrying garbage) into aligned 188-byte TS packets.
//!
//! Owns packet alignment and resynchronisation only; must not depend on PSI, PES or
//! the ring. Aligned input is passed through without copying.

use super::packet::{SYNC_BYTE, TS_PACKET_SIZE};

/// Packets whose sync bytes must line up (at a 188-byte period) before a candidate
/// offset is accepted; one 0x47 alone is too common inside payloads to trust.
pub const SYNC_CONFIRM_PACKETS: usize = 3;

/// Outcome of scanning unsynchronised bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// Sync confirmed at this offset.
    Found(usize),
    /// Bytes before this offset can never start a packet; the rest needs more data.
    NeedMore(usize),
}

/// Finds the first offset where `SYNC_CONFIRM_PACKETS` sync bytes line up at a
/// 188-byte period. `None` if `buf` holds no confirmed offset (yet).
pub fn find_sync(buf: &[u8]) -> Option<usize> {
    match scan(buf) {
        Scan::Found(offset) => Some(offset),
        Scan::NeedMore(_) => None,
    }
}

/// Scans for the earliest offset not ruled out as a packet start.
fn scan(buf: &[u8]) -> Scan {
    let mut from = 0;
    while let Some(hit) = memchr::memchr(SYNC_BYTE, buf.get(from..).unwrap_or(&[])) {
        let candidate = from + hit;
        let mut confirmed = true;
        for k in 1..SYNC_CONFIRM_PACKETS {
            match buf.get(candidate + k * TS_PACKET_SIZE) {
                Some(&SYNC_BYTE) => {}
                Some(_) => {
                    confirmed = false;
                    break;
                }
                // Not ruled out: wait for the bytes that would confirm it.
                None => return Scan::NeedMore(candidate),
            }
        }
        if confirmed {
            return Scan::Found(candidate);
        }
        from = candidate + 1;
    }
    Scan::NeedMore(buf.len())
}

/// Whether `data` is one or more whole packets, each starting with a sync byte.
fn datagram_aligned(data: &[u8]) -> bool {
    let (packets, tail) = data.as_chunks::<TS_PACKET_SIZE>();
    !packets.is_empty() && tail.is_empty() && packets.iter().all(|p| p[0] == SYNC_BYTE)
}

/// Counters describing how clean the byte stream was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FramerStats {
    /// Times alignment was (re)established.
    pub syncs: u64,
    /// Times alignment was lost (a packet boundary without a sync byte).
    pub sync_losses: u64,
    /// Bytes discarded while searching for alignment.
    pub skipped_bytes: u64,
}

/// Stateful splitter from bytes to aligned packets.
#[derive(Debug, Default)]
pub struct Framer {
    /// Synced: a partial packet (< 188 bytes) starting at a boundary.
    /// Not synced: bytes awaiting a confirmed sync offset.
    pending: Vec<u8>,
    synced: bool,
    stats: FramerStats,
}

impl Framer {
    /// A framer that has not yet found alignment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counters so far.
    pub fn stats(&self) -> FramerStats {
        self.stats
    }

    /// Whether the framer is currently aligned.
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// Forgets any partial data and alignment (e.g. when the source changes).
    pub fn reset(&mut self) {
        self.pending.clear();
        self.synced = false;
    }

    /// Feeds bytes; `emit` receives the complete aligned packets in order, in runs as
    /// long as the input allows (so callers can copy a datagram at once).
    pub fn push(&mut self, data: &[u8], emit: &mut impl FnMut(&[[u8; TS_PACKET_SIZE]])) {
        if self.synced {
            self.push_synced(data, emit);
        } else if self.pending.is_empty() && datagram_aligned(data) {
            // A datagram that is whole packets with every sync byte in place is
            // evidence enough: senders align datagrams to packets.
            self.synced = true;
            self.stats.syncs += 1;
            self.push_synced(data, emit);
        } else {
            self.pending.extend_from_slice(data);
            self.resync(emit);
        }
    }

    fn push_synced(&mut self, data: &[u8], emit: &mut impl FnMut(&[[u8; TS_PACKET_SIZE]])) {
        if let Some(rest) = self.run_synced(data, emit) {
            self.pending.clear();
            self.hunt(rest, emit);
        }
    }

    /// Emits the aligned packets of `data` (after completing a partial one in `pending`) and
    /// keeps a partial last packet. Where a boundary has no sync byte, alignment is lost: the
    /// bytes after that boundary's first byte are returned, to be searched anew.
    fn run_synced<'d>(
        &mut self,
        mut data: &'d [u8],
        emit: &mut impl FnMut(&[[u8; TS_PACKET_SIZE]]),
    ) -> Option<&'d [u8]> {
        if !self.pending.is_empty() {
            let need = TS_PACKET_SIZE - self.pending.len();
            let Some((head, rest)) = data.split_at_checked(need) else {
                self.pending.extend_from_slice(data);
                return None;
            };
            self.pending.extend_from_slice(head);
            data = rest;
            let mut packet = [0u8; TS_PACKET_SIZE];
            packet.copy_from_slice(&self.pending);
            self.pending.clear();
            emit(std::slice::from_ref(&packet));
        }
        let (packets, tail) = data.as_chunks::<TS_PACKET_SIZE>();
        let aligned = packets.iter().take_while(|p| p[0] == SYNC_BYTE).count();
        if aligned > 0 {
            emit(packets.get(..aligned).unwrap_or(&[]));
        }
        if aligned < packets.len() {
            return Some(data.get(aligned * TS_PACKET_SIZE + 1..).unwrap_or(&[]));
        }
        match tail.first() {
            None => None,
            Some(&SYNC_BYTE) => {
                self.pending.extend_from_slice(tail);
                None
            }
            Some(_) => Some(tail.get(1..).unwrap_or(&[])),
        }
    }

    /// Searches `data` for alignment after a loss, frames from there, and again after every
    /// further loss, in one pass over `data`: a loop over offsets, never a copy of the rest per
    /// loss (a stream that loses sync every few packets would otherwise cost its length times
    /// the number of losses in memory and time, found by the `eit` fuzz target). `pending` is
    /// empty on entry; bytes that may still start a packet stay there for the next push.
    fn hunt(&mut self, mut data: &[u8], emit: &mut impl FnMut(&[[u8; TS_PACKET_SIZE]])) {
        self.synced = false;
        self.stats.sync_losses += 1;
        self.stats.skipped_bytes += 1;
        self.search(&mut data, emit);
    }

    fn search(&mut self, data: &mut &[u8], emit: &mut impl FnMut(&[[u8; TS_PACKET_SIZE]])) {
        loop {
            match scan(data) {
                Scan::NeedMore(drop) => {
                    self.stats.skipped_bytes += drop as u64;
                    self.pending.extend_from_slice(data.get(drop..).unwrap_or(&[]));
                    return;
                }
                Scan::Found(offset) => {
                    self.stats.skipped_bytes += offset as u64;
                    self.stats.syncs += 1;
                    self.synced = true;
                    match self.run_synced(data.get(offset..).unwrap_or(&[]), emit) {
                        None => return,
                        Some(rest) => {
                            self.synced = false;
                            self.stats.sync_losses += 1;
                            self.stats.skipped_bytes += 1;
                            *data = rest;
                        }
                    }
                }
            }
        }
    }

    /// Not aligned: searches the bytes gathered in `pending`.
    fn resync(&mut self, emit: &mut impl FnMut(&[[u8; TS_PACKET_SIZE]])) {
        let buf = std::mem::take(&mut self.pending);
        self.search(&mut buf.as_slice(), emit);
        if self.pending.is_empty() {
            // Keep the allocation for the next partial packet.
            let mut buf = buf;
            buf.clear();
            self.pending = buf;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..n {
            let mut p = [0u8; TS_PACKET_SIZE];
            p[0] = SYNC_BYTE;
            p[1] = 0x01;
            p[3] = 0x10 | (i % 16) as u8;
            p[4] = i as u8;
            out.extend_from_slice(&p);
        }
        out
    }

    fn collect(framer: &mut Framer, chunks: &[&[u8]]) -> Vec<[u8; TS_PACKET_SIZE]> {
        let mut out = Vec::new();
        for c in chunks {
            framer.push(c, &mut |run| out.extend_from_slice(run));
        }
        out
    }

    #[test]
    fn aligned_input_passes_through() {
        let data = stream(7);
        let mut f = Framer::new();
        let got = collect(&mut f, &[&data]);
        assert_eq!(got.len(), 7);
        assert_eq!(got.concat(), data);
        assert_eq!(f.stats().skipped_bytes, 0);
    }

    #[test]
    fn resyncs_after_leading_garbage() {
        let mut data = vec![0x47, 0x00, 0x47, 0x12, 0x99];
        data.extend(stream(5));
        let mut f = Framer::new();
        let got = collect(&mut f, &[&data]);
        assert_eq!(got.len(), 5);
        assert_eq!(f.stats().skipped_bytes, 5);
        assert_eq!(got[0][4], 0);
    }

    #[test]
    fn arbitrary_splits_reassemble() {
        let data = stream(20);
        let mut f = Framer::new();
        let chunks: Vec<&[u8]> = data.chunks(100).collect();
        let got = collect(&mut f, &chunks);
        assert_eq!(got.concat(), data);
    }

    #[test]
    fn lost_sync_midstream_recovers() {
        let mut data = stream(4);
        data.extend_from_slice(&[1, 2, 3]); // 3 stray bytes shift alignment
        data.extend(stream(6));
        let mut f = Framer::new();
        let got = collect(&mut f, &[&data[..500], &data[500..]]);
        assert_eq!(got.len(), 10);
        assert_eq!(f.stats().sync_losses, 1);
        assert_eq!(f.stats().skipped_bytes, 3);
    }

    #[test]
    fn whole_aligned_datagram_syncs_at_once() {
        let data = stream(1);
        let mut f = Framer::new();
        assert_eq!(collect(&mut f, &[&data]).len(), 1);
        assert!(f.is_synced());
        // A datagram starting mid-packet still needs confirmation.
        let mut f = Framer::new();
        assert!(collect(&mut f, &[&data[1..]]).is_empty());
        assert!(!f.is_synced());
    }

    #[test]
    fn find_sync_needs_confirmation() {
        let data = stream(3);
        assert_eq!(find_sync(&data), Some(0));
        assert_eq!(find_sync(&data[..2 * TS_PACKET_SIZE]), None);
        assert_eq!(find_sync(&[0u8; 1000]), None);
    }
}
