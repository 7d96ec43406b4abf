// SPDX-License-Identifier: GPL-3.0-or-later
//! The core (and the lineup model it reads) must stay pure: no GStreamer, Slint, evdev, nix,
//! reqwest, clock, filesystem, network, threads or environment. This scans their sources.

use std::fs;
use std::path::{Path, PathBuf};

/// Tokens that mean I/O, a clock or an adapter, with the reason they are banned.
const FORBIDDEN: &[(&str, &str)] = &[
    ("gstreamer", "GStreamer belongs in src/player"),
    ("gst::", "GStreamer belongs in src/player"),
    ("slint", "Slint belongs in src/ui"),
    ("evdev", "evdev belongs in src/input"),
    ("nix::", "system calls belong in the adapters"),
    ("libc::", "system calls belong in the adapters"),
    ("reqwest", "HTTP belongs in src/net"),
    ("std::fs", "files belong in src/system"),
    ("File::", "files belong in src/system"),
    ("TcpStream", "the network belongs in src/net"),
    ("UdpSocket", "the network belongs in src/net"),
    ("Instant::now", "time is an input (core::Now)"),
    ("SystemTime", "time is an input (core::Now)"),
    ("std::thread", "the core runs on the dispatch loop only"),
    ("std::env", "configuration arrives as values"),
    ("std::process", "the core does not run programs"),
    ("crate::player", "the core does not know the adapters"),
    ("crate::system", "the core does not know the adapters"),
    ("crate::net", "the core does not know the adapters"),
    ("crate::input", "the core does not know the adapters"),
    ("crate::ui", "the core does not know the adapters"),
];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("source directory exists") {
        let path = entry.expect("readable directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Violations in `source` as `line: token (reason)`; comments are not code and are skipped.
fn violations(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (token, reason) in FORBIDDEN {
            if code.contains(token) {
                found.push(format!("{}: {token} ({reason})", number + 1));
            }
        }
    }
    found
}

#[test]
fn core_and_lineup_model_are_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = rust_files(&root.join("src/core"));
    files.push(root.join("src/lineup/model.rs"));
    assert!(files.len() >= 8, "the scan found the core's sources: {files:?}");
    let mut report = Vec::new();
    for file in files {
        let source = fs::read_to_string(&file).expect("source is UTF-8");
        for v in violations(&source) {
            report.push(format!("{}:{v}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "impure code in the core:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_scan_catches_what_it_should() {
    assert_eq!(violations("let t = std::time::Instant::now();").len(), 1);
    assert_eq!(
        violations("use gstreamer as gst;\nlet p = gst::Pipeline::new();").len(),
        2
    );
    assert!(violations("// a comment about reqwest is fine").is_empty());
    assert!(violations("let now: Now = event_time;").is_empty());
}
