// SPDX-License-Identifier: GPL-3.0-or-later
//! The guide index in memory: per guide channel a sorted, non-overlapping run of 12-byte
//! [`Slot`]s (start, duration, title number) in one array, plus the title table. About 14 MB
//! for 1.2 million programmes; everything else stays in the details file on disk.
//!
//! Queries are pure and take the time as an argument. Loading and saving live in the ingest
//! (`crate::epg::index`); the details are read through a [`DetailsSource`] the loader supplies,
//! so the model never opens a file itself.

use super::UtcSeconds;
use super::catchup_ids::CatchupIds;
use super::details::Details;
use super::titles::Titles;
use std::collections::HashMap;
use std::fmt::Debug;
use std::io;

/// One programme in the grid. Times are Unix seconds in a `u32` (1970–2106) to keep it small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: u32,
    pub duration: u32,
    pub title: u32,
}

impl Slot {
    /// Start as [`UtcSeconds`].
    pub fn start(&self) -> UtcSeconds {
        UtcSeconds::from(self.start)
    }

    /// End as [`UtcSeconds`].
    pub fn stop(&self) -> UtcSeconds {
        UtcSeconds::from(self.start) + UtcSeconds::from(self.duration)
    }
}

/// Identifies a programme of a loaded index (for [`GuideIndex::details`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgrammeId(pub u32);

/// A guide channel: its XMLTV id (or `dvb:` triplet), names for matching, and its programmes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexChannel {
    pub id: String,
    pub names: Vec<String>,
    pub icon: Option<String>,
    /// First slot of this channel in the slot array.
    pub first: u32,
    /// Number of slots (after expiry).
    pub len: u32,
}

/// Where the details of an index's programmes are read from (the ingest's details files).
/// Reading may block on storage, so the UI thread never calls it: an adapter does.
pub trait DetailsSource: Debug + Send + Sync {
    /// The details of programme `id`; `Ok(None)` when it has none.
    fn details(&self, id: ProgrammeId) -> io::Result<Option<Details>>;
}

/// The loaded (or just built) guide index.
#[derive(Debug, Default)]
pub struct GuideIndex {
    channels: Vec<IndexChannel>,
    by_id: HashMap<String, u32>,
    slots: Vec<Slot>,
    titles: Titles,
    /// The programmes' `catchup-id`s (for `vod` catch-up templates).
    catchup_ids: CatchupIds,
    details: Option<Box<dyn DetailsSource>>,
    /// When the index was built (as the builder was told), for "guide from …" notices.
    built_at: Option<UtcSeconds>,
}

impl GuideIndex {
    /// Assembles an index; `channels[i].first/len` must describe runs of `slots`.
    pub fn from_parts(
        channels: Vec<IndexChannel>,
        slots: Vec<Slot>,
        titles: Titles,
        details: Option<Box<dyn DetailsSource>>,
        built_at: Option<UtcSeconds>,
    ) -> Self {
        let by_id = channels
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i as u32))
            .collect();
        Self {
            channels,
            by_id,
            slots,
            titles,
            catchup_ids: CatchupIds::default(),
            details,
            built_at,
        }
    }

    /// The index with the programmes' `catchup-id`s.
    pub fn with_catchup_ids(mut self, ids: CatchupIds) -> Self {
        self.catchup_ids = ids;
        self
    }

    /// The `catchup-id` of programme `id` (from the XMLTV), if it has one.
    pub fn catchup_id(&self, id: ProgrammeId) -> Option<&str> {
        self.catchup_ids.get(id)
    }

    /// All programmes' `catchup-id`s (for writing).
    pub fn catchup_ids(&self) -> &CatchupIds {
        &self.catchup_ids
    }

    /// All guide channels, in index order.
    pub fn channels(&self) -> &[IndexChannel] {
        &self.channels
    }

    /// The number of a channel by its guide id.
    pub fn channel_number(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// Total programmes (after expiry).
    pub fn programme_count(&self) -> usize {
        self.channels.iter().map(|c| c.len as usize).sum()
    }

    /// When the index was built, if the builder was told.
    pub fn built_at(&self) -> Option<UtcSeconds> {
        self.built_at
    }

    /// The programmes of channel `number` in time order, with the id of the first.
    pub fn programmes(&self, number: u32) -> (ProgrammeId, &[Slot]) {
        let Some(c) = self.channels.get(number as usize) else {
            return (ProgrammeId(0), &[]);
        };
        let range = c.first as usize..(c.first as usize + c.len as usize);
        (ProgrammeId(c.first), self.slots.get(range).unwrap_or(&[]))
    }

    /// Position (within the channel's programmes) of the first one that ends after `at`.
    pub fn first_ending_after(&self, number: u32, at: UtcSeconds) -> usize {
        let (_, slots) = self.programmes(number);
        slots.partition_point(|s| s.stop() <= at)
    }

    /// Programmes of channel `number` that overlap `[from, to)`, with their ids.
    pub fn window(
        &self,
        number: u32,
        from: UtcSeconds,
        to: UtcSeconds,
    ) -> impl Iterator<Item = (ProgrammeId, Slot)> + '_ {
        let (first, slots) = self.programmes(number);
        let begin = slots.partition_point(|s| s.stop() <= from);
        let end = begin
            + slots
                .get(begin..)
                .unwrap_or(&[])
                .partition_point(|s| s.start() < to);
        (begin..end).map(move |i| (ProgrammeId(first.0 + i as u32), slots[i]))
    }

    /// The title of a slot.
    pub fn title(&self, slot: &Slot) -> &str {
        self.titles.get(slot.title)
    }

    /// The title table (for search).
    pub fn titles(&self) -> &Titles {
        &self.titles
    }

    /// All slots with the channel number they belong to (for search).
    pub fn all(&self) -> impl Iterator<Item = (u32, ProgrammeId, Slot)> + '_ {
        self.channels.iter().enumerate().flat_map(move |(n, _)| {
            let (first, slots) = self.programmes(n as u32);
            slots
                .iter()
                .enumerate()
                .map(move |(i, s)| (n as u32, ProgrammeId(first.0 + i as u32), *s))
        })
    }

    /// Description, episode, rating and the rest of a programme, from the details source
    /// (storage: never on the UI thread). `Ok(None)` when the programme has none or the index
    /// has no details.
    pub fn details(&self, id: ProgrammeId) -> io::Result<Option<Details>> {
        match &self.details {
            Some(source) => source.details(id),
            None => Ok(None),
        }
    }

    /// Forgets programmes that ended at or before `before` (memory is kept; the array is
    /// shared, only each channel's window moves).
    pub fn expire(&mut self, before: UtcSeconds) {
        for n in 0..self.channels.len() {
            let gone = self.first_ending_after(n as u32, before) as u32;
            let c = &mut self.channels[n];
            c.first += gone;
            c.len -= gone;
        }
    }

    /// Earliest start and latest stop over all channels.
    pub fn span(&self) -> Option<(UtcSeconds, UtcSeconds)> {
        let mut span: Option<(UtcSeconds, UtcSeconds)> = None;
        for n in 0..self.channels.len() {
            let (_, slots) = self.programmes(n as u32);
            if let (Some(a), Some(b)) = (slots.first(), slots.last()) {
                let (lo, hi) = span.unwrap_or((a.start(), b.stop()));
                span = Some((lo.min(a.start()), hi.max(b.stop())));
            }
        }
        span
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> GuideIndex {
        let slot = |start, duration, title| Slot {
            start,
            duration,
            title,
        };
        let channels = vec![
            IndexChannel {
                id: "a".into(),
                first: 0,
                len: 3,
                ..IndexChannel::default()
            },
            IndexChannel {
                id: "b".into(),
                first: 3,
                len: 1,
                ..IndexChannel::default()
            },
        ];
        let slots = vec![
            slot(100, 50, 0),
            slot(150, 50, 1),
            slot(300, 10, 0),
            slot(0, 1000, 1),
        ];
        GuideIndex::from_parts(
            channels,
            slots,
            Titles::from_ordered(["News", "Film"]),
            None,
            None,
        )
    }

    #[test]
    fn windows_and_expiry() {
        let mut ix = index();
        let titles = |from, to| -> Vec<u32> { ix.window(0, from, to).map(|(id, _)| id.0).collect() };
        assert_eq!(titles(0, 100), Vec::<u32>::new());
        assert_eq!(titles(0, 101), vec![0]);
        assert_eq!(titles(149, 151), vec![0, 1]);
        assert_eq!(titles(200, 300), Vec::<u32>::new());
        assert_eq!(titles(200, 1000), vec![2]);
        assert_eq!(ix.span(), Some((0, 1000)));
        ix.expire(200);
        assert_eq!(ix.programmes(0).1.len(), 1);
        assert_eq!(ix.programmes(0).0, ProgrammeId(2));
        assert_eq!(ix.programme_count(), 2);
        assert_eq!(ix.channel_number("b"), Some(1));
        assert!(ix.details(ProgrammeId(0)).unwrap().is_none());
    }
}
