// SPDX-License-Identifier: GPL-3.0-or-later
//! GStreamer smoke test for a new target (the arm64 script runs it under emulation): makes a short
//! H.264 MPEG-TS file with GStreamer (`videotestsrc ! x264enc ! h264parse ! mpegtsmux`), or takes the
//! one given, then decodes it through `tsdemux ! h264parse ! decodebin` into an appsink and counts
//! the frames. Prints the decoder chosen (hardware or not) and `decode_smoke: PASS/FAIL`.
//!
//! Run: `cargo run --example decode_smoke [-- FILE.ts] [--frames N]`. Depends only on GStreamer and
//! the library's decoder classification.

use anyhow::{Context, Result, bail};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DEFAULT_FRAMES: u32 = 30;

fn main() {
    match run() {
        Ok(frames) => println!("decode_smoke: PASS ({frames} frames decoded)"),
        Err(e) => {
            println!("decode_smoke: FAIL: {e:#}");
            std::process::exit(1);
        }
    }
}

fn run() -> Result<u32> {
    gst::init().context("GStreamer init")?;
    let mut args = std::env::args().skip(1);
    let mut input: Option<PathBuf> = None;
    let mut frames = DEFAULT_FRAMES;
    while let Some(arg) = args.next() {
        if arg == "--frames" {
            frames = args
                .next()
                .and_then(|n| n.parse().ok())
                .context("--frames needs a number")?;
        } else {
            input = Some(PathBuf::from(arg));
        }
    }
    let dir = tempfile::tempdir().context("temporary directory")?;
    let file = match input {
        Some(path) => path,
        None => {
            let path = dir.path().join("smoke.ts");
            generate(&path, frames)?;
            path
        }
    };
    let size = std::fs::metadata(&file)
        .with_context(|| format!("{}", file.display()))?
        .len();
    println!("decode_smoke: input {} ({size} bytes)", file.display());
    let decoded = decode(&file)?;
    if decoded < frames.min(5) {
        bail!("only {decoded} frames decoded");
    }
    Ok(decoded)
}

/// Encodes `frames` test frames as H.264 in MPEG-TS.
fn generate(path: &Path, frames: u32) -> Result<()> {
    let description = format!(
        "videotestsrc num-buffers={frames} ! video/x-raw,width=320,height=240,framerate=25/1 ! \
         x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! h264parse ! mpegtsmux ! \
         filesink location=\"{}\"",
        path.display()
    );
    let pipeline = gst::parse::launch(&description).context("encoder pipeline (x264enc, mpegtsmux)")?;
    run_to_eos(&pipeline)
}

/// Decodes the TS file; returns the number of raw frames that reached the sink.
fn decode(path: &Path) -> Result<u32> {
    let description = format!(
        "filesrc location=\"{}\" ! tsdemux ! h264parse ! decodebin name=dec ! videoconvert ! \
         appsink name=sink sync=false",
        path.display()
    );
    let pipeline = gst::parse::launch(&description).context("decoder pipeline")?;
    let bin = pipeline
        .clone()
        .downcast::<gst::Bin>()
        .map_err(|_| anyhow::anyhow!("not a bin"))?;
    let sink = bin
        .by_name("sink")
        .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
        .context("appsink")?;
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = count.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    if let Some(dec) = bin.by_name("dec").and_then(|e| e.downcast::<gst::Bin>().ok()) {
        dec.connect_element_added(|_, element| {
            if let Some(factory) = element.factory()
                && zapbox::player::decoders::is_video_decoder(&factory)
            {
                let hardware = zapbox::player::decoders::is_hardware(&factory);
                let kind = if hardware { "hardware" } else { "software" };
                println!("decode_smoke: decoder {} ({kind})", factory.name());
            }
        });
    }
    run_to_eos(&pipeline)?;
    Ok(count.load(std::sync::atomic::Ordering::Relaxed))
}

/// Plays a pipeline until end of stream; errors carry GStreamer's message. Emulated targets are slow,
/// so the timeout is generous.
fn run_to_eos(pipeline: &gst::Element) -> Result<()> {
    pipeline.set_state(gst::State::Playing).context("set PLAYING")?;
    let bus = pipeline.bus().context("pipeline bus")?;
    let result = loop {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_seconds(300)) else {
            break Err(anyhow::anyhow!("timed out after {:?}", Duration::from_secs(300)));
        };
        match msg.view() {
            gst::MessageView::Eos(_) => break Ok(()),
            gst::MessageView::Error(err) => {
                break Err(anyhow::anyhow!(
                    "{} ({})",
                    err.error(),
                    err.debug().map(|d| d.to_string()).unwrap_or_default()
                ));
            }
            _ => {}
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}
