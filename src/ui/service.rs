// SPDX-License-Identifier: GPL-3.0-or-later
//! The UI loop's side of running as a systemd service: READY=1 once the loop runs (the window is
//! shown), WATCHDOG=1 from this loop so a frozen UI stops the pings and systemd restarts the app, and
//! a stop requested by SIGTERM ends the loop. The protocol itself is `system::service`.

use crate::system::service::{Notifier, stop_requested};
use std::rc::Rc;
use std::time::Duration;

/// Starts the timers; keep the returned timer alive as long as the loop runs.
pub(super) fn start() -> slint::Timer {
    let notifier = Rc::new(Notifier::from_env());
    let ready = notifier.clone();
    slint::Timer::single_shot(Duration::ZERO, move || ready.ready("Running"));
    // At most a second, so a stop that raced the loop's start is still noticed quickly.
    let every = notifier
        .ping_interval()
        .map_or(Duration::from_secs(1), |i| i.min(Duration::from_secs(1)));
    let timer = slint::Timer::default();
    timer.start(slint::TimerMode::Repeated, every, move || {
        if stop_requested() {
            let _ = slint::quit_event_loop();
        } else {
            notifier.watchdog_ping();
        }
    });
    timer
}

/// Ends the event loop from any thread (SIGTERM): the app then shuts down as when the window is
/// closed (player stopped, multicast groups left, state saved).
pub fn request_quit() {
    let _ = slint::invoke_from_event_loop(|| {
        let _ = slint::quit_event_loop();
    });
}
