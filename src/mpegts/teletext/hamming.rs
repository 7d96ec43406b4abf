// SPDX-License-Identifier: GPL-3.0-or-later
//! The line codes of EN 300 706 §8: Hamming 8/4 (addresses and control bits, one error
//! corrected), Hamming 24/18 (enhancement triplets, one error corrected) and odd parity
//! (the 7-bit characters, errors detected only), plus the bit reversal that EN 300 472
//! carriage needs (bytes travel LSB first on the VBI line).
//!
//! Pure functions on bytes; the tables are built at compile time from the code's
//! definition, not typed in, and a test checks them against the spec's codewords.

/// Reverses the bit order of a byte (EN 300 472 §4.4: data units carry the VBI bits in
/// transmission order, least significant first).
pub const fn reverse(byte: u8) -> u8 {
    byte.reverse_bits()
}

/// Encodes a 4-bit value as its Hamming 8/4 codeword (EN 300 706 §8.2: b1 P1, b2 D1,
/// b3 P2, b4 D2, b5 P3, b6 D3, b7 P4, b8 D4; every test has odd parity).
pub const fn encode_8_4(value: u8) -> u8 {
    let d = [value & 1, (value >> 1) & 1, (value >> 2) & 1, (value >> 3) & 1];
    let p1 = 1 ^ d[0] ^ d[2] ^ d[3];
    let p2 = 1 ^ d[0] ^ d[1] ^ d[3];
    let p3 = 1 ^ d[0] ^ d[1] ^ d[2];
    let seven = p1 | d[0] << 1 | p2 << 2 | d[1] << 3 | p3 << 4 | d[2] << 5 | d[3] << 7;
    let p4 = 1 ^ (seven.count_ones() as u8 & 1);
    seven | p4 << 6
}

/// Marks a byte with two bit errors in the 8/4 table.
const UNCORRECTABLE: u8 = 0xff;

/// Every byte mapped to the value whose codeword is at most one bit away (the code's
/// distance is 4, so that value is unique), or `UNCORRECTABLE`.
const UNHAM_8_4: [u8; 256] = {
    let mut table = [UNCORRECTABLE; 256];
    let mut value = 0;
    while value < 16 {
        let code = encode_8_4(value);
        table[code as usize] = value;
        let mut bit = 0;
        while bit < 8 {
            table[(code ^ (1 << bit)) as usize] = value;
            bit += 1;
        }
        value += 1;
    }
    table
};

/// Decodes a Hamming 8/4 byte; `None` on a double error.
pub fn decode_8_4(byte: u8) -> Option<u8> {
    let value = UNHAM_8_4[usize::from(byte)];
    (value != UNCORRECTABLE).then_some(value)
}

/// Decodes a Hamming 24/18 triplet (three bytes, first byte least significant; EN 300 706
/// §8.3): parity bits at positions 1, 2, 4, 8, 16 and an overall parity at 24. Returns the
/// 18 data bits, or `None` on a double error.
pub fn decode_24_18(bytes: [u8; 3]) -> Option<u32> {
    let mut word = u32::from(bytes[0]) | u32::from(bytes[1]) << 8 | u32::from(bytes[2]) << 16;
    let bit = |w: u32, position: u32| (w >> (position - 1)) & 1;
    // Syndrome: tests A–E each cover the positions 1..=23 having their bit set.
    let mut syndrome = 0;
    for test in 0..5 {
        let parity = (1..=23)
            .filter(|p: &u32| p & (1 << test) != 0)
            .fold(0, |acc, p| acc ^ bit(word, p));
        if parity == 0 {
            syndrome |= 1 << test;
        }
    }
    let overall_ok = word.count_ones() & 1 == 1;
    match (syndrome, overall_ok) {
        (0, _) => {}
        (_, true) => return None,
        (s, false) if s <= 23 => word ^= 1 << (s - 1),
        _ => return None,
    }
    let data =
        bit(word, 3) | ((word >> 4) & 0x07) << 1 | ((word >> 8) & 0x7f) << 4 | ((word >> 16) & 0x7f) << 11;
    Some(data)
}

/// Encodes 18 data bits as a Hamming 24/18 triplet (for the encoder and tests; built
/// from the positions, independently of the decoder's bit extraction).
pub fn encode_24_18(data: u32) -> [u8; 3] {
    let data_positions = (1..=23u32).filter(|p| !p.is_power_of_two());
    let mut word = 0u32;
    for (i, p) in data_positions.enumerate() {
        word |= ((data >> i) & 1) << (p - 1);
    }
    for test in 0..5 {
        let ones = (1..=23u32)
            .filter(|p| p & (1 << test) != 0 && (word >> (p - 1)) & 1 == 1)
            .count();
        if ones.is_multiple_of(2) {
            word |= 1 << ((1 << test) - 1);
        }
    }
    if word.count_ones().is_multiple_of(2) {
        word |= 1 << 23;
    }
    [word as u8, (word >> 8) as u8, (word >> 16) as u8]
}

/// The 7-bit character of an odd-parity byte; `None` when the parity is wrong.
pub fn decode_parity(byte: u8) -> Option<u8> {
    (byte.count_ones() & 1 == 1).then_some(byte & 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EN 300 706 §8.2, table 4: the sixteen Hamming 8/4 codewords.
    const CODEWORDS: [u8; 16] = [
        0x15, 0x02, 0x49, 0x5e, 0x64, 0x73, 0x38, 0x2f, 0xd0, 0xc7, 0x8c, 0x9b, 0xa1, 0xb6, 0xfd, 0xea,
    ];

    #[test]
    fn hamming_8_4_codewords_and_single_errors() {
        for (value, &code) in CODEWORDS.iter().enumerate() {
            assert_eq!(encode_8_4(value as u8), code);
            assert_eq!(decode_8_4(code), Some(value as u8));
            for bit in 0..8 {
                assert_eq!(decode_8_4(code ^ (1 << bit)), Some(value as u8));
            }
            assert_eq!(decode_8_4(code ^ 0b11), None, "double error detected");
        }
    }

    #[test]
    fn hamming_24_18_round_trip_and_errors() {
        for data in [0, 1, 0x3ffff, 0x2a5a5, 0x12345] {
            let code = encode_24_18(data);
            assert_eq!(decode_24_18(code), Some(data));
            for bit in 0..24 {
                let mut flipped = code;
                flipped[bit / 8] ^= 1 << (bit % 8);
                assert_eq!(decode_24_18(flipped), Some(data), "bit {bit}");
            }
            let mut double = code;
            double[0] ^= 0b101;
            assert_eq!(decode_24_18(double), None);
        }
    }

    #[test]
    fn parity_and_reversal() {
        assert_eq!(decode_parity(b'A'), None); // 'A' has two ones: b8 must be set
        assert_eq!(decode_parity(0x80 | b'A'), Some(b'A'));
        assert_eq!(decode_parity(b'@'), Some(b'@'));
        assert_eq!(reverse(0x27), 0xe4);
    }
}
