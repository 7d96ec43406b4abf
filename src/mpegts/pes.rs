// SPDX-License-Identifier: GPL-3.0-or-later
//! PES reassembly for one PID: collects the payload from a packet with
//! payload_unit_start_indicator until the declared PES_packet_length is reached (or the
//! next start, for unbounded PES), and hands out the whole PES with its stream_id and PTS.
//!
//! Used for the small private streams the app decodes itself (teletext subtitles); video
//! and audio go to GStreamer. Bounded: a PES longer than `MAX_PES_BYTES` is dropped, a
//! continuity gap drops the partial PES. Must not interpret the elementary stream.

use super::packet::TsPacket;

/// Largest PES kept (the 16-bit PES_packet_length plus its 6-byte header).
pub const MAX_PES_BYTES: usize = 0xffff + 6;

/// PTS ticks per second (90 kHz).
pub const PTS_HZ: u64 = 90_000;

/// One complete PES packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pes<'a> {
    /// stream_id (0xBD private_stream_1 for teletext and DVB subtitles).
    pub stream_id: u8,
    /// Presentation time stamp in 90 kHz ticks, when the header carries one.
    pub pts: Option<u64>,
    /// The bytes after the PES header.
    pub data: &'a [u8],
}

impl<'a> Pes<'a> {
    /// Parses a complete PES packet; `None` when the start code or header is malformed.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let [0, 0, 1, stream_id, _, _, rest @ ..] = bytes else {
            return None;
        };
        let stream_id = *stream_id;
        if !has_optional_header(stream_id) {
            return Some(Self {
                stream_id,
                pts: None,
                data: rest,
            });
        }
        let [flags1, flags2, header_len, fields @ ..] = rest else {
            return None;
        };
        if flags1 & 0xc0 != 0x80 {
            return None;
        }
        let header_len = usize::from(*header_len);
        let data = fields.get(header_len..)?;
        let pts = if flags2 & 0x80 != 0 {
            fields.get(..5).and_then(decode_pts)
        } else {
            None
        };
        Some(Self { stream_id, pts, data })
    }
}

/// Stream ids whose PES packets carry no optional header (ISO 13818-1 table 2-21).
fn has_optional_header(stream_id: u8) -> bool {
    !matches!(stream_id, 0xbc | 0xbe | 0xbf | 0xf0 | 0xf1 | 0xf2 | 0xf8 | 0xff)
}

/// Decodes the 5-byte PTS field (marker bits are not checked: encoders get them wrong).
fn decode_pts(b: &[u8]) -> Option<u64> {
    let b: &[u8; 5] = b.try_into().ok()?;
    Some(
        (u64::from(b[0] >> 1) & 0x07) << 30
            | u64::from(b[1]) << 22
            | u64::from(b[2] >> 1) << 15
            | u64::from(b[3]) << 7
            | u64::from(b[4] >> 1),
    )
}

/// Counters of one assembler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PesStats {
    /// PES packets delivered.
    pub delivered: u64,
    /// Partial or malformed PES packets dropped (CC gap, overlong, bad header).
    pub dropped: u64,
}

/// Reassembles the PES packets of one PID.
#[derive(Debug, Default)]
pub struct PesAssembler {
    buf: Vec<u8>,
    /// Total length declared by the header (0 = unbounded, ends at the next start).
    expected: Option<usize>,
    last_cc: Option<u8>,
    collecting: bool,
    stats: PesStats,
}

impl PesAssembler {
    /// An empty assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counters so far.
    pub fn stats(&self) -> PesStats {
        self.stats
    }

    /// Forgets any partial PES (after a zap or a stream change).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.collecting = false;
        self.expected = None;
        self.last_cc = None;
    }

    /// Feeds one packet of the PID; calls `on_pes` for each PES it completes.
    pub fn push(&mut self, packet: &TsPacket<'_>, on_pes: &mut dyn FnMut(Pes<'_>)) {
        if packet.tei() || !packet.has_payload() || packet.scrambling() != 0 {
            return;
        }
        let cc = packet.continuity_counter();
        let duplicate = self.last_cc == Some(cc) && !packet.pusi();
        let gap = self.last_cc.is_some_and(|last| (last + 1) & 0x0f != cc);
        self.last_cc = Some(cc);
        if duplicate {
            return;
        }
        if gap && !packet.discontinuity() && self.collecting {
            self.drop_partial();
        }
        if packet.pusi() {
            if self.collecting && self.expected == Some(0) {
                self.deliver(on_pes);
            } else if self.collecting {
                self.drop_partial();
            }
            self.start(packet.payload());
        } else if self.collecting {
            self.append(packet.payload());
        }
        if self.collecting && self.expected.is_some_and(|n| n > 0 && self.buf.len() >= n) {
            self.deliver(on_pes);
        }
    }

    fn start(&mut self, payload: &[u8]) {
        self.buf.clear();
        self.collecting = true;
        self.expected = None;
        if let [0, 0, 1, _, hi, lo, ..] = payload {
            let declared = usize::from(u16::from_be_bytes([*hi, *lo]));
            self.expected = Some(if declared == 0 { 0 } else { declared + 6 });
            self.append(payload);
        } else {
            self.drop_partial();
        }
    }

    fn append(&mut self, payload: &[u8]) {
        if self.buf.len() + payload.len() > MAX_PES_BYTES {
            self.drop_partial();
            return;
        }
        self.buf.extend_from_slice(payload);
    }

    fn drop_partial(&mut self) {
        self.buf.clear();
        self.collecting = false;
        self.stats.dropped += 1;
    }

    fn deliver(&mut self, on_pes: &mut dyn FnMut(Pes<'_>)) {
        let end = match self.expected {
            Some(n) if n > 0 => n.min(self.buf.len()),
            _ => self.buf.len(),
        };
        match Pes::parse(&self.buf[..end]) {
            Some(pes) => {
                self.stats.delivered += 1;
                on_pes(pes);
            }
            None => self.stats.dropped += 1,
        }
        self.buf.clear();
        self.collecting = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{PesFlags, StreamWriter};
    use crate::mpegts::packet::TS_PACKET_SIZE;

    fn packets(es: &[u8], cc: u8) -> Vec<[u8; TS_PACKET_SIZE]> {
        let mut out = Vec::new();
        StreamWriter::new(0x50, cc).pes(0xbd, es, PesFlags::default(), &mut out);
        out
    }

    fn collect(asm: &mut PesAssembler, raw: &[[u8; TS_PACKET_SIZE]]) -> Vec<(Option<u64>, Vec<u8>)> {
        let mut got = Vec::new();
        for p in raw {
            asm.push(&TsPacket::new(p).unwrap(), &mut |pes| {
                got.push((pes.pts, pes.data.to_vec()))
            });
        }
        got
    }

    #[test]
    fn reassembles_a_bounded_pes_over_packets() {
        let es: Vec<u8> = (0..500u32).map(|i| i as u8).collect();
        let mut asm = PesAssembler::new();
        let got = collect(&mut asm, &packets(&es, 0));
        // The writer puts PTS 0x0_0000_0000 in its header ("21 00 01 00 01").
        assert_eq!(got, vec![(Some(0), es)]);
        assert_eq!(asm.stats().delivered, 1);
    }

    #[test]
    fn continuity_gap_drops_the_partial_pes() {
        let es = vec![7u8; 600];
        let mut raw = packets(&es, 0);
        raw.remove(2);
        let mut asm = PesAssembler::new();
        assert!(collect(&mut asm, &raw).is_empty());
        assert_eq!(asm.stats().dropped, 1);
        // The next PES is whole again.
        assert_eq!(collect(&mut asm, &packets(&es, 4)).len(), 1);
    }

    #[test]
    fn pts_is_decoded() {
        let mut raw = vec![0, 0, 1, 0xbd, 0, 11, 0x80, 0x80, 5];
        let pts: u64 = 0x1_2345_6789;
        raw.extend_from_slice(&[
            0x21 | ((pts >> 29) & 0x0e) as u8,
            (pts >> 22) as u8,
            ((pts >> 14) & 0xfe) as u8 | 1,
            (pts >> 7) as u8,
            ((pts << 1) & 0xfe) as u8 | 1,
        ]);
        raw.extend_from_slice(&[0x10, 0xff]);
        let pes = Pes::parse(&raw).unwrap();
        assert_eq!(pes.pts, Some(pts));
        assert_eq!(pes.data, &[0x10, 0xff]);
        assert_eq!(Pes::parse(&[0, 0, 1, 0xbd, 0, 3, 0x40, 0, 0]), None);
    }
}
