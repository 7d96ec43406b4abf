// SPDX-License-Identifier: GPL-3.0-or-later
//! The menu (MENU key): playlists and guide sources (typed with the on-screen keyboard), audio
//! language, subtitles, picture fit, interface language, parental control and the about page.
//! Items are ids and values; the UI owns the words, so every label can be translated.

use super::keyboard::{Keyboard, Press};
use super::screen::Screen;
use super::{Action, Core, Effect, Notice, Now, PinPurpose};

/// Audio languages offered (ISO 639-2), the viewer's own first when it is not among them.
pub const AUDIO_LANGUAGES: [&str; 10] = [
    "eng", "deu", "fra", "spa", "ita", "nld", "pol", "por", "swe", "tur",
];
/// Picture fits (see `system::config::Aspect`).
pub const ASPECTS: [&str; 4] = ["auto", "letterbox", "zoom", "stretch"];
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
}

/// Where the menu stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuNav {
    pub page: MenuPage,
    pub focus: usize,
    /// The on-screen keyboard, while an address is typed on the playlists or guides page.
    pub keyboard: Option<Keyboard>,
}

/// What a menu item is, for the UI's label and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// Opens a page.
    Page,
    /// LEFT/RIGHT/OK cycle through values; the UI translates the value id.
    Choice,
    Toggle,
    /// OK does something (add a source, change the PIN).
    Command,
    /// Shown as is (addresses, versions, numbers).
    Info,
}

/// One line of a menu page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    /// Stable id the UI maps to a translated label (`audio-language`, `add-source`...).
    pub id: &'static str,
    pub kind: ItemKind,
    pub value: String,
}

impl MenuItem {
    pub(super) fn new(id: &'static str, kind: ItemKind, value: impl Into<String>) -> Self {
        Self {
            id,
            kind,
            value: value.into(),
        }
    }
}

/// The id of the main page's item that opens `page`.
fn page_id(page: MenuPage) -> &'static str {
    match page {
        MenuPage::Main => "",
        MenuPage::Playlists => "playlists",
        MenuPage::Guides => "guides",
        MenuPage::Parental => "parental",
        MenuPage::About => "about",
        MenuPage::GuideMatch => "guide-match",
        MenuPage::Tv => "tv",
        MenuPage::Phone => "phone",
    }
}

fn cycle<'a>(options: &[&'a str], current: &str, delta: isize) -> &'a str {
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

    /// The items of a page, from the current settings.
    pub fn menu_items(&self, page: MenuPage) -> Vec<MenuItem> {
        use ItemKind::*;
        let on_off = |b: bool| if b { "on" } else { "off" };
        match page {
            MenuPage::Main => {
                let mut items = self.main_items();
                // Last, so UP from the top reaches it at once.
                if self.settings.companion {
                    items.push(MenuItem::new("phone", Command, ""));
                }
                items
            }
            MenuPage::Playlists | MenuPage::Guides => {
                let (operator, own) = self.source_lists(page);
                let mut items: Vec<MenuItem> = operator
                    .iter()
                    .map(|s| MenuItem::new("source", Info, s))
                    .collect();
                items.extend(own.iter().map(|s| MenuItem::new("own-source", Command, s)));
                items.push(MenuItem::new("add-source", Command, ""));
                items
            }
            MenuPage::Parental => {
                let current = self.tune.as_ref().map(|t| t.channel.clone());
                let locked = current.as_ref().is_some_and(|k| self.is_locked(k));
                vec![
                    MenuItem::new("change-pin", Command, ""),
                    MenuItem::new("lock-channel", Toggle, on_off(locked)),
                ]
            }
            MenuPage::About => self.about_items(),
            MenuPage::GuideMatch => self.guide_match_items(),
            MenuPage::Tv => self.tv_items(),
            MenuPage::Phone => self.phone_items(),
        }
    }

    fn main_items(&self) -> Vec<MenuItem> {
        use ItemKind::*;
        let on_off = |b: bool| if b { "on" } else { "off" };
        vec![
            MenuItem::new(
                "playlists",
                Page,
                self.sources(MenuPage::Playlists).len().to_string(),
            ),
            MenuItem::new("guides", Page, self.sources(MenuPage::Guides).len().to_string()),
            MenuItem::new("audio-language", Choice, self.settings.audio_language.clone()),
            MenuItem::new("subtitles", Toggle, on_off(self.settings.subtitles)),
            MenuItem::new("aspect", Choice, self.settings.aspect.clone()),
            MenuItem::new("ui-language", Choice, self.settings.ui_language.clone()),
            MenuItem::new("guide-match", Page, self.guide_in_use()),
            MenuItem::new("parental", Page, ""),
            MenuItem::new("tv", Page, self.settings.cec.volume.id()),
            MenuItem::new("about", Page, ""),
        ]
    }

    /// The guide channel the playing channel shows (for the main page).
    fn guide_in_use(&self) -> String {
        let key = self.tune.as_ref().map(|t| &t.channel);
        let link = key.and_then(|k| self.guide.as_ref()?.0.link(k)?.matched.clone());
        link.map(|m| m.guide_id).unwrap_or_default()
    }

    fn about_items(&self) -> Vec<MenuItem> {
        let info = &self.settings.system;
        let zaps = self
            .recent_zaps_ms
            .iter()
            .map(|ms| format!("{ms} ms"))
            .collect::<Vec<_>>();
        let guide = self
            .guide
            .as_ref()
            .map_or(String::new(), |g| g.0.index().programme_count().to_string());
        vec![
            MenuItem::new("version", ItemKind::Info, info.version.clone()),
            MenuItem::new("board", ItemKind::Info, info.board.clone()),
            MenuItem::new(
                "decoder",
                ItemKind::Info,
                self.decoder.clone().unwrap_or_default(),
            ),
            MenuItem::new("network", ItemKind::Info, info.network.clone()),
            MenuItem::new("channels", ItemKind::Info, self.lineup.channels.len().to_string()),
            MenuItem::new("programmes", ItemKind::Info, guide),
            MenuItem::new("zap-times", ItemKind::Info, zaps.join(", ")),
            MenuItem::new("hdmi-cec", ItemKind::Info, self.cec_summary()),
        ]
    }

    /// Operator sources (from the configuration) and the viewer's own (added here).
    fn source_lists(&self, page: MenuPage) -> (&[String], &[String]) {
        match page {
            MenuPage::Guides => (&self.settings.guides, &self.saved.sources.guides),
            _ => (&self.settings.playlists, &self.saved.sources.playlists),
        }
    }

    /// All sources of a page, operator's first.
    pub fn sources(&self, page: MenuPage) -> Vec<String> {
        let (operator, own) = self.source_lists(page);
        operator.iter().chain(own).cloned().collect()
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
                // Back on the main page's item that opened this page.
                let opener = page_id(nav.page);
                let main = self.menu_items(MenuPage::Main);
                let focus = main.iter().position(|i| i.id == opener).unwrap_or(0);
                nav = MenuNav {
                    page: MenuPage::Main,
                    focus,
                    keyboard: None,
                };
            }
            Action::Menu => return self.close_screen(),
            Action::Left | Action::Right | Action::Ok => {
                let delta = if action == Action::Left { -1 } else { 1 };
                if let Some(item) = items.get(nav.focus) {
                    self.menu_item(&mut nav, item, action == Action::Ok, delta, fx);
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
        item: &MenuItem,
        ok: bool,
        delta: isize,
        fx: &mut Vec<Effect>,
    ) {
        let page = |p| MenuNav {
            page: p,
            focus: 0,
            keyboard: None,
        };
        match (item.id, ok) {
            ("playlists", true) => *nav = page(MenuPage::Playlists),
            ("guides", true) => *nav = page(MenuPage::Guides),
            ("parental", true) => *nav = page(MenuPage::Parental),
            ("about", true) => *nav = page(MenuPage::About),
            ("guide-match", true) => *nav = page(MenuPage::GuideMatch),
            ("tv", true) => *nav = page(MenuPage::Tv),
            ("phone", true) => self.open_companion(nav, fx),
            ("cec-volume" | "cec-standby-tv" | "cec-input-switch", _) => self.tv_item(item.id, delta, fx),
            ("guide-auto" | "guide-candidate", true) => self.choose_guide(nav.focus, fx),
            ("add-source", true) => nav.keyboard = Some(Keyboard::default()),
            ("audio-language", _) => {
                let language = cycle(&AUDIO_LANGUAGES, &self.settings.audio_language, delta).to_string();
                self.settings.audio_language = language.clone();
                self.saved.preferences.audio_language = Some(language);
                self.save_soon(fx);
            }
            ("subtitles", _) => self.toggle_subtitles(fx),
            ("aspect", _) => {
                let aspect = cycle(&ASPECTS, &self.settings.aspect, delta).to_string();
                self.settings.aspect = aspect.clone();
                self.saved.preferences.aspect = Some(aspect);
                self.save_soon(fx);
            }
            ("ui-language", _) => {
                let language = cycle(&UI_LANGUAGES, &self.settings.ui_language, delta).to_string();
                self.settings.ui_language = language.clone();
                self.saved.preferences.ui_language = Some(language);
                self.save_soon(fx);
            }
            ("change-pin", true) => self.ask_pin(PinPurpose::ChangeOld),
            ("lock-channel", _) => {
                if let Some(key) = self.tune.as_ref().map(|t| t.channel.clone()) {
                    self.ask_pin(PinPurpose::ToggleLock(key));
                }
            }
            _ => {}
        }
    }

    pub(super) fn toggle_subtitles(&mut self, fx: &mut Vec<Effect>) {
        self.settings.subtitles = !self.settings.subtitles;
        self.saved.preferences.subtitles = Some(self.settings.subtitles);
        self.save_soon(fx);
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

    pub(super) fn add_own_source(&mut self, page: MenuPage, text: String, fx: &mut Vec<Effect>) {
        if !is_source_address(&text) {
            return self.show_notice(Notice::BadAddress(text), fx);
        }
        let own = match page {
            MenuPage::Guides => &mut self.saved.sources.guides,
            _ => &mut self.saved.sources.playlists,
        };
        if !own.contains(&text) {
            own.push(text);
        }
        self.sources_changed(fx);
    }

    /// RED on one of the viewer's own sources removes it.
    fn remove_own_source(&mut self, nav: &MenuNav, items: &[MenuItem], fx: &mut Vec<Effect>) {
        if let Some(item) = items.get(nav.focus).filter(|i| i.id == "own-source") {
            self.remove_source(nav.page, &item.value.clone(), fx);
        }
    }

    fn own_sources(&mut self, page: MenuPage) -> &mut Vec<String> {
        match page {
            MenuPage::Guides => &mut self.saved.sources.guides,
            _ => &mut self.saved.sources.playlists,
        }
    }

    /// Removes one of the viewer's own sources (operator sources stay).
    pub(super) fn remove_source(&mut self, page: MenuPage, url: &str, fx: &mut Vec<Effect>) {
        let own = self.own_sources(page);
        let before = own.len();
        own.retain(|s| s != url);
        if own.len() != before {
            self.sources_changed(fx);
        }
    }

    /// Replaces one of the viewer's own sources in place (an address corrected from the phone).
    pub(super) fn replace_own_source(
        &mut self,
        page: MenuPage,
        old: &str,
        new: String,
        fx: &mut Vec<Effect>,
    ) {
        let own = self.own_sources(page);
        let Some(at) = own.iter().position(|s| s == old) else {
            return;
        };
        if own.contains(&new) {
            own.remove(at);
        } else {
            own[at] = new;
        }
        self.sources_changed(fx);
    }

    fn sources_changed(&mut self, fx: &mut Vec<Effect>) {
        fx.push(Effect::ReloadSources {
            playlists: self.sources(MenuPage::Playlists),
            guides: self.sources(MenuPage::Guides),
        });
        fx.push(Effect::SaveState(Box::new(self.saved.clone())));
    }
}
