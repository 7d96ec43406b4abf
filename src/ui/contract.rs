// SPDX-License-Identifier: GPL-3.0-or-later
//! The typed contract between the core and the `.slint` screens: each closed set of the core maps
//! onto an `export enum` of `ui/adapter.slint` here, in exhaustive `match`es without a catch-all.
//! A variant added to the core, or renamed in a `.slint` file, fails to compile until both sides
//! agree. The words for every variant live in the `.slint` files under `@tr()`.

use crate::core::{
    Aspect, CecDevice, CecProblem, CecReport, CecStatus, Colour, CompanionStatus, ItemKind, KeyLabel,
    ListRef, MenuItem, MenuPage, MenuValue, Notice, Phase, PinPurpose, ScreenView, SpecialKey, SubtitleKind,
    SubtitlePosition, SubtitleSize, SubtitleTrack, VolumeControl,
};
use crate::slint_generated as ui;

pub fn screen(view: &ScreenView) -> ui::Screen {
    match view {
        ScreenView::Live => ui::Screen::Live,
        ScreenView::ChannelList(_) => ui::Screen::List,
        ScreenView::Guide(_) => ui::Screen::Guide,
        ScreenView::Menu(_) => ui::Screen::Menu,
        ScreenView::Teletext(_) => ui::Screen::Teletext,
        ScreenView::Recordings(_) => ui::Screen::Recordings,
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
        Notice::Buffering => (K::Buffering, String::new()),
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
        Notice::TimeshiftFromStart => (K::TimeshiftFromStart, String::new()),
        Notice::TimeshiftRamOnly => (K::TimeshiftRamOnly, String::new()),
        Notice::RecordingStarted(t) => (K::RecordingStarted, t.clone()),
        Notice::RecordingScheduled(t) => (K::RecordingScheduled, t.clone()),
        Notice::RecordingSeries(t) => (K::RecordingSeries, t.clone()),
        Notice::RecordingWeekly(t) => (K::RecordingWeekly, t.clone()),
        Notice::RecordingCancelled(t) => (K::RecordingCancelled, t.clone()),
        Notice::RecordingAired => (K::RecordingAired, String::new()),
        Notice::RecordingConflict(t) => (K::RecordingConflict, t.clone()),
        Notice::RecordingDiskFull(t) => (K::RecordingDiskFull, t.clone()),
        Notice::RecordingFailed(t) => (K::RecordingFailed, t.clone()),
        Notice::CannotRecord(t) => (K::CannotRecord, t.clone()),
        Notice::RecordingBusy(t) => (K::RecordingBusy, t.clone()),
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
        MenuPage::Tv => ui::MenuPage::Tv,
        MenuPage::Phone => ui::MenuPage::Phone,
        MenuPage::Subtitles => ui::MenuPage::Subtitles,
    }
}

pub fn menu_item(item: MenuItem) -> ui::MenuItemId {
    use ui::MenuItemId as U;
    match item {
        MenuItem::Playlists => U::Playlists,
        MenuItem::Guides => U::Guides,
        MenuItem::AudioLanguage => U::AudioLanguage,
        MenuItem::AudioDescription => U::AudioDescription,
        MenuItem::SubtitleSettings => U::SubtitleSettings,
        MenuItem::Subtitles => U::Subtitles,
        MenuItem::HardOfHearing => U::HardOfHearing,
        MenuItem::SubtitleSize => U::SubtitleSize,
        MenuItem::SubtitleBackground => U::SubtitleBackground,
        MenuItem::SubtitlePosition => U::SubtitlePosition,
        MenuItem::SubtitleDelay => U::SubtitleDelay,
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
        MenuItem::HotChannels => U::HotChannels,
        MenuItem::StreamBudget => U::StreamBudget,
        MenuItem::StreamErrors => U::StreamErrors,
        MenuItem::Tv => U::Tv,
        MenuItem::Phone => U::Phone,
        MenuItem::CecVolume => U::CecVolume,
        MenuItem::CecStandbyTv => U::CecStandbyTv,
        MenuItem::CecInputSwitch => U::CecInputSwitch,
        MenuItem::HdmiCec => U::HdmiCec,
        MenuItem::PhoneAddress => U::PhoneAddress,
        MenuItem::PhoneStatus => U::PhoneStatus,
    }
}

pub fn subtitle_size(size: SubtitleSize) -> ui::SubtitleSize {
    match size {
        SubtitleSize::Small => ui::SubtitleSize::Small,
        SubtitleSize::Medium => ui::SubtitleSize::Medium,
        SubtitleSize::Large => ui::SubtitleSize::Large,
    }
}

pub fn subtitle_position(position: SubtitlePosition) -> ui::SubtitlePosition {
    match position {
        SubtitlePosition::Bottom => ui::SubtitlePosition::Bottom,
        SubtitlePosition::Raised => ui::SubtitlePosition::Raised,
        SubtitlePosition::Top => ui::SubtitlePosition::Top,
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

/// A menu line with its value filled in (the caller sets the item, its kind and the focus).
pub fn menu_value(value: &MenuValue) -> ui::MenuLine {
    let line = |value_kind, value: String| ui::MenuLine {
        value_kind,
        value: value.into(),
        ..Default::default()
    };
    match value {
        MenuValue::None => line(ui::ValueKind::Text, String::new()),
        MenuValue::Text(text) => line(ui::ValueKind::Text, text.clone()),
        MenuValue::Count(n) => line(ui::ValueKind::Text, n.to_string()),
        MenuValue::OnOff(on) => ui::MenuLine {
            on: *on,
            ..line(ui::ValueKind::OnOff, String::new())
        },
        MenuValue::Fit(a) => ui::MenuLine {
            fit: aspect(*a),
            ..line(ui::ValueKind::Fit, String::new())
        },
        MenuValue::Language(code) => line(ui::ValueKind::Text, language_name(code)),
        MenuValue::SubtitleLanguage(Some(code)) => line(ui::ValueKind::Text, language_name(code)),
        MenuValue::SubtitleLanguage(None) => line(ui::ValueKind::OnOff, String::new()),
        MenuValue::SubtitleSize(size) => ui::MenuLine {
            subtitle_size: subtitle_size(*size),
            ..line(ui::ValueKind::SubtitleSize, String::new())
        },
        MenuValue::SubtitlePosition(position) => ui::MenuLine {
            subtitle_position: subtitle_position(*position),
            ..line(ui::ValueKind::SubtitlePosition, String::new())
        },
        MenuValue::OffsetMs(ms) => ui::MenuLine {
            milliseconds: *ms,
            ..line(ui::ValueKind::Offset, String::new())
        },
        MenuValue::Volume(v) => ui::MenuLine {
            volume_by: volume_by(*v),
            ..line(ui::ValueKind::VolumeBy, String::new())
        },
        MenuValue::DelayS(s) => ui::MenuLine {
            minutes: i32::try_from(s / 60).unwrap_or(i32::MAX),
            ..line(ui::ValueKind::Delay, String::new())
        },
        MenuValue::Cec(report) => {
            let (cec, text) = cec(report);
            ui::MenuLine {
                cec,
                tv_silent: report.silent.contains(&CecDevice::Tv),
                audio_silent: report.silent.contains(&CecDevice::AudioSystem),
                ..line(ui::ValueKind::Cec, text)
            }
        }
        MenuValue::Companion(status) => {
            let (phone, text) = companion(status);
            ui::MenuLine {
                phone,
                ..line(ui::ValueKind::Phone, text)
            }
        }
    }
}

/// What the banner says about subtitles: none on this channel, off, or the kind shown.
pub fn subtitle(tracks: &[SubtitleTrack], selected: Option<&str>) -> ui::SubtitleState {
    let chosen = tracks.iter().find(|t| Some(t.id.as_str()) == selected);
    match (tracks.is_empty(), chosen.map(|t| t.kind)) {
        (true, _) => ui::SubtitleState::None,
        (false, None) => ui::SubtitleState::Off,
        (false, Some(SubtitleKind::Dvb)) => ui::SubtitleState::Dvb,
        (false, Some(SubtitleKind::Teletext)) => ui::SubtitleState::Teletext,
        (false, Some(SubtitleKind::Captions)) => ui::SubtitleState::Captions,
        (false, Some(SubtitleKind::WebVtt)) => ui::SubtitleState::Text,
        (false, Some(SubtitleKind::Ttml)) => ui::SubtitleState::Ttml,
    }
}

pub fn subtitle_colour(colour: Colour) -> ui::SubtitleColour {
    match colour {
        Colour::Black => ui::SubtitleColour::Black,
        Colour::Red => ui::SubtitleColour::Red,
        Colour::Green => ui::SubtitleColour::Green,
        Colour::Yellow => ui::SubtitleColour::Yellow,
        Colour::Blue => ui::SubtitleColour::Blue,
        Colour::Magenta => ui::SubtitleColour::Magenta,
        Colour::Cyan => ui::SubtitleColour::Cyan,
        Colour::White => ui::SubtitleColour::White,
    }
}

pub fn volume_by(volume: VolumeControl) -> ui::VolumeBy {
    match volume {
        VolumeControl::Box => ui::VolumeBy::Box,
        VolumeControl::Tv => ui::VolumeBy::Tv,
        VolumeControl::AudioSystem => ui::VolumeBy::AudioSystem,
    }
}

/// The banner's volume line: who turns the volume now (`None`: this box).
pub fn volume_device(device: Option<CecDevice>) -> ui::VolumeBy {
    match device {
        None => ui::VolumeBy::Box,
        Some(CecDevice::Tv) => ui::VolumeBy::Tv,
        Some(CecDevice::AudioSystem) => ui::VolumeBy::AudioSystem,
    }
}

/// Where HDMI-CEC stands, and the facts its words take (adapter, addresses, the failure).
fn cec(report: &CecReport) -> (ui::CecState, String) {
    match &report.status {
        CecStatus::Starting => (ui::CecState::Starting, String::new()),
        CecStatus::Ready {
            adapter,
            physical_address,
            logical_address,
        } => (
            ui::CecState::Ready,
            format!("{adapter}, {physical_address}, {logical_address}"),
        ),
        CecStatus::Unavailable(CecProblem::Disabled) => (ui::CecState::Off, String::new()),
        CecStatus::Unavailable(CecProblem::NoAdapter) => (ui::CecState::NoAdapter, String::new()),
        CecStatus::Unavailable(CecProblem::NotConnected { adapter }) => {
            (ui::CecState::NotConnected, adapter.clone())
        }
        CecStatus::Unavailable(CecProblem::Failed { adapter, detail }) => {
            (ui::CecState::Failed, format!("{adapter}: {detail}"))
        }
    }
}

/// Where the phone companion stands, and the failure in the system's words.
fn companion(status: &CompanionStatus) -> (ui::PhoneState, String) {
    match status {
        CompanionStatus::Off => (ui::PhoneState::Closed, String::new()),
        CompanionStatus::Starting => (ui::PhoneState::Starting, String::new()),
        CompanionStatus::Pairing { .. } => (ui::PhoneState::Waiting, String::new()),
        CompanionStatus::Paired => (ui::PhoneState::Paired, String::new()),
        CompanionStatus::Failed(why) => (ui::PhoneState::Failed, why.clone()),
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
