// SPDX-License-Identifier: GPL-3.0-or-later
//! Whether the wall clock can be trusted yet. A box without a real-time clock boots with a time from
//! the past (1970, or the image's build time restored by systemd-timesyncd): certificates are "not yet
//! valid" and the guide's "now" is wrong. Until the clock is synchronised the app should use cached
//! playlists and guides, not judge TLS failures, and not show "now/next".
//!
//! Signals, in order: a time before this release is wrong; systemd-timesyncd's flag file
//! `/run/systemd/timesync/synchronized` means synchronised; else the kernel's NTP status
//! (`ntp_adjtime`, no STA_UNSYNC) when readable — the unit's `ProtectClock=yes` forbids that call, so
//! on the box the flag file is what counts. Reads only; must not depend on anything else in the crate.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// 2026-01-01T00:00:00Z: no correct clock running this release shows an earlier time.
pub const EARLIEST_PLAUSIBLE_UNIX_S: i64 = 1_767_225_600;

/// systemd-timesyncd creates this once it has synchronised the clock (and removes it at boot).
pub const TIMESYNC_FLAG: &str = "/run/systemd/timesync/synchronized";

/// What is known about the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Before this release: certainly wrong.
    Wrong,
    /// Could be right, but nothing says it was synchronised.
    Unconfirmed,
    /// Synchronised by NTP (timesyncd flag or kernel status).
    Synchronized,
}

/// Pure decision from the three signals.
pub fn classify(now_unix_s: i64, timesync_flag: bool, kernel_synced: Option<bool>) -> ClockState {
    if now_unix_s < EARLIEST_PLAUSIBLE_UNIX_S {
        ClockState::Wrong
    } else if timesync_flag || kernel_synced == Some(true) {
        ClockState::Synchronized
    } else {
        ClockState::Unconfirmed
    }
}

/// The state of this machine's clock now.
pub fn clock_state() -> ClockState {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    classify(now, Path::new(TIMESYNC_FLAG).exists(), kernel_synced())
}

/// Whether TLS certificate dates and the guide's "now" can be believed.
pub fn clock_trusted() -> bool {
    clock_state() == ClockState::Synchronized
}

/// Waits up to `timeout` for a trusted clock, checking twice a second; returns whether it came.
/// Gives up early once `still_wanted` says no (a newer job superseded the waiting one). For a
/// worker thread (never the UI thread): e.g. before the first HTTPS fetch after boot.
pub fn wait_until_trusted(timeout: Duration, mut still_wanted: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if clock_trusted() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline || !still_wanted() {
            return false;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(500)));
    }
}

/// Steps of the wall clock smaller than this are not reported (NTP slews small errors anyway).
const SMALLEST_STEP_MS: i64 = 1_000;
/// How often the watch thread looks at its stop flag.
const WATCH_POLL_MS: u16 = 250;

/// Watches the wall clock for steps (`date -s`, `clock_settime`, an NTP step after boot) and
/// reports each with its size against the monotonic clock. The kernel tells: a `timerfd` on
/// `CLOCK_REALTIME` armed with `TFD_TIMER_CANCEL_ON_SET` is cancelled whenever the clock is set,
/// so nothing is polled and a step is seen at once. Stops when dropped.
pub struct ClockWatch {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ClockWatch {
    /// Starts the watch thread; `on_step` gets each step in milliseconds (positive: forward).
    pub fn start(mut on_step: impl FnMut(i64) + Send + 'static) -> std::io::Result<Self> {
        // SAFETY: plain syscall with constant flags; the result is checked before use.
        let raw =
            unsafe { libc::timerfd_create(libc::CLOCK_REALTIME, libc::TFD_CLOEXEC | libc::TFD_NONBLOCK) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // Armed before this returns: a step right after `start` is reported.
        let base = Instant::now();
        let mut before = wall_minus_monotonic_ms(base);
        arm(&fd)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("clock-watch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    // Re-armed before the report: a step made right after it is caught too.
                    let step = wall_minus_monotonic_ms(base) - before;
                    if step.abs() >= SMALLEST_STEP_MS {
                        before += step;
                        if let Err(e) = arm(&fd) {
                            log::warn!("the clock watch stops: {e}");
                            return;
                        }
                        on_step(step);
                        continue;
                    }
                    if cancelled(&fd) {
                        // Set by less than a reported step (or the far timer expired): absorbed.
                        let step = wall_minus_monotonic_ms(base) - before;
                        if step.abs() < SMALLEST_STEP_MS {
                            before += step;
                        }
                        if let Err(e) = arm(&fd) {
                            log::warn!("the clock watch stops: {e}");
                            return;
                        }
                    }
                }
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for ClockWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Wall-clock minus monotonic milliseconds: constant while the clock runs, jumps when it is set.
fn wall_minus_monotonic_ms(base: Instant) -> i64 {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    wall - i64::try_from(base.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// Arms the timer far in the future (absolute, cancelled when the clock is set).
fn arm(fd: &OwnedFd) -> std::io::Result<()> {
    let far = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .saturating_add(10 * 365 * 86_400);
    let spec = libc::itimerspec {
        it_interval: libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: libc::timespec {
            tv_sec: libc::time_t::try_from(far).unwrap_or(libc::time_t::MAX),
            tv_nsec: 0,
        },
    };
    let flags = libc::TFD_TIMER_ABSTIME | libc::TFD_TIMER_CANCEL_ON_SET;
    // SAFETY: `fd` is a timerfd we own; `spec` is a valid itimerspec; the old value is not asked for.
    let r = unsafe { libc::timerfd_settime(fd.as_raw_fd(), flags, &spec, std::ptr::null_mut()) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Waits up to one poll period; true when the timer was cancelled (the clock was set) or expired.
fn cancelled(fd: &OwnedFd) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
    if !matches!(poll(&mut fds, PollTimeout::from(WATCH_POLL_MS)), Ok(n) if n > 0) {
        return false;
    }
    let mut expirations = [0u8; 8];
    // SAFETY: reads at most 8 bytes into a buffer of 8 from a descriptor we own.
    let r = unsafe { libc::read(fd.as_raw_fd(), expirations.as_mut_ptr().cast(), expirations.len()) };
    // ECANCELED: the clock was set; a read of 8 bytes: the far timer expired (re-arm either way).
    r == 8 || (r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECANCELED))
}

/// The kernel's view (`adjtimex` read-only): `None` when the call is not allowed or fails.
fn kernel_synced() -> Option<bool> {
    // SAFETY: a zeroed `timex` with `modes = 0` only reads the kernel's state into the struct.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    // SAFETY: `tx` is a valid, exclusively borrowed `timex` for the duration of the call.
    let state = unsafe { libc::ntp_adjtime(&mut tx) };
    if state < 0 {
        return None;
    }
    Some(state != libc::TIME_ERROR && tx.status & libc::STA_UNSYNC == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_before_this_release_is_wrong_whatever_else_says() {
        assert_eq!(classify(0, true, Some(true)), ClockState::Wrong);
        assert_eq!(classify(1_700_000_000, false, None), ClockState::Wrong);
    }

    #[test]
    fn synchronisation_comes_from_timesyncd_or_the_kernel() {
        let now = EARLIEST_PLAUSIBLE_UNIX_S + 86_400;
        assert_eq!(classify(now, true, None), ClockState::Synchronized);
        assert_eq!(classify(now, false, Some(true)), ClockState::Synchronized);
        assert_eq!(classify(now, false, Some(false)), ClockState::Unconfirmed);
        assert_eq!(classify(now, false, None), ClockState::Unconfirmed);
    }

    #[test]
    fn waiting_ends_at_the_timeout() {
        let start = Instant::now();
        let trusted = wait_until_trusted(Duration::from_millis(50), || true);
        assert!(trusted || start.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn waiting_ends_when_no_longer_wanted() {
        let mut asked = 0;
        let trusted = wait_until_trusted(Duration::from_secs(3600), || {
            asked += 1;
            false
        });
        // An untrusted clock is asked about once, then the wait is over; a trusted one never.
        assert!(trusted || asked == 1, "asked {asked} times");
    }
}
