// SPDX-License-Identifier: GPL-3.0-or-later
//! The live channel's timeshift window: how large its tap's ring grows, and the arithmetic of
//! reading it behind live. Timeshift is a property of the tap, not a mode: the ring the live
//! picture reads anyway keeps the last minute, so pause and rewind cost no extra zap step.
//!
//! ```text
//!  live tap ring:  [ oldest keyframe ............................... head ]  <- datagrams
//!                        ^ buffered extent            ^ a consumer `delay` behind live
//!  a consumer behind live is fed what had arrived `delay` ago, at the pace it arrived, so the
//!  pipeline sees live timing (appsrc timestamps on arrival) shifted by the delay.
//! ```
//! Sizing: once the tap has measured the channel's bitrate, a live tap's ring grows to hold
//! `seconds` of it plus a margin, within `ram_bytes`; a tap that lost its consumer (a zap away)
//! shrinks back to the zap-sized ring after [`SHRINK_AFTER`], so each zap starts a fresh window
//! and hot channels never hold a minute each. Growing is one copy of the small ring on the tap's
//! receive thread, a second after the zap: the zap itself does not pay for it.

use crate::mpegts::TS_PACKET_SIZE;
use std::time::Duration;

/// A tap without consumer for this long gives its window back (a seek re-attaches within
/// milliseconds, a zap away does not come back).
pub const SHRINK_AFTER: Duration = Duration::from_secs(3);
/// Extra seconds held beyond the window, so the oldest keyframe of a full window is still
/// `seconds` old (one GOP of up to 5 s).
const MARGIN_S: u64 = 5;

/// How much the live channel keeps (config `timeshift`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeshiftSettings {
    /// Seconds of the live channel kept in RAM (at its measured bitrate).
    pub seconds: u64,
    /// The most RAM one window may take, in bytes.
    pub ram_bytes: u64,
    /// Where the window spills to disk beyond the RAM part (`None`: RAM only).
    pub disk: Option<super::spill::DiskSettings>,
}

impl Default for TimeshiftSettings {
    fn default() -> Self {
        Self {
            seconds: 60,
            ram_bytes: 64 << 20,
            disk: None,
        }
    }
}

impl TimeshiftSettings {
    /// Ring capacity in packets for a live channel at `bps`, never below `floor_packets` (the
    /// zap-sized ring every tap starts with).
    pub fn window_packets(&self, bps: u64, floor_packets: usize) -> usize {
        let bytes = (bps / 8).saturating_mul(self.seconds.saturating_add(MARGIN_S));
        let bytes = bytes.min(self.ram_bytes);
        usize::try_from(bytes / TS_PACKET_SIZE as u64)
            .unwrap_or(usize::MAX)
            .max(floor_packets)
    }
}

/// Microseconds since `epoch` (the tap's arrival clock).
pub fn micros_since(epoch: std::time::Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_bitrate_within_the_cap() {
        let s = TimeshiftSettings::default();
        // 4 Mbit/s: 65 s are 32.5 MB, under the 64 MiB cap.
        assert_eq!(s.window_packets(4_000_000, 1000), 32_500_000 / 188);
        // 20 Mbit/s would need 162 MB: the cap wins.
        assert_eq!(s.window_packets(20_000_000, 1000), (64 << 20) / 188);
        // A trickle never shrinks below the zap ring.
        assert_eq!(s.window_packets(1_000, 40_000), 40_000);
    }
}
