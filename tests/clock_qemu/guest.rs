// SPDX-License-Identifier: GPL-3.0-or-later
//! The part that runs inside the VM (root, its own clock): steps the wall clock with
//! `clock_settime(CLOCK_REALTIME)` and prints one `ZAPBOX-VM RESULT <name> ok|FAIL <detail>` line per
//! scenario on the serial console.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use zapbox::app::{Inbox, Shell, Timers};
use zapbox::core::{Action, Core, Event, SavedState, ScreenView, Settings, TimerId};
use zapbox::system::clock::ClockWatch;

type Outcome = Result<(), String>;

const HOUR_MS: i64 = 3_600_000;
/// How far a measured step may be from the one made (the scenario's own work between readings).
const SLACK_MS: i64 = 2_000;

pub fn run() -> i32 {
    let mut failed = 0;
    let mut report = |name: &str, outcome: Outcome| match outcome {
        Ok(()) => println!("ZAPBOX-VM RESULT {name} ok"),
        Err(detail) => {
            failed += 1;
            println!("ZAPBOX-VM RESULT {name} FAIL {}", detail.replace('\n', " | "));
        }
    };
    report("the clock watch reports each step", watch_reports_steps());
    report("timers run on the monotonic clock", timers_ignore_steps());
    report("the guide shows the new now", guide_follows());
    println!("ZAPBOX-VM DONE failed={failed}");
    i32::from(failed > 0)
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Sets the wall clock `by_ms` forward (negative: back), as `date -s` does.
fn step(by_ms: i64) -> Outcome {
    let to = wall_ms() + by_ms;
    let ts = libc::timespec {
        tv_sec: to.div_euclid(1000) as libc::time_t,
        tv_nsec: (to.rem_euclid(1000) * 1_000_000) as libc::c_long,
    };
    // SAFETY: a valid timespec for the duration of the call.
    if unsafe { libc::clock_settime(libc::CLOCK_REALTIME, &ts) } != 0 {
        return Err(format!("clock_settime: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

fn near(measured: i64, made: i64) -> Outcome {
    if (measured - made).abs() <= SLACK_MS {
        Ok(())
    } else {
        Err(format!("a step of {made} ms was reported as {measured} ms"))
    }
}

fn watch_reports_steps() -> Outcome {
    let (tx, rx) = channel();
    let _watch = ClockWatch::start(move |by| {
        let _ = tx.send(by);
    })
    .map_err(|e| format!("starting the watch: {e}"))?;
    std::thread::sleep(Duration::from_millis(300));
    if let Ok(by) = rx.try_recv() {
        return Err(format!("a step of {by} ms reported before any"));
    }
    // Each step is made the moment the previous one's report arrives, while the watch is
    // re-arming: the window in which a watch that trusts the kernel's notice alone goes deaf.
    let rapid = (0..16).map(|i| if i % 2 == 0 { HOUR_MS } else { -HOUR_MS });
    for (n, made) in [HOUR_MS, -2 * HOUR_MS, HOUR_MS]
        .into_iter()
        .chain(rapid)
        .enumerate()
    {
        step(made)?;
        let by = rx
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| format!("no report of step {n} ({made} ms) within 5 s"))?;
        near(by, made)?;
    }
    // Less than a second is a correction, not a step.
    step(400)?;
    match rx.recv_timeout(Duration::from_millis(1500)) {
        Ok(by) => Err(format!("a step of {by} ms reported without one")),
        Err(_) => Ok(()),
    }
}

/// Two timers (1 s and 3 s) with the clock set an hour forward, then two hours back while they
/// run: each fires after its own duration on the monotonic clock, not an hour early or late.
fn timers_ignore_steps() -> Outcome {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let timers = Timers::start(inbox).map_err(|e| e.to_string())?;
    let start = Instant::now();
    timers.schedule(TimerId::BannerHide(1), Duration::from_secs(1));
    timers.schedule(TimerId::GuideRefresh, Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    step(HOUR_MS)?;
    std::thread::sleep(Duration::from_millis(1200));
    step(-2 * HOUR_MS)?;
    let mut fired = Vec::new();
    while fired.len() < 2 {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Event::Timer(id)) => fired.push((id, start.elapsed())),
            Ok(_) => {}
            Err(_) => return Err(format!("timers fired so far: {fired:?}; the rest never did")),
        }
    }
    let (first, second) = (fired[0], fired[1]);
    if first.0 != TimerId::BannerHide(1) || second.0 != TimerId::GuideRefresh {
        return Err(format!("fired in the wrong order: {fired:?}"));
    }
    if first.1 < Duration::from_secs(1) || second.1 < Duration::from_secs(3) {
        return Err(format!("fired early: {fired:?}"));
    }
    if second.1 > Duration::from_secs(60) {
        return Err(format!("fired late: {fired:?}"));
    }
    Ok(())
}

/// The app shell with its clock watch, the guide open at "now": after the clock is set an hour
/// forward (and back) the grid shows the new "now" and the clock on screen follows.
fn guide_follows() -> Outcome {
    let playlist = "#EXTM3U\n#EXTINF:-1 tvg-id=\"one\",One\nudp://@239.255.0.1:5000\n";
    let lineup = zapbox::lineup::build(&[("vm.m3u".into(), playlist.as_bytes().to_vec())]).lineup;
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let core = Core::new(lineup, SavedState::default(), Settings::default());
    let mut shell = Shell::without_player(core, inbox)
        .and_then(Shell::with_clock_watch)
        .map_err(|e| format!("{e:#}"))?;
    shell.handle(Event::Action(Action::Guide));
    let from = |shell: &Shell| match shell.view().screen {
        ScreenView::Guide(grid) => Ok(grid.from_s),
        other => Err(format!("the guide is not open: {other:?}")),
    };
    let before = from(&shell)?;
    for made in [HOUR_MS, -HOUR_MS] {
        let was = from(&shell)?;
        step(made)?;
        pump_until(&mut shell, &rx, |s| from(s).is_ok_and(|f| f != was))?;
        let clock = shell.view().clock_utc_ms;
        near(clock - wall_ms(), 0)
            .map_err(|_| format!("the clock on screen is {clock}, the wall clock {}", wall_ms()))?;
        let now_s = wall_ms() / 1000;
        let grid = from(&shell)?;
        if !(grid..grid + 3600).contains(&now_s) {
            return Err(format!(
                "after a {made} ms step the grid starts at {grid}, now is {now_s}"
            ));
        }
    }
    if from(&shell)? != before {
        return Err("an hour forward and back did not bring the grid back".into());
    }
    Ok(())
}

fn pump_until(shell: &mut Shell, rx: &Receiver<Event>, done: impl Fn(&Shell) -> bool) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(shell) {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or("the shell did not follow the step within 5 s")?;
        if let Ok(event) = rx.recv_timeout(left) {
            shell.handle(event);
        }
    }
    Ok(())
}
