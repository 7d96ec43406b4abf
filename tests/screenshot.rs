// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox screenshot` end to end: the command renders every screen headless into PNG files of
//! the asked size, each with real content (not blank) and each different from the others.

use std::collections::HashSet;
use std::process::Command;

fn decode(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).expect("the PNG exists");
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().expect("a valid PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("sized")];
    let info = reader.next_frame(&mut pixels).expect("one frame");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

#[test]
fn every_screen_renders_into_a_png_of_the_asked_size_with_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .args(["screenshot", "--screen", "all", "--size", "1280x720", "--out"])
        .arg(dir.path())
        .output()
        .expect("zapbox runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut seen = HashSet::new();
    for screen in ["live", "banner", "list", "guide", "menu"] {
        let (width, height, pixels) = decode(&dir.path().join(format!("{screen}.png")));
        assert_eq!((width, height), (1280, 720), "{screen}");
        let colours: HashSet<&[u8]> = pixels.chunks_exact(3).collect();
        assert!(
            colours.len() > 50,
            "{screen} has only {} colours: blank?",
            colours.len()
        );
        assert!(seen.insert(pixels), "{screen} looks the same as another screen");
    }
}

#[test]
fn a_bad_screen_or_size_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        ["--screen", "nope", "--size", "1280x720"],
        ["--screen", "live", "--size", "huge"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_zapbox"))
            .arg("screenshot")
            .args(args)
            .arg("--out")
            .arg(dir.path().join("x.png"))
            .output()
            .expect("zapbox runs");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("screen") || stderr.contains("size"), "{stderr}");
    }
}
