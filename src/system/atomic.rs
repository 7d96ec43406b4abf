// SPDX-License-Identifier: GPL-3.0-or-later
//! Atomic file replacement for flash storage: a power cut leaves either the old or the new file, never half.
//!
//! Sequence: write a temporary file in the same directory, fsync it, rename it over the target,
//! fsync the directory so the rename itself is durable.
//!
//! Every write gets its own temporary name (`.NAME.tmp-PID-N`): two threads saving the same file
//! never write into one temporary file, and the process id in the name tells whose it is. A
//! power cut or SIGKILL between create and rename leaves such a file behind; [`remove_stale_temps`]
//! deletes the ones whose process is gone, and the owners of each directory call it at start-up.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Marker between the file name and the owner's process id.
const TEMP_MARK: &str = ".tmp-";

/// Replaces `path` with `bytes` atomically, creating parent directories as needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_of(path);
    fs::create_dir_all(dir)?;
    let tmp = temp_path(path)?;
    let result = (|| {
        let mut file = File::create_new(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A fresh temporary name next to `path`, unique within this process and marked with its id.
pub fn temp_path(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(parent_of(path).join(format!(
        ".{}{TEMP_MARK}{}-{n}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// The process that made a temporary file named by [`temp_path`], if the name is one.
fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(TEMP_MARK)?;
    let (pid, n) = tail.split_once('-')?;
    n.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
    pid.parse().ok()
}

/// Whether process `pid` still runs (a pid from another PID namespace counts as gone).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Deletes the temporary files in `dir` left by writers that died before their rename; returns
/// how many. Files of running processes stay (another process may be saving right now).
pub fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        if owner != std::process::id() && !alive(owner) && fs::remove_file(entry.path()).is_ok() {
            log::info!("removed {}, left by an interrupted write", entry.path().display());
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(names(path.parent().unwrap()), vec!["state.json"]);
    }

    #[test]
    fn fails_cleanly_when_target_is_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("occupied");
        fs::create_dir(path.join("x").parent().unwrap()).unwrap();
        fs::create_dir(path.join("x")).unwrap();
        assert!(write_atomic(&path, b"data").is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn every_write_has_its_own_temp_name() {
        let path = Path::new("/x/state.json");
        let (a, b) = (temp_path(path).unwrap(), temp_path(path).unwrap());
        assert_ne!(a, b);
        let owner = temp_owner(a.file_name().unwrap().to_str().unwrap());
        assert_eq!(owner, Some(std::process::id()));
        assert_eq!(temp_owner("state.json"), None);
        assert_eq!(temp_owner(".state.json.tmp-12-x"), None);
    }

    /// Eight threads saving one file at once: each save is whole, the last one wins, nothing
    /// is left over (with one shared temporary name, writes interleaved or a rename failed).
    #[test]
    fn concurrent_writers_of_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..50 {
                        write_atomic(path, &vec![b'a' + t; 4096]).unwrap();
                    }
                });
            }
        });
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 4096);
        assert!(bytes.iter().all(|&b| b == bytes[0]));
        assert_eq!(names(dir.path()), vec!["state.json"]);
    }

    /// A writer killed between create and rename (simulated with the name of a dead process)
    /// leaves a file that start-up removes; a live writer's file and other files stay.
    #[test]
    fn stale_temps_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // A pid above the kernel's pid_max (4194304) is never alive.
        let dead = dir.path().join(".state.json.tmp-4194305-0");
        fs::write(&dead, b"half").unwrap();
        let live = temp_path(&dir.path().join("state.json")).unwrap();
        fs::write(&live, b"being written").unwrap();
        fs::write(dir.path().join("state.json"), b"{}").unwrap();
        assert_eq!(remove_stale_temps(dir.path()), 1);
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(dir.path().join("state.json").exists());
    }
}
