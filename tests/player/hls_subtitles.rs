// SPDX-License-Identifier: GPL-3.0-or-later
//! WebVTT subtitles of the demo's subtitled HLS channel (11: channel 8's segments), through the whole shell against the demo
//! headend's HTTP origin: the master playlist's subtitle rendition is listed with the tracks,
//! its playlist and `.vtt` segments are fetched only while it is shown (the origin counts the
//! requests), and its cues reach the view, then the screen.

use super::*;
use zapbox::core::SubtitleKind;

/// The rendition is listed; nothing of it is fetched while off; chosen, its cues (one per
/// segment, each its segment's number) reach the view in order; off again, the fetching stops.
/// A frame drawn with the cue differs from one without in the text area only.
pub fn webvtt_only_when_selected(f: &Fixture) -> Result<(), String> {
    use zapbox::app::Ui;
    use zapbox::ui::headless::{Headless, test_card};
    let (mut shell, rx, _frames) = counted_shell(f, Settings::default())?;
    let before = f.headend.hls_subtitle_requests();
    // Channel 11: typed 1, 1 (no longer number, so it tunes at once).
    shell.handle(Event::Action(Action::Digit(1)));
    shell.handle(Event::Action(Action::Digit(1)));
    let webvtt = |s: &Shell| {
        s.view()
            .subtitle_tracks
            .iter()
            .any(|t| t.kind == SubtitleKind::WebVtt)
    };
    let mut failures = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(playing(&shell) && webvtt(&shell)) {
        if Instant::now() >= deadline {
            return Err(format!(
                "channel 8 does not play with a WebVTT track: {:?}, tracks {:?}, failures {failures:?}",
                shell.view().phase,
                shell.view().subtitle_tracks
            ));
        }
        watch_failures(&mut shell, &rx, Duration::from_millis(100), &mut failures, |_| {});
    }
    failures.clear();
    let track = shell.view().subtitle_tracks.clone();
    if track.len() != 1 || track[0].language.as_deref() != Some("en") {
        return Err(format!("expected one English track, got {track:?}"));
    }
    // Off: 8 s of playing (four segments) without one subtitle request.
    watch_failures(&mut shell, &rx, Duration::from_secs(8), &mut failures, |_| {});
    let off = f.headend.hls_subtitle_requests() - before;
    if off != 0 {
        return Err(format!("{off} subtitle requests while subtitles were off"));
    }
    shell.handle(Event::Action(Action::Subtitle));
    if shell.view().subtitle_selected.as_deref() != Some(track[0].id.as_str()) {
        return Err(format!(
            "SUBTITLE did not choose the WebVTT track: {:?}",
            shell.view().subtitle_selected
        ));
    }
    let mut texts: Vec<String> = Vec::new();
    let mut shown = None;
    watch_failures(&mut shell, &rx, Duration::from_secs(12), &mut failures, |shell| {
        let view = shell.view();
        let text: Vec<String> = view.subtitle_lines.iter().map(|l| l.text()).collect();
        let text = text.join("\n");
        if texts.last() != Some(&text) {
            texts.push(text.clone());
        }
        if !text.is_empty() && !view.banner_visible {
            shown = Some(view);
        }
    });
    if !failures.is_empty() {
        return Err(format!("the pipeline failed: {failures:?}"));
    }
    let on = f.headend.hls_subtitle_requests() - before;
    // Cues in order, each cleared at its end before the next one (0.4 s of nothing between).
    let numbers: Vec<u64> = texts
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.strip_prefix("HLS subtitle ")
                .and_then(|t| t.split(':').next())
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("not a cue of the demo: {t:?}"))
        })
        .collect::<Result<_, _>>()?;
    let blanks = texts.iter().filter(|t| t.is_empty()).count();
    if numbers.len() < 3 || numbers.windows(2).any(|w| w[1] != w[0] + 1) || blanks < 2 {
        return Err(format!("expected consecutive cues with gaps, saw {texts:?}"));
    }
    let with = shown.ok_or("no cue shown without the banner")?;
    // Off again: what was in flight ends, then nothing more is asked for.
    shell.handle(Event::Action(Action::Subtitle));
    if shell.view().subtitle_selected.is_some() {
        return Err("SUBTITLE did not turn subtitles off".into());
    }
    watch_failures(&mut shell, &rx, Duration::from_secs(2), &mut failures, |_| {});
    let stopped = f.headend.hls_subtitle_requests();
    watch_failures(&mut shell, &rx, Duration::from_secs(6), &mut failures, |_| {});
    let after = f.headend.hls_subtitle_requests() - stopped;
    if after != 0 {
        return Err(format!("{after} subtitle requests after subtitles went off"));
    }
    println!("  {on} subtitle requests while shown, cues {numbers:?}");
    // The cue drawn over the picture: pixels change in the lower part only. On a thread of its
    // own: the software renderer is one Slint platform per thread.
    let (below, above) = std::thread::scope(|s| {
        s.spawn(|| -> Result<(usize, usize), String> {
            let (width, height) = (1280usize, 720usize);
            let mut ui = Headless::new(width as u32, height as u32).map_err(|e| format!("{e:#}"))?;
            ui.set_video(test_card(width as u32, height as u32));
            let mut frame = |view: &zapbox::core::ViewModel| {
                ui.render(view);
                ui.draw();
                ui.pixels().iter().map(|p| [p.r, p.g, p.b]).collect::<Vec<_>>()
            };
            let drawn = frame(&with);
            let mut without_view = with.clone();
            without_view.subtitle_lines.clear();
            let without = frame(&without_view);
            let (mut below, mut above) = (0usize, 0usize);
            for (i, (a, b)) in drawn.iter().zip(&without).enumerate() {
                if a != b {
                    if i / width >= height / 2 {
                        below += 1;
                    } else {
                        above += 1;
                    }
                }
            }
            Ok((below, above))
        })
        .join()
        .map_err(|_| "drawing panicked".to_string())?
    })?;
    if below < 2_000 || above > 0 {
        return Err(format!(
            "the cue changed {below} pixels in the lower half and {above} above"
        ));
    }
    Ok(())
}

/// `zapbox play URL --subtitles en` on the demo's subtitled HLS channel (in this process, as the CLI runs
/// it): the cues reach the screen and the snapshot carries the cue's dark box in the band where
/// text subtitles are drawn; with `off` nothing is fetched and the band stays the picture's.
pub fn play_cli_draws_the_cues(f: &Fixture) -> Result<(), String> {
    use zapbox::cli::play::{PlayOptions, Via, play};
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = format!("{}/hls/subtitled.m3u8", f.headend.base_url());
    let shot = |subtitles: &str| -> Result<(zapbox::cli::play::PlayReport, u64, f64), String> {
        let out = work.path().join(format!("{subtitles}.png"));
        let before = f.headend.hls_subtitle_requests();
        let report = play(&PlayOptions {
            input: url.clone(),
            via: Via::File,
            seconds: 8.0,
            audio: None,
            subtitles: Some(subtitles.into()),
            snapshot: Some(out.clone()),
            at: 5.0,
        })
        .map_err(|e| format!("{e:#}"))?;
        let requests = f.headend.hls_subtitle_requests() - before;
        if !report.problems.is_empty() {
            return Err(format!("{subtitles}: {:?}", report.problems));
        }
        let file = std::fs::File::open(&out).map_err(|e| format!("the snapshot: {e}"))?;
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .map_err(|e| e.to_string())?;
        let (width, height) = (reader.info().width as usize, reader.info().height as usize);
        let mut pixels = vec![0; reader.output_buffer_size().ok_or("no size")?];
        reader.next_frame(&mut pixels).map_err(|e| e.to_string())?;
        // The band of bottom subtitles, left of the demo's burnt-in clock.
        let (mut dark, mut all) = (0usize, 0usize);
        for y in height * 86 / 100..height * 97 / 100 {
            for x in width * 30 / 100..width * 55 / 100 {
                let p = &pixels[(y * width + x) * 4..][..3];
                let (max, min) = (*p.iter().max().unwrap_or(&0), *p.iter().min().unwrap_or(&0));
                all += 1;
                dark += usize::from(max < 90 && max - min < 30);
            }
        }
        Ok((report, requests, dark as f64 / all.max(1) as f64))
    };
    // Each on a thread of its own: the snapshot is drawn by a Slint platform, one per thread.
    let on_thread = |subtitles: &str| {
        std::thread::scope(|s| s.spawn(|| shot(subtitles)).join())
            .map_err(|_| "the play panicked".to_string())?
    };
    // The demo's cues leave 0.4 s of every 2 s segment empty: a snapshot that falls there
    // (one in five) is taken again.
    let mut tries = 0;
    let (shown, shown_requests, boxed) = loop {
        let (report, requests, dark) = on_thread("en")?;
        tries += 1;
        if dark > 0.05 || tries == 4 {
            break (report, requests, dark);
        }
    };
    let (plain, plain_requests, bare) = on_thread("off")?;
    println!(
        "  --subtitles en ({tries} tries): {} shown, {shown_requests} requests, band {:.0} % dark; off: {plain_requests} requests, {:.0} % dark",
        shown.subtitles_shown,
        boxed * 100.0,
        bare * 100.0
    );
    if shown.subtitles_shown < 2 || shown_requests == 0 {
        return Err(format!(
            "--subtitles en: {} cues shown after {shown_requests} requests",
            shown.subtitles_shown
        ));
    }
    if plain.subtitles_shown != 0 || plain_requests != 0 {
        return Err(format!(
            "--subtitles off: {} shown, {plain_requests} requests",
            plain.subtitles_shown
        ));
    }
    if boxed < 0.05 || boxed < bare + 0.04 {
        return Err(format!(
            "the cue's box is not in the snapshot: {:.2} of the band dark against {bare:.2}",
            boxed
        ));
    }
    Ok(())
}
