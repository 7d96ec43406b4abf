// SPDX-License-Identifier: GPL-3.0-or-later
//! The pages of a teletext service as the viewer browses them: the newest transmission of
//! every page and of each of its subpages (a rotating page sends its subpages one after
//! another, told apart by the subcode).
//!
//! Bounded whatever a stream sends: at most [`MAX_PAGES`] pages with at most
//! [`MAX_SUBPAGES`] subpages each, and [`MAX_STORED`] transmissions in all; past a limit the
//! page received longest ago goes. Work per page received is logarithmic in what is kept.

use std::collections::{BTreeMap, VecDeque};

use super::page::{Page, PageNumber};

/// Distinct page numbers kept.
pub const MAX_PAGES: usize = 900;
/// Subpages kept per page.
pub const MAX_SUBPAGES: usize = 32;
/// Transmissions kept in all (each page is about 9 KiB).
pub const MAX_STORED: usize = 1_200;

/// Key of a page: magazine and page number, ordered as the viewer counts (100 … 899).
fn key(number: PageNumber) -> u16 {
    u16::from(number.magazine()) << 8 | u16::from(number.page())
}

/// The stored pages of one teletext PID.
#[derive(Debug, Default, Clone)]
pub struct TeletextStore {
    /// Page → subpages by subcode.
    pages: BTreeMap<u16, BTreeMap<u16, Page>>,
    /// (page, subcode) in the order they were first stored: what goes first when full.
    order: VecDeque<(u16, u16)>,
    /// Page → the subcode received last (a rotating page shows its newest subpage).
    latest: BTreeMap<u16, u16>,
}

impl TeletextStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps `page`, replacing an earlier transmission of the same subpage. Pages with a
    /// hexadecimal number (not meant for display) are not kept.
    pub fn insert(&mut self, page: &Page) {
        if page.number.decimal().is_none() {
            return;
        }
        let (number, subcode) = (key(page.number), page.subcode);
        if !self.pages.contains_key(&number) && self.pages.len() >= MAX_PAGES {
            self.evict_page();
        }
        self.latest.insert(number, subcode);
        let subpages = self.pages.entry(number).or_default();
        if subpages.insert(subcode, page.clone()).is_none() {
            self.order.push_back((number, subcode));
            if subpages.len() > MAX_SUBPAGES {
                self.evict_subpage_of(number);
            }
            while self.order.len() > MAX_STORED {
                self.evict_oldest();
            }
        }
    }

    /// The subpages of `number`, in subcode order.
    pub fn subpages(&self, number: PageNumber) -> Vec<&Page> {
        self.pages
            .get(&key(number))
            .map(|s| s.values().collect())
            .unwrap_or_default()
    }

    /// The subpage of `number` received last.
    pub fn latest(&self, number: PageNumber) -> Option<&Page> {
        let number = key(number);
        let subpages = self.pages.get(&number)?;
        self.latest
            .get(&number)
            .and_then(|s| subpages.get(s))
            .or_else(|| subpages.values().next_back())
    }

    /// Whether anything of `number` was received.
    pub fn has(&self, number: PageNumber) -> bool {
        self.pages.contains_key(&key(number))
    }

    /// The stored page numbers after (`forward`) or before `number`, wrapping around.
    pub fn neighbour(&self, number: PageNumber, forward: bool) -> Option<PageNumber> {
        let at = key(number);
        let found = if forward {
            self.pages
                .range(at + 1..)
                .next()
                .or_else(|| self.pages.iter().next())
        } else {
            self.pages
                .range(..at)
                .next_back()
                .or_else(|| self.pages.iter().next_back())
        };
        found.map(|(&k, _)| PageNumber::new((k >> 8) as u8, k as u8))
    }

    /// How many transmissions are kept.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn evict_oldest(&mut self) {
        if let Some((number, subcode)) = self.order.pop_front()
            && let Some(subpages) = self.pages.get_mut(&number)
        {
            subpages.remove(&subcode);
            if subpages.is_empty() {
                self.pages.remove(&number);
                self.latest.remove(&number);
            }
        }
    }

    /// Makes room for one more page number: the oldest stored page goes with its subpages.
    fn evict_page(&mut self) {
        while let Some(&(number, _)) = self.order.front() {
            self.evict_oldest();
            if !self.pages.contains_key(&number) {
                return;
            }
        }
    }

    fn evict_subpage_of(&mut self, number: u16) {
        if let Some(i) = self.order.iter().position(|&(n, _)| n == number) {
            let (_, subcode) = self.order.remove(i).expect("position is in range");
            if let Some(subpages) = self.pages.get_mut(&number) {
                subpages.remove(&subcode);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(decimal: u16, subcode: u16) -> Page {
        let mut page = Page::blank(PageNumber::from_decimal(decimal).expect("a page number"));
        page.subcode = subcode;
        page
    }

    #[test]
    fn subpages_replace_their_own_and_neighbours_wrap() {
        let mut store = TeletextStore::new();
        store.insert(&page(101, 1));
        store.insert(&page(101, 2));
        store.insert(&page(101, 1));
        store.insert(&page(100, 0));
        store.insert(&page(888, 0));
        store.insert(&Page::blank(PageNumber::new(1, 0xff)));
        let p = |d| PageNumber::from_decimal(d).unwrap();
        assert_eq!(store.subpages(p(101)).len(), 2);
        assert_eq!(store.latest(p(101)).map(|p| p.subcode), Some(1));
        assert_eq!(store.len(), 4);
        assert_eq!(store.neighbour(p(100), true), Some(p(101)));
        assert_eq!(store.neighbour(p(101), true), Some(p(888)));
        assert_eq!(store.neighbour(p(888), true), Some(p(100)));
        assert_eq!(store.neighbour(p(100), false), Some(p(888)));
        assert_eq!(store.neighbour(p(500), false), Some(p(101)));
    }

    /// A stream sending a new subpage of every page forever stays within the limits.
    #[test]
    fn a_flood_stays_bounded() {
        let mut store = TeletextStore::new();
        for i in 0..20_000u16 {
            store.insert(&page(100 + i % 800, i / 7));
        }
        assert!(store.len() <= MAX_STORED);
        assert!(store.pages.len() <= MAX_PAGES);
        assert!(store.pages.values().all(|s| s.len() <= MAX_SUBPAGES));
        assert_eq!(
            store.order.len(),
            store.pages.values().map(BTreeMap::len).sum::<usize>()
        );
    }
}
