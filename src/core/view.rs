// SPDX-License-Identifier: GPL-3.0-or-later
//! The view model: everything a screen needs, computed from the core's state on demand. Adapters
//! render it; they never keep state of their own about what is playing.

use super::audio::AudioTrack;
use super::guide::ProgrammeView;
use super::playback::Phase;
use super::view_screens::{PinView, ScreenView};
use super::zapping::ListRef;
use crate::lineup::{Channel, ChannelKey};

/// What the TV shows now.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewModel {
    /// The logo of the requested channel, once it is here.
    pub logo: Option<super::fetch::Picture>,
    /// Wall clock for the on-screen clock, in milliseconds since the Unix epoch (UTC).
    pub clock_utc_ms: i64,
    /// The list channel up/down walks through.
    pub list: ListRef,
    /// The channel the viewer asked for (may still be tuning).
    pub requested: Option<ChannelView>,
    /// The channel whose picture is actually on screen (may lag `requested` during a zap).
    pub on_screen: Option<ChannelView>,
    /// The phase of the requested channel.
    pub phase: Option<Phase>,
    pub banner_visible: bool,
    pub digits: Option<DigitsView>,
    /// The one message to show, most important first: an explicit notice, else the playback trouble.
    pub notice: Option<Notice>,
    pub volume_percent: u8,
    pub muted: bool,
    /// The video decoder of the channel on screen.
    pub decoder: Option<String>,
    /// The latest zaps, newest first: key to first frame and the path taken.
    pub recent_zaps: Vec<ZapRecord>,
    /// Audio tracks of the channel and the id of the one playing.
    pub audio_tracks: Vec<AudioTrack>,
    pub audio_selected: Option<String>,
    /// Subtitle tracks of the channel and the id of the one shown (`None`: off).
    pub subtitle_tracks: Vec<super::SubtitleTrack>,
    pub subtitle_selected: Option<String>,
    /// The subtitle text to draw over the picture (empty: none).
    pub subtitle_lines: Vec<super::SubtitleLine>,
    /// The bitmap subtitle to draw over the picture.
    pub subtitle_image: Option<super::SubtitleImage>,
    /// How subtitle text is drawn.
    pub subtitle_style: super::SubtitleStyle,
    /// Standby: the screen is dark and nothing plays.
    pub standby: bool,
    /// What is on the requested channel now and next (banner).
    pub now: Option<ProgrammeView>,
    pub next: Option<ProgrammeView>,
    /// The screen over the live picture.
    pub screen: ScreenView,
    /// The PIN prompt, over everything.
    pub pin: Option<PinView>,
    /// Picture fit and interface language (`en`, `de`).
    pub aspect: super::picture::Aspect,
    pub ui_language: String,
    /// The device that turns the volume over HDMI-CEC (the banner says so); `None`: the box.
    pub volume_device: Option<super::cec::CecDevice>,
    /// Pause and rewind: the bar, and how far behind live the picture is (`None`: live, no bar).
    pub timeshift: Option<super::TimeshiftView>,
    /// GREEN plays the programme on air from its start from the channel's archive (the banner
    /// offers it): the channel has catch-up and the archive holds the programme's start.
    pub watch_from_start: bool,
    /// The requested channel is being recorded (the banner's REC mark).
    pub recording: bool,
    /// Recordings running now, of any channel.
    pub recordings_running: usize,
    /// The second REC's dialog, over the screen.
    pub rec_dialog: Option<super::recording::RecDialogView>,
}

/// One zap as measured: key press to first frame, and how the player got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapRecord {
    pub channel: ChannelKey,
    pub ms: u64,
    /// `None` when the player did not say (an old report).
    pub path: Option<super::event::ZapPath>,
    /// For a start from a cached keyframe: how far behind live the picture runs.
    pub behind_live_ms: Option<u64>,
}

/// The channel facts the screens show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelView {
    pub key: ChannelKey,
    pub number: u32,
    pub name: String,
    pub logo: Option<String>,
    pub group: Option<String>,
}

impl From<&Channel> for ChannelView {
    fn from(c: &Channel) -> Self {
        Self {
            key: c.key.clone(),
            number: c.number,
            name: c.name.clone(),
            logo: c.logo.clone(),
            group: c.groups.first().cloned(),
        }
    }
}

/// The digit entry overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitsView {
    pub typed: String,
    /// The channel the typed number would tune, if it exists.
    pub target: Option<ChannelView>,
}

/// Messages for the viewer, in plain words once the UI renders them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The typed number has no channel.
    NoSuchChannel(u32),
    /// The stream stopped arriving.
    NoSignal,
    /// A stream the box fetches (HLS, DASH, HTTP) arrives too slowly, or not at all: the picture
    /// waits for the origin.
    Buffering,
    /// Recovering after a failure.
    Reconnecting { attempt: u32 },
    /// No source of the channel can be played on this box.
    CannotPlay(String),
    /// The FAVORITES key switched lists.
    ListChanged(ListRef),
    /// The AUDIO key switched to a track in this language (`None`: undeclared).
    AudioTrack(Option<String>),
    /// There are no channels (no playlist, or none usable).
    NoChannels,
    /// A problem reported from outside the core (playlist, guide, config), already in words.
    Problem(String),
    /// The channel is locked: the PIN prompt is up.
    ChannelLocked,
    /// YELLOW in the channel list added the channel to (or removed it from) a favourites list.
    Favourite { list: String, added: bool },
    /// A typed playlist or guide address is not an http(s) URL or an absolute path.
    BadAddress(String),
    /// The new PIN is saved.
    PinChanged,
    /// Too many wrong PINs: the prompt accepts none for this many more minutes.
    PinLocked { minutes: u32 },
    /// A pause outlasted the timeshift window: playing on from the oldest frame kept.
    TimeshiftFromStart,
    /// The timeshift disk was too slow or full: only the RAM window is kept.
    TimeshiftRamOnly,
    /// REC: this programme records now.
    RecordingStarted(String),
    /// REC: this programme is scheduled.
    RecordingScheduled(String),
    /// Every episode of this title on the channel is scheduled.
    RecordingSeries(String),
    /// This channel at this time every week is scheduled.
    RecordingWeekly(String),
    /// The recording of this programme is cancelled.
    RecordingCancelled(String),
    /// REC on a programme that has aired.
    RecordingAired,
    /// More streams than the budget allows at some time: when, how many, what else records.
    RecordingConflict(String),
    /// A recording was stopped by a full disk (what was written is kept).
    RecordingDiskFull(String),
    /// A recording could not start or go on: what and why.
    RecordingFailed(String),
    /// REC cannot record here, and why.
    CannotRecord(String),
    /// This recording is still being written: it cannot be deleted yet.
    RecordingBusy(String),
}

impl Notice {
    /// The notice a playback phase implies, if any; `fetched`: the source is one the player
    /// fetches over HTTP (HLS, DASH, progressive), whose stalls are buffering.
    pub fn for_phase(phase: &Phase, fetched: bool) -> Option<Notice> {
        match phase {
            Phase::Tuning | Phase::Playing => None,
            Phase::Locked => Some(Notice::ChannelLocked),
            Phase::Stalled if fetched => Some(Notice::Buffering),
            Phase::Stalled => Some(Notice::NoSignal),
            Phase::Retrying { attempt } => Some(Notice::Reconnecting { attempt: *attempt }),
            Phase::Failed { reason } => Some(Notice::CannotPlay(reason.clone())),
        }
    }
}
