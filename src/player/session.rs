// SPDX-License-Identifier: GPL-3.0-or-later
//! One tune request on air: its pipeline, and for multicast the tap it reads. Dropping a session
//! detaches it from its tap (the tap may stay joined as a hot channel) and hands the pipeline to the
//! janitor thread, which stops it: a zap does not wait for the old pipeline to reach NULL.

use super::EventSink;
use super::ingest::{Attached, Tap, TapKey};
use super::output::Outputs;
use super::pipeline::{self, Decoder, Input};
use super::progress::Progress;
use crate::core::{ErrorKind, PlayerError, PlayerEvent, RequestId};
use crate::lineup::Source;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

/// A playing (or starting) request.
pub struct Session {
    pub request: RequestId,
    /// The tap this session reads (multicast and RTP).
    pub tap: Option<TapKey>,
    pipeline: Option<gst::Pipeline>,
    appsrc: Option<gstreamer_app::AppSrc>,
    decodebin: gst::Element,
    collection: super::bus::CollectionSlot,
    /// What each audio PID is for (the tap fills it from the PMT).
    audio_kinds: Arc<super::bus::AudioKinds>,
    /// The stream time of the frames shown (subtitles are timed by it).
    clock: Arc<super::subtitles::VideoClock>,
    janitor: super::janitor::Janitor,
    /// Rewind every frame: where the tap notes the GOPs it feeds, and the pictures dropped late.
    reverse: Option<(Arc<super::reverse::GopLog>, Arc<std::sync::atomic::AtomicU64>)>,
    /// Where the live picture's downloaded segments go (emptied when the session ends, which
    /// tells the window to fetch them itself).
    segments: Option<pipeline::SegmentSlot>,
    /// Keeps the progress watchdog of a fetched stream running (it ends when this is dropped).
    _progress: Option<mpsc::Sender<()>>,
    /// An HLS stream's subtitles (its WebVTT renditions and the captions of its segments).
    text: Option<Arc<super::hls_subtitles::HlsText>>,
    /// A DASH stream's subtitles (its TTML AdaptationSets).
    dash_text: Option<super::dash_subtitles::DashText>,
}

/// What a session is started with besides its source.
pub struct Start<'a> {
    pub request: RequestId,
    pub outputs: &'a Outputs,
    pub events: &'a EventSink,
    /// Where the winning video decoder is recorded.
    pub decoder: Arc<Mutex<Option<Decoder>>>,
    pub janitor: super::janitor::Janitor,
    /// The audio track to start with when the stream's tracks appear.
    pub audio: Arc<crate::core::AudioPreference>,
}

impl Session {
    /// Builds and starts a pipeline reading `tap` from its last keyframe, or behind live.
    pub fn from_tap(
        start: Start<'_>,
        key: TapKey,
        tap: &Tap,
        at: crate::core::StartAt,
    ) -> Result<(Self, Attached), PlayerError> {
        let input = match at {
            crate::core::StartAt::Trick { trick, .. }
                if trick.every_frame() && trick.direction == crate::core::Direction::Backward =>
            {
                Input::Reverse {
                    rate: trick.speed.factor(),
                }
            }
            _ => Input::Ts,
        };
        let mut session = Self::build(start, input)?;
        session.tap = Some(key);
        let appsrc = session
            .appsrc
            .clone()
            .ok_or_else(|| stream("no appsrc in a TS pipeline"))?;
        session.play()?;
        // Attached once the source runs: a buffer pushed into a stopped appsrc would be refused.
        let attached = tap.attach(
            session.request,
            appsrc,
            at,
            session.clock.clone(),
            session.audio_kinds.clone(),
            session.reverse.as_ref().map(|(log, _)| log.clone()),
        );
        Ok((session, attached))
    }

    /// Builds and starts a pipeline that fetches `source` itself (HLS, DASH, HTTP). With
    /// `segments`, the MPEG-TS segments it downloads go there too (the channel's timeshift
    /// window), until the session ends. An HLS stream's subtitles are read beside it.
    pub fn from_uri(
        start: Start<'_>,
        source: &Source,
        segments: Option<super::hls_input::FeedSender>,
    ) -> Result<Self, PlayerError> {
        let events = start.events.clone();
        let mut session = Self::build(start, Input::Uri(source))?;
        if let (Some(sender), Some(pipeline)) = (segments, session.pipeline.as_ref()) {
            let slot: pipeline::SegmentSlot = Arc::new(Mutex::new(Some(sender)));
            pipeline::share_segments(pipeline, slot.clone());
            session.segments = Some(slot);
        }
        if let Some(pipeline) = session.pipeline.as_ref() {
            super::hls_subtitles::hide_in(pipeline);
        }
        match source.kind {
            crate::lineup::SourceKind::Hls => session.read_hls_text(source, events),
            crate::lineup::SourceKind::Dash => {
                match super::dash_subtitles::DashText::start(
                    session.request,
                    source,
                    session.clock.clone(),
                    events,
                ) {
                    Ok(text) => session.dash_text = Some(text),
                    Err(e) => log::warn!("no DASH subtitles: {e}"),
                }
            }
            _ => {}
        }
        session.play()?;
        Ok(session)
    }

    /// Starts reading an HLS stream's subtitles: the bytes entering its demuxer, the master
    /// playlist's renditions (see `hls_subtitles`).
    fn read_hls_text(&mut self, source: &Source, events: EventSink) {
        let text =
            match super::hls_subtitles::HlsText::start(self.request, source, self.clock.clone(), events) {
                Ok(text) => Arc::new(text),
                Err(e) => {
                    log::warn!("no HLS subtitles: {e}");
                    return;
                }
            };
        if let Some(pipeline) = &self.pipeline {
            let scanner = Arc::downgrade(&text);
            pipeline.connect_deep_element_added(move |_, _, element| {
                if element.factory().is_none_or(|f| f.name() != "tsdemux") {
                    return;
                }
                let Some(pad) = element.static_pad("sink") else {
                    return;
                };
                let scanner = scanner.clone();
                pad.add_probe(
                    gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
                    move |_, info| {
                        let Some(text) = scanner.upgrade() else {
                            return gst::PadProbeReturn::Remove;
                        };
                        match &info.data {
                            Some(gst::PadProbeData::Buffer(buffer)) => {
                                if let Ok(map) = buffer.map_readable() {
                                    text.scan(map.as_slice());
                                }
                            }
                            Some(gst::PadProbeData::BufferList(list)) => {
                                for buffer in list.iter() {
                                    if let Ok(map) = buffer.map_readable() {
                                        text.scan(map.as_slice());
                                    }
                                }
                            }
                            _ => {}
                        }
                        gst::PadProbeReturn::Ok
                    },
                );
            });
        }
        self.text = Some(text);
    }

    /// Shows subtitle `track` of a stream the app does not read itself (HLS, DASH), or none.
    pub fn select_subtitle(&self, track: Option<&crate::core::SubtitleTrack>, delay_ms: i32) -> bool {
        match (&self.text, &self.dash_text) {
            (Some(text), _) => {
                text.select(track, delay_ms);
                true
            }
            (None, Some(text)) => {
                text.select(track, delay_ms);
                true
            }
            (None, None) => false,
        }
    }

    fn build(start: Start<'_>, input: Input<'_>) -> Result<Self, PlayerError> {
        let Start {
            request,
            outputs,
            events,
            decoder,
            janitor,
            audio,
        } = start;
        let first_frame = first_frame_reporter(request, decoder.clone(), events.clone());
        // A fetched stream's stalls are seen in its picture (see `progress`); the multicast
        // receiver sees its own.
        let progress = matches!(input, Input::Uri(_)).then(|| Arc::new(Progress::default()));
        // Every frame shown also times the subtitles.
        let clock = Arc::new(super::subtitles::VideoClock::default());
        let shown = clock.clone();
        let on_frame: super::output::OnFrame = match &progress {
            Some(progress) => {
                let progress = progress.clone();
                Arc::new(move |pts| {
                    first_frame();
                    shown.frame(pts);
                    progress.frame(pts);
                })
            }
            None => Arc::new(move |pts| {
                first_frame();
                shown.frame(pts);
            }),
        };
        let built = pipeline::build(input, outputs, decoder, on_frame)?;
        let watch = match progress {
            Some(progress) => Some(
                super::progress::watch(request, progress, events.clone())
                    .map_err(|e| stream(&format!("starting the progress watchdog: {e}")))?,
            ),
            None => None,
        };
        let collection = super::bus::CollectionSlot::default();
        let audio_kinds = Arc::new(super::bus::AudioKinds::default());
        super::bus::forward(
            &built.pipeline,
            super::bus::Forward {
                request,
                events: events.clone(),
                collection: collection.clone(),
                kinds: audio_kinds.clone(),
            },
        );
        super::bus::prefer_audio(&built.decodebin, audio, audio_kinds.clone());
        Ok(Self {
            request,
            tap: None,
            pipeline: Some(built.pipeline),
            appsrc: built.appsrc,
            decodebin: built.decodebin,
            reverse: built.reverse,
            segments: None,
            collection,
            audio_kinds,
            clock,
            janitor,
            _progress: watch,
            text: None,
            dash_text: None,
        })
    }

    fn play(&self) -> Result<(), PlayerError> {
        let Some(pipeline) = &self.pipeline else {
            return Err(stream("no pipeline"));
        };
        pipeline
            .set_state(gst::State::Playing)
            .map(drop)
            .map_err(|e| stream(&format!("the pipeline does not start: {e}")))
    }

    /// A file (a recording) from `ms` into it: waits for the pipeline to preroll (a local
    /// file takes a moment, on the player thread), then seeks to the keyframe at or before it.
    pub fn seek_file(&self, ms: u64) {
        let Some(pipeline) = &self.pipeline else { return };
        if ms == 0 {
            return;
        }
        let (done, state, _) = pipeline.state(gst::ClockTime::from_seconds(3));
        if done.is_err() || state < gst::State::Paused {
            log::warn!("the recording did not preroll; it plays from its start");
            return;
        }
        let flags = gst::SeekFlags::FLUSH | gst::SeekFlags::KEY_UNIT;
        if let Err(e) = pipeline.seek_simple(flags, gst::ClockTime::from_mseconds(ms)) {
            log::warn!("seeking the recording to {ms} ms: {e}");
        }
    }

    /// Freezes the picture on its last frame and stops the sound (the pipeline goes to PAUSED;
    /// resuming builds a new one behind live, which keeps the stream's timing simple).
    pub fn pause(&self) {
        if let Some(pipeline) = &self.pipeline {
            let _ = pipeline.set_state(gst::State::Paused);
        }
    }

    /// Plays a paused pipeline on from where it stands (`PlayerCommand::Resume`).
    pub fn resume(&self) {
        if let Some(pipeline) = &self.pipeline {
            let _ = pipeline.set_state(gst::State::Playing);
        }
    }

    /// Switches to audio stream `track`, keeping the video stream(s).
    pub fn select_audio(&self, track: &str) {
        let Some(collection) = self.collection.lock().ok().and_then(|c| c.clone()) else {
            log::warn!("no stream collection yet; cannot select audio track {track}");
            return;
        };
        let mut ids: Vec<String> = collection
            .iter()
            .filter(|s| s.stream_type().contains(gst::StreamType::VIDEO))
            .filter_map(|s| s.stream_id().map(|id| id.to_string()))
            .take(1)
            .collect();
        ids.push(track.to_string());
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        if !self
            .decodebin
            .send_event(gst::event::SelectStreams::new(ids.iter().copied()))
        {
            log::warn!("the decoder did not accept the selection of audio track {track}");
        }
    }

    /// Sets volume (0.0..=1.0) and mute on the audio branch.
    pub fn set_volume(&self, volume: f64, muted: bool) {
        if let Some(element) = self.pipeline.as_ref().and_then(|p| p.by_name("volume")) {
            element.set_property("volume", volume);
            element.set_property("mute", muted);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(slot) = self.segments.take()
            && let Ok(mut sender) = slot.lock()
        {
            *sender = None;
        }
        if let Some(pipeline) = self.pipeline.take() {
            self.janitor.stop(pipeline);
        }
    }
}

/// Reports `FirstFrame` once per request, with the decoder known by then; every frame moves `clock`.
fn first_frame_reporter(
    request: RequestId,
    decoder: Arc<Mutex<Option<Decoder>>>,
    events: EventSink,
) -> Arc<dyn Fn() + Send + Sync> {
    let reported = AtomicBool::new(false);
    let created = Instant::now();
    Arc::new(move || {
        if !reported.swap(true, Ordering::SeqCst) {
            log::debug!(
                "first frame {} ms after the pipeline was built",
                created.elapsed().as_millis()
            );
            let decoder = decoder
                .lock()
                .ok()
                .and_then(|d| d.as_ref().map(|d| d.name.clone()));
            events(PlayerEvent::FirstFrame { request, decoder });
        }
    })
}

fn stream(detail: &str) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Stream,
        detail: detail.to_string(),
    }
}
