// SPDX-License-Identifier: GPL-3.0-or-later
//! Hot channels: the channels the box keeps joined besides the live one, so that a zap to them starts
//! from their cached keyframe instead of waiting for a join and the next keyframe.
//!
//! Most zaps go to the next or previous channel or back to the last one (Ramos et al. 2011; Cha et
//! al., IMC 2008). So after every zap the candidates are, in priority order:
//!
//! | zap by | candidates |
//! |---|---|
//! | CH+ / CH− | the next channel in that direction, then the channel just left (also the LAST target) |
//! | LAST | the channel just left, then the next one in the last direction of travel |
//! | number, list, guide | the channel just left, then the next one up |
//!
//! A burst of CH+ moves the window along: each zap lands on the channel joined by the previous one.
//! Every candidate must pass the **stream budget**: at most `max_streams` groups joined including
//! the live one, and at most `max_mbps` by the channels' measured bitrates (a channel never measured
//! counts as [`ASSUMED_BPS`]). A candidate that the network refused (nothing within 300 ms of the
//! join) or whose sender stopped is backed off: skipped for [`BACKOFF_FIRST_MS`], doubling with each
//! refusal up to [`BACKOFF_CAP_MS`]. The hot set is let go `linger_ms` after the last zap, and at
//! once in standby. `max_streams` of 1 turns pre-joining off (Wi-Fi, unknown interface).
//!
//! Pure: the core asks, the player joins and reports.

use super::event::HotLoss;
use crate::lineup::ChannelKey;
use std::collections::HashMap;

/// A channel whose bitrate was never measured counts as an HD stream.
pub const ASSUMED_BPS: u64 = 8_000_000;
/// First back-off after a refusal; doubles with each further refusal of the same channel.
pub const BACKOFF_FIRST_MS: u64 = 30_000;
/// Longest back-off.
pub const BACKOFF_CAP_MS: u64 = 600_000;
/// How many losses the about page lists.
const LOSSES_KEPT: usize = 4;

/// The stream budget and how long hot channels stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotSettings {
    /// Groups joined at most, the live one included (1: no pre-join).
    pub max_streams: u32,
    /// Megabits per second at most, over the live and the hot channels.
    pub max_mbps: u32,
    /// How long hot channels stay after the last zap.
    pub linger_ms: u64,
}

impl Default for HotSettings {
    fn default() -> Self {
        Self {
            max_streams: 3,
            max_mbps: 25,
            linger_ms: 20_000,
        }
    }
}

impl HotSettings {
    /// Pre-joining off: the live channel only.
    pub fn off() -> Self {
        Self {
            max_streams: 1,
            ..Self::default()
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_streams > 1
    }
}

/// How the viewer reached the new channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZapKind {
    /// CH+ (+1) or CH− (−1).
    Step(isize),
    /// The LAST key (or a lone 0).
    Last,
    /// A number, the channel list or the guide.
    Direct,
}

/// The hot set and what it is decided on.
#[derive(Debug, Clone, Default)]
pub struct HotSet {
    channels: Vec<ChannelKey>,
    bitrates: HashMap<ChannelKey, u64>,
    backoff: HashMap<ChannelKey, Backoff>,
    /// The last direction of travel (+1 when none yet).
    direction: isize,
    generation: u64,
    losses: Vec<(ChannelKey, HotLoss)>,
}

#[derive(Debug, Clone, Copy)]
struct Backoff {
    until_ms: u64,
    refusals: u32,
}

impl HotSet {
    /// The hot channels, most useful first.
    pub fn channels(&self) -> &[ChannelKey] {
        &self.channels
    }

    /// The generation of the current set (for its expiry timer).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The direction the next candidate is looked for after a zap of `kind`.
    pub fn direction_after(&mut self, kind: ZapKind) -> isize {
        if let ZapKind::Step(delta) = kind {
            self.direction = delta.signum();
        }
        match kind {
            ZapKind::Step(delta) => delta.signum(),
            ZapKind::Last if self.direction != 0 => self.direction,
            _ => 1,
        }
    }

    /// Chooses the hot set for `live` from `candidates` (in priority order) within the budget;
    /// starts a new generation. Candidates that are the live channel, repeated, or backed off are skipped.
    pub fn choose(
        &mut self,
        settings: &HotSettings,
        live: &ChannelKey,
        candidates: &[ChannelKey],
        now_ms: u64,
    ) -> &[ChannelKey] {
        self.generation += 1;
        self.channels.clear();
        if !settings.enabled() {
            return &self.channels;
        }
        let budget_bps = u64::from(settings.max_mbps) * 1_000_000;
        let mut used_bps = self.bps(live);
        for candidate in candidates {
            if self.channels.len() + 1 >= settings.max_streams as usize {
                break;
            }
            if candidate == live
                || self.channels.contains(candidate)
                || self.backoff.get(candidate).is_some_and(|b| b.until_ms > now_ms)
            {
                continue;
            }
            let bps = self.bps(candidate);
            if used_bps + bps > budget_bps {
                continue;
            }
            used_bps += bps;
            self.channels.push(candidate.clone());
        }
        &self.channels
    }

    /// Re-checks the current set against the budget (after a bitrate changed); true when it shrank.
    pub fn fit(&mut self, settings: &HotSettings, live: &ChannelKey) -> bool {
        let budget_bps = u64::from(settings.max_mbps) * 1_000_000;
        let mut used_bps = self.bps(live);
        let before = self.channels.len();
        let bitrates = &self.bitrates;
        self.channels.retain(|c| {
            used_bps += bitrates.get(c).copied().unwrap_or(ASSUMED_BPS);
            used_bps <= budget_bps
        });
        self.channels.len() != before
    }

    /// Keeps the `n` most useful hot channels (recordings took the other streams).
    pub fn truncate(&mut self, n: usize) {
        self.channels.truncate(n);
    }

    /// Lets every hot channel go (expiry, standby, a stop).
    pub fn clear(&mut self) {
        self.generation += 1;
        self.channels.clear();
    }

    /// The player gave `channel` up: it leaves the set and is backed off. True when it was hot.
    pub fn lost(&mut self, channel: &ChannelKey, reason: HotLoss, now_ms: u64) -> bool {
        let refusals = self.backoff.get(channel).map_or(0, |b| b.refusals) + 1;
        let delay = BACKOFF_FIRST_MS
            .saturating_mul(1u64 << (refusals - 1).min(16))
            .min(BACKOFF_CAP_MS);
        self.backoff.insert(
            channel.clone(),
            Backoff {
                until_ms: now_ms.saturating_add(delay),
                refusals,
            },
        );
        self.losses.insert(0, (channel.clone(), reason));
        self.losses.truncate(LOSSES_KEPT);
        let was_hot = self.channels.contains(channel);
        self.channels.retain(|c| c != channel);
        was_hot
    }

    /// Records a measured bitrate.
    pub fn bitrate(&mut self, channel: &ChannelKey, bps: u64) {
        self.bitrates.insert(channel.clone(), bps);
    }

    /// Streams and bits per second in use by `live` and the hot set.
    pub fn in_use(&self, live: Option<&ChannelKey>) -> (usize, u64) {
        let live_bps = live.map_or(0, |l| self.bps(l));
        let hot_bps: u64 = self.channels.iter().map(|c| self.bps(c)).sum();
        (
            self.channels.len() + usize::from(live.is_some()),
            live_bps + hot_bps,
        )
    }

    /// The latest losses, newest first.
    pub fn losses(&self) -> &[(ChannelKey, HotLoss)] {
        &self.losses
    }

    fn bps(&self, channel: &ChannelKey) -> u64 {
        self.bitrates.get(channel).copied().unwrap_or(ASSUMED_BPS)
    }
}
