// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox bench ui`: key press to finished frame while scrolling the guide grid over a large
//! generated lineup and guide (5,000 channels x 7 days by default), at 1080p with Slint's software
//! renderer. Each sample covers the whole path of a press on a box: the core handles the action,
//! builds the view (only visible rows), the adapter writes it, and the renderer draws every pixel
//! of the frame (a full redraw, the worst case). The naive way, every channel's row materialised
//! in the model, is measured in the same run for comparison.
//!
//! Then, with `zaps` > 0, the second figure: how long the loop is blocked per zap and per state
//! save, on the real player and the demo headend (see `bench_loop`).

use super::bench_zap::{Percentiles, percentiles};
use super::screenshot::{now, playing_app, press};
use crate::app::{App, Ui};
use crate::core::{Action, ChannelView, Event, GuideCell, GuideRow, GuideView, ScreenView, Settings};
use crate::demo::showcase;
use crate::ui::headless::{Headless, test_card};
use anyhow::Result;
use serde::Serialize;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::Instant;

/// What to measure.
#[derive(Debug, Clone)]
pub struct UiBench {
    pub channels: usize,
    pub days: i64,
    pub presses: usize,
    /// Presses for the naive way (each is slow).
    pub naive_presses: usize,
    pub width: u32,
    pub height: u32,
    /// Zaps for the blocked-loop figure (0: skip it).
    pub zaps: usize,
    pub headend: crate::demo::HeadendOptions,
}

impl Default for UiBench {
    fn default() -> Self {
        Self {
            channels: 5000,
            days: 7,
            presses: 300,
            naive_presses: 5,
            width: 1920,
            height: 1080,
            zaps: 100,
            headend: crate::demo::HeadendOptions {
                cache_dir: std::env::temp_dir().join("zapbox/demo"),
                width: 1280,
                height: 720,
            },
        }
    }
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct UiReport {
    pub channels: usize,
    pub days: i64,
    pub programmes: usize,
    pub width: u32,
    pub height: u32,
    pub presses: usize,
    pub zapbox: Percentiles,
    pub max_ms: f64,
    pub naive: Percentiles,
    pub ratio_p95: f64,
    pub guide_setup_s: f64,
    /// The blocked-loop figure while zapping, when measured.
    pub zapping: Option<super::bench_loop::LoopReport>,
}

/// The keys a viewer scrolling the guide presses: down the channels, along the programmes, by
/// pages, and back.
const PATTERN: [Action; 16] = [
    Action::Down,
    Action::Down,
    Action::Down,
    Action::Right,
    Action::Right,
    Action::Down,
    Action::ChannelDown,
    Action::Left,
    Action::Down,
    Action::Right,
    Action::Up,
    Action::ChannelDown,
    Action::Right,
    Action::Down,
    Action::Left,
    Action::Down,
];

pub fn run(bench: &UiBench, json: bool, out: &mut dyn Write) -> Result<()> {
    let started = Instant::now();
    let work = std::env::temp_dir().join(format!("zapbox-bench-ui-{}", std::process::id()));
    let lineup = showcase::lineup(bench.channels);
    let clock = now();
    let guide = showcase::guide(&lineup, &work, clock.utc_ms / 1000, bench.days);
    let _ = std::fs::remove_dir_all(&work);
    let guide = guide?;
    let setup_s = started.elapsed().as_secs_f64();
    let programmes = guide.0.index().programme_count();
    let ui = Rc::new(RefCell::new(Headless::new(bench.width, bench.height)?));
    ui.borrow().set_video(test_card(1280, 720));
    let mut app = playing_app(lineup, guide.clone(), Settings::default(), Box::new(ui.clone()))?;
    press(&mut app, &[Action::Guide]);
    ui.borrow_mut().draw();

    // A press goes through the loop as on a box: into the inbox, handled, rendered, drawn.
    let mut samples = Vec::with_capacity(bench.presses);
    for i in 0..bench.presses {
        let action = PATTERN[i % PATTERN.len()];
        let t0 = Instant::now();
        app.inbox().post(Event::Action(action));
        app.drain();
        ui.borrow_mut().draw();
        samples.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let max_ms = samples.iter().copied().fold(0.0, f64::max);

    let mut naive = Vec::with_capacity(bench.naive_presses);
    for i in 0..bench.naive_presses {
        let action = PATTERN[i % PATTERN.len()];
        let t0 = Instant::now();
        app.inbox().post(Event::Action(action));
        app.drain();
        let mut view = app.shell().view();
        if let ScreenView::Guide(grid) = &mut view.screen {
            *grid = all_rows(&app, grid);
        }
        let mut ui = ui.borrow_mut();
        ui.render(&view);
        ui.draw();
        naive.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    app.shutdown();
    drop(app);
    let zapping = if bench.zaps > 0 {
        let dir = bench.headend.cache_dir.join("bench-ui-state");
        Some(super::bench_loop::run(
            bench.zaps,
            &bench.headend,
            &dir,
            Box::new(ui.clone()),
        )?)
    } else {
        None
    };
    let (zapbox, naive) = (percentiles(&samples), percentiles(&naive));
    let report = UiReport {
        channels: bench.channels,
        days: bench.days,
        programmes,
        width: bench.width,
        height: bench.height,
        presses: bench.presses,
        zapbox,
        max_ms,
        naive,
        ratio_p95: zapbox.p95_ms / naive.p95_ms,
        guide_setup_s: setup_s,
        zapping,
    };
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "guide {} channels x {} days ({} programmes, generated and ingested in {:.1} s), {}x{} software renderer",
            report.channels, report.days, report.programmes, setup_s, report.width, report.height
        )?;
        writeln!(
            out,
            "key press to drawn frame, {} presses: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            report.presses, zapbox.p50_ms, zapbox.p95_ms, max_ms
        )?;
        writeln!(
            out,
            "naive (every channel's row in the model), {} presses: p50 {:.1} ms, p95 {:.1} ms; ratio p95 {:.4}",
            bench.naive_presses, naive.p50_ms, naive.p95_ms, report.ratio_p95
        )?;
        if let Some(z) = &report.zapping {
            for (way, f) in [
                ("state writer thread", &z.writer),
                ("saves on the loop (naive)", &z.inline),
            ] {
                writeln!(
                    out,
                    "loop blocked while zapping, {} zaps, {way}: key to loop free p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; busiest drain {:.1} ms; {} saves, longest {:.2} ms",
                    f.zaps,
                    f.press.p50_ms,
                    f.press.p95_ms,
                    f.press_max_ms,
                    f.busiest_ms,
                    f.saves,
                    f.save_max_ms
                )?;
            }
            writeln!(
                out,
                "longest save on the loop: writer {:.2} ms vs naive {:.2} ms (ratio {:.3})",
                z.writer.save_max_ms,
                z.inline.save_max_ms,
                z.writer.save_max_ms / z.inline.save_max_ms.max(f64::MIN_POSITIVE)
            )?;
        }
    }
    Ok(())
}

/// The naive view: a row for every channel of the list, each with its programmes of the window.
fn all_rows(app: &App, grid: &GuideView) -> GuideView {
    let core = app.shell().core();
    let guide = core.guide();
    let rows = core
        .lineup()
        .channels
        .iter()
        .map(|channel| {
            let cells = guide
                .map(|g| g.window(&channel.key, grid.from_s, grid.to_s))
                .unwrap_or_default()
                .into_iter()
                .map(|p| GuideCell {
                    start_s: p.start_s.max(grid.from_s),
                    stop_s: p.stop_s.min(grid.to_s),
                    programme: Some(p),
                    focused: false,
                    archive: false,
                })
                .collect();
            GuideRow {
                channel: ChannelView::from(channel),
                locked: false,
                cells,
            }
        })
        .collect();
    GuideView { rows, ..grid.clone() }
}
