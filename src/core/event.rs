// SPDX-License-Identifier: GPL-3.0-or-later
//! Everything that can happen to the core. Adapters translate their world into these values;
//! every event is `Debug + Clone` so a trace from a box can be replayed in a test.

use super::action::Action;
use super::audio::AudioTrack;
use super::effect::TimerId;
use super::guide::GuideHandle;
use super::playback::RequestId;
use super::zapping::ListRef;
use crate::lineup::{ChannelKey, Lineup};

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
    LineupLoaded(Lineup),
    /// A guide for the current lineup was loaded or rebuilt.
    GuideLoaded(GuideHandle),
    /// What the HDMI-CEC adapter saw on the bus.
    Cec(super::cec::CecEvent),
    /// What the phone companion's server reports (listening, paired, closed).
    Companion(super::companion::CompanionEvent),
    /// A paired phone asks for something (sources, text); its remote keys come as `Action`.
    Phone(super::companion::PhoneRequest),
    /// A problem from outside the core to show in plain words (playlist, guide, config).
    Problem(String),
    /// Tune this channel directly (channel list, guide, or a test).
    Tune(ChannelKey),
    /// Make channel up/down walk this list (chosen in the channel list).
    SelectList(ListRef),
    /// Add or remove a channel in a favourites list.
    ToggleFavourite { list: String, channel: ChannelKey },
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
    /// The source or pipeline failed.
    Failed { request: RequestId, error: PlayerError },
    /// New DVB EIT sections the stream carries (present/following, schedule).
    Eit {
        request: RequestId,
        sections: Vec<crate::epg::eit::EitSection>,
    },
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
