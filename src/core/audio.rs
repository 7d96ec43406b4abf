// SPDX-License-Identifier: GPL-3.0-or-later
//! Audio tracks: which one to pick at tune, and the AUDIO key cycling through them. The
//! channel's remembered choice (language and whether it was the audio description) wins when
//! a track like it is there; otherwise the preferred language, with the audio description
//! (commentary for the blind and partially sighted) when the viewer asked for it and avoided
//! when not: a broadcaster that marks its AD track as the default must not read the picture
//! to a viewer who did not ask. Languages arrive as ISO 639-1 (`de`, from GStreamer tags) or
//! 639-2 (`deu`/`ger`, from configs and DVB descriptors); both name the same language here.

use serde::{Deserialize, Serialize};

pub use crate::mpegts::AudioKind;

/// One audio track the player found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioTrack {
    /// The player's stream id (opaque to the core).
    pub id: String,
    /// Language code as the stream declares it, if any.
    pub language: Option<String>,
    /// What the track is for (from the PMT where the player knows it, else `Main`).
    pub kind: AudioKind,
}

impl AudioTrack {
    /// Whether this is an audio description (the picture told in words).
    pub fn is_description(&self) -> bool {
        self.kind == AudioKind::AudioDescription
    }

    /// The choice as the state file keeps it (ids mean nothing after a restart).
    pub fn remembered(&self) -> SavedAudio {
        SavedAudio {
            language: self.language.as_deref().map(canonical_language),
            audio_description: self.is_description(),
        }
    }
}

/// What the player should pick by itself when a stream's tracks appear: the core's choice
/// (see [`choose`]) made before any track plays, so a remembered or preferred track starts
/// the sound instead of replacing the stream's default a moment later; and a short capture
/// whose every packet is read at once can still play it (a switch after that finds nothing
/// left to decode).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioPreference {
    /// The channel's remembered choice, if the viewer made one.
    pub remembered: Option<SavedAudio>,
    /// Preferred language (ISO 639-1 or 639-2); empty for none.
    pub language: String,
    /// The viewer wants the audio description where there is one.
    pub description: bool,
}

impl AudioPreference {
    /// The track to start with among `tracks`, or `None` to leave the stream's default.
    pub fn pick<'a>(&self, tracks: &'a [AudioTrack]) -> Option<&'a AudioTrack> {
        choose(
            tracks,
            None,
            self.remembered.as_ref(),
            &self.language,
            self.description,
        )
    }
}

/// The viewer's audio choice for one channel, as the state file keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAudio {
    /// The track's language (canonical), if it declared one.
    pub language: Option<String>,
    /// It was the audio description.
    pub audio_description: bool,
}

/// ISO 639-1 code and its 639-2 terminology and bibliographic codes, for the languages TV carries most.
const LANGUAGES: &[(&str, &str, &str)] = &[
    ("ar", "ara", "ara"),
    ("bg", "bul", "bul"),
    ("ca", "cat", "cat"),
    ("cs", "ces", "cze"),
    ("da", "dan", "dan"),
    ("de", "deu", "ger"),
    ("el", "ell", "gre"),
    ("en", "eng", "eng"),
    ("es", "spa", "spa"),
    ("et", "est", "est"),
    ("fi", "fin", "fin"),
    ("fr", "fra", "fre"),
    ("he", "heb", "heb"),
    ("hr", "hrv", "hrv"),
    ("hu", "hun", "hun"),
    ("it", "ita", "ita"),
    ("ja", "jpn", "jpn"),
    ("ko", "kor", "kor"),
    ("lt", "lit", "lit"),
    ("lv", "lav", "lav"),
    ("nl", "nld", "dut"),
    ("no", "nor", "nor"),
    ("pl", "pol", "pol"),
    ("pt", "por", "por"),
    ("ro", "ron", "rum"),
    ("ru", "rus", "rus"),
    ("sk", "slk", "slo"),
    ("sl", "slv", "slv"),
    ("sr", "srp", "srp"),
    ("sv", "swe", "swe"),
    ("tr", "tur", "tur"),
    ("uk", "ukr", "ukr"),
    ("zh", "zho", "chi"),
];

/// A language code in one canonical form (ISO 639-1 where known, else lower-cased as given).
pub fn canonical_language(code: &str) -> String {
    let code = code.trim().to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(one, t, b)| *one == code || *t == code || *b == code)
        .map_or(code, |(one, _, _)| (*one).to_string())
}

/// The track to play at tune, or `None` to keep the one `selected` (the stream's default):
/// the `remembered` choice when a track like it is there; else a track in `language`, the
/// audio description first when `description` is on and last when it is off; else, with no
/// track in that language, the stream's default unless it is an audio description the viewer
/// did not ask for (or a main track while one was asked for and exists); a default the player
/// has not named yet is kept unless a description was asked for.
pub fn choose<'a>(
    tracks: &'a [AudioTrack],
    selected: Option<&str>,
    remembered: Option<&SavedAudio>,
    language: &str,
    description: bool,
) -> Option<&'a AudioTrack> {
    if let Some(track) = remembered.and_then(|r| tracks.iter().find(|t| t.remembered() == *r)) {
        return Some(track);
    }
    let want = canonical_language(language);
    let speaks =
        |t: &&AudioTrack| t.language.as_deref().map(canonical_language).as_deref() == Some(want.as_str());
    let fit = |t: &&AudioTrack| t.is_description() != description;
    if let Some(track) = tracks.iter().filter(speaks).min_by_key(fit) {
        return Some(track);
    }
    // Unknown default: only an asked-for description is worth a switch.
    match tracks.iter().find(|t| Some(t.id.as_str()) == selected) {
        Some(current) if !fit(&current) => None,
        None if !description => None,
        _ => tracks.iter().find(|t| !fit(t)),
    }
}

/// The track after `current` (wrapping), for the AUDIO key.
pub fn next<'a>(tracks: &'a [AudioTrack], current: Option<&str>) -> Option<&'a AudioTrack> {
    let at = current.and_then(|id| tracks.iter().position(|t| t.id == id));
    match at {
        Some(i) => tracks.get((i + 1) % tracks.len()),
        None => tracks.first(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: &str, language: Option<&str>) -> AudioTrack {
        AudioTrack {
            id: id.into(),
            language: language.map(Into::into),
            kind: AudioKind::Main,
        }
    }

    fn described(id: &str, language: &str) -> AudioTrack {
        AudioTrack {
            kind: AudioKind::AudioDescription,
            ..track(id, Some(language))
        }
    }

    #[test]
    fn the_description_is_picked_when_asked_for_and_avoided_when_not() {
        // The AD track first, as broadcasters that flag it as the default send it.
        let tracks = [
            described("ad-fr", "fra"),
            track("fr", Some("fra")),
            track("de", Some("deu")),
            described("ad-de", "deu"),
        ];
        let id = |t: Option<&AudioTrack>| t.map(|t| t.id.clone());
        assert_eq!(
            id(choose(&tracks, Some("ad-fr"), None, "fr", false)),
            Some("fr".into())
        );
        assert_eq!(
            id(choose(&tracks, Some("fr"), None, "fre", true)),
            Some("ad-fr".into())
        );
        assert_eq!(
            id(choose(&tracks, Some("ad-fr"), None, "ger", true)),
            Some("ad-de".into())
        );
        assert_eq!(
            id(choose(&tracks, Some("ad-fr"), None, "de", false)),
            Some("de".into())
        );
        // No track in the language: the default stays unless it is the wrong kind.
        assert_eq!(id(choose(&tracks, Some("de"), None, "ita", false)), None);
        assert_eq!(
            id(choose(&tracks, Some("ad-fr"), None, "ita", false)),
            Some("fr".into())
        );
        assert_eq!(
            id(choose(&tracks, Some("de"), None, "ita", true)),
            Some("ad-fr".into())
        );
        let plain = [track("en", Some("en"))];
        assert_eq!(
            id(choose(&plain, Some("en"), None, "ita", true)),
            None,
            "no AD: the default"
        );
        assert_eq!(
            id(choose(&plain, Some("en"), None, "en", true)),
            Some("en".into())
        );
    }

    #[test]
    fn the_remembered_choice_wins_when_a_track_like_it_is_there() {
        let tracks = [
            track("en", Some("eng")),
            described("ad", "en"),
            track("de", Some("ger")),
        ];
        let id = |t: Option<&AudioTrack>| t.map(|t| t.id.clone());
        let german = tracks[2].remembered();
        assert_eq!(
            german,
            SavedAudio {
                language: Some("de".into()),
                audio_description: false
            }
        );
        assert_eq!(
            id(choose(&tracks, Some("en"), Some(&german), "en", true)),
            Some("de".into())
        );
        let ad = tracks[1].remembered();
        assert_eq!(
            id(choose(&tracks, Some("en"), Some(&ad), "de", false)),
            Some("ad".into())
        );
        let gone = SavedAudio {
            language: Some("fr".into()),
            audio_description: false,
        };
        assert_eq!(
            id(choose(&tracks, Some("en"), Some(&gone), "de", false)),
            Some("de".into())
        );
    }

    #[test]
    fn language_codes_of_all_kinds_match() {
        for (a, b) in [
            ("de", "deu"),
            ("DE", "ger"),
            ("eng", "en"),
            ("fre", "fra"),
            ("xx", "XX"),
        ] {
            assert_eq!(canonical_language(a), canonical_language(b), "{a} = {b}");
        }
        assert_ne!(canonical_language("de"), canonical_language("dan"));
    }

    #[test]
    fn the_preferred_language_wins_and_unknown_keeps_the_default() {
        let tracks = [track("a", Some("en")), track("b", Some("de")), track("c", None)];
        let preferred = |language| choose(&tracks, Some("a"), None, language, false);
        assert_eq!(preferred("ger").map(|t| t.id.as_str()), Some("b"));
        assert_eq!(preferred("fra"), None);
    }

    #[test]
    fn the_audio_key_cycles_with_wrap_around() {
        let tracks = [track("a", None), track("b", None)];
        assert_eq!(next(&tracks, Some("a")).map(|t| t.id.as_str()), Some("b"));
        assert_eq!(next(&tracks, Some("b")).map(|t| t.id.as_str()), Some("a"));
        assert_eq!(next(&tracks, None).map(|t| t.id.as_str()), Some("a"));
        assert_eq!(next(&[], None), None);
    }
}
