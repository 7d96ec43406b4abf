// SPDX-License-Identifier: GPL-3.0-or-later
//! Colour look-up tables (EN 300 743 §7.2.4 and §10): the default 2-, 4- and 8-bit
//! tables every CLUT starts from, and entries as the stream defines them in Y'CrCb with a
//! transparency, turned into straight (not premultiplied) RGBA once, when defined.

/// One colour as drawn: straight RGBA.
pub type Rgba = [u8; 4];

/// The three tables of one CLUT_id.
#[derive(Clone, Debug)]
pub struct Clut {
    pub two: [Rgba; 4],
    pub four: [Rgba; 16],
    pub eight: Box<[Rgba; 256]>,
    /// CLUT_version_number of the last definition (`None` while still the default).
    pub version: Option<u8>,
}

impl Default for Clut {
    fn default() -> Self {
        let mut four = [[0u8; 4]; 16];
        for (i, c) in four.iter_mut().enumerate().skip(1) {
            let level = if i < 8 { 255 } else { 127 };
            *c = [bit(i, 1, level), bit(i, 2, level), bit(i, 4, level), 255];
        }
        let mut eight = Box::new([[0u8; 4]; 256]);
        for (i, c) in eight.iter_mut().enumerate().skip(1) {
            *c = default_eight(i);
        }
        Self {
            two: [
                [0, 0, 0, 0],
                [255, 255, 255, 255],
                [0, 0, 0, 255],
                [127, 127, 127, 255],
            ],
            four,
            eight,
            version: None,
        }
    }
}

fn bit(i: usize, mask: usize, level: u8) -> u8 {
    if i & mask != 0 { level } else { 0 }
}

/// §10.3: the default 256-entry table, built from the entry number's bits.
fn default_eight(i: usize) -> Rgba {
    if i < 8 {
        return [bit(i, 1, 255), bit(i, 2, 255), bit(i, 4, 255), 64];
    }
    let low = |mask: usize, high: usize, a: u8, b: u8| bit(i, mask, a) + bit(i, high, b);
    match i & 0x88 {
        0x00 => [
            low(1, 0x10, 85, 170),
            low(2, 0x20, 85, 170),
            low(4, 0x40, 85, 170),
            255,
        ],
        0x08 => [
            low(1, 0x10, 85, 170),
            low(2, 0x20, 85, 170),
            low(4, 0x40, 85, 170),
            128,
        ],
        0x80 => [
            127 + low(1, 0x10, 43, 85),
            127 + low(2, 0x20, 43, 85),
            127 + low(4, 0x40, 43, 85),
            255,
        ],
        _ => [
            low(1, 0x10, 43, 85),
            low(2, 0x20, 43, 85),
            low(4, 0x40, 43, 85),
            255,
        ],
    }
}

/// A CLUT entry from Y'CrCb (ITU-R BT.601, 16–235 video range) and transparency T
/// (0 opaque, 255 fully transparent). Y = 0 means the entry is fully transparent.
pub fn from_ycrcbt(y: u8, cr: u8, cb: u8, t: u8) -> Rgba {
    if y == 0 {
        return [0, 0, 0, 0];
    }
    let y = (f32::from(y) - 16.0) * 255.0 / 219.0;
    let cr = (f32::from(cr) - 128.0) * 255.0 / 224.0;
    let cb = (f32::from(cb) - 128.0) * 255.0 / 224.0;
    let clamp = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    [
        clamp(y + 1.402 * cr),
        clamp(y - 0.344_136 * cb - 0.714_136 * cr),
        clamp(y + 1.772 * cb),
        255 - t,
    ]
}

/// The inverse of [`from_ycrcbt`] for opaque colours (the encoder's side).
pub fn to_ycrcb(rgb: [u8; 3]) -> [u8; 3] {
    let [r, g, b] = rgb.map(f32::from);
    let y = 0.299 * r + 0.587 * g + 0.114 * b;
    let cb = (b - y) / 1.772;
    let cr = (r - y) / 1.402;
    let clamp = |v: f32| v.round().clamp(1.0, 255.0) as u8;
    [
        clamp(16.0 + y * 219.0 / 255.0),
        clamp(128.0 + cr * 224.0 / 255.0),
        clamp(128.0 + cb * 224.0 / 255.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_standard() {
        let clut = Clut::default();
        assert_eq!(clut.two[1], [255, 255, 255, 255]);
        assert_eq!(clut.four[0][3], 0, "entry 0 is transparent");
        assert_eq!(clut.four[4], [0, 0, 255, 255]);
        assert_eq!(clut.four[9], [127, 0, 0, 255]);
        assert_eq!(clut.eight[0xff], [128, 128, 128, 255]);
    }

    #[test]
    fn colours_survive_the_round_trip() {
        for rgb in [
            [255, 255, 255],
            [0, 0, 0],
            [255, 255, 0],
            [0, 200, 255],
            [30, 30, 30],
        ] {
            let [y, cr, cb] = to_ycrcb(rgb);
            let back = from_ycrcbt(y, cr, cb, 0);
            for (a, b) in back.iter().zip(rgb) {
                assert!(a.abs_diff(b) <= 3, "{rgb:?} came back as {back:?}");
            }
            assert_eq!(back[3], 255);
        }
    }
}
