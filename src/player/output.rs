// SPDX-License-Identifier: GPL-3.0-or-later
//! Video and audio outputs. Two video strategies, chosen by the board profile:
//! `texture` hands decoded RGBA frames to the UI (desktop, tests, screenshots), `overlay` lets a sink
//! draw on its own plane or Wayland subsurface under the transparent UI (`kmssink`, `waylandsink`).

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::Arc;

/// A decoded frame for the UI, RGBA with square pixels.
pub struct VideoFrame {
    pub width: u32,
    pub height: u32,
    /// Bytes per row (may exceed `width * 4`).
    pub stride: usize,
    pub data: gst::MappedBuffer<gst::buffer::Readable>,
}

/// Receives every decoded frame on a streaming thread; must return quickly.
pub type FrameCallback = Arc<dyn Fn(VideoFrame) + Send + Sync>;

/// Told about every frame that reaches the video sink, with its timestamp in nanoseconds (on a
/// streaming thread; must return quickly).
pub type OnFrame = Arc<dyn Fn(Option<u64>) + Send + Sync>;

/// How video reaches the screen.
#[derive(Clone)]
pub enum VideoOutput {
    /// Frames to the UI through a callback.
    Texture(FrameCallback),
    /// A sink element that owns a plane or surface (e.g. `kmssink`, `waylandsink`).
    Overlay { sink: String },
}

impl std::fmt::Debug for VideoOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VideoOutput::Texture(_) => f.write_str("Texture"),
            VideoOutput::Overlay { sink } => write!(f, "Overlay({sink})"),
        }
    }
}

/// The outputs a pipeline is built with.
#[derive(Clone)]
pub struct Outputs {
    pub video: VideoOutput,
    /// Audio sink factory (`autoaudiosink`, `alsasink`, `fakesink` for tests).
    pub audio_sink: String,
    /// Called for every decoded audio buffer that reaches the audio sink (diagnostics: `zapbox
    /// play` counts them to show a track is decoded, not only announced).
    pub audio_tap: Option<AudioTap>,
}

/// See [`Outputs::audio_tap`].
pub type AudioTap = Arc<dyn Fn() + Send + Sync>;

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("video", &self.video)
            .field("audio_sink", &self.audio_sink)
            .field("audio_tap", &self.audio_tap.is_some())
            .finish()
    }
}

impl Outputs {
    /// Frames to `video`, audio decoded and synchronised but not played: tests, benchmarks, headless runs.
    pub fn headless(video: FrameCallback) -> Self {
        Self {
            video: VideoOutput::Texture(video),
            audio_sink: "fakesink".to_string(),
            audio_tap: None,
        }
    }
}

/// Builds the video branch: a bin with one sink pad. `on_frame` is told about every frame.
pub fn video_branch(output: &VideoOutput, on_frame: OnFrame) -> Result<gst::Bin, glib::BoolError> {
    let bin = gst::Bin::new();
    let queue = make("queue")?;
    // A short queue: frames should not pile up in front of the sink during a zap.
    queue.set_property("max-size-buffers", 3u32);
    let sink = match output {
        VideoOutput::Texture(callback) => texture_sink(callback.clone(), on_frame)?,
        VideoOutput::Overlay { sink } => overlay_sink(sink, on_frame)?,
    };
    let mut chain = vec![queue];
    if matches!(output, VideoOutput::Texture(_)) {
        chain.push(make("videoconvert")?);
        chain.push(make("videoscale")?);
        let caps = gst::Caps::builder("video/x-raw")
            .field("format", "RGBA")
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build();
        chain.push(
            gst::ElementFactory::make("capsfilter")
                .property("caps", caps)
                .build()?,
        );
    }
    chain.push(sink);
    bin.add_many(&chain)?;
    gst::Element::link_many(&chain)?;
    ghost_sink(&bin, &chain[0])?;
    Ok(bin)
}

/// Builds the audio branch with a `volume` element named "volume".
pub fn audio_branch(sink_name: &str, tap: Option<&AudioTap>) -> Result<gst::Bin, glib::BoolError> {
    let bin = gst::Bin::new();
    let sink = make(sink_name)?;
    if let (Some(tap), Some(pad)) = (tap.cloned(), sink.static_pad("sink")) {
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| {
                tap();
                gst::PadProbeReturn::Ok
            },
        );
    }
    if sink_name == "fakesink" {
        sink.set_property("sync", true);
    }
    let chain = [
        make("queue")?,
        make("audioconvert")?,
        make("audioresample")?,
        gst::ElementFactory::make("volume").name("volume").build()?,
        sink,
    ];
    bin.add_many(&chain)?;
    gst::Element::link_many(&chain)?;
    ghost_sink(&bin, &chain[0])?;
    Ok(bin)
}

fn texture_sink(callback: FrameCallback, on_frame: OnFrame) -> Result<gst::Element, glib::BoolError> {
    let sink = gst_app::AppSink::builder()
        .max_buffers(2)
        .drop(true)
        .sync(true)
        .build();
    let callbacks = gst_app::AppSinkCallbacks::builder()
        .new_sample(move |sink| {
            let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
            on_frame(
                sample
                    .buffer()
                    .and_then(|b| b.pts())
                    .map(gst::ClockTime::nseconds),
            );
            if let Some(frame) = frame_of(&sample) {
                callback(frame);
            }
            Ok(gst::FlowSuccess::Ok)
        })
        .build();
    sink.set_callbacks(callbacks);
    let sink = sink.upcast();
    show_first_frame_at_once(&sink);
    Ok(sink)
}

fn frame_of(sample: &gst::Sample) -> Option<VideoFrame> {
    let caps = sample.caps()?;
    let info = gstreamer_video::VideoInfo::from_caps(caps).ok()?;
    let data = sample.buffer_owned()?.into_mapped_buffer_readable().ok()?;
    Some(VideoFrame {
        width: info.width(),
        height: info.height(),
        stride: usize::try_from(*info.stride().first()?).ok()?,
        data,
    })
}

/// An overlay sink reports its first frame through a pad probe (it renders by itself).
fn overlay_sink(name: &str, on_frame: OnFrame) -> Result<gst::Element, glib::BoolError> {
    let sink = make(name)?;
    if let Some(pad) = sink.static_pad("sink") {
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            on_frame(info.buffer().and_then(|b| b.pts()).map(gst::ClockTime::nseconds));
            gst::PadProbeReturn::Ok
        });
    }
    show_first_frame_at_once(&sink);
    Ok(sink)
}

/// A zap shows its first decoded frame as soon as it is decoded instead of waiting for its
/// presentation time (the stream's PTS-to-PCR offset plus the pipeline latency, 150-700 ms);
/// the picture holds until the clock catches up and every later frame is synchronised again.
fn show_first_frame_at_once(sink: &gst::Element) {
    sink.set_property("sync", false);
    let Some(pad) = sink.static_pad("sink") else {
        return;
    };
    let element = sink.downgrade();
    let seen = std::sync::atomic::AtomicU32::new(0);
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
        if seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0 {
            return gst::PadProbeReturn::Ok;
        }
        if let Some(sink) = element.upgrade() {
            sink.set_property("sync", true);
        }
        gst::PadProbeReturn::Remove
    });
}

fn ghost_sink(bin: &gst::Bin, first: &gst::Element) -> Result<(), glib::BoolError> {
    let pad = first
        .static_pad("sink")
        .ok_or_else(|| glib::bool_error!("no sink pad"))?;
    bin.add_pad(&gst::GhostPad::with_target(&pad)?)?;
    Ok(())
}

pub(crate) fn make(factory: &str) -> Result<gst::Element, glib::BoolError> {
    gst::ElementFactory::make(factory).build()
}
