// SPDX-License-Identifier: GPL-3.0-or-later
//! Scenario tests of the phone companion in the core: the menu item opens pairing, the phone's
//! source changes follow the TV's rules and messages, text goes into the TV's open keyboard field,
//! and the phone's view shows the box's state. The HTTP side is tested in a real browser
//! (`tests/companion_browser.rs`).

mod common;

use common::{Shell, lineup};
use zapbox::core::{
    Action, CompanionCommand, CompanionEvent, CompanionStatus, Effect, Event, MenuItem, MenuPage, MenuValue,
    Notice, PhoneRequest, ScreenView, Settings, SourceKind,
};

fn phone(shell: &mut Shell, request: PhoneRequest) -> Vec<Effect> {
    shell.send(Event::Phone(request))
}

fn reloads(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::ReloadSources { .. }))
}

fn item(shell: &Shell, page: MenuPage, item: MenuItem) -> MenuValue {
    let items = shell.core.menu_items(page);
    let line = items.iter().find(|l| l.item == item);
    line.map_or(MenuValue::None, |l| l.value.clone())
}

fn address(shell: &Shell) -> MenuValue {
    item(shell, MenuPage::Phone, MenuItem::PhoneAddress)
}

fn status(shell: &Shell) -> MenuValue {
    item(shell, MenuPage::Phone, MenuItem::PhoneStatus)
}

#[test]
fn the_menu_item_opens_pairing_and_shows_the_address() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.press(Action::Menu);
    shell.press(Action::Up); // the last item
    let fx = shell.press(Action::Ok);
    assert!(fx.contains(&Effect::Companion(CompanionCommand::Open)));
    assert!(matches!(shell.view().screen, ScreenView::Menu(m) if m.page == MenuPage::Phone));
    assert_eq!(status(&shell), MenuValue::Companion(CompanionStatus::Starting));
    let url = "http://192.168.1.20:8099/pair/abc".to_string();
    shell.send(Event::Companion(CompanionEvent::Listening { url: url.clone() }));
    assert_eq!(address(&shell), MenuValue::Text(url.clone()));
    assert_eq!(
        status(&shell),
        MenuValue::Companion(CompanionStatus::Pairing { url })
    );
    shell.send(Event::Companion(CompanionEvent::Paired));
    assert_eq!(status(&shell), MenuValue::Companion(CompanionStatus::Paired));
    assert_eq!(
        address(&shell),
        MenuValue::Text(String::new()),
        "a spent code is not shown"
    );
    shell.press(Action::Back);
    let last = shell.core.menu_items(MenuPage::Main).len() - 1;
    assert!(
        matches!(shell.view().screen, ScreenView::Menu(m) if m.page == MenuPage::Main && m.focus == last)
    );
}

#[test]
fn switched_off_there_is_no_menu_item() {
    let settings = Settings {
        companion: false,
        ..Settings::default()
    };
    let shell = Shell::with_settings(lineup(&[1]), settings);
    assert!(
        shell
            .core
            .menu_items(MenuPage::Main)
            .iter()
            .all(|l| l.item != MenuItem::Phone)
    );
}

#[test]
fn sources_from_the_phone_follow_the_tvs_rules() {
    let mut shell = Shell::started(lineup(&[1]));
    let add = |url: &str| PhoneRequest::AddSource {
        kind: SourceKind::Playlist,
        url: url.into(),
    };
    let fx = phone(&mut shell, add("  http://example.invalid/a.m3u "));
    assert!(reloads(&fx));
    assert_eq!(
        shell.core.saved_state().sources.playlists,
        ["http://example.invalid/a.m3u"]
    );
    let fx = phone(&mut shell, add("ftp://example.invalid/b.m3u"));
    assert!(!reloads(&fx));
    assert_eq!(
        shell.view().notice,
        Some(Notice::BadAddress("ftp://example.invalid/b.m3u".into()))
    );
    let fx = phone(
        &mut shell,
        PhoneRequest::EditSource {
            kind: SourceKind::Playlist,
            old: "http://example.invalid/a.m3u".into(),
            new: "https://example.invalid/c.m3u".into(),
        },
    );
    assert!(reloads(&fx));
    assert_eq!(
        shell.core.saved_state().sources.playlists,
        ["https://example.invalid/c.m3u"]
    );
    let guide = PhoneRequest::AddSource {
        kind: SourceKind::Guide,
        url: "http://example.invalid/epg.xml".into(),
    };
    phone(&mut shell, guide);
    assert_eq!(
        shell.core.saved_state().sources.guides,
        ["http://example.invalid/epg.xml"]
    );
    let remove = |url: &str| PhoneRequest::RemoveSource {
        kind: SourceKind::Playlist,
        url: url.into(),
    };
    assert!(!reloads(&phone(&mut shell, remove("http://not.there/"))));
    assert!(reloads(&phone(
        &mut shell,
        remove("https://example.invalid/c.m3u")
    )));
    assert!(shell.core.saved_state().sources.playlists.is_empty());
}

#[test]
fn operator_sources_cannot_be_changed_from_the_phone() {
    let settings = Settings {
        playlists: vec!["http://operator.invalid/lineup.m3u".into()],
        ..Settings::default()
    };
    let mut shell = Shell::with_settings(lineup(&[1]), settings);
    let fx = phone(
        &mut shell,
        PhoneRequest::RemoveSource {
            kind: SourceKind::Playlist,
            url: "http://operator.invalid/lineup.m3u".into(),
        },
    );
    assert!(!reloads(&fx));
    assert_eq!(
        shell.core.sources(MenuPage::Playlists),
        ["http://operator.invalid/lineup.m3u"]
    );
}

#[test]
fn text_goes_into_the_open_keyboard_field_only() {
    let mut shell = Shell::started(lineup(&[1]));
    let typed = |text: &str, submit| PhoneRequest::TypeText {
        text: text.into(),
        submit,
    };
    assert!(
        phone(&mut shell, typed("http://x.invalid/", false)).is_empty(),
        "no field open: nothing"
    );
    // MENU, OK on playlists, OK on "add an address".
    for action in [Action::Menu, Action::Ok, Action::Ok] {
        shell.press(action);
    }
    phone(&mut shell, typed("http://x.invalid/list\u{7}.m3u", false));
    let keyboard = |shell: &Shell| match shell.view().screen {
        ScreenView::Menu(m) => m.keyboard.map(|k| k.text),
        _ => None,
    };
    assert_eq!(
        keyboard(&shell).as_deref(),
        Some("http://x.invalid/list.m3u"),
        "control characters dropped"
    );
    assert_eq!(
        shell.core.phone_view(shell.now()).keyboard.as_deref(),
        Some("http://x.invalid/list.m3u")
    );
    let long = "h".repeat(10_000);
    phone(&mut shell, typed(&long, false));
    assert_eq!(
        keyboard(&shell).map(|t| t.len()),
        Some(512),
        "capped like the TV's keyboard"
    );
    phone(&mut shell, typed(&"€".repeat(300), false));
    assert_eq!(
        keyboard(&shell).map(|t| t.len()),
        Some(510),
        "cut at a character boundary"
    );
    let fx = phone(&mut shell, typed("http://x.invalid/list.m3u", true));
    assert!(reloads(&fx));
    assert_eq!(keyboard(&shell), None, "Done closes the keyboard");
    assert_eq!(
        shell.core.saved_state().sources.playlists,
        ["http://x.invalid/list.m3u"]
    );
}

#[test]
fn the_phone_view_shows_channels_and_what_plays() {
    let mut shell = Shell::started(lineup(&[1, 2, 3]));
    shell.first_frame();
    shell.press(Action::ChannelUp);
    let view = shell.core.phone_view(shell.now());
    let numbers: Vec<u32> = view.channels.iter().map(|c| c.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(view.playing.map(|k| k.0), shell.requested());
    assert_eq!(view.keyboard, None);
    assert!(!view.standby);
}

#[test]
fn tap_to_watch_tunes_like_a_zap_and_the_tv_shows_it() {
    let mut shell = Shell::started(lineup(&[1, 2, 3]));
    shell.first_frame();
    let third = shell.core.lineup().channels[2].key.clone();
    let fx = phone(&mut shell, PhoneRequest::Watch(third.clone()));
    assert_eq!(common::played(&fx), std::slice::from_ref(&third.0));
    assert_eq!(shell.requested(), Some(third.0.clone()));
    assert!(shell.view().banner_visible, "the TV shows where it went");
    let unknown = zapbox::lineup::ChannelKey("not.in.the.lineup".into());
    let fx = phone(&mut shell, PhoneRequest::Watch(unknown));
    assert!(
        common::played(&fx).is_empty(),
        "a key the lineup lacks plays nothing"
    );
    assert_eq!(shell.requested(), Some(third.0));
}
