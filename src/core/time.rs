// SPDX-License-Identifier: GPL-3.0-or-later
//! Time as an input: the shell reads the clocks and passes a [`Now`] with every event.
//!
//! Two clocks, two jobs. Durations and timers (banner, retries, zap time, hot-channel linger,
//! guide refresh) are monotonic: the shell's timer thread waits on the monotonic clock, so a
//! wall-clock step neither fires them early nor holds them back. What is a point in wall-clock
//! time (the clock on screen, the guide's "now", now/next, the red line) is computed from
//! [`Now::utc_ms`] at every view, so it follows a step at the next render. What the core *keeps*
//! in wall-clock time is shifted by the step when the shell reports one
//! ([`Event::ClockStepped`](super::Event::ClockStepped)): the guide grid's position relative to
//! "now" and the end of a PIN lockout (a lockout is a duration, and must stay one across a step).

use super::guide_grid::{GUIDE_STEP_S, floor_step};
use super::{Core, Effect, Screen};

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

impl Core {
    /// The wall clock jumped by `by_ms` (`now` is after the jump): what is kept in wall-clock time
    /// moves with it.
    pub(super) fn clock_stepped(&mut self, by_ms: i64, now: Now, fx: &mut Vec<Effect>) {
        log::info!("the wall clock was set: {:+} s", by_ms / 1000);
        if let Screen::Guide(nav) = &mut self.screen {
            // The grid keeps its place relative to "now" in whole columns: at "now" if it was
            // there. Counted in columns, not by adding the step to its start, because a measured
            // step is never exact: an hour forward measured as 3,599.997 s would land the grid a
            // column before the new "now".
            let now_s = now.utc_ms.div_euclid(1000);
            let was_s = (now.utc_ms - by_ms).div_euclid(1000);
            let columns = (floor_step(nav.from_s) - floor_step(was_s)).div_euclid(GUIDE_STEP_S);
            nav.from_s = floor_step(now_s) + columns * GUIDE_STEP_S;
            nav.focus_s = nav.focus_s.saturating_add((by_ms + 500).div_euclid(1000));
        }
        if let Some(until) = self.saved.parental.pin_locked_until_ms.as_mut() {
            *until = until.saturating_add(by_ms);
            fx.push(Effect::SaveState(Box::new(self.saved.clone())));
        }
    }
}
