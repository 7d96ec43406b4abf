// SPDX-License-Identifier: GPL-3.0-or-later
//! The board files every board shares, with the real tools: `board/udev/load-rc-keymaps` hands
//! each board's rc keymaps (its profile's `remote.rc_keymaps`, installed as the Yocto recipe does)
//! to the real `ir-keytable`, which must read every one of them. This machine has no IR receiver,
//! so ir-keytable stops at "no device" after reading the tables; a keymap it cannot read fails
//! before that, with another status.

use std::path::Path;
use std::process::Command;
use zapbox::system::board::{self, Board};

const IR_KEYTABLE: &str = "/usr/bin/ir-keytable";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the loader for `sysdev` with the keymaps in `dir` and the real ir-keytable.
fn load_rc_keymaps(dir: &Path, sysdev: &str) -> (Option<i32>, String) {
    let out = Command::new(root().join("board/udev/load-rc-keymaps"))
        .arg(sysdev)
        .env("ZAPBOX_RC_KEYMAPS", dir)
        .env("IR_KEYTABLE", IR_KEYTABLE)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

/// The `name` of each `[[protocols]]` table of a keymap file.
fn table_names(toml: &str) -> Vec<String> {
    toml.lines()
        .filter_map(|l| l.strip_prefix("name = "))
        .map(|n| n.trim_matches('"').to_string())
        .collect()
}

fn have_ir_keytable() -> bool {
    if Path::new(IR_KEYTABLE).is_file() {
        return true;
    }
    // CI installs it (.ci/bootstrap deps); elsewhere say why the test did nothing.
    assert!(
        std::env::var_os("CI").is_none(),
        "{IR_KEYTABLE} missing: run .ci/bootstrap deps"
    );
    eprintln!("{IR_KEYTABLE} not installed: skipped");
    false
}

#[test]
fn ir_keytable_reads_every_keymap_of_every_board() {
    if !have_ir_keytable() {
        return;
    }
    let dirs = [root().join("board")];
    for b in Board::ALL {
        let profile = board::load(b.name(), &dirs).unwrap();
        // As installed on the box: the profile's keymaps, and nothing else, in /etc/rc_keymaps.
        let installed = tempfile::tempdir().unwrap();
        let mut expected = Vec::new();
        for keymap in &profile.remote.rc_keymaps {
            let file = format!("{keymap}.toml");
            let text = std::fs::read_to_string(dirs[0].join(board::RC_KEYMAPS_DIR).join(&file)).unwrap();
            expected.extend(table_names(&text));
            std::fs::write(installed.path().join(&file), text).unwrap();
        }
        let (status, text) = load_rc_keymaps(installed.path(), "rc97");
        for table in &expected {
            assert!(
                text.contains(&format!("Read {table} table")),
                "{b}: {table} not read:\n{text}"
            );
        }
        assert!(!text.contains("Failed to read"), "{b}:\n{text}");
        assert_ne!(status, Some(0), "{b}: there is no rc97 here:\n{text}");
    }
}

#[test]
fn a_damaged_keymap_fails_and_no_keymap_leaves_the_receiver_alone() {
    if !have_ir_keytable() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (status, text) = load_rc_keymaps(dir.path(), "rc97");
    assert_eq!(status, Some(0), "{text}");
    assert!(text.contains("no zapbox keymap"), "{text}");
    std::fs::write(dir.path().join("zapbox-broken.toml"), "[[protocols]\nname = ").unwrap();
    let (status, text) = load_rc_keymaps(dir.path(), "rc97");
    assert!(text.contains("Failed to read table file"), "{text}");
    assert_ne!(status, Some(0));
    // Files that are not zapbox keymaps are not ours to load.
    std::fs::remove_file(dir.path().join("zapbox-broken.toml")).unwrap();
    std::fs::write(dir.path().join("other.toml"), "garbage").unwrap();
    assert_eq!(load_rc_keymaps(dir.path(), "rc97").0, Some(0));
}

#[test]
fn the_readme_lists_every_supported_board() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for board in Board::ALL {
        assert!(
            readme.contains(&format!("| `{board}` |")),
            "README.md's board table lacks {board}"
        );
    }
}
