// SPDX-License-Identifier: GPL-3.0-or-later
//! Tune requests and their life: zapping to a channel, the player's reports, recovery timers,
//! and lineup reloads. The requested channel and the channel on screen are kept apart.

use super::audio::{self, AudioTrack};
use super::hot::ZapKind;
use super::playback::{self, Attempts, Phase, RequestId};
use super::zapping;
use super::{Core, Effect, Notice, Now, PlayerCommand, PlayerError, PlayerEvent, TimerId, Tune, ZapRecord};
use crate::core::ErrorKind;
use crate::lineup::{ChannelKey, Lineup, SourceKind};
use std::sync::Arc;

/// How long the player has to confirm an audio selection before it is asked again.
const AUDIO_CHECK_MS: u64 = 1_000;
/// How often one selection is asked for.
const AUDIO_ASKS: u32 = 3;

/// How many zap times the diagnostics keep.
const RECENT_ZAPS: usize = 10;

impl Core {
    pub(super) fn start(&mut self, fx: &mut Vec<Effect>, now: Now) {
        fx.push(Effect::Player(PlayerCommand::SetVolume {
            percent: self.saved.volume_percent,
        }));
        fx.push(Effect::Player(PlayerCommand::SetMute {
            muted: self.saved.muted,
        }));
        self.tune_initial(fx, now);
        self.schedule_guide_refresh(fx);
        self.start_recordings(fx);
    }

    /// Tunes the last watched channel, else the first one; says so when there is nothing to tune.
    pub(super) fn tune_initial(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let last = self
            .saved
            .last_channel
            .as_ref()
            .filter(|k| self.lineup.by_key(k).is_some());
        match last
            .or_else(|| self.lineup.channels.first().map(|c| &c.key))
            .cloned()
        {
            Some(key) => self.zap_to(&key, fx, now),
            None => self.show_notice(Notice::NoChannels, fx),
        }
    }

    /// Starts a new tune request for `key` (a zap). Re-selecting the channel that plays only shows the banner.
    pub(super) fn zap_to(&mut self, key: &ChannelKey, fx: &mut Vec<Effect>, now: Now) {
        self.zap_by(key, ZapKind::Direct, fx, now);
    }

    /// A zap reached by `kind` (the hot set is chosen by how the viewer zaps).
    pub(super) fn zap_by(&mut self, key: &ChannelKey, kind: ZapKind, fx: &mut Vec<Effect>, now: Now) {
        if self.lineup.by_key(key).is_none() {
            return;
        }
        self.zap_kind = kind;
        self.start_tune(key, fx, now, true);
        self.zap_kind = ZapKind::Direct;
        self.show_banner(fx);
    }

    /// Starts a tune request unless `key` plays already. A locked channel waits for the PIN;
    /// `remember` puts it in the history (a preview in the channel list does not).
    pub(super) fn start_tune(&mut self, key: &ChannelKey, fx: &mut Vec<Effect>, now: Now, remember: bool) {
        self.start_tune_from(key, fx, now, remember, None);
    }

    /// [`Core::start_tune`], playing from the archive when `archive` is given.
    pub(super) fn start_tune_from(
        &mut self,
        key: &ChannelKey,
        fx: &mut Vec<Effect>,
        now: Now,
        remember: bool,
        archive: Option<super::archive::ArchivePlay>,
    ) {
        let Some(channel) = self.lineup.by_key(key) else {
            return;
        };
        let sources = channel.sources.len();
        let same = self.tune.as_ref().is_some_and(|t| &t.channel == key);
        let retune = matches!(
            self.tune.as_ref().map(|t| &t.phase),
            Some(Phase::Failed { .. } | Phase::Locked)
        );
        if !same || retune {
            self.cancel_recovery(fx);
            let left = self.tune.as_ref().map(|t| t.channel.clone());
            self.tune = Some(Tune {
                channel: key.clone(),
                request: RequestId(0),
                phase: Phase::Tuning,
                attempts: Attempts::new(sources),
                asked_at_ms: Some(now.monotonic_ms),
                audio: Vec::new(),
                audio_selected: None,
                audio_preference_applied: false,
                audio_requested: None,
                audio_asks: 0,
                subtitles: Vec::new(),
                subtitle_selected: None,
                subtitle_applied: false,
                subtitle_announced: false,
                subtitle_lines: Vec::new(),
                subtitle_image: None,
                path: None,
                behind_live_ms: None,
                shift: Default::default(),
                archive,
                recording: None,
                stream_errors: 0,
            });
            if self.needs_pin(key) {
                self.lock_tune(key, fx);
            } else {
                self.choose_hot(key, left.as_ref(), fx, now);
                self.play_current_source(fx);
            }
            if remember {
                zapping::remember(&mut self.saved.history, key);
                self.saved.last_channel = Some(key.clone());
                self.save_soon(fx);
            }
        }
    }

    /// A locked channel: nothing of it plays (and nothing of the previous one stays) until the PIN.
    fn lock_tune(&mut self, key: &ChannelKey, fx: &mut Vec<Effect>) {
        if let Some(tune) = self.tune.as_mut() {
            tune.phase = Phase::Locked;
            tune.asked_at_ms = None;
        }
        self.stop_player(fx);
        self.on_screen = None;
        self.ask_pin(super::PinPurpose::Unlock(key.clone()));
    }

    /// Issues a `Play` for the current tune's current source under a fresh request id.
    pub(super) fn play_current_source(&mut self, fx: &mut Vec<Effect>) {
        self.last_request += 1;
        let request = RequestId(self.last_request);
        let hot = self.hot_channels();
        let Some(tune) = self.tune.as_mut() else {
            return;
        };
        tune.request = request;
        // The new request's player has no subtitle track selected: the choice is sent again
        // when it reports the tracks.
        tune.subtitle_announced = false;
        let channel = self.lineup.by_key(&tune.channel);
        let live = channel.and_then(|c| c.sources.get(tune.attempts.source));
        // A catch-up request plays the archive URL made for it instead of the live source.
        let source = tune
            .recording
            .as_ref()
            .map(|r| &r.source)
            .or(tune.archive.as_ref().map(|a| &a.source))
            .or(live);
        if let Some(source) = source {
            // Radio has no picture to wait for.
            if !channel.is_some_and(|c| c.radio) {
                let after_ms = match source.kind {
                    SourceKind::Multicast | SourceKind::Rtp => playback::FIRST_PICTURE_MS,
                    _ => playback::FIRST_PICTURE_OTT_MS,
                };
                fx.push(Effect::StartTimer {
                    timer: TimerId::FirstPicture(request),
                    after_ms,
                });
            }
            let preference = super::AudioPreference {
                remembered: self.saved.audio.get(&tune.channel).cloned(),
                language: self.settings.audio_language.clone(),
                description: self.settings.audio_description,
            };
            fx.push(Effect::Player(PlayerCommand::PreferAudio { preference }));
            let play = PlayerCommand::Play {
                request,
                channel: tune.channel.clone(),
                source: Box::new(source.clone()),
                hot,
                start: tune.shift.start,
            };
            fx.push(Effect::Player(play));
            if matches!(self.screen, super::Screen::Teletext(_)) {
                fx.push(Effect::Player(PlayerCommand::Teletext { request, open: true }));
            }
        }
    }

    /// The retry timer: the same source again; a catch-up request asks the archive again from
    /// where the picture stood.
    fn retry(&mut self, fx: &mut Vec<Effect>, now: Now) {
        if !self.archive_retry(fx, now) {
            self.play_current_source(fx);
        }
    }

    pub(super) fn cancel_recovery(&mut self, fx: &mut Vec<Effect>) {
        if let Some(tune) = &self.tune {
            fx.push(Effect::CancelTimer(TimerId::Retry(tune.request)));
            fx.push(Effect::CancelTimer(TimerId::StallEscalate(tune.request)));
            fx.push(Effect::CancelTimer(TimerId::FirstPicture(tune.request)));
        }
    }

    /// The kind of the source the current tune plays.
    pub(super) fn current_source_kind(&self) -> Option<SourceKind> {
        let tune = self.tune.as_ref()?;
        let channel = self.lineup.by_key(&tune.channel)?;
        Some(channel.sources.get(tune.attempts.source)?.kind)
    }

    /// The current tune if `request` is its request; stale reports return `None`.
    pub(super) fn current(&mut self, request: RequestId) -> Option<&mut Tune> {
        self.tune.as_mut().filter(|t| t.request == request)
    }

    pub(super) fn player_event(&mut self, event: PlayerEvent, fx: &mut Vec<Effect>, now: Now) {
        match event {
            PlayerEvent::FirstFrame { request, decoder } => {
                self.archive_first_frame(request, now);
                self.recording_first_frame(request, now);
                let Some(tune) = self.current(request) else {
                    return;
                };
                tune.phase = Phase::Playing;
                tune.attempts.played();
                fx.push(Effect::CancelTimer(TimerId::FirstPicture(request)));
                let zap = tune.asked_at_ms.take().map(|at| ZapRecord {
                    channel: tune.channel.clone(),
                    ms: now.monotonic_ms.saturating_sub(at),
                    path: tune.path,
                    behind_live_ms: tune.behind_live_ms,
                });
                self.on_screen = Some(tune.channel.clone());
                self.decoder = decoder;
                if let Some(zap) = zap {
                    log::debug!("zap to {:?}: {} ms ({:?} path)", zap.channel, zap.ms, zap.path);
                    self.recent_zaps.insert(0, zap);
                    self.recent_zaps.truncate(RECENT_ZAPS);
                }
            }
            PlayerEvent::Started {
                request,
                path,
                behind_live_ms,
            } => {
                if let Some(tune) = self.current(request) {
                    tune.path = Some(path);
                    tune.behind_live_ms = behind_live_ms;
                }
                self.timeshift_started(request, behind_live_ms, now);
            }
            PlayerEvent::TrickPosition {
                request,
                behind_live_ms,
                edge,
            } => self.timeshift_trick_position(request, behind_live_ms, edge, fx, now),
            PlayerEvent::Buffered { request, buffered_ms } => {
                self.timeshift_buffered(request, buffered_ms, fx, now)
            }
            PlayerEvent::TimeshiftDisk { request, problem } => self.timeshift_disk_lost(request, problem, fx),
            PlayerEvent::HotLost { channel, reason } => self.hot_lost(&channel, reason, now),
            PlayerEvent::Bitrate { channel, bps } => self.hot_bitrate(&channel, bps, fx),
            PlayerEvent::StreamErrors { request, continuity } => {
                if let Some(tune) = self.current(request) {
                    tune.stream_errors = tune.stream_errors.saturating_add(continuity);
                }
            }
            PlayerEvent::Stalled { request } => {
                self.archive_stalled(request, now);
                let after_ms = match self.current_source_kind() {
                    Some(SourceKind::Multicast | SourceKind::Rtp) | None => playback::STALL_ESCALATE_MS,
                    Some(_) => playback::STALL_ESCALATE_OTT_MS,
                };
                let Some(tune) = self.current(request) else {
                    return;
                };
                // A pipeline that already failed stays on its way to the retry.
                if !matches!(tune.phase, Phase::Playing | Phase::Tuning) {
                    return;
                }
                tune.phase = Phase::Stalled;
                fx.push(Effect::StartTimer {
                    timer: TimerId::StallEscalate(request),
                    after_ms,
                });
            }
            PlayerEvent::Resumed { request } => {
                self.archive_resumed(request, now);
                let Some(tune) = self.current(request) else {
                    return;
                };
                if tune.phase != Phase::Stalled {
                    return;
                }
                tune.phase = Phase::Playing;
                fx.push(Effect::CancelTimer(TimerId::StallEscalate(request)));
            }
            PlayerEvent::Tracks {
                request,
                audio,
                selected,
            } => self.tracks(request, audio, selected, fx),
            PlayerEvent::SubtitleTracks { request, tracks } => self.subtitle_tracks(request, tracks, fx),
            PlayerEvent::SubtitleText { request, lines } => self.subtitle_text(request, lines),
            PlayerEvent::SubtitleImage { request, image } => self.subtitle_image(request, image),
            PlayerEvent::TeletextPage { request, page } => self.teletext_page(request, &page),
            PlayerEvent::Failed { request, error } => {
                if !self.recording_failed(request, fx, now) && !self.archive_failed(request, fx, now) {
                    self.failed(request, error, fx);
                }
            }
            PlayerEvent::Eit { request, sections } => {
                if let Some(key) = self.current(request).map(|t| t.channel.clone()) {
                    self.stream_guide(&key, &sections);
                }
            }
            PlayerEvent::Service { request, service } => {
                if let Some(key) = self.current(request).map(|t| t.channel.clone()) {
                    self.live_guide.learn_service(&key, service);
                }
            }
        }
    }

    /// Records the tracks the player found; on the first report of a tune, asks for the
    /// channel's remembered track or the preferred language and kind.
    fn tracks(
        &mut self,
        request: RequestId,
        audio: Vec<AudioTrack>,
        selected: Option<String>,
        fx: &mut Vec<Effect>,
    ) {
        let language = self.settings.audio_language.clone();
        let description = self.settings.audio_description;
        let channel = self.current(request).map(|t| t.channel.clone());
        let remembered = channel.and_then(|c| self.saved.audio.get(&c).cloned());
        let Some(tune) = self.current(request) else {
            return;
        };
        tune.audio = audio;
        // A collection without a selection does not undo the one the player made before.
        if selected.is_some()
            || !tune
                .audio
                .iter()
                .any(|t| Some(&t.id) == tune.audio_selected.as_ref())
        {
            tune.audio_selected = selected;
        }
        // The player started with the preferred track (`PreferAudio`); what it chose is known
        // once it reports a selection. A switch sent on the bare collection would reach
        // decodebin3 while it is still making its first selection, where GStreamer 1.22
        // trips over a slot without a stream.
        if tune.audio_preference_applied || tune.audio_selected.is_none() {
            return;
        }
        tune.audio_preference_applied = true;
        let selected = tune.audio_selected.as_deref();
        if let Some(track) = audio::choose(&tune.audio, selected, remembered.as_ref(), &language, description)
            && selected != Some(track.id.as_str())
        {
            let track = track.id.clone();
            self.ask_for_audio(request, track, fx);
        }
    }

    /// Asks the player for an audio track and checks later that it took: decodebin3 can drop a
    /// selection that arrives while it is still applying the previous one.
    pub(super) fn ask_for_audio(&mut self, request: RequestId, track: String, fx: &mut Vec<Effect>) {
        if let Some(tune) = self.current(request) {
            if tune.audio_requested.as_ref() != Some(&track) {
                tune.audio_asks = 0;
            }
            tune.audio_requested = Some(track.clone());
            tune.audio_asks = tune.audio_asks.saturating_add(1);
        }
        fx.push(Effect::Player(PlayerCommand::SelectAudio { request, track }));
        fx.push(Effect::StartTimer {
            timer: TimerId::AudioCheck(request),
            after_ms: AUDIO_CHECK_MS,
        });
    }

    /// Repeats a selection the player has not confirmed (a few times, then the stream's choice stands).
    fn check_audio(&mut self, request: RequestId, fx: &mut Vec<Effect>) {
        let Some(tune) = self.current(request) else { return };
        let pending = tune
            .audio_requested
            .clone()
            .filter(|t| tune.audio_selected.as_ref() != Some(t));
        if let Some(track) = pending
            && tune.audio_asks < AUDIO_ASKS
        {
            self.ask_for_audio(request, track, fx);
        }
    }

    /// Schedules the next attempt (another source or the same one later), or gives up when no
    /// source of the channel can ever play here.
    fn failed(&mut self, request: RequestId, error: PlayerError, fx: &mut Vec<Effect>) {
        let Some(tune) = self.current(request) else {
            return;
        };
        // A failing pipeline often posts several errors (the source's, then its demuxer's and
        // typefinder's): the first one counts, the others are the same failure.
        if tune.attempts.failed_request.replace(request) == Some(request) {
            log::debug!("request {request:?} failed again: {}", error.detail);
            return;
        }
        match tune.attempts.fail(&error) {
            Some(_) => {
                let attempt = tune.attempts.failures;
                tune.phase = Phase::Retrying { attempt };
                fx.push(Effect::StartTimer {
                    timer: TimerId::Retry(request),
                    after_ms: playback::retry_delay_ms(attempt),
                });
            }
            None => {
                tune.phase = Phase::Failed { reason: error.detail };
                self.stop_player(fx);
                self.on_screen = None;
            }
        }
    }

    pub(super) fn timer(&mut self, timer: TimerId, fx: &mut Vec<Effect>, now: Now) {
        match timer {
            TimerId::DigitEntry(g) if self.digits.as_ref().is_some_and(|d| d.1 == g) => {
                self.commit_digits(fx, now)
            }
            TimerId::BannerHide(g) if self.banner == Some(g) => self.banner = None,
            TimerId::NoticeHide(g) if self.notice.as_ref().is_some_and(|n| n.1 == g) => self.notice = None,
            TimerId::Retry(request) if self.current(request).is_some() => self.retry(fx, now),
            TimerId::StallEscalate(request)
                if self.current(request).is_some_and(|t| t.phase == Phase::Stalled) =>
            {
                let error = PlayerError {
                    kind: ErrorKind::Network,
                    detail: "no data from the stream".to_string(),
                };
                self.failed(request, error, fx);
            }
            // Still tuning (not stalled: the stall watchdog owns that; not retrying or failed).
            TimerId::FirstPicture(request)
                if self.current(request).is_some_and(|t| t.phase == Phase::Tuning) =>
            {
                log::warn!("no picture and no error for request {request:?}: rebuilding the pipeline");
                let error = PlayerError {
                    kind: ErrorKind::Stream,
                    detail: "no picture from the stream".to_string(),
                };
                self.failed(request, error, fx);
            }
            TimerId::AudioCheck(request) => self.check_audio(request, fx),
            TimerId::SaveState => fx.push(Effect::SaveState(Box::new(self.saved.clone()))),
            TimerId::ListPreview(g) => self.preview_focused(g, fx, now),
            TimerId::CecInputSwitch(g) => self.cec_input_switch_timer(g, fx),
            TimerId::HotExpire(g) if self.hot.generation() == g => self.hot_expired(fx),
            TimerId::GuideRefresh => self.refresh_guide(fx),
            TimerId::Recordings => self.recordings_timer(fx, now),
            TimerId::TimeshiftBar(g) => self.timeshift_bar_timer(g),
            _ => {}
        }
    }

    /// Replaces the lineup. What plays keeps playing (even if the new lineup lost it, until the viewer
    /// zaps); with nothing tuned yet, tune now.
    pub(super) fn lineup_loaded(&mut self, lineup: Arc<Lineup>, fx: &mut Vec<Effect>, now: Now) {
        self.lineup = lineup;
        self.forget_gone_streams();
        self.digits = None;
        // Row indexes of an open list or guide mean nothing in the new lineup.
        if matches!(
            self.screen,
            super::Screen::ChannelList(_) | super::Screen::Guide(_)
        ) {
            self.close_screen();
        }
        if zapping::members(&self.lineup, &self.saved, &self.list).is_empty() {
            self.list = super::ListRef::All;
        }
        if self.tune.is_none() {
            self.tune_initial(fx, now);
        }
    }
}
