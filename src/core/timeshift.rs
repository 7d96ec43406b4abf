// SPDX-License-Identifier: GPL-3.0-or-later
//! Pause and rewind of live TV: where the picture is on the live channel's timeline and what the
//! timeshift keys do to it. The player keeps the window (the live tap's ring); the core only
//! decides positions, in milliseconds behind live, and asks for them with `Play { start }`.
//!
//! ```text
//!   live ──PAUSE──> paused (the position drifts back as live moves on)
//!     ^               │ PLAY/PLAYPAUSE: play from where it paused
//!     │               │ the window's start passes the position: play from the start, with a notice
//!     │               v
//!     └──STOP── behind live ──LEFT/RIGHT, 1/3 4/6 7/9 (bar shown): skip −10/+30 s, ±1/5/10 min
//!                   │    ^
//!     REWIND, FF    v    │ PLAY, PLAYPAUSE, BACK: play on from there; PAUSE: pause there
//!              trick play ×2 ×4 ×8 ×16 ×32 (each press of the same key: the next speed)
//!                   │ fast forward reaches live: live
//!                   │ rewind reaches the window's tail: the archive (catch-up) at that time,
//!                   v or play on from the tail
//! ```
//! Every position change is a new request on the same channel (`StartAt::BehindLive`): the player
//! starts a fresh pipeline at the keyframe at or before it, as a hot zap does, and reports with
//! `Started` how far behind live that keyframe was, which becomes the position. A zap starts the
//! new channel live with a fresh window.
//!
//! Trick play is a request too (`StartAt::Trick`): the player runs through the window at the
//! speed (×2 and ×4 every frame both ways, muted, rewind GOP by GOP reversed; faster, keyframe by
//! keyframe) and reports where it is (`TrickPosition`) a few times a second and when it reaches an
//! edge. Between reports the position is extrapolated at the speed, so the bar moves smoothly.

use super::{
    Action, Core, Direction, Effect, Notice, Now, PlayerCommand, Speed, StartAt, TimerId, Trick, WindowEdge,
};
use crate::core::guide::ProgrammeView;

/// Skip of LEFT and RIGHT while the bar is shown, in milliseconds (back, forward).
pub const SKIP_LEFT_MS: i64 = -10_000;
pub const SKIP_RIGHT_MS: i64 = 30_000;
/// Skips of the digit pairs 1/3, 4/6, 7/9: ±1, ±5, ±10 minutes.
pub(super) const DIGIT_SKIPS_MS: [(u8, i64); 6] = [
    (1, -60_000),
    (3, 60_000),
    (4, -300_000),
    (6, 300_000),
    (7, -600_000),
    (9, 600_000),
];
/// Seeks stay this far inside the window's start: the keyframe there is about to be overwritten.
pub const TAIL_MARGIN_MS: u64 = 2_000;
/// A position this close to live counts as live (less than the GOP a live start begins with).
const LIVE_WITHIN_MS: u64 = 1_000;

/// The live channel's timeshift state (one per tune: a zap starts afresh).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Shift {
    /// How far behind live the picture was when it last started or paused.
    behind_ms: u64,
    /// Monotonic time of the pause; while paused the position drifts back as live moves on.
    paused_at_ms: Option<u64>,
    /// How far back the window reaches (the player's last report).
    buffered_ms: u64,
    /// Generation of the bar's hide timer while the bar is shown.
    bar: Option<u64>,
    /// Where the current request was asked to start.
    pub(super) start: StartAt,
    /// Trick play running, and the monotonic time `behind_ms` was last known at.
    trick: Option<(Trick, u64)>,
}

impl Shift {
    /// How far behind live the picture is at `now`.
    fn behind_at(&self, now: Now) -> u64 {
        if let Some((trick, at)) = self.trick {
            // Live runs on at 1 while the picture runs at the trick's rate; the player's reports
            // correct this between them, and neither end of the window is passed.
            let elapsed = i64::try_from(now.monotonic_ms.saturating_sub(at)).unwrap_or(i64::MAX);
            let behind = i64::try_from(self.behind_ms)
                .unwrap_or(i64::MAX)
                .saturating_add(trick.drift().saturating_mul(elapsed));
            let most = self.buffered_ms.max(self.behind_ms);
            return u64::try_from(behind.max(0)).unwrap_or(0).min(most);
        }
        let paused_for = self
            .paused_at_ms
            .map_or(0, |at| now.monotonic_ms.saturating_sub(at));
        self.behind_ms.saturating_add(paused_for)
    }

    /// The furthest back a seek may go.
    fn reach_ms(&self) -> u64 {
        self.buffered_ms.saturating_sub(TAIL_MARGIN_MS)
    }
}

/// What the timeshift bar shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeshiftView {
    pub paused: bool,
    /// How far behind live the picture is (the "−12:30" chip); 0 at live.
    pub behind_live_ms: u64,
    /// How far back the window reaches.
    pub buffered_ms: u64,
    /// Wall-clock time of the picture and of live, in milliseconds since the epoch.
    pub position_utc_ms: i64,
    pub live_utc_ms: i64,
    /// The programme at the picture's time, when the guide knows it: the bar spans it.
    pub programme: Option<ProgrammeView>,
    /// The bar is up (paused, after a timeshift key); otherwise only "behind live" is said.
    pub bar_visible: bool,
    /// The picture comes from the provider's archive (catch-up), not the local window:
    /// `buffered_ms` is then how far back the archive reaches.
    pub archive: bool,
    /// Trick play (REWIND, FAST FORWARD) running: the bar shows its direction and speed.
    pub trick: Option<Trick>,
}

impl Core {
    /// Timeshift keys on the live screen; `false` when the key is not one of them now.
    pub(super) fn timeshift_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) -> bool {
        if !self.can_timeshift() {
            return false;
        }
        let shift = self.shift();
        let paused = shift.is_some_and(|s| s.paused_at_ms.is_some());
        let bar = shift.is_some_and(|s| s.bar.is_some());
        let trick = shift.and_then(|s| s.trick).map(|(t, _)| t);
        match action {
            Action::FastForward => self.trick_key(Direction::Forward, fx, now),
            Action::Rewind => self.trick_key(Direction::Backward, fx, now),
            // Out of trick play at the picture's place: normal speed, or paused there.
            Action::Play | Action::PlayPause | Action::Back if trick.is_some() => self.resume(fx, now),
            Action::Pause if trick.is_some() => self.pause(fx, now),
            Action::Pause if !paused => self.pause(fx, now),
            Action::PlayPause if !paused => self.pause(fx, now),
            Action::Play | Action::PlayPause | Action::Pause if paused => self.resume(fx, now),
            Action::Stop => self.jump_to_live(fx, now),
            Action::Left if bar => self.skip(SKIP_LEFT_MS, fx, now),
            Action::Right if bar => self.skip(SKIP_RIGHT_MS, fx, now),
            Action::Back if bar && !paused => self.hide_bar(),
            Action::Digit(d) if bar => {
                if let Some(&(_, ms)) = DIGIT_SKIPS_MS.iter().find(|(k, _)| *k == d) {
                    self.skip(ms, fx, now);
                }
            }
            _ => return false,
        }
        true
    }

    /// Whether the bar takes the digit keys (skips instead of channel numbers).
    pub(super) fn timeshift_bar_shown(&self) -> bool {
        self.shift().is_some_and(|s| s.bar.is_some())
    }

    /// The player's report of the live channel's window; a pause that the window's start
    /// overtook plays on from the oldest kept frame, and says so.
    pub(super) fn timeshift_buffered(
        &mut self,
        request: super::RequestId,
        buffered_ms: u64,
        fx: &mut Vec<Effect>,
        now: Now,
    ) {
        let Some(tune) = self.current(request) else {
            return;
        };
        tune.shift.buffered_ms = buffered_ms;
        let shift = &tune.shift;
        if shift.paused_at_ms.is_some() && shift.behind_at(now) > shift.reach_ms() {
            let reach = shift.reach_ms();
            self.seek_to(reach, fx, now);
            self.show_notice(Notice::TimeshiftFromStart, fx);
        }
    }

    /// The disk part of the window was given up: the viewer learns that the window is the RAM one.
    pub(super) fn timeshift_disk_lost(
        &mut self,
        request: super::RequestId,
        problem: super::DiskProblem,
        fx: &mut Vec<Effect>,
    ) {
        if self.current(request).is_some() {
            log::warn!("timeshift disk given up ({problem:?}): RAM window only");
            self.show_notice(Notice::TimeshiftRamOnly, fx);
        }
    }

    /// The player started a request behind live from a keyframe this far back: that is where the
    /// picture is.
    pub(super) fn timeshift_started(
        &mut self,
        request: super::RequestId,
        behind_live_ms: Option<u64>,
        now: Now,
    ) {
        if let Some(tune) = self.current(request)
            && let (StartAt::BehindLive { .. } | StartAt::Trick { .. }, Some(ms)) =
                (tune.shift.start, behind_live_ms)
        {
            tune.shift.behind_ms = ms;
            if let Some((_, at)) = tune.shift.trick.as_mut() {
                *at = now.monotonic_ms;
            }
        }
    }

    /// The player's report of where trick play is. Fast forward that caught up with live goes
    /// live; rewind that reached the window's tail continues in the channel's archive when it has
    /// one, else plays on from the tail.
    pub(super) fn timeshift_trick_position(
        &mut self,
        request: super::RequestId,
        behind_live_ms: u64,
        edge: Option<WindowEdge>,
        fx: &mut Vec<Effect>,
        now: Now,
    ) {
        let Some(tune) = self.current(request) else {
            return;
        };
        let Some((trick, at)) = tune.shift.trick.as_mut() else {
            return;
        };
        *at = now.monotonic_ms;
        let direction = trick.direction;
        tune.shift.behind_ms = behind_live_ms;
        match (edge, direction) {
            (Some(WindowEdge::Live), Direction::Forward) => self.seek_to(0, fx, now),
            // Past the tail: the channel's archive when it has one, else normal speed from the tail.
            (Some(WindowEdge::Tail), Direction::Backward)
                if !self.archive_past_window(behind_live_ms, fx, now) =>
            {
                let reach = self.shift().map_or(0, |s| s.reach_ms().min(behind_live_ms));
                self.seek_to(reach, fx, now);
            }
            _ => {}
        }
    }

    /// Timer: the bar hides unless paused.
    pub(super) fn timeshift_bar_timer(&mut self, generation: u64) {
        let archive_paused = self.archive_paused();
        if let Some(tune) = self.tune.as_mut()
            && tune.shift.bar == Some(generation)
            && tune.shift.paused_at_ms.is_none()
            && tune.shift.trick.is_none()
            && !archive_paused
        {
            tune.shift.bar = None;
        }
    }

    /// The bar and the "behind live" facts at `now`, when there is anything to say.
    pub(super) fn timeshift_view(&self, now: Now) -> Option<TimeshiftView> {
        let tune = self.tune.as_ref()?;
        let shift = &tune.shift;
        let behind = shift.behind_at(now);
        let paused = shift.paused_at_ms.is_some();
        if behind == 0 && !paused && shift.bar.is_none() {
            return None;
        }
        let position_utc_ms = now.utc_ms - i64::try_from(behind).unwrap_or(i64::MAX);
        let programme = self
            .listings()
            .map(|g| g.now_next(&tune.channel, position_utc_ms.div_euclid(1000)).0)
            .and_then(|p| p);
        Some(TimeshiftView {
            paused,
            behind_live_ms: behind,
            buffered_ms: shift.buffered_ms.max(behind),
            position_utc_ms,
            live_utc_ms: now.utc_ms,
            programme,
            bar_visible: shift.bar.is_some(),
            archive: false,
            trick: shift.trick.map(|(t, _)| t),
        })
    }

    fn shift(&self) -> Option<&Shift> {
        self.tune.as_ref().map(|t| &t.shift)
    }

    /// Only a playing multicast/RTP channel has a window (its tap); OTT has none yet.
    fn can_timeshift(&self) -> bool {
        let Some(tune) = self.tune.as_ref() else {
            return false;
        };
        let source = self
            .lineup
            .by_key(&tune.channel)
            .and_then(|c| c.sources.get(tune.attempts.source));
        // Multicast and RTP channels keep their window in the live tap, HLS channels in a tap
        // fed by their segments; other OTT sources have none.
        let windowed =
            |s: &crate::lineup::Source| s.multicast.is_some() || s.kind == crate::lineup::SourceKind::Hls;
        source.is_some_and(windowed) && matches!(tune.phase, super::Phase::Playing | super::Phase::Tuning)
    }

    fn pause(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some(tune) = self.tune.as_mut() else { return };
        // Paused where trick play had got to.
        tune.shift.behind_ms = tune.shift.behind_at(now);
        tune.shift.trick = None;
        tune.shift.paused_at_ms = Some(now.monotonic_ms);
        fx.push(Effect::Player(PlayerCommand::Pause {
            request: tune.request,
        }));
        self.show_bar(fx);
    }

    fn resume(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some(behind) = self.shift().map(|s| s.behind_at(now).min(s.reach_ms())) else {
            return;
        };
        self.seek_to(behind, fx, now);
    }

    fn jump_to_live(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some(shift) = self.shift() else { return };
        if shift.behind_at(now) > 0 || shift.paused_at_ms.is_some() || shift.trick.is_some() {
            self.seek_to(0, fx, now);
        }
    }

    fn skip(&mut self, delta_ms: i64, fx: &mut Vec<Effect>, now: Now) {
        let Some(shift) = self.shift() else { return };
        let behind = i64::try_from(shift.behind_at(now)).unwrap_or(i64::MAX);
        let reach = i64::try_from(shift.reach_ms()).unwrap_or(i64::MAX);
        // Back is more behind live: a negative skip adds to `behind`.
        let wanted = behind.saturating_sub(delta_ms);
        // Past the window's tail the channel's archive (catch-up) continues, when it has one.
        if wanted > reach && self.archive_past_window(u64::try_from(wanted).unwrap_or(0), fx, now) {
            return;
        }
        let target = wanted.clamp(0, reach.max(0));
        self.seek_to(u64::try_from(target).unwrap_or(0), fx, now);
    }

    /// REWIND or FAST FORWARD: trick play that way at ×2, or the next speed when it already runs
    /// that way. Fast forward at live has nowhere to go: the bar only shows.
    fn trick_key(&mut self, direction: Direction, fx: &mut Vec<Effect>, now: Now) {
        let Some(shift) = self.shift() else { return };
        let behind = shift.behind_at(now).min(shift.reach_ms().max(shift.behind_ms));
        let speed = match shift.trick {
            Some((t, _)) if t.direction == direction => t.speed.next(),
            _ => Speed::X2,
        };
        if direction == Direction::Forward && behind < LIVE_WITHIN_MS {
            self.show_bar(fx);
            return;
        }
        let trick = Trick { direction, speed };
        let Some(tune) = self.tune.as_mut() else { return };
        tune.shift.paused_at_ms = None;
        tune.shift.behind_ms = behind;
        tune.shift.trick = Some((trick, now.monotonic_ms));
        tune.shift.start = StartAt::Trick { ms: behind, trick };
        self.cancel_recovery(fx);
        self.play_current_source(fx);
        self.show_bar(fx);
    }

    /// Plays the channel from `behind_ms` behind live (0: live) under a new request.
    fn seek_to(&mut self, behind_ms: u64, fx: &mut Vec<Effect>, _now: Now) {
        let Some(tune) = self.tune.as_mut() else { return };
        let live = behind_ms < LIVE_WITHIN_MS;
        tune.shift.trick = None;
        tune.shift.paused_at_ms = None;
        tune.shift.behind_ms = if live { 0 } else { behind_ms };
        tune.shift.start = if live {
            StartAt::Live
        } else {
            StartAt::BehindLive { ms: behind_ms }
        };
        self.cancel_recovery(fx);
        self.play_current_source(fx);
        if live {
            self.hide_bar();
        } else {
            self.show_bar(fx);
        }
    }

    pub(super) fn show_bar(&mut self, fx: &mut Vec<Effect>) {
        let generation = self.next_generation();
        let Some(tune) = self.tune.as_mut() else { return };
        tune.shift.bar = Some(generation);
        fx.push(Effect::StartTimer {
            timer: TimerId::TimeshiftBar(generation),
            after_ms: self.settings.banner_timeout_ms,
        });
    }

    fn hide_bar(&mut self) {
        if let Some(tune) = self.tune.as_mut() {
            tune.shift.bar = None;
        }
    }
}
