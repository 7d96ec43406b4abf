// SPDX-License-Identifier: GPL-3.0-or-later
//! Audio choice as core scenarios: the audio-description preference picking the AD track at
//! tune (and avoiding it when off, even where the stream makes it the default), the menu's
//! toggle, and the AUDIO key's choice remembered per channel across a restart.

mod common;

use common::{Shell, lineup};
use zapbox::core::{
    Action, AudioKind, AudioPreference, AudioTrack, Effect, Event, MenuItem, MenuPage, MenuValue,
    PlayerCommand, PlayerEvent, SavedState, Settings,
};

fn track(id: &str, language: &str, kind: AudioKind) -> AudioTrack {
    AudioTrack {
        id: id.into(),
        language: Some(language.into()),
        kind,
    }
}

/// A French channel whose AD track comes first and is the stream's default, then the main
/// French track and a German one.
fn french(prefix: &str) -> Vec<AudioTrack> {
    vec![
        track(&format!("{prefix}ad"), "fra", AudioKind::AudioDescription),
        track(&format!("{prefix}fr"), "fre", AudioKind::Main),
        track(&format!("{prefix}de"), "deu", AudioKind::Main),
    ]
}

fn report(shell: &mut Shell, audio: Vec<AudioTrack>, selected: &str) -> Vec<Effect> {
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Tracks {
        request,
        audio,
        selected: Some(selected.into()),
    }))
}

fn asked(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::SelectAudio { track, .. }) => Some(track.clone()),
            _ => None,
        })
        .collect()
}

fn started(settings: Settings, saved: SavedState) -> Shell {
    let mut shell = Shell::with_settings_and_state(lineup(&[1, 2]), settings, saved);
    shell.send(Event::Started);
    shell.log.clear();
    shell
}

fn settings(language: &str, audio_description: bool) -> Settings {
    Settings {
        audio_language: language.into(),
        audio_description,
        ..Settings::default()
    }
}

#[test]
fn the_audio_description_is_picked_when_asked_for_and_avoided_when_not() {
    let cases: [(Settings, &str, &[&str]); 5] = [
        // Off: the AD default is replaced by the main French track.
        (settings("fr", false), "t-ad", &["t-fr"]),
        (settings("fr", true), "t-fr", &["t-ad"]),
        // On, but the language has no AD: its main track.
        (settings("de", true), "t-ad", &["t-de"]),
        // No track in the language: the default stays, unless it is an unwanted AD.
        (settings("ita", false), "t-fr", &[]),
        (settings("ita", false), "t-ad", &["t-fr"]),
    ];
    for (settings, default, expected) in cases {
        let mut shell = started(settings.clone(), SavedState::default());
        let effects = report(&mut shell, french("t-"), default);
        assert_eq!(asked(&effects), expected, "{settings:?} with {default} playing");
    }
}

#[test]
fn the_menu_toggles_the_audio_description_and_the_next_tune_uses_it() {
    let mut shell = started(settings("fr", false), SavedState::default());
    assert_eq!(asked(&report(&mut shell, french("a-"), "a-ad")), ["a-fr"]);
    let value = |shell: &Shell| {
        let main = shell.core.menu_items(MenuPage::Main);
        main.into_iter()
            .find(|l| l.item == MenuItem::AudioDescription)
            .unwrap()
            .value
    };
    assert_eq!(value(&shell), MenuValue::OnOff(false));
    shell.press(Action::Menu);
    let at = shell
        .core
        .menu_items(MenuPage::Main)
        .iter()
        .position(|l| l.item == MenuItem::AudioDescription)
        .unwrap();
    for _ in 0..at {
        shell.press(Action::Down);
    }
    shell.press(Action::Ok);
    assert_eq!(value(&shell), MenuValue::OnOff(true));
    let saved = shell.advance(2_000);
    let Some(Effect::SaveState(state)) = saved.iter().find(|e| matches!(e, Effect::SaveState(_))) else {
        panic!("the choice is saved: {saved:?}");
    };
    assert_eq!(state.preferences.audio_description, Some(true));
    shell.press(Action::Menu);
    shell.press(Action::ChannelUp);
    assert_eq!(asked(&report(&mut shell, french("b-"), "b-fr")), ["b-ad"]);
    // A restart from the saved state keeps the preference over the configuration's.
    let mut shell = started(settings("fr", false), (**state).clone());
    assert_eq!(asked(&report(&mut shell, french("r-"), "r-fr")), ["r-ad"]);
}

#[test]
fn the_audio_key_choice_is_remembered_per_channel_across_a_restart() {
    let mut shell = started(settings("fr", false), SavedState::default());
    assert_eq!(asked(&report(&mut shell, french("a-"), "a-ad")), ["a-fr"]);
    report(&mut shell, french("a-"), "a-fr");
    // AUDIO: to German on channel 1.
    assert_eq!(asked(&shell.press(Action::Audio)), ["a-de"]);
    report(&mut shell, french("a-"), "a-de");
    let saved = shell.advance(2_000);
    let Some(Effect::SaveState(state)) = saved.iter().find(|e| matches!(e, Effect::SaveState(_))) else {
        panic!("the choice is saved: {saved:?}");
    };
    assert_eq!(state.audio.len(), 1, "{:?}", state.audio);
    // Channel 2 has no remembered choice: the preference applies.
    shell.press(Action::ChannelUp);
    assert_eq!(asked(&report(&mut shell, french("b-"), "b-ad")), ["b-fr"]);
    // Back on channel 1 (new ids, as after every tune): German again.
    shell.press(Action::ChannelDown);
    assert_eq!(asked(&report(&mut shell, french("c-"), "c-ad")), ["c-de"]);
    // After a restart from the state file too.
    let mut shell = started(settings("fr", false), (**state).clone());
    assert_eq!(asked(&report(&mut shell, french("r-"), "r-ad")), ["r-de"]);
    // A channel whose remembered track is gone: the preference.
    let mut shell = started(settings("fr", false), (**state).clone());
    let without_german = french("g-").into_iter().take(2).collect();
    assert_eq!(asked(&report(&mut shell, without_german, "g-ad")), ["g-fr"]);
}

/// The preference the player starts each tune with (sent just before its `Play`).
fn preferred(effects: &[Effect]) -> Vec<AudioPreference> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::PreferAudio { preference }) => Some(preference.clone()),
            _ => None,
        })
        .collect()
}

/// Every tune tells the player which track to start with, so the sound starts in the right
/// language instead of switching to it: the settings' language and AD choice, and the
/// channel's remembered track once the viewer picked one — which the player's pick then finds
/// among the next tune's tracks (new ids).
#[test]
fn each_tune_starts_with_the_preferred_track() {
    let mut shell = started(settings("fr", true), SavedState::default());
    shell.press(Action::ChannelUp);
    let effects = shell.press(Action::ChannelDown);
    let tuned = preferred(&effects);
    let [first] = &tuned[..] else {
        panic!("one preference per tune: {effects:?}");
    };
    assert_eq!(
        *first,
        AudioPreference {
            remembered: None,
            language: "fr".into(),
            description: true,
        }
    );
    // The AD preference picks the description among the tracks the player will find.
    assert_eq!(first.pick(&french("x-")).map(|t| t.id.as_str()), Some("x-ad"));
    report(&mut shell, french("a-"), "a-ad");
    // AUDIO: to German; the next tune of this channel starts in German.
    assert_eq!(asked(&shell.press(Action::Audio)), ["a-fr"]);
    report(&mut shell, french("a-"), "a-fr");
    assert_eq!(asked(&shell.press(Action::Audio)), ["a-de"]);
    report(&mut shell, french("a-"), "a-de");
    shell.press(Action::ChannelUp);
    let back = preferred(&shell.press(Action::ChannelDown));
    let [again] = &back[..] else {
        panic!("one preference per tune: {back:?}");
    };
    assert!(again.remembered.is_some(), "{again:?}");
    assert_eq!(again.pick(&french("y-")).map(|t| t.id.as_str()), Some("y-de"));
    // A preference for nothing in particular leaves the stream's default.
    assert_eq!(AudioPreference::default().pick(&french("z-")), None);
}
