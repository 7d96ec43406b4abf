// SPDX-License-Identifier: GPL-3.0-or-later
//! The guide as the UI and core ask for it: by lineup [`ChannelKey`], with each channel's
//! `tvg-shift` (plus a `+1` match's shift) applied, XMLTV from the index, and — through
//! [`Guide::with_live`] — what the live stream's EIT says ([`LiveOverlay`]) filling channels
//! without XMLTV and correcting now/next when they disagree.
//!
//! A [`Guide`] is read-only once built, so it can be shared; the overlay is its owner's. The
//! queries on `Guide` itself see the XMLTV only (for tools); [`Listings`] sees both.
//!
//! Pure: every query takes the time; nothing here reads a clock, a file or the network.
//! [`Guide::details`] reads through the index's details source (storage: off the UI thread).

use super::UtcSeconds;
use super::details::Details;
use super::fold::fold;
use super::index::{GuideIndex, ProgrammeId, Slot};
use super::live::{LiveChannel, LiveOverlay, LiveProgramme};
use super::matching::{ChannelMatch, GuideNames, GuideOverrides, match_channels};
use crate::lineup::{ChannelKey, Lineup};
use std::collections::HashMap;
use std::io;
use std::sync::OnceLock;

/// Present and following events of a live stream count only this close to the XMLTV times.
const AGREE_WITHIN_S: i64 = 120;

/// A programme as the grid and banner show it, times already shifted for the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing<'a> {
    pub start: UtcSeconds,
    pub stop: UtcSeconds,
    pub title: &'a str,
    /// Where the details are: pass the listing to [`Guide::details`].
    pub origin: ListingOrigin<'a>,
}

/// Where a listing came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingOrigin<'a> {
    /// The XMLTV index.
    Index(ProgrammeId),
    /// The live stream's EIT, details in memory.
    Live(&'a Details),
}

/// What is on now and what comes next on one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NowNext<'a> {
    pub now: Option<Listing<'a>>,
    pub next: Option<Listing<'a>>,
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit<'a> {
    pub key: &'a ChannelKey,
    pub listing: Listing<'a>,
}

/// How a lineup channel finds its guide.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideLink {
    /// Number of the guide channel in the index, when one matched and is present.
    pub channel: Option<u32>,
    /// Seconds added to guide times for this channel.
    pub shift_s: i64,
    /// How it was matched (for the "assign guide" menu).
    pub matched: Option<ChannelMatch>,
}

/// The queryable XMLTV guide, matched to a lineup.
#[derive(Debug)]
pub struct Guide {
    index: GuideIndex,
    links: HashMap<ChannelKey, GuideLink>,
    /// Per index channel: the lineup keys showing it, with their shift.
    viewers: Vec<Vec<(ChannelKey, i64)>>,
    folded_titles: OnceLock<Vec<String>>,
}

/// The guide seen through a live overlay: the queries the screens use.
#[derive(Debug, Clone, Copy)]
pub struct Listings<'a> {
    guide: &'a Guide,
    live: Option<&'a LiveOverlay>,
}

impl Guide {
    /// Links every lineup channel to its guide channel (see [`match_channels`]).
    pub fn new(index: GuideIndex, lineup: &Lineup, overrides: &GuideOverrides) -> Self {
        let names: Vec<GuideNames<'_>> = index
            .channels()
            .iter()
            .map(|c| GuideNames {
                id: &c.id,
                names: &c.names,
            })
            .collect();
        let matches = match_channels(&lineup.channels, &names, overrides);
        let links = lineup
            .channels
            .iter()
            .map(|c| {
                let matched = matches.get(&c.key).cloned();
                let channel = matched.as_ref().and_then(|m| index.channel_number(&m.guide_id));
                let extra = matched.as_ref().map_or(0, |m| m.extra_shift_minutes);
                let shift_s = i64::from(c.guide_shift_minutes + extra) * 60;
                (
                    c.key.clone(),
                    GuideLink {
                        channel,
                        shift_s,
                        matched,
                    },
                )
            })
            .collect();
        Self::with_links(index, links)
    }

    /// Every guide channel as its own key (the guide id), unshifted: for tools without a lineup.
    pub fn all_channels(index: GuideIndex) -> Self {
        let links = (0..index.channels().len() as u32)
            .map(|n| {
                let key = ChannelKey(index.channels()[n as usize].id.clone());
                (
                    key,
                    GuideLink {
                        channel: Some(n),
                        shift_s: 0,
                        matched: None,
                    },
                )
            })
            .collect();
        Self::with_links(index, links)
    }

    fn with_links(index: GuideIndex, links: HashMap<ChannelKey, GuideLink>) -> Self {
        let mut viewers = vec![Vec::new(); index.channels().len()];
        for (key, link) in &links {
            if let Some(v) = link.channel.and_then(|n| viewers.get_mut(n as usize)) {
                v.push((key.clone(), link.shift_s));
            }
        }
        viewers.iter_mut().for_each(|v| v.sort());
        Self {
            index,
            links,
            viewers,
            folded_titles: OnceLock::new(),
        }
    }

    /// The index underneath.
    pub fn index(&self) -> &GuideIndex {
        &self.index
    }

    /// How `key` finds its guide, if it is a known channel.
    pub fn link(&self, key: &ChannelKey) -> Option<&GuideLink> {
        self.links.get(key)
    }

    /// All keys with their links (for menus and reports).
    pub fn links(&self) -> impl Iterator<Item = (&ChannelKey, &GuideLink)> {
        self.links.iter()
    }

    fn listing(&self, id: ProgrammeId, slot: Slot, shift_s: i64) -> Listing<'_> {
        Listing {
            start: slot.start() + shift_s,
            stop: slot.stop() + shift_s,
            title: self.index.title(&slot),
            origin: ListingOrigin::Index(id),
        }
    }

    /// The guide with what the live streams announced over it.
    pub fn with_live<'a>(&'a self, live: &'a LiveOverlay) -> Listings<'a> {
        Listings {
            guide: self,
            live: Some(live),
        }
    }

    fn xmltv_only(&self) -> Listings<'_> {
        Listings {
            guide: self,
            live: None,
        }
    }

    /// What is on `key` at `now`, and what follows (XMLTV only; see [`Guide::with_live`]).
    pub fn now_next(&self, key: &ChannelKey, now: UtcSeconds) -> NowNext<'_> {
        self.xmltv_only().now_next(key, now)
    }

    /// Programmes of `key` overlapping `[from, to)`, in time order (XMLTV only).
    pub fn window(&self, key: &ChannelKey, from: UtcSeconds, to: UtcSeconds) -> Vec<Listing<'_>> {
        self.xmltv_only().window(key, from, to)
    }

    /// [`window`](Self::window) for several channels: one row per key, in order.
    pub fn grid(&self, keys: &[ChannelKey], from: UtcSeconds, to: UtcSeconds) -> Vec<Vec<Listing<'_>>> {
        self.xmltv_only().grid(keys, from, to)
    }

    /// Programmes whose title contains `query` (XMLTV only; see [`Listings::search`]).
    pub fn search(&self, query: &str, from: UtcSeconds, limit: usize) -> Vec<SearchHit<'_>> {
        self.xmltv_only().search(query, from, limit)
    }

    /// Sub-title, description, episode and the rest of a listing.
    pub fn details(&self, listing: &Listing<'_>) -> io::Result<Option<Details>> {
        match listing.origin {
            ListingOrigin::Index(id) => self.index.details(id),
            ListingOrigin::Live(details) => Ok(Some(details.clone())),
        }
    }

    /// The `catchup-id` of a listing (the XMLTV programme's, or the live stream's details').
    pub fn catchup_id<'b>(&'b self, listing: &Listing<'b>) -> Option<&'b str> {
        match listing.origin {
            ListingOrigin::Index(id) => self.index.catchup_id(id),
            ListingOrigin::Live(details) => details.catchup_id.as_deref(),
        }
    }

    /// Forgets programmes that ended at or before `before`.
    pub fn expire(&mut self, before: UtcSeconds) {
        // Shifts differ per channel; the largest one decides what may still be needed.
        let max_shift = self.links.values().map(|l| l.shift_s).max().unwrap_or(0).max(0);
        self.index.expire(before - max_shift);
    }
}

impl<'a> Listings<'a> {
    /// The `catchup-id` of a listing (see [`Guide::catchup_id`]).
    pub fn catchup_id(&self, listing: &Listing<'a>) -> Option<&'a str> {
        self.guide.catchup_id(listing)
    }

    fn live(&self, key: &ChannelKey) -> Option<&'a LiveChannel> {
        self.live?.channel(key)
    }

    /// What is on `key` at `now`, and what follows.
    pub fn now_next(&self, key: &ChannelKey, now: UtcSeconds) -> NowNext<'a> {
        let base = self.indexed_now_next(key, now);
        let Some(live) = self.live(key) else {
            return base;
        };
        if let Some(present) = live.present.as_ref().filter(|p| p.start <= now && now < p.stop) {
            if base.now.is_some_and(|b| agrees(&b, present)) {
                return base;
            }
            let next = live
                .following
                .as_ref()
                .filter(|f| f.start >= present.start)
                .map(LiveProgramme::listing)
                .or_else(|| {
                    self.window(key, present.stop, present.stop + 1)
                        .into_iter()
                        .next()
                });
            return NowNext {
                now: Some(present.listing()),
                next,
            };
        }
        if base.now.is_some() || base.next.is_some() {
            return base;
        }
        let i = live.schedule.partition_point(|p| p.stop <= now);
        let now_item = live.schedule.get(i).filter(|p| p.start <= now);
        let next_at = i + usize::from(now_item.is_some());
        NowNext {
            now: now_item.map(LiveProgramme::listing),
            next: live.schedule.get(next_at).map(LiveProgramme::listing),
        }
    }

    fn indexed_now_next(&self, key: &ChannelKey, now: UtcSeconds) -> NowNext<'a> {
        let guide = self.guide;
        let Some((n, shift)) = guide.links.get(key).and_then(|l| Some((l.channel?, l.shift_s))) else {
            return NowNext::default();
        };
        let t = now - shift;
        let (first, slots) = guide.index.programmes(n);
        let i = slots.partition_point(|s| s.stop() <= t);
        let at = |i: usize| {
            slots
                .get(i)
                .map(|s| guide.listing(ProgrammeId(first.0 + i as u32), *s, shift))
        };
        match slots.get(i) {
            Some(s) if s.start() <= t => NowNext {
                now: at(i),
                next: at(i + 1),
            },
            _ => NowNext {
                now: None,
                next: at(i),
            },
        }
    }

    /// Programmes of `key` overlapping `[from, to)`, in time order: XMLTV when the channel has
    /// any there, else the live stream's schedule.
    pub fn window(&self, key: &ChannelKey, from: UtcSeconds, to: UtcSeconds) -> Vec<Listing<'a>> {
        let guide = self.guide;
        let mut out = Vec::new();
        if let Some(link) = guide.links.get(key)
            && let Some(n) = link.channel
        {
            let shift = link.shift_s;
            out.extend(
                guide
                    .index
                    .window(n, from - shift, to - shift)
                    .map(|(id, s)| guide.listing(id, s, shift)),
            );
        }
        if out.is_empty()
            && let Some(live) = self.live(key)
        {
            let begin = live.schedule.partition_point(|p| p.stop <= from);
            let hits = live.schedule[begin..].iter().take_while(|p| p.start < to);
            out.extend(hits.map(LiveProgramme::listing));
        }
        out
    }

    /// [`window`](Self::window) for several channels: one row per key, in order.
    pub fn grid(&self, keys: &[ChannelKey], from: UtcSeconds, to: UtcSeconds) -> Vec<Vec<Listing<'a>>> {
        keys.iter().map(|k| self.window(k, from, to)).collect()
    }

    /// Programmes whose title contains `query` (case, accents and punctuation ignored) that
    /// end after `from`, earliest first, at most `limit`.
    pub fn search(&self, query: &str, from: UtcSeconds, limit: usize) -> Vec<SearchHit<'a>> {
        let guide = self.guide;
        let needle = fold(query);
        if needle.is_empty() || limit == 0 {
            return Vec::new();
        }
        let folded = guide.folded_titles.get_or_init(|| {
            let titles = guide.index.titles();
            (0..titles.len() as u32).map(|n| fold(titles.get(n))).collect()
        });
        let wanted: Vec<bool> = folded.iter().map(|t| t.contains(&needle)).collect();
        let mut hits = Vec::new();
        for (n, id, slot) in guide.index.all() {
            if !wanted.get(slot.title as usize).copied().unwrap_or(false) {
                continue;
            }
            for (key, shift) in &guide.viewers[n as usize] {
                if slot.stop() + shift > from {
                    hits.push(SearchHit {
                        key,
                        listing: guide.listing(id, slot, *shift),
                    });
                }
            }
            keep_earliest(&mut hits, limit);
        }
        for (key, live) in self.live.into_iter().flat_map(LiveOverlay::channels) {
            let matching = live
                .schedule
                .iter()
                .filter(|p| p.stop > from && fold(&p.title).contains(&needle));
            hits.extend(matching.map(|p| SearchHit {
                key,
                listing: p.listing(),
            }));
        }
        hits.sort_by(|a, b| (a.listing.start, a.key).cmp(&(b.listing.start, b.key)));
        hits.truncate(limit);
        hits
    }
}

/// Whether the live present event and the XMLTV programme are the same.
fn agrees(indexed: &Listing<'_>, live: &LiveProgramme) -> bool {
    (indexed.start - live.start).abs() <= AGREE_WITHIN_S
        && (indexed.stop - live.stop).abs() <= AGREE_WITHIN_S
        && fold(indexed.title) == fold(&live.title)
}

/// Keeps the search result list from growing without bound on a query that matches much.
fn keep_earliest(hits: &mut Vec<SearchHit<'_>>, limit: usize) {
    if hits.len() > limit.saturating_mul(4).max(1024) {
        hits.sort_by(|a, b| (a.listing.start, a.key).cmp(&(b.listing.start, b.key)));
        hits.truncate(limit);
    }
}
