// SPDX-License-Identifier: GPL-3.0-or-later
//! The menu (MENU key): playlists and guide sources (typed with the on-screen keyboard), audio
//! language and audio description, the subtitles page (language at tune, hard of hearing, and
//! how subtitles look: size, background box, position, delay), picture fit, interface language, parental control, the TV over HDMI-CEC (its page
//! lives in `cec.rs`), "Set up from your phone" (`companion.rs`) and the about page.
//! Items are a closed set ([`MenuItem`]) with typed values; the UI owns the words, so every label
//! can be translated, and a new item does not compile until the renderer and the handler below
//! know it.

use super::keyboard::{Keyboard, Press};
use super::picture::Aspect;
use super::screen::Screen;
use super::subtitles::{MAX_SUBTITLE_DELAY_MS, SUBTITLE_DELAY_STEP_MS, SubtitlePosition, SubtitleSize};
use super::{Action, Core, Effect, Now, PinPurpose};

/// Audio languages offered (ISO 639-2), the viewer's own first when it is not among them.
pub const AUDIO_LANGUAGES: [&str; 10] = [
    "eng", "deu", "fra", "spa", "ita", "nld", "pol", "por", "swe", "tur",
];
/// Interface languages with a translation.
pub const UI_LANGUAGES: [&str; 2] = ["en", "de"];

/// A page of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuPage {
    Main,
    Playlists,
    Guides,
    Parental,
    About,
    /// Pick the guide channel of the channel playing.
    GuideMatch,
    /// The TV over HDMI-CEC: volume, standby.
    Tv,
    /// Set up from your phone: the QR code and address of the companion page.
    Phone,
    /// Subtitles: language at tune, hard of hearing, size, background, position, delay.
    Subtitles,
}

/// Where the menu stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuNav {
    pub page: MenuPage,
    pub focus: usize,
    /// The on-screen keyboard, while an address is typed on the playlists or guides page.
    pub keyboard: Option<Keyboard>,
}

/// How a menu line reacts to the remote, for the UI's arrows and marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// Opens a page.
    Page,
    /// LEFT/RIGHT/OK cycle through values.
    Choice,
    Toggle,
    /// OK does something (add a source, change the PIN).
    Command,
    /// Shown as is (addresses, versions, numbers).
    Info,
}

/// Every line the menu can show. The UI maps each to its translated label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MenuItem {
    /// Main page: the playlists page (value: how many).
    Playlists,
    /// Main page: the guide sources page (value: how many).
    Guides,
    AudioLanguage,
    /// Main page: play the audio description where a channel has one.
    AudioDescription,
    /// Main page: the subtitles page (value: the language at tune, or off).
    SubtitleSettings,
    /// Subtitles page: subtitles at tune, off or in a language.
    Subtitles,
    /// Subtitles page: prefer subtitles for the hard of hearing.
    HardOfHearing,
    /// Subtitles page: how big subtitle text is.
    SubtitleSize,
    /// Subtitles page: subtitle text on a dark box, or shadowed.
    SubtitleBackground,
    /// Subtitles page: bottom, raised or top.
    SubtitlePosition,
    /// Subtitles page: shown later or earlier than the stream says (±5 s).
    SubtitleDelay,
    PictureFit,
    UiLanguage,
    /// Main page: the guide-match page (value: the guide channel in use).
    GuideMatch,
    Parental,
    /// Main page: the TV page (value: who turns the volume).
    Tv,
    About,
    /// Main page, last: "Set up from your phone" (opens pairing and the phone page).
    Phone,
    /// TV page: who turns the volume.
    CecVolume,
    /// TV page: the TV goes to standby with the box.
    CecStandbyTv,
    /// TV page: standby after the TV switched to another input for a while.
    CecInputSwitch,
    /// TV and about pages: where HDMI-CEC stands.
    HdmiCec,
    /// Phone page: the address to open (drawn as a QR code too).
    PhoneAddress,
    /// Phone page: waiting, paired, closed.
    PhoneStatus,
    /// A source from the operator's configuration (read-only).
    OperatorSource,
    /// A source the viewer added (RED removes it).
    OwnSource,
    AddSource,
    ChangePin,
    LockChannel,
    /// Guide-match page: back to automatic matching.
    GuideAuto,
    /// Guide-match page: one guide channel to use.
    GuideCandidate,
    Version,
    Board,
    Decoder,
    Network,
    Channels,
    Programmes,
    ZapTimes,
    /// About page: the channels kept joined for instant zaps (`number name`, most useful first).
    HotChannels,
    /// About page: streams and Mbit/s in use against the stream budget.
    StreamBudget,
    /// About page: continuity-counter errors (packets lost or reordered) on the channel watched
    /// since it was tuned; empty for sources without a TS receiver (HLS, DASH, HTTP).
    StreamErrors,
}

impl MenuItem {
    /// How the line reacts to the remote.
    pub fn kind(self) -> ItemKind {
        use MenuItem::*;
        match self {
            Playlists | Guides | SubtitleSettings | GuideMatch | Parental | Tv | About => ItemKind::Page,
            AudioLanguage | Subtitles | PictureFit | UiLanguage | CecVolume | CecInputSwitch
            | SubtitleSize | SubtitlePosition | SubtitleDelay => ItemKind::Choice,
            LockChannel | CecStandbyTv | HardOfHearing | AudioDescription | SubtitleBackground => {
                ItemKind::Toggle
            }
            OwnSource | AddSource | ChangePin | GuideAuto | GuideCandidate | Phone => ItemKind::Command,
            OperatorSource | Version | Board | Decoder | Network | Channels | Programmes | ZapTimes
            | HdmiCec | PhoneAddress | PhoneStatus | HotChannels | StreamBudget | StreamErrors => {
                ItemKind::Info
            }
        }
    }

    /// The page this main-page line opens.
    fn opens(self) -> Option<MenuPage> {
        match self {
            MenuItem::Playlists => Some(MenuPage::Playlists),
            MenuItem::Guides => Some(MenuPage::Guides),
            MenuItem::SubtitleSettings => Some(MenuPage::Subtitles),
            MenuItem::GuideMatch => Some(MenuPage::GuideMatch),
            MenuItem::Parental => Some(MenuPage::Parental),
            MenuItem::Tv => Some(MenuPage::Tv),
            MenuItem::About => Some(MenuPage::About),
            MenuItem::Phone => Some(MenuPage::Phone),
            _ => None,
        }
    }
}

/// The value a menu line shows, typed so the UI can put it in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuValue {
    None,
    /// Shown as is (an address, a version, a guide channel).
    Text(String),
    Count(usize),
    OnOff(bool),
    Fit(Aspect),
    /// A language code (ISO 639), shown by the language's own name.
    Language(String),
    /// Subtitles at tune: off, or in this language (ISO 639).
    SubtitleLanguage(Option<String>),
    SubtitleSize(super::SubtitleSize),
    SubtitlePosition(super::SubtitlePosition),
    /// A shift in milliseconds, later when positive.
    OffsetMs(i32),
    /// Who turns the volume.
    Volume(super::VolumeControl),
    /// A delay in seconds; 0: never.
    DelayS(u32),
    /// Where HDMI-CEC stands and which devices do not answer.
    Cec(super::cec::CecReport),
    /// Where the phone companion stands.
    Companion(super::CompanionStatus),
}

/// One line of a menu page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuLine {
    pub item: MenuItem,
    pub value: MenuValue,
}

impl MenuLine {
    pub fn new(item: MenuItem, value: MenuValue) -> Self {
        Self { item, value }
    }

    fn text(item: MenuItem, text: impl Into<String>) -> Self {
        Self::new(item, MenuValue::Text(text.into()))
    }

    /// The value as text, for the items whose value is text (sources).
    pub fn value_text(&self) -> &str {
        match &self.value {
            MenuValue::Text(t) | MenuValue::Language(t) => t,
            _ => "",
        }
    }
}

pub(super) fn cycle<T: Copy + PartialEq>(options: &[T], current: T, delta: isize) -> T {
    let at = options.iter().position(|o| *o == current).unwrap_or(0) as isize;
    options[(at + delta).rem_euclid(options.len() as isize) as usize]
}

/// Whether a typed address can be a playlist or guide source.
pub fn is_source_address(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ((lower.starts_with("http://") || lower.starts_with("https://")) && text.len() > "https://".len())
        || text.starts_with('/')
}

impl Core {
    pub(super) fn open_menu(&mut self) {
        self.screen = Screen::Menu(MenuNav {
            page: MenuPage::Main,
            focus: 0,
            keyboard: None,
        });
    }

    /// The lines of a page, from the current settings.
    pub fn menu_items(&self, page: MenuPage) -> Vec<MenuLine> {
        use MenuItem::*;
        match page {
            MenuPage::Main => {
                let mut lines = self.main_lines();
                // Last, so UP from the top reaches it at once.
                if self.settings.companion {
                    lines.push(MenuLine::new(Phone, MenuValue::None));
                }
                lines
            }
            MenuPage::Playlists | MenuPage::Guides => {
                let (operator, own) = self.source_lists(page);
                let mut items: Vec<MenuLine> = operator
                    .iter()
                    .map(|s| MenuLine::text(OperatorSource, s))
                    .collect();
                items.extend(own.iter().map(|s| MenuLine::text(OwnSource, s)));
                items.push(MenuLine::new(AddSource, MenuValue::None));
                items
            }
            MenuPage::Parental => {
                let current = self.tune.as_ref().map(|t| t.channel.clone());
                let locked = current.as_ref().is_some_and(|k| self.is_locked(k));
                vec![
                    MenuLine::new(ChangePin, MenuValue::None),
                    MenuLine::new(LockChannel, MenuValue::OnOff(locked)),
                ]
            }
            MenuPage::Subtitles => self.subtitle_lines(),
            MenuPage::About => self.about_items(),
            MenuPage::GuideMatch => self.guide_match_items(),
            MenuPage::Tv => self.tv_items(),
            MenuPage::Phone => self.phone_items(),
        }
    }

    fn main_lines(&self) -> Vec<MenuLine> {
        use MenuItem::*;
        let count = |page| MenuValue::Count(self.sources(page).len());
        vec![
            MenuLine::new(Playlists, count(MenuPage::Playlists)),
            MenuLine::new(Guides, count(MenuPage::Guides)),
            MenuLine::new(
                AudioLanguage,
                MenuValue::Language(self.settings.audio_language.clone()),
            ),
            MenuLine::new(
                AudioDescription,
                MenuValue::OnOff(self.settings.audio_description),
            ),
            MenuLine::new(
                SubtitleSettings,
                MenuValue::SubtitleLanguage(self.subtitle_language()),
            ),
            MenuLine::new(PictureFit, MenuValue::Fit(self.settings.aspect)),
            MenuLine::new(UiLanguage, MenuValue::Language(self.settings.ui_language.clone())),
            MenuLine::text(GuideMatch, self.guide_in_use()),
            MenuLine::new(Parental, MenuValue::None),
            MenuLine::new(Tv, MenuValue::Volume(self.settings.cec.volume)),
            MenuLine::new(About, MenuValue::None),
        ]
    }

    /// The subtitles page: which track at tune, and how subtitles look.
    fn subtitle_lines(&self) -> Vec<MenuLine> {
        use MenuItem::*;
        let s = &self.settings.subtitles;
        vec![
            MenuLine::new(Subtitles, MenuValue::SubtitleLanguage(self.subtitle_language())),
            MenuLine::new(HardOfHearing, MenuValue::OnOff(s.hard_of_hearing)),
            MenuLine::new(SubtitleSize, MenuValue::SubtitleSize(s.style.size)),
            MenuLine::new(SubtitleBackground, MenuValue::OnOff(s.style.background)),
            MenuLine::new(SubtitlePosition, MenuValue::SubtitlePosition(s.style.position)),
            MenuLine::new(SubtitleDelay, MenuValue::OffsetMs(s.style.delay_ms)),
        ]
    }

    /// LEFT/RIGHT (OK: RIGHT) on a line of the subtitles page that styles them; saved.
    fn style_subtitles(&mut self, item: MenuItem, delta: isize, fx: &mut Vec<Effect>) {
        let mut style = self.settings.subtitles.style;
        match item {
            MenuItem::SubtitleSize => style.size = cycle(&SubtitleSize::ALL, style.size, delta),
            MenuItem::SubtitleBackground => style.background = !style.background,
            MenuItem::SubtitlePosition => {
                style.position = cycle(&SubtitlePosition::ALL, style.position, delta);
            }
            MenuItem::SubtitleDelay => {
                // Stops at the ends rather than wrapping from +5 s to −5 s.
                let step = if delta < 0 {
                    -SUBTITLE_DELAY_STEP_MS
                } else {
                    SUBTITLE_DELAY_STEP_MS
                };
                style.delay_ms = (style.delay_ms + step).clamp(-MAX_SUBTITLE_DELAY_MS, MAX_SUBTITLE_DELAY_MS);
            }
            _ => return,
        }
        let delay_changed = style.delay_ms != self.settings.subtitles.style.delay_ms;
        self.settings.subtitles.style = style;
        self.saved.preferences.subtitle_style = Some(style);
        if delay_changed {
            self.announce_subtitle_delay(fx);
        }
        self.save_soon(fx);
    }

    /// Subtitles at tune as the menu shows them: `None` when off.
    fn subtitle_language(&self) -> Option<String> {
        let s = &self.settings.subtitles;
        s.enabled.then(|| s.language.clone())
    }

    /// LEFT/RIGHT on "Subtitles": off, then each offered language.
    fn cycle_subtitle_language(&mut self, delta: isize, fx: &mut Vec<Effect>) {
        let mut options: Vec<Option<&str>> = vec![None];
        options.extend(AUDIO_LANGUAGES.iter().map(|l| Some(*l)));
        let current = self.subtitle_language();
        let chosen = cycle(&options, current.as_deref(), delta).map(str::to_owned);
        let prefs = &mut self.saved.preferences;
        prefs.subtitles = Some(chosen.is_some());
        self.settings.subtitles.enabled = chosen.is_some();
        if let Some(language) = chosen {
            self.settings.subtitles.language = language.clone();
            prefs.subtitle_language = Some(language);
        }
        self.save_soon(fx);
    }

    /// The guide channel the playing channel shows (for the main page).
    fn guide_in_use(&self) -> String {
        let key = self.tune.as_ref().map(|t| &t.channel);
        let link = key.and_then(|k| self.guide.as_ref()?.0.link(k)?.matched.clone());
        link.map(|m| m.guide_id).unwrap_or_default()
    }

    fn about_items(&self) -> Vec<MenuLine> {
        let info = &self.settings.system;
        let zaps = self.recent_zaps.iter().map(zap_text).collect::<Vec<_>>();
        let guide = self
            .guide
            .as_ref()
            .map_or(String::new(), |g| g.0.index().programme_count().to_string());
        vec![
            MenuLine::text(MenuItem::Version, info.version.clone()),
            MenuLine::text(MenuItem::Board, info.board.clone()),
            MenuLine::text(MenuItem::Decoder, self.decoder.clone().unwrap_or_default()),
            MenuLine::text(MenuItem::Network, info.network.clone()),
            MenuLine::new(MenuItem::Channels, MenuValue::Count(self.lineup.channels.len())),
            MenuLine::text(MenuItem::Programmes, guide),
            MenuLine::text(MenuItem::ZapTimes, zaps.join(", ")),
            MenuLine::text(MenuItem::HotChannels, self.hot_text()),
            MenuLine::text(MenuItem::StreamBudget, self.budget_text()),
            MenuLine::new(MenuItem::StreamErrors, MenuValue::Count(self.stream_errors())),
            MenuLine::new(MenuItem::HdmiCec, MenuValue::Cec(self.cec_report())),
        ]
    }

    /// The hot channels as `12 Name, 14 Name` (a dash when there are none).
    fn hot_text(&self) -> String {
        let names = self
            .hot_set()
            .iter()
            .filter_map(|key| self.lineup.by_key(key))
            .map(|c| format!("{} {}", c.number, c.name))
            .collect::<Vec<_>>();
        if names.is_empty() {
            "–".into()
        } else {
            names.join(", ")
        }
    }

    /// Continuity errors on the channel tuned (0 when none is).
    fn stream_errors(&self) -> usize {
        self.tune
            .as_ref()
            .map_or(0, |t| usize::try_from(t.stream_errors).unwrap_or(usize::MAX))
    }

    /// `2/3 · 11.2/25 Mbit/s`: groups joined and their measured bitrate against the budget.
    fn budget_text(&self) -> String {
        let (streams, bps) = self.stream_budget_in_use();
        let hot = &self.settings.hot;
        format!(
            "{streams}/{} · {:.1}/{} Mbit/s",
            hot.max_streams,
            bps as f64 / 1e6,
            hot.max_mbps
        )
    }

    pub(super) fn menu_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        let Screen::Menu(nav) = &self.screen else {
            return;
        };
        let mut nav = nav.clone();
        if nav.keyboard.is_some() {
            return self.keyboard_action(nav, action, fx);
        }
        let items = self.menu_items(nav.page);
        let len = items.len();
        match action {
            Action::Up => nav.focus = (nav.focus + len - 1) % len.max(1),
            Action::Down => nav.focus = (nav.focus + 1) % len.max(1),
            Action::Back if nav.page == MenuPage::Main => return self.close_screen(),
            Action::Back => {
                // Back on the main page, on the line that opened this page.
                let main = self.menu_items(MenuPage::Main);
                let focus = main
                    .iter()
                    .position(|l| l.item.opens() == Some(nav.page))
                    .unwrap_or(0);
                nav = MenuNav {
                    page: MenuPage::Main,
                    focus,
                    keyboard: None,
                };
            }
            Action::Menu => return self.close_screen(),
            Action::Left | Action::Right | Action::Ok => {
                let delta = if action == Action::Left { -1 } else { 1 };
                if let Some(line) = items.get(nav.focus) {
                    self.menu_item(&mut nav, line, action == Action::Ok, delta, fx);
                }
            }
            Action::Red => self.remove_own_source(&nav, &items, fx),
            other => {
                self.open(other, now);
                return;
            }
        }
        if matches!(self.screen, Screen::Menu(_)) {
            self.screen = Screen::Menu(nav);
        }
    }

    fn menu_item(
        &mut self,
        nav: &mut MenuNav,
        line: &MenuLine,
        ok: bool,
        delta: isize,
        fx: &mut Vec<Effect>,
    ) {
        use MenuItem::*;
        match line.item {
            Phone if ok => self.open_companion(nav, fx),
            CecVolume | CecStandbyTv | CecInputSwitch => self.tv_item(line.item, delta, fx),
            Playlists | Guides | SubtitleSettings | GuideMatch | Parental | Tv | About => {
                if let (true, Some(page)) = (ok, line.item.opens()) {
                    *nav = MenuNav {
                        page,
                        focus: 0,
                        keyboard: None,
                    };
                }
            }
            GuideAuto | GuideCandidate if ok => self.choose_guide(nav.focus, fx),
            AddSource if ok => nav.keyboard = Some(Keyboard::default()),
            AudioLanguage => {
                let language =
                    cycle(&AUDIO_LANGUAGES, self.settings.audio_language.as_str(), delta).to_string();
                self.settings.audio_language = language.clone();
                self.saved.preferences.audio_language = Some(language);
                self.save_soon(fx);
            }
            AudioDescription => {
                let on = !self.settings.audio_description;
                self.settings.audio_description = on;
                self.saved.preferences.audio_description = Some(on);
                self.save_soon(fx);
            }
            Subtitles => self.cycle_subtitle_language(delta, fx),
            SubtitleSize | SubtitleBackground | SubtitlePosition | SubtitleDelay => {
                self.style_subtitles(line.item, delta, fx);
            }
            HardOfHearing => {
                let on = !self.settings.subtitles.hard_of_hearing;
                self.settings.subtitles.hard_of_hearing = on;
                self.saved.preferences.hard_of_hearing = Some(on);
                self.save_soon(fx);
            }
            PictureFit => {
                let aspect = cycle(&Aspect::ALL, self.settings.aspect, delta);
                self.settings.aspect = aspect;
                self.saved.preferences.aspect = Some(aspect);
                self.save_soon(fx);
            }
            UiLanguage => {
                let language = cycle(&UI_LANGUAGES, self.settings.ui_language.as_str(), delta).to_string();
                self.settings.ui_language = language.clone();
                self.saved.preferences.ui_language = Some(language);
                self.save_soon(fx);
            }
            ChangePin if ok => self.ask_pin(PinPurpose::ChangeOld),
            LockChannel => {
                if let Some(key) = self.tune.as_ref().map(|t| t.channel.clone()) {
                    self.ask_pin(PinPurpose::ToggleLock(key));
                }
            }
            // LEFT/RIGHT on a command, and every key on a line that only informs, do nothing.
            GuideAuto | GuideCandidate | AddSource | ChangePin | OwnSource | OperatorSource | Version
            | Board | Decoder | Network | Channels | Programmes | ZapTimes | Phone | HdmiCec
            | PhoneAddress | PhoneStatus | HotChannels | StreamBudget | StreamErrors => {}
        }
    }

    fn keyboard_action(&mut self, mut nav: MenuNav, action: Action, fx: &mut Vec<Effect>) {
        let Some(keyboard) = nav.keyboard.as_mut() else {
            return;
        };
        match action {
            Action::Up => keyboard.step(-1, 0),
            Action::Down => keyboard.step(1, 0),
            Action::Left => keyboard.step(0, -1),
            Action::Right => keyboard.step(0, 1),
            Action::Digit(d) if d <= 9 => keyboard.type_char(char::from(b'0' + d)),
            Action::Back => nav.keyboard = None,
            Action::Ok => {
                if let Press::Done(text) = keyboard.press() {
                    nav.keyboard = None;
                    self.add_own_source(nav.page, text, fx);
                }
            }
            _ => {}
        }
        self.screen = Screen::Menu(nav);
    }
}

/// One zap for the about page: time and path (`84 ms hot`).
fn zap_text(zap: &super::ZapRecord) -> String {
    let path = match zap.path {
        Some(super::ZapPath::Hot) => " hot",
        Some(super::ZapPath::Cold) => " cold",
        Some(super::ZapPath::Ott) => " ott",
        None => "",
    };
    format!("{} ms{path}", zap.ms)
}
