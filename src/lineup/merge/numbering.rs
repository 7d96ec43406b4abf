// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel numbering for [`merge`](super::merge): the two-pass rule of the parent module's
//! documentation (claimed numbers first, then automatic ones after the highest so far).
//!
//! Pure and linear: claimed numbers are bounded by [`MAX_CHANNEL_NUMBER`], so the bookkeeping
//! is plain vectors indexed by number, with no hashing. Knows nothing about parsing.

use super::{Draft, Problems};
use crate::lineup::entry::MAX_CHANNEL_NUMBER;
use crate::lineup::model::Channel;
use std::collections::HashMap;

/// Numbers `channels` in place (rule: parent module documentation) and sorts them by number.
pub(super) fn number(
    files: &[String],
    channels: &mut Vec<Channel>,
    drafts: &[Draft],
    problems: &mut Problems,
) {
    let (owner, rivals) = reserve(files, channels, drafts);
    let mut used = Used::new(&owner, channels.len());
    let mut cursor = 0u32;
    let mut exhausted = false;
    for (i, (c, d)) in channels.iter_mut().zip(drafts).enumerate() {
        let kept = d
            .claim
            .filter(|k| owner.get(k.number as usize).copied().flatten() == Some(i));
        if let Some(claim) = kept {
            c.number = claim.number;
            cursor = cursor.max(claim.number);
            continue;
        }
        let Some(n) = used.next_free(cursor) else {
            let file = files.get(d.first.0).map_or("", String::as_str);
            problems.warn(
                file,
                d.first.1,
                "no channel number left for this channel; dropped",
            );
            exhausted = true; // number stays 0: removed below
            continue;
        };
        cursor = n;
        c.number = n;
        if let (Some(claim), Some(rival)) = (d.claim, rivals.get(&i)) {
            let file = files.get(claim.playlist).map_or("", String::as_str);
            let message = format!(
                "channel number {} of '{}' is already taken by {rival}; '{}' gets number {n}",
                claim.number, c.name, c.name
            );
            problems.warn(file, claim.line, message);
        }
    }
    if exhausted {
        channels.retain(|c| c.number != 0);
    }
    // Mostly in order already (playlists list channels by number), which the sort exploits.
    channels.sort_unstable_by_key(|c| c.number);
}

/// Pass 1: for every number `1..=MAX_CHANNEL_NUMBER` its first claimant (indexable: claims are
/// validated to that range); and for every later claimant, a description of the first.
fn reserve(
    files: &[String],
    channels: &[Channel],
    drafts: &[Draft],
) -> (Vec<Option<usize>>, HashMap<usize, String>) {
    let mut owner = vec![None; MAX_CHANNEL_NUMBER as usize + 1];
    let mut rivals = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        let Some(slot) = d.claim.and_then(|c| owner.get_mut(c.number as usize)) else {
            continue;
        };
        let first = *slot.get_or_insert(i);
        if first != i {
            let name = channels.get(first).map_or("", |f| f.name.as_str());
            let (pl, at) = drafts
                .get(first)
                .and_then(|f| f.claim)
                .map_or((0, 0), |k| (k.playlist, k.line));
            rivals.insert(i, format!("'{name}' ({})", place(files, pl, at)));
        }
    }
    (owner, rivals)
}

/// Numbers in use, as a bit per number: claimed numbers are at most [`MAX_CHANNEL_NUMBER`] and
/// automatic ones at most that plus the channel count, so a vector indexed by number is small
/// and needs no hashing.
struct Used(Vec<bool>);

impl Used {
    fn new(owner: &[Option<usize>], channels: usize) -> Self {
        let mut used = vec![false; owner.len() + channels + 1];
        for (n, o) in owner.iter().enumerate() {
            if let (Some(_), Some(u)) = (o, used.get_mut(n)) {
                *u = true;
            }
        }
        Self(used)
    }

    /// Claims and returns the smallest free number above `cursor`. Linear overall because the
    /// cursor only grows and numbers skipped here are below the next cursor.
    fn next_free(&mut self, cursor: u32) -> Option<u32> {
        let mut n = cursor.checked_add(1)?;
        while self.0.get(n as usize).copied().unwrap_or(false) {
            n = n.checked_add(1)?;
        }
        if let Some(u) = self.0.get_mut(n as usize) {
            *u = true;
        }
        Some(n)
    }
}

/// `file:line` of playlist number `playlist`.
pub(super) fn place(files: &[String], playlist: usize, line: usize) -> String {
    format!("{}:{line}", files.get(playlist).map_or("", String::as_str))
}
