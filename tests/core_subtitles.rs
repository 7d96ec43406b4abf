// SPDX-License-Identifier: GPL-3.0-or-later
//! Subtitle choice as core scenarios: the tracks the player reports, the preferred language and
//! hard-of-hearing preference picking one at tune, the SUBTITLE key cycling off → each track with
//! the banner up, the choice remembered per channel across a restart, and the menu's settings.

mod common;

use common::{Shell, lineup};
use zapbox::core::{
    Action, Effect, ErrorKind, Event, MenuItem, MenuPage, MenuValue, PlayerCommand, PlayerError, PlayerEvent,
    SavedState, SavedSubtitle, Settings, SubtitleKind, SubtitlePreferences, SubtitleTrack,
};

fn track(id: &str, kind: SubtitleKind, language: &str, hard_of_hearing: bool) -> SubtitleTrack {
    SubtitleTrack {
        id: id.into(),
        kind,
        language: Some(language.into()),
        hard_of_hearing,
    }
}

/// What test-012's PMT declares (teletext 888 for the hard of hearing, 889) plus DVB in German.
fn french_tracks(prefix: &str) -> Vec<SubtitleTrack> {
    vec![
        track(&format!("{prefix}888"), SubtitleKind::Teletext, "fra", true),
        track(&format!("{prefix}889"), SubtitleKind::Teletext, "fra", false),
        track(&format!("{prefix}dvb"), SubtitleKind::Dvb, "deu", false),
    ]
}

fn report(shell: &mut Shell, tracks: Vec<SubtitleTrack>) -> Vec<Effect> {
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::SubtitleTracks { request, tracks }))
}

/// The subtitle selections among `effects`: the track id, or "off".
fn selections(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::SelectSubtitle { track, .. }) => {
                Some(track.as_ref().map_or("off".to_string(), |t| t.id.clone()))
            }
            _ => None,
        })
        .collect()
}

fn settings(enabled: bool, language: &str, hard_of_hearing: bool) -> Settings {
    Settings {
        subtitles: SubtitlePreferences {
            enabled,
            language: language.into(),
            hard_of_hearing,
            ..SubtitlePreferences::default()
        },
        ..Settings::default()
    }
}

fn started(settings: Settings, saved: SavedState) -> Shell {
    let mut shell = Shell::with_settings_and_state(lineup(&[1, 2]), settings, saved);
    shell.send(Event::Started);
    shell.log.clear();
    shell
}

#[test]
fn the_preferences_pick_a_track_at_tune() {
    let cases = [
        (settings(false, "fra", false), "off"),
        (settings(true, "fre", false), "t-889"),
        (settings(true, "fr", true), "t-888"),
        (settings(true, "ger", true), "t-dvb"),
        (settings(true, "ita", false), "off"),
    ];
    for (settings, expected) in cases {
        let mut shell = started(settings.clone(), SavedState::default());
        let effects = report(&mut shell, french_tracks("t-"));
        assert_eq!(selections(&effects), [expected], "{settings:?}");
        // A second report of the same tracks changes nothing.
        assert!(selections(&report(&mut shell, french_tracks("t-"))).is_empty());
    }
}

#[test]
fn the_subtitle_key_cycles_off_and_each_track_with_the_banner() {
    let mut shell = started(Settings::default(), SavedState::default());
    report(&mut shell, french_tracks("t-"));
    let mut seen = Vec::new();
    for _ in 0..4 {
        shell.advance(10_000); // the banner hides in between
        let effects = shell.press(Action::Subtitle);
        seen.extend(selections(&effects));
        let view = shell.view();
        assert!(view.banner_visible, "the banner shows the choice");
        assert_eq!(
            view.subtitle_selected,
            seen.last().filter(|s| *s != "off").cloned()
        );
    }
    assert_eq!(seen, ["t-888", "t-889", "t-dvb", "off"]);
    assert_eq!(shell.view().subtitle_tracks.len(), 3);
}

#[test]
fn the_choice_is_remembered_per_channel_across_a_restart() {
    let mut shell = started(settings(true, "fra", false), SavedState::default());
    report(&mut shell, french_tracks("a-"));
    // Channel 1: the viewer moves from the preferred 889 to the DVB track.
    shell.press(Action::Subtitle);
    assert_eq!(shell.view().subtitle_selected.as_deref(), Some("a-dvb"));
    // Channel 2: the viewer turns them off.
    shell.press(Action::ChannelUp);
    report(&mut shell, french_tracks("b-"));
    assert_eq!(shell.view().subtitle_selected.as_deref(), Some("b-889"));
    shell.press(Action::Subtitle);
    shell.press(Action::Subtitle);
    assert_eq!(shell.view().subtitle_selected, None);
    let saved = shell.advance(2_000);
    let Some(Effect::SaveState(state)) = saved.iter().find(|e| matches!(e, Effect::SaveState(_))) else {
        panic!("the choice is saved: {saved:?}");
    };
    assert_eq!(
        state.subtitles.get(&common::key("ch2")),
        Some(&SavedSubtitle::Off)
    );

    // After a restart the player names the tracks differently; the choice is found by what it is.
    let mut shell = started(settings(true, "fra", false), (**state).clone());
    assert_eq!(shell.requested().as_deref(), Some("ch2"));
    assert_eq!(selections(&report(&mut shell, french_tracks("x-"))), ["off"]);
    shell.press(Action::ChannelDown);
    assert_eq!(selections(&report(&mut shell, french_tracks("y-"))), ["y-dvb"]);
}

/// A retry of the same channel (a pipeline that failed, a resume behind live) is a new
/// request whose player has nothing selected: the choice is sent to it again.
#[test]
fn a_new_request_of_the_same_tune_gets_the_choice_again() {
    let mut shell = started(settings(true, "fra", false), SavedState::default());
    assert_eq!(selections(&report(&mut shell, french_tracks("t-"))), ["t-889"]);
    shell.first_frame();
    let failed = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Failed {
        request: failed,
        error: PlayerError {
            kind: ErrorKind::Stream,
            detail: "Internal data stream error.".into(),
        },
    }));
    shell.advance(10_000);
    assert_ne!(shell.last_request(), failed, "the channel is played again");
    assert_eq!(selections(&report(&mut shell, french_tracks("t-"))), ["t-889"]);
    assert_eq!(shell.view().subtitle_selected.as_deref(), Some("t-889"));
}

#[test]
fn reports_for_an_old_request_are_ignored() {
    let mut shell = started(settings(true, "fra", false), SavedState::default());
    let old = shell.last_request();
    shell.press(Action::ChannelUp);
    let effects = shell.send(Event::Player(PlayerEvent::SubtitleTracks {
        request: old,
        tracks: french_tracks("old-"),
    }));
    assert!(selections(&effects).is_empty());
    assert!(shell.view().subtitle_tracks.is_empty());
}

#[test]
fn the_menu_sets_language_and_hard_of_hearing_and_saves_them() {
    let mut shell = started(Settings::default(), SavedState::default());
    report(&mut shell, french_tracks("t-"));
    let line = |shell: &Shell, item: MenuItem| {
        let items = shell.core.menu_items(MenuPage::Subtitles);
        items
            .into_iter()
            .find(|l| l.item == item)
            .expect("the line is on the subtitles page")
            .value
    };
    assert_eq!(
        line(&shell, MenuItem::Subtitles),
        MenuValue::SubtitleLanguage(None)
    );
    // The main page's "Subtitles" opens the page and shows the language at tune.
    shell.press(Action::Menu);
    let at = shell
        .core
        .menu_items(MenuPage::Main)
        .iter()
        .position(|l| l.item == MenuItem::SubtitleSettings)
        .unwrap();
    for _ in 0..at {
        shell.press(Action::Down);
    }
    shell.press(Action::Ok);
    // Off → eng → deu → fra.
    for _ in 0..3 {
        shell.press(Action::Right);
    }
    assert_eq!(
        line(&shell, MenuItem::Subtitles),
        MenuValue::SubtitleLanguage(Some("fra".into()))
    );
    shell.press(Action::Down);
    shell.press(Action::Ok);
    assert_eq!(line(&shell, MenuItem::HardOfHearing), MenuValue::OnOff(true));
    let saved = shell.advance(2_000);
    let Some(Effect::SaveState(state)) = saved.iter().find(|e| matches!(e, Effect::SaveState(_))) else {
        panic!("the settings are saved: {saved:?}");
    };
    let prefs = &state.preferences;
    assert_eq!(
        (
            prefs.subtitles,
            prefs.subtitle_language.as_deref(),
            prefs.hard_of_hearing
        ),
        (Some(true), Some("fra"), Some(true))
    );
    let main = shell.core.menu_items(MenuPage::Main);
    let summary = main
        .iter()
        .find(|l| l.item == MenuItem::SubtitleSettings)
        .unwrap();
    assert_eq!(summary.value, MenuValue::SubtitleLanguage(Some("fra".into())));
    // The next tune uses them: French for the hard of hearing.
    shell.press(Action::Back);
    shell.press(Action::Back);
    shell.press(Action::ChannelUp);
    assert_eq!(selections(&report(&mut shell, french_tracks("n-"))), ["n-888"]);
    // And so does a restart from the saved state with the configuration's defaults.
    let mut shell = started(Settings::default(), (**state).clone());
    assert_eq!(selections(&report(&mut shell, french_tracks("r-"))), ["r-888"]);
}

#[test]
fn subtitle_text_is_shown_only_for_the_chosen_track_and_cleared_on_a_change() {
    use zapbox::core::{Colour, SubtitleLine, SubtitleRun};
    let mut shell = started(settings(true, "fra", false), SavedState::default());
    report(&mut shell, french_tracks("t-"));
    let request = shell.last_request();
    let line = SubtitleLine {
        runs: vec![SubtitleRun {
            text: "Un train met dix secondes".into(),
            colour: Colour::Yellow,
        }],
        double_height: false,
    };
    shell.send(Event::Player(PlayerEvent::SubtitleText {
        request,
        lines: vec![line.clone()],
    }));
    assert_eq!(shell.view().subtitle_lines, std::slice::from_ref(&line));
    // SUBTITLE to the next track: the old text goes at once.
    shell.press(Action::Subtitle);
    assert!(shell.view().subtitle_lines.is_empty());
    // Off: text arriving late is not shown.
    shell.press(Action::Subtitle);
    assert_eq!(shell.view().subtitle_selected, None);
    shell.send(Event::Player(PlayerEvent::SubtitleText {
        request,
        lines: vec![line],
    }));
    assert!(shell.view().subtitle_lines.is_empty());
}

/// The delays among `effects`' subtitle selections, with their tracks.
fn delays(effects: &[Effect]) -> Vec<(String, i32)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::SelectSubtitle { track, delay_ms, .. }) => Some((
                track.as_ref().map_or("off".to_string(), |t| t.id.clone()),
                *delay_ms,
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn the_subtitles_page_styles_them_and_the_delay_reaches_the_player() {
    use zapbox::core::{SubtitlePosition, SubtitleSize, SubtitleStyle};
    let mut shell = started(settings(true, "fra", false), SavedState::default());
    assert_eq!(
        delays(&report(&mut shell, french_tracks("t-"))),
        [("t-889".to_string(), 0)]
    );
    assert_eq!(shell.view().subtitle_style, SubtitleStyle::default());
    shell.press(Action::Menu);
    let at = shell
        .core
        .menu_items(MenuPage::Main)
        .iter()
        .position(|l| l.item == MenuItem::SubtitleSettings)
        .unwrap();
    for _ in 0..at {
        shell.press(Action::Down);
    }
    shell.press(Action::Ok);
    let value = |shell: &Shell, item: MenuItem| {
        let items = shell.core.menu_items(MenuPage::Subtitles);
        items.into_iter().find(|l| l.item == item).unwrap().value
    };
    let go_to = |shell: &mut Shell, item: MenuItem| {
        let zapbox::core::ScreenView::Menu(menu) = shell.view().screen else {
            panic!("the menu is open");
        };
        let at = menu.items.iter().position(|l| l.item == item).unwrap();
        for _ in 0..(at + menu.items.len() - menu.focus) % menu.items.len() {
            shell.press(Action::Down);
        }
    };
    go_to(&mut shell, MenuItem::SubtitleSize);
    shell.press(Action::Right);
    assert_eq!(
        value(&shell, MenuItem::SubtitleSize),
        MenuValue::SubtitleSize(SubtitleSize::Large)
    );
    go_to(&mut shell, MenuItem::SubtitleBackground);
    shell.press(Action::Ok);
    assert_eq!(
        value(&shell, MenuItem::SubtitleBackground),
        MenuValue::OnOff(false)
    );
    go_to(&mut shell, MenuItem::SubtitlePosition);
    shell.press(Action::Left);
    assert_eq!(
        value(&shell, MenuItem::SubtitlePosition),
        MenuValue::SubtitlePosition(SubtitlePosition::Top)
    );
    go_to(&mut shell, MenuItem::SubtitleDelay);
    // Each step tells the player the new delay for the track shown, nothing else.
    let effects = shell.press(Action::Right);
    assert_eq!(delays(&effects), [("t-889".to_string(), 250)]);
    for _ in 0..30 {
        shell.press(Action::Right);
    }
    assert_eq!(
        value(&shell, MenuItem::SubtitleDelay),
        MenuValue::OffsetMs(5_000),
        "stops at +5 s"
    );
    for _ in 0..60 {
        shell.press(Action::Left);
    }
    assert_eq!(
        value(&shell, MenuItem::SubtitleDelay),
        MenuValue::OffsetMs(-5_000),
        "and at -5 s"
    );
    for _ in 0..14 {
        shell.press(Action::Right);
    }
    let style = shell.view().subtitle_style;
    assert_eq!(
        style,
        SubtitleStyle {
            size: SubtitleSize::Large,
            background: false,
            position: SubtitlePosition::Top,
            delay_ms: -1_500,
        }
    );
    let saved = shell.advance(2_000);
    let Some(Effect::SaveState(state)) = saved.iter().find(|e| matches!(e, Effect::SaveState(_))) else {
        panic!("the style is saved: {saved:?}");
    };
    assert_eq!(state.preferences.subtitle_style, Some(style));
    // After a restart: the same look, and the delay goes with the track chosen at tune.
    let mut shell = started(settings(true, "fra", false), (**state).clone());
    assert_eq!(shell.view().subtitle_style, style);
    assert_eq!(
        delays(&report(&mut shell, french_tracks("r-"))),
        [("r-889".to_string(), -1_500)]
    );
    // A state file edited by hand cannot push the delay beyond ±5 s.
    let mut wild = (**state).clone();
    wild.preferences.subtitle_style = Some(SubtitleStyle {
        delay_ms: 60_000,
        ..style
    });
    let shell = started(Settings::default(), wild);
    assert_eq!(shell.view().subtitle_style.delay_ms, 5_000);
}
