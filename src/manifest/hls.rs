// SPDX-License-Identifier: GPL-3.0-or-later
//! HLS playlists (RFC 8216): the app's one reader of them. A master playlist gives its variants,
//! its audio renditions and its subtitle renditions; a media playlist its segments with their
//! media sequence numbers, durations and air times, its `EXT-X-MAP` (the fMP4 initialization
//! segment) and whether it has ended. GStreamer's demuxers play HLS; the app reads playlists
//! itself for two things: recording (`player::record_ott`, which chooses a variant with
//! [`Master::choose`]; a media playlist without `EXT-X-MAP` carries MPEG-TS or packed audio,
//! recorded as it is by `player::record_hls`, so [`MediaPlaylist::map`] tells the two paths
//! apart) and subtitles (`player::hls_subtitles` fetches a subtitle rendition's newest segments
//! while it is shown, and hands the demuxer the master [`without_subtitle_renditions`]).
//!
//! One reader for both, because the two want the same lines read the same way: [`read`] takes
//! what it can line by line (a damaged line costs that line only; unknown tags are ignored, as
//! the RFC asks) and keeps, in [`Read::refused`], the first thing it left out that a recording
//! cannot do without: an address that is not http(s) or past the caps, encrypted segments
//! (`EXT-X-KEY` other than `NONE`) and byte ranges, which are refused by name rather than
//! recorded wrong. [`parse`] is the recorder's view: the `#EXTM3U` header, nothing refused. The
//! subtitle fetcher takes [`read`] as it is: a subtitle rendition or a segment it cannot use is
//! simply not there.
//!
//! Playlists come from strangers. At most [`MAX_PLAYLIST_BYTES`] are read (up to the last whole
//! line; [`parse`] refuses a longer one), [`MAX_RENDITIONS`] audio and as many subtitle
//! renditions kept, [`MAX_SEGMENTS`] segments (the newest: the recorder starts at a live
//! window's edge and the subtitles at its last few; an ended playlist that had more is refused
//! for recording, which would start at its beginning). A playlist listing more than
//! [`super::MAX_SEGMENTS`] segments or variants is refused for recording, as a DASH track with
//! as many is. An attribute value or URI line longer than `MAX_VALUE` is not used, at most `MAX_ATTRIBUTES`
//! attributes are read from a line. Every URI goes through the manifests' resolver
//! ([`super::Base`]: http(s) only, relative ones against the playlist's address, at most
//! [`super::MAX_ADDRESS_BYTES`] once resolved), and all the resolving of one playlist is paid
//! from [`super::MAX_ADDRESSES_BYTES`]: short lines against a long base cost the base's length
//! each. Numbers that are not finite and non-negative (`nan`, `inf`, `-1`) read as 0, so no
//! duration the callers turn into a `Duration` can panic.

use super::{Base, MAX_ADDRESSES_BYTES, ManifestError};
use std::collections::VecDeque;

/// Bytes of a playlist read at most.
pub const MAX_PLAYLIST_BYTES: usize = 1 << 20;
/// Renditions kept from a master playlist at most, of each type (audio, subtitles).
pub const MAX_RENDITIONS: usize = 32;
/// Segments kept from a media playlist at most (the newest).
pub const MAX_SEGMENTS: usize = 2_000;
/// Segments a media playlist, or variants a master playlist, may list for a recording (the
/// manifests' cap, [`super::MAX_SEGMENTS`]): a longer one is refused, not cut.
const MAX_LISTED: usize = super::MAX_SEGMENTS;
/// Longest attribute value or URI line used.
const MAX_VALUE: usize = 2_048;
/// Attributes read from one tag line.
const MAX_ATTRIBUTES: usize = 32;
/// Longest `LANGUAGE` kept (RFC 5646 tags are at most 35 characters in practice).
const MAX_LANGUAGE: usize = 35;

/// A playlist: the master (variants) or a media playlist (segments).
#[derive(Debug, Clone, PartialEq)]
pub enum Playlist {
    Master(Master),
    Media(MediaPlaylist),
}

/// A master playlist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Master {
    pub variants: Vec<Variant>,
    /// `EXT-X-MEDIA:TYPE=AUDIO` renditions with their own playlist.
    pub audio: Vec<Rendition>,
    /// `EXT-X-MEDIA:TYPE=SUBTITLES` renditions.
    pub subtitles: Vec<Rendition>,
}

/// One `EXT-X-STREAM-INF`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub url: String,
    pub bandwidth: u64,
    /// The `AUDIO` group its audio comes from, when not muxed into its segments.
    pub audio_group: Option<String>,
}

/// One `EXT-X-MEDIA` with a `URI` (audio or subtitles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub group: String,
    pub name: String,
    /// `LANGUAGE` (RFC 5646, e.g. `en`, `pt-BR`).
    pub language: Option<String>,
    /// Its media playlist, absolute.
    pub url: String,
    /// `CHARACTERISTICS` names transcribing dialogue or describing sound (SDH).
    pub hard_of_hearing: bool,
    pub default: bool,
}

/// A media playlist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MediaPlaylist {
    pub target_duration: f64,
    /// The first segment's sequence number.
    pub media_sequence: u64,
    /// The initialization segment (`EXT-X-MAP`): set for fMP4 segments.
    pub map: Option<String>,
    /// The newest [`MAX_SEGMENTS`], oldest first.
    pub segments: Vec<MediaSegment>,
    /// Older segments the playlist listed and that were not kept.
    pub dropped: u64,
    /// `EXT-X-ENDLIST`: nothing more will be added.
    pub ended: bool,
}

/// One segment of a media playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaSegment {
    pub sequence: u64,
    pub seconds: f64,
    pub url: String,
    /// When it aired (Unix seconds), from `EXT-X-PROGRAM-DATE-TIME` (carried on to the
    /// segments after it by their durations).
    pub aired: Option<f64>,
}

/// What to record from a master playlist: the variant's playlist and, when its audio is a
/// rendition of its own, that rendition's playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub video: String,
    pub audio: Option<String>,
}

/// A playlist as read, with the first thing left out that a recording cannot do without.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub playlist: Playlist,
    pub refused: Option<ManifestError>,
}

impl Master {
    /// The highest-bandwidth variant (a recording keeps the best picture), and the default audio
    /// rendition of its group (else the group's first).
    pub fn choose(&self) -> Option<Choice> {
        let variant = self.variants.iter().max_by_key(|v| v.bandwidth)?;
        let audio = variant.audio_group.as_ref().and_then(|group| {
            let mut in_group = self.audio.iter().filter(|r| &r.group == group);
            let first = in_group.clone().next();
            in_group.find(|r| r.default).or(first).map(|r| r.url.clone())
        });
        Some(Choice {
            video: variant.url.clone(),
            audio,
        })
    }
}

/// `text`, fetched from `base` (against which every URI is resolved), as a recording takes it:
/// refused when it has no `#EXTM3U` header, is longer than [`MAX_PLAYLIST_BYTES`] (cut, a live
/// playlist would lose its newest segments) or [`read`] left out anything a recording needs.
pub fn parse(text: &str, base: &str) -> Result<Playlist, ManifestError> {
    if text.len() > MAX_PLAYLIST_BYTES {
        return Err(ManifestError::TooLarge);
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    if first.map(|l| l.trim_start_matches('\u{feff}')) != Some("#EXTM3U") {
        return Err(ManifestError::Malformed("no #EXTM3U header".into()));
    }
    let read = read(text, base);
    match read.refused {
        Some(refused) => Err(refused),
        None => Ok(read.playlist),
    }
}

/// Reads `text`, fetched from `base`, line by line: whatever can be used is (see the module's
/// essay). A playlist with `EXT-X-STREAM-INF` or `EXT-X-MEDIA` is a master playlist.
pub fn read(text: &str, base: &str) -> Read {
    let mut reader = Reader {
        base: Base::new(base),
        budget: MAX_ADDRESSES_BYTES,
        master: Master::default(),
        media: MediaPlaylist::default(),
        // The newest MAX_SEGMENTS as they are read: a long live window is never held whole.
        segments: VecDeque::with_capacity(64),
        is_master: false,
        pending_variant: None,
        pending_seconds: None,
        next_sequence: None,
        aired: None,
        refused: None,
    };
    for line in head(text).lines() {
        reader.line(line.trim());
    }
    reader.finish()
}

/// The first [`MAX_PLAYLIST_BYTES`] of `text`, up to the last whole line in them.
fn head(text: &str) -> &str {
    if text.len() <= MAX_PLAYLIST_BYTES {
        return text;
    }
    let mut end = MAX_PLAYLIST_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &text[..end];
    cut.rfind('\n').map_or(cut, |i| &cut[..i])
}

struct Reader {
    base: Result<Base, ManifestError>,
    /// What is left of [`MAX_ADDRESSES_BYTES`] for resolving.
    budget: usize,
    master: Master,
    media: MediaPlaylist,
    segments: VecDeque<MediaSegment>,
    is_master: bool,
    /// An `EXT-X-STREAM-INF` waiting for its URI line: bandwidth, audio group.
    pending_variant: Option<(u64, Option<String>)>,
    /// An `EXTINF` waiting for its URI line: the segment's duration.
    pending_seconds: Option<f64>,
    next_sequence: Option<u64>,
    aired: Option<f64>,
    refused: Option<ManifestError>,
}

impl Reader {
    fn refuse(&mut self, why: ManifestError) {
        self.refused.get_or_insert(why);
    }

    /// `reference` resolved, paid from the budget: the result's length, or what a failed
    /// join cost (the base and the reference), so failures are not free either.
    fn address(&mut self, reference: &str) -> Result<String, ManifestError> {
        if reference.len() > MAX_VALUE || self.budget == 0 {
            return Err(ManifestError::TooLarge);
        }
        let base = self.base.as_ref().map_err(Clone::clone)?;
        let joined = base.join(reference);
        let cost = joined
            .as_ref()
            .map_or(base.bytes() + reference.len(), String::len);
        match self.budget.checked_sub(cost) {
            Some(left) => self.budget = left,
            None => {
                self.budget = 0;
                return Err(ManifestError::TooLarge);
            }
        }
        joined
    }

    fn line(&mut self, line: &str) {
        if line.is_empty() {
            return;
        }
        let Some(tag) = line.strip_prefix('#') else {
            self.uri_line(line);
            return;
        };
        let (name, value) = tag.split_once(':').unwrap_or((tag, ""));
        match name {
            "EXT-X-STREAM-INF" => {
                self.is_master = true;
                let attrs = attributes(value);
                let bandwidth = attr(&attrs, "BANDWIDTH")
                    .and_then(|b| b.parse().ok())
                    .unwrap_or(0);
                self.pending_variant = Some((bandwidth, attr(&attrs, "AUDIO").map(str::to_string)));
            }
            "EXT-X-MEDIA" => {
                self.is_master = true;
                self.rendition(&attributes(value));
            }
            "EXT-X-TARGETDURATION" => self.media.target_duration = seconds(value),
            "EXT-X-MEDIA-SEQUENCE" => self.media.media_sequence = value.trim().parse().unwrap_or(0),
            "EXT-X-MAP" => {
                let attrs = attributes(value);
                if attr(&attrs, "BYTERANGE").is_some() {
                    return self.refuse(ManifestError::Unsupported("an EXT-X-MAP byte range".into()));
                }
                let Some(uri) = attr(&attrs, "URI") else {
                    return self.refuse(ManifestError::Malformed("EXT-X-MAP without URI".into()));
                };
                match self.address(uri) {
                    Ok(url) => self.media.map = Some(url),
                    Err(e) => self.refuse(e),
                }
            }
            "EXT-X-KEY" if attr(&attributes(value), "METHOD").is_some_and(|m| m != "NONE") => {
                self.refuse(ManifestError::Unsupported("encrypted segments".into()));
            }
            "EXT-X-BYTERANGE" => self.refuse(ManifestError::Unsupported("segment byte ranges".into())),
            "EXTINF" => self.pending_seconds = Some(seconds(value.split(',').next().unwrap_or(""))),
            "EXT-X-PROGRAM-DATE-TIME" => {
                let value = value.trim();
                self.aired = (value.len() <= 64)
                    .then(|| value.parse::<jiff::Timestamp>().ok())
                    .flatten()
                    .map(|t| t.as_millisecond() as f64 / 1000.0);
            }
            "EXT-X-ENDLIST" => self.media.ended = true,
            _ => {}
        }
    }

    /// An `EXT-X-MEDIA`: audio and subtitles with a `URI` are kept (one without is muxed into
    /// the variant's segments, or closed captions). A subtitle rendition that cannot be used is
    /// left out without a refusal: a recording takes none.
    fn rendition(&mut self, attrs: &[(&str, &str)]) {
        let audio = match attr(attrs, "TYPE") {
            Some("AUDIO") => true,
            Some("SUBTITLES") => false,
            _ => return,
        };
        let Some(uri) = attr(attrs, "URI") else {
            return;
        };
        let kept = if audio {
            self.master.audio.len()
        } else {
            self.master.subtitles.len()
        };
        if kept >= MAX_RENDITIONS {
            return;
        }
        let url = match self.address(uri) {
            Ok(url) => url,
            Err(e) if audio => return self.refuse(e),
            Err(_) => return,
        };
        let characteristics = attr(attrs, "CHARACTERISTICS").unwrap_or_default();
        let rendition = Rendition {
            group: attr(attrs, "GROUP-ID").unwrap_or_default().to_string(),
            name: attr(attrs, "NAME").unwrap_or_default().to_string(),
            language: attr(attrs, "LANGUAGE")
                .filter(|l| !l.is_empty() && l.len() <= MAX_LANGUAGE)
                .map(str::to_string),
            url,
            hard_of_hearing: characteristics.contains("public.accessibility.transcribes-spoken-dialog")
                || characteristics.contains("public.accessibility.describes-music-and-sound"),
            default: attr(attrs, "DEFAULT") == Some("YES"),
        };
        if audio {
            self.master.audio.push(rendition);
        } else {
            self.master.subtitles.push(rendition);
        }
    }

    /// A line that is not a tag: the URI of the variant or segment announced before it.
    fn uri_line(&mut self, line: &str) {
        if let Some((bandwidth, audio_group)) = self.pending_variant.take() {
            if self.master.variants.len() >= MAX_LISTED {
                return self.refuse(ManifestError::TooManySegments);
            }
            match self.address(line) {
                Ok(url) => self.master.variants.push(Variant {
                    url,
                    bandwidth,
                    audio_group,
                }),
                Err(e) => self.refuse(e),
            }
        } else if let Some(seconds) = self.pending_seconds.take() {
            let sequence = self.next_sequence.unwrap_or(self.media.media_sequence);
            self.next_sequence = Some(sequence.saturating_add(1));
            let aired = self.aired;
            self.aired = aired.map(|a| a + seconds);
            // A segment left out keeps its number: the ones after it are still numbered right.
            let url = match self.address(line) {
                Ok(url) => url,
                Err(e) => return self.refuse(e),
            };
            if self.segments.len() == MAX_SEGMENTS {
                self.segments.pop_front();
                self.media.dropped += 1;
            }
            self.segments.push_back(MediaSegment {
                sequence,
                seconds,
                url,
                aired,
            });
        }
    }

    fn finish(mut self) -> Read {
        if self.is_master {
            return Read {
                playlist: Playlist::Master(self.master),
                refused: self.refused,
            };
        }
        let listed = self.segments.len() as u64 + self.media.dropped;
        if listed > MAX_LISTED as u64 {
            self.refuse(ManifestError::TooManySegments);
        } else if self.media.dropped > 0 && self.media.ended {
            // Recorded on demand from its start, which is gone.
            self.refuse(ManifestError::Unsupported(format!(
                "an ended playlist of more than {MAX_SEGMENTS} segments"
            )));
        }
        self.media.segments = self.segments.into();
        Read {
            playlist: Playlist::Media(self.media),
            refused: self.refused,
        }
    }
}

/// A duration or time in seconds: finite and not negative, else 0.
fn seconds(text: &str) -> f64 {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(0.0)
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
            .is_some_and(|attrs| attr(&attributes(attrs.trim_end()), "TYPE") == Some("SUBTITLES"));
        if !subtitles {
            out.extend_from_slice(line);
        }
    }
    out
}

/// An attribute list (`KEY=VALUE,KEY="quoted, with commas"`): at most [`MAX_ATTRIBUTES`],
/// values longer than [`MAX_VALUE`] left out. An unterminated quote runs to the end of the
/// line (the repair that keeps `URI="init.mp4` usable).
fn attributes(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() && out.len() < MAX_ATTRIBUTES {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let (value, after) = match after.strip_prefix('"') {
            // Anything between the closing quote and the next comma is not an attribute.
            Some(quoted) => match quoted.split_once('"') {
                Some((value, after)) => (value, after.split_once(',').map_or("", |(_, a)| a)),
                None => (quoted, ""),
            },
            None => after.split_once(',').unwrap_or((after, "")),
        };
        if value.len() <= MAX_VALUE {
            out.push((key.trim(), value));
        }
        rest = after.trim_start();
    }
    out
}

fn attr<'a>(attrs: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::resolve;

    const BASE: &str = "http://cdn.example/live/master.m3u8";

    /// The subtitle renditions of `master` as the subtitle fetcher reads them.
    fn subtitle_renditions(master: &str, base: &str) -> Vec<Rendition> {
        match read(master, base).playlist {
            Playlist::Master(master) => master.subtitles,
            Playlist::Media(_) => Vec::new(),
        }
    }

    /// `text` as the subtitle fetcher reads a rendition's playlist.
    fn media_playlist(text: &str, base: &str) -> MediaPlaylist {
        match read(text, base).playlist {
            Playlist::Media(media) => media,
            Playlist::Master(_) => MediaPlaylist::default(),
        }
    }

    fn is_master(text: &str) -> bool {
        matches!(read(text, BASE).playlist, Playlist::Master(_))
    }

    #[test]
    fn master_playlist_chooses_the_best_variant_and_its_default_audio() {
        let text = "#EXTM3U\n#EXT-X-VERSION:7\n\
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=NO,URI=\"a/en.m3u8\"\n\
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"Deutsch, Stereo\",LANGUAGE=\"de\",DEFAULT=YES,URI=\"a/de.m3u8\"\n\
            #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub\",NAME=\"x\",URI=\"s.m3u8\"\n\
            #EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.42c01f,mp4a.40.2\",AUDIO=\"aud\"\nlow/v.m3u8\n\
            #EXT-X-STREAM-INF:BANDWIDTH=3000000,CODECS=\"avc1.42c01f,mp4a.40.2\",AUDIO=\"aud\"\nhigh/v.m3u8\n";
        let Playlist::Master(master) = parse(text, BASE).unwrap() else {
            panic!("a master playlist")
        };
        assert_eq!(master.variants.len(), 2);
        assert_eq!(master.audio.len(), 2, "subtitles are not audio");
        assert_eq!(master.subtitles.len(), 1);
        assert_eq!(master.audio[1].language.as_deref(), Some("de"));
        let choice = master.choose().unwrap();
        assert_eq!(choice.video, "http://cdn.example/live/high/v.m3u8");
        assert_eq!(choice.audio.as_deref(), Some("http://cdn.example/live/a/de.m3u8"));
    }

    #[test]
    fn media_playlist_has_its_map_sequence_and_segments() {
        let text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n\
            #EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T00:00:10.5Z\n#EXTINF:2.000,\nseg-41.m4s\n#EXTINF:1.960,\nseg-42.m4s\n";
        let Playlist::Media(media) = parse(text, "https://o.example/ch/v.m3u8").unwrap() else {
            panic!("a media playlist")
        };
        assert_eq!(media.map.as_deref(), Some("https://o.example/ch/init.mp4"));
        assert_eq!(media.target_duration, 2.0);
        assert!(!media.ended);
        let seqs: Vec<_> = media.segments.iter().map(|s| (s.sequence, s.seconds)).collect();
        assert_eq!(seqs, [(41, 2.0), (42, 1.96)]);
        assert_eq!(media.segments[1].url, "https://o.example/ch/seg-42.m4s");
        let start: jiff::Timestamp = "2026-12-07T00:00:10.5Z".parse().unwrap();
        let start = start.as_millisecond() as f64 / 1000.0;
        assert_eq!(media.segments[0].aired, Some(start));
        assert_eq!(
            media.segments[1].aired,
            Some(start + 2.0),
            "carried on by the duration"
        );
    }

    #[test]
    fn ts_playlists_have_no_map() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg-1.ts\n#EXT-X-ENDLIST\n";
        let Playlist::Media(media) = parse(text, BASE).unwrap() else {
            panic!()
        };
        assert_eq!(media.map, None);
        assert!(media.ended);
    }

    #[test]
    fn hostile_playlists_are_refused() {
        let local = "#EXTM3U\n#EXT-X-MAP:URI=\"file:///etc/shadow\"\n#EXTINF:2,\nseg.m4s\n";
        assert!(matches!(parse(local, BASE), Err(ManifestError::NotHttp(_))));
        let local_segment = "#EXTM3U\n#EXTINF:2,\n/dev/zero\n#EXTINF:2,\nfile:///dev/zero\n";
        assert!(matches!(
            parse(local_segment, BASE),
            Err(ManifestError::NotHttp(_))
        ));
        let encrypted = "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:2,\na.m4s\n";
        assert!(matches!(
            parse(encrypted, BASE),
            Err(ManifestError::Unsupported(_))
        ));
        let mut many = String::from("#EXTM3U\n");
        for i in 0..=crate::manifest::MAX_SEGMENTS {
            many.push_str(&format!("#EXTINF:1,\ns{i}.m4s\n"));
        }
        assert_eq!(parse(&many, BASE), Err(ManifestError::TooManySegments));
        // Longer than what is kept: a live playlist keeps its newest (its edge is where a
        // recording starts); an ended one is refused (a recording on demand starts at its first
        // segment, which is gone).
        let mut longer = String::from("#EXTM3U\n");
        for i in 0..=MAX_SEGMENTS {
            longer.push_str(&format!("#EXTINF:1,\ns{i}.m4s\n"));
        }
        let Playlist::Media(live) = parse(&longer, BASE).unwrap() else {
            panic!()
        };
        assert_eq!((live.segments.len(), live.dropped), (MAX_SEGMENTS, 1));
        assert_eq!(live.segments[0].sequence, 1, "the newest are kept");
        longer.push_str("#EXT-X-ENDLIST\n");
        assert!(matches!(parse(&longer, BASE), Err(ManifestError::Unsupported(_))));
        assert!(matches!(parse("<MPD/>", BASE), Err(ManifestError::Malformed(_))));
        // Short lines resolved against a long base (a master playlist's variant address):
        // 10,000 segments of 4 KB would be 40 MB of addresses from a 110 KB playlist; all the
        // resolving of one playlist is paid from MAX_ADDRESSES_BYTES, kept or not.
        let long_base = format!("http://cdn.example/{}/v.m3u8", "d".repeat(4000));
        let mut short = String::from("#EXTM3U\n");
        for _ in 0..crate::manifest::MAX_SEGMENTS {
            short.push_str("#EXTINF:1,\na\n");
        }
        assert_eq!(parse(&short, &long_base), Err(ManifestError::TooLarge));
        assert!(
            parse(&short, BASE).is_ok(),
            "the same playlist from a short address"
        );
        // Damaged lines cost themselves only.
        let damaged = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:x\n#EXTINF:zz,\na.m4s\n#EXT-X-MAP:URI=\"i.mp4\n";
        let Playlist::Media(media) = parse(damaged, BASE).unwrap() else {
            panic!()
        };
        assert_eq!(media.segments.len(), 1);
        assert_eq!(media.map.as_deref(), Some("http://cdn.example/live/i.mp4"));
        // Durations that are no number of seconds read as 0 (a caller's Duration::from_secs_f64
        // would panic on them).
        for bad in ["nan", "inf", "-1", "1e400"] {
            let text = format!("#EXTM3U\n#EXT-X-TARGETDURATION:{bad}\n#EXTINF:{bad},\na.ts\n");
            let Playlist::Media(media) = parse(&text, BASE).unwrap() else {
                panic!()
            };
            assert_eq!(
                (media.target_duration, media.segments[0].seconds),
                (0.0, 0.0),
                "{bad}"
            );
        }
        // Longer than MAX_PLAYLIST_BYTES: refused for recording (cut, it would lose its newest
        // segments), read up to the last whole line for subtitles.
        let mut long = String::from("#EXTM3U\n");
        while long.len() <= MAX_PLAYLIST_BYTES {
            long.push_str("#EXTINF:1,\nsegment-with-a-longer-name.ts\n");
        }
        assert_eq!(parse(&long, BASE), Err(ManifestError::TooLarge));
        let media = media_playlist(&long, BASE);
        assert!(media.segments.iter().all(|s| s.url.ends_with("name.ts")));
    }

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
                    r.url.as_str(),
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
        // A subtitle rendition left out is no reason to refuse recording the picture.
        assert!(parse(MASTER, BASE).is_ok());
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
        assert_eq!(playlist.target_duration, 2.0);
        assert!(!playlist.ended && !is_master(text));
        let segments: Vec<(u64, &str)> = playlist
            .segments
            .iter()
            .map(|s| (s.sequence, s.url.as_str()))
            .collect();
        assert_eq!(
            segments,
            [
                (41, "http://origin.example/hls/sub-41.vtt"),
                (42, "https://cdn.example/sub-42.vtt"),
                // RFC 3986 §5.2.4: the dot segment is taken out.
                (44, "http://origin.example/sub-44.vtt"),
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
        assert_eq!(playlist.segments[0].sequence, 5, "the newest are kept");
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
            assert_eq!(resolve("http://o.example/a/b.m3u8", bad).ok(), None, "{bad:?}");
        }
        assert_eq!(
            resolve("/relative/only.m3u8", "x.vtt").ok(),
            None,
            "a base that is not a URL"
        );
        assert_eq!(
            resolve("https://o.example", "//other.example/x.vtt").as_deref(),
            Ok("https://other.example/x.vtt")
        );
        assert_eq!(
            resolve("https://o.example", "x.vtt").as_deref(),
            Ok("https://o.example/x.vtt")
        );
        // Nothing is resolved against a base too long to be one of ours, and no result is
        // longer than twice MAX_VALUE: a playlist of short lines costs no base's length each.
        let long_base = format!("http://o.example/{}/p.m3u8", "d".repeat(2 * MAX_VALUE));
        assert_eq!(resolve(&long_base, "x.vtt").ok(), None);
        assert_eq!(
            resolve(&long_base, "https://cdn.example/x.vtt").as_deref(),
            Ok("https://cdn.example/x.vtt")
        );
        let base = format!("http://o.example/{}/p.m3u8", "d".repeat(MAX_VALUE));
        assert_eq!(resolve(&base, &"r".repeat(MAX_VALUE)).ok(), None);
        assert!(resolve(&base, "x.vtt").is_ok());
        // A URI line longer than MAX_VALUE is not used.
        let long_line = format!("#EXTINF:1,\n{}.vtt\n#EXTINF:1,\nx.vtt\n", "r".repeat(MAX_VALUE));
        assert_eq!(media_playlist(&long_line, "http://o.example/").segments.len(), 1);
        // An unterminated quote runs to the end of the line; nothing panics.
        let unterminated = subtitle_renditions("#EXT-X-MEDIA:TYPE=SUBTITLES,URI=\"x", "http://o/");
        assert_eq!(unterminated.len(), 1);
        assert_eq!(unterminated[0].url, "http://o/x");
    }
}
