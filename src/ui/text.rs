// SPDX-License-Identifier: GPL-3.0-or-later
//! Times and ids for the screens: clock and programme times in the box's time zone, and the ids
//! of notices and phases whose words live (translatable) in the `.slint` files. The English
//! sentences here are for logs and the headless demo.

use crate::core::{ListRef, Notice, Phase};
use jiff::tz::TimeZone;

/// `HH:MM` in the box's time zone.
pub fn clock(utc_s: i64) -> String {
    format_local(utc_s, "%H:%M")
}

/// `20:15 – 21:00`.
pub fn span(start_s: i64, stop_s: i64) -> String {
    format!("{} – {}", clock(start_s), clock(stop_s))
}

/// `Sun 22 Nov` for the guide's day.
pub fn day(utc_s: i64) -> String {
    format_local(utc_s, "%a %-d %b")
}

fn format_local(utc_s: i64, pattern: &str) -> String {
    jiff::Timestamp::from_second(utc_s)
        .map(|t| t.to_zoned(TimeZone::system()).strftime(pattern).to_string())
        .unwrap_or_default()
}

/// Up to three initials of a channel name, for its badge.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(3)
        .collect::<String>()
        .to_uppercase()
}

/// The phase id the `.slint` files translate.
pub fn phase_id(phase: &Phase) -> &'static str {
    match phase {
        Phase::Tuning => "tuning",
        Phase::Playing => "playing",
        Phase::Stalled => "stalled",
        Phase::Retrying { .. } => "retrying",
        Phase::Failed { .. } => "failed",
        Phase::Locked => "locked",
    }
}

/// The notice's id and argument for the `.slint` files.
pub fn notice_id(notice: &Notice) -> (&'static str, String) {
    match notice {
        Notice::NoSuchChannel(n) => ("no-such-channel", n.to_string()),
        Notice::NoSignal => ("no-signal", String::new()),
        Notice::Reconnecting { attempt } => ("reconnecting", attempt.to_string()),
        Notice::CannotPlay(reason) => ("cannot-play", reason.clone()),
        Notice::ListChanged(ListRef::All) => ("all-channels", String::new()),
        Notice::ListChanged(ListRef::Favourites(name) | ListRef::Group(name)) => ("list", name.clone()),
        Notice::AudioTrack(Some(language)) => ("audio", language.clone()),
        Notice::AudioTrack(None) => ("audio-next", String::new()),
        Notice::NoChannels => ("no-channels", String::new()),
        Notice::Problem(text) => ("problem", text.clone()),
        Notice::ChannelLocked => ("locked", String::new()),
        Notice::Favourite { list, added: true } => ("favourite-added", list.clone()),
        Notice::Favourite { list, added: false } => ("favourite-removed", list.clone()),
        Notice::BadAddress(text) => ("bad-address", text.clone()),
        Notice::PinChanged => ("pin-changed", String::new()),
        Notice::PinLocked { minutes } => ("pin-locked", minutes.to_string()),
    }
}

/// The playback phase in plain English (logs, headless demo).
pub fn phase_text(phase: &Phase) -> String {
    match phase {
        Phase::Tuning => "Tuning…".into(),
        Phase::Playing => String::new(),
        Phase::Stalled => "No signal".into(),
        Phase::Retrying { attempt } => format!("Reconnecting (attempt {attempt})"),
        Phase::Failed { reason } => format!("Cannot play: {reason}"),
        Phase::Locked => "Locked".into(),
    }
}

/// A notice in plain English (logs, headless demo).
pub fn notice_text(notice: &Notice) -> String {
    let (id, arg) = notice_id(notice);
    match id {
        "no-such-channel" => format!("There is no channel {arg}"),
        "no-signal" => "No signal".into(),
        "reconnecting" => format!("Reconnecting… (attempt {arg})"),
        "cannot-play" => format!("This channel cannot be played: {arg}"),
        "all-channels" => "All channels".into(),
        "audio" => format!("Audio: {arg}"),
        "audio-next" => "Audio: next track".into(),
        "no-channels" => "No channels: add a playlist in the menu".into(),
        "locked" => "Channel locked".into(),
        "favourite-added" => format!("Added to {arg}"),
        "favourite-removed" => format!("Removed from {arg}"),
        "bad-address" => format!("Not a usable address: {arg}"),
        "pin-changed" => "The PIN was changed".into(),
        "pin-locked" => format!("Too many wrong PINs: try again in {arg} min"),
        _ => arg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_channel_names() {
        assert_eq!(initials("Zap One"), "ZO");
        assert_eq!(initials("das erste hd extra"), "DEH");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn every_notice_has_words() {
        let notices = [
            Notice::NoSuchChannel(42),
            Notice::NoSignal,
            Notice::ChannelLocked,
            Notice::Favourite {
                list: "Favourites".into(),
                added: true,
            },
            Notice::PinChanged,
            Notice::PinLocked { minutes: 2 },
        ];
        for notice in notices {
            assert!(!notice_text(&notice).is_empty(), "{notice:?}");
        }
        assert_eq!(notice_text(&Notice::NoSuchChannel(42)), "There is no channel 42");
    }
}
