// SPDX-License-Identifier: GPL-3.0-or-later
//! The programme guide as the core sees it: a shared, read-only handle to the loaded guide and
//! the small programme values the view carries. The guide itself (`crate::epg`) is pure; the core
//! only queries it with the time it was given and never reads the details file.

use crate::epg::{Guide, Listing, ListingOrigin, ProgrammeId};
use crate::lineup::ChannelKey;
use std::fmt;
use std::sync::Arc;

/// The loaded guide, shared with the adapters (the UI reads programme details through it).
#[derive(Clone)]
pub struct GuideHandle(pub Arc<Guide>);

impl GuideHandle {
    pub fn new(guide: Guide) -> Self {
        Self(Arc::new(guide))
    }

    /// What is on `key` now and next, as view values.
    pub fn now_next(&self, key: &ChannelKey, now_s: i64) -> (Option<ProgrammeView>, Option<ProgrammeView>) {
        let nn = self.0.now_next(key, now_s);
        (
            nn.now.as_ref().map(ProgrammeView::from),
            nn.next.as_ref().map(ProgrammeView::from),
        )
    }

    /// Programmes of `key` overlapping `[from_s, to_s)`.
    pub fn window(&self, key: &ChannelKey, from_s: i64, to_s: i64) -> Vec<ProgrammeView> {
        self.0
            .window(key, from_s, to_s)
            .iter()
            .map(ProgrammeView::from)
            .collect()
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
