// SPDX-License-Identifier: GPL-3.0-or-later
//! The caption decoder (`mpegts::captions`) against a real capture: shaka-player's
//! `captions-test.ts` (H.264 with B-frames, CEA-608 on CC1 and CEA-708 service 1 in its SEI).
//!
//! The capture lives in the shared corpus (`../shared/corpus/ts`, not shipped with the
//! sources); without it the tests say so and pass.

use zapbox::mpegts::captions::{
    CaptionDecoder, CaptionExtractor, CaptionFrame, CcType, Cea608Decoder, Channel, Screen, VideoSyntax, sei,
};
use zapbox::mpegts::pes::PesAssembler;
use zapbox::mpegts::{TS_PACKET_SIZE, TsPacket};

fn capture() -> Option<Vec<u8>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/ts/shaka/captions-test.ts"
    );
    let data = std::fs::read(path).ok();
    if data.is_none() {
        eprintln!("SKIPPED: corpus file {path} not available");
    }
    data
}

/// (PTS, text) of each screen change of CC1, and the channels seen.
fn decode_capture(data: &[u8]) -> (Vec<(u64, String)>, Vec<u8>) {
    let mut decoder = CaptionDecoder::new(VideoSyntax::H264, Channel::new(1));
    let mut screens = Vec::new();
    let mut on_screen = |pts: Option<u64>, screen: &Screen| screens.push((pts.unwrap(), screen.text()));
    for raw in data.chunks_exact(TS_PACKET_SIZE) {
        let packet = TsPacket::new(raw).expect("aligned capture");
        if packet.pid() == 0x100 {
            decoder.push_packet(&packet, &mut on_screen);
        }
    }
    decoder.flush(&mut on_screen);
    let channels = decoder.channels().iter().map(|c| c.number()).collect();
    (screens, channels)
}

/// The capture's captions say where they are; each pops on at the PTS of the frame whose
/// SEI ends it (EOC) and goes at the next EDM. The frames' PTS run from 132006 (the first
/// picture) in steps of 3003 (29.97 Hz), in presentation order.
#[test]
fn cc1_of_the_real_capture_in_text_and_time() {
    let Some(data) = capture() else {
        return;
    };
    let (screens, channels) = decode_capture(&data);
    assert_eq!(channels, [1], "CC1 only");
    let expected = [
        (195_069, "These are 608 captions\n(top left)"),
        (573_447, ""),
        (603_477, "These are 608 captions\n(middle)"),
        (1_204_077, ""),
        (1_234_107, "These are 608 captions\n(bottom left)"),
        (1_864_737, ""),
    ];
    let got: Vec<(u64, &str)> = screens.iter().map(|(p, t)| (*p, t.as_str())).collect();
    assert_eq!(got, expected);
    for (pts, _) in &screens {
        assert_eq!((pts - 132_006) % 3003, 0, "on a frame's PTS");
    }
}

/// Where each caption sits: rows 1-2 at the left, 7-8 indented, 14-15 at the left.
#[test]
fn the_captions_are_placed_by_their_preambles() {
    let Some(data) = capture() else {
        return;
    };
    let mut decoder = CaptionDecoder::new(VideoSyntax::H264, Channel::new(1));
    let mut places = Vec::new();
    for raw in data.chunks_exact(TS_PACKET_SIZE) {
        let packet = TsPacket::new(raw).expect("aligned capture");
        if packet.pid() == 0x100 {
            decoder.push_packet(&packet, &mut |_, screen| {
                if !screen.is_empty() {
                    places.push(screen.rows.iter().map(|r| (r.row, r.column)).collect::<Vec<_>>());
                }
            });
        }
    }
    assert_eq!(
        places,
        [
            vec![(1, 0), (2, 0)],
            vec![(7, 4), (8, 11)],
            vec![(14, 0), (15, 0)]
        ]
    );
}

/// Decode order is not display order: fed without the reorder queue, the B-frames' caption
/// bytes come in the wrong order and the text is garbled. (Shows the queue is needed.)
#[test]
fn decode_order_garbles_the_text() {
    let Some(data) = capture() else {
        return;
    };
    let mut extractor = CaptionExtractor::new(VideoSyntax::H264);
    let mut pes_order: Vec<CaptionFrame> = Vec::new();
    let mut decoder = Cea608Decoder::new(Channel::new(1).unwrap());
    let mut texts = Vec::new();
    let mut assembler = PesAssembler::new();
    for raw in data.chunks_exact(TS_PACKET_SIZE) {
        let packet = TsPacket::new(raw).expect("aligned capture");
        if packet.pid() != 0x100 {
            continue;
        }
        extractor.push_packet(&packet, &mut |_| {});
        assembler.push(&packet, &mut |pes| {
            let mut pairs = Vec::new();
            sei::cc_pairs(VideoSyntax::H264, pes.data, &mut pairs);
            pes_order.push(CaptionFrame { pts: pes.pts, pairs });
        });
    }
    for frame in &pes_order {
        let pairs: Vec<[u8; 2]> = frame
            .pairs
            .iter()
            .filter(|p| p.kind == CcType::Field1)
            .map(|p| p.data)
            .collect();
        if let Some(screen) = decoder.push_pairs(&pairs) {
            texts.push(screen.text());
        }
    }
    assert!(
        extractor.frames_with_captions() > 500,
        "every frame carries cc_data"
    );
    assert!(!texts.is_empty());
    assert!(
        !texts.iter().any(|t| t == "These are 608 captions\n(top left)"),
        "{texts:?}"
    );
}

/// CEA-708 service 1 of the same capture, decoded by the pure DTVCC decoder: the service is
/// seen, and its screens (PTS, text) change as the 608 ones do, on the frames that carry them.
#[test]
fn cea708_service_1_of_the_real_capture() {
    let Some(data) = capture() else {
        return;
    };
    let mut decoder = CaptionDecoder::new(VideoSyntax::H264, None);
    decoder.choose_service(Some(1));
    let mut screens: Vec<(u64, String)> = Vec::new();
    let mut on_screen = |pts: Option<u64>, screen: &Screen| screens.push((pts.unwrap_or(0), screen.text()));
    for raw in data.chunks_exact(TS_PACKET_SIZE) {
        let packet = TsPacket::new(raw).expect("aligned capture");
        if packet.pid() == 0x100 {
            decoder.push_packet(&packet, &mut on_screen);
        }
    }
    decoder.flush(&mut on_screen);
    assert_eq!(decoder.services(), [1]);
    let expected = [
        (144_018, "These are 708 captions\n(top left)"),
        (570_444, ""),
        (600_474, "These are 708 captions\n(middle)"),
        (1_201_074, ""),
        (1_231_104, "These are 708 captions\n(bottom left)"),
        (1_861_734, ""),
    ];
    let got: Vec<(u64, &str)> = screens.iter().map(|(p, t)| (*p, t.as_str())).collect();
    assert_eq!(got, expected);
}
