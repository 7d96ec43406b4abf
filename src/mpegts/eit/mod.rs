// SPDX-License-Identifier: GPL-3.0-or-later
//! DVB EIT from the live MPEG-TS: present/following (0x4E/0x4F) and schedule (0x50–0x6F)
//! sections on PID 0x12, keyed by service (original_network_id, transport_stream_id,
//! service_id), to fill channels XMLTV lacks and to correct now/next.
//!
//! ```text
//!  TS bytes (file, socket) --push_bytes--> Framer --+
//!  packets from the player's ring --push_packets----+--> SectionAssembler (PID 0x12, CRC)
//!  sections from elsewhere --push_section-----------------------+--> parse_eit --> new versions only --> take()
//! ```
//!
//! [`EitCollector`] is pure and bounded; it never blocks and never panics on stream bytes. The
//! multicast receiver taps its packets into one; `crate::epg::eit` runs one over a recorded TS
//! file. What the events mean for the guide (programmes, genres in words) is the guide model's
//! business (`crate::guide::live`): this module only decodes the tables.

mod dvb_text;
pub mod sdt;
pub mod section;

pub use dvb_text::decode as decode_dvb_text;
pub use sdt::{PID_SDT, SdtService, parse_sdt};
pub use section::{
    DvbService, EitError, EitEvent, EitSection, TABLE_PF_ACTUAL, TABLE_PF_OTHER, is_actual, parse_eit,
};

use super::packet::PID_EIT;
use super::{Framer, Section, SectionAssembler, TS_PACKET_SIZE, TsPacket};
use std::collections::HashMap;

/// Sections kept until [`EitCollector::take`]; more are counted as dropped.
const MAX_PENDING_SECTIONS: usize = 4096;
/// Bytes of those sections (as received): a parsed section holds its texts as `String`s and its
/// events as structs, several times its size, so the count alone (4096 sections of up to 4 KiB)
/// would allow hundreds of MB for a caller that takes rarely. 256 KiB is over 60 full sections,
/// more than arrive between two takes of the player (one per datagram) or of
/// `epg::eit::collect_ts_file` (one per 96 KiB read).
const MAX_PENDING_BYTES: usize = 256 << 10;
/// Section versions remembered; past this the memory is reset (sections then repeat once).
const MAX_VERSIONS: usize = 100_000;

/// Counters of a collector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EitStats {
    pub packets: u64,
    /// Valid EIT sections seen (repeats included).
    pub sections: u64,
    /// Sections that were a version already delivered.
    pub repeats: u64,
    /// Sections that were not usable EIT, or did not fit the pending queue.
    pub rejected: u64,
}

/// Collects EIT sections from TS packets; yields each section version once.
#[derive(Debug, Default)]
pub struct EitCollector {
    framer: Framer,
    assembler: SectionAssembler,
    versions: HashMap<(DvbService, u8, u8), u8>,
    pending: Vec<EitSection>,
    /// Received bytes of the sections in `pending`.
    pending_bytes: usize,
    stats: EitStats,
}

impl EitCollector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds raw TS bytes of any alignment (a file, a socket payload).
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        let mut framer = std::mem::take(&mut self.framer);
        framer.push(bytes, &mut |packets| self.push_packets(packets));
        self.framer = framer;
    }

    /// Feeds aligned packets, as the player's ring stores them.
    pub fn push_packets(&mut self, packets: &[[u8; TS_PACKET_SIZE]]) {
        for raw in packets {
            if let Some(packet) = TsPacket::from_array(raw) {
                self.push_packet(&packet);
            }
        }
    }

    /// Feeds one packet; packets of other PIDs are ignored.
    pub fn push_packet(&mut self, packet: &TsPacket<'_>) {
        if packet.pid() != PID_EIT {
            return;
        }
        self.stats.packets += 1;
        let mut assembler = std::mem::take(&mut self.assembler);
        assembler.push(packet, &mut |section| self.push_section(&section));
        self.assembler = assembler;
    }

    /// Feeds one complete, CRC-checked section (from any demultiplexer).
    pub fn push_section(&mut self, section: &Section<'_>) {
        let Ok(eit) = parse_eit(section) else {
            self.stats.rejected += 1;
            return;
        };
        self.stats.sections += 1;
        if !section.is_current() {
            return;
        }
        let key = (eit.service, eit.table_id, eit.section_number);
        if self.versions.get(&key) == Some(&eit.version) {
            self.stats.repeats += 1;
            return;
        }
        let size = section.bytes().len();
        if self.pending.len() >= MAX_PENDING_SECTIONS || self.pending_bytes + size > MAX_PENDING_BYTES {
            self.stats.rejected += 1;
            return;
        }
        if self.versions.len() >= MAX_VERSIONS {
            self.versions.clear();
        }
        self.versions.insert(key, eit.version);
        self.pending_bytes += size;
        self.pending.push(eit);
    }

    /// The new sections since the last call, in arrival order.
    pub fn take(&mut self) -> Vec<EitSection> {
        self.pending_bytes = 0;
        std::mem::take(&mut self.pending)
    }

    /// Counters so far.
    pub fn stats(&self) -> EitStats {
        self.stats
    }
}
