// SPDX-License-Identifier: GPL-3.0-or-later
//! ViewModel -> Slint properties, and the words for notices and phases.

use crate::core::{ListRef, Notice, Phase, ViewModel};
use crate::slint_generated::LiveAdapter;

/// Writes the view model into the window's adapter properties.
pub fn render(adapter: &LiveAdapter<'_>, view: &ViewModel) {
    let channel = view.requested.as_ref();
    adapter.set_channel_number(channel.map(|c| c.number.to_string()).unwrap_or_default().into());
    adapter.set_channel_name(channel.map(|c| c.name.clone()).unwrap_or_default().into());
    adapter.set_state_text(view.phase.as_ref().map(phase_text).unwrap_or_default().into());
    adapter.set_banner_visible(view.banner_visible);
    adapter.set_clock(clock_text(view.clock_utc_ms).into());
    adapter.set_digits(
        view.digits
            .as_ref()
            .map(|d| d.typed.clone())
            .unwrap_or_default()
            .into(),
    );
    adapter.set_digits_target(
        view.digits
            .as_ref()
            .and_then(|d| d.target.as_ref())
            .map(|c| c.name.clone())
            .unwrap_or_default()
            .into(),
    );
    adapter.set_notice(view.notice.as_ref().map(notice_text).unwrap_or_default().into());
}

/// The playback phase in plain words.
pub fn phase_text(phase: &Phase) -> String {
    match phase {
        Phase::Tuning => "Tuning…".into(),
        Phase::Playing => String::new(),
        Phase::Stalled => "No signal".into(),
        Phase::Retrying { attempt } => format!("Reconnecting (attempt {attempt})"),
        Phase::Failed { reason } => format!("Cannot play: {reason}"),
    }
}

/// A notice in plain words.
pub fn notice_text(notice: &Notice) -> String {
    match notice {
        Notice::NoSuchChannel(n) => format!("There is no channel {n}"),
        Notice::NoSignal => "No signal".into(),
        Notice::Reconnecting { attempt } => format!("Reconnecting… (attempt {attempt})"),
        Notice::CannotPlay(reason) => format!("This channel cannot be played: {reason}"),
        Notice::ListChanged(ListRef::All) => "All channels".into(),
        Notice::ListChanged(ListRef::Favourites(name) | ListRef::Group(name)) => name.clone(),
        Notice::AudioTrack(Some(language)) => format!("Audio: {language}"),
        Notice::AudioTrack(None) => "Audio: next track".into(),
        Notice::NoChannels => "No channels: add a playlist in the settings".into(),
        Notice::Problem(text) => text.clone(),
    }
}

/// `HH:MM` in the box's time zone.
fn clock_text(utc_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(utc_ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
