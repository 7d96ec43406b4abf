// SPDX-License-Identifier: GPL-3.0-or-later
//! Which guide channel belongs to which lineup channel: manual override, then `tvg-id`, then
//! normalised names, then a `+1`-style timeshift of a matched name, then fuzzy names with a
//! confidence. Overrides are a map the caller keeps in the state file.
//!
//! Normalising is careful about what changes the programme: quality tags (HD, FHD, UHD, 4K,
//! HEVC…) and country prefixes (`FR: `, `[UK] `) are dropped, but `+` is kept as a word
//! ("Canal+" is not "Canal") and `+1` is a timeshift, never a quality. Pure.

use super::fold::fold;
use crate::lineup::{Channel, ChannelKey};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Manual assignments: lineup channel → guide channel id; an empty id means "no guide".
pub type GuideOverrides = BTreeMap<ChannelKey, String>;

/// How a match was found, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    Override,
    TvgId,
    Name,
    /// The name is a `+N` channel of a matched name: same guide, shifted by N hours.
    Timeshift,
    Fuzzy,
}

/// The guide channel of one lineup channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelMatch {
    pub guide_id: String,
    pub method: MatchMethod,
    /// 1.0 for overrides and ids, lower for names, the similarity for fuzzy matches.
    pub confidence: f32,
    /// Shift implied by the match (a `+1` channel: 60), added to the channel's own `tvg-shift`.
    pub extra_shift_minutes: i32,
}

/// A guide channel as matching sees it.
#[derive(Debug, Clone, Copy)]
pub struct GuideNames<'a> {
    pub id: &'a str,
    pub names: &'a [String],
}

/// Lowest similarity accepted for a fuzzy match.
pub const FUZZY_THRESHOLD: f64 = 0.88;
/// Most work one fuzzy pass may do, in character pairs compared (an edit distance costs the
/// product of the two lengths): 20 million comparisons of 16-character names.
pub(crate) const FUZZY_BUDGET_CELLS: u64 = 20_000_000 * 256;
/// Longest name key compared fuzzily; longer ones are not channel names (and would cost the
/// square of their length per comparison).
pub const MAX_FUZZY_KEY: usize = 64;
/// A fuzzy winner must beat the runner-up by this much, or it is ambiguous.
const FUZZY_MARGIN: f64 = 0.04;

/// Matches every lineup channel it can; overrides win (see [`merge_overrides`]).
pub fn match_channels(
    lineup: &[Channel],
    guide: &[GuideNames<'_>],
    overrides: &GuideOverrides,
) -> BTreeMap<ChannelKey, ChannelMatch> {
    let table = NameTable::new(guide);
    let mut out = BTreeMap::new();
    let mut unmatched = Vec::new();
    for channel in lineup.iter().filter(|c| !overrides.contains_key(&c.key)) {
        match table.exact(channel).or_else(|| table.timeshift(channel)) {
            Some(m) => {
                out.insert(channel.key.clone(), m);
            }
            None => unmatched.push(channel),
        }
    }
    // Fuzzy matching is quadratic: a huge OTT catalogue against a huge guide, or names of
    // thousands of characters, would take minutes. It runs within a budget counted in
    // characters compared, channel by channel, until the budget is spent.
    let mut budget = FUZZY_BUDGET_CELLS;
    for channel in unmatched {
        let key = name_key(&channel.name);
        if !(3..=MAX_FUZZY_KEY).contains(&key.len()) {
            continue;
        }
        let cost = key.len() as u64 * table.fuzzy_chars;
        if cost > budget {
            break;
        }
        budget -= cost;
        if let Some(m) = table.fuzzy(&key) {
            out.insert(channel.key.clone(), m);
        }
    }
    merge_overrides(&mut out, overrides);
    out
}

/// Applies manual overrides on top of automatic matches: an id replaces the match, an empty
/// id removes it.
pub fn merge_overrides(matches: &mut BTreeMap<ChannelKey, ChannelMatch>, overrides: &GuideOverrides) {
    for (key, guide_id) in overrides {
        if guide_id.is_empty() {
            matches.remove(key);
        } else {
            matches.insert(
                key.clone(),
                ChannelMatch {
                    guide_id: guide_id.clone(),
                    method: MatchMethod::Override,
                    confidence: 1.0,
                    extra_shift_minutes: 0,
                },
            );
        }
    }
}

/// The name key: folded, `+` as "plus", quality tags and a country prefix removed, no spaces.
pub fn name_key(name: &str) -> String {
    let name = strip_country_prefix(name.trim()).replace('+', " plus ");
    let folded = fold(&name);
    let words: Vec<&str> = folded.split(' ').filter(|w| !is_quality(w)).collect();
    words.concat()
}

fn is_quality(word: &str) -> bool {
    matches!(
        word,
        "hd" | "fhd"
            | "uhd"
            | "sd"
            | "hq"
            | "4k"
            | "8k"
            | "hevc"
            | "h265"
            | "h264"
            | "hdr"
            | "1080p"
            | "1080i"
            | "720p"
            | "50fps"
    )
}

/// Name keys of a lineup channel: `tvg-name`, then the display name.
pub(crate) fn lineup_name_keys(c: &Channel) -> impl Iterator<Item = String> + '_ {
    c.tvg_name
        .iter()
        .chain(std::iter::once(&c.name))
        .map(|n| name_key(&n.replace('_', " ")))
        .filter(|k| !k.is_empty())
}

/// Name keys of a guide channel: its display names, then its id without the country part.
pub(crate) fn guide_name_keys<'g>(id: &'g str, names: &'g [String]) -> impl Iterator<Item = String> + 'g {
    names
        .iter()
        .map(|n| name_key(n))
        .chain(std::iter::once_with(move || name_key(id_stem(id))))
        .filter(|k| !k.is_empty())
}

/// `FR: TF1`, `UK | BBC One`, `[DE] ZDF` → the name without the 2–3 letter prefix.
fn strip_country_prefix(name: &str) -> &str {
    if let Some(rest) = name.strip_prefix('[')
        && let Some((code, tail)) = rest.split_once(']')
        && is_country_code(code)
    {
        return tail.trim_start();
    }
    match name.split_once([':', '|']) {
        Some((code, tail)) if is_country_code(code.trim()) && !tail.trim().is_empty() => tail.trim_start(),
        _ => name,
    }
}

fn is_country_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// A guide id without a trailing country/domain part: `BBCOne.uk` → `BBCOne`.
fn id_stem(id: &str) -> &str {
    match id.rsplit_once('.') {
        Some((stem, tld)) if !stem.is_empty() && (2..=3).contains(&tld.len()) => stem,
        _ => id,
    }
}

/// `"bbconeplus1"` → `("bbcone", 1)` for a `+1`…`+24` hour channel.
pub(crate) fn timeshift_of(key: &str) -> Option<(&str, i32)> {
    let at = key.rfind("plus")?;
    let hours: i32 = key.get(at + 4..)?.parse().ok()?;
    let base = &key[..at];
    ((1..=24).contains(&hours) && !base.is_empty()).then_some((base, hours))
}

/// Lookups over the guide's ids and names.
struct NameTable<'g> {
    ids: HashMap<&'g str, usize>,
    ids_folded: HashMap<String, usize>,
    /// Name key → first guide channel with it, and whether it was ambiguous.
    names: HashMap<String, (usize, bool)>,
    /// Keys for fuzzy matching (at most [`MAX_FUZZY_KEY`] long) and their guide channel.
    keys: Vec<(String, usize)>,
    /// Total length of `keys`: the work of one fuzzy search per character of the name sought.
    fuzzy_chars: u64,
    guide: &'g [GuideNames<'g>],
}

impl<'g> NameTable<'g> {
    fn new(guide: &'g [GuideNames<'g>]) -> Self {
        let mut t = Self {
            ids: HashMap::new(),
            ids_folded: HashMap::new(),
            names: HashMap::new(),
            keys: Vec::new(),
            fuzzy_chars: 0,
            guide,
        };
        for (i, g) in guide.iter().enumerate() {
            t.ids.entry(g.id).or_insert(i);
            t.ids_folded.entry(g.id.to_lowercase()).or_insert(i);
            for key in guide_name_keys(g.id, g.names) {
                t.names
                    .entry(key.clone())
                    .and_modify(|(first, ambiguous)| *ambiguous |= *first != i)
                    .or_insert((i, false));
                if key.len() <= MAX_FUZZY_KEY {
                    t.fuzzy_chars += key.len() as u64;
                    t.keys.push((key, i));
                }
            }
        }
        t
    }

    fn found(&self, i: usize, method: MatchMethod, confidence: f32, shift: i32) -> ChannelMatch {
        ChannelMatch {
            guide_id: self.guide[i].id.to_owned(),
            method,
            confidence,
            extra_shift_minutes: shift,
        }
    }

    fn exact(&self, c: &Channel) -> Option<ChannelMatch> {
        if let Some(id) = c.tvg_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
            let hit = self
                .ids
                .get(id)
                .or_else(|| self.ids_folded.get(&id.to_lowercase()));
            if let Some(&i) = hit {
                return Some(self.found(i, MatchMethod::TvgId, 1.0, 0));
            }
        }
        self.by_names(c)
            .find_map(|key| self.names.get(&key))
            .map(|&(i, ambiguous)| self.found(i, MatchMethod::Name, if ambiguous { 0.8 } else { 0.95 }, 0))
    }

    fn by_names<'c>(&self, c: &'c Channel) -> impl Iterator<Item = String> + 'c {
        lineup_name_keys(c)
    }

    fn timeshift(&self, c: &Channel) -> Option<ChannelMatch> {
        if c.guide_shift_minutes != 0 {
            return None; // the playlist already says how to shift; do not shift twice
        }
        self.by_names(c).find_map(|key| {
            let (base, hours) = timeshift_of(&key)?;
            let &(i, _) = self.names.get(base)?;
            Some(self.found(i, MatchMethod::Timeshift, 0.85, hours * 60))
        })
    }

    /// The guide channel whose name key is closest to `key` (3 to [`MAX_FUZZY_KEY`] long).
    fn fuzzy(&self, key: &str) -> Option<ChannelMatch> {
        let (mut best, mut second) = ((0.0, usize::MAX), 0.0f64);
        for (candidate, i) in &self.keys {
            let longer = key.len().max(candidate.len()) as f64;
            if (key.len() as f64 - candidate.len() as f64).abs() / longer > 0.3 {
                continue;
            }
            let score = strsim::normalized_damerau_levenshtein(key, candidate);
            if score > best.0 {
                if best.1 != *i {
                    second = second.max(best.0);
                }
                best = (score, *i);
            } else if *i != best.1 {
                second = second.max(score);
            }
        }
        (best.0 >= FUZZY_THRESHOLD && best.0 - second >= FUZZY_MARGIN)
            .then(|| self.found(best.1, MatchMethod::Fuzzy, best.0 as f32, 0))
    }
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
