// SPDX-License-Identifier: GPL-3.0-or-later
//! The desktop keyboard as a remote: keys map to the same actions as the IR keymap.
//! Arrows, Enter=OK, Backspace/Escape=BACK, digits, PageUp/PageDown=channel up/down, G=guide,
//! I=info, M=menu, L=last channel, F=favourites, +/-=volume, 0 (alone)=previous channel,
//! F1..F4 = red, green, yellow, blue.

use crate::core::Action;
use slint::platform::Key;

/// The action for the text of a Slint key event, if the key means one.
pub fn action_for(text: &str) -> Option<Action> {
    let mut chars = text.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let special = [
        (Key::UpArrow, Action::Up),
        (Key::DownArrow, Action::Down),
        (Key::LeftArrow, Action::Left),
        (Key::RightArrow, Action::Right),
        (Key::Return, Action::Ok),
        (Key::Escape, Action::Back),
        (Key::Backspace, Action::Back),
        (Key::PageUp, Action::ChannelUp),
        (Key::PageDown, Action::ChannelDown),
        (Key::F1, Action::Red),
        (Key::F2, Action::Green),
        (Key::F3, Action::Yellow),
        (Key::F4, Action::Blue),
        (Key::End, Action::Stop),
    ];
    if let Some((_, action)) = special.iter().find(|(key, _)| char::from(*key) == c) {
        return Some(*action);
    }
    Some(match c.to_ascii_lowercase() {
        '0'..='9' => Action::Digit(c as u8 - b'0'),
        'g' => Action::Guide,
        'i' => Action::Info,
        'm' => Action::Menu,
        'l' => Action::Last,
        'f' => Action::Favorites,
        '+' => Action::VolumeUp,
        '-' => Action::VolumeDown,
        'u' => Action::Mute,
        'a' => Action::Audio,
        's' => Action::Subtitle,
        't' => Action::Text,
        'r' => Action::Record,
        ' ' => Action::PlayPause,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_like_a_remote() {
        let cases = [
            (String::from(char::from(Key::UpArrow)), Some(Action::Up)),
            (String::from(char::from(Key::Return)), Some(Action::Ok)),
            (String::from(char::from(Key::Escape)), Some(Action::Back)),
            (String::from(char::from(Key::PageDown)), Some(Action::ChannelDown)),
            ("7".into(), Some(Action::Digit(7))),
            ("G".into(), Some(Action::Guide)),
            ("x".into(), None),
            ("ab".into(), None),
            (String::new(), None),
        ];
        for (text, expected) in cases {
            assert_eq!(action_for(&text), expected, "key {text:?}");
        }
    }
}
