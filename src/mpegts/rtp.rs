// SPDX-License-Identifier: GPL-3.0-or-later
//! RTP (RFC 3550) header parsing for MPEG-TS over RTP (RFC 2250, payload type 33 or
//! dynamic), and telling RTP from raw UDP TS.
//!
//! Owns header decoding only; must not depend on sockets or on the reorder buffer
//! (`reorder`), which consumes parsed packets.

use super::packet::{SYNC_BYTE, TS_PACKET_SIZE};

/// Static payload type of MPEG-2 transport streams.
pub const PT_MP2T: u8 = 33;
/// Fixed RTP header size.
pub const RTP_HEADER_SIZE: usize = 12;

/// Why a datagram is not a usable RTP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// Shorter than the header, CSRC list, extension or padding claims.
    #[error("RTP packet truncated")]
    Truncated,
    /// Version field is not 2.
    #[error("RTP version {0} unsupported")]
    Version(u8),
    /// Payload type is neither MP2T (33) nor dynamic (96..=127).
    #[error("RTP payload type {0} is not MPEG-TS")]
    PayloadType(u8),
}

/// Decoded fixed header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpHeader {
    /// Padding bit: the last payload byte counts padding bytes.
    pub padding: bool,
    /// Extension bit: a header extension follows the CSRC list.
    pub extension: bool,
    /// Number of CSRC identifiers.
    pub csrc_count: u8,
    /// Marker bit.
    pub marker: bool,
    /// Payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp (90 kHz for MP2T).
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

/// A parsed RTP packet: header and the payload it frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Fixed header.
    pub header: RtpHeader,
    /// Payload without CSRCs, extension and padding.
    pub payload: &'a [u8],
}

/// Whether `pt` can carry MPEG-TS: static 33 or a dynamic type.
pub fn is_ts_payload_type(pt: u8) -> bool {
    pt == PT_MP2T || (96..=127).contains(&pt)
}

/// Parses an RTP packet carrying MPEG-TS.
pub fn parse_rtp(datagram: &[u8]) -> Result<RtpPacket<'_>, RtpError> {
    let fixed: &[u8; RTP_HEADER_SIZE] = datagram
        .get(..RTP_HEADER_SIZE)
        .and_then(|h| h.try_into().ok())
        .ok_or(RtpError::Truncated)?;
    let version = fixed[0] >> 6;
    if version != 2 {
        return Err(RtpError::Version(version));
    }
    let header = RtpHeader {
        padding: fixed[0] & 0x20 != 0,
        extension: fixed[0] & 0x10 != 0,
        csrc_count: fixed[0] & 0x0f,
        marker: fixed[1] & 0x80 != 0,
        payload_type: fixed[1] & 0x7f,
        sequence: u16::from_be_bytes([fixed[2], fixed[3]]),
        timestamp: u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
        ssrc: u32::from_be_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]),
    };
    if !is_ts_payload_type(header.payload_type) {
        return Err(RtpError::PayloadType(header.payload_type));
    }
    let mut start = RTP_HEADER_SIZE + 4 * usize::from(header.csrc_count);
    if header.extension {
        let ext = datagram.get(start..start + 4).ok_or(RtpError::Truncated)?;
        start += 4 + 4 * usize::from(u16::from_be_bytes([ext[2], ext[3]]));
    }
    let mut end = datagram.len();
    if header.padding {
        let pad = usize::from(*datagram.last().ok_or(RtpError::Truncated)?);
        end = end.checked_sub(pad).ok_or(RtpError::Truncated)?;
    }
    let payload = datagram.get(start..end).ok_or(RtpError::Truncated)?;
    Ok(RtpPacket { header, payload })
}

/// What a received datagram carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// Plain TS over UDP.
    RawTs(&'a [u8]),
    /// TS inside RTP.
    Rtp(RtpPacket<'a>),
}

/// Tells raw UDP TS from RTP: raw TS starts with a sync byte at a 188-byte period,
/// while an RTP version-2 header starts with 0x80..=0xBF, never 0x47.
pub fn classify(datagram: &[u8]) -> Result<Datagram<'_>, RtpError> {
    if datagram.first() == Some(&SYNC_BYTE) && datagram.len().is_multiple_of(TS_PACKET_SIZE) {
        return Ok(Datagram::RawTs(datagram));
    }
    parse_rtp(datagram).map(Datagram::Rtp)
}

/// Builds an RTP/MP2T header (no CSRC, extension or padding); for tests and tools.
pub fn rtp_header(sequence: u16, timestamp: u32, ssrc: u32) -> [u8; RTP_HEADER_SIZE] {
    let mut h = [0u8; RTP_HEADER_SIZE];
    h[0] = 0x80;
    h[1] = PT_MP2T;
    h[2..4].copy_from_slice(&sequence.to_be_bytes());
    h[4..8].copy_from_slice(&timestamp.to_be_bytes());
    h[8..12].copy_from_slice(&ssrc.to_be_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_header() {
        let mut d = rtp_header(0xfffe, 90_000, 0xdead_beef).to_vec();
        d.extend_from_slice(&[0x47; 188]);
        let p = parse_rtp(&d).unwrap();
        assert_eq!(p.header.sequence, 0xfffe);
        assert_eq!(p.header.timestamp, 90_000);
        assert_eq!(p.header.ssrc, 0xdead_beef);
        assert_eq!(p.header.payload_type, PT_MP2T);
        assert_eq!(p.payload.len(), 188);
    }

    #[test]
    fn csrc_extension_and_padding_are_skipped() {
        let mut d = rtp_header(1, 0, 0).to_vec();
        d[0] = 0x80 | 0x20 | 0x10 | 2; // padding, extension, 2 CSRCs
        d[1] = 96;
        d.extend_from_slice(&[0; 8]); // CSRCs
        d.extend_from_slice(&[0xbe, 0xde, 0, 1, 1, 2, 3, 4]); // extension, 1 word
        d.extend_from_slice(&[0x47, 1, 2]);
        d.extend_from_slice(&[0, 0, 3]); // 3 bytes padding
        let p = parse_rtp(&d).unwrap();
        assert!(p.header.padding && p.header.extension);
        assert_eq!(p.header.csrc_count, 2);
        assert_eq!(p.payload, &[0x47, 1, 2]);
    }

    #[test]
    fn malformed_rejected() {
        assert_eq!(parse_rtp(&[0x80; 5]), Err(RtpError::Truncated));
        let mut d = rtp_header(1, 0, 0).to_vec();
        d[0] = 0x40;
        assert_eq!(parse_rtp(&d), Err(RtpError::Version(1)));
        d[0] = 0x80 | 0x20;
        d.push(50); // padding longer than the packet
        assert_eq!(parse_rtp(&d), Err(RtpError::Truncated));
        let mut d = rtp_header(1, 0, 0).to_vec();
        d[1] = 14; // MPA
        assert_eq!(parse_rtp(&d), Err(RtpError::PayloadType(14)));
        let mut d = rtp_header(1, 0, 0).to_vec();
        d[0] |= 0x0f; // 15 CSRCs that are not there
        assert_eq!(parse_rtp(&d), Err(RtpError::Truncated));
    }

    #[test]
    fn classify_raw_and_rtp() {
        let raw = [0x47u8; 376];
        assert!(matches!(classify(&raw), Ok(Datagram::RawTs(_))));
        let mut d = rtp_header(7, 0, 0).to_vec();
        d.extend_from_slice(&raw);
        assert!(matches!(classify(&d), Ok(Datagram::Rtp(p)) if p.header.sequence == 7));
    }
}
