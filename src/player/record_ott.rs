// SPDX-License-Identifier: GPL-3.0-or-later
//! Recording OTT channels whose segments are not MPEG-TS: HLS with fragmented-MP4 segments
//! (`EXT-X-MAP`) and DASH (`SegmentTemplate`, `$Number$` or `SegmentTimeline`). The recorder
//! fetches each track's initialization and media segments itself and GStreamer remuxes them into
//! the recording's MPEG-TS, so the segment files, sidecar, gaps, `--resume` and full-disk
//! handling are the multicast recorder's.
//!
//! ```text
//!  fetch thread (video) ─init, segments─> appsrc ─> qtdemux ─> h264parse ─┐
//!  fetch thread (audio) ─init, segments─> appsrc ─> qtdemux ─> aacparse ──┴─> mpegtsmux ─> appsink ─chunks─> recorder
//! ```
//!
//! Why MPEG-TS and not MP4: the recording must be the same kind of file whatever the channel,
//! because the recordings screen plays every recording through one path, a recording interrupted
//! by a power cut must stay playable up to its last whole packet (an MP4 needs its index written
//! at the end; a fragmented one needs its init segment kept apart), and `--resume` cuts a `.part`
//! back to whole 188-byte packets. `gst-discoverer-1.0` reports such a file with its video, its
//! audio and the duration recorded.
//!
//! Why the fetching is the recorder's and not `dashdemux`'s or `hlsdemux`'s: manifests come from
//! strangers, and here every manifest is capped in bytes ([`MAX_MANIFEST_BYTES`]), in segments
//! and tracks (`crate::manifest`), every address must be http(s), and every segment is capped in
//! bytes ([`MAX_SEGMENT_BYTES`]); the demuxers refetch live manifests with no such limits. The
//! recording starts at the newest complete segment of each track (the live edge; an on-demand
//! manifest from its start), so twenty seconds asked are twenty seconds recorded.
//!
//! Why `mpegtsmux`'s pads are requested before anything flows: the muxer is an aggregator that
//! waits for data on every sink pad it has. Pads requested one by one as the demuxers find their
//! streams (the first attempt, through `parsebin`) were added after it had started, and it
//! stalled; with one pad per track up front, the muxer interleaves from the first buffers, and a
//! track whose stream cannot be muxed gives its pad back so the others are not held.
//!
//! The appsink never blocks the pipeline on the disk: a full queue drops the chunk and counts
//! it. A segment that fails to arrive is skipped (the recording shows it as a silence gap); a
//! manifest that cannot be fetched is tried again at the next poll.

use super::ingest::Recording;
use super::record_hls::whole_packets;
use crate::lineup::{Source, SourceKind};
use crate::manifest::{MAX_MANIFEST_BYTES, ManifestError, dash, hls};
use crate::net::http::{HttpClient, HttpLimits};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Largest media or initialization segment accepted.
pub const MAX_SEGMENT_BYTES: u64 = 64 << 20;
/// Bytes an appsrc holds before its fetch thread waits (the muxer interleaves the tracks by
/// time, so the track ahead waits for the other).
const APPSRC_BYTES: u64 = 32 << 20;
/// Attempts at a live segment before it is given up (a silence gap): an origin may list a
/// segment a moment before it serves it.
const SEGMENT_ATTEMPTS: u32 = 3;
/// How often a manifest is fetched again at most and at least.
const POLL_MIN: Duration = Duration::from_millis(500);
const POLL_MAX: Duration = Duration::from_secs(5);

/// What an HLS playlist turned out to carry.
pub enum Plan {
    /// MPEG-TS segments: recorded as they are (`record_hls`).
    TsSegments,
    /// Tracks to fetch and remux.
    Tracks(Vec<Follow>),
}

/// How one track's segments are found.
#[derive(Debug, Clone)]
pub enum Follow {
    /// An HLS media playlist with `EXT-X-MAP`.
    Hls { playlist: String },
    /// The `index`-th track of a DASH MPD.
    Dash { mpd: String, index: usize },
}

/// The clients a recording fetches with: manifests and segments have their own caps.
#[derive(Clone)]
struct Clients {
    manifest: HttpClient,
    segment: HttpClient,
}

impl Clients {
    fn new(source: &Source) -> Result<Self, String> {
        let mut headers = source.headers.clone();
        if let Some(referrer) = &source.referrer {
            headers.push(("Referer".into(), referrer.clone()));
        }
        let agent = source
            .user_agent
            .clone()
            .unwrap_or_else(|| HttpLimits::default().user_agent);
        let client = |max_bytes, timeout| {
            HttpClient::new(HttpLimits {
                max_bytes,
                timeout,
                connect_timeout: Duration::from_secs(5),
                user_agent: agent.clone(),
                ..HttpLimits::default()
            })
            .map(|c| c.with_headers(headers.clone()))
            .map_err(|e| e.to_string())
        };
        Ok(Self {
            manifest: client(MAX_MANIFEST_BYTES, Duration::from_secs(10))?,
            segment: client(MAX_SEGMENT_BYTES, Duration::from_secs(30))?,
        })
    }

    fn text(&self, url: &str) -> Result<String, String> {
        match self.manifest.get(url, None).map_err(|e| e.to_string())? {
            crate::net::http::HttpResponse::Body { bytes, .. } => {
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            }
            crate::net::http::HttpResponse::NotModified => Err(format!("{url}: not modified")),
        }
    }

    fn bytes(&self, url: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        self.segment
            .get_into(url, None, &mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn manifest_error(e: ManifestError) -> String {
    e.to_string()
}

/// Where a live recording starts, from the newest complete segment of its first track.
#[derive(Debug, Clone, Copy, Default)]
pub struct Start {
    /// How long ago that segment's content aired: the recording's content starts that far
    /// behind the wall clock (when the manifest does not say when it aired, its length).
    pub behind: Duration,
    /// The segments' length: they arrive that far apart, which is no gap.
    pub segment: Duration,
}

/// How long after it aired content is in the recording: the segment it ends is fetched within
/// a quarter segment of being complete, and the muxer has the other tracks' too.
pub const SETTLE: Duration = Duration::from_secs(1);

impl Start {
    fn of(newest: Option<&dash::SegmentRef>, live: bool) -> Self {
        let Some(newest) = newest.filter(|_| live) else {
            return Self::default();
        };
        let aired = newest.aired.map(|a| unix_now() - a).unwrap_or(newest.seconds);
        Self {
            behind: Duration::from_secs_f64(aired.clamp(0.0, 60.0)),
            segment: Duration::from_secs_f64(newest.seconds.clamp(0.0, 60.0)),
        }
    }
}

/// Reads `source`'s manifest and decides how to record it, and where a live recording starts.
pub fn plan(source: &Source) -> Result<(Plan, Start), String> {
    let clients = Clients::new(source)?;
    let text = clients.text(&source.url)?;
    match source.kind {
        SourceKind::Dash => {
            let mpd = dash::parse(&text, &source.url, unix_now()).map_err(manifest_error)?;
            let start = Start::of(mpd.tracks[0].segments.last(), mpd.dynamic);
            let follows = (0..mpd.tracks.len())
                .map(|index| Follow::Dash {
                    mpd: source.url.clone(),
                    index,
                })
                .collect();
            Ok((Plan::Tracks(follows), start))
        }
        _ => {
            let (video, audio, media) = match hls::parse(&text, &source.url).map_err(manifest_error)? {
                hls::Playlist::Media(media) => (source.url.clone(), None, media),
                hls::Playlist::Master(master) => {
                    let choice = master
                        .choose()
                        .ok_or_else(|| "the master playlist lists no variant".to_string())?;
                    let text = clients.text(&choice.video)?;
                    match hls::parse(&text, &choice.video).map_err(manifest_error)? {
                        hls::Playlist::Media(media) => (choice.video, choice.audio, media),
                        hls::Playlist::Master(_) => return Err("a variant is a master playlist".into()),
                    }
                }
            };
            if media.map.is_none() {
                return Ok((Plan::TsSegments, Start::default()));
            }
            let newest = media.segments.last().map(segment_ref);
            let start = Start::of(newest.as_ref(), !media.ended);
            let follows = std::iter::once(video)
                .chain(audio)
                .map(|playlist| Follow::Hls { playlist })
                .collect();
            Ok((Plan::Tracks(follows), start))
        }
    }
}

fn segment_ref(s: &hls::MediaSegment) -> dash::SegmentRef {
    dash::SegmentRef {
        key: s.sequence,
        url: s.url.clone(),
        seconds: s.seconds,
        aired: s.aired,
    }
}

/// The running pipeline and fetch threads; stopped when dropped.
pub struct OttRecording {
    pipeline: gst::Pipeline,
    stop: Arc<AtomicBool>,
}

impl Drop for OttRecording {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Flushing unblocks a fetch thread waiting on a full appsrc; one inside a request ends
        // with its timeout and sees the flag.
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Starts fetching and remuxing `follows` of `source`; the MPEG-TS arrives on the returned
/// [`Recording`].
pub fn start(source: &Source, follows: Vec<Follow>) -> Result<(OttRecording, Recording), String> {
    gst::init().map_err(|e| e.to_string())?;
    let clients = Clients::new(source)?;
    let element = |name: &str| {
        gst::ElementFactory::make(name)
            .build()
            .map_err(|_| format!("the GStreamer element {name} is missing"))
    };
    let pipeline = gst::Pipeline::new();
    let mux = element("mpegtsmux")?;
    let sink = gst_app::AppSink::builder().sync(false).build();
    pipeline
        .add_many([&mux, sink.upcast_ref()])
        .map_err(|e| e.to_string())?;
    mux.link(&sink).map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut feeds = Vec::new();
    for follow in &follows {
        let src = gst_app::AppSrc::builder()
            .caps(&gst::Caps::builder("video/quicktime").build())
            .format(gst::Format::Bytes)
            .stream_type(gst_app::AppStreamType::Stream)
            .block(true)
            .max_bytes(APPSRC_BYTES)
            .build();
        let demux = element("qtdemux")?;
        pipeline
            .add_many([src.upcast_ref(), &demux])
            .map_err(|e| e.to_string())?;
        src.link(&demux).map_err(|e| e.to_string())?;
        let mux_pad = mux
            .request_pad_simple("sink_%d")
            .ok_or_else(|| "mpegtsmux gives no sink pad".to_string())?;
        link_demuxed(&pipeline, &demux, &mux, mux_pad);
        feeds.push((follow.clone(), src));
    }
    let (receiver, dropped) = whole_packets(&sink);
    if let Some(bus) = pipeline.bus() {
        bus.set_sync_handler(|_, message| {
            if let gst::MessageView::Error(e) = message.view() {
                log::warn!("ott recording: {} ({:?})", e.error(), e.debug());
            }
            gst::BusSyncReply::Drop
        });
    }
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| format!("the OTT recording pipeline does not start: {e}"))?;
    for (follow, src) in feeds {
        let clients = clients.clone();
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("ott-fetch".into())
            .spawn(move || fetch_track(&follow, &clients, &src, &stop))
            .map_err(|e| e.to_string())?;
    }
    Ok((
        OttRecording { pipeline, stop },
        Recording {
            chunks: receiver,
            dropped,
        },
    ))
}

/// Links each stream `demux` finds through its parser to `mux_pad`; a stream that cannot be
/// muxed (or a second one in the same track) is left unlinked, and an unused pad given back.
fn link_demuxed(pipeline: &gst::Pipeline, demux: &gst::Element, mux: &gst::Element, mux_pad: gst::Pad) {
    let weak = pipeline.downgrade();
    let mux = mux.clone();
    demux.connect_pad_added(move |_, pad| {
        let Some(pipeline) = weak.upgrade() else {
            return;
        };
        if mux_pad.is_linked() {
            return;
        }
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        let name = caps
            .structure(0)
            .map(|s| s.name().to_string())
            .unwrap_or_default();
        let parser = match name.as_str() {
            "video/x-h264" => gst::ElementFactory::make("h264parse").property("config-interval", -1i32),
            "video/x-h265" => gst::ElementFactory::make("h265parse").property("config-interval", -1i32),
            "audio/mpeg" => {
                let version = caps.structure(0).and_then(|s| s.get::<i32>("mpegversion").ok());
                if version == Some(1) {
                    gst::ElementFactory::make("mpegaudioparse")
                } else {
                    gst::ElementFactory::make("aacparse")
                }
            }
            "audio/x-ac3" | "audio/x-eac3" => gst::ElementFactory::make("ac3parse"),
            "audio/x-opus" => gst::ElementFactory::make("opusparse"),
            _ => {
                log::warn!("ott recording: a {name} track cannot go into MPEG-TS: left out");
                mux.release_request_pad(&mux_pad);
                return;
            }
        };
        let linked = parser.build().map_err(|e| e.to_string()).and_then(|parser| {
            pipeline.add(&parser).map_err(|e| e.to_string())?;
            parser.sync_state_with_parent().map_err(|e| e.to_string())?;
            let sink = parser.static_pad("sink").ok_or("no sink pad")?;
            pad.link(&sink).map_err(|e| format!("{e:?}"))?;
            let src = parser.static_pad("src").ok_or("no src pad")?;
            src.link(&mux_pad).map_err(|e| format!("{e:?}"))?;
            Ok(())
        });
        if let Err(e) = linked {
            log::warn!("ott recording: cannot link the {name} track: {e}");
            mux.release_request_pad(&mux_pad);
        }
    });
}

/// One segment list as fetched: the init segment, the segments in order, whether it is over.
struct Listing {
    init: Option<String>,
    segments: Vec<crate::manifest::dash::SegmentRef>,
    ended: bool,
    /// How long to wait before fetching again when nothing was new.
    poll: Duration,
}

fn listing(follow: &Follow, clients: &Clients) -> Result<Listing, String> {
    match follow {
        Follow::Hls { playlist } => {
            let text = clients.text(playlist)?;
            let hls::Playlist::Media(media) = hls::parse(&text, playlist).map_err(manifest_error)? else {
                return Err("a track's playlist is a master playlist".into());
            };
            let poll = Duration::from_secs_f64((media.target_duration / 4.0).clamp(0.5, 5.0));
            Ok(Listing {
                init: media.map,
                segments: media.segments.iter().map(segment_ref).collect(),
                ended: media.ended,
                poll,
            })
        }
        Follow::Dash { mpd, index } => {
            let text = clients.text(mpd)?;
            let now = unix_now();
            let parsed = dash::parse(&text, mpd, now).map_err(manifest_error)?;
            let track = parsed
                .tracks
                .get(*index)
                .ok_or_else(|| "the MPD lost a track".to_string())?;
            let each = track.segments.last().map_or(1.0, |s| s.seconds);
            // A quarter segment: a new one is fetched soon after it is complete.
            let poll = parsed.minimum_update_period.unwrap_or(each).min(each) / 4.0;
            Ok(Listing {
                init: track.init.clone(),
                segments: track.available(now).map_err(manifest_error)?,
                ended: !parsed.dynamic,
                poll: Duration::from_secs_f64(poll.clamp(0.1, 60.0)),
            })
        }
    }
}

/// Fetches one track into `src` until stopped or, on demand, to its end.
fn fetch_track(follow: &Follow, clients: &Clients, src: &gst_app::AppSrc, stop: &AtomicBool) {
    let mut last: Option<u64> = None;
    let mut init_sent: Option<String> = None;
    let mut failures = 0u32;
    let push = |bytes: Vec<u8>| src.push_buffer(gst::Buffer::from_mut_slice(bytes)).is_ok();
    while !stop.load(Ordering::SeqCst) {
        let list = match listing(follow, clients) {
            Ok(list) => list,
            Err(e) => {
                log::warn!("ott recording: {e}");
                sleep(POLL_MAX, stop);
                continue;
            }
        };
        if list.init != init_sent
            && let Some(init) = &list.init
        {
            match clients.bytes(init) {
                Ok(bytes) => {
                    if !push(bytes) {
                        return;
                    }
                    init_sent = list.init.clone();
                }
                Err(e) => {
                    log::warn!("ott recording: the init segment: {e}");
                    sleep(POLL_MAX, stop);
                    continue;
                }
            }
        }
        let newest = list.segments.last().map(|s| s.key);
        let from = match (last, newest) {
            // Live: the newest complete segment; on demand: the start.
            (None, _) if list.ended => list.segments.first().map(|s| s.key),
            (None, newest) => newest,
            // The origin restarted its numbering: go on from its newest.
            (Some(l), Some(n)) if n < l => Some(n),
            (Some(l), _) => Some(l + 1),
        };
        let mut fresh = false;
        let mut retry = false;
        for segment in list.segments.iter().filter(|s| from.is_some_and(|f| s.key >= f)) {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match clients.bytes(&segment.url) {
                Ok(bytes) => {
                    if !push(bytes) {
                        return;
                    }
                    failures = 0;
                }
                Err(e) if failures + 1 < SEGMENT_ATTEMPTS && !list.ended => {
                    // Asked again at the next poll (from where it stands).
                    log::info!("ott recording: segment not there yet: {e}");
                    failures += 1;
                    retry = true;
                    if last.is_none() {
                        last = segment.key.checked_sub(1);
                    }
                    break;
                }
                Err(e) => {
                    log::warn!("ott recording: segment skipped: {e}");
                    failures = 0;
                }
            }
            last = Some(segment.key);
            fresh = true;
        }
        if list.ended && !fresh {
            let _ = src.end_of_stream();
            return;
        }
        if !fresh || retry {
            sleep(list.poll.clamp(POLL_MIN, POLL_MAX), stop);
        }
    }
}

fn sleep(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        slept += step;
    }
}
