// SPDX-License-Identifier: GPL-3.0-or-later
//! Pre-encoded channel loops for the demo headend. Live-encoding several 720p channels does not fit
//! in two cores beside the app, so each channel is encoded once (moving test picture with its name
//! and a running time burned in, a tone of its own, 1 s GOP) and kept in the cache directory.

use anyhow::{Context, Result, bail};
use gstreamer as gst;
use gstreamer::prelude::*;
use std::path::{Path, PathBuf};

/// Frames per second of the demo channels.
pub const FPS: u32 = 25;
/// Loop length in seconds; a whole number of GOPs.
pub const LOOP_SECONDS: u32 = 10;

/// What one demo channel looks and sounds like.
#[derive(Debug, Clone)]
pub struct ChannelLook {
    pub name: &'static str,
    /// videotestsrc pattern name.
    pub pattern: &'static str,
    pub tone_hz: f64,
    /// Audio track languages (ISO 639-2), one tone each; the first is the stream's default.
    pub languages: &'static [&'static str],
}

/// The demo channels' looks, in channel order.
pub const LOOKS: &[ChannelLook] = &[
    ChannelLook {
        name: "Zap One",
        pattern: "ball",
        tone_hz: 440.0,
        languages: &["eng"],
    },
    ChannelLook {
        name: "Bars News",
        pattern: "smpte",
        tone_hz: 523.3,
        languages: &["eng", "deu"],
    },
    ChannelLook {
        name: "Pinwheel Kids",
        pattern: "pinwheel",
        tone_hz: 587.3,
        languages: &["eng"],
    },
    ChannelLook {
        name: "Zone Sport",
        pattern: "zone-plate",
        tone_hz: 659.3,
        languages: &["eng"],
    },
    ChannelLook {
        name: "Spokes Music",
        pattern: "spokes",
        tone_hz: 698.5,
        languages: &["eng"],
    },
    ChannelLook {
        name: "Circles Docs",
        pattern: "circular",
        tone_hz: 784.0,
        languages: &["eng"],
    },
    ChannelLook {
        name: "Gradient RTP",
        pattern: "gradient",
        tone_hz: 880.0,
        languages: &["eng"],
    },
    ChannelLook {
        name: "Colors HLS",
        pattern: "colors",
        tone_hz: 987.8,
        languages: &["eng"],
    },
];

/// The cached loop file for `look`, encoding it first when missing.
pub fn loop_file(cache_dir: &Path, look: &ChannelLook, width: u32, height: u32) -> Result<PathBuf> {
    let slug: String = look.name.to_lowercase().replace(' ', "-");
    let path = cache_dir.join(format!("{slug}-{width}x{height}-v2.ts"));
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(cache_dir).with_context(|| format!("creating {}", cache_dir.display()))?;
    let partial = path.with_extension("partial");
    log::info!("encoding demo channel {} once into {}", look.name, path.display());
    encode(look, width, height, &partial).with_context(|| format!("encoding demo channel {}", look.name))?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// One tagged AAC branch per language, each with its own tone (so a switch is audible).
fn audio_branches(look: &ChannelLook, buffers: u32) -> String {
    look.languages
        .iter()
        .enumerate()
        .map(|(i, language)| {
            format!(
                "audiotestsrc freq={tone} volume=0.2 samplesperbuffer=1024 num-buffers={buffers} \
                   ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! aacparse \
                   ! taginject tags=\"language-code={language}\" ! queue ! mux. ",
                tone = look.tone_hz * (1.0 + i as f64 / 2.0),
            )
        })
        .collect()
}

fn encode(look: &ChannelLook, width: u32, height: u32, out: &Path) -> Result<()> {
    let frames = FPS * LOOP_SECONDS;
    // 48 kHz in 1024-sample AAC frames: 469 frames cover 10.005 s; the mux cuts at the video's end.
    let audio_buffers = (48_000 * LOOP_SECONDS).div_ceil(1024);
    let description = format!(
        "videotestsrc pattern={pattern} horizontal-speed=4 num-buffers={frames} \
           ! video/x-raw,width={width},height={height},framerate={FPS}/1 \
           ! textoverlay text=\"{name}\" font-desc=\"Sans Bold 40\" valignment=top halignment=left shaded-background=true \
           ! timeoverlay font-desc=\"Sans 32\" valignment=bottom halignment=right shaded-background=true \
           ! videoconvert ! x264enc speed-preset=ultrafast tune=zerolatency key-int-max={FPS} bitrate=2500 \
           ! video/x-h264,profile=constrained-baseline ! h264parse config-interval=-1 ! queue \
           ! mpegtsmux name=mux alignment=7 ! filesink location=\"{out}\" \
         {audio}",
        pattern = look.pattern,
        name = look.name,
        out = out.display(),
        audio = audio_branches(look, audio_buffers),
    );
    let pipeline = gst::parse::launch(&description)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| anyhow::anyhow!("not a pipeline"))?;
    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline.bus().context("pipeline has a bus")?;
    let result = loop {
        let Some(message) = bus.timed_pop(gst::ClockTime::from_seconds(120)) else {
            break Err(anyhow::anyhow!("encoding timed out"));
        };
        match message.view() {
            gst::MessageView::Eos(_) => break Ok(()),
            gst::MessageView::Error(e) => {
                break Err(anyhow::anyhow!("{} ({:?})", e.error(), e.debug()));
            }
            _ => {}
        }
    };
    pipeline.set_state(gst::State::Null)?;
    result?;
    if std::fs::metadata(out)?.len() < 188 * 100 {
        bail!("the encoder produced almost nothing");
    }
    Ok(())
}
