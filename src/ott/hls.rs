// SPDX-License-Identifier: GPL-3.0-or-later
//! The parts of HLS playlists (RFC 8216) the app reads itself: the subtitle renditions a master
//! playlist offers (`#EXT-X-MEDIA:TYPE=SUBTITLES`), and the segments of a rendition's media
//! playlist. GStreamer's `hlsdemux2` plays the picture and the sound; the subtitles are fetched
//! by the app only while the viewer shows them (see `player::hls_subtitles`).
//!
//! Playlists come from strangers: at most [`MAX_PLAYLIST_BYTES`] are read, [`MAX_RENDITIONS`]
//! renditions and [`MAX_SEGMENTS`] segments kept, and every URI a playlist names must resolve
//! to `http(s)://` (relative ones against the playlist's own address); anything else (a local
//! path, `file:`, `data:`) is dropped. A line that cannot be read is skipped alone.

/// Bytes of a playlist read at most.
pub const MAX_PLAYLIST_BYTES: usize = 1 << 20;
/// Subtitle renditions kept from a master playlist at most.
pub const MAX_RENDITIONS: usize = 32;
/// Segments kept from a media playlist at most (the newest).
pub const MAX_SEGMENTS: usize = 2_000;
/// Longest attribute value or URI kept.
const MAX_VALUE: usize = 2_048;

/// One subtitle rendition of a master playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleRendition {
    pub group: String,
    pub name: String,
    /// `LANGUAGE` (RFC 5646, e.g. `en`, `pt-BR`).
    pub language: Option<String>,
    /// Its media playlist, absolute.
    pub uri: String,
    /// `CHARACTERISTICS` names transcribing dialogue or describing sound (SDH).
    pub hard_of_hearing: bool,
    pub default: bool,
}

/// A media playlist: its segments with their media sequence numbers, newest last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaPlaylist {
    pub target_duration_s: u64,
    pub segments: Vec<(u64, String)>,
    /// `#EXT-X-ENDLIST`: nothing more will be added.
    pub ended: bool,
}

fn head(text: &str) -> &str {
    if text.len() <= MAX_PLAYLIST_BYTES {
        return text;
    }
    let mut end = MAX_PLAYLIST_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The subtitle renditions of `master`, fetched from `base`.
pub fn subtitle_renditions(master: &str, base: &str) -> Vec<SubtitleRendition> {
    let mut out = Vec::new();
    for line in head(master).lines() {
        let Some(attrs) = line.trim().strip_prefix("#EXT-X-MEDIA:") else {
            continue;
        };
        let attrs = attributes(attrs);
        let get = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        if get("TYPE").as_deref() != Some("SUBTITLES") {
            continue;
        }
        let Some(uri) = get("URI").and_then(|u| resolve(base, &u)) else {
            continue;
        };
        let characteristics = get("CHARACTERISTICS").unwrap_or_default();
        out.push(SubtitleRendition {
            group: get("GROUP-ID").unwrap_or_default(),
            name: get("NAME").unwrap_or_default(),
            language: get("LANGUAGE").filter(|l| !l.is_empty() && l.len() <= 35),
            uri,
            hard_of_hearing: characteristics.contains("public.accessibility.transcribes-spoken-dialog")
                || characteristics.contains("public.accessibility.describes-music-and-sound"),
            default: get("DEFAULT").as_deref() == Some("YES"),
        });
        if out.len() == MAX_RENDITIONS {
            break;
        }
    }
    out
}

/// `master` without its subtitle renditions (for a demuxer that would fetch every rendition
/// it is told of). Other lines are kept byte for byte.
pub fn without_subtitle_renditions(master: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(master.len());
    for line in master.split_inclusive(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let subtitles = text
            .trim_start()
            .strip_prefix("#EXT-X-MEDIA:")
            .is_some_and(|attrs| {
                attributes(attrs.trim_end())
                    .iter()
                    .any(|(k, v)| k == "TYPE" && v == "SUBTITLES")
            });
        if !subtitles {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Whether `text` is a master playlist (it names variant streams).
pub fn is_master(text: &str) -> bool {
    head(text)
        .lines()
        .any(|l| l.trim_start().starts_with("#EXT-X-STREAM-INF"))
}

/// The segments of the media playlist `text`, fetched from `base`.
pub fn media_playlist(text: &str, base: &str) -> MediaPlaylist {
    let mut out = MediaPlaylist::default();
    // The newest MAX_SEGMENTS as they are read: a playlist of short lines resolved against a
    // long base would otherwise hold its every segment's address at once.
    let mut segments = std::collections::VecDeque::with_capacity(64);
    let mut sequence = 0u64;
    let mut in_segment = false;
    for line in head(text).lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
            sequence = v.trim().parse().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            out.target_duration_s = v.trim().parse().unwrap_or(0);
        } else if line.starts_with("#EXT-X-ENDLIST") {
            out.ended = true;
        } else if line.starts_with("#EXTINF:") {
            in_segment = true;
        } else if !line.is_empty() && !line.starts_with('#') && in_segment {
            in_segment = false;
            if let Some(url) = resolve(base, line) {
                if segments.len() == MAX_SEGMENTS {
                    segments.pop_front();
                }
                segments.push_back((sequence, url));
            }
            sequence = sequence.saturating_add(1);
        }
    }
    out.segments = segments.into();
    out
}

/// `KEY=value,KEY="quoted, value"` pairs.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && out.len() < 32 {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let (value, after) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.split_once('"') {
                Some((v, after)) => (v, after.split_once(',').map_or("", |(_, a)| a)),
                // An unterminated quote: the rest of the line is not trusted.
                None => break,
            },
            None => after.split_once(',').unwrap_or((after, "")),
        };
        if value.len() <= MAX_VALUE {
            out.push((key.trim().to_string(), value.to_string()));
        }
        rest = after;
    }
    out
}

/// `reference` resolved against `base` (RFC 3986 for the forms playlists use); `None` unless
/// the result is `http(s)://`.
pub fn resolve(base: &str, reference: &str) -> Option<String> {
    let reference = reference.trim();
    if reference.is_empty() || reference.len() > MAX_VALUE || reference.chars().any(char::is_control) {
        return None;
    }
    let http = |s: &str| crate::lineup::is_http_url(s).then(|| s.to_string());
    if reference.contains("://") {
        return http(reference);
    }
    if reference
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|first| first.contains(':'))
    {
        // A scheme (`file:`, `data:`, `javascript:`): never fetched. A relative path's first
        // segment has no colon (RFC 3986 §4.2).
        return None;
    }
    if base.len() > 2 * MAX_VALUE {
        // Not an address this app made from a playlist (those are capped below): nothing is
        // resolved against it, so no line costs the base's length.
        return None;
    }
    let (scheme, rest) = base.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = &base[..scheme.len() + 3 + authority_end];
    let (head, tail) = if let Some(path) = reference.strip_prefix("//") {
        (&base[..scheme.len() + 3], path)
    } else if reference.starts_with('/') {
        (origin, reference)
    } else {
        let path = &rest[authority_end..];
        let path = path.split(['?', '#']).next().unwrap_or("");
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        return join_http(&[origin, dir, reference]);
    };
    join_http(&[head, tail])
}

/// The parts joined when the result is an `http(s)://` address of at most twice
/// [`MAX_VALUE`]: measured before it is made, since the base (a rendition's address is the
/// stranger's too) may be long and every segment line is resolved against it.
fn join_http(parts: &[&str]) -> Option<String> {
    if parts.iter().map(|p| p.len()).sum::<usize>() > 2 * MAX_VALUE {
        return None;
    }
    let resolved = parts.concat();
    crate::lineup::is_http_url(&resolved).then_some(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: &str = "#EXTM3U\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",URI=\"a.m3u8\"\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English, SDH\",LANGUAGE=\"en\",DEFAULT=NO,\
        CHARACTERISTICS=\"public.accessibility.transcribes-spoken-dialog,public.easy-to-read\",URI=\"subs/en.m3u8\"\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Deutsch\",LANGUAGE=\"de\",DEFAULT=YES,URI=\"/de.m3u8?t=1\"\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"local\",URI=\"file:///etc/passwd\"\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"no uri\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=800000,SUBTITLES=\"subs\"\n\
        video.m3u8\n";

    #[test]
    fn subtitle_renditions_of_a_master_playlist() {
        let found = subtitle_renditions(MASTER, "http://origin.example/live/master.m3u8?token=x");
        assert!(is_master(MASTER));
        let summary: Vec<(&str, Option<&str>, &str, bool, bool)> = found
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.language.as_deref(),
                    r.uri.as_str(),
                    r.hard_of_hearing,
                    r.default,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "English, SDH",
                    Some("en"),
                    "http://origin.example/live/subs/en.m3u8",
                    true,
                    false
                ),
                (
                    "Deutsch",
                    Some("de"),
                    "http://origin.example/de.m3u8?t=1",
                    false,
                    true
                ),
            ]
        );
        assert_eq!(found[0].group, "subs");
    }

    #[test]
    fn subtitle_renditions_taken_out() {
        let stripped = without_subtitle_renditions(MASTER.as_bytes());
        let text = String::from_utf8(stripped).unwrap();
        assert!(subtitle_renditions(&text, "http://o.example/m.m3u8").is_empty());
        assert!(text.contains("TYPE=AUDIO") && text.ends_with("video.m3u8\n"));
        assert_eq!(text.lines().count(), MASTER.lines().count() - 4);
    }

    #[test]
    fn segments_of_a_live_media_playlist() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n\
            #EXTINF:2.0,\nsub-41.vtt\n#EXTINF:2.0,\nhttps://cdn.example/sub-42.vtt\n\
            #EXTINF:2.0,\ndata:text/vtt,WEBVTT\n#EXTINF:2.0,\n../sub-44.vtt\n";
        let playlist = media_playlist(text, "http://origin.example/hls/subs.m3u8");
        assert_eq!(playlist.target_duration_s, 2);
        assert!(!playlist.ended && !is_master(text));
        assert_eq!(
            playlist.segments,
            [
                (41, "http://origin.example/hls/sub-41.vtt".to_string()),
                (42, "https://cdn.example/sub-42.vtt".to_string()),
                (44, "http://origin.example/hls/../sub-44.vtt".to_string()),
            ]
        );
    }

    #[test]
    fn caps_and_hostile_references() {
        let mut text = String::from("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n");
        for k in 0..MAX_SEGMENTS + 5 {
            text.push_str(&format!("#EXTINF:1,\ns{k}.vtt\n"));
        }
        let playlist = media_playlist(&text, "http://o.example/p.m3u8");
        assert_eq!(playlist.segments.len(), MAX_SEGMENTS);
        assert_eq!(playlist.segments[0].0, 5, "the newest are kept");
        let many = "#EXT-X-MEDIA:TYPE=SUBTITLES,URI=\"s.m3u8\"\n".repeat(100);
        assert_eq!(
            subtitle_renditions(&many, "http://o.example/").len(),
            MAX_RENDITIONS
        );
        for bad in [
            "file:///etc/passwd",
            "a\u{7}b.vtt",
            "javascript:alert(1)",
            "ftp://x/y",
            "",
        ] {
            assert_eq!(resolve("http://o.example/a/b.m3u8", bad), None, "{bad:?}");
        }
        assert_eq!(
            resolve("/relative/only.m3u8", "x.vtt"),
            None,
            "a base that is not a URL"
        );
        assert_eq!(
            resolve("https://o.example", "//other.example/x.vtt").as_deref(),
            Some("https://other.example/x.vtt")
        );
        assert_eq!(
            resolve("https://o.example", "x.vtt").as_deref(),
            Some("https://o.example/x.vtt")
        );
        // Nothing is resolved against a base too long to be one of ours, and no result is
        // longer than twice MAX_VALUE: a playlist of short lines costs no base's length each.
        let long_base = format!("http://o.example/{}/p.m3u8", "d".repeat(2 * MAX_VALUE));
        assert_eq!(resolve(&long_base, "x.vtt"), None);
        assert_eq!(
            resolve(&long_base, "https://cdn.example/x.vtt").as_deref(),
            Some("https://cdn.example/x.vtt")
        );
        let base = format!("http://o.example/{}/p.m3u8", "d".repeat(MAX_VALUE));
        assert_eq!(resolve(&base, &"r".repeat(MAX_VALUE)), None);
        assert!(resolve(&base, "x.vtt").is_some());
        // An unterminated quote ends the attribute list; nothing panics.
        assert!(subtitle_renditions("#EXT-X-MEDIA:TYPE=SUBTITLES,URI=\"x", "http://o/").is_empty());
    }
}
