// SPDX-License-Identifier: GPL-3.0-or-later
//! The teletext viewer's talk with the player as core scenarios: TEXT asks the player of the
//! current request for pages, closing tells it to stop, a retried request is asked again,
//! and pages of an old request are not shown.

mod common;

use common::{Shell, lineup};
use zapbox::core::{Action, Effect, ErrorKind, Event, PlayerCommand, PlayerError, PlayerEvent, ScreenView};
use zapbox::mpegts::teletext::{Page, PageNumber};

/// The teletext commands among `effects`: (request, open).
fn teletext(effects: &[Effect]) -> Vec<(u64, bool)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::Teletext { request, open }) => Some((request.0, *open)),
            _ => None,
        })
        .collect()
}

fn found(shell: &Shell) -> Option<bool> {
    match shell.view().screen {
        ScreenView::Teletext(view) => Some(view.found),
        _ => None,
    }
}

#[test]
fn text_opens_and_closes_the_players_teletext_and_a_retry_asks_again() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.first_frame();
    let request = shell.last_request();
    assert_eq!(teletext(&shell.press(Action::Text)), [(request.0, true)]);
    assert_eq!(found(&shell), Some(false));
    let index = Box::new(Page::blank(PageNumber::from_decimal(100).unwrap()));
    shell.send(Event::Player(PlayerEvent::TeletextPage {
        request,
        page: index.clone(),
    }));
    assert_eq!(found(&shell), Some(true));
    // The pipeline fails: the retry's request is asked for pages too.
    shell.send(Event::Player(PlayerEvent::Failed {
        request,
        error: PlayerError {
            kind: ErrorKind::Stream,
            detail: "broken".into(),
        },
    }));
    let effects = shell.advance(10_000);
    let retry = shell.last_request();
    assert_ne!(retry, request);
    assert_eq!(teletext(&effects), [(retry.0, true)]);
    // A page of the old request is not kept.
    shell.press(Action::Digit(2));
    shell.press(Action::Digit(0));
    shell.press(Action::Digit(0));
    let page = Box::new(Page::blank(PageNumber::from_decimal(200).unwrap()));
    shell.send(Event::Player(PlayerEvent::TeletextPage { request, page }));
    assert_eq!(found(&shell), Some(false));
    // BACK closes and tells the player.
    assert_eq!(teletext(&shell.press(Action::Back)), [(retry.0, false)]);
    assert_eq!(found(&shell), None);
    // Digits on live TV tune channels again.
    shell.press(Action::Digit(2));
    assert_eq!(shell.requested().as_deref(), Some("ch2"));
}
