// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox demo`: the demo headend inside this process and the TV app playing it. With `--headless`
//! there is no window: the app zaps through the channels by itself and prints what plays (for CI and
//! for trying the player on a machine without a display). With `--serve` only the headend runs, for a
//! zapbox started apart (a box image): it tells systemd READY=1 once the channels are on air.

use crate::app::{App, Boot, Inbox, NoUi, Shell, SourceLoader};
use crate::core::{Action, Core, Event, MenuPage, Phase, SavedState, Settings, SystemInfo};
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
    let (app_dir, playlist) = write_playlist(&headend, options)?;
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let loader = SourceLoader::new(inbox.clone(), app_dir, 0);
    let core = Core::new(Default::default(), SavedState::default(), Settings::default());
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
    let shell = Shell::launch(core, config, inbox, None)?
        .with_loader(loader.clone())
        .with_clock_watch()?;
    let mut app = App::new(shell, rx, Box::new(NoUi));
    loader.load(vec![playlist], Vec::new(), Boot::Start);
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut next_zap = Instant::now() + dwell;
    let mut last_line = String::new();
    while Instant::now() < end {
        app.step(Duration::from_millis(100));
        if Instant::now() >= next_zap {
            app.inbox().post(Event::Action(Action::ChannelUp));
            next_zap = Instant::now() + dwell;
        }
        let line = status_line(app.shell());
        if line != last_line {
            writeln!(out, "{line}")?;
            last_line = line;
        }
    }
    app.shutdown();
    Ok(())
}

/// Runs only the headend, with its HTTP server on 127.0.0.1:`port`, until the process is stopped.
pub fn serve(options: &HeadendOptions, port: u16, out: &mut dyn Write) -> Result<()> {
    let headend = Headend::start_on_port(options, port)?;
    writeln!(out, "lineup: {}/lineup.m3u", headend.base_url())?;
    for c in &headend.channels {
        writeln!(out, "{:>2} {}: {}", c.number, c.name, c.url)?;
    }
    out.flush()?;
    let notifier = crate::system::service::Notifier::from_env();
    notifier.ready(&format!("{} channels on air", headend.channels.len()));
    loop {
        // The senders and the HTTP server run on their own threads; SIGTERM ends the process.
        std::thread::park();
    }
}

/// The demo box's address on its (namespace-private) home network, where the phone companion
/// listens; a browser that joins the demo's network namespace reaches it.
pub const DEMO_BOX_ADDRESS: std::net::Ipv4Addr = std::net::Ipv4Addr::new(10, 77, 0, 1);

/// The phone companion of the demo, on [`DEMO_BOX_ADDRESS`].
fn demo_companion(inbox: &Inbox, token_lifetime: Duration) -> crate::companion::Companion {
    if let Err(e) = crate::system::netns::add_loopback_address(DEMO_BOX_ADDRESS) {
        log::warn!("demo: cannot add {DEMO_BOX_ADDRESS} to lo: {e}");
    }
    let config = crate::companion::CompanionConfig {
        address: Some(DEMO_BOX_ADDRESS.into()),
        token_lifetime,
        ..Default::default()
    };
    crate::companion::Companion::new(config, inbox.clone())
}

/// The headless demo with the phone companion open from the start: prints `pair: URL`, then one
/// line each time what the TV shows changes (screen, keyboard text, the viewer's sources, channel).
/// `token_lifetime` is how long each pairing code works (5 minutes on a box; tests shorten it).
pub fn run_paired(
    options: &HeadendOptions,
    seconds: u64,
    token_lifetime: Duration,
    out: &mut dyn Write,
) -> Result<()> {
    let headend = Headend::start(options)?;
    let (app_dir, playlist) = write_playlist(&headend, options)?;
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let loader = SourceLoader::new(inbox.clone(), app_dir, 0);
    let settings = Settings {
        playlists: vec![playlist],
        ..Settings::default()
    };
    let core = Core::new(Default::default(), SavedState::default(), settings);
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
    let companion = demo_companion(&inbox, token_lifetime);
    let shell = Shell::launch(core, config, inbox, None)?
        .with_loader(loader.clone())
        .with_companion(companion.clone());
    loader.load(shell.core().sources(MenuPage::Playlists), Vec::new(), Boot::Start);
    let mut app = App::new(shell, rx, Box::new(NoUi));
    // As the viewer would: MENU, UP to "Set up from your phone" (the last item), OK.
    for action in [Action::Menu, Action::Up, Action::Ok] {
        app.inbox().post(Event::Action(action));
    }
    app.drain();
    let url = companion
        .pairing_url()
        .ok_or_else(|| anyhow::anyhow!("the phone companion did not open (see the log)"))?;
    writeln!(out, "pair: {url}")?;
    out.flush()?;
    let mut last_url = url;
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut last_line = String::new();
    while Instant::now() < end {
        app.step(Duration::from_millis(100));
        let shell = app.shell();
        // A new code (the phone page asked for pairing again).
        if let crate::core::CompanionStatus::Pairing { url } = shell.core().companion_status()
            && *url != last_url
        {
            writeln!(out, "pair: {url}")?;
            last_url = url.clone();
        }
        let line = tv_line(shell);
        if line != last_line {
            writeln!(out, "{line}")?;
            out.flush()?;
            last_line = line;
        }
    }
    app.shutdown();
    Ok(())
}

/// What the TV shows, in one line: `tv: screen=menu:playlists keyboard="http://…" playlists=[…] channel=2`.
fn tv_line(shell: &Shell) -> String {
    use crate::core::ScreenView;
    let view = shell.view();
    let screen = match &view.screen {
        ScreenView::Live => "live".to_string(),
        ScreenView::ChannelList(_) => "list".to_string(),
        ScreenView::Guide(_) => "guide".to_string(),
        ScreenView::Menu(menu) => format!("menu:{:?}", menu.page).to_lowercase(),
    };
    let keyboard = match &view.screen {
        ScreenView::Menu(menu) => menu.keyboard.as_ref().map(|k| k.text.clone()),
        _ => None,
    };
    let own = &shell.core().saved_state().sources;
    format!(
        "tv: screen={screen} keyboard={:?} playlists={:?} guides={:?} channel={} standby={}",
        keyboard,
        own.playlists,
        own.guides,
        view.requested.map_or("-".to_string(), |c| c.number.to_string()),
        view.standby
    )
}

/// Runs the demo with the TV window; audio through the desktop's default output. The lineup and
/// the guide load as on a box: the playlist (written to the cache) announces the headend's guide
/// with `url-tvg`, which is fetched over HTTP and ingested into the guide index.
pub fn run_window(options: &HeadendOptions) -> Result<()> {
    let headend = Headend::start(options)?;
    let (app_dir, playlist) = write_playlist(&headend, options)?;
    let settings = Settings {
        playlists: vec![playlist],
        system: SystemInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            board: "pc — demo".to_string(),
            network: "lo (private network namespace)".to_string(),
        },
        ..Settings::default()
    };
    let window = crate::ui::Window::new()?;
    let (inbox, rx) = Inbox::new(window.waker());
    let keys = inbox.clone();
    window.on_key(move |a| keys.post(Event::Action(a)));
    let outputs = Outputs {
        video: VideoOutput::Texture(window.frames()),
        audio_sink: "autoaudiosink".to_string(),
    };
    let loader = SourceLoader::new(inbox.clone(), app_dir, 0);
    let core = Core::new(Default::default(), SavedState::default(), settings);
    let companion = demo_companion(&inbox, crate::companion::TOKEN_LIFETIME);
    let shell = Shell::launch(core, PlayerConfig::plain(outputs), inbox, None)?
        .with_loader(loader.clone())
        .with_companion(companion);
    loader.load(shell.core().sources(MenuPage::Playlists), Vec::new(), Boot::Start);
    let screen = window.screen();
    crate::app::run_in_window(window, App::new(shell, rx, Box::new(screen)))
}

/// Writes the headend's playlist where the app's loader reads it, as a box reads its configured one.
/// Returns the app's cache directory and the playlist's path.
fn write_playlist(headend: &Headend, options: &HeadendOptions) -> Result<(std::path::PathBuf, String)> {
    let app_dir = options.cache_dir.join("app");
    std::fs::create_dir_all(&app_dir)?;
    let playlist = app_dir.join("demo.m3u");
    std::fs::write(&playlist, headend.playlist())?;
    Ok((app_dir, playlist.to_string_lossy().into_owned()))
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
            view.recent_zaps
                .first()
                .map_or("-".into(), |z| format!("{}, {:?}", z.ms, z.path))
        ),
        Some(other) => format!("{other:?}").to_lowercase(),
        None => "idle".to_string(),
    };
    match view.now {
        Some(now) => format!("{channel}: {phase}; now \"{}\"", now.title),
        None => format!("{channel}: {phase}"),
    }
}
