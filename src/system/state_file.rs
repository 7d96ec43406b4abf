// SPDX-License-Identifier: GPL-3.0-or-later
//! The state file: what the core remembers across restarts ([`SavedState`]), on disk.
//!
//! On disk it is a JSON object with a format `version` next to the state's own fields:
//! `{"version": 1, "last_channel": "bbc1.uk", "volume_percent": 80, ...}`. A file without
//! `version` is read as version 1. Saving goes through [`write_atomic`], so a power cut leaves
//! the old or the new file. Loading never fails: a damaged file, or one from a newer zapbox, is
//! renamed to `state.json.bad` and the defaults apply. Depends on the core's type and the shared
//! loading helpers only; it must not depend on the UI, player or network.

use super::atomic::write_atomic;
use super::{Checker, LoadWarning, ReadError, keep_aside, key_path, read_limited, starts_as_object};
use crate::core::SavedState;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The newest state file format this build reads and the one it writes.
pub const STATE_VERSION: u64 = 1;
/// Far above any real state (a few KiB); refuse bigger files instead of filling a box's memory.
const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

/// Why the state could not be saved. Loading has no error: it falls back to defaults.
#[derive(Debug, Error)]
pub enum PersistError {
    /// The file could not be written; the previous file, if any, is unchanged.
    #[error(
        "cannot save the state file {}: {cause}; the previous state is kept. \
         Check that its directory is writable and the storage is not full or read-only",
        path.display()
    )]
    Write {
        /// The state file.
        path: PathBuf,
        /// What the operating system said.
        cause: io::Error,
    },
    /// The state could not be turned into JSON (not expected to happen with the current type).
    #[error("cannot encode the state as JSON: {0}; please report this as a bug")]
    Encode(#[from] serde_json::Error),
}

/// What is written: the state's fields with the format version first.
#[derive(Serialize)]
struct Envelope<'a> {
    version: u64,
    #[serde(flatten)]
    state: &'a SavedState,
}

/// Read before the state itself, so a newer format is never half-understood. Other keys are
/// skipped here (but still checked for valid JSON syntax).
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    version: Option<u64>,
}

/// Loads the state file. A missing file gives the defaults silently (first start); a damaged
/// one gives the defaults and a warning for the user. Never fails.
pub fn load_state(path: &Path) -> (SavedState, Vec<LoadWarning>) {
    // Saves cut short by a power cut left their temporary files next to the state.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::atomic::remove_stale_temps(dir);
    }
    let problem = match read_limited(path, MAX_STATE_BYTES) {
        Ok(bytes) => return parse(path, &bytes),
        Err(ReadError::Missing) => return (SavedState::default(), Vec::new()),
        Err(ReadError::TooLarge(size)) => {
            format!(
                "it is {size} bytes, far more than a state file can be; {}",
                keep_aside(path)
            )
        }
        // Not renamed: the file may be fine and only this process lacks access.
        Err(ReadError::Unreadable(reason)) => {
            format!("cannot read it ({reason}); check that it is a file this user may read")
        }
    };
    (SavedState::default(), vec![reset_warning(path, &problem)])
}

/// Replaces a PIN stored in clear (older versions) by its Argon2id hash and saves the state at
/// once, so the clear PIN leaves the flash at the first start of this version.
pub fn hide_clear_pin(path: &Path, state: &mut SavedState) -> Result<(), PersistError> {
    if replace_clear_pin(state) {
        save_state(path, state)?;
    }
    Ok(())
}

/// Replaces a PIN stored in clear by its hash; whether there was one.
fn replace_clear_pin(state: &mut SavedState) -> bool {
    let Some(clear) = state.parental.pin.take() else {
        return false;
    };
    if state.parental.pin_hash.is_none() {
        let salt = fastrand::u64(..);
        state.parental.pin_hash = crate::core::pin_lock::hash_pin(&clear, salt);
    }
    true
}

/// Writes `state` to `path` atomically as pretty JSON, creating the directory if needed.
pub fn save_state(path: &Path, state: &SavedState) -> Result<(), PersistError> {
    let mut json = serde_json::to_vec_pretty(&Envelope {
        version: STATE_VERSION,
        state,
    })?;
    json.push(b'\n');
    write_atomic(path, &json).map_err(|cause| PersistError::Write {
        path: path.into(),
        cause,
    })
}

fn parse(path: &Path, bytes: &[u8]) -> (SavedState, Vec<LoadWarning>) {
    let (mut state, unknown) = match decode(bytes) {
        Ok(decoded) => decoded,
        Err(problem) => {
            let problem = format!("{problem}; {}", keep_aside(path));
            return (SavedState::default(), vec![reset_warning(path, &problem)]);
        }
    };
    let mut warnings: Vec<_> = unknown
        .into_iter()
        .map(|key| LoadWarning::warning(path, format!("unknown key `{key}` ignored")))
        .collect();
    let mut c = Checker::default();
    let default = SavedState::default().volume_percent;
    c.range("volume_percent", &mut state.volume_percent, default, 0..=100);
    warnings.extend(
        c.into_messages()
            .into_iter()
            .map(|m| LoadWarning::warning(path, m)),
    );
    (state, warnings)
}

/// Decodes the file: the state and the unknown keys, or a description of what is wrong.
fn decode(bytes: &[u8]) -> Result<(SavedState, Vec<String>), String> {
    if !starts_as_object(bytes) {
        return Err("it is not a JSON object (damaged or not a state file)".into());
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| format!("it is damaged ({e})"))?;
    let version = header.version.unwrap_or(STATE_VERSION);
    if version > STATE_VERSION {
        return Err(format!(
            "it was written by a newer zapbox (format {version}, this one reads up to {STATE_VERSION})"
        ));
    }
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let state = serde_ignored::deserialize(&mut de, |p| {
        let key = key_path(&p);
        if key != "version" {
            unknown.push(key);
        }
    })
    .and_then(|state: SavedState| de.end().map(|()| state))
    .map_err(|e| format!("it has unexpected contents ({e})"))?;
    Ok((state, unknown))
}

/// The user-facing message when the remembered state had to be dropped.
fn reset_warning(path: &Path, problem: &str) -> LoadWarning {
    LoadWarning::warning(
        path,
        format!(
            "the last channel, volume and favourites could not be restored: {problem}. \
             Starting with defaults"
        ),
    )
}
