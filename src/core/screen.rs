// SPDX-License-Identifier: GPL-3.0-or-later
//! Which screen has the remote, and where each key goes. The live picture is always there; the
//! channel list, the guide and the menu are drawn over it, and a PIN prompt over all of them.
//!
//! ```text
//!   standby ──any key──> live ──OK──> channel list ──OK──> live (tuned)
//!                         │ ──GUIDE──> guide grid ──OK──> live (tuned)
//!                         │ ──MENU───> menu ──BACK──> live
//!   a locked channel anywhere ──> PIN prompt on top (digits, BACK cancels)
//! ```

use super::channel_list::ListNav;
use super::guide_grid::GuideNav;
use super::menu::MenuNav;
use super::{Action, CecKey, Core, Effect, Now};

/// The screen under the remote's control (the live picture plays behind every one of them).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Screen {
    /// Full-screen live TV with banner, digits and notices.
    #[default]
    Live,
    ChannelList(ListNav),
    Guide(GuideNav),
    Menu(MenuNav),
    Teletext(super::teletext::TeletextNav),
    /// The recordings (BLUE on live).
    Recordings(super::RecordingsNav),
}

impl Core {
    /// Routes one remote action: standby and the PIN prompt first, then keys that work everywhere,
    /// then the open screen.
    pub(super) fn action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        if self.standby {
            return self.wake(fx, now);
        }
        match action {
            Action::Power => return self.enter_standby(fx),
            Action::VolumeUp if self.cec_volume(CecKey::VolumeUp, fx) => return,
            Action::VolumeDown if self.cec_volume(CecKey::VolumeDown, fx) => return,
            Action::Mute if self.cec_volume(CecKey::Mute, fx) => return,
            Action::VolumeUp => return self.change_volume(self.settings.volume_step_percent as i16, fx),
            Action::VolumeDown => return self.change_volume(-(self.settings.volume_step_percent as i16), fx),
            Action::Mute => return self.toggle_mute(fx),
            Action::Audio => return self.next_audio(fx),
            Action::Subtitle => return self.next_subtitle(fx),
            _ => {}
        }
        if self.pin.is_some() {
            return self.pin_action(action, fx, now);
        }
        if self.rec_dialog_open() {
            return self.rec_dialog_action(action, fx, now);
        }
        if action == Action::Record && matches!(self.screen, Screen::Live | Screen::Guide(_)) {
            return self.rec_key(fx, now);
        }
        if let Action::Digit(d) = action
            && d <= 9
            && !matches!(self.screen, Screen::Menu(_) | Screen::Teletext(_))
            && !(self.screen == Screen::Live && self.digits.is_none() && self.timeshift_bar_shown())
        {
            return self.digit(d, fx, now);
        }
        if action == Action::Ok && self.digits.is_some() {
            return self.commit_digits(fx, now);
        }
        match &self.screen {
            Screen::Live => self.live_action(action, fx, now),
            Screen::ChannelList(_) => self.list_action(action, fx, now),
            Screen::Guide(_) => self.guide_action(action, fx, now),
            Screen::Menu(_) => self.menu_action(action, fx, now),
            Screen::Teletext(_) => self.teletext_action(action, fx),
            Screen::Recordings(_) => self.recordings_action(action, fx, now),
        }
    }

    /// Closes whatever screen is open and returns to full-screen live TV.
    pub(super) fn close_screen(&mut self) {
        self.screen = Screen::Live;
    }

    /// Opens a screen from any other one (GUIDE in the list, MENU in the guide...).
    pub(super) fn open(&mut self, action: Action, now: Now) {
        match action {
            Action::Guide => self.open_guide(now),
            Action::Menu => self.open_menu(),
            _ => return,
        }
        self.digits = None;
        self.banner = None;
    }
}
