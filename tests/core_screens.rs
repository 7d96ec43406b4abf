// SPDX-License-Identifier: GPL-3.0-or-later
//! Scenario tests of the screens over live TV: channel list, guide grid, menu with the on-screen
//! keyboard, parental PIN and standby. Events in, effects and view out; timers are simulated.

mod common;

use common::{Shell, key, lineup, played};
use zapbox::core::{
    Action, Aspect, Effect, Event, GUIDE_REFRESH_MS, GUIDE_ROWS, GuideHandle, ListRef, MenuItem, MenuPage,
    Notice, PREVIEW_AFTER_MS, ParentalSettings, Phase, PinPurpose, PlayerCommand, ProgrammeView, SavedState,
    ScreenView, Settings, pin_lock::verify_pin,
};
use zapbox::demo::showcase;
use zapbox::lineup::ChannelKey;

/// 2026-11-22 20:00 UTC.
const EVENING_S: i64 = 1_795_377_600;

fn list_of(shell: &Shell) -> zapbox::core::ChannelListView {
    match shell.view().screen {
        ScreenView::ChannelList(list) => list,
        other => panic!("expected the channel list, got {other:?}"),
    }
}

fn guide_of(shell: &Shell) -> zapbox::core::GuideView {
    match shell.view().screen {
        ScreenView::Guide(grid) => grid,
        other => panic!("expected the guide, got {other:?}"),
    }
}

/// The guide's own programmes of `key` (XMLTV, no live overlay) as the screens show them.
fn window(guide: &GuideHandle, key: &ChannelKey, from_s: i64, to_s: i64) -> Vec<ProgrammeView> {
    guide
        .0
        .window(key, from_s, to_s)
        .iter()
        .map(ProgrammeView::from)
        .collect()
}

/// Now and next on `key` from the guide's own programmes.
fn now_next(
    guide: &GuideHandle,
    key: &ChannelKey,
    now_s: i64,
) -> (Option<ProgrammeView>, Option<ProgrammeView>) {
    let nn = guide.0.now_next(key, now_s);
    (
        nn.now.as_ref().map(ProgrammeView::from),
        nn.next.as_ref().map(ProgrammeView::from),
    )
}

/// A started shell on the showcase lineup with its generated guide, at 20:00.
fn with_guide(channels: usize) -> (Shell, GuideHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let lineup = showcase::lineup(channels);
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let mut shell = Shell::new(lineup, SavedState::default());
    shell.now_ms = EVENING_S as u64 * 1000;
    shell.send(Event::GuideLoaded(guide.clone()));
    shell.send(Event::Started);
    shell.first_frame();
    shell.log.clear();
    (shell, guide, dir)
}

#[test]
fn ok_opens_the_list_on_the_playing_channel_and_ok_watches_the_focused_one() {
    let mut shell = Shell::started(lineup(&[1, 2, 3, 4]));
    shell.press(Action::Ok);
    let list = list_of(&shell);
    assert_eq!((list.position, list.total), (0, 4));
    assert!(list.rows[list.focus_row].playing);
    shell.press(Action::Down);
    shell.press(Action::Down);
    assert_eq!(list_of(&shell).position, 2);
    assert_eq!(played(&shell.press(Action::Ok)), ["ch3"]);
    assert_eq!(shell.view().screen, ScreenView::Live);
    assert!(shell.view().banner_visible, "the banner follows the zap");
}

#[test]
fn the_preview_follows_a_resting_focus_and_back_returns_to_the_channel_watched() {
    let mut shell = Shell::started(lineup(&[1, 2, 3]));
    shell.press(Action::Ok);
    shell.press(Action::Down);
    assert!(
        played(&shell.advance(PREVIEW_AFTER_MS / 2)).is_empty(),
        "no preview while moving"
    );
    shell.press(Action::Down);
    assert_eq!(
        played(&shell.advance(PREVIEW_AFTER_MS)),
        ["ch3"],
        "one preview once the focus rests"
    );
    assert_eq!(
        shell.core.saved_state().last_channel,
        Some(key("ch1")),
        "a preview is not a zap"
    );
    assert_eq!(played(&shell.press(Action::Back)), ["ch1"]);
    assert_eq!(shell.view().screen, ScreenView::Live);
}

#[test]
fn left_and_right_switch_between_all_channels_groups_and_favourites() {
    let mut shell = Shell::started(lineup(&[1, 2, 3, 4]));
    shell.press(Action::Ok);
    shell.press(Action::Yellow);
    assert_eq!(
        shell.view().notice,
        Some(Notice::Favourite {
            list: "Favourites".into(),
            added: true
        })
    );
    let lists: Vec<ListRef> = (0..4)
        .map(|_| {
            shell.press(Action::Right);
            list_of(&shell).list
        })
        .collect();
    assert_eq!(
        lists,
        [
            ListRef::Group("Sport".into()),
            ListRef::Group("News".into()),
            ListRef::Favourites("Favourites".into()),
            ListRef::All
        ]
    );
    shell.press(Action::Left);
    assert_eq!(
        list_of(&shell).total,
        1,
        "the favourites list holds the one channel added"
    );
}

#[test]
fn the_list_pages_and_wraps_over_five_thousand_channels_building_only_visible_rows() {
    let numbers: Vec<u32> = (1..=5000).collect();
    let mut shell = Shell::started(lineup(&numbers));
    shell.press(Action::Ok);
    shell.press(Action::Up);
    let list = list_of(&shell);
    assert_eq!(list.position, 4999, "up from the first wraps to the last");
    assert_eq!(list.rows.len(), zapbox::core::LIST_ROWS);
    assert_eq!(list.rows[list.focus_row].channel.number, 5000);
    shell.press(Action::ChannelUp);
    assert_eq!(list_of(&shell).position, 4989);
}

#[test]
fn typed_digits_in_the_list_move_the_focus_instead_of_zapping() {
    let mut shell = Shell::started(lineup(&[1, 2, 3, 40]));
    shell.press(Action::Ok);
    assert!(played(&shell.type_digits("40")).is_empty());
    shell.advance(2_000);
    assert_eq!(list_of(&shell).position, 3);
    assert_eq!(shell.requested().as_deref(), Some("ch1"));
}

#[test]
fn the_guide_opens_at_now_on_the_playing_channel_and_moves_by_programme() {
    let (mut shell, guide, _dir) = with_guide(30);
    shell.press(Action::Guide);
    let grid = guide_of(&shell);
    assert_eq!((grid.position, grid.from_s), (0, EVENING_S));
    assert_eq!(grid.rows.len(), GUIDE_ROWS);
    let row0 = shell.core.lineup().channels[0].key.clone();
    let now = window(&guide, &row0, EVENING_S, EVENING_S + 1);
    assert_eq!(
        grid.focused.as_ref(),
        now.first(),
        "the programme on now has the focus"
    );
    assert!(grid.rows[0].cells.iter().any(|c| c.focused));

    shell.press(Action::Right);
    let next = window(&guide, &row0, now[0].stop_s, now[0].stop_s + 1);
    assert_eq!(
        guide_of(&shell).focused.as_ref(),
        next.first(),
        "RIGHT: the next programme"
    );
    shell.press(Action::Left);
    assert_eq!(guide_of(&shell).focused.as_ref(), now.first(), "LEFT: back");

    shell.press(Action::Down);
    let grid = guide_of(&shell);
    let row1 = shell.core.lineup().channels[1].key.clone();
    assert_eq!(grid.position, 1);
    assert_eq!(
        grid.focused.as_ref(),
        window(&guide, &row1, now[0].start_s, now[0].start_s + 1).first(),
        "DOWN keeps the time"
    );
    shell.press(Action::ChannelDown);
    assert_eq!(guide_of(&shell).position, 1 + GUIDE_ROWS);
    let before = guide_of(&shell).from_s;
    shell.press(Action::FastForward);
    assert_eq!(
        guide_of(&shell).from_s,
        before + 86_400,
        "FAST FORWARD: a day later"
    );
    shell.press(Action::Red);
    assert_eq!(guide_of(&shell).from_s, EVENING_S, "RED: back to now");
    let expected = shell.core.lineup().channels[1 + GUIDE_ROWS].key.0.clone();
    assert_eq!(
        played(&shell.press(Action::Ok)),
        [expected],
        "OK watches the focused channel"
    );
    assert_eq!(shell.view().screen, ScreenView::Live);
}

#[test]
fn the_banner_shows_now_and_next_from_the_guide() {
    let (shell, guide, _dir) = with_guide(3);
    let view = shell.view();
    let key = shell.core.lineup().channels[0].key.clone();
    let (now, next) = now_next(&guide, &key, EVENING_S);
    assert!(now.is_some() && next.is_some());
    assert_eq!((view.now, view.next), (now, next));
}

#[test]
fn the_guide_without_data_still_moves_by_half_hours() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.now_ms = EVENING_S as u64 * 1000 + 600_000;
    shell.press(Action::Guide);
    let grid = guide_of(&shell);
    assert!(!grid.has_guide);
    assert_eq!(grid.rows[0].cells.len(), 1, "one 'no information' cell");
    assert!(grid.rows[0].cells[0].focused);
    shell.press(Action::Right);
    assert_eq!(guide_of(&shell).from_s, EVENING_S, "still in the window");
    for _ in 0..4 {
        shell.press(Action::Right);
    }
    assert!(
        guide_of(&shell).from_s > EVENING_S,
        "the window follows the focus"
    );
}

/// Where `item` stands on the menu's main page.
fn main_position(shell: &Shell, item: MenuItem) -> usize {
    let items = shell.core.menu_items(MenuPage::Main);
    items
        .iter()
        .position(|l| l.item == item)
        .expect("the item is on the main page")
}

#[test]
fn menu_choices_change_settings_and_are_saved() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.press(Action::Menu);
    shell.press(Action::Down);
    shell.press(Action::Down);
    shell.press(Action::Right);
    assert_eq!(shell.core.settings().audio_language, "deu");
    // Past "Audio description" and "Subtitles" to the picture format.
    shell.press(Action::Down);
    shell.press(Action::Down);
    shell.press(Action::Down);
    shell.press(Action::Left);
    assert_eq!(
        shell.core.settings().aspect,
        Aspect::Stretch,
        "LEFT wraps to the last fit"
    );
    assert_eq!(shell.view().aspect, Aspect::Stretch);
    let saved = shell.advance(2_000);
    let Some(Effect::SaveState(state)) = saved.iter().find(|e| matches!(e, Effect::SaveState(_))) else {
        panic!("the choices are saved: {saved:?}");
    };
    assert_eq!(state.preferences.audio_language.as_deref(), Some("deu"));
    assert_eq!(state.preferences.aspect, Some(Aspect::Stretch));
    shell.press(Action::Back);
    assert_eq!(shell.view().screen, ScreenView::Live);
}

#[test]
fn a_playlist_address_typed_with_the_remote_reloads_the_sources() {
    let mut shell = Shell::started(lineup(&[1]));
    shell.press(Action::Menu);
    shell.press(Action::Ok); // Playlists
    let items = shell.core.menu_items(MenuPage::Playlists);
    assert_eq!(items.last().map(|i| i.item), Some(MenuItem::AddSource));
    shell.press(Action::Ok); // the only item: add an address
    // Row 2 holds "0123456789.:/": LEFT from its first key wraps to '/'.
    shell.press(Action::Down);
    shell.press(Action::Down);
    shell.press(Action::Left);
    shell.press(Action::Ok);
    shell.press(Action::Digit(7));
    shell.press(Action::Down);
    shell.press(Action::Down); // the special row: the column is kept in range, on Done
    let effects = shell.press(Action::Ok);
    assert!(effects.contains(&Effect::ReloadSources {
        playlists: vec!["/7".into()],
        guides: vec![],
    }));
    assert_eq!(shell.core.saved_state().sources.playlists, ["/7"]);
}

#[test]
fn a_locked_channel_plays_only_after_the_right_pin() {
    let settings = Settings {
        parental: ParentalSettings {
            pin: Some("4321".into()),
            locked_channels: vec![key("ch2")],
            locked_groups: vec![],
        },
        ..Settings::default()
    };
    let mut shell = Shell::with_settings(lineup(&[1, 2, 3]), settings);
    shell.send(Event::Started);
    shell.first_frame();
    let effects = shell.press(Action::ChannelUp);
    assert!(played(&effects).is_empty(), "nothing of a locked channel plays");
    assert!(
        effects.contains(&Effect::Player(PlayerCommand::Stop)),
        "nor the previous channel"
    );
    let view = shell.view();
    assert_eq!(view.phase, Some(Phase::Locked));
    let pin = view.pin.expect("the PIN is asked for");
    assert_eq!(pin.purpose, PinPurpose::Unlock(key("ch2")));

    assert!(played(&shell.type_digits("0000")).is_empty());
    assert!(shell.view().pin.expect("asked again").wrong);
    assert_eq!(played(&shell.type_digits("4321")), ["ch2"]);
    assert!(shell.view().pin.is_none());

    shell.press(Action::ChannelUp);
    assert_eq!(
        played(&shell.press(Action::ChannelDown)),
        ["ch2"],
        "unlocked until standby"
    );
}

#[test]
fn the_pin_is_changed_with_the_old_one_and_the_new_one_twice() {
    let mut shell = Shell::started(lineup(&[1]));
    shell.press(Action::Menu);
    for _ in 0..main_position(&shell, MenuItem::Parental) {
        shell.press(Action::Down);
    }
    shell.press(Action::Ok); // parental page
    shell.press(Action::Ok); // change the PIN
    shell.type_digits("0000");
    shell.type_digits("1111");
    shell.type_digits("2222");
    assert!(shell.view().pin.expect("mismatch asks again").wrong);
    shell.type_digits("1111");
    let effects = shell.type_digits("1111");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveState(s) if s.parental.pin_hash.as_deref().is_some_and(|h| verify_pin("1111", h))))
    );
    let saved = shell.core.saved_state();
    assert_eq!(saved.parental.pin, None, "never stored in clear");
    assert!(!serde_json::to_string(&saved).expect("json").contains("1111"));
    assert_eq!(shell.view().notice, Some(Notice::PinChanged));
    // The new PIN works, the old one no longer.
    shell.press(Action::Ok);
    shell.type_digits("0000");
    assert!(shell.view().pin.expect("wrong").wrong);
    shell.type_digits("1111");
    assert_eq!(shell.view().pin.map(|p| p.purpose), Some(PinPurpose::ChangeNew));
}

fn locked_ch2() -> Settings {
    Settings {
        parental: ParentalSettings {
            pin: Some("4321".into()),
            locked_channels: vec![key("ch2")],
            locked_groups: vec![],
        },
        ..Settings::default()
    }
}

/// Five wrong PINs in a row lock the prompt for 30 s, each further one doubles it; while locked
/// even the right PIN is not taken; the count survives a restart (it is in the saved state).
#[test]
fn wrong_pins_lock_the_prompt_exponentially_across_restarts() {
    let mut shell = Shell::with_settings(lineup(&[1, 2, 3]), locked_ch2());
    shell.send(Event::Started);
    shell.first_frame();
    shell.press(Action::ChannelUp);
    for n in 1..=4 {
        shell.type_digits("0000");
        assert_eq!(shell.core.saved_state().parental.failed_pins, n);
        assert_eq!(shell.core.saved_state().parental.pin_locked_until_ms, None);
    }
    let effects = shell.type_digits("0000");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveState(s) if s.parental.failed_pins == 5))
    );
    assert_eq!(shell.view().notice, Some(Notice::PinLocked { minutes: 1 }));
    let until = shell
        .core
        .saved_state()
        .parental
        .pin_locked_until_ms
        .expect("locked");
    assert_eq!(until - shell.now().utc_ms, 30_000);
    assert!(
        played(&shell.type_digits("4321")).is_empty(),
        "not even the right PIN while locked"
    );

    // Power cut: a new core with the saved state is still locked.
    let (saved, now_ms) = (shell.core.saved_state().clone(), shell.now_ms);
    let mut shell = Shell::with_settings_and_state(lineup(&[1, 2, 3]), locked_ch2(), saved);
    shell.now_ms = now_ms;
    shell.send(Event::Started);
    // The last channel was the locked one: the start asks for the PIN at once.
    assert_eq!(
        shell.view().pin.map(|p| p.purpose),
        Some(PinPurpose::Unlock(key("ch2")))
    );
    assert!(
        played(&shell.type_digits("4321")).is_empty(),
        "still locked after a restart"
    );
    assert_eq!(shell.view().notice, Some(Notice::PinLocked { minutes: 1 }));

    shell.advance(30_000);
    shell.type_digits("1111");
    let until = shell
        .core
        .saved_state()
        .parental
        .pin_locked_until_ms
        .expect("locked longer");
    assert_eq!(
        until - shell.now().utc_ms,
        60_000,
        "the sixth wrong PIN locks twice as long"
    );
    shell.advance(60_000);
    assert_eq!(played(&shell.type_digits("4321")), ["ch2"]);
    let parental = &shell.core.saved_state().parental;
    assert_eq!((parental.failed_pins, parental.pin_locked_until_ms), (0, None));
}

#[test]
fn power_stops_everything_and_any_key_wakes_to_the_last_channel() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.press(Action::ChannelUp);
    shell.press(Action::Guide);
    let effects = shell.press(Action::Power);
    assert!(effects.contains(&Effect::Player(PlayerCommand::Stop)));
    assert!(effects.iter().any(|e| matches!(e, Effect::SaveState(_))));
    let view = shell.view();
    assert!(view.standby && view.requested.is_none() && view.screen == ScreenView::Live);

    let effects = shell.press(Action::Digit(5));
    assert_eq!(
        played(&effects),
        ["ch2"],
        "the key only wakes; the last channel plays"
    );
    assert!(!shell.view().standby);
}

#[test]
fn a_new_lineup_closes_the_list_but_not_the_menu() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.press(Action::Ok);
    shell.send(Event::LineupLoaded(lineup(&[1, 2, 3]).into()));
    assert_eq!(shell.view().screen, ScreenView::Live);
    shell.press(Action::Menu);
    shell.send(Event::LineupLoaded(lineup(&[1]).into()));
    assert!(matches!(shell.view().screen, ScreenView::Menu(_)));
}

#[test]
fn the_viewer_picks_the_guide_of_a_channel_from_the_closest_names() {
    let (mut shell, _guide, _dir) = with_guide(12);
    shell.press(Action::Menu);
    for _ in 0..main_position(&shell, MenuItem::GuideMatch) {
        shell.press(Action::Down);
    }
    shell.press(Action::Ok); // guide for this channel
    let ScreenView::Menu(menu) = shell.view().screen else {
        panic!("the menu is open");
    };
    assert_eq!(menu.page, MenuPage::GuideMatch);
    assert_eq!(menu.items[0].item, MenuItem::GuideAuto);
    assert!(menu.items.len() > 2, "candidates are offered: {:?}", menu.items);
    let candidates = shell.core.guide_candidates();
    assert!(
        candidates.windows(2).all(|w| w[0].score >= w[1].score),
        "best first"
    );
    shell.press(Action::Down);
    shell.press(Action::Down);
    let effects = shell.press(Action::Ok);
    let chosen = candidates[1].id.clone();
    let playing = shell.core.lineup().channels[0].key.clone();
    assert!(effects.iter().any(
        |e| matches!(e, Effect::RebuildGuide { overrides } if overrides.get(&playing) == Some(&chosen))
    ));
    assert_eq!(
        shell.core.saved_state().guide_overrides.get(&playing),
        Some(&chosen)
    );
    shell.press(Action::Up);
    shell.press(Action::Up);
    shell.press(Action::Ok);
    assert!(
        shell.core.saved_state().guide_overrides.is_empty(),
        "automatic matching again"
    );
}

fn eit_section(table_id: u8, title: &str, start: i64) -> zapbox::mpegts::eit::EitSection {
    zapbox::mpegts::eit::EitSection {
        service: zapbox::mpegts::eit::DvbService {
            original_network_id: 1,
            transport_stream_id: 1,
            service_id: 1,
        },
        table_id,
        version: 1,
        section_number: 0,
        events: vec![zapbox::mpegts::eit::EitEvent {
            event_id: 7,
            start: Some(start),
            duration_s: 1800,
            running_status: 4,
            language: "eng".into(),
            title: title.into(),
            short_text: String::new(),
            extended_text: String::new(),
            content: Vec::new(),
            parental: Vec::new(),
            text_coding: Default::default(),
        }],
    }
}

#[test]
fn the_streams_own_eit_corrects_now_on_the_tuned_channel() {
    // The test keeps its own handle: the guide is shared, as when an adapter or a replacement
    // being loaded holds it. The core's overlay does not depend on that.
    let (mut shell, guide, _dir) = with_guide(3);
    let request = shell.last_request();
    let other = eit_section(0x4f, "Another Stream's Show", EVENING_S - 60);
    shell.send(Event::Player(zapbox::core::PlayerEvent::Eit {
        request,
        sections: vec![other],
    }));
    assert_ne!(
        shell.view().now.map(|p| p.title).as_deref(),
        Some("Another Stream's Show")
    );
    let actual = eit_section(0x4e, "Breaking EIT News", EVENING_S - 600);
    shell.send(Event::Player(zapbox::core::PlayerEvent::Eit {
        request,
        sections: vec![actual],
    }));
    let now = shell.view().now.expect("now is known");
    assert_eq!(
        now.title, "Breaking EIT News",
        "the stream's present event wins when times disagree"
    );
    assert_eq!((now.start_s, now.stop_s), (EVENING_S - 600, EVENING_S + 1200));
    let tuned = shell.view().on_screen.expect("a channel plays").key;
    let shared = guide
        .0
        .now_next(&tuned, EVENING_S)
        .now
        .map(|l| l.title.to_owned());
    assert_ne!(
        shared.as_deref(),
        Some("Breaking EIT News"),
        "the shared guide itself is untouched"
    );
    // A reloaded guide (a refresh, a new match) keeps what the stream announced.
    shell.send(Event::GuideLoaded(GuideHandle(std::sync::Arc::clone(&guide.0))));
    assert_eq!(shell.view().now.expect("now is known").title, "Breaking EIT News");
}

#[test]
fn the_guide_is_fetched_again_on_the_cores_timer() {
    let epg = "http://guide.example/epg.xml".to_string();
    let settings = Settings {
        guides: vec![epg.clone()],
        ..Settings::default()
    };
    let mut shell = Shell::with_settings(lineup(&[1, 2]), settings);
    shell.send(Event::Started);
    let refreshes = |effects: Vec<Effect>| -> Vec<Effect> {
        effects
            .into_iter()
            .filter(|e| matches!(e, Effect::RefreshGuide { .. }))
            .collect()
    };
    assert!(refreshes(shell.advance(GUIDE_REFRESH_MS - 1)).is_empty());
    let due = Effect::RefreshGuide {
        guides: vec![epg.clone()],
    };
    assert_eq!(refreshes(shell.advance(1)), std::slice::from_ref(&due));
    assert!(refreshes(shell.advance(GUIDE_REFRESH_MS - 1)).is_empty());
    assert_eq!(
        refreshes(shell.advance(1)),
        [due],
        "and again, period after period"
    );
}

/// An operator's EIT barker: channel 1's stream named its DVB service in its PAT and SDT (it
/// carries no EIT of its own); later, channel 2's stream carries EIT *other* for that service,
/// which reaches channel 1's guide though channel 1 is not tuned. A section whose ids differ in
/// the transport stream (same service id) does not.
#[test]
fn eit_other_tables_fill_the_guide_of_channels_not_tuned() {
    let (mut shell, guide, _dir) = with_guide(3);
    drop(guide);
    let first = shell.last_request();
    shell.send(Event::Player(zapbox::core::PlayerEvent::Service {
        request: first,
        service: zapbox::mpegts::eit::DvbService {
            original_network_id: 1,
            transport_stream_id: 1,
            service_id: 101,
        },
    }));
    shell.press(Action::ChannelUp);
    shell.first_frame();
    let second = shell.last_request();
    assert_ne!(first, second, "channel 2 is tuned");
    let mut barker = eit_section(0x4f, "Barker News For One", EVENING_S - 300);
    barker.service.service_id = 101;
    let mut unknown = eit_section(0x4f, "Nobody's Show", EVENING_S - 300);
    unknown.service.service_id = 999;
    let mut elsewhere = eit_section(0x4f, "Same Service Id Elsewhere", EVENING_S - 300);
    elsewhere.service.service_id = 101;
    elsewhere.service.transport_stream_id = 2;
    shell.send(Event::Player(zapbox::core::PlayerEvent::Eit {
        request: second,
        sections: vec![elsewhere.clone(), barker, unknown, elsewhere],
    }));
    assert_ne!(
        shell.view().now.map(|p| p.title).as_deref(),
        Some("Barker News For One"),
        "not channel 2's"
    );
    shell.press(Action::ChannelDown);
    let now = shell.view().now.expect("now is known on channel 1");
    assert_eq!(now.title, "Barker News For One");
}

/// The wall clock steps an hour forward, then two back: the guide grid that showed "now" shows
/// the new "now" (the focus moves with the clock), the banner clock follows, and a PIN lockout
/// keeps the time it had left (it is a duration, not a time of day).
#[test]
fn a_clock_step_moves_the_guides_now_and_keeps_the_pin_lockout() {
    let mut shell = Shell::with_settings(lineup(&[1, 2, 3]), locked_ch2());
    shell.utc_offset_ms = EVENING_S * 1000 - shell.now_ms as i64 + 600_000;
    shell.send(Event::Started);
    shell.first_frame();
    shell.press(Action::Guide);
    let at_now = guide_of(&shell);
    assert_eq!(at_now.from_s, EVENING_S);

    shell.step_clock(3_600_000);
    let grid = guide_of(&shell);
    assert_eq!(grid.from_s, EVENING_S + 3600, "the grid moved to the new now");
    assert_eq!(shell.view().clock_utc_ms, (EVENING_S + 3600 + 600) * 1000);
    shell.step_clock(-7_200_000);
    assert_eq!(guide_of(&shell).from_s, EVENING_S - 3600);
    // A measured step is never exact: an hour forward seen as 3,599.997 s still shows "now".
    shell.step_clock(3_599_997);
    assert_eq!(
        guide_of(&shell).from_s,
        EVENING_S,
        "a step a little under an hour"
    );
    shell.step_clock(-3_600_004);
    assert_eq!(
        guide_of(&shell).from_s,
        EVENING_S - 3600,
        "a little over an hour back"
    );

    // Locked out for 30 s; the clock is set back an hour; 30 s still left, then open.
    shell.press(Action::Back);
    shell.press(Action::ChannelUp);
    for _ in 0..5 {
        shell.type_digits("0000");
    }
    let left = |shell: &Shell| {
        shell
            .core
            .saved_state()
            .parental
            .pin_locked_until_ms
            .expect("locked")
            - shell.now().utc_ms
    };
    assert_eq!(left(&shell), 30_000);
    let effects = shell.step_clock(-3_600_000);
    assert_eq!(left(&shell), 30_000, "a step back does not lengthen the lockout");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::SaveState(_))),
        "the moved lockout is saved"
    );
    shell.step_clock(3_600_000 * 2);
    assert_eq!(left(&shell), 30_000, "a step forward does not end it");
    assert!(
        played(&shell.type_digits("4321")).is_empty(),
        "still locked after the step"
    );
    shell.advance(30_000);
    assert!(!played(&shell.type_digits("4321")).is_empty(), "open after 30 s");
}
