// SPDX-License-Identifier: GPL-3.0-or-later
//! Text of guide data: XML references (`&amp;`, `&#233;`), invalid UTF-8, control characters.
//! (The folded form used to compare names and search titles is the model's: `crate::guide::fold`.)
//!
//! Pure. Only the five predefined XML entities and character references are ever resolved:
//! an entity declared in a DOCTYPE is never expanded (no billion laughs, no external fetch), it
//! stays as literal text and the caller warns.

/// What was wrong with a piece of text (it is still used, repaired).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TextIssues {
    /// Bytes that are not UTF-8 were replaced by U+FFFD.
    pub invalid_utf8: bool,
    /// C0 control characters (other than tab and line breaks) were removed.
    pub control_chars: bool,
}

impl TextIssues {
    /// Adds another piece's issues.
    pub fn merge(&mut self, other: TextIssues) {
        self.invalid_utf8 |= other.invalid_utf8;
        self.control_chars |= other.control_chars;
    }

    /// True when nothing had to be repaired.
    pub fn is_clean(&self) -> bool {
        !self.invalid_utf8 && !self.control_chars
    }
}

/// Appends raw text bytes (no references in them) to `out`, repairing as needed.
pub fn push_text(raw: &[u8], out: &mut String) -> TextIssues {
    match std::str::from_utf8(raw) {
        Ok(text) => push_checked(text, out),
        Err(_) => {
            let mut issues = push_checked(&String::from_utf8_lossy(raw), out);
            issues.invalid_utf8 = true;
            issues
        }
    }
}

/// Appends text, dropping forbidden control characters.
pub fn push_checked(text: &str, out: &mut String) -> TextIssues {
    let mut issues = TextIssues::default();
    if has_forbidden_control(text.as_bytes()) {
        issues.control_chars = true;
        out.extend(
            text.chars()
                .filter(|c| !u8::try_from(*c).is_ok_and(is_forbidden_control)),
        );
    } else {
        out.push_str(text);
    }
    issues
}

/// Whether `bytes` hold a forbidden control character. The first pass has no early exit per
/// byte so it vectorises (this runs over every byte of a guide); hits are then checked exactly.
fn has_forbidden_control(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .any(|c| c.iter().fold(false, |low, &b| low | (b < 0x20)))
        && bytes.iter().any(|&b| is_forbidden_control(b))
}

/// C0 controls that XML 1.0 forbids; tab, LF and CR are allowed.
fn is_forbidden_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

/// The character a reference stands for: `amp`, `lt`, `gt`, `quot`, `apos`, `#233`, `#xE9`.
/// `None` for anything else (a custom entity, or a code point XML does not allow).
pub fn resolve_reference(name: &[u8]) -> Option<char> {
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        [b'#', b'x' | b'X', hex @ ..] => char_from(std::str::from_utf8(hex).ok()?, 16),
        [b'#', dec @ ..] => char_from(std::str::from_utf8(dec).ok()?, 10),
        _ => None,
    }
}

fn char_from(digits: &str, radix: u32) -> Option<char> {
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(digits, radix).ok()?)?;
    let allowed = !matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\u{fffe}' | '\u{ffff}');
    allowed.then_some(c)
}

/// Appends an attribute value, resolving references. Unknown references stay as written and
/// are returned (for a warning); a lone `&` stays a `&`.
pub fn push_unescaped(raw: &[u8], out: &mut String, unknown: &mut Vec<String>) -> TextIssues {
    match std::str::from_utf8(raw) {
        Ok(text) => push_unescaped_str(text, out, unknown),
        Err(_) => {
            let mut issues = push_unescaped_str(&String::from_utf8_lossy(raw), out, unknown);
            issues.invalid_utf8 = true;
            issues
        }
    }
}

/// [`push_unescaped`] for text already known to be UTF-8.
pub fn push_unescaped_str(text: &str, out: &mut String, unknown: &mut Vec<String>) -> TextIssues {
    let mut issues = TextIssues::default();
    let mut rest = text;
    while let Some(amp) = memchr::memchr(b'&', rest.as_bytes()) {
        let (before, tail) = rest.split_at(amp);
        issues.merge(push_checked(before, out));
        // A reference is `&name;` with a short name of name characters; anything else is a
        // lone `&` that a sloppy generator did not escape. Both ends are ASCII, so the
        // slices below fall on character boundaries.
        let end = tail
            .bytes()
            .take(34)
            .skip(1)
            .position(|b| b == b';' || !is_name_byte(b))
            .map(|i| i + 1)
            .filter(|&i| tail.as_bytes()[i] == b';' && i > 1);
        let Some(end) = end else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        match resolve_reference(&tail.as_bytes()[1..end]) {
            Some(c) => out.push(c),
            None => {
                out.push_str(&tail[..=end]);
                // Only the first is reported; storing each would cost memory per occurrence.
                if unknown.is_empty() {
                    unknown.push(tail[..=end].to_owned());
                }
            }
        }
        rest = &tail[end + 1..];
    }
    issues.merge(push_checked(rest, out));
    issues
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'#' | b'_' | b'-' | b'.' | b':') || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let mut out = String::new();
        let mut unknown = Vec::new();
        push_unescaped(b"a &amp; b &#233;&#xE9; &lol; & c &#0;", &mut out, &mut unknown);
        assert_eq!(out, "a & b éé &lol; & c &#0;");
        assert_eq!(unknown, vec!["&lol;".to_owned()], "only the first is kept");
    }

    #[test]
    fn repairs_bytes_and_controls() {
        let mut out = String::new();
        let issues = push_text(b"ok\x01\xff\tend", &mut out);
        assert_eq!(out, "ok\u{fffd}\tend");
        assert!(issues.invalid_utf8 && issues.control_chars);
    }
}
