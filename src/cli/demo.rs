// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox demo`: the demo headend inside this process and the TV app playing it. With `--headless`
//! there is no window: the app zaps through the channels by itself and prints what plays (for CI and
//! for trying the player on a machine without a display).

use crate::app::{Inbox, Shell};
use crate::core::{Action, Core, Event, Phase, SavedState, Settings};
use crate::demo::{Headend, HeadendOptions};
use crate::player::{Outputs, PlayerConfig, VideoOutput};
use anyhow::Result;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs the headless demo for `seconds`, zapping every `dwell`.
pub fn run_headless(
    options: &HeadendOptions,
    seconds: u64,
    dwell: Duration,
    out: &mut dyn Write,
) -> Result<()> {
    let headend = Headend::start(options)?;
    let report = crate::lineup::build(&[("demo.m3u".to_string(), headend.playlist().into_bytes())]);
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let core = Core::new(report.lineup, SavedState::default(), Settings::default());
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
    let mut shell = Shell::launch(core, config, inbox, None)?;
    shell.handle(Event::Started);
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut next_zap = Instant::now() + dwell;
    let mut last_line = String::new();
    while Instant::now() < end {
        if let Ok(event) = rx.recv_timeout(Duration::from_millis(100)) {
            shell.handle(event);
        }
        if Instant::now() >= next_zap {
            shell.handle(Event::Action(Action::ChannelUp));
            next_zap = Instant::now() + dwell;
        }
        let line = status_line(&shell);
        if line != last_line {
            writeln!(out, "{line}")?;
            last_line = line;
        }
    }
    Ok(())
}

/// Runs the demo with the TV window; audio through the desktop's default output.
pub fn run_window(options: &HeadendOptions) -> Result<()> {
    let headend = Headend::start(options)?;
    let lineup = crate::lineup::build(&[("demo.m3u".to_string(), headend.playlist().into_bytes())]).lineup;
    crate::ui::run_window(|inbox, frames| {
        let outputs = Outputs {
            video: VideoOutput::Texture(frames),
            audio_sink: "autoaudiosink".to_string(),
        };
        let core = Core::new(lineup, SavedState::default(), Settings::default());
        Shell::launch(core, PlayerConfig::plain(outputs), inbox, None)
    })
}

fn status_line(shell: &Shell) -> String {
    let view = shell.view();
    let channel = view
        .requested
        .map_or("-".to_string(), |c| format!("{} {}", c.number, c.name));
    let phase = match view.phase {
        Some(Phase::Playing) => format!(
            "playing ({}; zap {} ms)",
            view.decoder.as_deref().unwrap_or("?"),
            view.recent_zaps_ms
                .first()
                .map_or("-".into(), |ms| ms.to_string())
        ),
        Some(other) => format!("{other:?}").to_lowercase(),
        None => "idle".to_string(),
    };
    format!("{channel}: {phase}")
}
