// SPDX-License-Identifier: GPL-3.0-or-later
//! The typed contract between the core and the `.slint` screens: each closed set of the core maps
//! onto an `export enum` of `ui/adapter.slint` here, in exhaustive `match`es without a catch-all.
//! A variant added to the core, or renamed in a `.slint` file, fails to compile until both sides
//! agree. The words for every variant live in the `.slint` files under `@tr()`.

use crate::core::{
    Aspect, ItemKind, KeyLabel, ListRef, MenuItem, MenuPage, MenuValue, Notice, Phase, PinPurpose,
    ScreenView, SpecialKey,
};
use crate::slint_generated as ui;

pub fn screen(view: &ScreenView) -> ui::Screen {
    match view {
        ScreenView::Live => ui::Screen::Live,
        ScreenView::ChannelList(_) => ui::Screen::List,
        ScreenView::Guide(_) => ui::Screen::Guide,
        ScreenView::Menu(_) => ui::Screen::Menu,
    }
}

pub fn phase(phase: Option<&Phase>) -> ui::Phase {
    match phase {
        None => ui::Phase::None,
        Some(Phase::Tuning) => ui::Phase::Tuning,
        Some(Phase::Playing) => ui::Phase::Playing,
        Some(Phase::Stalled) => ui::Phase::Stalled,
        Some(Phase::Retrying { .. }) => ui::Phase::Retrying,
        Some(Phase::Failed { .. }) => ui::Phase::Failed,
        Some(Phase::Locked) => ui::Phase::Locked,
    }
}

/// The notice's kind and the argument its words take.
pub fn notice(notice: Option<&Notice>) -> (ui::NoticeKind, String) {
    use ui::NoticeKind as K;
    let Some(notice) = notice else {
        return (K::None, String::new());
    };
    match notice {
        Notice::NoSuchChannel(n) => (K::NoSuchChannel, n.to_string()),
        Notice::NoSignal => (K::NoSignal, String::new()),
        Notice::Reconnecting { attempt } => (K::Reconnecting, attempt.to_string()),
        Notice::CannotPlay(reason) => (K::CannotPlay, reason.clone()),
        Notice::ListChanged(ListRef::All) => (K::AllChannels, String::new()),
        Notice::ListChanged(ListRef::Favourites(name) | ListRef::Group(name)) => (K::List, name.clone()),
        Notice::AudioTrack(Some(language)) => (K::Audio, language.clone()),
        Notice::AudioTrack(None) => (K::AudioNext, String::new()),
        Notice::NoChannels => (K::NoChannels, String::new()),
        Notice::Problem(text) => (K::Problem, text.clone()),
        Notice::ChannelLocked => (K::Locked, String::new()),
        Notice::Favourite { list, added: true } => (K::FavouriteAdded, list.clone()),
        Notice::Favourite { list, added: false } => (K::FavouriteRemoved, list.clone()),
        Notice::BadAddress(text) => (K::BadAddress, text.clone()),
        Notice::PinChanged => (K::PinChanged, String::new()),
        Notice::PinLocked { minutes } => (K::PinLocked, minutes.to_string()),
    }
}

pub fn pin_purpose(purpose: &PinPurpose) -> ui::PinPurpose {
    match purpose {
        PinPurpose::Unlock(_) => ui::PinPurpose::Unlock,
        PinPurpose::ToggleLock(_) => ui::PinPurpose::ToggleLock,
        PinPurpose::ChangeOld => ui::PinPurpose::ChangeOld,
        PinPurpose::ChangeNew => ui::PinPurpose::ChangeNew,
        PinPurpose::ChangeConfirm(_) => ui::PinPurpose::ChangeConfirm,
    }
}

/// The list's kind and its name.
pub fn list(list: &ListRef) -> (ui::ListKind, String) {
    match list {
        ListRef::All => (ui::ListKind::All, String::new()),
        ListRef::Group(name) => (ui::ListKind::Group, name.clone()),
        ListRef::Favourites(name) => (ui::ListKind::Favourites, name.clone()),
    }
}

pub fn aspect(aspect: Aspect) -> ui::PictureFit {
    match aspect {
        Aspect::Auto => ui::PictureFit::Auto,
        Aspect::Letterbox => ui::PictureFit::Letterbox,
        Aspect::Zoom => ui::PictureFit::Zoom,
        Aspect::Stretch => ui::PictureFit::Stretch,
    }
}

pub fn menu_page(page: MenuPage) -> ui::MenuPage {
    match page {
        MenuPage::Main => ui::MenuPage::Main,
        MenuPage::Playlists => ui::MenuPage::Playlists,
        MenuPage::Guides => ui::MenuPage::Guides,
        MenuPage::Parental => ui::MenuPage::Parental,
        MenuPage::About => ui::MenuPage::About,
        MenuPage::GuideMatch => ui::MenuPage::GuideMatch,
    }
}

pub fn menu_item(item: MenuItem) -> ui::MenuItemId {
    use ui::MenuItemId as U;
    match item {
        MenuItem::Playlists => U::Playlists,
        MenuItem::Guides => U::Guides,
        MenuItem::AudioLanguage => U::AudioLanguage,
        MenuItem::PictureFit => U::PictureFit,
        MenuItem::UiLanguage => U::UiLanguage,
        MenuItem::GuideMatch => U::GuideMatch,
        MenuItem::Parental => U::Parental,
        MenuItem::About => U::About,
        MenuItem::OperatorSource => U::OperatorSource,
        MenuItem::OwnSource => U::OwnSource,
        MenuItem::AddSource => U::AddSource,
        MenuItem::ChangePin => U::ChangePin,
        MenuItem::LockChannel => U::LockChannel,
        MenuItem::GuideAuto => U::GuideAuto,
        MenuItem::GuideCandidate => U::GuideCandidate,
        MenuItem::Version => U::Version,
        MenuItem::Board => U::Board,
        MenuItem::Decoder => U::Decoder,
        MenuItem::Network => U::Network,
        MenuItem::Channels => U::Channels,
        MenuItem::Programmes => U::Programmes,
        MenuItem::ZapTimes => U::ZapTimes,
    }
}

pub fn item_kind(kind: ItemKind) -> ui::ItemKind {
    match kind {
        ItemKind::Page => ui::ItemKind::Page,
        ItemKind::Choice => ui::ItemKind::Choice,
        ItemKind::Toggle => ui::ItemKind::Toggle,
        ItemKind::Command => ui::ItemKind::Command,
        ItemKind::Info => ui::ItemKind::Info,
    }
}

/// A menu line's value: its kind, the text, the on/off state and the picture fit.
pub fn menu_value(value: &MenuValue) -> (ui::ValueKind, String, bool, ui::PictureFit) {
    let fit = ui::PictureFit::Auto;
    match value {
        MenuValue::None => (ui::ValueKind::Text, String::new(), false, fit),
        MenuValue::Text(text) => (ui::ValueKind::Text, text.clone(), false, fit),
        MenuValue::Count(n) => (ui::ValueKind::Text, n.to_string(), false, fit),
        MenuValue::OnOff(on) => (ui::ValueKind::OnOff, String::new(), *on, fit),
        MenuValue::Fit(a) => (ui::ValueKind::Fit, String::new(), false, aspect(*a)),
        MenuValue::Language(code) => (ui::ValueKind::Text, language_name(code), false, fit),
    }
}

/// A key of the on-screen keyboard: its character, or which special key it is.
pub fn key(label: &KeyLabel) -> (String, ui::SpecialKey) {
    match label {
        KeyLabel::Character(c) => (c.to_string(), ui::SpecialKey::None),
        KeyLabel::Special(SpecialKey::Shift) => (String::new(), ui::SpecialKey::Shift),
        KeyLabel::Special(SpecialKey::Space) => (String::new(), ui::SpecialKey::Space),
        KeyLabel::Special(SpecialKey::Delete) => (String::new(), ui::SpecialKey::Delete),
        KeyLabel::Special(SpecialKey::Done) => (String::new(), ui::SpecialKey::Done),
    }
}

/// A language by its own name (an endonym is the same in every interface language, so it is
/// not translated); an unknown code is shown as the code.
pub fn language_name(code: &str) -> String {
    let name = match crate::core::canonical_language(code).as_str() {
        "en" => "English",
        "de" => "Deutsch",
        "fr" => "Français",
        "es" => "Español",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "pl" => "Polski",
        "pt" => "Português",
        "sv" => "Svenska",
        "tr" => "Türkçe",
        _ => return code.to_string(),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_language_has_its_own_name() {
        for code in crate::core::AUDIO_LANGUAGES
            .iter()
            .chain(&crate::core::UI_LANGUAGES)
        {
            assert_ne!(language_name(code), *code, "{code}");
        }
        assert_eq!(language_name("deu"), "Deutsch");
        assert_eq!(language_name("xyz"), "xyz");
    }

    #[test]
    fn notices_carry_their_argument() {
        assert_eq!(
            notice(Some(&Notice::NoSuchChannel(42))),
            (ui::NoticeKind::NoSuchChannel, "42".to_string())
        );
        assert_eq!(notice(None).0, ui::NoticeKind::None);
    }
}
