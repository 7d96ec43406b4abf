// SPDX-License-Identifier: GPL-3.0-or-later
//! The audio-description preference on a real broadcast: TSDuck's test-026.ts (France 2, three
//! E-AC-3 tracks: French, its audio description on PID 131, the original version), played out
//! as a multicast channel inside the namespace and tuned through the whole shell. With
//! "Audio description" on, PID 131 plays; off, it does not. GStreamer tags that track `qad`
//! (the ISO 639 marker for an audio description); its language, French, is in the PMT's
//! supplementary audio descriptor, which the tap reads and which wins over the tag.

use super::*;
use zapbox::demo::{Sender, TsLoop};

/// PID 131 in the player's stream ids (`…/00000083`).
const AD_PID: &str = "00000083";

pub fn picks_the_ad_track_of_test_026(_: &Fixture) -> Result<(), String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/ts/tsduck/test-026.ts"
    );
    let Ok(bytes) = std::fs::read(path) else {
        println!("  SKIPPED: {path} not available");
        return Ok(());
    };
    let pcrs: Vec<u64> = bytes
        .chunks_exact(188)
        .filter_map(|p| zapbox::mpegts::TsPacket::new(p)?.pcr())
        .collect();
    let span = match (pcrs.first(), pcrs.last()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => return Err("test-026 has no PCR span".into()),
    };
    // One PCR interval more than the span, so the lap closes evenly.
    let ts = Arc::new(TsLoop::new(&bytes, span + span / pcrs.len() as u64).map_err(|e| format!("{e:#}"))?);
    let group: std::net::SocketAddr = "239.255.0.61:5000".parse().map_err(|e| format!("{e}"))?;
    let _sender = Sender::start(ts, group, false, 0).map_err(|e| e.to_string())?;
    let playlist = "#EXTM3U\n#EXTINF:-1 tvg-chno=\"1\",France 2\nudp://@239.255.0.61:5000\n";
    let lineup = zapbox::lineup::build(&[("ad.m3u".into(), playlist.as_bytes().to_vec())]).lineup;
    for description in [true, false] {
        let (inbox, rx) = Inbox::new(Arc::new(|| {}));
        let settings = Settings {
            audio_language: "fra".into(),
            audio_description: description,
            ..Settings::default()
        };
        let core = Core::new(lineup.clone(), SavedState::default(), settings);
        let mut shell = launch(core, Outputs::headless(Arc::new(|_| {})), inbox)?;
        shell.handle(Event::Started);
        shell.handle(Event::Action(Action::Digit(1)));
        // Three tracks with their kinds and a selection confirmed by the player.
        let settled = |s: &Shell| {
            let view = s.view();
            playing(s)
                && view.audio_tracks.len() == 3
                && view.audio_tracks.iter().any(|t| t.is_description())
                && view.audio_selected.is_some()
        };
        run_until(&mut shell, &rx, Duration::from_secs(30), settled)
            .map_err(|e| format!("AD {description}: {e}; tracks {:?}", shell.view().audio_tracks))?;
        // Let a switch the core asked for land.
        let mut failures = Vec::new();
        watch_failures(&mut shell, &rx, Duration::from_secs(3), &mut failures, |_| {});
        let view = shell.view();
        let selected = view.audio_selected.clone().unwrap_or_default();
        let track = view.audio_tracks.iter().find(|t| t.id == selected).cloned();
        println!("  audio description {description}: {selected} ({track:?})");
        if selected.ends_with(AD_PID) != description {
            return Err(format!(
                "audio description {description}: {selected} selected among {:?}",
                view.audio_tracks
            ));
        }
        if !failures.is_empty() {
            return Err(format!("the pipeline failed: {failures:?}"));
        }
    }
    Ok(())
}
