// SPDX-License-Identifier: GPL-3.0-or-later
//! The TV interface under Slint's testing backend: remote actions go through the core, the view
//! is rendered into the real `.slint` screens, and the tests read what the screens show through
//! their accessibility properties.

mod common;

use common::Shell;
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use zapbox::core::{Action, Event, GuideHandle, ParentalSettings, SavedState, Settings};
use zapbox::demo::showcase;
use zapbox::slint_generated::AppWindow;
use zapbox::ui::Renderer;

/// 2026-11-22 20:00 UTC.
const EVENING_S: i64 = 1_795_377_600;

struct Screen {
    shell: Shell,
    guide: GuideHandle,
    app: AppWindow,
    renderer: Renderer,
    _dir: tempfile::TempDir,
}

impl Screen {
    /// The showcase lineup (20 channels) with a generated guide, tuned to channel 1 at 20:00.
    fn new(settings: Settings) -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let dir = tempfile::tempdir().expect("temp dir");
        let lineup = showcase::lineup(20);
        let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
        let mut shell = Shell::new(lineup, SavedState::default());
        shell.core = zapbox::core::Core::new(shell.core.lineup().clone(), SavedState::default(), settings);
        shell.now_ms = EVENING_S as u64 * 1000;
        shell.send(Event::GuideLoaded(guide.clone()));
        shell.send(Event::Started);
        shell.first_frame();
        let mut screen = Self {
            shell,
            guide,
            app: AppWindow::new().expect("the window builds"),
            renderer: Renderer::default(),
            _dir: dir,
        };
        screen.render();
        screen
    }

    fn render(&mut self) {
        let view = self.shell.view();
        let tv = self.app.global::<zapbox::slint_generated::Tv>();
        self.renderer.render(&tv, &view);
    }

    fn press(&mut self, actions: &[Action]) {
        for action in actions {
            self.shell.press(*action);
        }
        self.render();
    }

    fn advance(&mut self, ms: u64) {
        self.shell.advance(ms);
        self.render();
    }

    fn shown(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.app, label)
            .next()
            .is_some()
    }

    fn text(&self, label: &str) -> String {
        ElementHandle::find_by_accessible_label(&self.app, label)
            .next()
            .and_then(|e| e.accessible_value())
            .map(|v| v.to_string())
            .unwrap_or_else(|| panic!("nothing labelled {label} is shown"))
    }

    /// The title of what is on channel `index` (0-based) at 20:00.
    fn title_at(&self, index: usize, at_s: i64) -> String {
        let key = &self.shell.core.lineup().channels[index].key;
        self.guide.window(key, at_s, at_s + 1)[0].title.clone()
    }
}

#[test]
fn the_banner_shows_the_channel_and_its_programme_after_a_zap_then_hides() {
    let mut screen = Screen::new(Settings::default());
    screen.advance(10_000);
    assert!(!screen.shown("banner"), "the start-up banner has gone");
    screen.press(&[Action::ChannelUp]);
    assert!(screen.shown("banner"));
    assert_eq!(screen.text("banner-channel"), "Bars News");
    assert_eq!(screen.text("banner-now"), screen.title_at(1, EVENING_S));
    screen.advance(5_000);
    assert!(!screen.shown("banner"), "it hides after its timeout");
}

#[test]
fn digit_entry_shows_the_number_and_its_channel_then_tunes_it() {
    let mut screen = Screen::new(Settings::default());
    screen.press(&[Action::Digit(1)]);
    assert!(
        screen.shown("digits"),
        "1 could still become 10..19: the entry waits"
    );
    assert_eq!(screen.text("digits-typed"), "1_");
    assert_eq!(screen.text("digits-target"), "1  Zap One");
    screen.press(&[Action::Digit(2)]);
    assert!(
        !screen.shown("digits"),
        "no longer number starts with 12: it tunes at once"
    );
    assert_eq!(screen.text("banner-channel"), "Ball Action");
    screen.press(&[Action::Digit(1)]);
    assert!(screen.shown("digits"));
    screen.advance(2_000);
    assert!(!screen.shown("digits"));
    assert_eq!(
        screen.text("banner-channel"),
        "Zap One",
        "the timeout tunes the typed number"
    );
}

#[test]
fn the_guide_focus_follows_a_sequence_of_moves() {
    let mut screen = Screen::new(Settings::default());
    screen.press(&[Action::Guide, Action::Down, Action::Down, Action::Right]);
    assert!(screen.shown("guide"));
    let key = screen.shell.core.lineup().channels[2].key.clone();
    let now = screen.guide.window(&key, EVENING_S, EVENING_S + 1)[0].clone();
    let next = screen.guide.window(&key, now.stop_s, now.stop_s + 1)[0]
        .title
        .clone();
    assert_eq!(screen.text("guide-focused-title"), next);
    assert_eq!(
        screen.text("guide-focused-cell"),
        next,
        "the focused cell is that programme"
    );
    let focused_rows: Vec<String> = ElementHandle::find_by_accessible_label(&screen.app, "3 Pinwheel Kids")
        .filter(|e| e.accessible_item_selected() == Some(true))
        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
        .collect();
    assert_eq!(focused_rows, ["3 Pinwheel Kids"]);
    screen.press(&[Action::Back]);
    assert!(!screen.shown("guide"));
}

#[test]
fn a_locked_channel_asks_for_the_pin_and_plays_after_it() {
    let locked = showcase::lineup(20).channels[4].key.clone();
    let settings = Settings {
        parental: ParentalSettings {
            locked_channels: vec![locked],
            ..ParentalSettings::default()
        },
        ..Settings::default()
    };
    let mut screen = Screen::new(settings);
    screen.press(&[Action::Digit(5)]);
    screen.advance(2_000);
    assert!(screen.shown("pin"));
    assert_eq!(screen.text("pin-title"), "Channel locked");
    assert!(!screen.shown("notice"), "the prompt says it; no second notice");
    screen.press(&[
        Action::Digit(0),
        Action::Digit(0),
        Action::Digit(0),
        Action::Digit(0),
    ]);
    assert!(!screen.shown("pin"));
    assert_eq!(screen.text("banner-channel"), "Spokes Music");
}

#[test]
fn the_menu_speaks_the_language_chosen() {
    let settings = Settings {
        ui_language: "de".into(),
        ..Settings::default()
    };
    let mut screen = Screen::new(settings);
    screen.press(&[Action::Menu]);
    assert_eq!(screen.text("menu-title"), "Menü");
    // Six downs reach the interface language; RIGHT switches back to English.
    screen.press(&[Action::Down; 6]);
    screen.press(&[Action::Right]);
    assert_eq!(screen.text("menu-title"), "Menu");
}

#[test]
fn the_banner_says_where_the_volume_is_turned_and_the_tv_page_says_by_whom() {
    use zapbox::core::{CecEvent, CecSettings, PhysicalAddress, VolumeControl};
    let settings = Settings {
        cec: CecSettings {
            volume: VolumeControl::AudioSystem,
            ..CecSettings::default()
        },
        ..Settings::default()
    };
    let mut screen = Screen::new(settings);
    screen.press(&[Action::VolumeUp]);
    assert_eq!(
        screen.text("banner-volume"),
        "Volume 85%",
        "without CEC the box turns the volume"
    );
    screen.shell.send(Event::Cec(CecEvent::Ready {
        adapter: "cec0".into(),
        physical_address: PhysicalAddress(0x1000),
        logical_address: 4,
    }));
    screen.press(&[Action::VolumeUp]);
    assert_eq!(screen.text("banner-volume"), "Volume on the audio system");
    // MENU, UP to "Set up from your phone", UP to "About", UP to the TV page, OK.
    screen.press(&[Action::Menu, Action::Up, Action::Up, Action::Up, Action::Ok]);
    assert_eq!(screen.text("menu-title"), "TV and volume (HDMI-CEC)");
    let lines: Vec<(String, String)> =
        ElementHandle::find_by_accessible_label(&screen.app, "Volume is turned by")
            .chain(ElementHandle::find_by_accessible_label(&screen.app, "HDMI-CEC"))
            .filter_map(|e| {
                Some((
                    e.accessible_label()?.to_string(),
                    e.accessible_value()?.to_string(),
                ))
            })
            .collect();
    assert_eq!(
        lines,
        [
            ("Volume is turned by".to_string(), "The audio system".to_string()),
            ("HDMI-CEC".to_string(), "Ready: cec0, 1.0.0.0, 4".to_string()),
        ]
    );
}

/// SUBTITLE with three tracks in interface language `language`: the banner's words for off,
/// the teletext track for the hard of hearing, the DVB one, then the captions on CC1 (no
/// language declared: named by their channel).
fn subtitle_banner(language: &str, off: &str, teletext: &str, dvb: &str, captions: &str) {
    use zapbox::core::{PlayerEvent, SubtitleKind, SubtitleTrack};
    let track = |id: &str, kind, language: &str, hard_of_hearing| SubtitleTrack {
        id: id.into(),
        kind,
        language: Some(language.into()),
        hard_of_hearing,
    };
    let settings = Settings {
        ui_language: language.into(),
        ..Settings::default()
    };
    let mut screen = Screen::new(settings);
    screen.advance(10_000);
    assert!(!screen.shown("banner-subtitles"), "no banner, no tracks");
    let request = screen.shell.last_request();
    screen.shell.send(Event::Player(PlayerEvent::SubtitleTracks {
        request,
        tracks: vec![
            track("t888", SubtitleKind::Teletext, "fra", true),
            track("dvb", SubtitleKind::Dvb, "deu", false),
            SubtitleTrack {
                id: "cc:1".into(),
                kind: SubtitleKind::Captions,
                language: None,
                hard_of_hearing: false,
            },
        ],
    }));
    screen.press(&[Action::Info]);
    assert_eq!(screen.text("banner-subtitles"), off);
    screen.press(&[Action::Info, Action::Subtitle]);
    assert_eq!(screen.text("banner-subtitles"), teletext);
    screen.press(&[Action::Subtitle]);
    assert_eq!(screen.text("banner-subtitles"), dvb);
    screen.press(&[Action::Subtitle]);
    assert_eq!(screen.text("banner-subtitles"), captions);
    screen.press(&[Action::Subtitle]);
    assert_eq!(screen.text("banner-subtitles"), off, "and round to off");
}

#[test]
fn the_banner_names_the_subtitles_chosen_with_the_subtitle_key() {
    subtitle_banner(
        "en",
        "Subtitles off",
        "Subtitles Français (teletext), hard of hearing",
        "Subtitles Deutsch (DVB)",
        "Captions CC1",
    );
}

#[test]
fn the_banner_names_the_subtitles_in_german() {
    subtitle_banner(
        "de",
        "Untertitel aus",
        "Untertitel Français (Videotext), für Hörgeschädigte",
        "Untertitel Deutsch (DVB)",
        "Closed Captions CC1",
    );
}

#[test]
fn subtitle_text_is_drawn_over_the_picture_in_its_colours() {
    use zapbox::core::{Colour, PlayerEvent, SubtitleKind, SubtitleLine, SubtitleRun, SubtitleTrack};
    let mut screen = Screen::new(Settings::default());
    screen.advance(10_000);
    let request = screen.shell.last_request();
    screen.shell.send(Event::Player(PlayerEvent::SubtitleTracks {
        request,
        tracks: vec![SubtitleTrack {
            id: "teletext:1068:889".into(),
            kind: SubtitleKind::Teletext,
            language: Some("fra".into()),
            hard_of_hearing: false,
        }],
    }));
    screen.press(&[Action::Subtitle]);
    screen.advance(10_000); // the banner goes; the subtitles stay
    assert!(!screen.shown("subtitle-line-0"));
    let run = |text: &str, colour| SubtitleRun {
        text: text.into(),
        colour,
    };
    screen.shell.send(Event::Player(PlayerEvent::SubtitleText {
        request,
        lines: vec![
            SubtitleLine {
                runs: vec![run("- Vous croyez ?", Colour::White)],
                double_height: false,
            },
            SubtitleLine {
                runs: vec![
                    run("- Il hurlait ", Colour::Yellow),
                    run("à pleins poumons.", Colour::Cyan),
                ],
                double_height: true,
            },
        ],
    }));
    screen.render();
    assert_eq!(screen.text("subtitle-line-0"), "- Vous croyez ?");
    let second: Vec<String> = ElementHandle::find_by_accessible_label(&screen.app, "subtitle-line-1")
        .filter_map(|e| e.accessible_value().map(|v| v.to_string()))
        .collect();
    assert_eq!(second, ["- Il hurlait ", "à pleins poumons."]);
    // SUBTITLE again (off): the text goes.
    screen.press(&[Action::Subtitle]);
    assert!(!screen.shown("subtitle-line-0"));
}

/// The demo channel's teletext service through the real decoder, as the player reports it
/// while the viewer is open (subpage `subpage` of the rotating page 101).
fn send_teletext(screen: &mut Screen, subpage: u16) {
    use zapbox::core::PlayerEvent;
    use zapbox::mpegts::pes::Pes;
    use zapbox::mpegts::teletext::{PageFilter, TeletextDecoder};
    let request = screen.shell.last_request();
    let payload = zapbox::demo::subtitled::teletext_service(subpage);
    let pes = Pes {
        stream_id: 0xbd,
        pts: None,
        data: &payload,
    };
    let mut pages = Vec::new();
    TeletextDecoder::new(PageFilter::All).push_pes(&pes, &mut |p| pages.push(p.clone()));
    for page in pages {
        let page = Box::new(page);
        screen
            .shell
            .send(Event::Player(PlayerEvent::TeletextPage { request, page }));
    }
    screen.render();
}

/// All the texts of teletext row `row` on screen, joined.
fn teletext_row(screen: &Screen, row: u8) -> String {
    ElementHandle::find_by_accessible_label(&screen.app, &format!("teletext-row-{row}"))
        .filter_map(|e| e.accessible_value().map(|v| v.to_string()))
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn the_teletext_viewer_pages_links_subpages_hold_reveal_and_mix() {
    let mut screen = Screen::new(Settings::default());
    screen.press(&[Action::Text]);
    assert!(screen.shown("teletext-searching"), "page 100 is searched for");
    send_teletext(&mut screen, 1);
    assert!(!screen.shown("teletext-searching"));
    assert!(
        teletext_row(&screen, 0).starts_with(" P100"),
        "{}",
        teletext_row(&screen, 0)
    );
    assert!(teletext_row(&screen, 4).contains("Subpages of a rotating page"));
    // Digits: 1, 5 show "15-", the third digit goes to page 150 in its German set.
    screen.press(&[Action::Digit(1), Action::Digit(5)]);
    assert!(screen.text("teletext-status").starts_with("P15-"));
    screen.press(&[Action::Digit(0)]);
    assert!(teletext_row(&screen, 5).contains("Grüße aus Köln"));
    // RED follows the page's first link: back to the index.
    screen.press(&[Action::Red]);
    assert!(teletext_row(&screen, 0).starts_with(" P100"));
    // GREEN: the quiz, whose answer is concealed until INFO.
    screen.press(&[Action::Green]);
    assert!(teletext_row(&screen, 5).contains("What does the TEXT key open?"));
    assert!(!teletext_row(&screen, 8).contains("Teletext"));
    screen.press(&[Action::Info]);
    assert!(teletext_row(&screen, 8).contains("Teletext, with fastext links"));
    assert!(screen.text("teletext-status").contains("Reveal"));
    // DOWN goes to the page received before: 101, with its two subpages.
    screen.press(&[Action::Down]);
    send_teletext(&mut screen, 2);
    assert!(teletext_row(&screen, 6).contains("subpage 2 of 2"));
    screen.press(&[Action::Left]);
    assert!(teletext_row(&screen, 6).contains("subpage 1 of 2"));
    assert!(screen.text("teletext-status").contains("1/2"));
    // Hold: the page stays while the other subpage arrives.
    screen.press(&[Action::Right, Action::Ok]);
    send_teletext(&mut screen, 1);
    assert!(teletext_row(&screen, 6).contains("subpage 2 of 2"));
    assert!(screen.text("teletext-status").contains("Hold"));
    // TEXT: over the picture; TEXT again (or BACK) closes.
    screen.press(&[Action::Text]);
    assert!(teletext_row(&screen, 6).contains("subpage 2 of 2"));
    screen.press(&[Action::Text]);
    assert!(!screen.shown("teletext-status"));
    screen.press(&[Action::Text, Action::Back]);
    assert!(!screen.shown("teletext-status"));
}

#[test]
fn the_bar_shows_the_trick_speed_and_the_guide_says_behind_live() {
    let mut screen = Screen::new(Settings::default());
    let request = screen.shell.last_request();
    screen
        .shell
        .send(Event::Player(zapbox::core::PlayerEvent::Buffered {
            request,
            buffered_ms: 120_000,
        }));
    screen.press(&[Action::Pause]);
    screen.advance(30_000);
    assert_eq!(screen.text("timeshift-state"), "paused");
    screen.press(&[Action::Rewind, Action::Rewind, Action::Rewind]);
    assert_eq!(screen.text("timeshift-state"), "◀◀ ×8");
    assert_eq!(screen.text("timeshift-behind"), "−0:30");
    screen.press(&[Action::Guide]);
    assert!(screen.shown("guide"));
    assert_eq!(screen.text("guide-behind-live"), "−0:30 behind live");
    screen.press(&[Action::Back, Action::Stop]);
    screen.shell.first_frame();
    screen.press(&[Action::Guide]);
    assert!(
        !screen.shown("guide-behind-live"),
        "at live the guide says nothing"
    );
}
