// SPDX-License-Identifier: GPL-3.0-or-later
//! The core's side of hot channels: choosing the set on every zap (policy in [`super::hot`]), handing
//! it to the player with the `Play` command, letting it go after the linger time, in standby and on a
//! stop, and taking the player's reports (a refused or silent channel, measured bitrates).

use super::hot::ZapKind;
use super::zapping;
use super::{Core, Effect, HotChannel, HotLoss, Now, PlayerCommand, TimerId};
use crate::lineup::ChannelKey;

impl Core {
    /// Chooses the hot set for a zap to `live` from `left` (the channel being left).
    pub(super) fn choose_hot(
        &mut self,
        live: &ChannelKey,
        left: Option<&ChannelKey>,
        fx: &mut Vec<Effect>,
        now: Now,
    ) {
        let kind = self.zap_kind;
        let direction = self.hot.direction_after(kind);
        let next = zapping::step(&self.lineup, &self.saved, &self.list, Some(live), direction);
        let ordered = match kind {
            ZapKind::Step(_) => [next.as_ref(), left],
            ZapKind::Last | ZapKind::Direct => [left, next.as_ref()],
        };
        let candidates: Vec<ChannelKey> = ordered
            .into_iter()
            .flatten()
            .filter(|k| self.prejoinable(k))
            .cloned()
            .collect();
        let mut settings = self.settings.hot;
        // Recordings of other channels win over pre-joined ones: each takes one stream.
        settings.max_streams = settings
            .max_streams
            .saturating_sub(self.recording_streams())
            .max(1);
        let chosen = !self
            .hot
            .choose(&settings, live, &candidates, now.monotonic_ms)
            .is_empty();
        if chosen {
            fx.push(Effect::StartTimer {
                timer: TimerId::HotExpire(self.hot.generation()),
                after_ms: settings.linger_ms,
            });
        }
    }

    /// A channel can be pre-joined when the source a zap plays first is multicast or RTP, and no PIN
    /// guards it.
    fn prejoinable(&self, key: &ChannelKey) -> bool {
        self.hot_source(key).is_some() && !self.needs_pin(key)
    }

    fn hot_source(&self, key: &ChannelKey) -> Option<&crate::lineup::Source> {
        self.lineup
            .by_key(key)
            .and_then(|c| c.sources.first())
            .filter(|s| s.multicast.is_some())
    }

    /// The hot set as the player needs it.
    pub(super) fn hot_channels(&self) -> Vec<HotChannel> {
        self.hot
            .channels()
            .iter()
            .filter_map(|key| {
                Some(HotChannel {
                    channel: key.clone(),
                    source: Box::new(self.hot_source(key)?.clone()),
                })
            })
            .collect()
    }

    /// Stops playback; every group, hot or live, is left.
    pub(super) fn stop_player(&mut self, fx: &mut Vec<Effect>) {
        self.hot.clear();
        fx.push(Effect::Player(PlayerCommand::Stop));
    }

    /// No zap for the linger time: only the live channel stays joined.
    pub(super) fn hot_expired(&mut self, fx: &mut Vec<Effect>) {
        self.hot.clear();
        fx.push(Effect::Player(PlayerCommand::Hot { channels: Vec::new() }));
    }

    /// The player left a hot channel that went silent or was never let through: back it off.
    pub(super) fn hot_lost(&mut self, channel: &ChannelKey, reason: HotLoss, now: Now) {
        let was_hot = self.hot.lost(channel, reason, now.monotonic_ms);
        log::info!("hot channel {channel:?} lost ({reason:?}); backed off (was in the set: {was_hot})");
    }

    /// A measured bitrate: the set shrinks when it no longer fits the budget.
    pub(super) fn hot_bitrate(&mut self, channel: &ChannelKey, bps: u64, fx: &mut Vec<Effect>) {
        self.hot.bitrate(channel, bps);
        let Some(live) = self.tune.as_ref().map(|t| t.channel.clone()) else {
            return;
        };
        let settings = self.settings.hot;
        if self.hot.fit(&settings, &live) {
            fx.push(Effect::Player(PlayerCommand::Hot {
                channels: self.hot_channels(),
            }));
        }
    }

    /// The hot channels now, most useful first.
    pub fn hot_set(&self) -> &[ChannelKey] {
        self.hot.channels()
    }

    /// Streams and bits per second the live and hot channels use (by measured bitrates).
    pub fn stream_budget_in_use(&self) -> (usize, u64) {
        let live = self
            .tune
            .as_ref()
            .map(|t| &t.channel)
            .filter(|k| self.hot_source(k).is_some());
        self.hot.in_use(live)
    }

    /// The latest hot channels given up, newest first.
    pub fn hot_losses(&self) -> &[(ChannelKey, HotLoss)] {
        self.hot.losses()
    }
}
