// SPDX-License-Identifier: GPL-3.0-or-later
//! The reader thread: `poll(2)` over the grabbed remotes, an inotify watch on the device directory and a
//! stop pipe. New nodes are classified and grabbed; a device that vanishes (`ENODEV`, `POLLHUP`) is
//! dropped quietly and found again by inotify when it returns. Key events go through [`Presses`] with the
//! kernel's event times; ticks at [`Presses::deadline`] catch long presses and made-up repeats.

use super::devices::{self, Facts};
use super::presses::{Budget, Presses};
use super::{InputConfig, Remote, Shared};
use crate::core::Action;
use evdev::{Device, EventType};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use std::collections::HashSet;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A grabbed remote.
struct Open {
    remote: Remote,
    device: Device,
    presses: Presses,
    /// Its events carry `CLOCK_MONOTONIC` times (else `CLOCK_REALTIME`, on old kernels).
    monotonic: bool,
}

pub(super) struct Reader {
    config: InputConfig,
    out: SyncSender<Action>,
    shared: Arc<Shared>,
    stop: OwnedFd,
    open: Vec<Open>,
    /// Nodes looked at and not taken, with their inode (a node reused by a new device has a new one).
    passed_over: HashSet<(PathBuf, u64)>,
    inotify: Option<Inotify>,
    /// Whether the inotify watch is on the device directory itself (not yet on its parent).
    watching_dir: bool,
    budget: Budget,
}

impl Reader {
    pub(super) fn new(
        config: InputConfig,
        out: SyncSender<Action>,
        shared: Arc<Shared>,
        stop: OwnedFd,
    ) -> Self {
        let budget = Budget::new(config.actions_per_second, config.actions_burst);
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)
            .inspect_err(|e| log::warn!("no inotify ({e}); remotes plugged in later are found every 2 s"))
            .ok();
        Self {
            config,
            out,
            shared,
            stop,
            open: Vec::new(),
            passed_over: HashSet::new(),
            inotify,
            watching_dir: false,
            budget,
        }
    }

    pub(super) fn run(mut self) {
        self.watch();
        self.rescan();
        loop {
            let timeout = self.timeout();
            let Some((stop, changed, ready)) = self.wait(timeout) else {
                break;
            };
            if stop {
                break;
            }
            if changed {
                self.drain_inotify();
                self.watch();
                self.rescan();
            }
            let mut gone: Vec<usize> = ready.into_iter().filter(|i| !self.read(*i)).collect();
            gone.sort_unstable();
            for i in gone.into_iter().rev() {
                let lost = self.open.remove(i);
                log::info!(
                    "remote {:?} at {} is gone",
                    lost.remote.name,
                    lost.remote.path.display()
                );
            }
            self.tick();
            self.publish();
        }
        log::debug!("input reader stopped");
    }

    /// Waits for the stop pipe, inotify or a device; `None` when polling itself fails.
    fn wait(&self, timeout: PollTimeout) -> Option<(bool, bool, Vec<usize>)> {
        let mut fds = vec![PollFd::new(self.stop.as_fd(), PollFlags::POLLIN)];
        if let Some(inotify) = &self.inotify {
            fds.push(PollFd::new(inotify.as_fd(), PollFlags::POLLIN));
        }
        let first_device = fds.len();
        fds.extend(
            self.open
                .iter()
                .map(|o| PollFd::new(o.device.as_fd(), PollFlags::POLLIN)),
        );
        match poll(&mut fds, timeout) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return Some((false, false, Vec::new())),
            Err(e) => {
                log::error!("input reader: poll failed ({e}); remotes stop working");
                return None;
            }
        }
        let fired = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        let stop = fired(&fds[0]);
        let changed = self.inotify.is_none() || (first_device > 1 && fired(&fds[1]));
        let ready = (first_device..fds.len())
            .filter(|i| fired(&fds[*i]))
            .map(|i| i - first_device);
        Some((stop, changed, ready.collect()))
    }

    fn timeout(&self) -> PollTimeout {
        let deadline = self
            .open
            .iter()
            .filter_map(|o| {
                o.presses
                    .deadline(&self.config.keymap)
                    .map(|d| d.saturating_sub(now_ms(o.monotonic)))
            })
            .min();
        let fallback = self.inotify.is_none().then_some(2000);
        match deadline.into_iter().chain(fallback).min() {
            Some(ms) => PollTimeout::try_from(Duration::from_millis(ms)).unwrap_or(PollTimeout::MAX),
            None => PollTimeout::NONE,
        }
    }

    /// Watches the device directory, or its parent until the directory exists.
    fn watch(&mut self) {
        let Some(inotify) = &self.inotify else { return };
        if self.watching_dir {
            return;
        }
        let node_changes = AddWatchFlags::IN_CREATE | AddWatchFlags::IN_ATTRIB | AddWatchFlags::IN_DELETE;
        if inotify.add_watch(&self.config.dir, node_changes).is_ok() {
            self.watching_dir = true;
        } else if let Some(parent) = self.config.dir.parent()
            && let Err(e) = inotify.add_watch(parent, AddWatchFlags::IN_CREATE)
        {
            log::warn!("cannot watch {} for remotes ({e})", parent.display());
        }
    }

    fn drain_inotify(&mut self) {
        let Some(inotify) = &self.inotify else { return };
        while let Ok(events) = inotify.read_events() {
            if events.is_empty() {
                break;
            }
            for event in events
                .iter()
                .filter(|e| e.mask.contains(AddWatchFlags::IN_DELETE))
            {
                if let Some(name) = &event.name {
                    let path = self.config.dir.join(name);
                    self.passed_over.retain(|(p, _)| *p != path);
                }
            }
        }
    }

    /// Opens and grabs every remote node not open yet.
    fn rescan(&mut self) {
        for path in devices::event_nodes(&self.config.dir) {
            if self.open.iter().any(|o| o.remote.path == path) {
                continue;
            }
            let Ok(inode) = std::fs::metadata(&path).map(|m| m.ino()) else {
                continue;
            };
            if self.passed_over.contains(&(path.clone(), inode)) {
                continue;
            }
            match take(&path, &self.config.hints) {
                Ok(Some(open)) => {
                    log::info!(
                        "remote {:?} at {}: {}",
                        open.remote.name,
                        path.display(),
                        open.remote.reason
                    );
                    self.open.push(open);
                }
                Ok(None) => drop(self.passed_over.insert((path, inode))),
                // Permissions may follow in a moment (udev); IN_ATTRIB brings us back.
                Err(e) => log::debug!("input device {}: {e}", path.display()),
            }
        }
        self.publish();
    }

    /// Reads what device `i` has; `false` when it is gone.
    fn read(&mut self, i: usize) -> bool {
        let keymap = &self.config.keymap;
        let Open {
            device,
            presses,
            monotonic,
            remote,
        } = &mut self.open[i];
        let mut actions = Vec::new();
        let mut keys = 0;
        match device.fetch_events() {
            Ok(events) => {
                for event in events.filter(|e| e.event_type() == EventType::KEY) {
                    keys += 1;
                    let at = event.timestamp().duration_since(UNIX_EPOCH).unwrap_or_default();
                    presses.key(keymap, event.code(), event.value(), millis(at), &mut actions);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => {
                log::debug!("reading {}: {e}", remote.path.display());
                return false;
            }
        };
        let now = now_ms(*monotonic);
        self.shared.key_events.fetch_add(keys, Ordering::Relaxed);
        self.deliver(actions, now);
        true
    }

    fn tick(&mut self) {
        let mut actions = Vec::new();
        for open in &mut self.open {
            if open.presses.is_holding() {
                open.presses
                    .tick(&self.config.keymap, now_ms(open.monotonic), &mut actions);
            }
        }
        self.deliver(actions, now_ms(true));
    }

    fn deliver(&mut self, actions: Vec<Action>, now: u64) {
        for action in actions {
            let queued = self.budget.allow(now) && self.out.try_send(action).is_ok();
            if !queued {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn publish(&self) {
        if let Ok(mut remotes) = self.shared.remotes.lock() {
            *remotes = self.open.iter().map(|o| o.remote.clone()).collect();
        }
    }
}

/// Opens `path`; a remote is made non-blocking and grabbed, anything else closed again (`Ok(None)`).
fn take(path: &Path, hints: &[String]) -> std::io::Result<Option<Open>> {
    let device = Device::open(path)?;
    let facts: Facts = devices::facts(path, &device);
    let (is_remote, reason) = devices::classify(&facts, hints);
    if !is_remote {
        log::debug!("input device {:?} at {}: {reason}", facts.name, path.display());
        return Ok(None);
    }
    device.set_nonblocking(true)?;
    devices::grab(&device)?;
    let monotonic = devices::use_monotonic_clock(&device);
    let presses = Presses::new(devices::has_kernel_repeat(&device));
    Ok(Some(Open {
        remote: Remote {
            path: path.to_path_buf(),
            name: facts.name,
            reason,
        },
        device,
        presses,
        monotonic,
    }))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Now on the clock a device stamps its events with.
fn now_ms(monotonic: bool) -> u64 {
    if !monotonic {
        return millis(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default());
    }
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
    secs * 1000 + nanos / 1_000_000
}
