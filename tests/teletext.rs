// SPDX-License-Identifier: GPL-3.0-or-later
//! The teletext subtitle decoder (`mpegts::teletext`) against a real capture: TSDuck's
//! test-012.ts (France, page 888/889 in the PMT) decoded and compared, text and timing,
//! with the SRT TSDuck publishes for it; the PMT's teletext descriptor as typed tracks;
//! and property tests feeding arbitrary bytes and packets.
//!
//! The capture lives in the shared corpus (`../shared/corpus/ts`, not shipped with the
//! sources); without it the corpus test says so and passes.

use std::path::PathBuf;

use proptest::prelude::*;
use zapbox::mpegts::packet::TS_PACKET_SIZE;
use zapbox::mpegts::pes::{PTS_HZ, Pes};
use zapbox::mpegts::program::ProgramTracker;
use zapbox::mpegts::subtitles::{SubtitleCarriage, SubtitleTrack};
use zapbox::mpegts::teletext::{Page, PageFilter, PageNumber, TeletextDecoder};
use zapbox::mpegts::{Framer, TsPacket};

fn corpus(name: &str) -> Option<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/ts");
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("SKIPPED: corpus file {} not available ({e})", path.display());
            None
        }
    }
}

/// One subtitle as an SRT cue: milliseconds from the first PTS of the PID, and lines.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cue {
    start_ms: u64,
    end_ms: u64,
    text: String,
}

/// What one pass over a capture found on its teletext PID.
struct Decoded {
    tracks: Vec<SubtitleTrack>,
    /// (page, PTS of its header, subtitle text) per report, in order.
    reports: Vec<(PageNumber, Option<u64>, String)>,
    first_pts: Option<u64>,
    last_pts: Option<u64>,
}

fn decode_capture(data: &[u8]) -> Decoded {
    let mut tracker = ProgramTracker::new(None);
    let mut framer = Framer::new();
    let mut decoder = TeletextDecoder::new(PageFilter::All);
    let mut reports = Vec::new();
    let (mut first_pts, mut last_pts) = (None, None);
    let mut teletext_pid = None;
    framer.push(data, &mut |packets| {
        for raw in packets {
            let packet = TsPacket::from_array(raw).expect("framed packets are synced");
            tracker.observe(&packet);
            if teletext_pid.is_none() {
                teletext_pid = tracker.pmt().and_then(|pmt| {
                    pmt.subtitle_tracks().iter().find_map(|t| match t.carriage {
                        SubtitleCarriage::Teletext { .. } => Some(t.pid),
                        _ => None,
                    })
                });
            }
            if Some(packet.pid()) != teletext_pid {
                continue;
            }
            if packet.pusi() {
                // The PES header's PTS, as a demultiplexer tracks it per PID.
                if let Some(pts) = Pes::parse(packet.payload()).and_then(|p| p.pts) {
                    first_pts.get_or_insert(pts);
                    last_pts = Some(pts);
                }
            }
            decoder.push_packet(&packet, &mut |page: &Page| {
                reports.push((page.number, page.pts, page.subtitle_text()));
            });
        }
    });
    Decoded {
        tracks: tracker.pmt().map(|p| p.subtitle_tracks()).unwrap_or_default(),
        reports,
        first_pts,
        last_pts,
    }
}

/// Cues of `page`: each transmission (a new header PTS) shows its final text until the
/// next transmission of the page, one frame (40 ms) earlier, as TSDuck writes them.
fn cues(decoded: &Decoded, page: PageNumber) -> Vec<Cue> {
    let base = decoded.first_pts.expect("the PID has PTS");
    let ms = |pts: u64| (pts - base) * 1000 / PTS_HZ;
    let mut transmissions: Vec<(u64, String)> = Vec::new();
    for (number, pts, text) in &decoded.reports {
        let Some(pts) = pts.filter(|_| *number == page) else {
            continue;
        };
        match transmissions.last_mut() {
            Some((at, last)) if *at == ms(pts) => *last = text.clone(),
            _ => transmissions.push((ms(pts), text.clone())),
        }
    }
    let end = ms(decoded.last_pts.expect("the PID has PTS"));
    let mut cues = Vec::new();
    for (i, (start, text)) in transmissions.iter().enumerate() {
        let end_ms = transmissions.get(i + 1).map_or(end, |next| next.0 - 40);
        if !text.is_empty() {
            cues.push(Cue {
                start_ms: *start,
                end_ms,
                text: text.clone(),
            });
        }
    }
    cues
}

fn parse_srt(srt: &str) -> Vec<Cue> {
    let time = |t: &str| {
        let (hms, millis) = t.trim().split_once(',').expect("hh:mm:ss,mmm");
        let parts: Vec<u64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
        ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + millis.parse::<u64>().unwrap()
    };
    let srt = srt.replace("\r\n", "\n");
    srt.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut lines = block.lines().skip(1);
            let (start, end) = lines.next().unwrap().split_once("-->").unwrap();
            Cue {
                start_ms: time(start),
                end_ms: time(end),
                text: lines.collect::<Vec<_>>().join("\n"),
            }
        })
        .collect()
}

#[test]
fn test_012_matches_tsduck_srt() {
    let (Some(ts), Some(srt)) = (corpus("tsduck/test-012.ts"), corpus("tsduck/test-012.srt")) else {
        return;
    };
    let decoded = decode_capture(&ts);
    let expected = parse_srt(&String::from_utf8(srt).unwrap());
    assert_eq!(expected.len(), 9);
    // The PMT's plain subtitle track (type 2) is page 889: the one TSDuck extracted.
    let subtitles = decoded
        .tracks
        .iter()
        .find(|t| !t.hard_of_hearing)
        .expect("a subtitle track");
    let SubtitleCarriage::Teletext { page } = subtitles.carriage else {
        panic!("teletext expected: {subtitles:?}");
    };
    assert_eq!(page.decimal(), Some(889));
    assert_eq!(cues(&decoded, page), expected);
    // The hard-of-hearing page 888 is declared but carries nothing in this capture.
    assert_eq!(cues(&decoded, PageNumber::from_decimal(888).unwrap()), vec![]);
}

#[test]
fn test_012_single_page_filter_sees_the_same_subtitles() {
    let Some(ts) = corpus("tsduck/test-012.ts") else {
        return;
    };
    let page = PageNumber::from_decimal(889).unwrap();
    let mut decoder = TeletextDecoder::new(PageFilter::Only(page));
    let mut texts: Vec<String> = Vec::new();
    for raw in ts.chunks_exact(TS_PACKET_SIZE) {
        let packet = TsPacket::new(raw).expect("the capture is packet aligned");
        if packet.pid() == 0x42c {
            decoder.push_packet(&packet, &mut |p: &Page| {
                assert_eq!(p.number, page);
                assert!(p.flags.subtitle, "page 889 is flagged as subtitles");
                let text = p.subtitle_text();
                if !text.is_empty() && texts.last() != Some(&text) {
                    texts.push(text);
                }
            });
        }
    }
    assert_eq!(texts.len(), 9);
    assert_eq!(texts[8], "- Vous croyez ?\n- Il hurlait à pleins poumons.");
    // A real off-air capture: a character or so with a parity error, replaced by a space.
    let stats = decoder.stats();
    assert!(stats.packets > 500, "{stats:?}");
    assert!(
        stats.hamming_errors + stats.parity_errors < stats.packets / 100,
        "{stats:?}"
    );
}

#[test]
fn test_012_teletext_descriptor_tracks() {
    let Some(ts) = corpus("tsduck/test-012.ts") else {
        return;
    };
    let decoded = decode_capture(&ts);
    let described: Vec<_> = decoded
        .tracks
        .iter()
        .map(|t| {
            (
                t.pid,
                t.language_str().map(str::to_owned),
                t.hard_of_hearing,
                t.carriage,
            )
        })
        .collect();
    let page = |n| SubtitleCarriage::Teletext {
        page: PageNumber::from_decimal(n).unwrap(),
    };
    assert_eq!(
        described,
        vec![
            (0x42c, Some("fra".to_owned()), true, page(888)),
            (0x42c, Some("fra".to_owned()), false, page(889)),
        ]
    );
}

#[test]
fn test_026_dvb_subtitling_descriptor_tracks() {
    let Some(ts) = corpus("tsduck/test-026.ts") else {
        return;
    };
    let decoded = decode_capture(&ts);
    let described: Vec<_> = decoded
        .tracks
        .iter()
        .map(|t| {
            (
                t.pid,
                t.language_str().map(str::to_owned),
                t.hard_of_hearing,
                t.carriage,
            )
        })
        .collect();
    let dvb = SubtitleCarriage::Dvb {
        composition_page: 1,
        ancillary_page: 1,
        hd: true,
    };
    assert_eq!(
        described,
        vec![
            (0x8c, Some("fra".to_owned()), true, dvb),
            (0x8e, Some("fra".to_owned()), false, dvb),
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary PES payloads: no panic, and reports stay bounded by the data units fed.
    #[test]
    fn arbitrary_pes_payloads(data in proptest::collection::vec(any::<u8>(), 0..2048), pts in any::<Option<u64>>()) {
        let mut decoder = TeletextDecoder::new(PageFilter::All);
        let mut reports = 0usize;
        let pes = Pes { stream_id: 0xbd, pts, data: &data };
        decoder.push_pes(&pes, &mut |page| {
            reports += 1;
            let _ = page.subtitle_lines();
            let _ = page.display_rows();
        });
        // A report needs a header (one data unit of 46 bytes), plus one per magazine at the end.
        prop_assert!(reports <= data.len() / 46 + 8);
    }

    /// Arbitrary TS packets on the teletext PID: no panic.
    #[test]
    fn arbitrary_ts_packets(mut data in proptest::collection::vec(any::<u8>(), 0..(20 * TS_PACKET_SIZE))) {
        for chunk in data.chunks_mut(TS_PACKET_SIZE) {
            chunk[0] = 0x47;
        }
        let mut decoder = TeletextDecoder::new(PageFilter::All);
        for chunk in data.chunks_exact(TS_PACKET_SIZE) {
            let packet = TsPacket::new(chunk).unwrap();
            decoder.push_packet(&packet, &mut |page| { let _ = page.subtitle_text(); });
        }
    }
}
