// SPDX-License-Identifier: GPL-3.0-or-later
//! Recorded key sequences (code, value, kernel time in ms) and the actions they must give.

use super::*;
use crate::core::Action::*;
use evdev::KeyCode as K;

/// A step of a recording: a key event, or a tick at a time.
enum Step {
    Key(K, i32, u64),
    Tick(u64),
}
use Step::{Key, Tick};

fn replay(kernel_repeats: bool, steps: &[Step]) -> Vec<Action> {
    let keymap = Keymap::built_in();
    let mut presses = Presses::new(kernel_repeats);
    let mut out = Vec::new();
    for step in steps {
        match step {
            Key(key, value, at) => presses.key(&keymap, key.code(), *value, *at, &mut out),
            Tick(now) => presses.tick(&keymap, *now, &mut out),
        }
    }
    out
}

/// A press at `from`, rc-core repeats (500 ms delay, 125 ms period) and the release at `to`.
fn held(key: K, from: u64, to: u64) -> Vec<Step> {
    let mut steps = vec![Key(key, 1, from)];
    steps.extend((from + 500..to).step_by(125).map(|t| Key(key, 2, t)));
    steps.push(Key(key, 0, to));
    steps
}

#[test]
fn plain_keys_act_on_press_and_ignore_repeats() {
    assert_eq!(
        replay(true, &[Key(K::KEY_NUMERIC_4, 1, 0), Key(K::KEY_NUMERIC_4, 0, 90)]),
        [Digit(4)]
    );
    assert_eq!(replay(true, &held(K::KEY_RED, 0, 2000)), [Red]);
    assert_eq!(replay(true, &[Key(K::KEY_EXIT, 1, 0)]), [Back]);
    assert_eq!(
        replay(true, &[Key(K::KEY_NUMERIC_4, 0, 0), Key(K::KEY_F24, 1, 5)]),
        []
    );
}

#[test]
fn volume_and_arrows_repeat_every_time() {
    // 500, 625, ..., 1875: 12 repeats plus the press.
    assert_eq!(replay(true, &held(K::KEY_VOLUMEUP, 0, 2000)), vec![VolumeUp; 13]);
    assert_eq!(replay(true, &held(K::KEY_DOWN, 0, 700)).len(), 3);
}

#[test]
fn channel_repeats_are_throttled_so_holding_does_not_storm_igmp() {
    // Held 3 s: the kernel sends 20 repeats; the throttle (500 ms) lets through the press, 500, 1000, ...
    let actions = replay(true, &held(K::KEY_CHANNELUP, 0, 3000));
    assert_eq!(actions, vec![ChannelUp; 6]);
    // Quick separate presses are never throttled.
    let taps: Vec<Step> = (0..5u64)
        .flat_map(|i| {
            [
                Key(K::KEY_CHANNELDOWN, 1, i * 150),
                Key(K::KEY_CHANNELDOWN, 0, i * 150 + 60),
            ]
        })
        .collect();
    assert_eq!(replay(true, &taps), vec![ChannelDown; 5]);
}

#[test]
fn ok_is_short_on_release_and_menu_when_held() {
    assert_eq!(
        replay(true, &[Key(K::KEY_OK, 1, 0), Key(K::KEY_OK, 0, 200)]),
        [Ok]
    );
    // Kernel repeats reveal the long press at 875 ms; the release adds nothing.
    assert_eq!(replay(true, &held(K::KEY_OK, 0, 1500)), [Menu]);
    // Without repeats, a tick at the deadline fires it ...
    let mut presses = Presses::new(false);
    let keymap = Keymap::built_in();
    let mut out = Vec::new();
    presses.key(&keymap, K::KEY_ENTER.code(), 1, 1000, &mut out);
    assert_eq!(presses.deadline(&keymap), Some(1800));
    presses.tick(&keymap, 1799, &mut out);
    assert!(out.is_empty());
    presses.tick(&keymap, 1800, &mut out);
    assert_eq!(out, [Menu]);
    assert_eq!(presses.deadline(&keymap), None);
    presses.key(&keymap, K::KEY_ENTER.code(), 0, 2500, &mut out);
    assert_eq!(out, [Menu]);
    // ... and a missed tick is caught up by the release's timestamp.
    assert_eq!(
        replay(false, &[Key(K::KEY_SELECT, 1, 0), Key(K::KEY_SELECT, 0, 900)]),
        [Menu]
    );
}

#[test]
fn devices_without_autorepeat_get_repeats_from_time() {
    let steps = [
        Key(K::KEY_VOLUMEDOWN, 1, 0),
        Tick(499),
        Tick(500),
        Tick(760),
        Key(K::KEY_VOLUMEDOWN, 0, 800),
    ];
    // Press, then made-up repeats at 500, 625 and 750.
    assert_eq!(replay(false, &steps), vec![VolumeDown; 4]);
    let steps = [
        Key(K::KEY_CHANNELUP, 1, 0),
        Tick(2000),
        Key(K::KEY_CHANNELUP, 0, 2010),
    ];
    // Press, then the throttle lets through the made-up repeats at 500, 1000, 1500 and 2000.
    assert_eq!(replay(false, &steps), vec![ChannelUp; 5]);
    // Stray kernel repeats from such a device do not double the made-up ones.
    let steps = [Key(K::KEY_UP, 1, 0), Key(K::KEY_UP, 2, 100), Tick(500)];
    assert_eq!(replay(false, &steps), [Up, Up]);
}

#[test]
fn a_new_press_ends_the_held_key() {
    let steps = [
        Key(K::KEY_OK, 1, 0),
        Key(K::KEY_NUMERIC_1, 1, 100),
        Key(K::KEY_OK, 0, 150),
    ];
    assert_eq!(replay(true, &steps), [Ok, Digit(1)]);
    let steps = [
        Key(K::KEY_UP, 1, 0),
        Key(K::KEY_DOWN, 1, 10),
        Key(K::KEY_UP, 2, 600),
    ];
    assert_eq!(replay(true, &steps), [Up, Down]);
}

#[test]
fn the_budget_bounds_a_flood() {
    let mut budget = Budget::new(20, 10);
    // 1,000 keys a second for 3 s: the burst, then 20 a second.
    let passed = (0..3000u64).filter(|t| budget.allow(*t)).count();
    assert!((69..=71).contains(&passed), "{passed}");
    // After a quiet second the burst is back.
    let passed = (4000..4010u64).filter(|t| budget.allow(*t)).count();
    assert_eq!(passed, 10);
    // Time going backwards (a second device's older timestamp) gives nothing extra.
    let mut budget = Budget::new(20, 1);
    assert!(budget.allow(1000));
    assert!(!budget.allow(10));
}
