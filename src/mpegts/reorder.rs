// SPDX-License-Identifier: GPL-3.0-or-later
//! RTP reorder buffer: releases payloads in 16-bit sequence order (with wrap-around)
//! through a small window, gives up on gaps once the window fills (counting losses)
//! and follows a sender restart (a confirmed big sequence jump or a new SSRC).
//!
//! Owns ordering only; must not depend on sockets, clocks (timeouts are the caller's:
//! it calls `flush`) or on what the payload is.

use super::rtp::{RtpError, parse_rtp};

/// Default window in packets (~45 ms at 20 Mbit/s with 7 TS packets per datagram).
pub const DEFAULT_WINDOW: usize = 32;
/// Packets this far behind the expected one are late or duplicate, not a restart.
pub const MAX_MISORDER: u16 = 100;
/// Forward jumps up to this are losses; beyond it the sender probably restarted.
pub const MAX_DROPOUT: u16 = 3000;

/// Reorder counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtpStats {
    /// Valid RTP packets received.
    pub received: u64,
    /// Payloads released in order.
    pub released: u64,
    /// Sequence numbers given up on.
    pub lost: u64,
    /// Packets arriving after their slot was released or given up (or repeated).
    pub late: u64,
    /// Packets whose sequence number was already buffered.
    pub duplicates: u64,
    /// Packets that arrived after a successor and were put back in order.
    pub reordered: u64,
    /// Sender restarts followed (big jump confirmed, or SSRC change).
    pub restarts: u64,
    /// Single packets with a wild sequence number that no follower confirmed.
    pub strays: u64,
    /// Datagrams that were not valid RTP/MP2T.
    pub invalid: u64,
}

#[derive(Clone, Debug, Default)]
struct Slot {
    filled: bool,
    data: Vec<u8>,
}

/// Reorders RTP payloads by sequence number.
#[derive(Clone, Debug)]
pub struct RtpReorder {
    slots: Vec<Slot>,
    /// Slot index holding `next`.
    head: usize,
    /// Next sequence number to release; `None` before the first packet.
    next: Option<u16>,
    /// Filled slots.
    buffered: usize,
    /// One past the furthest buffered offset from `next`.
    span: usize,
    /// A packet far from `next`, kept until a follower confirms a restart.
    probe: Option<(u16, Vec<u8>)>,
    ssrc: Option<u32>,
    stats: RtpStats,
}

impl RtpReorder {
    /// Buffer with a window of `window` packets (at least 1).
    pub fn new(window: usize) -> Self {
        Self {
            slots: vec![Slot::default(); window.max(1)],
            head: 0,
            next: None,
            buffered: 0,
            span: 0,
            probe: None,
            ssrc: None,
            stats: RtpStats::default(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> RtpStats {
        self.stats
    }

    /// Packets waiting for a predecessor.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// Parses an RTP datagram and inserts its payload; `out` receives every payload
    /// that is now in order.
    pub fn push(&mut self, datagram: &[u8], out: &mut impl FnMut(&[u8])) -> Result<(), RtpError> {
        let packet = parse_rtp(datagram).inspect_err(|_| self.stats.invalid += 1)?;
        self.stats.received += 1;
        let ssrc = packet.header.ssrc;
        if self.ssrc.is_some_and(|old| old != ssrc) {
            self.restart(out);
        }
        self.ssrc = Some(ssrc);
        self.insert(packet.header.sequence, packet.payload, out);
        Ok(())
    }

    /// Inserts a payload by sequence number (for callers that parsed RTP themselves).
    pub fn insert(&mut self, seq: u16, payload: &[u8], out: &mut impl FnMut(&[u8])) {
        let Some(next) = self.next else {
            self.next = Some(seq);
            self.store(0, payload, out);
            return;
        };
        let ahead = seq.wrapping_sub(next);
        let window = self.slots.len();
        if usize::from(ahead) < window {
            self.drop_probe();
            self.store(usize::from(ahead), payload, out);
        } else if ahead < MAX_DROPOUT {
            self.drop_probe();
            self.advance(usize::from(ahead) + 1 - window, out);
            self.store(window - 1, payload, out);
        } else if ahead > u16::MAX - MAX_MISORDER {
            self.stats.late += 1;
        } else {
            self.probe_restart(seq, payload, out);
        }
    }

    /// Releases everything buffered in order, counting holes as lost (the caller
    /// decides when waiting longer is pointless, e.g. no data for a while).
    pub fn flush(&mut self, out: &mut impl FnMut(&[u8])) {
        while self.buffered > 0 {
            self.release_or_lose(out);
        }
        self.span = 0;
    }

    /// Forgets all state except counters (e.g. on a channel change).
    pub fn reset(&mut self) {
        for slot in &mut self.slots {
            slot.filled = false;
        }
        self.head = 0;
        self.next = None;
        self.buffered = 0;
        self.span = 0;
        self.probe = None;
        self.ssrc = None;
    }

    /// A wild sequence number restarts the stream only when a follower confirms it.
    fn probe_restart(&mut self, seq: u16, payload: &[u8], out: &mut impl FnMut(&[u8])) {
        let confirmed = self
            .probe
            .as_ref()
            .is_some_and(|(p, _)| (1..self.slots.len()).contains(&usize::from(seq.wrapping_sub(*p))));
        if !confirmed {
            if self.probe.is_some() {
                self.stats.strays += 1;
            }
            let mut data = self.probe.take().map(|(_, d)| d).unwrap_or_default();
            data.clear();
            data.extend_from_slice(payload);
            self.probe = Some((seq, data));
            return;
        }
        let Some((first, data)) = self.probe.take() else {
            return;
        };
        self.restart(out);
        self.next = Some(first);
        self.store(0, &data, out);
        self.insert(seq, payload, out);
    }

    /// The stream went on as before: the probed packet was a stray.
    fn drop_probe(&mut self) {
        if self.probe.take().is_some() {
            self.stats.strays += 1;
        }
    }

    fn restart(&mut self, out: &mut impl FnMut(&[u8])) {
        self.flush(out);
        self.reset();
        self.stats.restarts += 1;
    }

    /// Puts a payload at `offset` from `next`, then releases what is in order.
    fn store(&mut self, offset: usize, payload: &[u8], out: &mut impl FnMut(&[u8])) {
        if offset == 0 && self.buffered == 0 {
            // In-order fast path: no copy.
            out(payload);
            self.stats.released += 1;
            self.step();
            return;
        }
        let index = (self.head + offset) % self.slots.len();
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.filled {
            self.stats.duplicates += 1;
            return;
        }
        if offset < self.span {
            self.stats.reordered += 1;
        }
        slot.filled = true;
        slot.data.clear();
        slot.data.extend_from_slice(payload);
        self.buffered += 1;
        self.span = self.span.max(offset + 1);
        while self.slots.get(self.head).is_some_and(|s| s.filled) {
            self.release_or_lose(out);
        }
    }

    /// Gives up on `count` sequence numbers from `next`, releasing buffered ones.
    fn advance(&mut self, count: usize, out: &mut impl FnMut(&[u8])) {
        let in_window = count.min(self.slots.len());
        for _ in 0..in_window {
            self.release_or_lose(out);
        }
        let beyond = count - in_window;
        self.stats.lost += beyond as u64;
        self.next = self.next.map(|n| n.wrapping_add(beyond as u16));
        self.head = (self.head + beyond) % self.slots.len();
    }

    /// Releases the head slot if filled, otherwise counts it lost; moves on by one.
    fn release_or_lose(&mut self, out: &mut impl FnMut(&[u8])) {
        match self.slots.get_mut(self.head) {
            Some(slot) if slot.filled => {
                slot.filled = false;
                out(&slot.data);
                self.buffered -= 1;
                self.stats.released += 1;
            }
            _ => self.stats.lost += 1,
        }
        self.step();
    }

    fn step(&mut self) {
        self.head = (self.head + 1) % self.slots.len();
        self.next = self.next.map(|n| n.wrapping_add(1));
        self.span = self.span.saturating_sub(1);
    }
}

impl Default for RtpReorder {
    fn default() -> Self {
        Self::new(DEFAULT_WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::rtp::rtp_header;

    fn datagram(seq: u16, ssrc: u32) -> Vec<u8> {
        let mut d = rtp_header(seq, 0, ssrc).to_vec();
        d.extend_from_slice(&seq.to_be_bytes());
        d
    }

    /// Pushes sequence numbers, returns the released ones in order.
    fn run(r: &mut RtpReorder, seqs: &[u16]) -> Vec<u16> {
        let mut out = Vec::new();
        for &s in seqs {
            r.push(&datagram(s, 1), &mut |p| {
                out.push(u16::from_be_bytes([p[0], p[1]]))
            })
            .unwrap();
        }
        out
    }

    #[test]
    fn in_order_passes_straight_through() {
        let mut r = RtpReorder::new(4);
        assert_eq!(run(&mut r, &[10, 11, 12]), vec![10, 11, 12]);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn reorders_across_wrap() {
        let mut r = RtpReorder::new(8);
        let got = run(&mut r, &[65533, 65535, 65534, 1, 0, 2]);
        assert_eq!(got, vec![65533, 65534, 65535, 0, 1, 2]);
        assert_eq!(r.stats().reordered, 2);
        assert_eq!(r.stats().lost, 0);
    }

    #[test]
    fn gap_given_up_when_window_fills() {
        let mut r = RtpReorder::new(4);
        let got = run(&mut r, &[65534, 0, 1, 2]);
        assert_eq!(got, vec![65534]);
        // 3 is 4 ahead of 65535: the window is full, so 65535 is lost.
        let got = run(&mut r, &[3]);
        assert_eq!(got, vec![0, 1, 2, 3]);
        assert_eq!(r.stats().lost, 1);
        // Too late now.
        assert!(run(&mut r, &[65535]).is_empty());
        assert_eq!(r.stats().late, 1);
    }

    #[test]
    fn big_loss_counted() {
        let mut r = RtpReorder::new(4);
        assert_eq!(run(&mut r, &[100, 200]), vec![100]);
        // 197..=199 could still arrive out of order until the window moves past them.
        assert_eq!(run(&mut r, &[201, 202, 203]), vec![200, 201, 202, 203]);
        assert_eq!(r.stats().lost, 99);
    }

    #[test]
    fn restart_needs_confirmation() {
        let mut r = RtpReorder::new(8);
        run(&mut r, &[1000, 1001]);
        // A lone wild packet is a stray; the stream goes on.
        assert_eq!(run(&mut r, &[40000, 1002]), vec![1002]);
        assert_eq!(r.stats().restarts, 0);
        assert_eq!(r.stats().strays, 1);
        // Two consecutive wild packets are a restart.
        assert_eq!(run(&mut r, &[7, 8, 9]), vec![7, 8, 9]);
        assert_eq!(r.stats().restarts, 1);
        assert_eq!(r.stats().lost, 0);
    }

    #[test]
    fn ssrc_change_restarts() {
        let mut r = RtpReorder::new(8);
        run(&mut r, &[500, 502]);
        let mut out = Vec::new();
        r.push(&datagram(9000, 2), &mut |p| out.push(p.to_vec())).unwrap();
        assert_eq!(out.len(), 2); // 502 flushed, then 9000
        assert_eq!(r.stats().restarts, 1);
        assert_eq!(r.stats().lost, 1); // 501
    }

    #[test]
    fn duplicates_and_flush() {
        let mut r = RtpReorder::new(8);
        assert_eq!(run(&mut r, &[1, 3, 3, 5]), vec![1]);
        assert_eq!(r.stats().duplicates, 1);
        let mut out = Vec::new();
        r.flush(&mut |p| out.push(u16::from_be_bytes([p[0], p[1]])));
        assert_eq!(out, vec![3, 5]);
        assert_eq!(r.stats().lost, 2);
        assert_eq!(run(&mut r, &[6]), vec![6]);
    }

    #[test]
    fn invalid_datagram_counted() {
        let mut r = RtpReorder::default();
        assert!(r.push(&[0x47; 188], &mut |_| {}).is_err());
        assert_eq!(r.stats().invalid, 1);
    }
}
