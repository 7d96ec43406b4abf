// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox record` end to end: the real binary records 60 s of the demo headend's channel 2
//! (video and two audio tracks) from its multicast group, and `gst-discoverer-1.0` reads the
//! file back: video, audio and 60 ± 2 s. Also: the sidecar, no `.part` left behind, and the
//! refusals (a progressive HTTP channel, a silent group, hostile manifests: too large, naming a
//! local file, too many segments) with nothing left on disk; the demo's
//! OTT channels: HLS with TS segments, DASH and HLS with fMP4 segments, 20 s each, remuxed into
//! MPEG-TS where they are not TS already, playing back with video and audio. And the failures a box
//! meets: the recorder killed with SIGKILL and started again with `--resume` (two playable
//! segments, the time away a gap in the sidecar, 30 s in all), a channel that stalls for 6 s
//! (the file kept, the silence a gap), and a disk that fills up (a 3 MiB tmpfs mounted by the
//! test: exit 3 with a notice, whole packets only, the sidecar written, the file playable).
//!
//! A custom harness: the headend's multicast must stay inside a private network namespace,
//! entered while the process is single-threaded, and so must a mount namespace for the small
//! disk; the recorders run as child processes, which inherit both. The cases run side by side
//! on different channels. Run: `cargo test --test record` (about 75 s).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
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
    // The small disk's mount lives and dies with this process (and its children).
    let mounts = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(|e| format!("a private mount namespace: {e}"))
        .and_then(|()| run_ok(Command::new("mount").args(["--make-rprivate", "/"])));
    let headend = Headend::start(&HeadendOptions {
        cache_dir: std::env::temp_dir().join("zapbox-test-loops"),
        width: 640,
        height: 360,
    })
    .expect("the demo headend starts");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let playlist = dir.path().join("demo.m3u");
    std::fs::write(&playlist, headend.playlist()).expect("the playlist is written");
    let results = std::thread::scope(|scope| {
        let (list, d, h) = (&playlist, dir.path(), &headend);
        let cases = [
            (
                "refusals leave nothing behind",
                scope.spawn(move || refusals(list, d)),
            ),
            (
                "hostile manifests are refused with nothing left behind",
                scope.spawn(move || hostile_manifests(d)),
            ),
            (
                "60 s of channel 2 play back as 60 ± 2 s with video and audio",
                scope.spawn(move || sixty_seconds(list, d)),
            ),
            (
                "killed and resumed: two playable segments and the gap",
                scope.spawn(move || killed_and_resumed(list, d)),
            ),
            (
                "the HLS channel records 20 s that play back with video and audio",
                scope.spawn(move || hls_channel(list, d)),
            ),
            (
                "the DASH channel records 20 s that play back as 20 ± 2 s with video and audio",
                scope.spawn(move || fmp4_channel(list, d, zapbox::demo::DASH_CHANNEL)),
            ),
            (
                "a DASH timeline records 20 s that play back as 20 ± 2 s with video and audio",
                scope.spawn(move || dash_timeline(h, d)),
            ),
            (
                "the fMP4 HLS channel records 20 s that play back as 20 ± 2 s with video and audio",
                scope.spawn(move || fmp4_channel(list, d, zapbox::demo::FMP4_HLS_CHANNEL)),
            ),
            (
                "a stalled channel keeps the file and records the gap",
                scope.spawn(move || stalled(h, list, d)),
            ),
            (
                "a full disk stops cleanly with whole packets and a sidecar",
                scope.spawn(move || mounts.and_then(|()| disk_full(list, d))),
            ),
        ];
        cases.map(|(name, t)| (name, t.join().unwrap_or_else(|_| Err("panicked".into()))))
    });
    let mut failed = 0;
    for (name, result) in results {
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

fn run_ok(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{command:?}: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

fn zapbox_record(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .arg("record")
        .args(args)
        .output()
        .expect("zapbox runs")
}

/// A small origin of hostile manifests on 127.0.0.1: each path answers its body.
fn hostile_origin(bodies: Vec<(&'static str, Vec<u8>)>) -> Result<String, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            use std::io::{BufRead, Write};
            let mut reader = std::io::BufReader::new(&stream);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let body = bodies.iter().find(|(p, _)| *p == path).map(|(_, b)| b.as_slice());
            let mut out = &stream;
            let _ = match body {
                Some(b) => out
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| out.write_all(b)),
                None => {
                    out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                }
            };
        }
    });
    Ok(base)
}

/// Manifests from strangers: one larger than the cap (sent without a length up front would be
/// cut the same way), one naming a local file, one listing more segments than the cap. Each is
/// refused with exit 1 and its reason, and nothing is left on disk.
fn hostile_manifests(dir: &Path) -> Result<(), String> {
    let mut big = String::from("<MPD type=\"static\"><Period>");
    while big.len() <= 3 << 20 {
        big.push_str("<!-- padding padding padding padding padding padding padding -->");
    }
    big.push_str("</Period></MPD>");
    let local = "<MPD type=\"static\" mediaPresentationDuration=\"PT4S\"><BaseURL>file:///etc/</BaseURL><Period>\
        <AdaptationSet contentType=\"video\"><SegmentTemplate duration=\"2\" media=\"$Number$.m4s\" initialization=\"passwd\"/>\
        <Representation id=\"v\"/></AdaptationSet></Period></MPD>";
    let mut many = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n");
    for i in 0..20_000 {
        many.push_str(&format!("#EXTINF:2,\n{i}.m4s\n"));
    }
    let base = hostile_origin(vec![
        ("/big.mpd", big.into_bytes()),
        ("/local.mpd", local.as_bytes().to_vec()),
        ("/many.m3u8", many.into_bytes()),
    ])?;
    let out_dir = dir.join("hostile");
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    for (path, reason) in [
        ("big.mpd", "sent more than 2097152 bytes"),
        ("local.mpd", "not an http(s) address"),
        ("many.m3u8", "more than 10000 segments"),
    ] {
        let run = zapbox_record(&[&format!("{base}/{path}"), "--seconds", "5", "--out", out]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        if run.status.code() != Some(1) || !stderr.contains(reason) {
            return Err(format!(
                "{path}: exit {:?}, want 1 and '{reason}': {stderr}",
                run.status.code()
            ));
        }
    }
    let left = std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0);
    if left != 0 {
        return Err(format!("{left} entries left in {out}"));
    }
    Ok(())
}

fn refusals(playlist: &Path, dir: &Path) -> Result<(), String> {
    let out_dir = dir.join("refused");
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    let list = playlist.to_str().ok_or("utf-8 path")?;
    let _ = list;
    let http = zapbox_record(&["http://127.0.0.1:9/stream.ts", "--seconds", "5", "--out", out]);
    let stderr = String::from_utf8_lossy(&http.stderr);
    if http.status.code() != Some(1) || !stderr.contains("not a multicast, RTP, HLS or DASH channel") {
        return Err(format!("HTTP channel: {:?} {stderr}", http.status.code()));
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

/// Channel 8 is HLS: its TS segments fetched by `hlsdemux` into the same recorder; 20 s play back
/// with video and audio, for 20 s plus the segments `hlsdemux` starts behind the live edge.
fn hls_channel(playlist: &Path, dir: &Path) -> Result<(), String> {
    let out_dir = dir.join("hls");
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    let list = playlist.to_str().ok_or("utf-8 path")?;
    let run = zapbox_record(&[
        "--playlist",
        list,
        "--channel",
        "8",
        "--seconds",
        "20",
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
    let folder = only_folder(&out_dir)?;
    let sidecar = read_json(&folder.join("recording.json"))?;
    let segments = sidecar["segments"].as_array().ok_or("segments")?;
    if sidecar["state"] != "complete" || segments.len() != 1 {
        return Err(format!("sidecar {sidecar}"));
    }
    let played = playable(&folder.join("stream.ts"), &segments[0]["bytes"])?;
    println!("HLS channel: {played:.2} s played back");
    // hlsdemux starts three segments (6 s) back from the live edge and fetches them at once:
    // the file holds 20 s of wall clock plus that much.
    if !(18.0..=28.0).contains(&played) {
        return Err(format!("played {played} s of 20 s (+ up to 6 s)"));
    }
    Ok(())
}

/// Channels 9 (DASH) and 10 (HLS with fMP4 segments and an audio rendition): the recorder
/// fetches each track from the newest complete segment on and `mpegtsmux` remuxes them; 20 s
/// asked play back as 20 ± 2 s with video and audio.
fn fmp4_channel(playlist: &Path, dir: &Path, channel: u32) -> Result<(), String> {
    let list = playlist.to_str().ok_or("utf-8 path")?;
    let number = channel.to_string();
    ott_twenty_seconds(dir, &number, &["--playlist", list, "--channel", &number])
}

/// The demo's DASH channel again as a `SegmentTimeline` with `$Time$` addresses (channel 9's
/// MPD numbers its segments), recorded by URL.
fn dash_timeline(headend: &Headend, dir: &Path) -> Result<(), String> {
    let url = format!("{}/dash/timeline.mpd", headend.base_url());
    ott_twenty_seconds(dir, "timeline", &[&url])
}

fn ott_twenty_seconds(dir: &Path, name: &str, what: &[&str]) -> Result<(), String> {
    let channel = name;
    let out_dir = dir.join(format!("ott-{name}"));
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    let mut args = what.to_vec();
    args.extend(["--seconds", "20", "--out", out, "--json"]);
    let run = zapbox_record(&args);
    if run.status.code() != Some(0) {
        return Err(format!(
            "exit {:?}: {}",
            run.status.code(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let folder = only_folder(&out_dir)?;
    let sidecar = read_json(&folder.join("recording.json"))?;
    let segments = sidecar["segments"].as_array().ok_or("segments")?;
    if sidecar["state"] != "complete" || segments.len() != 1 {
        return Err(format!("sidecar {sidecar}"));
    }
    let played = playable(&folder.join("stream.ts"), &segments[0]["bytes"])?;
    println!(
        "channel {channel}: {played:.2} s played back (sidecar: {} s, {} gaps)",
        sidecar["seconds"],
        sidecar["gaps"].as_array().map_or(0, Vec::len)
    );
    if !(18.0..=22.0).contains(&played) {
        return Err(format!("played {played} s of 20 s"));
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

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn names_in(folder: &Path) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
}

/// The only folder under `dir`.
fn only_folder(dir: &Path) -> Result<PathBuf, String> {
    let folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| Some(e.ok()?.path()))
        .collect();
    match folders.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("want one folder in {}, found {folders:?}", dir.display())),
    }
}

/// A segment checked as a player sees it: whole packets, each starting with the sync byte, its
/// size as the sidecar says, and gst-discoverer finding video and audio; its duration.
fn playable(file: &Path, bytes: &serde_json::Value) -> Result<f64, String> {
    let data = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    if Some(data.len() as u64) != bytes.as_u64() || data.len() % 188 != 0 {
        return Err(format!(
            "{} is {} bytes, the sidecar says {bytes}",
            file.display(),
            data.len()
        ));
    }
    if let Some(at) = data.chunks(188).position(|p| p[0] != 0x47) {
        return Err(format!("{}: packet {at} has no sync byte", file.display()));
    }
    let probe = Command::new("gst-discoverer-1.0")
        .arg(file)
        .output()
        .map_err(|e| format!("gst-discoverer-1.0: {e}"))?;
    let report = String::from_utf8_lossy(&probe.stdout);
    if !probe.status.success() || !report.contains("video #") || !report.contains("audio #") {
        return Err(format!("{}: want video and audio:\n{report}", file.display()));
    }
    duration_s(&report).ok_or_else(|| format!("no duration in:\n{report}"))
}

/// SIGKILL 12 s into a 30 s recording, `--resume` 3 s later: the first segment closed with
/// whole packets, a second one to the planned end, the time away a `restart` gap.
fn killed_and_resumed(playlist: &Path, dir: &Path) -> Result<(), String> {
    let out_dir = dir.join("killed");
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    let list = playlist.to_str().ok_or("utf-8 path")?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .args([
            "record",
            "--playlist",
            list,
            "--channel",
            "4",
            "--seconds",
            "30",
            "--out",
            out,
        ])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_secs(12));
    child.kill().map_err(|e| e.to_string())?;
    child.wait().map_err(|e| e.to_string())?;
    let folder = only_folder(&out_dir)?;
    let names = names_in(&folder)?;
    let before = read_json(&folder.join("recording.json"))?;
    if before["state"] != "recording" || !names.contains(&"stream.ts.part".to_string()) {
        return Err(format!("after the kill: {names:?}, sidecar {before}"));
    }
    std::thread::sleep(Duration::from_secs(3));
    let run = zapbox_record(&["--resume", "--out", out, "--json"]);
    if run.status.code() != Some(0) {
        return Err(format!(
            "--resume: exit {:?}: {}",
            run.status.code(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).map_err(|e| e.to_string())?;
    let sidecar = read_json(&folder.join("recording.json"))?;
    if doc.as_array().map(Vec::len) != Some(1) || doc[0]["recording"] != sidecar {
        return Err(format!("--resume printed {doc}"));
    }
    let names = names_in(&folder)?;
    if names != ["recording.json", "stream-2.ts", "stream.ts"] {
        return Err(format!("folder holds {names:?}"));
    }
    let segments = sidecar["segments"].as_array().ok_or("segments")?;
    let gaps = sidecar["gaps"].as_array().ok_or("gaps")?;
    if sidecar["state"] != "complete"
        || segments.len() != 2
        || gaps.len() != 1
        || gaps[0]["cause"] != "restart"
    {
        return Err(format!("sidecar {sidecar}"));
    }
    let away = gaps[0]["seconds"].as_f64().unwrap_or(0.0);
    if !(2.5..=10.0).contains(&away) {
        return Err(format!("a gap of {away} s for a 3 s restart"));
    }
    let mut played = Vec::new();
    for seg in segments {
        let file = folder.join(seg["file"].as_str().ok_or("file")?);
        played.push(playable(&file, &seg["bytes"])?);
    }
    let total = played.iter().sum::<f64>() + away;
    if !(9.0..=14.0).contains(&played[0]) || !(27.0..=33.0).contains(&total) {
        return Err(format!("segments of {played:?} s and {away} s away for 30 s"));
    }
    let again = zapbox_record(&["--resume", "--out", out, "--json"]);
    if again.status.code() != Some(0) || String::from_utf8_lossy(&again.stdout).trim() != "[]" {
        return Err(format!("a second --resume: {again:?}"));
    }
    println!(
        "  segments {:.2} s + {:.2} s, {away:.2} s away",
        played[0], played[1]
    );
    Ok(())
}

/// Channel 3 off air from 6 s to 12 s of a 20 s recording: one file, complete, one `silence` gap.
fn stalled(headend: &Headend, playlist: &Path, dir: &Path) -> Result<(), String> {
    let out_dir = dir.join("stalled");
    let out = out_dir.to_str().ok_or("utf-8 path")?;
    let list = playlist.to_str().ok_or("utf-8 path")?;
    let child = Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .args([
            "record",
            "--playlist",
            list,
            "--channel",
            "3",
            "--seconds",
            "20",
            "--out",
            out,
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_secs(6));
    headend.set_on_air(2, false);
    std::thread::sleep(Duration::from_secs(6));
    headend.set_on_air(2, true);
    let run = child.wait_with_output().map_err(|e| e.to_string())?;
    if run.status.code() != Some(0) {
        return Err(format!(
            "exit {:?}: {}",
            run.status.code(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let folder = only_folder(&out_dir)?;
    let sidecar = read_json(&folder.join("recording.json"))?;
    let gaps = sidecar["gaps"].as_array().ok_or("gaps")?;
    if sidecar["state"] != "complete" || gaps.len() != 1 || gaps[0]["cause"] != "silence" {
        return Err(format!("sidecar {sidecar}"));
    }
    let silent = gaps[0]["seconds"].as_f64().unwrap_or(0.0);
    if !(4.5..=7.5).contains(&silent) {
        return Err(format!("a gap of {silent} s for 6 s off air"));
    }
    if names_in(&folder)? != ["recording.json", "stream.ts"] {
        return Err(format!("folder holds {:?}", names_in(&folder)?));
    }
    let seconds = playable(&folder.join("stream.ts"), &sidecar["bytes"])?;
    println!("  {seconds:.2} s in the file, a {silent:.2} s gap");
    Ok(())
}

/// A 60 s recording onto a 3 MiB disk: stopped with exit 3 and the notice, the file of whole
/// packets plays, the sidecar says `disk-full`, nothing else left in the folder.
fn disk_full(playlist: &Path, dir: &Path) -> Result<(), String> {
    let disk = dir.join("small-disk");
    std::fs::create_dir_all(&disk).map_err(|e| e.to_string())?;
    run_ok(
        Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
            .arg(&disk),
    )?;
    let result = (|| {
        let out = disk.to_str().ok_or("utf-8 path")?;
        let list = playlist.to_str().ok_or("utf-8 path")?;
        let run = zapbox_record(&[
            "--playlist",
            list,
            "--channel",
            "5",
            "--seconds",
            "60",
            "--out",
            out,
            "--json",
        ]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        if run.status.code() != Some(3) || !stderr.contains("the disk is full") {
            return Err(format!("exit {:?}: {stderr}", run.status.code()));
        }
        let folder = only_folder(&disk)?;
        let sidecar = read_json(&folder.join("recording.json"))?;
        let seconds = sidecar["seconds"].as_f64().unwrap_or(0.0);
        if sidecar["state"] != "disk-full" || !(2.0..=40.0).contains(&seconds) {
            return Err(format!("sidecar {sidecar}"));
        }
        if names_in(&folder)? != ["recording.json", "stream.ts"] {
            return Err(format!("folder holds {:?}", names_in(&folder)?));
        }
        let played = playable(&folder.join("stream.ts"), &sidecar["bytes"])?;
        println!(
            "  stopped after {seconds:.1} s with {} bytes, {played:.2} s playable",
            sidecar["bytes"]
        );
        Ok(())
    })();
    let _ = Command::new("umount").arg(&disk).status();
    result
}
