// SPDX-License-Identifier: GPL-3.0-or-later
//! What the screens show but the core does not hold comes through effects and events: the
//! focused programme's details and channel logos are asked for once, and the view shows them when
//! the answer for what is still wanted arrives. Also: the start-up order of the loader's events
//! shows no "no channels" notice.

mod common;

use common::{Shell, channel, lineup};
use std::sync::Arc;
use zapbox::core::{Action, Effect, Event, Notice, Picture, SavedState, ScreenView};
use zapbox::demo::showcase;
use zapbox::lineup::Lineup;

/// 2026-11-22 20:00 UTC.
const EVENING_S: i64 = 1_795_377_600;

fn logo_requests(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadLogo(url) => Some(url.clone()),
            _ => None,
        })
        .collect()
}

fn with_logos() -> Lineup {
    let mut channels = vec![channel(1, "one", "News"), channel(2, "two", "News")];
    for (i, c) in channels.iter_mut().enumerate() {
        c.logo = Some(format!("http://logos.example/{i}.png"));
    }
    Lineup {
        channels,
        guide_urls: vec![],
    }
}

#[test]
fn a_logo_is_asked_for_once_and_shown_when_it_came() {
    let mut shell = Shell::new(with_logos(), SavedState::default());
    let first = shell.send(Event::Started);
    assert_eq!(logo_requests(&first), ["http://logos.example/0.png"]);
    assert_eq!(shell.view().logo, None, "not there yet");
    let picture = Picture {
        width: 2,
        height: 1,
        rgba: Arc::from(vec![255u8; 8]),
    };
    shell.send(Event::LogoLoaded {
        url: "http://logos.example/0.png".into(),
        picture: Some(picture.clone()),
    });
    assert_eq!(shell.view().logo, Some(picture));

    let second = shell.press(Action::ChannelUp);
    assert_eq!(logo_requests(&second), ["http://logos.example/1.png"]);
    shell.send(Event::LogoLoaded {
        url: "http://logos.example/1.png".into(),
        picture: None,
    });
    assert_eq!(shell.view().logo, None, "a missing logo leaves the initials");
    let mut again = shell.press(Action::ChannelUp);
    again.extend(shell.press(Action::ChannelUp));
    assert!(
        logo_requests(&again).is_empty(),
        "neither the shown nor the missing logo is asked for again: {again:?}"
    );
}

#[test]
fn guide_details_are_asked_for_the_focused_programme_and_stale_answers_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lineup = showcase::lineup(6);
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let mut shell = Shell::new(lineup, SavedState::default());
    shell.now_ms = EVENING_S as u64 * 1000;
    shell.send(Event::GuideLoaded(guide.clone()));
    shell.send(Event::Started);
    shell.first_frame();

    let asked = |effects: &[Effect]| {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::LoadDetails(id) => Some(*id),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let opened = shell.press(Action::Guide);
    let [first] = asked(&opened)[..] else {
        panic!("opening the guide asks for the focused programme's details: {opened:?}");
    };
    assert!(
        asked(&shell.press(Action::Info)).is_empty(),
        "asked once per focus"
    );
    let moved = shell.press(Action::Right);
    let [second] = asked(&moved)[..] else {
        panic!("a new focus asks again: {moved:?}");
    };
    assert_ne!(first, second);

    let details = |text: &str| zapbox::guide::Details {
        description: Some(text.into()),
        ..Default::default()
    };
    let shown = |shell: &Shell| match shell.view().screen {
        ScreenView::Guide(grid) => grid.details.and_then(|d| d.description),
        other => panic!("the guide is open: {other:?}"),
    };
    shell.send(Event::DetailsLoaded {
        id: first,
        details: Some(details("old")),
    });
    assert_eq!(shown(&shell), None, "an answer for the old focus is dropped");
    shell.send(Event::DetailsLoaded {
        id: second,
        details: Some(details("new")),
    });
    assert_eq!(shown(&shell).as_deref(), Some("new"));
}

#[test]
fn the_lineup_before_started_shows_no_channels_notice() {
    let mut shell = Shell::new(Lineup::default(), SavedState::default());
    shell.send(Event::LineupLoaded(lineup(&[1, 2]).into()));
    assert_ne!(shell.view().notice, Some(Notice::NoChannels));
    shell.send(Event::Started);
    assert_eq!(shell.requested().as_deref(), Some("ch1"));
    assert_eq!(shell.view().notice, None);
}
