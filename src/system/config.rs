// SPDX-License-Identifier: GPL-3.0-or-later
//! The JSON configuration file: its schema, loading and per-field validation.
//!
//! Every field has a default, so an empty object (or no file) is a valid config. Loading is
//! forgiving in layers: unknown keys are reported and ignored; a value out of range falls back to
//! that field's default; a file that is not valid JSON for this schema is renamed to
//! `<name>.bad` and all defaults apply. Depends only on `serde`, the lineup's key type and the
//! shared loading helpers of [`crate::system`]; it must not depend on the UI, player or network.

use super::paths::ConfigLocation;
use super::{
    Checker, LoadWarning, ReadError, Severity, keep_aside, key_path, read_limited, starts_as_object,
};
use crate::lineup::ChannelKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A config larger than this is certainly not hand-written; refuse it instead of filling memory.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// M3U playlists merged into one lineup, in this order: `http(s)://` URLs or absolute paths.
    pub playlists: Vec<String>,
    /// XMLTV programme guide sources.
    pub guides: Vec<GuideSource>,
    /// Minutes added to every guide time, for feeds with wrong time zones (-1440..=1440).
    pub guide_offset_minutes: i32,
    /// Board profile name (e.g. `"pc"`, `"rpi4"`): lowercase letters, digits, `-` and `_`.
    /// `null` detects the board at start.
    pub board: Option<String>,
    /// Network settings.
    pub network: NetworkConfig,
    /// Viewer preferences.
    pub preferences: Preferences,
    /// Parental control.
    pub parental: Parental,
    /// Overrides of the default file locations.
    pub paths: PathsConfig,
    /// HDMI-CEC with the TV.
    pub cec: CecConfig,
    /// The phone companion ("Set up from your phone").
    pub companion: CompanionConfig,
    /// Pause and rewind of live TV: how much of the live channel is kept.
    pub timeshift: TimeshiftConfig,
    /// Recording (REC): where recordings go, the margins around a programme.
    pub recordings: RecordingsConfig,
}

/// Recordings (see the README's "Recording").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordingsConfig {
    /// The folder that receives one folder per recording (absolute path, a USB disk or NAS);
    /// none: REC says there is no recordings folder.
    pub dir: Option<PathBuf>,
    /// Seconds recorded before a programme's start (0..=3600).
    pub margin_before_s: u32,
    /// Seconds recorded after a programme's end (0..=7200).
    pub margin_after_s: u32,
}

impl Default for RecordingsConfig {
    fn default() -> Self {
        Self {
            dir: None,
            margin_before_s: 120,
            margin_after_s: 600,
        }
    }
}

/// The live channel's timeshift window (always on; see the README's "Pause and rewind").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeshiftConfig {
    /// Seconds of the live channel kept in RAM, at its measured bitrate (10..=3600).
    pub ram_seconds: u32,
    /// The most RAM the window may take, in MiB (8..=1024); a high bitrate gets fewer seconds.
    pub ram_mib: u32,
    /// A folder on a USB disk or NAS the window spills to (absolute path); none: RAM only.
    pub dir: Option<PathBuf>,
    /// Minutes kept on disk (1..=1440).
    pub disk_minutes: u32,
    /// Free space the spill leaves on the disk, in MiB (0..=1048576).
    pub disk_floor_mib: u32,
    /// HLS channels keep a window too: it takes the segments the live picture's own pipeline
    /// downloads, and fetches them itself once the picture went behind live (until the next zap).
    pub ott: bool,
}

impl Default for TimeshiftConfig {
    fn default() -> Self {
        Self {
            ram_seconds: 60,
            ram_mib: 64,
            dir: None,
            disk_minutes: 60,
            disk_floor_mib: 1024,
            ott: true,
        }
    }
}

/// The phone companion's server, which runs only while the viewer pairs a phone or one is paired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanionConfig {
    /// `false` removes "Set up from your phone" from the menu; no server ever listens.
    pub enabled: bool,
    /// TCP port on the box's local network address (1024..=65535).
    pub port: u16,
    /// How long a paired phone stays paired, in minutes; 0: until the box restarts.
    pub session_minutes: u32,
}

impl Default for CompanionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            port: 8099,
            session_minutes: 0,
        }
    }
}

/// HDMI-CEC: how the box behaves towards the TV and the audio system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CecConfig {
    /// Use HDMI-CEC at all.
    pub enabled: bool,
    /// The CEC device (`/dev/cec0`); `null`: the board profile's, else the first adapter.
    pub device: Option<PathBuf>,
    /// The name the TV shows for the box: 1 to 14 printable ASCII characters.
    pub osd_name: String,
    /// Wake the TV and switch it to the box when the box wakes (one-touch play).
    pub wake_tv: bool,
    /// Send the TV to standby when the box goes to standby.
    pub standby_tv: bool,
    /// Go to standby this many seconds after the TV switched to another input (0: never; at most 86400).
    pub standby_on_input_switch_s: u32,
    /// Who turns the volume: `box`, `tv` or `audio-system`; `null`: the board profile's, else `box`.
    pub volume: Option<String>,
}

impl Default for CecConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            device: None,
            osd_name: "zapbox".into(),
            wake_tv: true,
            standby_tv: false,
            standby_on_input_switch_s: 0,
            volume: None,
        }
    }
}

/// One programme guide (XMLTV, optionally gzip-compressed) source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuideSource {
    /// `http(s)://` URL or absolute path of the XMLTV file.
    pub url: String,
    /// When several guides describe the same channel, the highest priority wins.
    pub priority: i32,
    /// The zone of this guide's times that give none: an IANA name (`"Europe/Berlin"`) or an
    /// offset (`"+01:00"`); `null` is UTC, as the XMLTV format says.
    pub time_zone: Option<String>,
}

/// Network settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkConfig {
    /// Interface to join multicast groups on (e.g. `"eth0"`); `null` lets the kernel choose by
    /// routing table, which is right for boxes with a single interface.
    pub multicast_interface: Option<String>,
    /// Hot channels (neighbours kept joined for instant zaps) and their stream budget; `null` takes
    /// the board profile's, else the defaults.
    pub hot_channels: Option<HotChannelsConfig>,
}

/// Whether hot channels are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HotMode {
    /// On for a wired multicast interface named in the config or board profile; off on Wi-Fi
    /// (multicast goes at the basic rate without acknowledgements) and when the interface is unknown.
    #[default]
    Auto,
    On,
    Off,
}

/// Hot channels and the stream budget (config `network.hot_channels`, board profile `hot_channels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HotChannelsConfig {
    pub mode: HotMode,
    /// Groups joined at most, the live channel included (1..=8; 1 turns pre-joining off).
    pub max_streams: u32,
    /// Megabits per second at most over the joined channels, by their measured bitrates (1..=10000).
    pub max_mbps: u32,
    /// Seconds hot channels stay after the last zap (1..=600).
    pub linger_s: u32,
}

impl Default for HotChannelsConfig {
    fn default() -> Self {
        Self {
            mode: HotMode::Auto,
            max_streams: 3,
            max_mbps: 25,
            linger_s: 20,
        }
    }
}

impl HotChannelsConfig {
    /// Replaces values out of range by their defaults.
    fn check(&mut self, prefix: &str, c: &mut Checker) {
        let d = Self::default();
        c.range(
            &format!("{prefix}.max_streams"),
            &mut self.max_streams,
            d.max_streams,
            1..=8,
        );
        c.range(
            &format!("{prefix}.max_mbps"),
            &mut self.max_mbps,
            d.max_mbps,
            1..=10_000,
        );
        c.range(
            &format!("{prefix}.linger_s"),
            &mut self.linger_s,
            d.linger_s,
            1..=600,
        );
    }
}

/// The viewer's preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Preferred audio track language, ISO 639 code (`"eng"`, `"de"`); lowercase.
    pub audio_language: String,
    /// Play a channel's audio description (the picture told in words) where it has one; when
    /// off, its AD track is avoided even where the stream flags it as the default.
    pub audio_description: bool,
    /// Choose subtitles at tune when the stream has them in `subtitle_language` (the menu's
    /// "Subtitles" wins over it once the viewer changed it).
    pub subtitles: bool,
    /// Preferred subtitle language, ISO 639 code (`"eng"`, `"de"`); lowercase.
    pub subtitle_language: String,
    /// Prefer subtitles for the hard of hearing when both kinds exist.
    pub hard_of_hearing: bool,
    /// Picture fit: `"auto"`, `"letterbox"`, `"zoom"` or `"stretch"`; see [`Preferences::aspect`].
    pub aspect: String,
    /// How long after the last digit key the typed channel number is tuned (500..=10000 ms).
    pub digit_timeout_ms: u32,
    /// How long the channel banner stays on screen (1000..=60000 ms).
    pub banner_timeout_ms: u32,
    /// User interface language tag (`"en"`, `"pt-BR"`).
    pub language: String,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            audio_language: "eng".into(),
            audio_description: false,
            subtitles: false,
            subtitle_language: "eng".into(),
            hard_of_hearing: false,
            aspect: "auto".into(),
            digit_timeout_ms: 2000,
            banner_timeout_ms: 5000,
            language: "en".into(),
        }
    }
}

/// How the picture is fitted to the screen (the core's type: one closed set for config, state and menu).
pub use crate::core::Aspect;

impl Preferences {
    /// The picture fit. Kept as text in the file so a misspelt value costs only this field
    /// (see validation) instead of rejecting the whole file as a type error.
    pub fn aspect(&self) -> Aspect {
        Aspect::parse(&self.aspect).unwrap_or_default()
    }
}

/// Parental control.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Parental {
    /// Four-digit PIN as a string (so `"0042"` keeps its zeros); `null` when none is set.
    pub pin: Option<String>,
    /// Channels that need the PIN, by channel key (`tvg-id` or normalised name).
    pub locked_channels: Vec<ChannelKey>,
    /// Playlist groups (`group-title`) whose channels all need the PIN.
    pub locked_groups: Vec<String>,
}

/// Overrides of the locations chosen by [`crate::system::paths`]; absolute paths only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PathsConfig {
    /// The state file (last channel, volume, favourites).
    pub state_file: Option<PathBuf>,
    /// Directory for downloaded playlists, guides and logos.
    pub cache_dir: Option<PathBuf>,
}

/// Loads the config at `path`. A missing file gives defaults and an informational message;
/// anything wrong inside it gives warnings (see the module docs). Never fails.
pub fn load_config(path: &Path) -> (Config, Vec<LoadWarning>) {
    load(path, Severity::Info, Aside::Rename)
}

/// What to do with a config file that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aside {
    /// Rename it to `*.bad` (the app: defaults now, evidence kept, no loop on the same file).
    Rename,
    /// Leave it alone (`zapbox probe`: a diagnostic never changes the box).
    Leave,
}

/// [`load_config_at`] for diagnostics: a damaged file is reported but never renamed.
pub fn inspect_config_at(location: &ConfigLocation) -> (Config, Vec<LoadWarning>) {
    load_at(location, Aside::Leave)
}

/// Loads the config chosen by [`crate::system::paths::find_config`]. A file named with
/// `--config` that does not exist is a warning; no config anywhere is only informational.
pub fn load_config_at(location: &ConfigLocation) -> (Config, Vec<LoadWarning>) {
    load_at(location, Aside::Rename)
}

fn load_at(location: &ConfigLocation, aside: Aside) -> (Config, Vec<LoadWarning>) {
    match location {
        ConfigLocation::Explicit(path) => load(path, Severity::Warning, aside),
        ConfigLocation::Found(path) => load(path, Severity::Info, aside),
        ConfigLocation::Absent { searched } => {
            let list: Vec<_> = searched.iter().map(|p| p.display().to_string()).collect();
            let file = searched.last().map_or_else(PathBuf::new, PathBuf::clone);
            let message = format!("no config file (looked at {}); using defaults", list.join(", "));
            (Config::default(), vec![LoadWarning::info(&file, message)])
        }
    }
}

fn load(path: &Path, missing: Severity, aside: Aside) -> (Config, Vec<LoadWarning>) {
    let message = match read_limited(path, MAX_CONFIG_BYTES) {
        Ok(bytes) => return parse(path, &bytes, aside),
        Err(ReadError::Missing) => {
            let message = "no such file; using the default configuration".to_string();
            let warning = LoadWarning {
                file: path.into(),
                severity: missing,
                message,
            };
            return (Config::default(), vec![warning]);
        }
        Err(ReadError::TooLarge(size)) => format!(
            "the file is {size} bytes, more than a config can be ({MAX_CONFIG_BYTES}); {}; \
             using the default configuration",
            set_aside(path, aside)
        ),
        Err(ReadError::Unreadable(reason)) => format!(
            "cannot read it ({reason}); using the default configuration. \
             Check that it is a readable file"
        ),
    };
    (Config::default(), vec![LoadWarning::warning(path, message)])
}

/// Parses and validates config bytes that were read from `path`.
fn parse(path: &Path, bytes: &[u8], aside: Aside) -> (Config, Vec<LoadWarning>) {
    let (mut unknown, mut repaired) = (Vec::new(), Vec::new());
    let mut config = match decode(bytes, &mut unknown, &mut repaired) {
        Ok(config) => config,
        Err(problem) => {
            let message = format!(
                "{problem}; {}; using the default configuration. Fix it and move it back",
                set_aside(path, aside)
            );
            return (Config::default(), vec![LoadWarning::warning(path, message)]);
        }
    };
    let mut messages: Vec<String> = unknown
        .into_iter()
        .map(|key| format!("unknown key `{key}` ignored; check its spelling"))
        .chain(repaired)
        .collect();
    messages.extend(config.validate());
    let warnings = messages
        .into_iter()
        .map(|m| LoadWarning::warning(path, m))
        .collect();
    (config, warnings)
}

fn set_aside(path: &Path, aside: Aside) -> String {
    match aside {
        Aside::Rename => keep_aside(path),
        Aside::Leave => "the file was left in place".into(),
    }
}

/// Deserializes a config, collecting the paths of unknown keys; the error says what is wrong
/// and where (serde_json's line and column).
fn decode(bytes: &[u8], unknown: &mut Vec<String>, repaired: &mut Vec<String>) -> Result<Config, String> {
    if !starts_as_object(bytes) {
        // Let serde_json locate syntax errors; a valid non-object gets its own message.
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Err(e) => format!("not valid JSON ({e})"),
            Ok(_) => "not a JSON object (the config must be { ... })".into(),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let first = serde_ignored::deserialize(&mut de, |p| unknown.push(key_path(&p)))
        .and_then(|config: Config| de.end().map(|()| config));
    match first {
        Ok(config) => Ok(config),
        // One value of the wrong type or out of range costs that value, not the whole file.
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            unknown.clear();
            repair(bytes, unknown, repaired).map_err(|_| format!("a value has the wrong type ({e})"))
        }
        Err(e) => Err(format!("not valid JSON ({e})")),
    }
}

/// Deserializes a config whose JSON is valid but has values of the wrong type or range: each
/// such value (one or two levels deep) is dropped, so its default applies, and named in
/// `repaired`.
fn repair(bytes: &[u8], unknown: &mut Vec<String>, repaired: &mut Vec<String>) -> Result<Config, ()> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| ())?;
    let object = value.as_object_mut().ok_or(())?;
    drop_bad_values(object, &[], repaired);
    serde_ignored::deserialize(value, |p| unknown.push(key_path(&p))).map_err(|_| ())
}

/// Removes the values of `object` (at `path` in the config) that do not deserialize.
fn drop_bad_values(
    object: &mut serde_json::Map<String, serde_json::Value>,
    path: &[&str],
    repaired: &mut Vec<String>,
) {
    let keys: Vec<String> = object.keys().cloned().collect();
    for key in keys {
        let Some(v) = object.get(&key) else { continue };
        // The value alone, nested at its place in an otherwise empty config.
        let wrap = |k: &str, v: serde_json::Value| {
            serde_json::Value::Object(serde_json::Map::from_iter([(k.to_owned(), v)]))
        };
        let mut alone = wrap(&key, v.clone());
        for parent in path.iter().rev() {
            alone = wrap(parent, alone);
        }
        if serde_json::from_value::<Config>(alone).is_ok() {
            continue;
        }
        if path.is_empty()
            && let Some(inner) = object.get_mut(&key).and_then(serde_json::Value::as_object_mut)
        {
            drop_bad_values(inner, &[key.as_str()], repaired);
            continue;
        }
        object.remove(&key);
        let shown: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
        repaired.push(format!(
            "`{}` has the wrong type or is out of range; its default is used",
            shown.join(".")
        ));
    }
}

impl Config {
    /// Replaces each invalid value by its default; returns one message per replacement.
    /// Loading already does this; call it again after changing a config in code.
    pub fn validate(&mut self) -> Vec<String> {
        let mut c = Checker::default();
        let source = "an http(s):// URL or an absolute path";
        c.list("playlists", &mut self.playlists, source, |p| is_source(p));
        c.list("guides", &mut self.guides, source, |g| is_source(&g.url));
        let offset = &mut self.guide_offset_minutes;
        c.range("guide_offset_minutes", offset, 0, -1440..=1440);
        let rule = "lowercase letters, digits, - and _";
        c.optional("board", &mut self.board, rule, |n: &String| is_board_name(n));
        let (iface, rule) = (
            &mut self.network.multicast_interface,
            "an interface name such as eth0",
        );
        c.optional("network.multicast_interface", iface, rule, |n: &String| {
            is_interface_name(n)
        });
        if let Some(hot) = self.network.hot_channels.as_mut() {
            hot.check("network.hot_channels", &mut c);
        }
        let d = TimeshiftConfig::default();
        let t = &mut self.timeshift;
        c.range(
            "timeshift.ram_seconds",
            &mut t.ram_seconds,
            d.ram_seconds,
            10..=3600,
        );
        c.range("timeshift.ram_mib", &mut t.ram_mib, d.ram_mib, 8..=1024);
        c.range(
            "timeshift.disk_minutes",
            &mut t.disk_minutes,
            d.disk_minutes,
            1..=1440,
        );
        c.range(
            "timeshift.disk_floor_mib",
            &mut t.disk_floor_mib,
            d.disk_floor_mib,
            0..=1 << 20,
        );
        let d = RecordingsConfig::default();
        let r = &mut self.recordings;
        c.range(
            "recordings.margin_before_s",
            &mut r.margin_before_s,
            d.margin_before_s,
            0..=3600,
        );
        c.range(
            "recordings.margin_after_s",
            &mut r.margin_after_s,
            d.margin_after_s,
            0..=7200,
        );
        self.preferences.check(&mut c);
        if self.parental.pin.as_deref().is_some_and(|p| !is_pin(p)) {
            // The rejected value is not echoed: it is close to a secret and logs get shared.
            c.note("parental.pin must be 4 digits in quotes, e.g. \"0042\"; no PIN is set");
            self.parental.pin = None;
        }
        let (abs, is_abs) = ("an absolute path", |p: &PathBuf| p.is_absolute());
        c.optional("paths.state_file", &mut self.paths.state_file, abs, is_abs);
        c.optional("paths.cache_dir", &mut self.paths.cache_dir, abs, is_abs);
        c.optional("timeshift.dir", &mut self.timeshift.dir, abs, is_abs);
        c.optional("recordings.dir", &mut self.recordings.dir, abs, is_abs);
        let rule = "a device under /dev such as /dev/cec0";
        c.optional("cec.device", &mut self.cec.device, rule, |p: &PathBuf| {
            p.starts_with("/dev/") && !p.to_string_lossy().contains("..")
        });
        let rule = "1 to 14 printable ASCII characters";
        c.value(
            "cec.osd_name",
            &mut self.cec.osd_name,
            "zapbox".into(),
            rule,
            |n| (1..=14).contains(&n.len()) && n.bytes().all(|b| (0x20..0x7f).contains(&b)),
        );
        let input_switch = &mut self.cec.standby_on_input_switch_s;
        c.range("cec.standby_on_input_switch_s", input_switch, 0, 0..=86_400);
        c.range("companion.port", &mut self.companion.port, 8099, 1024..=65535);
        c.range(
            "companion.session_minutes",
            &mut self.companion.session_minutes,
            0,
            0..=525_600,
        );
        let rule = "box, tv or audio-system";
        c.optional("cec.volume", &mut self.cec.volume, rule, |v: &String| {
            crate::core::VolumeControl::parse(v).is_some()
        });
        c.into_messages()
    }
}

impl Preferences {
    fn check(&mut self, c: &mut Checker) {
        let d = Preferences::default();
        self.audio_language.make_ascii_lowercase();
        let (key, rule) = ("preferences.audio_language", "an ISO 639 code such as eng");
        c.value(key, &mut self.audio_language, d.audio_language, rule, |l| {
            is_language_code(l)
        });
        self.subtitle_language.make_ascii_lowercase();
        let (key, rule) = ("preferences.subtitle_language", "an ISO 639 code such as eng");
        c.value(key, &mut self.subtitle_language, d.subtitle_language, rule, |l| {
            is_language_code(l)
        });
        let (key, rule) = ("preferences.aspect", "auto, letterbox, zoom or stretch");
        c.value(key, &mut self.aspect, d.aspect, rule, |a| {
            Aspect::parse(a).is_some()
        });
        let (key, value) = ("preferences.digit_timeout_ms", &mut self.digit_timeout_ms);
        c.range(key, value, d.digit_timeout_ms, 500..=10_000);
        let (key, value) = ("preferences.banner_timeout_ms", &mut self.banner_timeout_ms);
        c.range(key, value, d.banner_timeout_ms, 1000..=60_000);
        let (key, rule) = ("preferences.language", "a language tag such as en or pt-BR");
        c.value(key, &mut self.language, d.language, rule, |t| is_language_tag(t));
    }
}

fn is_pin(pin: &str) -> bool {
    pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit())
}

fn is_source(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("http://") || text.starts_with("https://") || text.starts_with('/')
}

fn is_board_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Linux interface names: 1..=15 bytes, no `/`, `:` or whitespace, not `.` or `..`.
fn is_interface_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == ':' || c.is_whitespace())
}

fn is_language_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// `en`, `deu`, `pt-BR`, `zh-Hant`: a language code and an optional subtag.
fn is_language_tag(tag: &str) -> bool {
    let Some((lang, sub)) = tag.split_once('-') else {
        return is_language_code(tag);
    };
    let sub_ok = (2..=8).contains(&sub.len()) && sub.bytes().all(|b| b.is_ascii_alphanumeric());
    is_language_code(lang) && sub_ok
}
