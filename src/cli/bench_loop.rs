// SPDX-License-Identifier: GPL-3.0-or-later
//! The second figure of `zapbox bench ui`: how long the dispatch loop (the UI thread on a box) is
//! blocked while zapping. Each zap is a key posted into the inbox; the sample is the time until
//! the loop has handled it (core, effects, player commands, render) and is free for the next key.
//! Every tenth zap dwells long enough for the debounced state save to fire, so saves are measured
//! too. Two ways in the same run: saves through the writer thread (how the app runs), and saves
//! written on the loop itself (the naive way, as before the writer). Both run the real player on
//! the demo headend's multicast channels; the caller must have entered a private network
//! namespace before any thread started.

use super::bench_zap::{Percentiles, multicast_lineup, percentiles};
use crate::app::{App, Inbox, Shell, Ui};
use crate::core::{Action, Core, Event, Phase, SavedState, Settings};
use crate::demo::{Headend, HeadendOptions};
use crate::lineup::Lineup;
use crate::player::{Outputs, PlayerConfig};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One way of saving, measured over the zaps.
#[derive(Debug, Clone, Serialize)]
pub struct LoopFigures {
    pub zaps: usize,
    /// Key press to the loop free again.
    pub press: Percentiles,
    pub press_max_ms: f64,
    /// The longest the loop was busy with anything during the zaps (player events, timers, saves).
    pub busiest_ms: f64,
    /// State saves that ran, and the longest any held the loop.
    pub saves: u64,
    pub save_max_ms: f64,
}

/// Both ways.
#[derive(Debug, Clone, Serialize)]
pub struct LoopReport {
    pub writer: LoopFigures,
    pub inline: LoopFigures,
}

/// Zaps `zaps` times each way through a loop rendering into `ui`; the state file goes under `dir`.
pub fn run(zaps: usize, headend: &HeadendOptions, dir: &Path, ui: Box<dyn Ui>) -> Result<LoopReport> {
    gstreamer::init()?;
    let headend = Headend::start(headend)?;
    let lineup = multicast_lineup(&headend, 2)?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let state = dir.join("state.json");
    let shared = std::rc::Rc::new(std::cell::RefCell::new(ui));
    let writer = measure(&lineup, zaps, Box::new(shared.clone()), |shell| {
        shell.with_state_writer(state.clone())
    })?;
    let inline = measure(&lineup, zaps, Box::new(shared), |shell| {
        Ok(shell.with_inline_saves(state.clone()))
    })?;
    let _ = std::fs::remove_file(&state);
    Ok(LoopReport { writer, inline })
}

fn measure(
    lineup: &Lineup,
    zaps: usize,
    ui: Box<dyn Ui>,
    saving: impl FnOnce(Shell) -> Result<Shell>,
) -> Result<LoopFigures> {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
    let core = Core::new(lineup.clone(), SavedState::default(), Settings::default());
    let shell = saving(Shell::launch(core, config, inbox.clone(), None)?)?;
    let mut app = App::new(shell, rx, ui);
    inbox.post(Event::Started);
    app.run_until(Duration::from_secs(20), playing)
        .map_err(|e| anyhow::anyhow!("the first channel does not play: {e}"))?;
    app.reset_longest();
    let mut rng = fastrand::Rng::with_seed(0x100b);
    let mut samples = Vec::with_capacity(zaps);
    let saves_before = app.shell().saves();
    for i in 0..zaps {
        let action = if i % 2 == 0 {
            Action::ChannelUp
        } else {
            Action::ChannelDown
        };
        let asked = app.shell().view().requested.map(|c| c.key);
        let t0 = Instant::now();
        inbox.post(Event::Action(action));
        app.drain();
        samples.push(t0.elapsed().as_secs_f64() * 1000.0);
        if app.shell().view().requested.map(|c| c.key) == asked {
            bail!("zap {i} did not change the channel");
        }
        app.run_until(Duration::from_secs(15), playing)
            .map_err(|e| anyhow::anyhow!("zap {i} does not play: {e}"))?;
        // Every tenth zap the viewer stays: the debounced save (2 s after the last change) fires.
        let dwell = if i % 10 == 9 { 2_300 } else { 100 + rng.u64(0..300) };
        app.run_for(Duration::from_millis(dwell));
    }
    let saves = app.shell().saves() - saves_before;
    if saves == 0 {
        bail!("no state save ran during the zaps: the save figure would measure nothing");
    }
    let figures = LoopFigures {
        zaps,
        press: percentiles(&samples),
        press_max_ms: samples.iter().copied().fold(0.0, f64::max),
        busiest_ms: app.longest_drain().as_secs_f64() * 1000.0,
        saves,
        save_max_ms: app.shell().longest_save().as_secs_f64() * 1000.0,
    };
    app.shutdown();
    Ok(figures)
}

fn playing(shell: &Shell) -> bool {
    let view = shell.view();
    view.phase == Some(Phase::Playing) && view.on_screen == view.requested
}
