// SPDX-License-Identifier: GPL-3.0-or-later
//! Subtitles of a DASH channel: the MPD's TTML AdaptationSets, fetched by the app itself and
//! only while one is shown, timed against the picture like the other text subtitles.
//!
//! ```text
//!  dashdemux2 ─fMP4─> qtdemux ─> the picture (GStreamer's; its MPD without the text sets)
//!  text thread: the MPD once ─> TTML tracks (SubtitleTracks)
//!               chosen track: its init (stpp) once, then each new segment once
//!               (a $Number$ template by the clock, a SegmentTimeline from the MPD read again)
//!               ─> cues on the presentation timeline ─> the lines the picture is inside
//! ```
//!
//! Why the app and not `dashdemux2`: as for HLS (see `hls_subtitles`), the app draws text
//! subtitles on its own plane, times them by the picture and bounds what a stranger's
//! document can do (the parsers are `ott::ttml` and `ott::stpp`). `dashdemux2` is handed the
//! MPD without its text AdaptationSets (`hls_subtitles::hide_in`, with
//! `manifest::dash::without_text`), so it never downloads them. It fetches the MPD's updates
//! itself, text sets included; it matches an update's sets to its streams by their order, so
//! text sets after the picture's and the sound's (the order packagers write) leave it
//! undisturbed, and it never starts streams for sets it was not given at first.
//!
//! Why only while shown: as for HLS, nothing of a text track is asked for until the viewer
//! chooses it; turned off, the fetching stops at once.
//!
//! Timing: ISO/IEC 14496-30 §5.3 puts the times of a TTML document in an `stpp` sample on the
//! track's media timeline, not relative to the sample, and a whole-document TTML segment has
//! them there too; dash.js offsets them by the sample's time only for Smooth Streaming
//! (`ttmlTimeIsRelative`), and Shaka Player hands them to its TTML parser with the Period's
//! start alone. So does the app: a cue's presentation time is its TTML time less the text
//! track's `presentationTimeOffset`. The picture's is the PTS of the frame on screen (which
//! `qtdemux` takes from the fragments' `tfdt` on the video's media timeline) less the video
//! track's `presentationTimeOffset`; a cue shows while the picture, less the viewer's delay,
//! is inside it. A document's paragraph with no end of its own lasts to its sample's end
//! (stpp) or, in a whole document, a segment's length from its begin (an approximation: the
//! manifest's segment list keeps a `$Number$` segment's number, not its media time). Cues are a
//! state: at most [`MAX_CUES`] held,
//! those that ended a minute before the picture forgotten.

use super::EventSink;
use super::subtitles::VideoClock;
use super::text_fetch::{self, Choice, StopOnDrop, fetch};
use crate::core::{PlayerEvent, RequestId, SubtitleKind, SubtitleLine, SubtitleRun, SubtitleTrack};
use crate::lineup::Source;
use crate::manifest::dash::{self, TextForm};
use crate::net::http::HttpClient;
use crate::ott::{stpp, ttml};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the thread looks at the picture's time (and sends what changed).
const TICK: Duration = Duration::from_millis(40);
/// Cues held at most.
const MAX_CUES: usize = 256;
/// Segments fetched when a track is chosen: the newest available, which cover where the
/// picture plays (a few segments behind the live edge).
const FIRST_SEGMENTS: usize = 4;
/// How often the available segments are looked at again, within these bounds (a
/// `SegmentTimeline` MPD is fetched again for it).
const REFRESH_MIN: Duration = Duration::from_secs(1);
const REFRESH_MAX: Duration = Duration::from_secs(10);
/// After a failed fetch, the next try.
const RETRY: Duration = Duration::from_secs(2);
/// Cues that ended this long before the picture are forgotten (ms).
const FORGET_AFTER_MS: i64 = 60_000;
/// The id prefix of a TTML track.
const ID_PREFIX: &str = "ttml:";

/// What the session and the text thread share.
#[derive(Default)]
struct Shared {
    /// The chosen track (its index among the MPD's text tracks).
    choice: Choice,
    delay_ms: i32,
}

/// A DASH session's subtitles; the thread stops when this is dropped.
pub struct DashText {
    shared: Arc<Mutex<Shared>>,
    _stop: StopOnDrop,
}

impl DashText {
    /// Starts the text thread of `request` on `source` (its MPD is read at once).
    pub fn start(
        request: RequestId,
        source: &Source,
        clock: Arc<VideoClock>,
        events: EventSink,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let stop = StopOnDrop::default();
        let thread = TextThread {
            request,
            url: source.url.clone(),
            user_agent: source.user_agent.clone(),
            shared: shared.clone(),
            stop: stop.flag(),
            clock,
            events,
        };
        std::thread::Builder::new()
            .name("dash-text".into())
            .spawn(move || thread.run())?;
        Ok(Self { shared, _stop: stop })
    }

    /// Shows `track` (one this session reported), or nothing.
    pub fn select(&self, track: Option<&SubtitleTrack>, delay_ms: i32) {
        let Ok(mut shared) = self.shared.lock() else {
            return;
        };
        shared.delay_ms = delay_ms;
        shared.choice.set(Choice::index_of(track, ID_PREFIX));
    }
}

/// The thread's own state.
struct TextThread {
    request: RequestId,
    url: String,
    user_agent: Option<String>,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    clock: Arc<VideoClock>,
    events: EventSink,
}

/// The MPD as the text thread needs it.
struct Manifest {
    texts: Vec<dash::TextTrack>,
    /// The video's `presentationTimeOffset` in ms (the picture's PTS less it is its
    /// presentation time).
    video_offset_ms: i64,
    /// A `SegmentTimeline` must be read again from the MPD; how often it changes.
    update: Duration,
}

/// The chosen track being fetched.
struct Fetching {
    generation: u64,
    index: usize,
    /// The `stpp` track's timescale, once its init segment was read.
    timescale: Option<u64>,
    /// The newest segment fetched (its key).
    last: Option<u64>,
    next_read: Instant,
}

/// A cue on the presentation timeline (ms): start, end, its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TimedCue {
    start: i64,
    end: i64,
    lines: Vec<SubtitleLine>,
}

impl TextThread {
    fn run(self) {
        let client = match text_fetch::client(self.user_agent.as_deref(), crate::manifest::MAX_MANIFEST_BYTES)
        {
            Ok(c) => c,
            Err(e) => {
                log::warn!("no DASH subtitles: {e}");
                return;
            }
        };
        let Some(mut manifest) = self.manifest(&client) else {
            return;
        };
        if self.stopped() || manifest.texts.is_empty() {
            return;
        }
        let tracks: Vec<SubtitleTrack> = manifest.texts.iter().enumerate().map(track).collect();
        (self.events)(PlayerEvent::SubtitleTracks {
            request: self.request,
            tracks,
        });
        let mut cues: VecDeque<TimedCue> = VecDeque::new();
        let mut fetching: Option<Fetching> = None;
        let mut shown: Option<Vec<SubtitleLine>> = None;
        // The choice acted on (0: none made yet).
        let mut acted_on = 0u64;
        while !self.stopped() {
            let (Choice { chosen, generation }, delay_ms) = match self.shared.lock() {
                Ok(s) => (s.choice, s.delay_ms),
                Err(_) => return,
            };
            if generation != acted_on {
                acted_on = generation;
                cues.clear();
                shown = None;
                fetching = chosen
                    .filter(|i| *i < manifest.texts.len())
                    .map(|index| Fetching {
                        generation,
                        index,
                        timescale: None,
                        last: None,
                        next_read: Instant::now(),
                    });
                if fetching.is_none() {
                    // Turned off (or to a track that is not ours): the screen is cleared once.
                    (self.events)(PlayerEvent::SubtitleText {
                        request: self.request,
                        lines: Vec::new(),
                    });
                }
            }
            if let Some(f) = fetching.as_mut()
                && Instant::now() >= f.next_read
            {
                self.read_track(&client, &mut manifest, f, &mut cues);
            }
            if fetching.is_some() {
                let picture = self
                    .clock
                    .latest_ns()
                    // Saturating: the offset comes from a stranger's MPD (up to i64::MAX).
                    .map(|ns| {
                        ((ns / 1_000_000) as i64)
                            .saturating_sub(manifest.video_offset_ms)
                            .saturating_sub(i64::from(delay_ms))
                    });
                let lines = picture.map(|p| on_screen(&mut cues, p)).unwrap_or_default();
                if shown.as_ref() != Some(&lines) {
                    (self.events)(PlayerEvent::SubtitleText {
                        request: self.request,
                        lines: lines.clone(),
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

    /// The MPD's text tracks (none when it cannot be read: the picture may still play).
    fn manifest(&self, client: &HttpClient) -> Option<Manifest> {
        let text = match fetch(client, &self.url) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                log::info!("DASH subtitles: the MPD: {e}");
                return None;
            }
        };
        match dash::parse(&text, &self.url, unix_now()) {
            Ok(mpd) => {
                let video_offset_ms = mpd
                    .tracks
                    .iter()
                    .find(|t| t.kind == crate::manifest::TrackKind::Video)
                    .map_or(0, |t| offset_ms(t.presentation_time_offset, t.timescale));
                let update =
                    Duration::from_secs_f64(mpd.minimum_update_period.unwrap_or(2.0).clamp(0.0, 60.0))
                        .clamp(REFRESH_MIN, REFRESH_MAX);
                Some(Manifest {
                    texts: mpd.texts,
                    video_offset_ms,
                    update,
                })
            }
            Err(e) => {
                log::info!("DASH subtitles: the MPD: {e}");
                None
            }
        }
    }

    /// Fetches the chosen track's segments not fetched yet.
    fn read_track(
        &self,
        client: &HttpClient,
        manifest: &mut Manifest,
        f: &mut Fetching,
        cues: &mut VecDeque<TimedCue>,
    ) {
        let Some(text) = manifest.texts.get(f.index) else {
            return;
        };
        let form = text.form;
        let text_offset_ms = offset_ms(text.track.presentation_time_offset, text.track.timescale);
        let segments = match text.track.available(unix_now()) {
            Ok(s) => s,
            Err(e) => {
                log::info!("DASH subtitles: {e}");
                f.next_read = Instant::now() + RETRY;
                return;
            }
        };
        let refresh = segments
            .last()
            .map(|s| Duration::from_secs_f64(s.seconds.clamp(0.0, 60.0)))
            .unwrap_or(REFRESH_MIN)
            .clamp(REFRESH_MIN, REFRESH_MAX);
        f.next_read = Instant::now() + refresh;
        if form == TextForm::Stpp && f.timescale.is_none() {
            let Some(init) = text.track.init.clone() else {
                log::info!("DASH subtitles: an stpp track without an init segment");
                f.next_read = Instant::now() + REFRESH_MAX;
                return;
            };
            match fetch(client, &init).map(|b| stpp::init(&b)) {
                Ok(Some(found)) if found.stpp => f.timescale = Some(u64::from(found.timescale)),
                Ok(_) => {
                    log::info!("DASH subtitles: {init} is not a TTML (stpp) track");
                    f.next_read = Instant::now() + REFRESH_MAX;
                    return;
                }
                Err(e) => {
                    log::info!("DASH subtitles: {e}");
                    f.next_read = Instant::now() + RETRY;
                    return;
                }
            }
        }
        let new: Vec<&dash::SegmentRef> = match f.last {
            // Keys that went back (an origin restart) start again.
            Some(last) if segments.first().is_none_or(|s| s.key <= last.saturating_add(1)) => {
                segments.iter().filter(|s| s.key > last).collect()
            }
            _ => {
                let skip = segments.len().saturating_sub(FIRST_SEGMENTS);
                segments.iter().skip(skip).collect()
            }
        };
        for segment in new {
            if !self.current(f.generation) {
                return;
            }
            match fetch(client, &segment.url) {
                Ok(bytes) => {
                    let timed = match (form, f.timescale) {
                        (TextForm::Stpp, Some(scale)) => stpp_cues(&bytes, scale, text_offset_ms),
                        (TextForm::Stpp, None) => Vec::new(),
                        (TextForm::Ttml, _) => document_cues(&bytes, None, segment.seconds, text_offset_ms),
                    };
                    add_cues(cues, timed);
                }
                Err(e) => log::info!("DASH subtitles: {e}"),
            }
            f.last = Some(segment.key);
        }
        if !self.current(f.generation) {
            cues.clear();
        }
        // A SegmentTimeline lists what is there only in the MPD: read again before the next look.
        if text.track.follows_the_clock() {
            return;
        }
        if let Some(fresh) = self.manifest(client) {
            *manifest = fresh;
        }
        f.next_read = Instant::now() + manifest.update;
    }
}

/// The track of text set `index`.
fn track((index, text): (usize, &dash::TextTrack)) -> SubtitleTrack {
    SubtitleTrack {
        id: format!("{ID_PREFIX}{index}"),
        kind: SubtitleKind::Ttml,
        language: text.track.language.clone(),
        hard_of_hearing: text.hard_of_hearing,
    }
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `presentationTimeOffset` in ms.
fn offset_ms(pto: u64, timescale: u64) -> i64 {
    (u128::from(pto) * 1000 / u128::from(timescale.max(1))).min(i64::MAX as u128) as i64
}

/// The cues of an `stpp` segment on the presentation timeline: each sample's document, its
/// open paragraphs ending with the sample.
fn stpp_cues(segment: &[u8], timescale: u64, offset_ms: i64) -> Vec<TimedCue> {
    let mut out = Vec::new();
    for sample in stpp::samples(segment) {
        let end_ms =
            u128::from(sample.time.saturating_add(sample.duration)) * 1000 / u128::from(timescale.max(1));
        let end_ms = end_ms.min(i64::MAX as u128) as i64;
        out.extend(document_cues(sample.bytes, Some(end_ms), 0.0, offset_ms));
    }
    out
}

/// The cues of one TTML document on the presentation timeline. A paragraph without an end
/// lasts to `until_ms` (the sample's end) or, without one, `seconds` after its start (a
/// whole-document segment's length).
fn document_cues(bytes: &[u8], until_ms: Option<i64>, seconds: f64, offset_ms: i64) -> Vec<TimedCue> {
    let document = ttml::parse(bytes);
    if document.repaired > 0 {
        log::debug!("DASH subtitles: {} repairs in a document", document.repaired);
    }
    document
        .cues
        .into_iter()
        .filter_map(|cue| {
            let start = i64::try_from(cue.start_ms).ok()?;
            let end = match (cue.end_ms, until_ms) {
                (Some(end), _) => i64::try_from(end).ok()?,
                (None, Some(until)) => until,
                (None, None) => start.saturating_add((seconds.clamp(0.0, 3600.0) * 1000.0) as i64),
            };
            (end > start).then(|| TimedCue {
                start: start - offset_ms,
                end: end - offset_ms,
                lines: cue.lines.iter().map(|l| line(l)).collect(),
            })
        })
        .collect()
}

fn line(runs: &[ttml::Run]) -> SubtitleLine {
    SubtitleLine {
        runs: runs
            .iter()
            .map(|r| SubtitleRun {
                text: r.text.clone(),
                colour: r.colour,
            })
            .collect(),
        double_height: false,
    }
}

/// Adds `timed`; the oldest go beyond [`MAX_CUES`]; a cue already held is not added twice.
fn add_cues(cues: &mut VecDeque<TimedCue>, timed: Vec<TimedCue>) {
    for cue in timed {
        if cues.contains(&cue) {
            continue;
        }
        if cues.len() == MAX_CUES {
            cues.pop_front();
        }
        cues.push_back(cue);
    }
}

/// The lines of the cues the picture at `picture` (ms) is inside, in the order they start;
/// cues long past are forgotten.
fn on_screen(cues: &mut VecDeque<TimedCue>, picture: i64) -> Vec<SubtitleLine> {
    cues.retain(|c| picture.saturating_sub(c.end) < FORGET_AFTER_MS);
    let mut active: Vec<&TimedCue> = cues
        .iter()
        .filter(|c| c.start <= picture && picture < c.end)
        .collect();
    active.sort_by_key(|c| c.start);
    active.iter().flat_map(|c| c.lines.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::teletext::Colour;

    fn texts(lines: &[SubtitleLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.runs.iter().map(|r| r.text.as_str()).collect())
            .collect()
    }

    const DOC: &str = r#"<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"><body>
        <p begin="00:01:40.200" end="00:01:41.800">first <span tts:color="yellow">cue</span></p>
        <p begin="00:01:41.000">open</p></body></tt>"#;

    /// stpp: times on the media timeline less the text's presentationTimeOffset; an open
    /// paragraph ends with its sample; the picture inside a cue shows it.
    #[test]
    fn stpp_cues_on_the_presentation_timeline() {
        // Sample at 100 s (timescale 1000) for 2 s; the text's PTO is 10 s.
        let segment = stpp::packager::segment(1, 100_000, 2_000, &[DOC.as_bytes()]);
        let timed = stpp_cues(&segment, 1000, 10_000);
        let summary: Vec<(i64, i64, Vec<String>)> =
            timed.iter().map(|c| (c.start, c.end, texts(&c.lines))).collect();
        assert_eq!(
            summary,
            [
                (90_200, 91_800, vec!["first cue".to_string()]),
                (91_000, 92_000, vec!["open".to_string()]),
            ]
        );
        assert_eq!(timed[0].lines[0].runs[1].colour, Colour::Yellow);
        let mut cues = VecDeque::new();
        add_cues(&mut cues, timed.clone());
        add_cues(&mut cues, timed);
        assert_eq!(cues.len(), 2, "a segment fetched twice adds nothing");
        assert!(on_screen(&mut cues, 90_100).is_empty());
        assert_eq!(texts(&on_screen(&mut cues, 90_500)), ["first cue"]);
        assert_eq!(texts(&on_screen(&mut cues, 91_500)), ["first cue", "open"]);
        assert_eq!(texts(&on_screen(&mut cues, 91_900)), ["open"]);
        assert!(on_screen(&mut cues, 92_000).is_empty());
        on_screen(&mut cues, 160_000);
        assert!(cues.is_empty(), "a minute later they are forgotten");
    }

    /// A whole-document segment: the same times; an open paragraph lasts the segment's length.
    #[test]
    fn whole_documents_on_the_presentation_timeline() {
        let timed = document_cues(DOC.as_bytes(), None, 2.0, 0);
        let summary: Vec<(i64, i64)> = timed.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(summary, [(100_200, 101_800), (101_000, 103_000)]);
        assert_eq!(offset_ms(900_000, 90_000), 10_000);
        assert_eq!(offset_ms(u64::MAX, 1), i64::MAX);
    }

    #[test]
    fn the_cues_held_are_capped() {
        let mut cues = VecDeque::new();
        let many: Vec<TimedCue> = (0..400)
            .map(|i| TimedCue {
                start: i * 1000,
                end: i * 1000 + 500,
                lines: Vec::new(),
            })
            .collect();
        add_cues(&mut cues, many);
        assert_eq!(cues.len(), MAX_CUES);
        assert_eq!(cues[0].start, 144_000);
    }

    #[test]
    fn tracks_are_named_by_their_set() {
        let mpd = r#"<MPD type="static" mediaPresentationDuration="PT4S"><Period>
  <AdaptationSet contentType="video"><SegmentTemplate duration="2" media="v$Number$.m4s"/><Representation id="v"/></AdaptationSet>
  <AdaptationSet contentType="text" mimeType="application/mp4" codecs="stpp" lang="en"><Role schemeIdUri="urn:mpeg:dash:role:2011" value="caption"/>
    <SegmentTemplate duration="2" media="t$Number$.m4s" initialization="ti.mp4"/><Representation id="t"/></AdaptationSet>
</Period></MPD>"#;
        let parsed = dash::parse(mpd, "http://o.example/a.mpd", 0.0).unwrap();
        let t = track((0, &parsed.texts[0]));
        assert_eq!(
            (t.id.as_str(), t.kind, t.language.as_deref(), t.hard_of_hearing),
            ("ttml:0", SubtitleKind::Ttml, Some("en"), true)
        );
    }
}
