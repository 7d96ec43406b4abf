// SPDX-License-Identifier: GPL-3.0-or-later
//! Attribute lists of `#EXTINF` and `#EXTM3U` lines: `-1 key="value" key=value ...,Name`.
//!
//! Pure string splitting, no knowledge of what the keys mean (that is `entry.rs`'s job) and no
//! I/O. Only ASCII delimiters are searched, so every split lands on a UTF-8 boundary.

/// The pieces of one attribute line.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct AttrLine<'a> {
    /// `(key, value)` in line order; keys keep their case (compare case-insensitively).
    pub attrs: Vec<(&'a str, &'a str)>,
    /// Text after the comma that ends the attribute list; `None` when there is no such comma.
    pub name: Option<&'a str>,
    /// A quoted value had no closing quote (the line is probably truncated or hand-edited).
    pub unterminated_quote: bool,
}

/// Longest key worth looking at; longer ones cannot be known keys or schemes.
const MAX_KEY_LEN: usize = 32;

/// A key lower-cased (ASCII) into a fixed buffer: this runs for every attribute of every
/// entry, so it must not allocate.
pub(crate) struct LowerKey {
    buf: [u8; MAX_KEY_LEN],
    len: usize,
}

impl LowerKey {
    /// `None` when `key` is longer than any key we know.
    pub(crate) fn new(key: &str) -> Option<Self> {
        let mut buf = [0u8; MAX_KEY_LEN];
        buf.get_mut(..key.len())?.copy_from_slice(key.as_bytes());
        buf.make_ascii_lowercase();
        Some(Self { buf, len: key.len() })
    }

    /// The lower-cased key (ASCII lower-casing keeps UTF-8 valid).
    pub(crate) fn as_str(&self) -> &str {
        self.buf.get(..self.len).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }
}

/// `s` ends with `suffix`, ignoring ASCII case.
pub(crate) fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    let (s, suffix) = (s.as_bytes(), suffix.as_bytes());
    s.len() >= suffix.len() && s.get(s.len() - suffix.len()..).is_some_and(|t| t.eq_ignore_ascii_case(suffix))
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn sub(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to).unwrap_or("")
}

/// Splits `text` (everything after `#EXTINF:` or `#EXTM3U`) into attributes and, when
/// `with_name`, the display name after the first comma outside quotes.
///
/// Bare tokens without `=` (the duration `-1`, stray words) are skipped. Unquoted values end
/// at whitespace or a comma; quoted values (`"` or `'`) may contain both.
pub(crate) fn parse(text: &str, with_name: bool) -> AttrLine<'_> {
    let b = text.as_bytes();
    let mut out = AttrLine::default();
    let mut i = 0;
    while i < b.len() {
        while b.get(i).copied().is_some_and(is_space) {
            i += 1;
        }
        let Some(&c) = b.get(i) else { break };
        if c == b',' {
            if with_name {
                out.name = Some(sub(text, i + 1, b.len()).trim());
                break;
            }
            i += 1;
            continue;
        }
        let key_start = i;
        while b.get(i).is_some_and(|&c| c != b'=' && c != b',' && !is_space(c)) {
            i += 1;
        }
        let key = sub(text, key_start, i);
        if b.get(i) != Some(&b'=') {
            continue; // bare token such as the duration
        }
        i += 1;
        let (value, next) = value_at(text, i, with_name, &mut out);
        i = next;
        if !key.is_empty() {
            out.attrs.push((key, value));
        }
    }
    out
}

/// Reads the value starting at byte `i`; returns it and the index just after it.
fn value_at<'a>(text: &'a str, i: usize, with_name: bool, out: &mut AttrLine<'a>) -> (&'a str, usize) {
    let b = text.as_bytes();
    match b.get(i) {
        Some(&q) if q == b'"' || q == b'\'' => {
            let start = i + 1;
            let rest = b.get(start..).unwrap_or(&[]);
            match memchr::memchr(q, rest) {
                Some(p) => (sub(text, start, start + p), start + p + 1),
                None => {
                    // Recover: the value runs to the last comma (which then starts the name).
                    out.unterminated_quote = true;
                    let end = if with_name {
                        memchr::memrchr(b',', rest).map_or(b.len(), |p| start + p)
                    } else {
                        b.len()
                    };
                    (sub(text, start, end), end)
                }
            }
        }
        _ => {
            let mut j = i;
            while b.get(j).is_some_and(|&c| c != b',' && !is_space(c)) {
                j += 1;
            }
            (sub(text, i, j), j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_unquoted_and_name_with_commas() {
        let a = parse(
            r#"-1 tvg-id="a.b" tvg-name="X, Y" radio=true,News, Weather & More"#,
            true,
        );
        assert_eq!(
            a.attrs,
            vec![("tvg-id", "a.b"), ("tvg-name", "X, Y"), ("radio", "true")]
        );
        assert_eq!(a.name, Some("News, Weather & More"));
        assert!(!a.unterminated_quote);
    }

    #[test]
    fn plain_duration_and_name() {
        let a = parse("-1,Channel One", true);
        assert!(a.attrs.is_empty());
        assert_eq!(a.name, Some("Channel One"));
        assert_eq!(parse("0", true).name, None);
    }

    #[test]
    fn unterminated_quote_recovers_at_last_comma() {
        let a = parse(r#"-1 group-title="x" tvg-id="abc, def,Name"#, true);
        assert!(a.unterminated_quote);
        assert_eq!(a.attrs, vec![("group-title", "x"), ("tvg-id", "abc, def")]);
        assert_eq!(a.name, Some("Name"));
    }

    #[test]
    fn header_without_name_ignores_commas() {
        let a = parse(
            r#" url-tvg="http://a/x.xml,http://b/y.xml" tvg-shift=-1.5"#,
            false,
        );
        assert_eq!(
            a.attrs,
            vec![
                ("url-tvg", "http://a/x.xml,http://b/y.xml"),
                ("tvg-shift", "-1.5")
            ]
        );
    }

    #[test]
    fn lower_key_and_suffix() {
        assert_eq!(LowerKey::new("tvg-ID").map(|k| k.as_str().to_owned()), Some("tvg-id".to_owned()));
        assert_eq!(LowerKey::new("Ünï").map(|k| k.as_str().to_owned()), Some("Ünï".to_owned()));
        assert!(LowerKey::new(&"k".repeat(MAX_KEY_LEN + 1)).is_none());
        assert!(ends_with_ignore_case("/a/B.M3U8", ".m3u8"));
        assert!(!ends_with_ignore_case("8", ".m3u8"));
    }

    #[test]
    fn junk_does_not_panic() {
        for s in ["=", "==,", "\"", "a=\"", "a='x", "é=ü,ö", ",", "a=b=c d"] {
            let _ = parse(s, true);
            let _ = parse(s, false);
        }
    }
}
