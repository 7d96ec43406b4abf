// SPDX-License-Identifier: GPL-3.0-or-later
//! HLS playlists (RFC 8216) as far as a recorder needs them: a master playlist's variants and
//! audio renditions, to choose what to record, and a media playlist's segments, its media
//! sequence and its `EXT-X-MAP` (the fMP4 initialization segment).
//!
//! A media playlist without `EXT-X-MAP` carries MPEG-TS (or packed audio) segments: those are
//! recorded by `player::record_hls` as they are, so [`MediaPlaylist::map`] is what tells the two
//! paths apart. Encrypted segments (`EXT-X-KEY` other than `NONE`) and byte ranges are refused
//! by name rather than recorded wrong. Unknown tags are ignored, as the RFC asks; lines are read
//! one by one, so a damaged line costs that line only.

use super::{MAX_ADDRESSES_BYTES, MAX_SEGMENTS, ManifestError, charge, resolve};

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
}

/// One `EXT-X-STREAM-INF`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub url: String,
    pub bandwidth: u64,
    /// The `AUDIO` group its audio comes from, when not muxed into its segments.
    pub audio_group: Option<String>,
}

/// One audio `EXT-X-MEDIA` with a `URI`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    pub group: String,
    pub url: String,
    pub language: Option<String>,
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
    pub segments: Vec<MediaSegment>,
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

/// Parses `text`, fetched from `base_url` (against which every URI is resolved).
pub fn parse(text: &str, base_url: &str) -> Result<Playlist, ManifestError> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next().map(|l| l.trim_start_matches('\u{feff}')) != Some("#EXTM3U") {
        return Err(ManifestError::Malformed("no #EXTM3U header".into()));
    }
    let mut master = Master::default();
    let mut media = MediaPlaylist::default();
    let mut is_master = false;
    let mut pending_variant: Option<(u64, Option<String>)> = None;
    let mut pending_seconds: Option<f64> = None;
    let mut next_sequence: Option<u64> = None;
    let mut aired: Option<f64> = None;
    let mut budget = MAX_ADDRESSES_BYTES;
    let mut address = |reference: &str| -> Result<String, ManifestError> {
        let url = resolve(base_url, reference)?;
        charge(&mut budget, &url)?;
        Ok(url)
    };
    for line in lines {
        if let Some(tag) = line.strip_prefix('#') {
            let (name, value) = tag.split_once(':').unwrap_or((tag, ""));
            match name {
                "EXT-X-STREAM-INF" => {
                    is_master = true;
                    let attrs = attributes(value);
                    let bandwidth = attr(&attrs, "BANDWIDTH")
                        .and_then(|b| b.parse().ok())
                        .unwrap_or(0);
                    pending_variant = Some((bandwidth, attr(&attrs, "AUDIO").map(str::to_string)));
                }
                "EXT-X-MEDIA" => {
                    is_master = true;
                    let attrs = attributes(value);
                    if attr(&attrs, "TYPE") != Some("AUDIO") {
                        continue;
                    }
                    let (Some(group), Some(uri)) = (attr(&attrs, "GROUP-ID"), attr(&attrs, "URI")) else {
                        continue; // muxed into the variant's segments
                    };
                    if master.audio.len() < super::MAX_SEGMENTS {
                        master.audio.push(Rendition {
                            group: group.to_string(),
                            url: address(uri)?,
                            language: attr(&attrs, "LANGUAGE").map(str::to_string),
                            default: attr(&attrs, "DEFAULT") == Some("YES"),
                        });
                    }
                }
                "EXT-X-TARGETDURATION" => {
                    media.target_duration = value.trim().parse().unwrap_or(0.0);
                }
                "EXT-X-MEDIA-SEQUENCE" => {
                    media.media_sequence = value.trim().parse().unwrap_or(0);
                }
                "EXT-X-MAP" => {
                    let attrs = attributes(value);
                    if attr(&attrs, "BYTERANGE").is_some() {
                        return Err(ManifestError::Unsupported("an EXT-X-MAP byte range".into()));
                    }
                    let uri = attr(&attrs, "URI")
                        .ok_or_else(|| ManifestError::Malformed("EXT-X-MAP without URI".into()))?;
                    media.map = Some(address(uri)?);
                }
                "EXT-X-KEY" => {
                    let attrs = attributes(value);
                    if attr(&attrs, "METHOD").is_some_and(|m| m != "NONE") {
                        return Err(ManifestError::Unsupported("encrypted segments".into()));
                    }
                }
                "EXT-X-BYTERANGE" => {
                    return Err(ManifestError::Unsupported("segment byte ranges".into()));
                }
                "EXTINF" => {
                    let seconds = value.split(',').next().unwrap_or("").trim();
                    pending_seconds = Some(seconds.parse().unwrap_or(0.0));
                }
                "EXT-X-PROGRAM-DATE-TIME" => {
                    aired = value
                        .trim()
                        .parse::<jiff::Timestamp>()
                        .ok()
                        .map(|t| t.as_millisecond() as f64 / 1000.0);
                }
                "EXT-X-ENDLIST" => media.ended = true,
                _ => {}
            }
            continue;
        }
        // A URI line.
        if let Some((bandwidth, audio_group)) = pending_variant.take() {
            if master.variants.len() >= MAX_SEGMENTS {
                return Err(ManifestError::TooManySegments);
            }
            master.variants.push(Variant {
                url: address(line)?,
                bandwidth,
                audio_group,
            });
        } else if let Some(seconds) = pending_seconds.take() {
            if media.segments.len() >= MAX_SEGMENTS {
                return Err(ManifestError::TooManySegments);
            }
            let sequence = next_sequence.unwrap_or(media.media_sequence);
            next_sequence = Some(sequence.saturating_add(1));
            media.segments.push(MediaSegment {
                sequence,
                seconds,
                url: address(line)?,
                aired,
            });
            aired = aired.map(|a| a + seconds);
        }
    }
    if is_master {
        return Ok(Playlist::Master(master));
    }
    Ok(Playlist::Media(media))
}

/// An attribute list (`KEY=VALUE,KEY="quoted, with commas"`).
fn attributes(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((value, after)) => (value, after),
                None => (quoted, ""),
            }
        } else {
            after.split_once(',').map_or((after, ""), |(v, a)| (v, a))
        };
        out.push((key.trim(), value));
        rest = after.trim_start_matches(',').trim_start();
    }
    out
}

fn attr<'a>(attrs: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://cdn.example/live/master.m3u8";

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
        for i in 0..=MAX_SEGMENTS {
            many.push_str(&format!("#EXTINF:1,\ns{i}.m4s\n"));
        }
        assert_eq!(parse(&many, BASE), Err(ManifestError::TooManySegments));
        assert!(matches!(parse("<MPD/>", BASE), Err(ManifestError::Malformed(_))));
        // Short lines resolved against a long base (a master playlist's variant address):
        // 10,000 segments of 4 KB would be 40 MB of addresses from a 110 KB playlist.
        let long_base = format!("http://cdn.example/{}/v.m3u8", "d".repeat(4000));
        let mut short = String::from("#EXTM3U\n");
        for _ in 0..MAX_SEGMENTS {
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
    }
}
