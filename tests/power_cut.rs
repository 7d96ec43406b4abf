// SPDX-License-Identifier: GPL-3.0-or-later
//! Power cuts, as SIGKILL at a random millisecond: this test runs itself as a child that saves
//! the state file, writes the download cache or ingests a guide in a loop, kills it, and checks
//! what the next start finds: every file loads (or is set aside with a notice), and after the
//! start-up clean-up no temporary file is left. Own `main` (harness = false) so the child is this
//! same binary.
//!
//! `ZAPBOX_POWER_CUTS=N` sets the cycles per kind (default 20; the campaign in docs/hardening.md
//! runs 1,000).

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;
use zapbox::core::SavedState;
use zapbox::epg::{GuideSource, IngestOptions};

const CHILD: &str = "ZAPBOX_POWER_CUT_CHILD";

fn main() -> ExitCode {
    if let (Ok(kind), Some(dir)) = (std::env::var(CHILD), std::env::args().nth(1)) {
        child(&kind, Path::new(&dir));
        return ExitCode::SUCCESS;
    }
    let cycles = std::env::var("ZAPBOX_POWER_CUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let mut failed = 0;
    for kind in ["state", "cache", "ingest"] {
        match campaign(kind, cycles) {
            Ok(summary) => println!("test power_cut_during_{kind} ... ok ({summary})"),
            Err(e) => {
                println!("test power_cut_during_{kind} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    println!("{} passed, {failed} failed", 3 - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The work a box does on flash, forever (until killed).
fn child(kind: &str, dir: &Path) {
    match kind {
        "state" => {
            let mut state = SavedState::default();
            for i in 0u64.. {
                state.volume_percent = (i % 101) as u8;
                state.history = (0..(i % 50))
                    .map(|n| zapbox::lineup::ChannelKey(format!("c{n}")))
                    .collect();
                let _ = zapbox::system::save_state(&dir.join("state.json"), &state);
            }
        }
        "cache" => {
            let guide = guide_file(dir);
            let cache = dir.join("cache");
            for i in 0u64.. {
                // The same slot rewritten: body then metadata, each atomically.
                let body = std::fs::read(&guide).unwrap_or_default();
                let _ = zapbox::system::atomic::write_atomic(
                    &cache.join("a.body"),
                    &body[..(i as usize % body.len().max(1))],
                );
                let _ = zapbox::system::atomic::write_atomic(
                    &cache.join("a.json"),
                    format!("{{\"n\":{i}}}").as_bytes(),
                );
            }
        }
        _ => {
            let sources = [GuideSource::new(guide_file(dir).to_string_lossy())];
            loop {
                let _ = zapbox::epg::ingest(&sources, &dir.join("index"), &IngestOptions::default());
            }
        }
    }
}

/// A guide of a few MB, written once per campaign.
fn guide_file(dir: &Path) -> PathBuf {
    let path = dir.join("guide.xml");
    if !path.exists() {
        let mut xml = String::from("<tv>");
        for i in 0..5_000u64 {
            let t = jiff::Timestamp::from_second(1_800_000_000 + (i / 20) as i64 * 600).unwrap();
            let start = t.strftime("%Y%m%d%H%M%S +0000");
            xml.push_str(&format!(
                "<programme start=\"{start}\" channel=\"c{}\"><title>Title {i}</title><desc>Episode {i}</desc></programme>",
                i % 20
            ));
        }
        xml.push_str("</tv>");
        std::fs::write(&path, xml).expect("guide written");
    }
    path
}

fn campaign(kind: &str, cycles: usize) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    if kind != "state" {
        guide_file(dir.path());
    }
    let mut loaded = 0;
    for cycle in 0..cycles {
        let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
            .arg(dir.path())
            .env(CHILD, kind)
            .spawn()
            .map_err(|e| e.to_string())?;
        // Random moment, including before the first write finished and mid-ingest.
        std::thread::sleep(Duration::from_millis(fastrand::u64(1..400)));
        kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).map_err(|e| e.to_string())?;
        let _ = child.wait();
        loaded += check_next_start(kind, dir.path()).map_err(|e| format!("cycle {cycle}: {e}"))?;
    }
    Ok(format!("{cycles} cuts, {loaded} starts found a complete file"))
}

/// What the next start does, then the checks; 1 when a complete file was there.
fn check_next_start(kind: &str, dir: &Path) -> Result<usize, String> {
    let found = match kind {
        "state" => {
            let path = dir.join("state.json");
            let existed = path.exists();
            let (_, warnings) = zapbox::system::load_state(&path);
            if !warnings.is_empty() {
                return Err(format!("the state did not load: {warnings:?}"));
            }
            usize::from(existed)
        }
        "cache" => {
            let cache = dir.join("cache");
            let _fetcher = zapbox::net::resource::Fetcher::new(Default::default(), Some(&cache));
            let meta = std::fs::read_to_string(cache.join("a.json")).unwrap_or_else(|_| "{\"n\":0}".into());
            serde_json::from_str::<serde_json::Value>(&meta)
                .map_err(|e| format!("half a metadata file: {e}"))?;
            usize::from(cache.join("a.body").exists())
        }
        _ => {
            let index = dir.join("index");
            // The next ingest's builder removes what a killed one left; a load never fails halfway.
            drop(zapbox::epg::IndexBuilder::new(&index, Default::default()).map_err(|e| e.to_string())?);
            match zapbox::epg::index::load(&index) {
                Ok(_) => 1,
                Err(zapbox::epg::index::IndexError::Missing { .. }) => 0,
                Err(e) => return Err(format!("the index did not load: {e}")),
            }
        }
    };
    let sub = match kind {
        "state" => dir.to_path_buf(),
        "cache" => dir.join("cache"),
        _ => dir.join("index"),
    };
    let leftovers: Vec<String> = std::fs::read_dir(&sub)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp"))
                .collect()
        })
        .unwrap_or_default();
    if !leftovers.is_empty() {
        return Err(format!("temporary files left after start-up: {leftovers:?}"));
    }
    Ok(found)
}
