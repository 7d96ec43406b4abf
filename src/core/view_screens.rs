// SPDX-License-Identifier: GPL-3.0-or-later
//! View values of the screens over the live picture: the channel list, the guide grid, the menu
//! and the PIN prompt. Only what is visible is built: a page of rows, a window of time.

use super::Core;
use super::channel_list::{LIST_ROWS, first_visible};
use super::guide::ProgrammeView;
use super::guide_grid::{GUIDE_ROWS, GUIDE_SPAN_S, GuideNav};
use super::keyboard::KeyLabel;
use super::menu::{MenuLine, MenuPage};
use super::parental::PinPurpose;
use super::screen::Screen;
use super::view::ChannelView;
use super::zapping::{self, ListRef};
use crate::lineup::ChannelKey;

/// The screen drawn over the live picture.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ScreenView {
    #[default]
    Live,
    ChannelList(ChannelListView),
    Guide(GuideView),
    Menu(MenuView),
    Teletext(super::teletext::TeletextView),
    Recordings(super::RecordingsView),
}

/// The visible page of the channel list.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelListView {
    pub list: ListRef,
    /// Focused channel's place in the list (0-based) and the list's length.
    pub position: usize,
    pub total: usize,
    pub rows: Vec<ChannelRow>,
    /// Index of the focused row in `rows`.
    pub focus_row: usize,
}

/// One channel in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    pub channel: ChannelView,
    pub now: Option<ProgrammeView>,
    pub locked: bool,
    pub favourite: bool,
    /// Its picture is the one playing.
    pub playing: bool,
}

/// The visible part of the guide grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideView {
    pub list: ListRef,
    pub from_s: i64,
    pub to_s: i64,
    pub now_s: i64,
    pub rows: Vec<GuideRow>,
    pub focus_row: usize,
    /// The focused programme (none on a gap without guide data) and its channel.
    pub focused: Option<ProgrammeView>,
    pub focused_channel: Option<ChannelView>,
    /// The focused programme's details, once the adapter has read them.
    pub details: Option<Box<crate::guide::Details>>,
    pub position: usize,
    pub total: usize,
    /// Whether any guide is loaded at all.
    pub has_guide: bool,
}

/// One channel row of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideRow {
    pub channel: ChannelView,
    pub locked: bool,
    /// Cells covering the whole window, in time order; gaps are cells without a programme.
    pub cells: Vec<GuideCell>,
}

/// One cell: a programme, or a stretch without guide data.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideCell {
    pub programme: Option<ProgrammeView>,
    /// The visible part, clipped to the window.
    pub start_s: i64,
    pub stop_s: i64,
    pub focused: bool,
    /// The programme has aired and the channel's archive still holds it: OK plays it (catch-up).
    pub archive: bool,
}

/// The menu page.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuView {
    pub page: MenuPage,
    pub items: Vec<MenuLine>,
    pub focus: usize,
    pub keyboard: Option<KeyboardView>,
}

/// The on-screen keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyboardView {
    pub text: String,
    pub rows: Vec<Vec<KeyLabel>>,
    pub row: usize,
    pub col: usize,
    /// Which page it adds to (playlists or guides).
    pub page: MenuPage,
}

/// The PIN prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct PinView {
    pub purpose: PinPurpose,
    /// Digits typed so far (the digits themselves are never shown).
    pub typed: usize,
    pub wrong: bool,
    /// The channel it is about, for unlocking and locking.
    pub channel: Option<ChannelView>,
}

impl Core {
    pub(super) fn screen_view(&self, now_s: i64) -> ScreenView {
        match &self.screen {
            Screen::Live => ScreenView::Live,
            Screen::Teletext(nav) => ScreenView::Teletext(self.teletext_view(nav)),
            Screen::Recordings(nav) => ScreenView::Recordings(self.recordings_view(nav)),
            Screen::ChannelList(nav) => ScreenView::ChannelList(self.list_view(&nav.list, nav.focus, now_s)),
            Screen::Guide(nav) => ScreenView::Guide(self.guide_view(nav, now_s)),
            Screen::Menu(nav) => ScreenView::Menu(MenuView {
                page: nav.page,
                items: self.menu_items(nav.page),
                focus: nav.focus,
                keyboard: nav.keyboard.as_ref().map(|k| KeyboardView {
                    text: k.text.clone(),
                    rows: k.rows(),
                    row: k.row,
                    col: k.col,
                    page: nav.page,
                }),
            }),
        }
    }

    fn list_view(&self, list: &ListRef, focus: usize, now_s: i64) -> ChannelListView {
        let keys = zapping::members(&self.lineup, &self.saved, list);
        let top = first_visible(focus, keys.len(), LIST_ROWS);
        let favourites = self.saved.favourites.get(&self.settings.default_favourites);
        let playing = self.tune.as_ref().map(|t| &t.channel);
        let rows = keys
            .iter()
            .skip(top)
            .take(LIST_ROWS)
            .filter_map(|key| {
                let channel = self.lineup.by_key(key)?;
                Some(ChannelRow {
                    channel: ChannelView::from(channel),
                    now: self.listings().and_then(|g| g.now_next(key, now_s).0),
                    locked: self.is_locked(key),
                    favourite: favourites.is_some_and(|f| f.contains(key)),
                    playing: playing == Some(*key),
                })
            })
            .collect();
        ChannelListView {
            list: list.clone(),
            position: focus,
            total: keys.len(),
            rows,
            focus_row: focus - top,
        }
    }

    fn guide_view(&self, nav: &GuideNav, now_s: i64) -> GuideView {
        let keys = zapping::members(&self.lineup, &self.saved, &nav.list);
        let top = nav.top(keys.len());
        let (from, to) = (nav.from_s, nav.from_s + GUIDE_SPAN_S);
        let rows: Vec<GuideRow> = keys
            .iter()
            .enumerate()
            .skip(top)
            .take(GUIDE_ROWS)
            .filter_map(|(i, key)| {
                let focus = (i == nav.row).then_some(nav.focus_s);
                Some(GuideRow {
                    channel: ChannelView::from(self.lineup.by_key(key)?),
                    locked: self.is_locked(key),
                    cells: self.guide_cells(key, (from, to), focus, now_s),
                })
            })
            .collect();
        let focused = self.guide_focused(nav);
        GuideView {
            details: self.details_of(focused.as_ref().and_then(|p| p.id)).map(Box::new),
            list: nav.list.clone(),
            from_s: from,
            to_s: to,
            now_s,
            focused_channel: keys
                .get(nav.row)
                .and_then(|k| self.lineup.by_key(k))
                .map(ChannelView::from),
            focused,
            rows,
            focus_row: nav.row.saturating_sub(top),
            position: nav.row,
            total: keys.len(),
            has_guide: self.guide.is_some(),
        }
    }

    /// The cells of one row over `[from, to)`, gaps filled, the one covering `focus` marked.
    fn guide_cells(
        &self,
        key: &ChannelKey,
        (from, to): (i64, i64),
        focus: Option<i64>,
        now_s: i64,
    ) -> Vec<GuideCell> {
        let programmes = self
            .listings()
            .map(|g| g.window(key, from, to))
            .unwrap_or_default();
        let mut cells = Vec::with_capacity(programmes.len() + 2);
        let mut at = from;
        let cell = |programme: Option<ProgrammeView>, start: i64, stop: i64| GuideCell {
            focused: focus.is_some_and(|f| start.max(from) <= f && f < stop.min(to)),
            archive: programme.as_ref().is_some_and(|p| self.in_archive(key, p, now_s)),
            programme,
            start_s: start.max(from),
            stop_s: stop.min(to),
        };
        for p in programmes {
            if p.start_s > at {
                cells.push(cell(None, at, p.start_s));
            }
            at = p.stop_s.max(at);
            let (start, stop) = (p.start_s, p.stop_s);
            cells.push(cell(Some(p), start, stop));
        }
        if at < to {
            cells.push(cell(None, at, to));
        }
        cells
    }

    pub(super) fn pin_view(&self) -> Option<PinView> {
        let entry = self.pin.as_ref()?;
        let channel = match &entry.purpose {
            PinPurpose::Unlock(key) | PinPurpose::ToggleLock(key) => {
                self.lineup.by_key(key).map(ChannelView::from)
            }
            _ => None,
        };
        Some(PinView {
            purpose: entry.purpose.clone(),
            typed: entry.typed.len(),
            wrong: entry.wrong,
            channel,
        })
    }
}
