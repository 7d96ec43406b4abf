// SPDX-License-Identifier: GPL-3.0-or-later
//! The remote-control adapter: reads remotes (IR through rc-core, HDMI-CEC, USB and Bluetooth remotes) as
//! evdev devices and hands the core logical [`Action`]s. It owns device discovery, the exclusive grab,
//! hotplug, keymaps and the press/repeat/long-press rules; it must not depend on the UI, the player or the
//! core's state (only on [`Action`]).
//!
//! ```text
//!  /dev/input (inotify) ──> devices: classify, open, EVIOCGRAB ──┐
//!  remote fds ── EV_KEY ──> presses (pure, kernel time) ─ actions ┴> budget ─> bounded queue ─> sink(Action)
//!        "input" thread: poll(2) over fds, inotify and a stop pipe          "input-actions" thread
//! ```
//! Backpressure never reaches the reader: actions over the budget (20 a second, bursts of 10) or beyond a
//! full queue are dropped and counted, so a flood neither grows memory nor stalls the dispatch loop.
//! Without devices (a desktop), the window's keyboard stands in (`ui::keys`), through the same actions.

pub mod devices;
pub mod keymap;
pub mod presses;
mod reader;

use crate::core::Action;
pub use devices::{ProbedDevice, probe};
pub use keymap::Keymap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Errors of the input adapter.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read keymap {path}: {source}")]
    KeymapRead { path: PathBuf, source: std::io::Error },
    #[error("keymap {path} is not valid JSON of the keymap format: {source}")]
    KeymapSyntax {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "keymap {path} has unknown key names {unknown_keys:?}, unknown actions {unknown_actions:?} and \
         problems {problems:?}; keys are the kernel's KEY_* names, actions the core's (ok, channel_up, digit_5)"
    )]
    KeymapNames {
        path: PathBuf,
        unknown_keys: Vec<String>,
        unknown_actions: Vec<String>,
        problems: Vec<String>,
    },
    #[error("cannot set up the input reader: {0}")]
    Setup(#[source] std::io::Error),
}

/// What the reader needs.
#[derive(Debug, Clone)]
pub struct InputConfig {
    /// Where device nodes appear (`/dev/input`).
    pub dir: PathBuf,
    pub keymap: Keymap,
    /// Device names (or `/dev/input/...` paths) to take as remotes whatever their keys: the board
    /// profile's `input_devices`.
    pub hints: Vec<String>,
    /// The budget: actions per second on average, and at once.
    pub actions_per_second: u32,
    pub actions_burst: u32,
    /// Actions waiting for the sink; more are dropped.
    pub queue: usize,
}

impl InputConfig {
    pub fn new(keymap: Keymap, hints: Vec<String>) -> Self {
        Self {
            dir: PathBuf::from("/dev/input"),
            keymap,
            hints,
            actions_per_second: 20,
            actions_burst: 10,
            queue: 32,
        }
    }

    /// The board's keymap (`board/<name>/keymap.json` on the board search path) and device hints.
    pub fn for_board(board: &crate::system::board::BoardProfile) -> Result<Self, InputError> {
        let keymap = keymap::load(&board.name, &crate::system::board::search_path())?;
        Ok(Self::new(keymap, board.input_devices.clone()))
    }
}

/// A remote the reader holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub path: PathBuf,
    pub name: String,
    pub reason: String,
}

/// Counters, for tests and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputStats {
    /// `EV_KEY` events read.
    pub key_events: u64,
    /// Actions handed to the sink.
    pub delivered: u64,
    /// Actions dropped by the budget or a full queue.
    pub dropped: u64,
}

/// State shared between the threads and the handle.
#[derive(Default)]
struct Shared {
    key_events: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    remotes: Mutex<Vec<Remote>>,
}

/// The running reader. [`stop`] ends it (ungrabbing the remotes) and waits for its threads; dropping
/// the handle ends it too, without waiting (the reader sees its stop pipe hang up): keep the handle for
/// as long as the remotes should work.
///
/// [`stop`]: InputHandle::stop
#[must_use = "dropping the handle stops the reader and releases the remotes"]
pub struct InputHandle {
    shared: Arc<Shared>,
    stop: std::os::fd::OwnedFd,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl InputHandle {
    /// The remotes held now.
    pub fn remotes(&self) -> Vec<Remote> {
        self.shared.remotes.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn stats(&self) -> InputStats {
        InputStats {
            key_events: self.shared.key_events.load(Ordering::Relaxed),
            delivered: self.shared.delivered.load(Ordering::Relaxed),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
        }
    }

    /// Stops the reader, releases the devices and waits for both threads.
    pub fn stop(self) {
        if let Err(e) = nix::unistd::write(&self.stop, &[1]) {
            log::warn!("cannot stop the input reader: {e}");
            return;
        }
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// Starts reading remotes: finds, grabs and follows devices in `config.dir` and calls `sink` with each
/// action, on a thread of its own. Errors only when the threads or pipes cannot be made; no devices (or
/// no permission) is not an error — the reader waits for devices to appear.
pub fn spawn(config: InputConfig, sink: impl Fn(Action) + Send + 'static) -> Result<InputHandle, InputError> {
    let shared = Arc::new(Shared::default());
    let (tx, rx) = std::sync::mpsc::sync_channel::<Action>(config.queue.max(1));
    let (stop_rx, stop_tx) = nix::unistd::pipe().map_err(|e| InputError::Setup(e.into()))?;
    let delivery_shared = shared.clone();
    let delivery = std::thread::Builder::new()
        .name("input-actions".into())
        .spawn(move || {
            for action in rx {
                sink(action);
                delivery_shared.delivered.fetch_add(1, Ordering::Relaxed);
            }
        })
        .map_err(InputError::Setup)?;
    let reader = reader::Reader::new(config, tx, shared.clone(), stop_rx);
    let reader = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || reader.run())
        .map_err(InputError::Setup)?;
    Ok(InputHandle {
        shared,
        stop: stop_tx,
        threads: vec![reader, delivery],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_starts_without_devices_and_stops() {
        let dir = tempfile::tempdir().expect("temporary directory");
        // Not a device: probed as unusable, and skipped by the reader.
        std::fs::write(dir.path().join("event0"), b"not a device").expect("write");
        let probed = probe(dir.path(), &[]);
        assert_eq!(probed.len(), 1);
        assert!(
            !probed[0].remote && probed[0].reason.starts_with("cannot open"),
            "{probed:?}"
        );
        let mut config = InputConfig::new(Keymap::built_in(), Vec::new());
        config.dir = dir.path().join("input");
        let handle = spawn(config, |_| {}).expect("spawn");
        std::fs::create_dir(dir.path().join("input")).expect("mkdir");
        assert!(handle.remotes().is_empty());
        assert_eq!(handle.stats(), InputStats::default());
        handle.stop();
    }
}
