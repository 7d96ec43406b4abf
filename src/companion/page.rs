// SPDX-License-Identifier: GPL-3.0-or-later
//! The phone page (HTML and a little JavaScript, built into the binary), its words in the menu
//! language, and the JSON of the box's state it shows. Messages the TV shows too (a refused
//! address) take their words from the TV's own translation catalogue, so phone and TV say the same.

use crate::core::{Action, ListRef, Notice, PhoneView};
use serde_json::{Value, json};

const HTML: &str = include_str!("page.html");
pub const SCRIPT: &str = include_str!("app.js");
/// The TV's German catalogue: the page looks up the TV's notices in it.
const GERMAN_CATALOGUE: &str = include_str!("../../ui/translations/de/LC_MESSAGES/zapbox.po");

/// The page with the session's CSRF token.
pub fn html(csrf: &str) -> String {
    HTML.replace("{{CSRF}}", csrf)
}

fn small_page(title: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>zapbox</title></head>\
         <body style=\"font-family:system-ui,sans-serif;padding:24px\"><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

/// For a browser without a session.
pub fn not_paired() -> String {
    small_page(
        "zapbox",
        "Open the menu on the TV, choose \u{201c}Set up from your phone\u{201d} and scan the code.",
    )
}

/// For a spent, expired or wrong pairing link.
pub fn expired() -> String {
    small_page(
        "This link no longer works",
        "Each code works once and for five minutes. Choose \u{201c}Set up from your phone\u{201d} \
         on the TV again for a new one.",
    )
}

/// The page's own words; English is in the HTML.
const GERMAN: &[(&str, &str)] = &[
    ("connected", "Mit der Box verbunden"),
    ("standby", "Standby"),
    ("offline", "Die Box antwortet nicht"),
    ("failed", "Das hat nicht geklappt"),
    ("type_title", "Auf dem Fernseher tippen"),
    (
        "type_hint",
        "Öffne zuerst ein Textfeld am Fernseher (Menü → Wiedergabelisten → Adresse hinzufügen).",
    ),
    ("type_send", "Ins Feld setzen"),
    ("type_done", "Einsetzen und bestätigen"),
    ("remote_title", "Fernbedienung"),
    ("key_power", "Ein/Aus"),
    ("key_menu", "Menü"),
    ("key_back", "Zurück"),
    ("key_guide", "TV-Guide"),
    ("key_mute", "Stumm"),
    ("playlists_title", "Wiedergabelisten"),
    ("guides_title", "Programmführer-Quellen"),
    ("channels_title", "Sender"),
    ("add", "Hinzufügen"),
    ("edit", "Ändern"),
    ("remove", "Entfernen"),
    ("from_operator", "vom Betreiber"),
    ("tv_says", "Der Fernseher meldet:"),
];

fn strings(language: &str) -> Value {
    let table: &[(&str, &str)] = if language.starts_with("de") { GERMAN } else { &[] };
    Value::Object(
        table
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

/// A notice in the TV's words for `language`: the English msgid of the TV's `NoticeBox`
/// (`ui/views/live.slint`) and its argument, translated from the same catalogue the TV uses.
pub fn notice_text(notice: &Notice, language: &str) -> String {
    let (msgid, arg) = notice_msgid(notice);
    let template = if language.starts_with("de") {
        translate(GERMAN_CATALOGUE, "NoticeBox", msgid).unwrap_or(msgid)
    } else {
        msgid
    };
    template.replace("{}", &arg)
}

/// Every notice's msgid in the TV's `NoticeBox` and the text its `{}` takes.
fn notice_msgid(notice: &Notice) -> (&'static str, String) {
    match notice {
        Notice::NoSuchChannel(n) => ("There is no channel {}", n.to_string()),
        Notice::NoSignal => ("No signal — waiting for the stream", String::new()),
        Notice::Buffering => ("Buffering — waiting for the server", String::new()),
        Notice::Reconnecting { attempt } => ("Reconnecting… (attempt {})", attempt.to_string()),
        Notice::CannotPlay(reason) => ("This channel cannot be played: {}", reason.clone()),
        Notice::ListChanged(ListRef::All) => ("All channels", String::new()),
        Notice::ListChanged(ListRef::Favourites(name) | ListRef::Group(name)) => ("{}", name.clone()),
        Notice::AudioTrack(Some(language)) => ("Audio: {}", language.clone()),
        Notice::AudioTrack(None) => ("Audio: next track", String::new()),
        Notice::NoChannels => ("No channels: add a playlist in the menu", String::new()),
        Notice::Problem(text) => ("{}", text.clone()),
        Notice::ChannelLocked => ("Channel locked", String::new()),
        Notice::Favourite { list, added: true } => ("Added to {}", list.clone()),
        Notice::Favourite { list, added: false } => ("Removed from {}", list.clone()),
        Notice::BadAddress(text) => ("Not a usable address: {}", text.clone()),
        Notice::PinChanged => ("The PIN was changed", String::new()),
        Notice::PinLocked { minutes } => ("Too many wrong PINs: try again in {} min", minutes.to_string()),
        Notice::TimeshiftFromStart => (
            "The pause outlasted the buffer: playing from its start",
            String::new(),
        ),
        Notice::TimeshiftRamOnly => (
            "The timeshift disk is too slow or full: keeping the last minute only",
            String::new(),
        ),
        Notice::RecordingStarted(t) => ("Recording: {}", t.clone()),
        Notice::RecordingScheduled(t) => ("Scheduled: {}", t.clone()),
        Notice::RecordingSeries(t) => ("Every episode scheduled: {}", t.clone()),
        Notice::RecordingWeekly(t) => ("Every week at this time: {}", t.clone()),
        Notice::RecordingCancelled(t) => ("Recording cancelled: {}", t.clone()),
        Notice::RecordingAired => ("This programme has aired: it cannot be recorded", String::new()),
        Notice::RecordingConflict(t) => ("Conflict: {}", t.clone()),
        Notice::RecordingDiskFull(t) => ("The disk is full: recording stopped: {}", t.clone()),
        Notice::RecordingFailed(t) => ("Recording failed: {}", t.clone()),
        Notice::CannotRecord(t) => ("Cannot record: {}", t.clone()),
        Notice::RecordingBusy(t) => ("Still recording, cannot delete yet: {}", t.clone()),
    }
}

/// `msgstr` of (`msgctxt`, `msgid`) in a gettext catalogue (single-line entries, as update.py writes).
fn translate<'a>(catalogue: &'a str, context: &str, msgid: &str) -> Option<&'a str> {
    let ctx_line = format!("msgctxt \"{context}\"");
    let id_line = format!("msgid \"{msgid}\"");
    let mut lines = catalogue.lines();
    while let Some(line) = lines.next() {
        if line == ctx_line && lines.next() == Some(id_line.as_str()) {
            let text = lines.next()?.strip_prefix("msgstr \"")?.strip_suffix('"')?;
            return (!text.is_empty()).then_some(text);
        }
    }
    None
}

/// The state the page shows.
pub fn state_json(view: &PhoneView) -> Value {
    let channels: Vec<Value> = view
        .channels
        .iter()
        .map(|c| json!({"key": c.key.0, "number": c.number, "name": c.name, "now": c.now}))
        .collect();
    json!({
        "language": view.language,
        "strings": strings(&view.language),
        "channels": channels,
        "playing": view.playing.as_ref().map(|k| k.0.clone()),
        "playlists": [view.playlists.0, view.playlists.1],
        "guides": [view.guides.0, view.guides.1],
        "keyboard": view.keyboard,
        "notice": view.notice.as_ref().map(|n| notice_text(n, &view.language)),
        "standby": view.standby,
    })
}

/// The remote key a page button names (the same actions as the IR keymap).
pub fn action(name: &str) -> Option<Action> {
    if let Ok(d) = name.parse::<u8>() {
        return (d <= 9).then_some(Action::Digit(d));
    }
    serde_json::from_value(Value::from(name)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_by_name() {
        assert_eq!(action("ok"), Some(Action::Ok));
        assert_eq!(action("channel_up"), Some(Action::ChannelUp));
        assert_eq!(action("7"), Some(Action::Digit(7)));
        assert_eq!(action("12"), None);
        assert_eq!(action("digit"), None);
        assert_eq!(action("<script>"), None);
    }

    #[test]
    fn notices_in_the_tvs_words() {
        let notice = Notice::BadAddress("ftp://x".into());
        assert_eq!(notice_text(&notice, "en"), "Not a usable address: ftp://x");
        assert_eq!(notice_text(&notice, "de"), "Keine brauchbare Adresse: ftp://x");
    }

    #[test]
    fn every_notice_is_one_the_tv_shows_and_translates() {
        let tv = include_str!("../../ui/views/live.slint");
        let notices = [
            Notice::NoSuchChannel(42),
            Notice::NoSignal,
            Notice::Buffering,
            Notice::Reconnecting { attempt: 2 },
            Notice::CannotPlay("x".into()),
            Notice::ListChanged(ListRef::All),
            Notice::AudioTrack(Some("deu".into())),
            Notice::AudioTrack(None),
            Notice::NoChannels,
            Notice::ChannelLocked,
            Notice::Favourite {
                list: "F".into(),
                added: true,
            },
            Notice::Favourite {
                list: "F".into(),
                added: false,
            },
            Notice::BadAddress("x".into()),
            Notice::PinChanged,
            Notice::PinLocked { minutes: 5 },
        ];
        for notice in &notices {
            let (msgid, _) = notice_msgid(notice);
            assert!(
                tv.contains(&format!("@tr(\"{msgid}\"")),
                "{msgid} is not the TV's"
            );
            assert!(
                translate(GERMAN_CATALOGUE, "NoticeBox", msgid).is_some(),
                "{msgid} has no German"
            );
        }
    }

    #[test]
    fn every_page_string_is_in_the_page() {
        let page = format!("{HTML}{SCRIPT}");
        for (key, _) in GERMAN {
            assert!(
                page.contains(&format!("'{key}'")) || page.contains(&format!("\"{key}\"")),
                "{key}"
            );
        }
    }
}
