// SPDX-License-Identifier: GPL-3.0-or-later
//! Subtitle tracks as the PMT declares them: the DVB subtitling descriptor (0x59, EN 300
//! 468 §6.2.41: language, subtitling type, composition and ancillary page) and the
//! teletext descriptor (0x56, §6.2.43: language, teletext type, magazine and page), turned
//! into typed tracks. Teletext pages of type 2 (subtitles) and 5 (subtitles for the hard of
//! hearing) are tracks; the other types are kept as `TeletextEntry` for the viewer.
//!
//! Reads descriptors only; the choice between tracks belongs to the core.

use super::tables::{DESC_SUBTITLING, DESC_TELETEXT, ElementaryStream, Pmt};
use super::teletext::PageNumber;

/// How a subtitle track is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubtitleCarriage {
    /// DVB bitmap subtitles (EN 300 743).
    Dvb {
        /// composition_page_id.
        composition_page: u16,
        /// ancillary_page_id.
        ancillary_page: u16,
        /// Meant for an HD display (subtitling types 0x14 and 0x24).
        hd: bool,
    },
    /// A teletext subtitle page (EN 300 706).
    Teletext {
        /// The page, e.g. 888.
        page: PageNumber,
    },
    /// CEA-608 captions in the video's SEI (channel 1–4); not declared in the PMT.
    Cea608 {
        /// Caption channel CC1–CC4.
        channel: u8,
    },
    /// A CEA-708 (DTVCC) caption service in the video's SEI (1–6); not declared in the PMT.
    Cea708 { service: u8 },
}

/// One subtitle track of a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubtitleTrack {
    /// PID carrying it (the video PID for captions).
    pub pid: u16,
    /// ISO 639-2 language code as transmitted, e.g. `*b"fra"`.
    pub language: [u8; 3],
    /// For the deaf and hard of hearing (sound descriptions, speaker colours).
    pub hard_of_hearing: bool,
    /// Carriage and addressing.
    pub carriage: SubtitleCarriage,
}

impl SubtitleTrack {
    /// The language code as text when it is ASCII letters.
    pub fn language_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.language)
            .ok()
            .filter(|s| s.bytes().all(|b| b.is_ascii_alphabetic()))
    }
}

/// teletext_type values (EN 300 468 table 94).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TeletextType {
    /// 1: the initial teletext page (the viewer opens it).
    Initial,
    /// 2: subtitles.
    Subtitle,
    /// 3: additional information.
    AdditionalInformation,
    /// 4: programme schedule.
    Schedule,
    /// 5: subtitles for the hard of hearing.
    HardOfHearingSubtitle,
    /// Reserved values.
    Reserved(u8),
}

impl TeletextType {
    fn from_bits(bits: u8) -> Self {
        match bits {
            1 => Self::Initial,
            2 => Self::Subtitle,
            3 => Self::AdditionalInformation,
            4 => Self::Schedule,
            5 => Self::HardOfHearingSubtitle,
            other => Self::Reserved(other),
        }
    }
}

/// One entry of a teletext descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TeletextEntry {
    /// PID of the teletext stream.
    pub pid: u16,
    /// ISO 639-2 language code.
    pub language: [u8; 3],
    /// What the page is.
    pub kind: TeletextType,
    /// The page.
    pub page: PageNumber,
}

/// Teletext descriptor entries of one stream (5 bytes each; a short tail is ignored).
pub fn teletext_entries(stream: &ElementaryStream) -> Vec<TeletextEntry> {
    let descriptors = stream.descriptors.iter().filter(|d| d.tag == DESC_TELETEXT);
    descriptors
        .flat_map(|d| d.data.as_chunks::<5>().0.iter())
        .map(|e| TeletextEntry {
            pid: stream.pid,
            language: [e[0], e[1], e[2]],
            kind: TeletextType::from_bits(e[3] >> 3),
            page: PageNumber::new(e[3] & 7, e[4]),
        })
        .collect()
}

/// DVB subtitling descriptor entries of one stream as tracks (8 bytes each).
fn dvb_tracks(stream: &ElementaryStream) -> impl Iterator<Item = SubtitleTrack> + '_ {
    let descriptors = stream.descriptors.iter().filter(|d| d.tag == DESC_SUBTITLING);
    descriptors
        .flat_map(|d| d.data.as_chunks::<8>().0.iter())
        .filter_map(|e| {
            let subtitling_type = e[3];
            let hard_of_hearing = match subtitling_type {
                0x10..=0x15 => false,
                0x20..=0x25 => true,
                _ => return None, // EBU teletext (0x01, 0x02) or reserved: not DVB bitmaps.
            };
            Some(SubtitleTrack {
                pid: stream.pid,
                language: [e[0], e[1], e[2]],
                hard_of_hearing,
                carriage: SubtitleCarriage::Dvb {
                    composition_page: u16::from_be_bytes([e[4], e[5]]),
                    ancillary_page: u16::from_be_bytes([e[6], e[7]]),
                    hd: matches!(subtitling_type, 0x14 | 0x24),
                },
            })
        })
}

impl Pmt {
    /// Subtitle tracks in transmission order: DVB subtitles and teletext subtitle pages.
    pub fn subtitle_tracks(&self) -> Vec<SubtitleTrack> {
        let mut tracks = Vec::new();
        for stream in self.streams.iter().filter(|s| s.stream_type == 0x06) {
            tracks.extend(dvb_tracks(stream));
            let pages = teletext_entries(stream).into_iter().filter_map(|e| {
                let hard_of_hearing = match e.kind {
                    TeletextType::Subtitle => false,
                    TeletextType::HardOfHearingSubtitle => true,
                    _ => return None,
                };
                Some(SubtitleTrack {
                    pid: e.pid,
                    language: e.language,
                    hard_of_hearing,
                    carriage: SubtitleCarriage::Teletext { page: e.page },
                })
            });
            tracks.extend(pages);
        }
        tracks
    }

    /// Every teletext page the PMT declares (the viewer starts at the `Initial` one).
    pub fn teletext_entries(&self) -> Vec<TeletextEntry> {
        let streams = self.streams.iter().filter(|s| s.stream_type == 0x06);
        streams.flat_map(teletext_entries).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::Section;
    use crate::mpegts::build::{StreamSpec, pmt_section};

    #[test]
    fn dvb_and_teletext_descriptors_become_tracks() {
        let teletext = [
            &[DESC_TELETEXT, 15][..],
            b"fra",
            &[5 << 3, 0x88], // magazine 0 = 8: page 888, hard of hearing
            b"fra",
            &[2 << 3, 0x89],
            b"deu",
            &[1 << 3 | 1, 0x00], // initial page 100
        ]
        .concat();
        let dvb = [
            &[DESC_SUBTITLING, 16][..],
            b"fra",
            &[0x24, 0, 1, 0, 1],
            b"eng",
            &[0x10, 0, 2, 0, 3],
        ]
        .concat();
        let streams = [
            StreamSpec::new(0x1b, 0x100),
            StreamSpec::with(0x06, 0x42c, teletext),
            StreamSpec::with(0x06, 0x8c, dvb),
        ];
        let raw = pmt_section(1, 0, 0x100, &streams);
        let pmt = Pmt::parse(&Section::parse(&raw).unwrap()).unwrap();
        let tracks = pmt.subtitle_tracks();
        assert_eq!(tracks.len(), 4);
        assert_eq!(tracks[0].language_str(), Some("fra"));
        assert!(tracks[0].hard_of_hearing);
        let page = |t: &SubtitleTrack| match t.carriage {
            SubtitleCarriage::Teletext { page } => page.decimal(),
            _ => None,
        };
        assert_eq!(page(&tracks[0]), Some(888));
        assert_eq!(page(&tracks[1]), Some(889));
        assert!(!tracks[1].hard_of_hearing);
        assert_eq!(tracks[2].pid, 0x8c);
        assert!(tracks[2].hard_of_hearing);
        assert_eq!(
            tracks[3].carriage,
            SubtitleCarriage::Dvb {
                composition_page: 2,
                ancillary_page: 3,
                hd: false
            }
        );
        let entries = pmt.teletext_entries();
        assert_eq!(entries[2].kind, TeletextType::Initial);
        assert_eq!(entries[2].page.decimal(), Some(100));
    }
}
