// SPDX-License-Identifier: GPL-3.0-or-later
//! Keymaps: which logical [`Action`] a kernel key code (`KEY_*`) means on press, on autorepeat and on a
//! long press. One JSON file per board (`board/<name>/keymap.json`) that usually `extends` the shared
//! `board/keymap.default.json` and overrides a few keys; files are found on the same search path as board
//! profiles. Pure data and parsing: no device access here.
//!
//! ```json
//! { "extends": "default",
//!   "timing": { "long_press_ms": 800, "throttle_ms": 500 },
//!   "keys": { "KEY_OK": { "press": "ok", "long": "menu" },
//!             "KEY_CHANNELUP": { "press": "channel_up", "repeat": "throttled" },
//!             "KEY_1": "digit_1", "KEY_TEXT": null } }
//! ```
//! A string is a press-only binding; `null` removes a key the parent maps.

use super::InputError;
use crate::core::Action;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The shared default, compiled in so a box without installed board files still has a remote.
const BUILT_IN_DEFAULT: &str = include_str!("../../board/keymap.default.json");

/// What autorepeat of a held key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Repeats are ignored (OK, colour keys, power: one press, one action).
    #[default]
    None,
    /// Every repeat is the press action again (arrows, volume).
    Each,
    /// At most one action per `throttle_ms` while held (channel up/down: each zap is an IGMP leave and
    /// join, so holding the key must not send one every 125 ms).
    Throttled,
}

/// What one key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// Sent on press (or on release, for keys that also have a long press).
    pub press: Option<Action>,
    pub repeat: Repeat,
    /// Sent once when the key is held for `long_press_ms`; the short action is then not sent.
    pub long: Option<Action>,
}

/// Timing of repeats and long presses, in milliseconds of kernel event time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub long_press_ms: u64,
    pub throttle_ms: u64,
    /// For devices without kernel autorepeat (no `EV_REP`): when repeats start and how often they come.
    /// rc-core's own defaults are 500 and 125.
    pub repeat_delay_ms: u64,
    pub repeat_period_ms: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            long_press_ms: 800,
            throttle_ms: 500,
            repeat_delay_ms: 500,
            repeat_period_ms: 125,
        }
    }
}

/// A resolved keymap: kernel key code to binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: HashMap<u16, Binding>,
    pub timing: Timing,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawTiming {
    long_press_ms: Option<u64>,
    throttle_ms: Option<u64>,
    repeat_delay_ms: Option<u64>,
    repeat_period_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawKeymap {
    #[allow(dead_code)]
    description: Option<String>,
    extends: Option<String>,
    timing: RawTiming,
    keys: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    press: Option<String>,
    #[serde(default)]
    repeat: Repeat,
    long: Option<String>,
}

/// Names that did not resolve, collected so one error lists them all.
#[derive(Default)]
struct Problems {
    unknown_keys: Vec<String>,
    unknown_actions: Vec<String>,
    other: Vec<String>,
}

impl Keymap {
    /// The binding of a key code, if the keymap maps it.
    pub fn binding(&self, code: u16) -> Option<&Binding> {
        self.bindings.get(&code)
    }

    /// Every mapped key code.
    pub fn codes(&self) -> impl Iterator<Item = u16> + '_ {
        self.bindings.keys().copied()
    }

    /// The compiled-in default keymap.
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN_DEFAULT, Path::new("<built-in keymap.default.json>"), &[])
            .expect("the built-in default keymap is checked by a unit test")
    }

    /// Parses keymap text; `dirs` resolve `extends` (see [`load`]).
    pub fn parse(text: &str, path: &Path, dirs: &[PathBuf]) -> Result<Self, InputError> {
        parse_at_depth(text, path, dirs, 0)
    }
}

/// The keymap of board `board`: `<dir>/<board>/keymap.json` from the first of `dirs` that has it, else
/// the shared `<dir>/keymap.default.json`, else the compiled-in default.
pub fn load(board: &str, dirs: &[PathBuf]) -> Result<Keymap, InputError> {
    load_named(board, dirs, 0)
}

fn load_named(name: &str, dirs: &[PathBuf], depth: usize) -> Result<Keymap, InputError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let file = if name == "default" {
        dirs.iter()
            .map(|d| d.join("keymap.default.json"))
            .find(|p| p.is_file())
    } else {
        dirs.iter()
            .map(|d| d.join(name).join("keymap.json"))
            .find(|p| valid && p.is_file())
    };
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|source| InputError::KeymapRead {
                path: path.clone(),
                source,
            })?;
            parse_at_depth(&text, &path, dirs, depth)
        }
        None if name == "default" => Ok(Keymap::built_in()),
        None => load_named("default", dirs, depth),
    }
}

fn parse_at_depth(text: &str, path: &Path, dirs: &[PathBuf], depth: usize) -> Result<Keymap, InputError> {
    let raw: RawKeymap = serde_json::from_str(text).map_err(|source| InputError::KeymapSyntax {
        path: path.to_path_buf(),
        source,
    })?;
    let mut keymap = match &raw.extends {
        Some(_) if depth >= 4 => {
            return Err(invalid(path, vec!["`extends` nests deeper than 4 files".into()]));
        }
        Some(parent) => load_named(parent, dirs, depth + 1)?,
        None => Keymap {
            bindings: HashMap::new(),
            timing: Timing::default(),
        },
    };
    apply_timing(&mut keymap.timing, &raw.timing);
    let mut problems = Problems::default();
    for (key, value) in &raw.keys {
        let code = evdev::KeyCode::from_str(key).ok().map(|k| k.code());
        let binding = binding(key, value, &mut problems);
        match (code, binding) {
            (None, _) => problems.unknown_keys.push(key.clone()),
            (Some(code), Some(Some(b))) => drop(keymap.bindings.insert(code, b)),
            (Some(code), Some(None)) => drop(keymap.bindings.remove(&code)),
            (Some(_), None) => {}
        }
    }
    if problems.unknown_keys.is_empty() && problems.unknown_actions.is_empty() && problems.other.is_empty() {
        Ok(keymap)
    } else {
        Err(InputError::KeymapNames {
            path: path.to_path_buf(),
            unknown_keys: problems.unknown_keys,
            unknown_actions: problems.unknown_actions,
            problems: problems.other,
        })
    }
}

fn invalid(path: &Path, problems: Vec<String>) -> InputError {
    InputError::KeymapNames {
        path: path.to_path_buf(),
        unknown_keys: Vec::new(),
        unknown_actions: Vec::new(),
        problems,
    }
}

fn apply_timing(timing: &mut Timing, raw: &RawTiming) {
    let set = |slot: &mut u64, value: Option<u64>| *slot = value.unwrap_or(*slot);
    set(&mut timing.long_press_ms, raw.long_press_ms);
    set(&mut timing.throttle_ms, raw.throttle_ms);
    set(&mut timing.repeat_delay_ms, raw.repeat_delay_ms);
    set(
        &mut timing.repeat_period_ms,
        raw.repeat_period_ms.map(|p| p.max(1)),
    );
}

/// `Some(None)` removes the key; `None` means the value had problems (recorded in `problems`).
fn binding(key: &str, value: &serde_json::Value, problems: &mut Problems) -> Option<Option<Binding>> {
    let raw = match value {
        serde_json::Value::Null => return Some(None),
        serde_json::Value::String(name) => RawBinding {
            press: Some(name.clone()),
            repeat: Repeat::None,
            long: None,
        },
        other => match serde_json::from_value::<RawBinding>(other.clone()) {
            Ok(raw) => raw,
            Err(e) => {
                problems.other.push(format!("{key}: {e}"));
                return None;
            }
        },
    };
    let mut action = |name: &Option<String>| -> Result<Option<Action>, ()> {
        let Some(name) = name else { return Ok(None) };
        match parse_action(name) {
            Some(a) => Ok(Some(a)),
            None => {
                problems.unknown_actions.push(name.clone());
                Err(())
            }
        }
    };
    let (press, long) = (action(&raw.press), action(&raw.long));
    let (Ok(press), Ok(long)) = (press, long) else {
        return None;
    };
    if long.is_some() && raw.repeat != Repeat::None {
        problems
            .other
            .push(format!("{key}: a key with a long press cannot also repeat"));
        return None;
    }
    Some(Some(Binding {
        press,
        repeat: raw.repeat,
        long,
    }))
}

/// An action by its keymap name: the core's snake_case names, and `digit_0` .. `digit_9`.
pub fn parse_action(name: &str) -> Option<Action> {
    if let Some(digit) = name.strip_prefix("digit_") {
        return match digit.as_bytes() {
            [d @ b'0'..=b'9'] => Some(Action::Digit(d - b'0')),
            _ => None,
        };
    }
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;
