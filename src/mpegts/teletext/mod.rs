// SPDX-License-Identifier: GPL-3.0-or-later
//! EBU teletext in DVB (EN 300 472 carriage, EN 300 706 content), decoded in pure Rust
//! because the GStreamer teletext element is not built on Yocto (no zvbi).
//!
//! ```text
//!  TS packets of the teletext PID ─▶ PesAssembler ─▶ PES (PTS, data_identifier 0x10–0x1F)
//!     ─▶ data units 0x02/0x03 (44 bytes, bits reversed) ─▶ packet address (Hamming 8/4)
//!     ─▶ X/0 header: page, subcode, C4–C14 ─┐
//!        X/1–X/24 rows (odd parity)         ├─▶ Page in progress per magazine
//!        X/26 enhancements (Hamming 24/18)  ┘      │ ended by the next header
//!                                                  ▼
//!                                    `on_page(&Page)` (and at each PES end)
//! ```
//!
//! A page is reported when its transmission ends (the next header of its magazine, or
//! of any magazine in serial mode) and also at the end of each PES that changed it, so
//! a subtitle shows without waiting for the next header. Each report carries the PTS of
//! the PES that brought the header; `None` (no PTS) means "show at once". Memory is
//! fixed: one page in progress and one last page per magazine, whatever arrives; work
//! is linear in the bytes fed. Bytes in, pages out: no I/O, no clock.

pub mod charset;
pub mod encode;
pub mod hamming;
pub mod page;
pub mod store;

pub use charset::NationalOption;
pub use page::{Colour, Page, PageFlags, PageNumber, Row, Span, Style};
pub use store::TeletextStore;

use super::packet::TsPacket;
use super::pes::{Pes, PesAssembler};
use charset::{g2_char, with_diacritic};
use hamming::{decode_8_4, decode_24_18, decode_parity, reverse};
use page::COLUMNS;

/// data_unit_id of EBU teletext that is not subtitles.
pub const DATA_UNIT_TELETEXT: u8 = 0x02;
/// data_unit_id of EBU teletext subtitles.
pub const DATA_UNIT_SUBTITLE: u8 = 0x03;
/// Length of a teletext data unit: line byte, framing code, 2 address bytes, 40 data.
const DATA_UNIT_LENGTH: usize = 44;
/// The framing code after bit reversal.
const FRAMING_CODE: u8 = 0x27;

/// Which pages the decoder assembles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFilter {
    /// Only this page (a subtitle page from the PMT).
    Only(PageNumber),
    /// Every page (the teletext viewer).
    All,
}

impl PageFilter {
    fn wants(self, number: PageNumber) -> bool {
        match self {
            Self::Only(p) => p == number,
            Self::All => number.page() != 0xff,
        }
    }
}

/// Counters of one decoder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TeletextStats {
    /// Teletext packets (data units) decoded.
    pub packets: u64,
    /// Packets dropped for an uncorrectable address or header.
    pub hamming_errors: u64,
    /// Characters replaced by a space for a parity error.
    pub parity_errors: u64,
    /// Pages reported.
    pub pages: u64,
}

/// One magazine's page in progress and whether it changed since it was last reported.
#[derive(Debug, Default)]
struct Magazine {
    current: Option<Page>,
    dirty: bool,
    reported: bool,
    last: Option<Page>,
}

/// The teletext decoder of one PID.
#[derive(Debug)]
pub struct TeletextDecoder {
    filter: PageFilter,
    pes: PesAssembler,
    magazines: [Magazine; 8],
    stats: TeletextStats,
}

impl TeletextDecoder {
    /// A decoder assembling the pages `filter` names.
    pub fn new(filter: PageFilter) -> Self {
        Self {
            filter,
            pes: PesAssembler::new(),
            magazines: Default::default(),
            stats: TeletextStats::default(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> TeletextStats {
        self.stats
    }

    /// Feeds one TS packet of the teletext PID.
    pub fn push_packet(&mut self, packet: &TsPacket<'_>, on_page: &mut dyn FnMut(&Page)) {
        // The assembler lends out its buffer while the PES is decoded.
        let mut pes = std::mem::take(&mut self.pes);
        pes.push(packet, &mut |p| self.push_pes(&p, on_page));
        self.pes = pes;
    }

    /// Feeds one complete PES packet of the teletext PID.
    pub fn push_pes(&mut self, pes: &Pes<'_>, on_page: &mut dyn FnMut(&Page)) {
        let Some((&data_identifier, mut units)) = pes.data.split_first() else {
            return;
        };
        if !(0x10..=0x1f).contains(&data_identifier) {
            return;
        }
        while let [id, length, rest @ ..] = units {
            let length = usize::from(*length);
            let Some(unit) = rest.get(..length) else {
                break;
            };
            if matches!(*id, DATA_UNIT_TELETEXT | DATA_UNIT_SUBTITLE) && length == DATA_UNIT_LENGTH {
                let mut bytes = [0u8; DATA_UNIT_LENGTH];
                for (out, &b) in bytes.iter_mut().zip(unit) {
                    *out = reverse(b);
                }
                self.packet(&bytes, pes.pts, on_page);
            }
            units = &rest[length..];
        }
        self.report_changed(on_page);
    }

    /// Reports every page in progress that changed since its last report.
    fn report_changed(&mut self, on_page: &mut dyn FnMut(&Page)) {
        for magazine in &mut self.magazines {
            if let (true, Some(page)) = (magazine.dirty, &magazine.current) {
                magazine.dirty = false;
                magazine.reported = true;
                self.stats.pages += 1;
                on_page(page);
            }
        }
    }

    /// One 44-byte data unit (bits already in order): line byte, framing code, address,
    /// 40 data bytes.
    fn packet(&mut self, unit: &[u8; DATA_UNIT_LENGTH], pts: Option<u64>, on_page: &mut dyn FnMut(&Page)) {
        if unit[1] != FRAMING_CODE {
            return;
        }
        let (Some(low), Some(high)) = (decode_8_4(unit[2]), decode_8_4(unit[3])) else {
            self.stats.hamming_errors += 1;
            return;
        };
        self.stats.packets += 1;
        let address = high << 4 | low;
        let magazine = address & 7;
        let row = address >> 3;
        let data: &[u8; 40] = unit[4..].try_into().expect("a data unit has 40 data bytes");
        match row {
            0 => self.header(magazine, data, pts, on_page),
            1..=25 => self.row(magazine, row, data),
            26 => self.enhancement(magazine, data),
            27 => self.links(magazine, data),
            _ => {} // 28–31: designations and broadcast data, not shown.
        }
    }

    fn header(&mut self, magazine: u8, data: &[u8; 40], pts: Option<u64>, on_page: &mut dyn FnMut(&Page)) {
        let mut nibbles = [0u8; 8];
        for (n, &b) in nibbles.iter_mut().zip(data) {
            let Some(v) = decode_8_4(b) else {
                self.stats.hamming_errors += 1;
                return;
            };
            *n = v;
        }
        let number = PageNumber::new(magazine, nibbles[1] << 4 | nibbles[0]);
        let flags = PageFlags {
            erase: nibbles[3] & 0x8 != 0,
            newsflash: nibbles[5] & 0x4 != 0,
            subtitle: nibbles[5] & 0x8 != 0,
            suppress_header: nibbles[6] & 0x1 != 0,
            update: nibbles[6] & 0x2 != 0,
            interrupted: nibbles[6] & 0x4 != 0,
            inhibit_display: nibbles[6] & 0x8 != 0,
            serial: nibbles[7] & 0x1 != 0,
        };
        let subcode = u16::from(nibbles[2])
            | u16::from(nibbles[3] & 0x7) << 4
            | u16::from(nibbles[4]) << 7
            | u16::from(nibbles[5] & 0x3) << 11;
        // A header ends the page in progress of its magazine, or of all in serial mode.
        let index = usize::from(number.magazine() - 1);
        for (i, m) in self.magazines.iter_mut().enumerate() {
            if i == index || flags.serial {
                Self::end_page(m, &mut self.stats, on_page);
            }
        }
        if !self.filter.wants(number) {
            return;
        }
        let mut header_row = [b' '; COLUMNS];
        for (out, &b) in header_row[8..].iter_mut().zip(&data[8..]) {
            *out = self.character(b);
        }
        let slot = &mut self.magazines[index];
        let mut page = match slot.last.take() {
            Some(last) if last.number == number && !flags.erase => last,
            _ => Page::blank(number),
        };
        page.subcode = subcode;
        page.flags = flags;
        page.national = NationalOption::from_bits(nibbles[7] >> 1);
        page.pts = pts;
        page.set_row(0, header_row);
        slot.current = Some(page);
        slot.dirty = false;
        slot.reported = false;
    }

    /// Ends a magazine's transmission: reports it unless already reported unchanged.
    fn end_page(m: &mut Magazine, stats: &mut TeletextStats, on_page: &mut dyn FnMut(&Page)) {
        if let Some(page) = m.current.take() {
            if m.dirty || !m.reported {
                stats.pages += 1;
                on_page(&page);
            }
            m.last = Some(page);
        }
        m.dirty = false;
    }

    fn row(&mut self, magazine: u8, row: u8, data: &[u8; 40]) {
        let mut codes = [b' '; COLUMNS];
        for (out, &b) in codes.iter_mut().zip(data) {
            *out = self.character(b);
        }
        if let Some(m) = self.magazine_mut(magazine) {
            let page = m
                .current
                .as_mut()
                .expect("magazine_mut returns pages in progress");
            page.set_row(row, codes);
            m.dirty = true;
        }
    }

    /// A 7-bit code from an odd-parity byte; a space when the parity fails.
    fn character(&mut self, byte: u8) -> u8 {
        decode_parity(byte).unwrap_or_else(|| {
            self.stats.parity_errors += 1;
            b' '
        })
    }

    fn magazine_mut(&mut self, magazine: u8) -> Option<&mut Magazine> {
        let index = usize::from(PageNumber::new(magazine, 0).magazine() - 1);
        let m = &mut self.magazines[index];
        m.current.is_some().then_some(m)
    }

    /// X/27/0: the page's six editorial links (EN 300 706 §9.6.1), each a page number and a
    /// magazine given relative to the page's own (bits M1–M3 flip its bits). Page FF and
    /// links with a Hamming error are no link.
    fn links(&mut self, magazine: u8, data: &[u8; 40]) {
        if decode_8_4(data[0]) != Some(0) {
            return; // designation codes 1–15 carry compositional links, not shown.
        }
        let Some(m) = self.magazine_mut(magazine) else {
            return;
        };
        let page = m
            .current
            .as_mut()
            .expect("magazine_mut returns pages in progress");
        let own = page.number.magazine() & 7;
        for (slot, link) in page.links.iter_mut().zip(data[1..37].chunks_exact(6)) {
            let nibbles: Option<Vec<u8>> = link.iter().map(|&b| decode_8_4(b)).collect();
            *slot = nibbles.and_then(|n| {
                let number = n[1] << 4 | n[0];
                let flip = (n[3] >> 3) | (n[5] >> 2) << 1;
                (number != 0xff).then(|| PageNumber::new(own ^ flip, number))
            });
        }
        m.dirty = true;
    }

    /// X/26: characters placed over the Level 1 page (EN 300 706 §12.3): G2 characters
    /// (mode 0x0F) and G0 letters with diacritical marks (0x10–0x1F) at the active row.
    fn enhancement(&mut self, magazine: u8, data: &[u8; 40]) {
        let Some(m) = self.magazine_mut(magazine) else {
            return;
        };
        let page = m
            .current
            .as_mut()
            .expect("magazine_mut returns pages in progress");
        let mut active_row = 0u8;
        for triplet in data[1..].chunks_exact(3) {
            let Some(t) = decode_24_18([triplet[0], triplet[1], triplet[2]]) else {
                continue;
            };
            let address = (t & 0x3f) as u8;
            let mode = ((t >> 6) & 0x1f) as u8;
            let value = ((t >> 11) & 0x7f) as u8;
            if address >= 40 {
                match mode {
                    0x04 => active_row = if address == 40 { 24 } else { address - 40 },
                    0x07 if address == 63 => active_row = 0,
                    0x1f => break, // termination marker
                    _ => {}
                }
                continue;
            }
            let ch = match mode {
                0x0f if value >= 0x20 => g2_char(value),
                0x10..=0x1f if value >= 0x20 => with_diacritic(value, mode - 0x10),
                _ => continue,
            };
            page.set_override(active_row, address, ch);
            m.dirty = true;
        }
    }
}

#[cfg(test)]
mod tests;
