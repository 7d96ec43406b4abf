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
    /// How often a tap's receive thread wakes at most while data flows: each wake takes every
    /// datagram queued on the socket at once (see [`WAKE_EVERY`]). Zero: a wake per datagram.
    pub wake_every: Duration,
    /// HLS channels keep a window too (their segments fetched beside the live picture's own
    /// pipeline, see `hls_input`).
    pub ott: bool,
}

/// The receive thread's wake interval while data flows. A wake per datagram (150 a second for a
/// 1.5 Mbit/s channel, 1,900 for 20 Mbit/s) made the scheduler's context switches most of the
/// always-on buffer's cost (`perf`: `finish_task_switch` and the wake-ups led the thread's
/// profile; the ring, the arrival index and the stream parsing were a few percent of it). Waking
/// every 25 ms (the receive thread's poll interval) takes the queued datagrams in one go and hands
/// the pipeline one buffer instead of several: `bench timeline --buffer-only` measured 0.93 % of
/// one core against 2.39 % waking per datagram (10 ms: 1.83 %). The socket's receive buffer holds
/// far more than 25 ms of any channel, and live is fed at most 25 ms later, well inside the
/// pipeline's latency.
pub const WAKE_EVERY: Duration = Duration::from_millis(25);

impl Default for TimeshiftSettings {
    fn default() -> Self {
        Self {
            seconds: 60,
            ram_bytes: 64 << 20,
            disk: None,
            wake_every: WAKE_EVERY,
            ott: true,
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
