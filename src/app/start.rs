// SPDX-License-Identifier: GPL-3.0-or-later
//! Start-up of the TV app: configuration, state, board profile, window, player and the dispatch
//! loop, in that order, each step with context in its error. The lineup loads in the background
//! (cache first when the network is not up yet), so the window is there at once; the loader posts
//! `Event::Started` once the lineup is in.

use super::{App, Boot, Inbox, Shell, SourceLoader};
use crate::core::{
    CecSettings, Core, Event, HotSettings, MenuPage, ParentalSettings, Settings, SubtitlePreferences,
    SystemInfo, VolumeControl,
};
use crate::player::{Outputs, PlayerConfig, VideoOutput};
use crate::system::board::{self, BoardProfile, VideoStrategy};
use crate::system::{Config, Environment, LoadWarning, load_config_at, load_state, paths};
use anyhow::{Context, Result};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// Runs the TV app until its window closes. In `safe_mode` (after repeated failures) the cached
/// playlists and guide are left alone (a fresh cache directory is used) and the viewer is told
/// what failed.
pub fn run(config_path: Option<&Path>, safe_mode: bool) -> Result<()> {
    // First, before any thread: SIGTERM/SIGINT end the UI loop like closing the window (state saved).
    crate::system::service::handle_stop_signals(|_| {
        crate::system::service::Notifier::from_env().stopping();
        crate::ui::request_quit();
    })?;
    let (config, warnings) = load_config_at(&paths::find_config_in_process(config_path));
    warnings.iter().for_each(LoadWarning::log);
    let env = Environment::from_process();
    let state_path = paths::state_file(&env, config.paths.state_file.as_deref());
    let mut cache_dir = paths::cache_dir(&env, config.paths.cache_dir.as_deref());
    if safe_mode {
        cache_dir = safe_mode_cache_dir(&cache_dir);
    }
    let (mut saved, state_warnings) = load_state(&state_path);
    state_warnings.iter().for_each(LoadWarning::log);
    if let Err(e) = crate::system::state_file::hide_clear_pin(&state_path, &mut saved) {
        log::error!("cannot replace the PIN stored in clear by its hash: {e}");
    }
    let board = load_board(&config)?;
    log::info!("board {}: {}", board.name, board.description);
    let settings = core_settings(&config, &board);
    let mut problems: Vec<String> = warnings
        .iter()
        .chain(&state_warnings)
        .filter(|w| w.is_warning())
        .map(|w| w.to_string())
        .collect();
    if safe_mode {
        let why = safe_mode_reason(|name| std::env::var(name).ok());
        log::error!("{why}");
        problems.insert(0, why);
    }
    let window = crate::ui::Window::new().context("opening the TV window")?;
    let (inbox, rx) = Inbox::new(window.waker());
    let keys = inbox.clone();
    window.on_key(move |a| keys.post(Event::Action(a)));
    let core = Core::new(Default::default(), saved, settings);
    let config_for_player = player_config(&board, &config, window.frames());
    let time_zones = config
        .guides
        .iter()
        .filter_map(|g| Some((g.url.clone(), g.time_zone.clone()?)))
        .collect();
    let loader = SourceLoader::new(inbox.clone(), cache_dir.clone(), config.guide_offset_minutes)
        .with_time_zones(time_zones);
    let schedule_path = state_path.with_file_name(SCHEDULE_FILE);
    let core = match &config.recordings.dir {
        Some(_) => core.with_schedule(super::load_schedule(&schedule_path)),
        None => core,
    };
    let mut shell = Shell::launch(core, config_for_player, inbox.clone(), Some(state_path))?
        .with_loader(loader.clone())
        .with_logos(cache_dir.join("logos"))?
        .with_clock_watch()?;
    if let Some(dir) = &config.recordings.dir {
        shell = shell.with_recorder(dir.clone(), schedule_path)?;
    }
    if let Some(cec) = start_cec(&config, &board, &inbox) {
        shell = shell.with_cec(cec);
    }
    if config.companion.enabled {
        let companion = crate::companion::Companion::new(companion_config(&config), inbox.clone());
        shell = shell.with_companion(companion);
    }
    // The remote: evdev devices with the board's keymap, into the same inbox as every event.
    let remote = inbox.clone();
    let input = crate::input::InputConfig::for_board(&board);
    // The shell holds the reader's handle: dropped here, it would stop the reader at once, leaving
    // the remotes ungrabbed and the keys to whatever else reads them (Slint's libinput on KMS).
    match input.and_then(|c| crate::input::spawn(c, move |a| remote.post(Event::Action(a)))) {
        Ok(reader) => shell = shell.with_remote(reader),
        Err(e) => log::error!("remote control: {e}"),
    }
    for problem in problems {
        inbox.post(Event::Problem(problem));
    }
    let core = shell.core();
    loader.set_overrides(core.saved_state().guide_overrides.clone());
    loader.load(
        core.sources(MenuPage::Playlists),
        core.sources(MenuPage::Guides),
        Boot::Start,
    );
    let screen = window.screen();
    run_in_window(window, App::new(shell, rx, Box::new(screen)))
}

/// The recording schedule's file, beside the state file.
pub const SCHEDULE_FILE: &str = "schedule.json";

/// Runs `app` on the window's thread until the window closes, then shuts it down (player
/// stopped, state written).
pub fn run_in_window(window: crate::ui::Window, app: App) -> Result<()> {
    let app = std::rc::Rc::new(std::cell::RefCell::new(app));
    let looped = app.clone();
    window.run(move || {
        looped.borrow_mut().drain();
    })?;
    app.borrow_mut().shutdown();
    Ok(())
}

/// The HDMI-CEC adapter thread, posting into `inbox`; `None` when CEC is off or cannot start
/// (the core hears why, for the about page).
pub fn start_cec(config: &Config, board: &BoardProfile, inbox: &Inbox) -> Option<crate::cec::CecHandle> {
    use crate::core::{CecEvent, CecProblem};
    if !config.cec.enabled {
        inbox.post(Event::Cec(CecEvent::Unavailable(CecProblem::Disabled)));
        return None;
    }
    let cec_config = crate::cec::CecConfig {
        device: config
            .cec
            .device
            .clone()
            .or_else(|| board.cec_device.as_ref().map(Into::into)),
        osd_name: config.cec.osd_name.clone(),
    };
    let events = inbox.clone();
    match crate::cec::spawn(cec_config, move |e| events.post(Event::Cec(e))) {
        Ok(handle) => Some(handle),
        Err(e) => {
            log::error!("HDMI-CEC: cannot start its thread: {e}");
            None
        }
    }
}

/// The phone companion's settings from the configuration.
pub fn companion_config(config: &Config) -> crate::companion::CompanionConfig {
    let c = &config.companion;
    crate::companion::CompanionConfig {
        enabled: c.enabled,
        port: c.port,
        session: (c.session_minutes > 0)
            .then(|| std::time::Duration::from_secs(u64::from(c.session_minutes) * 60)),
        address: None,
        token_lifetime: crate::companion::TOKEN_LIFETIME,
    }
}

/// CEC settings: the configuration, with the board profile's volume control as default.
pub fn cec_settings(config: &Config, board: &BoardProfile) -> CecSettings {
    let c = &config.cec;
    CecSettings {
        enabled: c.enabled,
        wake_tv: c.wake_tv,
        standby_tv: c.standby_tv,
        standby_on_input_switch_s: c.standby_on_input_switch_s,
        volume: (c.volume.as_deref())
            .and_then(VolumeControl::parse)
            .or(board.volume_control)
            .unwrap_or_default(),
    }
}

/// What the safe-mode notice says, from the variables systemd gives an `OnFailure=` unit
/// (`MONITOR_UNIT`, `MONITOR_SERVICE_RESULT`, `MONITOR_EXIT_CODE`, `MONITOR_EXIT_STATUS`).
/// The safe mode's cache directory: `safe-mode` under the normal one, emptied first (whatever an
/// earlier safe-mode run cached may be what fails). The loader reads its cached playlists and
/// guide index under it, so the normal cache is neither read nor touched: it is there again once
/// the unit runs normally.
pub fn safe_mode_cache_dir(cache_dir: &Path) -> PathBuf {
    let dir = cache_dir.join("safe-mode");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn safe_mode_reason(var: impl Fn(&str) -> Option<String>) -> String {
    let unit = var("MONITOR_UNIT").unwrap_or_else(|| "zapbox.service".into());
    let detail: Vec<String> = [
        "MONITOR_SERVICE_RESULT",
        "MONITOR_EXIT_CODE",
        "MONITOR_EXIT_STATUS",
    ]
    .iter()
    .filter_map(|name| var(name).filter(|v| !v.is_empty()))
    .collect();
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", detail.join(", "))
    };
    format!(
        "Safe mode: {unit} failed repeatedly{detail}; the cached playlists and guide are not used. \
         See `journalctl -u {unit}`"
    )
}

/// The configured board, else the one the device tree names, else `pc`, else built-in
/// defaults. Never fatal: under `Restart=always` a board name that cannot be loaded would be a
/// restart loop, while the box can still show TV with the detected or default profile.
fn load_board(config: &Config) -> Result<BoardProfile> {
    Ok(load_board_from(config, &board::search_path()))
}

fn load_board_from(config: &Config, dirs: &[std::path::PathBuf]) -> BoardProfile {
    let dirs = dirs.to_vec();
    if let Some(name) = &config.board {
        match board::load(name, &dirs) {
            Ok(profile) => return profile,
            Err(e) => log::error!("{e}; using the detected board instead (fix `board` in the config)"),
        }
    }
    let detected = board::detect(&dirs).unwrap_or_else(|| "pc".to_string());
    let fallback = board::load(&detected, &dirs).or_else(|e| {
        log::error!("{e}; trying the pc profile");
        board::load("pc", &dirs)
    });
    fallback.unwrap_or_else(|e| {
        log::error!("{e}; using built-in defaults");
        BoardProfile::default()
    })
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
        audio_description: p.audio_description,
        subtitles: SubtitlePreferences {
            enabled: p.subtitles,
            language: p.subtitle_language.clone(),
            hard_of_hearing: p.hard_of_hearing,
            // The look is the viewer's, set in the menu.
            ..SubtitlePreferences::default()
        },
        aspect: p.aspect(),
        ui_language: p.language.clone(),
        parental: ParentalSettings {
            pin: config.parental.pin.clone(),
            locked_channels: config.parental.locked_channels.clone(),
            locked_groups: config.parental.locked_groups.clone(),
        },
        playlists: config.playlists.clone(),
        guides: config.guides.iter().map(|g| g.url.clone()).collect(),
        hot: hot_settings(config, board, Path::new("/sys/class/net")),
        cec: cec_settings(config, board),
        companion: config.companion.enabled,
        system: SystemInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            board: format!("{} — {}", board.name, board.description),
            network,
        },
        // Catch-up URLs name dates in the box's own zone (the TZ the system is set to).
        zone: jiff::tz::TimeZone::system(),
        recordings: crate::core::RecordingSettings {
            enabled: config.recordings.dir.is_some(),
            margins: crate::core::schedule::Margins {
                before_s: config.recordings.margin_before_s,
                after_s: config.recordings.margin_after_s,
            },
        },
        ..Settings::default()
    }
}

/// The stream budget for hot channels: the config's, else the board's, else the defaults; in `auto`
/// mode on only for a wired interface named in the config or board profile (`sys_net` is
/// `/sys/class/net`: a Wi-Fi interface has `wireless` or `phy80211` there).
fn hot_settings(config: &Config, board: &BoardProfile, sys_net: &Path) -> HotSettings {
    use crate::system::config::HotMode;
    let chosen = config
        .network
        .hot_channels
        .or(board.hot_channels)
        .unwrap_or_default();
    let interface = config
        .network
        .multicast_interface
        .as_ref()
        .or(board.multicast_interface.as_ref());
    let on = match chosen.mode {
        HotMode::On => true,
        HotMode::Off => false,
        HotMode::Auto => interface.is_some_and(|name| {
            let dir = sys_net.join(name);
            dir.exists() && !dir.join("wireless").exists() && !dir.join("phy80211").exists()
        }),
    };
    if !on {
        log::info!(
            "hot channels off ({:?} mode, interface {interface:?})",
            chosen.mode
        );
        return HotSettings::off();
    }
    HotSettings {
        max_streams: chosen.max_streams,
        max_mbps: chosen.max_mbps,
        linger_ms: u64::from(chosen.linger_s) * 1000,
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
            audio_tap: None,
        },
        multicast_interface: interface.and_then(|name| interface_address(name)),
        decoder_ranks: board.decoder_ranks.clone(),
        timeshift: timeshift_settings(&config.timeshift),
    }
}

/// The player's timeshift settings from the config's `timeshift` section.
pub fn timeshift_settings(t: &crate::system::config::TimeshiftConfig) -> crate::player::TimeshiftSettings {
    crate::player::TimeshiftSettings {
        seconds: u64::from(t.ram_seconds),
        ram_bytes: u64::from(t.ram_mib) << 20,
        disk: t.dir.clone().map(|dir| crate::player::DiskSettings {
            dir,
            max_seconds: u64::from(t.disk_minutes) * 60,
            floor_bytes: u64::from(t.disk_floor_mib) << 20,
        }),
        ott: t.ott,
        ..Default::default()
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

    /// An unknown or unusable board name in the config is not fatal (under `Restart=always` it
    /// would be a restart loop): the detected board, then `pc`, then the built-in defaults.
    #[test]
    fn a_bad_board_name_falls_back_instead_of_failing() {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
        let expected = board::detect(std::slice::from_ref(&boards)).unwrap_or_else(|| "pc".into());
        for name in ["no-such-board", "../../etc", ""] {
            let config = Config {
                board: Some(name.into()),
                ..Config::default()
            };
            assert_eq!(
                load_board_from(&config, std::slice::from_ref(&boards)).name,
                expected,
                "{name}"
            );
            let nowhere = tempfile::tempdir().expect("temp dir");
            let profile = load_board_from(&config, &[nowhere.path().to_path_buf()]);
            assert_eq!(profile, BoardProfile::default(), "no board files at all: {name}");
        }
    }

    /// Events a loader on `cache_dir` posts for an empty source list: the guide index found there.
    fn guide_from_cache(cache_dir: &Path) -> Option<usize> {
        let (inbox, rx) = Inbox::new(Arc::new(|| {}));
        let loader = SourceLoader::new(inbox, cache_dir.to_path_buf(), 0);
        loader.load(Vec::new(), Vec::new(), Boot::Start);
        let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while loader.running() > 0 && std::time::Instant::now() < end {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(loader.running(), 0, "the loader ended");
        rx.try_iter().find_map(|event| match event {
            Event::GuideLoaded(guide) => Some(guide.programme_count()),
            _ => None,
        })
    }

    /// The safe mode starts without the cached guide (which may be what crashes the app): a loader
    /// on the normal cache loads its index, one on the safe mode's finds none; the normal cache is
    /// left as it was and an earlier safe mode's cache is removed.
    #[test]
    fn the_safe_mode_ignores_the_cached_guide() {
        let root = tempfile::tempdir().expect("temp dir");
        let cache = root.path();
        let guide = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/epg/basic.xml");
        let options = crate::epg::IngestOptions::default();
        for index in [cache.join("epg"), cache.join("safe-mode/epg")] {
            crate::epg::ingest(&[crate::epg::GuideSource::new(guide)], &index, &options).expect("ingest");
        }
        let programmes = guide_from_cache(cache).expect("the normal cache has a guide");
        assert!(programmes > 0);
        let safe = safe_mode_cache_dir(cache);
        assert!(safe.starts_with(cache) && safe != cache);
        assert!(!safe.exists(), "an earlier safe mode's cache is removed");
        assert_eq!(guide_from_cache(&safe), None, "safe mode loaded a cached guide");
        assert_eq!(
            guide_from_cache(cache),
            Some(programmes),
            "the normal cache is kept"
        );
    }

    #[test]
    fn the_safe_mode_notice_says_what_failed() {
        let vars = |name: &str| match name {
            "MONITOR_UNIT" => Some("zapbox.service".to_string()),
            "MONITOR_SERVICE_RESULT" => Some("exit-code".to_string()),
            "MONITOR_EXIT_STATUS" => Some("101".to_string()),
            _ => None,
        };
        let why = safe_mode_reason(vars);
        assert!(
            why.contains("zapbox.service failed repeatedly (exit-code, 101)"),
            "{why}"
        );
        assert!(why.contains("journalctl -u zapbox.service"), "{why}");
        assert!(safe_mode_reason(|_| None).starts_with("Safe mode: zapbox.service failed repeatedly;"));
    }

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

    #[test]
    fn hot_channels_need_a_known_wired_interface_in_auto_mode() {
        use crate::system::config::{HotChannelsConfig, HotMode};
        let sys = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(sys.path().join("eth0")).expect("eth0");
        std::fs::create_dir_all(sys.path().join("wlan0/wireless")).expect("wlan0");
        let mut board = BoardProfile::default();
        let mut config = Config::default();
        assert!(
            !hot_settings(&config, &board, sys.path()).enabled(),
            "unknown interface"
        );
        board.multicast_interface = Some("wlan0".into());
        assert!(!hot_settings(&config, &board, sys.path()).enabled(), "Wi-Fi");
        board.multicast_interface = Some("eth0".into());
        assert_eq!(hot_settings(&config, &board, sys.path()), HotSettings::default());
        config.network.hot_channels = Some(HotChannelsConfig {
            mode: HotMode::Off,
            ..HotChannelsConfig::default()
        });
        assert!(
            !hot_settings(&config, &board, sys.path()).enabled(),
            "the config wins"
        );
        board.multicast_interface = None;
        config.network.hot_channels = Some(HotChannelsConfig {
            mode: HotMode::On,
            max_streams: 2,
            max_mbps: 10,
            linger_s: 5,
        });
        let on = hot_settings(&config, &board, sys.path());
        assert_eq!((on.max_streams, on.max_mbps, on.linger_ms), (2, 10, 5_000));
    }
}
