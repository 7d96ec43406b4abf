// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox bench trick`: what trick play costs to decode on the demo's channels. One player
//! shows the demo's first multicast channel live until its window holds 30 s, then each mode
//! runs as its own request for `seconds`: live (1×, the reference), fast forward ×2 and ×4
//! (every frame), rewind ×2 and ×4 (every frame: GOPs backwards, each decoded forward and shown
//! reversed) and rewind ×8 (keyframes only, the way every rewind was shown before).
//!
//! Per mode: `cpu_pct`, the process's CPU time (user and system, every thread, the demo
//! headend's senders included, equally in every mode) over the span in percent of one core;
//! `fps`, the pictures the sink showed per second; `drift`, how fast the position the player
//! reports moved away from live (ms per ms: about 1 + speed rewinding, 1 − speed forward).
//! Each mode is checked to have measured what it says: pictures shown, the position moving
//! the right way at about its speed, every-frame modes showing more than the 25 pictures a
//! second the channel has, the keyframe mode fewer. Modes alternate over `rounds`, so load
//! from elsewhere falls on all of them; the figures are means.
//! The caller must have entered a private network namespace before any thread started.

use super::bench_zap::multicast_lineup;
use crate::core::{Direction, PlayerCommand, PlayerEvent, RequestId, Speed, StartAt, Trick};
use crate::demo::{Headend, HeadendOptions};
use crate::player::{Outputs, PlayerConfig};
use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Options of one run.
#[derive(Debug, Clone)]
pub struct TrickBench {
    pub rounds: usize,
    pub seconds: u64,
    pub headend: HeadendOptions,
}

/// One mode's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ModeReport {
    pub mode: String,
    pub cpu_pct: f64,
    pub fps: f64,
    pub drift: f64,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct TrickReport {
    pub modes: Vec<ModeReport>,
    /// Rewind ×2 every frame over rewind ×8 keyframes only, and over live.
    pub ratio_rewind_x2_cpu_keyframes: f64,
    pub ratio_rewind_x2_cpu_live: f64,
    pub width: u32,
    pub height: u32,
}

/// The modes, in the order run: name and start (`None`: live).
fn modes() -> Vec<(&'static str, Option<Trick>)> {
    let t = |direction, speed| Some(Trick { direction, speed });
    vec![
        ("live", None),
        ("forward x2", t(Direction::Forward, Speed::X2)),
        ("forward x4", t(Direction::Forward, Speed::X4)),
        ("rewind x2", t(Direction::Backward, Speed::X2)),
        ("rewind x4", t(Direction::Backward, Speed::X4)),
        ("rewind x8 keyframes", t(Direction::Backward, Speed::X8)),
    ]
}

/// Runs the benchmark and prints the report.
pub fn run(bench: &TrickBench, json: bool, out: &mut dyn Write) -> Result<()> {
    gstreamer::init()?;
    let headend = Headend::start(&bench.headend)?;
    let lineup = multicast_lineup(&headend, 1)?;
    let source = lineup
        .channels
        .first()
        .and_then(|c| c.sources.first())
        .context("no channel")?
        .clone();
    let frames = Arc::new(AtomicUsize::new(0));
    let counter = frames.clone();
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    })));
    let (tx, events) = mpsc::channel();
    let tx = Mutex::new(tx);
    let player = crate::player::Player::new(
        config,
        Arc::new(move |e| {
            let _ = tx.lock().map(|t| t.send(e));
        }),
    )?;
    let mut request = 0u64;
    let mut play = |start: StartAt| {
        request += 1;
        player.execute(PlayerCommand::Play {
            request: RequestId(request),
            channel: crate::lineup::ChannelKey("bench".into()),
            source: Box::new(source.clone()),
            hot: Vec::new(),
            start,
        });
        RequestId(request)
    };
    let first = play(StartAt::Live);
    first_frame(&events, first)?;
    if !json {
        eprintln!("filling the window for 30 s");
    }
    std::thread::sleep(Duration::from_secs(30));
    let modes = modes();
    let mut samples: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); modes.len()];
    for _ in 0..bench.rounds.max(1) {
        for (i, (name, trick)) in modes.iter().enumerate() {
            let start = match trick {
                None => StartAt::Live,
                Some(t) if t.direction == Direction::Forward => StartAt::Trick {
                    ms: 25_000,
                    trick: *t,
                },
                Some(t) => StartAt::Trick { ms: 0, trick: *t },
            };
            let id = play(start);
            first_frame(&events, id)?;
            std::thread::sleep(Duration::from_millis(300));
            let sample = measure(&events, id, &frames, Duration::from_secs(bench.seconds))?;
            check(name, *trick, sample)?;
            if !json {
                eprintln!(
                    "{name:<20} {:6.1} % CPU  {:5.1} pictures/s  drift {:+.2}",
                    sample.0, sample.1, sample.2
                );
            }
            samples[i].push(sample);
            // Back to live, so the next mode finds the window full again.
            let id = play(StartAt::Live);
            first_frame(&events, id)?;
            std::thread::sleep(Duration::from_secs(bench.seconds.max(2)));
        }
    }
    let mean =
        |v: &[(f64, f64, f64)], f: fn(&(f64, f64, f64)) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let reports: Vec<ModeReport> = modes
        .iter()
        .zip(&samples)
        .map(|((name, _), s)| ModeReport {
            mode: (*name).to_string(),
            cpu_pct: mean(s, |x| x.0),
            fps: mean(s, |x| x.1),
            drift: mean(s, |x| x.2),
        })
        .collect();
    let cpu = |name: &str| {
        reports
            .iter()
            .find(|r| r.mode == name)
            .map_or(f64::NAN, |r| r.cpu_pct)
    };
    let report = TrickReport {
        ratio_rewind_x2_cpu_keyframes: cpu("rewind x2") / cpu("rewind x8 keyframes"),
        ratio_rewind_x2_cpu_live: cpu("rewind x2") / cpu("live"),
        modes: reports,
        width: bench.headend.width,
        height: bench.headend.height,
    };
    drop(player);
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        for m in &report.modes {
            writeln!(
                out,
                "{:<20} {:6.1} % CPU  {:5.1} pictures/s  drift {:+.2} ms/ms",
                m.mode, m.cpu_pct, m.fps, m.drift
            )?;
        }
        writeln!(
            out,
            "rewind x2 every frame costs {:.2}x rewind x8 keyframes only, {:.2}x live ({}x{})",
            report.ratio_rewind_x2_cpu_keyframes,
            report.ratio_rewind_x2_cpu_live,
            report.width,
            report.height
        )?;
    }
    Ok(())
}

fn first_frame(events: &mpsc::Receiver<PlayerEvent>, id: RequestId) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(PlayerEvent::FirstFrame { request, .. }) if request == id => return Ok(()),
            Ok(PlayerEvent::Failed { request, error }) if request == id => bail!("request failed: {error:?}"),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    bail!("no first frame for request {id:?}")
}

/// (CPU %, pictures a second, drift) of request `id` over `span`.
fn measure(
    events: &mpsc::Receiver<PlayerEvent>,
    id: RequestId,
    frames: &AtomicUsize,
    span: Duration,
) -> Result<(f64, f64, f64)> {
    let (cpu0, shown0, t0) = (process_cpu_s()?, frames.load(Ordering::Relaxed), Instant::now());
    let mut reports = Vec::new();
    let deadline = t0 + span;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if let Ok(PlayerEvent::TrickPosition {
            request,
            behind_live_ms,
            ..
        }) = events.recv_timeout(left)
            && request == id
        {
            reports.push((Instant::now(), behind_live_ms));
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = (process_cpu_s()? - cpu0) / wall * 100.0;
    let fps = (frames.load(Ordering::Relaxed) - shown0) as f64 / wall;
    let drift = match (reports.first(), reports.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => {
            (b.1 as f64 - a.1 as f64) / b.0.duration_since(a.0).as_millis().max(1) as f64
        }
        _ => 0.0,
    };
    Ok((cpu, fps, drift))
}

/// That a sample measured what its mode says.
fn check(name: &str, trick: Option<Trick>, (cpu, fps, drift): (f64, f64, f64)) -> Result<()> {
    ensure!(cpu > 0.0, "{name}: no CPU time counted");
    ensure!(fps > 0.0, "{name}: no pictures shown");
    let Some(trick) = trick else {
        return Ok(());
    };
    let expected = f64::from(trick.speed.factor());
    let expected = match trick.direction {
        Direction::Forward => 1.0 - expected,
        Direction::Backward => 1.0 + expected,
    };
    ensure!(
        (drift - expected).abs() <= 0.3 * expected.abs(),
        "{name}: the position moved {drift:.2} ms per ms, not about {expected}"
    );
    if trick.every_frame() {
        ensure!(fps > 30.0, "{name}: {fps:.1} pictures a second: not every frame");
    } else {
        ensure!(
            fps <= 12.0,
            "{name}: {fps:.1} pictures a second: not keyframes only"
        );
    }
    Ok(())
}

/// Seconds of CPU (user and system) this process has used, from `/proc/self/stat`.
fn process_cpu_s() -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).context("/proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields
        .get(11..13)
        .context("/proc/self/stat is short")?
        .iter()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .sum();
    // In USER_HZ, which Linux fixes at 100 for user space on every architecture.
    Ok(ticks as f64 / 100.0)
}
