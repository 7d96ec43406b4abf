// SPDX-License-Identifier: GPL-3.0-or-later
//! Scenario tests of the hot-set policy: which channels stay joined besides the live one after each
//! zap (direction, bursts, LAST, numbers), the linger time, the stream budget and the back-off after
//! a refused or silent channel.

mod common;

use common::{Shell, key, lineup};
use zapbox::core::{
    Action, BACKOFF_FIRST_MS, Effect, Event, HotLoss, HotSettings, MenuItem, MenuPage, MenuValue,
    PlayerCommand, PlayerEvent, Settings,
};
use zapbox::lineup::SourceKind;

fn shell_with(hot: HotSettings) -> Shell {
    let settings = Settings {
        hot,
        ..Settings::default()
    };
    let mut shell = Shell::with_settings(lineup(&[1, 2, 3, 4, 5, 6]), settings);
    shell.send(Event::Started);
    shell
}

/// The `Play` among `effects` as `live | hot,hot`.
fn play(effects: &[Effect]) -> String {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Player(PlayerCommand::Play { channel, hot, .. }) => {
                let hot: Vec<&str> = hot.iter().map(|h| h.channel.0.as_str()).collect();
                Some(format!("{} | {}", channel.0, hot.join(",")))
            }
            _ => None,
        })
        .expect("a Play command")
}

/// The hot part of the `Play` among `effects`.
fn hot(effects: &[Effect]) -> String {
    play(effects).split(" | ").nth(1).unwrap_or_default().to_string()
}

/// The hot sets of the `Hot` commands among `effects`.
fn hot_commands(effects: &[Effect]) -> Vec<Vec<String>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::Hot { channels }) => {
                Some(channels.iter().map(|h| h.channel.0.clone()).collect())
            }
            _ => None,
        })
        .collect()
}

fn hot_set(shell: &Shell) -> Vec<String> {
    shell.core.hot_set().iter().map(|k| k.0.clone()).collect()
}

#[test]
fn channel_up_keeps_the_channel_left_and_joins_the_next_in_the_direction() {
    let mut shell = shell_with(HotSettings::default());
    assert_eq!(play(&shell.press(Action::ChannelUp)), "ch2 | ch3,ch1");
    assert_eq!(play(&shell.press(Action::ChannelDown)), "ch1 | ch6,ch2");
    assert_eq!(hot_set(&shell), ["ch6", "ch2"]);
}

#[test]
fn a_burst_moves_the_window_along() {
    let mut shell = shell_with(HotSettings::default());
    let plays: Vec<String> = (0..4).map(|_| play(&shell.press(Action::ChannelUp))).collect();
    assert_eq!(
        plays,
        ["ch2 | ch3,ch1", "ch3 | ch4,ch2", "ch4 | ch5,ch3", "ch5 | ch6,ch4"]
    );
}

#[test]
fn last_keeps_the_channel_left_and_the_direction_of_travel() {
    let mut shell = shell_with(HotSettings::default());
    shell.press(Action::ChannelDown); // 1 -> 6, hot 5 and 1
    shell.press(Action::ChannelDown); // 6 -> 5, hot 4 and 6
    assert_eq!(
        play(&shell.press(Action::Last)),
        "ch6 | ch5",
        "LAST: the channel left, then the next one in the last direction (down from 6 is 5 again)"
    );
    assert_eq!(play(&shell.press(Action::Last)), "ch5 | ch6,ch4");
}

#[test]
fn a_typed_number_keeps_the_channel_left_and_the_next_one_up() {
    let mut shell = shell_with(HotSettings::default());
    assert_eq!(play(&shell.type_digits("4")), "ch4 | ch1,ch5");
}

#[test]
fn hot_channels_linger_then_go_and_standby_drops_them_at_once() {
    let hot = HotSettings {
        linger_ms: 20_000,
        ..HotSettings::default()
    };
    let mut shell = shell_with(hot);
    shell.press(Action::ChannelUp);
    assert!(hot_commands(&shell.advance(19_999)).is_empty());
    assert_eq!(hot_commands(&shell.advance(1)), [Vec::<String>::new()]);
    assert!(hot_set(&shell).is_empty());
    // A zap during the linger time restarts it.
    shell.press(Action::ChannelUp);
    shell.advance(15_000);
    shell.press(Action::ChannelUp);
    assert!(
        hot_commands(&shell.advance(15_000)).is_empty(),
        "the first timer is stale"
    );
    assert_eq!(hot_set(&shell).len(), 2);
    let standby = shell.press(Action::Power);
    assert!(standby.contains(&Effect::Player(PlayerCommand::Stop)));
    assert!(hot_set(&shell).is_empty());
}

#[test]
fn the_stream_budget_limits_streams_and_megabits() {
    // Two streams: one hot channel, the most likely one.
    let mut shell = shell_with(HotSettings {
        max_streams: 2,
        ..HotSettings::default()
    });
    assert_eq!(hot(&shell.press(Action::ChannelUp)), "ch3");
    assert_eq!(hot(&shell.press(Action::Last)), "ch2");

    // One stream: no pre-join at all.
    let mut shell = shell_with(HotSettings::off());
    assert_eq!(hot(&shell.press(Action::ChannelUp)), "");

    // 20 Mbit/s: unmeasured channels count 8 Mbit/s each, so live + one hot.
    let mut shell = shell_with(HotSettings {
        max_mbps: 20,
        ..HotSettings::default()
    });
    assert_eq!(hot(&shell.press(Action::ChannelUp)), "ch3");
    // Measured at 4 Mbit/s each, three fit.
    for n in 1..=6 {
        shell.send(Event::Player(PlayerEvent::Bitrate {
            channel: key(&format!("ch{n}")),
            bps: 4_000_000,
        }));
    }
    assert_eq!(hot(&shell.press(Action::ChannelUp)), "ch4,ch2");
    // ch4 turns out to be 15 Mbit/s: 4 + 15 fit, ch2 no longer does; the set shrinks at once.
    let shrink = shell.send(Event::Player(PlayerEvent::Bitrate {
        channel: key("ch4"),
        bps: 15_000_000,
    }));
    assert_eq!(hot_commands(&shrink), [vec!["ch4".to_string()]]);
    assert_eq!(shell.core.stream_budget_in_use(), (2, 19_000_000));
}

#[test]
fn a_refused_channel_is_backed_off_doubling() {
    let mut shell = shell_with(HotSettings::default());
    shell.press(Action::ChannelUp); // 2 live, 3 and 1 hot
    shell.send(Event::Player(PlayerEvent::HotLost {
        channel: key("ch3"),
        reason: HotLoss::Refused,
    }));
    assert_eq!(hot_set(&shell), ["ch1"]);
    assert_eq!(
        shell.core.hot_losses().first(),
        Some(&(key("ch3"), HotLoss::Refused))
    );
    // Within the back-off, ch3 is skipped even where it is the next channel.
    shell.press(Action::ChannelDown); // 1, hot 6 and 2
    assert_eq!(hot(&shell.press(Action::ChannelUp)), "ch1");
    shell.advance(BACKOFF_FIRST_MS);
    shell.press(Action::ChannelDown);
    assert_eq!(
        hot(&shell.press(Action::ChannelUp)),
        "ch3,ch1",
        "back in after the back-off"
    );
    shell.send(Event::Player(PlayerEvent::HotLost {
        channel: key("ch3"),
        reason: HotLoss::Silent,
    }));
    shell.advance(BACKOFF_FIRST_MS);
    shell.press(Action::ChannelDown);
    assert_eq!(
        hot(&shell.press(Action::ChannelUp)),
        "ch1",
        "the second back-off is twice as long"
    );
    shell.advance(BACKOFF_FIRST_MS);
    shell.press(Action::ChannelDown);
    assert_eq!(hot(&shell.press(Action::ChannelUp)), "ch3,ch1");
}

#[test]
fn locked_and_ott_channels_are_not_prejoined() {
    let mut lineup = lineup(&[1, 2, 3, 4]);
    lineup.channels[2].sources[0].kind = SourceKind::Hls;
    lineup.channels[2].sources[0].multicast = None;
    let mut settings = Settings::default();
    settings.parental.locked_channels = vec![key("ch4")];
    let mut shell = Shell::with_settings(lineup, settings);
    shell.send(Event::Started);
    assert_eq!(play(&shell.press(Action::ChannelUp)), "ch2 | ch1", "ch3 is HLS");
    assert_eq!(
        hot(&shell.press(Action::ChannelDown)),
        "ch2",
        "ch4, the next one down, is locked"
    );
}

#[test]
fn the_about_page_shows_the_hot_channels_and_the_budget_in_use() {
    let about = |shell: &Shell, item: MenuItem| {
        let lines = shell.core.menu_items(MenuPage::About);
        match lines.into_iter().find(|l| l.item == item).map(|l| l.value) {
            Some(MenuValue::Text(text)) => text,
            other => panic!("{item:?} on the about page: {other:?}"),
        }
    };
    let mut shell = shell_with(HotSettings::default());
    // Channel 1 at start: the next one up is kept ready.
    assert_eq!(about(&shell, MenuItem::HotChannels), "2 ch2");
    shell.press(Action::ChannelUp);
    assert_eq!(about(&shell, MenuItem::HotChannels), "3 ch3, 1 ch1");
    // Nothing measured yet: three streams counted at 8 Mbit/s each.
    assert_eq!(about(&shell, MenuItem::StreamBudget), "3/3 · 24.0/25 Mbit/s");
    for (n, bps) in [(1, 3_500_000), (2, 6_000_000), (3, 4_000_000)] {
        shell.send(Event::Player(PlayerEvent::Bitrate {
            channel: key(&format!("ch{n}")),
            bps,
        }));
    }
    assert_eq!(about(&shell, MenuItem::StreamBudget), "3/3 · 13.5/25 Mbit/s");
    // Standby lets the hot channels go; the page says so.
    shell.press(Action::Power);
    assert_eq!(about(&shell, MenuItem::HotChannels), "–");
}
