// SPDX-License-Identifier: GPL-3.0-or-later
//! DVB bitmap subtitles (EN 300 743), decoded in pure Rust into RGBA regions the UI draws
//! on its own plane, so subtitles never go through the video path (which on boards is a
//! hardware plane that cannot be blended into) and behave like the teletext ones.
//!
//! ```text
//!  TS packets of the PID ─▶ PesAssembler ─▶ PES (PTS, data_identifier 0x20)
//!     ─▶ segments of the composition and ancillary page:
//!          0x14 display definition (the HD canvas: size and window)
//!          0x10 page composition (time-out, state, regions at positions) ─┐
//!          0x11 region composition (size, depth, CLUT, objects)           ├─▶ regions' pixel codes
//!          0x12 CLUT definition (Y'CrCb + T per entry)                    │
//!          0x13 object data (run-length pixel strings, two fields)  ──────┘
//!          0x80 end of display set ─▶ `on_set(&DisplaySet)`: RGBA bitmaps at display positions
//! ```
//!
//! A display set is reported at its end-of-display-set segment, or at the end of each PES
//! that changed the page when the stream never sends that segment. It carries the PTS of
//! the PES that brought its page composition (`None`: show at once) and the page time-out.
//! Bounded: at most [`MAX_PIXELS`] pixel codes over all regions, regions no larger than
//! 4096×4096. Work is linear in the bytes fed, which DVB subtitles do not give for free: a
//! segment of a dozen bytes can fill a full-HD region or change the CLUT it is drawn with, and
//! each display set is drawn whole, so a stream of tiny PES would cost two million pixels each.
//! Fills and drawings are therefore paid from a pixel budget that each byte of subtitle data
//! earns ([`WORK_PER_BYTE`], saved up to [`WORK_BURST`]); a set that cannot be paid waits,
//! still due, for the bytes that pay it. Real streams spend a few hundred pixels per byte and
//! never wait. Bytes in, bitmaps out: no I/O, no clock.

mod clut;
pub mod encode;
mod pixels;

pub use clut::{Rgba, from_ycrcbt, to_ycrcb};

use std::collections::BTreeMap;

use super::packet::TsPacket;
use super::pes::{Pes, PesAssembler};
use clut::Clut;
use pixels::{Bits, MapTables, Run};

/// data_identifier of DVB subtitle PES packets.
pub const DATA_IDENTIFIER: u8 = 0x20;
/// Segment types (EN 300 743 table 7).
pub const PAGE_COMPOSITION: u8 = 0x10;
pub const REGION_COMPOSITION: u8 = 0x11;
pub const CLUT_DEFINITION: u8 = 0x12;
pub const OBJECT_DATA: u8 = 0x13;
pub const DISPLAY_DEFINITION: u8 = 0x14;
pub const END_OF_DISPLAY_SET: u8 = 0x80;
/// Pixel codes kept over all regions of one decoder: a full 1080p canvas, the largest display
/// EN 300 743 defines (regions lie within the display). Drawn, that is 2 MB of codes and 8 MB
/// of RGBA; twice the canvas let a few hundred bytes cost 37 MB.
pub const MAX_PIXELS: usize = 1920 * 1080;
/// Largest region side accepted.
const MAX_SIDE: u16 = 4096;
/// Pixels of fills and drawings that each byte of subtitle data pays for. Broadcast display
/// sets cost well under 300 (a 1500×150 region of text drawn from 1-8 KB of run-lengths).
pub const WORK_PER_BYTE: u64 = 1024;
/// The most pixel work saved up: eight full-HD canvases, so a page joined mid-stream, or one
/// large page, shows at once.
pub const WORK_BURST: u64 = 8 * MAX_PIXELS as u64;

/// One region as the viewer sees it: straight RGBA rows, `width * 4` bytes each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    /// Left edge on the display canvas.
    pub x: u32,
    /// Top edge on the display canvas.
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Bitmap {
    /// Pixels that are not fully transparent.
    pub fn visible_pixels(&self) -> usize {
        self.rgba.chunks_exact(4).filter(|p| p[3] != 0).count()
    }
}

/// What the page shows from one display set on: empty regions clear the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplaySet {
    /// PTS (90 kHz) of the PES that brought the page composition.
    pub pts: Option<u64>,
    /// Seconds after which the page is removed when nothing replaces it.
    pub timeout_s: u8,
    /// The canvas the positions refer to (720×576 unless a display definition says otherwise).
    pub display_width: u32,
    pub display_height: u32,
    /// Regions with at least one visible pixel.
    pub regions: Vec<Bitmap>,
}

/// Counters of one decoder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DvbSubStats {
    /// Segments of the wanted pages read.
    pub segments: u64,
    /// Segments dropped as truncated or out of bounds.
    pub malformed: u64,
    /// Display sets reported.
    pub sets: u64,
    /// Times a display set waited because its drawing was not yet paid for.
    pub deferred: u64,
}

#[derive(Clone, Copy, Debug)]
struct Display {
    width: u32,
    height: u32,
    /// Offset of the window the regions are placed in.
    offset: (u32, u32),
}

impl Default for Display {
    fn default() -> Self {
        Self {
            width: 720,
            height: 576,
            offset: (0, 0),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct RegionPlace {
    id: u8,
    x: u16,
    y: u16,
}

#[derive(Clone, Copy, Debug)]
struct ObjectPlace {
    id: u16,
    x: u16,
    y: u16,
}

#[derive(Debug)]
struct Region {
    version: u8,
    width: u16,
    height: u16,
    /// Bits per pixel code: 2, 4 or 8.
    depth: u8,
    clut: u8,
    objects: Vec<ObjectPlace>,
    pixels: Vec<u8>,
}

/// The decoder of one subtitle stream (one composition page and its ancillary page).
#[derive(Debug)]
pub struct DvbSubDecoder {
    composition_page: u16,
    ancillary_page: u16,
    pes: PesAssembler,
    display: Display,
    page: Vec<RegionPlace>,
    timeout_s: u8,
    pts: Option<u64>,
    /// Whether the page changed since it was last reported.
    dirty: bool,
    /// Whether a page composition has been seen since the start (before it nothing shows).
    acquired: bool,
    /// The stream ends its display sets with segment 0x80 (report there, not at PES ends).
    ends_sets: bool,
    regions: BTreeMap<u8, Region>,
    cluts: BTreeMap<u8, Clut>,
    stats: DvbSubStats,
    /// Pixel work paid for and not yet spent (see the module's essay).
    work: u64,
}

impl DvbSubDecoder {
    /// A decoder for the subtitle service with these page ids (from the PMT's descriptor).
    pub fn new(composition_page: u16, ancillary_page: u16) -> Self {
        Self {
            composition_page,
            ancillary_page,
            pes: PesAssembler::new(),
            display: Display::default(),
            page: Vec::new(),
            timeout_s: 0,
            pts: None,
            dirty: false,
            acquired: false,
            ends_sets: false,
            regions: BTreeMap::new(),
            cluts: BTreeMap::new(),
            stats: DvbSubStats::default(),
            work: WORK_BURST,
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> DvbSubStats {
        self.stats
    }

    /// Feeds one TS packet of the subtitle PID.
    pub fn push_packet(&mut self, packet: &TsPacket<'_>, on_set: &mut dyn FnMut(&DisplaySet)) {
        let mut pes = std::mem::take(&mut self.pes);
        pes.push(packet, &mut |p| self.push_pes(&p, on_set));
        self.pes = pes;
    }

    /// Feeds one complete PES packet of the subtitle PID.
    pub fn push_pes(&mut self, pes: &Pes<'_>, on_set: &mut dyn FnMut(&DisplaySet)) {
        let [DATA_IDENTIFIER, _stream_id, rest @ ..] = pes.data else {
            return;
        };
        let earned = (pes.data.len() as u64).saturating_mul(WORK_PER_BYTE);
        self.work = self.work.saturating_add(earned).min(WORK_BURST);
        let mut rest = rest;
        while let [0x0f, kind, p0, p1, l0, l1, tail @ ..] = rest {
            let length = usize::from(u16::from_be_bytes([*l0, *l1]));
            let Some(data) = tail.get(..length) else {
                self.stats.malformed += 1;
                break;
            };
            rest = &tail[length..];
            let page = u16::from_be_bytes([*p0, *p1]);
            if page != self.composition_page && page != self.ancillary_page {
                continue;
            }
            self.stats.segments += 1;
            if self.segment(*kind, data, pes.pts).is_none() {
                self.stats.malformed += 1;
            }
            if *kind == END_OF_DISPLAY_SET {
                self.ends_sets = true;
                self.report(on_set);
            }
        }
        if !self.ends_sets {
            self.report(on_set);
        }
    }

    fn segment(&mut self, kind: u8, data: &[u8], pts: Option<u64>) -> Option<()> {
        match kind {
            PAGE_COMPOSITION => self.page_composition(data, pts),
            REGION_COMPOSITION if self.acquired => self.region_composition(data),
            CLUT_DEFINITION if self.acquired => self.clut_definition(data),
            OBJECT_DATA if self.acquired => self.object_data(data),
            DISPLAY_DEFINITION => self.display_definition(data),
            _ => Some(()),
        }
    }

    fn display_definition(&mut self, data: &[u8]) -> Option<()> {
        let [flags, w0, w1, h0, h1, window @ ..] = data else {
            return None;
        };
        let width = u32::from(u16::from_be_bytes([*w0, *w1])) + 1;
        let height = u32::from(u16::from_be_bytes([*h0, *h1])) + 1;
        let offset = match window {
            [x0, x1, _, _, y0, y1, _, _, ..] if flags & 0x08 != 0 => (
                u32::from(u16::from_be_bytes([*x0, *x1])),
                u32::from(u16::from_be_bytes([*y0, *y1])),
            ),
            _ => (0, 0),
        };
        self.display = Display {
            width,
            height,
            offset,
        };
        Some(())
    }

    fn page_composition(&mut self, data: &[u8], pts: Option<u64>) -> Option<()> {
        let [timeout, state, places @ ..] = data else {
            return None;
        };
        let page_state = (state >> 2) & 3;
        if page_state != 0 {
            // Acquisition point or mode change: everything the page needs follows.
            self.regions.clear();
            self.cluts.clear();
            self.acquired = true;
        }
        if !self.acquired {
            return Some(());
        }
        self.timeout_s = *timeout;
        self.pts = pts;
        // A region is placed once on a page (EN 300 743 7.2.2: region_id is unique within
        // it); a repeated one is left out, or a page listing one full-HD region a thousand
        // times would be drawn a thousand times.
        let mut placed = [false; 256];
        self.page = places
            .chunks_exact(6)
            .filter(|p| !std::mem::replace(&mut placed[usize::from(p[0])], true))
            .map(|p| RegionPlace {
                id: p[0],
                x: u16::from_be_bytes([p[2], p[3]]),
                y: u16::from_be_bytes([p[4], p[5]]),
            })
            .collect();
        self.dirty = true;
        Some(())
    }

    fn region_composition(&mut self, data: &[u8]) -> Option<()> {
        let [
            id,
            flags,
            w0,
            w1,
            h0,
            h1,
            depth,
            clut,
            code8,
            code42,
            objects @ ..,
        ] = data
        else {
            return None;
        };
        let version = flags >> 4;
        let fill = flags & 0x08 != 0;
        let width = u16::from_be_bytes([*w0, *w1]);
        let height = u16::from_be_bytes([*h0, *h1]);
        let depth = match (depth >> 2) & 7 {
            1 => 2,
            2 => 4,
            3 => 8,
            _ => return None,
        };
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return None;
        }
        let pixels = usize::from(width) * usize::from(height);
        let others: usize = self
            .regions
            .iter()
            .filter(|(k, _)| *k != id)
            .map(|(_, r)| r.pixels.len())
            .sum();
        if others + pixels > MAX_PIXELS {
            return None;
        }
        let places = parse_objects(objects);
        let region = self.regions.entry(*id).or_insert_with(|| Region {
            version: version.wrapping_add(1),
            width,
            height,
            depth,
            clut: *clut,
            objects: Vec::new(),
            pixels: vec![0; pixels],
        });
        if region.width != width || region.height != height || region.depth != depth {
            region.pixels = vec![0; pixels];
        }
        let changed = region.version != version;
        *region = Region {
            version,
            width,
            height,
            depth,
            clut: *clut,
            objects: places,
            pixels: std::mem::take(&mut region.pixels),
        };
        if fill && changed {
            let background = match depth {
                8 => *code8,
                4 => code42 >> 4,
                _ => (code42 >> 2) & 3,
            };
            region.pixels.fill(background);
            // A fill is a memset: done at once, but paid from what the drawing may spend.
            self.work = self.work.saturating_sub(region.pixels.len() as u64);
        }
        self.dirty = true;
        Some(())
    }

    fn clut_definition(&mut self, data: &[u8]) -> Option<()> {
        let [id, version, entries @ ..] = data else {
            return None;
        };
        let mut entries = entries;
        let clut = self.cluts.entry(*id).or_default();
        clut.version = Some(version >> 4);
        while let [entry, flags, rest @ ..] = entries {
            let (colour, tail) = if flags & 1 != 0 {
                let [y, cr, cb, t, tail @ ..] = rest else {
                    return None;
                };
                (from_ycrcbt(*y, *cr, *cb, *t), tail)
            } else {
                let [a, b, tail @ ..] = rest else {
                    return None;
                };
                let y = a & 0xfc;
                let cr = ((a & 3) << 2 | b >> 6) << 4;
                let cb = ((b >> 2) & 0x0f) << 4;
                let t = (b & 3) * 85;
                (from_ycrcbt(y, cr, cb, t), tail)
            };
            let i = usize::from(*entry);
            if flags & 0x80 != 0 && i < 4 {
                clut.two[i] = colour;
            }
            if flags & 0x40 != 0 && i < 16 {
                clut.four[i] = colour;
            }
            if flags & 0x20 != 0 {
                clut.eight[i] = colour;
            }
            entries = tail;
        }
        self.dirty = true;
        Some(())
    }

    fn object_data(&mut self, data: &[u8]) -> Option<()> {
        let [i0, i1, flags, rest @ ..] = data else {
            return None;
        };
        let id = u16::from_be_bytes([*i0, *i1]);
        if (flags >> 2) & 3 != 0 {
            return Some(()); // character-coded objects are not drawn
        }
        let non_modifying = flags & 0x02 != 0;
        let [t0, t1, b0, b1, blocks @ ..] = rest else {
            return None;
        };
        let top_len = usize::from(u16::from_be_bytes([*t0, *t1]));
        let bottom_len = usize::from(u16::from_be_bytes([*b0, *b1]));
        let top = blocks.get(..top_len)?;
        let bottom = if bottom_len == 0 {
            top
        } else {
            blocks.get(top_len..top_len + bottom_len)?
        };
        for region in self.regions.values_mut() {
            let places: Vec<ObjectPlace> = region.objects.iter().filter(|o| o.id == id).copied().collect();
            for place in places {
                let mut draw = FieldWriter::new(region, place, non_modifying);
                draw.field(top, 0);
                draw.field(bottom, 1);
            }
        }
        self.dirty = true;
        Some(())
    }

    fn report(&mut self, on_set: &mut dyn FnMut(&DisplaySet)) {
        if !self.dirty || !self.acquired {
            return;
        }
        let cost: u64 = self
            .page
            .iter()
            .filter_map(|place| self.regions.get(&place.id))
            .map(|r| r.pixels.len() as u64)
            .sum();
        if cost > self.work {
            // Still dirty: drawn by the first report that can pay for it.
            self.stats.deferred += 1;
            return;
        }
        self.work -= cost;
        self.dirty = false;
        let set = self.render();
        self.stats.sets += 1;
        on_set(&set);
    }

    /// The page as bitmaps: each placed region through its CLUT.
    fn render(&self) -> DisplaySet {
        let default = Clut::default();
        let regions = self
            .page
            .iter()
            .filter_map(|place| {
                let region = self.regions.get(&place.id)?;
                let clut = self.cluts.get(&region.clut).unwrap_or(&default);
                // Sized once: collecting the flattened colours would grow the buffer by
                // doubling, up to twice the bitmap.
                let mut rgba = Vec::with_capacity(region.pixels.len() * 4);
                for &code in &region.pixels {
                    rgba.extend_from_slice(&match region.depth {
                        2 => clut.two[usize::from(code & 3)],
                        4 => clut.four[usize::from(code & 15)],
                        _ => clut.eight[usize::from(code)],
                    });
                }
                let bitmap = Bitmap {
                    x: u32::from(place.x) + self.display.offset.0,
                    y: u32::from(place.y) + self.display.offset.1,
                    width: u32::from(region.width),
                    height: u32::from(region.height),
                    rgba,
                };
                (bitmap.visible_pixels() > 0).then_some(bitmap)
            })
            .collect();
        DisplaySet {
            pts: self.pts,
            timeout_s: self.timeout_s,
            display_width: self.display.width,
            display_height: self.display.height,
            regions,
        }
    }
}

fn parse_objects(mut data: &[u8]) -> Vec<ObjectPlace> {
    let mut places = Vec::new();
    while let [i0, i1, x0, x1, y0, y1, rest @ ..] = data {
        let object_type = x0 >> 6;
        places.push(ObjectPlace {
            id: u16::from_be_bytes([*i0, *i1]),
            x: u16::from_be_bytes([x0 & 0x0f, *x1]),
            y: u16::from_be_bytes([y0 & 0x0f, *y1]),
        });
        // Character objects carry foreground and background codes.
        data = if matches!(object_type, 1 | 2) {
            rest.get(2..).unwrap_or(&[])
        } else {
            rest
        };
    }
    places
}

/// Draws one object's fields into a region.
struct FieldWriter<'r> {
    region: &'r mut Region,
    place: ObjectPlace,
    non_modifying: bool,
}

impl<'r> FieldWriter<'r> {
    fn new(region: &'r mut Region, place: ObjectPlace, non_modifying: bool) -> Self {
        Self {
            region,
            place,
            non_modifying,
        }
    }

    /// One field's pixel-data sub-blocks: rows `first`, `first + 2`, … of the object.
    fn field(&mut self, mut data: &[u8], first: usize) {
        let mut maps = MapTables::default();
        let mut row = first;
        let mut column = 0usize;
        while let [kind, rest @ ..] = data {
            let used = match kind {
                0x10..=0x12 => {
                    let bits_per_code = match kind {
                        0x10 => 2,
                        0x11 => 4,
                        _ => 8,
                    };
                    let maps_now = maps;
                    let mut bits = Bits::new(rest);
                    let mut draw = |(count, code): Run| {
                        self.run(row, &mut column, count, code, bits_per_code, &maps_now)
                    };
                    let ended = match kind {
                        0x10 => pixels::two_bit(&mut bits, &mut draw),
                        0x11 => pixels::four_bit(&mut bits, &mut draw),
                        _ => pixels::eight_bit(&mut bits, &mut draw),
                    };
                    ended.map(|()| bits.bytes_used())
                }
                0x20 => rest.get(..2).map(|m| {
                    maps.two_to_four = [m[0] >> 4, m[0] & 15, m[1] >> 4, m[1] & 15];
                    2
                }),
                0x21 => rest.get(..4).map(|m| {
                    maps.two_to_eight.copy_from_slice(m);
                    4
                }),
                0x22 => rest.get(..16).map(|m| {
                    maps.four_to_eight.copy_from_slice(m);
                    16
                }),
                0xf0 => {
                    row += 2;
                    column = 0;
                    Some(0)
                }
                _ => None,
            };
            let Some(used) = used else { return };
            data = &rest[used.min(rest.len())..];
        }
    }

    fn run(&mut self, row: usize, column: &mut usize, count: usize, code: u8, bits: u8, maps: &MapTables) {
        let start = *column;
        *column += count;
        if self.non_modifying && code == 1 {
            return;
        }
        let region = &mut *self.region;
        let value = match (bits, region.depth) {
            (2, 2) | (4, 4) | (8, 8) => code,
            (2, 4) => maps.two_to_four[usize::from(code & 3)],
            (2, 8) => maps.two_to_eight[usize::from(code & 3)],
            (4, 8) => maps.four_to_eight[usize::from(code & 15)],
            _ => return, // a deeper string than the region: not drawable
        };
        let (width, height) = (usize::from(region.width), usize::from(region.height));
        let y = usize::from(self.place.y) + row;
        let x0 = usize::from(self.place.x) + start;
        if y >= height || x0 >= width {
            return;
        }
        let x1 = (x0 + count).min(width);
        region.pixels[y * width + x0..y * width + x1].fill(value);
    }
}

#[cfg(test)]
mod tests;
