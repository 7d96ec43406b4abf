// SPDX-License-Identifier: GPL-3.0-or-later
//! `Arrivals`: when each part of a ring arrived, as a sparse index of (ring position, arrival
//! time) marks. Timeshift addresses the buffer by wall-clock time, never by PTS: PTS wraps every
//! 26.5 h and jumps when a sender restarts, arrival time does neither.
//!
//! A mark `(position, t)` says every packet before `position` had arrived by `t`. Marks are taken
//! at most every [`MARK_EVERY_US`], so a lookup is exact to that granularity, and the index of a
//! 60 s window is a few thousand entries whatever the bitrate. Pure: the caller supplies the times
//! (microseconds on any monotonic clock) and prunes with the ring's oldest position.

use std::collections::VecDeque;

/// Smallest spacing between two marks, in microseconds.
pub const MARK_EVERY_US: u64 = 20_000;
/// Marks kept at most (a day at the smallest spacing would be 4.3 million; a ring never holds
/// that long, and this bounds the index whatever the caller does).
pub const MAX_MARKS: usize = 1 << 18;

/// The arrival index of one ring.
#[derive(Debug, Default, Clone)]
pub struct Arrivals {
    marks: VecDeque<(u64, u64)>,
}

impl Arrivals {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that every packet before `head` had arrived by `t_us`. Marks closer than
    /// [`MARK_EVERY_US`] to the last one only move its position forward.
    pub fn note(&mut self, head: u64, t_us: u64) {
        match self.marks.back_mut() {
            Some((pos, _)) if head <= *pos => {}
            Some((pos, at)) if t_us < at.saturating_add(MARK_EVERY_US) => *pos = head,
            _ => {
                if self.marks.len() == MAX_MARKS {
                    self.marks.pop_front();
                }
                self.marks.push_back((head, t_us));
            }
        }
    }

    /// Forgets marks that only describe positions before `oldest` (keeping the one that covers it).
    pub fn prune(&mut self, oldest: u64) {
        while self.marks.get(1).is_some_and(|&(pos, _)| pos <= oldest) {
            self.marks.pop_front();
        }
    }

    /// When the packet at `position` had arrived (the first mark past it); `None` when it has not
    /// arrived yet or lies before the index.
    pub fn time_of(&self, position: u64) -> Option<u64> {
        let at = self.marks.partition_point(|&(pos, _)| pos <= position);
        self.marks.get(at).map(|&(_, t)| t)
    }

    /// The end of what had arrived by `t_us`: every packet before the returned position had.
    /// `None` when nothing indexed had arrived by then.
    pub fn position_at(&self, t_us: u64) -> Option<u64> {
        let at = self.marks.partition_point(|&(_, t)| t <= t_us);
        at.checked_sub(1)
            .and_then(|i| self.marks.get(i))
            .map(|&(pos, _)| pos)
    }

    /// Marks held (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 packets every 10 ms for one second.
    fn steady() -> Arrivals {
        let mut a = Arrivals::new();
        for i in 1..=100u64 {
            a.note(i * 10, i * 10_000);
        }
        a
    }

    #[test]
    fn marks_are_sparse_but_exact_at_their_spacing() {
        let a = steady();
        assert_eq!(a.len(), 50, "one mark per 20 ms");
        // Packet 0..10 arrived at 10 ms, merged into the mark taken at 10 ms that covers up to 20.
        assert_eq!(a.time_of(0), Some(10_000));
        assert_eq!(a.time_of(25), Some(30_000));
        assert_eq!(a.time_of(999), Some(990_000));
        assert_eq!(a.time_of(1000), None, "not arrived yet");
    }

    #[test]
    fn position_at_is_what_had_arrived() {
        let a = steady();
        assert_eq!(a.position_at(5_000), None);
        assert_eq!(a.position_at(10_000), Some(20));
        assert_eq!(a.position_at(515_000), Some(520));
        assert_eq!(a.position_at(u64::MAX), Some(1000));
        // Round trip: a packet's arrival time gives a position past it.
        for p in [0, 7, 333, 998] {
            let t = a.time_of(p).unwrap();
            assert!(a.position_at(t).unwrap() > p);
        }
    }

    #[test]
    fn prune_keeps_the_mark_covering_the_oldest() {
        let mut a = steady();
        a.prune(505);
        assert_eq!(a.time_of(505), Some(510_000));
        assert_eq!(
            a.time_of(100),
            Some(490_000),
            "older positions map to the first mark left"
        );
        assert!(a.len() < 50);
    }

    #[test]
    fn the_index_is_bounded() {
        let mut a = Arrivals::new();
        for i in 1..=(MAX_MARKS as u64 + 10) {
            a.note(i, i * MARK_EVERY_US);
        }
        assert_eq!(a.len(), MAX_MARKS);
        assert_eq!(a.position_at(u64::MAX), Some(MAX_MARKS as u64 + 10));
    }
}
