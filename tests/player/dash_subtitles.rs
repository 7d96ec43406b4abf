// SPDX-License-Identifier: GPL-3.0-or-later
//! TTML subtitles of the demo's DASH channel (9), through the whole shell against the demo
//! headend's HTTP origin: the MPD's two English text AdaptationSets (subtitles, and captions for
//! the hard of hearing by their `Role`) are listed with the tracks, a track's init and segments
//! are fetched only while it is shown (the origin counts the requests; `dashdemux2`, given the
//! MPD without them, asks for none), and its cues reach the view in order and on the picture's
//! time, then the screen; the preferred language and the hard-of-hearing preference pick the
//! track at tune.

use super::*;
use std::sync::atomic::AtomicU64;
use zapbox::core::{SubtitleKind, SubtitlePreferences};

/// No frame shown yet.
const NO_PTS: u64 = u64::MAX;

/// A shell on the real player whose picture's PTS (ns, of the frame the sink got last) the test
/// reads: the demo's video has no `presentationTimeOffset`, so it is the presentation time.
fn timed_shell(
    f: &Fixture,
    settings: Settings,
) -> Result<(Shell, mpsc::Receiver<Event>, Arc<AtomicU64>), String> {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let pts = Arc::new(AtomicU64::new(NO_PTS));
    let latest = pts.clone();
    let outputs = Outputs::headless(Arc::new(move |frame| {
        if let Some(p) = frame.data.buffer().pts() {
            latest.store(p.nseconds(), Ordering::SeqCst);
        }
    }));
    let core = Core::new(f.lineup.clone(), SavedState::default(), settings);
    let mut shell = launch(core, outputs, inbox)?;
    shell.handle(Event::Started);
    Ok((shell, rx, pts))
}

/// How the demo's cues of each track begin ([`zapbox::demo::dash_subtitle_cue`],
/// [`zapbox::demo::dash_caption_cue`]).
const SUBTITLES: &str = "DASH subtitle ";
const CAPTIONS: &str = "DASH captions ";

/// The demo cue numbers of `texts` (each the number of the segment it belongs to), all of the
/// track whose cues begin with `prefix`.
fn cue_numbers(texts: &[String], prefix: &str) -> Result<Vec<u64>, String> {
    texts
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.strip_prefix(prefix)
                .and_then(|t| t.split(':').next())
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("not a cue of the demo's {prefix:?} track: {t:?}"))
        })
        .collect()
}

/// The English TTML track for the hard of hearing or not, as listed.
fn english(
    tracks: &[zapbox::core::SubtitleTrack],
    hard_of_hearing: bool,
) -> Option<&zapbox::core::SubtitleTrack> {
    tracks.iter().find(|t| {
        t.kind == SubtitleKind::Ttml
            && t.language.as_deref() == Some("en")
            && t.hard_of_hearing == hard_of_hearing
    })
}

/// Tunes channel 9 and waits for the picture and the TTML track.
fn tune_dash(shell: &mut Shell, rx: &mpsc::Receiver<Event>) -> Result<(), String> {
    shell.handle(Event::Action(Action::Digit(9)));
    let ttml = |s: &Shell| {
        s.view()
            .subtitle_tracks
            .iter()
            .any(|t| t.kind == SubtitleKind::Ttml)
    };
    let mut failures = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(playing(shell) && ttml(shell)) {
        if Instant::now() >= deadline {
            return Err(format!(
                "channel 9 does not play with a TTML track: {:?}, tracks {:?}, failures {failures:?}",
                shell.view().phase,
                shell.view().subtitle_tracks
            ));
        }
        watch_failures(shell, rx, Duration::from_millis(100), &mut failures, |_| {});
    }
    Ok(())
}

/// Watches `time`: the subtitle text each time it changes, with the picture's time then (s).
fn watch_texts(
    shell: &mut Shell,
    rx: &mpsc::Receiver<Event>,
    time: Duration,
    failures: &mut Vec<String>,
    pts: &AtomicU64,
) -> (Vec<String>, Vec<Option<f64>>) {
    let mut texts: Vec<String> = Vec::new();
    let mut at: Vec<Option<f64>> = Vec::new();
    watch_failures(shell, rx, time, failures, |shell| {
        let lines: Vec<String> = shell.view().subtitle_lines.iter().map(|l| l.text()).collect();
        let text = lines.join("\n");
        if texts.last() != Some(&text) {
            texts.push(text);
            let p = pts.load(Ordering::SeqCst);
            at.push((p != NO_PTS).then(|| p as f64 / 1e9));
        }
    });
    (texts, at)
}

/// How far the picture's time when a cue came or went may be from the cue's own (s): the text
/// thread looks every 40 ms, the shell takes the event a little later, and the frame the sink
/// holds is one 25 fps frame old at most. A cue timed by the wrong offset (a segment, or the
/// text's `presentationTimeOffset`) is off by 2 s or more.
const TIMING_SLACK: f64 = 0.25;

/// Each change of the text happened where the demo's cues begin and end on the picture's
/// presentation timeline: cue `k` from 0.2 s to 1.8 s into video segment `k` (2 s segments from
/// 0, `startNumber` 0), nothing between. The first change is left out (the choice was made
/// within a cue: it shows at once, wherever the picture is).
fn check_timing(texts: &[String], at: &[Option<f64>], prefix: &str) -> Result<Vec<f64>, String> {
    let mut errors = Vec::new();
    for i in 1..texts.len() {
        let Some(t) = at[i] else {
            return Err(format!("no picture when {:?} changed", texts[i]));
        };
        // A cue that comes: its start; one that goes (the text empty): the previous cue's end.
        let expected = if texts[i].is_empty() {
            cue_numbers(&texts[i - 1..i], prefix)?
                .first()
                .map(|k| *k as f64 * 2.0 + 1.8)
        } else {
            cue_numbers(&texts[i..=i], prefix)?
                .first()
                .map(|k| *k as f64 * 2.0 + 0.2)
        };
        let Some(expected) = expected else { continue };
        errors.push(t - expected);
    }
    if let Some(worst) = errors.iter().copied().find(|e| e.abs() > TIMING_SLACK) {
        return Err(format!(
            "a cue came or went {worst:+.2} s from its time on the picture: {texts:?} at {at:?}"
        ));
    }
    Ok(errors)
}

/// The tracks are listed; nothing of them is fetched while off (neither by the app nor by the
/// demuxer); SUBTITLE chooses the subtitles, whose cues (one per segment, each its segment's
/// number) reach the view in order with the gaps between them, each on the picture's time; again,
/// the captions for the hard of hearing, whose cues replace them; again, off: the fetching
/// stops.
pub fn ttml_only_when_selected(f: &Fixture) -> Result<(), String> {
    let (mut shell, rx, pts) = timed_shell(f, Settings::default())?;
    let before = f.headend.dash_subtitle_requests();
    tune_dash(&mut shell, &rx)?;
    let tracks = shell.view().subtitle_tracks.clone();
    let (Some(subtitles), Some(captions)) = (english(&tracks, false), english(&tracks, true)) else {
        return Err(format!("expected English subtitles and captions, got {tracks:?}"));
    };
    if tracks.len() != 2 || tracks[0].id != subtitles.id {
        return Err(format!(
            "expected the subtitles, then the captions (the MPD's order): {tracks:?}"
        ));
    }
    let mut failures = Vec::new();
    // Off: 8 s of playing (four segments, two MPD updates) without one text request.
    watch_failures(&mut shell, &rx, Duration::from_secs(8), &mut failures, |_| {});
    let off = f.headend.dash_subtitle_requests() - before;
    if off != 0 {
        return Err(format!("{off} text requests while subtitles were off"));
    }
    shell.handle(Event::Action(Action::Subtitle));
    if shell.view().subtitle_selected.as_deref() != Some(subtitles.id.as_str()) {
        return Err(format!(
            "SUBTITLE did not choose the TTML subtitles: {:?}",
            shell.view().subtitle_selected
        ));
    }
    let (texts, at) = watch_texts(&mut shell, &rx, Duration::from_secs(12), &mut failures, &pts);
    if !failures.is_empty() {
        return Err(format!("the pipeline failed: {failures:?}"));
    }
    let on = f.headend.dash_subtitle_requests() - before;
    let numbers = cue_numbers(&texts, SUBTITLES)?;
    let blanks = texts.iter().filter(|t| t.is_empty()).count();
    if numbers.len() < 3 || numbers.windows(2).any(|w| w[1] != w[0] + 1) || blanks < 2 {
        return Err(format!("expected consecutive cues with gaps, saw {texts:?}"));
    }
    let mut errors = check_timing(&texts, &at, SUBTITLES)?;
    // The captions: from the first change on, only their cues (the subtitles' went at once).
    shell.handle(Event::Action(Action::Subtitle));
    if shell.view().subtitle_selected.as_deref() != Some(captions.id.as_str()) {
        return Err(format!(
            "SUBTITLE did not go on to the captions: {:?}",
            shell.view().subtitle_selected
        ));
    }
    let (texts, at) = watch_texts(&mut shell, &rx, Duration::from_secs(6), &mut failures, &pts);
    let captioned = cue_numbers(&texts, CAPTIONS).map_err(|e| format!("{e} after the switch: {texts:?}"))?;
    if captioned.len() < 2 || captioned.windows(2).any(|w| w[1] != w[0] + 1) {
        return Err(format!("expected consecutive captions, saw {texts:?}"));
    }
    errors.extend(check_timing(&texts, &at, CAPTIONS)?);
    // Off again: what was in flight ends, then nothing more is asked for.
    shell.handle(Event::Action(Action::Subtitle));
    if shell.view().subtitle_selected.is_some() {
        return Err("SUBTITLE did not turn subtitles off".into());
    }
    watch_failures(&mut shell, &rx, Duration::from_secs(2), &mut failures, |_| {});
    if !shell.view().subtitle_lines.is_empty() {
        return Err("a cue stayed on screen after subtitles went off".into());
    }
    let stopped = f.headend.dash_subtitle_requests();
    watch_failures(&mut shell, &rx, Duration::from_secs(6), &mut failures, |_| {});
    let after = f.headend.dash_subtitle_requests() - stopped;
    if after != 0 {
        return Err(format!("{after} text requests after subtitles went off"));
    }
    let worst = errors.iter().fold(0.0f64, |w, e| w.max(e.abs()));
    println!(
        "  {on} text requests while the subtitles were shown, cues {numbers:?}, then captions {captioned:?}; {} changes timed to the picture within {worst:.3} s",
        errors.len()
    );
    Ok(())
}

/// With subtitles on in English in the preferences, tuning channel 9 picks its English TTML
/// subtitles (the MPD's `lang`) without a key, and their cues show; with the hard-of-hearing
/// preference too, the captions (`Role` `caption`).
pub fn ttml_picked_at_tune(f: &Fixture) -> Result<(), String> {
    picked_at_tune(f, false, SUBTITLES)?;
    picked_at_tune(f, true, CAPTIONS)
}

fn picked_at_tune(f: &Fixture, hard_of_hearing: bool, prefix: &str) -> Result<(), String> {
    let settings = Settings {
        subtitles: SubtitlePreferences {
            enabled: true,
            language: "eng".into(),
            hard_of_hearing,
            ..SubtitlePreferences::default()
        },
        ..Settings::default()
    };
    let (mut shell, rx, pts) = timed_shell(f, settings)?;
    tune_dash(&mut shell, &rx)?;
    let mut failures = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while shell.view().subtitle_selected.is_none() && Instant::now() < deadline {
        watch_failures(&mut shell, &rx, Duration::from_millis(100), &mut failures, |_| {});
    }
    let selected = shell.view().subtitle_selected.clone();
    let tracks = shell.view().subtitle_tracks.clone();
    let track = english(&tracks, hard_of_hearing).map(|t| t.id.clone());
    if selected.is_none() || selected != track {
        return Err(format!(
            "the English TTML track (hard of hearing: {hard_of_hearing}) was not picked at tune: {selected:?} of {tracks:?}"
        ));
    }
    let (texts, at) = watch_texts(&mut shell, &rx, Duration::from_secs(6), &mut failures, &pts);
    let numbers = cue_numbers(&texts, prefix)?;
    if numbers.is_empty() {
        return Err(format!("no cue shown after the pick: {texts:?} {failures:?}"));
    }
    check_timing(&texts, &at, prefix)?;
    Ok(())
}

/// `zapbox play URL --subtitles en --snapshot` on the DASH channel (in this process, as the CLI
/// runs it), in both forms the demo serves: `stpp` (`/dash/live.mpd`) and whole TTML documents
/// (`/dash/ttml.mpd`), and with a video `presentationTimeOffset` (`/dash/offset/live.mpd`). The cues reach the screen and the snapshot carries the cue's dark box in
/// the band where text subtitles are drawn; with `off` nothing is fetched and the band stays
/// the picture's.
pub fn play_cli_draws_the_cues(f: &Fixture) -> Result<(), String> {
    use zapbox::cli::play::{PlayOptions, Via, play};
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let shot = |mpd: &str, subtitles: &str| -> Result<(zapbox::cli::play::PlayReport, u64, f64), String> {
        let out = work.path().join(format!("{subtitles}.png"));
        let before = f.headend.dash_subtitle_requests();
        let report = play(&PlayOptions {
            input: format!("{}/dash/{mpd}", f.headend.base_url()),
            via: Via::File,
            seconds: 8.0,
            audio: None,
            subtitles: Some(subtitles.into()),
            snapshot: Some(out.clone()),
            at: 5.0,
        })
        .map_err(|e| format!("{e:#}"))?;
        let requests = f.headend.dash_subtitle_requests() - before;
        if !report.problems.is_empty() {
            return Err(format!("{mpd} {subtitles}: {:?}", report.problems));
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
    let on_thread = |mpd: &str, subtitles: &str| {
        std::thread::scope(|s| s.spawn(|| shot(mpd, subtitles)).join())
            .map_err(|_| "the play panicked".to_string())?
    };
    // `offset/live.mpd`: the picture's and sound's media timelines 1,000 s later than the
    // presentation's (their presentationTimeOffset): the picture's PTS stays on its media
    // timeline through dashdemux2 and qtdemux, so the cues show only if that offset is taken off.
    for mpd in ["live.mpd", "ttml.mpd", "offset/live.mpd"] {
        // The demo's cues leave 0.4 s of every 2 s segment empty: a snapshot that falls there
        // (one in five) is taken again.
        let mut tries = 0;
        let (shown, shown_requests, boxed) = loop {
            let (report, requests, dark) = on_thread(mpd, "en")?;
            tries += 1;
            if dark > 0.05 || tries == 4 {
                break (report, requests, dark);
            }
        };
        let (plain, plain_requests, bare) = on_thread(mpd, "off")?;
        println!(
            "  {mpd} --subtitles en ({tries} tries): {} shown, {shown_requests} requests, band {:.0} % dark; off: {plain_requests} requests, {:.0} % dark",
            shown.subtitles_shown,
            boxed * 100.0,
            bare * 100.0
        );
        if shown.subtitles_shown < 2 || shown_requests == 0 {
            return Err(format!(
                "{mpd} --subtitles en: {} cues shown after {shown_requests} requests",
                shown.subtitles_shown
            ));
        }
        if plain.subtitles_shown != 0 || plain_requests != 0 {
            return Err(format!(
                "{mpd} --subtitles off: {} shown, {plain_requests} requests",
                plain.subtitles_shown
            ));
        }
        if boxed < 0.05 || boxed < bare + 0.04 {
            return Err(format!(
                "{mpd}: the cue's box is not in the snapshot: {boxed:.2} of the band dark against {bare:.2}"
            ));
        }
    }
    Ok(())
}
