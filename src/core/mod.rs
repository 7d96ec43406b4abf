// SPDX-License-Identifier: GPL-3.0-or-later
//! The pure application core: all decisions of the box, none of its I/O.
//!
//! ```text
//!  evdev / keyboard ---- Event::Action ----+
//!  GStreamer bus ------- Event::Player ----+--> Core::handle(event, now) --> Vec<Effect> --> shell executes
//!  timers -------------- Event::Timer -----+      (Play, Stop, StartTimer, SaveState, LoadDetails, LoadLogo)
//!  loaders ------------- Event::Lineup... -+
//!  readers ------------- Event::DetailsLoaded, LogoLoaded
//!                                              Core::view(now) --> ViewModel --> UI renders (no I/O)
//! ```
//!
//! The view model is everything a screen shows: what the screens need from disk or the network
//! (programme details, logos) the core asks for as effects and keeps when it arrives (`fetch`).
//! Closed sets the screens distinguish (screen, phase, notice, menu item, PIN purpose, picture
//! fit) are enums here; the Slint adapter maps each onto a `.slint` enum exhaustively.
//!
//! Nothing in this module may use GStreamer, Slint, evdev, nix, reqwest, a clock, the filesystem
//! or the network, nor any adapter or the guide's ingest: it depends only on the pure layers
//! `crate::lineup`, `crate::mpegts` and `crate::guide` (`tests/purity.rs` enforces it). Time
//! arrives as [`Now`] with each event and timers are effects (the guide's refresh period too), so
//! every scenario is a deterministic list of events.

mod action;
mod archive;
mod audio;
mod cec;
mod channel_list;
mod companion;
mod effect;
mod event;
mod fetch;
mod guide;
mod guide_grid;
mod guide_match;
mod hot;
mod hot_set;
mod keyboard;
mod live;
mod menu;
mod parental;
mod picture;
pub mod pin_lock;
mod playback;
mod recording;
mod recordings_screen;
pub mod schedule;
mod screen;
mod sources;
mod standby;
mod state;
mod subtitles;
mod teletext;
mod time;
mod timeshift;
mod tuning;
mod view;
mod view_screens;
mod zapping;

pub use action::Action;
pub use audio::{AudioKind, AudioPreference, AudioTrack, SavedAudio, canonical_language};
pub use cec::{
    CecCommand, CecDevice, CecEvent, CecKey, CecProblem, CecReport, CecSettings, CecStatus,
    INPUT_SWITCH_DELAYS_S, PhysicalAddress, VolumeControl,
};
pub use channel_list::{LIST_ROWS, ListNav, PREVIEW_AFTER_MS, browsable_lists};
pub use companion::{
    CompanionCommand, CompanionEvent, CompanionStatus, PHONE_CHANNELS, PhoneChannel, PhoneRequest, PhoneView,
    SourceKind, check_source,
};
pub use effect::{Direction, Effect, HotChannel, PlayerCommand, Speed, StartAt, TimerId, Trick};
pub use event::{DiskProblem, ErrorKind, Event, HotLoss, PlayerError, PlayerEvent, WindowEdge, ZapPath};
pub use fetch::{LOGOS_KEPT, Picture};
pub use guide::{GUIDE_REFRESH_MS, GuideHandle, ProgrammeView};
pub use guide_grid::{GUIDE_ROWS, GUIDE_SPAN_S, GuideNav};
pub use guide_match::{Candidate, GUIDE_CANDIDATES};
pub use hot::{ASSUMED_BPS, BACKOFF_CAP_MS, BACKOFF_FIRST_MS, HotSettings, ZapKind};
pub use keyboard::{KeyLabel, Keyboard, SpecialKey};
pub use menu::{AUDIO_LANGUAGES, ItemKind, MenuItem, MenuLine, MenuNav, MenuPage, MenuValue, UI_LANGUAGES};
pub use parental::{DEFAULT_PIN, PIN_LEN, ParentalSettings, PinEntry, PinPurpose};
pub use picture::Aspect;
pub use playback::{Phase, RequestId, STALL_ESCALATE_MS, retry_delay_ms};
pub use recording::{
    PLAN_TICK_MS, REC_CHOICES, RESUMED_IDS, RecDialogView, RecorderCommand, RecorderEvent, RecordingOutcome,
    RecordingSettings, ResumedRecording,
};
pub use recordings_screen::{
    MAX_LISTED, RECORDING_ROWS, RecordedSegment, RecordingItem, RecordingRow, RecordingState, RecordingsNav,
    RecordingsView,
};
pub use screen::Screen;
pub use state::{SavedCec, SavedParental, SavedPreferences, SavedSources, SavedState};
pub use subtitles::{
    Colour, MAX_SUBTITLE_DELAY_MS, REMEMBERED_CHANNELS, SUBTITLE_DELAY_STEP_MS, SavedSubtitle, SubtitleImage,
    SubtitleKind, SubtitleLine, SubtitlePosition, SubtitlePreferences, SubtitleRegion, SubtitleRun,
    SubtitleSize, SubtitleStyle, SubtitleTrack,
};
pub use teletext::{INDEX_PAGE, TeletextNav, TeletextView};
pub use time::Now;
pub use timeshift::{SKIP_LEFT_MS, SKIP_RIGHT_MS, TAIL_MARGIN_MS, TimeshiftView};
pub use view::{ChannelView, DigitsView, Notice, ViewModel, ZapRecord};
pub use view_screens::{
    ChannelListView, ChannelRow, GuideCell, GuideRow, GuideView, KeyboardView, MenuView, PinView, ScreenView,
};
pub use zapping::{HISTORY_LEN, ListRef, MAX_DIGITS};

use crate::lineup::{ChannelKey, Lineup};
use playback::Attempts;
use std::sync::Arc;

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
    /// Play the audio description (the picture told in words) where a channel has one; when
    /// off, a channel's AD track is avoided even when the stream flags it as the default.
    pub audio_description: bool,
    /// Subtitles at tune: on or off, language, hard of hearing.
    pub subtitles: SubtitlePreferences,
    /// Picture fit.
    pub aspect: Aspect,
    /// Interface language (`en`, `de`).
    pub ui_language: String,
    pub parental: ParentalSettings,
    /// The operator's playlists and guides (the menu lists them; the viewer adds more).
    pub playlists: Vec<String>,
    pub guides: Vec<String>,
    /// HDMI-CEC: waking the TV, standby, volume.
    pub cec: CecSettings,
    /// Offer "Set up from your phone" in the menu (the companion server).
    pub companion: bool,
    /// Facts for the about page.
    pub system: SystemInfo,
    /// The stream budget for hot channels.
    pub hot: HotSettings,
    /// The box's time zone, for the date fields of catch-up archive URLs and weekly recordings.
    pub zone: jiff::tz::TimeZone,
    /// Recording: whether a folder is set, the margins.
    pub recordings: RecordingSettings,
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
            audio_description: false,
            subtitles: SubtitlePreferences::default(),
            aspect: Aspect::Auto,
            ui_language: "en".to_string(),
            parental: ParentalSettings::default(),
            playlists: Vec::new(),
            guides: Vec::new(),
            cec: CecSettings::default(),
            companion: true,
            system: SystemInfo::default(),
            hot: HotSettings::default(),
            zone: jiff::tz::TimeZone::UTC,
            recordings: RecordingSettings::default(),
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
    /// Subtitle tracks the player reported and the one shown (`None`: off).
    subtitles: Vec<SubtitleTrack>,
    subtitle_selected: Option<String>,
    /// Whether the remembered or preferred choice was applied (once per tune, like audio).
    subtitle_applied: bool,
    /// Whether the player was told the current choice.
    subtitle_announced: bool,
    /// The subtitle text on screen now.
    subtitle_lines: Vec<SubtitleLine>,
    /// The bitmap subtitle on screen now.
    subtitle_image: Option<SubtitleImage>,
    /// How the player started this request, and how far behind live from a cached keyframe.
    path: Option<ZapPath>,
    behind_live_ms: Option<u64>,
    /// Where the picture is on the channel's timeshift window.
    shift: timeshift::Shift,
    /// Set while the channel plays from its provider's archive (catch-up) instead of live.
    archive: Option<archive::ArchivePlay>,
    /// Set while the channel's place is taken by a recording played back.
    recording: Option<recordings_screen::RecordingPlay>,
    /// Continuity-counter errors the receiver counted on this channel since it was tuned (over
    /// every rebuild of its pipeline): the about page shows them.
    stream_errors: u64,
}

/// The state of the whole box, owned by the dispatch loop.
#[derive(Debug, Clone)]
pub struct Core {
    /// Shared with the loader threads (ingest, rematch, refresh): one copy of the lineup in memory.
    lineup: Arc<Lineup>,
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
    recent_zaps: Vec<ZapRecord>,
    /// Channels kept joined besides the live one.
    hot: hot::HotSet,
    /// How the zap being started was reached (read while choosing the hot set).
    zap_kind: ZapKind,
    /// The screen under the remote's control.
    screen: Screen,
    /// The teletext pages received while the viewer is open.
    teletext: crate::mpegts::teletext::TeletextStore,
    /// The PIN prompt, over any screen.
    pin: Option<PinEntry>,
    standby: bool,
    /// Locked channels the PIN opened in this session.
    unlocked: std::collections::HashSet<ChannelKey>,
    guide: Option<GuideHandle>,
    /// HDMI-CEC: the adapter's status and whether we are the TV's active source.
    cec: cec::CecState,
    /// The phone companion's state (pairing, paired).
    companion: CompanionStatus,
    /// What the tuned streams announced in their EIT, over the loaded guide (see `guide.rs`).
    live_guide: crate::guide::LiveOverlay,
    /// The focused programme's details, asked for or here.
    details: Option<fetch::DetailsSlot>,
    /// Channel logos asked for, here or missing.
    logos: fetch::Logos,
    /// The recording schedule, the recordings running and the REC dialog.
    recordings: recording::Recordings,
    /// The recordings listed for the recordings screen.
    library: recordings_screen::Library,
}

impl Core {
    /// A core with the viewer's saved menu choices applied over the configured settings.
    pub fn new(lineup: Lineup, saved: SavedState, mut settings: Settings) -> Self {
        let p = &saved.preferences;
        if let Some(v) = &p.audio_language {
            settings.audio_language = v.clone();
        }
        if let Some(v) = p.aspect {
            settings.aspect = v;
        }
        if let Some(v) = p.audio_description {
            settings.audio_description = v;
        }
        if let Some(v) = p.subtitles {
            settings.subtitles.enabled = v;
        }
        if let Some(v) = &p.subtitle_language {
            settings.subtitles.language = v.clone();
        }
        if let Some(v) = p.hard_of_hearing {
            settings.subtitles.hard_of_hearing = v;
        }
        if let Some(v) = p.subtitle_style {
            settings.subtitles.style = v.bounded();
        }
        if let Some(v) = &p.ui_language {
            settings.ui_language = v.clone();
        }
        saved.cec.apply(&mut settings.cec);
        Self {
            lineup: Arc::new(lineup),
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
            recent_zaps: Vec::new(),
            hot: hot::HotSet::default(),
            zap_kind: ZapKind::Direct,
            screen: Screen::Live,
            teletext: Default::default(),
            pin: None,
            standby: false,
            unlocked: Default::default(),
            guide: None,
            cec: Default::default(),
            companion: CompanionStatus::Off,
            live_guide: crate::guide::LiveOverlay::new(),
            details: None,
            logos: Default::default(),
            recordings: Default::default(),
            library: Default::default(),
        }
    }

    /// The core with the recording schedule read at start.
    pub fn with_schedule(mut self, schedule: schedule::Schedule) -> Self {
        self.recordings = recording::Recordings::with_schedule(schedule);
        self
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
            Event::GuideLoaded(guide) => {
                self.guide = Some(guide);
                self.forget_details();
            }
            Event::DetailsLoaded { id, details } => self.details_loaded(id, details),
            Event::LogoLoaded { url, picture } => self.logo_loaded(url, picture),
            Event::Cec(event) => self.cec_event(event, &mut fx, now),
            Event::Companion(event) => self.companion_event(event),
            Event::Phone(request) => self.phone_request(request, &mut fx, now),
            Event::Recorder(event) => self.recorder_event(event, &mut fx, now),
            Event::Problem(text) => self.show_notice(Notice::Problem(text), &mut fx),
            Event::ClockStepped { by_ms } => self.clock_stepped(by_ms, now, &mut fx),
            Event::Shutdown => {
                self.stop_player(&mut fx);
                fx.push(Effect::SaveState(Box::new(self.saved.clone())));
            }
        }
        self.fetch_for_view(&mut fx);
        fx
    }

    /// The view model at time `now`.
    pub fn view(&self, now: Now) -> ViewModel {
        let channel = |key: &ChannelKey| self.lineup.by_key(key).map(ChannelView::from);
        let phase = self.tune.as_ref().map(|t| t.phase.clone());
        let now_s = now.utc_ms.div_euclid(1000);
        let now_next = match (self.listings(), &self.tune) {
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
        let requested = self.tune.as_ref().and_then(|t| channel(&t.channel));
        ViewModel {
            logo: self.logo_of(requested.as_ref().and_then(|c| c.logo.as_deref())),
            clock_utc_ms: now.utc_ms,
            list: self.list.clone(),
            requested,
            on_screen: self.on_screen.as_ref().and_then(channel),
            notice: self
                .notice
                .as_ref()
                .map(|(notice, _)| notice.clone())
                .or_else(|| {
                    let fetched = matches!(
                        self.current_source_kind(),
                        Some(
                            crate::lineup::SourceKind::Hls
                                | crate::lineup::SourceKind::Dash
                                | crate::lineup::SourceKind::Http
                        )
                    );
                    phase.as_ref().and_then(|p| Notice::for_phase(p, fetched))
                })
                // The PIN prompt says "locked" itself.
                .filter(|n| !(self.pin.is_some() && *n == Notice::ChannelLocked)),
            phase,
            banner_visible: self.banner.is_some(),
            digits,
            volume_percent: self.saved.volume_percent,
            muted: self.saved.muted,
            decoder: self.decoder.clone(),
            recent_zaps: self.recent_zaps.clone(),
            audio_tracks: self.tune.as_ref().map(|t| t.audio.clone()).unwrap_or_default(),
            subtitle_tracks: self
                .tune
                .as_ref()
                .map(|t| t.subtitles.clone())
                .unwrap_or_default(),
            subtitle_selected: self.tune.as_ref().and_then(|t| t.subtitle_selected.clone()),
            subtitle_lines: self
                .tune
                .as_ref()
                .map(|t| t.subtitle_lines.clone())
                .unwrap_or_default(),
            subtitle_image: self.tune.as_ref().and_then(|t| t.subtitle_image.clone()),
            subtitle_style: self.settings.subtitles.style,
            audio_selected: self.tune.as_ref().and_then(|t| t.audio_selected.clone()),
            standby: self.standby,
            now: now_next.0,
            next: now_next.1,
            screen: self.screen_view(now_s),
            pin: self.pin_view(),
            aspect: self.settings.aspect,
            ui_language: self.settings.ui_language.clone(),
            volume_device: self.volume_device(),
            timeshift: self
                .recording_view(now)
                .or_else(|| self.archive_view(now))
                .or_else(|| self.timeshift_view(now)),
            watch_from_start: self.start_over_offer(now).is_some(),
            recording: self.tune.as_ref().is_some_and(|t| self.is_recording(&t.channel)),
            recordings_running: self.recording_channels().len(),
            rec_dialog: self.rec_dialog_view(),
        }
    }

    /// The latest tune request, if any.
    pub fn request(&self) -> Option<RequestId> {
        self.tune.as_ref().map(|t| t.request)
    }

    /// The channel requested (tuning or playing), if any.
    pub fn request_channel(&self) -> Option<ChannelKey> {
        self.tune.as_ref().map(|t| t.channel.clone())
    }

    /// The state that would be saved now.
    pub fn saved_state(&self) -> &SavedState {
        &self.saved
    }

    /// The lineup in use.
    pub fn lineup(&self) -> &Lineup {
        &self.lineup
    }

    /// The lineup in use, shared (for loader threads: a handle, not a copy).
    pub fn shared_lineup(&self) -> Arc<Lineup> {
        Arc::clone(&self.lineup)
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
