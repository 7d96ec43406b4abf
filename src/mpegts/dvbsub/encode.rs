// SPDX-License-Identifier: GPL-3.0-or-later
//! Builds DVB subtitle PES payloads, the inverse of the decoder: a display set of 4-bit
//! regions (one object each, run-length coded in two fields), their CLUT and, for HD
//! canvases, a display definition.
//!
//! For tests and for the demo headend's subtitled channel. Uses only the colour
//! conversion of the decoder's side, never its parsers, so the decoder is checked
//! against independent output.

use super::clut::to_ycrcb;
use super::{
    CLUT_DEFINITION, DATA_IDENTIFIER, DISPLAY_DEFINITION, END_OF_DISPLAY_SET, OBJECT_DATA, PAGE_COMPOSITION,
    REGION_COMPOSITION,
};

/// A region to send: `codes` are 4-bit pixel codes, `width` per row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedRegion {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
    pub codes: Vec<u8>,
}

/// One CLUT entry of the 4-bit table: colour and transparency (0 opaque, 255 invisible).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub code: u8,
    pub rgb: [u8; 3],
    pub transparency: u8,
}

/// The PES data (from data_identifier to the end marker) of one display set on `page`
/// showing `regions` (none: the screen is cleared), as a mode change, so a receiver
/// joining here gets all it needs. `canvas` adds a display definition (e.g. 1920×1080).
pub fn display_set(
    page: u16,
    version: u8,
    canvas: Option<(u16, u16)>,
    timeout_s: u8,
    clut: &[Entry],
    regions: &[IndexedRegion],
) -> Vec<u8> {
    let mut out = vec![DATA_IDENTIFIER, 0x00];
    let version = version & 0x0f;
    if let Some((width, height)) = canvas {
        let mut dds = vec![version << 4];
        dds.extend_from_slice(&(width - 1).to_be_bytes());
        dds.extend_from_slice(&(height - 1).to_be_bytes());
        segment(&mut out, DISPLAY_DEFINITION, page, &dds);
    }
    let mut pcs = vec![timeout_s, version << 4 | 2 << 2 | 0x03];
    for (id, r) in regions.iter().enumerate() {
        pcs.extend_from_slice(&[id as u8, 0xff]);
        pcs.extend_from_slice(&r.x.to_be_bytes());
        pcs.extend_from_slice(&r.y.to_be_bytes());
    }
    segment(&mut out, PAGE_COMPOSITION, page, &pcs);
    for (id, r) in regions.iter().enumerate() {
        let mut rcs = vec![id as u8, version << 4 | 0x08 | 0x07];
        rcs.extend_from_slice(&r.width.to_be_bytes());
        rcs.extend_from_slice(&r.height.to_be_bytes());
        // Level 4-bit compatible, depth 4-bit, CLUT 0, background code 0.
        rcs.extend_from_slice(&[2 << 5 | 2 << 2 | 0x03, 0, 0, 0x03]);
        // Object `id`: a bitmap at the region's corner.
        rcs.extend_from_slice(&(id as u16).to_be_bytes());
        rcs.extend_from_slice(&[0x00, 0x00, 0xf0, 0x00]);
        segment(&mut out, REGION_COMPOSITION, page, &rcs);
    }
    let mut cds = vec![0, version << 4 | 0x0f];
    for e in clut {
        let [y, cr, cb] = to_ycrcb(e.rgb);
        cds.extend_from_slice(&[e.code, 0x40 | 0x1f, y, cr, cb, e.transparency]);
    }
    segment(&mut out, CLUT_DEFINITION, page, &cds);
    for (id, r) in regions.iter().enumerate() {
        segment(&mut out, OBJECT_DATA, page, &object(id as u16, version, r));
    }
    segment(&mut out, END_OF_DISPLAY_SET, page, &[]);
    out.push(0xff);
    out
}

fn segment(out: &mut Vec<u8>, kind: u8, page: u16, data: &[u8]) {
    out.extend_from_slice(&[0x0f, kind]);
    out.extend_from_slice(&page.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

/// Object data: the even rows as the top field, the odd rows as the bottom one.
fn object(id: u16, version: u8, region: &IndexedRegion) -> Vec<u8> {
    let width = usize::from(region.width);
    let rows: Vec<&[u8]> = region.codes.chunks(width.max(1)).collect();
    let field = |first: usize| -> Vec<u8> {
        let mut out = Vec::new();
        for row in rows.iter().skip(first).step_by(2) {
            out.push(0x11);
            out.extend(four_bit_row(row));
            out.push(0xf0);
        }
        out
    };
    let (top, bottom) = (field(0), field(1));
    let mut data = id.to_be_bytes().to_vec();
    data.push(version << 4 | 0x01);
    data.extend_from_slice(&(top.len() as u16).to_be_bytes());
    data.extend_from_slice(&(bottom.len() as u16).to_be_bytes());
    data.extend(top);
    data.extend(bottom);
    data
}

/// Writes bits most significant first.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    bit: usize,
}

impl BitWriter {
    fn put(&mut self, value: u32, n: usize) {
        for i in (0..n).rev() {
            if self.bit.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if value >> i & 1 != 0 {
                *self.bytes.last_mut().expect("a byte was pushed") |= 0x80 >> (self.bit % 8);
            }
            self.bit += 1;
        }
    }
}

/// One row as a 4-bit/pixel_code_string, with its end code and byte stuffing.
fn four_bit_row(row: &[u8]) -> Vec<u8> {
    let mut w = BitWriter::default();
    let mut i = 0;
    while i < row.len() {
        let code = row[i] & 0x0f;
        let run = row[i..]
            .iter()
            .take_while(|&&c| c & 0x0f == code)
            .count()
            .min(280);
        let n = put_run(&mut w, code, run);
        i += n;
    }
    w.put(0, 8); // 0000 0 000: end of string
    w.bytes
}

/// Puts up to `run` pixels of `code`; returns how many it put.
fn put_run(w: &mut BitWriter, code: u8, run: usize) -> usize {
    let code = u32::from(code);
    if code == 0 && run <= 2 {
        w.put(0b0000_1100 | (run as u32 - 1), 8);
    } else if code == 0 && run <= 9 {
        w.put(0, 5);
        w.put(run as u32 - 2, 3);
    } else if run <= 3 {
        w.put(code, 4);
        return 1;
    } else if run <= 7 {
        w.put(0b00_0010, 6);
        w.put(run as u32 - 4, 2);
        w.put(code, 4);
    } else if run == 8 {
        return put_run(w, code as u8, 7);
    } else if run <= 24 {
        w.put(0b0000_1110, 8);
        w.put(run as u32 - 9, 4);
        w.put(code, 4);
    } else {
        w.put(0b0000_1111, 8);
        w.put(run as u32 - 25, 8);
        w.put(code, 4);
    }
    run
}
