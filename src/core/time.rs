// SPDX-License-Identifier: GPL-3.0-or-later
//! Time as an input: the shell reads the clocks and passes a [`Now`] with every event.

/// The two clocks the core needs, read by the shell at the moment an event is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Now {
    /// Monotonic milliseconds since an arbitrary start: for durations such as zap time.
    pub monotonic_ms: u64,
    /// Wall-clock milliseconds since the Unix epoch (UTC): for the guide and the clock on screen.
    pub utc_ms: i64,
}

impl Now {
    /// A `Now` where both clocks read the given milliseconds (handy in tests).
    pub fn at_ms(ms: u64) -> Self {
        Self {
            monotonic_ms: ms,
            utc_ms: ms as i64,
        }
    }
}
