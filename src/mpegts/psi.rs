// SPDX-License-Identifier: GPL-3.0-or-later
//! PSI/SI section reassembly for one PID: pointer_field handling, sections spanning
//! packets, several sections per packet, CRC32/MPEG-2 validation.
//!
//! Generic over tables (PAT, PMT, EIT, ...): yields complete validated sections with
//! their table_id. Must not interpret table bodies (that is `tables`) or know about
//! the ring.

use super::packet::TsPacket;

/// Largest `section_length` any PSI/SI table may declare (private sections, EIT).
pub const MAX_SECTION_LENGTH: usize = 4093;
/// Filler byte after the last section in a packet.
const STUFFING: u8 = 0xff;

/// CRC-32/MPEG-2 lookup table (polynomial 0x04C11DB7, MSB first).
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// CRC-32/MPEG-2 of `data` (init 0xFFFFFFFF, no reflection, no final XOR). Over a whole
/// section including its trailing CRC the result is 0.
pub fn crc32_mpeg2(data: &[u8]) -> u32 {
    data.iter().fold(0xffff_ffff, |crc, &b| {
        (crc << 8) ^ CRC_TABLE[usize::from((crc >> 24) as u8 ^ b)]
    })
}

/// A complete section whose length (and CRC, for long-form sections) checked out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section<'a> {
    bytes: &'a [u8],
}

impl<'a> Section<'a> {
    /// Validates a complete section: length field matches, long-form CRC is correct.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SectionError> {
        let header = bytes.get(..3).ok_or(SectionError::Truncated)?;
        let declared = usize::from(u16::from_be_bytes([header[1], header[2]]) & 0x0fff);
        if declared > MAX_SECTION_LENGTH {
            return Err(SectionError::TooLong);
        }
        let bytes = bytes.get(..3 + declared).ok_or(SectionError::Truncated)?;
        let section = Self { bytes };
        if section.syntax_indicator() {
            // 5 bytes of extended header plus the 4-byte CRC.
            if declared < 9 {
                return Err(SectionError::Truncated);
            }
            if crc32_mpeg2(bytes) != 0 {
                return Err(SectionError::Crc);
            }
        }
        Ok(section)
    }

    /// The whole section, header through CRC.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// `table_id` (0x00 PAT, 0x02 PMT, 0x4e..=0x6f EIT, ...).
    pub fn table_id(&self) -> u8 {
        self.bytes[0]
    }

    /// `section_syntax_indicator`: long form with version, numbering and CRC.
    pub fn syntax_indicator(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    fn long_header(&self) -> Option<&'a [u8]> {
        if self.syntax_indicator() {
            self.bytes.get(3..8)
        } else {
            None
        }
    }

    /// `table_id_extension` (transport_stream_id for PAT, program_number for PMT,
    /// service_id for EIT); long form only.
    pub fn table_id_extension(&self) -> Option<u16> {
        self.long_header().map(|h| u16::from_be_bytes([h[0], h[1]]))
    }

    /// `version_number` (5 bits); long form only.
    pub fn version(&self) -> Option<u8> {
        self.long_header().map(|h| (h[2] >> 1) & 0x1f)
    }

    /// `current_next_indicator`: false means "not yet applicable"; short form is current.
    pub fn is_current(&self) -> bool {
        self.long_header().is_none_or(|h| h[2] & 0x01 != 0)
    }

    /// `section_number` and `last_section_number`; long form only.
    pub fn numbering(&self) -> Option<(u8, u8)> {
        self.long_header().map(|h| (h[3], h[4]))
    }

    /// Table body: after the (long or short) header, before the CRC.
    pub fn body(&self) -> &'a [u8] {
        let range = if self.syntax_indicator() {
            8..self.bytes.len() - 4
        } else {
            3..self.bytes.len()
        };
        self.bytes.get(range).unwrap_or(&[])
    }
}

/// Why a section was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SectionError {
    /// Fewer bytes than the header or `section_length` requires.
    #[error("section truncated")]
    Truncated,
    /// `section_length` beyond the 4093-byte maximum.
    #[error("section_length exceeds the maximum")]
    TooLong,
    /// CRC32/MPEG-2 mismatch.
    #[error("section CRC mismatch")]
    Crc,
}

/// Counters of one assembler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SectionStats {
    /// Sections delivered.
    pub sections: u64,
    /// Sections rejected by CRC.
    pub crc_errors: u64,
    /// Partial sections abandoned (CC gap, bad length, new section before completion).
    pub dropped: u64,
}

/// Reassembles sections from the packets of one PID.
#[derive(Debug, Default)]
pub struct SectionAssembler {
    buf: Vec<u8>,
    collecting: bool,
    last_cc: Option<u8>,
    stats: SectionStats,
}

impl SectionAssembler {
    /// An idle assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counters so far.
    pub fn stats(&self) -> SectionStats {
        self.stats
    }

    /// Forgets any partial section and the continuity state, keeping the counters
    /// (e.g. when the PID starts carrying another program's table).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.collecting = false;
        self.last_cc = None;
    }

    /// Feeds one packet of this assembler's PID; `emit` gets each complete valid
    /// section. Duplicate packets are ignored, a CC gap abandons the partial section.
    pub fn push(&mut self, packet: &TsPacket<'_>, emit: &mut impl FnMut(Section<'_>)) {
        if packet.tei() || packet.scrambling() != 0 || !packet.has_payload() {
            return;
        }
        let cc = packet.continuity_counter();
        let discontinuity = packet.discontinuity();
        match self.last_cc {
            Some(last) if last == cc && !discontinuity => return,
            Some(last) if (last + 1) & 0x0f != cc && !discontinuity => self.abandon(),
            _ => {}
        }
        self.last_cc = Some(cc);
        let payload = packet.payload();
        if !packet.pusi() {
            if self.collecting {
                self.buf.extend_from_slice(payload);
                self.drain(emit);
            }
            return;
        }
        let Some((&pointer, rest)) = payload.split_first() else {
            return;
        };
        let Some((tail, head)) = rest.split_at_checked(usize::from(pointer)) else {
            self.abandon();
            return;
        };
        if self.collecting {
            self.buf.extend_from_slice(tail);
            self.drain(emit);
            // A new section starts here, so an unfinished one can never complete.
            self.abandon();
        }
        self.collecting = true;
        self.buf.extend_from_slice(head);
        self.drain(emit);
    }

    fn abandon(&mut self) {
        if self.collecting && !self.buf.is_empty() {
            self.stats.dropped += 1;
        }
        self.buf.clear();
        self.collecting = false;
    }

    /// Emits every complete section at the front of the buffer; stops at stuffing.
    fn drain(&mut self, emit: &mut impl FnMut(Section<'_>)) {
        let mut start = 0;
        loop {
            let rest = self.buf.get(start..).unwrap_or(&[]);
            match rest.first() {
                None | Some(&STUFFING) => {
                    self.buf.clear();
                    self.collecting = false;
                    return;
                }
                Some(_) => {}
            }
            let Some(len) = declared_len(rest) else { break };
            if len > 3 + MAX_SECTION_LENGTH {
                self.abandon();
                return;
            }
            let Some(whole) = rest.get(..len) else { break };
            match Section::parse(whole) {
                Ok(section) => {
                    self.stats.sections += 1;
                    emit(section);
                }
                Err(SectionError::Crc) => self.stats.crc_errors += 1,
                Err(_) => self.stats.dropped += 1,
            }
            start += len;
        }
        self.buf.drain(..start);
    }
}

/// Total section size (header included) once the 3 header bytes are present.
fn declared_len(bytes: &[u8]) -> Option<usize> {
    let h = bytes.get(..3)?;
    Some(3 + usize::from(u16::from_be_bytes([h[1], h[2]]) & 0x0fff))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{StreamWriter, long_section};

    fn assemble(packets: &[[u8; 188]]) -> (Vec<Vec<u8>>, SectionStats) {
        let mut asm = SectionAssembler::new();
        let mut out = Vec::new();
        for raw in packets {
            let p = TsPacket::new(raw).unwrap();
            asm.push(&p, &mut |s| out.push(s.bytes().to_vec()));
        }
        (out, asm.stats())
    }

    #[test]
    fn crc_known_vector() {
        // CRC-32/MPEG-2 check value for "123456789".
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_e6e7);
    }

    #[test]
    fn section_fields() {
        let raw = long_section(0x02, 0x0101, 7, &[0xe1, 0x00, 0xf0, 0x00]);
        let s = Section::parse(&raw).unwrap();
        assert_eq!(s.table_id(), 0x02);
        assert_eq!(s.table_id_extension(), Some(0x0101));
        assert_eq!(s.version(), Some(7));
        assert!(s.is_current());
        assert_eq!(s.numbering(), Some((0, 0)));
        assert_eq!(s.body(), &[0xe1, 0x00, 0xf0, 0x00]);
    }

    #[test]
    fn section_spanning_packets() {
        let body: Vec<u8> = (0..400u16).map(|i| i as u8).collect();
        let section = long_section(0x4e, 0x0042, 3, &body);
        let mut packets = Vec::new();
        StreamWriter::new(0x12, 0).section(&section, &mut packets);
        assert_eq!(packets.len(), 3);
        let (out, stats) = assemble(&packets);
        assert_eq!(out, vec![section]);
        assert_eq!(stats.sections, 1);
    }

    #[test]
    fn crc_failure_rejected() {
        let mut section = long_section(0x00, 1, 0, &[0, 1, 0xe1, 0]);
        section[9] ^= 0x01;
        let mut packets = Vec::new();
        StreamWriter::new(0, 0).section(&section, &mut packets);
        let (out, stats) = assemble(&packets);
        assert!(out.is_empty());
        assert_eq!(stats.crc_errors, 1);
    }

    #[test]
    fn cc_gap_abandons_partial_section() {
        let section = long_section(0x4e, 1, 0, &[0x55; 300]);
        let mut packets = Vec::new();
        StreamWriter::new(0x12, 0).section(&section, &mut packets);
        let (out, stats) = assemble(&packets[..1]);
        assert!(out.is_empty());
        // Skip the continuation: the next section start must not be glued on.
        let mut again = Vec::new();
        StreamWriter::new(0x12, 5).section(&section, &mut again);
        let mut all = vec![packets[0]];
        all.extend(again);
        let (out, stats2) = assemble(&all);
        assert_eq!(out, vec![section]);
        assert_eq!(stats.dropped, 0);
        assert_eq!(stats2.dropped, 1);
    }

    #[test]
    fn duplicate_packet_ignored() {
        let section = long_section(0x4e, 1, 0, &[0x55; 300]);
        let mut packets = Vec::new();
        StreamWriter::new(0x12, 0).section(&section, &mut packets);
        let dup = vec![packets[0], packets[0], packets[1]];
        let (out, _) = assemble(&dup);
        assert_eq!(out, vec![section]);
    }

    #[test]
    fn short_section_without_crc() {
        // A TDT-like short section: table 0x70, syntax indicator 0, 5-byte body.
        let raw = [0x70, 0x70, 0x05, 1, 2, 3, 4, 5];
        let s = Section::parse(&raw).unwrap();
        assert!(!s.syntax_indicator());
        assert_eq!(s.body(), &[1, 2, 3, 4, 5]);
        assert_eq!(s.version(), None);
    }
}
