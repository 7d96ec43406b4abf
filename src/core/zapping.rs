// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel navigation rules: which channels a list holds, stepping with wrap-around, what typed
//! digits mean, and the zap history. Pure functions over the lineup and the saved state.

use super::state::SavedState;
use crate::lineup::{ChannelKey, Lineup};
use serde::{Deserialize, Serialize};

/// Longest channel number a viewer can type.
pub const MAX_DIGITS: usize = 4;
/// How many channels the zap history keeps.
pub const HISTORY_LEN: usize = 16;

/// The list that channel up/down walks through.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ListRef {
    /// Every channel, by number.
    #[default]
    All,
    /// Channels of one playlist group, by number.
    Group(String),
    /// A favourites list, in the viewer's order.
    Favourites(String),
}

/// The keys of the channels in `list`, in zapping order (channels missing from the lineup are skipped).
pub fn members<'a>(lineup: &'a Lineup, saved: &'a SavedState, list: &ListRef) -> Vec<&'a ChannelKey> {
    match list {
        ListRef::All => lineup.channels.iter().map(|c| &c.key).collect(),
        ListRef::Group(group) => lineup
            .channels
            .iter()
            .filter(|c| c.groups.iter().any(|g| g == group))
            .map(|c| &c.key)
            .collect(),
        ListRef::Favourites(name) => saved
            .favourites
            .get(name)
            .into_iter()
            .flatten()
            .filter(|key| lineup.by_key(key).is_some())
            .collect(),
    }
}

/// The channel `delta` steps away from `current` in `list`, wrapping at both ends. A current channel
/// outside the list steps to the list's first (up) or last (down) member.
pub fn step(
    lineup: &Lineup,
    saved: &SavedState,
    list: &ListRef,
    current: Option<&ChannelKey>,
    delta: isize,
) -> Option<ChannelKey> {
    let keys = members(lineup, saved, list);
    if keys.is_empty() {
        return None;
    }
    let len = keys.len() as isize;
    let index = match current.and_then(|c| keys.iter().position(|k| *k == c)) {
        Some(i) => (i as isize + delta).rem_euclid(len),
        None if delta >= 0 => 0,
        None => len - 1,
    };
    Some(keys[index as usize].clone())
}

/// What to do after a digit was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigitOutcome {
    /// Wait for more digits (or the timeout, or OK).
    Wait,
    /// No longer number can follow: commit now.
    CommitNow,
}

/// Decides whether typed digits are complete: the maximum length is reached, or no channel number
/// starts with them and is longer (so waiting for the timeout would only delay the zap).
pub fn after_digit(lineup: &Lineup, typed: &str) -> DigitOutcome {
    if typed.len() >= MAX_DIGITS {
        return DigitOutcome::CommitNow;
    }
    let longer_exists = lineup.channels.iter().any(|c| {
        let n = c.number.to_string();
        n.len() > typed.len() && n.starts_with(typed)
    });
    if longer_exists {
        DigitOutcome::Wait
    } else {
        DigitOutcome::CommitNow
    }
}

/// Moves `key` to the front of the history, without duplicates, keeping at most [`HISTORY_LEN`].
pub fn remember(history: &mut Vec<ChannelKey>, key: &ChannelKey) {
    history.retain(|k| k != key);
    history.insert(0, key.clone());
    history.truncate(HISTORY_LEN);
}

/// The channel watched before the current one that still exists.
pub fn previous<'a>(
    lineup: &Lineup,
    history: &'a [ChannelKey],
    current: Option<&ChannelKey>,
) -> Option<&'a ChannelKey> {
    history
        .iter()
        .filter(|k| Some(*k) != current)
        .find(|k| lineup.by_key(k).is_some())
}

/// The lists the FAVORITES key cycles through: all channels, then every non-empty favourites list.
pub fn cycle_lists(lineup: &Lineup, saved: &SavedState) -> Vec<ListRef> {
    let favourites = saved
        .favourites
        .keys()
        .map(|name| ListRef::Favourites(name.clone()))
        .filter(|list| !members(lineup, saved, list).is_empty());
    std::iter::once(ListRef::All).chain(favourites).collect()
}

/// Adds `key` to the favourites list `name` (created on demand) or removes it when present.
/// Returns whether the channel is now in the list.
pub fn toggle_favourite(saved: &mut SavedState, name: &str, key: &ChannelKey) -> bool {
    let list = saved.favourites.entry(name.to_string()).or_default();
    if let Some(i) = list.iter().position(|k| k == key) {
        list.remove(i);
        if list.is_empty() {
            saved.favourites.remove(name);
        }
        false
    } else {
        list.push(key.clone());
        true
    }
}
