// SPDX-License-Identifier: GPL-3.0-or-later
//! Audio tracks: which one to pick for the viewer's preferred language, and the AUDIO key cycling
//! through them. Languages arrive as ISO 639-1 (`de`, from GStreamer tags) or 639-2 (`deu`/`ger`,
//! from configs and DVB descriptors); both name the same language here.

/// One audio track the player found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioTrack {
    /// The player's stream id (opaque to the core).
    pub id: String,
    /// Language code as the stream declares it, if any.
    pub language: Option<String>,
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

/// The track for `preferred`, else `None` (the stream's default stays).
pub fn preferred<'a>(tracks: &'a [AudioTrack], preferred: &str) -> Option<&'a AudioTrack> {
    let want = canonical_language(preferred);
    tracks
        .iter()
        .find(|t| t.language.as_deref().map(canonical_language).as_deref() == Some(want.as_str()))
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
        }
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
        assert_eq!(preferred(&tracks, "ger").map(|t| t.id.as_str()), Some("b"));
        assert_eq!(preferred(&tracks, "fra"), None);
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
