// SPDX-License-Identifier: GPL-3.0-or-later
//! Random-access-point detection on the video PID: random_access_indicator, H.264
//! IDR/SPS, HEVC IRAP/VPS/SPS, a recovery-point SEI (I-frames of streams with long IDR
//! intervals), MPEG-2 sequence header/GOP at the start of a PES.
//!
//! Owns only the per-PES scan; must not depend on PSI or the ring (the caller says
//! which PID is video and which codec it carries).

use super::packet::TsPacket;
use super::tables::VideoCodec;

/// Packets after the PES start that are still scanned when the start did not decide
/// (e.g. a long SEI before the slice). Small, so the cost stays a few hundred bytes.
pub const CONTINUATION_PACKETS: u8 = 2;

/// What one start code says about the access unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// A random access point (IDR/IRAP slice, parameter set, sequence header, GOP).
    Key,
    /// A non-random-access picture: no need to look further.
    NotKey,
    /// Undecided (AUD, SEI, ...): keep scanning.
    Unknown,
}

/// Scan state carried into the packets following a PES start.
#[derive(Clone, Copy, Debug)]
struct Pending {
    /// Last bytes of the previous packet, so a start code split across packets is seen.
    carry: [u8; 3],
    carry_len: usize,
    packets_left: u8,
}

/// Detects random access points on one video PID.
#[derive(Clone, Debug)]
pub struct KeyframeDetector {
    codec: Option<VideoCodec>,
    pending: Option<Pending>,
}

impl KeyframeDetector {
    /// Detector for `codec`; `None` relies on random_access_indicator alone.
    pub fn new(codec: Option<VideoCodec>) -> Self {
        Self { codec, pending: None }
    }

    /// The codec whose start codes are recognised.
    pub fn codec(&self) -> Option<VideoCodec> {
        self.codec
    }

    /// Feeds one packet of the video PID. Returns true (once per PES) when the PES that
    /// began at the most recent PUSI packet of this PID is a random access point.
    #[inline]
    pub fn push(&mut self, packet: &TsPacket<'_>) -> bool {
        // Most video packets continue a PES nobody is scanning: keep that path tiny.
        if !packet.pusi() && self.pending.is_none() {
            return false;
        }
        self.scan_packet(packet)
    }

    #[inline(never)]
    fn scan_packet(&mut self, packet: &TsPacket<'_>) -> bool {
        if packet.pusi() {
            self.pending = None;
            return self.start(packet);
        }
        let Some(pending) = self.pending.take() else {
            return false;
        };
        if packet.tei() || packet.scrambling() != 0 {
            return false;
        }
        let payload = packet.payload();
        let mut joined = [0u8; 3 + 184];
        let carry = &pending.carry[..pending.carry_len];
        let len = carry.len() + payload.len().min(184);
        joined[..carry.len()].copy_from_slice(carry);
        joined[carry.len()..len].copy_from_slice(&payload[..len - carry.len()]);
        self.decide(&joined[..len], pending.packets_left)
    }

    fn start(&mut self, packet: &TsPacket<'_>) -> bool {
        if packet.adaptation().is_some_and(|af| af.random_access) {
            return true;
        }
        if packet.tei() || packet.scrambling() != 0 {
            return false;
        }
        match pes_es_data(packet.payload()) {
            Some(es) => self.decide(es, CONTINUATION_PACKETS),
            None => false,
        }
    }

    /// Scans `es`; when undecided and budget remains, arms the continuation scan.
    fn decide(&mut self, es: &[u8], packets_left: u8) -> bool {
        let Some(codec) = self.codec else {
            return false;
        };
        match scan(es, codec) {
            Verdict::Key => true,
            Verdict::NotKey => false,
            Verdict::Unknown => {
                if packets_left > 0 {
                    let carry_len = es.len().min(3);
                    let mut carry = [0u8; 3];
                    carry[..carry_len].copy_from_slice(&es[es.len() - carry_len..]);
                    self.pending = Some(Pending {
                        carry,
                        carry_len,
                        packets_left: packets_left - 1,
                    });
                }
                false
            }
        }
    }
}

/// Elementary stream bytes after the PES header, if `payload` starts a PES packet
/// and its header is complete in this packet.
pub fn pes_es_data(payload: &[u8]) -> Option<&[u8]> {
    let [0, 0, 1, stream_id, _, _, rest @ ..] = payload else {
        return None;
    };
    if !has_optional_header(*stream_id) {
        return Some(rest);
    }
    let [flags, _, header_len, ..] = rest else {
        return None;
    };
    if flags & 0xc0 != 0x80 {
        return None;
    }
    rest.get(3 + usize::from(*header_len)..)
}

/// Stream ids whose PES packets carry no optional header (ISO 13818-1 table 2-21).
fn has_optional_header(stream_id: u8) -> bool {
    !matches!(stream_id, 0xbc | 0xbe | 0xbf | 0xf0 | 0xf1 | 0xf2 | 0xf8 | 0xff)
}

/// Walks start codes in `data` until one decides.
fn scan(data: &[u8], codec: VideoCodec) -> Verdict {
    for at in memchr::memmem::find_iter(data, &[0, 0, 1]) {
        let Some(&header) = data.get(at + 3) else {
            break;
        };
        let nal = data.get(at + 3..).unwrap_or(&[]);
        match classify(codec, header, nal) {
            Verdict::Unknown => {}
            decided => return decided,
        }
    }
    Verdict::Unknown
}

/// Classifies the NAL unit or start code after a 00 00 01 start code (`header` is its first
/// byte, `nal` the whole rest of the data). A recovery-point SEI marks an I-frame that is not
/// an IDR/IRAP as a random access point: broadcasters with long IDR intervals send them, and a
/// decoder started there shows clean pictures from that frame on.
fn classify(codec: VideoCodec, header: u8, nal: &[u8]) -> Verdict {
    match codec {
        VideoCodec::H264 => match header & 0x1f {
            5 | 7 => Verdict::Key,
            1..=4 => Verdict::NotKey,
            6 if sei_has_recovery_point(nal.get(1..).unwrap_or(&[])) => Verdict::Key,
            _ => Verdict::Unknown,
        },
        VideoCodec::Hevc => match (header >> 1) & 0x3f {
            16..=21 | 32 | 33 => Verdict::Key,
            0..=9 => Verdict::NotKey,
            // Prefix SEI; its NAL header has two bytes.
            39 if sei_has_recovery_point(nal.get(2..).unwrap_or(&[])) => Verdict::Key,
            _ => Verdict::Unknown,
        },
        VideoCodec::Mpeg2 => match header {
            0xb3 | 0xb8 => Verdict::Key,
            0x00..=0xaf => Verdict::NotKey,
            _ => Verdict::Unknown,
        },
        // VVC's NAL type sits in the second header byte: only the random-access indicator tells.
        VideoCodec::Vvc => Verdict::Unknown,
    }
}

/// SEI payload type of a recovery point (H.264 D.1.8, HEVC D.2.8).
const SEI_RECOVERY_POINT: u32 = 6;

/// Whether the SEI messages in `rbsp` (after the NAL header) include a recovery point. Walks
/// `(type, size)` headers (each a run of 0xFF bytes plus a last byte) until the trailing bits
/// or the end of the data seen; emulation-prevention bytes are not removed, which can only
/// cut the walk short (a miss), never invent a message.
fn sei_has_recovery_point(mut rbsp: &[u8]) -> bool {
    fn coded(bytes: &mut &[u8]) -> Option<u32> {
        let mut value = 0u32;
        loop {
            let (&b, rest) = bytes.split_first()?;
            *bytes = rest;
            value = value.saturating_add(u32::from(b));
            if b != 0xff {
                return Some(value);
            }
        }
    }
    while rbsp.first().is_some_and(|&b| b != 0x80) {
        let (Some(kind), Some(size)) = (coded(&mut rbsp), coded(&mut rbsp)) else {
            return false;
        };
        if kind == SEI_RECOVERY_POINT {
            return true;
        }
        let Some(rest) = rbsp.get(size as usize..) else {
            return false;
        };
        rbsp = rest;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{PesFlags, StreamWriter, h264_access_unit, hevc_access_unit, mpeg2_picture};

    /// Runs a detector over one PES and reports whether it was flagged.
    fn detect(codec: Option<VideoCodec>, es: &[u8], flags: PesFlags) -> bool {
        let mut packets = Vec::new();
        StreamWriter::new(0x100, 0).pes(0xe0, es, flags, &mut packets);
        let mut d = KeyframeDetector::new(codec);
        packets
            .iter()
            .filter(|raw| d.push(&TsPacket::new(&raw[..]).unwrap()))
            .count()
            == 1
    }

    #[test]
    fn h264_idr_detected_and_p_frame_not() {
        let codec = Some(VideoCodec::H264);
        assert!(detect(codec, &h264_access_unit(true, 1000), PesFlags::default()));
        assert!(!detect(
            codec,
            &h264_access_unit(false, 1000),
            PesFlags::default()
        ));
    }

    #[test]
    fn h264_idr_without_parameter_sets() {
        let es = [
            0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x06, 5, 1, 0x80, 0, 0, 1, 0x65, 0x88, 0x55,
        ];
        assert!(detect(Some(VideoCodec::H264), &es, PesFlags::default()));
    }

    #[test]
    fn rai_alone_is_enough() {
        let flags = PesFlags {
            random_access: true,
            pcr: None,
        };
        assert!(detect(None, &h264_access_unit(false, 500), flags));
        assert!(detect(Some(VideoCodec::Hevc), &[0x55; 10], flags));
    }

    #[test]
    fn hevc_irap_detected() {
        let codec = Some(VideoCodec::Hevc);
        assert!(detect(codec, &hevc_access_unit(true, 800), PesFlags::default()));
        assert!(!detect(codec, &hevc_access_unit(false, 800), PesFlags::default()));
        // CRA (21) alone, without parameter sets.
        let cra = [0, 0, 1, 21 << 1, 1, 0x55, 0x55];
        assert!(detect(codec, &cra, PesFlags::default()));
    }

    #[test]
    fn mpeg2_sequence_header_and_gop() {
        let codec = Some(VideoCodec::Mpeg2);
        assert!(detect(codec, &mpeg2_picture(true, 600), PesFlags::default()));
        assert!(!detect(codec, &mpeg2_picture(false, 600), PesFlags::default()));
        assert!(detect(codec, &[0, 0, 1, 0xb8, 0, 8, 0, 0], PesFlags::default()));
    }

    #[test]
    fn idr_after_long_sei_found_in_next_packet() {
        let mut es = vec![0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x06];
        es.resize(200, 0x55); // SEI running past the first packet
        es.extend_from_slice(&[0, 0, 1, 0x65, 0x88]);
        es.resize(1000, 0x55);
        assert!(detect(Some(VideoCodec::H264), &es, PesFlags::default()));
    }

    #[test]
    fn start_code_split_across_packets() {
        // First packet: 184 - 14 (PES header) = 170 ES bytes; put "00 00" at its end.
        let mut es = vec![0, 0, 1, 0x09, 0xf0];
        es.resize(168, 0x55);
        es.extend_from_slice(&[0, 0, 1, 0x65]);
        es.resize(600, 0x55);
        assert!(detect(Some(VideoCodec::H264), &es, PesFlags::default()));
    }

    #[test]
    fn i_frames_with_a_recovery_point_are_random_access() {
        let codec = Some(VideoCodec::H264);
        // AUD, SEI (buffering period of 2 bytes, then recovery point), non-IDR I slice.
        let es = [
            0, 0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x06, 0, 2, 0xa0, 0x40, 6, 1, 0x84, 0x80, 0, 0, 1, 0x41, 0x9a,
        ];
        assert!(detect(codec, &es, PesFlags::default()));
        // The same picture with only a user-data SEI is not one.
        let es = [
            0, 0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x06, 5, 1, 0x00, 0x80, 0, 0, 1, 0x41, 0x9a,
        ];
        assert!(!detect(codec, &es, PesFlags::default()));
        // HEVC: prefix SEI (type 39) with a recovery point before a TRAIL_R slice.
        let hevc = [0, 0, 1, 39 << 1, 1, 6, 1, 0x80, 0x80, 0, 0, 1, 1 << 1, 1, 0xaf];
        assert!(detect(Some(VideoCodec::Hevc), &hevc, PesFlags::default()));
        assert!(!sei_has_recovery_point(&[0xff, 0xff]));
        assert!(!sei_has_recovery_point(&[5, 200, 1]));
    }

    #[test]
    fn scan_gives_up_after_budget() {
        let mut es = vec![0, 0, 1, 0x06];
        es.resize(184 * 5, 0x55);
        es.extend_from_slice(&[0, 0, 1, 0x65]);
        assert!(!detect(Some(VideoCodec::H264), &es, PesFlags::default()));
    }

    #[test]
    fn pes_header_parsing() {
        assert_eq!(
            pes_es_data(&[0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 0x00, 9]),
            Some(&[9u8][..])
        );
        assert_eq!(pes_es_data(&[0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 0x05, 9]), None);
        assert_eq!(pes_es_data(&[0, 0, 1, 0xbe, 0, 0, 7]), Some(&[7u8][..]));
        assert_eq!(pes_es_data(&[0, 0, 2, 0xe0]), None);
    }
}
