// SPDX-License-Identifier: GPL-3.0-or-later
//! Standby (POWER): playback stops, the multicast group is left, the screen goes dark and the
//! state is saved; any key wakes the box to the last channel. Unlocked channels lock again.

use super::screen::Screen;
use super::{Core, Effect, Now};

impl Core {
    pub(super) fn enter_standby(&mut self, fx: &mut Vec<Effect>) {
        self.cec_standby(true, fx);
        self.standby_now(fx);
    }

    /// Standby without telling the TV (it shows another input the viewer chose).
    pub(super) fn enter_standby_quietly(&mut self, fx: &mut Vec<Effect>) {
        self.cec_standby(false, fx);
        self.standby_now(fx);
    }

    fn standby_now(&mut self, fx: &mut Vec<Effect>) {
        self.cancel_recovery(fx);
        self.standby = true;
        self.screen = Screen::Live;
        self.tune = None;
        self.on_screen = None;
        self.pin = None;
        self.digits = None;
        self.banner = None;
        self.notice = None;
        self.unlocked.clear();
        self.stop_player(fx);
        fx.push(Effect::SaveState(Box::new(self.saved.clone())));
    }

    pub(super) fn wake(&mut self, fx: &mut Vec<Effect>, now: Now) {
        self.standby = false;
        self.cec_wake(fx);
        self.tune_initial(fx, now);
    }

    /// Whether the box is in standby.
    pub fn is_standby(&self) -> bool {
        self.standby
    }
}
