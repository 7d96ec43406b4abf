// SPDX-License-Identifier: GPL-3.0-or-later
//! Playlists and guide sources: the operator's (from the configuration, read-only) and the
//! viewer's own, added, corrected or removed on the TV's menu or from the phone companion. Both
//! go through the same rule ([`is_source_address`](super::menu::is_source_address)) and the same
//! notice; every change reloads the lineup and the guide and saves the state.

use super::menu::{MenuItem, MenuLine, MenuNav, MenuPage, is_source_address};
use super::{Core, Effect, Notice};

impl Core {
    /// Operator sources (from the configuration) and the viewer's own (added here).
    pub(super) fn source_lists(&self, page: MenuPage) -> (&[String], &[String]) {
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
    pub(super) fn remove_own_source(&mut self, nav: &MenuNav, items: &[MenuLine], fx: &mut Vec<Effect>) {
        if let Some(line) = items.get(nav.focus).filter(|l| l.item == MenuItem::OwnSource) {
            self.remove_source(nav.page, line.value_text(), fx);
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
