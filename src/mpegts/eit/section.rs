// SPDX-License-Identifier: GPL-3.0-or-later
//! One EIT section (EN 300 468 §5.2.4) to events: MJD + BCD start, BCD duration, running
//! status, and the descriptors a guide needs — short event 0x4D (title, text), extended event
//! 0x4E (long text, several descriptors in order), content 0x54 (genre), parental rating 0x55.
//!
//! ISDB (ARIB STD-B10) uses the same table layout with other text and time: its events carry
//! ARIB descriptors (digital copy control 0xC1, audio component 0xC4, data content 0xC7, series
//! 0xD5, event group 0xD6) that DVB only allows after a private data specifier 0x5F. Such an
//! event is marked [`TextCoding::Arib`]: its texts (ARIB STD-B24 8-bit coding: JIS kanji, kana
//! and mosaic sets switched by escape sequences, not decoded here) are left empty rather than
//! read as DVB text, which gives garbage, and its start, given in JST, is moved to UTC.
//!
//! Pure; works on a CRC-checked [`Section`]. Every length is checked against what is left, so
//! a lying length ends the loop instead of reading past the section.

use super::dvb_text;
use crate::mpegts::Section;
use serde::Serialize;

/// EIT present/following of this transport stream.
pub const TABLE_PF_ACTUAL: u8 = 0x4e;
/// EIT present/following of another transport stream.
pub const TABLE_PF_OTHER: u8 = 0x4f;
/// EIT schedule of this transport stream (0x50-0x5F; 0x60-0x6F are other streams').
const TABLE_SCHEDULE_ACTUAL: std::ops::RangeInclusive<u8> = 0x50..=0x5f;

/// Whether a table describes the stream it came in ("actual": present/following or schedule),
/// rather than services of other streams, which a lineup channel cannot map.
pub fn is_actual(table_id: u8) -> bool {
    table_id == TABLE_PF_ACTUAL || TABLE_SCHEDULE_ACTUAL.contains(&table_id)
}
const DESC_SHORT_EVENT: u8 = 0x4d;
const DESC_EXTENDED_EVENT: u8 = 0x4e;
const DESC_CONTENT: u8 = 0x54;
const DESC_PARENTAL_RATING: u8 = 0x55;
const DESC_PRIVATE_DATA_SPECIFIER: u8 = 0x5f;
/// ARIB STD-B10 descriptors seen in ISDB EITs (private in DVB without a specifier).
const ARIB_EVENT_DESCRIPTORS: [u8; 5] = [0xc1, 0xc4, 0xc7, 0xd5, 0xd6];
/// ARIB STD-B10 times are Japan Standard Time (UTC+9).
const JST_OFFSET_S: i64 = 9 * 3600;
/// Days between the Modified Julian Date epoch (1858-11-17) and 1970-01-01.
const MJD_UNIX_EPOCH: i64 = 40_587;

/// A DVB service: where EIT events belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DvbService {
    pub original_network_id: u16,
    pub transport_stream_id: u16,
    pub service_id: u16,
}

impl DvbService {
    /// A guide channel id for a service that has no XMLTV channel: `dvb:onid.tsid.sid`.
    pub fn guide_id(&self) -> String {
        format!(
            "dvb:{}.{}.{}",
            self.original_network_id, self.transport_stream_id, self.service_id
        )
    }
}

/// One event of an EIT section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EitEvent {
    pub event_id: u16,
    /// Unix seconds (UTC); `None` when the broadcaster marks it undefined (all ones) or the
    /// date is invalid.
    pub start: Option<i64>,
    pub duration_s: u32,
    /// 0 undefined, 1 not running, 2 starts in a few seconds, 3 pausing, 4 running.
    pub running_status: u8,
    /// ISO 639 language of the short event descriptor.
    pub language: String,
    pub title: String,
    pub short_text: String,
    pub extended_text: String,
    /// Content descriptor bytes (level-1 nibble, level-2 nibble).
    pub content: Vec<u8>,
    /// `(country, minimum age)` from the parental rating descriptor.
    pub parental: Vec<(String, u8)>,
    /// How the event's texts are coded; [`TextCoding::Arib`] texts are left empty.
    pub text_coding: TextCoding,
}

/// The character coding of an event's texts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum TextCoding {
    /// DVB text (EN 300 468 Annex A), decoded.
    #[default]
    Dvb,
    /// ARIB STD-B24 8-bit coding of an ISDB event: not decoded.
    Arib,
}

/// A decoded EIT section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EitSection {
    pub service: DvbService,
    pub table_id: u8,
    pub version: u8,
    pub section_number: u8,
    pub events: Vec<EitEvent>,
}

/// Why a section is not a usable EIT section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EitError {
    #[error("table {0:#04x} is not an EIT")]
    NotEit(u8),
    #[error("EIT section header truncated")]
    Truncated,
}

/// Whether `table_id` is an EIT (present/following or schedule, actual or other).
pub fn is_eit(table_id: u8) -> bool {
    (0x4e..=0x6f).contains(&table_id)
}

/// Decodes an EIT section; events whose loop is cut short are dropped.
pub fn parse_eit(section: &Section<'_>) -> Result<EitSection, EitError> {
    let table_id = section.table_id();
    if !is_eit(table_id) || !section.syntax_indicator() {
        return Err(EitError::NotEit(table_id));
    }
    let body = section.body();
    let head = body.get(..6).ok_or(EitError::Truncated)?;
    let service = DvbService {
        service_id: section.table_id_extension().unwrap_or(0),
        transport_stream_id: u16::from_be_bytes([head[0], head[1]]),
        original_network_id: u16::from_be_bytes([head[2], head[3]]),
    };
    let mut events = Vec::new();
    let mut rest = &body[6..];
    while let Some((event, tail)) = parse_event(rest) {
        events.push(event);
        rest = tail;
    }
    Ok(EitSection {
        service,
        table_id,
        version: section.version().unwrap_or(0),
        section_number: section.numbering().map_or(0, |(n, _)| n),
        events,
    })
}

fn parse_event(bytes: &[u8]) -> Option<(EitEvent, &[u8])> {
    let head = bytes.get(..12)?;
    let loop_len = usize::from(u16::from_be_bytes([head[10], head[11]]) & 0x0fff);
    let descriptors = bytes.get(12..12 + loop_len)?;
    let mut event = EitEvent {
        event_id: u16::from_be_bytes([head[0], head[1]]),
        start: start_time(&head[2..7]),
        duration_s: bcd_hms(&head[7..10]).unwrap_or(0),
        running_status: head[10] >> 5,
        ..EitEvent::default()
    };
    let mut extended: Vec<(u8, String)> = Vec::new();
    let mut private_specified = false;
    let mut arib = false;
    for (tag, data) in descriptors_of(descriptors) {
        arib |= !private_specified && ARIB_EVENT_DESCRIPTORS.contains(&tag);
        match tag {
            DESC_PRIVATE_DATA_SPECIFIER => private_specified = true,
            DESC_SHORT_EVENT => short_event(data, &mut event),
            DESC_EXTENDED_EVENT => extended.extend(extended_event(data)),
            DESC_CONTENT => event.content.extend(data.chunks_exact(2).map(|c| c[0])),
            DESC_PARENTAL_RATING => event.parental.extend(data.chunks_exact(4).filter_map(rating)),
            _ => {}
        }
    }
    extended.sort_by_key(|(n, _)| *n);
    let text: String = extended.into_iter().map(|(_, t)| t).collect();
    event.extended_text = text.trim().to_owned();
    if arib {
        event.text_coding = TextCoding::Arib;
        event.title.clear();
        event.short_text.clear();
        event.extended_text.clear();
        event.start = event.start.map(|t| t - JST_OFFSET_S);
    }
    Some((event, &bytes[12 + loop_len..]))
}

/// `(tag, data)` pairs; stops at the first descriptor that overruns.
fn descriptors_of(mut data: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    std::iter::from_fn(move || {
        let (&tag, rest) = data.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let (payload, tail) = rest.split_at_checked(usize::from(len))?;
        data = tail;
        Some((tag, payload))
    })
}

fn short_event(data: &[u8], event: &mut EitEvent) {
    let Some((lang, rest)) = data.split_at_checked(3) else {
        return;
    };
    let Some((name, rest)) = length_prefixed(rest) else {
        return;
    };
    let text = length_prefixed(rest).map_or(&[][..], |(t, _)| t);
    event.language = String::from_utf8_lossy(lang).into_owned();
    event.title = dvb_text::decode(name).trim().to_owned();
    event.short_text = dvb_text::decode(text).trim().to_owned();
}

/// `(descriptor_number, text)` of an extended event descriptor.
fn extended_event(data: &[u8]) -> Option<(u8, String)> {
    let (&numbers, rest) = data.split_first()?;
    let rest = rest.get(3..)?; // language
    let (_items, rest) = length_prefixed(rest)?;
    let (text, _) = length_prefixed(rest)?;
    Some((numbers >> 4, dvb_text::decode(text)))
}

fn length_prefixed(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    rest.split_at_checked(usize::from(len))
}

/// A parental rating entry: 0x01–0x0F means "minimum age rating + 3".
fn rating(entry: &[u8]) -> Option<(String, u8)> {
    let age = entry[3];
    (0x01..=0x0f)
        .contains(&age)
        .then(|| (String::from_utf8_lossy(&entry[..3]).into_owned(), age + 3))
}

/// The 16-bit MJD ends on 2038-04-22 (0xFFFF). The rule DVB adopted in 2025 (as TSDuck and
/// the BBC's test streams apply it): a value whose most significant bit is 0 (before
/// 1948-08-05 under the old reading, which no broadcast carries) is a date after the wrap,
/// 0x10000 days later; so dates run from 1948 to 2128.
const MJD_WRAP_BELOW: i64 = 0x8000;

/// MJD (16 bits) + BCD hh mm ss; `None` when undefined or invalid.
fn start_time(b: &[u8]) -> Option<i64> {
    if b.len() < 5 || b.iter().all(|&x| x == 0xff) {
        return None;
    }
    let mjd = i64::from(u16::from_be_bytes([b[0], b[1]]));
    let mjd = if mjd < MJD_WRAP_BELOW { mjd + 0x1_0000 } else { mjd };
    let seconds = bcd_hms(&b[2..5])?;
    if seconds >= 86_400 {
        return None;
    }
    Some((mjd - MJD_UNIX_EPOCH) * 86_400 + i64::from(seconds))
}

/// Three BCD bytes `hh mm ss` as seconds (hours up to 99 for durations).
fn bcd_hms(b: &[u8]) -> Option<u32> {
    let digit = |x: u8| -> Option<u32> {
        let (hi, lo) = (u32::from(x >> 4), u32::from(x & 0x0f));
        (hi <= 9 && lo <= 9).then_some(hi * 10 + lo)
    };
    let (h, m, s) = (digit(b[0])?, digit(b[1])?, digit(b[2])?);
    (m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        // EN 300 468 Annex C example: 93/10/13 12:45:00 = MJD 0xC079.
        assert_eq!(start_time(&[0xc0, 0x79, 0x12, 0x45, 0x00]), Some(750_516_300));
        assert_eq!(start_time(&[0xff; 5]), None);
        assert_eq!(start_time(&[0xc0, 0x79, 0x25, 0x00, 0x00]), None);
        // The last day before the wrap and the first after: 2038-04-22 (MJD 0xFFFF) and
        // 2038-04-23 (MJD 0x0000 under the new rule).
        assert_eq!(start_time(&[0xff, 0xff, 0x23, 0x59, 0x59]), Some(2_155_593_599));
        assert_eq!(start_time(&[0x00, 0x00, 0x00, 0x00, 0x00]), Some(2_155_593_600));
        // 0x8000 is the first day of the old range (1948-08-05), 0x7FFF the last after the wrap
        // (2128-01-09).
        assert_eq!(start_time(&[0x80, 0x00, 0x00, 0x00, 0x00]), Some(-675_561_600));
        assert_eq!(start_time(&[0x7f, 0xff, 0x00, 0x00, 0x00]), Some(4_986_662_400));
        assert_eq!(bcd_hms(&[0x01, 0x45, 0x30]), Some(6330));
        assert_eq!(bcd_hms(&[0x01, 0x4a, 0x30]), None);
    }

    /// One event: start 2020-05-11 06:00:00 (MJD 0xE664), 30 minutes, then `descriptors`.
    fn event_bytes(descriptors: &[u8]) -> Vec<u8> {
        let mut b = vec![0x00, 0x07, 0xe6, 0x64, 0x06, 0x00, 0x00, 0x00, 0x30, 0x00];
        let len = descriptors.len() as u16 | 0x8000;
        b.extend_from_slice(&len.to_be_bytes());
        b.extend_from_slice(descriptors);
        b
    }

    /// A short event descriptor: language `jpn`, the name bytes, no text.
    fn short_event_bytes(name: &[u8]) -> Vec<u8> {
        let mut d = vec![DESC_SHORT_EVENT, (3 + 1 + name.len() + 1) as u8];
        d.extend_from_slice(b"jpn");
        d.push(name.len() as u8);
        d.extend_from_slice(name);
        d.push(0);
        d
    }

    #[test]
    fn isdb_events_are_marked_and_their_text_left_undecoded() {
        // The name of a BS event (ARIB STD-B24: JIS X 0208 in GL) and its audio component
        // descriptor, as in the ISDB-S capture of the corpus.
        let name = [0x24, 0x3b, 0x7a, 0x5a, 0x3c, 0x42, 0x53];
        let mut d = short_event_bytes(&name);
        d.extend_from_slice(&[0xc4, 0x02, 0x00, 0x00]);
        let bytes = event_bytes(&d);
        let (event, rest) = parse_event(&bytes).expect("an event");
        assert!(rest.is_empty());
        assert_eq!(event.text_coding, TextCoding::Arib);
        assert_eq!(event.title, "", "ARIB text is not DVB text");
        // 06:00 JST is 21:00 UTC the day before.
        assert_eq!(event.start, Some(1_589_176_800 - 9 * 3600));
        assert_eq!(event.duration_s, 1800);

        // The same descriptor tag after a private data specifier is a DVB operator's own.
        let mut d = short_event_bytes(b"News");
        d.extend_from_slice(&[DESC_PRIVATE_DATA_SPECIFIER, 4, 0, 0, 0, 0x28, 0xc4, 0x02, 0, 0]);
        let (event, _) = parse_event(&event_bytes(&d)).expect("an event");
        assert_eq!(event.text_coding, TextCoding::Dvb);
        assert_eq!(event.title, "News");
        assert_eq!(event.start, Some(1_589_176_800));
    }
}
