// SPDX-License-Identifier: GPL-3.0-or-later
//! Logical remote-control actions: what a key means, independent of which remote or keyboard sent it.

use serde::{Deserialize, Serialize};

/// One logical action. Keymaps (IR, CEC, USB, desktop keyboard) translate key codes into these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A digit key, 0..=9.
    Digit(u8),
    Up,
    Down,
    Left,
    Right,
    Ok,
    Back,
    Menu,
    Guide,
    Info,
    ChannelUp,
    ChannelDown,
    VolumeUp,
    VolumeDown,
    Mute,
    Power,
    Red,
    Green,
    Yellow,
    Blue,
    Play,
    Pause,
    PlayPause,
    Stop,
    Rewind,
    FastForward,
    Record,
    /// Previous channel recall.
    Last,
    /// Cycle through the favourites lists.
    Favorites,
    Subtitle,
    Audio,
    /// Teletext (TEXT): opens the viewer, then makes it transparent, then closes it.
    Text,
}
