// SPDX-License-Identifier: GPL-3.0-or-later
//! Board profiles (`board/<name>/profile.json`): what differs between boards — decoder ranks, the
//! video output strategy and sink, the display (connector, mode, video plane), the audio sink, the
//! multicast interface, input device hints, the IR remote's receiver and rc keymaps, which codec to
//! prefer. It only reads files: applying a profile is the player's and the UI's business. Every field
//! has a default, so older profiles stay valid.
//!
//! [`Board`] is the one list of the boards the project ships: the `board/` folders, the probe,
//! the tests and the Yocto layer's machine mapping are checked against it. What every board shares
//! lives once beside the folders: `board/keymap.default.json`, the rc keymaps `board/rc_keymaps/`
//! (each profile names the ones its remote uses) and the udev rule `board/udev/`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The boards the project supports, each with a folder `board/<name>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Board {
    Pc,
    Rpi4,
    Rpi5,
    AmlogicS905x,
    RockchipRk3588,
    Imx8mp,
    QemuArm64,
    QemuVirt,
}

impl Board {
    /// Every supported board.
    pub const ALL: [Board; 8] = [
        Board::Pc,
        Board::Rpi4,
        Board::Rpi5,
        Board::AmlogicS905x,
        Board::RockchipRk3588,
        Board::Imx8mp,
        Board::QemuArm64,
        Board::QemuVirt,
    ];

    /// The folder and profile name (`board/<name>/`, `"board"` in the configuration).
    pub fn name(self) -> &'static str {
        match self {
            Board::Pc => "pc",
            Board::Rpi4 => "rpi4",
            Board::Rpi5 => "rpi5",
            Board::AmlogicS905x => "amlogic-s905x",
            Board::RockchipRk3588 => "rockchip-rk3588",
            Board::Imx8mp => "imx8mp",
            Board::QemuArm64 => "qemu-arm64",
            Board::QemuVirt => "qemu-virt",
        }
    }

    /// The supported board of that name.
    pub fn from_name(name: &str) -> Option<Board> {
        Board::ALL.into_iter().find(|b| b.name() == name)
    }
}

impl std::fmt::Display for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the rc keymaps every board shares live, relative to a board directory.
pub const RC_KEYMAPS_DIR: &str = "rc_keymaps";

/// How decoded video reaches the screen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VideoStrategy {
    /// Frames into the UI as an image (desktop, tests, screenshots).
    #[default]
    Texture,
    /// A sink on its own plane or surface under the transparent UI.
    Overlay,
}

/// Video output settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct VideoProfile {
    pub strategy: VideoStrategy,
    /// Sink element for `overlay` (`kmssink`, `waylandsink`).
    pub sink: Option<String>,
}

/// Display settings: which output and plane, for the UI (Slint linuxkms) and for an overlay sink.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayProfile {
    /// DRM connector name (`HDMI-A-1`); `None` takes the first connected one. Also `SLINT_DRM_OUTPUT`.
    pub connector: Option<String>,
    /// Mode as `WIDTHxHEIGHT@HZ` (`1920x1080@60`); `None` keeps the preferred mode.
    pub mode: Option<String>,
    /// DRM plane for an overlay sink (`kmssink plane-id`), below the UI's plane.
    pub video_plane_id: Option<u32>,
    /// Slint backend (`SLINT_BACKEND`: `linuxkms-femtovg`, `linuxkms-software`, `winit`).
    pub ui_backend: Option<String>,
    /// Screen rotation in degrees (0, 90, 180, 270), for panels mounted sideways.
    pub rotation: u16,
}

/// The board's IR remote: what receives it, and the rc-core keymaps loaded into the receiver.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteProfile {
    /// The receiver, in words for integrators (`gpio-ir receiver (dtoverlay=gpio-ir,gpio_pin=18)`).
    pub receiver: String,
    /// Keymaps by name from `board/rc_keymaps/<name>.toml`; the image installs these and the udev
    /// rule loads them into every raw IR receiver.
    pub rc_keymaps: Vec<String>,
}

/// One board's profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BoardProfile {
    pub name: String,
    pub description: String,
    /// `/proc/device-tree/compatible` entries that identify the board.
    pub compatible: Vec<String>,
    /// GStreamer feature ranks to set (e.g. `{"v4l2h264dec": 300, "avdec_h264": 64}`).
    pub decoder_ranks: BTreeMap<String, i32>,
    pub video: VideoProfile,
    pub display: DisplayProfile,
    /// Codecs to choose first when a channel offers several (`hevc`, `h264`, `mpeg2`, `av1`, `vp9`),
    /// best first; empty means no preference. Boards without hardware H.264 put `hevc` first.
    pub preferred_codecs: Vec<String>,
    pub audio_sink: String,
    /// Interface name for multicast joins (`eth0`); `None` lets the routing table decide.
    pub multicast_interface: Option<String>,
    /// Hot channels and the stream budget on this board (the config's `network.hot_channels` wins).
    pub hot_channels: Option<crate::system::config::HotChannelsConfig>,
    /// Input device names to prefer as the remote.
    pub input_devices: Vec<String>,
    /// The HDMI-CEC device (`/dev/cec0`) where the board has several; `None` takes the first.
    pub cec_device: Option<String>,
    /// Who turns the volume: `box` (software), `tv` or `audio-system` (over HDMI-CEC); `None`: box.
    pub volume_control: Option<crate::core::VolumeControl>,
    pub remote: RemoteProfile,
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
            display: DisplayProfile::default(),
            preferred_codecs: Vec::new(),
            audio_sink: "autoaudiosink".into(),
            multicast_interface: None,
            hot_channels: None,
            input_devices: Vec::new(),
            cec_device: None,
            volume_control: None,
            remote: RemoteProfile::default(),
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

/// Where board folders are looked for: the installed data, then (debug builds only, for
/// development and tests) the source tree. A release binary never looks into the directory it
/// was built in: on a box that path means nothing, or something else.
pub fn search_path() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("/usr/share/zapbox/board")];
    if cfg!(debug_assertions) {
        dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("board"));
    }
    dirs
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

/// Where the device tree's `compatible` property is read: sysfs first (the real file; `/proc/device-tree`
/// is a link to it that a sandbox with `ProcSubset=pid` hides).
const DT_COMPATIBLE: [&str; 2] = [
    "/sys/firmware/devicetree/base/compatible",
    "/proc/device-tree/compatible",
];

/// This machine's device-tree `compatible` strings (NUL-separated), when it has a device tree.
pub fn device_tree_compatible() -> Option<Vec<u8>> {
    DT_COMPATIBLE.iter().find_map(|p| std::fs::read(p).ok())
}

/// The board whose profile lists a `compatible` string of this device tree
/// (`/proc/device-tree/compatible`: NUL-separated, most specific first).
pub fn detect(dirs: &[PathBuf]) -> Option<String> {
    let compatible = device_tree_compatible()?;
    detect_in(&compatible, &profiles(dirs))
}

/// Pure part of [`detect`]: the first profile matching the most specific compatible string.
pub fn detect_in(compatible: &[u8], profiles: &[BoardProfile]) -> Option<String> {
    detect_match(compatible, profiles).map(|(name, _)| name)
}

/// The matching profile's name and the compatible string that matched.
fn detect_match(compatible: &[u8], profiles: &[BoardProfile]) -> Option<(String, String)> {
    compatible
        .split(|b| *b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok())
        .filter(|s| !s.is_empty())
        .find_map(|c| {
            let profile = profiles.iter().find(|p| p.compatible.iter().any(|pc| pc == c))?;
            Some((profile.name.clone(), c.to_string()))
        })
}

/// How the board was chosen (shown by `zapbox probe`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Selection {
    /// `board` in the configuration file.
    Config,
    /// A `compatible` string of `/proc/device-tree/compatible`.
    DeviceTree { compatible: String },
    /// Nothing matched (or no device tree, as on a PC): the `pc` profile.
    Fallback,
}

/// The board to use: the configured one, else the device tree's, else `pc`. `compatible` is the
/// content of `/proc/device-tree/compatible` when there is one.
pub fn select(
    configured: Option<&str>,
    compatible: Option<&[u8]>,
    profiles: &[BoardProfile],
) -> (String, Selection) {
    if let Some(name) = configured {
        return (name.to_string(), Selection::Config);
    }
    match compatible.and_then(|c| detect_match(c, profiles)) {
        Some((name, compatible)) => (name, Selection::DeviceTree { compatible }),
        None => ("pc".to_string(), Selection::Fallback),
    }
}

/// [`select`] on this machine's device tree.
pub fn select_here(configured: Option<&str>, dirs: &[PathBuf]) -> (String, Selection) {
    select(configured, device_tree_compatible().as_deref(), &profiles(dirs))
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
#[path = "board_tests.rs"]
mod tests;
