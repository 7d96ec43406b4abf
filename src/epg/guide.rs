// SPDX-License-Identifier: GPL-3.0-or-later
//! The guide as the UI and core ask for it: by lineup [`ChannelKey`], with each channel's
//! `tvg-shift` (plus a `+1` match's shift) applied, XMLTV from the index, and what the live
//! stream's EIT says filling channels without XMLTV and correcting now/next when they disagree.
//!
//! Pure: every query takes the time; nothing here reads a clock or the network. Only
//! [`Guide::details`] reads a file (the details file, through the index).

use super::UtcSeconds;
use super::details::Details;
use super::eit::{EitSection, TABLE_PF_ACTUAL, TABLE_PF_OTHER};
use super::index::{GuideIndex, ProgrammeId, Slot};
use super::matching::{ChannelMatch, GuideNames, GuideOverrides, match_channels};
use super::text::fold;
use crate::lineup::{ChannelKey, Lineup};
use std::collections::HashMap;
use std::io;
use std::sync::OnceLock;

/// Present and following events of a live stream count only this close to the XMLTV times.
const AGREE_WITHIN_S: i64 = 120;
/// EIT schedule events kept per channel.
const MAX_LIVE_SCHEDULE: usize = 4000;

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

/// A programme announced by the live stream (EIT), kept in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveProgramme {
    pub start: UtcSeconds,
    pub stop: UtcSeconds,
    pub title: String,
    pub details: Details,
}

impl LiveProgramme {
    fn listing(&self) -> Listing<'_> {
        Listing {
            start: self.start,
            stop: self.stop,
            title: &self.title,
            origin: ListingOrigin::Live(&self.details),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct LiveGuide {
    present: Option<LiveProgramme>,
    following: Option<LiveProgramme>,
    /// Sorted by start, non-overlapping.
    schedule: Vec<LiveProgramme>,
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

/// The queryable guide.
#[derive(Debug)]
pub struct Guide {
    index: GuideIndex,
    links: HashMap<ChannelKey, GuideLink>,
    /// Per index channel: the lineup keys showing it, with their shift.
    viewers: Vec<Vec<(ChannelKey, i64)>>,
    live: HashMap<ChannelKey, LiveGuide>,
    folded_titles: OnceLock<Vec<String>>,
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
            live: HashMap::new(),
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

    /// What is on `key` at `now`, and what follows.
    pub fn now_next(&self, key: &ChannelKey, now: UtcSeconds) -> NowNext<'_> {
        let base = self.indexed_now_next(key, now);
        let Some(live) = self.live.get(key) else {
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

    fn indexed_now_next(&self, key: &ChannelKey, now: UtcSeconds) -> NowNext<'_> {
        let Some((n, shift)) = self.links.get(key).and_then(|l| Some((l.channel?, l.shift_s))) else {
            return NowNext::default();
        };
        let t = now - shift;
        let (first, slots) = self.index.programmes(n);
        let i = slots.partition_point(|s| s.stop() <= t);
        let at = |i: usize| {
            slots
                .get(i)
                .map(|s| self.listing(ProgrammeId(first.0 + i as u32), *s, shift))
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
    pub fn window(&self, key: &ChannelKey, from: UtcSeconds, to: UtcSeconds) -> Vec<Listing<'_>> {
        let mut out = Vec::new();
        if let Some(link) = self.links.get(key)
            && let Some(n) = link.channel
        {
            let shift = link.shift_s;
            out.extend(
                self.index
                    .window(n, from - shift, to - shift)
                    .map(|(id, s)| self.listing(id, s, shift)),
            );
        }
        if out.is_empty()
            && let Some(live) = self.live.get(key)
        {
            let begin = live.schedule.partition_point(|p| p.stop <= from);
            let hits = live.schedule[begin..].iter().take_while(|p| p.start < to);
            out.extend(hits.map(LiveProgramme::listing));
        }
        out
    }

    /// [`window`](Self::window) for several channels: one row per key, in order.
    pub fn grid(&self, keys: &[ChannelKey], from: UtcSeconds, to: UtcSeconds) -> Vec<Vec<Listing<'_>>> {
        keys.iter().map(|k| self.window(k, from, to)).collect()
    }

    /// Programmes whose title contains `query` (case, accents and punctuation ignored) that
    /// end after `from`, earliest first, at most `limit`.
    pub fn search(&self, query: &str, from: UtcSeconds, limit: usize) -> Vec<SearchHit<'_>> {
        let needle = fold(query);
        if needle.is_empty() || limit == 0 {
            return Vec::new();
        }
        let folded = self.folded_titles.get_or_init(|| {
            let titles = self.index.titles();
            (0..titles.len() as u32).map(|n| fold(titles.get(n))).collect()
        });
        let wanted: Vec<bool> = folded.iter().map(|t| t.contains(&needle)).collect();
        let mut hits = Vec::new();
        for (n, id, slot) in self.index.all() {
            if !wanted.get(slot.title as usize).copied().unwrap_or(false) {
                continue;
            }
            for (key, shift) in &self.viewers[n as usize] {
                if slot.stop() + shift > from {
                    hits.push(SearchHit {
                        key,
                        listing: self.listing(id, slot, *shift),
                    });
                }
            }
            keep_earliest(&mut hits, limit);
        }
        for (key, live) in &self.live {
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

    /// Sub-title, description, episode and the rest of a listing.
    pub fn details(&self, listing: &Listing<'_>) -> io::Result<Option<Details>> {
        match listing.origin {
            ListingOrigin::Index(id) => self.index.details(id),
            ListingOrigin::Live(details) => Ok(Some(details.clone())),
        }
    }

    /// Takes what the live stream of `key` announced in one EIT section: present/following
    /// replaces the previous ones, schedule events replace what they overlap.
    pub fn apply_eit(&mut self, key: &ChannelKey, section: &EitSection) {
        let live = self.live.entry(key.clone()).or_default();
        let programmes = section.events.iter().filter_map(|e| e.to_live());
        if matches!(section.table_id, TABLE_PF_ACTUAL | TABLE_PF_OTHER) {
            let first = programmes.into_iter().next();
            match section.section_number {
                0 => live.present = first,
                1 => live.following = first,
                _ => {}
            }
            return;
        }
        for p in programmes {
            insert_scheduled(&mut live.schedule, p);
        }
    }

    /// Forgets programmes that ended at or before `before`.
    pub fn expire(&mut self, before: UtcSeconds) {
        // Shifts differ per channel; the largest one decides what may still be needed.
        let max_shift = self.links.values().map(|l| l.shift_s).max().unwrap_or(0).max(0);
        self.index.expire(before - max_shift);
        for live in self.live.values_mut() {
            live.schedule.retain(|p| p.stop > before);
        }
    }
}

/// Whether the live present event and the XMLTV programme are the same.
fn agrees(indexed: &Listing<'_>, live: &LiveProgramme) -> bool {
    (indexed.start - live.start).abs() <= AGREE_WITHIN_S
        && (indexed.stop - live.stop).abs() <= AGREE_WITHIN_S
        && fold(indexed.title) == fold(&live.title)
}

/// Inserts `p` into a sorted, non-overlapping schedule, replacing what it overlaps.
fn insert_scheduled(schedule: &mut Vec<LiveProgramme>, p: LiveProgramme) {
    let begin = schedule.partition_point(|q| q.stop <= p.start);
    let end = begin + schedule[begin..].partition_point(|q| q.start < p.stop);
    schedule.splice(begin..end, [p]);
    if schedule.len() > MAX_LIVE_SCHEDULE {
        schedule.remove(0);
    }
}

/// Keeps the search result list from growing without bound on a query that matches much.
fn keep_earliest(hits: &mut Vec<SearchHit<'_>>, limit: usize) {
    if hits.len() > limit.saturating_mul(4).max(1024) {
        hits.sort_by(|a, b| (a.listing.start, a.key).cmp(&(b.listing.start, b.key)));
        hits.truncate(limit);
    }
}
