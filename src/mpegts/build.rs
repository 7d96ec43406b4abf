// SPDX-License-Identifier: GPL-3.0-or-later
//! Builds TS packets, PSI sections (with real CRC32), PES packets and minimal
//! H.264/HEVC/MPEG-2 access units.
//!
//! The ring uses it to re-emit cached PAT/PMT as clean packets; tests and the
//! benchmark use it to synthesise streams. Must not depend on parsing code beyond the
//! shared CRC and table constants, so tests check parsers against independent output.

use super::packet::{PCR_MODULUS, SYNC_BYTE, TS_PACKET_SIZE};
use super::psi::crc32_mpeg2;
use super::tables::{DESC_LANGUAGE, TABLE_PAT, TABLE_PMT};

/// Header and adaptation-field settings for one packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketSpec {
    /// PID.
    pub pid: u16,
    /// payload_unit_start_indicator.
    pub pusi: bool,
    /// continuity_counter (low 4 bits used).
    pub cc: u8,
    /// transport_error_indicator.
    pub tei: bool,
    /// Adaptation field discontinuity_indicator.
    pub discontinuity: bool,
    /// Adaptation field random_access_indicator.
    pub random_access: bool,
    /// PCR in 27 MHz ticks.
    pub pcr: Option<u64>,
}

/// Builds one packet carrying as much of `payload` as fits; short payloads are padded
/// with adaptation-field stuffing. Returns the packet and the payload bytes used.
pub fn ts_packet(spec: &PacketSpec, payload: &[u8]) -> ([u8; TS_PACKET_SIZE], usize) {
    let mut p = [0xffu8; TS_PACKET_SIZE];
    let [pid_hi, pid_lo] = (spec.pid & 0x1fff).to_be_bytes();
    p[0] = SYNC_BYTE;
    p[1] = pid_hi | if spec.pusi { 0x40 } else { 0 } | if spec.tei { 0x80 } else { 0 };
    p[2] = pid_lo;
    let cc = spec.cc & 0x0f;
    let flagged = spec.discontinuity || spec.random_access || spec.pcr.is_some();
    if !flagged && payload.len() >= 184 {
        p[3] = 0x10 | cc;
        p[4..].copy_from_slice(&payload[..184]);
        return (p, 184);
    }
    let flag_bytes = if flagged {
        1 + if spec.pcr.is_some() { 6 } else { 0 }
    } else {
        0
    };
    let take = payload.len().min(183 - flag_bytes);
    let af_len = 183 - take;
    p[3] = if take > 0 { 0x30 } else { 0x20 } | cc;
    p[4] = af_len as u8;
    if af_len > 0 {
        p[5] = u8::from(spec.discontinuity) << 7 | u8::from(spec.random_access) << 6;
        if let Some(pcr) = spec.pcr {
            p[5] |= 0x10;
            p[6..12].copy_from_slice(&encode_pcr(pcr));
        }
    }
    p[5 + af_len..].copy_from_slice(&payload[..take]);
    (p, take)
}

/// The six bytes of an adaptation field's PCR (33-bit base, 6 reserved bits, 9-bit extension).
pub(crate) fn encode_pcr(pcr: u64) -> [u8; 6] {
    let pcr = pcr % PCR_MODULUS;
    let (base, ext) = (pcr / 300, pcr % 300);
    [
        (base >> 25) as u8,
        (base >> 17) as u8,
        (base >> 9) as u8,
        (base >> 1) as u8,
        ((base & 1) << 7) as u8 | 0x7e | (ext >> 8) as u8,
        ext as u8,
    ]
}

/// Flags for the first packet of a PES.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PesFlags {
    /// Set random_access_indicator on the first packet.
    pub random_access: bool,
    /// PCR for the first packet.
    pub pcr: Option<u64>,
}

/// Packetises sections and PES for one PID, keeping its continuity counter.
#[derive(Clone, Copy, Debug)]
pub struct StreamWriter {
    pid: u16,
    cc: u8,
}

impl StreamWriter {
    /// Writer for `pid` starting at continuity counter `cc`.
    pub fn new(pid: u16, cc: u8) -> Self {
        Self { pid, cc: cc & 0x0f }
    }

    /// The continuity counter the next packet will carry.
    pub fn next_cc(&self) -> u8 {
        self.cc
    }

    fn emit(&mut self, spec: PacketSpec, payload: &[u8]) -> ([u8; TS_PACKET_SIZE], usize) {
        let (p, used) = ts_packet(
            &PacketSpec {
                pid: self.pid,
                cc: self.cc,
                ..spec
            },
            payload,
        );
        self.cc = (self.cc + 1) & 0x0f;
        (p, used)
    }

    /// Packetises one section (pointer_field 0, 0xFF stuffing after it).
    pub fn section(&mut self, section: &[u8], out: &mut Vec<[u8; TS_PACKET_SIZE]>) {
        let mut data = Vec::with_capacity(section.len() + 1);
        data.push(0);
        data.extend_from_slice(section);
        self.payload_unit(&data, PesFlags::default(), out);
    }

    /// Packetises one PES packet around `es` (PTS 0, unbounded length for video ids).
    pub fn pes(&mut self, stream_id: u8, es: &[u8], flags: PesFlags, out: &mut Vec<[u8; TS_PACKET_SIZE]>) {
        let mut data = Vec::with_capacity(es.len() + 14);
        data.extend_from_slice(&[0, 0, 1, stream_id]);
        let len = es.len() + 8;
        let declared = if stream_id & 0xf0 == 0xe0 && len > 0xffff {
            0
        } else {
            len as u16
        };
        data.extend_from_slice(&declared.to_be_bytes());
        data.extend_from_slice(&[0x80, 0x80, 5, 0x21, 0, 1, 0, 1]);
        data.extend_from_slice(es);
        self.payload_unit(&data, flags, out);
    }

    /// Packetises a complete PES packet as it is (see [`pes_with_pts`]).
    pub fn pes_bytes(&mut self, pes: &[u8], out: &mut Vec<[u8; TS_PACKET_SIZE]>) {
        self.payload_unit(pes, PesFlags::default(), out);
    }

    /// Packetises a complete PES packet as it is, its first packet carrying `flags`.
    pub fn pes_bytes_with(&mut self, pes: &[u8], flags: PesFlags, out: &mut Vec<[u8; TS_PACKET_SIZE]>) {
        self.payload_unit(pes, flags, out);
    }

    /// Splits a payload unit into packets; the first carries PUSI and `flags`.
    fn payload_unit(&mut self, mut data: &[u8], flags: PesFlags, out: &mut Vec<[u8; TS_PACKET_SIZE]>) {
        let first = PacketSpec {
            pusi: true,
            random_access: flags.random_access,
            pcr: flags.pcr,
            ..PacketSpec::default()
        };
        let (p, used) = self.emit(first, data);
        out.push(p);
        data = &data[used..];
        while !data.is_empty() {
            let (p, used) = self.emit(PacketSpec::default(), data);
            out.push(p);
            data = &data[used..];
        }
    }
}

/// A bounded PES packet around `es` with a PTS (90 kHz, 33 bits).
pub fn pes_with_pts(stream_id: u8, pts: u64, es: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 1, stream_id];
    out.extend_from_slice(&((es.len() + 8) as u16).to_be_bytes());
    let bits = |shift: u32| (pts >> shift) as u8;
    out.extend_from_slice(&[
        0x80,
        0x80,
        5,
        0x21 | (bits(29) & 0x0e),
        bits(22),
        bits(14) | 1,
        bits(7),
        bits(0) << 1 | 1,
    ]);
    out.extend_from_slice(es);
    out
}

/// A long-form section (section 0 of 0, current) with its CRC.
pub fn long_section(table_id: u8, extension: u16, version: u8, body: &[u8]) -> Vec<u8> {
    let section_length = body.len() + 9;
    let mut s = Vec::with_capacity(section_length + 3);
    s.push(table_id);
    s.extend_from_slice(&(0xb000 | (section_length as u16 & 0x0fff)).to_be_bytes());
    s.extend_from_slice(&extension.to_be_bytes());
    s.extend_from_slice(&[0xc1 | (version & 0x1f) << 1, 0, 0]);
    s.extend_from_slice(body);
    let crc = crc32_mpeg2(&s);
    s.extend_from_slice(&crc.to_be_bytes());
    s
}

/// A PAT section from `(program_number, pid)` pairs (program 0 = NIT PID).
pub fn pat_section(transport_stream_id: u16, version: u8, programs: &[(u16, u16)]) -> Vec<u8> {
    let body: Vec<u8> = programs
        .iter()
        .flat_map(|&(n, pid)| [n.to_be_bytes(), (0xe000 | pid).to_be_bytes()].concat())
        .collect();
    long_section(TABLE_PAT, transport_stream_id, version, &body)
}

/// An elementary stream entry for [`pmt_section`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamSpec {
    /// stream_type.
    pub stream_type: u8,
    /// elementary_PID.
    pub pid: u16,
    /// Raw ES_info descriptor loop.
    pub descriptors: Vec<u8>,
}

impl StreamSpec {
    /// Entry without descriptors.
    pub fn new(stream_type: u8, pid: u16) -> Self {
        Self {
            stream_type,
            pid,
            descriptors: Vec::new(),
        }
    }

    /// Entry with a raw descriptor loop.
    pub fn with(stream_type: u8, pid: u16, descriptors: Vec<u8>) -> Self {
        Self {
            stream_type,
            pid,
            descriptors,
        }
    }
}

/// A PMT section without program descriptors.
pub fn pmt_section(program: u16, version: u8, pcr_pid: u16, streams: &[StreamSpec]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(0xe000 | pcr_pid).to_be_bytes());
    body.extend_from_slice(&[0xf0, 0x00]);
    for s in streams {
        body.push(s.stream_type);
        body.extend_from_slice(&(0xe000 | s.pid).to_be_bytes());
        body.extend_from_slice(&(0xf000 | s.descriptors.len() as u16).to_be_bytes());
        body.extend_from_slice(&s.descriptors);
    }
    long_section(TABLE_PMT, program, version, &body)
}

/// An ISO 639 language descriptor (tag 0x0a) from `(code, audio_type)` entries.
pub fn language_descriptor(entries: &[([u8; 3], u8)]) -> Vec<u8> {
    let mut d = vec![DESC_LANGUAGE, (entries.len() * 4) as u8];
    for (code, audio_type) in entries {
        d.extend_from_slice(code);
        d.push(*audio_type);
    }
    d
}

/// Filler that can never form a start code.
fn filler(out: &mut Vec<u8>, size: usize) {
    out.resize(out.len() + size, 0x55);
}

/// An H.264 access unit: AUD, then SPS+PPS+IDR slice (keyframe) or a non-IDR slice,
/// padded with `size` filler bytes.
pub fn h264_access_unit(keyframe: bool, size: usize) -> Vec<u8> {
    let mut au = vec![0, 0, 0, 1, 0x09, 0xf0];
    if keyframe {
        au.extend_from_slice(&[
            0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
        ]);
        au.extend_from_slice(&[0, 0, 1, 0x65, 0x88]);
    } else {
        au.extend_from_slice(&[0, 0, 1, 0x41, 0x9a]);
    }
    filler(&mut au, size);
    au
}

/// An HEVC access unit: AUD, then VPS/SPS/PPS + IDR_W_RADL (keyframe) or TRAIL_R.
pub fn hevc_access_unit(keyframe: bool, size: usize) -> Vec<u8> {
    let mut au = vec![0, 0, 0, 1, 0x46, 0x01, 0x50];
    if keyframe {
        for nal_type in [32u8, 33, 34, 19] {
            au.extend_from_slice(&[0, 0, 1, nal_type << 1, 0x01, 0xaa]);
        }
    } else {
        au.extend_from_slice(&[0, 0, 1, 0x02, 0x01, 0xaa]);
    }
    filler(&mut au, size);
    au
}

/// An MPEG-2 picture: sequence header + GOP + picture (keyframe) or a picture alone.
pub fn mpeg2_picture(keyframe: bool, size: usize) -> Vec<u8> {
    let mut pic = Vec::new();
    if keyframe {
        pic.extend_from_slice(&[0, 0, 1, 0xb3, 0x2d, 0x02, 0x40, 0x33]);
        pic.extend_from_slice(&[0, 0, 1, 0xb8, 0x00, 0x08, 0x00, 0x00]);
    }
    pic.extend_from_slice(&[0, 0, 1, 0x00, 0x00, 0x0f, 0xff, 0xf8]);
    filler(&mut pic, size);
    pic
}
