// SPDX-License-Identifier: GPL-3.0-or-later
//! Everything that can happen to the core. Adapters translate their world into these values;
//! every event is `Debug + Clone` so a trace from a box can be replayed in a test.

use super::action::Action;
use super::audio::AudioTrack;
use super::effect::TimerId;
use super::guide::GuideHandle;
use super::playback::RequestId;
use crate::lineup::{ChannelKey, Lineup};
use std::sync::Arc;

/// One input to [`Core::handle`](super::Core::handle).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The shell is up: tune the last channel.
    Started,
    /// A remote, CEC or keyboard action (already mapped by a keymap).
    Action(Action),
    /// Something the player observed, always about one tune request.
    Player(PlayerEvent),
    /// A timer the core asked for has fired.
    Timer(TimerId),
    /// A new lineup was loaded (reload or late network start); problems to show come separately.
    /// Shared, not copied: a 50,000-channel lineup is tens of MB, and the loader keeps it for the
    /// guide ingest that follows.
    LineupLoaded(Arc<Lineup>),
    /// A guide for the current lineup was loaded or rebuilt.
    GuideLoaded(GuideHandle),
    /// What the HDMI-CEC adapter saw on the bus.
    Cec(super::cec::CecEvent),
    /// What the phone companion's server reports (listening, paired, closed).
    Companion(super::companion::CompanionEvent),
    /// A paired phone asks for something (sources, text); its remote keys come as `Action`.
    Phone(super::companion::PhoneRequest),
    /// The details of a programme asked for with `Effect::LoadDetails` (`None`: it has none).
    DetailsLoaded {
        id: crate::guide::ProgrammeId,
        details: Option<crate::guide::Details>,
    },
    /// A logo asked for with `Effect::LoadLogo`, decoded (`None`: it cannot be had).
    LogoLoaded {
        url: String,
        picture: Option<super::fetch::Picture>,
    },
    /// What the recorder reports (resumed at start, a recording ended).
    Recorder(super::recording::RecorderEvent),
    /// A problem from outside the core to show in plain words (playlist, guide, config).
    Problem(String),
    /// The wall clock was set (NTP step, `date -s`, a time zone or daylight-saving mistake fixed):
    /// it jumped by `by_ms` against the monotonic clock. Timers run on the monotonic clock and
    /// are not affected; what the core keeps in wall-clock time follows the jump.
    ClockStepped { by_ms: i64 },
    /// The service is stopping: save what must survive.
    Shutdown,
}

/// Facts reported by the player adapter. Each names the request it belongs to; the core ignores
/// events of requests it has moved on from, so a late message from the old channel cannot confuse a zap.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    /// The first video frame of this request is on screen (or the first audio for radio).
    FirstFrame {
        request: RequestId,
        /// The video decoder element that won (e.g. `v4l2h264dec`, `avdec_h264`).
        decoder: Option<String>,
    },
    /// The player started this request: which path the zap took and, for a start from a cached
    /// keyframe, how far behind live the picture runs.
    Started {
        request: RequestId,
        path: ZapPath,
        behind_live_ms: Option<u64>,
    },
    /// The live channel's timeshift window, every second: its oldest keyframe is `buffered_ms`
    /// behind live (what REWIND and the skips can reach).
    Buffered { request: RequestId, buffered_ms: u64 },
    /// Where a trick-play request (REWIND, FAST FORWARD) is: the keyframe or frame last fed is
    /// `behind_live_ms` behind live; `edge` when the run reached live or the window's tail.
    /// Sent a few times a second while it runs.
    TrickPosition {
        request: RequestId,
        behind_live_ms: u64,
        edge: Option<WindowEdge>,
    },
    /// The disk part of the live channel's window was given up: the RAM window goes on alone.
    TimeshiftDisk {
        request: RequestId,
        problem: DiskProblem,
    },
    /// A hot channel was given up: the player left its group.
    HotLost { channel: ChannelKey, reason: HotLoss },
    /// The measured bitrate of a joined channel (live or hot), when first known and when it moves.
    Bitrate { channel: ChannelKey, bps: u64 },
    /// Continuity-counter errors (TS packets lost, repeated or reordered on the way) that the
    /// receiver counted on this request's stream since its last report: reported at most once a
    /// second, only when there are new ones.
    StreamErrors { request: RequestId, continuity: u64 },
    /// No data for a while (the receiver saw no packets): the picture is frozen.
    Stalled { request: RequestId },
    /// Data flows again after a stall.
    Resumed { request: RequestId },
    /// The audio tracks of the stream and the one actually playing (sent again when it changes).
    Tracks {
        request: RequestId,
        audio: Vec<AudioTrack>,
        selected: Option<String>,
    },
    /// The subtitle tracks of the stream (from the PMT, or captions found in the video); sent
    /// again when they change.
    SubtitleTracks {
        request: RequestId,
        tracks: Vec<super::SubtitleTrack>,
    },
    /// The text of the subtitle track shown, now due on screen (replaces the previous text;
    /// empty clears it).
    SubtitleText {
        request: RequestId,
        lines: Vec<super::SubtitleLine>,
    },
    /// The bitmap subtitle (DVB) of the track shown, now due on screen (`None` clears it).
    SubtitleImage {
        request: RequestId,
        image: Option<super::SubtitleImage>,
    },
    /// A teletext page of the stream, while the viewer is open.
    TeletextPage {
        request: RequestId,
        page: Box<crate::mpegts::teletext::Page>,
    },
    /// The source or pipeline failed.
    Failed { request: RequestId, error: PlayerError },
    /// New DVB EIT sections the stream carries (present/following, schedule).
    Eit {
        request: RequestId,
        sections: Vec<crate::mpegts::eit::EitSection>,
    },
    /// The DVB service the stream carries: the original network from its SDT actual, the
    /// transport stream and service ids from its PAT and the program played. EIT *other*
    /// tables for that service, wherever they arrive, describe this channel.
    Service {
        request: RequestId,
        service: crate::mpegts::eit::DvbService,
    },
}

/// How a zap reached its first frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZapPath {
    /// From a hot channel's cached keyframe.
    Hot,
    /// A multicast/RTP join (or a tap without a keyframe yet): waits for the next keyframe.
    Cold,
    /// HLS, DASH or HTTP.
    Ott,
}

/// An end of the timeshift window that trick play ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowEdge {
    /// Fast forward caught up with live.
    Live,
    /// Rewind reached the oldest keyframe kept.
    Tail,
}

/// Why the timeshift window's disk part was given up (the RAM window stays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiskProblem {
    /// The disk took the stream slower than it arrived.
    Slow,
    /// No space left above the free-space floor.
    Full,
    /// The folder could not be created or written.
    Failed,
}

/// Why a hot channel was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HotLoss {
    /// Nothing arrived after the join: the network probably refused it (IGMP stream limits).
    Refused,
    /// Data stopped: the sender is gone.
    Silent,
}

/// A typed player failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerError {
    pub kind: ErrorKind,
    /// Human-readable detail for logs and the diagnostics screen.
    pub detail: String,
}

/// The closed set of failure kinds the core reasons about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Network or server trouble: worth retrying the same source.
    Network,
    /// The stream arrived but could not be demuxed or decoded: try another source, then retry.
    Stream,
    /// Nothing on this box can play it (missing decoder, unsupported URL): retrying will not help.
    Unsupported,
}

impl ErrorKind {
    /// Whether retrying the same source later can succeed.
    pub fn is_permanent(self) -> bool {
        matches!(self, ErrorKind::Unsupported)
    }
}
