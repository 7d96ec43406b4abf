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
//! The collector also keeps the original network of the stream from its SDT *actual* (PID
//! 0x11): with the PAT's transport stream id and the program followed, that names the DVB
//! service the stream carries ([`EitCollector::service_of`]), how EIT *other* tables arriving
//! on another channel's stream find this one.
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
    DvbService, EitError, EitEvent, EitSection, TABLE_PF_ACTUAL, TABLE_PF_OTHER, TextCoding, is_actual,
    parse_eit,
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
    sdt: SectionAssembler,
    /// (original_network_id, transport_stream_id) of the latest SDT actual.
    actual: Option<(u16, u16)>,
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
        if packet.pid() == PID_SDT {
            let actual = &mut self.actual;
            self.sdt.push(packet, &mut |section| {
                if section.table_id() == sdt::TABLE_SDT_ACTUAL
                    && section.is_current()
                    && let (Some(ts), Some(body)) = (section.table_id_extension(), section.body().get(..2))
                {
                    *actual = Some((u16::from_be_bytes([body[0], body[1]]), ts));
                }
            });
            return;
        }
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

    /// The DVB service of program `program` in the transport stream `transport_stream_id` (from
    /// the stream's PAT), once an SDT actual gave the original network; `None` before, or when
    /// the SDT describes another transport stream than the PAT.
    pub fn service_of(&self, transport_stream_id: u16, program: u16) -> Option<DvbService> {
        let (original_network_id, ts) = self.actual?;
        (ts == transport_stream_id).then_some(DvbService {
            original_network_id,
            transport_stream_id,
            service_id: program,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{StreamWriter, long_section};

    fn sdt(
        writer: &mut StreamWriter,
        table_id: u8,
        transport_stream_id: u16,
        original_network_id: u16,
    ) -> Vec<[u8; TS_PACKET_SIZE]> {
        let [hi, lo] = original_network_id.to_be_bytes();
        let section = long_section(table_id, transport_stream_id, 0, &[hi, lo, 0xff]);
        let mut out = Vec::new();
        writer.section(&section, &mut out);
        out
    }

    #[test]
    fn the_service_comes_from_the_sdt_actual_and_the_pat() {
        let mut collector = EitCollector::new();
        let mut writer = StreamWriter::new(PID_SDT, 0);
        assert_eq!(collector.service_of(7, 101), None, "no SDT yet");
        // An SDT *other* names another transport stream's network: not this one's.
        collector.push_packets(&sdt(&mut writer, sdt::TABLE_SDT_OTHER, 8, 0x55));
        assert_eq!(collector.service_of(7, 101), None);
        collector.push_packets(&sdt(&mut writer, sdt::TABLE_SDT_ACTUAL, 7, 0x2174));
        assert_eq!(
            collector.service_of(7, 101),
            Some(DvbService {
                original_network_id: 0x2174,
                transport_stream_id: 7,
                service_id: 101,
            })
        );
        assert_eq!(
            collector.service_of(9, 101),
            None,
            "the PAT names another transport stream"
        );
        assert!(collector.take().is_empty(), "an SDT is no EIT section");
    }
}
