// SPDX-License-Identifier: GPL-3.0-or-later
//! The pure application core: all decisions of the box, none of its I/O.
//!
//! ```text
//!  evdev / keyboard ---- Event::Action ----+
//!  GStreamer bus ------- Event::Player ----+--> Core::handle(event, now) --> Vec<Effect> --> shell executes
//!  timers -------------- Event::Timer -----+                                 (Play, Stop, StartTimer, SaveState)
//!  loaders ------------- Event::Lineup... -+
//!                                              Core::view(now) --> ViewModel --> UI renders
//! ```
//!
//! Nothing in this module may use GStreamer, Slint, evdev, nix, reqwest, a clock, the filesystem
//! or the network (`tests/purity.rs` enforces it). Time arrives as [`Now`] with each event and
//! timers are effects, so every scenario is a deterministic list of events.

mod action;
mod audio;
mod channel_list;
mod effect;
mod event;
mod guide;
mod guide_grid;
mod guide_match;
mod keyboard;
mod live;
mod menu;
mod parental;
mod playback;
mod screen;
mod standby;
mod state;
mod time;
mod tuning;
mod view;
mod view_screens;
mod zapping;

pub use action::Action;
pub use audio::{AudioTrack, canonical_language};
pub use channel_list::{LIST_ROWS, ListNav, PREVIEW_AFTER_MS, browsable_lists};
pub use effect::{Effect, PlayerCommand, TimerId};
pub use event::{ErrorKind, Event, PlayerError, PlayerEvent};
pub use guide::{GuideHandle, ProgrammeView};
pub use guide_grid::{GUIDE_ROWS, GUIDE_SPAN_S, GuideNav};
pub use guide_match::{Candidate, GUIDE_CANDIDATES};
pub use keyboard::{KeyLabel, Keyboard, SpecialKey};
pub use menu::{ASPECTS, AUDIO_LANGUAGES, ItemKind, MenuItem, MenuNav, MenuPage, UI_LANGUAGES};
pub use parental::{DEFAULT_PIN, PIN_LEN, ParentalSettings, PinEntry, PinPurpose};
pub use playback::{Phase, RequestId, STALL_ESCALATE_MS, retry_delay_ms};
pub use screen::Screen;
pub use state::{SavedParental, SavedPreferences, SavedSources, SavedState};
pub use time::Now;
pub use view::{ChannelView, DigitsView, Notice, ViewModel};
pub use view_screens::{
    ChannelListView, ChannelRow, GuideCell, GuideRow, GuideView, KeyboardView, MenuView, PinView, ScreenView,
};
pub use zapping::{HISTORY_LEN, ListRef, MAX_DIGITS};

use crate::lineup::{ChannelKey, Lineup};
use playback::Attempts;

/// Settings of the core that come from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long typed digits wait for the next digit before tuning.
    pub digit_timeout_ms: u64,
    /// How long the info banner stays after a zap or INFO.
    pub banner_timeout_ms: u64,
    /// How long a notice stays.
    pub notice_timeout_ms: u64,
    /// Volume change per key press, in percent.
    pub volume_step_percent: u8,
    /// Name of the list the FAVORITES key adds to from menus.
    pub default_favourites: String,
    /// Preferred audio language (ISO 639-1 or 639-2).
    pub audio_language: String,
    /// Subtitles when the stream has them.
    pub subtitles: bool,
    /// Picture fit: `auto`, `letterbox`, `zoom`, `stretch`.
    pub aspect: String,
    /// Interface language (`en`, `de`).
    pub ui_language: String,
    pub parental: ParentalSettings,
    /// The operator's playlists and guides (the menu lists them; the viewer adds more).
    pub playlists: Vec<String>,
    pub guides: Vec<String>,
    /// Facts for the about page.
    pub system: SystemInfo,
}

/// What the about page tells about the box.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemInfo {
    pub version: String,
    pub board: String,
    /// The multicast interface and its address, in words.
    pub network: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            digit_timeout_ms: 2_000,
            banner_timeout_ms: 5_000,
            notice_timeout_ms: 4_000,
            volume_step_percent: 5,
            default_favourites: "Favourites".to_string(),
            audio_language: "eng".to_string(),
            subtitles: false,
            aspect: "auto".to_string(),
            ui_language: "en".to_string(),
            parental: ParentalSettings::default(),
            playlists: Vec::new(),
            guides: Vec::new(),
            system: SystemInfo::default(),
        }
    }
}

/// The current tune request: what was asked for and how far it got.
#[derive(Debug, Clone)]
struct Tune {
    channel: ChannelKey,
    request: RequestId,
    phase: Phase,
    attempts: Attempts,
    /// When the viewer asked for this channel (for zap time); `None` once measured.
    asked_at_ms: Option<u64>,
    /// Audio tracks the player reported, and the one it says is playing.
    audio: Vec<AudioTrack>,
    audio_selected: Option<String>,
    /// Whether the preferred language was applied already (it is applied once per tune, so the
    /// viewer's choice with the AUDIO key is not overridden).
    audio_preference_applied: bool,
    /// The track last asked for, until the player confirms it, and how often it was asked.
    audio_requested: Option<String>,
    audio_asks: u32,
}

/// The state of the whole box, owned by the dispatch loop.
#[derive(Debug, Clone)]
pub struct Core {
    lineup: Lineup,
    settings: Settings,
    saved: SavedState,
    list: ListRef,
    tune: Option<Tune>,
    /// The channel whose frames are on screen: the UI shows this, not what was hoped for.
    on_screen: Option<ChannelKey>,
    decoder: Option<String>,
    /// Typed digits and the generation of their commit timer.
    digits: Option<(String, u64)>,
    /// Generation of the banner's hide timer while the banner is visible.
    banner: Option<u64>,
    /// The explicit notice and the generation of its hide timer.
    notice: Option<(Notice, u64)>,
    /// Generation counter for timers that can be superseded (digits, banner, notice).
    generation: u64,
    last_request: u64,
    recent_zaps_ms: Vec<u64>,
    /// The screen under the remote's control.
    screen: Screen,
    /// The PIN prompt, over any screen.
    pin: Option<PinEntry>,
    standby: bool,
    /// Locked channels the PIN opened in this session.
    unlocked: std::collections::HashSet<ChannelKey>,
    guide: Option<GuideHandle>,
    /// The DVB service (original network, transport stream, service ids) each tuned channel
    /// turned out to carry, so EIT *other* tables (an operator's barker) reach channels that
    /// are not tuned. At most one entry per channel.
    dvb_services: std::collections::HashMap<crate::epg::eit::DvbService, ChannelKey>,
}

impl Core {
    /// A core with the viewer's saved menu choices applied over the configured settings.
    pub fn new(lineup: Lineup, saved: SavedState, mut settings: Settings) -> Self {
        let p = &saved.preferences;
        if let Some(v) = &p.audio_language {
            settings.audio_language = v.clone();
        }
        if let Some(v) = p.subtitles {
            settings.subtitles = v;
        }
        if let Some(v) = &p.aspect {
            settings.aspect = v.clone();
        }
        if let Some(v) = &p.ui_language {
            settings.ui_language = v.clone();
        }
        Self {
            lineup,
            settings,
            saved,
            list: ListRef::All,
            tune: None,
            on_screen: None,
            decoder: None,
            digits: None,
            banner: None,
            notice: None,
            generation: 0,
            last_request: 0,
            recent_zaps_ms: Vec::new(),
            screen: Screen::Live,
            pin: None,
            standby: false,
            unlocked: Default::default(),
            guide: None,
            dvb_services: std::collections::HashMap::new(),
        }
    }

    /// Handles one event at time `now` and returns what the shell must do, in order.
    pub fn handle(&mut self, event: Event, now: Now) -> Vec<Effect> {
        let mut fx = Vec::new();
        match event {
            Event::Started => self.start(&mut fx, now),
            Event::Action(action) => self.action(action, &mut fx, now),
            Event::Player(event) => self.player_event(event, &mut fx, now),
            Event::Timer(timer) => self.timer(timer, &mut fx, now),
            Event::LineupLoaded(lineup) => self.lineup_loaded(lineup, &mut fx, now),
            Event::GuideLoaded(guide) => self.guide = Some(guide),
            Event::Problem(text) => self.show_notice(Notice::Problem(text), &mut fx),
            Event::Tune(key) => self.zap_to(&key, &mut fx, now),
            Event::SelectList(list) => {
                if !zapping::members(&self.lineup, &self.saved, &list).is_empty() {
                    self.list = list;
                }
            }
            Event::ToggleFavourite { list, channel } => {
                zapping::toggle_favourite(&mut self.saved, &list, &channel);
                self.save_soon(&mut fx);
            }
            Event::Shutdown => {
                fx.push(Effect::Player(PlayerCommand::Stop));
                fx.push(Effect::SaveState(Box::new(self.saved.clone())));
            }
        }
        fx
    }

    /// The view model at time `now`.
    pub fn view(&self, now: Now) -> ViewModel {
        let channel = |key: &ChannelKey| self.lineup.by_key(key).map(ChannelView::from);
        let phase = self.tune.as_ref().map(|t| t.phase.clone());
        let now_s = now.utc_ms.div_euclid(1000);
        let now_next = match (&self.guide, &self.tune) {
            (Some(guide), Some(tune)) => guide.now_next(&tune.channel, now_s),
            _ => (None, None),
        };
        let digits = self.digits.as_ref().map(|(typed, _)| DigitsView {
            typed: typed.clone(),
            target: typed
                .parse()
                .ok()
                .and_then(|n| self.lineup.by_number(n))
                .map(ChannelView::from),
        });
        ViewModel {
            clock_utc_ms: now.utc_ms,
            list: self.list.clone(),
            requested: self.tune.as_ref().and_then(|t| channel(&t.channel)),
            on_screen: self.on_screen.as_ref().and_then(channel),
            notice: self
                .notice
                .as_ref()
                .map(|(notice, _)| notice.clone())
                .or_else(|| phase.as_ref().and_then(Notice::for_phase))
                // The PIN prompt says "locked" itself.
                .filter(|n| !(self.pin.is_some() && *n == Notice::ChannelLocked)),
            phase,
            banner_visible: self.banner.is_some(),
            digits,
            volume_percent: self.saved.volume_percent,
            muted: self.saved.muted,
            decoder: self.decoder.clone(),
            recent_zaps_ms: self.recent_zaps_ms.clone(),
            audio_tracks: self.tune.as_ref().map(|t| t.audio.clone()).unwrap_or_default(),
            audio_selected: self.tune.as_ref().and_then(|t| t.audio_selected.clone()),
            standby: self.standby,
            now: now_next.0,
            next: now_next.1,
            screen: self.screen_view(now_s),
            pin: self.pin_view(),
            aspect: self.settings.aspect.clone(),
            ui_language: self.settings.ui_language.clone(),
            subtitles: self.settings.subtitles,
        }
    }

    /// The state that would be saved now.
    pub fn saved_state(&self) -> &SavedState {
        &self.saved
    }

    /// The lineup in use.
    pub fn lineup(&self) -> &Lineup {
        &self.lineup
    }

    /// The guide in use, if one is loaded.
    pub fn guide(&self) -> Option<&GuideHandle> {
        self.guide.as_ref()
    }

    /// The settings in force (configuration with the viewer's menu choices).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    fn show_notice(&mut self, notice: Notice, fx: &mut Vec<Effect>) {
        let generation = self.next_generation();
        self.notice = Some((notice, generation));
        let timer = TimerId::NoticeHide(generation);
        fx.push(Effect::StartTimer {
            timer,
            after_ms: self.settings.notice_timeout_ms,
        });
    }

    fn show_banner(&mut self, fx: &mut Vec<Effect>) {
        let generation = self.next_generation();
        self.banner = Some(generation);
        let timer = TimerId::BannerHide(generation);
        fx.push(Effect::StartTimer {
            timer,
            after_ms: self.settings.banner_timeout_ms,
        });
    }

    /// Debounced state save: key repeats (volume, zapping) end in one flash write.
    fn save_soon(&mut self, fx: &mut Vec<Effect>) {
        fx.push(Effect::StartTimer {
            timer: TimerId::SaveState,
            after_ms: 2_000,
        });
    }
}
