// SPDX-License-Identifier: GPL-3.0-or-later
//! Start-up of the TV app: configuration, state, board profile, player and window, in that order,
//! each step with context in its error. The lineup loads in the background (cache first when the
//! network is not up yet), so the window is there at once.

use super::{Shell, SourceLoader};
use crate::core::{Core, Event, MenuPage, ParentalSettings, Settings, SystemInfo};
use crate::player::{Outputs, PlayerConfig, VideoOutput};
use crate::system::board::{self, BoardProfile, VideoStrategy};
use crate::system::{Config, Environment, LoadWarning, load_config_at, load_state, paths};
use anyhow::{Context, Result};
use std::net::Ipv4Addr;
use std::path::Path;

/// Runs the TV app until its window closes.
pub fn run(config_path: Option<&Path>) -> Result<()> {
    // First, before any thread: SIGTERM/SIGINT end the UI loop like closing the window (state saved).
    crate::system::service::handle_stop_signals(|_| {
        crate::system::service::Notifier::from_env().stopping();
        crate::ui::request_quit();
    })?;
    let (config, warnings) = load_config_at(&paths::find_config_in_process(config_path));
    warnings.iter().for_each(LoadWarning::log);
    let env = Environment::from_process();
    let state_path = paths::state_file(&env, config.paths.state_file.as_deref());
    let cache_dir = paths::cache_dir(&env, config.paths.cache_dir.as_deref());
    let (saved, state_warnings) = load_state(&state_path);
    state_warnings.iter().for_each(LoadWarning::log);
    let board = load_board(&config)?;
    log::info!("board {}: {}", board.name, board.description);
    let settings = core_settings(&config, &board);
    let problems: Vec<String> = warnings
        .iter()
        .chain(&state_warnings)
        .filter(|w| w.is_warning())
        .map(|w| w.to_string())
        .collect();
    crate::ui::run_window(|inbox, frames| {
        let core = Core::new(Default::default(), saved, settings);
        let config_for_player = player_config(&board, &config, frames);
        let time_zones = config
            .guides
            .iter()
            .filter_map(|g| Some((g.url.clone(), g.time_zone.clone()?)))
            .collect();
        let loader = SourceLoader::new(inbox.clone(), cache_dir, config.guide_offset_minutes)
            .with_time_zones(time_zones);
        let shell = Shell::launch(core, config_for_player, inbox.clone(), Some(state_path))?
            .with_loader(loader.clone());
        // The remote: evdev devices with the board's keymap, into the same inbox as every event.
        let remote = inbox.clone();
        let input = crate::input::InputConfig::for_board(&board);
        if let Err(e) = input.and_then(|c| crate::input::spawn(c, move |a| remote.post(Event::Action(a)))) {
            log::error!("remote control: {e}");
        }
        for problem in problems {
            inbox.post(Event::Problem(problem));
        }
        let core = shell.core();
        loader.set_overrides(core.saved_state().guide_overrides.clone());
        loader.load(
            core.sources(MenuPage::Playlists),
            core.sources(MenuPage::Guides),
            true,
        );
        Ok(shell)
    })
}

/// The configured board, else the one the device tree names, else `pc`.
fn load_board(config: &Config) -> Result<BoardProfile> {
    let dirs = board::search_path();
    let name = match &config.board {
        Some(name) => name.clone(),
        None => board::detect(&dirs).unwrap_or_else(|| "pc".to_string()),
    };
    board::load(&name, &dirs).context("loading the board profile")
}

fn core_settings(config: &Config, board: &BoardProfile) -> Settings {
    let p = &config.preferences;
    let network = config
        .network
        .multicast_interface
        .as_ref()
        .or(board.multicast_interface.as_ref())
        .map_or("routing table".to_string(), |name| {
            match interface_address(name) {
                Some(address) => format!("{name} ({address})"),
                None => format!("{name} (no address)"),
            }
        });
    Settings {
        digit_timeout_ms: u64::from(p.digit_timeout_ms),
        banner_timeout_ms: u64::from(p.banner_timeout_ms),
        audio_language: p.audio_language.clone(),
        subtitles: p.subtitles,
        aspect: p.aspect.clone(),
        ui_language: p.language.clone(),
        parental: ParentalSettings {
            pin: config.parental.pin.clone(),
            locked_channels: config.parental.locked_channels.clone(),
            locked_groups: config.parental.locked_groups.clone(),
        },
        playlists: config.playlists.clone(),
        guides: config.guides.iter().map(|g| g.url.clone()).collect(),
        system: SystemInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            board: format!("{} — {}", board.name, board.description),
            network,
        },
        ..Settings::default()
    }
}

fn player_config(
    board: &BoardProfile,
    config: &Config,
    frames: crate::player::FrameCallback,
) -> PlayerConfig {
    let video = match (&board.video.strategy, &board.video.sink) {
        (VideoStrategy::Overlay, Some(sink)) => VideoOutput::Overlay { sink: sink.clone() },
        _ => VideoOutput::Texture(frames),
    };
    let interface = config
        .network
        .multicast_interface
        .as_ref()
        .or(board.multicast_interface.as_ref());
    PlayerConfig {
        outputs: Outputs {
            video,
            audio_sink: board.audio_sink.clone(),
        },
        multicast_interface: interface.and_then(|name| interface_address(name)),
        decoder_ranks: board.decoder_ranks.clone(),
    }
}

/// The IPv4 address of a network interface, for IP_ADD_MEMBERSHIP.
pub fn interface_address(name: &str) -> Option<Ipv4Addr> {
    let found = nix::ifaddrs::getifaddrs().ok()?.find_map(|ifa| {
        let addr = ifa.address?.as_sockaddr_in()?.ip();
        (ifa.interface_name == name).then_some(addr)
    });
    if found.is_none() {
        log::warn!("multicast interface {name} has no IPv4 address; letting the routing table choose");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::board::VideoProfile;
    use std::sync::Arc;

    #[test]
    fn the_board_profile_selects_the_video_output() {
        let mut board = BoardProfile::default();
        let config = Config::default();
        let texture = player_config(&board, &config, Arc::new(|_| {}));
        assert!(matches!(texture.outputs.video, VideoOutput::Texture(_)));
        board.video = VideoProfile {
            strategy: VideoStrategy::Overlay,
            sink: Some("kmssink".into()),
        };
        board.decoder_ranks.insert("v4l2h264dec".into(), 300);
        let overlay = player_config(&board, &config, Arc::new(|_| {}));
        assert!(matches!(&overlay.outputs.video, VideoOutput::Overlay { sink } if sink == "kmssink"));
        assert_eq!(overlay.decoder_ranks.get("v4l2h264dec"), Some(&300));
    }
}
