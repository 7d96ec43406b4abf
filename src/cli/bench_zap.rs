// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox bench zap`: key press to first video frame, zapbox against a naive player in the same run.
//!
//! Both ways zap the demo headend's multicast channels at random points of the GOP. zapbox goes
//! through the real core and player (key -> core -> Play -> join -> ring -> appsrc -> decode -> sink);
//! the naive way starts a fresh `playbin3` with default settings per zap, as many players do.
//! The caller must have entered a private network namespace before any thread started.

use crate::app::{Inbox, Shell};
use crate::core::{Action, Core, Event, Phase, SavedState, Settings};
use crate::demo::{FPS, Headend, HeadendOptions};
use crate::lineup::{Lineup, SourceKind};
use crate::player::{Outputs, PlayerConfig};
use anyhow::{Context, Result, bail};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use serde::Serialize;
use std::io::Write;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Options of one benchmark run.
#[derive(Debug, Clone)]
pub struct ZapBench {
    pub zaps: usize,
    pub headend: HeadendOptions,
    pub seed: u64,
}

/// Percentiles of one way of zapping, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct ZapReport {
    pub zaps: usize,
    pub gop_ms: u64,
    pub zapbox: Percentiles,
    pub naive: Percentiles,
    pub ratio_p50: f64,
}

const FIRST_FRAME_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs the benchmark against the demo headend and prints the report.
pub fn run(bench: &ZapBench, json: bool, out: &mut dyn Write) -> Result<()> {
    gst::init()?;
    let headend = Headend::start(&bench.headend)?;
    let lineup = multicast_lineup(&headend)?;
    let mut rng = fastrand::Rng::with_seed(bench.seed);
    let zapbox = measure_zapbox(&lineup, bench.zaps, &mut rng)?;
    let naive = measure_naive(&lineup, bench.zaps, &mut rng)?;
    let report = ZapReport {
        zaps: bench.zaps,
        gop_ms: 1000,
        zapbox: percentiles(&zapbox),
        naive: percentiles(&naive),
        ratio_p50: percentiles(&zapbox).p50_ms / percentiles(&naive).p50_ms,
    };
    debug_assert_eq!(FPS, 25, "gop_ms assumes 25 frames per GOP at 25 fps");
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "zap time, key press to first video frame, {} zaps each, 1 s GOP:",
            report.zaps
        )?;
        writeln!(
            out,
            "  zapbox  p50 {:7.1} ms  p95 {:7.1} ms",
            report.zapbox.p50_ms, report.zapbox.p95_ms
        )?;
        writeln!(
            out,
            "  naive   p50 {:7.1} ms  p95 {:7.1} ms  (playbin3, defaults)",
            report.naive.p50_ms, report.naive.p95_ms
        )?;
        writeln!(out, "  ratio p50 zapbox/naive = {:.2}", report.ratio_p50)?;
    }
    Ok(())
}

/// The demo lineup reduced to its plain multicast channels (what both ways can play alike).
fn multicast_lineup(headend: &Headend) -> Result<Lineup> {
    let report = crate::lineup::build(&[("demo.m3u".to_string(), headend.playlist().into_bytes())]);
    let mut lineup = report.lineup;
    lineup
        .channels
        .retain(|c| c.sources.iter().all(|s| s.kind == SourceKind::Multicast));
    if lineup.channels.len() < 2 {
        bail!("the demo lineup has fewer than two multicast channels");
    }
    Ok(lineup)
}

fn measure_zapbox(lineup: &Lineup, zaps: usize, rng: &mut fastrand::Rng) -> Result<Vec<f64>> {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
    let core = Core::new(lineup.clone(), SavedState::default(), Settings::default());
    let mut shell = Shell::launch(core, config, inbox, None)?;
    shell.handle(Event::Started);
    wait_playing(&mut shell, &rx).context("the first channel does not play")?;
    let numbers: Vec<u32> = lineup.channels.iter().map(|c| c.number).collect();
    let mut times = Vec::with_capacity(zaps);
    for i in 0..zaps {
        std::thread::sleep(Duration::from_millis(400 + rng.u64(0..1000)));
        let start = Instant::now();
        match i % 3 {
            0 => shell.handle(Event::Action(Action::ChannelUp)),
            1 => shell.handle(Event::Action(Action::ChannelDown)),
            _ => type_number(&mut shell, numbers[rng.usize(0..numbers.len())]),
        }
        wait_playing(&mut shell, &rx)?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

fn type_number(shell: &mut Shell, number: u32) {
    for digit in number.to_string().bytes() {
        shell.handle(Event::Action(Action::Digit(digit - b'0')));
    }
    shell.handle(Event::Action(Action::Ok));
}

/// Dispatches events until the requested channel shows its first frame.
fn wait_playing(shell: &mut Shell, rx: &mpsc::Receiver<Event>) -> Result<()> {
    let deadline = Instant::now() + FIRST_FRAME_TIMEOUT;
    loop {
        let view = shell.view();
        if view.phase == Some(Phase::Playing) && view.on_screen == view.requested {
            return Ok(());
        }
        let left = deadline
            .checked_duration_since(Instant::now())
            .context("no first frame within 15 s")?;
        match rx.recv_timeout(left) {
            Ok(event) => shell.handle(event),
            Err(_) => bail!("no first frame within 15 s (phase {:?})", view.phase),
        }
    }
}

fn measure_naive(lineup: &Lineup, zaps: usize, rng: &mut fastrand::Rng) -> Result<Vec<f64>> {
    let mut times = Vec::with_capacity(zaps);
    for i in 0..zaps {
        let channel = &lineup.channels[i % lineup.channels.len()];
        let group = channel.sources[0].multicast.context("multicast source")?;
        std::thread::sleep(Duration::from_millis(rng.u64(0..1000)));
        times.push(naive_zap(&format!("udp://{}:{}", group.group, group.port))?);
    }
    Ok(times)
}

/// A fresh playbin3 with default settings: start to first video frame at the sink, in milliseconds.
fn naive_zap(uri: &str) -> Result<f64> {
    let (tx, rx) = mpsc::sync_channel::<Instant>(1);
    let sink = gst_app::AppSink::builder()
        .callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |s| {
                    let _ = s.pull_sample();
                    let _ = tx.try_send(Instant::now());
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        )
        .build();
    let audio = gst::ElementFactory::make("fakesink")
        .property("sync", true)
        .build()?;
    let playbin = gst::ElementFactory::make("playbin3")
        .property("uri", uri)
        .property("video-sink", &sink)
        .property("audio-sink", &audio)
        .build()?;
    let start = Instant::now();
    playbin.set_state(gst::State::Playing)?;
    let first = rx.recv_timeout(FIRST_FRAME_TIMEOUT);
    playbin.set_state(gst::State::Null)?;
    let first = first.context("the naive player shows no frame within 15 s")?;
    Ok(first.duration_since(start).as_secs_f64() * 1000.0)
}

/// p50 and p95 by nearest rank.
pub fn percentiles(samples: &[f64]) -> Percentiles {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    };
    Percentiles {
        p50_ms: at(0.50),
        p95_ms: at(0.95),
    }
}
