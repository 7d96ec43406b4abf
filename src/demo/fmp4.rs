// SPDX-License-Identifier: GPL-3.0-or-later
//! A live OTT channel in fragmented MP4, served two ways from the same segments: DASH (a dynamic
//! MPD with a `SegmentTimeline` and `$Time$` addresses, one AdaptationSet for video and one for
//! audio, the common live profile) and HLS with fMP4 segments (a master playlist, a video
//! playlist and an audio rendition, each with its `EXT-X-MAP`).
//!
//! The fragments are made once at start by GStreamer's own muxer (`tsdemux`, the parsers and
//! `mp4mux` in fragmented mode, one file per track) from a TS loop of the headend, and split
//! into an init segment and one `moof`+`mdat` per second. A segment is two seconds of fragments.
//! The stream is endless: lap `n` of the loop is the same fragments with their `tfdt` (decode
//! time) moved on by `n` loop lengths and their `mfhd` sequence numbers renumbered, which is
//! what a live packager's output looks like to a client. The origin's clock decides what is
//! available: a segment appears once its last sample has "aired".
//!
//! The live MPD has two English text AdaptationSets too, last (after the picture's and the
//! sound's, as packagers order them): subtitles (`Role` `subtitle`) and captions for the hard of
//! hearing (`Role` `caption`), see [`TextKind`]; TTML in fragmented MP4 (`stpp`, DASH-IF's
//! preferred live form) at `/dash/live.mpd`, or whole TTML documents (`application/ttml+xml`) at
//! `/dash/ttml.mpd`. Text segment `k` is one TTML document with one cue ([`subtitle_cue`] or
//! [`caption_cue`]), from
//! 0.2 s to 1.8 s into video segment `k`, its times on the text track's media timeline
//! (ISO/IEC 14496-30 §5.3), as a packager writes them; that timeline is an hour ahead of the
//! picture's and says so with its `presentationTimeOffset`, so a player that times the cues
//! wrong shows none. Text requests are counted, so tests can see that a player fetches them
//! only while it shows them.

use crate::manifest::dash::TextForm;
use anyhow::{Context, Result, bail};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Segment length in seconds.
const SEGMENT_SECONDS: u64 = 2;
/// Segments listed in the live manifests.
const WINDOW: u64 = 5;

/// One track: its init segment and one lap's segments.
struct Track {
    /// `v` or `a`: the representation id and the path's folder.
    id: &'static str,
    timescale: u64,
    init: Vec<u8>,
    /// Per segment of a lap: start (in the timescale) and the `moof`+`mdat` pairs.
    segments: Vec<(u64, Vec<u8>)>,
    /// The lap's length in the timescale.
    lap: u64,
    bandwidth: u64,
    codecs: &'static str,
}

impl Track {
    fn duration(&self, j: usize) -> u64 {
        let next = self.segments.get(j + 1).map_or(self.lap, |s| s.0);
        next - self.segments[j].0
    }

    /// Segment `k` of the endless stream: start, duration and bytes (the `tfdt` moved on), its
    /// media timeline `offset` (in the timescale) later than the presentation's (a
    /// `presentationTimeOffset`; 0 for the plain channel).
    fn segment(&self, k: u64, offset: u64) -> Option<(u64, u64, Vec<u8>)> {
        let per_lap = self.segments.len() as u64;
        if per_lap == 0 {
            return None;
        }
        let (lap, j) = (k / per_lap, (k % per_lap) as usize);
        let (start, bytes) = &self.segments[j];
        let shift = lap * self.lap + offset;
        let mut bytes = bytes.clone();
        let sequence = (k + 1) as u32;
        shift_fragments(&mut bytes, shift, sequence);
        Some((shift + start, self.duration(j), bytes))
    }

    /// The segment index `k` that starts at `time` (in the timescale), if any.
    fn index_at(&self, time: u64) -> Option<u64> {
        let lap = time / self.lap;
        let within = time % self.lap;
        let j = self.segments.iter().position(|s| s.0 == within)?;
        Some(lap * self.segments.len() as u64 + j as u64)
    }

    /// When segment `k` has aired completely, in seconds from the origin's start.
    fn ends_at(&self, k: u64) -> f64 {
        let per_lap = self.segments.len() as u64;
        let (lap, j) = (k / per_lap, (k % per_lap) as usize);
        (lap * self.lap + self.segments[j].0 + self.duration(j)) as f64 / self.timescale as f64
    }

    /// Segments complete `elapsed` seconds after the origin's start: `first..end`.
    fn window(&self, elapsed: f64) -> (u64, u64) {
        let per_lap = self.segments.len() as u64;
        let laps = (elapsed * self.timescale as f64 / self.lap as f64).floor() as u64;
        let mut end = laps * per_lap;
        while self.ends_at(end) <= elapsed {
            end += 1;
        }
        (end.saturating_sub(WINDOW), end)
    }
}

/// The cue of subtitle segment `k` (shown from 0.2 s to 1.8 s into video segment `k`).
pub fn subtitle_cue(k: u64) -> String {
    format!("DASH subtitle {k}: the news in English")
}

/// The cue of caption segment `k` (for the hard of hearing: the sounds too), timed as
/// [`subtitle_cue`].
pub fn caption_cue(k: u64) -> String {
    format!("DASH captions {k}: [door slams] the news")
}

/// The demo's two English text tracks, each its own AdaptationSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// `Role` `subtitle`: the dialogue ([`subtitle_cue`]), under `/dash/t/`.
    Subtitles,
    /// `Role` `caption`, for the deaf and hard of hearing ([`caption_cue`]), under `/dash/c/`.
    Captions,
}

impl TextKind {
    /// The folder of its init and segments (and its representation id).
    pub fn folder(self) -> &'static str {
        match self {
            TextKind::Subtitles => "t",
            TextKind::Captions => "c",
        }
    }

    fn role(self) -> &'static str {
        match self {
            TextKind::Subtitles => "subtitle",
            TextKind::Captions => "caption",
        }
    }

    fn cue(self, k: u64) -> String {
        match self {
            TextKind::Subtitles => subtitle_cue(k),
            TextKind::Captions => caption_cue(k),
        }
    }
}

/// The `presentationTimeOffset` of the picture and the sound of [`Fmp4Channel::offset_mpd`], in
/// seconds: their media timelines a thousand seconds later than the presentation's.
pub const MEDIA_OFFSET: u64 = 1000;

/// The subtitles' timescale (milliseconds).
const TEXT_TIMESCALE: u64 = 1000;
/// The subtitles' `presentationTimeOffset` (ms): their media timeline starts an hour after the
/// picture's, as a packager that stamps text from a clock of its own writes it. A player that
/// does not take it off shows no cue at all.
const TEXT_PTO: u64 = 3_600_000;

/// The fMP4 origin.
pub struct Fmp4Channel {
    tracks: Vec<Track>,
    /// Requests for the subtitle track's init and segments.
    text_requests: AtomicU64,
    /// The origin's clock: when its stream began (wall clock, for the MPD, and monotonic).
    started: Instant,
    started_wall: SystemTime,
}

impl Fmp4Channel {
    /// Makes the fragments of `loop_file` (one TS loop of `loop_seconds`).
    pub fn new(loop_file: &Path, loop_seconds: u64) -> Result<Self> {
        let (video, audio) = fragment(loop_file)?;
        let video = track("v", &video, loop_seconds, "avc1.42c01f")?;
        let audio = track("a", &audio, loop_seconds, "mp4a.40.2")?;
        // Pretend the channel went on air a window ago, so the first manifest is full.
        let ago = Duration::from_secs(WINDOW * SEGMENT_SECONDS + 1);
        Ok(Self {
            tracks: vec![video, audio],
            text_requests: AtomicU64::new(0),
            started: Instant::now() - ago,
            started_wall: SystemTime::now() - ago,
        })
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn track(&self, id: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.id == id)
    }

    /// The live MPD: with `numbered`, `$Number$` addresses and a fixed `@duration` (the form
    /// GStreamer's `dashdemux2` plays live); else a `SegmentTimeline` with `$Time$` addresses.
    /// With `text`, an English subtitle AdaptationSet in that form, after the others.
    pub fn mpd(&self, numbered: bool, text: Option<TextForm>) -> String {
        self.mpd_after(numbered, text, 0)
    }

    /// The `$Number$` MPD whose picture and sound have media timelines [`MEDIA_OFFSET`] seconds
    /// later than the presentation's, as their `presentationTimeOffset` says (their segments
    /// under `/dash/offset/`, [`Fmp4Channel::segment_after`]): a player times subtitles against
    /// the picture's PTS less that offset.
    pub fn offset_mpd(&self, text: Option<TextForm>) -> String {
        self.mpd_after(true, text, MEDIA_OFFSET)
    }

    fn mpd_after(&self, numbered: bool, text: Option<TextForm>, offset: u64) -> String {
        let start = jiff::Timestamp::try_from(self.started_wall)
            .map(|t| t.round(jiff::Unit::Millisecond).unwrap_or(t).to_string())
            .unwrap_or_default();
        let elapsed = self.elapsed();
        let mut sets = String::new();
        for track in &self.tracks {
            let (first, end) = track.window(elapsed);
            let mut timeline = String::new();
            for k in first..end {
                if let Some((t, d, _)) = track.segment_meta(k) {
                    timeline.push_str(&format!("<S t=\"{t}\" d=\"{d}\"/>"));
                }
            }
            let (content, mime, extra) = if track.id == "v" {
                (
                    "video",
                    "video/mp4",
                    " width=\"1280\" height=\"720\" frameRate=\"25\"",
                )
            } else {
                ("audio", "audio/mp4", " audioSamplingRate=\"48000\"")
            };
            let lang = if track.id == "a" { " lang=\"en\"" } else { "" };
            let template = if numbered {
                format!(
                    "<SegmentTemplate timescale=\"{ts}\" duration=\"{d}\" startNumber=\"0\" \
                     presentationTimeOffset=\"{pto}\" \
                     initialization=\"$RepresentationID$/init.mp4\" media=\"$RepresentationID$/n/$Number$.m4s\"/>",
                    ts = track.timescale,
                    d = SEGMENT_SECONDS * track.timescale,
                    pto = offset * track.timescale,
                )
            } else {
                format!(
                    "<SegmentTemplate timescale=\"{ts}\" initialization=\"$RepresentationID$/init.mp4\" \
                     media=\"$RepresentationID$/$Time$.m4s\"><SegmentTimeline>{timeline}</SegmentTimeline></SegmentTemplate>",
                    ts = track.timescale,
                )
            };
            sets.push_str(&format!(
                "<AdaptationSet contentType=\"{content}\" mimeType=\"{mime}\" segmentAlignment=\"true\"{lang}>\
                 {template}<Representation id=\"{id}\" bandwidth=\"{bw}\" codecs=\"{codecs}\"{extra}/></AdaptationSet>\n",
                id = track.id,
                bw = track.bandwidth,
                codecs = track.codecs,
            ));
        }
        let duration = SEGMENT_SECONDS * TEXT_TIMESCALE;
        for kind in [TextKind::Subtitles, TextKind::Captions] {
            let (f, role) = (kind.folder(), kind.role());
            let role = format!("<Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"{role}\"/>");
            match text {
                Some(TextForm::Stpp) => sets.push_str(&format!(
                    "<AdaptationSet contentType=\"text\" mimeType=\"application/mp4\" codecs=\"stpp\" lang=\"en\">{role}\
                     <SegmentTemplate timescale=\"{TEXT_TIMESCALE}\" duration=\"{duration}\" startNumber=\"0\" \
                     presentationTimeOffset=\"{TEXT_PTO}\" initialization=\"{f}/init.mp4\" media=\"{f}/n/$Number$.m4s\"/>\
                     <Representation id=\"{f}\" bandwidth=\"2000\"/></AdaptationSet>\n"
                )),
                Some(TextForm::Ttml) => sets.push_str(&format!(
                    "<AdaptationSet contentType=\"text\" mimeType=\"application/ttml+xml\" lang=\"en\">{role}\
                     <SegmentTemplate timescale=\"{TEXT_TIMESCALE}\" duration=\"{duration}\" startNumber=\"0\" \
                     presentationTimeOffset=\"{TEXT_PTO}\" media=\"{f}/n/$Number$.ttml\"/><Representation id=\"{f}\" bandwidth=\"2000\"/></AdaptationSet>\n"
                )),
                None => {}
            }
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" \
             type=\"dynamic\" availabilityStartTime=\"{start}\" minimumUpdatePeriod=\"PT{SEGMENT_SECONDS}S\" \
             timeShiftBufferDepth=\"PT{depth}S\" suggestedPresentationDelay=\"PT4S\" minBufferTime=\"PT2S\" \
             maxSegmentDuration=\"PT{SEGMENT_SECONDS}S\">\n<Period id=\"0\" start=\"PT0S\">\n{sets}</Period>\n\
             <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\"{now}\"/>\n</MPD>\n",
            depth = WINDOW * SEGMENT_SECONDS,
            now = jiff::Timestamp::now()
                .round(jiff::Unit::Millisecond)
                .unwrap_or(jiff::Timestamp::now()),
        )
    }

    /// The HLS master playlist: the video variant with its audio rendition.
    pub fn master(&self) -> String {
        let bandwidth: u64 = self.tracks.iter().map(|t| t.bandwidth).sum();
        format!(
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\
             #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,URI=\"a.m3u8\"\n\
             #EXT-X-STREAM-INF:BANDWIDTH={bandwidth},CODECS=\"avc1.42c01f,mp4a.40.2\",RESOLUTION=1280x720,AUDIO=\"aud\"\nv.m3u8\n"
        )
    }

    /// The HLS media playlist of track `id`.
    pub fn media_playlist(&self, id: &str) -> Option<String> {
        let track = self.track(id)?;
        let (first, end) = track.window(self.elapsed());
        // When the first listed segment aired, as live packagers write it.
        let (t, _, _) = track.segment_meta(first)?;
        let aired = self.started_wall + Duration::from_secs_f64(t as f64 / track.timescale as f64);
        let aired = jiff::Timestamp::try_from(aired)
            .ok()?
            .round(jiff::Unit::Millisecond)
            .ok()?;
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}\n#EXT-X-MEDIA-SEQUENCE:{first}\n\
             #EXT-X-MAP:URI=\"{id}/init.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:{aired}\n"
        );
        for k in first..end {
            let (_, d, _) = track.segment_meta(k)?;
            text.push_str(&format!(
                "#EXTINF:{:.3},\n{id}/{k}.m4s\n",
                d as f64 / track.timescale as f64
            ));
        }
        Some(text)
    }

    /// Track `id`'s init segment.
    pub fn init(&self, id: &str) -> Option<Vec<u8>> {
        self.track(id).map(|t| t.init.clone())
    }

    /// Segment `k` of track `id` (HLS addresses), while it is available.
    pub fn segment_by_index(&self, id: &str, k: u64) -> Option<Vec<u8>> {
        self.segment_after(id, k, 0)
    }

    /// Segment `k` of track `id`, its media timeline `offset` seconds later than the
    /// presentation's (see [`Fmp4Channel::offset_mpd`]), while it is available.
    pub fn segment_after(&self, id: &str, k: u64, offset: u64) -> Option<Vec<u8>> {
        let track = self.track(id)?;
        let (first, end) = track.window(self.elapsed());
        // A little more than the window stays fetchable, as on real origins.
        if k >= end || k + 2 * WINDOW < first {
            return None;
        }
        track.segment(k, offset * track.timescale).map(|s| s.2)
    }

    /// Requests for the subtitle track's init and segments so far.
    pub fn text_requests(&self) -> u64 {
        self.text_requests.load(Ordering::SeqCst)
    }

    /// The subtitle track's init segment (`stpp`).
    pub fn text_init(&self) -> Vec<u8> {
        self.text_requests.fetch_add(1, Ordering::SeqCst);
        crate::ott::stpp::packager::init(TEXT_TIMESCALE as u32)
    }

    /// Text segment `k` in `form`, while video segment `k` is available: one TTML document
    /// whose cue runs from 0.2 s to 1.8 s into video segment `k`, on the text's media timeline
    /// (the picture's presentation time plus [`TEXT_PTO`]).
    pub fn text_segment(&self, k: u64, form: TextForm, kind: TextKind) -> Option<Vec<u8>> {
        self.text_requests.fetch_add(1, Ordering::SeqCst);
        let video = self.track("v")?;
        let (first, end) = video.window(self.elapsed());
        if k >= end || k + 2 * WINDOW < first {
            return None;
        }
        let (start, _, _) = video.segment_meta(k)?;
        let start_ms = start * 1000 / video.timescale + TEXT_PTO;
        let document = ttml_document(start_ms + 200, start_ms + 1800, &kind.cue(k));
        Some(match form {
            TextForm::Ttml => document.into_bytes(),
            TextForm::Stpp => {
                let duration = SEGMENT_SECONDS * TEXT_TIMESCALE;
                crate::ott::stpp::packager::segment(
                    (k + 1) as u32,
                    TEXT_PTO + k * duration,
                    duration as u32,
                    &[document.as_bytes()],
                )
            }
        })
    }

    /// The segment of track `id` starting at `time` (DASH `$Time$` addresses).
    pub fn segment_by_time(&self, id: &str, time: u64) -> Option<Vec<u8>> {
        let k = self.track(id)?.index_at(time)?;
        self.segment_by_index(id, k)
    }
}

impl Track {
    fn segment_meta(&self, k: u64) -> Option<(u64, u64, ())> {
        let per_lap = self.segments.len() as u64;
        if per_lap == 0 {
            return None;
        }
        let (lap, j) = (k / per_lap, (k % per_lap) as usize);
        Some((lap * self.lap + self.segments[j].0, self.duration(j), ()))
    }
}

/// The TTML document of text segment `k`: one paragraph from `begin_ms` to `end_ms` (media
/// times, as clock times), its last word in yellow, styled and placed as EBU-TT-D documents are.
fn ttml_document(begin_ms: u64, end_ms: u64, cue: &str) -> String {
    let clock = |ms: u64| {
        format!(
            "{:02}:{:02}:{:02}.{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    };
    let (words, last) = cue.rsplit_once(' ').unwrap_or((cue, ""));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <tt xmlns=\"http://www.w3.org/ns/ttml\" xmlns:tts=\"http://www.w3.org/ns/ttml#styling\" \
         xmlns:ttp=\"http://www.w3.org/ns/ttml#parameter\" ttp:timeBase=\"media\" xml:lang=\"en\">\n\
         <head><styling><style xml:id=\"s\" tts:color=\"#FFFFFF\" tts:backgroundColor=\"#000000C0\"/>\
         <style xml:id=\"y\" tts:color=\"#FFFF00\"/></styling>\
         <layout><region xml:id=\"r\" tts:origin=\"10% 80%\" tts:extent=\"80% 15%\"/></layout></head>\n\
         <body region=\"r\" style=\"s\"><div><p begin=\"{}\" end=\"{}\">{words} <span style=\"y\">{last}</span></p></div></body>\n\
         </tt>\n",
        clock(begin_ms),
        clock(end_ms)
    )
}

/// Runs `tsdemux ! parse ! mp4mux` (fragmented, one fragment per second) over `loop_file`: the
/// video and the audio as fragmented MP4 files in memory.
fn fragment(loop_file: &Path) -> Result<(Vec<u8>, Vec<u8>)> {
    gst::init()?;
    let location = loop_file.to_string_lossy().replace('"', "");
    let description = format!(
        "filesrc location=\"{location}\" ! tsdemux name=d \
         d. ! video/x-h264 ! queue ! h264parse ! video/x-h264,stream-format=avc,alignment=au \
            ! mp4mux fragment-duration=1000 streamable=true ! appsink name=v sync=false \
         d. ! audio/mpeg ! queue ! aacparse ! mp4mux fragment-duration=1000 streamable=true \
            ! appsink name=a sync=false"
    );
    let pipeline = gst::parse::launch(&description)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| anyhow::anyhow!("not a pipeline"))?;
    let collect = |name: &str| -> Result<Arc<Mutex<Vec<u8>>>> {
        let out = Arc::new(Mutex::new(Vec::new()));
        let into = out.clone();
        let sink = pipeline
            .by_name(name)
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .context("no appsink")?;
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    if let Some(map) = sample.buffer().and_then(|b| b.map_readable().ok())
                        && let Ok(mut out) = into.lock()
                    {
                        out.extend_from_slice(map.as_slice());
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        Ok(out)
    };
    let (video, audio) = (collect("v")?, collect("a")?);
    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline.bus().context("no bus")?;
    let result = match bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(60),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    ) {
        Some(m) => match m.view() {
            gst::MessageView::Eos(_) => Ok(()),
            gst::MessageView::Error(e) => Err(anyhow::anyhow!("fragmenting the loop: {}", e.error())),
            _ => Ok(()),
        },
        None => Err(anyhow::anyhow!("fragmenting the loop took more than 60 s")),
    };
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    let take = |a: Arc<Mutex<Vec<u8>>>| a.lock().map(|v| v.clone()).unwrap_or_default();
    Ok((take(video), take(audio)))
}

/// The top-level boxes of `bytes`: (type, start, size).
fn boxes(bytes: &[u8], from: usize, to: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut at = from;
    while at + 8 <= to {
        let size = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        if size < 8 || at + size > to {
            break;
        }
        let kind = [bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]];
        out.push((kind, at, size));
        at += size;
    }
    out
}

/// The first `tfdt` time of the `moof` at `at`.
fn tfdt(bytes: &[u8], at: usize, size: usize) -> Option<u64> {
    for (kind, traf, traf_size) in boxes(bytes, at + 8, at + size) {
        if &kind != b"traf" {
            continue;
        }
        for (kind, b, _) in boxes(bytes, traf + 8, traf + traf_size) {
            if &kind == b"tfdt" {
                let version = bytes[b + 8];
                let field = b + 12;
                return Some(if version == 1 {
                    u64::from_be_bytes(bytes[field..field + 8].try_into().ok()?)
                } else {
                    u64::from(u32::from_be_bytes(bytes[field..field + 4].try_into().ok()?))
                });
            }
        }
    }
    None
}

/// Moves every `tfdt` in the `moof`s of `bytes` on by `shift` and sets their `mfhd` sequence.
fn shift_fragments(bytes: &mut [u8], shift: u64, sequence: u32) {
    let len = bytes.len();
    for (kind, moof, moof_size) in boxes(bytes, 0, len) {
        if &kind != b"moof" {
            continue;
        }
        for (kind, child, child_size) in boxes(bytes, moof + 8, moof + moof_size) {
            if &kind == b"mfhd" {
                bytes[child + 12..child + 16].copy_from_slice(&sequence.to_be_bytes());
            }
            if &kind != b"traf" {
                continue;
            }
            for (kind, b, _) in boxes(bytes, child + 8, child + child_size) {
                if &kind != b"tfdt" {
                    continue;
                }
                let field = b + 12;
                if bytes[b + 8] == 1 {
                    let t = u64::from_be_bytes(bytes[field..field + 8].try_into().unwrap_or_default());
                    bytes[field..field + 8].copy_from_slice(&(t + shift).to_be_bytes());
                } else {
                    let t = u32::from_be_bytes(bytes[field..field + 4].try_into().unwrap_or_default());
                    bytes[field..field + 4].copy_from_slice(&(t.wrapping_add(shift as u32)).to_be_bytes());
                }
            }
        }
    }
}

/// Splits a fragmented MP4 file into its init segment and segments of [`SEGMENT_SECONDS`].
fn track(id: &'static str, file: &[u8], loop_seconds: u64, codecs: &'static str) -> Result<Track> {
    let top = boxes(file, 0, file.len());
    let moov = top
        .iter()
        .find(|b| &b.0 == b"moov")
        .context("the fragmented file has no moov")?;
    let timescale = mdhd_timescale(file, moov.1, moov.2).context("no mdhd timescale")?;
    let init_end = moov.1 + moov.2;
    let init = file[..init_end].to_vec();
    let mut segments: Vec<(u64, Vec<u8>)> = Vec::new();
    let per_segment = SEGMENT_SECONDS * timescale;
    let lap = loop_seconds * timescale;
    let mut i = 0;
    while i < top.len() {
        let (kind, at, size) = top[i];
        if &kind == b"moof" {
            let time = tfdt(file, at, size).context("a moof without tfdt")?;
            let end = top
                .get(i + 1)
                .filter(|b| &b.0 == b"mdat")
                .map_or(at + size, |b| b.1 + b.2);
            if time < lap {
                // Segments start at the fragment nearest each two-second mark, so the audio's
                // segments (fragments of 1024-sample frames) line up with the video's.
                let mark = segments.len() as u64 * per_segment;
                let new_segment = segments.is_empty() || (mark < lap && time + timescale / 2 >= mark);
                if new_segment {
                    segments.push((time, Vec::new()));
                }
                if let Some(last) = segments.last_mut() {
                    last.1.extend_from_slice(&file[at..end]);
                }
            }
        }
        i += 1;
    }
    if segments.is_empty() {
        bail!("the fragmented {id} track has no fragments");
    }
    let bytes: usize = segments.iter().map(|s| s.1.len()).sum();
    Ok(Track {
        id,
        timescale,
        init,
        segments,
        lap,
        bandwidth: (bytes as u64 * 8) / loop_seconds.max(1),
        codecs,
    })
}

/// The first `mdhd` timescale inside the `moov` at `at`.
fn mdhd_timescale(bytes: &[u8], at: usize, size: usize) -> Option<u64> {
    let window = &bytes[at..at + size];
    let pos = window.windows(4).position(|w| w == b"mdhd")?;
    let version = *window.get(pos + 4)?;
    let field = pos + 4 + 4 + if version == 1 { 16 } else { 8 };
    Some(u64::from(u32::from_be_bytes(
        window.get(field..field + 4)?.try_into().ok()?,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moof(time: u32) -> Vec<u8> {
        let tfdt = [
            &16u32.to_be_bytes()[..],
            b"tfdt",
            &[0, 0, 0, 0],
            &time.to_be_bytes(),
        ]
        .concat();
        let traf = [&(8 + tfdt.len() as u32).to_be_bytes()[..], b"traf", &tfdt].concat();
        let mfhd = [&16u32.to_be_bytes()[..], b"mfhd", &[0, 0, 0, 0], &[0, 0, 0, 9]].concat();
        [
            &(8 + mfhd.len() as u32 + traf.len() as u32).to_be_bytes()[..],
            b"moof",
            &mfhd,
            &traf,
        ]
        .concat()
    }

    /// The demo's TTML reads back with the app's parser: the cue at its media times, in both
    /// forms.
    #[test]
    fn subtitle_documents_read_back() {
        let doc = ttml_document(3_723_200, 3_724_800, &subtitle_cue(7));
        let ttml = crate::ott::ttml::parse(doc.as_bytes());
        assert_eq!(ttml.repaired, 0);
        assert_eq!(ttml.cues.len(), 1);
        assert_eq!(
            (ttml.cues[0].start_ms, ttml.cues[0].end_ms),
            (3_723_200, Some(3_724_800))
        );
        assert_eq!(ttml.cues[0].text(), [subtitle_cue(7)]);
        let segment = crate::ott::stpp::packager::segment(8, 14_000, 2_000, &[doc.as_bytes()]);
        let samples = crate::ott::stpp::samples(&segment);
        assert_eq!(samples.len(), 1);
        assert_eq!((samples[0].time, samples[0].bytes), (14_000, doc.as_bytes()));
    }

    #[test]
    fn fragments_move_on_by_laps() {
        let mut bytes = moof(2500);
        bytes.extend(moof(5000));
        assert_eq!(tfdt(&bytes, 0, bytes.len() / 2), Some(2500));
        shift_fragments(&mut bytes, 25_000, 7);
        let half = bytes.len() / 2;
        assert_eq!(tfdt(&bytes, 0, half), Some(27_500));
        assert_eq!(tfdt(&bytes, half, half), Some(30_000));
        assert_eq!(&bytes[20..24], &7u32.to_be_bytes(), "the mfhd sequence");
    }
}
