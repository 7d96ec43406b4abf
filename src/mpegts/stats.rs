// SPDX-License-Identifier: GPL-3.0-or-later
//! Stream health measurements: continuity-counter errors per PID (respecting the
//! discontinuity indicator and single duplicates) and a PCR-based bitrate estimate.
//!
//! Owns counting only; must not depend on the ring's storage, PSI or any clock
//! (time comes from the stream's own PCR).

use super::packet::{PCR_HZ, PID_COUNT, PID_NULL, TsPacket, pcr_delta};

/// Marks a PID whose counter has not been seen yet.
const CC_UNKNOWN: u8 = 0xff;

#[derive(Clone, Copy, Debug)]
struct PidCc {
    last: u8,
    duplicated: bool,
    errors: u32,
}

impl Default for PidCc {
    fn default() -> Self {
        Self {
            last: CC_UNKNOWN,
            duplicated: false,
            errors: 0,
        }
    }
}

/// Continuity-counter checker for all 8192 PIDs.
#[derive(Clone, Debug)]
pub struct CcTracker {
    pids: Box<[PidCc]>,
    total: u64,
}

impl Default for CcTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl CcTracker {
    /// A tracker that has seen nothing.
    pub fn new() -> Self {
        Self {
            pids: vec![PidCc::default(); PID_COUNT].into_boxed_slice(),
            total: 0,
        }
    }

    /// Checks one packet; returns true when it is a continuity error.
    ///
    /// The counter advances only on packets with payload; one repetition of the last
    /// packet is a legal duplicate; a set discontinuity_indicator resynchronises.
    pub fn check(&mut self, packet: &TsPacket<'_>) -> bool {
        let pid = packet.pid();
        let Some(state) = self.pids.get_mut(usize::from(pid)) else {
            return false;
        };
        if pid == PID_NULL {
            return false;
        }
        let cc = packet.continuity_counter();
        let discontinuity = packet.discontinuity();
        let previous = std::mem::replace(&mut state.last, cc);
        if previous == CC_UNKNOWN || discontinuity {
            state.duplicated = false;
            return false;
        }
        let error = if !packet.has_payload() {
            cc != previous
        } else if cc == previous {
            // The first repeat is a duplicate; a second one is not.
            std::mem::replace(&mut state.duplicated, true)
        } else {
            state.duplicated = false;
            cc != (previous + 1) & 0x0f
        };
        if error {
            state.errors = state.errors.saturating_add(1);
            self.total += 1;
        }
        error
    }

    /// Errors on `pid` so far.
    pub fn errors(&self, pid: u16) -> u64 {
        self.pids.get(usize::from(pid)).map_or(0, |s| u64::from(s.errors))
    }

    /// Errors on all PIDs so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// `(pid, errors)` for every PID with at least one error.
    pub fn pids_with_errors(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        (0..PID_COUNT as u16).filter_map(|pid| Some((pid, self.errors(pid))).filter(|(_, e)| *e > 0))
    }
}

/// Minimum PCR span over which a bitrate is computed (half a second).
const BITRATE_SPAN: u64 = PCR_HZ / 2;
/// PCR steps larger than this (one second) are treated as a jump, not elapsed time.
const MAX_PCR_STEP: u64 = PCR_HZ;

/// Transport stream bitrate from the packets counted between PCRs.
#[derive(Clone, Copy, Debug, Default)]
pub struct PcrBitrate {
    /// PCR and packet count at the start of the current measurement.
    anchor: Option<(u64, u64)>,
    last_pcr: Option<u64>,
    bitrate: Option<u64>,
}

impl PcrBitrate {
    /// Records a PCR seen when `packets` packets (of all PIDs) had been received.
    pub fn on_pcr(&mut self, pcr: u64, packets: u64, discontinuity: bool) {
        let jumped = discontinuity
            || self
                .last_pcr
                .is_none_or(|last| pcr_delta(last, pcr) > MAX_PCR_STEP);
        self.last_pcr = Some(pcr);
        let Some((pcr0, packets0)) = self.anchor.filter(|_| !jumped) else {
            self.anchor = Some((pcr, packets));
            return;
        };
        let ticks = pcr_delta(pcr0, pcr);
        if ticks >= BITRATE_SPAN {
            let bits = u128::from(packets.saturating_sub(packets0)) * 188 * 8;
            let bps = bits * u128::from(PCR_HZ) / u128::from(ticks);
            self.bitrate = u64::try_from(bps).ok();
            self.anchor = Some((pcr, packets));
        }
    }

    /// Last PCR seen (27 MHz ticks).
    pub fn last_pcr(&self) -> Option<u64> {
        self.last_pcr
    }

    /// Latest estimate in bits per second.
    pub fn bitrate(&self) -> Option<u64> {
        self.bitrate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{PacketSpec, ts_packet};

    fn check(t: &mut CcTracker, spec: PacketSpec, payload: bool) -> bool {
        let body: &[u8] = if payload { &[1; 184] } else { &[] };
        let (raw, _) = ts_packet(&spec, body);
        t.check(&TsPacket::new(&raw).unwrap())
    }

    fn spec(cc: u8) -> PacketSpec {
        PacketSpec {
            pid: 0x100,
            cc,
            ..PacketSpec::default()
        }
    }

    #[test]
    fn counts_gaps_only() {
        let mut t = CcTracker::new();
        let errors: Vec<bool> = [0, 1, 2, 4, 5, 15, 0]
            .iter()
            .map(|&cc| check(&mut t, spec(cc), true))
            .collect();
        assert_eq!(errors, vec![false, false, false, true, false, true, false]);
        assert_eq!(t.errors(0x100), 2);
        assert_eq!(t.total(), 2);
        assert_eq!(t.pids_with_errors().collect::<Vec<_>>(), vec![(0x100, 2)]);
    }

    #[test]
    fn one_duplicate_allowed_two_not() {
        let mut t = CcTracker::new();
        let errors: Vec<bool> = [3, 3, 4, 4, 4]
            .iter()
            .map(|&cc| check(&mut t, spec(cc), true))
            .collect();
        assert_eq!(errors, vec![false, false, false, false, true]);
    }

    #[test]
    fn discontinuity_indicator_resyncs() {
        let mut t = CcTracker::new();
        check(&mut t, spec(3), true);
        assert!(!check(
            &mut t,
            PacketSpec {
                discontinuity: true,
                ..spec(9)
            },
            true
        ));
        assert!(!check(&mut t, spec(10), true));
        assert_eq!(t.total(), 0);
    }

    #[test]
    fn adaptation_only_packets_keep_counter() {
        let mut t = CcTracker::new();
        check(&mut t, spec(3), true);
        assert!(!check(&mut t, spec(3), false));
        assert!(!check(&mut t, spec(4), true));
        assert!(check(&mut t, spec(7), false));
    }

    #[test]
    fn bitrate_from_pcr() {
        let mut b = PcrBitrate::default();
        // 10 Mbit/s: 6649 packets per second; PCR every 40 ms.
        let pkts_per_step = 10_000_000 / (188 * 8) / 25;
        for i in 0..50u64 {
            b.on_pcr(i * PCR_HZ / 25, i * pkts_per_step, false);
        }
        let bps = b.bitrate().unwrap();
        assert!((9_900_000..10_100_000).contains(&bps), "{bps}");
    }

    #[test]
    fn pcr_jump_reanchors() {
        let mut b = PcrBitrate::default();
        b.on_pcr(0, 0, false);
        b.on_pcr(PCR_HZ * 100, 10, false); // jump: no estimate from it
        assert_eq!(b.bitrate(), None);
        b.on_pcr(PCR_HZ * 100 + PCR_HZ / 2, 1000, false);
        assert_eq!(b.bitrate(), Some(990 * 188 * 8 * 2));
    }
}
