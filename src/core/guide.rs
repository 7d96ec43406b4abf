// SPDX-License-Identifier: GPL-3.0-or-later
//! The programme guide as the core sees it: a shared, read-only handle to the loaded guide, the
//! core's own overlay of what the live streams announce (EIT), and the small programme values
//! the view carries.
//!
//! ```text
//!  Event::GuideLoaded(handle) ---------------------> guide: Option<GuideHandle>   (read-only, shared)
//!  Event::Player(Eit { sections }) -- tuned channel --> live_guide: LiveOverlay   (the core's alone)
//!  screens: core.listings() = guide.with_live(&live_guide) --> now_next / window as ProgrammeView
//! ```
//!
//! The overlay is a value the core owns, not a mutation of the shared guide: a section arriving
//! while the guide is shared (an adapter holding a clone, a replacement being loaded) is never
//! lost, and the overlay outlives a guide reload. The guide model (`crate::guide`) is pure; the
//! core only queries it with the time it was given and never reads the details file.

use super::{Core, Effect, MenuPage, TimerId};
use crate::guide::{Guide, Listing, ListingOrigin, Listings, LiveOverlay, ProgrammeId};
use crate::lineup::ChannelKey;
use crate::mpegts::eit::EitSection;
use std::fmt;
use std::sync::Arc;

/// How often the guide sources are fetched again while the box runs.
pub const GUIDE_REFRESH_MS: u64 = 6 * 3600 * 1000;

/// The loaded guide, read-only and shared with the adapters (which read programme details
/// through it).
#[derive(Clone)]
pub struct GuideHandle(pub Arc<Guide>);

impl GuideHandle {
    pub fn new(guide: Guide) -> Self {
        Self(Arc::new(guide))
    }

    /// How many programmes the loaded guide holds (the About page, the soak's record).
    pub fn programme_count(&self) -> usize {
        self.0.index().programme_count()
    }

    /// What is on `key` now and next by the loaded guide alone (no live overlay), as view values.
    pub fn now_next(&self, key: &ChannelKey, now_s: i64) -> (Option<ProgrammeView>, Option<ProgrammeView>) {
        GuideQuery(self.0.with_live(&LiveOverlay::new())).now_next(key, now_s)
    }

    /// Programmes of `key` overlapping `[from_s, to_s)` by the loaded guide alone.
    pub fn window(&self, key: &ChannelKey, from_s: i64, to_s: i64) -> Vec<ProgrammeView> {
        GuideQuery(self.0.with_live(&LiveOverlay::new())).window(key, from_s, to_s)
    }
}

/// The loaded guide with the core's live overlay, answering in view values.
#[derive(Debug, Clone, Copy)]
pub(super) struct GuideQuery<'a>(Listings<'a>);

impl GuideQuery<'_> {
    /// What is on `key` now and next, as view values.
    pub(super) fn now_next(
        &self,
        key: &ChannelKey,
        now_s: i64,
    ) -> (Option<ProgrammeView>, Option<ProgrammeView>) {
        let nn = self.0.now_next(key, now_s);
        (
            nn.now.as_ref().map(ProgrammeView::from),
            nn.next.as_ref().map(ProgrammeView::from),
        )
    }

    /// The programme of `key` on at `at_s` with its `catchup-id` (`None` when it has none).
    pub(super) fn programme_at(
        &self,
        key: &ChannelKey,
        at_s: i64,
    ) -> Option<(ProgrammeView, Option<String>)> {
        let on = self.0.now_next(key, at_s).now?;
        let id = self.0.catchup_id(&on).map(str::to_owned);
        Some((ProgrammeView::from(&on), id))
    }

    /// The other airings of `title` (the same title, folded) on any channel that start at
    /// `from_s` or later and lie outside `[avoid_from, avoid_to)`, each with its channel,
    /// earliest first: where a conflicting recording could be made instead. One search of the
    /// guide's titles (at most 256 hits).
    pub(super) fn other_airings(
        &self,
        title: &str,
        from_s: i64,
        (avoid_from, avoid_to): (i64, i64),
    ) -> Vec<(ChannelKey, ProgrammeView)> {
        let wanted = crate::guide::fold(title);
        let mut found: Vec<(ChannelKey, ProgrammeView)> = self
            .0
            .search(title, from_s, 256)
            .into_iter()
            .filter(|h| h.listing.start >= from_s)
            .filter(|h| h.listing.stop <= avoid_from || avoid_to <= h.listing.start)
            .filter(|h| crate::guide::fold(h.listing.title) == wanted)
            .map(|h| (h.key.clone(), ProgrammeView::from(&h.listing)))
            .collect();
        found.sort_by_key(|(_, p)| p.start_s);
        found
    }

    /// Programmes of `key` overlapping `[from_s, to_s)`.
    pub(super) fn window(&self, key: &ChannelKey, from_s: i64, to_s: i64) -> Vec<ProgrammeView> {
        self.0
            .window(key, from_s, to_s)
            .iter()
            .map(ProgrammeView::from)
            .collect()
    }
}

impl Core {
    /// The guide as the screens see it: the loaded one with what the streams announced.
    pub(super) fn listings(&self) -> Option<GuideQuery<'_>> {
        let guide = self.guide.as_ref()?;
        Some(GuideQuery(guide.0.with_live(&self.live_guide)))
    }

    /// The stream's own EIT for the tuned channel `key`: fills a channel the XMLTV lacks and
    /// corrects now/next. Its "actual" tables describe this stream; "other" ones (an
    /// operator's barker) reach the channels whose streams' PAT and SDT named their DVB service
    /// before (`PlayerEvent::Service`, `LiveOverlay::learn_service`).
    pub(super) fn stream_guide(&mut self, key: &ChannelKey, sections: &[EitSection]) {
        let program = self
            .lineup
            .by_key(key)
            .and_then(|c| c.sources.iter().find_map(|s| s.program));
        self.live_guide.apply_stream(key, program, sections);
    }

    /// Starts the guide's refresh period (at start-up, and again at each refresh).
    pub(super) fn schedule_guide_refresh(&self, fx: &mut Vec<Effect>) {
        fx.push(Effect::StartTimer {
            timer: TimerId::GuideRefresh,
            after_ms: GUIDE_REFRESH_MS,
        });
    }

    /// The refresh period is over: fetch the guide sources again, and count the next period.
    pub(super) fn refresh_guide(&self, fx: &mut Vec<Effect>) {
        fx.push(Effect::RefreshGuide {
            guides: self.sources(MenuPage::Guides),
        });
        self.schedule_guide_refresh(fx);
    }

    /// A new lineup: forget what streams of channels it no longer has announced.
    pub(super) fn forget_gone_streams(&mut self) {
        let lineup = &self.lineup;
        self.live_guide.retain(|key| lineup.by_key(key).is_some());
    }
}

impl fmt::Debug for GuideHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GuideHandle({} programmes)", self.0.index().programme_count())
    }
}

/// Two handles are equal when they share the same loaded guide.
impl PartialEq for GuideHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A programme as the screens show it (times in Unix seconds, already shifted for the channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeView {
    pub title: String,
    pub start_s: i64,
    pub stop_s: i64,
    /// Where the adapter finds the details (description, episode...); `None` for live EIT data.
    pub id: Option<ProgrammeId>,
}

impl ProgrammeView {
    /// How far the programme has run at `now_s`, 0.0..=1.0.
    pub fn progress(&self, now_s: i64) -> f32 {
        let length = (self.stop_s - self.start_s).max(1) as f32;
        ((now_s - self.start_s) as f32 / length).clamp(0.0, 1.0)
    }

    /// Whether it is on air at `now_s`.
    pub fn is_on_at(&self, now_s: i64) -> bool {
        self.start_s <= now_s && now_s < self.stop_s
    }
}

impl From<&Listing<'_>> for ProgrammeView {
    fn from(l: &Listing<'_>) -> Self {
        Self {
            title: l.title.to_owned(),
            start_s: l.start,
            stop_s: l.stop,
            id: match l.origin {
                ListingOrigin::Index(id) => Some(id),
                ListingOrigin::Live(_) => None,
            },
        }
    }
}
