// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox probe` end to end: runs the binary on this machine (a PC or CI container without a
//! device tree) and checks that the pc board is chosen by fallback and the JSON document parses.

use std::process::Command;

fn probe(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .arg("probe")
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("RUST_LOG", "error")
        .output()
        .unwrap()
}

#[test]
fn probe_lists_the_pc_board_as_json() {
    let out = probe(&["--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    if zapbox::system::board::device_tree_compatible().is_none() {
        assert_eq!(doc["board"]["name"], "pc", "{doc:#}");
        assert_eq!(doc["board"]["selected_by"]["by"], "fallback");
    }
    assert_eq!(doc["board"]["profile"]["name"], doc["board"]["name"]);
    let available = doc["board"]["available"].as_array().unwrap();
    for board in zapbox::system::board::Board::ALL.map(|b| b.name()) {
        assert!(
            available.iter().any(|b| b == board),
            "{board} missing: {available:?}"
        );
    }
    let codecs: Vec<&str> = doc["decoders"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["codec"].as_str())
        .collect();
    assert_eq!(codecs, ["H.264", "HEVC", "MPEG-2", "AV1", "VP9"]);
    let h264 = doc["decoders"][0]["decoders"].as_array().unwrap();
    assert!(h264.iter().any(|d| d["name"] == "avdec_h264"), "{h264:?}");
    assert!(
        doc["audio_sinks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "autoaudiosink")
    );
    assert!(
        doc["network_interfaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "lo")
    );
}

#[test]
fn probe_prints_every_section_as_text() {
    let out = probe(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "Board: ",
        "Decoders",
        "Video sinks:",
        "Audio sinks:",
        "Displays:",
        "Input devices:",
        "HDMI-CEC adapters:",
        "Network interfaces:",
    ] {
        assert!(text.contains(section), "{section} missing in:\n{text}");
    }
    // This machine has no CEC adapter (the VM test probes vivid's): said, not an error.
    if zapbox::cec::adapters(std::path::Path::new("/dev")).is_empty() {
        assert!(text.contains("HDMI-CEC adapters:\n  none found"), "{text}");
    }
    if !std::path::Path::new("/dev/input").exists() {
        assert!(text.contains("Input devices:\n  none found"), "{text}");
    }
}

/// A broken config named with `--config` is reported, left where it is (a diagnostic never
/// changes the box) and the exit status is 1.
#[test]
fn probe_reports_a_bad_config_without_renaming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(&config, "{ \"board\": ").unwrap();
    let out = probe(&["--config", config.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Config problem: "), "{text}");
    assert!(config.exists(), "the config was renamed");
    assert!(!dir.path().join("config.json.bad").exists());
}
