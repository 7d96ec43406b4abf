// SPDX-License-Identifier: GPL-3.0-or-later
//! The channel list (OK on live): one list at a time (all channels, a group, a favourites list),
//! a focus that moves by row and by page, a preview of the focused channel after the focus rests,
//! and OK to watch it. Only the visible rows are ever turned into view values.

use super::screen::Screen;
use super::zapping::{self, ListRef};
use super::{Action, Core, Effect, Notice, Now, TimerId};
use crate::lineup::{ChannelKey, Lineup};
use std::collections::HashSet;

/// Rows the list shows at once (and a page for CHANNEL UP/DOWN).
pub const LIST_ROWS: usize = 10;
/// How long the focus rests on a channel before the preview switches to it.
pub const PREVIEW_AFTER_MS: u64 = 800;

/// Where the channel list stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListNav {
    /// The list shown (LEFT/RIGHT switch lists).
    pub list: ListRef,
    /// Index of the focused channel in the list.
    pub focus: usize,
    /// Generation of the pending preview timer.
    pub preview: u64,
    /// The channel that played when the list opened: BACK returns to it after previews.
    pub watched: Option<ChannelKey>,
}

/// Every list the viewer can browse: all channels, each group in lineup order, each favourites list.
pub fn browsable_lists(lineup: &Lineup, saved: &super::SavedState) -> Vec<ListRef> {
    let mut seen = HashSet::new();
    let mut lists = vec![ListRef::All];
    for channel in &lineup.channels {
        for group in &channel.groups {
            if seen.insert(group.as_str()) {
                lists.push(ListRef::Group(group.clone()));
            }
        }
    }
    lists.extend(
        saved
            .favourites
            .keys()
            .map(|name| ListRef::Favourites(name.clone())),
    );
    lists
}

/// The first visible row for a focus in a list of `len` rows showing `rows` at once: the focus
/// stays in the middle, except at the ends.
pub fn first_visible(focus: usize, len: usize, rows: usize) -> usize {
    focus.saturating_sub(rows / 2).min(len.saturating_sub(rows))
}

/// Moves an index by `delta`, wrapping at both ends of `len`.
pub fn wrap(index: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (index as isize + delta).rem_euclid(len as isize) as usize
}

/// Moves an index by a page, stopping at the ends (a page past the end lands on the last row).
pub fn page(index: usize, delta: isize, len: usize) -> usize {
    (index as isize + delta).clamp(0, len.saturating_sub(1) as isize) as usize
}

impl Core {
    pub(super) fn open_channel_list(&mut self) {
        let watched = self.tune.as_ref().map(|t| t.channel.clone());
        let keys = zapping::members(&self.lineup, &self.saved, &self.list);
        let focus = watched
            .as_ref()
            .and_then(|w| keys.iter().position(|k| *k == w))
            .unwrap_or(0);
        self.banner = None;
        self.screen = Screen::ChannelList(ListNav {
            list: self.list.clone(),
            focus,
            preview: 0,
            watched,
        });
    }

    pub(super) fn list_action(&mut self, action: Action, fx: &mut Vec<Effect>, now: Now) {
        let Screen::ChannelList(nav) = &self.screen else {
            return;
        };
        let mut nav = nav.clone();
        let len = zapping::members(&self.lineup, &self.saved, &nav.list).len();
        match action {
            Action::Up => nav.focus = wrap(nav.focus, -1, len),
            Action::Down => nav.focus = wrap(nav.focus, 1, len),
            Action::ChannelUp => nav.focus = page(nav.focus, -(LIST_ROWS as isize), len),
            Action::ChannelDown => nav.focus = page(nav.focus, LIST_ROWS as isize, len),
            Action::Left | Action::Right => {
                let lists = browsable_lists(&self.lineup, &self.saved);
                let at = lists.iter().position(|l| *l == nav.list).unwrap_or(0);
                let delta = if action == Action::Left { -1 } else { 1 };
                nav.list = lists[wrap(at, delta, lists.len())].clone();
                nav.focus = 0;
            }
            Action::Ok => return self.watch_focused(&nav, fx, now),
            Action::Back => return self.leave_list(&nav, fx, now),
            Action::Yellow | Action::Favorites => {
                self.toggle_focused_favourite(&nav, fx);
                return;
            }
            other => {
                self.open(other, now);
                return;
            }
        }
        self.rest_focus(&mut nav, fx);
        self.screen = Screen::ChannelList(nav);
    }

    /// Restarts the preview timer: the preview follows the focus once it rests.
    fn rest_focus(&mut self, nav: &mut ListNav, fx: &mut Vec<Effect>) {
        nav.preview = self.next_generation();
        fx.push(Effect::StartTimer {
            timer: TimerId::ListPreview(nav.preview),
            after_ms: PREVIEW_AFTER_MS,
        });
    }

    /// The focused channel of the open list, if any.
    fn list_focus_key(&self) -> Option<ChannelKey> {
        let Screen::ChannelList(nav) = &self.screen else {
            return None;
        };
        zapping::members(&self.lineup, &self.saved, &nav.list)
            .get(nav.focus)
            .map(|k| (*k).clone())
    }

    /// The focus rested: play the focused channel in the preview (locked channels stay dark).
    pub(super) fn preview_focused(&mut self, generation: u64, fx: &mut Vec<Effect>, now: Now) {
        let current = matches!(&self.screen, Screen::ChannelList(nav) if nav.preview == generation);
        let Some(key) = self.list_focus_key().filter(|_| current) else {
            return;
        };
        if !self.is_locked(&key) {
            self.start_tune(&key, fx, now, false);
        }
    }

    fn watch_focused(&mut self, nav: &ListNav, fx: &mut Vec<Effect>, now: Now) {
        let Some(key) = self.list_focus_key() else {
            return;
        };
        self.list = nav.list.clone();
        self.close_screen();
        self.zap_to(&key, fx, now);
    }

    /// BACK: close the list and return to the channel watched before any preview.
    fn leave_list(&mut self, nav: &ListNav, fx: &mut Vec<Effect>, now: Now) {
        self.close_screen();
        let previewing = self.tune.as_ref().map(|t| &t.channel) != nav.watched.as_ref();
        if let Some(watched) = nav.watched.clone().filter(|_| previewing) {
            self.start_tune(&watched, fx, now, false);
        }
    }

    fn toggle_focused_favourite(&mut self, nav: &ListNav, fx: &mut Vec<Effect>) {
        let Some(key) = self.list_focus_key() else {
            return;
        };
        let name = self.settings.default_favourites.clone();
        let added = zapping::toggle_favourite(&mut self.saved, &name, &key);
        self.save_soon(fx);
        self.show_notice(Notice::Favourite { list: name, added }, fx);
        // Removing the last entry of the favourites list being shown empties it: fall back to all.
        if zapping::members(&self.lineup, &self.saved, &nav.list).is_empty() {
            self.screen = Screen::ChannelList(ListNav {
                list: ListRef::All,
                focus: 0,
                ..nav.clone()
            });
        }
    }

    /// Typed digits in the list or the guide move the focus to that channel; `false` on live.
    pub(super) fn focus_channel(&mut self, key: &ChannelKey) -> bool {
        let (list, focus) = match &mut self.screen {
            Screen::ChannelList(nav) => (&mut nav.list, &mut nav.focus),
            Screen::Guide(nav) => (&mut nav.list, &mut nav.row),
            _ => return false,
        };
        let find = |list: &ListRef| {
            zapping::members(&self.lineup, &self.saved, list)
                .iter()
                .position(|k| *k == key)
        };
        if let Some(at) = find(list) {
            *focus = at;
        } else if let Some(at) = find(&ListRef::All) {
            *list = ListRef::All;
            *focus = at;
        }
        true
    }
}
