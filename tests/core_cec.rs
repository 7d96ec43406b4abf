// SPDX-License-Identifier: GPL-3.0-or-later
//! Scenario tests of the core's HDMI-CEC decisions: one-touch play on wake, standby towards the
//! TV per setting, standby after the TV switched inputs, volume keys to the audio system or TV,
//! and what the about page says when CEC is missing or silent. The bus itself is tested in a real
//! kernel (`tests/cec_qemu.rs`).

mod common;

use common::{Shell, lineup};
use zapbox::core::{
    Action, CecCommand, CecDevice, CecEvent, CecKey, CecProblem, CecReport, CecSettings, CecStatus, Effect,
    Event, MenuItem, MenuPage, MenuValue, PhysicalAddress, PlayerCommand, Settings, VolumeControl,
};

fn ready() -> Event {
    Event::Cec(CecEvent::Ready {
        adapter: "cec1".into(),
        physical_address: PhysicalAddress(0x1000),
        logical_address: 4,
    })
}

fn cec_of(effects: &[Effect]) -> Vec<CecCommand> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Cec(CecCommand::Power { .. }) => None,
            Effect::Cec(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn shell_with(cec: CecSettings) -> Shell {
    let settings = Settings {
        cec,
        ..Settings::default()
    };
    let mut shell = Shell::with_settings(lineup(&[1, 2, 3]), settings);
    shell.send(Event::Started);
    shell
}

#[test]
fn the_first_ready_wakes_the_tv_and_claims_its_input() {
    let mut shell = shell_with(CecSettings::default());
    let fx = shell.send(ready());
    assert_eq!(cec_of(&fx), [CecCommand::WakeTv, CecCommand::ActiveSource]);
    assert!(fx.contains(&Effect::Cec(CecCommand::Power { on: true })));
}

#[test]
fn a_new_physical_address_is_announced_without_waking_the_tv_again() {
    let mut shell = shell_with(CecSettings::default());
    shell.send(ready());
    let gone = CecProblem::NotConnected {
        adapter: "cec1".into(),
    };
    shell.send(Event::Cec(CecEvent::Unavailable(gone)));
    let fx = shell.send(Event::Cec(CecEvent::Ready {
        adapter: "cec1".into(),
        physical_address: PhysicalAddress(0x1100),
        logical_address: 4,
    }));
    assert_eq!(
        cec_of(&fx),
        [CecCommand::WakeTv, CecCommand::ActiveSource],
        "after a loss it is a first claim"
    );
    shell.send(Event::Cec(CecEvent::Ready {
        adapter: "cec1".into(),
        physical_address: PhysicalAddress(0x1100),
        logical_address: 4,
    }));
    let fx = shell.send(Event::Cec(CecEvent::Ready {
        adapter: "cec1".into(),
        physical_address: PhysicalAddress(0x2100),
        logical_address: 4,
    }));
    assert_eq!(cec_of(&fx), [CecCommand::ActiveSource]);
}

#[test]
fn standby_and_wake_per_setting() {
    let cases = [
        (false, vec![CecCommand::InactiveSource]),
        (true, vec![CecCommand::StandbyTv, CecCommand::InactiveSource]),
    ];
    for (standby_tv, expected) in cases {
        let mut shell = shell_with(CecSettings {
            standby_tv,
            ..CecSettings::default()
        });
        shell.send(ready());
        let fx = shell.press(Action::Power);
        assert_eq!(cec_of(&fx), expected, "standby_tv={standby_tv}");
        assert!(fx.contains(&Effect::Cec(CecCommand::Power { on: false })));
        let fx = shell.press(Action::Ok);
        assert_eq!(cec_of(&fx), [CecCommand::WakeTv, CecCommand::ActiveSource]);
    }
}

#[test]
fn without_one_touch_play_the_tv_is_left_alone() {
    let mut shell = shell_with(CecSettings {
        wake_tv: false,
        ..CecSettings::default()
    });
    assert!(cec_of(&shell.send(ready())).is_empty());
    shell.press(Action::Power);
    assert!(cec_of(&shell.press(Action::Ok)).is_empty());
}

#[test]
fn another_input_sends_the_box_to_standby_after_the_delay() {
    let mut shell = shell_with(CecSettings {
        standby_on_input_switch_s: 60,
        standby_tv: true,
        ..CecSettings::default()
    });
    shell.send(ready());
    shell.send(Event::Cec(CecEvent::OtherSource(PhysicalAddress(0x2000))));
    assert!(!shell.core.is_standby());
    shell.advance(59_000);
    assert!(!shell.core.is_standby(), "not before the delay");
    let fx = shell.advance(1_000);
    assert!(shell.core.is_standby());
    assert!(
        cec_of(&fx).is_empty(),
        "the TV shows another input: no Standby, no Inactive Source: {fx:?}"
    );
    assert!(fx.contains(&Effect::Player(PlayerCommand::Stop)));
}

#[test]
fn coming_back_to_our_input_cancels_the_pending_standby() {
    let mut shell = shell_with(CecSettings {
        standby_on_input_switch_s: 60,
        ..CecSettings::default()
    });
    shell.send(ready());
    shell.send(Event::Cec(CecEvent::OtherSource(PhysicalAddress(0x2000))));
    shell.advance(30_000);
    shell.send(Event::Cec(CecEvent::Selected));
    shell.advance(60_000);
    assert!(!shell.core.is_standby());
}

#[test]
fn no_delay_setting_means_no_standby_on_another_input() {
    let mut shell = shell_with(CecSettings::default());
    shell.send(ready());
    shell.send(Event::Cec(CecEvent::OtherSource(PhysicalAddress(0x2000))));
    shell.advance(3_600_000);
    assert!(!shell.core.is_standby());
}

#[test]
fn the_tv_selecting_us_wakes_the_box() {
    let mut shell = shell_with(CecSettings::default());
    shell.send(ready());
    shell.press(Action::Power);
    let fx = shell.send(Event::Cec(CecEvent::Selected));
    assert!(!shell.core.is_standby());
    assert!(cec_of(&fx).contains(&CecCommand::ActiveSource));
}

#[test]
fn volume_keys_go_where_the_setting_says() {
    let table = [
        (VolumeControl::Box, None),
        (VolumeControl::Tv, Some(CecDevice::Tv)),
        (VolumeControl::AudioSystem, Some(CecDevice::AudioSystem)),
    ];
    for (volume, device) in table {
        let mut shell = shell_with(CecSettings {
            volume,
            ..CecSettings::default()
        });
        shell.send(ready());
        for (action, key) in [
            (Action::VolumeUp, CecKey::VolumeUp),
            (Action::VolumeDown, CecKey::VolumeDown),
            (Action::Mute, CecKey::Mute),
        ] {
            let fx = shell.press(action);
            let software = fx.iter().any(|e| {
                matches!(
                    e,
                    Effect::Player(PlayerCommand::SetVolume { .. } | PlayerCommand::SetMute { .. })
                )
            });
            match device {
                Some(to) => {
                    assert_eq!(cec_of(&fx), [CecCommand::UserControl { to, key }], "{volume:?}");
                    assert!(!software, "{volume:?}: no software volume");
                }
                None => assert!(software && cec_of(&fx).is_empty(), "{volume:?}"),
            }
        }
        let view = shell.view();
        assert_eq!(view.volume_device, device);
        if device.is_some() {
            assert!(
                view.banner_visible,
                "the banner shows that the volume is external"
            );
        }
    }
}

#[test]
fn external_volume_falls_back_to_the_box_while_cec_is_down() {
    let mut shell = shell_with(CecSettings {
        volume: VolumeControl::AudioSystem,
        ..CecSettings::default()
    });
    shell.send(Event::Cec(CecEvent::Unavailable(CecProblem::NoAdapter)));
    let fx = shell.press(Action::VolumeUp);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Player(PlayerCommand::SetVolume { .. })))
    );
    assert_eq!(shell.view().volume_device, None);
}

#[test]
fn the_about_page_says_what_cec_is_doing() {
    let about = |shell: &Shell| {
        let items = shell.core.menu_items(MenuPage::About);
        let line = items.iter().find(|l| l.item == MenuItem::HdmiCec);
        match line.map(|l| &l.value) {
            Some(MenuValue::Cec(report)) => report.clone(),
            other => panic!("the HDMI-CEC line shows {other:?}"),
        }
    };
    let unavailable = |problem| CecReport {
        status: CecStatus::Unavailable(problem),
        silent: vec![],
    };
    let mut shell = shell_with(CecSettings::default());
    assert_eq!(about(&shell).status, CecStatus::Starting);
    shell.send(Event::Cec(CecEvent::Unavailable(CecProblem::NoAdapter)));
    assert_eq!(about(&shell), unavailable(CecProblem::NoAdapter));
    let not_connected = CecProblem::NotConnected {
        adapter: "cec0".into(),
    };
    shell.send(Event::Cec(CecEvent::Unavailable(not_connected.clone())));
    assert_eq!(about(&shell), unavailable(not_connected));
    shell.send(ready());
    shell.send(Event::Cec(CecEvent::NoAnswer(CecDevice::Tv)));
    shell.send(Event::Cec(CecEvent::NoAnswer(CecDevice::Tv)));
    let ready_status = CecStatus::Ready {
        adapter: "cec1".into(),
        physical_address: PhysicalAddress(0x1000),
        logical_address: 4,
    };
    let expected = CecReport {
        status: ready_status.clone(),
        silent: vec![CecDevice::Tv],
    };
    assert_eq!(about(&shell), expected, "once per device");
    shell.send(Event::Cec(CecEvent::Answered(CecDevice::Tv)));
    let expected = CecReport {
        status: ready_status,
        silent: vec![],
    };
    assert_eq!(about(&shell), expected);
    // The TV page shows the same line.
    let tv = shell.core.menu_items(MenuPage::Tv);
    assert!(tv.iter().any(|l| l.value == MenuValue::Cec(expected.clone())));
}

#[test]
fn the_tv_page_changes_and_saves_the_settings() {
    let mut shell = shell_with(CecSettings::default());
    shell.send(ready());
    shell.press(Action::Menu);
    let main = shell.core.menu_items(MenuPage::Main);
    let tv = main
        .iter()
        .position(|l| l.item == MenuItem::Tv)
        .expect("a TV item");
    for _ in 0..tv {
        shell.press(Action::Down);
    }
    shell.press(Action::Ok);
    shell.press(Action::Right); // volume: box -> tv
    shell.press(Action::Right); // tv -> audio system
    shell.press(Action::Down);
    shell.press(Action::Ok); // TV standby on
    shell.press(Action::Down);
    shell.press(Action::Right); // never -> 60 s
    let c = &shell.core.settings().cec;
    assert_eq!(
        (c.volume, c.standby_tv, c.standby_on_input_switch_s),
        (VolumeControl::AudioSystem, true, 60)
    );
    let saved = &shell.core.saved_state().cec;
    assert_eq!(saved.volume, Some(VolumeControl::AudioSystem));
    assert_eq!(saved.standby_tv, Some(true));
    assert_eq!(saved.standby_on_input_switch_s, Some(60));
    shell.press(Action::Back);
    let focus = match shell.view().screen {
        zapbox::core::ScreenView::Menu(menu) => menu.focus,
        other => panic!("{other:?}"),
    };
    assert_eq!(focus, tv, "BACK returns to the TV item");
}

#[test]
fn volume_control_is_spelt_the_same_in_config_profile_and_state() {
    for volume in VolumeControl::ALL {
        let json = serde_json::to_string(&volume).expect("serialises");
        assert_eq!(json, format!("\"{}\"", volume.id()));
        assert_eq!(VolumeControl::parse(volume.id()), Some(volume));
        assert_eq!(serde_json::from_str::<VolumeControl>(&json).ok(), Some(volume));
    }
    let old = serde_json::from_str::<VolumeControl>("\"audio_system\"").ok();
    assert_eq!(old, Some(VolumeControl::AudioSystem));
    assert!(serde_json::from_str::<VolumeControl>("\"speaker\"").is_err());
}
