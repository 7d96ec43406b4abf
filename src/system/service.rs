// SPDX-License-Identifier: GPL-3.0-or-later
//! Running under systemd: the `sd_notify` protocol (READY=1, WATCHDOG=1, STOPPING=1, STATUS=) over
//! `$NOTIFY_SOCKET`, the watchdog interval from `$WATCHDOG_USEC`, and SIGTERM/SIGINT turned into a
//! clean stop instead of death by signal (so the state is saved and multicast groups are left).
//!
//! ```text
//!  systemd ── SIGTERM ──> stop-signal thread ── on_stop() ──> UI loop quits ──> Event::Shutdown
//!  UI event loop ── slint::Timer every WATCHDOG_USEC/2 ── WATCHDOG=1 ──> systemd (frozen UI: restart)
//! ```
//! The watchdog must be pinged from the UI event loop, not from a thread of its own, so that a frozen
//! loop stops the pings. Without `$NOTIFY_SOCKET` (a terminal, tests) every call does nothing. Plain
//! `std`/`nix`: no sd-notify crate needed for a few datagrams. Must not depend on the UI or the core.

use nix::sys::signal::{SigSet, Signal};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Errors setting up signal handling.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("cannot block SIGTERM/SIGINT for the stop thread: {0}")]
    Mask(#[source] nix::Error),
    #[error("cannot start the stop-signal thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// The service manager's notification socket, when there is one.
#[derive(Debug)]
pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// From `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` of this process.
    pub fn from_env() -> Self {
        let socket = std::env::var_os("NOTIFY_SOCKET");
        let usec = std::env::var("WATCHDOG_USEC").ok();
        let pid = std::env::var("WATCHDOG_PID").ok();
        Self::from_vars(
            socket.as_deref(),
            usec.as_deref(),
            pid.as_deref(),
            std::process::id(),
        )
    }

    /// Pure part of [`from_env`](Self::from_env). The watchdog is ours unless `WATCHDOG_PID` names
    /// another process (then a parent set it up and we were started by it).
    pub fn from_vars(
        notify_socket: Option<&std::ffi::OsStr>,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
        own_pid: u32,
    ) -> Self {
        let target = notify_socket.and_then(|s| match socket_address(s.as_bytes()) {
            Some(addr) => UnixDatagram::unbound()
                .inspect_err(|e| log::warn!("sd_notify: no socket: {e}"))
                .ok()
                .map(|sock| (sock, addr)),
            None => {
                log::warn!("sd_notify: unsupported NOTIFY_SOCKET {s:?}");
                None
            }
        });
        let ours = watchdog_pid.is_none_or(|p| p.trim().parse::<u32>().ok() == Some(own_pid));
        let watchdog = watchdog_usec
            .and_then(|u| u.trim().parse::<u64>().ok())
            .filter(|&u| u > 0 && ours)
            .map(Duration::from_micros);
        Self { target, watchdog }
    }

    /// Whether a service manager listens (`Type=notify`).
    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }

    /// `WatchdogSec=` of the unit, when the watchdog is on for this process.
    pub fn watchdog_timeout(&self) -> Option<Duration> {
        self.watchdog
    }

    /// How often to call [`watchdog_ping`](Self::watchdog_ping): half the timeout, as
    /// `sd_watchdog_enabled(3)` recommends.
    pub fn ping_interval(&self) -> Option<Duration> {
        self.watchdog.map(|t| t / 2)
    }

    /// Start-up is complete (the window shows): `Type=notify` units become active now.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    /// "Still alive": call from the UI event loop every [`ping_interval`](Self::ping_interval).
    pub fn watchdog_ping(&self) {
        if self.watchdog.is_some() {
            self.send("WATCHDOG=1");
        }
    }

    /// The service is shutting down cleanly.
    pub fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=Stopping");
    }

    /// A one-line status for `systemctl status`.
    pub fn status(&self, text: &str) {
        self.send(&format!("STATUS={}", one_line(text)));
    }

    fn send(&self, message: &str) {
        let Some((socket, addr)) = &self.target else {
            return;
        };
        if let Err(e) = socket.send_to_addr(message.as_bytes(), addr) {
            log::warn!("sd_notify {message:?}: {e}");
        }
    }
}

/// `/run/systemd/notify` or `@abstract-name` as a socket address.
fn socket_address(value: &[u8]) -> Option<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    match value.first()? {
        b'/' => SocketAddr::from_pathname(std::ffi::OsStr::from_bytes(value)).ok(),
        b'@' => SocketAddr::from_abstract_name(&value[1..]).ok(),
        _ => None,
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether SIGTERM or SIGINT arrived (for loops that poll rather than wait for `on_stop`).
pub fn stop_requested() -> bool {
    STOP_REQUESTED.load(Ordering::SeqCst)
}

/// Turns SIGTERM and SIGINT into a call of `on_stop` on a thread of their own; a second signal while
/// stopping ends the process at once (exit status 128 + signal). Blocks both signals in the calling
/// thread, so call it **before any other thread exists**: threads inherit the mask, and a thread
/// without it would take the signal's default action (death without saving).
pub fn handle_stop_signals(on_stop: impl Fn(Signal) + Send + 'static) -> Result<(), ServiceError> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGTERM);
    set.add(Signal::SIGINT);
    set.thread_block().map_err(ServiceError::Mask)?;
    std::thread::Builder::new()
        .name("stop-signals".into())
        .spawn(move || {
            while let Ok(signal) = set.wait() {
                if STOP_REQUESTED.swap(true, Ordering::SeqCst) {
                    log::warn!("{signal} again while stopping: exiting now");
                    std::process::exit(128 + signal as i32);
                }
                log::info!("{signal}: stopping");
                on_stop(signal);
            }
        })
        .map_err(ServiceError::Thread)?;
    Ok(())
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
