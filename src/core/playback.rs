// SPDX-License-Identifier: GPL-3.0-or-later
//! The playback phase of one tune request and the recovery policy: which source to try next and
//! how long to wait. Pure: the shell supplies time and fires the timers asked for.
//!
//! ```text
//!   Tuning --FirstFrame--> Playing --Stalled--> Stalled --Resumed--> Playing
//!     |                       ^                    | (stall lasts)
//!     | Failed                | FirstFrame         v
//!     +-----------------> Retrying{n} <--------- rebuild
//!                             | every source permanently unplayable
//!                             v
//!                          Failed{reason}
//! ```

use super::event::{ErrorKind, PlayerError};

/// Identifies one tune request; increases with every zap and every retry of a zap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RequestId(pub u64);

/// Where a tune request stands, as the player reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the first frame.
    Tuning,
    /// Frames are shown.
    Playing,
    /// No data: the last frame is frozen; the player keeps listening.
    Stalled,
    /// A new attempt after a failure or a long stall (1-based).
    Retrying { attempt: u32 },
    /// No source of this channel can be played on this box; retrying will not help.
    Failed { reason: String },
    /// A locked channel waits for the PIN; nothing plays.
    Locked,
}

/// How long a stall may last before the pipeline is rebuilt.
pub const STALL_ESCALATE_MS: u64 = 3_000;
/// The same for HLS, DASH and HTTP. Their pipelines fetch the stream themselves and keep asking
/// the origin during a stall: a live playlist that starts updating again is picked up at its live
/// edge by the running pipeline (hlsdemux2 played smoothly again 1.0–1.2 s after the playlist
/// moved in `tests/player.rs`'s HLS faults), while a rebuild would start again three segments
/// behind the stalled edge and show the viewer the seconds already seen. A stall that lasts is still rebuilt: an origin restarted
/// with a new media sequence is never picked up by the old pipeline.
pub const STALL_ESCALATE_OTT_MS: u64 = 6_000;

/// How long a multicast or RTP request may go without a picture and without any failure or stall
/// report before its pipeline is rebuilt. A cold join waits for the next keyframe (GOPs of up to
/// 5 s are common); beyond that the pipeline itself is stuck: GStreamer 1.22's decodebin3 now and
/// then never links the video output of a stream it saw begin (`bench memory` met one in 126 zaps,
/// with `gst_stream_get_stream_id: assertion 'GST_IS_STREAM (stream)' failed` on stderr), and a
/// set-top box must get out of that by itself, as the stall watchdog does for a silent group.
pub const FIRST_PICTURE_MS: u64 = 8_000;
/// The same for HLS, DASH and HTTP, which fetch a playlist and a whole segment first.
pub const FIRST_PICTURE_OTT_MS: u64 = 15_000;

/// Delay before retry `attempt` (1-based): quick first, then doubling, capped so a channel that comes back
/// is found again within a few seconds.
pub fn retry_delay_ms(attempt: u32) -> u64 {
    const FIRST_MS: u64 = 250;
    const CAP_MS: u64 = 8_000;
    FIRST_MS
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(16))
        .min(CAP_MS)
}

/// The recovery bookkeeping of one selected channel (all its attempts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempts {
    /// Index of the source being played.
    pub source: usize,
    /// Failed attempts so far (0 while the first attempt is running).
    pub failures: u32,
    /// Sources that can never play here.
    pub unplayable: Vec<bool>,
    /// Sources that showed a picture during this tune: an error they report later (a typefinder
    /// that got no data from an origin answering 404s says "not enough data") is never
    /// taken to mean the box cannot play them.
    pub played: Vec<bool>,
    /// The last request whose failure was counted.
    pub failed_request: Option<RequestId>,
}

impl Attempts {
    pub fn new(source_count: usize) -> Self {
        Self {
            source: 0,
            failures: 0,
            unplayable: vec![false; source_count],
            played: vec![false; source_count],
            failed_request: None,
        }
    }

    /// The current source showed a picture.
    pub fn played(&mut self) {
        self.failures = 0;
        if let Some(flag) = self.played.get_mut(self.source) {
            *flag = true;
        }
    }

    /// Records a failure of the current source and picks the source for the next attempt:
    /// the next playable one in order (wrapping), or `None` when none is left.
    pub fn fail(&mut self, error: &PlayerError) -> Option<usize> {
        self.failures += 1;
        let played = self.played.get(self.source).copied().unwrap_or(false);
        if error.kind.is_permanent()
            && !played
            && let Some(flag) = self.unplayable.get_mut(self.source)
        {
            *flag = true;
        }
        let count = self.unplayable.len();
        let rotate = error.kind != ErrorKind::Network;
        let start = if rotate { self.source + 1 } else { self.source };
        let next = (0..count)
            .map(|offset| (start + offset) % count)
            .find(|&i| !self.unplayable[i])?;
        self.source = next;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_and_caps() {
        let delays: Vec<u64> = (1..=8).map(retry_delay_ms).collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(retry_delay_ms(u32::MAX), 8000);
    }

    fn error(kind: ErrorKind) -> PlayerError {
        PlayerError {
            kind,
            detail: String::new(),
        }
    }

    #[test]
    fn network_errors_stay_on_the_source_other_errors_rotate() {
        let mut a = Attempts::new(3);
        assert_eq!(a.fail(&error(ErrorKind::Network)), Some(0));
        assert_eq!(a.fail(&error(ErrorKind::Stream)), Some(1));
        assert_eq!(a.fail(&error(ErrorKind::Stream)), Some(2));
        assert_eq!(a.fail(&error(ErrorKind::Stream)), Some(0));
        assert_eq!(a.failures, 4);
    }

    #[test]
    fn permanently_unplayable_sources_are_skipped_until_none_is_left() {
        let mut a = Attempts::new(2);
        assert_eq!(a.fail(&error(ErrorKind::Unsupported)), Some(1));
        assert_eq!(a.fail(&error(ErrorKind::Stream)), Some(1));
        assert_eq!(a.fail(&error(ErrorKind::Unsupported)), None);
    }
}
