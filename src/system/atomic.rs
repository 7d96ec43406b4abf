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
//! After a power cut the pid in the name is the previous boot's, and a box boots the same way every
//! time: the service often gets that very pid again. So a process counts as the file's writer only
//! if it started before the file was last written.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// A process start time read from /proc is exact to about a second (the boot time is in whole seconds).
const START_SLACK: Duration = Duration::from_secs(2);

/// Whether process `pid` runs and may be writing a file last modified at `modified`: a process that
/// started after that cannot have made it, whatever its pid (a pid from another PID namespace counts
/// as gone).
fn may_be_writing(pid: u32, modified: Option<SystemTime>) -> bool {
    if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
        return false;
    }
    match (process_start(pid), modified) {
        (Some(started), Some(modified)) => modified + START_SLACK >= started,
        // Cannot tell: leave the file alone.
        _ => true,
    }
}

/// When process `pid` started: its start in clock ticks after boot (/proc/PID/stat, field 22) plus
/// the boot time (/proc/stat `btime`).
fn process_start(pid: u32) -> Option<SystemTime> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    start_from_stat(&stat, &fs::read_to_string("/proc/stat").ok()?, clock_ticks()?)
}

fn start_from_stat(pid_stat: &str, proc_stat: &str, ticks_per_second: u64) -> Option<SystemTime> {
    // The command name (field 2) is in parentheses and may hold spaces and parentheses itself: the
    // fields after the last ')' start with field 3, so field 22 is the 20th of them.
    let ticks: u64 = pid_stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let boot: u64 = proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let since_boot = Duration::from_millis(ticks.checked_mul(1000)? / ticks_per_second.max(1));
    Some(UNIX_EPOCH + Duration::from_secs(boot) + since_boot)
}

fn clock_ticks() -> Option<u64> {
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(hz).ok().filter(|&hz| hz > 0)
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
        let modified = entry.metadata().and_then(|m| m.modified()).ok();
        if !may_be_writing(owner, modified) && fs::remove_file(entry.path()).is_ok() {
            log::info!("removed {}, left by an interrupted write", entry.path().display());
            removed += 1;
        }
    }
    removed
}

/// Deletes the temporary files in `dir` that this process made: for a process about to exit,
/// whose writers can no longer finish. Returns how many.
pub fn remove_own_temps(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let me = std::process::id();
    entries
        .flatten()
        .filter(|entry| entry.file_name().to_str().and_then(temp_owner) == Some(me))
        .filter(|entry| fs::remove_file(entry.path()).is_ok())
        .count()
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

    /// After a power cut the next boot's service often has the pid that wrote the file: a file
    /// last written before this process started is stale even though its pid is this process's.
    #[test]
    fn a_temp_of_an_earlier_process_with_our_pid_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let earlier = temp_path(&dir.path().join("state.json")).unwrap();
        fs::write(&earlier, b"half").unwrap();
        let started = process_start(std::process::id()).expect("this process's start time");
        File::options()
            .write(true)
            .open(&earlier)
            .unwrap()
            .set_modified(started - Duration::from_secs(60))
            .unwrap();
        let current = temp_path(&dir.path().join("state.json")).unwrap();
        fs::write(&current, b"being written").unwrap();
        assert_eq!(remove_stale_temps(dir.path()), 1);
        assert!(!earlier.exists());
        assert!(current.exists());
    }

    #[test]
    fn process_start_from_proc() {
        // pid 4242, command "a) b" (a parenthesis in the name), field 22 = 1234 ticks.
        let fields: Vec<String> = (3..=52)
            .map(|f| if f == 22 { "1234".into() } else { f.to_string() })
            .collect();
        let stat = format!("4242 (a) b) {}", fields.join(" "));
        let start = start_from_stat(&stat, "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n", 100).unwrap();
        assert_eq!(start, UNIX_EPOCH + Duration::from_millis(1_700_000_012_340));
        assert_eq!(start_from_stat(&stat, "cpu 1\n", 100), None);
        assert_eq!(start_from_stat("4242 (x", "btime 1\n", 100), None);
        let own = process_start(std::process::id()).unwrap();
        assert!(own <= SystemTime::now() + START_SLACK);
    }
}
