// SPDX-License-Identifier: GPL-3.0-or-later
//! The recorder inside the app, the core's side: the REC key, the dialog of the second REC, the
//! schedule kept and saved, and which recordings run when. The schedule's rules and their
//! meaning on the clock are the pure [`super::schedule`]; the files are written by the shell's
//! recorder threads (`app::recorder`), which this module drives with [`RecorderCommand`]s.
//!
//! ```text
//!  REC on live ──> Once rule for the programme on air ─┐
//!  REC in the guide (future) ──> Once rule ───────────┼─> schedule ──SaveSchedule──> shell (atomic write)
//!  REC again ──> dialog: this / every episode /       │       │
//!                 every week / cancel ────────────────┘   plan(now) every tick and on each change
//!                                                             │
//!            Start { id, channel, until, behind } <── due and not running; Stop { id } <── no longer planned
//!  recorder threads ──> Event::Recorder(Ended { id, outcome })
//! ```
//!
//! Why it is built this way:
//! - **One decision, in one place.** Whether something records now is always `plan(now)` against
//!   the recordings running, so REC on live, a schedule made days ago, a cancelled series and a
//!   restart all go through the same comparison; nothing starts a recording on the side.
//! - **A restart resumes before it plans.** At start the shell first picks up what a crash or
//!   power cut interrupted (a new segment in the same folder, the gap in the sidecar) and says
//!   which recordings run again ([`RecorderEvent::Resumed`]); only then does the core plan, so
//!   the same programme is never started a second time into a new folder.
//! - **A slot is tried once.** A recording the disk stopped is not started again by the next
//!   tick: the planned stretch (channel and end) is remembered as tried until it is over.
//! - **REC on live reaches back.** The recording of the programme on air starts at its start
//!   minus the margin, as far back as the tap's window holds it, RAM or disk (the tap clamps
//!   `behind`);
//!   other channels start from now, since their tap is joined now.
//! - **Recordings win over pre-joined channels.** Each recording of a channel other than the
//!   live one takes one stream from the hot channels' budget; conflicts with the budget are
//!   told when scheduling, with the alternatives: another airing of the title in the guide
//!   outside the conflict, and the channel's archive when it has catch-up.

use super::schedule::{Airing, Margins, RecChoice, Schedule, conflicts};
use super::view::Notice;
use super::{Action, Core, Effect, Now, PlayerCommand, TimerId};
use crate::guide::UtcSeconds;
use crate::lineup::{ChannelKey, Source};

/// The longest the core waits before it looks at the plan again (guide changes, series).
pub const PLAN_TICK_MS: u64 = 30_000;
/// Ids the shell gives recordings it resumed at start start here (the core counts from 1).
pub const RESUMED_IDS: u64 = 1 << 40;

/// Recording settings from the configuration (`recordings`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordingSettings {
    /// A recordings folder is configured: REC works.
    pub enabled: bool,
    pub margins: Margins,
}

/// What the core asks the recorder adapter to do.
#[derive(Debug, Clone, PartialEq)]
pub enum RecorderCommand {
    /// Pick up the recordings a crash or power cut interrupted; answer with
    /// [`RecorderEvent::Resumed`] (also when there were none).
    Resume,
    /// Record `channel` until `until_s` (UTC seconds), starting `behind_s` behind live as far as
    /// the tap's window holds it; answer with [`RecorderEvent::Ended`] when it ends.
    Start {
        id: u64,
        channel: ChannelKey,
        source: Box<Source>,
        title: String,
        until_s: UtcSeconds,
        behind_s: u64,
    },
    /// End the recording `id` now (cancelled); it answers with `Ended` as usual.
    Stop { id: u64 },
    /// Read the recordings folder; answer with [`RecorderEvent::Listed`].
    List,
    /// Delete this recording's folder (one the list named); answer with `Deleted`.
    Delete { folder: String },
    /// Keep where the viewer stopped watching this recording (`None`: watched to the end).
    SavePosition {
        folder: String,
        position_ms: Option<u64>,
    },
}

/// What the recorder adapter reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecorderEvent {
    /// The answer to [`RecorderCommand::Resume`]: these recordings run on (a new segment each).
    Resumed { running: Vec<ResumedRecording> },
    /// A recording ended.
    Ended { id: u64, outcome: RecordingOutcome },
    /// The recordings in the folder and the free space on its disk.
    Listed {
        items: Vec<super::RecordingItem>,
        free_bytes: Option<u64>,
    },
    /// A recording's folder was deleted (or could not be).
    Deleted { folder: String, ok: bool },
}

/// A recording the shell resumed after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumedRecording {
    pub id: u64,
    pub channel: ChannelKey,
    pub title: String,
    /// Its planned end.
    pub stop_s: UtcSeconds,
}

/// How a recording ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingOutcome {
    /// At its planned end, or cancelled.
    Complete,
    /// The disk was full: what was written is kept.
    DiskFull,
    /// It could not start or go on (nothing received, another write error): in words.
    Failed(String),
}

/// The choices of the second REC, in the dialog's order.
pub const REC_CHOICES: [RecChoice; 4] = [
    RecChoice::ThisEpisode,
    RecChoice::EveryEpisode,
    RecChoice::EveryWeek,
    RecChoice::Cancel,
];

/// The dialog of the second REC: the airing it is about and the focused choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecDialog {
    pub airing: Airing,
    pub focus: usize,
}

/// The dialog as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecDialogView {
    pub title: String,
    pub channel: String,
    pub start_s: UtcSeconds,
    pub stop_s: UtcSeconds,
    /// Index into [`REC_CHOICES`].
    pub focus: usize,
}

/// A recording running now.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Active {
    id: u64,
    channel: ChannelKey,
    title: String,
    start_s: UtcSeconds,
    stop_s: UtcSeconds,
    /// Asked to stop (cancelled); gone once it says it ended.
    stopping: bool,
}

/// The core's recordings state.
#[derive(Debug, Clone, Default)]
pub(super) struct Recordings {
    schedule: Schedule,
    active: Vec<Active>,
    next_id: u64,
    /// The shell has said what it resumed: planning may start.
    ready: bool,
    /// Planned stretches started once (channel, planned end), until they are over.
    tried: Vec<(ChannelKey, UtcSeconds)>,
    dialog: Option<RecDialog>,
}

impl Recordings {
    pub(super) fn with_schedule(schedule: Schedule) -> Self {
        Self {
            schedule,
            ..Self::default()
        }
    }
}

impl Core {
    /// The schedule as it would be saved now.
    pub fn schedule(&self) -> &Schedule {
        &self.recordings.schedule
    }

    /// Channels being recorded now.
    pub fn recording_channels(&self) -> Vec<ChannelKey> {
        self.recordings.active.iter().map(|a| a.channel.clone()).collect()
    }

    /// At start: pick up interrupted recordings first (planning waits for the answer).
    pub(super) fn start_recordings(&mut self, fx: &mut Vec<Effect>) {
        if self.settings.recordings.enabled && !self.recordings.ready {
            fx.push(Effect::Recorder(RecorderCommand::Resume));
        }
    }

    /// REC: on live, records the programme on air; in the guide, schedules the focused one; on
    /// something already covered, opens the dialog.
    pub(super) fn rec_key(&mut self, fx: &mut Vec<Effect>, now: Now) {
        if !self.settings.recordings.enabled {
            return self.show_notice(Notice::CannotRecord("no recordings folder is set".into()), fx);
        }
        let now_s = now.utc_ms.div_euclid(1000);
        let airing = match &self.screen {
            super::Screen::Guide(nav) => {
                let nav = nav.clone();
                let Some(channel) = self.guide_row_key(&nav, nav.row) else {
                    return;
                };
                match self.guide_focused(&nav) {
                    Some(p) if p.stop_s <= now_s => return self.show_notice(Notice::RecordingAired, fx),
                    Some(p) => Airing {
                        channel,
                        title: p.title,
                        start: p.start_s,
                        stop: p.stop_s,
                    },
                    None => return,
                }
            }
            super::Screen::Live => {
                let Some(channel) = self.tune.as_ref().map(|t| t.channel.clone()) else {
                    return;
                };
                let on_air = self.listings().and_then(|g| g.now_next(&channel, now_s).0);
                match on_air {
                    Some(p) => Airing {
                        channel,
                        title: p.title,
                        start: p.start_s,
                        stop: p.stop_s,
                    },
                    None => {
                        let name = self
                            .lineup
                            .by_key(&channel)
                            .map(|c| c.name.clone())
                            .unwrap_or_default();
                        Airing {
                            channel,
                            title: name,
                            start: now_s,
                            stop: now_s + super::schedule::WITHOUT_GUIDE_S,
                        }
                    }
                }
            }
            _ => return,
        };
        if !self.recordable(&airing.channel) {
            return self.show_notice(
                Notice::CannotRecord("only multicast, RTP, HLS and DASH channels are recorded yet".into()),
                fx,
            );
        }
        let covered =
            self.recordings.schedule.covers(&airing, &self.settings.zone)
                || self.recordings.active.iter().any(|a| {
                    a.channel == airing.channel && a.start_s < airing.stop && airing.start < a.stop_s
                });
        if covered {
            self.recordings.dialog = Some(RecDialog { airing, focus: 0 });
            return;
        }
        if !self.recordings.schedule.record(&airing, &self.settings.zone) {
            return self.show_notice(Notice::CannotRecord("the schedule is full".into()), fx);
        }
        let started = airing.start - i64::from(self.settings.recordings.margins.before_s) <= now_s;
        self.schedule_changed(&airing, fx, now);
        if !self.conflict_told(&airing, fx, now) {
            let notice = if started {
                Notice::RecordingStarted(airing.title.clone())
            } else {
                Notice::RecordingScheduled(airing.title.clone())
            };
            self.show_notice(notice, fx);
        }
    }

    /// Whether the dialog of the second REC is open.
    pub(super) fn rec_dialog_open(&self) -> bool {
        self.recordings.dialog.is_some()
    }

    /// Keys while the dialog is open: UP/DOWN move, OK chooses, BACK (or REC) closes unchanged.
    pub(super) fn rec_dialog_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        let Some(dialog) = self.recordings.dialog.as_mut() else {
            return;
        };
        let n = REC_CHOICES.len();
        match action {
            Action::Up => dialog.focus = (dialog.focus + n - 1) % n,
            Action::Down => dialog.focus = (dialog.focus + 1) % n,
            Action::Back | Action::Record => self.recordings.dialog = None,
            Action::Ok => {
                let RecDialog { airing, focus } = dialog.clone();
                self.recordings.dialog = None;
                let choice = REC_CHOICES[focus];
                self.recordings
                    .schedule
                    .choose(&airing, choice, &self.settings.zone);
                self.schedule_changed(&airing, fx, now);
                let notice = match choice {
                    RecChoice::Cancel => Notice::RecordingCancelled(airing.title.clone()),
                    RecChoice::ThisEpisode => Notice::RecordingScheduled(airing.title.clone()),
                    RecChoice::EveryEpisode => Notice::RecordingSeries(airing.title.clone()),
                    RecChoice::EveryWeek => Notice::RecordingWeekly(airing.title.clone()),
                };
                if choice == RecChoice::Cancel || !self.conflict_told(&airing, fx, now) {
                    self.show_notice(notice, fx);
                }
            }
            _ => {}
        }
    }

    /// The dialog for the view.
    pub(super) fn rec_dialog_view(&self) -> Option<RecDialogView> {
        let d = self.recordings.dialog.as_ref()?;
        Some(RecDialogView {
            title: d.airing.title.clone(),
            channel: self
                .lineup
                .by_key(&d.airing.channel)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            start_s: d.airing.start,
            stop_s: d.airing.stop,
            focus: d.focus,
        })
    }

    /// Whether `key` is being recorded now.
    pub(super) fn is_recording(&self, key: &ChannelKey) -> bool {
        self.recordings.active.iter().any(|a| &a.channel == key)
    }

    /// What the recorder reported.
    pub(super) fn recorder_event(&mut self, event: RecorderEvent, fx: &mut Vec<Effect>, now: Now) {
        match event {
            RecorderEvent::Resumed { running } => {
                for r in running {
                    self.recordings.tried.push((r.channel.clone(), r.stop_s));
                    self.recordings.active.push(Active {
                        id: r.id,
                        channel: r.channel,
                        title: r.title,
                        start_s: now.utc_ms.div_euclid(1000),
                        stop_s: r.stop_s,
                        stopping: false,
                    });
                }
                self.recordings.ready = true;
                self.plan_recordings(fx, now);
            }
            RecorderEvent::Ended { id, outcome } => {
                let Some(i) = self.recordings.active.iter().position(|a| a.id == id) else {
                    return;
                };
                let ended = self.recordings.active.remove(i);
                match outcome {
                    RecordingOutcome::Complete => {}
                    RecordingOutcome::DiskFull => {
                        self.show_notice(Notice::RecordingDiskFull(ended.title), fx)
                    }
                    RecordingOutcome::Failed(why) => {
                        self.show_notice(Notice::RecordingFailed(format!("{}: {why}", ended.title)), fx)
                    }
                }
                self.plan_recordings(fx, now);
            }
            RecorderEvent::Listed { items, free_bytes } => self.recordings_listed(items, free_bytes),
            RecorderEvent::Deleted { folder, ok } => {
                let title = self
                    .library
                    .items
                    .iter()
                    .flatten()
                    .find(|i| i.folder == folder)
                    .map_or(folder.clone(), |i| i.title.clone());
                self.recording_deleted(ok, title, fx);
            }
        }
    }

    /// The plan timer fired.
    pub(super) fn recordings_timer(&mut self, fx: &mut Vec<Effect>, now: Now) {
        self.plan_recordings(fx, now);
    }

    /// Starts what is due, stops what is no longer planned, and sets the timer for the next start.
    pub(super) fn plan_recordings(&mut self, fx: &mut Vec<Effect>, now: Now) {
        if !self.settings.recordings.enabled || !self.recordings.ready {
            return;
        }
        let now_s = now.utc_ms.div_euclid(1000);
        let margins = self.settings.recordings.margins;
        let before = self.recordings.schedule.rules.len();
        self.recordings.schedule.prune(now_s, margins);
        if self.recordings.schedule.rules.len() != before {
            fx.push(Effect::SaveSchedule(self.recordings.schedule.clone()));
        }
        let plan = self.plan_at(now_s);
        self.recordings.tried.retain(|(_, stop)| *stop > now_s);
        // Running recordings no longer planned (cancelled) stop.
        for a in &mut self.recordings.active {
            let planned = plan
                .iter()
                .any(|p| p.channel == a.channel && p.start <= now_s && now_s < p.stop);
            if !planned && !a.stopping && a.stop_s > now_s {
                a.stopping = true;
                fx.push(Effect::Recorder(RecorderCommand::Stop { id: a.id }));
            }
        }
        let mut next_start: Option<UtcSeconds> = None;
        let mut started_other = false;
        for p in &plan {
            if p.start > now_s {
                next_start = Some(next_start.map_or(p.start, |n| n.min(p.start)));
                continue;
            }
            if p.stop <= now_s
                || self.recordings.active.iter().any(|a| a.channel == p.channel)
                || self
                    .recordings
                    .tried
                    .iter()
                    .any(|(c, stop)| *c == p.channel && *stop == p.stop)
            {
                continue;
            }
            self.recordings.tried.push((p.channel.clone(), p.stop));
            let Some(source) = self.recording_source(&p.channel) else {
                continue;
            };
            self.recordings.next_id += 1;
            let id = self.recordings.next_id;
            let live = self.tune.as_ref().is_some_and(|t| t.channel == p.channel);
            started_other |= !live;
            fx.push(Effect::Recorder(RecorderCommand::Start {
                id,
                channel: p.channel.clone(),
                source: Box::new(source),
                title: p.title.clone(),
                until_s: p.stop,
                // The tap holds a window only for the live channel (and a few seconds for a
                // hot one); it clamps to what it has.
                behind_s: u64::try_from(now_s - p.start).unwrap_or(0),
            }));
            self.recordings.active.push(Active {
                id,
                channel: p.channel.clone(),
                title: p.title.clone(),
                start_s: p.start,
                stop_s: p.stop,
                stopping: false,
            });
        }
        if started_other {
            self.fit_hot_to_recordings(fx);
        }
        let wait_ms = next_start.map_or(PLAN_TICK_MS, |s| {
            u64::try_from((s - now_s) * 1000)
                .unwrap_or(0)
                .clamp(0, PLAN_TICK_MS)
        });
        fx.push(Effect::StartTimer {
            timer: TimerId::Recordings,
            after_ms: wait_ms.max(200),
        });
    }

    /// Streams the recordings of channels other than the live one take from the hot budget.
    pub(super) fn recording_streams(&self) -> u32 {
        let live = self.tune.as_ref().map(|t| &t.channel);
        let mut channels: Vec<&ChannelKey> = self
            .recordings
            .active
            .iter()
            .map(|a| &a.channel)
            .filter(|c| Some(*c) != live)
            .collect();
        channels.sort();
        channels.dedup();
        channels.len() as u32
    }

    /// A recording of another channel started: the hot set gives up streams for it.
    fn fit_hot_to_recordings(&mut self, fx: &mut Vec<Effect>) {
        let allowed = self
            .settings
            .hot
            .max_streams
            .saturating_sub(1 + self.recording_streams()) as usize;
        if self.hot.channels().len() > allowed {
            self.hot.truncate(allowed);
            fx.push(Effect::Player(PlayerCommand::Hot {
                channels: self.hot_channels(),
            }));
        }
    }

    fn schedule_changed(&mut self, _airing: &Airing, fx: &mut Vec<Effect>, now: Now) {
        fx.push(Effect::SaveSchedule(self.recordings.schedule.clone()));
        self.plan_recordings(fx, now);
    }

    /// Tells a conflict with the stream budget that involves `airing`'s time; true when told.
    fn conflict_told(&mut self, airing: &Airing, fx: &mut Vec<Effect>, now: Now) -> bool {
        let now_s = now.utc_ms.div_euclid(1000);
        let plan = self.plan_at(now_s);
        let live = self.tune.as_ref().map(|t| &t.channel);
        let found = conflicts(&plan, live, self.settings.hot.max_streams.max(1))
            .into_iter()
            .find(|(from, to, _)| *from < airing.stop && airing.start < *to);
        let Some((from, to, streams)) = found else {
            return false;
        };
        let zone = &self.settings.zone;
        let clock = |s: i64| {
            jiff::Timestamp::from_second(s)
                .map(|t| t.to_zoned(zone.clone()).strftime("%a %H:%M").to_string())
                .unwrap_or_default()
        };
        let others: Vec<String> = plan
            .iter()
            .filter(|p| p.start < to && from < p.stop && p.channel != airing.channel)
            .filter_map(|p| {
                self.lineup
                    .by_key(&p.channel)
                    .map(|c| format!("{} ({})", p.title, c.name))
            })
            .collect();
        // The alternatives: another airing of the title outside the conflict that itself fits
        // (no clash with another scheduled recording, within the stream budget), the archive.
        let margins = self.settings.recordings.margins;
        let max_streams = self.settings.hot.max_streams.max(1);
        let fits = |key: &ChannelKey, p: &super::guide::ProgrammeView| {
            let candidate = super::schedule::Planned {
                channel: key.clone(),
                title: p.title.clone(),
                start: p.start_s - i64::from(margins.before_s),
                stop: p.stop_s + i64::from(margins.after_s),
            };
            super::schedule::fits(&plan, airing, &candidate, live, max_streams)
        };
        let mut instead = Vec::new();
        if let Some((key, p)) = self.listings().and_then(|g| {
            g.other_airings(&airing.title, now_s, (from, to))
                .into_iter()
                .find(|(key, p)| fits(key, p))
        }) {
            let name = self.lineup.by_key(&key).map_or("?", |c| c.name.as_str());
            instead.push(format!("{} {} on {name}", p.title, clock(p.start_s)));
        }
        if let Some(channel) = self
            .lineup
            .by_key(&airing.channel)
            .filter(|c| c.catchup.is_some())
        {
            instead.push(format!("from {}'s archive once aired", channel.name));
        }
        let instead = if instead.is_empty() {
            String::new()
        } else {
            format!(". Instead: {}", instead.join(", or "))
        };
        self.show_notice(
            Notice::RecordingConflict(format!(
                "{}–{}: {} streams needed, {} allowed; also recording {}{instead}",
                clock(from),
                clock(to),
                streams,
                self.settings.hot.max_streams,
                others.join(", ")
            )),
            fx,
        );
        true
    }

    fn plan_at(&self, now_s: UtcSeconds) -> Vec<super::schedule::Planned> {
        let listings = self.listings();
        let airings = |channel: &ChannelKey, from: UtcSeconds, to: UtcSeconds| -> Vec<Airing> {
            listings.map_or_else(Vec::new, |g| {
                g.window(channel, from, to)
                    .into_iter()
                    .map(|p| Airing {
                        channel: channel.clone(),
                        title: p.title,
                        start: p.start_s,
                        stop: p.stop_s,
                    })
                    .collect()
            })
        };
        self.recordings.schedule.plan(
            now_s,
            self.settings.recordings.margins,
            &self.settings.zone,
            &airings,
        )
    }

    /// The source a recording of `key` reads: its first multicast/RTP one, else its first HLS or
    /// DASH one (fetched by the recorder; fMP4 segments remuxed by GStreamer).
    fn recording_source(&self, key: &ChannelKey) -> Option<Source> {
        let sources = &self.lineup.by_key(key)?.sources;
        sources
            .iter()
            .find(|s| s.multicast.is_some())
            .or_else(|| {
                sources.iter().find(|s| {
                    matches!(
                        s.kind,
                        crate::lineup::SourceKind::Hls | crate::lineup::SourceKind::Dash
                    )
                })
            })
            .cloned()
    }

    fn recordable(&self, key: &ChannelKey) -> bool {
        self.recording_source(key).is_some()
    }
}
