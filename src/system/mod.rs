// SPDX-License-Identifier: GPL-3.0-or-later
//! System adapter: configuration and state files, atomic writes, systemd integration.
//!
//! This module owns everything that touches the box's file system for settings: where files live
//! ([`paths`]), the operator/user configuration ([`config`]), the state the core remembers across
//! restarts ([`state_file`]) and crash-safe replacement of files ([`atomic`]). It must not depend
//! on the UI, the player or the network code: they receive plain values from here.
//!
//! Loading never fails and never panics on file contents: a damaged file is renamed to
//! `<name>.bad` so nothing the user wrote is lost, defaults are used, and the caller gets
//! [`LoadWarning`]s to log and show.

pub mod atomic;
pub mod board;
pub mod clock;
pub mod config;
pub mod netns;
pub mod paths;
pub mod resources;
pub mod service;
pub mod state_file;

pub use config::{Config, load_config, load_config_at};
pub use paths::{ConfigLocation, Environment};
pub use state_file::{PersistError, load_state, save_state};

use serde::Serialize;
use std::fmt::{self, Display};
use std::fs::{self, File};
use std::io::{self, Read};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

/// How much a [`LoadWarning`] matters to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Normal situation worth a log line (e.g. no config file: defaults are used).
    Info,
    /// Something in a file was ignored or replaced; the user should look at it.
    Warning,
}

/// A message about a file that was loaded with problems; returned next to the loaded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadWarning {
    /// The file the message is about.
    pub file: PathBuf,
    /// Whether this is routine information or a real problem.
    pub severity: Severity,
    /// What happened and what to do about it, in plain words.
    pub message: String,
}

impl LoadWarning {
    pub(crate) fn warning(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    pub(crate) fn info(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            severity: Severity::Info,
            message: message.into(),
        }
    }

    /// Whether the user should see this (not just routine information).
    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    /// Sends the message to the `log` facade at the level matching its severity.
    pub fn log(&self) {
        match self.severity {
            Severity::Info => log::info!("{self}"),
            Severity::Warning => log::warn!("{self}"),
        }
    }
}

impl fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

/// Why a settings file could not be read (as opposed to read but not understood).
pub(crate) enum ReadError {
    /// No file there: normal on first start.
    Missing,
    /// Larger than any file we write; reading it could exhaust a small box's memory.
    TooLarge(u64),
    /// A directory, permission problem or I/O error: the file is left where it is.
    Unreadable(String),
}

/// Reads a whole settings file, refusing directories and anything over `limit` bytes.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Unreadable(e.to_string()),
    })?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Unreadable(e.to_string()))?;
    if meta.is_dir() {
        return Err(ReadError::Unreadable("it is a directory, not a file".into()));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::new();
    // `take` guards against files that grow while we read (or report a wrong size).
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Renames a damaged file to `<name>.bad` (replacing an older one) so the user can inspect it and
/// the next start does not trip over it again. Returns a sentence for the warning.
pub(crate) fn keep_aside(path: &Path) -> String {
    let mut name = path.as_os_str().to_owned();
    name.push(".bad");
    let bad = PathBuf::from(name);
    match fs::rename(path, &bad) {
        Ok(()) => format!("the file was kept as {}", bad.display()),
        Err(e) => format!(
            "it could not be renamed to {} ({e}), so it was left in place; fix or remove it",
            bad.display()
        ),
    }
}

/// Formats a `serde_ignored` path as `preferences.audio_lang` or `guides[0].urll`.
pub(crate) fn key_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", key_path(parent)),
        P::Map { parent, key } => match key_path(parent) {
            p if p.is_empty() => key.clone(),
            p => format!("{p}.{key}"),
        },
        // Options and newtypes are invisible in JSON; naming them would only confuse.
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => key_path(parent),
    }
}

/// Whether the bytes begin (after whitespace) with `{`. Serde would also accept a JSON array for
/// a struct, filling fields by position; a settings file must be an object, so reject that early.
pub(crate) fn starts_as_object(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Collects validation messages; every check puts the default in place of a bad value.
#[derive(Default)]
pub(crate) struct Checker(Vec<String>);

impl Checker {
    /// Records a message for a problem the caller fixed itself.
    pub(crate) fn note(&mut self, message: impl Into<String>) {
        self.0.push(message.into());
    }

    /// The messages collected so far.
    pub(crate) fn into_messages(self) -> Vec<String> {
        self.0
    }

    /// Resets `value` to `default` unless `ok`, quoting the rejected value as JSON.
    pub(crate) fn value<T: Serialize>(
        &mut self,
        key: &str,
        value: &mut T,
        default: T,
        rule: &str,
        ok: impl FnOnce(&T) -> bool,
    ) {
        if ok(value) {
            return;
        }
        let json = |v: &T| serde_json::to_string(v).unwrap_or_default();
        let (bad, good) = (json(value), json(&default));
        self.0.push(format!(
            "{key} = {bad} is not valid (expected {rule}); using {good}"
        ));
        *value = default;
    }

    /// Resets a number outside `range` to `default`.
    pub(crate) fn range<T>(&mut self, key: &str, value: &mut T, default: T, range: RangeInclusive<T>)
    where
        T: Serialize + PartialOrd + Display,
    {
        let rule = format!("{}..={}", range.start(), range.end());
        self.value(key, value, default, &rule, |v| range.contains(v));
    }

    /// Checks an optional value; `null` is always fine and the default.
    pub(crate) fn optional<T: Serialize>(
        &mut self,
        key: &str,
        value: &mut Option<T>,
        rule: &str,
        ok: impl Fn(&T) -> bool,
    ) {
        self.value(key, value, None, rule, |v| v.as_ref().is_none_or(&ok));
    }

    /// Drops list entries failing `ok`, naming each by its index in the file.
    pub(crate) fn list<T: Serialize>(
        &mut self,
        key: &str,
        list: &mut Vec<T>,
        rule: &str,
        ok: impl Fn(&T) -> bool,
    ) {
        let mut index = 0;
        list.retain(|item| {
            let keep = ok(item);
            if !keep {
                let json = serde_json::to_string(item).unwrap_or_default();
                self.0
                    .push(format!("{key}[{index}] = {json} ignored: expected {rule}"));
            }
            index += 1;
            keep
        });
    }
}
