// SPDX-License-Identifier: GPL-3.0-or-later
//! One 188-byte MPEG-TS packet as a zero-copy view: header fields, adaptation field
//! (discontinuity, random access, PCR) and payload.
//!
//! Owns only header decoding; must not depend on PSI, PES or anything stateful
//! (resynchronising a byte stream lives in `framer`).

/// Size of one transport stream packet in bytes.
pub const TS_PACKET_SIZE: usize = 188;
/// The sync byte every packet starts with.
pub const SYNC_BYTE: u8 = 0x47;
/// PID of the Program Association Table.
pub const PID_PAT: u16 = 0x0000;
/// PID of DVB Event Information Tables (the guide).
pub const PID_EIT: u16 = 0x0012;
/// PID of null (stuffing) packets.
pub const PID_NULL: u16 = 0x1fff;
/// Number of distinct PIDs (13 bits).
pub const PID_COUNT: usize = 0x2000;
/// PCR ticks per second (27 MHz system clock).
pub const PCR_HZ: u64 = 27_000_000;
/// PCR values wrap at 2^33 * 300 (33-bit base at 90 kHz times the 300-step extension).
pub const PCR_MODULUS: u64 = (1 << 33) * 300;

/// Decoded adaptation field: only the flags the receive path uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdaptationField {
    /// `adaptation_field_length` as transmitted (bytes after the length byte).
    pub length: u8,
    /// `discontinuity_indicator`: CC and PCR may jump here without it being an error.
    pub discontinuity: bool,
    /// `random_access_indicator`: the next PES starting here is a random access point.
    pub random_access: bool,
    /// `elementary_stream_priority_indicator`.
    pub es_priority: bool,
    /// Program clock reference in 27 MHz ticks (base * 300 + extension), when present.
    pub pcr: Option<u64>,
}

/// Borrowed view of one transport stream packet whose sync byte has been checked.
#[derive(Clone, Copy, Debug)]
pub struct TsPacket<'a> {
    bytes: &'a [u8; TS_PACKET_SIZE],
}

impl<'a> TsPacket<'a> {
    /// Views the first 188 bytes of `bytes`; `None` if shorter or the sync byte is wrong.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        let bytes: &[u8; TS_PACKET_SIZE] = bytes.get(..TS_PACKET_SIZE)?.try_into().ok()?;
        Self::from_array(bytes)
    }

    /// Views a packet-sized array; `None` if the sync byte is wrong.
    pub fn from_array(bytes: &'a [u8; TS_PACKET_SIZE]) -> Option<Self> {
        (bytes[0] == SYNC_BYTE).then_some(Self { bytes })
    }

    /// The raw 188 bytes.
    pub fn bytes(&self) -> &'a [u8; TS_PACKET_SIZE] {
        self.bytes
    }

    /// `transport_error_indicator`: the demodulator or sender flagged the packet corrupt.
    pub fn tei(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    /// `payload_unit_start_indicator`: a PES packet or PSI section starts in this payload.
    pub fn pusi(&self) -> bool {
        self.bytes[1] & 0x40 != 0
    }

    /// `transport_priority` bit.
    pub fn priority(&self) -> bool {
        self.bytes[1] & 0x20 != 0
    }

    /// 13-bit packet identifier.
    pub fn pid(&self) -> u16 {
        u16::from_be_bytes([self.bytes[1] & 0x1f, self.bytes[2]])
    }

    /// `transport_scrambling_control` (0 = clear).
    pub fn scrambling(&self) -> u8 {
        self.bytes[3] >> 6
    }

    /// `adaptation_field_control` (1 = payload, 2 = adaptation, 3 = both, 0 = reserved).
    pub fn adaptation_field_control(&self) -> u8 {
        (self.bytes[3] >> 4) & 0x3
    }

    /// Whether the header announces a payload (the continuity counter only counts these).
    pub fn has_payload(&self) -> bool {
        self.adaptation_field_control() & 0x1 != 0
    }

    /// Whether the header announces an adaptation field.
    pub fn has_adaptation(&self) -> bool {
        self.adaptation_field_control() & 0x2 != 0
    }

    /// 4-bit `continuity_counter`.
    pub fn continuity_counter(&self) -> u8 {
        self.bytes[3] & 0x0f
    }

    /// Raw adaptation field bytes after the length byte; `None` if absent or its length
    /// overruns the packet (a malformed packet must not be trusted further).
    fn adaptation_bytes(&self) -> Option<&'a [u8]> {
        if !self.has_adaptation() {
            return None;
        }
        let len = usize::from(*self.bytes.get(4)?);
        let max = if self.has_payload() { 182 } else { 183 };
        if len > max {
            return None;
        }
        self.bytes.get(5..5 + len)
    }

    /// Decoded adaptation field, if present and well formed.
    pub fn adaptation(&self) -> Option<AdaptationField> {
        let raw = self.adaptation_bytes()?;
        let mut af = AdaptationField {
            length: u8::try_from(raw.len()).unwrap_or(u8::MAX),
            ..AdaptationField::default()
        };
        let Some((&flags, rest)) = raw.split_first() else {
            return Some(af);
        };
        af.discontinuity = flags & 0x80 != 0;
        af.random_access = flags & 0x40 != 0;
        af.es_priority = flags & 0x20 != 0;
        if flags & 0x10 != 0 {
            af.pcr = rest.get(..6).and_then(decode_pcr);
        }
        Some(af)
    }

    /// The adaptation field's discontinuity_indicator, without decoding the rest.
    pub fn discontinuity(&self) -> bool {
        self.adaptation_bytes()
            .and_then(|af| af.first())
            .is_some_and(|flags| flags & 0x80 != 0)
    }

    /// PCR in 27 MHz ticks, if this packet carries one.
    pub fn pcr(&self) -> Option<u64> {
        self.adaptation().and_then(|af| af.pcr)
    }

    /// Payload bytes after header and adaptation field; empty if there is none or the
    /// adaptation field is malformed.
    pub fn payload(&self) -> &'a [u8] {
        if !self.has_payload() {
            return &[];
        }
        let start = if self.has_adaptation() {
            match self.adaptation_bytes() {
                Some(raw) => 5 + raw.len(),
                None => return &[],
            }
        } else {
            4
        };
        self.bytes.get(start..).unwrap_or(&[])
    }
}

/// Decodes the 6-byte PCR field into 27 MHz ticks.
fn decode_pcr(b: &[u8]) -> Option<u64> {
    let b: &[u8; 6] = b.try_into().ok()?;
    let base = (u64::from(b[0]) << 25)
        | (u64::from(b[1]) << 17)
        | (u64::from(b[2]) << 9)
        | (u64::from(b[3]) << 1)
        | (u64::from(b[4]) >> 7);
    let ext = (u64::from(b[4] & 0x01) << 8) | u64::from(b[5]);
    Some(base * 300 + ext)
}

/// Forward distance from PCR `from` to `to` in ticks, modulo the PCR wrap.
pub fn pcr_delta(from: u64, to: u64) -> u64 {
    (to % PCR_MODULUS + PCR_MODULUS - from % PCR_MODULUS) % PCR_MODULUS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{PacketSpec, ts_packet};

    #[test]
    fn header_fields() {
        let spec = PacketSpec {
            pid: 0x1abc,
            pusi: true,
            cc: 9,
            ..PacketSpec::default()
        };
        let (raw, used) = ts_packet(&spec, &[1, 2, 3]);
        assert_eq!(used, 3);
        let p = TsPacket::new(&raw).unwrap();
        assert_eq!(p.pid(), 0x1abc);
        assert!(p.pusi() && !p.tei() && !p.priority());
        assert_eq!(p.continuity_counter(), 9);
        assert_eq!(p.scrambling(), 0);
        // A short payload is padded with adaptation stuffing, so the payload is exact.
        assert_eq!(p.adaptation_field_control(), 3);
        assert_eq!(p.payload(), &[1, 2, 3]);
    }

    #[test]
    fn adaptation_flags_and_pcr() {
        let pcr = (1u64 << 33) * 300 - 1; // largest representable PCR
        let spec = PacketSpec {
            pid: 0x100,
            random_access: true,
            discontinuity: true,
            pcr: Some(pcr),
            ..PacketSpec::default()
        };
        let (raw, _) = ts_packet(&spec, &[0xaa; 10]);
        let af = TsPacket::new(&raw).unwrap().adaptation().unwrap();
        assert!(af.random_access && af.discontinuity && !af.es_priority);
        assert!(TsPacket::new(&raw).unwrap().discontinuity());
        assert_eq!(af.pcr, Some(pcr));
    }

    #[test]
    fn rejects_bad_sync_and_short_input() {
        let mut raw = [0u8; TS_PACKET_SIZE];
        assert!(TsPacket::new(&raw).is_none());
        raw[0] = SYNC_BYTE;
        assert!(TsPacket::new(&raw[..187]).is_none());
        assert!(TsPacket::new(&raw).is_some());
    }

    #[test]
    fn malformed_adaptation_length_yields_no_payload() {
        let mut raw = [0xffu8; TS_PACKET_SIZE];
        raw[..5].copy_from_slice(&[SYNC_BYTE, 0x01, 0x00, 0x30, 200]);
        let p = TsPacket::new(&raw).unwrap();
        assert!(p.adaptation().is_none());
        assert!(p.payload().is_empty());
    }

    #[test]
    fn empty_adaptation_field_is_valid() {
        let mut raw = [0u8; TS_PACKET_SIZE];
        raw[..5].copy_from_slice(&[SYNC_BYTE, 0x01, 0x00, 0x30, 0]);
        let p = TsPacket::new(&raw).unwrap();
        assert_eq!(p.adaptation(), Some(AdaptationField::default()));
        assert_eq!(p.payload().len(), 183);
    }

    #[test]
    fn pcr_delta_wraps() {
        assert_eq!(pcr_delta(PCR_MODULUS - 10, 5), 15);
        assert_eq!(pcr_delta(100, 300), 200);
    }
}
