// SPDX-License-Identifier: GPL-3.0-or-later
//! The guide grid (GUIDE key): channels down, time across. The focus is a channel row and a time:
//! LEFT/RIGHT move by programme, UP/DOWN by channel keeping the time, CHANNEL UP/DOWN by page,
//! RED jumps back to now, REWIND/FAST FORWARD by a day, OK watches the focused channel.

use super::channel_list::{first_visible, page, wrap};
use super::guide::ProgrammeView;
use super::screen::Screen;
use super::zapping::{self, ListRef};
use super::{Action, Core, Effect, Now};

/// Channel rows shown at once (and a page).
pub const GUIDE_ROWS: usize = 8;
/// The time the grid spans, in seconds.
pub const GUIDE_SPAN_S: i64 = 2 * 3600;
/// Grid columns start on these boundaries.
pub const GUIDE_STEP_S: i64 = 1800;
const DAY_S: i64 = 86_400;

/// Where the guide stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideNav {
    /// The list whose channels are the rows.
    pub list: ListRef,
    /// Index of the focused row in the list.
    pub row: usize,
    /// The focused time: the programme covering it on the focused row has the focus.
    pub focus_s: i64,
    /// Left edge of the grid.
    pub from_s: i64,
}

impl GuideNav {
    /// The first visible row for a list of `len` channels.
    pub fn top(&self, len: usize) -> usize {
        first_visible(self.row, len, GUIDE_ROWS)
    }

    /// Moves the grid so `at` is visible, on a column boundary.
    fn show(&mut self, at: i64) {
        if at < self.from_s || at >= self.from_s + GUIDE_SPAN_S {
            self.from_s = floor_step(at);
        }
    }
}

/// `at` rounded down to a column boundary.
pub fn floor_step(at: i64) -> i64 {
    at.div_euclid(GUIDE_STEP_S) * GUIDE_STEP_S
}

impl Core {
    pub(super) fn open_guide(&mut self, now: Now) {
        let now_s = now.utc_ms.div_euclid(1000);
        let list = match &self.screen {
            Screen::ChannelList(nav) => nav.list.clone(),
            _ => self.list.clone(),
        };
        let keys = zapping::members(&self.lineup, &self.saved, &list);
        let watched = self.tune.as_ref().map(|t| &t.channel);
        let row = watched
            .and_then(|w| keys.iter().position(|k| *k == w))
            .unwrap_or(0);
        self.screen = Screen::Guide(GuideNav {
            list,
            row,
            focus_s: now_s,
            from_s: floor_step(now_s),
        });
    }

    pub(super) fn guide_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        let Screen::Guide(nav) = &self.screen else {
            return;
        };
        let mut nav = nav.clone();
        let len = zapping::members(&self.lineup, &self.saved, &nav.list).len();
        match action {
            Action::Up => nav.row = wrap(nav.row, -1, len),
            Action::Down => nav.row = wrap(nav.row, 1, len),
            Action::ChannelUp => nav.row = page(nav.row, -(GUIDE_ROWS as isize), len),
            Action::ChannelDown => nav.row = page(nav.row, GUIDE_ROWS as isize, len),
            Action::Right => self.focus_next_programme(&mut nav),
            Action::Left => self.focus_previous_programme(&mut nav),
            Action::Red | Action::Play => {
                nav.focus_s = now.utc_ms.div_euclid(1000);
                nav.from_s = floor_step(nav.focus_s);
            }
            Action::FastForward | Action::Rewind => {
                let day = if action == Action::FastForward {
                    DAY_S
                } else {
                    -DAY_S
                };
                nav.focus_s += day;
                nav.from_s += day;
            }
            Action::Ok => return self.watch_guide_row(&nav, fx, now),
            Action::Back | Action::Guide => return self.close_screen(),
            other => {
                self.open(other, now);
                return;
            }
        }
        self.screen = Screen::Guide(nav);
    }

    /// The programme covering the focus time on the focused row.
    pub(super) fn guide_focused(&self, nav: &GuideNav) -> Option<ProgrammeView> {
        let key = self.guide_row_key(nav, nav.row)?;
        let guide = self.listings()?;
        guide
            .window(&key, nav.focus_s, nav.focus_s + 1)
            .into_iter()
            .next()
    }

    pub(super) fn guide_row_key(&self, nav: &GuideNav, row: usize) -> Option<crate::lineup::ChannelKey> {
        zapping::members(&self.lineup, &self.saved, &nav.list)
            .get(row)
            .map(|k| (*k).clone())
    }

    /// RIGHT: the programme after the focused one; without guide data, the next column.
    fn focus_next_programme(&self, nav: &mut GuideNav) {
        let after = self.guide_focused(nav).map_or(nav.focus_s, |p| p.stop_s);
        let next = self.guide_row_key(nav, nav.row).and_then(|key| {
            let guide = self.listings()?;
            guide
                .window(&key, after, after + DAY_S)
                .into_iter()
                .find(|p| p.start_s >= after)
        });
        nav.focus_s = next.map_or(floor_step(nav.focus_s) + GUIDE_STEP_S, |p| p.start_s);
        nav.show(nav.focus_s);
    }

    /// LEFT: the programme before the focused one; without guide data, the previous column.
    fn focus_previous_programme(&self, nav: &mut GuideNav) {
        let before = self.guide_focused(nav).map_or(nav.focus_s, |p| p.start_s);
        let previous = self.guide_row_key(nav, nav.row).and_then(|key| {
            let guide = self.listings()?;
            // Everything in the window starts before `before`: the last one is the previous programme.
            guide.window(&key, before - DAY_S, before).into_iter().last()
        });
        nav.focus_s = previous.map_or(floor_step(nav.focus_s - 1), |p| p.start_s);
        nav.show(nav.focus_s);
    }

    /// OK: a programme in the channel's archive plays from its start (catch-up); anything
    /// else tunes the channel live.
    fn watch_guide_row(&mut self, nav: &GuideNav, fx: &mut Vec<Effect>, now: Now) {
        let Some(key) = self.guide_row_key(nav, nav.row) else {
            return;
        };
        self.close_screen();
        let now_s = now.utc_ms.div_euclid(1000);
        if let Some(p) = self
            .guide_focused(nav)
            .filter(|p| self.in_archive(&key, p, now_s))
            && self.watch_archive(&key, p.start_s, fx, now)
        {
            return;
        }
        self.zap_to(&key, fx, now);
    }
}
