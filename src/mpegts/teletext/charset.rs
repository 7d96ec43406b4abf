// SPDX-License-Identifier: GPL-3.0-or-later
//! Teletext character sets (EN 300 706 §15): the Latin G0 primary set with the national
//! option subsets chosen by the page header's C12–C14 bits, the Latin G2 supplementary
//! set reached through X/26 enhancements, and G0 letters combined with the G2 diacritical
//! marks (X/26 modes 0x11–0x1F).
//!
//! Maps codes to `char`s only; knows nothing of rows, attributes or packets.

/// The national option subset of the Latin G0 set, from C12–C14 of the page header
/// (EN 300 706 table 32, with C12 as the least significant bit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NationalOption {
    /// 000: English.
    #[default]
    English,
    /// 001 (C12): French.
    French,
    /// 010 (C13): Swedish, Finnish, Hungarian.
    SwedishFinnishHungarian,
    /// 011: Czech, Slovak.
    CzechSlovak,
    /// 100 (C14): German.
    German,
    /// 101: Portuguese, Spanish.
    PortugueseSpanish,
    /// 110: Italian.
    Italian,
}

impl NationalOption {
    /// The subset for the 3-bit value C12 + 2·C13 + 4·C14; the unused value 7 is English.
    pub fn from_bits(bits: u8) -> Self {
        match bits & 7 {
            1 => Self::French,
            2 => Self::SwedishFinnishHungarian,
            3 => Self::CzechSlovak,
            4 => Self::German,
            5 => Self::PortugueseSpanish,
            6 => Self::Italian,
            _ => Self::English,
        }
    }

    /// The 13 characters at the national positions, in the order of `NATIONAL_POSITIONS`.
    fn subset(self) -> &'static [char; 13] {
        match self {
            Self::English => &['£', '$', '@', '←', '½', '→', '↑', '#', '―', '¼', '‖', '¾', '÷'],
            Self::French => &['é', 'ï', 'à', 'ë', 'ê', 'ù', 'î', '#', 'è', 'â', 'ô', 'û', 'ç'],
            Self::SwedishFinnishHungarian => {
                &['#', '¤', 'É', 'Ä', 'Ö', 'Å', 'Ü', '_', 'é', 'ä', 'ö', 'å', 'ü']
            }
            Self::CzechSlovak => &['#', 'ů', 'č', 'ť', 'ž', 'ý', 'í', 'ř', 'é', 'á', 'ě', 'ú', 'š'],
            Self::German => &['#', '$', '§', 'Ä', 'Ö', 'Ü', '^', '_', '°', 'ä', 'ö', 'ü', 'ß'],
            Self::PortugueseSpanish => &['ç', '$', '¡', 'á', 'é', 'í', 'ó', 'ú', '¿', 'ü', 'ñ', 'è', 'à'],
            Self::Italian => &['£', '$', 'é', '°', 'ç', '→', '↑', '#', 'ù', 'à', 'ò', 'è', 'ì'],
        }
    }
}

/// The G0 positions a national option replaces (EN 300 706 table 36).
const NATIONAL_POSITIONS: [u8; 13] = [
    0x23, 0x24, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x7b, 0x7c, 0x7d, 0x7e,
];

/// A 7-bit G0 code (0x20..=0x7F) as a character under `national`; control codes map to a
/// space (they are spacing attributes, shown as spaces).
pub fn g0_char(code: u8, national: NationalOption) -> char {
    let code = code & 0x7f;
    if let Some(i) = NATIONAL_POSITIONS.iter().position(|&p| p == code) {
        return national.subset()[i];
    }
    match code {
        0x7f => '■',
        0x20..=0x7e => char::from(code),
        _ => ' ',
    }
}

/// The Latin G2 supplementary set (EN 300 706 table 38), 0x20..=0x7F.
const G2_LATIN: [char; 96] = [
    ' ', '¡', '¢', '£', '$', '¥', '#', '§', '¤', '‘', '“', '«', '←', '↑', '→', '↓', //
    '°', '±', '²', '³', '×', 'µ', '¶', '·', '÷', '’', '”', '»', '¼', '½', '¾', '¿', //
    ' ', '`', '´', 'ˆ', '˜', '¯', '˘', '˙', '¨', '.', '˚', '¸', '_', '˝', '˛', 'ˇ', //
    '―', '¹', '®', '©', '™', '♪', '₠', '‰', 'α', ' ', ' ', ' ', '⅛', '⅜', '⅝', '⅞', //
    'Ω', 'Æ', 'Đ', 'ª', 'Ħ', ' ', 'Ĳ', 'Ŀ', 'Ł', 'Ø', 'Œ', 'º', 'Þ', 'Ŧ', 'Ŋ', 'ŉ', //
    'ĸ', 'æ', 'đ', 'ð', 'ħ', 'ı', 'ĳ', 'ŀ', 'ł', 'ø', 'œ', 'ß', 'þ', 'ŧ', 'ŋ', '■', //
];

/// A G2 code (0x20..=0x7F) as a character; other codes are a space.
pub fn g2_char(code: u8) -> char {
    match code {
        0x20..=0x7f => G2_LATIN[usize::from(code - 0x20)],
        _ => ' ',
    }
}

/// Precomposed letters per diacritical mark 1..=15 (G2 0x41..=0x4F): pairs of base letter
/// and result. Marks or letters without a precomposed form fall back to the plain letter.
const DIACRITICS: [&str; 15] = [
    "AÀEÈIÌOÒUÙaàeèiìoòuù",                             // grave
    "AÁEÉIÍOÓUÚYÝaáeéiíoóuúyýCĆcćNŃnńSŚsśZŹzźLĹlĺRŔrŕ", // acute
    "AÂEÊIÎOÔUÛaâeêiîoôuûCĈcĉGĜgĝHĤhĥJĴjĵSŜsŝWŴwŵYŶyŷ", // circumflex
    "AÃNÑOÕaãnñoõIĨiĩUŨuũ",                             // tilde
    "AĀEĒIĪOŌUŪaāeēiīoōuū",                             // macron
    "AĂaăGĞgğUŬuŭ",                                     // breve
    "CĊcċEĖeėGĠgġIİZŻzż",                               // dot above
    "AÄEËIÏOÖUÜYŸaäeëiïoöuüyÿ",                         // umlaut
    "",                                                 // (dot below position, unused at level 1.5)
    "AÅaåUŮuů",                                         // ring
    "CÇcçGĢgģKĶkķLĻlļNŅnņRŖrŗSŞsşTŢtţ",                 // cedilla
    "",                                                 // (underline position, unused)
    "OŐoőUŰuű",                                         // double acute
    "AĄaąEĘeęIĮiįUŲuų",                                 // ogonek
    "CČcčDĎdďEĚeěLĽlľNŇnňRŘrřSŠsšTŤtťZŽzž",             // caron
];

/// G0 letter `code` (no national option) with diacritical mark `mark` (1..=15); mark 0
/// is the letter alone.
pub fn with_diacritic(code: u8, mark: u8) -> char {
    // The G0 letters of X/26 come from the primary set, without national substitution.
    let base = match code & 0x7f {
        c @ 0x20..=0x7e => char::from(c),
        _ => ' ',
    };
    let Some(table) = usize::from(mark).checked_sub(1).and_then(|i| DIACRITICS.get(i)) else {
        return base;
    };
    let chars: Vec<char> = table.chars().collect();
    chars
        .chunks_exact(2)
        .find(|pair| pair[0] == base)
        .map_or(base, |pair| pair[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_options_replace_their_positions() {
        assert_eq!(g0_char(b'@', NationalOption::French), 'à');
        assert_eq!(g0_char(b'{', NationalOption::French), 'â');
        assert_eq!(g0_char(b'}', NationalOption::German), 'ü');
        assert_eq!(g0_char(b'~', NationalOption::German), 'ß');
        assert_eq!(g0_char(b'#', NationalOption::English), '£');
        assert_eq!(g0_char(b'A', NationalOption::Italian), 'A');
        assert_eq!(g0_char(0x7f, NationalOption::English), '■');
        assert_eq!(g0_char(0x0b, NationalOption::English), ' ');
        assert_eq!(NationalOption::from_bits(1), NationalOption::French);
        assert_eq!(NationalOption::from_bits(4), NationalOption::German);
        assert_eq!(NationalOption::from_bits(7), NationalOption::English);
    }

    #[test]
    fn g2_and_diacritics() {
        assert_eq!(g2_char(0x23), '£');
        assert_eq!(g2_char(0x7b), 'ß');
        assert_eq!(g2_char(0x05), ' ');
        assert_eq!(with_diacritic(b'e', 2), 'é');
        assert_eq!(with_diacritic(b'C', 11), 'Ç');
        assert_eq!(with_diacritic(b's', 15), 'š');
        assert_eq!(with_diacritic(b'q', 2), 'q');
        assert_eq!(with_diacritic(b'@', 0), '@');
        for table in DIACRITICS {
            assert_eq!(table.chars().count() % 2, 0, "{table}");
        }
    }
}
