// SPDX-License-Identifier: GPL-3.0-or-later
//! The recordings screen (BLUE on live): what was recorded, the free space left, and playing a
//! recording back from where it was left, on the same bar as timeshift.
//!
//! ```text
//!  BLUE ──> List ──recorder thread reads the folders──> Listed { items, free }
//!   list: UP/DOWN move, OK plays (from where it was left), RED asks "delete?" (OK deletes,
//!         BACK keeps), BACK closes
//!   playing: the recording's segment at an offset (a new request per position, as catch-up
//!            does); LEFT/RIGHT skip −10/+30 s, PAUSE/PLAY, the end of a segment plays the next;
//!            STOP/BACK (or the end) go back to live and keep the position for "resume"
//! ```
//!
//! The folders are the recorder's (`player::record`); the core never touches them: listing,
//! deleting and saving the position where the viewer stopped are effects the shell's recorder
//! carries out on its own thread. A recording still being written shows its finished segments
//! and cannot be deleted until it ends.

use super::timeshift::{DIGIT_SKIPS_MS, SKIP_LEFT_MS, SKIP_RIGHT_MS};
use super::{Action, Core, Effect, Notice, Now, RecorderCommand, RequestId, StartAt, TimeshiftView};
use crate::lineup::{Origin, Source, SourceKind};

/// Rows shown at once.
pub const RECORDING_ROWS: usize = 8;
/// Recordings listed at most (the rest by date are left out).
pub const MAX_LISTED: usize = 500;
/// A position this close to a recording's end counts as watched to the end.
const END_MARGIN_MS: u64 = 10_000;

/// Where a recording stands, as its sidecar says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingState {
    /// Being written now (or interrupted, until resumed).
    Recording,
    Complete,
    /// Stopped early by a full disk.
    DiskFull,
    /// Stopped early by another write error.
    Failed,
}

/// One playable file of a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSegment {
    /// Absolute path of the finished segment.
    pub path: String,
    /// Where it starts in the recording, and how long it is (ms).
    pub offset_ms: u64,
    pub length_ms: u64,
}

/// One recording as the recorder listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingItem {
    /// Its folder (absolute path): the recording's identity.
    pub folder: String,
    pub title: String,
    pub channel: String,
    /// Wall-clock start (UTC seconds).
    pub start_s: i64,
    /// Playable length: the finished segments.
    pub length_ms: u64,
    pub bytes: u64,
    pub state: RecordingState,
    pub segments: Vec<RecordedSegment>,
    /// Where the viewer stopped watching last (ms into the recording).
    pub position_ms: Option<u64>,
}

/// Where the recordings screen stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordingsNav {
    pub focus: usize,
    /// "Delete this recording?" is asked for the focused one.
    pub confirm_delete: bool,
}

/// The recordings screen as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingsView {
    /// The visible rows.
    pub rows: Vec<RecordingRow>,
    /// Focused row's place in the list and the list's length.
    pub position: usize,
    pub total: usize,
    /// Free bytes on the recordings disk (`None`: not known yet).
    pub free_bytes: Option<u64>,
    /// The list is being read.
    pub loading: bool,
    /// The title whose deletion is being confirmed.
    pub confirm_delete: Option<String>,
}

/// One row of the recordings screen.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingRow {
    pub title: String,
    pub channel: String,
    pub start_s: i64,
    pub length_ms: u64,
    pub bytes: u64,
    pub state: RecordingState,
    /// Watched this far (resume point), if started.
    pub position_ms: Option<u64>,
    pub focused: bool,
}

/// The recordings the recorder listed, and the free space.
#[derive(Debug, Clone, Default)]
pub(super) struct Library {
    pub(super) items: Option<Vec<RecordingItem>>,
    pub(super) free_bytes: Option<u64>,
}

/// The current tune plays a recording.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RecordingPlay {
    item: RecordingItem,
    /// Position (ms into the recording) the current request starts at.
    from_ms: u64,
    /// Monotonic time of the current request's first frame.
    since_ms: Option<u64>,
    paused: bool,
    pub(super) source: Source,
    /// Where the current segment starts in the recording.
    segment_offset_ms: u64,
    segment_end_ms: u64,
}

impl RecordingPlay {
    fn position_ms(&self, now: Now) -> u64 {
        let played = self.since_ms.map_or(0, |s| now.monotonic_ms.saturating_sub(s));
        (self.from_ms + played).min(self.item.length_ms)
    }
}

impl Core {
    /// BLUE on live: the recordings screen, its list asked for.
    pub(super) fn open_recordings(&mut self, fx: &mut Vec<Effect>) {
        if !self.settings.recordings.enabled {
            return self.show_notice(Notice::CannotRecord("no recordings folder is set".into()), fx);
        }
        self.screen = super::Screen::Recordings(RecordingsNav::default());
        self.library.items = None;
        fx.push(Effect::Recorder(RecorderCommand::List));
    }

    /// What the recorder listed.
    pub(super) fn recordings_listed(&mut self, mut items: Vec<RecordingItem>, free_bytes: Option<u64>) {
        items.sort_by(|a, b| b.start_s.cmp(&a.start_s).then_with(|| a.folder.cmp(&b.folder)));
        items.truncate(MAX_LISTED);
        if let super::Screen::Recordings(nav) = &mut self.screen {
            nav.focus = nav.focus.min(items.len().saturating_sub(1));
        }
        self.library.items = Some(items);
        self.library.free_bytes = free_bytes;
    }

    pub(super) fn recordings_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        let super::Screen::Recordings(nav) = &self.screen else {
            return;
        };
        let mut nav = nav.clone();
        let items = self.library.items.clone().unwrap_or_default();
        let focused = items.get(nav.focus).cloned();
        if nav.confirm_delete {
            match (action, focused) {
                (Action::Ok, Some(item)) => {
                    fx.push(Effect::Recorder(RecorderCommand::Delete {
                        folder: item.folder.clone(),
                    }));
                    nav.confirm_delete = false;
                }
                (Action::Back | Action::Red, _) => nav.confirm_delete = false,
                _ => {}
            }
            self.screen = super::Screen::Recordings(nav);
            return;
        }
        let len = items.len();
        match action {
            Action::Up if len > 0 => nav.focus = (nav.focus + len - 1) % len,
            Action::Down if len > 0 => nav.focus = (nav.focus + 1) % len,
            Action::Red => match focused {
                Some(item) if item.state == RecordingState::Recording => {
                    return self.show_notice(Notice::RecordingBusy(item.title), fx);
                }
                Some(_) => nav.confirm_delete = true,
                None => {}
            },
            Action::Ok | Action::Play | Action::PlayPause => {
                if let Some(item) = focused {
                    self.close_screen();
                    return self.play_recording(item, fx, now);
                }
            }
            Action::Back | Action::Blue => return self.close_screen(),
            _ => {}
        }
        self.screen = super::Screen::Recordings(nav);
    }

    /// The recorder deleted a folder (or could not): the list is read again.
    pub(super) fn recording_deleted(&mut self, ok: bool, title: String, fx: &mut Vec<Effect>) {
        if !ok {
            self.show_notice(Notice::RecordingFailed(title), fx);
        }
        if matches!(self.screen, super::Screen::Recordings(_)) {
            fx.push(Effect::Recorder(RecorderCommand::List));
        }
    }

    /// Plays `item` from where it was left (from its start when it was watched to the end).
    fn play_recording(&mut self, item: RecordingItem, fx: &mut Vec<Effect>, now: Now) {
        if item.segments.is_empty() {
            return self.show_notice(
                Notice::RecordingFailed(format!("{}: nothing to play yet", item.title)),
                fx,
            );
        }
        let from = item
            .position_ms
            .filter(|p| p + END_MARGIN_MS < item.length_ms)
            .unwrap_or(0);
        if self.tune.is_none() {
            return;
        }
        self.recording_seek(Some(item), from, fx, now);
    }

    /// Plays the current recording (or `item`) from `target_ms`, as a new request.
    fn recording_seek(
        &mut self,
        item: Option<RecordingItem>,
        target_ms: u64,
        fx: &mut Vec<Effect>,
        now: Now,
    ) {
        let Some(item) = item.or_else(|| self.recording_play().map(|p| p.item.clone())) else {
            return;
        };
        let target = target_ms.min(item.length_ms.saturating_sub(1000));
        let Some(segment) = item
            .segments
            .iter()
            .rev()
            .find(|s| s.offset_ms <= target)
            .or(item.segments.first())
            .cloned()
        else {
            return;
        };
        let _ = now;
        let within = target.saturating_sub(segment.offset_ms).min(segment.length_ms);
        let play = RecordingPlay {
            from_ms: segment.offset_ms + within,
            since_ms: None,
            paused: false,
            source: file_source(&segment.path),
            segment_offset_ms: segment.offset_ms,
            segment_end_ms: segment.offset_ms + segment.length_ms,
            item,
        };
        let Some(tune) = self.tune.as_mut() else { return };
        tune.archive = None;
        tune.shift = Default::default();
        tune.shift.start = StartAt::FileOffset { ms: within };
        tune.recording = Some(play);
        self.cancel_recovery(fx);
        self.play_current_source(fx);
        self.show_bar(fx);
    }

    fn recording_play(&self) -> Option<&RecordingPlay> {
        self.tune.as_ref().and_then(|t| t.recording.as_ref())
    }

    /// Whether the current tune plays a recording.
    pub(super) fn recording_playing(&self) -> bool {
        self.recording_play().is_some()
    }

    /// Keys while a recording plays (on the live screen).
    pub(super) fn recording_playback_action(
        &mut self,
        action: Action,
        fx: &mut Vec<Effect>,
        now: Now,
    ) -> bool {
        let Some(play) = self.recording_play() else {
            return false;
        };
        let position = play.position_ms(now);
        let paused = play.paused;
        match action {
            Action::Pause | Action::PlayPause if !paused => {
                if let Some(play) = self.tune.as_mut().and_then(|t| t.recording.as_mut()) {
                    play.from_ms = position;
                    play.since_ms = None;
                    play.paused = true;
                }
                if let Some(request) = self.request() {
                    fx.push(Effect::Player(super::PlayerCommand::Pause { request }));
                }
                self.show_bar(fx);
            }
            Action::Play | Action::PlayPause | Action::Pause => self.recording_seek(None, position, fx, now),
            Action::Left => self.recording_seek(
                None,
                position.saturating_sub(SKIP_LEFT_MS.unsigned_abs()),
                fx,
                now,
            ),
            Action::Right => self.recording_seek(None, position + SKIP_RIGHT_MS.unsigned_abs(), fx, now),
            // With the bar up the digits skip as on live TV (without it they type a channel).
            Action::Digit(d) if self.timeshift_bar_shown() => {
                if let Some(&(_, ms)) = DIGIT_SKIPS_MS.iter().find(|(k, _)| *k == d) {
                    let target = i64::try_from(position).unwrap_or(i64::MAX).saturating_add(ms);
                    self.recording_seek(None, u64::try_from(target).unwrap_or(0), fx, now);
                }
            }
            Action::Stop | Action::Back => self.recording_to_live(fx, now),
            Action::Info => self.show_bar(fx),
            // Trick play runs on the live channel's window, not in a file.
            Action::Rewind | Action::FastForward => self.show_bar(fx),
            _ => return false,
        }
        true
    }

    /// Back to the live channel; the position is kept for "resume".
    fn recording_to_live(&mut self, fx: &mut Vec<Effect>, now: Now) {
        let Some(tune) = self.tune.as_mut() else { return };
        let Some(play) = tune.recording.take() else { return };
        let position = play.position_ms(now);
        let kept = (position + END_MARGIN_MS < play.item.length_ms).then_some(position);
        fx.push(Effect::Recorder(RecorderCommand::SavePosition {
            folder: play.item.folder.clone(),
            position_ms: kept,
        }));
        if let Some(items) = self.library.items.as_mut()
            && let Some(item) = items.iter_mut().find(|i| i.folder == play.item.folder)
        {
            item.position_ms = kept;
        }
        tune.shift = Default::default();
        tune.shift.start = StartAt::Live;
        self.cancel_recovery(fx);
        self.play_current_source(fx);
    }

    /// The first frame of a recording's request: its clock starts.
    pub(super) fn recording_first_frame(&mut self, request: RequestId, now: Now) {
        if let Some(play) = self.current(request).and_then(|t| t.recording.as_mut())
            && play.since_ms.is_none()
            && !play.paused
        {
            play.since_ms = Some(now.monotonic_ms);
        }
    }

    /// A recording's request ended or failed: the next segment, else back to live (`true`:
    /// handled).
    pub(super) fn recording_failed(&mut self, request: RequestId, fx: &mut Vec<Effect>, now: Now) -> bool {
        let Some(play) = self.current(request).and_then(|t| t.recording.as_ref()) else {
            return false;
        };
        let next = play.segment_end_ms;
        let played = play.since_ms.is_some();
        let more = play.item.segments.iter().any(|s| s.offset_ms >= next) && next < play.item.length_ms;
        if played && more {
            self.recording_seek(None, next, fx, now);
        } else {
            self.recording_to_live(fx, now);
            if !played {
                self.show_notice(Notice::RecordingFailed("the recording does not play".into()), fx);
            }
        }
        true
    }

    /// The bar for a recording: it spans the recording; "live" is its end.
    pub(super) fn recording_view(&self, now: Now) -> Option<TimeshiftView> {
        let play = self.recording_play()?;
        let start_ms = play.item.start_s * 1000;
        let length = play.item.length_ms;
        let position = play.position_ms(now);
        let _ = play.segment_offset_ms;
        Some(TimeshiftView {
            paused: play.paused,
            behind_live_ms: length.saturating_sub(position),
            buffered_ms: length,
            position_utc_ms: start_ms + position as i64,
            live_utc_ms: start_ms + length as i64,
            programme: Some(super::ProgrammeView {
                title: play.item.title.clone(),
                start_s: play.item.start_s,
                stop_s: play.item.start_s + (length / 1000) as i64,
                id: None,
            }),
            bar_visible: self.timeshift_bar_shown() || play.paused,
            archive: true,
            trick: None,
        })
    }

    /// The recordings screen's view.
    pub(super) fn recordings_view(&self, nav: &RecordingsNav) -> RecordingsView {
        let items = self.library.items.as_deref().unwrap_or_default();
        let top = super::channel_list::first_visible(nav.focus, items.len(), RECORDING_ROWS);
        RecordingsView {
            rows: items
                .iter()
                .enumerate()
                .skip(top)
                .take(RECORDING_ROWS)
                .map(|(i, item)| RecordingRow {
                    title: item.title.clone(),
                    channel: item.channel.clone(),
                    start_s: item.start_s,
                    length_ms: item.length_ms,
                    bytes: item.bytes,
                    state: item.state,
                    position_ms: item.position_ms,
                    focused: i == nav.focus,
                })
                .collect(),
            position: nav.focus,
            total: items.len(),
            free_bytes: self.library.free_bytes,
            loading: self.library.items.is_none(),
            confirm_delete: nav
                .confirm_delete
                .then(|| items.get(nav.focus).map(|i| i.title.clone()))
                .flatten(),
        }
    }
}

/// A recording's segment as a source for the player (the box's own file, never a playlist's).
fn file_source(path: &str) -> Source {
    Source {
        url: format!("file://{path}"),
        kind: SourceKind::Http,
        multicast: None,
        user_agent: None,
        referrer: None,
        headers: Vec::new(),
        program: None,
        properties: Vec::new(),
        origin: Origin {
            file: "recordings".into(),
            line: 0,
        },
    }
}
