// SPDX-License-Identifier: GPL-3.0-or-later
//! Catch-up playback: a past programme played from the provider's archive, on the same bar as
//! the live timeshift. The lineup's template engine (`lineup::catchup`) makes the URL; this module
//! decides which start and duration to ask for, and where the picture is on the wall clock.
//!
//! ```text
//!  guide: OK on a past programme in the window ──> archive at its start
//!  banner: GREEN "Watch from start" ──────────────> archive at the start of the programme now on
//!  timeshift: a skip back past the window's tail ─> archive at that time (the channel has one)
//!
//!  archive ──PAUSE──> paused (the position stands) ──PLAY──> archive at the paused time
//!     │ LEFT/RIGHT, 1/3 4/6 7/9 (bar shown): skip −10/+30 s, ±1/5/10 min, as a new URL
//!     │ the archive piece ends: a new URL from where the picture is (the next programme)
//!     │ a seek reaches the live edge, STOP, BACK: live
//! ```
//!
//! Every position is a new request with a URL made for it: the archive is asked from the
//! target rounded down to the template's granularity (60 s when the template names only
//! minutes) and for the rest of the programme at that time, so a stream that ends by itself ends
//! with the programme and the next request is for the next programme. The picture's position is
//! the URL's start plus the time it has played since the request's first frame (the archive
//! starts at the keyframe at or before the asked second, so it is at most a GOP early); a stall
//! or a failure stops that clock, and a failure after the picture advanced continues at once from
//! where it stood (an archive piece that ended, a dropped connection) instead of a retry.
//!
//! A `vod` archive (a template naming only the guide's `{catchup-id}`) cannot be asked from a
//! time: it plays whole programmes, those the guide gives an id, from their start. Skips are
//! refused with a notice, PLAY after PAUSE resumes the paused request where it stands, and the
//! end of a piece continues with the next programme (live once that is on air).
//!
//! Times here are as the guide shows them (the channel's `tvg-shift` applied); the template
//! engine takes the shift and the `catchup-correction` off for the provider.

use super::timeshift::{DIGIT_SKIPS_MS, SKIP_LEFT_MS, SKIP_RIGHT_MS};
use super::{Action, Core, Effect, Notice, Now, PlayerCommand, RequestId, StartAt, TimeshiftView};
use crate::core::guide::ProgrammeView;
use crate::lineup::ChannelKey;
use crate::lineup::Source;
use crate::lineup::catchup::{self, ArchiveRequest, CatchupError, LIVE_EDGE_S};

/// The span asked for when the guide does not know the programme at the position.
pub const PIECE_WITHOUT_GUIDE_S: i64 = 3_600;
/// A seek this close to the live edge (or past it) plays live instead.
const LIVE_WITHIN_MS: i64 = (LIVE_EDGE_S + 5) * 1000;
/// A seek before the archive's oldest start goes this far inside it instead.
const OLDEST_MARGIN_S: i64 = 60;

/// The current tune plays from the archive.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ArchivePlay {
    /// Wall-clock time (ms, guide time) the current request's stream starts at: the URL's start.
    from_ms: i64,
    /// Monotonic time of the current request's first frame; the picture advances since then.
    since_ms: Option<u64>,
    pub(super) paused: bool,
    /// The archive URL of the current request, as a source the player plays.
    pub(super) source: Source,
}

impl ArchivePlay {
    /// A request for the archive from `from_ms` on, playing, its first frame still to come.
    fn starting(from_ms: i64, source: Source) -> Self {
        Self {
            from_ms,
            since_ms: None,
            paused: false,
            source,
        }
    }

    fn position_ms(&self, now: Now) -> i64 {
        let played = self.since_ms.map_or(0, |at| now.monotonic_ms.saturating_sub(at));
        self.from_ms
            .saturating_add(i64::try_from(played).unwrap_or(i64::MAX))
    }

    /// Stops the clock where the picture stands.
    fn freeze(&mut self, now: Now) {
        self.from_ms = self.position_ms(now);
        self.since_ms = None;
    }
}

/// Why the archive was not asked.
enum Refusal {
    /// The time is (nearly) live: play live.
    Live,
    /// Anything else, in words for the notice.
    Other(String),
}

impl Core {
    /// Keys while the archive plays on the live screen; `false` when the key is not one of them.
    pub(super) fn archive_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) -> bool {
        let Some(archive) = self.tune.as_ref().and_then(|t| t.archive.as_ref()) else {
            return false;
        };
        let paused = archive.paused;
        let position = archive.position_ms(now);
        let bar = self.timeshift_bar_shown();
        // A `vod` archive plays whole programmes: it cannot be asked from another time.
        let whole = !self.tune_catchup().is_some_and(|c| c.seekable());
        match action {
            Action::Pause | Action::PlayPause if !paused => self.archive_pause(fx, now),
            Action::Play | Action::PlayPause | Action::Pause if paused && whole => {
                self.archive_resume(fx, now)
            }
            Action::Play | Action::PlayPause | Action::Pause if paused => {
                self.archive_seek(position, fx, now)
            }
            Action::Stop | Action::Back => self.archive_to_live(fx),
            Action::Left | Action::Right | Action::Digit(_) if bar && whole => {
                let why = "This archive plays whole programmes: it cannot skip inside one";
                self.show_notice(Notice::Problem(why.into()), fx);
            }
            Action::Left if bar => self.archive_seek(position + SKIP_LEFT_MS, fx, now),
            Action::Right if bar => self.archive_seek(position + SKIP_RIGHT_MS, fx, now),
            Action::Digit(d) if bar => {
                if let Some(&(_, ms)) = DIGIT_SKIPS_MS.iter().find(|(k, _)| *k == d) {
                    self.archive_seek(position + ms, fx, now);
                }
            }
            Action::Info | Action::Left | Action::Right => self.show_bar(fx),
            _ => return false,
        }
        true
    }

    /// The catch-up of the tuned channel.
    fn tune_catchup(&self) -> Option<&crate::lineup::Catchup> {
        let tune = self.tune.as_ref()?;
        self.lineup.by_key(&tune.channel)?.catchup.as_ref()
    }

    /// Plays `key` from its archive at `start_s` (guide time): OK on a past programme in the
    /// guide, "Watch from start". `false` (nothing done) when the channel has no archive there.
    pub(super) fn watch_archive(
        &mut self,
        key: &ChannelKey,
        start_s: i64,
        fx: &mut Vec<Effect>,
        now: Now,
    ) -> bool {
        let (from_ms, source) = match self.archive_piece(key, start_s.saturating_mul(1000), now) {
            Ok(piece) => piece,
            Err(Refusal::Live) => return false,
            Err(Refusal::Other(why)) => {
                self.show_notice(Notice::Problem(why), fx);
                return true;
            }
        };
        let play = ArchivePlay::starting(from_ms, source);
        let same = self.tune.as_ref().is_some_and(|t| &t.channel == key);
        if same && !self.needs_pin(key) {
            self.archive_play(play, fx);
        } else {
            self.start_tune_from(key, fx, now, true, Some(play));
            self.show_banner(fx);
        }
        if self.tune.as_ref().is_some_and(|t| t.archive.is_some()) {
            self.show_bar(fx);
        }
        true
    }

    /// GREEN: the programme on air from its start, from the archive (also while the archive
    /// or the local window plays: the programme at the picture's time). `false` when the channel
    /// has no archive holding that start.
    pub(super) fn watch_from_start(&mut self, fx: &mut Vec<Effect>, now: Now) -> bool {
        let Some((key, start_s)) = self.start_over_offer(now) else {
            return false;
        };
        self.watch_archive(&key, start_s, fx, now)
    }

    /// The channel and the start of the programme "Watch from start" would play: the one at
    /// the picture's time, when the archive holds its start and it began a while ago.
    pub(super) fn start_over_offer(&self, now: Now) -> Option<(ChannelKey, i64)> {
        let tune = self.tune.as_ref()?;
        let catchup = self.lineup.by_key(&tune.channel)?.catchup.as_ref()?;
        let at_ms = match &tune.archive {
            Some(archive) => archive.position_ms(now),
            None => self.timeshift_view(now).map_or(now.utc_ms, |v| v.position_utc_ms),
        };
        let now_s = now.utc_ms.div_euclid(1000);
        let programme = self
            .listings()?
            .now_next(&tune.channel, at_ms.div_euclid(1000))
            .0?;
        let kept = catchup
            .oldest_start(now_s)
            .is_none_or(|oldest| programme.start_s >= oldest);
        let begun = programme.start_s * 1000 < now.utc_ms - LIVE_WITHIN_MS;
        (kept && begun && catchup.seekable()).then(|| (tune.channel.clone(), programme.start_s))
    }

    /// Whether `programme` of `key` has ended and can be played from the archive at `now_s` (the
    /// guide marks it).
    pub(super) fn in_archive(&self, key: &ChannelKey, programme: &ProgrammeView, now_s: i64) -> bool {
        let Some(catchup) = self.lineup.by_key(key).and_then(|c| c.catchup.as_ref()) else {
            return false;
        };
        // A programme still on air is watched live (or from its start with the banner's action).
        let aired = programme.stop_s <= now_s;
        let kept = catchup
            .oldest_start(now_s)
            .is_none_or(|oldest| programme.start_s >= oldest);
        if !(aired && kept) {
            return false;
        }
        if catchup.needs_catchup_id() {
            // Only the programmes the guide gives an id can be asked for.
            return self
                .listings()
                .and_then(|g| g.programme_at(key, programme.start_s))
                .is_some_and(|(p, id)| p.start_s == programme.start_s && id.is_some());
        }
        catchup.seekable()
    }

    /// The player's first frame of an archive request: the position's clock starts.
    pub(super) fn archive_first_frame(&mut self, request: RequestId, now: Now) {
        if let Some(archive) = self.current(request).and_then(|t| t.archive.as_mut())
            && archive.since_ms.is_none()
            && !archive.paused
        {
            archive.since_ms = Some(now.monotonic_ms);
        }
    }

    /// The picture stopped (a stall): the position's clock stops.
    pub(super) fn archive_stalled(&mut self, request: RequestId, now: Now) {
        if let Some(archive) = self.current(request).and_then(|t| t.archive.as_mut()) {
            archive.freeze(now);
        }
    }

    /// The picture moves again after a stall.
    pub(super) fn archive_resumed(&mut self, request: RequestId, now: Now) {
        if let Some(archive) = self.current(request).and_then(|t| t.archive.as_mut())
            && !archive.paused
        {
            archive.since_ms = Some(now.monotonic_ms);
        }
    }

    /// An archive request failed or ended. After the picture advanced, the archive is asked
    /// again at once from where it stands (`true`); otherwise the usual retry runs (`false`), and
    /// its timer asks the archive again ([`Core::archive_retry`]).
    pub(super) fn archive_failed(&mut self, request: RequestId, fx: &mut Vec<Effect>, now: Now) -> bool {
        let Some(archive) = self.current(request).and_then(|t| t.archive.as_mut()) else {
            return false;
        };
        let played = archive.since_ms.is_some();
        archive.freeze(now);
        let from_ms = archive.from_ms;
        if played {
            // A whole-programme archive cannot go on inside the programme: the next one follows.
            let whole = !self.tune_catchup().is_some_and(|c| c.seekable());
            let next = whole
                .then(|| self.tune.as_ref().map(|t| t.channel.clone()))
                .flatten()
                .and_then(|key| self.listings()?.programme_at(&key, from_ms.div_euclid(1000)))
                .map(|(p, _)| p.stop_s.saturating_mul(1000));
            self.archive_seek(next.unwrap_or(from_ms), fx, now);
        }
        played
    }

    /// The retry timer of an archive request: a new URL from where the picture stood.
    /// `false` when the tune does not play the archive.
    pub(super) fn archive_retry(&mut self, fx: &mut Vec<Effect>, now: Now) -> bool {
        let Some(position) = self
            .tune
            .as_ref()
            .and_then(|t| t.archive.as_ref())
            .map(|a| a.from_ms)
        else {
            return false;
        };
        self.archive_seek(position, fx, now);
        true
    }

    /// Whether the current tune plays from the archive.
    pub(super) fn archive_playing(&self) -> bool {
        self.tune.as_ref().is_some_and(|t| t.archive.is_some())
    }

    /// The timeshift hook: a seek `behind_ms` behind live, past the local window's tail,
    /// continues in the channel's archive when it has one (`true`); else the window's tail is
    /// as far as it goes (`false`).
    pub(super) fn archive_past_window(&mut self, behind_ms: u64, fx: &mut Vec<Effect>, now: Now) -> bool {
        let Some(key) = self.tune.as_ref().map(|t| t.channel.clone()) else {
            return false;
        };
        if self
            .lineup
            .by_key(&key)
            .and_then(|c| c.catchup.as_ref())
            .is_none_or(|c| !c.seekable())
        {
            return false;
        }
        let target_ms = now.utc_ms - i64::try_from(behind_ms).unwrap_or(i64::MAX / 2);
        match self.archive_piece(&key, target_ms, now) {
            Ok((from_ms, source)) => {
                let play = ArchivePlay::starting(from_ms, source);
                self.archive_play(play, fx);
                self.show_bar(fx);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether the archive plays and is paused (the bar then stays).
    pub(super) fn archive_paused(&self) -> bool {
        self.tune
            .as_ref()
            .and_then(|t| t.archive.as_ref())
            .is_some_and(|a| a.paused)
    }

    /// The bar while the archive plays: the programme at the position, live drawn apart.
    pub(super) fn archive_view(&self, now: Now) -> Option<TimeshiftView> {
        let tune = self.tune.as_ref()?;
        let archive = tune.archive.as_ref()?;
        let position_utc_ms = archive.position_ms(now).min(now.utc_ms);
        let behind = u64::try_from(now.utc_ms - position_utc_ms).unwrap_or(0);
        let programme = self
            .listings()
            .and_then(|g| g.now_next(&tune.channel, position_utc_ms.div_euclid(1000)).0);
        let oldest_ms = self
            .lineup
            .by_key(&tune.channel)
            .and_then(|c| c.catchup.as_ref())
            .and_then(|c| c.oldest_start(now.utc_ms.div_euclid(1000)))
            .map_or(i64::MIN / 2, |s| s.saturating_mul(1000));
        Some(TimeshiftView {
            paused: archive.paused,
            behind_live_ms: behind,
            buffered_ms: u64::try_from(now.utc_ms - oldest_ms).unwrap_or(u64::MAX / 2),
            position_utc_ms,
            live_utc_ms: now.utc_ms,
            programme,
            bar_visible: self.timeshift_bar_shown(),
            archive: true,
            trick: None,
        })
    }

    fn archive_pause(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some(tune) = self.tune.as_mut() else { return };
        let Some(archive) = tune.archive.as_mut() else {
            return;
        };
        archive.freeze(now);
        archive.paused = true;
        fx.push(Effect::Player(PlayerCommand::Pause {
            request: tune.request,
        }));
        self.show_bar(fx);
    }

    /// Plays a paused whole-programme archive on where it stands (it cannot be asked from
    /// there): the player resumes the paused request.
    fn archive_resume(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some(tune) = self.tune.as_mut() else { return };
        let Some(archive) = tune.archive.as_mut() else {
            return;
        };
        archive.paused = false;
        archive.since_ms = Some(now.monotonic_ms);
        fx.push(Effect::Player(PlayerCommand::Resume {
            request: tune.request,
        }));
        self.show_bar(fx);
    }

    /// Plays the archive from `target_ms` (guide time) under a new request; live when that is
    /// (nearly) now.
    fn archive_seek(&mut self, target_ms: i64, fx: &mut Vec<Effect>, now: Now) {
        let Some(key) = self.tune.as_ref().map(|t| t.channel.clone()) else {
            return;
        };
        match self.archive_piece(&key, target_ms, now) {
            Ok((from_ms, source)) => {
                let play = ArchivePlay::starting(from_ms, source);
                self.archive_play(play, fx);
                self.show_bar(fx);
            }
            Err(Refusal::Live) => self.archive_to_live(fx),
            Err(Refusal::Other(why)) => self.show_notice(Notice::Problem(why), fx),
        }
    }

    /// Replaces what the current tune plays with `play`.
    fn archive_play(&mut self, play: ArchivePlay, fx: &mut Vec<Effect>) {
        let Some(tune) = self.tune.as_mut() else { return };
        tune.shift = Default::default();
        tune.archive = Some(play);
        self.cancel_recovery(fx);
        self.play_current_source(fx);
    }

    /// Leaves the archive for the live channel.
    fn archive_to_live(&mut self, fx: &mut Vec<Effect>) {
        let Some(tune) = self.tune.as_mut() else { return };
        tune.archive = None;
        tune.shift = Default::default();
        tune.shift.start = StartAt::Live;
        self.cancel_recovery(fx);
        self.play_current_source(fx);
    }

    /// The archive URL of `key` from `target_ms` (guide time) to the end of the programme then,
    /// with the start the URL names (ms) and the source that plays it.
    fn archive_piece(&self, key: &ChannelKey, target_ms: i64, now: Now) -> Result<(i64, Source), Refusal> {
        let channel = self
            .lineup
            .by_key(key)
            .ok_or_else(|| Refusal::Other("the channel is gone".into()))?;
        let catchup = channel
            .catchup
            .as_ref()
            .ok_or_else(|| Refusal::Other(format!("{} has no archive", channel.name)))?;
        let live = channel
            .sources
            .first()
            .ok_or_else(|| Refusal::Other(format!("{} has no source", channel.name)))?;
        let now_s = now.utc_ms.div_euclid(1000);
        if target_ms >= now.utc_ms - LIVE_WITHIN_MS {
            return Err(Refusal::Live);
        }
        let (start, end, catchup_id) = if catchup.seekable() {
            let granularity = i64::from(catchup.granularity_s().max(1));
            let mut start = target_ms.div_euclid(1000).div_euclid(granularity) * granularity;
            if let Some(oldest) = catchup.oldest_start(now_s)
                && start < oldest
            {
                start = (oldest + OLDEST_MARGIN_S).div_euclid(granularity) * granularity + granularity;
            }
            let (end, id) = match self.listings().and_then(|g| g.programme_at(key, start)) {
                Some((p, id)) => (p.stop_s, id),
                None => (start + PIECE_WITHOUT_GUIDE_S, None),
            };
            (start, end.max(start + granularity), id)
        } else {
            // Whole programmes only (`vod`): the one at the target, from its start, once aired.
            let (p, id) = self
                .listings()
                .and_then(|g| g.programme_at(key, target_ms.div_euclid(1000)))
                .ok_or_else(|| {
                    Refusal::Other(format!("{}: the guide has no programme then", channel.name))
                })?;
            if p.stop_s > now_s {
                return Err(Refusal::Live);
            }
            (p.start_s, p.stop_s, id)
        };
        if catchup.needs_catchup_id() && catchup_id.is_none() {
            let why = format!("{}: the guide gives this programme no catchup-id", channel.name);
            return Err(Refusal::Other(why));
        }
        let duration = u32::try_from(end - start).unwrap_or(u32::MAX);
        let request = ArchiveRequest {
            start,
            duration_s: duration,
            now: now_s,
            guide_shift_s: i64::from(channel.guide_shift_minutes) * 60,
            catchup_id: catchup_id.as_deref(),
        };
        let url = catchup
            .archive_url(&request, &self.settings.zone)
            .map_err(|e| match e {
                CatchupError::NotAired => Refusal::Live,
                other => Refusal::Other(format!("{}: {other}", channel.name)),
            })?;
        let source = catchup::archive_source(live, &url)
            .ok_or_else(|| Refusal::Other(format!("{}: the archive URL cannot be played", channel.name)))?;
        Ok((start.saturating_mul(1000), source))
    }
}
