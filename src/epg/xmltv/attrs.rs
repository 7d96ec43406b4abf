// SPDX-License-Identifier: GPL-3.0-or-later
//! A lean attribute scanner for the few attributes the guide reads (`start`, `stop`, `channel`,
//! `system`, `src`…): `memchr` to the `=` and the closing quote instead of quick-xml's
//! character-by-character state machine, which showed up in ingest profiles.
//!
//! Pure and total: malformed attributes (no quotes, no closing quote) are reported as such and
//! scanning stops or resumes at the next space; it never reads outside the tag.

/// One attribute: local name (after any `prefix:`) and raw value (references unresolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attr<'a> {
    Pair(&'a [u8], &'a [u8]),
    /// Something that is not `name="value"`; the rest of the tag is skipped.
    Malformed,
}

/// The attributes in `raw` (the bytes after the element name), in order.
pub(super) fn attributes(raw: &[u8]) -> impl Iterator<Item = Attr<'_>> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        rest = rest.trim_ascii_start();
        if rest.is_empty() || rest == b"/" {
            return None;
        }
        let parsed = pair(rest);
        rest = parsed.map_or(&[][..], |(_, tail)| tail);
        Some(parsed.map_or(Attr::Malformed, |(attr, _)| attr))
    })
}

/// `name="value"` at the start of `text`, and what follows it.
fn pair(text: &[u8]) -> Option<(Attr<'_>, &[u8])> {
    let eq = memchr::memchr(b'=', text)?;
    let name = text[..eq].trim_ascii();
    if name.is_empty() || name.iter().any(u8::is_ascii_whitespace) {
        return None;
    }
    let value = text[eq + 1..].trim_ascii_start();
    let (&quote, body) = value.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let close = memchr::memchr(quote, body)?;
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    Some((Attr::Pair(local, &body[..close]), &body[close + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(raw: &str) -> Vec<Attr<'_>> {
        attributes(raw.as_bytes()).collect()
    }

    #[test]
    fn pairs_and_malformed() {
        assert_eq!(
            all(r#" start="2026" stop = '1' xml:lang="en" /"#),
            vec![
                Attr::Pair(b"start", b"2026"),
                Attr::Pair(b"stop", b"1"),
                Attr::Pair(b"lang", b"en")
            ]
        );
        assert_eq!(
            all(r#" a="x" b=y c="z""#),
            vec![Attr::Pair(b"a", b"x"), Attr::Malformed]
        );
        assert_eq!(all(r#" a="unterminated"#), vec![Attr::Malformed]);
        assert_eq!(all(" "), vec![]);
        assert_eq!(all(r#" ="v""#), vec![Attr::Malformed]);
    }
}
