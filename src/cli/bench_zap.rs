// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox bench zap`: key press to first video frame, zapbox against a naive player in the same run.
//!
//! zapbox goes through the real core and player (key -> core -> Play -> tap -> appsrc -> decode ->
//! sink) against the demo headend's multicast channels, at random points of the GOP, in two parts:
//! - *steps*: CH+/CH− bursts and back-and-forth with LAST, with a viewer's 1-2 s between zaps; these
//!   land on hot channels (the path each zap took is what the player reported, not assumed);
//! - *digits*: channel numbers typed as a viewer does (a digit every 150-300 ms, OK when the box still
//!   waits for more), always to a channel that is not hot: cold joins.
//!
//! Every timed zap is checked: the key must start a new tune request for another channel, and the
//! channel on screen must become that channel with a new zap record; otherwise the run fails (a key
//! that opened a menu instead of zapping would otherwise count as a 0 ms zap). The most groups joined
//! at once is sampled from the namespace's `/proc/net/igmp` during the zapbox part. The naive way
//! starts a fresh `playbin3` with default settings per zap, as many players do.
//! The caller must have entered a private network namespace before any thread started.

use crate::app::{Inbox, Shell};
use crate::core::{Action, Core, Event, HotSettings, Phase, SavedState, Settings, ZapPath, ZapRecord};
use crate::demo::{FPS, Headend, HeadendOptions};
use crate::lineup::{Lineup, SourceKind};
use crate::player::{Outputs, PlayerConfig};
use anyhow::{Context, Result, bail, ensure};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use serde::Serialize;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Options of one benchmark run.
#[derive(Debug, Clone)]
pub struct ZapBench {
    /// Zaps of each kind (steps, digits, naive).
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

/// Count and percentiles of one path.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PathStats {
    pub n: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// How far behind live the pictures started from a cached keyframe ran.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BehindLive {
    pub p50: f64,
    pub max: f64,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct ZapReport {
    /// zapbox zaps timed (steps and digits).
    pub zaps: usize,
    pub gop_ms: u64,
    pub hot: PathStats,
    pub cold: PathStats,
    pub naive: PathStats,
    /// Every zapbox zap, whatever its path.
    pub zapbox: Percentiles,
    pub ratio_hot_p50: f64,
    pub ratio_p50: f64,
    pub behind_live_ms: BehindLive,
    /// The most multicast groups joined at once during the zapbox part.
    pub max_groups_joined: usize,
}

const FIRST_FRAME_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs the benchmark against the demo headend and prints the report.
pub fn run(bench: &ZapBench, json: bool, out: &mut dyn Write) -> Result<()> {
    gst::init()?;
    let headend = Headend::start(&bench.headend)?;
    let lineup = multicast_lineup(&headend, 4)?;
    let mut rng = fastrand::Rng::with_seed(bench.seed);
    let budget = HotSettings::default();
    let sampler = GroupSampler::start();
    let zapbox = measure_zapbox(&lineup, bench.zaps, budget, &mut rng);
    let max_groups_joined = sampler.stop();
    let zapbox = zapbox?;
    let naive = measure_naive(&lineup, bench.zaps, &mut rng)?;
    debug_assert_eq!(FPS, 25, "gop_ms assumes 25 frames per GOP at 25 fps");
    let report = report(&zapbox, &naive, max_groups_joined);
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        print_text(&report, budget, out)?;
    }
    Ok(())
}

/// One timed zapbox zap.
#[derive(Debug, Clone)]
struct Timed {
    ms: f64,
    path: ZapPath,
    behind_live_ms: Option<u64>,
}

fn report(zapbox: &[Timed], naive: &[f64], max_groups_joined: usize) -> ZapReport {
    let of = |path: ZapPath| -> Vec<f64> { zapbox.iter().filter(|z| z.path == path).map(|z| z.ms).collect() };
    let (hot, cold) = (stats(&of(ZapPath::Hot)), stats(&of(ZapPath::Cold)));
    let naive = stats(naive);
    let all: Vec<f64> = zapbox.iter().map(|z| z.ms).collect();
    let behind: Vec<f64> = zapbox
        .iter()
        .filter(|z| z.path == ZapPath::Hot)
        .filter_map(|z| z.behind_live_ms.map(|ms| ms as f64))
        .collect();
    ZapReport {
        zaps: zapbox.len(),
        gop_ms: 1000,
        hot,
        cold,
        naive,
        zapbox: percentiles(&all),
        ratio_hot_p50: hot.p50_ms / naive.p50_ms,
        ratio_p50: percentiles(&all).p50_ms / naive.p50_ms,
        behind_live_ms: BehindLive {
            p50: percentiles(&behind).p50_ms,
            max: behind.iter().copied().fold(f64::NAN, f64::max),
        },
        max_groups_joined,
    }
}

fn print_text(r: &ZapReport, budget: HotSettings, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "zap time, key press to first video frame, 1 s GOP, {} zapbox zaps, budget {} streams / {} Mbit/s:",
        r.zaps, budget.max_streams, budget.max_mbps
    )?;
    let line = |name: &str, s: &PathStats| {
        format!(
            "  {name:<7} n {:3}  p50 {:7.1} ms  p95 {:7.1} ms",
            s.n, s.p50_ms, s.p95_ms
        )
    };
    writeln!(out, "{}  (CH+/CH-/LAST onto hot channels)", line("hot", &r.hot))?;
    writeln!(
        out,
        "{}  (numbers typed, channels not hot)",
        line("cold", &r.cold)
    )?;
    writeln!(
        out,
        "{}  (fresh playbin3 per zap, defaults)",
        line("naive", &r.naive)
    )?;
    writeln!(
        out,
        "  zapbox  all    p50 {:7.1} ms  p95 {:7.1} ms",
        r.zapbox.p50_ms, r.zapbox.p95_ms
    )?;
    writeln!(
        out,
        "  ratio p50 hot/naive = {:.3}, all/naive = {:.2}",
        r.ratio_hot_p50, r.ratio_p50
    )?;
    writeln!(
        out,
        "  hot pictures behind live: p50 {:.0} ms, max {:.0} ms",
        r.behind_live_ms.p50, r.behind_live_ms.max
    )?;
    writeln!(
        out,
        "  most groups joined at once: {} (budget {})",
        r.max_groups_joined, budget.max_streams
    )?;
    Ok(())
}

/// The demo lineup reduced to its plain multicast channels (what both ways can play alike), at
/// least `min` of them.
pub(super) fn multicast_lineup(headend: &Headend, min: usize) -> Result<Lineup> {
    let report = crate::lineup::build(&[("demo.m3u".to_string(), headend.playlist().into_bytes())]);
    let mut lineup = report.lineup;
    lineup
        .channels
        .retain(|c| c.sources.iter().all(|s| s.kind == SourceKind::Multicast));
    if lineup.channels.len() < min {
        bail!("the demo lineup has fewer than {min} multicast channels");
    }
    Ok(lineup)
}

/// The step pattern: bursts up and down with LAST back and forth between them.
const STEPS: [Action; 10] = [
    Action::ChannelUp,
    Action::ChannelUp,
    Action::ChannelUp,
    Action::Last,
    Action::Last,
    Action::ChannelDown,
    Action::ChannelDown,
    Action::ChannelDown,
    Action::Last,
    Action::Last,
];

fn measure_zapbox(
    lineup: &Lineup,
    zaps: usize,
    budget: HotSettings,
    rng: &mut fastrand::Rng,
) -> Result<Vec<Timed>> {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
    let settings = Settings {
        hot: budget,
        ..Settings::default()
    };
    let core = Core::new(lineup.clone(), SavedState::default(), settings);
    let mut shell = Shell::launch(core, config, inbox, None)?;
    shell.handle(Event::Started);
    wait_playing(&mut shell, &rx, None).context("the first channel does not play")?;
    let mut times = Vec::with_capacity(2 * zaps);
    for i in 0..zaps {
        // A viewer's pause: long enough for the hot channels to hold a keyframe (1 s GOP).
        pause(&mut shell, &rx, Duration::from_millis(1000 + rng.u64(0..1000)))?;
        let action = STEPS[i % STEPS.len()];
        times.push(timed_zap(&mut shell, &rx, None, |shell| {
            let pressed = Instant::now();
            shell.handle(Event::Action(action));
            pressed
        })?);
    }
    for _ in 0..zaps {
        pause(&mut shell, &rx, Duration::from_millis(400 + rng.u64(0..1000)))?;
        let core = shell.core();
        let current = core.request_channel();
        let cold: Vec<u32> = lineup
            .channels
            .iter()
            .filter(|c| Some(&c.key) != current.as_ref() && !core.hot_set().contains(&c.key))
            .map(|c| c.number)
            .collect();
        ensure!(!cold.is_empty(), "no channel is left that is not hot");
        let number = cold[rng.usize(0..cold.len())];
        times.push(timed_zap(&mut shell, &rx, Some(number), |shell| {
            type_number(shell, number, rng)
        })?);
    }
    Ok(times)
}

/// Runs the dispatch loop for `pause` (the viewer looks at the picture).
fn pause(shell: &mut Shell, rx: &mpsc::Receiver<Event>, pause: Duration) -> Result<()> {
    let until = Instant::now() + pause;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok(event) = rx.recv_timeout(left) {
            shell.handle(event);
        }
    }
    Ok(())
}

/// Presses keys with `press` (the clock starts when it returns for digits, whose last key is the
/// zap) and waits for the new channel's first frame; checks that it was a real zap.
fn timed_zap(
    shell: &mut Shell,
    rx: &mpsc::Receiver<Event>,
    number: Option<u32>,
    press: impl FnOnce(&mut Shell) -> Instant,
) -> Result<Timed> {
    let before_request = shell.core().request();
    let before_channel = shell.view().on_screen.map(|c| c.key);
    let before_zaps = shell.view().recent_zaps.len();
    let start = press(shell);
    let after_request = shell.core().request();
    ensure!(
        after_request > before_request,
        "the key started no new tune request (screen {:?})",
        shell.view().screen
    );
    let requested = shell.view().requested.context("nothing requested")?;
    ensure!(
        Some(&requested.key) != before_channel.as_ref(),
        "the key did not change the channel"
    );
    if let Some(number) = number {
        ensure!(
            requested.number == number,
            "typed {number}, got {}",
            requested.number
        );
    }
    wait_playing(shell, rx, Some(&requested.key))?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let view = shell.view();
    let zap: &ZapRecord = view.recent_zaps.first().context("no zap recorded")?;
    ensure!(
        zap.channel == requested.key && (view.recent_zaps.len() > before_zaps || before_zaps == 10),
        "the zap to {:?} was not recorded",
        requested.key
    );
    let path = zap
        .path
        .context("the player did not say which path the zap took")?;
    Ok(Timed {
        ms,
        path,
        behind_live_ms: zap.behind_live_ms,
    })
}

/// Types a channel number as a viewer does; returns when the zapping key was pressed.
fn type_number(shell: &mut Shell, number: u32, rng: &mut fastrand::Rng) -> Instant {
    let digits = number.to_string().into_bytes();
    let mut pressed = Instant::now();
    for (i, digit) in digits.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(150 + rng.u64(0..150)));
        }
        pressed = Instant::now();
        shell.handle(Event::Action(Action::Digit(digit - b'0')));
    }
    if shell.view().digits.is_some() {
        // The box waits for a longer number: the viewer confirms.
        std::thread::sleep(Duration::from_millis(150 + rng.u64(0..150)));
        pressed = Instant::now();
        shell.handle(Event::Action(Action::Ok));
    }
    pressed
}

/// Dispatches events until the requested channel (`channel` when given) shows its first frame.
fn wait_playing(
    shell: &mut Shell,
    rx: &mpsc::Receiver<Event>,
    channel: Option<&crate::lineup::ChannelKey>,
) -> Result<()> {
    let deadline = Instant::now() + FIRST_FRAME_TIMEOUT;
    loop {
        let view = shell.view();
        let on_screen = view.on_screen.as_ref().map(|c| &c.key);
        if view.phase == Some(Phase::Playing)
            && view.on_screen == view.requested
            && channel.is_none_or(|c| on_screen == Some(c))
        {
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

/// Samples the namespace's joined groups every 2 ms on a thread; `stop` returns the most at once.
struct GroupSampler {
    stop: Arc<AtomicBool>,
    max: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GroupSampler {
    fn start() -> Self {
        let (stop, max) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let (flag, most) = (stop.clone(), max.clone());
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                if let Ok(groups) = crate::system::netns::joined_groups() {
                    most.fetch_max(groups.len(), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        Self {
            stop,
            max,
            thread: Some(thread),
        }
    }

    fn stop(mut self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.max.load(Ordering::Relaxed)
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

/// Count, p50 and p95.
fn stats(samples: &[f64]) -> PathStats {
    let p = percentiles(samples);
    PathStats {
        n: samples.len(),
        p50_ms: p.p50_ms,
        p95_ms: p.p95_ms,
    }
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
