// SPDX-License-Identifier: GPL-3.0-or-later
//! PAT and PMT decoding from validated sections: program → PMT PID, PCR PID,
//! elementary streams with stream type, codec and ISO-639 audio languages.
//!
//! Owns table bodies only; must not depend on packet reassembly (that is `psi`) or
//! on any player state.

use super::psi::Section;

/// table_id of the Program Association Table.
pub const TABLE_PAT: u8 = 0x00;
/// table_id of the Program Map Table.
pub const TABLE_PMT: u8 = 0x02;
/// Descriptor tag: ISO 639 language.
pub const DESC_LANGUAGE: u8 = 0x0a;
/// Descriptor tag: DVB AC-3.
pub const DESC_AC3: u8 = 0x6a;
/// Descriptor tag: DVB enhanced AC-3.
pub const DESC_EAC3: u8 = 0x7a;
/// Descriptor tag: DVB subtitling.
pub const DESC_SUBTITLING: u8 = 0x59;
/// Descriptor tag: DVB teletext.
pub const DESC_TELETEXT: u8 = 0x56;
/// Descriptor tag: registration (format_identifier, e.g. `Opus`, `AC-3`, `EAC3`).
pub const DESC_REGISTRATION: u8 = 0x05;
/// Descriptor tag: DVB DTS audio (EN 300 468 annex G).
pub const DESC_DTS: u8 = 0x7b;
/// Descriptor tag: conditional access (the program or stream is scrambled).
pub const DESC_CA: u8 = 0x09;
/// Descriptor tag: DVB extension (the first payload byte is the extension tag).
pub const DESC_EXTENSION: u8 = 0x7f;
/// Extension tag of the supplementary audio descriptor (EN 300 468 §6.4.11).
const EXT_SUPPLEMENTARY_AUDIO: u8 = 0x06;

/// Why a table could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The section carries another table.
    #[error("unexpected table_id {0:#04x}")]
    WrongTable(u8),
    /// A loop or field runs past the section body.
    #[error("table body truncated")]
    Truncated,
}

/// One PAT entry with a real program (program 0, the NIT pointer, is kept apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatProgram {
    /// program_number (service_id in DVB).
    pub program_number: u16,
    /// PID carrying this program's PMT.
    pub pmt_pid: u16,
}

/// Program Association Table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pat {
    /// transport_stream_id.
    pub transport_stream_id: u16,
    /// version_number.
    pub version: u8,
    /// Programs in transmission order.
    pub programs: Vec<PatProgram>,
    /// NIT PID announced by program 0, if any.
    pub network_pid: Option<u16>,
}

impl Pat {
    /// Decodes a PAT section (single-section PATs cover practically every stream).
    pub fn parse(section: &Section<'_>) -> Result<Self, TableError> {
        expect_table(section, TABLE_PAT)?;
        let mut pat = Pat {
            transport_stream_id: section.table_id_extension().unwrap_or(0),
            version: section.version().unwrap_or(0),
            programs: Vec::new(),
            network_pid: None,
        };
        let (entries, rest) = section.body().as_chunks::<4>();
        if !rest.is_empty() {
            return Err(TableError::Truncated);
        }
        for e in entries {
            let program_number = u16::from_be_bytes([e[0], e[1]]);
            let pid = pid_of(e[2], e[3]);
            if program_number == 0 {
                pat.network_pid = Some(pid);
            } else {
                pat.programs.push(PatProgram {
                    program_number,
                    pmt_pid: pid,
                });
            }
        }
        Ok(pat)
    }

    /// The wanted program's PMT PID, or the first program's when `program` is `None`.
    pub fn pmt_pid(&self, program: Option<u16>) -> Option<u16> {
        self.programs
            .iter()
            .find(|p| program.is_none_or(|n| n == p.program_number))
            .map(|p| p.pmt_pid)
    }
}

/// A raw descriptor (tag + payload).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// descriptor_tag.
    pub tag: u8,
    /// descriptor payload (without tag and length).
    pub data: Vec<u8>,
}

/// Video codecs the receive path recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// MPEG-1/2 video (stream types 0x01, 0x02).
    Mpeg2,
    /// H.264/AVC (0x1b).
    H264,
    /// H.265/HEVC (0x24).
    Hevc,
    /// H.266/VVC (0x33).
    Vvc,
}

impl VideoCodec {
    /// A short name for reports: `mpeg2`, `h264`, `hevc`, `vvc`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mpeg2 => "mpeg2",
            Self::H264 => "h264",
            Self::Hevc => "hevc",
            Self::Vvc => "vvc",
        }
    }
}

/// Audio codecs the receive path recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// MPEG-1/2 layer I-III (0x03, 0x04).
    Mpeg,
    /// AAC in ADTS (0x0f).
    AacAdts,
    /// AAC in LATM (0x11).
    AacLatm,
    /// AC-3 (0x81, or 0x06 with descriptor 0x6a).
    Ac3,
    /// Enhanced AC-3 (0x87, or 0x06 with descriptor 0x7a).
    Eac3,
    /// Opus (0x06 with registration `Opus`).
    Opus,
    /// DTS and DTS-HD: 0x06 with the DVB DTS descriptor or a `DTS1`-`DTS3` registration, and
    /// 0x82, 0x85, 0x86 in a Blu-ray (`HDMV`-registered) program ([`Pmt::kind_of`]).
    Dts,
}

impl AudioCodec {
    /// A short name for reports: `mpeg`, `aac`, `aac-latm`, `ac3`, `eac3`, `opus`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mpeg => "mpeg",
            Self::AacAdts => "aac",
            Self::AacLatm => "aac-latm",
            Self::Ac3 => "ac3",
            Self::Eac3 => "eac3",
            Self::Opus => "opus",
            Self::Dts => "dts",
        }
    }
}

/// What an audio track is for (ISO 639 audio_type, the `qad` language code, or the DVB
/// supplementary audio descriptor's editorial classification).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AudioKind {
    /// The programme's sound.
    Main,
    /// Audio description (commentary for the visually impaired).
    AudioDescription,
    /// Clean audio (dialogue emphasised, for the hearing impaired).
    CleanAudio,
    /// Spoken subtitles (for the visually impaired).
    SpokenSubtitles,
}

impl AudioKind {
    /// The name used in reports: `main`, `audio-description`, `clean-audio`, `spoken-subtitles`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::AudioDescription => "audio-description",
            Self::CleanAudio => "clean-audio",
            Self::SpokenSubtitles => "spoken-subtitles",
        }
    }
}

/// How a subtitle track is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubtitleFormat {
    /// DVB bitmap subtitles (EN 300 743), descriptor 0x59.
    Dvb,
    /// Teletext subtitle pages (EN 300 706), descriptor 0x56.
    Teletext,
}

/// One subtitle service announced in the PMT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubtitleTrack {
    pub pid: u16,
    pub format: SubtitleFormat,
    /// ISO 639 code as transmitted (lossy ASCII).
    pub language: String,
    /// DVB: the composition page id; teletext: the page number (`888`).
    pub page: u16,
    pub hearing_impaired: bool,
}

/// What an elementary stream carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamKind {
    /// Video.
    Video(VideoCodec),
    /// Audio.
    Audio(AudioCodec),
    /// DVB subtitles (0x06 with descriptor 0x59).
    Subtitles,
    /// Teletext (0x06 with descriptor 0x56).
    Teletext,
    /// Private or unrecognised data.
    Other,
}

/// One ISO 639 language entry (descriptor 0x0a).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Language {
    /// Three-letter code as transmitted, e.g. `*b"deu"`.
    pub code: [u8; 3],
    /// audio_type (0 undefined, 1 clean effects, 2 hearing impaired, 3 visual impaired commentary).
    pub audio_type: u8,
}

impl Language {
    /// The code as text, if it is ASCII.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.code).ok().filter(|s| s.is_ascii())
    }
}

/// One elementary stream of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementaryStream {
    /// stream_type.
    pub stream_type: u8,
    /// elementary_PID.
    pub pid: u16,
    /// ES_info descriptors.
    pub descriptors: Vec<Descriptor>,
}

impl ElementaryStream {
    /// Classifies the stream from its type and, for private data, its descriptors.
    pub fn kind(&self) -> StreamKind {
        match self.stream_type {
            0x01 | 0x02 => StreamKind::Video(VideoCodec::Mpeg2),
            0x1b => StreamKind::Video(VideoCodec::H264),
            0x24 => StreamKind::Video(VideoCodec::Hevc),
            0x33 => StreamKind::Video(VideoCodec::Vvc),
            0x03 | 0x04 => StreamKind::Audio(AudioCodec::Mpeg),
            0x0f => StreamKind::Audio(AudioCodec::AacAdts),
            0x11 => StreamKind::Audio(AudioCodec::AacLatm),
            0x81 => StreamKind::Audio(AudioCodec::Ac3),
            0x87 => StreamKind::Audio(AudioCodec::Eac3),
            0x06 => self.private_kind(),
            _ => StreamKind::Other,
        }
    }

    /// DVB signals codecs in PES private data through descriptors.
    fn private_kind(&self) -> StreamKind {
        let has = |tag| self.descriptors.iter().any(|d| d.tag == tag);
        let registered = |id: &[u8]| {
            self.descriptors
                .iter()
                .any(|d| d.tag == DESC_REGISTRATION && d.data.starts_with(id))
        };
        if has(DESC_AC3) || registered(b"AC-3") {
            StreamKind::Audio(AudioCodec::Ac3)
        } else if registered(b"Opus") {
            StreamKind::Audio(AudioCodec::Opus)
        } else if has(DESC_EAC3) || registered(b"EAC3") {
            StreamKind::Audio(AudioCodec::Eac3)
        } else if has(DESC_DTS) || [b"DTS1", b"DTS2", b"DTS3"].iter().any(|id| registered(*id)) {
            StreamKind::Audio(AudioCodec::Dts)
        } else if has(DESC_SUBTITLING) {
            StreamKind::Subtitles
        } else if has(DESC_TELETEXT) {
            StreamKind::Teletext
        } else {
            StreamKind::Other
        }
    }

    /// What this audio track is for: the supplementary audio descriptor wins, then the ISO 639
    /// audio_type, then the `qad` code (audio description, as French and other broadcasters
    /// label it).
    pub fn audio_kind(&self) -> AudioKind {
        let supplementary = self.descriptors.iter().find_map(|d| match d.data.as_slice() {
            [EXT_SUPPLEMENTARY_AUDIO, flags, ..] if d.tag == DESC_EXTENSION => Some(*flags),
            _ => None,
        });
        if let Some(flags) = supplementary {
            match (flags >> 2) & 0x1f {
                0x01 => return AudioKind::AudioDescription,
                0x02 => return AudioKind::CleanAudio,
                0x03 => return AudioKind::SpokenSubtitles,
                _ => {}
            }
        }
        let languages = self.languages();
        match languages.first().map(|l| l.audio_type) {
            Some(3) => return AudioKind::AudioDescription,
            Some(2) => return AudioKind::CleanAudio,
            _ => {}
        }
        if languages.iter().any(|l| l.code.eq_ignore_ascii_case(b"qad")) {
            return AudioKind::AudioDescription;
        }
        AudioKind::Main
    }

    /// The language of an audio track: the supplementary audio descriptor's when it has one
    /// (a `qad` track names its real language there), else the first ISO 639 code.
    pub fn audio_language(&self) -> Option<String> {
        let supplementary = self.descriptors.iter().find_map(|d| match d.data.as_slice() {
            [EXT_SUPPLEMENTARY_AUDIO, flags, code @ ..] if d.tag == DESC_EXTENSION && flags & 1 == 1 => {
                code.get(..3)
            }
            _ => None,
        });
        let code = supplementary.or_else(|| {
            self.descriptors
                .iter()
                .find(|d| d.tag == DESC_LANGUAGE)
                .and_then(|d| d.data.get(..3))
        })?;
        let text = String::from_utf8_lossy(code).trim().to_owned();
        (!text.is_empty() && text.is_ascii()).then_some(text)
    }

    /// Subtitle services: DVB subtitling entries, and teletext pages of type subtitle (2) or
    /// subtitle for the hearing impaired (5).
    pub fn subtitles(&self) -> Vec<SubtitleTrack> {
        let mut out = Vec::new();
        let language = |code: &[u8]| String::from_utf8_lossy(code).trim().to_owned();
        for d in &self.descriptors {
            match d.tag {
                DESC_SUBTITLING => {
                    for e in d.data.as_chunks::<8>().0 {
                        out.push(SubtitleTrack {
                            pid: self.pid,
                            format: SubtitleFormat::Dvb,
                            language: language(&e[..3]),
                            page: u16::from_be_bytes([e[4], e[5]]),
                            // subtitling_type 0x20–0x25: for the hard of hearing.
                            hearing_impaired: (0x20..=0x25).contains(&e[3]),
                        });
                    }
                }
                DESC_TELETEXT => {
                    for e in d.data.as_chunks::<5>().0 {
                        let kind = e[3] >> 3;
                        if kind != 2 && kind != 5 {
                            continue;
                        }
                        let magazine = match e[3] & 0x07 {
                            0 => 8,
                            m => u16::from(m),
                        };
                        let page = u16::from(e[4] >> 4) * 10 + u16::from(e[4] & 0x0f);
                        out.push(SubtitleTrack {
                            pid: self.pid,
                            format: SubtitleFormat::Teletext,
                            language: language(&e[..3]),
                            page: magazine * 100 + page,
                            hearing_impaired: kind == 5,
                        });
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Whether a conditional access descriptor marks this stream as scrambled.
    pub fn has_ca(&self) -> bool {
        self.descriptors.iter().any(|d| d.tag == DESC_CA)
    }

    /// Languages from ISO 639 descriptors, in order.
    pub fn languages(&self) -> Vec<Language> {
        let entries = self.descriptors.iter().filter(|d| d.tag == DESC_LANGUAGE);
        entries
            .flat_map(|d| d.data.as_chunks::<4>().0.iter())
            .map(|e| Language {
                code: [e[0], e[1], e[2]],
                audio_type: e[3],
            })
            .collect()
    }
}

/// Program Map Table of one program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pmt {
    /// program_number.
    pub program_number: u16,
    /// version_number.
    pub version: u8,
    /// PID carrying the program's PCR.
    pub pcr_pid: u16,
    /// Program-level descriptors.
    pub program_info: Vec<Descriptor>,
    /// Elementary streams in transmission order.
    pub streams: Vec<ElementaryStream>,
}

impl Pmt {
    /// Decodes a PMT section.
    pub fn parse(section: &Section<'_>) -> Result<Self, TableError> {
        expect_table(section, TABLE_PMT)?;
        let body = section.body();
        let head = body.get(..4).ok_or(TableError::Truncated)?;
        let pcr_pid = pid_of(head[0], head[1]);
        let info_len = length12(head[2], head[3]);
        let info = body.get(4..4 + info_len).ok_or(TableError::Truncated)?;
        let mut rest = body.get(4 + info_len..).ok_or(TableError::Truncated)?;
        let mut streams = Vec::new();
        while !rest.is_empty() {
            let h = rest.get(..5).ok_or(TableError::Truncated)?;
            let es_len = length12(h[3], h[4]);
            let es_info = rest.get(5..5 + es_len).ok_or(TableError::Truncated)?;
            streams.push(ElementaryStream {
                stream_type: h[0],
                pid: pid_of(h[1], h[2]),
                descriptors: parse_descriptors(es_info)?,
            });
            rest = rest.get(5 + es_len..).unwrap_or(&[]);
        }
        Ok(Pmt {
            program_number: section.table_id_extension().unwrap_or(0),
            version: section.version().unwrap_or(0),
            pcr_pid,
            program_info: parse_descriptors(info)?,
            streams,
        })
    }

    /// Classifies a stream of this program. The stream types above 0x80 are user private:
    /// a Blu-ray (BDAV/HDMV) program says so with an `HDMV` registration in its program info,
    /// and there 0x82, 0x85 and 0x86 are DTS, DTS-HD High Resolution and DTS-HD Master Audio,
    /// while elsewhere 0x86 is SCTE-35 splice information, which is not audio.
    pub fn kind_of(&self, stream: &ElementaryStream) -> StreamKind {
        let hdmv = self
            .program_info
            .iter()
            .any(|d| d.tag == DESC_REGISTRATION && d.data.starts_with(b"HDMV"));
        match stream.stream_type {
            0x82 | 0x85 | 0x86 if hdmv => StreamKind::Audio(AudioCodec::Dts),
            _ => stream.kind(),
        }
    }

    /// The first video stream: the one random access and zapping follow.
    pub fn video(&self) -> Option<(u16, VideoCodec)> {
        self.streams.iter().find_map(|s| match self.kind_of(s) {
            StreamKind::Video(codec) => Some((s.pid, codec)),
            _ => None,
        })
    }

    /// Audio streams with their codec, in transmission order.
    pub fn audio(&self) -> impl Iterator<Item = (&ElementaryStream, AudioCodec)> {
        self.streams.iter().filter_map(|s| match self.kind_of(s) {
            StreamKind::Audio(codec) => Some((s, codec)),
            _ => None,
        })
    }
}

fn expect_table(section: &Section<'_>, table_id: u8) -> Result<(), TableError> {
    if section.table_id() == table_id && section.syntax_indicator() {
        Ok(())
    } else {
        Err(TableError::WrongTable(section.table_id()))
    }
}

fn pid_of(hi: u8, lo: u8) -> u16 {
    u16::from_be_bytes([hi & 0x1f, lo])
}

fn length12(hi: u8, lo: u8) -> usize {
    usize::from(u16::from_be_bytes([hi & 0x0f, lo]))
}

/// Splits a descriptor loop; a descriptor overrunning the loop is an error.
pub fn parse_descriptors(mut data: &[u8]) -> Result<Vec<Descriptor>, TableError> {
    let mut out = Vec::new();
    while let [tag, len, rest @ ..] = data {
        let payload = rest.get(..usize::from(*len)).ok_or(TableError::Truncated)?;
        out.push(Descriptor {
            tag: *tag,
            data: payload.to_vec(),
        });
        data = rest.get(usize::from(*len)..).unwrap_or(&[]);
    }
    if data.is_empty() {
        Ok(out)
    } else {
        Err(TableError::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{StreamSpec, language_descriptor, pat_section, pmt_section};

    #[test]
    fn pat_programs_and_nit() {
        let raw = pat_section(0x0042, 3, &[(0, 0x10), (101, 0x100), (102, 0x200)]);
        let pat = Pat::parse(&Section::parse(&raw).unwrap()).unwrap();
        assert_eq!(pat.transport_stream_id, 0x42);
        assert_eq!(pat.version, 3);
        assert_eq!(pat.network_pid, Some(0x10));
        assert_eq!(pat.pmt_pid(None), Some(0x100));
        assert_eq!(pat.pmt_pid(Some(102)), Some(0x200));
        assert_eq!(pat.pmt_pid(Some(7)), None);
    }

    #[test]
    fn pmt_streams_and_languages() {
        let streams = [
            StreamSpec::new(0x1b, 0x101),
            StreamSpec::with(0x03, 0x102, language_descriptor(&[(*b"deu", 0)])),
            StreamSpec::with(
                0x06,
                0x103,
                [&language_descriptor(&[(*b"eng", 3)])[..], &[DESC_AC3, 0]].concat(),
            ),
            StreamSpec::with(0x06, 0x104, vec![DESC_SUBTITLING, 0]),
        ];
        let raw = pmt_section(101, 1, 0x101, &streams);
        let pmt = Pmt::parse(&Section::parse(&raw).unwrap()).unwrap();
        assert_eq!(pmt.program_number, 101);
        assert_eq!(pmt.pcr_pid, 0x101);
        assert_eq!(pmt.video(), Some((0x101, VideoCodec::H264)));
        let audio: Vec<_> = pmt.audio().map(|(s, c)| (s.pid, c, s.languages())).collect();
        assert_eq!(audio.len(), 2);
        assert_eq!(audio[0].1, AudioCodec::Mpeg);
        assert_eq!(audio[0].2[0].as_str(), Some("deu"));
        assert_eq!(audio[1].1, AudioCodec::Ac3);
        assert_eq!(
            audio[1].2,
            vec![Language {
                code: *b"eng",
                audio_type: 3
            }]
        );
        assert_eq!(pmt.streams[3].kind(), StreamKind::Subtitles);
    }

    #[test]
    fn audio_kinds_languages_and_subtitles() {
        let es = |stream_type, descriptors: Vec<u8>| ElementaryStream {
            stream_type,
            pid: 0x200,
            descriptors: parse_descriptors(&descriptors).unwrap(),
        };
        let main = es(0x03, language_descriptor(&[(*b"fra", 0)]));
        assert_eq!(
            (main.audio_kind(), main.audio_language().as_deref()),
            (AudioKind::Main, Some("fra"))
        );
        let qad = es(0x03, language_descriptor(&[(*b"qad", 0)]));
        assert_eq!(qad.audio_kind(), AudioKind::AudioDescription);
        let typed = es(0x03, language_descriptor(&[(*b"eng", 3)]));
        assert_eq!(typed.audio_kind(), AudioKind::AudioDescription);
        let clean = es(0x03, language_descriptor(&[(*b"eng", 2)]));
        assert_eq!(clean.audio_kind(), AudioKind::CleanAudio);
        // Supplementary audio descriptor: AD, its real language "fra" behind a "qad" code.
        let supplementary = [
            &language_descriptor(&[(*b"qad", 0)])[..],
            &[
                DESC_EXTENSION,
                5,
                EXT_SUPPLEMENTARY_AUDIO,
                0x80 | 0x01 << 2 | 1,
                b'f',
                b'r',
                b'a',
            ],
            &[DESC_EAC3, 0],
        ]
        .concat();
        let ad = es(0x06, supplementary);
        assert_eq!(ad.kind(), StreamKind::Audio(AudioCodec::Eac3));
        assert_eq!(
            (ad.audio_kind(), ad.audio_language().as_deref()),
            (AudioKind::AudioDescription, Some("fra"))
        );
        let opus = es(0x06, vec![DESC_REGISTRATION, 4, b'O', b'p', b'u', b's']);
        assert_eq!(opus.kind(), StreamKind::Audio(AudioCodec::Opus));
        let atsc = es(0x06, vec![DESC_REGISTRATION, 4, b'A', b'C', b'-', b'3']);
        assert_eq!(atsc.kind(), StreamKind::Audio(AudioCodec::Ac3));
        // DVB subtitles: French for the hard of hearing, composition page 2; teletext page 888.
        let dvb = es(0x06, vec![DESC_SUBTITLING, 8, b'f', b'r', b'a', 0x20, 0, 2, 0, 2]);
        let s = dvb.subtitles();
        assert_eq!(
            (
                s[0].format,
                s[0].language.as_str(),
                s[0].page,
                s[0].hearing_impaired
            ),
            (SubtitleFormat::Dvb, "fra", 2, true)
        );
        let ttx = es(
            0x06,
            vec![
                DESC_TELETEXT,
                10,
                b'f',
                b'r',
                b'a',
                0x09,
                0x00,
                b'f',
                b'r',
                b'a',
                2 << 3,
                0x88,
            ],
        );
        let s = ttx.subtitles();
        assert_eq!(s.len(), 1, "the initial page (type 1) is not a subtitle page");
        assert_eq!(
            (s[0].format, s[0].page, s[0].hearing_impaired),
            (SubtitleFormat::Teletext, 888, false)
        );
        assert!(!ttx.has_ca());
    }

    #[test]
    fn stream_type_table() {
        let kind = |t| {
            ElementaryStream {
                stream_type: t,
                pid: 1,
                descriptors: vec![],
            }
            .kind()
        };
        assert_eq!(kind(0x02), StreamKind::Video(VideoCodec::Mpeg2));
        assert_eq!(kind(0x24), StreamKind::Video(VideoCodec::Hevc));
        assert_eq!(kind(0x04), StreamKind::Audio(AudioCodec::Mpeg));
        assert_eq!(kind(0x0f), StreamKind::Audio(AudioCodec::AacAdts));
        assert_eq!(kind(0x11), StreamKind::Audio(AudioCodec::AacLatm));
        assert_eq!(kind(0x81), StreamKind::Audio(AudioCodec::Ac3));
        assert_eq!(kind(0x06), StreamKind::Other);
        assert_eq!(kind(0x05), StreamKind::Other);
        assert_eq!(kind(0x86), StreamKind::Other, "SCTE-35 outside a Blu-ray program");
    }

    #[test]
    fn dts_in_a_blu_ray_program_and_in_dvb() {
        let stream = |stream_type, descriptors| ElementaryStream {
            stream_type,
            pid: 0x1100,
            descriptors,
        };
        let pmt = |program_info| Pmt {
            program_number: 1,
            version: 0,
            pcr_pid: 0x1011,
            program_info,
            streams: vec![stream(0x86, vec![]), stream(0x03, vec![])],
        };
        let hdmv = pmt(vec![Descriptor {
            tag: DESC_REGISTRATION,
            data: b"HDMV\xff\x1b\x44\x3f".to_vec(),
        }]);
        let codecs: Vec<AudioCodec> = hdmv.audio().map(|(_, c)| c).collect();
        assert_eq!(codecs, [AudioCodec::Dts, AudioCodec::Mpeg]);
        let plain: Vec<AudioCodec> = pmt(vec![]).audio().map(|(_, c)| c).collect();
        assert_eq!(plain, [AudioCodec::Mpeg], "0x86 without HDMV is SCTE-35");
        let dvb = stream(
            0x06,
            vec![Descriptor {
                tag: DESC_DTS,
                data: vec![0; 5],
            }],
        );
        assert_eq!(dvb.kind(), StreamKind::Audio(AudioCodec::Dts));
    }

    #[test]
    fn truncated_descriptor_loop_rejected() {
        assert_eq!(
            parse_descriptors(&[0x0a, 4, b'd', b'e']),
            Err(TableError::Truncated)
        );
        assert_eq!(parse_descriptors(&[0x0a]), Err(TableError::Truncated));
        assert_eq!(parse_descriptors(&[]), Ok(vec![]));
    }

    #[test]
    fn wrong_table_rejected() {
        let raw = pat_section(1, 0, &[(1, 0x100)]);
        let err = Pmt::parse(&Section::parse(&raw).unwrap()).unwrap_err();
        assert_eq!(err, TableError::WrongTable(0));
    }
}
