// SPDX-License-Identifier: GPL-3.0-or-later
//! What the screens show but the core does not hold: the focused programme's details (read from
//! the guide's files) and channel logos (downloaded and decoded). After every event the core asks
//! for what the view is about to need as an effect; adapters fetch it off the UI thread and hand
//! it back as an event; the view shows it once it is here. The renderer never does I/O.
//!
//! ```text
//!  focus moves in the guide ── Effect::LoadDetails(id) ──> details reader ── Event::DetailsLoaded
//!  zap to a channel with a logo ── Effect::LoadLogo(url) ──> logo fetcher ── Event::LogoLoaded
//! ```

use super::screen::Screen;
use super::{Core, Effect};
use crate::guide::{Details, ProgrammeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Logos kept decoded; the oldest are dropped beyond this (a banner shows one at a time).
pub const LOGOS_KEPT: usize = 32;

/// A decoded picture, 8-bit RGBA rows without padding, shared without copying.
#[derive(Clone)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgba: Arc<[u8]>,
}

impl fmt::Debug for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Picture({}x{})", self.width, self.height)
    }
}

/// Two pictures are equal when they share the same pixels.
impl PartialEq for Picture {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.rgba, &other.rgba)
    }
}

/// A logo asked for, and what came of it.
#[derive(Debug, Clone)]
enum Logo {
    Loading,
    Ready(Picture),
    /// It cannot be had (the badge shows the channel's initials).
    Missing,
}

/// Logos by URL, in the order they were asked for.
#[derive(Debug, Clone, Default)]
pub(super) struct Logos {
    by_url: HashMap<String, (u64, Logo)>,
    asked: u64,
}

/// The details of one programme: asked for, then here.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DetailsSlot {
    id: ProgrammeId,
    details: Option<Details>,
}

impl Core {
    /// Asks for what the view is about to show and the core does not have yet.
    pub(super) fn fetch_for_view(&mut self, fx: &mut Vec<Effect>) {
        if let Screen::Guide(nav) = &self.screen {
            let focused = self.guide_focused(nav).and_then(|p| p.id);
            if let Some(id) = focused
                && self.details.as_ref().map(|d| d.id) != Some(id)
            {
                self.details = Some(DetailsSlot { id, details: None });
                fx.push(Effect::LoadDetails(id));
            }
        }
        let logo = self
            .tune
            .as_ref()
            .and_then(|t| self.lineup.by_key(&t.channel)?.logo.clone());
        if let Some(url) = logo
            && !self.logos.by_url.contains_key(&url)
        {
            self.logos.asked += 1;
            self.logos
                .by_url
                .insert(url.clone(), (self.logos.asked, Logo::Loading));
            self.logos.forget_oldest();
            fx.push(Effect::LoadLogo(url));
        }
    }

    /// The details reader's answer; an answer for a programme no longer focused is dropped.
    pub(super) fn details_loaded(&mut self, id: ProgrammeId, details: Option<Details>) {
        if let Some(slot) = self.details.as_mut().filter(|s| s.id == id) {
            slot.details = details;
        }
    }

    /// The logo fetcher's answer (`None`: there is none to show).
    pub(super) fn logo_loaded(&mut self, url: String, picture: Option<Picture>) {
        if let Some((_, logo)) = self.logos.by_url.get_mut(&url) {
            *logo = picture.map_or(Logo::Missing, Logo::Ready);
        }
    }

    /// The details of `id` if they are here.
    pub(super) fn details_of(&self, id: Option<ProgrammeId>) -> Option<Details> {
        let slot = self.details.as_ref()?;
        (Some(slot.id) == id).then(|| slot.details.clone()).flatten()
    }

    /// The logo of the channel asked for, if it is here.
    pub(super) fn logo_of(&self, url: Option<&str>) -> Option<Picture> {
        match &self.logos.by_url.get(url?)?.1 {
            Logo::Ready(picture) => Some(picture.clone()),
            Logo::Loading | Logo::Missing => None,
        }
    }

    /// A new guide: programme ids name other programmes now.
    pub(super) fn forget_details(&mut self) {
        self.details = None;
    }
}

impl Logos {
    fn forget_oldest(&mut self) {
        while self.by_url.len() > LOGOS_KEPT {
            let oldest = self
                .by_url
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(u, _)| u.clone());
            match oldest {
                Some(url) => self.by_url.remove(&url),
                None => return,
            };
        }
    }
}
