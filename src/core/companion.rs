// SPDX-License-Identifier: GPL-3.0-or-later
//! The phone companion, as the core sees it: the menu item "Set up from your phone" opens pairing
//! (the companion adapter, `crate::companion`, binds its server and reports the address to show as
//! a QR code), and what the phone asks for arrives as [`PhoneRequest`]s that go through the same
//! rules as the remote: sources are validated like addresses typed on the TV, text goes into the
//! focused keyboard field, remote keys are ordinary [`Action`](super::Action)s and "watch" tunes
//! like a zap from the channel list. The TV shows what happened.
//!
//! ```text
//!   menu "phone" ──OK──> Effect::Companion(Open) ──> adapter binds, makes a token
//!   adapter ──CompanionEvent::Listening{url}──> the phone page shows the QR code and the URL
//!   phone ──HTTP──> adapter ──Event::Phone / Event::Action──> core
//! ```

use super::menu::{MenuItem, MenuLine, MenuNav, MenuPage, MenuValue, is_source_address};
use super::screen::Screen;
use super::{Core, Effect, Notice, Now};
use crate::lineup::ChannelKey;

/// Which list of sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Playlist,
    Guide,
}

impl SourceKind {
    pub fn page(self) -> MenuPage {
        match self {
            SourceKind::Playlist => MenuPage::Playlists,
            SourceKind::Guide => MenuPage::Guides,
        }
    }
}

/// What a paired phone asks the box to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneRequest {
    AddSource {
        kind: SourceKind,
        url: String,
    },
    /// Replace one of the viewer's own sources (operator sources cannot be changed).
    EditSource {
        kind: SourceKind,
        old: String,
        new: String,
    },
    RemoveSource {
        kind: SourceKind,
        url: String,
    },
    /// Put this text into the TV's open text field; `submit` presses Done as well.
    TypeText {
        text: String,
        submit: bool,
    },
    /// Tap to watch: tune this channel.
    Watch(ChannelKey),
    /// The phone wants a fresh [`PhoneView`] (the shell publishes one after handling this).
    Snapshot,
}

/// What the companion adapter reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanionEvent {
    /// The server listens; the phone opens `url` (it carries the single-use token).
    Listening { url: String },
    /// A phone used the token: it has a session now and the token is spent.
    Paired,
    /// The token expired unused, or the companion was closed: the server is down.
    Closed,
    /// The server could not start (no local network address, port taken...).
    Failed(String),
}

/// What the core asks the companion adapter to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanionCommand {
    /// Start pairing: bind, make a new token.
    Open,
}

/// Where the companion stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CompanionStatus {
    #[default]
    Off,
    Starting,
    Pairing {
        url: String,
    },
    Paired,
    Failed(String),
}

/// Why a phone request was refused, in the TV's words (the notice the TV shows).
pub type Refusal = Notice;

/// Whether the phone's source request is acceptable, by the same rule as the TV's keyboard.
pub fn check_source(url: &str) -> Result<(), Refusal> {
    if is_source_address(url.trim()) {
        Ok(())
    } else {
        Err(Notice::BadAddress(url.trim().to_string()))
    }
}

/// What the phone page shows: the box's state, computed by the core.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhoneView {
    pub language: String,
    pub channels: Vec<PhoneChannel>,
    /// Operator's and the viewer's own sources.
    pub playlists: (Vec<String>, Vec<String>),
    pub guides: (Vec<String>, Vec<String>),
    /// The text of the TV's open keyboard field, if one is open.
    pub keyboard: Option<String>,
    /// The channel playing.
    pub playing: Option<ChannelKey>,
    /// The TV's current message, in English (the page translates known ones itself).
    pub notice: Option<Notice>,
    pub standby: bool,
}

/// One channel for the phone's list.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneChannel {
    pub key: ChannelKey,
    pub number: u32,
    pub name: String,
    /// What is on now.
    pub now: Option<String>,
}

/// The phone's channel list stops here: a phone page with more is not usable anyway.
pub const PHONE_CHANNELS: usize = 2_000;

impl Core {
    pub(super) fn companion_event(&mut self, event: CompanionEvent) {
        self.companion = match event {
            CompanionEvent::Listening { url } => CompanionStatus::Pairing { url },
            CompanionEvent::Paired => CompanionStatus::Paired,
            CompanionEvent::Closed => CompanionStatus::Off,
            CompanionEvent::Failed(why) => CompanionStatus::Failed(why),
        };
    }

    /// "Set up from your phone": open the phone page and start pairing.
    pub(super) fn open_companion(&mut self, nav: &mut MenuNav, fx: &mut Vec<Effect>) {
        *nav = MenuNav {
            page: MenuPage::Phone,
            focus: 0,
            keyboard: None,
        };
        if !matches!(self.companion, CompanionStatus::Paired) {
            self.companion = CompanionStatus::Starting;
        }
        fx.push(Effect::Companion(CompanionCommand::Open));
    }

    /// The phone page's lines: the address to open (the UI draws it as a QR code too) and the state.
    pub(super) fn phone_items(&self) -> Vec<MenuLine> {
        let url = match &self.companion {
            CompanionStatus::Pairing { url } => url.clone(),
            _ => String::new(),
        };
        vec![
            MenuLine::new(MenuItem::PhoneAddress, MenuValue::Text(url)),
            MenuLine::new(
                MenuItem::PhoneStatus,
                MenuValue::Companion(self.companion.clone()),
            ),
        ]
    }

    pub(super) fn phone_request(&mut self, request: PhoneRequest, fx: &mut Vec<Effect>, now: Now) {
        match request {
            PhoneRequest::AddSource { kind, url } => match check_source(&url) {
                Ok(()) => self.add_own_source(kind.page(), url.trim().to_string(), fx),
                Err(notice) => self.show_notice(notice, fx),
            },
            PhoneRequest::EditSource { kind, old, new } => match check_source(&new) {
                Ok(()) => self.replace_own_source(kind.page(), &old, new.trim().to_string(), fx),
                Err(notice) => self.show_notice(notice, fx),
            },
            PhoneRequest::RemoveSource { kind, url } => self.remove_source(kind.page(), &url, fx),
            PhoneRequest::TypeText { text, submit } => self.type_from_phone(text, submit, fx),
            PhoneRequest::Watch(key) => self.zap_to(&key, fx, now),
            PhoneRequest::Snapshot => {}
        }
    }

    /// The phone typed into the TV's open keyboard: the field shows the text at once.
    fn type_from_phone(&mut self, text: String, submit: bool, fx: &mut Vec<Effect>) {
        let Screen::Menu(nav) = &mut self.screen else {
            return;
        };
        let Some(keyboard) = nav.keyboard.as_mut() else {
            return;
        };
        let mut text: String = text.chars().filter(|c| !c.is_control()).collect();
        let mut cut = text.len().min(super::keyboard::MAX_TEXT);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        keyboard.text = text;
        if submit {
            let (page, text) = (nav.page, keyboard.text.trim().to_string());
            nav.keyboard = None;
            self.add_own_source(page, text, fx);
        }
    }

    /// What the phone page shows now.
    pub fn phone_view(&self, now: Now) -> PhoneView {
        let now_s = now.utc_ms.div_euclid(1000);
        let channels = self
            .lineup
            .channels
            .iter()
            .take(PHONE_CHANNELS)
            .map(|c| PhoneChannel {
                key: c.key.clone(),
                number: c.number,
                name: c.name.clone(),
                now: self
                    .guide
                    .as_ref()
                    .and_then(|g| g.now_next(&c.key, now_s).0)
                    .map(|p| p.title),
            })
            .collect();
        let keyboard = match &self.screen {
            Screen::Menu(nav) => nav.keyboard.as_ref().map(|k| k.text.clone()),
            _ => None,
        };
        PhoneView {
            language: self.settings.ui_language.clone(),
            channels,
            playlists: (
                self.settings.playlists.clone(),
                self.saved.sources.playlists.clone(),
            ),
            guides: (self.settings.guides.clone(), self.saved.sources.guides.clone()),
            keyboard,
            playing: self.tune.as_ref().map(|t| t.channel.clone()),
            notice: self.notice.as_ref().map(|(n, _)| n.clone()),
            standby: self.standby,
        }
    }

    /// Where the companion stands.
    pub fn companion_status(&self) -> &CompanionStatus {
        &self.companion
    }
}
