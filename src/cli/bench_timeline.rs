// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox bench timeline`: pause and rewind of live TV through the real core and player against
//! the demo headend, with the window spilled to a disk folder as `timeshift.dir` would.
//!
//! Every figure is key press to the first video frame of the request the key started:
//! - `resume_ms`: PLAY after a 2 s pause;
//! - `skip_ram_ms`: LEFT (−10 s) while playing behind live, inside the RAM window;
//! - `skip_disk_ms`: digit 4 (−5 min) while paused, once the window reaches past 5 minutes (RAM
//!   keeps 60 s, so the start is read from the disk segments);
//! - `to_live_ms`: STOP while behind live.
//!
//! Each sample checks that it measured what it says: the key started a new request, the sink
//! counted a frame after the key, and the player started where the key asked (the `Started`
//! report's position: about 2 s behind after the resume, 10 s more after LEFT, past 290 s after
//! the −5 min skip, within a GOP of live after STOP); otherwise the run fails.
//! `buffer_cpu_pct` is the always-on RAM buffer while watching live: the CPU time of the live
//! tap's receive thread (socket, ring, arrival index, feeding the picture) over 10 s, in percent of
//! one core, from the kernel's per-thread schedstat (nanoseconds). The naive way in the same run,
//! `naive_buffer_cpu_pct`, is the same tap waking once per datagram, as it did before
//! `timeshift::WAKE_EVERY`; each is checked to have shown frames and counted one receive thread.
//! `cold_zap_ms` is what that batching costs a cold zap: a bare player told to play a channel
//! no tap holds (the previous one left), command to the first frame, with the tap waking at most
//! every 25 ms, against `naive_cold_zap_ms`, the same zaps waking per datagram, alternated in the
//! same run (each zap checked to have joined another group and shown a frame).
//! `disk_writer_cpu_pct` is the disk writer's thread while the window spills to disk, and
//! `buffer_write_kbps` what the segment folder grew by in that time (checked against the
//! channel's measured bitrate).
//!
//! The naive way, in the same run: a fresh `playbin3` on a file of the same channel (three of the
//! disk segments joined) seeked 10 s before its end, as a player without an own buffer restarts on a
//! recorded file: creation to the first frame after the seek (its PTS checked to be past the
//! target). The caller must have entered a private network namespace before any thread started.

use super::bench_zap::{Percentiles, multicast_lineup, percentiles};
use crate::app::{Inbox, Shell};
use crate::core::{Action, Core, Event, Phase, PlayerEvent, RequestId, SavedState, Settings};
use crate::demo::{Headend, HeadendOptions};
use crate::player::{DiskSettings, Outputs, PlayerConfig, TimeshiftSettings};
use anyhow::{Context, Result, bail, ensure};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Options of one run.
#[derive(Debug, Clone)]
pub struct TimelineBench {
    /// Samples of each RAM figure (resume, skip, to live).
    pub rounds: usize,
    /// Samples of the −5 min skip from disk.
    pub disk_rounds: usize,
    /// Only the buffer's CPU (both ways); the key figures are left at 0.
    pub buffer_only: bool,
    pub headend: HeadendOptions,
}

/// The JSON report (the shape, with the naive way and ratios added).
#[derive(Debug, Clone, Serialize)]
pub struct TimelineReport {
    pub resume_ms: P,
    pub skip_ram_ms: P,
    pub skip_disk_ms: P,
    pub to_live_ms: P,
    pub buffer_cpu_pct: f64,
    /// The same tap waking once per datagram.
    pub naive_buffer_cpu_pct: f64,
    /// `buffer_cpu_pct` over `naive_buffer_cpu_pct`.
    pub ratio_buffer_cpu: f64,
    /// A bare player's cold zap (command to first frame), the tap waking at most every 25 ms.
    pub cold_zap_ms: P,
    /// The same, waking per datagram.
    pub naive_cold_zap_ms: P,
    /// `cold_zap_ms` p50 over `naive_cold_zap_ms` p50.
    pub ratio_cold_zap_p50: f64,
    pub disk_writer_cpu_pct: f64,
    pub buffer_write_kbps: f64,
    /// A fresh playbin3 seeking in a file of the same channel.
    pub naive_seek_ms: P,
    /// zapbox p50 over the naive p50.
    pub ratio_skip_ram_p50: f64,
    pub ratio_skip_disk_p50: f64,
    pub samples: usize,
}

/// p50 and p95 in milliseconds, named as the issue names them.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct P {
    pub p50: f64,
    pub p95: f64,
}

impl From<Percentiles> for P {
    fn from(p: Percentiles) -> Self {
        Self {
            p50: p.p50_ms,
            p95: p.p95_ms,
        }
    }
}

const FRAME_TIMEOUT: Duration = Duration::from_secs(15);
/// The window the −5 min skip needs (5 min and the margin the core keeps inside the window).
const DISK_REACH: Duration = Duration::from_secs(310);

/// Runs the benchmark and prints the report.
pub fn run(bench: &TimelineBench, json: bool, out: &mut dyn Write) -> Result<()> {
    gst::init()?;
    let headend = Headend::start(&bench.headend)?;
    let lineup = multicast_lineup(&headend, 1)?;
    let dir = std::env::temp_dir().join(format!("zapbox-bench-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outcome = measure(bench, &lineup, &dir, json);
    // The spill's writer deletes its folder by itself once the player is gone.
    std::thread::sleep(Duration::from_millis(500));
    let _ = std::fs::remove_dir_all(&dir);
    let report = outcome?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        print_text(&report, out)?;
    }
    Ok(())
}

fn print_text(r: &TimelineReport, out: &mut dyn Write) -> Result<()> {
    let line = |name: &str, p: &P| format!("{name:<14} p50 {:>7.1} ms  p95 {:>7.1} ms", p.p50, p.p95);
    writeln!(out, "{}", line("resume", &r.resume_ms))?;
    writeln!(out, "{}", line("skip RAM", &r.skip_ram_ms))?;
    writeln!(out, "{}", line("skip disk", &r.skip_disk_ms))?;
    writeln!(out, "{}", line("to live", &r.to_live_ms))?;
    writeln!(out, "{}", line("naive seek", &r.naive_seek_ms))?;
    writeln!(
        out,
        "skip p50 against the naive seek: RAM {:.2}x, disk {:.2}x",
        r.ratio_skip_ram_p50, r.ratio_skip_disk_p50
    )?;
    writeln!(
        out,
        "buffer: {:.2} % of one core ({:.2} % waking per datagram: {:.2}x); disk writer {:.2} %, {:.0} kbit/s written",
        r.buffer_cpu_pct,
        r.naive_buffer_cpu_pct,
        r.ratio_buffer_cpu,
        r.disk_writer_cpu_pct,
        r.buffer_write_kbps
    )?;
    writeln!(
        out,
        "{} ({} waking per datagram: p50 {:.2}x)",
        line("cold zap", &r.cold_zap_ms),
        line("", &r.naive_cold_zap_ms).trim_start(),
        r.ratio_cold_zap_p50
    )?;
    Ok(())
}

/// The frames the sink showed, with their times.
type Frames = Arc<Mutex<Vec<Instant>>>;

/// CPU of the live tap's receive thread over `span` while a bare player shows `source` live
/// with a RAM window and `wake_every`, in percent of one core.
fn tap_cpu(source: &crate::lineup::Source, wake_every: Duration, span: Duration) -> Result<f64> {
    use crate::core::{PlayerCommand, StartAt};
    let frames = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = frames.clone();
    let mut config = PlayerConfig::plain(Outputs::headless(Arc::new(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })));
    config.timeshift = TimeshiftSettings {
        wake_every,
        ..TimeshiftSettings::default()
    };
    let player = crate::player::Player::new(config, Arc::new(|_| {}))?;
    player.execute(PlayerCommand::Play {
        request: RequestId(1),
        channel: crate::lineup::ChannelKey("bench".into()),
        source: Box::new(source.clone()),
        hot: Vec::new(),
        start: StartAt::Live,
    });
    // The window grows a second after the zap; let it settle.
    std::thread::sleep(Duration::from_secs(4));
    let (before, shown, at) = (
        thread_ns(&["mcast-rx"], 1)?,
        frames.load(std::sync::atomic::Ordering::Relaxed),
        Instant::now(),
    );
    std::thread::sleep(span);
    let cpu = thread_ns(&["mcast-rx"], 1)?.saturating_sub(before) as f64 / 1e9;
    let wall = at.elapsed().as_secs_f64();
    let shown = frames.load(std::sync::atomic::Ordering::Relaxed) - shown;
    drop(player);
    ensure!(
        shown as f64 > wall * 10.0,
        "only {shown} frames shown in {wall:.1} s while measuring the tap"
    );
    ensure!(cpu > 0.0, "no CPU time counted for the tap's thread");
    Ok(cpu / wall * 100.0)
}

/// Nanoseconds on CPU of this process's threads whose names start with one of `names` (the
/// kernel's schedstat), checking that at least `least` were found.
fn thread_ns(names: &[&str], least: usize) -> Result<u64> {
    let mut total = 0u64;
    let mut found = 0;
    for task in std::fs::read_dir("/proc/self/task")?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !names.iter().any(|n| comm.trim().starts_with(n)) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += stat
            .split_whitespace()
            .next()
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
        found += 1;
    }
    ensure!(
        found >= least,
        "{found} of the {names:?} threads found, {least} expected"
    );
    Ok(total)
}

/// The always-on buffer's CPU both ways, alternated so load from elsewhere falls on both.
fn buffer_cpu(lineup: &crate::lineup::Lineup, quiet: bool) -> Result<(f64, f64)> {
    let source = &lineup
        .channels
        .first()
        .context("no channel")?
        .sources
        .first()
        .context("no source")?
        .clone();
    let (mut batched, mut naive) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        naive.push(tap_cpu(source, Duration::ZERO, Duration::from_secs(10))?);
        batched.push(tap_cpu(
            source,
            crate::player::timeshift::WAKE_EVERY,
            Duration::from_secs(10),
        )?);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    if !quiet {
        eprintln!("tap CPU: {batched:.2?} % waking every 25 ms at most, {naive:.2?} % waking per datagram");
    }
    Ok((mean(&batched), mean(&naive)))
}

/// Cold zaps of a bare player, both ways, alternated: (waking every 25 ms, waking per datagram).
/// Each zap plays a channel other than the one before (the player's previous tap is left, no
/// channel is hot), at a random point of the GOP, and is timed from the command to the
/// `FirstFrame` of its request.
fn cold_zaps(lineup: &crate::lineup::Lineup, rounds: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    use crate::core::{PlayerCommand, StartAt};
    ensure!(lineup.channels.len() >= 2, "cold zaps need two channels");
    let player = |wake_every: Duration| -> Result<_> {
        let (tx, rx) = mpsc::channel::<PlayerEvent>();
        let tx = Mutex::new(tx);
        let mut config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
        config.timeshift = TimeshiftSettings {
            wake_every,
            ..TimeshiftSettings::default()
        };
        let sink: crate::player::EventSink = Arc::new(move |e| {
            let _ = tx.lock().map(|t| t.send(e));
        });
        Ok((crate::player::Player::new(config, sink)?, rx))
    };
    let ways = [
        player(crate::player::timeshift::WAKE_EVERY)?,
        player(Duration::ZERO)?,
    ];
    let mut times = [Vec::new(), Vec::new()];
    let mut request = 0u64;
    for round in 0..rounds {
        for (way, (player, events)) in ways.iter().enumerate() {
            let channel = &lineup.channels[(round * 2 + way) % lineup.channels.len()];
            let source = channel.sources.first().context("no source")?;
            // A random point of the GOP.
            std::thread::sleep(Duration::from_millis(fastrand::u64(200..1200)));
            while events.try_recv().is_ok() {}
            request += 1;
            let asked = Instant::now();
            player.execute(PlayerCommand::Play {
                request: RequestId(request),
                channel: channel.key.clone(),
                source: Box::new(source.clone()),
                hot: Vec::new(),
                start: StartAt::Live,
            });
            let mut cold = false;
            loop {
                let left = FRAME_TIMEOUT
                    .checked_sub(asked.elapsed())
                    .context("no first frame after a cold zap")?;
                match events.recv_timeout(left) {
                    Ok(PlayerEvent::Started { request: r, path, .. }) if r == RequestId(request) => {
                        cold = path == crate::core::ZapPath::Cold;
                    }
                    Ok(PlayerEvent::FirstFrame { request: r, .. }) if r == RequestId(request) => break,
                    Ok(PlayerEvent::Failed { request: r, error }) if r == RequestId(request) => {
                        bail!("cold zap to {}: {error:?}", channel.name)
                    }
                    Ok(_) => {}
                    Err(_) => bail!("no first frame after a cold zap to {}", channel.name),
                }
            }
            ensure!(cold, "the zap to {} did not join a new group", channel.name);
            times[way].push(asked.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let [batched, naive] = times;
    Ok((batched, naive))
}

fn measure(
    bench: &TimelineBench,
    lineup: &crate::lineup::Lineup,
    dir: &Path,
    quiet: bool,
) -> Result<TimelineReport> {
    let (buffer_cpu_pct, naive_buffer_cpu_pct) = buffer_cpu(lineup, quiet)?;
    let (cold, naive_cold) = if bench.buffer_only {
        (vec![0.0], vec![0.0])
    } else {
        cold_zaps(lineup, bench.rounds)?
    };
    let p = |samples: &[f64]| P::from(percentiles(samples));
    let (cold_zap_ms, naive_cold_zap_ms) = (p(&cold), p(&naive_cold));
    if !quiet {
        eprintln!(
            "cold zaps: {cold_zap_ms:?} ms waking every 25 ms at most, {naive_cold_zap_ms:?} ms waking per datagram"
        );
    }
    let ratio_cold_zap_p50 = cold_zap_ms.p50 / naive_cold_zap_ms.p50;
    if bench.buffer_only {
        let zero = P { p50: 0.0, p95: 0.0 };
        return Ok(TimelineReport {
            resume_ms: zero,
            skip_ram_ms: zero,
            skip_disk_ms: zero,
            to_live_ms: zero,
            buffer_cpu_pct,
            naive_buffer_cpu_pct,
            ratio_buffer_cpu: buffer_cpu_pct / naive_buffer_cpu_pct,
            cold_zap_ms,
            naive_cold_zap_ms,
            ratio_cold_zap_p50: 0.0,
            disk_writer_cpu_pct: 0.0,
            buffer_write_kbps: 0.0,
            naive_seek_ms: zero,
            ratio_skip_ram_p50: 0.0,
            ratio_skip_disk_p50: 0.0,
            samples: 0,
        });
    }
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let frames: Frames = Arc::default();
    let shown = frames.clone();
    let mut config = PlayerConfig::plain(Outputs::headless(Arc::new(move |_| {
        if let Ok(mut f) = shown.lock() {
            f.push(Instant::now());
        }
    })));
    config.timeshift = TimeshiftSettings {
        disk: Some(DiskSettings {
            dir: dir.to_path_buf(),
            max_seconds: 600,
            floor_bytes: 256 << 20,
        }),
        ..TimeshiftSettings::default()
    };
    let core = Core::new(lineup.clone(), SavedState::default(), Settings::default());
    let mut shell = Shell::launch(core, config, inbox, None)?;
    let started = Instant::now();
    shell.handle(Event::Started);
    let mut run = Run {
        shell: &mut shell,
        rx: &rx,
        frames,
        bitrate: None,
    };
    run.wait_until(FRAME_TIMEOUT, |s| s.view().phase == Some(Phase::Playing))
        .context("the first channel does not play")?;
    let say = |text: String| {
        if !quiet {
            eprintln!("{text}");
        }
    };

    // The disk part of the window while watching live: the writer's thread and what it wrote.
    run.idle(Duration::from_secs(5))?;
    let (cpu_before, bytes_before, at) = (thread_ns(&["timeshift-disk"], 1)?, dir_bytes(dir), Instant::now());
    run.idle(Duration::from_secs(10))?;
    let wall = at.elapsed().as_secs_f64();
    let cpu = thread_ns(&["timeshift-disk"], 1)?.saturating_sub(cpu_before) as f64 / 1e9;
    let written = dir_bytes(dir).saturating_sub(bytes_before);
    let disk_writer_cpu_pct = cpu / wall * 100.0;
    let buffer_write_kbps = written as f64 * 8.0 / wall / 1000.0;
    let bitrate = run.bitrate.context("no bitrate measured")? as f64 / 1000.0;
    ensure!(
        buffer_write_kbps > bitrate * 0.5 && buffer_write_kbps < bitrate * 1.5,
        "the disk took {buffer_write_kbps:.0} kbit/s of a {bitrate:.0} kbit/s channel"
    );
    ensure!(cpu > 0.0, "no CPU time counted for the disk writer");
    say(format!(
        "disk writer: {disk_writer_cpu_pct:.2} % CPU, {buffer_write_kbps:.0} kbit/s written ({bitrate:.0} kbit/s channel)"
    ));

    let (mut resume, mut skip_ram, mut to_live, mut skip_disk) = (vec![], vec![], vec![], vec![]);
    for round in 0..bench.rounds {
        run.press(Action::Pause)?;
        run.idle(Duration::from_millis(2000 + 37 * round as u64 % 900))?;
        let (ms, behind) = run.timed(Action::Play)?;
        ensure!(
            (1_000..=4_500).contains(&behind),
            "PLAY after 2 s resumed {behind} ms behind live"
        );
        resume.push(ms);
        run.idle(Duration::from_millis(1500))?;
        let (ms, skipped) = run.timed(Action::Left)?;
        ensure!(
            skipped >= behind + 8_000 && skipped <= behind + 14_000,
            "LEFT from {behind} ms went to {skipped} ms behind live"
        );
        skip_ram.push(ms);
        run.idle(Duration::from_millis(1500))?;
        let (ms, live) = run.timed(Action::Stop)?;
        ensure!(live <= 1_500, "STOP went to {live} ms behind live");
        to_live.push(ms);
        run.idle(Duration::from_millis(1000))?;
    }
    say(format!("RAM rounds done after {} s", started.elapsed().as_secs()));
    // The disk window must reach past 5 minutes.
    let wait = DISK_REACH.saturating_sub(started.elapsed());
    say(format!(
        "waiting {} s for the window to reach 5 minutes",
        wait.as_secs()
    ));
    run.idle(wait)?;
    for _ in 0..bench.disk_rounds {
        run.press(Action::Pause)?;
        run.idle(Duration::from_millis(500))?;
        let (ms, behind) = run.timed(Action::Digit(4))?;
        ensure!(
            (290_000..=305_000).contains(&behind),
            "−5 min went to {behind} ms behind live"
        );
        skip_disk.push(ms);
        run.idle(Duration::from_millis(1500))?;
        let (ms, live) = run.timed(Action::Stop)?;
        ensure!(live <= 1_500, "STOP went to {live} ms behind live");
        to_live.push(ms);
        run.idle(Duration::from_millis(1000))?;
    }
    drop(run);
    let naive_file = join_segments(dir, &dir.join("naive.ts"))?;
    drop(shell);
    let mut naive = Vec::new();
    for _ in 0..bench.rounds.max(5) {
        naive.push(naive_seek(&naive_file)?);
    }
    let naive_p = p(&naive);
    Ok(TimelineReport {
        resume_ms: p(&resume),
        skip_ram_ms: p(&skip_ram),
        skip_disk_ms: p(&skip_disk),
        to_live_ms: p(&to_live),
        buffer_cpu_pct,
        naive_buffer_cpu_pct,
        ratio_buffer_cpu: buffer_cpu_pct / naive_buffer_cpu_pct,
        cold_zap_ms,
        naive_cold_zap_ms,
        ratio_cold_zap_p50,
        disk_writer_cpu_pct,
        buffer_write_kbps,
        ratio_skip_ram_p50: p(&skip_ram).p50 / naive_p.p50,
        ratio_skip_disk_p50: p(&skip_disk).p50 / naive_p.p50,
        naive_seek_ms: naive_p,
        samples: resume.len() + skip_ram.len() + skip_disk.len() + to_live.len(),
    })
}

/// The shell being driven, its events and the sink's frames.
struct Run<'a> {
    shell: &'a mut Shell,
    rx: &'a mpsc::Receiver<Event>,
    frames: Frames,
    /// The live channel's bitrate as the player last measured it.
    bitrate: Option<u64>,
}

impl Run<'_> {
    fn dispatch(&mut self, event: Event) {
        if let Event::Player(PlayerEvent::Bitrate { bps, .. }) = &event {
            self.bitrate = Some(*bps);
        }
        self.shell.handle(event);
    }

    /// Dispatches events for `d` (the viewer watches).
    fn idle(&mut self, d: Duration) -> Result<()> {
        let until = Instant::now() + d;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if let Ok(event) = self.rx.recv_timeout(left) {
                self.dispatch(event);
            }
        }
        Ok(())
    }

    fn wait_until(&mut self, within: Duration, done: impl Fn(&Shell) -> bool) -> Result<()> {
        let until = Instant::now() + within;
        while !done(self.shell) {
            let left = until
                .checked_duration_since(Instant::now())
                .context("timed out")?;
            if let Ok(event) = self.rx.recv_timeout(left.min(Duration::from_millis(10))) {
                self.dispatch(event);
            }
        }
        Ok(())
    }

    /// Presses a key that must start a new request.
    fn press(&mut self, action: Action) -> Result<RequestId> {
        let before = self.shell.core().request();
        self.shell.handle(Event::Action(action));
        let after = self.shell.core().request();
        if action != Action::Pause {
            ensure!(after > before, "{action:?} started no new request");
        }
        after.context("no request")
    }

    /// Presses a key and returns the time to the first frame of the request it started, and how
    /// far behind live the player started it.
    fn timed(&mut self, action: Action) -> Result<(f64, u64)> {
        let pressed = Instant::now();
        let request = self.press(action)?;
        let mut behind = None;
        let deadline = pressed + FRAME_TIMEOUT;
        let first = loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .with_context(|| format!("no first frame after {action:?}"))?;
            let Ok(event) = self.rx.recv_timeout(left) else {
                bail!("no first frame after {action:?}");
            };
            let at = Instant::now();
            match &event {
                Event::Player(PlayerEvent::Started {
                    request: r,
                    behind_live_ms,
                    ..
                }) if *r == request => behind = Some(behind_live_ms.unwrap_or(0)),
                Event::Player(PlayerEvent::FirstFrame { request: r, .. }) if *r == request => {
                    self.dispatch(event);
                    break at;
                }
                _ => {}
            }
            self.dispatch(event);
        };
        // The first-frame report comes from the sink's pad; the frame reaches the sink's
        // callback a moment later.
        let counted = |frames: &Frames| {
            frames
                .lock()
                .map(|f| f.iter().filter(|t| **t > pressed).count())
                .unwrap_or(0)
        };
        let frames = self.frames.clone();
        self.wait_until(Duration::from_secs(2), |_| counted(&frames) > 0)
            .with_context(|| format!("the sink counted no frame after {action:?}"))?;
        let behind = behind.with_context(|| format!("no Started report after {action:?}"))?;
        Ok((first.duration_since(pressed).as_secs_f64() * 1000.0, behind))
    }
}

/// Bytes of the segment files under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += dir_bytes(&path);
        } else if path.extension().is_some_and(|e| e == "ts") {
            total += entry.metadata().map_or(0, |m| m.len());
        }
    }
    total
}

/// Joins the three newest complete segments under `dir` into `out` (a file of the channel).
fn join_segments(dir: &Path, out: &Path) -> Result<PathBuf> {
    let mut segments: Vec<PathBuf> = Vec::new();
    for folder in std::fs::read_dir(dir)?.flatten() {
        for file in std::fs::read_dir(folder.path()).into_iter().flatten().flatten() {
            segments.push(file.path());
        }
    }
    segments.sort();
    ensure!(segments.len() >= 4, "fewer than four segments on disk");
    let newest = &segments[segments.len() - 4..segments.len() - 1];
    let mut bytes = Vec::new();
    for segment in newest {
        bytes.extend(std::fs::read(segment)?);
    }
    std::fs::write(out, bytes)?;
    Ok(out.to_path_buf())
}

/// A fresh playbin3 on `file`, seeked 10 s before its end: creation to the first frame after the
/// seek, in milliseconds.
fn naive_seek(file: &Path) -> Result<f64> {
    let (tx, rx) = mpsc::sync_channel::<(Instant, Option<gst::ClockTime>)>(4);
    let sink = gst_app::AppSink::builder()
        .callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |s| {
                    let pts = s
                        .pull_sample()
                        .ok()
                        .and_then(|s| s.buffer().and_then(|b| b.pts()));
                    let _ = tx.try_send((Instant::now(), pts));
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        )
        .build();
    let audio = gst::ElementFactory::make("fakesink")
        .property("sync", true)
        .build()?;
    let uri = format!("file://{}", file.display());
    let start = Instant::now();
    let playbin = gst::ElementFactory::make("playbin3")
        .property("uri", &uri)
        .property("video-sink", &sink)
        .property("audio-sink", &audio)
        .build()?;
    let outcome = (|| -> Result<f64> {
        playbin.set_state(gst::State::Paused)?;
        let bus = playbin.bus().context("bus")?;
        bus.timed_pop_filtered(gst::ClockTime::from_seconds(15), &[gst::MessageType::AsyncDone])
            .context("the naive player does not preroll")?;
        let duration = playbin
            .query_duration::<gst::ClockTime>()
            .context("no duration")?;
        let target = duration.saturating_sub(gst::ClockTime::from_seconds(10));
        playbin.seek_simple(gst::SeekFlags::FLUSH | gst::SeekFlags::KEY_UNIT, target)?;
        playbin.set_state(gst::State::Playing)?;
        loop {
            let (at, pts) = rx
                .recv_timeout(FRAME_TIMEOUT)
                .context("the naive player shows no frame after the seek")?;
            // The first frame from the seek's position (a preroll frame from the start does not count).
            let position = playbin.query_position::<gst::ClockTime>();
            if pts.is_some() && position.is_some_and(|p| p + gst::ClockTime::from_seconds(2) >= target) {
                return Ok(at.duration_since(start).as_secs_f64() * 1000.0);
            }
        }
    })();
    playbin.set_state(gst::State::Null)?;
    outcome
}
