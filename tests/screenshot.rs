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
    for screen in [
        "live",
        "banner",
        "list",
        "guide",
        "menu",
        "subtitles",
        "dvb-subtitles",
        "teletext",
        "teletext-mix",
    ] {
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
    // Subtitles: the banner's picture plus the text over the video, just above the banner.
    let (_, _, banner) = decode(&dir.path().join("banner.png"));
    let (_, _, subtitled) = decode(&dir.path().join("subtitles.png"));
    let rows = |pixels: &[u8], from: usize, to: usize| pixels[from * 1280 * 3..to * 1280 * 3].to_vec();
    let differing = |from, to| {
        let (a, b) = (rows(&banner, from, to), rows(&subtitled, from, to));
        a.chunks_exact(3)
            .zip(b.chunks_exact(3))
            .filter(|(x, y)| x != y)
            .count()
    };
    assert!(
        differing(360, 500) > 2_000,
        "the subtitle text is drawn above the banner"
    );
    assert_eq!(differing(0, 200), 0, "the top of the picture stays as it was");
    // DVB: the bitmap where the stream's canvas puts it (the lower part of 720×576 scaled
    // to the screen, raised above the banner), white text on a dark box.
    let (_, _, dvb) = decode(&dir.path().join("dvb-subtitles.png"));
    let changed = |from: usize, to: usize| {
        let (a, b) = (rows(&banner, from, to), rows(&dvb, from, to));
        let pairs: Vec<(&[u8], &[u8])> = a
            .chunks_exact(3)
            .zip(b.chunks_exact(3))
            .filter(|(x, y)| x != y)
            .collect();
        let white = pairs.iter().filter(|(_, y)| y.iter().all(|&c| c > 200)).count();
        (pairs.len(), white)
    };
    let (differ, white) = changed(300, 470);
    assert!(
        differ > 5_000 && white > 1_000,
        "the DVB bitmap is drawn above the banner ({differ} changed, {white} white)"
    );
    assert_eq!(changed(0, 200).0, 0, "nothing drawn at the top");
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
