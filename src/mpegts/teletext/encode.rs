// SPDX-License-Identifier: GPL-3.0-or-later
//! Builds teletext PES payloads, the inverse of the decoder: page headers with their
//! control bits, text rows with odd parity, EN 300 472 data units with reversed bits.
//!
//! For tests and for the demo headend's subtitled channel. Uses only the line-code
//! encoders, so the decoder is checked against independent output.

use super::DATA_UNIT_SUBTITLE;
use super::hamming::{encode_8_4, reverse};
use super::page::{PageFlags, PageNumber};

/// A byte with odd parity on its 7-bit value.
pub fn with_parity(code: u8) -> u8 {
    let code = code & 0x7f;
    if code.count_ones().is_multiple_of(2) {
        code | 0x80
    } else {
        code
    }
}

/// The 42-byte teletext packet (address + 40 data bytes) for `row` of `magazine`.
fn packet(magazine: u8, row: u8, data: [u8; 40]) -> [u8; 42] {
    let address = (row << 3) | (magazine & 7);
    let mut out = [0u8; 42];
    out[0] = encode_8_4(address & 0x0f);
    out[1] = encode_8_4(address >> 4);
    out[2..].copy_from_slice(&data);
    out
}

/// A page header (X/0) for `number` with `flags`, national option bits `national`
/// (C12 + 2·C13 + 4·C14) and `title` in the header's 32 display columns.
pub fn header(number: PageNumber, flags: PageFlags, national: u8, title: &str) -> [u8; 42] {
    subpage_header(number, 0, flags, national, title)
}

/// A page header of subpage `subcode` (S1–S4, 13 bits).
pub fn subpage_header(
    number: PageNumber,
    subcode: u16,
    flags: PageFlags,
    national: u8,
    title: &str,
) -> [u8; 42] {
    let bit = |b: bool, v: u8| if b { v } else { 0 };
    let nibbles = [
        number.page() & 0x0f,
        number.page() >> 4,
        (subcode & 0x0f) as u8,
        bit(flags.erase, 0x8) | (subcode >> 4 & 0x07) as u8,
        (subcode >> 7 & 0x0f) as u8,
        bit(flags.newsflash, 0x4) | bit(flags.subtitle, 0x8) | (subcode >> 11 & 0x03) as u8,
        bit(flags.suppress_header, 0x1)
            | bit(flags.update, 0x2)
            | bit(flags.interrupted, 0x4)
            | bit(flags.inhibit_display, 0x8),
        bit(flags.serial, 0x1) | (national & 7) << 1,
    ];
    let mut data = [with_parity(b' '); 40];
    for (out, n) in data.iter_mut().zip(nibbles) {
        *out = encode_8_4(n);
    }
    for (out, b) in data[8..].iter_mut().zip(title.bytes()) {
        *out = with_parity(b);
    }
    packet(number.magazine(), 0, data)
}

/// A display row: `codes` (7-bit, attributes included) padded with spaces.
pub fn row(magazine: u8, row: u8, codes: &[u8]) -> [u8; 42] {
    let mut data = [with_parity(b' '); 40];
    for (out, &c) in data.iter_mut().zip(codes) {
        *out = with_parity(c);
    }
    packet(magazine, row, data)
}

/// A PES payload (data_identifier 0x10, then one subtitle data unit per packet, bits
/// reversed as EN 300 472 carries them).
pub fn pes_payload(packets: &[[u8; 42]]) -> Vec<u8> {
    let mut out = vec![0x10];
    for p in packets {
        out.extend_from_slice(&[DATA_UNIT_SUBTITLE, 44, reverse(0xe0 | 0x07), reverse(0x27)]);
        out.extend(p.iter().map(|&b| reverse(b)));
    }
    out
}

/// The editorial links (X/27/0) of a page in `magazine`: up to six pages (red, green,
/// yellow, blue, index, spare), magazines relative to `magazine`, any subpage.
pub fn links(magazine: u8, pages: &[PageNumber]) -> [u8; 42] {
    let mut data = [encode_8_4(0x0f); 40];
    data[0] = encode_8_4(0);
    for (i, chunk) in data[1..37].chunks_exact_mut(6).enumerate() {
        let (number, flip) = match pages.get(i) {
            Some(p) => (p.page(), (p.magazine() ^ magazine) & 7),
            None => (0xff, 0),
        };
        let nibbles = [
            number & 0x0f,
            number >> 4,
            0x0f,
            0x07 | (flip & 1) << 3,
            0x0f,
            0x03 | (flip >> 1) << 2,
        ];
        for (out, n) in chunk.iter_mut().zip(nibbles) {
            *out = encode_8_4(n);
        }
    }
    data[37] = encode_8_4(0x0f);
    packet(magazine, 27, data)
}
