// SPDX-License-Identifier: GPL-3.0-or-later
//! SIGTERM ends a service cleanly: this test runs itself as a child with `NOTIFY_SOCKET` set; the
//! child installs the stop-signal handling, says READY=1 and waits; the parent sends SIGTERM and
//! expects STOPPING=1, the child's "state saved" file and exit status 0. A second signal during a
//! stop ends the process at once (status 128 + 15). Own `main` (harness = false): the signal must
//! not land on a test-harness thread that does not block it.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::os::unix::net::UnixDatagram;
use std::process::{Command, ExitCode};
use std::sync::mpsc;
use std::time::Duration;
use zapbox::system::service::{Notifier, handle_stop_signals, stop_requested};

const CHILD: &str = "ZAPBOX_SIGNAL_TEST_CHILD";

fn main() -> ExitCode {
    if let Ok(mode) = std::env::var(CHILD) {
        return child(&mode);
    }
    let mut failed = 0;
    for (name, mode, expected) in [
        ("sigterm_stops_cleanly", "clean", Some(0)),
        ("a_second_sigterm_ends_a_hanging_stop", "hang", Some(128 + 15)),
    ] {
        match parent(mode, expected) {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    println!("{} passed, {failed} failed", 2 - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The service: stop handling first (before any thread), READY=1, then wait for the stop.
fn child(mode: &str) -> ExitCode {
    let (tx, rx) = mpsc::channel();
    if let Err(e) = handle_stop_signals(move |signal| {
        let _ = tx.send(signal);
    }) {
        eprintln!("child: {e}");
        return ExitCode::from(3);
    }
    let notifier = Notifier::from_env();
    notifier.ready("test child up");
    let Ok(signal) = rx.recv_timeout(Duration::from_secs(20)) else {
        return ExitCode::from(4);
    };
    notifier.stopping();
    if mode == "hang" {
        // A stop that never finishes: only the second signal ends it.
        std::thread::sleep(Duration::from_secs(20));
        return ExitCode::from(5);
    }
    let saved = std::env::var_os("STATE_FILE").map(|p| std::fs::write(p, format!("stopped by {signal}")));
    if stop_requested() && matches!(saved, Some(Ok(()))) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(6)
    }
}

fn parent(mode: &str, expected: Option<i32>) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let socket_path = dir.path().join("notify");
    let state = dir.path().join("state.json");
    let socket = UnixDatagram::bind(&socket_path).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .env(CHILD, mode)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("STATE_FILE", &state)
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = Pid::from_raw(i32::try_from(child.id()).map_err(|e| e.to_string())?);
    let mut buf = [0u8; 256];
    let mut next = || -> Result<String, String> {
        let n = socket
            .recv(&mut buf)
            .map_err(|e| format!("no notification: {e}"))?;
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    let ready = next()?;
    if !ready.starts_with("READY=1") {
        return Err(format!("expected READY=1, got {ready:?}"));
    }
    kill(pid, Signal::SIGTERM).map_err(|e| e.to_string())?;
    let stopping = next()?;
    if !stopping.starts_with("STOPPING=1") {
        return Err(format!("expected STOPPING=1, got {stopping:?}"));
    }
    if mode == "hang" {
        kill(pid, Signal::SIGTERM).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.code() != expected {
        return Err(format!("child exit {status}, expected {expected:?}"));
    }
    if mode == "clean" && std::fs::read_to_string(&state).ok().as_deref() != Some("stopped by SIGTERM") {
        return Err("the child did not save its state".into());
    }
    Ok(())
}
