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
/// How often the watch thread looks at its stop flag (and at the clock, should the kernel's
/// notice ever be missing).
const WATCH_POLL_MS: u16 = 250;

/// Watches the wall clock for steps (`date -s`, `clock_settime`, an NTP step after boot) and
/// reports each with its size against the monotonic clock. Stops when dropped.
///
/// The kernel tells when the clock is set: a `timerfd` on `CLOCK_REALTIME` armed with
/// `TFD_TIMER_CANCEL_ON_SET` becomes readable (`ECANCELED`) whenever it is. That notice alone is
/// not trusted to carry the step, because it is consumed by whichever call comes first: re-arming
/// with a notice pending fails with `ECANCELED` (and clears it), and re-arming after a notice
/// resets the readable state. A watch that read the offset, then re-armed, missed a step made
/// between the two, and one that stopped on the re-arm's `ECANCELED` went deaf after a step made
/// right after a report. So the notice is only a wake-up: each round re-arms first (an
/// `ECANCELED` there means "the clock was set since you last looked", and the timer is armed all
/// the same), then compares wall minus monotonic with its value at the previous look and reports
/// any move of a second or more. A step before the comparison is in the comparison; a step after
/// it wakes the next round. The poll period bounds the wait should the notice never come.
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
        // Armed, then looked at, before this returns: a step right after `start` is reported.
        arm(&fd)?;
        let base = Instant::now();
        let mut offset = Offset::new(wall_minus_monotonic_ms(base));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("clock-watch".into())
            .spawn(move || {
                let mut armed = true;
                while !flag.load(Ordering::Relaxed) {
                    wait_for_notice(&fd);
                    // Re-armed before looking: a step made after the look wakes the next round.
                    match arm(&fd) {
                        Ok(()) => armed = true,
                        Err(e) if armed => {
                            // Not expected; the poll period still catches steps, only later.
                            log::warn!("the clock watch polls: {e}");
                            armed = false;
                        }
                        Err(_) => {}
                    }
                    if let Some(step) = offset.look(wall_minus_monotonic_ms(base)) {
                        on_step(step);
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

/// Wall minus monotonic at the previous look: a move of [`SMALLEST_STEP_MS`] or more is a step.
/// Every look moves the reference, so a step is reported once and sets of less than a second
/// (or rounding of the two clocks' milliseconds) never add up to a report.
struct Offset {
    last_ms: i64,
}

impl Offset {
    fn new(now_ms: i64) -> Self {
        Self { last_ms: now_ms }
    }

    fn look(&mut self, now_ms: i64) -> Option<i64> {
        let step = now_ms - std::mem::replace(&mut self.last_ms, now_ms);
        (step.abs() >= SMALLEST_STEP_MS).then_some(step)
    }
}

/// Wall-clock minus monotonic milliseconds: constant while the clock runs, jumps when it is set.
fn wall_minus_monotonic_ms(base: Instant) -> i64 {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    wall - i64::try_from(base.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// Arms the timer far in the future (absolute, cancelled when the clock is set). `ECANCELED`
/// means the clock was set since the last read or arm: the timer is armed all the same (the
/// kernel starts it before it checks), and the caller looks at the clock next anyway.
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
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ECANCELED) {
            return Err(e);
        }
    }
    Ok(())
}

/// Waits up to one poll period for the kernel's notice (the clock was set, or the far timer
/// expired) and consumes it; what it meant is decided by looking at the clock.
fn wait_for_notice(fd: &OwnedFd) {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
    if matches!(poll(&mut fds, PollTimeout::from(WATCH_POLL_MS)), Ok(n) if n > 0) {
        let mut expirations = [0u8; 8];
        // SAFETY: reads at most 8 bytes into a buffer of 8 from a descriptor we own; the result
        // (8 bytes, ECANCELED or EAGAIN) does not matter, only that the notice is consumed.
        let _ = unsafe { libc::read(fd.as_raw_fd(), expirations.as_mut_ptr().cast(), expirations.len()) };
    }
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
    fn a_move_of_a_second_is_a_step_reported_once() {
        let mut offset = Offset::new(1_000_000);
        assert_eq!(offset.look(1_000_001), None);
        assert_eq!(offset.look(1_000_001 + 3_600_000), Some(3_600_000));
        assert_eq!(offset.look(1_000_001 + 3_600_000), None);
        assert_eq!(offset.look(1_000_001 - 3_600_000), Some(-7_200_000));
        assert_eq!(offset.look(1_000_001 - 3_600_000 - 999), None);
        assert_eq!(offset.look(1_000_001 - 3_600_000 - 1_998), None);
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
