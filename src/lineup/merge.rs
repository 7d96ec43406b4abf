// SPDX-License-Identifier: GPL-3.0-or-later
//! Merging parsed playlists into one [`Lineup`]: channel identity, alternative sources, numbers.
//!
//! Pure: takes [`Playlist`]s from `m3u.rs`, does no I/O and no parsing. Every lookup goes through
//! a hash map or set, so merging is linear in the number of entries even for hostile inputs
//! (thousands of equal names, ids or numbers).
//!
//! Identity: entries with the same `tvg-id` (case-insensitive) in any playlist are one channel
//! whose sources are the entries' URLs in order (identical URLs once). Entries without `tvg-id`
//! are matched by normalised name: across playlists the n-th "Foo" of one playlist joins the
//! n-th "Foo" of earlier ones; inside one playlist two "Foo" are distinct channels (keys `foo`,
//! `foo#2`) unless they have the same URL. The first entry of a channel provides its name,
//! groups and other metadata; later entries only fill in what is missing.
//!
//! Numbering, in two passes so automatic numbers never take a number a playlist asked for:
//! 1. every valid `tvg-chno` (or alias) is reserved, in playlist order; the first claimant of
//!    a number keeps it, later claimants collide (warning naming both lines);
//! 2. channels are walked in playlist order; a channel that kept its number moves the cursor to
//!    `max(cursor, number)`; every other channel (no number, or collided) gets the next number
//!    after the cursor that is not reserved, and the cursor moves there. So an unnumbered
//!    channel follows the highest number used before it, like in Kodi.

use super::m3u::{Entry, Playlist};
use super::model::{Channel, ChannelKey, Lineup, Source};
use super::problem::{Problem, Problems};
use std::collections::hash_map::Entry as MapEntry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};

/// The merged lineup and the problems found while merging (parser problems are not repeated).
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub lineup: Lineup,
    pub problems: Vec<Problem>,
}

/// Where a channel asked for a number.
#[derive(Debug, Clone, Copy)]
struct Claim {
    number: u32,
    playlist: usize,
    line: usize,
}

/// Merge bookkeeping for one channel, kept beside (not inside) the channel so channels are
/// built in place in their final vector and never moved as a whole.
struct Draft {
    claim: Option<Claim>,
    /// Playlist and line of the entry that created the channel.
    first: (usize, usize),
    /// Last playlist that contributed an entry: one playlist's same-name entries stay distinct.
    last_playlist: usize,
}

/// Channels of one normalised name (no `tvg-id`), with a cursor for the current playlist.
#[derive(Default)]
struct NameSlot {
    drafts: Vec<usize>,
    playlist: usize,
    cursor: usize,
}

#[derive(Default)]
struct Grouper {
    files: Vec<String>,
    channels: Vec<Channel>,
    /// Parallel to `channels`.
    drafts: Vec<Draft>,
    by_id: HashMap<String, usize>,
    by_name: HashMap<String, NameSlot>,
    /// (normalised name, URL) → channel: an exact repeat is a duplicate, not a new channel.
    by_name_url: HashMap<(String, String), usize>,
    /// URL sets of channels with many sources (see [`SCAN_LIMIT`]).
    url_sets: HashMap<usize, HashSet<String>>,
    keys: Keys,
    problems: Problems,
}

/// Up to this many sources a channel's URLs are compared one by one (cheaper than hashing for
/// the usual one to three); beyond, the channel gets a URL set so that thousands of entries
/// sharing one `tvg-id` stay linear.
const SCAN_LIMIT: usize = 16;

/// Merges playlists in the given order; see the module documentation for the rules.
pub fn merge(playlists: Vec<Playlist>) -> Merged {
    let mut g = Grouper::default();
    // Sized once: growing a vector of large drafts would copy them over and over.
    let total: usize = playlists.iter().map(|p| p.entries.len()).sum();
    g.channels.reserve(total);
    g.drafts.reserve(total);
    g.by_id.reserve(total);
    g.keys.used.reserve(total);
    let mut guide_urls = Vec::new();
    let mut seen_guides = HashSet::new();
    for (index, playlist) in playlists.into_iter().enumerate() {
        g.files.push(playlist.name);
        for url in playlist.header.guide_urls {
            if seen_guides.insert(url.clone()) {
                guide_urls.push(url);
            }
        }
        for entry in playlist.entries {
            g.add(index, entry);
        }
    }
    // Id-keyed channels get their key from the id map: a move instead of a copy per channel.
    for (id, d) in g.by_id.drain() {
        if let Some(c) = g.channels.get_mut(d).filter(|c| c.key.0.is_empty()) {
            c.key = ChannelKey(id);
        }
    }
    let mut channels = std::mem::take(&mut g.channels);
    numbering::number(&g.files, &mut channels, &g.drafts, &mut g.problems);
    Merged {
        lineup: Lineup { channels, guide_urls },
        problems: g.problems.finish(),
    }
}

/// Case-folded `tvg-id`; the common already-lower-case ASCII id skips Unicode folding.
fn fold_case(id: &str) -> String {
    if id.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        id.to_owned()
    } else {
        id.to_lowercase()
    }
}

/// Lower-case with runs of whitespace collapsed to one space.
pub fn normalise_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Grouper {
    fn add(&mut self, playlist: usize, entry: Entry) {
        let id = entry.tvg_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let Some(id) = id.map(fold_case) else {
            return self.add_by_name(playlist, entry);
        };
        // One hash lookup: the slot is claimed before the channel exists (index known ahead).
        let next = self.channels.len();
        match self.by_id.entry(id) {
            MapEntry::Occupied(slot) => {
                let d = *slot.get();
                self.join(d, playlist, entry);
            }
            MapEntry::Vacant(slot) => {
                // The id string moves into the channel's key when merging ends (see `merge`);
                // until then the key stays empty unless the id needs a `#n` suffix.
                let key = self.keys.unique_ref(slot.key()).unwrap_or_default();
                slot.insert(next);
                self.create(playlist, entry, key);
            }
        }
    }

    fn add_by_name(&mut self, playlist: usize, entry: Entry) {
        let name = normalise_name(&entry.name);
        let name_url = (name, entry.source.url.clone());
        if let Some(&d) = self.by_name_url.get(&name_url) {
            self.join(d, playlist, entry); // same name and URL again: adds nothing new
            return;
        }
        let target = self.next_unclaimed(&name_url.0, playlist);
        let d = match target {
            Some(d) => {
                self.join(d, playlist, entry);
                d
            }
            None => {
                let key = self.keys.unique(name_url.0.clone());
                let d = self.create(playlist, entry, key);
                let slot = self.by_name.entry(name_url.0.clone()).or_default();
                slot.drafts.push(d);
                // Created by this playlist, so never joinable by it: the cursor moves past it.
                slot.playlist = playlist;
                slot.cursor = slot.drafts.len();
                d
            }
        };
        self.by_name_url.insert(name_url, d);
    }

    /// The first channel of this name that `playlist` has not contributed to yet.
    fn next_unclaimed(&mut self, name: &str, playlist: usize) -> Option<usize> {
        let slot = self.by_name.get_mut(name)?;
        if slot.playlist != playlist {
            slot.playlist = playlist;
            slot.cursor = 0;
        }
        // The cursor only moves forward within a playlist, so all skipping is linear overall.
        while let Some(&d) = slot.drafts.get(slot.cursor) {
            slot.cursor += 1;
            if self.drafts.get(d).is_some_and(|x| x.last_playlist != playlist) {
                return Some(d);
            }
        }
        None
    }

    fn create(&mut self, playlist: usize, e: Entry, key: String) -> usize {
        let d = self.channels.len();
        let claim = e.number.map(|number| Claim {
            number,
            playlist,
            line: e.line,
        });
        let channel = Channel {
            number: 0,
            key: ChannelKey(key),
            name: e.name,
            tvg_id: e.tvg_id,
            tvg_name: e.tvg_name,
            logo: e.logo,
            groups: e.groups,
            radio: e.radio,
            guide_shift_minutes: e.guide_shift_minutes,
            catchup: e.catchup,
            sources: vec![e.source],
        };
        self.channels.push(channel);
        self.drafts.push(Draft {
            claim,
            first: (playlist, e.line),
            last_playlist: playlist,
        });
        d
    }

    /// Adds `e` as an alternative source of channel `d`, filling missing metadata.
    fn join(&mut self, d: usize, playlist: usize, e: Entry) {
        let (Some(draft), Some(c)) = (self.drafts.get_mut(d), self.channels.get_mut(d)) else {
            return;
        };
        draft.last_playlist = playlist;
        c.tvg_name = c.tvg_name.take().or(e.tvg_name);
        c.logo = c.logo.take().or(e.logo);
        c.catchup = c.catchup.take().or(e.catchup);
        if c.groups.is_empty() {
            c.groups = e.groups;
        }
        match (draft.claim, e.number) {
            (None, Some(number)) => {
                draft.claim = Some(Claim {
                    number,
                    playlist,
                    line: e.line,
                })
            }
            (Some(kept), Some(n)) if kept.number != n => {
                let file = self.files.get(playlist).map_or("", String::as_str);
                let at = numbering::place(&self.files, kept.playlist, kept.line);
                let message = format!(
                    "'{}' is also listed at {at} with number {}; number {n} here is ignored",
                    c.name, kept.number
                );
                self.problems.warn(file, e.line, message);
            }
            _ => {}
        }
        if is_new_url(&mut self.url_sets, d, &c.sources, &e.source.url) {
            c.sources.push(e.source);
        }
    }
}

/// Whether `url` is not yet among `sources` of channel `d` (recording it when a set is kept).
fn is_new_url(sets: &mut HashMap<usize, HashSet<String>>, d: usize, sources: &[Source], url: &str) -> bool {
    if let Some(set) = sets.get_mut(&d) {
        return set.insert(url.to_owned());
    }
    if sources.len() < SCAN_LIMIT {
        return !sources.iter().any(|s| s.url == url);
    }
    let mut set: HashSet<String> = sources.iter().map(|s| s.url.clone()).collect();
    let new = set.insert(url.to_owned());
    sets.insert(d, set);
    new
}

/// Unique channel keys: the base, else `base#2`, `base#3`…
///
/// Taken keys are remembered by a randomly keyed 64-bit hash instead of a copy of the string:
/// that saves an allocation per channel, and a (practically impossible) collision would only
/// give a channel a needless `#n` suffix, never a duplicate key.
#[derive(Default)]
struct Keys {
    used: HashSet<u64>,
    hasher: RandomState,
    /// Last suffix tried per base, so a thousand equal names cost a thousand steps, not a million.
    next: HashMap<String, u32>,
}

impl Keys {
    /// `base` itself when free, else the first free `base#n`.
    fn unique(&mut self, base: String) -> String {
        self.unique_ref(&base).unwrap_or(base)
    }

    /// Claims `base`: `None` when it was free (the caller keeps its own copy), else the first
    /// free `base#n`.
    fn unique_ref(&mut self, base: &str) -> Option<String> {
        if self.used.insert(self.hasher.hash_one(base)) {
            return None;
        }
        let n = self.next.entry(base.to_owned()).or_insert(1);
        loop {
            *n = n.saturating_add(1);
            let key = format!("{base}#{n}");
            if self.used.insert(self.hasher.hash_one(&key)) {
                return Some(key);
            }
        }
    }
}

mod numbering;

#[cfg(test)]
mod tests;
