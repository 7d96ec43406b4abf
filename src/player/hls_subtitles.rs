// SPDX-License-Identifier: GPL-3.0-or-later
//! Subtitles of an HLS channel: the master playlist's WebVTT renditions, fetched by the app
//! itself and only while one is shown, timed against the picture like the multicast
//! subtitles; and the captions of its TS segments.
//!
//! ```text
//!  hlsdemux2 ─TS─> tsdemux        (the picture, GStreamer's)
//!                 └ sink probe ─> SubtitleFeed: the PMT, the first video PTS, CEA-608 captions
//!  text thread: master playlist once ─> WebVTT tracks (reported with the feed's)
//!               chosen rendition: its playlist every target duration, each new .vtt once
//!               ─> cues at their PTS (X-TIMESTAMP-MAP) ─> the lines the picture's PTS is inside
//! ```
//!
//! Why the app fetches the renditions and not `hlsdemux2`: the decoders of a subtitle stream
//! would need a text output in the pipeline and GStreamer's WebVTT handling; the app already
//! draws text subtitles on its own plane, times them by the picture's PTS and must bound what
//! a stranger's file can do (the playlists are read by `manifest::hls`, the files by
//! `ott::webvtt`). `hlsdemux2` selects a subtitle
//! rendition by default and downloads it, so the master playlist reaches it without them
//! ([`hide_subtitle_renditions`]).
//!
//! Why only while shown: players that fetch every rendition at start delay the picture and
//! load the origin for text nobody reads. The thread reads the master playlist once (the
//! picture's pipeline reads it too) and nothing of a rendition until the viewer chooses it;
//! turned off, the fetching stops at once (a fetch under way ends, nothing more is asked).
//!
//! Timing: the feed knows the PTS of the first video PES that entered the demuxer and the
//! progress of the frames shown since, so the stream time on screen; a cue shows while the
//! picture (less the viewer's delay) is inside it. Cues are a state, not a queue: what is on
//! screen is recomputed each tick from the cues held (at most [`MAX_CUES`], the oldest go
//! first, and those that ended a minute before the picture), so overlapping cues show
//! together, and cues fetched late or early simply show when the picture is inside them.

use super::EventSink;
use super::subtitles::{SubtitleFeed, VideoClock};
use super::text_fetch::{self, Choice, StopOnDrop, fetch};
use crate::core::{PlayerEvent, RequestId, SubtitleKind, SubtitleLine, SubtitleRun, SubtitleTrack};
use crate::lineup::Source;
use crate::manifest::hls;
use crate::mpegts::program::ProgramTracker;
use crate::mpegts::teletext::Colour;
use crate::mpegts::{TS_PACKET_SIZE, TsPacket};
use crate::net::http::HttpClient;
use crate::ott::webvtt;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the thread looks at the picture's time (and sends what changed).
const TICK: Duration = Duration::from_millis(40);
/// Cues held at most.
const MAX_CUES: usize = 256;
/// Segments fetched when a rendition is chosen: the newest of its playlist, which covers
/// where the picture plays (a few segments behind the origin's edge).
const FIRST_SEGMENTS: usize = 6;
/// A rendition's playlist is read again after its target duration, within these bounds.
const REFRESH_MIN: Duration = Duration::from_secs(1);
const REFRESH_MAX: Duration = Duration::from_secs(10);
/// After a failed fetch, the next try.
const RETRY: Duration = Duration::from_secs(2);
/// Cues that ended this long before the picture are forgotten (90 kHz).
const FORGET_AFTER: i64 = 60 * 90_000;
const PTS_MODULUS: i64 = 1 << 33;
/// The id prefix of a WebVTT rendition's track.
const ID_PREFIX: &str = "webvtt:";

/// What the demuxer's probe and the text thread share.
struct Shared {
    feed: SubtitleFeed,
    tracker: ProgramTracker,
    /// A torn packet at the end of the last buffer.
    rest: Vec<u8>,
    /// The chosen rendition (its index among the master playlist's).
    choice: Choice,
}

/// An HLS session's subtitles; the thread stops when this is dropped.
pub struct HlsText {
    shared: Arc<Mutex<Shared>>,
    _stop: StopOnDrop,
}

impl HlsText {
    /// Starts the text thread of `request` on `source` (its master playlist is read at once).
    pub fn start(
        request: RequestId,
        source: &Source,
        clock: Arc<VideoClock>,
        events: EventSink,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Mutex::new(Shared {
            feed: SubtitleFeed::new(clock, Arc::default()),
            tracker: ProgramTracker::new(source.program),
            rest: Vec::new(),
            choice: Choice::default(),
        }));
        let stop = StopOnDrop::default();
        let thread = TextThread {
            request,
            url: source.url.clone(),
            user_agent: source.user_agent.clone(),
            shared: shared.clone(),
            stop: stop.flag(),
            events,
        };
        std::thread::Builder::new()
            .name("hls-text".into())
            .spawn(move || thread.run())?;
        Ok(Self { shared, _stop: stop })
    }

    /// The bytes entering the demuxer (from its sink probe): the PMT, the first video PTS and
    /// the captions are read from them.
    pub fn scan(&self, bytes: &[u8]) {
        let Ok(mut shared) = self.shared.lock() else {
            return;
        };
        let shared = &mut *shared;
        shared.rest.extend_from_slice(bytes);
        let mut at = 0;
        let mut whole = Vec::with_capacity(shared.rest.len());
        while at + TS_PACKET_SIZE <= shared.rest.len() {
            if shared.rest[at] != 0x47 {
                at += 1;
                continue;
            }
            let packet = &shared.rest[at..at + TS_PACKET_SIZE];
            if let Some(p) = TsPacket::new(packet) {
                shared.tracker.observe(&p);
            }
            whole.extend_from_slice(packet);
            at += TS_PACKET_SIZE;
        }
        shared.rest.drain(..at);
        shared.feed.learn(shared.tracker.pmt());
        shared.feed.scan(&whole);
    }

    /// Shows `track` (a WebVTT rendition, or captions of the segments), or nothing.
    pub fn select(&self, track: Option<&SubtitleTrack>, delay_ms: i32) {
        let Ok(mut shared) = self.shared.lock() else {
            return;
        };
        let rendition = Choice::index_of(track, ID_PREFIX);
        // The feed shows the captions, or clears the screen for a rendition.
        let in_stream = track.filter(|_| rendition.is_none());
        shared.feed.select(in_stream, delay_ms);
        shared.choice.set(rendition);
    }
}

/// The thread's own state.
struct TextThread {
    request: RequestId,
    url: String,
    user_agent: Option<String>,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    events: EventSink,
}

/// The chosen rendition being fetched.
struct Fetching {
    generation: u64,
    playlist: String,
    /// The newest media sequence number fetched.
    last: Option<u64>,
    next_read: Instant,
}

/// A cue at stream time: start and end PTS (90 kHz), its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TimedCue {
    start: u64,
    end: u64,
    lines: Vec<String>,
}

impl TextThread {
    fn run(self) {
        let client = match text_fetch::client(self.user_agent.as_deref(), hls::MAX_PLAYLIST_BYTES as u64) {
            Ok(c) => c,
            Err(e) => {
                log::warn!("no HLS subtitles: {e}");
                return;
            }
        };
        let renditions = self.renditions(&client);
        if self.stopped() {
            return;
        }
        if let Ok(mut shared) = self.shared.lock() {
            shared
                .feed
                .set_external_tracks(renditions.iter().enumerate().map(track).collect());
        }
        let mut cues: VecDeque<TimedCue> = VecDeque::new();
        let mut fetching: Option<Fetching> = None;
        let mut shown: Option<Vec<String>> = None;
        while !self.stopped() {
            let (chosen, generation, picture) = {
                let Ok(mut guard) = self.shared.lock() else {
                    return;
                };
                let shared = &mut *guard;
                let request = self.request;
                let tracks = shared.feed.tracks_event(request, shared.tracker.pmt());
                let due = shared.feed.due_events(request);
                for event in tracks.into_iter().chain(due) {
                    (self.events)(event);
                }
                let picture = shared
                    .feed
                    .on_screen()
                    .map(|pts| (pts as i64 - shared.feed.delay_ticks()).rem_euclid(PTS_MODULUS));
                let Choice { chosen, generation } = shared.choice;
                (chosen, generation, picture)
            };
            if fetching.as_ref().map(|f| f.generation) != Some(generation) {
                cues.clear();
                shown = None;
                fetching = chosen.and_then(|i| renditions.get(i)).map(|r| Fetching {
                    generation,
                    playlist: r.url.clone(),
                    last: None,
                    next_read: Instant::now(),
                });
            }
            if let Some(f) = fetching.as_mut()
                && Instant::now() >= f.next_read
            {
                self.read_rendition(&client, f, &mut cues);
            }
            if fetching.is_some() {
                let lines = picture.map(|p| on_screen(&mut cues, p)).unwrap_or_default();
                if shown.as_ref() != Some(&lines) {
                    (self.events)(PlayerEvent::SubtitleText {
                        request: self.request,
                        lines: lines.iter().map(|l| white_line(l)).collect(),
                    });
                    shown = Some(lines);
                }
            }
            std::thread::sleep(TICK);
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Whether the choice `generation` was made is still the viewer's.
    fn current(&self, generation: u64) -> bool {
        !self.stopped()
            && self
                .shared
                .lock()
                .is_ok_and(|s| s.choice.generation == generation)
    }

    /// The master playlist's subtitle renditions (none when the URL is a media playlist).
    fn renditions(&self, client: &HttpClient) -> Vec<hls::Rendition> {
        match fetch_text(client, &self.url) {
            Ok(text) => match hls::read(&text, &self.url).playlist {
                hls::Playlist::Master(master) => master.subtitles,
                hls::Playlist::Media(_) => Vec::new(),
            },
            Err(e) => {
                log::info!("HLS subtitles: the master playlist: {e}");
                Vec::new()
            }
        }
    }

    /// Reads the rendition's playlist and the segments not fetched yet.
    fn read_rendition(&self, client: &HttpClient, f: &mut Fetching, cues: &mut VecDeque<TimedCue>) {
        let playlist = match fetch_text(client, &f.playlist) {
            Ok(text) => match hls::read(&text, &f.playlist).playlist {
                hls::Playlist::Media(media) => media,
                hls::Playlist::Master(_) => hls::MediaPlaylist::default(),
            },
            Err(e) => {
                log::info!("HLS subtitles: {e}");
                f.next_read = Instant::now() + RETRY;
                return;
            }
        };
        // The reader's durations are finite and not negative; a failed conversion (too large)
        // is the longest wait anyway.
        let refresh = Duration::try_from_secs_f64(playlist.target_duration)
            .unwrap_or(REFRESH_MAX)
            .clamp(REFRESH_MIN, REFRESH_MAX);
        f.next_read = Instant::now() + refresh;
        let new: Vec<&hls::MediaSegment> = match f.last {
            // A media sequence that went back (an origin restart) starts again.
            Some(last)
                if playlist
                    .segments
                    .first()
                    .is_none_or(|s| s.sequence <= last.saturating_add(1)) =>
            {
                playlist.segments.iter().filter(|s| s.sequence > last).collect()
            }
            _ => {
                let skip = playlist.segments.len().saturating_sub(FIRST_SEGMENTS);
                playlist.segments.iter().skip(skip).collect()
            }
        };
        for hls::MediaSegment { sequence, url, .. } in new {
            if !self.current(f.generation) {
                return;
            }
            match fetch(client, url) {
                Ok(bytes) => {
                    let file = webvtt::parse(&bytes);
                    if file.repaired > 0 {
                        log::debug!("HLS subtitles: {} repairs in {url}", file.repaired);
                    }
                    add_cues(cues, &file);
                }
                Err(e) => log::info!("HLS subtitles: {e}"),
            }
            f.last = Some(*sequence);
        }
        if !self.current(f.generation) {
            cues.clear();
        }
    }
}

/// Takes the subtitle renditions out of the master playlist on its way into an HLS demuxer
/// (`pad`, its sink): `hlsdemux2` selects a subtitle rendition by default and downloads it,
/// and the timeshift window's `hlsdemux` fetches every rendition it is told of; the app
/// fetches subtitles itself, only while they are shown. (Answering the demuxer's stream
/// collection with a selection without them works too, but takes the demuxer's locks from
/// its own thread while a pipeline may be stopping.) The playlist is held until its end (at most
/// [`crate::manifest::hls::MAX_PLAYLIST_BYTES`]; a longer one passes as it is), then handed on
/// without them. A media playlist passes unchanged.
pub fn hide_subtitle_renditions(pad: &gst::Pad) {
    rewrite_manifest(
        pad,
        crate::manifest::hls::MAX_PLAYLIST_BYTES,
        crate::manifest::hls::without_subtitle_renditions,
    );
}

/// Takes the text AdaptationSets out of the MPD on its way into a DASH demuxer (`pad`, its
/// sink), as [`hide_subtitle_renditions`] does for HLS: the app fetches TTML itself, only while
/// it is shown (`dash_subtitles`).
pub fn hide_text_sets(pad: &gst::Pad) {
    rewrite_manifest(pad, crate::manifest::MAX_MANIFEST_BYTES as usize, |mpd| {
        match std::str::from_utf8(mpd) {
            Ok(text) => crate::manifest::dash::without_text(text).into_bytes(),
            // Not UTF-8: not an MPD the demuxer reads either; handed on as it is.
            Err(_) => mpd.to_vec(),
        }
    });
}

/// Holds the manifest on its way through `pad` until its end (at most `max` bytes; a longer
/// one passes as it is), then hands on `rewrite` of it.
fn rewrite_manifest(pad: &gst::Pad, max: usize, rewrite: fn(&[u8]) -> Vec<u8>) {
    let held = std::sync::Mutex::new(Some(Vec::<u8>::new()));
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |pad, info| {
            // What to hand on before this buffer or event, decided under the lock and pushed
            // after it is released: the push runs this probe again on the same thread.
            let (release, verdict) = {
                let Ok(mut held) = held.lock() else {
                    return gst::PadProbeReturn::Remove;
                };
                if let Some(buffer) = info.buffer() {
                    let Some(bytes) = held.as_mut() else {
                        return gst::PadProbeReturn::Ok;
                    };
                    let Ok(map) = buffer.map_readable() else {
                        return gst::PadProbeReturn::Ok;
                    };
                    if bytes.len() + map.len() > max {
                        // Too long to hold: what was held goes on first, then this, unchanged.
                        let earlier = std::mem::take(bytes);
                        *held = None;
                        (earlier, gst::PadProbeReturn::Ok)
                    } else {
                        bytes.extend_from_slice(&map);
                        (Vec::new(), gst::PadProbeReturn::Handled)
                    }
                } else if info.event().is_some_and(|e| e.type_() == gst::EventType::Eos) {
                    let kept = held.take().map(|bytes| rewrite(&bytes));
                    (kept.unwrap_or_default(), gst::PadProbeReturn::Ok)
                } else {
                    return gst::PadProbeReturn::Ok;
                }
            };
            if verdict == gst::PadProbeReturn::Handled {
                // Taken and handled here: it goes on, changed, with the end of stream.
                drop(info.take_buffer());
            }
            if !release.is_empty() {
                let _ = pad.chain(gst::Buffer::from_slice(release));
            }
            verdict
        },
    );
}

/// Hides the subtitle renditions of every HLS master playlist `pipeline` fetches from its
/// `hlsdemux2` (see [`hide_subtitle_renditions`]), and the text AdaptationSets of every MPD from
/// its `dashdemux2` ([`hide_text_sets`]).
pub fn hide_in(pipeline: &gst::Pipeline) {
    pipeline.connect_deep_element_added(|_, _, element| {
        let Some(factory) = element.factory() else {
            return;
        };
        let Some(pad) = element.static_pad("sink") else {
            return;
        };
        match factory.name().as_str() {
            "hlsdemux2" | "hlsdemux" => hide_subtitle_renditions(&pad),
            "dashdemux2" | "dashdemux" => hide_text_sets(&pad),
            _ => {}
        }
    });
}

/// The track of rendition `index`.
fn track((index, rendition): (usize, &hls::Rendition)) -> SubtitleTrack {
    SubtitleTrack {
        id: format!("{ID_PREFIX}{index}"),
        kind: SubtitleKind::WebVtt,
        language: rendition.language.clone(),
        hard_of_hearing: rendition.hard_of_hearing,
    }
}

fn fetch_text(client: &HttpClient, url: &str) -> Result<String, String> {
    fetch(client, url).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// The cues of one file at their stream time (a file without `X-TIMESTAMP-MAP` has its zero at
/// PTS 0, RFC 8216 §3.5); the oldest go beyond [`MAX_CUES`]; a cue already held is not added
/// twice.
fn add_cues(cues: &mut VecDeque<TimedCue>, file: &webvtt::WebVtt) {
    let map = file.map.unwrap_or(webvtt::TimestampMap {
        mpegts: 0,
        local_ms: 0,
    });
    for cue in &file.cues {
        let timed = TimedCue {
            start: map.pts(cue.start_ms),
            end: map.pts(cue.end_ms),
            lines: cue.lines.clone(),
        };
        if cues.contains(&timed) {
            continue;
        }
        if cues.len() == MAX_CUES {
            cues.pop_front();
        }
        cues.push_back(timed);
    }
}

/// `a - b` on the 33-bit PTS circle, in (-2^32, 2^32].
fn pts_diff(a: u64, b: u64) -> i64 {
    let d = (a as i64 - b as i64).rem_euclid(PTS_MODULUS);
    if d > PTS_MODULUS / 2 { d - PTS_MODULUS } else { d }
}

/// The lines of the cues the picture at `picture` is inside, in the order they start; cues
/// long past are forgotten.
fn on_screen(cues: &mut VecDeque<TimedCue>, picture: i64) -> Vec<String> {
    let picture = picture as u64;
    cues.retain(|c| pts_diff(picture, c.end) < FORGET_AFTER);
    let mut active: Vec<&TimedCue> = cues
        .iter()
        .filter(|c| pts_diff(picture, c.start) >= 0 && pts_diff(picture, c.end) < 0)
        .collect();
    active.sort_by_key(|c| pts_diff(c.start, picture));
    active.iter().flat_map(|c| c.lines.iter().cloned()).collect()
}

fn white_line(text: &str) -> SubtitleLine {
    SubtitleLine {
        runs: vec![SubtitleRun {
            text: text.to_string(),
            colour: Colour::White,
        }],
        double_height: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> webvtt::WebVtt {
        webvtt::parse(text.as_bytes())
    }

    /// Cues at the PTS their map gives; the picture inside one shows it, between them nothing,
    /// inside two overlapping ones both (the earlier first); a file fetched twice adds nothing.
    #[test]
    fn the_picture_shows_the_cues_it_is_inside() {
        let mut cues = VecDeque::new();
        let segment = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n\
            00:00:00.200 --> 00:00:01.800\nfirst\n\n00:00:01.000 --> 00:00:03.000\nsecond\n";
        add_cues(&mut cues, &file(segment));
        add_cues(&mut cues, &file(segment));
        assert_eq!(cues.len(), 2);
        let at = |ms: i64| 900_000 + ms * 90;
        assert!(on_screen(&mut cues, at(100)).is_empty());
        assert_eq!(on_screen(&mut cues, at(200)), ["first"]);
        assert_eq!(on_screen(&mut cues, at(1_500)), ["first", "second"]);
        assert_eq!(on_screen(&mut cues, at(1_800)), ["second"]);
        assert!(on_screen(&mut cues, at(3_000)).is_empty());
        // A minute later they are forgotten.
        on_screen(&mut cues, at(64_000));
        assert!(cues.is_empty());
    }

    /// Across the 33-bit wrap: a cue mapped just before it and one just after.
    #[test]
    fn cues_across_the_pts_wrap() {
        let mut cues = VecDeque::new();
        let wrap = (1u64 << 33) - 45_000;
        add_cues(
            &mut cues,
            &file(&format!(
                "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{wrap},LOCAL:00:00:00.000\n\n00:00:00.000 --> 00:00:01.000\nacross\n"
            )),
        );
        assert_eq!(on_screen(&mut cues, 10), ["across"], "0.5 s in, after the wrap");
        assert_eq!(on_screen(&mut cues, (wrap + 100) as i64), ["across"]);
        assert!(on_screen(&mut cues, 45_001).is_empty());
    }

    /// At most MAX_CUES are held, the oldest go.
    #[test]
    fn the_cues_held_are_capped() {
        let mut cues = VecDeque::new();
        let mut text = String::from("WEBVTT\n\n");
        for i in 0..400 {
            text.push_str(&format!(
                "00:{:02}:{:02}.000 --> 00:{:02}:{:02}.500\nc{i}\n\n",
                i / 60,
                i % 60,
                i / 60,
                i % 60
            ));
        }
        add_cues(&mut cues, &file(&text));
        assert_eq!(cues.len(), MAX_CUES);
        assert_eq!(cues[0].lines, ["c144"]);
    }

    #[test]
    fn tracks_are_named_by_their_rendition() {
        let rendition = hls::Rendition {
            group: "subs".into(),
            name: "English".into(),
            language: Some("en".into()),
            url: "http://o/s.m3u8".into(),
            hard_of_hearing: true,
            default: false,
        };
        let t = track((2, &rendition));
        assert_eq!(
            (t.id.as_str(), t.kind, t.hard_of_hearing),
            ("webvtt:2", SubtitleKind::WebVtt, true)
        );
    }
}
