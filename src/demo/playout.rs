// SPDX-License-Identifier: GPL-3.0-or-later
//! Plays a pre-encoded TS loop out as an endless live stream, paced by its PCR, as real headends do.
//! Each lap shifts PCR, PTS and DTS by the loop length and continues the continuity counters, so a
//! receiver sees one continuous stream and never a loop boundary.

use crate::mpegts::packet::{PCR_HZ, PCR_MODULUS, TS_PACKET_SIZE, TsPacket};
use anyhow::{Result, bail};
use std::collections::HashMap;

type Packet = [u8; TS_PACKET_SIZE];
const PTS_MODULUS: u64 = 1 << 33;

/// A TS loop ready to be played out lap after lap.
pub struct TsLoop {
    packets: Vec<Packet>,
    /// Send time of each packet from the loop start, in 27 MHz ticks (interpolated between PCRs).
    send_at: Vec<u64>,
    /// Loop length in 27 MHz ticks.
    duration: u64,
    /// Payload-carrying packets per PID in one lap (how far the CC advances per lap).
    cc_advance: HashMap<u16, u8>,
}

impl TsLoop {
    /// Indexes a TS file whose content spans `duration_ticks` (27 MHz) of playback.
    pub fn new(bytes: &[u8], duration_ticks: u64) -> Result<Self> {
        let packets = packets(bytes);
        let pcrs: Vec<(usize, u64)> = packets
            .iter()
            .enumerate()
            .filter_map(|(i, p)| TsPacket::from_array(p)?.pcr().map(|pcr| (i, pcr)))
            .collect();
        if pcrs.len() < 2 {
            bail!("the loop has fewer than two PCRs; cannot pace it");
        }
        Ok(Self::paced(packets, &pcrs, duration_ticks))
    }

    /// Indexes a TS file without two PCRs (a capture cut short, or one whose PCRs are rare)
    /// whose content spans `duration_ticks`: its packets are spread evenly over that time, a
    /// constant bit rate, as a headend remultiplexing it would send them.
    pub fn evenly(bytes: &[u8], duration_ticks: u64) -> Result<Self> {
        let packets = packets(bytes);
        if packets.len() < 2 || duration_ticks == 0 {
            bail!("the loop is too short to pace");
        }
        let last = packets.len() - 1;
        let end = duration_ticks * last as u64 / packets.len() as u64;
        Ok(Self::paced(packets, &[(0, 0), (last, end)], duration_ticks))
    }

    fn paced(packets: Vec<Packet>, pcrs: &[(usize, u64)], duration_ticks: u64) -> Self {
        let send_at = interpolate(packets.len(), pcrs);
        let mut cc_advance: HashMap<u16, u8> = HashMap::new();
        for p in packets
            .iter()
            .filter_map(TsPacket::from_array)
            .filter(|p| p.has_payload())
        {
            let n = cc_advance.entry(p.pid()).or_default();
            *n = n.wrapping_add(1) % 16;
        }
        Self {
            packets,
            send_at,
            duration: duration_ticks,
            cc_advance,
        }
    }

    pub fn len(&self) -> usize {
        self.packets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Loop length in 27 MHz ticks.
    pub fn duration_ticks(&self) -> u64 {
        self.duration
    }

    /// When packet `index` of lap `lap` is due, in 27 MHz ticks from the start of lap 0.
    pub fn due(&self, lap: u64, index: usize) -> u64 {
        lap * self.duration + self.send_at.get(index).copied().unwrap_or(0)
    }

    /// Packet `index` as it is sent in lap `lap`: clocks shifted, continuity counter continued.
    pub fn packet(&self, lap: u64, index: usize) -> Packet {
        self.packet_shifted(lap, index, lap.wrapping_mul(self.duration))
    }

    /// Packet `index` of lap `lap` (for its continuity counter) with its clocks moved by
    /// `shift` ticks (27 MHz; PTS/DTS by `shift / 300`), modulo the clocks' range.
    pub fn packet_shifted(&self, lap: u64, index: usize, shift: u64) -> Packet {
        let mut p = self.packets[index % self.packets.len()];
        let shift = shift % PCR_MODULUS;
        let pid = u16::from_be_bytes([p[1] & 0x1f, p[2]]);
        let advance = u64::from(self.cc_advance.get(&pid).copied().unwrap_or(0));
        let cc = (u64::from(p[3] & 0x0f) + lap.wrapping_mul(advance)) % 16;
        p[3] = (p[3] & 0xf0) | cc as u8;
        shift_pcr(&mut p, shift);
        shift_pes_timestamps(&mut p, shift / 300);
        p
    }

    /// The first PAT and PMT packets of the loop, for a receiver that joins mid-stream.
    pub fn tables(&self) -> Vec<u8> {
        (0..self.len())
            .map(|i| self.packet(0, i))
            .filter(|p| TsPacket::from_array(p).is_some_and(|t| t.pid() == 0) || is_pmt(p))
            .take(2)
            .flatten()
            .collect()
    }

    /// The first packet index at or after `index` where the video has a random access point (RAI set).
    pub fn keyframe_indices(&self) -> Vec<usize> {
        self.packets
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                TsPacket::from_array(p)
                    .and_then(|p| p.adaptation())
                    .is_some_and(|a| a.random_access)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// Send offsets for every packet: linear between PCRs, constant rate before the first and after the last.
/// The whole packets of `bytes` that start with a sync byte.
fn packets(bytes: &[u8]) -> Vec<Packet> {
    bytes
        .chunks_exact(TS_PACKET_SIZE)
        .filter_map(|c| c.try_into().ok())
        .filter(|p: &Packet| p[0] == 0x47)
        .collect()
}

fn interpolate(count: usize, pcrs: &[(usize, u64)]) -> Vec<u64> {
    let first = pcrs[0].1;
    let rel = |pcr: u64| crate::mpegts::packet::pcr_delta(first, pcr);
    let mut out = vec![0u64; count];
    for pair in pcrs.windows(2) {
        let ((i0, p0), (i1, p1)) = (pair[0], pair[1]);
        let (t0, t1) = (rel(p0), rel(p1));
        for (k, slot) in out.iter_mut().enumerate().take(i1).skip(i0) {
            *slot = t0 + (t1 - t0) * (k - i0) as u64 / (i1 - i0).max(1) as u64;
        }
    }
    let (last_index, last_pcr) = pcrs[pcrs.len() - 1];
    let (prev_index, prev_pcr) = pcrs[pcrs.len() - 2];
    let per_packet = (rel(last_pcr) - rel(prev_pcr)) / (last_index - prev_index).max(1) as u64;
    for (k, slot) in out.iter_mut().enumerate().skip(last_index) {
        *slot = rel(last_pcr) + per_packet * (k - last_index) as u64;
    }
    out
}

fn shift_pcr(p: &mut Packet, ticks: u64) {
    let has_af = p[3] & 0x20 != 0;
    if !has_af || p[4] < 7 || p[5] & 0x10 == 0 {
        return;
    }
    let b = &p[6..12];
    let base = (u64::from(b[0]) << 25)
        | (u64::from(b[1]) << 17)
        | (u64::from(b[2]) << 9)
        | (u64::from(b[3]) << 1)
        | (u64::from(b[4]) >> 7);
    let ext = (u64::from(b[4] & 1) << 8) | u64::from(b[5]);
    let pcr = (base * 300 + ext + ticks) % PCR_MODULUS;
    let (base, ext) = (pcr / 300, pcr % 300);
    p[6] = (base >> 25) as u8;
    p[7] = (base >> 17) as u8;
    p[8] = (base >> 9) as u8;
    p[9] = (base >> 1) as u8;
    p[10] = ((base & 1) << 7) as u8 | 0x7e | (ext >> 8) as u8;
    p[11] = ext as u8;
}

/// Shifts PTS and DTS of a PES header starting in this packet by `ticks_90k`.
fn shift_pes_timestamps(p: &mut Packet, ticks_90k: u64) {
    if p[1] & 0x40 == 0 {
        return;
    }
    let start = if p[3] & 0x20 != 0 {
        5 + usize::from(p[4])
    } else {
        4
    };
    if start + 19 > TS_PACKET_SIZE || p[start..start + 3] != [0, 0, 1] {
        return;
    }
    let flags = p[start + 7] >> 6;
    if flags & 0b10 != 0 {
        shift_timestamp(&mut p[start + 9..start + 14], ticks_90k);
    }
    if flags == 0b11 {
        shift_timestamp(&mut p[start + 14..start + 19], ticks_90k);
    }
}

fn shift_timestamp(b: &mut [u8], ticks: u64) {
    let ts = (u64::from(b[0] >> 1 & 0x07) << 30)
        | (u64::from(b[1]) << 22)
        | (u64::from(b[2] >> 1) << 15)
        | (u64::from(b[3]) << 7)
        | u64::from(b[4] >> 1);
    let ts = (ts + ticks) % PTS_MODULUS;
    b[0] = (b[0] & 0xf1) | (((ts >> 30) as u8 & 0x07) << 1);
    b[1] = (ts >> 22) as u8;
    b[2] = ((ts >> 14) as u8 & 0xfe) | 1;
    b[3] = (ts >> 7) as u8;
    b[4] = ((ts << 1) as u8 & 0xfe) | 1;
}

/// Seconds → 27 MHz ticks.
pub fn ticks(seconds: u64) -> u64 {
    seconds * PCR_HZ
}

/// mpegtsmux puts the PMT on PID 0x20 by default; a PMT section starts with table id 2.
fn is_pmt(p: &[u8; TS_PACKET_SIZE]) -> bool {
    TsPacket::from_array(p).is_some_and(|p| {
        let payload = p.payload();
        p.pusi() && payload.first().and_then(|&ptr| payload.get(usize::from(ptr) + 1)) == Some(&0x02)
    })
}
