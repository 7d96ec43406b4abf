// SPDX-License-Identifier: GPL-3.0-or-later
//! Everything the core asks the shell to do. The shell executes effects in order; the core never
//! touches the outside world itself.

use super::playback::RequestId;
use super::state::SavedState;
use crate::lineup::{ChannelKey, Source};

/// One output of [`Core::handle`](super::Core::handle).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Player(PlayerCommand),
    /// Tell the HDMI-CEC adapter to send something.
    Cec(super::cec::CecCommand),
    /// Tell the phone companion's server to open pairing.
    Companion(super::companion::CompanionCommand),
    /// Deliver `Event::Timer(timer)` after `after_ms`, replacing a pending timer with the same id.
    StartTimer {
        timer: TimerId,
        after_ms: u64,
    },
    /// Forget a pending timer (a late delivery is harmless: the core checks generations).
    CancelTimer(TimerId),
    /// Persist this state (atomically).
    SaveState(Box<SavedState>),
    /// Read this programme's details from the loaded guide; answer with `Event::DetailsLoaded`.
    LoadDetails(crate::guide::ProgrammeId),
    /// Get this channel logo (`http(s)://` only), decoded; answer with `Event::LogoLoaded`.
    LoadLogo(String),
    /// The viewer chose a guide channel for a channel: match the guide again with these overrides.
    RebuildGuide {
        overrides: std::collections::BTreeMap<ChannelKey, String>,
    },
    /// Time to fetch the guide again (every [`GUIDE_REFRESH_MS`](super::GUIDE_REFRESH_MS)):
    /// ingest these sources and the lineup's own guide URLs, then load the result.
    RefreshGuide {
        guides: Vec<String>,
    },
    /// Save the recording schedule (atomically, off the UI thread).
    SaveSchedule(super::schedule::Schedule),
    /// Tell the recorder to start, stop or resume recordings.
    Recorder(super::recording::RecorderCommand),
    /// The viewer changed the sources: load the lineup and the guide from these again.
    ReloadSources {
        playlists: Vec<String>,
        guides: Vec<String>,
    },
}

/// Commands for the player adapter.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerCommand {
    /// Stop whatever plays and play this source; later events carry `request`. `hot` are the
    /// channels to keep joined besides it (the hot set after this zap): every group neither live nor
    /// hot is left before anything is joined.
    Play {
        request: RequestId,
        channel: ChannelKey,
        /// Boxed: a source is large next to the other commands.
        source: Box<Source>,
        hot: Vec<HotChannel>,
        /// Where a multicast/RTP channel starts: live, or behind live in its timeshift window
        /// (other sources always start live).
        start: StartAt,
    },
    /// Freeze the picture and stop the sound of this request; the channel's window keeps filling.
    /// A `Play` of the same channel with a `start` behind live resumes.
    Pause {
        request: RequestId,
    },
    /// Play on a paused request where it stands (an archive that cannot be asked from a given
    /// time: `vod` catch-up). Sources that can be asked from a time resume with a new `Play`.
    Resume {
        request: RequestId,
    },
    /// A new hot set without a zap (expiry, budget, refusals).
    Hot {
        channels: Vec<HotChannel>,
    },
    /// The audio track the next `Play` starts with when its tracks appear (sent before it;
    /// kept until the next one). A later `SelectAudio` still switches.
    PreferAudio {
        preference: super::AudioPreference,
    },
    /// Play this audio track (an id from `PlayerEvent::Tracks`) in the current request.
    SelectAudio {
        request: RequestId,
        track: String,
    },
    /// Show this subtitle track (one from `PlayerEvent::SubtitleTracks`) in the current
    /// request, or none.
    SelectSubtitle {
        request: RequestId,
        track: Option<super::SubtitleTrack>,
        /// Show them this much later than their PTS (negative: earlier); sent again with the
        /// same track when only the delay changes.
        delay_ms: i32,
    },
    /// Decode every teletext page of the request's stream and report them (the viewer is
    /// open), or stop doing so.
    Teletext {
        request: RequestId,
        open: bool,
    },
    /// Stop playback and leave any multicast group.
    Stop,
    SetVolume {
        percent: u8,
    },
    SetMute {
        muted: bool,
    },
}

/// Where a tune request starts in its channel's timeshift window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartAt {
    /// At the newest keyframe (a zap).
    #[default]
    Live,
    /// At the keyframe at or before this far behind live (the oldest one kept when the window is
    /// shorter), fed at the pace it arrived.
    BehindLive { ms: u64 },
    /// A file (a recording played back) from this far into it.
    FileOffset { ms: u64 },
    /// From this far behind live, running through the window at a trick speed (REWIND, FAST
    /// FORWARD); the player reports where it is with `PlayerEvent::TrickPosition`.
    Trick { ms: u64, trick: Trick },
}

/// Which way trick play runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// Trick play speeds, cycled by repeated REWIND or FAST FORWARD presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Speed {
    X2,
    X4,
    X8,
    X16,
    X32,
}

impl Speed {
    /// Times real time.
    pub fn factor(self) -> u32 {
        match self {
            Speed::X2 => 2,
            Speed::X4 => 4,
            Speed::X8 => 8,
            Speed::X16 => 16,
            Speed::X32 => 32,
        }
    }

    /// The next speed of the cycle (×32 wraps to ×2).
    pub fn next(self) -> Self {
        match self {
            Speed::X2 => Speed::X4,
            Speed::X4 => Speed::X8,
            Speed::X8 => Speed::X16,
            Speed::X16 => Speed::X32,
            Speed::X32 => Speed::X2,
        }
    }
}

/// A trick-play speed and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trick {
    pub direction: Direction,
    pub speed: Speed,
}

impl Trick {
    /// Whether every frame is shown (×2 and ×4 both ways, muted; rewind decodes each GOP
    /// forward and shows it reversed). Faster speeds show keyframes only.
    pub fn every_frame(self) -> bool {
        self.speed <= Speed::X4
    }

    /// Milliseconds of the channel passed per millisecond of wall clock, negative backwards.
    pub fn rate(self) -> i64 {
        let factor = i64::from(self.speed.factor());
        match self.direction {
            Direction::Forward => factor,
            Direction::Backward => -factor,
        }
    }

    /// How fast the position moves away from live per millisecond (negative: towards it):
    /// live runs on at 1 while the picture runs at `rate`.
    pub fn drift(self) -> i64 {
        1 - self.rate()
    }
}

/// A channel to keep joined (a multicast/RTP source) so a zap to it starts from its cached keyframe.
#[derive(Debug, Clone, PartialEq)]
pub struct HotChannel {
    pub channel: ChannelKey,
    pub source: Box<Source>,
}

/// Timers the core uses. Ids carry a generation where a stale firing must be recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerId {
    /// Commit the typed digits (generation of the digit entry).
    DigitEntry(u64),
    /// Hide the info banner (generation of the banner).
    BannerHide(u64),
    /// Hide the current notice (generation of the notice).
    NoticeHide(u64),
    /// Next attempt for a tune request that failed or stalled.
    Retry(RequestId),
    /// A stall lasted too long: rebuild the pipeline.
    StallEscalate(RequestId),
    /// A request still shows no picture although nothing failed: rebuild the pipeline.
    FirstPicture(RequestId),
    /// Check that the player switched to the audio track asked for.
    AudioCheck(RequestId),
    /// Write the state file after changes settle (spares the flash on key repeats).
    SaveState,
    /// The channel list's focus rested: preview the focused channel (generation of the focus).
    ListPreview(u64),
    /// The TV switched to another input a while ago: standby now (generation of the switch).
    CecInputSwitch(u64),
    /// No zap for a while: let the hot channels go (generation of the hot set).
    HotExpire(u64),
    /// Hide the timeshift bar (generation of the bar).
    TimeshiftBar(u64),
    /// Fetch the guide sources again (they publish new days; the index expires old ones).
    GuideRefresh,
    /// Look at the recording plan: start what is due, stop what was cancelled.
    Recordings,
}
