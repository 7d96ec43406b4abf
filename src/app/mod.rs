// SPDX-License-Identifier: GPL-3.0-or-later
//! The shell: one inbox, the dispatch loop and the effect executors.
//!
//! ```text
//!  player threads ── Event::Player ─┐
//!  timer thread ──── Event::Timer ──┤
//!  remote / keys ─── Event::Action ─┼─> Inbox ─> App::drain: for each queued event
//!  sources, details,                │                effects = core.handle(event, now)    (pure)
//!  logos threads ─── Event::...  ───┘                Shell::execute(effect)               (adapters)
//!                                                 then once: ui.render(&core.view(now))
//! ```
//! Only the loop touches the core. Adapters send events and execute effects; nothing slow runs
//! on the loop: state saves go to a writer thread, programme details and logos to reader threads,
//! lineups and guides to the source loader. The screen is a [`Ui`]: the Slint window, the headless
//! software renderer, or nothing at all (tests, benchmarks); every one of them runs this loop.

mod details;
mod logos;
mod recorder;
mod sources;
mod start;
mod state_writer;
mod timers;

use crate::core::{Core, Effect, Event, Now, PlayerCommand, PlayerEvent, ViewModel};
use crate::player::Player;
pub use details::DetailsReader;
pub use logos::{LogoFetcher, MAX_LOGO_BYTES, MAX_WAITING};
pub use recorder::{Recorder, load_schedule};
pub use sources::{Boot, SourceLoader};
pub use start::{SCHEDULE_FILE, interface_address, run, run_in_window, timeshift_settings};
pub use state_writer::StateWriter;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
pub use timers::Timers;

/// How long a stopping service waits for the loader threads (an ingest stops at its next read;
/// one blocked in a network read is left to the exit, its temporary files removed).
const LOADER_STOP_WAIT: Duration = Duration::from_secs(2);

/// What the loop needs of a screen: show this view model. Key input goes into the inbox.
pub trait Ui {
    fn render(&mut self, view: &ViewModel);
}

/// A screen the loop shares with its owner (headless runs draw and save it between drains).
impl<T: Ui + ?Sized> Ui for std::rc::Rc<std::cell::RefCell<T>> {
    fn render(&mut self, view: &ViewModel) {
        self.borrow_mut().render(view);
    }
}

impl<T: Ui + ?Sized> Ui for Box<T> {
    fn render(&mut self, view: &ViewModel) {
        (**self).render(view);
    }
}

/// No screen: tests, benchmarks and the headless demo.
pub struct NoUi;

impl Ui for NoUi {
    fn render(&mut self, _view: &ViewModel) {}
}

/// Where adapters post events. Cloneable and `Send`; `wake` tells the loop to drain the queue.
#[derive(Clone)]
pub struct Inbox {
    tx: mpsc::Sender<Event>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Inbox {
    /// An inbox and the receiving end the dispatch loop drains.
    pub fn new(wake: Arc<dyn Fn() + Send + Sync>) -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel();
        (Self { tx, wake }, rx)
    }

    pub fn post(&self, event: Event) {
        if self.tx.send(event).is_ok() {
            (self.wake)();
        }
    }

    /// An event sink for the player that posts into this inbox.
    pub fn player_events(&self) -> crate::player::EventSink {
        let inbox = self.clone();
        Arc::new(move |e| inbox.post(Event::Player(e)))
    }
}

/// How `Effect::SaveState` reaches the state file.
enum StateSaving {
    /// Kept in memory (tests, benchmarks, the demo).
    Off,
    /// Written by the writer thread; the loop never waits for flash.
    Writer(StateWriter),
    /// Written on the loop itself, as before the writer thread: only for the benchmark's comparison.
    Inline(PathBuf),
}

/// The core with its effect executors.
pub struct Shell {
    core: Core,
    /// `None`: nothing plays.
    player: Option<Player>,
    /// Without a player, a test card stands in for video: every `Play` shows its first frame at
    /// once (screenshots and the UI benchmark, where nothing may join a multicast group).
    test_card: bool,
    timers: Timers,
    state: StateSaving,
    started: Instant,
    /// Reloads playlists and guides when the viewer changes them; `None`: fixed lineup (tests).
    loader: Option<SourceLoader>,
    details: DetailsReader,
    /// `None`: no logos (tests, benchmarks).
    logos: Option<LogoFetcher>,
    inbox: Inbox,
    /// The longest time one `SaveState` held the loop.
    longest_save: Duration,
    /// How many state saves ran.
    saves: u64,
    /// The HDMI-CEC adapter; `None`: CEC commands are dropped (disabled, tests).
    cec: Option<crate::cec::CecHandle>,
    /// The remote's reader: held for the life of the shell (dropping it stops the reader and releases
    /// the grabbed remotes), stopped at shutdown; `None`: no evdev remote (tests, benchmarks).
    remote: Option<crate::input::InputHandle>,
    /// The phone companion's server; `None`: switched off.
    companion: Option<crate::companion::Companion>,
    /// Reports wall-clock steps as `Event::ClockStepped`; `None`: not watched (tests, benchmarks).
    clock_watch: Option<crate::system::clock::ClockWatch>,
    /// Recording threads and the schedule's writer; `None`: no recordings folder.
    recorder: Option<Recorder>,
}

impl Shell {
    /// A shell whose player, timers and readers post into `inbox`; the state is written to
    /// `state_file` by a writer thread when given.
    pub fn launch(
        core: Core,
        config: crate::player::PlayerConfig,
        inbox: Inbox,
        state_file: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context;
        let player = Player::new(config, inbox.player_events()).context("starting GStreamer")?;
        let mut shell = Self::without_player(core, inbox)?;
        shell.player = Some(player);
        if let Some(path) = state_file {
            let writer = StateWriter::start(path).context("starting the state writer")?;
            shell.state = StateSaving::Writer(writer);
        }
        Ok(shell)
    }

    /// A shell without playback: `Play` commands are dropped (screenshots, UI tests).
    pub fn without_player(core: Core, inbox: Inbox) -> anyhow::Result<Self> {
        use anyhow::Context;
        Ok(Self {
            core,
            player: None,
            test_card: false,
            timers: Timers::start(inbox.clone()).context("starting the timer thread")?,
            state: StateSaving::Off,
            started: Instant::now(),
            loader: None,
            details: DetailsReader::start(inbox.clone()).context("starting the details reader")?,
            logos: None,
            inbox,
            longest_save: Duration::ZERO,
            saves: 0,
            cec: None,
            remote: None,
            companion: None,
            clock_watch: None,
            recorder: None,
        })
    }

    /// Without a player, lets a test card stand in for the video of every channel.
    pub fn with_test_card(mut self) -> Self {
        self.test_card = true;
        self
    }

    /// Lets the viewer's source changes reload the lineup and the guide through `loader`.
    pub fn with_loader(mut self, loader: SourceLoader) -> Self {
        self.loader = Some(loader);
        self
    }

    /// Lets "Set up from your phone" open `companion`, and gives it the core's view for the page.
    pub fn with_companion(mut self, companion: crate::companion::Companion) -> Self {
        self.companion = Some(companion);
        self
    }

    /// Watches the wall clock: each step reaches the core as `Event::ClockStepped`.
    pub fn with_clock_watch(mut self) -> anyhow::Result<Self> {
        use anyhow::Context;
        let inbox = self.inbox.clone();
        let watch = crate::system::clock::ClockWatch::start(move |by_ms| {
            inbox.post(Event::ClockStepped { by_ms });
        })
        .context("starting the clock watch")?;
        self.clock_watch = Some(watch);
        Ok(self)
    }

    /// Records into `dir` through the player's taps, and saves the schedule to `schedule_file`.
    /// Needs the player (`launch`).
    pub fn with_recorder(mut self, dir: PathBuf, schedule_file: PathBuf) -> anyhow::Result<Self> {
        use anyhow::Context;
        let player = self
            .player
            .as_ref()
            .context("recording needs the player")?
            .recorder_handle();
        let recorder = Recorder::start(dir.clone(), schedule_file, player, self.inbox.clone())
            .with_context(|| format!("starting the recorder in {}", dir.display()))?;
        self.recorder = Some(recorder);
        Ok(self)
    }

    /// The recorder, when recordings are on.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// Lets the core's CEC commands reach the bus through `cec`.
    pub fn with_cec(mut self, cec: crate::cec::CecHandle) -> Self {
        self.cec = Some(cec);
        self
    }

    /// Keeps the remote's reader (its actions already post into the inbox) until shutdown.
    pub fn with_remote(mut self, remote: crate::input::InputHandle) -> Self {
        self.remote = Some(remote);
        self
    }

    /// Fetches channel logos, cached under `dir`.
    pub fn with_logos(mut self, dir: PathBuf) -> anyhow::Result<Self> {
        use anyhow::Context;
        let fetcher = LogoFetcher::start(self.inbox.clone(), dir).context("starting the logo fetcher")?;
        self.logos = Some(fetcher);
        Ok(self)
    }

    /// Writes the state on the loop itself, the way it was done before the writer thread: only
    /// for the benchmark that compares the two.
    pub fn with_inline_saves(mut self, path: PathBuf) -> Self {
        self.state = StateSaving::Inline(path);
        self
    }

    /// Writes the state through a writer thread (as `launch` does with a state file).
    pub fn with_state_writer(mut self, path: PathBuf) -> anyhow::Result<Self> {
        use anyhow::Context;
        self.state = StateSaving::Writer(StateWriter::start(path).context("starting the state writer")?);
        Ok(self)
    }

    /// The clocks as the core sees them.
    pub fn now(&self) -> Now {
        let utc_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Now {
            monotonic_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            utc_ms,
        }
    }

    /// Lets the core handle `event` and executes its effects.
    pub fn handle(&mut self, event: Event) {
        log::trace!("event {event:?}");
        let first_frame = matches!(event, Event::Player(crate::core::PlayerEvent::FirstFrame { .. }));
        let now = self.now();
        let snapshot = matches!(event, Event::Phone(crate::core::PhoneRequest::Snapshot));
        for effect in self.core.handle(event, now) {
            self.execute(effect);
        }
        if first_frame {
            // One line per zap in the journal: what a box's boot-time and zap checks read.
            let view = self.view();
            if let Some(channel) = view.requested {
                log::info!(
                    "first frame: channel {} {} (zap {} ms)",
                    channel.number,
                    channel.name,
                    view.recent_zaps
                        .first()
                        .map_or("-".to_string(), |z| z.ms.to_string())
                );
            }
        }
        // The phone page asked for the box's state: the core's answer goes back to its server.
        if snapshot && let Some(companion) = &self.companion {
            companion.publish(self.core.phone_view(now));
        }
    }

    pub fn view(&self) -> ViewModel {
        self.core.view(self.now())
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    pub fn player(&self) -> Option<&Player> {
        self.player.as_ref()
    }

    /// The inbox this shell's adapters post into.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }

    /// The longest time one state save held the loop so far.
    pub fn longest_save(&self) -> Duration {
        self.longest_save
    }

    /// How many state saves ran.
    pub fn saves(&self) -> u64 {
        self.saves
    }

    fn execute(&mut self, effect: Effect) {
        log::trace!("effect {effect:?}");
        match effect {
            Effect::Player(command) => match (&mut self.player, command) {
                (Some(player), command) => player.execute(command),
                (None, PlayerCommand::Play { request, .. }) if self.test_card => {
                    let decoder = Some("test card".to_string());
                    let first = PlayerEvent::FirstFrame { request, decoder };
                    self.inbox.post(Event::Player(first));
                }
                (None, command) => log::debug!("no player: {command:?} dropped"),
            },
            Effect::Companion(crate::core::CompanionCommand::Open) => match &self.companion {
                Some(companion) => companion.open(),
                None => log::warn!("the phone companion is switched off"),
            },
            Effect::Cec(command) => match &self.cec {
                Some(cec) => cec.send(command),
                None => log::debug!("no HDMI-CEC adapter for {command:?}"),
            },
            Effect::StartTimer { timer, after_ms } => {
                self.timers.schedule(timer, Duration::from_millis(after_ms))
            }
            Effect::CancelTimer(timer) => self.timers.cancel(timer),
            Effect::LoadDetails(id) => match self.core.guide() {
                Some(guide) => self.details.request(guide.clone(), id),
                None => log::debug!("details asked for without a guide"),
            },
            Effect::LoadLogo(url) => match &self.logos {
                Some(logos) => logos.request(url),
                None => self.inbox.post(Event::LogoLoaded { url, picture: None }),
            },
            Effect::RebuildGuide { overrides } => match &self.loader {
                Some(loader) => loader.rematch_guide(self.core.shared_lineup(), overrides),
                None => log::warn!("guide choice made, but this shell has no loader"),
            },
            Effect::RefreshGuide { guides } => match &self.loader {
                Some(loader) => loader.refresh_guide(guides, self.core.shared_lineup()),
                None => log::debug!("guide refresh due, but this shell has no loader"),
            },
            Effect::ReloadSources { playlists, guides } => match &self.loader {
                Some(loader) => loader.load(playlists, guides, Boot::Reload),
                None => log::warn!("sources changed, but this shell has no loader"),
            },
            Effect::SaveSchedule(schedule) => match &self.recorder {
                Some(recorder) => recorder.save(schedule),
                None => log::debug!("no recorder: the schedule is not saved"),
            },
            Effect::Recorder(command) => {
                let lineup = self.core.shared_lineup();
                match &mut self.recorder {
                    Some(recorder) => recorder.execute(command, &lineup),
                    None => log::warn!("no recorder: {command:?} dropped"),
                }
            }
            Effect::SaveState(state) => {
                let started = Instant::now();
                match &self.state {
                    StateSaving::Off => {}
                    StateSaving::Writer(writer) => writer.save(state),
                    StateSaving::Inline(path) => {
                        if let Err(e) = crate::system::state_file::save_state(path, &state) {
                            log::error!("cannot save the state to {}: {e}", path.display());
                        }
                    }
                }
                self.longest_save = self.longest_save.max(started.elapsed());
                self.saves += 1;
            }
        }
    }
}

/// The dispatch loop: the shell, its inbox and the screen. A window drives it with `drain` each
/// time it is woken; headless runs block in `step`.
pub struct App {
    shell: Shell,
    rx: mpsc::Receiver<Event>,
    ui: Box<dyn Ui>,
    /// The longest `drain` so far: how long the loop could not take a key.
    longest_drain: Duration,
}

impl App {
    pub fn new(shell: Shell, rx: mpsc::Receiver<Event>, ui: Box<dyn Ui>) -> Self {
        Self {
            shell,
            rx,
            ui,
            longest_drain: Duration::ZERO,
        }
    }

    /// Handles every queued event, then renders once. Returns how many events it handled.
    pub fn drain(&mut self) -> usize {
        let started = Instant::now();
        let mut handled = 0;
        while let Ok(event) = self.rx.try_recv() {
            self.shell.handle(event);
            handled += 1;
        }
        self.ui.render(&self.shell.view());
        self.longest_drain = self.longest_drain.max(started.elapsed());
        handled
    }

    /// Waits up to `timeout` for an event, then drains. Returns whether an event came.
    pub fn step(&mut self, timeout: Duration) -> bool {
        match self.rx.recv_timeout(timeout) {
            Ok(event) => {
                let started = Instant::now();
                self.shell.handle(event);
                self.drain();
                self.longest_drain = self.longest_drain.max(started.elapsed());
                true
            }
            Err(_) => false,
        }
    }

    /// Runs the loop until `done` holds, for at most `within`.
    pub fn run_until(&mut self, within: Duration, done: impl Fn(&Shell) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + within;
        while !done(&self.shell) {
            let left = deadline
                .checked_duration_since(Instant::now())
                .ok_or_else(|| format!("not within {within:?} (phase {:?})", self.shell.view().phase))?;
            self.step(left.min(Duration::from_millis(50)));
        }
        Ok(())
    }

    /// Runs the loop for `duration`.
    pub fn run_for(&mut self, duration: Duration) {
        let end = Instant::now() + duration;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            self.step(left);
        }
    }

    pub fn shell(&self) -> &Shell {
        &self.shell
    }

    /// The inbox of this loop, for input adapters.
    pub fn inbox(&self) -> &Inbox {
        self.shell.inbox()
    }

    /// The longest time one drain held the loop so far.
    pub fn longest_drain(&self) -> Duration {
        self.longest_drain
    }

    /// Starts measuring the longest drain and save afresh.
    pub fn reset_longest(&mut self) {
        self.longest_drain = Duration::ZERO;
        self.shell.longest_save = Duration::ZERO;
    }

    /// The service is stopping: the core saves what must survive, the player stops, and the
    /// state writer finishes its last write before this returns.
    pub fn shutdown(&mut self) {
        if let Some(loader) = &self.shell.loader {
            // Before the core's last save: an ingest of a big guide stops at its next read.
            loader.stop(LOADER_STOP_WAIT);
        }
        self.shell.handle(Event::Shutdown);
        if let Some(remote) = self.shell.remote.take() {
            // Ungrabs the remotes: the console or a desktop gets its keys back at once.
            remote.stop();
        }
        self.shell.player = None;
        self.shell.state = StateSaving::Off;
    }
}
