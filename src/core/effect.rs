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
    /// Wake the display or blank it (standby).
    Display {
        on: bool,
    },
    /// The viewer chose a guide channel for a channel: match the guide again with these overrides.
    RebuildGuide {
        overrides: std::collections::BTreeMap<ChannelKey, String>,
    },
    /// The viewer changed the sources: load the lineup and the guide from these again.
    ReloadSources {
        playlists: Vec<String>,
        guides: Vec<String>,
    },
}

/// Commands for the player adapter.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerCommand {
    /// Stop whatever plays and play this source; later events carry `request`.
    Play {
        request: RequestId,
        channel: ChannelKey,
        /// Boxed: a source is large next to the other commands.
        source: Box<Source>,
    },
    /// Play this audio track (an id from `PlayerEvent::Tracks`) in the current request.
    SelectAudio {
        request: RequestId,
        track: String,
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
    /// Check that the player switched to the audio track asked for.
    AudioCheck(RequestId),
    /// Write the state file after changes settle (spares the flash on key repeats).
    SaveState,
    /// The channel list's focus rested: preview the focused channel (generation of the focus).
    ListPreview(u64),
    /// The TV switched to another input a while ago: standby now (generation of the switch).
    CecInputSwitch(u64),
}
