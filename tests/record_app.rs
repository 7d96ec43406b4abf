// SPDX-License-Identifier: GPL-3.0-or-later
//! The recorder inside the app, end to end through its control input: the real binary runs
//! `zapbox demo --headless --control` (the demo headend and the app in one process, in its own
//! private network namespace) and is driven with remote keys.
//!
//! - REC on live channel 2 records the programme on air from the tap the picture reads, back
//!   into its timeshift window (the recording starts before the key was pressed); the second
//!   REC opens the dialog, "Do not record" stops it; the file plays in `gst-discoverer-1.0` with
//!   video, audio and the sidecar's length. On the recordings screen (BLUE) OK plays it (its
//!   position moves), STOP keeps the place and OK again resumes there; RED and OK delete it.
//! - REC on live channel 3, then the app killed with SIGKILL and started again: the schedule is
//!   read back, the recording resumes at start into a second segment (channel 3 no longer
//!   live: a join of its own) with the time away a `restart` gap; REC on channel 3 in the guide
//!   finds it scheduled and cancels it; both segments play.
//!
//! A custom harness: the private network namespace is entered while the process is
//! single-threaded, and the app's processes inherit it. The cases run one after the other (each
//! process runs a whole headend). Run: `cargo test --test record_app` (about 90 s).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant, SystemTime};
use zapbox::system::netns;

fn main() {
    if let Err(e) = netns::enter_private_network() {
        if nix::unistd::geteuid().is_root() || std::env::var_os("CI").is_some() {
            eprintln!("cannot enter a private network namespace: {e}");
            std::process::exit(1);
        }
        eprintln!("skipping the app's recording tests: {e}");
        return;
    }
    // The app checks that `lo` is the only interface up, through /sys/class/net: a sysfs of
    // this namespace, in a mount namespace of its own, shows it so.
    let sysfs = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(|e| e.to_string())
        .and_then(|()| run_ok(Command::new("mount").args(["--make-rprivate", "/"])))
        .and_then(|()| run_ok(Command::new("mount").args(["-t", "sysfs", "sysfs", "/sys"])));
    if let Err(e) = sysfs {
        eprintln!("cannot mount a sysfs of the private network namespace: {e}");
        std::process::exit(1);
    }
    let cases: [(&str, fn()); 2] = [
        (
            "REC on live records from the window and the dialog cancels it",
            rec_on_live_records_from_the_window_and_the_dialog_cancels_it,
        ),
        (
            "a recording killed with the app resumes at start in a new segment",
            a_recording_killed_with_the_app_resumes_at_start_in_a_new_segment,
        ),
    ];
    let mut failed = 0;
    for (name, case) in cases {
        match std::panic::catch_unwind(case) {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

fn run_ok(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{command:?}: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

struct App {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl App {
    fn start(app_dir: &Path) -> App {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zapbox"))
            .args(["demo", "--headless", "--control", "--app-dir"])
            .arg(app_dir)
            .env("RUST_LOG", "zapbox=warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("zapbox demo starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        App { child, stdin, lines }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("the app reads its input");
        self.stdin.flush().expect("flush");
    }

    /// The first line starting with `prefix` within `within`.
    fn expect(&mut self, prefix: &str, within: Duration) -> String {
        let end = Instant::now() + within;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => {}
                Err(_) => panic!("no `{prefix}` line within {within:?}"),
            }
        }
    }

    fn key(&mut self, name: &str) {
        self.send(&format!("key {name}"));
        self.expect(&format!("pressed {name}"), Duration::from_secs(10));
    }

    fn tune(&mut self, number: u32) {
        self.send(&format!("tune {number}"));
        self.expect(&format!("zapped {number} "), Duration::from_secs(60));
    }

    fn recordings(&mut self) -> String {
        self.send("recordings");
        self.expect("recordings ", Duration::from_secs(10))
    }

    fn quit(mut self) {
        self.send("quit");
        self.expect("bye", Duration::from_secs(20));
        let _ = self.child.wait();
    }

    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The one recording folder under `dir`.
fn only_folder(dir: &Path) -> PathBuf {
    let folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(folders.len(), 1, "one recording folder: {folders:?}");
    folders[0].clone()
}

/// Waits until the sidecar in `folder` satisfies `done`; returns it.
fn sidecar_when(
    folder: &Path,
    within: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let end = Instant::now() + within;
    loop {
        if let Ok(bytes) = std::fs::read(folder.join("recording.json"))
            && let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && done(&doc)
        {
            return doc;
        }
        assert!(
            Instant::now() < end,
            "the sidecar in {} did not get there within {within:?}",
            folder.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn seconds_of(time: &serde_json::Value) -> f64 {
    let ts: jiff::Timestamp = time.as_str().expect("a time").parse().expect("RFC 3339");
    ts.as_millisecond() as f64 / 1000.0
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// gst-discoverer-1.0 on `file`: video and audio found; the duration in seconds.
fn discover(file: &Path) -> f64 {
    let probe = Command::new("gst-discoverer-1.0")
        .arg(file)
        .output()
        .expect("gst-discoverer-1.0 (gstreamer1.0-plugins-base-apps)");
    let report = String::from_utf8_lossy(&probe.stdout);
    assert!(
        probe.status.success() && report.contains("video #") && report.contains("audio #"),
        "{}: want video and audio:\n{report}",
        file.display()
    );
    let line = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Duration: "))
        .unwrap_or_else(|| panic!("no duration in:\n{report}"));
    let mut parts = line.split(':');
    let h: f64 = parts.next().unwrap().parse().unwrap();
    let m: f64 = parts.next().unwrap().parse().unwrap();
    let s: f64 = parts.next().unwrap().parse().unwrap();
    h * 3600.0 + m * 60.0 + s
}

/// The picture's place on the timeline (Unix seconds), from a `timeline` line.
fn timeline_position(app: &mut App) -> i64 {
    app.send("timeline");
    let line = app.expect("timeline ", Duration::from_secs(10));
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("position="))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no position in {line}"))
}

/// The text of `path` once it exists.
fn wait_for_file(path: &Path) -> String {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        assert!(Instant::now() < end, "{} appears", path.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// DOWN three times and OK: "Do not record" in the dialog.
fn cancel_in_dialog(app: &mut App) {
    for _ in 0..3 {
        app.key("down");
    }
    app.key("ok");
}

fn rec_on_live_records_from_the_window_and_the_dialog_cancels_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = App::start(dir.path());
    app.tune(2);
    // The picture's tap fills its window for a while before REC.
    std::thread::sleep(Duration::from_secs(8));
    let pressed_at = now_s();
    app.key("record");
    let line = app.recordings();
    assert!(line.contains("running=1 channels=2 "), "{line}");
    let recordings = dir.path().join("recordings");
    std::thread::sleep(Duration::from_secs(12));
    let folder = only_folder(&recordings);
    let sidecar = read_json(&folder.join("recording.json"));
    assert_eq!(sidecar["state"], "recording", "{sidecar}");
    assert_eq!(sidecar["channel"]["number"], 2, "{sidecar}");
    let title = sidecar["title"]
        .as_str()
        .expect("the programme's title")
        .to_string();
    let reached_back = pressed_at - seconds_of(&sidecar["start"]);
    assert!(
        reached_back > 4.0,
        "the recording starts in the window before REC: {reached_back:.1} s before; {sidecar}"
    );
    assert!(folder.join("stream.ts.part").exists());
    let schedule = read_json(&dir.path().join("schedule.json"));
    assert_eq!(schedule["rules"][0]["title"], title.as_str(), "{schedule}");
    // The second REC: the dialog; "Do not record" stops it.
    app.key("record");
    let line = app.recordings();
    assert!(
        line.contains(&format!("dialog={}", title.replace(' ', "_"))),
        "{line}"
    );
    cancel_in_dialog(&mut app);
    let done = sidecar_when(&folder, Duration::from_secs(10), |s| s["state"] == "complete");
    let line = app.recordings();
    assert!(line.contains("running=0 "), "{line}");
    let schedule = read_json(&dir.path().join("schedule.json"));
    assert_eq!(schedule["rules"].as_array().map(Vec::len), Some(0), "{schedule}");
    let seconds = done["seconds"].as_f64().expect("seconds");
    assert!(seconds > 12.0 + reached_back - 1.0, "{done}");
    let played = discover(&folder.join("stream.ts"));
    println!("recorded {seconds:.2} s ({reached_back:.1} s before REC); gst-discoverer: {played:.2} s");
    assert!(
        (played - seconds).abs() <= 2.0,
        "played {played} s of {seconds} s"
    );
    assert!(!folder.join(".reserve").exists() && !folder.join("stream.ts.part").exists());
    // The recordings screen: BLUE, OK plays it; its clock runs once its first frame is shown.
    app.key("blue");
    std::thread::sleep(Duration::from_secs(1));
    app.key("ok");
    std::thread::sleep(Duration::from_secs(5));
    let first = timeline_position(&mut app);
    std::thread::sleep(Duration::from_secs(2));
    let later = timeline_position(&mut app);
    assert!(
        later > first && first > seconds_of(&done["start"]) as i64,
        "{first} then {later}"
    );
    // STOP keeps the place; OK in the list again resumes there.
    app.key("stop");
    let kept: u64 = wait_for_file(&folder.join("position"))
        .trim()
        .parse()
        .expect("ms");
    assert!(kept >= 1000, "kept at {kept} ms");
    app.key("blue");
    std::thread::sleep(Duration::from_secs(1));
    app.key("ok");
    // The timeline shows live's position until the recording's player has started (seconds on
    // a loaded machine): wait for the position inside the recording, at the place kept.
    let start = seconds_of(&done["start"]);
    let inside = |p: i64| p as f64 <= start + seconds + 1.0;
    let end = Instant::now() + Duration::from_secs(15);
    let mut resumed = timeline_position(&mut app);
    while !inside(resumed) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(200));
        resumed = timeline_position(&mut app);
    }
    assert!(
        inside(resumed) && resumed as f64 >= start + kept as f64 / 1000.0 - 1.5,
        "resumed at {resumed}, kept {kept} ms, the recording from {start} for {seconds} s"
    );
    // With the bar up, 1 skips a minute back: here to the recording's start, a new request on
    // the file that the player has to start (the timeline shows live's position until it has).
    let end = Instant::now() + Duration::from_secs(15);
    let mut before = timeline_position(&mut app);
    while !(before as f64 >= start + 6.0 && inside(before)) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(200));
        before = timeline_position(&mut app);
    }
    app.key("info");
    app.key("digit_1");
    let back_at = |p: i64| (p as f64) < start + 3.0;
    let end = Instant::now() + Duration::from_secs(15);
    let mut back = timeline_position(&mut app);
    while !back_at(back) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(200));
        back = timeline_position(&mut app);
    }
    assert!(
        back_at(back) && back as f64 >= start - 1.0,
        "digit 1 at {before}: the picture at {back}, the recording from {start}"
    );
    println!(
        "digit 1 went from {:.1} s into the recording to {:.1} s",
        before as f64 - start,
        back as f64 - start
    );
    app.key("stop");
    // RED asks, OK deletes the folder.
    app.key("blue");
    std::thread::sleep(Duration::from_secs(1));
    app.key("red");
    app.key("ok");
    let end = Instant::now() + Duration::from_secs(10);
    while folder.exists() {
        assert!(Instant::now() < end, "the folder is deleted");
        std::thread::sleep(Duration::from_millis(100));
    }
    app.quit();
}

fn a_recording_killed_with_the_app_resumes_at_start_in_a_new_segment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = App::start(dir.path());
    app.tune(3);
    app.key("record");
    let line = app.recordings();
    assert!(line.contains("running=1 channels=3 "), "{line}");
    std::thread::sleep(Duration::from_secs(10));
    app.kill();
    let folder = only_folder(&dir.path().join("recordings"));
    let before = read_json(&folder.join("recording.json"));
    assert_eq!(before["state"], "recording", "{before}");
    std::thread::sleep(Duration::from_secs(3));
    // Started again: the schedule is read back and the recording goes on in a new segment.
    let mut app = App::start(dir.path());
    let resumed = sidecar_when(&folder, Duration::from_secs(60), |s| {
        s["segments"].as_array().map(Vec::len) == Some(2)
    });
    let gaps = resumed["gaps"].as_array().expect("gaps");
    assert!(
        gaps.len() == 1 && gaps[0]["cause"] == "restart",
        "the time away is a gap: {resumed}"
    );
    let away = gaps[0]["seconds"].as_f64().unwrap();
    assert!((2.5..=40.0).contains(&away), "a gap of {away} s");
    let line = app.recordings();
    assert!(line.contains("running=1 channels=3 "), "{line}");
    std::thread::sleep(Duration::from_secs(6));
    // In the guide, on channel 3's programme on air: scheduled, so REC opens the dialog.
    app.key("guide");
    app.key("down");
    app.key("down");
    app.key("record");
    let line = app.recordings();
    assert!(
        !line.contains("dialog=-"),
        "the schedule survived the restart: {line}"
    );
    cancel_in_dialog(&mut app);
    let done = sidecar_when(&folder, Duration::from_secs(10), |s| s["state"] == "complete");
    app.quit();
    let segments = done["segments"].as_array().expect("segments");
    assert_eq!(segments.len(), 2, "{done}");
    let mut played = Vec::new();
    for seg in segments {
        let file = folder.join(seg["file"].as_str().unwrap());
        let bytes = std::fs::metadata(&file).unwrap().len();
        assert_eq!(Some(bytes), seg["bytes"].as_u64(), "{done}");
        assert_eq!(bytes % 188, 0);
        played.push(discover(&file));
    }
    println!("segments {played:?} s, restart gap {away:.2} s");
    assert!(played[0] > 5.0 && played[1] > 4.0, "{played:?}");
}
