// SPDX-License-Identifier: GPL-3.0-or-later
//! Saving the viewer's state on a writer thread: the loop hands the state over and goes on; the
//! thread writes it atomically (`system::atomic::write_atomic`: temporary file, fsync, rename,
//! fsync of the directory). A burst of saves while one is being written ends in one more write
//! of the newest state, so flash sees at most two writes per burst. Dropping the writer writes
//! what is still queued and waits for it (shutdown must not lose the last channel).

use crate::core::SavedState;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

/// Handle to the writer thread.
pub struct StateWriter {
    tx: Option<mpsc::Sender<Box<SavedState>>>,
    thread: Option<JoinHandle<()>>,
    written: Arc<AtomicU64>,
}

impl StateWriter {
    /// A writer of the state file at `path`.
    pub fn start(path: PathBuf) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Box<SavedState>>();
        let written = Arc::new(AtomicU64::new(0));
        let count = written.clone();
        let thread = std::thread::Builder::new()
            .name("state-writer".into())
            .spawn(move || {
                while let Ok(mut state) = rx.recv() {
                    // Only the newest of what queued up while the last write ran is worth writing.
                    while let Ok(newer) = rx.try_recv() {
                        state = newer;
                    }
                    match crate::system::state_file::save_state(&path, &state) {
                        Ok(()) => {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => log::error!("cannot save the state to {}: {e}", path.display()),
                    }
                }
            })?;
        Ok(Self {
            tx: Some(tx),
            thread: Some(thread),
            written,
        })
    }

    /// Queues `state` for writing; never waits.
    pub fn save(&self, state: Box<SavedState>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(state);
        }
    }

    /// How many writes finished (benchmarks and tests see the coalescing with it).
    pub fn writes(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

impl Drop for StateWriter {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_ends_with_the_newest_state_on_disk_and_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        let writer = StateWriter::start(path.clone()).expect("writer starts");
        for volume in 0..=100u8 {
            writer.save(Box::new(SavedState {
                volume_percent: volume,
                ..SavedState::default()
            }));
        }
        // Dropping waits for the queue: the newest state is on disk afterwards.
        drop(writer);
        let (state, warnings) = crate::system::load_state(&path);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(state.volume_percent, 100, "the newest state wins");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .filter(|n| n != "state.json")
            .collect();
        assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");
    }
}
