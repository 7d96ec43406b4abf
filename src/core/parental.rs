// SPDX-License-Identifier: GPL-3.0-or-later
//! Parental control: locked channels (by the operator's configuration or from the menu) ask for
//! the PIN before they play; a right PIN unlocks the channel until standby. The PIN prompt also
//! serves changing the PIN and locking a channel from the menu.

use super::playback::Phase;
use super::{Action, Core, Effect, Notice, Now, pin_lock};
use crate::lineup::ChannelKey;

/// Digits in a PIN.
pub const PIN_LEN: usize = 4;
/// The PIN when neither the configuration nor the viewer set one (as printed in most manuals).
pub const DEFAULT_PIN: &str = "0000";

/// Parental settings from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParentalSettings {
    pub pin: Option<String>,
    pub locked_channels: Vec<ChannelKey>,
    pub locked_groups: Vec<String>,
}

/// Why the PIN is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinPurpose {
    /// Watch this locked channel.
    Unlock(ChannelKey),
    /// Lock or unlock this channel (menu).
    ToggleLock(ChannelKey),
    /// Changing the PIN: the current one first...
    ChangeOld,
    /// ...then the new one...
    ChangeNew,
    /// ...then the new one again.
    ChangeConfirm(String),
}

/// The PIN prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinEntry {
    pub purpose: PinPurpose,
    pub typed: String,
    /// The last attempt was wrong (or the confirmation did not match).
    pub wrong: bool,
}

impl Core {
    /// Whether `typed` is the PIN in force: the viewer's, else the operator's, else the default.
    fn pin_matches(&self, typed: &str) -> bool {
        let saved = &self.saved.parental;
        match (&saved.pin_hash, &saved.pin) {
            (Some(hash), _) => pin_lock::verify_pin(typed, hash),
            (None, Some(clear)) => same(typed, clear),
            (None, None) => same(
                typed,
                self.settings.parental.pin.as_deref().unwrap_or(DEFAULT_PIN),
            ),
        }
    }

    /// Milliseconds the PIN prompt stays locked from `now` (0: open). A lockout end further
    /// away than the longest lockout (the clock was set back) is pulled in.
    pub(super) fn pin_locked_ms(&mut self, now: Now) -> i64 {
        let Some(until) = self.saved.parental.pin_locked_until_ms else {
            return 0;
        };
        let until = until.min(now.utc_ms.saturating_add(pin_lock::MAX_LOCKOUT_MS));
        self.saved.parental.pin_locked_until_ms = Some(until);
        (until - now.utc_ms).max(0)
    }

    /// A wrong PIN: counts it, locks the prompt from the fifth in a row, saves both.
    fn pin_wrong(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let p = &mut self.saved.parental;
        p.failed_pins = p.failed_pins.saturating_add(1);
        let lock = pin_lock::lockout_ms(p.failed_pins);
        if lock > 0 {
            p.pin_locked_until_ms = Some(now.utc_ms.saturating_add(lock));
            self.show_notice(
                Notice::PinLocked {
                    minutes: minutes_of(lock),
                },
                fx,
            );
        }
        fx.push(Effect::SaveState(Box::new(self.saved.clone())));
    }

    /// A right PIN ends the count of wrong ones.
    fn pin_right(&mut self, fx: &mut Vec<Effect>) {
        let p = &mut self.saved.parental;
        if p.failed_pins > 0 || p.pin_locked_until_ms.is_some() {
            (p.failed_pins, p.pin_locked_until_ms) = (0, None);
            fx.push(Effect::SaveState(Box::new(self.saved.clone())));
        }
    }

    /// Whether `key` is locked and not unlocked in this session.
    pub(super) fn needs_pin(&self, key: &ChannelKey) -> bool {
        self.is_locked(key) && !self.unlocked.contains(key)
    }

    /// Whether `key` is locked by the configuration (channel or group) or by the viewer.
    pub(super) fn is_locked(&self, key: &ChannelKey) -> bool {
        let p = &self.settings.parental;
        p.locked_channels.contains(key)
            || self.saved.parental.locked_channels.contains(key)
            || self
                .lineup
                .by_key(key)
                .is_some_and(|c| c.groups.iter().any(|g| p.locked_groups.contains(g)))
    }

    pub(super) fn ask_pin(&mut self, purpose: PinPurpose) {
        self.pin = Some(PinEntry {
            purpose,
            typed: String::new(),
            wrong: false,
        });
    }

    pub(super) fn pin_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        let Some(entry) = self.pin.as_mut() else {
            return;
        };
        match action {
            Action::Digit(d) if d <= 9 => {
                entry.typed.push(char::from(b'0' + d));
                if entry.typed.len() < PIN_LEN {
                    return;
                }
                let checks = !matches!(
                    entry.purpose,
                    PinPurpose::ChangeNew | PinPurpose::ChangeConfirm(_)
                );
                let locked = self.pin_locked_ms(now);
                if checks && locked > 0 {
                    // Not even compared: guessing at the remote must wait out the lockout.
                    if let Some(entry) = self.pin.as_mut() {
                        entry.typed.clear();
                    }
                    self.show_notice(
                        Notice::PinLocked {
                            minutes: minutes_of(locked),
                        },
                        fx,
                    );
                    return;
                }
                self.pin_complete(fx, now);
            }
            Action::Back if entry.typed.is_empty() => self.pin = None,
            Action::Back => {
                entry.typed.pop();
            }
            _ => {}
        }
    }

    fn pin_complete(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some(entry) = self.pin.take() else {
            return;
        };
        let checks = !matches!(
            entry.purpose,
            PinPurpose::ChangeNew | PinPurpose::ChangeConfirm(_)
        );
        let right = checks && self.pin_matches(&entry.typed);
        if checks {
            if right {
                self.pin_right(fx);
            } else {
                self.pin_wrong(fx, now);
            }
        }
        let again = |purpose| PinEntry {
            purpose,
            typed: String::new(),
            wrong: true,
        };
        match entry.purpose {
            PinPurpose::ChangeNew => {
                self.pin = Some(PinEntry {
                    purpose: PinPurpose::ChangeConfirm(entry.typed),
                    typed: String::new(),
                    wrong: false,
                });
            }
            PinPurpose::ChangeConfirm(new) if new == entry.typed => {
                // Salted with the time of the change: unique per box and change, and pure.
                let salt = now.utc_ms as u64 ^ now.monotonic_ms.rotate_left(32);
                self.saved.parental.pin_hash = pin_lock::hash_pin(&new, salt);
                self.saved.parental.pin = None;
                fx.push(Effect::SaveState(Box::new(self.saved.clone())));
                self.show_notice(Notice::PinChanged, fx);
            }
            PinPurpose::ChangeConfirm(_) => self.pin = Some(again(PinPurpose::ChangeNew)),
            purpose if !right => self.pin = Some(again(purpose)),
            PinPurpose::ChangeOld => self.ask_pin(PinPurpose::ChangeNew),
            PinPurpose::Unlock(key) => {
                self.unlocked.insert(key.clone());
                self.unlock_tune(&key, fx, now);
            }
            PinPurpose::ToggleLock(key) => {
                let locks = &mut self.saved.parental.locked_channels;
                match locks.iter().position(|k| *k == key) {
                    Some(at) => {
                        locks.remove(at);
                    }
                    None => locks.push(key.clone()),
                }
                self.unlocked.insert(key);
                fx.push(Effect::SaveState(Box::new(self.saved.clone())));
            }
        }
    }

    /// The PIN was right: play the locked channel that waits for it.
    fn unlock_tune(&mut self, key: &ChannelKey, fx: &mut Vec<Effect>, now: Now) {
        let waiting = self
            .tune
            .as_mut()
            .filter(|t| &t.channel == key && t.phase == Phase::Locked);
        if let Some(tune) = waiting {
            tune.phase = Phase::Tuning;
            tune.asked_at_ms = Some(now.monotonic_ms);
            self.play_current_source(fx);
        }
    }
}

/// Compares two PINs in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whole minutes, rounded up, for the notice.
fn minutes_of(ms: i64) -> u32 {
    u32::try_from((ms + 59_999) / 60_000).unwrap_or(u32::MAX)
}
