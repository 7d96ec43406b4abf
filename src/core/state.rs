// SPDX-License-Identifier: GPL-3.0-or-later
//! What the core remembers across restarts. The core emits it in [`Effect::SaveState`](super::Effect);
//! the system adapter writes it atomically and hands it back at start.

use crate::lineup::ChannelKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The persisted part of the core's state (the state file, not the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedState {
    /// The channel to tune at start.
    pub last_channel: Option<ChannelKey>,
    /// Recently watched channels, most recent first (for LAST and the history list).
    pub history: Vec<ChannelKey>,
    /// Volume in percent, 0..=100.
    pub volume_percent: u8,
    pub muted: bool,
    /// Named favourites lists, each in the viewer's order.
    pub favourites: BTreeMap<String, Vec<ChannelKey>>,
    /// Choices made in the menu; they win over the configuration.
    pub preferences: SavedPreferences,
    pub parental: SavedParental,
    /// Playlists and guides the viewer added in the menu (besides the operator's).
    pub sources: SavedSources,
    /// Guide channel ids the viewer chose for lineup channels (menu); they win over matching.
    pub guide_overrides: BTreeMap<ChannelKey, String>,
    /// HDMI-CEC choices made in the menu.
    pub cec: SavedCec,
    /// The subtitle choice made with the SUBTITLE key, per channel.
    pub subtitles: BTreeMap<ChannelKey, super::SavedSubtitle>,
    /// The audio choice made with the AUDIO key, per channel.
    pub audio: BTreeMap<ChannelKey, super::SavedAudio>,
}

/// Menu choices (`None`: the configuration's value).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedPreferences {
    pub audio_language: Option<String>,
    /// Prefer the audio description.
    pub audio_description: Option<bool>,
    /// Subtitles at tune, on or off.
    pub subtitles: Option<bool>,
    /// Preferred subtitle language (ISO 639).
    pub subtitle_language: Option<String>,
    /// Prefer subtitles for the hard of hearing.
    pub hard_of_hearing: Option<bool>,
    /// How subtitles look and their delay.
    pub subtitle_style: Option<super::SubtitleStyle>,
    pub aspect: Option<super::picture::Aspect>,
    pub ui_language: Option<String>,
}

/// The viewer's PIN and locks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedParental {
    /// A PIN in clear, as older versions stored it: read once, then replaced by `pin_hash`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// The viewer's PIN as an Argon2id PHC string (see `core::pin_lock`).
    pub pin_hash: Option<String>,
    pub locked_channels: Vec<ChannelKey>,
    /// Wrong PIN entries in a row.
    pub failed_pins: u32,
    /// Until when (Unix ms) the PIN prompt accepts nothing after too many wrong entries.
    pub pin_locked_until_ms: Option<i64>,
}

/// Sources added from the menu.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedSources {
    pub playlists: Vec<String>,
    pub guides: Vec<String>,
}

impl Default for SavedState {
    fn default() -> Self {
        Self {
            last_channel: None,
            history: Vec::new(),
            volume_percent: 80,
            muted: false,
            favourites: BTreeMap::new(),
            preferences: SavedPreferences::default(),
            parental: SavedParental::default(),
            sources: SavedSources::default(),
            guide_overrides: BTreeMap::new(),
            cec: SavedCec::default(),
            subtitles: BTreeMap::new(),
            audio: BTreeMap::new(),
        }
    }
}

/// HDMI-CEC choices made in the menu (`None`: the configuration's value).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedCec {
    pub volume: Option<super::VolumeControl>,
    pub standby_tv: Option<bool>,
    pub standby_on_input_switch_s: Option<u32>,
}

impl SavedCec {
    /// Puts these choices over the configured settings.
    pub fn apply(&self, settings: &mut super::CecSettings) {
        if let Some(v) = self.volume {
            settings.volume = v;
        }
        if let Some(v) = self.standby_tv {
            settings.standby_tv = v;
        }
        if let Some(v) = self.standby_on_input_switch_s {
            settings.standby_on_input_switch_s = v;
        }
    }
}
