// SPDX-License-Identifier: GPL-3.0-or-later
//! Board profiles (`board/<name>/profile.json`): what differs between boards — decoder ranks, the
//! video output strategy and sink, the audio sink, the multicast interface, input device hints.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How decoded video reaches the screen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VideoStrategy {
    /// Frames into the UI as an image (desktop, tests, screenshots).
    #[default]
    Texture,
    /// A sink on its own plane or surface under the transparent UI.
    Overlay,
}

/// Video output settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct VideoProfile {
    pub strategy: VideoStrategy,
    /// Sink element for `overlay` (`kmssink`, `waylandsink`).
    pub sink: Option<String>,
}

/// One board's profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BoardProfile {
    pub name: String,
    pub description: String,
    /// `/proc/device-tree/compatible` entries that identify the board.
    pub compatible: Vec<String>,
    /// GStreamer feature ranks to set (e.g. `{"v4l2h264dec": 300, "avdec_h264": 64}`).
    pub decoder_ranks: BTreeMap<String, i32>,
    pub video: VideoProfile,
    pub audio_sink: String,
    /// Interface name for multicast joins (`eth0`); `None` lets the routing table decide.
    pub multicast_interface: Option<String>,
    /// Input device names to prefer as the remote.
    pub input_devices: Vec<String>,
    /// Free-form notes for integrators (e.g. "no hardware H.264 decoder").
    pub notes: Vec<String>,
}

impl Default for BoardProfile {
    fn default() -> Self {
        Self {
            name: "pc".into(),
            description: "Desktop PC (development)".into(),
            compatible: Vec::new(),
            decoder_ranks: BTreeMap::new(),
            video: VideoProfile::default(),
            audio_sink: "autoaudiosink".into(),
            multicast_interface: None,
            input_devices: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Errors loading a profile.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error(
        "no board profile named {name} in {searched:?}; install the board files or fix `board` in the config"
    )]
    NotFound { name: String, searched: Vec<PathBuf> },
    #[error("board profile {path} is invalid: {source}")]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot read board profile {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
}

/// Where board folders are looked for: the installed data, then the source tree.
pub fn search_path() -> Vec<PathBuf> {
    vec![
        PathBuf::from("/usr/share/zapbox/board"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("board"),
    ]
}

/// Loads `<dir>/<name>/profile.json` from the first directory in `dirs` that has it.
pub fn load(name: &str, dirs: &[PathBuf]) -> Result<BoardProfile, BoardError> {
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let path = dirs
        .iter()
        .map(|d| d.join(name).join("profile.json"))
        .find(|p| valid_name && p.is_file())
        .ok_or_else(|| BoardError::NotFound {
            name: name.into(),
            searched: dirs.to_vec(),
        })?;
    let text = std::fs::read_to_string(&path).map_err(|source| BoardError::Read {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| BoardError::Invalid { path, source })
}
