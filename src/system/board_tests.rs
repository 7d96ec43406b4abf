// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of board profiles: detection, selection, the schema and the profiles shipped in `board/`.

use super::*;

fn profile(name: &str, compatible: &[&str]) -> BoardProfile {
    BoardProfile {
        name: name.into(),
        compatible: compatible.iter().map(|s| s.to_string()).collect(),
        ..BoardProfile::default()
    }
}

fn shipped_dirs() -> [PathBuf; 1] {
    [Path::new(env!("CARGO_MANIFEST_DIR")).join("board")]
}

#[test]
fn detection_prefers_the_most_specific_compatible_string() {
    let profiles = [
        profile("rpi4", &["raspberrypi,4-model-b"]),
        profile("generic", &["brcm,bcm2711"]),
    ];
    assert_eq!(
        detect_in(b"raspberrypi,4-model-b\0brcm,bcm2711\0", &profiles).as_deref(),
        Some("rpi4")
    );
    assert_eq!(
        detect_in(b"other\0brcm,bcm2711\0", &profiles).as_deref(),
        Some("generic")
    );
    assert_eq!(detect_in(b"\xff\0", &profiles), None);
}

#[test]
fn selection_takes_the_config_then_the_device_tree_then_pc() {
    let profiles = [profile("rpi5", &["raspberrypi,5-model-b", "brcm,bcm2712"])];
    let dt: &[u8] = b"raspberrypi,5-model-b\0brcm,bcm2712\0";
    assert_eq!(
        select(Some("amlogic-s905x"), Some(dt), &profiles),
        ("amlogic-s905x".to_string(), Selection::Config)
    );
    assert_eq!(
        select(None, Some(dt), &profiles),
        (
            "rpi5".to_string(),
            Selection::DeviceTree {
                compatible: "raspberrypi,5-model-b".into()
            }
        )
    );
    assert_eq!(
        select(None, None, &profiles),
        ("pc".to_string(), Selection::Fallback)
    );
    assert_eq!(
        select(None, Some(b"acme,box\0"), &profiles),
        ("pc".to_string(), Selection::Fallback)
    );
}

#[test]
fn a_profile_without_the_newer_fields_still_loads() {
    let old = r#"{"name": "old", "description": "before display settings",
        "decoder_ranks": {"v4l2h264dec": 300}, "video": {"strategy": "overlay", "sink": "kmssink"},
        "audio_sink": "alsasink", "multicast_interface": "eth0", "input_devices": [], "notes": []}"#;
    let p: BoardProfile = serde_json::from_str(old).unwrap();
    assert_eq!(p.display, DisplayProfile::default());
    assert!(p.preferred_codecs.is_empty());
    assert_eq!(p.video.sink.as_deref(), Some("kmssink"));
}

#[test]
fn unknown_fields_are_rejected() {
    assert!(serde_json::from_str::<BoardProfile>(r#"{"name": "x", "vidoe": {}}"#).is_err());
    assert!(serde_json::from_str::<BoardProfile>(r#"{"display": {"plane": 3}}"#).is_err());
}

#[test]
fn the_shipped_profiles_load() {
    let dirs = shipped_dirs();
    let all = profiles(&dirs);
    assert!(all.iter().any(|p| p.name == "pc"), "{all:?}");
    for p in &all {
        assert_eq!(load(&p.name, &dirs).unwrap(), *p);
    }
    assert!(matches!(load("../etc", &dirs), Err(BoardError::NotFound { .. })));
}

#[test]
fn the_board_folder_holds_exactly_the_supported_boards() {
    let names: Vec<String> = profiles(&shipped_dirs()).into_iter().map(|p| p.name).collect();
    let mut supported: Vec<String> = Board::ALL.iter().map(|b| b.name().to_string()).collect();
    supported.sort();
    assert_eq!(names, supported, "board/ and Board::ALL disagree");
    for board in Board::ALL {
        assert_eq!(Board::from_name(board.name()), Some(board));
        assert_eq!(board.to_string(), board.name());
    }
    assert_eq!(Board::from_name("rpi3"), None);
}

#[test]
fn the_rc_keymaps_and_the_udev_rule_live_once_and_every_remote_finds_its_keymaps() {
    let root = &shipped_dirs()[0];
    let shared: Vec<String> = std::fs::read_dir(root.join(RC_KEYMAPS_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(shared.iter().all(|f| f.ends_with(".toml")), "{shared:?}");
    let mut used = std::collections::BTreeSet::new();
    for board in Board::ALL {
        let dir = root.join(board.name());
        for copy in [RC_KEYMAPS_DIR, "udev"] {
            assert!(
                !dir.join(copy).exists(),
                "{board}: its own {copy}/ (shared ones live in board/)"
            );
        }
        let p = load(board.name(), &shipped_dirs()).unwrap();
        assert!(!p.remote.receiver.is_empty(), "{board}: remote.receiver");
        assert!(!p.remote.rc_keymaps.is_empty(), "{board}: remote.rc_keymaps");
        for keymap in &p.remote.rc_keymaps {
            assert!(
                shared.contains(&format!("{keymap}.toml")),
                "{board}: no board/{RC_KEYMAPS_DIR}/{keymap}.toml"
            );
            used.insert(format!("{keymap}.toml"));
        }
    }
    let unused: Vec<_> = shared.iter().filter(|f| !used.contains(*f)).collect();
    assert!(unused.is_empty(), "keymaps no board uses: {unused:?}");
    let rule = std::fs::read_to_string(root.join("udev/70-zapbox-remote.rules")).unwrap();
    assert!(rule.contains("RUN+=\"/usr/libexec/zapbox/load-rc-keymaps $id\""));
    assert!(root.join("udev/load-rc-keymaps").is_file());
}

#[test]
fn every_board_the_project_supports_has_a_sound_profile() {
    const CODECS: &[&str] = &["h264", "hevc", "mpeg2", "av1", "vp9"];
    let all = profiles(&shipped_dirs());
    for board in Board::ALL {
        let name = &board.name();
        let p = all
            .iter()
            .find(|p| p.name == *name)
            .unwrap_or_else(|| panic!("no profile {name}"));
        assert!(!p.description.is_empty(), "{name}: description");
        // pc is the fallback; qemu-virt (q35, no device tree) is selected by name in the config.
        assert!(
            matches!(board, Board::Pc | Board::QemuVirt) || !p.compatible.is_empty(),
            "{name}: compatible strings"
        );
        assert!(
            p.preferred_codecs.iter().all(|c| CODECS.contains(&c.as_str())),
            "{name}"
        );
        if p.video.strategy == VideoStrategy::Overlay {
            assert!(p.video.sink.is_some(), "{name}: overlay needs a sink");
        }
        assert!(
            [0, 90, 180, 270].contains(&p.display.rotation),
            "{name}: rotation"
        );
    }
    // Two profiles claiming the same compatible string would make detection depend on file order.
    let mut seen = std::collections::BTreeMap::new();
    for p in &all {
        for c in &p.compatible {
            if let Some(other) = seen.insert(c.clone(), p.name.clone()) {
                panic!("{c} is claimed by {other} and {}", p.name);
            }
        }
    }
}

#[test]
fn the_raspberry_pi_5_prefers_hevc_and_says_why() {
    let p = load("rpi5", &shipped_dirs()).unwrap();
    assert_eq!(p.preferred_codecs.first().map(String::as_str), Some("hevc"));
    assert!(
        p.notes.iter().any(|n| n.contains("no hardware H.264")),
        "{:?}",
        p.notes
    );
    assert!(!p.decoder_ranks.contains_key("v4l2h264dec"));
}
