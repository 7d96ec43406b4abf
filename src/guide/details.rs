// SPDX-License-Identifier: GPL-3.0-or-later
//! Everything about a programme besides channel, times and title, and its record encoding.
//!
//! Details are not kept in RAM: the ingest (`crate::epg::details`) appends one encoded record
//! per programme to a details file while it parses, and a [`DetailsSource`](super::DetailsSource)
//! reads one back on demand. This module only turns fields into a record and back; a damaged
//! record decodes to `None`, never a panic or a wild allocation. Pure: no files.

use serde::Serialize;

/// Offset stored for a programme without any details.
pub const NO_DETAILS: u64 = u64::MAX;
/// Longest text kept per field: longer descriptions are cut (at a character boundary).
pub const MAX_FIELD_BYTES: usize = 16 * 1024;
/// Largest record a reader accepts.
pub const MAX_RECORD_BYTES: u32 = 1 << 20;

/// Field tags of a details record.
pub const TAG_SUB_TITLE: u8 = 1;
pub const TAG_DESCRIPTION: u8 = 2;
pub const TAG_CATEGORY: u8 = 3;
/// Two fields in a row: system, then value.
pub const TAG_EPISODE: u8 = 4;
pub const TAG_ICON: u8 = 5;
/// Two fields in a row: system, then value.
pub const TAG_RATING: u8 = 6;
pub const TAG_CATCHUP_ID: u8 = 7;

/// A details record being built: the reader appends fields as it meets them, so a
/// description is copied once into the record and never held as its own string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodedDetails {
    bytes: Vec<u8>,
}

impl EncodedDetails {
    /// Appends one field (cut to [`MAX_FIELD_BYTES`]).
    pub fn push(&mut self, tag: u8, text: &str) {
        let text = cut(text);
        self.bytes.push(tag);
        self.bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// Empties the record, keeping its buffer.
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// No field.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The record (what `crate::epg::details::DetailsWriter::append` stores).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The fields as [`Details`]; `None` if the record is damaged.
    pub fn decode(&self) -> Option<Details> {
        Details::decode(&self.bytes)
    }
}

/// The rest of a programme, as shown on an info screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// XMLTV `category`, or the DVB content genre in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub episode: Vec<EpisodeNum>,
    /// Image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Parental ratings, e.g. `{system: "FSK", value: "12"}`; DVB ratings use the country code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rating: Vec<Rating>,
    /// The provider's archive id for catch-up URLs (`{catchup-id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catchup_id: Option<String>,
}

/// An `episode-num` with its numbering system (`xmltv_ns`, `onscreen`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EpisodeNum {
    pub system: String,
    pub value: String,
}

/// A parental rating in some system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rating {
    pub system: String,
    pub value: String,
}

/// Borrowed fields of one programme's details, as the parser holds them in reused buffers
/// (an empty string is an absent field).
#[derive(Debug, Clone, Copy, Default)]
pub struct DetailsParts<'a> {
    pub sub_title: &'a str,
    pub description: &'a str,
    pub categories: &'a [String],
    pub episode: &'a [EpisodeNum],
    pub icon: &'a str,
    pub rating: &'a [Rating],
    pub catchup_id: &'a str,
}

impl DetailsParts<'_> {
    /// No field set.
    pub fn is_empty(&self) -> bool {
        [self.sub_title, self.description, self.icon, self.catchup_id]
            .iter()
            .all(|s| s.is_empty())
            && self.categories.is_empty()
            && self.episode.is_empty()
            && self.rating.is_empty()
    }

    /// The record of these fields.
    pub fn encode(&self) -> EncodedDetails {
        let mut out = EncodedDetails::default();
        let singles = [
            (TAG_SUB_TITLE, self.sub_title),
            (TAG_DESCRIPTION, self.description),
            (TAG_ICON, self.icon),
            (TAG_CATCHUP_ID, self.catchup_id),
        ];
        for (tag, value) in singles {
            if !value.is_empty() {
                out.push(tag, value);
            }
        }
        self.categories.iter().for_each(|c| out.push(TAG_CATEGORY, c));
        for e in self.episode {
            out.push(TAG_EPISODE, &e.system);
            out.push(TAG_EPISODE, &e.value);
        }
        for r in self.rating {
            out.push(TAG_RATING, &r.system);
            out.push(TAG_RATING, &r.value);
        }
        out
    }
}

impl Details {
    /// No field set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The fields as borrowed parts (for encoding).
    pub fn parts(&self) -> DetailsParts<'_> {
        fn text(s: &Option<String>) -> &str {
            s.as_deref().unwrap_or("")
        }
        DetailsParts {
            sub_title: text(&self.sub_title),
            description: text(&self.description),
            categories: &self.categories,
            episode: &self.episode,
            icon: text(&self.icon),
            rating: &self.rating,
            catchup_id: text(&self.catchup_id),
        }
    }

    /// Decodes a record; `None` when it is damaged.
    pub fn decode(mut record: &[u8]) -> Option<Self> {
        let mut d = Self::default();
        let mut pending: Option<(u8, String)> = None;
        while let [tag, rest @ ..] = record {
            let (len, rest) = rest.split_at_checked(4)?;
            let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
            let (text, rest) = rest.split_at_checked(len)?;
            let text = String::from_utf8(text.to_vec()).ok()?;
            record = rest;
            match (*tag, pending.take()) {
                (TAG_SUB_TITLE, None) => d.sub_title = Some(text),
                (TAG_DESCRIPTION, None) => d.description = Some(text),
                (TAG_ICON, None) => d.icon = Some(text),
                (TAG_CATCHUP_ID, None) => d.catchup_id = Some(text),
                (TAG_CATEGORY, None) => d.categories.push(text),
                (TAG_EPISODE | TAG_RATING, None) => pending = Some((*tag, text)),
                (TAG_EPISODE, Some((TAG_EPISODE, system))) => {
                    d.episode.push(EpisodeNum { system, value: text })
                }
                (TAG_RATING, Some((TAG_RATING, system))) => d.rating.push(Rating { system, value: text }),
                _ => return None,
            }
        }
        pending.is_none().then_some(d)
    }
}

/// `text` cut to at most [`MAX_FIELD_BYTES`] at a character boundary.
fn cut(text: &str) -> &str {
    if text.len() <= MAX_FIELD_BYTES {
        return text;
    }
    let mut end = MAX_FIELD_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let d = Details {
            sub_title: Some("Part 1".into()),
            description: Some("Long text é".into()),
            categories: vec!["News".into(), "Weather".into()],
            episode: vec![EpisodeNum {
                system: "xmltv_ns".into(),
                value: "0.1.".into(),
            }],
            icon: None,
            rating: vec![Rating {
                system: "FSK".into(),
                value: "12".into(),
            }],
            catchup_id: Some("abc".into()),
        };
        let record = d.parts().encode();
        let buf = record.as_bytes();
        assert_eq!(record.decode(), Some(d));
        assert_eq!(Details::decode(&buf[..buf.len() - 1]), None);
        assert_eq!(Details::decode(&[9, 0, 0, 0, 0]), None);
    }

    #[test]
    fn long_fields_are_cut_on_a_char_boundary() {
        let long = "é".repeat(MAX_FIELD_BYTES);
        assert_eq!(cut(&long).len(), MAX_FIELD_BYTES);
        assert!(cut(&long).ends_with('é'));
    }
}
