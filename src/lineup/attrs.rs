// SPDX-License-Identifier: GPL-3.0-or-later
//! Attribute lists of `#EXTINF` and `#EXTM3U` lines: `-1 key="value" key=value ...,Name`.
//!
//! Pure string splitting, no knowledge of what the keys mean (that is `entry.rs`'s job) and no
//! I/O. Only ASCII delimiters are searched, so every split lands on a UTF-8 boundary.

/// The attributes of one line as an iterator of `(key, value)` in line order (keys keep their
/// case; compare case-insensitively). An iterator rather than a vector because it runs for
/// every entry of 100k-entry playlists. Once it is exhausted, [`Attrs::name`] and
/// [`Attrs::unterminated_quote`] are known.
#[derive(Debug)]
pub(crate) struct Attrs<'a> {
    text: &'a str,
    pos: usize,
    with_name: bool,
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

    /// The lower-cased key as bytes (match on `b"tvg-id"` etc.: no UTF-8 check needed).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// The lower-cased key (ASCII lower-casing keeps UTF-8 valid).
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

/// `s` ends with `suffix`, ignoring ASCII case.
pub(crate) fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    let (s, suffix) = (s.as_bytes(), suffix.as_bytes());
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
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
pub(crate) fn parse(text: &str, with_name: bool) -> Attrs<'_> {
    Attrs {
        text,
        pos: 0,
        with_name,
        name: None,
        unterminated_quote: false,
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let (text, b) = (self.text, self.text.as_bytes());
        loop {
            while b.get(self.pos).copied().is_some_and(is_space) {
                self.pos += 1;
            }
            let c = *b.get(self.pos)?;
            if c == b',' {
                self.pos += 1;
                if self.with_name {
                    self.name = Some(sub(text, self.pos, b.len()).trim());
                    self.pos = b.len();
                    return None;
                }
                continue;
            }
            let key_start = self.pos;
            while b
                .get(self.pos)
                .is_some_and(|&c| c != b'=' && c != b',' && !is_space(c))
            {
                self.pos += 1;
            }
            let key = sub(text, key_start, self.pos);
            if b.get(self.pos) != Some(&b'=') {
                continue; // bare token such as the duration
            }
            let value = self.value_at(self.pos + 1);
            if !key.is_empty() {
                return Some((key, value));
            }
        }
    }
}

impl<'a> Attrs<'a> {
    /// Reads the value starting at byte `i` and moves past it.
    fn value_at(&mut self, i: usize) -> &'a str {
        let (text, b) = (self.text, self.text.as_bytes());
        let (value, next) = match b.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let start = i + 1;
                let rest = b.get(start..).unwrap_or(&[]);
                match memchr::memchr(q, rest) {
                    Some(p) => match swallowed_key(sub(text, start, start + p), b.get(start + p + 1)) {
                        // `a="x b="y"`: the value lost its closing quote and swallowed the next
                        // key; end the value before that key and read the key again.
                        Some(cut) => {
                            self.unterminated_quote = true;
                            let value = sub(text, start, start + cut).trim_end();
                            self.pos = start + cut;
                            return value;
                        }
                        None => (sub(text, start, start + p), start + p + 1),
                    },
                    None => {
                        // Recover: the value runs to the last comma (which then starts the name).
                        self.unterminated_quote = true;
                        let end = match memchr::memrchr(b',', rest) {
                            Some(p) if self.with_name => start + p,
                            _ => b.len(),
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
        };
        self.pos = next;
        value
    }
}

/// Where a quoted `value` that is directly followed by `after` (not a space, comma or the end)
/// ends in a whitespace-separated `key=`: the offset of that key, else `None`. Kodi finds
/// attributes by name anywhere in the line, so playlists (its own README among them) get away
/// with `x-tvg-url="http://g/guide.xml catchup-correction="-2.5"`.
fn swallowed_key(value: &str, after: Option<&u8>) -> Option<usize> {
    if after.is_none_or(|&c| is_space(c) || c == b',') {
        return None;
    }
    let key = value.strip_suffix('=')?;
    let at = key.rfind([' ', '\t'])? + 1;
    let name = key.get(at..)?;
    let ok = name.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    ok.then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attributes, name and quote flag of a whole line.
    fn split(text: &str, with_name: bool) -> (Vec<(&str, &str)>, Option<&str>, bool) {
        let mut a = parse(text, with_name);
        let attrs: Vec<_> = a.by_ref().collect();
        (attrs, a.name, a.unterminated_quote)
    }

    #[test]
    fn quoted_unquoted_and_name_with_commas() {
        let (attrs, name, open) = split(
            r#"-1 tvg-id="a.b" tvg-name="X, Y" radio=true,News, Weather & More"#,
            true,
        );
        assert_eq!(
            attrs,
            [("tvg-id", "a.b"), ("tvg-name", "X, Y"), ("radio", "true")]
        );
        assert_eq!(name, Some("News, Weather & More"));
        assert!(!open);
    }

    #[test]
    fn plain_duration_and_name() {
        assert_eq!(
            split("-1,Channel One", true),
            (vec![], Some("Channel One"), false)
        );
        assert_eq!(split("0", true).1, None);
    }

    #[test]
    fn unterminated_quote_recovers_at_last_comma() {
        let (attrs, name, open) = split(r#"-1 group-title="x" tvg-id="abc, def,Name"#, true);
        assert!(open);
        assert_eq!(attrs, [("group-title", "x"), ("tvg-id", "abc, def")]);
        assert_eq!(name, Some("Name"));
    }

    #[test]
    fn a_value_that_swallowed_the_next_key_is_split() {
        // The #EXTM3U line of Kodi's IPTV Simple README, closing quote missing after guide.xml.
        let (attrs, _, open) = split(
            r#" tvg-shift="-4.5" x-tvg-url="http://path-to-xmltv/guide.xml catchup-correction="-2.5""#,
            false,
        );
        assert!(open);
        assert_eq!(
            attrs,
            [
                ("tvg-shift", "-4.5"),
                ("x-tvg-url", "http://path-to-xmltv/guide.xml"),
                ("catchup-correction", "-2.5")
            ]
        );
        // A value that merely ends in '=' before a space is left alone.
        let (attrs, _, open) = split(r#"-1 a="q x=" b="2",N"#, true);
        assert_eq!((attrs, open), (vec![("a", "q x="), ("b", "2")], false));
    }

    #[test]
    fn header_without_name_ignores_commas() {
        let (attrs, ..) = split(
            r#" url-tvg="http://a/x.xml,http://b/y.xml" tvg-shift=-1.5"#,
            false,
        );
        assert_eq!(
            attrs,
            [
                ("url-tvg", "http://a/x.xml,http://b/y.xml"),
                ("tvg-shift", "-1.5")
            ]
        );
    }

    #[test]
    fn lower_key_and_suffix() {
        assert_eq!(
            LowerKey::new("tvg-ID").map(|k| k.as_str().to_owned()),
            Some("tvg-id".to_owned())
        );
        assert_eq!(
            LowerKey::new("Ünï").map(|k| k.as_str().to_owned()),
            Some("Ünï".to_owned())
        );
        assert!(LowerKey::new(&"k".repeat(MAX_KEY_LEN + 1)).is_none());
        assert!(ends_with_ignore_case("/a/B.M3U8", ".m3u8"));
        assert!(!ends_with_ignore_case("8", ".m3u8"));
    }

    #[test]
    fn junk_does_not_panic() {
        for s in ["=", "==,", "\"", "a=\"", "a='x", "é=ü,ö", ",", "a=b=c d"] {
            let _ = split(s, true);
            let _ = split(s, false);
        }
    }
}
