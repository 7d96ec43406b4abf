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

/// The board whose profile lists a `compatible` string of this device tree
/// (`/proc/device-tree/compatible`: NUL-separated, most specific first).
pub fn detect(dirs: &[PathBuf]) -> Option<String> {
    let compatible = std::fs::read("/proc/device-tree/compatible").ok()?;
    detect_in(&compatible, &profiles(dirs))
}

/// Pure part of [`detect`]: the first profile matching the most specific compatible string.
pub fn detect_in(compatible: &[u8], profiles: &[BoardProfile]) -> Option<String> {
    compatible
        .split(|b| *b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok())
        .filter(|s| !s.is_empty())
        .find_map(|c| profiles.iter().find(|p| p.compatible.iter().any(|pc| pc == c)))
        .map(|p| p.name.clone())
}

/// Every readable profile under `dirs` (invalid ones are skipped with a warning).
pub fn profiles(dirs: &[PathBuf]) -> Vec<BoardProfile> {
    let mut found: Vec<BoardProfile> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if found.iter().any(|p| p.name == name) {
                continue;
            }
            match load(&name, std::slice::from_ref(dir)) {
                Ok(profile) => found.push(profile),
                Err(BoardError::NotFound { .. }) => {}
                Err(e) => log::warn!("{e}"),
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, compatible: &[&str]) -> BoardProfile {
        BoardProfile {
            name: name.into(),
            compatible: compatible.iter().map(|s| s.to_string()).collect(),
            ..BoardProfile::default()
        }
    }

    #[test]
    fn detection_prefers_the_most_specific_compatible_string() {
        let profiles = [
            profile("rpi4", &["raspberrypi,4-model-b"]),
            profile("generic", &["brcm,bcm2711"]),
        ];
        assert_eq!(
            detect_in(b"raspberrypi,4-model-b\0brcm,bcm2711\0", &profiles).as_deref(),
            Some("rpi4")
        );
        assert_eq!(
            detect_in(b"other\0brcm,bcm2711\0", &profiles).as_deref(),
            Some("generic")
        );
        assert_eq!(detect_in(b"\xff\0", &profiles), None);
    }

    #[test]
    fn the_shipped_profiles_load() {
        let dirs = [Path::new(env!("CARGO_MANIFEST_DIR")).join("board")];
        let all = profiles(&dirs);
        assert!(all.iter().any(|p| p.name == "pc"), "{all:?}");
        for p in &all {
            assert_eq!(load(&p.name, &dirs).unwrap(), *p);
        }
        assert!(matches!(load("../etc", &dirs), Err(BoardError::NotFound { .. })));
    }
}
