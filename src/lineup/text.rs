// SPDX-License-Identifier: GPL-3.0-or-later
//! Playlist text: byte decoding and line splitting.
//!
//! Playlists come in whatever their author's editor wrote, so the decoding is decided in this
//! order:
//! 1. a byte-order mark: UTF-8, UTF-16LE or UTF-16BE (a BOM-less file that starts like
//!    `#\0E\0` is UTF-16 too, as Windows tools write it);
//! 2. valid UTF-8, borrowed as is (the common case costs one validation pass);
//! 3. UTF-8 with a few stray bytes: when the lines that are valid non-ASCII UTF-8 are at least
//!    as many as the invalid ones, only the invalid lines are repaired, each on its own. The rest
//!    of the file keeps its decoding, so channel names (and with them the channel keys that
//!    favourites, the last channel and parental locks hang on) do not change because one line
//!    was damaged;
//! 4. otherwise a legacy encoding, picked by `chardetng` (Firefox's detector, over all of
//!    `encoding_rs`'s legacy encodings: GBK/GB18030, Big5, Shift_JIS, EUC-JP, EUC-KR,
//!    Windows-125x, KOI8, ISO-8859-x, IBM866), and the caller's warning names it.
//!
//! Pure and format-agnostic (it would serve an XMLTV or bouquet reader as well); knows nothing
//! about M3U tags. Linear time, no panics on any byte sequence.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use std::borrow::Cow;

/// How the bytes were turned into text: what the caller tells the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decoding {
    /// UTF-8, with or without a BOM: nothing to say.
    Utf8,
    /// Declared by a byte-order mark (UTF-16LE/BE).
    Bom(&'static Encoding),
    /// UTF-16 recognised by its NUL bytes, without a byte-order mark.
    Utf16WithoutBom(&'static Encoding),
    /// Not UTF-8: the detector's pick for the whole file.
    Detected(&'static Encoding),
    /// UTF-8 with these (1-based) lines repaired, each with how it was read.
    Repaired(Vec<(usize, LineRepair)>),
}

/// How one damaged line of a UTF-8 file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineRepair {
    /// No valid multi-byte UTF-8 on the line: its bytes are Windows-1252 (a Latin-1 name
    /// pasted into a UTF-8 file).
    Windows1252,
    /// UTF-8 with invalid bytes: those alone became U+FFFD.
    Replaced,
}

/// Decodes playlist bytes; see the module documentation for the order of decisions.
pub(crate) fn decode(bytes: &[u8]) -> (Cow<'_, str>, Decoding) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom..).unwrap_or(&[]);
        let (text, _) = encoding.decode_without_bom_handling(body);
        let how = if encoding == UTF_8 {
            Decoding::Utf8
        } else {
            Decoding::Bom(encoding)
        };
        return (text, how);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return (text, Decoding::Utf16WithoutBom(encoding));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(text), Decoding::Utf8);
    }
    let (valid_non_ascii, invalid) = count_lines(bytes);
    if valid_non_ascii > 0 && valid_non_ascii >= invalid {
        let (text, lines) = repair_lines(bytes);
        return (Cow::Owned(text), Decoding::Repaired(lines));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    (text, Decoding::Detected(encoding))
}

/// UTF-16 without a BOM, told by a first line that starts with two ASCII characters each
/// paired with a NUL (`#\0E\0` little-endian, `\0#\0E` big-endian). Text in any 8-bit
/// encoding never starts that way.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let ascii = |b: u8| b.is_ascii_graphic() || b == b' ';
    match *bytes.get(..4)? {
        [a, 0, b, 0] if ascii(a) && ascii(b) => Some(UTF_16LE),
        [0, a, 0, b] if ascii(a) && ascii(b) => Some(UTF_16BE),
        _ => None,
    }
}

/// Raw lines split as [`Lines`] splits text (LF, CRLF or a lone CR), so line numbers agree.
fn raw_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let b = rest?;
        match memchr::memchr2(b'\n', b'\r', b) {
            None => {
                rest = None;
                (!b.is_empty()).then_some(b)
            }
            Some(i) => {
                let skip = if b.get(i..i + 2) == Some(b"\r\n") { 2 } else { 1 };
                rest = b.get(i + skip..).filter(|r| !r.is_empty());
                b.get(..i)
            }
        }
    })
}

/// Lines that are valid UTF-8 with non-ASCII characters, and lines that are not valid UTF-8.
fn count_lines(bytes: &[u8]) -> (usize, usize) {
    let (mut valid_non_ascii, mut invalid) = (0, 0);
    for line in raw_lines(bytes) {
        if line.is_ascii() {
            continue;
        }
        match std::str::from_utf8(line) {
            Ok(_) => valid_non_ascii += 1,
            Err(_) => invalid += 1,
        }
    }
    (valid_non_ascii, invalid)
}

/// The file as UTF-8 with each invalid line repaired on its own; line endings are kept.
fn repair_lines(bytes: &[u8]) -> (String, Vec<(usize, LineRepair)>) {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    let mut repaired = Vec::new();
    let mut number = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        number += 1;
        let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        let (line, after) = rest.split_at(end);
        let eol = if after.starts_with(b"\r\n") {
            2
        } else {
            after.len().min(1)
        };
        let (ending, next) = after.split_at(eol);
        match std::str::from_utf8(line) {
            Ok(s) => text.push_str(s),
            Err(_) => {
                let how = repair_line(line, &mut text);
                repaired.push((number, how));
            }
        }
        // Line endings are ASCII.
        text.extend(ending.iter().map(|&b| char::from(b)));
        rest = next;
    }
    (text, repaired)
}

/// Appends one invalid line to `out`, read as UTF-8 where it has valid multi-byte sequences,
/// else as Windows-1252.
fn repair_line(line: &[u8], out: &mut String) -> LineRepair {
    let has_utf8 = line.utf8_chunks().any(|c| !c.valid().is_ascii());
    if has_utf8 {
        out.push_str(&String::from_utf8_lossy(line));
        LineRepair::Replaced
    } else {
        out.push_str(&WINDOWS_1252.decode_without_bom_handling(line).0);
        LineRepair::Windows1252
    }
}

/// Lines split on LF, CRLF or a lone CR, numbered from 1.
pub(crate) struct Lines<'t> {
    rest: &'t str,
    number: usize,
    done: bool,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            rest: text,
            number: 0,
            done: text.is_empty(),
        }
    }
}

impl<'t> Iterator for Lines<'t> {
    type Item = (usize, &'t str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.number += 1;
        let b = self.rest.as_bytes();
        let Some(i) = memchr::memchr2(b'\n', b'\r', b) else {
            self.done = true;
            return Some((self.number, self.rest));
        };
        let line = self.rest.get(..i).unwrap_or("");
        let skip = if b.get(i) == Some(&b'\r') && b.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        self.rest = self.rest.get(i + skip..).unwrap_or("");
        self.done = self.rest.is_empty();
        Some((self.number, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_lf_crlf_and_cr() {
        let got: Vec<_> = Lines::new("a\r\nb\rc\n\nd").collect();
        assert_eq!(got, [(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]);
        assert_eq!(Lines::new("a\n").count(), 1);
        assert_eq!(Lines::new("").count(), 0);
        let raw: Vec<_> = raw_lines(b"a\r\nb\rc\n\nd").collect();
        assert_eq!(raw, [&b"a"[..], b"b", b"c", b"", b"d"]);
        assert_eq!(raw_lines(b"a\n").count(), 1);
    }

    #[test]
    fn boms_and_plain_utf8() {
        assert_eq!(decode(b"\xEF\xBB\xBFok"), (Cow::Borrowed("ok"), Decoding::Utf8));
        assert_eq!(decode("é".as_bytes()), (Cow::Borrowed("é"), Decoding::Utf8));
        let le = b"\xFF\xFEa\0\xE9\0";
        assert_eq!(decode(le), (Cow::Owned("aé".into()), Decoding::Bom(UTF_16LE)));
        let be = b"\xFE\xFF\0a\0\xE9";
        assert_eq!(decode(be), (Cow::Owned("aé".into()), Decoding::Bom(UTF_16BE)));
        let bare = b"#\0E\0X\0";
        assert_eq!(
            decode(bare),
            (Cow::Owned("#EX".into()), Decoding::Utf16WithoutBom(UTF_16LE))
        );
    }

    #[test]
    fn stray_bytes_are_repaired_on_their_line_only() {
        let (text, how) = decode(b"caf\xC3\xA9\n\xE9t\xE9\r\nna\xC3\xAFve \xFF\n\xC3\xBCber\nend");
        assert_eq!(text, "café\nété\r\nnaïve \u{FFFD}\nüber\nend");
        assert_eq!(
            how,
            Decoding::Repaired(vec![(2, LineRepair::Windows1252), (3, LineRepair::Replaced)])
        );
    }

    #[test]
    fn legacy_files_are_detected() {
        let (text, how) = decode(b"a\nb\n\xE9t\xE9 \xE0 la plage, d\xE9j\xE0 vu");
        assert_eq!(how, Decoding::Detected(WINDOWS_1252));
        assert!(text.starts_with("a\nb\nété à la plage"), "{text}");
    }
}
