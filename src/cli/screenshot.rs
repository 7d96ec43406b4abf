// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox screenshot`: a screen of the TV interface rendered with the software renderer into a
//! PNG, without a display, from generated demo data (channels in groups and a guide ingested
//! through the real XMLTV path). The keys that open each screen go through the dispatch loop, as on
//! a box; a test card stands in for video, so nothing joins a multicast group.

use crate::app::{App, Inbox, Shell, Ui};
use crate::core::{
    Action, Core, Event, GuideHandle, Now, Phase, SavedState, Settings, SubtitlePosition, SubtitleSize,
    SubtitleStyle,
};
use crate::demo::showcase;
use crate::ui::headless::{Headless, test_card};
use anyhow::{Context, Result, anyhow, bail};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Screens the command can draw.
pub const SCREENS: [&str; 17] = [
    "live",
    "banner",
    "list",
    "guide",
    "menu",
    "subtitle-menu",
    "phone",
    "subtitles",
    "dvb-subtitles",
    "captions",
    "timeshift",
    "catchup-guide",
    "catchup",
    "teletext",
    "teletext-mix",
    "recordings",
    "record-dialog",
];

/// The first showcase channel's catch-up archive in the screenshots (nothing fetches it).
const ARCHIVE_TEMPLATE: &str = "http://archive.example/1/{utc}-{duration}.ts";

/// The pairing address the phone screen shows unless one is given (`--pair-url`).
pub const EXAMPLE_PAIR_URL: &str = "http://192.168.178.20:8099/pair/6f1d0c9a4b7e2d8135a9c0f4e6b2d7a1";

/// Channels in the showcase lineup.
const CHANNELS: usize = 60;

/// The wall clock as the core's `Now`.
pub fn now() -> Now {
    let utc_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Now {
        monotonic_ms: 0,
        utc_ms,
    }
}

/// The dispatch loop on `lineup` and `guide` rendering into `ui`, started and showing its first
/// channel (a test card stands in for the video).
pub fn playing_app(
    lineup: crate::lineup::Lineup,
    guide: GuideHandle,
    settings: Settings,
    ui: Box<dyn Ui>,
) -> Result<App> {
    let mut saved = SavedState::default();
    let favourites = lineup.channels.iter().take(5).map(|c| c.key.clone()).collect();
    saved
        .favourites
        .insert(settings.default_favourites.clone(), favourites);
    let core = Core::new(lineup, saved, settings);
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let shell = Shell::without_player(core, inbox.clone())?.with_test_card();
    let mut app = App::new(shell, rx, ui);
    inbox.post(Event::GuideLoaded(guide));
    inbox.post(Event::Started);
    app.run_until(Duration::from_secs(5), |s| s.view().phase == Some(Phase::Playing))
        .map_err(|e| anyhow!("the first channel does not show: {e}"))?;
    Ok(app)
}

/// Presses `actions` through the loop, then lets the adapters' answers (programme details) in.
pub fn press(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.inbox().post(Event::Action(*action));
        app.drain();
    }
    while app.step(Duration::from_millis(150)) {}
}

/// The remote keys that open `screen` on live TV.
pub fn keys_for(screen: &str) -> Result<Vec<Action>> {
    Ok(match screen {
        "live" => vec![Action::Info],
        "banner" => vec![],
        "list" => vec![Action::Ok, Action::Down, Action::Down],
        "guide" => vec![Action::Guide, Action::Down],
        "menu" => vec![Action::Menu, Action::Down, Action::Down],
        // "Subtitles" is the fifth line of the main page; its page, on "Text size".
        "subtitle-menu" => vec![
            Action::Menu,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Ok,
            Action::Down,
            Action::Down,
        ],
        // "Set up from your phone" is the menu's last item.
        "phone" => vec![Action::Menu, Action::Up, Action::Ok],
        // The player's report and text come first (see `show_subtitles`), then SUBTITLE.
        "subtitles" | "dvb-subtitles" | "captions" => vec![],
        // The window's report comes first (see `show_timeshift`), then PAUSE and 4 (−5 min).
        "timeshift" => vec![],
        // The guide on the first channel, which has an archive, scrolled back to what aired.
        "catchup-guide" => vec![Action::Guide, Action::Left, Action::Left],
        // OK on the programme before the one on air, then PAUSE keeps the bar up.
        "catchup" => vec![Action::Guide, Action::Left, Action::Ok, Action::Pause],
        // TEXT, then the pages arrive (see `show_teletext`); TEXT again for the mix.
        "teletext" => vec![Action::Text],
        "teletext-mix" => vec![Action::Text, Action::Text],
        // BLUE, then the recorder's list arrives (see `show_recordings`); DOWN to the second.
        "recordings" => vec![Action::Blue],
        // REC on the programme on air, REC again: the dialog, DOWN to "every episode".
        "record-dialog" => vec![Action::Record, Action::Record, Action::Down],
        other => bail!(
            "unknown screen '{other}': use one of {} or all",
            SCREENS.join(", ")
        ),
    })
}

/// What the screens look like besides their content.
#[derive(Debug, Clone, Copy)]
pub struct Looks<'a> {
    /// Interface language (`en`, `de`).
    pub language: &'a str,
    /// The address the phone screen shows (else [`EXAMPLE_PAIR_URL`]).
    pub pair_url: Option<&'a str>,
    /// How subtitle text is drawn.
    pub subtitles: SubtitleStyle,
}

/// A subtitle style from `size=large,background=off,position=top` (each part optional; the
/// rest as the menu's defaults).
pub fn parse_subtitle_style(text: &str) -> Result<SubtitleStyle> {
    let mut style = SubtitleStyle::default();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .with_context(|| format!("subtitle style '{part}' is not KEY=VALUE"))?;
        match (key, value) {
            ("size", "small") => style.size = SubtitleSize::Small,
            ("size", "medium") => style.size = SubtitleSize::Medium,
            ("size", "large") => style.size = SubtitleSize::Large,
            ("background", "on") => style.background = true,
            ("background", "off") => style.background = false,
            ("position", "bottom") => style.position = SubtitlePosition::Bottom,
            ("position", "raised") => style.position = SubtitlePosition::Raised,
            ("position", "top") => style.position = SubtitlePosition::Top,
            _ => bail!(
                "subtitle style '{part}': use size=small|medium|large, background=on|off, position=bottom|raised|top"
            ),
        }
    }
    Ok(style)
}

/// Renders `screen` (or `all`) at `width`x`height` into `out` (a file, or a directory for `all`),
/// as `looks` says. Returns the files written.
pub fn run(screen: &str, out: &Path, (width, height): (u32, u32), looks: &Looks<'_>) -> Result<Vec<PathBuf>> {
    let (language, pair_url) = (looks.language, looks.pair_url);
    let screens: Vec<&str> = if screen == "all" {
        SCREENS.to_vec()
    } else {
        vec![screen]
    };
    for s in &screens {
        keys_for(s)?;
    }
    let now = now();
    let work = std::env::temp_dir().join(format!("zapbox-screenshot-{}", std::process::id()));
    let mut lineup = showcase::lineup(CHANNELS);
    lineup.channels[0].catchup = Some(crate::lineup::Catchup {
        mode: crate::lineup::CatchupMode::Default,
        source: Some(ARCHIVE_TEMPLATE.into()),
        days: crate::lineup::CatchupDays::Days(1),
        correction_s: 0,
        template: ARCHIVE_TEMPLATE.into(),
    });
    let guide = showcase::guide(&lineup, &work, now.utc_ms / 1000, 2);
    let _ = std::fs::remove_dir_all(&work);
    let guide = guide?;
    let ui = Rc::new(RefCell::new(Headless::new(width, height)?));
    ui.borrow().set_video(test_card(1280, 720));
    let mut settings = Settings {
        ui_language: language.to_string(),
        ..Settings::default()
    };
    settings.subtitles.style = looks.subtitles;
    // REC and the recordings screen work (no recorder runs: the list is given, see below).
    settings.recordings.enabled = true;
    let mut written = Vec::new();
    for s in screens {
        let mut app = playing_app(
            lineup.clone(),
            guide.clone(),
            settings.clone(),
            Box::new(ui.clone()),
        )?;
        press(&mut app, &keys_for(s)?);
        if s == "subtitles" {
            show_subtitles(&mut app);
        }
        if s == "dvb-subtitles" {
            show_dvb_subtitles(&mut app)?;
        }
        if s == "captions" {
            show_captions(&mut app);
        }
        if s == "timeshift" {
            show_timeshift(&mut app);
        }
        if s.starts_with("teletext") {
            show_teletext(&mut app);
        }
        if s == "recordings" {
            show_recordings(&mut app, now.utc_ms / 1000);
        }
        if s == "phone" {
            // What the companion adapter reports once it listens.
            let url = pair_url.unwrap_or(EXAMPLE_PAIR_URL).to_string();
            let listening = crate::core::CompanionEvent::Listening { url };
            app.inbox().post(Event::Companion(listening));
        }
        app.drain();
        app.shutdown();
        let mut ui = ui.borrow_mut();
        ui.draw();
        let path = if screen == "all" {
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            out.join(format!("{s}.png"))
        } else {
            out.to_path_buf()
        };
        ui.save_png(&path)?;
        written.push(path);
    }
    Ok(written)
}

/// What the recorder would list: three recordings, one watched halfway, one still recording,
/// and 412 GB free; the focus on the second.
fn show_recordings(app: &mut App, now_s: i64) {
    use crate::core::{RecordedSegment, RecorderEvent, RecordingItem, RecordingState};
    let item = |title: &str, channel: &str, hours_ago: i64, minutes: u64, state, watched: Option<u64>| {
        let length_ms = minutes * 60_000;
        RecordingItem {
            folder: format!("/media/usb/recordings/{title}"),
            title: title.into(),
            channel: channel.into(),
            start_s: (now_s - hours_ago * 3600).div_euclid(300) * 300,
            length_ms,
            bytes: minutes * 60 * 1_500_000 / 8,
            state,
            segments: vec![RecordedSegment {
                path: format!("/media/usb/recordings/{title}/stream.ts"),
                offset_ms: 0,
                length_ms,
            }],
            position_ms: watched,
        }
    };
    let items = vec![
        item(
            "Sports Roundup",
            "Channel 3",
            0,
            24,
            RecordingState::Recording,
            None,
        ),
        item(
            "Documentary: Circles",
            "Channel 6",
            26,
            102,
            RecordingState::Complete,
            Some(2_940_000),
        ),
        item(
            "Late Night Tones",
            "Channel 2",
            50,
            42,
            RecordingState::Complete,
            None,
        ),
    ];
    let listed = RecorderEvent::Listed {
        items,
        free_bytes: Some(412_000_000_000),
    };
    app.inbox().post(Event::Recorder(listed));
    app.drain();
    app.inbox().post(Event::Action(Action::Down));
    app.drain();
}

/// A 15-minute window reported by the player, PAUSE, then 4 (back 5 minutes) and the player's
/// start from a keyframe 5 minutes behind live: the bar with its chip.
fn show_timeshift(app: &mut App) {
    use crate::core::{PlayerEvent, ZapPath};
    let request = |app: &App| app.shell().core().request();
    let Some(first) = request(app) else {
        return;
    };
    let buffered = PlayerEvent::Buffered {
        request: first,
        buffered_ms: 900_000,
    };
    app.inbox().post(Event::Player(buffered));
    press(app, &[Action::Pause, Action::Digit(4)]);
    let Some(seek) = request(app) else {
        return;
    };
    let started = PlayerEvent::Started {
        request: seek,
        path: ZapPath::Hot,
        behind_live_ms: Some(300_400),
    };
    app.inbox().post(Event::Player(started));
    app.inbox().post(Event::Player(PlayerEvent::Buffered {
        request: seek,
        buffered_ms: 900_000,
    }));
    while app.step(Duration::from_millis(150)) {}
}

/// What the player reports for a channel with French teletext subtitles (page 889), SUBTITLE
/// pressed, and a page through the real teletext decoder (built by its encoder) as the text.
fn show_subtitles(app: &mut App) {
    use crate::core::{PlayerEvent, SubtitleKind, SubtitleLine, SubtitleTrack};
    use crate::mpegts::pes::Pes;
    use crate::mpegts::teletext::encode::{header, pes_payload, row};
    use crate::mpegts::teletext::{PageFilter, PageFlags, PageNumber, TeletextDecoder};
    let Some(request) = app.shell().core().request() else {
        return;
    };
    let tracks = vec![SubtitleTrack {
        id: "teletext:1068:889".into(),
        kind: SubtitleKind::Teletext,
        language: Some("fra".into()),
        hard_of_hearing: false,
    }];
    app.inbox()
        .post(Event::Player(PlayerEvent::SubtitleTracks { request, tracks }));
    press(app, &[Action::Subtitle]);
    let page = PageNumber::new(8, 0x89);
    let flags = PageFlags {
        erase: true,
        subtitle: true,
        ..PageFlags::default()
    };
    // French national option (C12): `#` is "é"; 0x07/0x03 white and yellow, 0x0b boxes.
    let payload = pes_payload(&[
        header(page, flags, 1, ""),
        row(8, 20, b"\x07\x0b\x0bUn train met dix secondes\x0a"),
        row(8, 22, b"\x03\x0b\x0bpour d#passer un point donn#.\x0a"),
    ]);
    let mut lines = Vec::new();
    let pes = Pes {
        stream_id: 0xbd,
        pts: None,
        data: &payload,
    };
    TeletextDecoder::new(PageFilter::Only(page))
        .push_pes(&pes, &mut |p| lines = SubtitleLine::from_teletext(p));
    app.inbox()
        .post(Event::Player(PlayerEvent::SubtitleText { request, lines }));
    while app.step(Duration::from_millis(150)) {}
}

/// The demo channel's second caption on CC1: the byte pairs its SEI carries, through the
/// CEA-608 decoder, on a channel whose video carries them, SUBTITLE pressed.
fn show_captions(app: &mut App) {
    use crate::core::{PlayerEvent, SubtitleKind, SubtitleLine, SubtitleTrack};
    use crate::mpegts::captions::cea608::pop_on;
    use crate::mpegts::captions::{Cea608Decoder, Channel};
    let Some(request) = app.shell().core().request() else {
        return;
    };
    let tracks = vec![SubtitleTrack {
        id: "cc:1".into(),
        kind: SubtitleKind::Captions,
        language: None,
        hard_of_hearing: false,
    }];
    app.inbox()
        .post(Event::Player(PlayerEvent::SubtitleTracks { request, tracks }));
    press(app, &[Action::Subtitle]);
    let Some(channel) = Channel::new(1) else {
        return;
    };
    let pairs = pop_on(crate::demo::captioned::CAPTIONS[1].lines);
    let screen = Cea608Decoder::new(channel).push_pairs(&pairs).unwrap_or_default();
    let lines = SubtitleLine::from_captions(&screen);
    app.inbox()
        .post(Event::Player(PlayerEvent::SubtitleText { request, lines }));
    while app.step(Duration::from_millis(150)) {}
}

/// The demo channel's English DVB subtitle (text drawn by GStreamer, encoded as EN 300 743
/// and decoded by `mpegts::dvbsub`) on a channel whose PMT declares it, SUBTITLE pressed.
fn show_dvb_subtitles(app: &mut App) -> Result<()> {
    use crate::core::{PlayerEvent, SubtitleImage, SubtitleKind, SubtitleTrack};
    use crate::mpegts::dvbsub::DvbSubDecoder;
    use crate::mpegts::pes::Pes;
    let Some(request) = app.shell().core().request() else {
        return Ok(());
    };
    let tracks = vec![SubtitleTrack {
        id: "dvb:1280:1:1".into(),
        kind: SubtitleKind::Dvb,
        language: Some("eng".into()),
        hard_of_hearing: false,
    }];
    app.inbox()
        .post(Event::Player(PlayerEvent::SubtitleTracks { request, tracks }));
    press(app, &[Action::Subtitle]);
    let data = crate::demo::subtitled::first_dvb_subtitle()?;
    let pes = Pes {
        stream_id: 0xbd,
        pts: None,
        data: &data,
    };
    let mut image = None;
    DvbSubDecoder::new(1, 1).push_pes(&pes, &mut |set| image = SubtitleImage::from_dvb(set));
    app.inbox()
        .post(Event::Player(PlayerEvent::SubtitleImage { request, image }));
    while app.step(Duration::from_millis(150)) {}
    Ok(())
}

/// The demo channel's teletext service through the real decoder, as the player reports it
/// with the viewer open: the index page 100 shows.
fn show_teletext(app: &mut App) {
    use crate::core::PlayerEvent;
    use crate::mpegts::pes::Pes;
    use crate::mpegts::teletext::{PageFilter, TeletextDecoder};
    let Some(request) = app.shell().core().request() else {
        return;
    };
    let payload = crate::demo::subtitled::teletext_service(1);
    let pes = Pes {
        stream_id: 0xbd,
        pts: None,
        data: &payload,
    };
    TeletextDecoder::new(PageFilter::All).push_pes(&pes, &mut |page| {
        let page = Box::new(page.clone());
        app.inbox()
            .post(Event::Player(PlayerEvent::TeletextPage { request, page }));
    });
    while app.step(Duration::from_millis(150)) {}
}

/// `1920x1080` -> (1920, 1080).
pub fn parse_size(text: &str) -> Result<(u32, u32)> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .with_context(|| format!("size '{text}' is not WIDTHxHEIGHT such as 1920x1080"))?;
    let parse = |v: &str| -> Result<u32> {
        let n: u32 = v
            .trim()
            .parse()
            .with_context(|| format!("'{v}' in size '{text}' is not a number"))?;
        if !(160..=7680).contains(&n) {
            bail!("size '{text}': {n} is outside 160..=7680");
        }
        Ok(n)
    };
    Ok((parse(w)?, parse(h)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_or_say_why_not() {
        assert_eq!(parse_size("1920x1080").unwrap(), (1920, 1080));
        assert_eq!(parse_size("1280X720").unwrap(), (1280, 720));
        assert!(parse_size("1920").is_err());
        assert!(parse_size("0x0").is_err());
        assert!(parse_size("axb").is_err());
        assert!(keys_for("nope").is_err());
    }
}
