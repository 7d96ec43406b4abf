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
}

impl Default for SavedState {
    fn default() -> Self {
        Self {
            last_channel: None,
            history: Vec::new(),
            volume_percent: 80,
            muted: false,
            favourites: BTreeMap::new(),
        }
    }
}
