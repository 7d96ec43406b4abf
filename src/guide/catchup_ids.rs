// SPDX-License-Identifier: GPL-3.0-or-later
//! The XMLTV `catchup-id` of each programme that has one, kept in memory beside the grid.
//!
//! A `vod` catch-up template (`{catchup-id}`, or a `catchup-source` naming it) cannot make an
//! archive URL without the programme's id, and the core makes URLs on the UI thread, where the
//! details file on disk must not be read. So the ids live with the grid: a table of (programme,
//! id number) pairs sorted by programme (only programmes that have an id take room) and the
//! distinct ids once each, as the titles are kept.
//!
//! The ids come from strangers like the titles: each is at most [`MAX_CATCHUP_ID_LEN`] bytes
//! (longer ones are dropped with a warning, since a cut id names another programme or none)
//! and all distinct ids together cost at most [`MAX_CATCHUP_ID_BYTES`], counted as the titles'
//! cap counts them (text plus `TITLE_COST` each). Pure data.

use super::index::ProgrammeId;
use super::titles::Titles;

/// Longest `catchup-id` kept. Real ones are a number or a path of a few dozen bytes; a whole
/// URL fits too.
pub const MAX_CATCHUP_ID_LEN: usize = 2048;
/// Most that the distinct `catchup-id`s of one index may cost (text plus `TITLE_COST` each).
pub const MAX_CATCHUP_ID_BYTES: usize = 16 << 20;

/// The ids by programme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatchupIds {
    /// (programme number, id number), strictly ascending by programme.
    entries: Vec<(u32, u32)>,
    ids: Titles,
}

impl CatchupIds {
    /// The table from its parts; `None` unless the programmes ascend strictly and every id
    /// number names an id of `ids`.
    pub fn from_parts(entries: Vec<(u32, u32)>, ids: Titles) -> Option<Self> {
        let ascending = entries.windows(2).all(|w| w[0].0 < w[1].0);
        let named = entries.iter().all(|&(_, n)| (n as usize) < ids.len());
        (ascending && named).then_some(Self { entries, ids })
    }

    /// The `catchup-id` of programme `id`, if it has one.
    pub fn get(&self, id: ProgrammeId) -> Option<&str> {
        let i = self.entries.binary_search_by_key(&id.0, |&(p, _)| p).ok()?;
        Some(self.ids.get(self.entries[i].1))
    }

    /// How many programmes have an id.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No programme has an id.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The pairs and the id table, for writing.
    pub fn parts(&self) -> (&[(u32, u32)], &Titles) {
        (&self.entries, &self.ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_by_programme() {
        let ids = Titles::from_ordered(["ep-1", "ep-2"]);
        let table = CatchupIds::from_parts(vec![(3, 1), (7, 0), (8, 1)], ids.clone()).unwrap();
        assert_eq!(table.get(ProgrammeId(3)), Some("ep-2"));
        assert_eq!(table.get(ProgrammeId(7)), Some("ep-1"));
        assert_eq!(table.get(ProgrammeId(8)), Some("ep-2"));
        assert_eq!(table.get(ProgrammeId(4)), None);
        assert_eq!(table.len(), 3);
        assert_eq!(CatchupIds::from_parts(vec![(3, 0), (3, 1)], ids.clone()), None);
        assert_eq!(CatchupIds::from_parts(vec![(3, 2)], ids), None);
        assert!(CatchupIds::default().get(ProgrammeId(0)).is_none());
    }
}
