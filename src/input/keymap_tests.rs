// SPDX-License-Identifier: GPL-3.0-or-later
//! Keymap parsing: the shipped files, inheritance, and bad names listed in one error.

use super::*;
use evdev::KeyCode;

fn board_dirs() -> Vec<PathBuf> {
    vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("board")]
}

fn press(keymap: &Keymap, key: KeyCode) -> Option<Action> {
    keymap.binding(key.code()).and_then(|b| b.press)
}

#[test]
fn the_built_in_default_covers_the_remote_keys() {
    let map = Keymap::built_in();
    for (key, action) in [
        (KeyCode::KEY_0, Action::Digit(0)),
        (KeyCode::KEY_NUMERIC_7, Action::Digit(7)),
        (KeyCode::KEY_OK, Action::Ok),
        (KeyCode::KEY_ENTER, Action::Ok),
        (KeyCode::KEY_BACK, Action::Back),
        (KeyCode::KEY_ESC, Action::Back),
        (KeyCode::KEY_EXIT, Action::Back),
        (KeyCode::KEY_EPG, Action::Guide),
        (KeyCode::KEY_CHANNELUP, Action::ChannelUp),
        (KeyCode::KEY_POWER, Action::Power),
        (KeyCode::KEY_LAST, Action::Last),
        (KeyCode::KEY_FASTFORWARD, Action::FastForward),
    ] {
        assert_eq!(press(&map, key), Some(action), "{key:?}");
    }
    let ok = map.binding(KeyCode::KEY_OK.code()).copied();
    assert_eq!(ok.and_then(|b| b.long), Some(Action::Menu));
    let back = map.binding(KeyCode::KEY_BACK.code()).copied();
    assert_eq!(
        back.and_then(|b| b.long),
        Some(Action::Stop),
        "a long BACK returns to live"
    );
    let ch = map.binding(KeyCode::KEY_CHANNELUP.code()).map(|b| b.repeat);
    assert_eq!(ch, Some(Repeat::Throttled));
    let vol = map.binding(KeyCode::KEY_VOLUMEUP.code()).map(|b| b.repeat);
    assert_eq!(vol, Some(Repeat::Each));
    assert_eq!(map.timing, Timing::default());
}

#[test]
fn every_shipped_board_keymap_loads() {
    let dirs = board_dirs();
    for board in crate::system::board::Board::ALL.map(|b| b.name()) {
        let path = dirs[0].join(board).join("keymap.json");
        assert!(path.is_file(), "{} is missing", path.display());
        let map = load(board, &dirs).unwrap_or_else(|e| panic!("{board}: {e}"));
        assert_eq!(press(&map, KeyCode::KEY_OK), Some(Action::Ok), "{board}");
    }
    // An unknown board falls back to the shared default.
    assert_eq!(
        load("no-such-board", &dirs).unwrap(),
        load("default", &dirs).unwrap()
    );
    assert_eq!(load("../etc", &[]).unwrap(), Keymap::built_in());
}

#[test]
fn a_board_keymap_overrides_and_removes_keys_of_its_parent() {
    let text = r#"{ "extends": "default", "timing": { "throttle_ms": 300 },
        "keys": { "KEY_TEXT": "subtitle", "KEY_MUTE": null, "KEY_OK": "ok" } }"#;
    let map = Keymap::parse(text, Path::new("t.json"), &board_dirs()).unwrap();
    assert_eq!(press(&map, KeyCode::KEY_TEXT), Some(Action::Subtitle));
    assert_eq!(map.binding(KeyCode::KEY_MUTE.code()), None);
    assert_eq!(map.binding(KeyCode::KEY_OK.code()).and_then(|b| b.long), None);
    assert_eq!(map.timing.throttle_ms, 300);
    assert_eq!(map.timing.long_press_ms, 800);
}

#[test]
fn unknown_key_names_and_actions_are_all_listed() {
    let text = r#"{ "keys": { "KEY_OK": "okay", "KEY_BOGUS": "ok", "KEY_UP": { "press": "up", "long": "digit_12" },
        "KEY_1": "digit_1", "KEY_DOWN": { "press": "down", "repeat": "each", "long": "menu" } } }"#;
    let err = Keymap::parse(text, Path::new("bad.json"), &[]).unwrap_err();
    let InputError::KeymapNames {
        unknown_keys,
        unknown_actions,
        problems,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(unknown_keys, &["KEY_BOGUS"]);
    assert_eq!(unknown_actions, &["okay", "digit_12"]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let message = err.to_string();
    assert!(
        message.contains("KEY_BOGUS") && message.contains("okay"),
        "{message}"
    );
}

#[test]
fn malformed_keymaps_are_rejected() {
    for text in [
        "{",
        r#"{ "keys": [] }"#,
        r#"{ "colour": 1 }"#,
        r#"{ "keys": { "KEY_OK": { "press": "ok", "hold": "menu" } } }"#,
        r#"{ "keys": { "KEY_OK": { "press": "ok", "repeat": "sometimes" } } }"#,
        r#"{ "keys": { "KEY_OK": 5 } }"#,
    ] {
        assert!(Keymap::parse(text, Path::new("x.json"), &[]).is_err(), "{text}");
    }
}

#[test]
fn extends_cycles_stop() {
    let dir = tempfile::tempdir().unwrap();
    let board = dir.path().join("loop");
    std::fs::create_dir_all(&board).unwrap();
    std::fs::write(board.join("keymap.json"), r#"{ "extends": "loop" }"#).unwrap();
    let err = load("loop", &[dir.path().to_path_buf()]).unwrap_err();
    assert!(err.to_string().contains("deeper"), "{err}");
}

#[test]
fn action_names() {
    assert_eq!(parse_action("channel_up"), Some(Action::ChannelUp));
    assert_eq!(parse_action("play_pause"), Some(Action::PlayPause));
    assert_eq!(parse_action("digit_0"), Some(Action::Digit(0)));
    assert_eq!(parse_action("digit_x"), None);
    assert_eq!(parse_action("digit"), None);
    assert_eq!(parse_action("ChannelUp"), None);
}

/// The RC-5 TV command set's teletext key (command 60) is TEXT, and QEMU's keyboard has T as
/// the desktop does: the teletext viewer opens on every board from them.
#[test]
fn the_rc5_remote_and_the_qemu_keyboard_have_a_text_key() {
    let dirs = board_dirs();
    let path = dirs[0].join("rc_keymaps").join("zapbox-rc5.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.lines().any(|l| l.trim() == r#"0x3c = "KEY_TEXT""#), "{text}");
    for board in crate::system::board::Board::ALL.map(|b| b.name()) {
        let map = load(board, &dirs).unwrap_or_else(|e| panic!("{board}: {e}"));
        assert_eq!(press(&map, KeyCode::KEY_TEXT), Some(Action::Text), "{board}");
    }
    let qemu = load("qemu-virt", &dirs).unwrap();
    assert_eq!(press(&qemu, KeyCode::KEY_T), Some(Action::Text));
}

/// The generic NEC and RC-6 MCE remotes have a SUBTITLE key but no TEXT key: on every board
/// a key they send opens teletext (a long SUBTITLE), and a short SUBTITLE stays subtitles.
#[test]
fn remotes_without_a_text_key_reach_teletext() {
    let dirs = board_dirs();
    let remote_keys = |file: &str| -> Vec<KeyCode> {
        let path = dirs[0].join("rc_keymaps").join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        text.lines()
            .filter_map(|l| l.split('"').nth(1))
            .filter_map(|name| KeyCode::from_str(name).ok())
            .collect()
    };
    for file in ["zapbox-nec.toml", "zapbox-rc6-mce.toml"] {
        let keys = remote_keys(file);
        assert!(!keys.contains(&KeyCode::KEY_TEXT), "{file} has a TEXT key now");
        for board in crate::system::board::Board::ALL.map(|b| b.name()) {
            let map = load(board, &dirs).unwrap_or_else(|e| panic!("{board}: {e}"));
            let text = keys
                .iter()
                .filter_map(|k| map.binding(k.code()))
                .any(|b| b.long == Some(Action::Text));
            assert!(text, "{board} with {file}: no key opens teletext");
            assert_eq!(
                press(&map, KeyCode::KEY_SUBTITLE),
                Some(Action::Subtitle),
                "{board}"
            );
        }
    }
}
