// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox record` end to end: the real binary records 60 s of the demo headend's channel 2
//! (video and two audio tracks) from its multicast group, and `gst-discoverer-1.0` reads the
//! file back: video, audio and 60 ± 2 s. Also: the sidecar, no `.part` left behind, and the
//! refusals (an OTT channel, a silent group) with nothing left on disk.
//!
//! A custom harness: the headend's multicast must stay inside a private network namespace,
//! entered while the process is single-threaded; the recorder runs as a child process, which
//! inherits the namespace. Run: `cargo test --test record` (about 75 s).

use std::path::Path;
use std::process::{Command, Output};
use zapbox::demo::{Headend, HeadendOptions};
use zapbox::system::netns;

fn main() {
    if let Err(e) = netns::enter_private_network() {
        if nix::unistd::geteuid().is_root() || std::env::var_os("CI").is_some() {
            eprintln!("cannot enter a private network namespace: {e}");
            std::process::exit(1);
        }
        eprintln!("skipping the recording tests: {e}");
        return;
    }
    let headend = Headend::start(&HeadendOptions {
        cache_dir: std::env::temp_dir().join("zapbox-test-loops"),
        width: 640,
        height: 360,
    })
    .expect("the demo headend starts");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let playlist = dir.path().join("demo.m3u");
    std::fs::write(&playlist, headend.playlist()).expect("the playlist is written");
    let mut failed = 0;
    for (name, result) in [
        ("refusals leave nothing behind", refusals(&playlist, dir.path())),
        (
            "60 s of channel 2 play back as 60 ± 2 s with video and audio",
            sixty_seconds(&playlist, dir.path()),
        ),
    ] {
        match result {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    drop(headend);
    if failed > 0 {
        std::process::exit(1);
    }
}

fn zapbox_record(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .arg("record")
        .args(args)
        .output()
        .expect("zapbox runs")
}

fn refusals(playlist: &Path, dir: &Path) -> Result<(), String> {
    let out_dir = dir.join("refused");
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    let list = playlist.to_str().ok_or("utf-8 path")?;
    let hls = zapbox_record(&[
        "--playlist",
        list,
        "--channel",
        "8",
        "--seconds",
        "5",
        "--out",
        out,
    ]);
    let stderr = String::from_utf8_lossy(&hls.stderr);
    if hls.status.code() != Some(1) || !stderr.contains("not a multicast or RTP channel") {
        return Err(format!("HLS channel: {:?} {stderr}", hls.status.code()));
    }
    // A group nobody sends to: nothing arrives, nothing is kept.
    let silent = zapbox_record(&["udp://@239.255.0.99:5000", "--seconds", "5", "--out", out]);
    let stderr = String::from_utf8_lossy(&silent.stderr);
    if silent.status.code() != Some(1) || !stderr.contains("nothing received") {
        return Err(format!("silent group: {:?} {stderr}", silent.status.code()));
    }
    let left = std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0);
    if left != 0 {
        return Err(format!("{left} entries left in {out}"));
    }
    let usage = zapbox_record(&["--seconds", "5", "--out", out]);
    if usage.status.code() != Some(2) {
        return Err(format!("no channel: exit {:?}", usage.status.code()));
    }
    Ok(())
}

fn sixty_seconds(playlist: &Path, dir: &Path) -> Result<(), String> {
    let out_dir = dir.join("recordings");
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    let list = playlist.to_str().ok_or("utf-8 path")?;
    let run = zapbox_record(&[
        "--playlist",
        list,
        "--channel",
        "2",
        "--seconds",
        "60",
        "--out",
        out,
        "--json",
    ]);
    if run.status.code() != Some(0) {
        return Err(format!(
            "exit {:?}: {}",
            run.status.code(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).map_err(|e| e.to_string())?;
    let folder = Path::new(doc["folder"].as_str().ok_or("folder")?);
    let names: Vec<String> = std::fs::read_dir(folder)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    if sorted != ["recording.json", "stream.ts"] {
        return Err(format!("folder holds {names:?}"));
    }
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("recording.json")).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if sidecar != doc["recording"]
        || sidecar["channel"]["number"] != 2
        || sidecar["gaps"] != serde_json::json!([])
    {
        return Err(format!("sidecar {sidecar}"));
    }
    let size = std::fs::metadata(folder.join("stream.ts"))
        .map_err(|e| e.to_string())?
        .len();
    if size != sidecar["bytes"].as_u64().unwrap_or(0) || size % 188 != 0 {
        return Err(format!(
            "stream.ts is {size} bytes, the sidecar says {}",
            sidecar["bytes"]
        ));
    }
    let probe = Command::new("gst-discoverer-1.0")
        .arg(folder.join("stream.ts"))
        .output()
        .map_err(|e| format!("gst-discoverer-1.0 (gstreamer1.0-plugins-base-apps): {e}"))?;
    let report = String::from_utf8_lossy(&probe.stdout);
    let audio = report.matches("audio #").count();
    if !report.contains("video #") || audio < 2 {
        return Err(format!("want video and both audio tracks:\n{report}"));
    }
    let seconds = duration_s(&report).ok_or_else(|| format!("no duration in:\n{report}"))?;
    if !(58.0..=62.0).contains(&seconds) {
        return Err(format!("{seconds} s recorded for 60 s asked"));
    }
    println!("  recorded {size} bytes, {seconds:.2} s, {audio} audio tracks");
    Ok(())
}

/// `Duration: 0:01:00.123456789` from gst-discoverer's report, in seconds.
fn duration_s(report: &str) -> Option<f64> {
    let text = report.lines().find_map(|l| l.trim().strip_prefix("Duration: "))?;
    let mut parts = text.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    Some(h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
}
