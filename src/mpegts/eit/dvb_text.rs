// SPDX-License-Identifier: GPL-3.0-or-later
//! DVB SI text (EN 300 468 Annex A): the first byte selects the character table. Handled:
//! the default table 00 (ISO/IEC 6937 with the Euro sign at 0xA4, diacritics composed),
//! 0x01–0x0B (ISO-8859-5…15), 0x10 0x00 0xNN (ISO-8859-NN), 0x11 (UCS-2), 0x13 (GB2312),
//! 0x14 (Big5 subset, decoded as Big5), 0x15 (UTF-8); the DVB control codes (emphasis on/off,
//! CR/LF) in both their byte and UTF-8 private-use forms. Unknown tables decode as table 00.
//!
//! Pure, total: any byte sequence gives a string.

use encoding_rs::Encoding;

/// Decodes one DVB text field (not trimmed: extended text comes in pieces).
pub fn decode(bytes: &[u8]) -> String {
    let (table, text) = select(bytes);
    let out = match table {
        Table::Iso6937 => iso6937(text),
        Table::Latin1 => single_byte(text, |b| Some(char::from(b))),
        Table::Encoding(e) => single_byte_or_multi(text, e),
        Table::Ucs2 => ucs2(text),
        Table::Utf8 => String::from_utf8_lossy(text).into_owned(),
    };
    clean(&out)
}

enum Table {
    Iso6937,
    Latin1,
    Encoding(&'static Encoding),
    Ucs2,
    Utf8,
}

/// The character table and the text after the selector bytes.
fn select(bytes: &[u8]) -> (Table, &[u8]) {
    let Some((&first, rest)) = bytes.split_first() else {
        return (Table::Iso6937, bytes);
    };
    match first {
        0x20.. => (Table::Iso6937, bytes),
        0x01..=0x0b => (iso8859(u16::from(first) + 4), rest),
        0x10 => match rest {
            [0x00, n, tail @ ..] => (iso8859(u16::from(*n)), tail),
            _ => (Table::Iso6937, rest.get(2..).unwrap_or(&[])),
        },
        0x11 => (Table::Ucs2, rest),
        0x13 => (Table::Encoding(encoding_rs::GBK), rest),
        0x14 => (Table::Encoding(encoding_rs::BIG5), rest),
        0x12 => (Table::Encoding(encoding_rs::EUC_KR), rest),
        0x15 => (Table::Utf8, rest),
        // 0x1F (encoding_type_id) and reserved values: skip the selector, best effort.
        0x1f => (Table::Iso6937, rest.get(1..).unwrap_or(&[])),
        _ => (Table::Iso6937, rest),
    }
}

/// ISO-8859-`n`. encoding_rs maps some labels to Windows supersets (8859-9 → windows-1254);
/// they agree on 0xA0–0xFF, and 0x80–0x9F are DVB control codes removed before decoding.
fn iso8859(n: u16) -> Table {
    if n == 1 {
        return Table::Latin1;
    }
    match Encoding::for_label(format!("iso-8859-{n}").as_bytes()) {
        Some(e) => Table::Encoding(e),
        None => Table::Iso6937,
    }
}

/// Decodes a single-byte table, turning control codes 0x80–0x9F into DVB meaning first.
fn single_byte(text: &[u8], map: impl Fn(u8) -> Option<char>) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text {
        match b {
            0x8a => out.push('\n'),
            0x80..=0x9f => {}
            _ => out.extend(map(b)),
        }
    }
    out
}

fn single_byte_or_multi(text: &[u8], encoding: &'static Encoding) -> String {
    if encoding.is_single_byte() {
        let mut buf = [0u8; 1];
        let mut out = String::with_capacity(text.len());
        for &b in text {
            match b {
                0x8a => out.push('\n'),
                0x80..=0x9f => {}
                _ => {
                    buf[0] = b;
                    out.push_str(&encoding.decode_without_bom_handling(&buf).0);
                }
            }
        }
        out
    } else {
        encoding.decode_without_bom_handling(text).0.into_owned()
    }
}

fn ucs2(text: &[u8]) -> String {
    let units = text.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|c| match c {
            Ok('\u{e08a}') => '\n',
            Ok(c) => c,
            Err(_) => char::REPLACEMENT_CHARACTER,
        })
        .filter(|c| !('\u{e080}'..='\u{e09f}').contains(c))
        .collect()
}

/// Removes the remaining control characters: DVB's private-use forms (U+E080–U+E09F, CR/LF
/// as a line break), C0 (but tab and newline) and C1.
fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{e08a}' => Some('\n'),
            '\u{e080}'..='\u{e09f}' | '\u{80}'..='\u{9f}' => None,
            '\t' | '\n' => Some(c),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// ISO/IEC 6937 with the DVB Euro sign: 0xC1–0xCF are non-spacing diacritics before the letter.
fn iso6937(text: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        i += 1;
        match b {
            0x8a => out.push('\n'),
            0x00..=0x1f | 0x7f..=0x9f => {}
            0x20..=0x7e => out.push(char::from(b)),
            0xc1..=0xcf => {
                let Some(&base) = text.get(i) else { break };
                i += 1;
                push_accented(b, char::from(base), &mut out);
            }
            _ => out.extend(upper_half(b)),
        }
    }
    out
}

fn push_accented(mark: u8, base: char, out: &mut String) {
    if let Some(c) = compose(mark, base) {
        out.push(c);
        return;
    }
    out.push(base);
    let combining = [
        '\u{300}', '\u{301}', '\u{302}', '\u{303}', '\u{304}', '\u{306}', '\u{307}', '\u{308}', '\u{308}',
        '\u{30a}', '\u{327}', '\u{332}', '\u{30b}', '\u{328}', '\u{30c}',
    ];
    out.extend(
        combining
            .get(usize::from(mark - 0xc1))
            .filter(|_| base.is_ascii_alphabetic()),
    );
}

/// Precomposed letter for a 6937 diacritic (0xC1 grave … 0xCF caron) and an ASCII letter.
fn compose(mark: u8, base: char) -> Option<char> {
    let (from, to): (&str, &str) = match mark {
        0xc1 => ("AEIOUaeiou", "ÀÈÌÒÙàèìòù"),
        0xc2 => ("AEIOUYaeiouyCcNnSsZzLlRr", "ÁÉÍÓÚÝáéíóúýĆćŃńŚśŹźĹĺŔŕ"),
        0xc3 => ("AEIOUaeiouCcGgHhJjSsWwYy", "ÂÊÎÔÛâêîôûĈĉĜĝĤĥĴĵŜŝŴŵŶŷ"),
        0xc4 => ("ANOanoIiUu", "ÃÑÕãñõĨĩŨũ"),
        0xc5 => ("AEIOUaeiou", "ĀĒĪŌŪāēīōū"),
        0xc6 => ("AaGgUu", "ĂăĞğŬŭ"),
        0xc7 => ("CcEeGgIZz", "ĊċĖėĠġİŻż"),
        0xc8 | 0xc9 => ("AEIOUaeiouyY", "ÄËÏÖÜäëïöüÿŸ"),
        0xca => ("AaUu", "ÅåŮů"),
        0xcb => ("CcGgKkLlNnRrSsTt", "ÇçĢģĶķĻļŅņŖŗŞşŢţ"),
        0xcd => ("OoUu", "ŐőŰű"),
        0xce => ("AaEeIiUu", "ĄąĘęĮįŲų"),
        0xcf => ("CcDdEeLlNnRrSsTtZz", "ČčĎďĚěĽľŇňŘřŠšŤťŽž"),
        _ => return None,
    };
    let at = from.chars().position(|c| c == base)?;
    to.chars().nth(at)
}

/// 0xA0–0xBF and 0xD0–0xFF of the 6937 table; `None` for unused positions.
fn upper_half(b: u8) -> Option<char> {
    const A0: &str = "\u{a0}¡¢£€¥\u{0}§¤‘“«←↑→↓°±²³×µ¶·÷’”»¼½¾¿";
    const D0: &str = "―¹®©™♪¬¦\u{0}\u{0}\u{0}\u{0}⅛⅜⅝⅞ΩÆĐªĦ\u{0}ĲĿŁØŒºÞŦŊŉĸæđðħıĳŀłøœßþŧŋ\u{ad}";
    let c = match b {
        0xa0..=0xbf => A0.chars().nth(usize::from(b - 0xa0)),
        0xd0..=0xff => D0.chars().nth(usize::from(b - 0xd0)),
        _ => None,
    }?;
    (c != '\0').then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_with_diacritics() {
        assert_eq!(decode(b"Caf\xc2e \xa4 5"), "Café € 5");
        assert_eq!(decode(b"\xc8Uber \xcfcesky\x8anext"), "Über česky\nnext");
        assert_eq!(decode(b"Stra\xfbe"), "Straße");
        assert_eq!(decode(b"dangling \xc2"), "dangling ");
    }

    #[test]
    fn selected_tables() {
        assert_eq!(decode(b"\x05G\xfczel \xdeehir"), "Güzel Şehir"); // ISO-8859-9
        assert_eq!(decode(b"\x10\x00\x02\xe8esk\xe1 \x86emph\x87"), "česká emph"); // ISO-8859-2
        assert_eq!(decode(b"\x10\x00\x01caf\xe9"), "café"); // ISO-8859-1
        assert_eq!(decode("\u{15}Ünïcode \u{e08a}x".as_bytes()), "Ünïcode \nx"); // UTF-8
        assert_eq!(decode(b"\x11\x00A\x00\xe9"), "Aé"); // UCS-2
        assert_eq!(decode(b""), "");
        assert_eq!(decode(b"\x10"), "");
    }

    #[test]
    fn table_positions() {
        assert_eq!(upper_half(0xa4), Some('€'));
        assert_eq!(upper_half(0xbf), Some('¿'));
        assert_eq!(upper_half(0xe1), Some('Æ'));
        assert_eq!(upper_half(0xfb), Some('ß'));
        assert_eq!(upper_half(0xff), Some('\u{ad}'));
        assert_eq!(upper_half(0xa6), None);
        assert_eq!(upper_half(0xe5), None);
    }
}
