// SPDX-License-Identifier: GPL-3.0-or-later
//! WebVTT (W3C) as HLS carries it: one file per segment, cues timed from the file's own zero,
//! which `X-TIMESTAMP-MAP=MPEGTS:<90 kHz>,LOCAL:<time>` in the header ties to the video's PTS
//! (RFC 8216 §3.5). Only what a subtitle line needs is kept: the cue's times and its text,
//! tags (`<i>`, `<c.yellow>`, `<v Speaker>`, timestamps) taken out and the character
//! references decoded. Cue settings (position, line, align) are read past: the viewer's style
//! places text subtitles.
//!
//! The file comes from a stranger's server, so the parse is linear, bounded and repairing:
//! at most [`MAX_BYTES`] are read (the rest is ignored and counted), at most [`MAX_CUES`] cues
//! kept, a cue's text cut at [`MAX_CUE_CHARS`] characters and [`MAX_CUE_LINES`] lines. A cue
//! whose timing line cannot be read, or whose end is not after its start, is dropped alone
//! (counted in [`WebVtt::repaired`]); bytes that are not UTF-8 become U+FFFD in that cue
//! only. A missing `WEBVTT` signature is counted and the cues are read anyway. Nothing panics.

/// Bytes of one file read at most (a segment of a few seconds is a few hundred bytes).
pub const MAX_BYTES: usize = 256 * 1024;
/// Cues kept from one file at most.
pub const MAX_CUES: usize = 500;
/// Characters of one cue's text kept at most.
pub const MAX_CUE_CHARS: usize = 400;
/// Lines of one cue kept at most.
pub const MAX_CUE_LINES: usize = 4;
/// The largest time accepted: 10,000 hours (in ms), far beyond any stream, far below overflow.
const MAX_TIME_MS: u64 = 10_000 * 3_600_000;

/// One cue: from `start_ms` to `end_ms` in the file's time, its lines of plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub lines: Vec<String>,
}

/// The header's `X-TIMESTAMP-MAP`: the file's `local_ms` is the stream's `mpegts` (90 kHz).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampMap {
    pub mpegts: u64,
    pub local_ms: u64,
}

impl TimestampMap {
    /// The stream PTS (90 kHz, 33 bits) of the file's time `ms`.
    pub fn pts(&self, ms: u64) -> u64 {
        let offset = ms as i128 - self.local_ms as i128;
        (self.mpegts as i128 + offset * 90).rem_euclid(1 << 33) as u64
    }
}

/// A parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebVtt {
    pub map: Option<TimestampMap>,
    pub cues: Vec<Cue>,
    /// What was dropped or mended: unreadable cues, cues beyond the cap, cut text, a missing
    /// signature, bytes beyond [`MAX_BYTES`].
    pub repaired: usize,
}

/// Parses `bytes` (see the module's notes on limits and repair).
pub fn parse(bytes: &[u8]) -> WebVtt {
    let mut out = WebVtt::default();
    let bytes = match bytes.get(..MAX_BYTES) {
        Some(head) if bytes.len() > MAX_BYTES => {
            out.repaired += 1;
            head
        }
        _ => bytes,
    };
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut blocks = Blocks { rest: bytes };
    let Some(header) = blocks.next() else {
        return out;
    };
    let first = header.first().map(|l| lossy(l)).unwrap_or_default();
    let signed =
        first.starts_with("WEBVTT") && first[6..].chars().next().is_none_or(|c| c == ' ' || c == '\t');
    if signed {
        out.map = header.iter().skip(1).find_map(|l| timestamp_map(&lossy(l)));
    } else {
        out.repaired += 1;
        // Without the signature the first block may be a cue: read it as one.
        cue_block(&header, &mut out);
    }
    for block in blocks {
        cue_block(&block, &mut out);
    }
    out
}

/// Blank-line separated blocks of lines (LF, CRLF or CR endings).
struct Blocks<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Vec<&'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut lines = Vec::new();
        loop {
            if self.rest.is_empty() {
                return (!lines.is_empty()).then_some(lines);
            }
            let end = self
                .rest
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .unwrap_or(self.rest.len());
            let line = &self.rest[..end];
            let next = match (self.rest.get(end), self.rest.get(end + 1)) {
                (Some(b'\r'), Some(b'\n')) => end + 2,
                (Some(_), _) => end + 1,
                (None, _) => end,
            };
            self.rest = &self.rest[next..];
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                if !lines.is_empty() {
                    return Some(lines);
                }
                continue;
            }
            // A block longer than the cue caps is cut; its lines after that are skipped.
            if lines.len() <= MAX_CUE_LINES + 2 {
                lines.push(line);
            }
        }
    }
}

fn lossy(line: &[u8]) -> String {
    String::from_utf8_lossy(line).replace('\0', "\u{fffd}")
}

/// `X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000` (either order).
fn timestamp_map(line: &str) -> Option<TimestampMap> {
    let value = line.strip_prefix("X-TIMESTAMP-MAP=")?;
    let (mut mpegts, mut local_ms) = (None, None);
    for part in value.split(',') {
        let (key, v) = part.trim().split_once(':')?;
        match key {
            "MPEGTS" => mpegts = v.parse::<u64>().ok().filter(|&t| t < 1 << 33),
            "LOCAL" => local_ms = time(v),
            _ => {}
        }
    }
    Some(TimestampMap {
        mpegts: mpegts?,
        local_ms: local_ms.unwrap_or(0),
    })
}

/// One block: a cue (with or without an identifier line) or a NOTE, STYLE or REGION block.
fn cue_block(block: &[&[u8]], out: &mut WebVtt) {
    let Some(first) = block.first() else { return };
    if [&b"NOTE"[..], b"STYLE", b"REGION"]
        .iter()
        .any(|k| first.starts_with(k) && first.get(k.len()).is_none_or(|c| c.is_ascii_whitespace()))
    {
        return;
    }
    // The timing line is the first or, after an identifier, the second.
    let timing_at = block
        .iter()
        .take(2)
        .position(|l| memchr::memmem::find(l, b"-->").is_some());
    let Some((start_ms, end_ms)) = timing_at.and_then(|i| timing(&lossy(block[i]))) else {
        out.repaired += 1;
        return;
    };
    if end_ms <= start_ms {
        out.repaired += 1;
        return;
    }
    if out.cues.len() >= MAX_CUES {
        out.repaired += 1;
        return;
    }
    let at = timing_at.unwrap_or(0) + 1;
    let mut chars = 0;
    let mut lines = Vec::new();
    let mut cut = block.len() > at + MAX_CUE_LINES;
    for raw in block.iter().skip(at).take(MAX_CUE_LINES) {
        let text = plain_text(&lossy(raw));
        let room = MAX_CUE_CHARS.saturating_sub(chars);
        let kept: String = text.chars().take(room).collect();
        chars += kept.chars().count();
        cut |= kept.len() < text.len();
        if !kept.trim().is_empty() {
            lines.push(kept.trim().to_string());
        }
        if chars >= MAX_CUE_CHARS {
            break;
        }
    }
    if cut {
        out.repaired += 1;
    }
    out.cues.push(Cue {
        start_ms,
        end_ms,
        lines,
    });
}

/// `00:00:01.000 --> 00:00:02.500 line:90% align:center`
fn timing(line: &str) -> Option<(u64, u64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((time(start.trim())?, time(end)?))
}

/// `hh:mm:ss.ttt` (hours of two digits or more) or `mm:ss.ttt`, in ms.
fn time(text: &str) -> Option<u64> {
    let (clock, millis) = text.split_once('.')?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let field = |s: &str, max: Option<u64>| -> Option<u64> {
        let ok = !s.is_empty() && s.len() <= 7 && s.bytes().all(|b| b.is_ascii_digit());
        let v: u64 = ok.then(|| s.parse().ok())??;
        max.is_none_or(|m| v <= m && s.len() == 2).then_some(v)
    };
    let (h, m, s) = match parts.as_slice() {
        [m, s] => (0, field(m, Some(59))?, field(s, Some(59))?),
        [h, m, s] => (field(h, None)?, field(m, Some(59))?, field(s, Some(59))?),
        _ => return None,
    };
    let ms = ((h * 60 + m) * 60 + s) * 1000 + millis.parse::<u64>().ok()?;
    (ms <= MAX_TIME_MS).then_some(ms)
}

/// A cue line without its tags, character references decoded.
fn plain_text(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            // A tag runs to its '>' (an unclosed one to the end of the line).
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            continue;
        }
        let entity = rest.find(';').filter(|&e| e <= 8).map(|e| (&rest[1..e], e));
        let decoded = entity.and_then(|(name, e)| {
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "nbsp" => '\u{a0}',
                "quot" => '"',
                "apos" => '\'',
                "lrm" => '\u{200e}',
                "rlm" => '\u{200f}',
                _ => numeric(name)?,
            };
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `#65` or `#x41`, not a control character.
fn numeric(name: &str) -> Option<char> {
    let digits = name.strip_prefix('#')?;
    let value = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    char::from_u32(value).filter(|c| !c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(start_ms: u64, end_ms: u64, lines: &[&str]) -> Cue {
        Cue {
            start_ms,
            end_ms,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        }
    }

    #[test]
    fn an_hls_segment_with_its_timestamp_map() {
        let vtt = parse(
            b"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n1\n00:00:00.500 --> 00:00:01.800 line:90%\n<v Anna>Hello <i>there</i></v>\nsecond &amp; last\n\n00:01.900 --> 00:02.000\nshort form\n",
        );
        assert_eq!(
            vtt.map,
            Some(TimestampMap {
                mpegts: 900_000,
                local_ms: 0
            })
        );
        assert_eq!(
            vtt.cues,
            [
                cue(500, 1800, &["Hello there", "second & last"]),
                cue(1900, 2000, &["short form"])
            ]
        );
        assert_eq!(vtt.repaired, 0);
        let map = vtt.map.unwrap();
        assert_eq!(map.pts(500), 900_000 + 45_000);
    }

    /// Table: each file, the cues that come out of it and how many repairs were counted.
    #[test]
    fn repairs_per_cue() {
        let table: Vec<(&[u8], Vec<Cue>, usize)> = vec![
            // CRLF endings, a NOTE and a STYLE block, a BOM.
            (
                b"\xef\xbb\xbfWEBVTT - title\r\n\r\nNOTE hi\r\n\r\nSTYLE\r\n::cue {}\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nA\r\n",
                vec![cue(1000, 2000, &["A"])],
                0,
            ),
            // A broken timing line drops that cue only; the end before the start too.
            (
                b"WEBVTT\n\n00:00:xx.000 --> 00:00:02.000\nbad\n\n00:00:05.000 --> 00:00:04.000\nbackwards\n\n00:00:03.000 --> 00:00:04.000\ngood\n",
                vec![cue(3000, 4000, &["good"])],
                2,
            ),
            // No signature: counted, the cues read anyway.
            (
                b"00:00:01.000 --> 00:00:02.000\nno header\n",
                vec![cue(1000, 2000, &["no header"])],
                1,
            ),
            // Not UTF-8: that cue's bad byte becomes U+FFFD; a NUL too.
            (
                b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nca\xff v\0a\n",
                vec![cue(1000, 2000, &["ca\u{fffd} v\u{fffd}a"])],
                0,
            ),
            // Minutes over 59 and a short fraction are refused.
            (
                b"WEBVTT\n\n00:61:00.000 --> 01:00:00.000\nx\n\n00:00:01.5 --> 00:00:02.000\ny\n",
                vec![],
                2,
            ),
            // Known, numeric and unknown character references, an unclosed tag.
            (
                b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n&#65;&#x42;&lt;&bogus; <b\n",
                vec![cue(1000, 2000, &["AB<&bogus;"])],
                0,
            ),
            // CR-only line endings.
            (
                b"WEBVTT\r\r00:00:01.000 --> 00:00:02.000\rold Mac\r",
                vec![cue(1000, 2000, &["old Mac"])],
                0,
            ),
        ];
        for (i, (input, cues, repaired)) in table.into_iter().enumerate() {
            let vtt = parse(input);
            assert_eq!(vtt.cues, cues, "file {i}");
            assert_eq!(vtt.repaired, repaired, "file {i}");
        }
    }

    #[test]
    fn caps_on_bytes_cues_and_cue_length() {
        let mut file = b"WEBVTT\n\n".to_vec();
        for i in 0..(MAX_CUES + 10) as u64 {
            file.extend(
                format!(
                    "00:{:02}:{:02}.000 --> 00:{:02}:{:02}.500\nc{i}\n\n",
                    i / 60 % 60,
                    i % 60,
                    i / 60 % 60,
                    i % 60
                )
                .as_bytes(),
            );
        }
        let vtt = parse(&file);
        assert_eq!(vtt.cues.len(), MAX_CUES);
        assert_eq!(vtt.repaired, 10);
        let long = format!(
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{}\n{}\n",
            "x".repeat(300),
            "y".repeat(300)
        );
        let vtt = parse(long.as_bytes());
        let chars: usize = vtt.cues[0].lines.iter().map(|l| l.chars().count()).sum();
        assert_eq!(chars, MAX_CUE_CHARS);
        assert_eq!(vtt.repaired, 1);
        let many_lines = format!("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{}", "l\n".repeat(20));
        let vtt = parse(many_lines.as_bytes());
        assert_eq!(vtt.cues[0].lines.len(), MAX_CUE_LINES);
        assert_eq!(vtt.repaired, 1);
        let huge = [
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n\n".as_slice(),
            &vec![b'z'; MAX_BYTES],
        ]
        .concat();
        let vtt = parse(&huge);
        assert_eq!(vtt.cues.len(), 1);
        assert_eq!(vtt.repaired, 2, "the cut file and the blob's block");
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"WEBVTT\n\r :.-->0123456789<>&;#xX-TIMESTAMP-MAP=MPEGTS,LOCAL\xff\0";
        for _ in 0..2_000 {
            let len = (seed % 300) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            let vtt = parse(&bytes);
            assert!(vtt.cues.len() <= MAX_CUES);
        }
    }

    #[test]
    fn timestamp_maps_either_order_and_wrap() {
        let vtt = parse(b"WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:00:10.000,MPEGTS:8589930000\n");
        let map = vtt.map.expect("map");
        assert_eq!(map.local_ms, 10_000);
        assert_eq!(map.pts(11_000), (8_589_930_000 + 90_000) % (1 << 33));
        assert_eq!(map.pts(0), 8_589_930_000 - 900_000);
        assert_eq!(parse(b"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:99999999999\n").map, None);
    }
}
