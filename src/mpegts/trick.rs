// SPDX-License-Identifier: GPL-3.0-or-later
//! Trick play's stream: what a decoder is fed while the picture runs through the timeshift
//! window faster than real time or backwards. The window holds the channel as it arrived; a
//! trick-play consumer rewrites it into a stream that looks like an ordinary live channel to
//! the demuxer and the sinks, so the pipeline needs no trick-mode support of its own:
//!
//! ```text
//!  window bytes ─> video PID only (audio, subtitles, data dropped: trick play is muted)
//!              ─> PCRs of another PID kept as adaptation-only packets (the demuxer's clock)
//!              ─> every PTS, DTS and PCR retimed:
//!                   every frame (×2, ×4):  t' = origin + (t − origin) / factor
//!                   keyframes only:        each keyframe moved to its slot on the wall clock,
//!                                          PCRs never going back
//!              ─> continuity counters renumbered; PAT and a PMT naming the video stream alone
//! ```
//!
//! A keyframe fed alone is followed by a tiny PES holding an access unit delimiter: a demuxer
//! hands a PES on only when the next one starts on its PID, and a parser ends an access unit
//! only when the next one begins, so without it each keyframe would wait for the next.
//!
//! Pure bytes in, bytes out; malformed packets are passed over, never a panic.

use super::build::{PacketSpec, StreamSpec, StreamWriter, encode_pcr, pmt_section, ts_packet};
use super::packet::{PCR_MODULUS, TS_PACKET_SIZE, TsPacket};
use super::tables::{Pmt, VideoCodec};

/// PTS and DTS wrap at 2^33 (90 kHz); PCRs at [`PCR_MODULUS`] (27 MHz). Times here are 27 MHz.
const PTS_TO_PCR: u64 = 300;

/// How times are rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retime {
    /// Every frame, `factor` times faster: `t' = origin + (t − origin) / factor`.
    Compress { origin: u64, factor: u64 },
    /// One keyframe moved: `t' = t + offset` (modulo the wrap).
    Shift { offset: u64 },
}

impl Retime {
    /// The shift that moves `pts` (90 kHz) to `slot` (27 MHz).
    pub fn moving(pts: u64, slot: u64) -> Self {
        let from = pts * PTS_TO_PCR % PCR_MODULUS;
        Retime::Shift {
            offset: (slot % PCR_MODULUS + PCR_MODULUS - from) % PCR_MODULUS,
        }
    }

    /// `t` (27 MHz) rewritten.
    pub fn apply(self, t: u64) -> u64 {
        match self {
            Retime::Compress { origin, factor } => {
                let d = signed_distance(origin, t);
                let scaled = d / i64::try_from(factor.max(1)).unwrap_or(1);
                wrap(i128::from(origin) + i128::from(scaled))
            }
            Retime::Shift { offset } => (t % PCR_MODULUS + offset) % PCR_MODULUS,
        }
    }
}

/// `to − from` in 27 MHz ticks, the short way round the wrap.
pub fn signed_distance(from: u64, to: u64) -> i64 {
    let d = (to % PCR_MODULUS + PCR_MODULUS - from % PCR_MODULUS) % PCR_MODULUS;
    let d = i64::try_from(d).unwrap_or(i64::MAX);
    let half = i64::try_from(PCR_MODULUS / 2).unwrap_or(i64::MAX);
    if d > half {
        d - i64::try_from(PCR_MODULUS).unwrap_or(i64::MAX)
    } else {
        d
    }
}

fn wrap(t: i128) -> u64 {
    let m = i128::from(PCR_MODULUS);
    u64::try_from(t.rem_euclid(m)).unwrap_or(0)
}

/// The program a trick-play stream carries, from the window's PSI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub pmt_pid: u16,
    pub program_number: u16,
    pub pcr_pid: u16,
    pub video_pid: u16,
    pub video_stream_type: u8,
    pub codec: VideoCodec,
}

impl Program {
    /// The program of `pmt` (sent on `pmt_pid`), when it has video.
    pub fn of(pmt: &Pmt, pmt_pid: u16, video_pid: u16, codec: VideoCodec) -> Option<Self> {
        let video = pmt.streams.iter().find(|s| s.pid == video_pid)?;
        Some(Self {
            pmt_pid,
            program_number: pmt.program_number,
            pcr_pid: pmt.pcr_pid,
            video_pid,
            video_stream_type: video.stream_type,
            codec,
        })
    }
}

/// The pictures of one GOP (see [`TrickStream::gop_shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GopShape {
    /// Pictures that start in it.
    pub frames: u32,
    /// The keyframe's PTS (90 kHz).
    pub first_pts: u64,
    /// From the keyframe's PTS to the end of the last picture (90 kHz).
    pub span: u64,
}

/// Rewrites window bytes into a trick-play stream (see the module essay).
#[derive(Debug)]
pub struct TrickStream {
    program: Program,
    video: StreamWriter,
    pmt: StreamWriter,
    /// The last PCR written: PCRs never go back.
    last_pcr: Option<u64>,
}

impl TrickStream {
    pub fn new(program: Program) -> Self {
        Self {
            video: StreamWriter::new(program.video_pid, 0),
            pmt: StreamWriter::new(program.pmt_pid, 0),
            program,
            last_pcr: None,
        }
    }

    /// PAT (as the window has it) and a PMT naming the video stream alone.
    pub fn psi<'a>(&mut self, window_psi: impl Iterator<Item = &'a [u8; TS_PACKET_SIZE]>, out: &mut Vec<u8>) {
        for packet in window_psi {
            if TsPacket::from_array(packet).is_some_and(|p| p.pid() == 0) {
                out.extend_from_slice(packet);
            }
        }
        let p = &self.program;
        let section = pmt_section(
            p.program_number,
            0,
            p.pcr_pid,
            &[StreamSpec::new(p.video_stream_type, p.video_pid)],
        );
        let mut packets = Vec::new();
        self.pmt.section(&section, &mut packets);
        packets.iter().for_each(|p| out.extend_from_slice(p));
    }

    /// Appends the packets of `input` (whole packets) that trick play keeps, retimed. With
    /// `one_unit`, stops before the second video PES (a keyframe's access unit alone) and ends it
    /// with a delimiter; returns the bytes of `input` consumed.
    pub fn push(&mut self, input: &[u8], retime: Retime, one_unit: bool, out: &mut Vec<u8>) -> usize {
        let mut units = 0;
        let mut consumed = 0;
        for chunk in input.chunks_exact(TS_PACKET_SIZE) {
            let Some(packet) = TsPacket::new(chunk) else {
                consumed += TS_PACKET_SIZE;
                continue;
            };
            let pid = packet.pid();
            if pid == self.program.video_pid {
                if packet.pusi() {
                    units += 1;
                    if one_unit && units > 1 {
                        break;
                    }
                }
                let mut bytes = *packet.bytes();
                self.retime_pcr(&mut bytes, retime);
                if packet.pusi() {
                    retime_pes(&mut bytes, retime);
                }
                if packet.has_payload() {
                    bytes[3] = (bytes[3] & 0xf0) | self.video.next_cc();
                    self.video = StreamWriter::new(pid, self.video.next_cc() + 1);
                } else {
                    bytes[3] = (bytes[3] & 0xf0) | (self.video.next_cc().wrapping_sub(1) & 0x0f);
                }
                out.extend_from_slice(&bytes);
            } else if pid == self.program.pcr_pid
                && let Some(pcr) = packet.pcr()
            {
                let pcr = self.next_pcr(retime.apply(pcr));
                let spec = PacketSpec {
                    pid,
                    pcr: Some(pcr),
                    ..PacketSpec::default()
                };
                out.extend_from_slice(&ts_packet(&spec, &[]).0);
            }
            consumed += TS_PACKET_SIZE;
        }
        if one_unit && units > 0 {
            self.delimiter(out);
        }
        consumed
    }

    /// An adaptation-only packet on the PCR PID carrying `pcr` (27 MHz): the demuxer's clock
    /// for a keyframe fed alone, whose own packets may carry none.
    pub fn clock(&mut self, pcr: u64, out: &mut Vec<u8>) {
        let pcr = self.next_pcr(pcr % PCR_MODULUS);
        let pid = self.program.pcr_pid;
        // An adaptation-only packet repeats the PID's last continuity counter.
        let cc = if pid == self.program.video_pid {
            self.video.next_cc().wrapping_sub(1) & 0x0f
        } else {
            0
        };
        let spec = PacketSpec {
            pid,
            cc,
            pcr: Some(pcr),
            ..PacketSpec::default()
        };
        out.extend_from_slice(&ts_packet(&spec, &[]).0);
    }

    /// Ends what was pushed with a delimiter, so the demuxer and the parser hand its last
    /// picture on at once (a GOP fed alone, backwards).
    pub fn end_unit(&mut self, out: &mut Vec<u8>) {
        self.delimiter(out);
    }

    /// The pictures of `gop` (whole packets from a keyframe to the next): how many start in it,
    /// the first one's PTS, and how long they last (90 kHz, the last one's duration guessed
    /// from the others). `None` when no picture with a PTS starts in it.
    pub fn gop_shape(&self, gop: &[u8]) -> Option<GopShape> {
        let mut first = None;
        let mut frames = 0u32;
        let mut last_offset = 0u64;
        for pts in gop
            .chunks_exact(TS_PACKET_SIZE)
            .filter(|p| TsPacket::new(p).is_some_and(|p| p.pid() == self.program.video_pid))
            .filter_map(pes_pts)
        {
            let first = *first.get_or_insert(pts);
            frames += 1;
            // Presentation order may differ from the order sent (B-pictures): the span is the
            // latest picture's.
            let offset = (pts + (1 << 33) - first) & ((1 << 33) - 1);
            if offset < 90_000 * 60 {
                last_offset = last_offset.max(offset);
            }
        }
        let first_pts = first?;
        let frame = match frames {
            0 | 1 => 3_600,
            n => (last_offset / u64::from(n - 1)).max(1),
        };
        Some(GopShape {
            frames,
            first_pts,
            span: last_offset + frame,
        })
    }

    /// A PES holding only an access unit delimiter (a sequence end for MPEG-2): lets the
    /// demuxer and the parser hand the unit before it on at once.
    fn delimiter(&mut self, out: &mut Vec<u8>) {
        let es: &[u8] = match self.program.codec {
            VideoCodec::H264 => &[0, 0, 0, 1, 0x09, 0xf0],
            VideoCodec::Hevc => &[0, 0, 0, 1, 0x46, 0x01, 0x50],
            VideoCodec::Vvc => &[0, 0, 0, 1, 0x00, 0xa1, 0x10],
            _ => &[0, 0, 1, 0xb7],
        };
        // Two delimiters at the end of the unit's own PES: the parser sees its last slice end
        // and a complete delimiter start the next unit (the new PES after it is held by the
        // demuxer until the next keyframe, so it cannot do that).
        let tail = PacketSpec {
            pid: self.program.video_pid,
            cc: self.video.next_cc(),
            ..PacketSpec::default()
        };
        out.extend_from_slice(&ts_packet(&tail, &[es, es].concat()).0);
        self.video = StreamWriter::new(self.program.video_pid, self.video.next_cc() + 1);
        let mut pes = vec![0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0];
        pes.extend_from_slice(es);
        let spec = PacketSpec {
            pid: self.program.video_pid,
            pusi: true,
            cc: self.video.next_cc(),
            ..PacketSpec::default()
        };
        out.extend_from_slice(&ts_packet(&spec, &pes).0);
        self.video = StreamWriter::new(self.program.video_pid, self.video.next_cc() + 1);
    }

    /// How long before its PTS (90 kHz) the picture starting `window` arrived: its PTS ahead of
    /// the first PCR among these packets, in microseconds (0 when there is none, or it is not
    /// within 10 s). A live pipeline shows a picture that long after it arrived.
    pub fn mux_delay_us(&self, window: &[u8], pts: u64) -> u64 {
        let pcr = window
            .chunks_exact(TS_PACKET_SIZE)
            .filter_map(TsPacket::new)
            .filter(|p| p.pid() == self.program.pcr_pid)
            .find_map(|p| p.pcr());
        let Some(pcr) = pcr else { return 0 };
        let ahead = signed_distance(pcr, pts * PTS_TO_PCR) / 27;
        u64::try_from(ahead)
            .ok()
            .filter(|&us| us <= 10_000_000)
            .unwrap_or(0)
    }

    fn next_pcr(&mut self, pcr: u64) -> u64 {
        let pcr = match self.last_pcr {
            Some(last) if signed_distance(last, pcr) <= 0 => (last + 1) % PCR_MODULUS,
            _ => pcr,
        };
        self.last_pcr = Some(pcr);
        pcr
    }

    fn retime_pcr(&mut self, bytes: &mut [u8; TS_PACKET_SIZE], retime: Retime) {
        let Some(pcr) = TsPacket::from_array(bytes).and_then(|p| p.pcr()) else {
            return;
        };
        let pcr = self.next_pcr(retime.apply(pcr));
        // The PCR follows the adaptation field's length and flags (checked by `pcr()`).
        if let Some(field) = bytes.get_mut(6..12) {
            field.copy_from_slice(&encode_pcr(pcr));
        }
    }
}

/// The PTS (90 kHz) of the PES that starts in `packet`, when its header has one.
pub fn pes_pts(packet: &[u8]) -> Option<u64> {
    let packet = TsPacket::new(packet)?;
    if !packet.pusi() {
        return None;
    }
    let payload = packet.payload();
    let header = payload.get(..9)?;
    if header[..3] != [0, 0, 1] || header[7] & 0x80 == 0 {
        return None;
    }
    decode_timestamp(payload.get(9..14)?)
}

/// Rewrites the PTS and DTS of the PES header at the start of `bytes`' payload.
fn retime_pes(bytes: &mut [u8; TS_PACKET_SIZE], retime: Retime) {
    let Some(packet) = TsPacket::from_array(bytes) else {
        return;
    };
    let start = TS_PACKET_SIZE - packet.payload().len();
    let Some(header) = bytes.get(start..start + 9) else {
        return;
    };
    if header[..3] != [0, 0, 1] {
        return;
    }
    let flags = header[7] >> 6;
    let fields = match flags {
        2 => 1,
        3 => 2,
        _ => 0,
    };
    for i in 0..fields {
        let at = start + 9 + 5 * i;
        let Some(field) = bytes.get_mut(at..at + 5) else {
            return;
        };
        let Some(t) = decode_timestamp(field) else {
            return;
        };
        let t = retime.apply(t * PTS_TO_PCR) / PTS_TO_PCR;
        let prefix = field[0] & 0xf0;
        field.copy_from_slice(&encode_timestamp(prefix, t));
    }
}

fn decode_timestamp(b: &[u8]) -> Option<u64> {
    let b: &[u8; 5] = b.try_into().ok()?;
    Some(
        (u64::from(b[0] >> 1) & 0x07) << 30
            | u64::from(b[1]) << 22
            | (u64::from(b[2]) >> 1) << 15
            | u64::from(b[3]) << 7
            | u64::from(b[4]) >> 1,
    )
}

fn encode_timestamp(prefix: u8, t: u64) -> [u8; 5] {
    let t = t & ((1 << 33) - 1);
    [
        prefix | ((t >> 29) as u8 & 0x0e) | 1,
        (t >> 22) as u8,
        ((t >> 14) as u8 & 0xfe) | 1,
        (t >> 7) as u8,
        ((t << 1) as u8) | 1,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{PesFlags, h264_access_unit, pes_with_pts};

    const VIDEO: u16 = 0x100;
    const AUDIO: u16 = 0x101;

    fn program(pcr_pid: u16) -> Program {
        Program {
            pmt_pid: 0x1000,
            program_number: 1,
            pcr_pid,
            video_pid: VIDEO,
            video_stream_type: 0x1b,
            codec: VideoCodec::H264,
        }
    }

    /// Two video PES (PTS 90000 and 93600, the first with a PCR) and an audio PES between.
    fn window() -> Vec<u8> {
        let mut packets = Vec::new();
        let mut video = StreamWriter::new(VIDEO, 5);
        let mut audio = StreamWriter::new(AUDIO, 9);
        let first = pes_with_pts(0xe0, 90_000, &h264_access_unit(true, 600));
        let flags = PesFlags {
            random_access: true,
            pcr: Some(80_000 * 300),
        };
        video.pes_bytes_with(&first, flags, &mut packets);
        audio.pes_bytes(&pes_with_pts(0xc0, 90_500, &[0xff; 100]), &mut packets);
        video.pes_bytes(
            &pes_with_pts(0xe0, 93_600, &h264_access_unit(false, 300)),
            &mut packets,
        );
        packets.concat()
    }

    fn pids(bytes: &[u8]) -> Vec<u16> {
        bytes
            .chunks(188)
            .map(|p| TsPacket::new(p).unwrap().pid())
            .collect()
    }

    #[test]
    fn timestamps_round_trip_and_wrap() {
        for t in [0u64, 1, 90_000, (1 << 33) - 1] {
            assert_eq!(decode_timestamp(&encode_timestamp(0x20, t)), Some(t));
        }
        assert_eq!(signed_distance(PCR_MODULUS - 10, 5), 15);
        assert_eq!(signed_distance(5, PCR_MODULUS - 10), -15);
        let r = Retime::Compress {
            origin: 1_000,
            factor: 4,
        };
        assert_eq!(r.apply(5_000), 2_000);
        assert_eq!(r.apply(0), 750);
        let m = Retime::moving(90_000, 27_000_000 * 7);
        assert_eq!(m.apply(90_000 * 300), 27_000_000 * 7);
    }

    #[test]
    fn every_frame_keeps_video_and_compresses_its_times() {
        let input = window();
        let mut s = TrickStream::new(program(VIDEO));
        let mut out = Vec::new();
        let origin = 90_000 * 300;
        let used = s.push(&input, Retime::Compress { origin, factor: 2 }, false, &mut out);
        assert_eq!(used, input.len());
        assert!(pids(&out).iter().all(|&p| p == VIDEO), "audio is dropped");
        let starts: Vec<u64> = out.chunks(188).filter_map(pes_pts).collect();
        assert_eq!(starts, [90_000, 91_800], "3600 ticks apart become 1800");
        let pcr = TsPacket::new(&out[..188]).unwrap().pcr().unwrap();
        assert_eq!(
            pcr,
            (90_000 * 300 - 5_000 * 300),
            "the PCR 10_000 ticks early becomes 5_000"
        );
        // Continuity counters run on from 0 without a gap.
        let ccs: Vec<u8> = out
            .chunks(188)
            .map(|p| TsPacket::new(p).unwrap().continuity_counter())
            .collect();
        assert!(
            ccs.iter().enumerate().all(|(i, &c)| usize::from(c) == i % 16),
            "{ccs:?}"
        );
    }

    #[test]
    fn one_keyframe_is_cut_moved_and_ended_at_once() {
        let input = window();
        let mut s = TrickStream::new(program(AUDIO));
        let mut out = Vec::new();
        let slot = 27_000_000 * 100;
        let used = s.push(&input, Retime::moving(90_000, slot), true, &mut out);
        // The keyframe's packets, no audio, and the delimiter after it.
        let video_packets = input
            .chunks(188)
            .take_while(|p| TsPacket::new(p).unwrap().pid() == VIDEO)
            .count();
        assert!(used < input.len(), "stopped before the second picture");
        assert_eq!(pids(&out).len(), video_packets + 2);
        let starts: Vec<u64> = out.chunks(188).filter_map(pes_pts).collect();
        assert_eq!(starts, [slot / 300]);
        assert_eq!(s.mux_delay_us(&input, 90_000), 0, "no PCR on the PCR PID");
        let with_pcr = TrickStream::new(program(VIDEO));
        assert_eq!(
            with_pcr.mux_delay_us(&input, 90_000),
            10_000 * 1_000 / 90,
            "PTS 10_000 ticks after the PCR"
        );
        let closing = TsPacket::new(&out[out.len() - 2 * 188..]).unwrap();
        assert!(!closing.pusi(), "the unit's own PES ends with two delimiters");
        assert_eq!(
            closing.payload(),
            [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x09, 0xf0]
        );
        let last = TsPacket::new(&out[out.len() - 188..]).unwrap();
        assert!(last.pusi());
        assert!(last.payload().ends_with(&[0, 0, 0, 1, 0x09, 0xf0]));
    }

    #[test]
    fn pcrs_of_another_pid_stay_as_adaptation_only_and_never_go_back() {
        let mut s = TrickStream::new(program(AUDIO));
        let mut out = Vec::new();
        let spec = |pcr| PacketSpec {
            pid: AUDIO,
            pcr: Some(pcr),
            ..PacketSpec::default()
        };
        let input = [
            ts_packet(&spec(1_000_000), &[1; 50]).0,
            ts_packet(&spec(500_000), &[1; 50]).0,
        ]
        .concat();
        s.push(&input, Retime::Shift { offset: 0 }, false, &mut out);
        let packets: Vec<TsPacket> = out.chunks(188).map(|p| TsPacket::new(p).unwrap()).collect();
        assert_eq!(packets.len(), 2);
        assert!(
            packets.iter().all(|p| !p.has_payload()),
            "the audio payload is gone"
        );
        assert_eq!(packets[0].pcr(), Some(1_000_000));
        assert_eq!(packets[1].pcr(), Some(1_000_001), "a PCR going back is held");
    }

    #[test]
    fn psi_names_the_video_alone() {
        let mut s = TrickStream::new(program(VIDEO));
        let pat = ts_packet(&PacketSpec::default(), &[0, 0, 0xb0]).0;
        let other = ts_packet(
            &PacketSpec {
                pid: 0x1000,
                ..PacketSpec::default()
            },
            &[0],
        )
        .0;
        let mut out = Vec::new();
        s.psi([&pat, &other].into_iter(), &mut out);
        assert_eq!(pids(&out), [0, 0x1000]);
        let payload = TsPacket::new(&out[188..]).unwrap().payload();
        let section = crate::mpegts::psi::Section::parse(&payload[1..]).unwrap();
        let pmt = Pmt::parse(&section).unwrap();
        assert_eq!(pmt.streams.len(), 1);
        assert_eq!((pmt.streams[0].pid, pmt.pcr_pid), (VIDEO, VIDEO));
    }

    #[test]
    fn a_gop_is_counted_and_spanned() {
        let input = window();
        let s = TrickStream::new(program(VIDEO));
        let shape = s.gop_shape(&input).unwrap();
        // Two pictures 3600 apart, the audio PES not counted: the second lasts as long.
        assert_eq!(
            shape,
            GopShape {
                frames: 2,
                first_pts: 90_000,
                span: 7_200
            }
        );
        let audio: Vec<u8> = input
            .chunks(188)
            .filter(|p| TsPacket::new(p).unwrap().pid() == AUDIO)
            .flatten()
            .copied()
            .collect();
        assert!(!audio.is_empty());
        assert_eq!(s.gop_shape(&audio), None, "no picture starts in it");
    }

    #[test]
    fn hostile_bytes_do_not_panic() {
        let mut s = TrickStream::new(program(VIDEO));
        let mut out = Vec::new();
        let mut junk = vec![0x47u8; 188 * 4];
        for (i, b) in junk.iter_mut().enumerate() {
            if i % 188 != 0 {
                *b = (i * 7) as u8;
            }
        }
        s.push(&junk, Retime::Compress { origin: 0, factor: 8 }, true, &mut out);
        s.push(&junk[..100], Retime::Shift { offset: 5 }, false, &mut out);
        let _ = pes_pts(&junk);
    }
}
