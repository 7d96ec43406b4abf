// SPDX-License-Identifier: GPL-3.0-or-later
//! Follows one program through a transport stream: PAT → PMT PID → PMT → video PID
//! and codec, random access points on the video PID, and the latest PAT/PMT kept as
//! clean packets so a reader joining mid-stream can be handed them first.
//!
//! A program without video (a radio service) has its random access points on its first audio
//! PID instead: every audio PES starts a frame that decodes on its own, so a reader can start
//! at any of them (without this a radio channel would wait forever for a keyframe).
//!
//! Owns PSI state only; must not depend on the ring's storage or positions (it
//! reports observations, the ring maps them to positions).

use super::build::StreamWriter;
use super::keyframe::KeyframeDetector;
use super::packet::{PID_PAT, TS_PACKET_SIZE, TsPacket};
use super::psi::{Section, SectionAssembler};
use super::tables::{Pat, PatProgram, Pmt, TABLE_PAT, TABLE_PMT, VideoCodec};

/// The latest accepted section of a table and the packets re-emitting it.
#[derive(Clone, Debug, Default)]
struct CachedTable {
    section: Vec<u8>,
    packets: Vec<[u8; TS_PACKET_SIZE]>,
}

impl CachedTable {
    /// Stores `section` unless identical to the cached one; true if it changed.
    /// The re-emitted packets end on `last_cc`, the counter of the packet completing
    /// the original, so a single-packet table replays exactly.
    fn update(&mut self, pid: u16, last_cc: u8, section: &Section<'_>) -> bool {
        if self.section == section.bytes() {
            return false;
        }
        self.section.clear();
        self.section.extend_from_slice(section.bytes());
        self.packets.clear();
        StreamWriter::new(pid, 0).section(section.bytes(), &mut self.packets);
        let first_cc = last_cc.wrapping_sub((self.packets.len() as u8).saturating_sub(1));
        for (i, packet) in self.packets.iter_mut().enumerate() {
            packet[3] = (packet[3] & 0xf0) | (first_cc.wrapping_add(i as u8) & 0x0f);
        }
        true
    }

    fn clear(&mut self) {
        self.section.clear();
        self.packets.clear();
    }
}

/// What one packet told the tracker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    /// The packet starts a PES on the video PID (the audio PID of a program without video).
    pub video_pes_start: bool,
    /// The PES begun at the latest video PES start is a random access point.
    pub random_access: bool,
    /// The video PID or codec (or the audio PID of a radio program) changed: earlier random
    /// access points are stale.
    pub video_changed: bool,
}

/// PAT/PMT/video tracking for one program.
#[derive(Debug, Default)]
pub struct ProgramTracker {
    wanted: Option<u16>,
    pat_asm: SectionAssembler,
    pat_cache: CachedTable,
    pat: Option<Pat>,
    program: Option<PatProgram>,
    pmt_asm: SectionAssembler,
    pmt_cache: CachedTable,
    pmt: Option<Pmt>,
    video: Option<(u16, VideoCodec)>,
    detector: Option<KeyframeDetector>,
    /// The audio PID whose PES starts are the random access points of a program without video.
    radio_pid: Option<u16>,
}

impl ProgramTracker {
    /// Tracks program `wanted`, or the first program of the PAT when `None`.
    pub fn new(wanted: Option<u16>) -> Self {
        Self {
            wanted,
            ..Self::default()
        }
    }

    /// Latest PAT.
    pub fn pat(&self) -> Option<&Pat> {
        self.pat.as_ref()
    }

    /// PID of the tracked program's PMT.
    pub fn pmt_pid(&self) -> Option<u16> {
        self.program.map(|p| p.pmt_pid)
    }

    /// Latest PMT of the tracked program.
    pub fn pmt(&self) -> Option<&Pmt> {
        self.pmt.as_ref()
    }

    /// Video PID and codec from the PMT.
    pub fn video(&self) -> Option<(u16, VideoCodec)> {
        self.video
    }

    /// PCR PID from the PMT.
    pub fn pcr_pid(&self) -> Option<u16> {
        self.pmt.as_ref().map(|p| p.pcr_pid)
    }

    /// Cached PAT then PMT packets; empty until both are known.
    pub fn psi_packets(&self) -> impl Iterator<Item = &[u8; TS_PACKET_SIZE]> {
        let known = self.pmt.is_some();
        let tables = [&self.pat_cache.packets, &self.pmt_cache.packets];
        tables.into_iter().filter(move |_| known).flatten()
    }

    /// Sections rejected by CRC on the PAT and PMT PIDs.
    pub fn crc_errors(&self) -> u64 {
        self.pat_asm.stats().crc_errors + self.pmt_asm.stats().crc_errors
    }

    /// Feeds one (TEI-free) packet.
    #[inline]
    pub fn observe(&mut self, packet: &TsPacket<'_>) -> Observation {
        let pid = packet.pid();
        if let (Some((video_pid, _)), Some(detector)) = (self.video, self.detector.as_mut())
            && video_pid == pid
        {
            return Observation {
                video_pes_start: packet.pusi(),
                random_access: detector.push(packet),
                video_changed: false,
            };
        }
        if self.radio_pid == Some(pid) {
            let start = packet.pusi() && packet.scrambling() == 0;
            return Observation {
                video_pes_start: start,
                random_access: start,
                video_changed: false,
            };
        }
        if pid == PID_PAT {
            self.on_pat_packet(packet);
        } else if Some(pid) == self.pmt_pid() {
            let video_changed = self.on_pmt_packet(packet);
            return Observation {
                video_changed,
                ..Observation::default()
            };
        }
        Observation::default()
    }

    #[inline(never)]
    fn on_pat_packet(&mut self, packet: &TsPacket<'_>) {
        let (cache, cc) = (&mut self.pat_cache, packet.continuity_counter());
        let mut changed = false;
        self.pat_asm.push(packet, &mut |s| {
            if s.table_id() == TABLE_PAT && s.is_current() {
                changed |= cache.update(PID_PAT, cc, &s);
            }
        });
        if changed {
            self.apply_pat();
        }
    }

    fn apply_pat(&mut self) {
        let Ok(Ok(pat)) = Section::parse(&self.pat_cache.section).map(|s| Pat::parse(&s)) else {
            return;
        };
        let program = pat
            .programs
            .iter()
            .copied()
            .find(|p| self.wanted.is_none_or(|n| n == p.program_number));
        if program != self.program {
            self.program = program;
            self.pmt_asm.reset();
            self.pmt_cache.clear();
            self.pmt = None;
            self.set_video(None);
            self.radio_pid = None;
        }
        self.pat = Some(pat);
    }

    /// Returns true when the video stream changed.
    #[inline(never)]
    fn on_pmt_packet(&mut self, packet: &TsPacket<'_>) -> bool {
        let Some(program) = self.program else {
            return false;
        };
        let (cache, cc) = (&mut self.pmt_cache, packet.continuity_counter());
        let mut changed = false;
        self.pmt_asm.push(packet, &mut |s| {
            let ours = s.table_id_extension() == Some(program.program_number);
            if s.table_id() == TABLE_PMT && ours && s.is_current() {
                changed |= cache.update(program.pmt_pid, cc, &s);
            }
        });
        changed && self.apply_pmt()
    }

    fn apply_pmt(&mut self) -> bool {
        let Ok(Ok(pmt)) = Section::parse(&self.pmt_cache.section).map(|s| Pmt::parse(&s)) else {
            return false;
        };
        // A video PID colliding with PSI would starve table tracking: ignore it.
        let pmt_pid = self.pmt_pid();
        let usable = |pid: u16| pid != PID_PAT && Some(pid) != pmt_pid;
        let video = pmt.video().filter(|&(pid, _)| usable(pid));
        let radio = match video {
            Some(_) => None,
            None => pmt.audio().map(|(s, _)| s.pid).find(|&pid| usable(pid)),
        };
        self.pmt = Some(pmt);
        let radio_changed = radio != self.radio_pid;
        self.radio_pid = radio;
        self.set_video(video) | radio_changed
    }

    fn set_video(&mut self, video: Option<(u16, VideoCodec)>) -> bool {
        if video == self.video {
            return false;
        }
        self.video = video;
        self.detector = video.map(|(_, codec)| KeyframeDetector::new(Some(codec)));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{StreamSpec, pat_section, pmt_section};

    fn feed(tracker: &mut ProgramTracker, pid: u16, cc: u8, section: &[u8]) -> Observation {
        let mut packets = Vec::new();
        StreamWriter::new(pid, cc).section(section, &mut packets);
        let mut last = Observation::default();
        for raw in &packets {
            last = tracker.observe(&TsPacket::new(raw).unwrap());
        }
        last
    }

    #[test]
    fn a_radio_program_starts_at_any_audio_pes() {
        use crate::mpegts::build::{PacketSpec, ts_packet};
        let mut t = ProgramTracker::new(None);
        feed(&mut t, PID_PAT, 0, &pat_section(1, 0, &[(1, 0x100)]));
        // MPEG audio and AAC-LATM, no video: the first audio PID gives the access points.
        let radio = pmt_section(
            1,
            0,
            0x101,
            &[StreamSpec::new(0x03, 0x101), StreamSpec::new(0x11, 0x102)],
        );
        assert!(feed(&mut t, 0x100, 0, &radio).video_changed);
        assert_eq!(t.video(), None);
        let packet = |pid: u16, pusi: bool| {
            ts_packet(
                &PacketSpec {
                    pid,
                    pusi,
                    ..PacketSpec::default()
                },
                &[0, 0, 1, 0xc0, 0, 0],
            )
            .0
        };
        let start =
            |raw: [u8; TS_PACKET_SIZE], t: &mut ProgramTracker| t.observe(&TsPacket::new(&raw).unwrap());
        let seen = start(packet(0x101, true), &mut t);
        assert!(seen.video_pes_start && seen.random_access);
        assert_eq!(start(packet(0x101, false), &mut t), Observation::default());
        assert_eq!(start(packet(0x102, true), &mut t), Observation::default());
        // Video added: its keyframes take over.
        let tv = pmt_section(
            1,
            1,
            0x101,
            &[StreamSpec::new(0x03, 0x101), StreamSpec::new(0x1b, 0x103)],
        );
        assert!(feed(&mut t, 0x100, 1, &tv).video_changed);
        assert!(!start(packet(0x101, true), &mut t).random_access);
    }

    #[test]
    fn follows_the_wanted_program_on_a_shared_pmt_pid() {
        let mut t = ProgramTracker::new(Some(2));
        feed(&mut t, PID_PAT, 0, &pat_section(1, 0, &[(1, 0x100), (2, 0x100)]));
        assert_eq!(t.pmt_pid(), Some(0x100));
        let one = pmt_section(1, 0, 0x101, &[StreamSpec::new(0x1b, 0x101)]);
        assert!(!feed(&mut t, 0x100, 0, &one).video_changed);
        let two = pmt_section(2, 0, 0x201, &[StreamSpec::new(0x24, 0x201)]);
        assert!(feed(&mut t, 0x100, 1, &two).video_changed);
        assert_eq!(t.video(), Some((0x201, VideoCodec::Hevc)));
        assert_eq!(t.pcr_pid(), Some(0x201));
        assert_eq!(t.psi_packets().count(), 2);
    }

    #[test]
    fn cached_tables_replay_the_original_counters() {
        let mut t = ProgramTracker::new(None);
        feed(&mut t, PID_PAT, 7, &pat_section(1, 0, &[(1, 0x100)]));
        assert_eq!(t.psi_packets().count(), 0); // no PMT yet
        let pmt = pmt_section(1, 0, 0x101, &[StreamSpec::new(0x1b, 0x101)]);
        feed(&mut t, 0x100, 12, &pmt);
        let ccs: Vec<u8> = t.psi_packets().map(|p| p[3] & 0x0f).collect();
        assert_eq!(ccs, vec![7, 12]);
    }

    #[test]
    fn video_pid_colliding_with_psi_is_ignored() {
        let mut t = ProgramTracker::new(None);
        feed(&mut t, PID_PAT, 0, &pat_section(1, 0, &[(1, 0x100)]));
        let pmt = pmt_section(1, 0, 0x100, &[StreamSpec::new(0x1b, 0x100)]);
        feed(&mut t, 0x100, 0, &pmt);
        assert!(t.pmt().is_some());
        assert_eq!(t.video(), None);
    }
}
