// SPDX-License-Identifier: GPL-3.0-or-later
//! Remote actions on the live screen: zapping, digit entry, previous channel, lists, volume, banner.
//! Digit entry also serves the channel list and the guide, where the typed number moves the focus.

use super::audio;
use super::hot::ZapKind;
use super::zapping::{self, DigitOutcome};
use super::{Action, Core, Effect, Notice, Now, PlayerCommand, TimerId};

impl Core {
    pub(super) fn live_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        // While the archive plays, the local window's keys do not apply.
        let handled = if self.recording_playing() {
            self.recording_playback_action(action, fx, now)
        } else if self.archive_playing() {
            self.archive_action(action, fx, now)
        } else {
            self.timeshift_action(action, fx, now)
        };
        if handled || (action == Action::Green && self.watch_from_start(fx, now)) {
            return;
        }
        match action {
            Action::Ok => self.open_channel_list(),
            Action::Info => self.toggle_banner(fx),
            Action::ChannelUp | Action::Up => self.zap_step(1, fx, now),
            Action::ChannelDown | Action::Down => self.zap_step(-1, fx, now),
            Action::Last => self.zap_previous(fx, now),
            Action::Back => self.back(),
            Action::Favorites => self.cycle_list(fx),
            Action::Guide | Action::Menu => self.open(action, now),
            Action::Text => self.open_teletext(fx),
            Action::Blue => self.open_recordings(fx),
            _ => {}
        }
    }

    pub(super) fn digit(&mut self, digit: u8, fx: &mut Vec<Effect>, now: Now) {
        // No channel number starts with 0, so a lone 0 means "previous channel" (as on most remotes).
        if digit == 0 && self.digits.is_none() {
            return self.zap_previous(fx, now);
        }
        let mut typed = self.digits.take().map(|(t, _)| t).unwrap_or_default();
        typed.push(char::from(b'0' + digit));
        let generation = self.next_generation();
        self.digits = Some((typed.clone(), generation));
        match zapping::after_digit(&self.lineup, &typed) {
            DigitOutcome::CommitNow => self.commit_digits(fx, now),
            DigitOutcome::Wait => fx.push(Effect::StartTimer {
                timer: TimerId::DigitEntry(generation),
                after_ms: self.settings.digit_timeout_ms,
            }),
        }
    }

    /// Tunes the typed number, or tells the viewer it does not exist.
    pub(super) fn commit_digits(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some((typed, generation)) = self.digits.take() else {
            return;
        };
        fx.push(Effect::CancelTimer(TimerId::DigitEntry(generation)));
        let number: u32 = typed.parse().unwrap_or(0);
        match self.lineup.by_number(number).map(|c| c.key.clone()) {
            Some(key) if self.focus_channel(&key) => {}
            Some(key) => self.zap_to(&key, fx, now),
            None => self.show_notice(Notice::NoSuchChannel(number), fx),
        }
    }

    fn zap_step(&mut self, delta: isize, fx: &mut Vec<Effect>, now: Now) {
        let current = self.tune.as_ref().map(|t| &t.channel);
        if let Some(key) = zapping::step(&self.lineup, &self.saved, &self.list, current, delta) {
            self.zap_by(&key, ZapKind::Step(delta), fx, now);
        }
    }

    fn zap_previous(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let current = self.tune.as_ref().map(|t| &t.channel);
        if let Some(key) = zapping::previous(&self.lineup, &self.saved.history, current).cloned() {
            self.zap_by(&key, ZapKind::Last, fx, now);
        }
    }

    fn toggle_banner(&mut self, fx: &mut Vec<Effect>) {
        if self.banner.take().is_none() {
            self.show_banner(fx);
        }
    }

    fn back(&mut self) {
        if self.digits.take().is_none() && self.banner.take().is_none() {
            self.notice = None;
        }
    }

    fn cycle_list(&mut self, fx: &mut Vec<Effect>) {
        let lists = zapping::cycle_lists(&self.lineup, &self.saved);
        let at = lists.iter().position(|l| *l == self.list);
        let next = at.map_or(0, |i| (i + 1) % lists.len());
        self.list = lists[next].clone();
        self.show_notice(Notice::ListChanged(self.list.clone()), fx);
    }

    pub(super) fn change_volume(&mut self, delta: i16, fx: &mut Vec<Effect>) {
        let percent = (self.saved.volume_percent as i16 + delta).clamp(0, 100) as u8;
        self.saved.volume_percent = percent;
        fx.push(Effect::Player(PlayerCommand::SetVolume { percent }));
        if self.saved.muted {
            self.toggle_mute(fx);
        } else {
            self.save_soon(fx);
        }
    }

    pub(super) fn next_audio(&mut self, fx: &mut Vec<Effect>) {
        let Some(tune) = self.tune.as_mut() else {
            return;
        };
        let Some(track) = audio::next(&tune.audio, tune.audio_selected.as_deref()).cloned() else {
            return;
        };
        tune.audio_preference_applied = true;
        let (request, channel) = (tune.request, tune.channel.clone());
        let kept = &mut self.saved.audio;
        kept.insert(channel, track.remembered());
        while kept.len() > super::REMEMBERED_CHANNELS {
            kept.pop_first();
        }
        self.save_soon(fx);
        self.ask_for_audio(request, track.id, fx);
        self.show_notice(Notice::AudioTrack(track.language), fx);
    }

    pub(super) fn toggle_mute(&mut self, fx: &mut Vec<Effect>) {
        self.saved.muted = !self.saved.muted;
        fx.push(Effect::Player(PlayerCommand::SetMute {
            muted: self.saved.muted,
        }));
        self.save_soon(fx);
    }
}
