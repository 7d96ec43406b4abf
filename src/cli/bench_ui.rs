// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox bench ui`: key press to finished frame while scrolling the guide grid over a large
//! generated lineup and guide (5,000 channels x 7 days by default), at 1080p with Slint's software
//! renderer. Each sample covers the whole path of a press on a box: the core handles the action,
//! builds the view (only visible rows), the adapter writes it, and the renderer draws every pixel
//! of the frame (a full redraw, the worst case). The naive way, every channel's row materialised
//! in the model, is measured in the same run for comparison.

use super::bench_zap::{Percentiles, percentiles};
use super::screenshot::{now, playing_core};
use crate::core::{Action, ChannelView, Event, GuideCell, GuideRow, GuideView, ScreenView, Settings};
use crate::demo::showcase;
use crate::ui::headless::{Headless, test_card};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
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
    let mut ui = Headless::new(bench.width, bench.height)?;
    ui.set_video(test_card(1280, 720));
    let mut core = playing_core(lineup, guide.clone(), Settings::default(), clock);
    core.handle(Event::Action(Action::Guide), clock);
    ui.render(&core.view(clock), core.guide());
    ui.draw();

    let mut samples = Vec::with_capacity(bench.presses);
    for i in 0..bench.presses {
        let action = PATTERN[i % PATTERN.len()];
        let t0 = Instant::now();
        core.handle(Event::Action(action), clock);
        let view = core.view(clock);
        ui.render(&view, core.guide());
        ui.draw();
        samples.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let max_ms = samples.iter().copied().fold(0.0, f64::max);

    let mut naive = Vec::with_capacity(bench.naive_presses);
    for i in 0..bench.naive_presses {
        let action = PATTERN[i % PATTERN.len()];
        let t0 = Instant::now();
        core.handle(Event::Action(action), clock);
        let mut view = core.view(clock);
        if let ScreenView::Guide(grid) = &mut view.screen {
            *grid = all_rows(&core, grid);
        }
        ui.render(&view, core.guide());
        ui.draw();
        naive.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
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
    }
    Ok(())
}

/// The naive view: a row for every channel of the list, each with its programmes of the window.
fn all_rows(core: &crate::core::Core, grid: &GuideView) -> GuideView {
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
