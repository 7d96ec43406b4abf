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
    timeshift: crate::player::TimeshiftSettings,
    seconds: u64,
    dwell: Duration,
    out: &mut dyn Write,
) -> Result<()> {
    let headend = Headend::start(options)?;
    let (app_dir, playlist) = write_playlist(&headend, options)?;
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let loader = SourceLoader::new(inbox.clone(), app_dir, 0);
    let core = Core::new(Default::default(), SavedState::default(), Settings::default());
    let mut config = PlayerConfig::plain(Outputs::headless(Arc::new(|_| {})));
    config.timeshift = timeshift;
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

/// What `zapbox demo --headless --control` adds to the demo: more sources, its own cache.
#[derive(Debug, Clone, Default)]
pub struct ControlOptions {
    /// Playlists loaded after the demo's own (whose channels keep numbers 1-8).
    pub playlists: Vec<String>,
    /// Guide sources besides those the playlists announce.
    pub guides: Vec<String>,
    /// The app's cache (playlists, downloads, guide index); the default is under the demo's cache.
    pub app_dir: Option<std::path::PathBuf>,
}

/// How long a zap may take before `control` reports it failed (the first-picture watchdog
/// rebuilds a silent request after 8 s, 15 s for OTT).
const ZAP_TIMEOUT: Duration = Duration::from_secs(25);
/// Frames that must follow the first one before a zap counts as on screen.
const FRAMES_AFTER_ZAP: u64 = 5;

/// One command read from `control`'s input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Key(Vec<Action>),
    /// One remote key by its keymap name (`ok`, `guide`, `left`, `green`, `pause`, `digit_4`...),
    /// not a zap: answered `pressed NAME`.
    Press(Action),
    /// Where the picture is on the timeline: answered with a `timeline ...` line.
    Timeline,
    /// What records: answered with a `recordings ...` line.
    Recordings,
    Reload,
    RefreshGuide,
    Quit,
}

fn parse_command(line: &str) -> Option<Command> {
    let mut words = line.split_whitespace();
    let command = match (words.next()?, words.next()) {
        ("up", None) => Command::Key(vec![Action::ChannelUp]),
        ("down", None) => Command::Key(vec![Action::ChannelDown]),
        ("last", None) => Command::Key(vec![Action::Last]),
        ("tune", Some(number)) => {
            let number: u32 = number.parse().ok()?;
            Command::Key(
                number
                    .to_string()
                    .bytes()
                    .map(|d| Action::Digit(d - b'0'))
                    .collect(),
            )
        }
        ("key", Some(name)) => Command::Press(crate::input::keymap::parse_action(name)?),
        ("timeline", None) => Command::Timeline,
        ("recordings", None) => Command::Recordings,
        ("reload", None) => Command::Reload,
        ("refresh-guide", None) => Command::RefreshGuide,
        ("quit", None) => Command::Quit,
        _ => return None,
    };
    Some(command)
}

/// A zap asked for and not yet seen on screen.
struct PendingZap {
    from: Option<u32>,
    asked: Instant,
    /// Frames counted when the first picture of the new channel was seen.
    first_frames: Option<u64>,
}

/// The headless demo driven line by line from `input`, for scripts (the soak, `tools/soak`):
/// `up`, `down`, `last`, `tune N` zap; `key NAME` presses one remote key (`guide`, `left`, `ok`,
/// `green`, `pause`, `record`, `digit_4`...), `timeline` says where the picture is (live, the local
/// window or the archive) and `recordings` what records (recordings go to `recordings/` under the
/// app's directory, the schedule to `schedule.json` beside it); `reload` loads every playlist and guide again as when the
/// viewer changes sources; `refresh-guide` runs the periodic guide refresh; `quit` (or the end of
/// the input) stops. Each zap is answered once it is on screen — the channel shown changed to the
/// one requested, its first picture came and [`FRAMES_AFTER_ZAP`] more followed — with
/// `zapped N MS PATH`, or `zap-failed N PHASE` after [`ZAP_TIMEOUT`]. Lines `lineup channels=K`
/// and `guide programmes=P` follow each change of the lineup or the guide.
///
/// Runs in the current network namespace, which the caller made private.
pub fn run_control(
    options: &HeadendOptions,
    control: &ControlOptions,
    input: impl std::io::BufRead + Send + 'static,
    out: &mut dyn Write,
) -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let headend = Headend::start(options)?;
    let (demo_dir, playlist) = write_playlist(&headend, options)?;
    let app_dir = control.app_dir.clone().unwrap_or(demo_dir);
    std::fs::create_dir_all(&app_dir)?;
    let mut playlists = vec![playlist];
    playlists.extend(control.playlists.iter().cloned());
    let guides = control.guides.clone();

    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let loader = SourceLoader::new(inbox.clone(), app_dir.clone(), 0);
    let core = demo_recordings_core(Settings::default(), &app_dir);
    let frames = Arc::new(AtomicU64::new(0));
    let counter = frames.clone();
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    })));
    let shell = Shell::launch(core, config, inbox, None)?.with_loader(loader.clone());
    let shell = with_demo_recorder(shell, &app_dir)?;
    let mut app = App::new(shell, rx, Box::new(NoUi));
    loader.load(playlists.clone(), guides.clone(), Boot::Start);

    let (commands, received) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("control-input".into())
        .spawn(move || {
            for line in input.lines() {
                let Ok(line) = line else { break };
                if commands.send(line).is_err() {
                    return;
                }
            }
            let _ = commands.send("quit".to_string());
        })?;

    let mut pending: Option<PendingZap> = None;
    let mut channels = 0;
    let mut guide: Option<crate::core::GuideHandle> = None;
    let mut last_line = String::new();
    loop {
        app.step(Duration::from_millis(20));
        while let Ok(line) = received.try_recv() {
            match parse_command(&line) {
                Some(Command::Key(keys)) => {
                    let from = app.shell().view().on_screen.map(|c| c.number);
                    let typed = matches!(keys.first(), Some(Action::Digit(_)));
                    for key in keys {
                        app.inbox().post(Event::Action(key));
                    }
                    // Typed digits tune at once when no longer number exists; else OK tunes
                    // them (an OK with no digits open would open the channel list).
                    app.drain();
                    if typed && app.shell().view().digits.is_some() {
                        app.inbox().post(Event::Action(Action::Ok));
                    }
                    pending = Some(PendingZap {
                        from,
                        asked: Instant::now(),
                        first_frames: None,
                    });
                }
                Some(Command::Press(action)) => {
                    app.inbox().post(Event::Action(action));
                    app.drain();
                    writeln!(out, "pressed {}", line.split_whitespace().nth(1).unwrap_or(""))?;
                }
                Some(Command::Timeline) => writeln!(out, "{}", timeline_line(app.shell().view()))?,
                Some(Command::Recordings) => writeln!(out, "{}", recordings_line(app.shell()))?,
                Some(Command::Reload) => loader.load(playlists.clone(), guides.clone(), Boot::Reload),
                Some(Command::RefreshGuide) => {
                    loader.refresh_guide(guides.clone(), app.shell().core().shared_lineup())
                }
                Some(Command::Quit) => {
                    app.shutdown();
                    writeln!(out, "bye")?;
                    out.flush()?;
                    return Ok(());
                }
                None => writeln!(out, "unknown command {line:?}")?,
            }
        }
        let shell = app.shell();
        let view = shell.view();
        if let Some(zap) = &mut pending {
            let requested = view.requested.as_ref().map(|c| c.number);
            let shown = view.on_screen.as_ref().map(|c| c.number);
            let arrived = requested.is_some()
                && shown == requested
                && shown != zap.from
                && view.phase == Some(Phase::Playing);
            if arrived && zap.first_frames.is_none() {
                zap.first_frames = Some(frames.load(Ordering::Relaxed));
            }
            let on_screen = arrived
                && zap
                    .first_frames
                    .is_some_and(|first| frames.load(Ordering::Relaxed) >= first + FRAMES_AFTER_ZAP);
            if on_screen {
                let record = view
                    .recent_zaps
                    .first()
                    .filter(|z| Some(&z.channel) == view.on_screen.as_ref().map(|c| &c.key));
                writeln!(
                    out,
                    "zapped {} {} {}",
                    shown.unwrap_or(0),
                    record.map_or("-".into(), |z| z.ms.to_string()),
                    record
                        .and_then(|z| z.path)
                        .map_or("-".into(), |p| format!("{p:?}").to_lowercase()),
                )?;
                pending = None;
            } else if zap.asked.elapsed() > ZAP_TIMEOUT {
                writeln!(
                    out,
                    "zap-failed {} {}",
                    requested.map_or("-".into(), |n| n.to_string()),
                    view.phase
                        .map_or("idle".into(), |p| format!("{p:?}").to_lowercase()),
                )?;
                pending = None;
            }
        }
        let count = shell.core().lineup().channels.len();
        if count != channels {
            channels = count;
            writeln!(out, "lineup channels={count}")?;
        }
        // Each guide loaded, also one equal to the last (a refresh), is a new handle.
        if shell.core().guide() != guide.as_ref() {
            guide = shell.core().guide().cloned();
            let count = guide.as_ref().map_or(0, |g| g.programme_count());
            writeln!(out, "guide programmes={count}")?;
        }
        let line = status_line(shell);
        if line != last_line {
            log::info!("{line}");
            last_line = line;
        }
        out.flush()?;
    }
}

/// `timeline live` at live, else `timeline archive|window paused|playing position=<Unix s>
/// behind=<s> programme="<title>" start=<Unix s>`: where the picture is, for scripts.
fn timeline_line(view: crate::core::ViewModel) -> String {
    let Some(t) = view.timeshift else {
        return "timeline live".into();
    };
    let (title, start) = t
        .programme
        .as_ref()
        .map_or((String::new(), 0), |p| (p.title.clone(), p.start_s));
    format!(
        "timeline {} {} position={} behind={} programme={title:?} start={start}",
        if t.archive { "archive" } else { "window" },
        if t.paused { "paused" } else { "playing" },
        t.position_utc_ms.div_euclid(1000),
        t.behind_live_ms / 1000,
    )
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
        ScreenView::Teletext(text) => format!("teletext:{}", text.number),
        ScreenView::Recordings(_) => "recordings".to_string(),
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
pub fn run_window(options: &HeadendOptions, timeshift: crate::player::TimeshiftSettings) -> Result<()> {
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
        audio_tap: None,
    };
    let loader = SourceLoader::new(inbox.clone(), app_dir.clone(), 0);
    let core = demo_recordings_core(settings, &app_dir);
    let companion = demo_companion(&inbox, crate::companion::TOKEN_LIFETIME);
    let mut config = PlayerConfig::plain(outputs);
    config.timeshift = timeshift;
    let shell = Shell::launch(core, config, inbox, None)?
        .with_loader(loader.clone())
        .with_companion(companion);
    let shell = with_demo_recorder(shell, &app_dir)?;
    loader.load(shell.core().sources(MenuPage::Playlists), Vec::new(), Boot::Start);
    let screen = window.screen();
    crate::app::run_in_window(window, App::new(shell, rx, Box::new(screen)))
}

/// The demo's recordings: `recordings/` under the app's cache, the schedule beside it (kept
/// across runs, as on a box), the default margins.
fn demo_recordings_core(mut settings: Settings, app_dir: &std::path::Path) -> Core {
    settings.recordings.enabled = true;
    let schedule = crate::app::load_schedule(&app_dir.join(crate::app::SCHEDULE_FILE));
    Core::new(Default::default(), SavedState::default(), settings).with_schedule(schedule)
}

fn with_demo_recorder(shell: Shell, app_dir: &std::path::Path) -> Result<Shell> {
    shell.with_recorder(
        app_dir.join("recordings"),
        app_dir.join(crate::app::SCHEDULE_FILE),
    )
}

/// `recordings running=N channels=A,B dialog=TITLE|- rules=R dir=DIR`.
fn recordings_line(shell: &Shell) -> String {
    let core = shell.core();
    let numbers: Vec<String> = core
        .recording_channels()
        .iter()
        .filter_map(|k| core.lineup().by_key(k).map(|c| c.number.to_string()))
        .collect();
    let view = shell.view();
    format!(
        "recordings running={} channels={} dialog={} rules={} dir={}",
        view.recordings_running,
        if numbers.is_empty() {
            "-".into()
        } else {
            numbers.join(",")
        },
        view.rec_dialog.map_or("-".into(), |d| d.title.replace(' ', "_")),
        core.schedule().rules.len(),
        shell
            .recorder()
            .map_or("-".into(), |r| r.dir().display().to_string()),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_commands_are_parsed() {
        assert_eq!(parse_command("up"), Some(Command::Key(vec![Action::ChannelUp])));
        assert_eq!(
            parse_command(" down "),
            Some(Command::Key(vec![Action::ChannelDown]))
        );
        assert_eq!(
            parse_command("tune 12"),
            Some(Command::Key(vec![Action::Digit(1), Action::Digit(2)]))
        );
        assert_eq!(parse_command("reload"), Some(Command::Reload));
        assert_eq!(parse_command("key green"), Some(Command::Press(Action::Green)));
        assert_eq!(
            parse_command("key digit_4"),
            Some(Command::Press(Action::Digit(4)))
        );
        assert_eq!(parse_command("timeline"), Some(Command::Timeline));
        assert_eq!(parse_command("key sideways"), None);
        assert_eq!(parse_command("refresh-guide"), Some(Command::RefreshGuide));
        assert_eq!(parse_command("quit"), Some(Command::Quit));
        for bad in ["", "tune", "tune x", "tune -1", "up 2", "sideways"] {
            assert_eq!(parse_command(bad), None, "{bad:?}");
        }
    }
}
