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

/// `zapbox screenshot --screen S` at `size` with `style` (as the menu's subtitles page sets it).
fn styled(dir: &std::path::Path, screen: &str, size: &str, style: &str) -> (u32, u32, Vec<u8>) {
    let out = dir.join(format!("{screen}-{size}-{}.png", style.replace([',', '='], "_")));
    let output = Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .args([
            "screenshot",
            "--screen",
            screen,
            "--size",
            size,
            "--subtitle-style",
            style,
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("zapbox runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    decode(&out)
}

/// Where a subtitled frame differs from the same frame without subtitles, above the banner:
/// the changed pixels' count, their bounding box (top, bottom row) and how many are dark.
struct Drawn {
    changed: usize,
    top: usize,
    bottom: usize,
    dark: usize,
}

fn drawn(width: u32, height: u32, plain: &[u8], subtitled: &[u8]) -> Drawn {
    // The banner (up after SUBTITLE) starts at 70 % of the height: 54 + 270 of 1080.
    let rows = (height as usize * 7 / 10).saturating_sub(2);
    let (mut changed, mut top, mut bottom, mut dark) = (0, usize::MAX, 0, 0);
    for y in 0..rows {
        for x in 0..width as usize {
            let at = (y * width as usize + x) * 3;
            let (a, b) = (&plain[at..at + 3], &subtitled[at..at + 3]);
            if a != b {
                changed += 1;
                top = top.min(y);
                bottom = bottom.max(y);
                dark += usize::from(b.iter().all(|&c| c < 60));
            }
        }
    }
    Drawn {
        changed,
        top,
        bottom,
        dark,
    }
}

/// The subtitles page's size, background box and position each change the drawn text as they
/// say, at 720p and 1080p: large text is taller than medium, small shorter; without the box
/// far fewer pixels change (the glyphs and their shadow, not a dark box); top puts the text in
/// the top part of the picture, raised above the lower third, bottom just above the banner.
#[test]
fn the_subtitle_style_changes_size_box_and_position_at_720p_and_1080p() {
    let dir = tempfile::tempdir().expect("temp dir");
    for size in ["1280x720", "1920x1080"] {
        let (width, height, plain) = styled(dir.path(), "banner", size, "");
        let shot = |style: &str| {
            let (w, h, pixels) = styled(dir.path(), "subtitles", size, style);
            assert_eq!((w, h), (width, height));
            drawn(width, height, &plain, &pixels)
        };
        let h = height as usize;
        let medium = shot("");
        let (large, small) = (shot("size=large"), shot("size=small"));
        let plain_text = shot("background=off");
        let (top, raised) = (shot("position=top"), shot("position=raised"));
        let tall = |d: &Drawn| d.bottom - d.top;
        assert!(medium.changed > 0, "{size}: the subtitles are drawn");
        assert!(
            tall(&large) * 100 > tall(&medium) * 125,
            "{size}: large text is taller ({} rows against {})",
            tall(&large),
            tall(&medium)
        );
        assert!(
            tall(&small) * 100 < tall(&medium) * 85,
            "{size}: small text is shorter ({} rows against {})",
            tall(&small),
            tall(&medium)
        );
        assert!(
            plain_text.changed * 10 < medium.changed * 6 && plain_text.dark * 4 < medium.dark,
            "{size}: without the box fewer pixels change ({} against {}) and fewer are dark ({} against {})",
            plain_text.changed,
            medium.changed,
            plain_text.dark,
            medium.dark
        );
        assert!(
            (tall(&plain_text) as i64 - tall(&medium) as i64).abs() * 5 < tall(&medium) as i64,
            "{size}: the same lines without the box"
        );
        assert!(
            medium.top > h / 2 && medium.bottom < h * 7 / 10,
            "{size}: bottom: just above the banner ({}..{})",
            medium.top,
            medium.bottom
        );
        assert!(
            top.bottom < h * 3 / 10 && top.top >= h * 5 / 100 - 1,
            "{size}: top: inside the safe area at the top ({}..{})",
            top.top,
            top.bottom
        );
        assert!(
            raised.bottom < h * 63 / 100 && raised.top > h * 3 / 10,
            "{size}: raised above the lower third ({}..{})",
            raised.top,
            raised.bottom
        );
    }
}
