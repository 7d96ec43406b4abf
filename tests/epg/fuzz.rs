// SPDX-License-Identifier: GPL-3.0-or-later
//! Hostile input: random bytes and mutated real XMLTV through the reader, the whole ingest and
//! the index; random bytes through the EIT collector, DVB text and XMLTV time parsing; a
//! corrupted index file. Nothing may panic, and what loads must keep the index invariants.

use super::{fixture, load};
use proptest::prelude::*;
use zapbox::epg::time::parse_xmltv_time;
use zapbox::epg::xmltv::{self, Programme, XmltvChannel, XmltvSink};
use zapbox::epg::{GuideSource, IngestOptions, index, ingest, input};
use zapbox::guide::{Guide, LiveProgramme};
use zapbox::lineup::ChannelKey;
use zapbox::mpegts::Section;
use zapbox::mpegts::eit::{EitCollector, decode_dvb_text, parse_eit};
use zapbox::mpegts::psi::crc32_mpeg2;

#[derive(Default)]
struct Checked {
    programmes: u64,
    warnings: u64,
}

impl XmltvSink for Checked {
    fn channel(&mut self, channel: XmltvChannel, _line: u64) {
        assert!(!channel.id.is_empty());
    }
    fn programme(&mut self, p: &mut Programme) {
        assert!(!p.channel.is_empty() && p.line >= 1);
        self.programmes += 1;
    }
    fn warning(&mut self, line: u64, message: String) {
        assert!(line >= 1 && !message.is_empty());
        self.warnings += 1;
    }
}

fn read(bytes: Vec<u8>) -> Checked {
    let mut sink = Checked::default();
    let input = input::open_bytes(bytes).expect("in-memory input opens");
    xmltv::parse(input.reader, 1 << 30, &mut sink);
    sink
}

/// A valid guide with random damage: cuts, flipped bytes, and inserted tokens that trip XML
/// readers (markup openers, references, CDATA ends, invalid UTF-8, a second root).
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let base = std::fs::read(fixture("basic.xml")).unwrap();
    let tokens = prop_oneof![
        Just(b"<".to_vec()),
        Just(b"&".to_vec()),
        Just(b"&lol;".to_vec()),
        Just(b"&#xFFFFFF;".to_vec()),
        Just(b"]]>".to_vec()),
        Just(b"<![CDATA[".to_vec()),
        Just(b"<!--".to_vec()),
        Just(b"<!DOCTYPE x [<!ENTITY a \"&a;\">]>".to_vec()),
        Just(b"<programme start=\"2026\" channel=\"\">".to_vec()),
        Just(b"</programme>".to_vec()),
        Just(b"</tv><tv>".to_vec()),
        Just(b"\xff\xfe\x00".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"stop=\"19700101000000 -1500\"".to_vec()),
    ];
    let edit = (any::<prop::sample::Index>(), 0u8..3, tokens, any::<u8>());
    prop::collection::vec(edit, 1..12).prop_map(move |edits| {
        let mut bytes = base.clone();
        for (at, kind, token, byte) in edits {
            let i = at.index(bytes.len().max(1));
            match kind {
                0 => bytes.truncate(i),
                1 => {
                    if let Some(b) = bytes.get_mut(i) {
                        *b ^= byte | 1;
                    }
                }
                _ => {
                    let i = i.min(bytes.len());
                    bytes.splice(i..i, token);
                }
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        read(bytes);
    }

    #[test]
    fn mutated_xmltv_never_panics(bytes in mutated()) {
        read(bytes);
    }

    #[test]
    fn time_parser_is_total(text in ".{0,40}") {
        let _ = parse_xmltv_time(&text);
    }

    #[test]
    fn valid_times_match_jiff(secs in 0i64..4_000_000_000, offset_min in -900i32..=900) {
        let offset = jiff::tz::Offset::from_seconds(offset_min * 60).unwrap();
        let civil = offset.to_datetime(jiff::Timestamp::from_second(secs).unwrap());
        let sign = if offset_min < 0 { '-' } else { '+' };
        let text = format!(
            "{}{sign}{:02}{:02}",
            civil.strftime("%Y%m%d%H%M%S "),
            offset_min.abs() / 60,
            offset_min.abs() % 60
        );
        prop_assert_eq!(parse_xmltv_time(&text), Ok(secs), "{}", text);
    }

    #[test]
    fn dvb_text_is_total(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = decode_dvb_text(&bytes);
        prop_assert!(!text.contains(char::from(0)), "NUL in output");
    }

    #[test]
    fn eit_collector_survives_random_streams(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..20)) {
        let mut c = EitCollector::new();
        for chunk in &chunks {
            c.push_bytes(chunk);
            let mut aligned = chunk.clone();
            aligned.resize(188, 0xff);
            aligned[0] = 0x47;
            aligned[1] = 0x40; // PUSI, PID 0x12
            aligned[2] = 0x12;
            c.push_bytes(&aligned);
        }
        let _ = c.take();
    }

    #[test]
    fn eit_sections_with_valid_crc_never_panic(table in 0x4eu8..=0x6f, body in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut s = vec![table];
        s.extend((0xf000 | (body.len() + 9) as u16).to_be_bytes());
        s.extend([0, 1, 0xc1, 0, 0]);
        s.extend(&body);
        let crc = crc32_mpeg2(&s);
        s.extend(crc.to_be_bytes());
        let section = Section::parse(&s).unwrap();
        if let Ok(eit) = parse_eit(&section) {
            for e in &eit.events {
                let _ = LiveProgramme::from_eit(e);
            }
        }
    }
}

proptest! {
    // Each case writes an index directory: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn mutated_guides_ingest_into_consistent_indexes(bytes in mutated()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("guide.xml");
        std::fs::write(&path, &bytes).unwrap();
        let out = dir.path().join("index");
        let Ok(report) = ingest(&[GuideSource::new(path.to_string_lossy())], &out, &IngestOptions::default()) else {
            return Ok(());
        };
        let index = load(&out);
        prop_assert_eq!(index.programme_count(), report.programmes);
        let ids: Vec<String> = index.channels().iter().map(|c| c.id.clone()).collect();
        let guide = Guide::all_channels(index);
        for id in ids {
            let listings = guide.window(&ChannelKey(id), i64::MIN / 4, i64::MAX / 4);
            for pair in listings.windows(2) {
                prop_assert!(pair[0].stop <= pair[1].start, "sorted, no overlap");
            }
            for l in &listings {
                prop_assert!(l.start < l.stop);
                let _ = guide.details(l);
            }
        }
        let _ = guide.search("e", 0, 5);
    }

    #[test]
    fn corrupted_index_files_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let dir = tempfile::tempdir().unwrap();
        ingest(&[GuideSource::new(fixture("basic.xml").to_string_lossy())], dir.path(), &IngestOptions::default()).unwrap();
        let path = dir.path().join(index::INDEX_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(bytes.len() / 2));
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(index) = index::load(dir.path()) {
            let guide = Guide::all_channels(index);
            let _ = guide.now_next(&ChannelKey("bbcone.uk".into()), 0);
        }
    }
}
