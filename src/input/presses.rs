// SPDX-License-Identifier: GPL-3.0-or-later
//! Press, repeat and long press: turns one device's key events (value 1 press, 2 kernel autorepeat,
//! 0 release) into actions. Pure: times are the kernel's event timestamps in milliseconds, and "now" for
//! [`Presses::tick`] is passed in, so recorded sequences replay exactly in tests. No device access here.
//!
//! Rules (Enigma2's make/repeat/break/long model):
//! - A key without a long binding acts on press; with one, it acts on release (short) or once when held
//!   `long_press_ms` (long; the release then does nothing). A long press is noticed on a repeat, on a
//!   [`Presses::tick`] at [`Presses::deadline`], or at the latest on the release.
//! - Repeats: `none` ignores them, `each` repeats the action, `throttled` lets one through per
//!   `throttle_ms`. Channel keys are throttled rather than acted on at release: the viewer sees the channel
//!   change while holding, and a zap (an IGMP leave and join) at most every 500 ms instead of every 125 ms.
//! - Devices without kernel autorepeat (no `EV_REP`) get repeats made up from time, on ticks.
//! - Remotes hold one key at a time: a new press ends the held key as if released at that moment.

use super::keymap::{Binding, Keymap, Repeat};
use crate::core::Action;

/// The held key of one device.
#[derive(Debug, Clone, Copy)]
struct Held {
    code: u16,
    binding: Binding,
    since_ms: u64,
    last_action_ms: u64,
    long_done: bool,
    /// When the next made-up repeat is due (devices without autorepeat only).
    next_repeat_ms: Option<u64>,
}

/// Press/repeat/long-press state of one input device.
#[derive(Debug, Clone, Default)]
pub struct Presses {
    held: Option<Held>,
    /// The device has no kernel autorepeat, so repeats are made up from time.
    make_repeats: bool,
}

impl Presses {
    /// State for a device; `kernel_repeats` is whether it has `EV_REP`.
    pub fn new(kernel_repeats: bool) -> Self {
        Self {
            held: None,
            make_repeats: !kernel_repeats,
        }
    }

    /// One `EV_KEY` event; actions go to `out`.
    pub fn key(&mut self, keymap: &Keymap, code: u16, value: i32, at_ms: u64, out: &mut Vec<Action>) {
        match value {
            1 => self.press(keymap, code, at_ms, out),
            2 => self.repeat(keymap, code, at_ms, out),
            0 if self.held.is_some_and(|h| h.code == code) => self.release(keymap, at_ms, out),
            _ => {}
        }
    }

    /// Time passed without events: long presses and made-up repeats that are due by `now_ms`.
    pub fn tick(&mut self, keymap: &Keymap, now_ms: u64, out: &mut Vec<Action>) {
        let Some(held) = self.held else { return };
        if self.long_due(keymap, &held, now_ms) {
            self.fire_long(out);
        }
        while let Some(held) = self.held
            && let Some(due) = held.next_repeat_ms
            && due <= now_ms
        {
            self.repeat_action(keymap, due, out);
            if let Some(h) = &mut self.held {
                h.next_repeat_ms = Some(due + keymap.timing.repeat_period_ms.max(1));
            }
        }
    }

    /// When [`Presses::tick`] next has something to do, in event time.
    pub fn deadline(&self, keymap: &Keymap) -> Option<u64> {
        let held = self.held?;
        let long = (held.binding.long.is_some() && !held.long_done)
            .then(|| held.since_ms + keymap.timing.long_press_ms);
        match (long, held.next_repeat_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether a key is held (so [`Presses::deadline`] may come).
    pub fn is_holding(&self) -> bool {
        self.held.is_some()
    }

    fn press(&mut self, keymap: &Keymap, code: u16, at_ms: u64, out: &mut Vec<Action>) {
        if self.held.is_some() {
            self.release(keymap, at_ms, out);
        }
        let Some(binding) = keymap.binding(code).copied() else {
            return;
        };
        let makes_repeats = self.make_repeats && binding.repeat != Repeat::None;
        self.held = Some(Held {
            code,
            binding,
            since_ms: at_ms,
            last_action_ms: at_ms,
            long_done: false,
            next_repeat_ms: makes_repeats.then(|| at_ms + keymap.timing.repeat_delay_ms),
        });
        if binding.long.is_none() {
            out.extend(binding.press);
        }
    }

    fn repeat(&mut self, keymap: &Keymap, code: u16, at_ms: u64, out: &mut Vec<Action>) {
        let Some(held) = self.held.filter(|h| h.code == code) else {
            return;
        };
        if self.long_due(keymap, &held, at_ms) {
            self.fire_long(out);
        } else if held.next_repeat_ms.is_none() {
            self.repeat_action(keymap, at_ms, out);
        }
    }

    fn repeat_action(&mut self, keymap: &Keymap, at_ms: u64, out: &mut Vec<Action>) {
        let Some(held) = &mut self.held else { return };
        let due = match held.binding.repeat {
            Repeat::None => false,
            Repeat::Each => true,
            Repeat::Throttled => at_ms.saturating_sub(held.last_action_ms) >= keymap.timing.throttle_ms,
        };
        if due && held.binding.long.is_none() {
            held.last_action_ms = at_ms;
            out.extend(held.binding.press);
        }
    }

    fn release(&mut self, keymap: &Keymap, at_ms: u64, out: &mut Vec<Action>) {
        let Some(held) = self.held.take() else { return };
        if held.binding.long.is_some() && !held.long_done {
            if at_ms.saturating_sub(held.since_ms) >= keymap.timing.long_press_ms {
                out.extend(held.binding.long);
            } else {
                out.extend(held.binding.press);
            }
        }
    }

    fn long_due(&self, keymap: &Keymap, held: &Held, at_ms: u64) -> bool {
        held.binding.long.is_some()
            && !held.long_done
            && at_ms.saturating_sub(held.since_ms) >= keymap.timing.long_press_ms
    }

    fn fire_long(&mut self, out: &mut Vec<Action>) {
        if let Some(held) = &mut self.held {
            held.long_done = true;
            out.extend(held.binding.long);
        }
    }
}

/// A token bucket over event time: at most `per_second` actions on average, `burst` at once. Keeps a flood
/// of key events (a stuck or malicious device, 1,000 keys a second) from flooding the dispatch loop.
#[derive(Debug, Clone)]
pub struct Budget {
    per_second: u32,
    burst: u32,
    /// Tokens times 1,000, so refills stay integers.
    milli_tokens: u64,
    last_ms: u64,
}

impl Budget {
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second,
            burst: burst.max(1),
            milli_tokens: u64::from(burst.max(1)) * 1000,
            last_ms: 0,
        }
    }

    /// Whether one more action may pass at `at_ms`.
    pub fn allow(&mut self, at_ms: u64) -> bool {
        let elapsed = at_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(at_ms);
        let cap = u64::from(self.burst) * 1000;
        self.milli_tokens = (self.milli_tokens + elapsed * u64::from(self.per_second)).min(cap);
        if self.milli_tokens >= 1000 {
            self.milli_tokens -= 1000;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
#[path = "presses_tests.rs"]
mod tests;
