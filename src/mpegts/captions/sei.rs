// SPDX-License-Identifier: GPL-3.0-or-later
//! Caption data in the video elementary stream: ATSC A/53 `cc_data` (the same bytes in all
//! three codecs), found in
//!
//! - H.264: SEI NAL units (type 6), payload type 4 (`user_data_registered_itu_t_t35`);
//! - H.265: prefix SEI NAL units (type 39), the same payload;
//! - MPEG-2 video: `user_data` (start code 0xB2) after the picture header;
//!
//! each as `itu_t_t35_country_code` 0xB5 (USA), provider 0x0031, `GA94`, type 0x03, then
//! the count and the `cc_count` triplets (marker, `cc_valid`, `cc_type`, two data bytes).
//! Only the access unit's head is read: the caption data comes before the first slice, and
//! the scan stops there. Emulation prevention bytes (00 00 03) are removed from SEI
//! payloads. Work is linear in the bytes of the head.

/// Which video syntax to look in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoSyntax {
    /// ISO 13818-2 (stream type 0x02).
    Mpeg2,
    /// H.264 (stream type 0x1b).
    H264,
    /// H.265 (stream type 0x24).
    H265,
}

impl VideoSyntax {
    /// The syntax of a PMT stream type, when it is one that carries A/53 captions.
    pub fn of_stream_type(stream_type: u8) -> Option<Self> {
        match stream_type {
            0x01 | 0x02 => Some(Self::Mpeg2),
            0x1b => Some(Self::H264),
            0x24 => Some(Self::H265),
            _ => None,
        }
    }
}

/// `cc_type` of a triplet (CEA-708 §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CcType {
    /// NTSC line 21 field 1: CC1/CC2 (and TEXT1/2).
    Field1,
    /// NTSC line 21 field 2: CC3/CC4.
    Field2,
    /// DTVCC (CEA-708) packet data.
    DtvccData,
    /// DTVCC packet start.
    DtvccStart,
}

/// One valid caption triplet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CcPair {
    pub kind: CcType,
    pub data: [u8; 2],
}

/// The A/53 payload after the T.35 header: `GA94`, type 3, flags and count, em_data,
/// triplets. Invalid triplets (`cc_valid` 0) are padding and skipped.
fn a53_cc_data(body: &[u8], out: &mut Vec<CcPair>) {
    let [b'G', b'A', b'9', b'4', 0x03, flags, _em, triplets @ ..] = body else {
        return;
    };
    if flags & 0x40 == 0 {
        return; // process_cc_data_flag clear: nothing to process
    }
    let count = usize::from(flags & 0x1f);
    for t in triplets.as_chunks::<3>().0.iter().take(count) {
        if t[0] & 0x04 == 0 {
            continue;
        }
        let kind = match t[0] & 0x03 {
            0 => CcType::Field1,
            1 => CcType::Field2,
            2 => CcType::DtvccData,
            _ => CcType::DtvccStart,
        };
        out.push(CcPair {
            kind,
            data: [t[1], t[2]],
        });
    }
}

/// The bytes of a NAL unit with emulation prevention removed (into `rbsp`).
fn unescape(nal: &[u8], rbsp: &mut Vec<u8>) {
    rbsp.clear();
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        rbsp.push(b);
    }
}

/// Reads one `ff ff … xx` coded size of an SEI message.
fn sei_number(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let mut value = 0usize;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        value += usize::from(b);
        if b != 0xff {
            return Some(value);
        }
    }
}

/// The messages of one SEI RBSP: the registered user data among them.
fn sei_messages(rbsp: &[u8], out: &mut Vec<CcPair>) {
    let mut at = 0;
    // rbsp_trailing_bits (0x80) ends the messages.
    while at < rbsp.len() && rbsp[at] != 0x80 {
        let (Some(kind), Some(size)) = (sei_number(rbsp, &mut at), sei_number(rbsp, &mut at)) else {
            return;
        };
        let Some(payload) = rbsp.get(at..at + size) else {
            return;
        };
        at += size;
        if let (4, [0xb5, 0x00, 0x31, body @ ..]) = (kind, payload) {
            a53_cc_data(body, out);
        }
    }
}

/// Start codes (00 00 01) of `es`: the offset after each.
fn units(es: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= es.len() {
        if es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let ends: Vec<usize> = starts.iter().skip(1).map(|s| s - 3).chain([es.len()]).collect();
    starts.into_iter().zip(ends).map(move |(s, e)| {
        // A 4-byte start code leaves a zero on the previous unit; the trailing zero of
        // a unit is never meaningful.
        let unit = &es[s..e.max(s)];
        let trimmed = unit.len() - unit.iter().rev().take_while(|&&b| b == 0).count();
        &unit[..trimmed]
    })
}

/// The caption triplets of the head of one access unit (the bytes after the PES header),
/// in stream order; stops at the first slice.
pub fn cc_pairs(syntax: VideoSyntax, es: &[u8], out: &mut Vec<CcPair>) {
    let mut rbsp = Vec::new();
    for unit in units(es) {
        let Some(&first) = unit.first() else {
            continue;
        };
        match syntax {
            VideoSyntax::H264 => match first & 0x1f {
                6 => {
                    unescape(&unit[1..], &mut rbsp);
                    sei_messages(&rbsp, out);
                }
                1..=5 => return,
                _ => {}
            },
            VideoSyntax::H265 => match (first >> 1) & 0x3f {
                39 if unit.len() > 2 => {
                    unescape(&unit[2..], &mut rbsp);
                    sei_messages(&rbsp, out);
                }
                0..=31 => return,
                _ => {}
            },
            VideoSyntax::Mpeg2 => match first {
                0xb2 => a53_cc_data(&unit[1..], out),
                0x01..=0xaf => return,
                _ => {}
            },
        }
    }
}

/// An H.264 SEI NAL unit (with its start code) carrying `pairs` as A/53 caption data: what
/// a broadcaster's encoder inserts before the slices of each access unit.
pub fn h264_caption_sei(pairs: &[CcPair]) -> Vec<u8> {
    let mut body = vec![0xb5, 0x00, 0x31, b'G', b'A', b'9', b'4', 0x03];
    body.push(0x40 | (pairs.len().min(31) as u8));
    body.push(0xff);
    for pair in pairs.iter().take(31) {
        let kind = match pair.kind {
            CcType::Field1 => 0,
            CcType::Field2 => 1,
            CcType::DtvccData => 2,
            CcType::DtvccStart => 3,
        };
        body.extend_from_slice(&[0xfc | kind, pair.data[0], pair.data[1]]);
    }
    body.push(0xff);
    let mut rbsp = vec![4u8];
    let mut size = body.len();
    while size >= 0xff {
        rbsp.push(0xff);
        size -= 0xff;
    }
    rbsp.push(size as u8);
    rbsp.extend_from_slice(&body);
    rbsp.push(0x80);
    let mut nal = vec![0, 0, 0, 1, 0x06];
    let mut zeros = 0;
    for b in rbsp {
        if zeros >= 2 && b <= 3 {
            nal.push(3);
            zeros = 0;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        nal.push(b);
    }
    nal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sei_a_muxer_writes_is_read_back() {
        let pairs = [
            CcPair {
                kind: CcType::Field1,
                data: [0x94, 0x20],
            },
            CcPair {
                kind: CcType::Field2,
                data: [0x00, 0x00],
            },
        ];
        let sei = h264_caption_sei(&pairs);
        let es = [
            &[0, 0, 0, 1, 0x09, 0xf0][..],
            sei.as_slice(),
            &[0, 0, 1, 0x65, 0x88, 0x80, 0, 0, 1, 0x06],
        ]
        .concat();
        let mut out = Vec::new();
        cc_pairs(VideoSyntax::H264, &es, &mut out);
        assert_eq!(out, pairs, "and the SEI after the slice is not read");
    }

    #[test]
    fn emulation_prevention_is_undone() {
        let mut rbsp = Vec::new();
        unescape(&[4, 0, 0, 3, 1, 0, 0, 3, 0, 3], &mut rbsp);
        assert_eq!(rbsp, [4, 0, 0, 1, 0, 0, 0, 3]);
    }

    #[test]
    fn mpeg2_user_data_and_broken_input() {
        let es = [
            &[0, 0, 1, 0x00, 0x12, 0x34][..],
            &[0, 0, 1, 0xb2],
            b"GA94",
            &[0x03, 0x42, 0xff, 0xfc, 0x94, 0x2c, 0xf8, 0x00, 0x00, 0xff],
        ]
        .concat();
        let mut out = Vec::new();
        cc_pairs(VideoSyntax::Mpeg2, &es, &mut out);
        assert_eq!(
            out,
            [CcPair {
                kind: CcType::Field1,
                data: [0x94, 0x2c]
            }],
            "the invalid triplet is padding"
        );
        // Truncations of a real SEI never panic.
        let sei = h264_caption_sei(&out);
        for end in 0..sei.len() {
            cc_pairs(VideoSyntax::H264, &sei[..end], &mut Vec::new());
            cc_pairs(VideoSyntax::H265, &sei[..end], &mut Vec::new());
        }
    }
}
