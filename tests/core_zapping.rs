// SPDX-License-Identifier: GPL-3.0-or-later
//! Scenario tests of the core: zapping, digit entry, previous channel, favourites and lists.

mod common;

use common::{Shell, key, lineup, played};
use zapbox::core::{Action, Effect, Event, ListRef, Notice, SavedState};

#[test]
fn start_tunes_the_last_channel_or_the_first() {
    let mut shell = Shell::new(lineup(&[1, 2, 3]), SavedState::default());
    assert_eq!(played(&shell.send(Event::Started)), ["ch1"]);

    let saved = SavedState {
        last_channel: Some(key("ch3")),
        ..SavedState::default()
    };
    let mut shell = Shell::new(lineup(&[1, 2, 3]), saved);
    assert_eq!(played(&shell.send(Event::Started)), ["ch3"]);

    let saved = SavedState {
        last_channel: Some(key("gone")),
        ..SavedState::default()
    };
    let mut shell = Shell::new(lineup(&[1, 2, 3]), saved);
    assert_eq!(
        played(&shell.send(Event::Started)),
        ["ch1"],
        "a vanished last channel falls back to the first"
    );
}

#[test]
fn an_empty_lineup_says_so_and_tunes_nothing() {
    let mut shell = Shell::new(lineup(&[]), SavedState::default());
    assert!(played(&shell.send(Event::Started)).is_empty());
    assert_eq!(shell.view().notice, Some(Notice::NoChannels));
    assert!(played(&shell.press(Action::ChannelUp)).is_empty());
}

#[test]
fn channel_up_and_down_wrap_around() {
    // (presses from channel 1, expected channel after each)
    let cases: &[(&[Action], &[&str])] = &[
        (
            &[Action::ChannelUp, Action::ChannelUp, Action::ChannelUp],
            &["ch5", "ch7", "ch1"],
        ),
        (&[Action::ChannelDown, Action::ChannelDown], &["ch7", "ch5"]),
        (&[Action::Up, Action::Down, Action::Down], &["ch5", "ch1", "ch7"]),
    ];
    for (presses, expected) in cases {
        let mut shell = Shell::started(lineup(&[1, 5, 7]));
        let tuned: Vec<String> = presses.iter().flat_map(|a| played(&shell.press(*a))).collect();
        assert_eq!(&tuned, expected, "presses {presses:?}");
    }
}

#[test]
fn digits_tune_after_the_timeout_or_on_ok() {
    let mut shell = Shell::started(lineup(&[1, 2, 12, 120]));
    assert!(
        played(&shell.type_digits("12")).is_empty(),
        "12 could still become 120"
    );
    assert_eq!(shell.view().digits.as_ref().map(|d| d.typed.as_str()), Some("12"));
    assert_eq!(
        shell.view().digits.and_then(|d| d.target).map(|c| c.number),
        Some(12)
    );
    assert!(played(&shell.advance(1_999)).is_empty());
    assert_eq!(played(&shell.advance(1)), ["ch12"]);
    assert_eq!(shell.view().digits, None);

    assert!(
        played(&shell.type_digits("1")).is_empty(),
        "1 could still become 12 or 120"
    );
    assert_eq!(played(&shell.press(Action::Ok)), ["ch1"], "OK commits at once");
    assert!(
        played(&shell.advance(5_000)).is_empty(),
        "the old timer does nothing"
    );
}

#[test]
fn digits_tune_at_once_when_no_longer_number_exists() {
    let cases: &[(&[u32], &str, Option<&str>)] = &[
        (&[1, 2, 30], "2", Some("ch2")),
        (&[1, 2, 30], "30", Some("ch30")),
        (&[1, 2, 30], "3", None),
        (&[1, 1000, 1234], "1234", Some("ch1234")),
        (&[1, 1000, 1234], "1", None),
    ];
    for (numbers, typed, expected) in cases {
        let mut shell = Shell::started(lineup(numbers));
        let tuned = played(&shell.type_digits(typed));
        assert_eq!(
            tuned.first().map(String::as_str),
            *expected,
            "typing {typed} with {numbers:?}"
        );
    }
}

#[test]
fn a_fifth_digit_starts_a_new_number() {
    let mut shell = Shell::started(lineup(&[1, 5, 1234]));
    assert_eq!(played(&shell.type_digits("1234")), ["ch1234"]);
    shell.type_digits("5");
    assert_eq!(shell.view().digits.map(|d| d.typed), None, "5 tuned at once");
    assert_eq!(shell.requested().as_deref(), Some("ch5"));
}

#[test]
fn unknown_numbers_are_ignored_with_a_notice() {
    let mut shell = Shell::started(lineup(&[1, 2, 300]));
    shell.type_digits("30");
    let effects = shell.advance(2_000);
    assert!(played(&effects).is_empty());
    assert_eq!(shell.requested().as_deref(), Some("ch1"));
    assert_eq!(shell.view().notice, Some(Notice::NoSuchChannel(30)));
    shell.advance(4_000);
    assert_eq!(shell.view().notice, None, "the notice hides by itself");
}

#[test]
fn back_cancels_digit_entry() {
    let mut shell = Shell::started(lineup(&[1, 10, 11]));
    shell.type_digits("1");
    shell.press(Action::Back);
    assert!(played(&shell.advance(5_000)).is_empty());
    assert_eq!(shell.view().digits, None);
}

#[test]
fn last_and_zero_recall_the_previous_channel() {
    let mut shell = Shell::started(lineup(&[1, 2, 3, 4]));
    shell.type_digits("3");
    assert_eq!(played(&shell.press(Action::Last)), ["ch1"]);
    assert_eq!(played(&shell.press(Action::Last)), ["ch3"]);
    assert_eq!(
        played(&shell.type_digits("0")),
        ["ch1"],
        "a lone 0 is previous channel"
    );
    assert_eq!(
        shell.core.saved_state().history,
        [key("ch1"), key("ch3")],
        "history is most recent first, without duplicates"
    );
}

#[test]
fn previous_channel_is_a_no_op_without_history() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    assert!(played(&shell.press(Action::Last)).is_empty());
}

#[test]
fn reselecting_the_playing_channel_does_not_retune() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    assert_eq!(shell.requested().as_deref(), Some("ch1"));
    assert!(played(&shell.type_digits("1")).is_empty());
    assert!(shell.view().banner_visible);
}

#[test]
fn favourites_list_is_walked_in_the_viewers_order() {
    let mut shell = Shell::started(lineup(&[1, 2, 3, 4, 5]));
    for number in ["4", "2", "5"] {
        favourite(&mut shell, number);
    }
    shell.press(Action::Favorites);
    assert_eq!(shell.view().list, ListRef::Favourites("Favourites".into()));
    assert_eq!(
        shell.view().notice,
        Some(Notice::ListChanged(ListRef::Favourites("Favourites".into())))
    );
    // ch1 is not in the list: up goes to its first member, then in list order with wrap.
    let tuned: Vec<String> = (0..4)
        .flat_map(|_| played(&shell.press(Action::ChannelUp)))
        .collect();
    assert_eq!(tuned, ["ch4", "ch2", "ch5", "ch4"]);
    shell.press(Action::Favorites);
    assert_eq!(
        shell.view().list,
        ListRef::All,
        "FAVORITES cycles back to all channels"
    );
}

#[test]
fn toggling_a_favourite_twice_removes_it_and_the_empty_list() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    favourite(&mut shell, "2");
    assert_eq!(shell.core.saved_state().favourites["Favourites"], [key("ch2")]);
    favourite(&mut shell, "2");
    assert!(shell.core.saved_state().favourites.is_empty());
    shell.press(Action::Favorites);
    assert_eq!(shell.view().list, ListRef::All, "no empty list to cycle to");
}

#[test]
fn state_is_saved_once_after_a_burst_of_changes() {
    let mut shell = Shell::started(lineup(&[1, 2, 3]));
    shell.advance(10_000);
    shell.log.clear();
    for _ in 0..10 {
        shell.press(Action::VolumeUp);
        shell.advance(100);
    }
    shell.press(Action::ChannelUp);
    let saves: Vec<_> = shell
        .advance(5_000)
        .into_iter()
        .filter(|e| matches!(e, Effect::SaveState(_)))
        .collect();
    assert_eq!(saves.len(), 1, "one flash write for the whole burst");
    let Effect::SaveState(saved) = &saves[0] else {
        unreachable!()
    };
    assert_eq!(saved.volume_percent, 100);
    assert_eq!(saved.last_channel, Some(key("ch2")));
}

#[test]
fn volume_is_clamped_and_unmutes() {
    let mut shell = Shell::started(lineup(&[1]));
    shell.press(Action::Mute);
    assert!(shell.view().muted);
    for _ in 0..30 {
        shell.press(Action::VolumeDown);
    }
    assert_eq!(shell.view().volume_percent, 0);
    assert!(!shell.view().muted, "changing the volume unmutes");
}

#[test]
fn shutdown_stops_and_saves_immediately() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.press(Action::ChannelUp);
    let effects = shell.send(Event::Shutdown);
    assert!(matches!(effects.last(), Some(Effect::SaveState(s)) if s.last_channel == Some(key("ch2"))));
}

#[test]
fn a_group_list_zaps_within_the_group() {
    let mut shell = Shell::started(lineup(&[1, 2, 3, 4, 5, 6]));
    // The channel list's lists: all, then the groups in lineup order (Sport, News).
    shell.press(Action::Ok);
    shell.press(Action::Right);
    shell.press(Action::Right);
    assert_eq!(played(&shell.press(Action::Ok)), ["ch2"], "the first of News");
    assert_eq!(shell.view().list, ListRef::Group("News".into()));
    let tuned: Vec<String> = (0..4)
        .flat_map(|_| played(&shell.press(Action::ChannelUp)))
        .collect();
    assert_eq!(tuned, ["ch4", "ch6", "ch2", "ch4"], "even channels are News");
    assert_eq!(played(&shell.press(Action::ChannelDown)), ["ch2"]);
}

/// YELLOW on channel `number` in the channel list: added to or removed from the favourites.
fn favourite(shell: &mut Shell, number: &str) {
    shell.press(Action::Ok);
    shell.type_digits(number);
    shell.press(Action::Yellow);
    shell.press(Action::Back);
}
