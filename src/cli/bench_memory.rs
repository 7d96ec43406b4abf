// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox bench memory`: the app's own resident memory while it plays a multicast channel with a
//! large guide loaded (900 channels x 14 days by default), and again after many zaps; flat is
//! what a box that runs for months needs.
//!
//! The demo headend runs in a child process (`zapbox bench headend`, sharing this process's
//! private network namespace), so its encoders and senders are not counted; the child also
//! generates the guide and ingests it into an index, which this process loads as it loads the
//! index of a previous run at boot. This process then runs the app as on a box: the dispatch
//! loop, the real player on the headend's multicast, the screens rendered at 1080p by the software
//! renderer, decoded frames shown. Figures are read from `/proc/self/status`: VmHWM (peak) and
//! VmRSS (steady: the median of ten samples over five seconds). The headend's own RSS is printed
//! for comparison (the whole demo in one process was what could be measured before).

use crate::app::{App, Inbox, Shell};
use crate::core::{Action, Core, Event, GuideHandle, Phase, SavedState, Settings};
use crate::demo::{Headend, HeadendOptions, showcase};
use crate::guide::{Guide, GuideOverrides};
use crate::player::{Outputs, PlayerConfig, VideoFrame};
use crate::ui::headless::Headless;
use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to measure.
#[derive(Debug, Clone)]
pub struct MemoryBench {
    pub channels: usize,
    pub days: i64,
    pub zaps: usize,
    pub headend: HeadendOptions,
}

/// The JSON report; sizes in MiB.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryReport {
    pub channels: usize,
    pub days: i64,
    pub programmes: usize,
    pub zaps: usize,
    pub frames_shown: u64,
    pub peak_mib: f64,
    pub steady_playing_mib: f64,
    pub steady_after_zaps_mib: f64,
    pub headend_rss_mib: f64,
}

/// The line the child prints once the guide index is written and the headend is on air.
const READY: &str = "headend ready";

/// The child's side: generate and ingest the guide into `guide_dir/index`, start the headend,
/// say so, and run until the parent closes stdin.
pub fn serve_headend(options: &HeadendOptions, channels: usize, days: i64, guide_dir: &Path) -> Result<()> {
    let now_s = super::screenshot::now().utc_ms / 1000;
    let lineup = showcase::lineup(channels);
    let _ = std::fs::remove_dir_all(guide_dir);
    let guide = showcase::guide(&lineup, guide_dir, now_s, days)?;
    drop(guide);
    // The XMLTV is large and no longer needed; the index stays for the parent.
    let _ = std::fs::remove_file(guide_dir.join("showcase.xml"));
    let _headend = Headend::start(options)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{READY}")?;
    out.flush()?;
    drop(out);
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
    Ok(())
}

pub fn run(bench: &MemoryBench, json: bool, out: &mut dyn Write) -> Result<()> {
    gstreamer::init()?;
    let work = bench.headend.cache_dir.with_file_name("bench-memory");
    let mut child = Command::new(std::env::current_exe().context("finding this program")?)
        .args(["bench", "headend", "--channels", &bench.channels.to_string()])
        .args(["--days", &bench.days.to_string(), "--guide-dir"])
        .arg(&work)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the headend process")?;
    let result = measure(bench, &work, &mut child);
    drop(child.stdin.take());
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&work);
    let report = result?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "app playing multicast with a {} channels x {} days guide ({} programmes), 1080p software renderer:",
            report.channels, report.days, report.programmes
        )?;
        writeln!(
            out,
            "  peak {:.1} MiB; steady {:.1} MiB playing, {:.1} MiB after {} zaps ({} frames shown)",
            report.peak_mib,
            report.steady_playing_mib,
            report.steady_after_zaps_mib,
            report.zaps,
            report.frames_shown
        )?;
        writeln!(
            out,
            "  the headend in its own process: {:.1} MiB (not counted above)",
            report.headend_rss_mib
        )?;
    }
    Ok(())
}

fn measure(bench: &MemoryBench, work: &Path, child: &mut std::process::Child) -> Result<MemoryReport> {
    let stdout = child.stdout.take().context("the headend's output")?;
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line == READY => break,
            Some(Ok(_)) => {}
            _ => bail!("the headend process ended before it was ready"),
        }
    }
    let lineup = showcase::lineup(bench.channels);
    let index = crate::epg::index::load(&work.join("index")).context("loading the guide index")?;
    let guide = GuideHandle::new(Guide::new(index, &lineup, &GuideOverrides::new()));
    let programmes = guide.0.index().programme_count();
    if programmes < bench.channels * bench.days.max(1) as usize * 10 {
        bail!("the guide holds only {programmes} programmes");
    }

    // The app as on a box: frames kept for the screen, the screen rendered and drawn.
    let latest: Arc<Mutex<Option<VideoFrame>>> = Arc::default();
    let slot = latest.clone();
    let outputs = Outputs::headless(Arc::new(move |frame| {
        if let Ok(mut s) = slot.lock() {
            *s = Some(frame);
        }
    }));
    let ui = Rc::new(RefCell::new(Headless::new(1920, 1080)?));
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let core = Core::new(lineup, SavedState::default(), Settings::default());
    let shell = Shell::launch(core, PlayerConfig::plain(outputs), inbox.clone(), None)?;
    let mut app = App::new(shell, rx, Box::new(ui.clone()));
    inbox.post(Event::GuideLoaded(guide));
    inbox.post(Event::Started);
    let mut screen = Screen { ui, latest, shown: 0 };
    app.run_until(Duration::from_secs(20), playing)
        .map_err(|e| anyhow!("the first channel does not play: {e}"))?;
    screen.run(&mut app, Duration::from_secs(5));
    let steady_playing_mib = screen.steady(&mut app);

    let mut rng = fastrand::Rng::with_seed(0x3e3);
    let multicast = 6;
    for i in 0..bench.zaps {
        let now = app.shell().view().requested.map_or(0, |c| c.number);
        let mut number = 1 + rng.u32(0..multicast);
        if number == now {
            number = number % multicast + 1;
        }
        for digit in number.to_string().bytes() {
            inbox.post(Event::Action(Action::Digit(digit - b'0')));
        }
        inbox.post(Event::Action(Action::Ok));
        app.drain();
        app.run_until(Duration::from_secs(15), playing)
            .map_err(|e| anyhow!("zap {i} to {number} does not play: {e}"))?;
        screen.run(&mut app, Duration::from_millis(100 + rng.u64(0..300)));
    }
    screen.run(&mut app, Duration::from_secs(5));
    let steady_after_zaps_mib = screen.steady(&mut app);
    let frames_shown = screen.shown;
    app.shutdown();
    Ok(MemoryReport {
        channels: bench.channels,
        days: bench.days,
        programmes,
        zaps: bench.zaps,
        frames_shown,
        peak_mib: status_kib("self", "VmHWM")? as f64 / 1024.0,
        steady_playing_mib,
        steady_after_zaps_mib,
        headend_rss_mib: status_kib(&child.id().to_string(), "VmRSS")? as f64 / 1024.0,
    })
}

/// The headless screen with the newest decoded frame shown, as the window shows it.
struct Screen {
    ui: Rc<RefCell<Headless>>,
    latest: Arc<Mutex<Option<VideoFrame>>>,
    shown: u64,
}

impl Screen {
    fn run(&mut self, app: &mut App, duration: Duration) {
        let end = std::time::Instant::now() + duration;
        while std::time::Instant::now() < end {
            app.step(Duration::from_millis(20));
            let frame = self.latest.lock().ok().and_then(|mut f| f.take());
            let mut ui = self.ui.borrow_mut();
            if let Some(frame) = frame {
                ui.set_video(crate::ui::frame_image(&frame));
                self.shown += 1;
            }
            ui.draw();
        }
    }

    /// The median RSS of ten samples over five seconds of playing, in MiB.
    fn steady(&mut self, app: &mut App) -> f64 {
        let mut samples: Vec<u64> = (0..10)
            .map(|_| {
                self.run(app, Duration::from_millis(500));
                status_kib("self", "VmRSS").unwrap_or(0)
            })
            .collect();
        samples.sort_unstable();
        samples[samples.len() / 2] as f64 / 1024.0
    }
}

fn playing(shell: &Shell) -> bool {
    let view = shell.view();
    view.phase == Some(Phase::Playing) && view.on_screen == view.requested
}

/// A `kB` field of `/proc/<pid>/status`.
fn status_kib(pid: &str, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}
