// SPDX-License-Identifier: GPL-3.0-or-later
//! Playlist text: byte decoding (BOM, UTF-8, Windows-1252 fallback) and line splitting.
//!
//! Pure and format-agnostic (it would serve an XMLTV or bouquet reader as well); knows nothing
//! about M3U tags. Linear time, no panics on any byte sequence.

use std::borrow::Cow;

/// Decodes playlist bytes: a UTF-8 BOM is dropped; valid UTF-8 is borrowed as is; anything else
/// is decoded as Windows-1252 (a superset of Latin-1, what old set-top-box lists use), and the
/// 1-based line of the first invalid byte is returned so the caller can say so.
pub(crate) fn decode(bytes: &[u8]) -> (Cow<'_, str>, Option<usize>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), None),
        Err(e) => {
            let before = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
            let line = memchr::memchr_iter(b'\n', before).count() + 1;
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, Some(line))
        }
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
    }

    #[test]
    fn decoding() {
        assert_eq!(decode(b"\xEF\xBB\xBFok"), (Cow::Borrowed("ok"), None));
        assert_eq!(
            decode(b"a\nb\n\xE9t\xE9"),
            (Cow::Owned("a\nb\n\u{e9}t\u{e9}".to_owned()), Some(3))
        );
    }
}
