// SPDX-License-Identifier: GPL-3.0-or-later
//! The run-length pixel code strings of EN 300 743 §7.2.5.2: 2-, 4- and 8-bit codes with
//! their run escapes, and the map tables that widen a 2- or 4-bit code to a deeper region.
//!
//! Bits in, pixel codes out through a callback; no allocation, work linear in the bytes.
//! A string that runs past its data ends there (the broken line is drawn as far as it goes).

/// Reads bits most significant first.
pub(super) struct Bits<'a> {
    data: &'a [u8],
    bit: usize,
}

impl<'a> Bits<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data, bit: 0 }
    }

    /// The next `n` (≤ 8) bits, or `None` past the end.
    fn take(&mut self, n: usize) -> Option<u8> {
        let mut value = 0u8;
        for _ in 0..n {
            let byte = *self.data.get(self.bit / 8)?;
            value = value << 1 | (byte >> (7 - self.bit % 8)) & 1;
            self.bit += 1;
        }
        Some(value)
    }

    /// Bytes consumed, the string's stuffing to the byte boundary included.
    pub(super) fn bytes_used(&self) -> usize {
        self.bit.div_ceil(8)
    }
}

/// One decoded run: `count` pixels of `code`.
pub(super) type Run = (usize, u8);

/// 2-bit/pixel_code_string(); calls `run` per run until the end-of-string code.
pub(super) fn two_bit(bits: &mut Bits<'_>, run: &mut dyn FnMut(Run)) -> Option<()> {
    loop {
        let code = bits.take(2)?;
        if code != 0 {
            run((1, code));
        } else if bits.take(1)? == 1 {
            let n = usize::from(bits.take(3)?) + 3;
            run((n, bits.take(2)?));
        } else if bits.take(1)? == 1 {
            run((1, 0));
        } else {
            match bits.take(2)? {
                0 => return Some(()),
                1 => run((2, 0)),
                2 => {
                    let n = usize::from(bits.take(4)?) + 12;
                    run((n, bits.take(2)?));
                }
                _ => {
                    let n = usize::from(bits.take(8)?) + 29;
                    run((n, bits.take(2)?));
                }
            }
        }
    }
}

/// 4-bit/pixel_code_string().
pub(super) fn four_bit(bits: &mut Bits<'_>, run: &mut dyn FnMut(Run)) -> Option<()> {
    loop {
        let code = bits.take(4)?;
        if code != 0 {
            run((1, code));
        } else if bits.take(1)? == 0 {
            match bits.take(3)? {
                0 => return Some(()),
                n => run((usize::from(n) + 2, 0)),
            }
        } else if bits.take(1)? == 0 {
            let n = usize::from(bits.take(2)?) + 4;
            run((n, bits.take(4)?));
        } else {
            match bits.take(2)? {
                0 => run((1, 0)),
                1 => run((2, 0)),
                2 => {
                    let n = usize::from(bits.take(4)?) + 9;
                    run((n, bits.take(4)?));
                }
                _ => {
                    let n = usize::from(bits.take(8)?) + 25;
                    run((n, bits.take(4)?));
                }
            }
        }
    }
}

/// 8-bit/pixel_code_string().
pub(super) fn eight_bit(bits: &mut Bits<'_>, run: &mut dyn FnMut(Run)) -> Option<()> {
    loop {
        let code = bits.take(8)?;
        if code != 0 {
            run((1, code));
        } else if bits.take(1)? == 0 {
            match bits.take(7)? {
                0 => return Some(()),
                n => run((usize::from(n), 0)),
            }
        } else {
            let n = usize::from(bits.take(7)?);
            run((n, bits.take(8)?));
        }
    }
}

/// The map tables an object carries or the defaults (§10.4–10.6), by target depth.
#[derive(Clone, Copy, Debug)]
pub(super) struct MapTables {
    pub two_to_four: [u8; 4],
    pub two_to_eight: [u8; 4],
    pub four_to_eight: [u8; 16],
}

impl Default for MapTables {
    fn default() -> Self {
        let mut four_to_eight = [0u8; 16];
        for (i, v) in four_to_eight.iter_mut().enumerate() {
            *v = (i as u8) * 0x11;
        }
        Self {
            two_to_four: [0x0, 0x7, 0x8, 0xf],
            two_to_eight: [0x00, 0x77, 0x88, 0xff],
            four_to_eight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(f: fn(&mut Bits<'_>, &mut dyn FnMut(Run)) -> Option<()>, data: &[u8]) -> (Vec<Run>, usize) {
        let mut out = Vec::new();
        let mut bits = Bits::new(data);
        f(&mut bits, &mut |r| out.push(r)).expect("a terminated string");
        (out, bits.bytes_used())
    }

    #[test]
    fn two_bit_codes_and_runs() {
        // 01 | 00 1 101 11 (run 8 of 3) | 00 0 1 (one 0) | 00 0 0 00 (end)
        let bits = "01".to_owned() + "001101" + "11" + "0001" + "000000";
        let bytes: Vec<u8> = bits
            .as_bytes()
            .chunks(8)
            .map(|c| {
                let mut b = 0u8;
                for (i, &ch) in c.iter().enumerate() {
                    b |= u8::from(ch == b'1') << (7 - i);
                }
                b
            })
            .collect();
        let (out, used) = runs(two_bit, &bytes);
        assert_eq!(out, [(1, 1), (8, 3), (1, 0)]);
        assert_eq!(used, 3);
    }

    #[test]
    fn eight_bit_runs() {
        // code 5; 0x00 then 1 + 0000011 (3) + code 9; 0x00 then 0 + 0000100 (4 of colour 0); end
        let data = [5, 0, 0x83, 9, 0, 0x04, 0, 0];
        let (out, used) = runs(eight_bit, &data);
        assert_eq!(out, [(1, 5), (3, 9), (4, 0)]);
        assert_eq!(used, 8);
    }

    #[test]
    fn a_string_cut_short_ends_without_panic() {
        let mut bits = Bits::new(&[0x0f]);
        assert!(four_bit(&mut bits, &mut |_| {}).is_none());
    }
}
