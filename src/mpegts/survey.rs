// SPDX-License-Identifier: GPL-3.0-or-later
//! A survey of a whole transport stream, for diagnostics (`zapbox play`): sync, continuity
//! errors, scrambled packets, PCRs, the PAT, every program's PMT and the raw sections of other
//! PIDs the caller asks for (SDT, EIT), each assembled and CRC-checked.
//!
//! Pure and bounded: bytes in, counts and tables out; at most [`MAX_SECTIONS`] sections are
//! kept, so a stream of nothing but tables cannot grow memory. Never panics on input.

use super::framer::Framer;
use super::packet::{PID_PAT, TsPacket};
use super::psi::{Section, SectionAssembler};
use super::stats::CcTracker;
use super::tables::{Pat, Pmt, TABLE_PAT, TABLE_PMT};
use std::collections::BTreeMap;

/// Most sections of the extra PIDs kept.
pub const MAX_SECTIONS: usize = 4096;

/// What a stream holds, from its bytes.
#[derive(Debug)]
pub struct Survey {
    framer: Framer,
    cc: CcTracker,
    pat_asm: SectionAssembler,
    pmt_asm: BTreeMap<u16, SectionAssembler>,
    extra: BTreeMap<u16, SectionAssembler>,
    /// Packets seen (aligned, with a sync byte).
    pub packets: u64,
    /// Packets with the transport error indicator set.
    pub transport_errors: u64,
    /// Packets whose payload is scrambled (transport_scrambling_control ≠ 0).
    pub scrambled: u64,
    /// Packets carrying a PCR.
    pub pcrs: u64,
    /// The latest PAT.
    pub pat: Option<Pat>,
    /// The latest PMT of each program, by program number.
    pub pmts: BTreeMap<u16, Pmt>,
    /// Sections of the PIDs asked for at [`Survey::new`], CRC-checked, in arrival order.
    pub sections: Vec<(u16, Vec<u8>)>,
    /// Sections that did not fit [`MAX_SECTIONS`].
    pub dropped_sections: u64,
    /// Packets per PID (at most 8192 entries: the PID is 13 bits).
    pub pid_packets: BTreeMap<u16, u64>,
}

impl Survey {
    /// A survey that also keeps the sections of `extra_pids` (e.g. SDT 0x11, EIT 0x12).
    pub fn new(extra_pids: &[u16]) -> Self {
        Self {
            framer: Framer::new(),
            cc: CcTracker::new(),
            pat_asm: SectionAssembler::new(),
            pmt_asm: BTreeMap::new(),
            extra: extra_pids.iter().map(|&p| (p, SectionAssembler::new())).collect(),
            packets: 0,
            transport_errors: 0,
            scrambled: 0,
            pcrs: 0,
            pat: None,
            pmts: BTreeMap::new(),
            sections: Vec::new(),
            dropped_sections: 0,
            pid_packets: BTreeMap::new(),
        }
    }

    /// Feeds bytes of any alignment.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut framer = std::mem::take(&mut self.framer);
        framer.push(bytes, &mut |packets| {
            for raw in packets {
                if let Some(p) = TsPacket::from_array(raw) {
                    self.packet(&p);
                }
            }
        });
        self.framer = framer;
    }

    /// Sync losses and bytes skipped to find packets again.
    pub fn sync(&self) -> (u64, u64) {
        let s = self.framer.stats();
        (s.sync_losses, s.skipped_bytes)
    }

    /// Packets seen on `pid`.
    pub fn packets_on(&self, pid: u16) -> u64 {
        self.pid_packets.get(&pid).copied().unwrap_or(0)
    }

    /// Continuity counter errors over all PIDs.
    pub fn cc_errors(&self) -> u64 {
        self.cc.total()
    }

    fn packet(&mut self, p: &TsPacket<'_>) {
        self.packets += 1;
        if p.tei() {
            self.transport_errors += 1;
            return;
        }
        self.cc.check(p);
        *self.pid_packets.entry(p.pid()).or_default() += 1;
        if p.scrambling() != 0 {
            self.scrambled += 1;
        }
        if p.pcr().is_some() {
            self.pcrs += 1;
        }
        let pid = p.pid();
        if pid == PID_PAT {
            let mut pat = None;
            self.pat_asm.push(p, &mut |s: Section<'_>| {
                if s.table_id() == TABLE_PAT {
                    pat = Pat::parse(&s).ok().or(pat.take());
                }
            });
            if let Some(pat) = pat {
                for program in &pat.programs {
                    self.pmt_asm.entry(program.pmt_pid).or_default();
                }
                self.pat = Some(pat);
            }
            return;
        }
        if let Some(asm) = self.pmt_asm.get_mut(&pid) {
            let mut found = Vec::new();
            asm.push(p, &mut |s: Section<'_>| {
                if s.table_id() == TABLE_PMT
                    && let Ok(pmt) = Pmt::parse(&s)
                {
                    found.push(pmt);
                }
            });
            for pmt in found {
                self.pmts.insert(pmt.program_number, pmt);
            }
        }
        if let Some(asm) = self.extra.get_mut(&pid) {
            let (sections, dropped) = (&mut self.sections, &mut self.dropped_sections);
            asm.push(p, &mut |s: Section<'_>| {
                if sections.len() < MAX_SECTIONS {
                    sections.push((pid, s.bytes().to_vec()));
                } else {
                    *dropped += 1;
                }
            });
        }
    }
}

/// `bytes` is not a transport stream when no run of packets was ever found in it.
pub fn looks_like_ts(survey: &Survey) -> bool {
    survey.packets > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{StreamSpec, StreamWriter, language_descriptor, pat_section, pmt_section};

    #[test]
    fn finds_programs_streams_and_extra_sections() {
        let mut packets = Vec::new();
        StreamWriter::new(PID_PAT, 0).section(&pat_section(1, 0, &[(7, 0x100)]), &mut packets);
        let streams = [
            StreamSpec::new(0x1b, 0x101),
            StreamSpec::with(0x03, 0x102, language_descriptor(&[(*b"qad", 0)])),
        ];
        StreamWriter::new(0x100, 0).section(&pmt_section(7, 0, 0x101, &streams), &mut packets);
        StreamWriter::new(0x11, 0).section(&pat_section(9, 0, &[]), &mut packets);
        let bytes: Vec<u8> = packets.concat();
        let mut survey = Survey::new(&[0x11]);
        // Unaligned, in odd pieces, with junk in front.
        survey.push(&[0x00, 0x47, 0x12]);
        for piece in bytes.chunks(100) {
            survey.push(piece);
        }
        assert!(looks_like_ts(&survey));
        assert_eq!(survey.pat.as_ref().map(|p| p.programs.len()), Some(1));
        let pmt = &survey.pmts[&7];
        assert_eq!(pmt.streams.len(), 2);
        assert_eq!(
            pmt.streams[1].audio_kind(),
            crate::mpegts::AudioKind::AudioDescription
        );
        assert_eq!(survey.sections.len(), 1);
        assert_eq!(survey.scrambled, 0);
    }

    #[test]
    fn junk_is_not_a_transport_stream() {
        let mut survey = Survey::new(&[]);
        survey.push(&[0x55; 10_000]);
        assert!(!looks_like_ts(&survey));
    }
}
