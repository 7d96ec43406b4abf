// SPDX-License-Identifier: GPL-3.0-or-later
//! The shell: one inbox, the dispatch loop and the effect executor.
//!
//! ```text
//!  player threads ── Event::Player ─┐
//!  timer thread ──── Event::Timer ──┼─> Inbox ─> Shell::handle: effects = core.handle(event, now)
//!  remote / UI ───── Event::Action ─┘                         for e in effects { execute(e) }
//! ```
//! Only the shell touches the core. Adapters send events and execute effects; nothing else.

mod sources;
mod start;
mod timers;

use crate::core::{Core, Effect, Event, Now, ViewModel};
use crate::player::Player;
pub use sources::SourceLoader;
pub use start::{interface_address, run};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
pub use timers::Timers;

/// Where adapters post events. Cloneable and `Send`; `wake` tells a UI loop to drain the queue.
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

/// The core with its executors.
pub struct Shell {
    core: Core,
    player: Player,
    timers: Timers,
    /// Where `SaveState` writes; `None` keeps the state in memory (benchmarks).
    state_file: Option<PathBuf>,
    started: Instant,
    /// Reloads playlists and guides when the viewer changes them; `None`: fixed lineup (tests).
    loader: Option<SourceLoader>,
    /// The HDMI-CEC adapter; `None`: CEC commands are dropped (disabled, tests).
    cec: Option<crate::cec::CecHandle>,
    /// The phone companion's server; `None`: switched off.
    companion: Option<crate::companion::Companion>,
}

impl Shell {
    pub fn new(core: Core, player: Player, timers: Timers, state_file: Option<PathBuf>) -> Self {
        Self {
            core,
            player,
            timers,
            state_file,
            started: Instant::now(),
            loader: None,
            cec: None,
            companion: None,
        }
    }

    /// Lets "Set up from your phone" open `companion`, and gives it the core's view for the page.
    pub fn with_companion(mut self, companion: crate::companion::Companion) -> Self {
        self.companion = Some(companion);
        self
    }

    /// Lets the core's CEC commands reach the bus through `cec`.
    pub fn with_cec(mut self, cec: crate::cec::CecHandle) -> Self {
        self.cec = Some(cec);
        self
    }

    /// Lets the viewer's source changes reload the lineup and the guide through `loader`.
    pub fn with_loader(mut self, loader: SourceLoader) -> Self {
        self.loader = Some(loader);
        self
    }

    /// A shell whose player and timers post into `inbox`.
    pub fn launch(
        core: Core,
        config: crate::player::PlayerConfig,
        inbox: Inbox,
        state_file: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context;
        let player = Player::new(config, inbox.player_events()).context("starting GStreamer")?;
        let timers = Timers::start(inbox).context("starting the timer thread")?;
        Ok(Self::new(core, player, timers, state_file))
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
        let now = self.now();
        let snapshot = matches!(event, Event::Phone(crate::core::PhoneRequest::Snapshot));
        for effect in self.core.handle(event, now) {
            self.execute(effect);
        }
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

    pub fn player(&self) -> &Player {
        &self.player
    }

    fn execute(&mut self, effect: Effect) {
        log::trace!("effect {effect:?}");
        match effect {
            Effect::Player(command) => self.player.execute(command),
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
            Effect::Display { on } => {
                // The UI draws black in standby; a board with a display power control gets it here.
                log::info!("display {}", if on { "on" } else { "off (standby)" });
            }
            Effect::RebuildGuide { overrides } => match &self.loader {
                Some(loader) => loader.rematch_guide(self.core.lineup(), overrides),
                None => log::warn!("guide choice made, but this shell has no loader"),
            },
            Effect::ReloadSources { playlists, guides } => match &self.loader {
                Some(loader) => loader.load(playlists, guides, false),
                None => log::warn!("sources changed, but this shell has no loader"),
            },
            Effect::SaveState(state) => {
                if let Some(path) = &self.state_file
                    && let Err(e) = crate::system::state_file::save_state(path, &state)
                {
                    log::error!("cannot save the state to {}: {e}", path.display());
                }
            }
        }
    }
}
