// SPDX-License-Identifier: GPL-3.0-or-later
//! The pure layers at the bottom — `mpegts`, `lineup`, `ott` (HLS playlists, WebVTT and TTML), the guide model (`guide`) and the `core`
//! above them — must stay pure: no GStreamer, Slint, evdev, nix, reqwest, clock, filesystem,
//! network, threads or environment, and no import of a module above them (the adapters
//! `player`, `net`, `system`, `input`, `ui`, the guide's ingest `epg`, the shell `app`). Each
//! layer names the crate modules it may use; anything else is a violation. This scans their
//! sources.

use std::fs;
use std::path::{Path, PathBuf};

/// The pure layers, bottom first, each with the crate modules it may use besides itself.
const LAYERS: &[(&str, &[&str])] = &[
    ("mpegts", &[]),
    ("lineup", &[]),
    ("guide", &["lineup", "mpegts"]),
    ("core", &["lineup", "mpegts", "guide"]),
    ("manifest", &[]),
    ("ott", &["lineup", "mpegts"]),
];

/// Tokens that mean I/O, a clock or an adapter, with the reason they are banned.
const FORBIDDEN: &[(&str, &str)] = &[
    ("gstreamer", "GStreamer belongs in src/player"),
    ("gst::", "GStreamer belongs in src/player"),
    ("slint", "Slint belongs in src/ui"),
    ("evdev", "evdev belongs in src/input"),
    ("nix::", "system calls belong in the adapters"),
    ("libc::", "system calls belong in the adapters"),
    ("reqwest", "HTTP belongs in src/net"),
    ("std::fs", "files belong in the adapters"),
    ("File::", "files belong in the adapters"),
    ("TcpStream", "the network belongs in src/net"),
    ("UdpSocket", "the network belongs in src/net"),
    ("Instant::now", "time is an input (core::Now)"),
    ("SystemTime", "time is an input (core::Now)"),
    ("std::thread", "pure layers run on their caller's thread"),
    ("std::env", "configuration arrives as values"),
    ("std::process", "pure layers do not run programs"),
    // A grouped import would hide which modules it reaches; the scan needs them named.
    ("crate::{", "name the module: `use crate::module::{...}`"),
];

/// Why a module above the pure layers may not be imported from one.
fn reason(module: &str) -> &'static str {
    match module {
        "player" | "net" | "system" | "input" | "ui" => "pure layers do not know the adapters",
        "epg" => "the guide's ingest (XMLTV, HTTP, files) is an adapter; use crate::guide",
        "app" | "cli" | "demo" => "pure layers do not know the shell",
        _ => "not a layer below this one",
    }
}

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

/// Violations in `source` of layer `layer` (allowed to use `allowed`) as `line: token (reason)`;
/// comments are not code and are skipped.
fn violations(source: &str, layer: &str, allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (token, reason) in FORBIDDEN {
            if code.contains(token) {
                found.push(format!("{}: {token} ({reason})", number + 1));
            }
        }
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !module.is_empty() && module != layer && !allowed.contains(&module.as_str()) {
                let why = reason(&module);
                found.push(format!("{}: crate::{module} ({why})", number + 1));
            }
        }
    }
    found
}

/// Every violation in the layers under `src`, as `file:line: token (reason)`.
fn scan(src: &Path) -> (usize, Vec<String>) {
    let mut report = Vec::new();
    let mut scanned = 0;
    for (layer, allowed) in LAYERS {
        for file in rust_files(&src.join(layer)) {
            scanned += 1;
            let source = fs::read_to_string(&file).expect("source is UTF-8");
            for v in violations(&source, layer, allowed) {
                report.push(format!("{}:{v}", file.display()));
            }
        }
    }
    (scanned, report)
}

#[test]
fn the_pure_layers_are_pure_and_point_only_downward() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (scanned, report) = scan(&src);
    assert!(scanned >= 50, "the scan found the layers' sources: {scanned}");
    assert!(
        report.is_empty(),
        "impure code or an upward import in a pure layer:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_scan_catches_what_it_should() {
    assert_eq!(
        violations("let t = std::time::Instant::now();", "core", &[]).len(),
        1
    );
    assert_eq!(
        violations(
            "use gstreamer as gst;\nlet p = gst::Pipeline::new();",
            "core",
            &[]
        )
        .len(),
        2
    );
    assert!(violations("// a comment about reqwest is fine", "core", &[]).is_empty());
    assert!(violations("let now: Now = event_time;", "core", &[]).is_empty());
    let core = LAYERS[3].1;
    assert_eq!(violations("use crate::player::Player;", "core", core).len(), 1);
    assert_eq!(
        violations("use crate::net::http::HttpLimits;", "core", core).len(),
        1
    );
    assert_eq!(violations("use crate::epg::ingest;", "core", core).len(), 1);
    assert_eq!(violations("use crate::{epg, guide};", "core", core).len(), 1);
    assert!(violations("use crate::guide::Guide;\nuse crate::core::Now;", "core", core).is_empty());
    // Only downward: the guide model may not use the core, mpegts not even the guide.
    assert_eq!(
        violations("use crate::core::Event;", "guide", LAYERS[2].1).len(),
        1
    );
    assert_eq!(violations("let g: crate::guide::Guide;", "mpegts", &[]).len(), 1);
}

#[test]
fn a_violation_in_any_layer_fails_the_scan() {
    for (layer, _) in LAYERS {
        let dir = tempfile::tempdir().unwrap();
        for (other, _) in LAYERS {
            fs::create_dir_all(dir.path().join(other)).unwrap();
        }
        let nested = dir.path().join(layer).join("deep");
        fs::create_dir_all(&nested).unwrap();
        fs::write(nested.join("ok.rs"), "//! Fine: crate::player in a comment.\n").unwrap();
        assert!(scan(dir.path()).1.is_empty(), "{layer}: a clean tree passes");
        fs::write(nested.join("bad.rs"), "use crate::net::resource::Fetcher;\n").unwrap();
        let (scanned, report) = scan(dir.path());
        assert_eq!(scanned, 2);
        assert_eq!(report.len(), 1, "{layer}: {report:?}");
        assert!(report[0].contains("bad.rs:1: crate::net"), "{report:?}");
    }
}
