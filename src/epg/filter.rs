// SPDX-License-Identifier: GPL-3.0-or-later
//! What the ingest keeps: only guide channels some lineup channel could match, so a
//! 900-channel guide for a 40-channel lineup costs the index 40 channels.
//!
//! The exact assignment (which guide channel each lineup channel gets, ambiguity, the fuzzy
//! runner-up margin) is `crate::guide::match_channels`' job, run later over the kept channels.
//! The filter only has to keep a superset of what that assignment can pick, and it has to do so
//! in bounded work whatever a stranger's guide holds. So it asks each guide channel one
//! question, once, against tables of the lineup built once:
//!
//! - an override names its id, or some lineup `tvg-id` equals it (as written or lowercased);
//! - one of its name keys equals a lineup channel's name key, or the base of a `+1`-style name;
//! - failing those, and only for channels the guide declares (with names), a fuzzy name match,
//!   within the same budget of characters compared as one matching pass.
//!
//! Programmes of channels the guide never declares get the exact checks only, and the verdicts
//! are remembered for at most [`MAX_GUIDE_CHANNELS`] ids: a guide that invents a new channel id
//! per programme costs a few hash lookups per programme, never a scan of the lineup. (Before,
//! each such programme ran the whole matching over the whole lineup: a 50,000-channel playlist
//! and a million such programmes did not finish in 18 CPU-minutes.)

use super::build::MAX_GUIDE_CHANNELS;
use crate::guide::GuideOverrides;
use crate::guide::matching::{
    FUZZY_BUDGET_CELLS, FUZZY_THRESHOLD, MAX_FUZZY_KEY, guide_name_keys, lineup_name_keys, name_key,
    timeshift_of,
};
use crate::lineup::Lineup;
use std::collections::HashSet;
use std::sync::Arc;

/// The ingest's "keep only channels the lineup can use", shareable and cheap to clone.
#[derive(Debug, Clone)]
pub struct LineupFilter {
    tables: Arc<Tables>,
}

/// The lineup, reduced to the keys the filter looks up.
#[derive(Debug, Default)]
struct Tables {
    /// Guide ids the viewer assigned by hand.
    overridden: HashSet<String>,
    /// `tvg-id`s as written (trimmed), and lowercased.
    ids: HashSet<String>,
    ids_folded: HashSet<String>,
    /// Name keys of `tvg-name`s and display names.
    names: HashSet<String>,
    /// The bases of `+N` names ("bbcone" for "BBC One +1"): the guide channel they shift.
    shifted: HashSet<String>,
    /// Display-name keys fit for fuzzy matching, shortest first.
    fuzzy: Vec<String>,
}

impl LineupFilter {
    /// A filter for `lineup` with the viewer's `overrides`; keeps keys, not the channels.
    pub fn new(lineup: &Lineup, overrides: &GuideOverrides) -> Self {
        let mut t = Tables {
            overridden: overrides.values().filter(|id| !id.is_empty()).cloned().collect(),
            ..Tables::default()
        };
        for channel in lineup.channels.iter().filter(|c| !overrides.contains_key(&c.key)) {
            if let Some(id) = channel
                .tvg_id
                .as_deref()
                .map(str::trim)
                .filter(|id| !id.is_empty())
            {
                t.ids.insert(id.to_owned());
                t.ids_folded.insert(id.to_lowercase());
            }
            for key in lineup_name_keys(channel) {
                if channel.guide_shift_minutes == 0
                    && let Some((base, _)) = timeshift_of(&key)
                {
                    t.shifted.insert(base.to_owned());
                }
                t.names.insert(key);
            }
            let key = name_key(&channel.name);
            if (3..=MAX_FUZZY_KEY).contains(&key.len()) {
                t.fuzzy.push(key);
            }
        }
        t.fuzzy.sort_unstable_by_key(String::len);
        t.fuzzy.dedup();
        Self { tables: Arc::new(t) }
    }

    /// The verdicts of one source's ingest: remembered per guide id, with their own budget.
    pub fn verdicts(&self) -> Verdicts {
        Verdicts {
            tables: Arc::clone(&self.tables),
            rejected: HashSet::new(),
            fuzzy_budget: FUZZY_BUDGET_CELLS,
        }
    }
}

/// One source's questions to a [`LineupFilter`].
#[derive(Debug)]
pub struct Verdicts {
    tables: Arc<Tables>,
    /// Guide ids found unusable (kept ones are remembered by the index builder's numbering).
    rejected: HashSet<String>,
    /// Characters the fuzzy matching may still compare.
    fuzzy_budget: u64,
}

impl Verdicts {
    /// Whether the guide declares a channel (`id`, display `names`) some lineup channel could use.
    pub fn declared(&mut self, id: &str, names: &[String]) -> bool {
        let keep = self.exact(id, names) || self.fuzzy(id, names);
        if !keep {
            self.reject(id);
        }
        keep
    }

    /// Whether a channel the guide never declared (only its id is known) could be used.
    pub fn undeclared(&mut self, id: &str) -> bool {
        if self.rejected.contains(id) {
            return false;
        }
        let keep = self.exact(id, &[]);
        if !keep {
            self.reject(id);
        }
        keep
    }

    /// Remembers a rejection while there is room; beyond it the exact checks are redone (cheap).
    fn reject(&mut self, id: &str) {
        if self.rejected.len() < MAX_GUIDE_CHANNELS {
            self.rejected.insert(id.to_owned());
        }
    }

    fn exact(&self, id: &str, names: &[String]) -> bool {
        let t = &*self.tables;
        if t.overridden.contains(id) || t.ids.contains(id) || t.ids_folded.contains(&id.to_lowercase()) {
            return true;
        }
        guide_name_keys(id, names).any(|key| t.names.contains(&key) || t.shifted.contains(&key))
    }

    /// A lineup name within the fuzzy threshold of one of the guide names, while the budget lasts.
    fn fuzzy(&mut self, id: &str, names: &[String]) -> bool {
        let fuzzy = &self.tables.fuzzy;
        for key in guide_name_keys(id, names).filter(|k| k.len() <= MAX_FUZZY_KEY) {
            // Lengths within 30 % of each other, as the matching compares: [0.7 k, k / 0.7].
            let len = key.len();
            let lo = fuzzy.partition_point(|c| c.len() * 10 < len * 7);
            let hi = fuzzy.partition_point(|c| c.len() * 7 <= len * 10);
            for candidate in &fuzzy[lo..hi] {
                let cost = (len * candidate.len()) as u64;
                if cost > self.fuzzy_budget {
                    return false;
                }
                self.fuzzy_budget -= cost;
                if strsim::normalized_damerau_levenshtein(&key, candidate) >= FUZZY_THRESHOLD {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::{GuideNames, match_channels};
    use crate::lineup::{Channel, ChannelKey};

    fn channel(number: u32, name: &str, tvg_id: Option<&str>) -> Channel {
        Channel {
            number,
            key: ChannelKey(name.to_owned()),
            name: name.to_owned(),
            tvg_id: tvg_id.map(str::to_owned),
            tvg_name: None,
            logo: None,
            groups: Vec::new(),
            radio: false,
            guide_shift_minutes: 0,
            catchup: None,
            sources: Vec::new(),
        }
    }

    fn lineup() -> Lineup {
        Lineup {
            channels: vec![
                channel(1, "TF1", None),
                channel(2, "Arte", None),
                channel(3, "BBC One +1", None),
                channel(4, "Whatever", Some("Kika.de")),
                channel(5, "Discovery Chanel", None),
                channel(6, "Mine", None),
            ],
            guide_urls: Vec::new(),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn keeps_what_the_lineup_can_use() {
        let mut overrides = GuideOverrides::new();
        overrides.insert(ChannelKey("Mine".to_owned()), "Picked.by.hand".to_owned());
        let mut v = LineupFilter::new(&lineup(), &overrides).verdicts();
        assert!(v.declared("TF1.fr", &names(&["TF1 HD"])), "by name key");
        assert!(v.declared("Arte.fr", &[]), "by the id's stem");
        assert!(
            v.declared("BBCOne.uk", &names(&["BBC One"])),
            "the base of a +1 channel"
        );
        assert!(v.declared("kika.DE", &[]), "tvg-id, case folded");
        assert!(v.declared("Disc.us", &names(&["Discovery Channel"])), "fuzzy");
        assert!(v.declared("Picked.by.hand", &[]), "override");
        assert!(!v.declared("M6.fr", &names(&["M6"])));
        assert!(
            !v.declared("Mine.fr", &names(&["Mine"])),
            "an overridden channel does not match by name"
        );
        assert!(v.undeclared("tf1.fr"), "an undeclared id by its stem");
        assert!(!v.undeclared("M6.fr"));
        assert!(v.undeclared("DiscoveryChanel.us"), "the stem's name key, exactly");
        assert!(
            !v.undeclared("DiscovryChanel.us"),
            "no fuzzy matching for undeclared ids"
        );
    }

    /// Whatever `match_channels` picks, the filter keeps: it is a superset of the assignment.
    #[test]
    fn keeps_every_guide_channel_the_matching_picks() {
        let guide: Vec<(String, Vec<String>)> = [
            ("TF1.fr", vec!["TF1"]),
            ("Arte.fr", vec!["ARTE"]),
            ("BBCOne.uk", vec!["BBC One"]),
            ("Kika.de", vec!["KiKA"]),
            ("DiscoveryChannel.us", vec!["Discovery Channel"]),
            ("M6.fr", vec!["M6"]),
        ]
        .into_iter()
        .map(|(id, n)| (id.to_owned(), names(&n)))
        .collect();
        let table: Vec<GuideNames<'_>> = guide.iter().map(|(id, n)| GuideNames { id, names: n }).collect();
        let lineup = lineup();
        let picked = match_channels(&lineup.channels, &table, &GuideOverrides::new());
        assert!(picked.len() >= 5, "{picked:?}");
        let mut v = LineupFilter::new(&lineup, &GuideOverrides::new()).verdicts();
        for m in picked.values() {
            let names = &guide.iter().find(|(id, _)| *id == m.guide_id).unwrap().1;
            assert!(
                v.declared(&m.guide_id, names),
                "{} is picked but not kept",
                m.guide_id
            );
        }
    }

    #[test]
    fn undeclared_rejections_are_remembered_within_a_cap() {
        let mut v = LineupFilter::new(&lineup(), &GuideOverrides::new()).verdicts();
        for i in 0..MAX_GUIDE_CHANNELS + 10 {
            assert!(!v.undeclared(&format!("invented{i}.xx")));
        }
        assert_eq!(v.rejected.len(), MAX_GUIDE_CHANNELS);
    }

    #[test]
    fn the_fuzzy_budget_runs_out() {
        let mut v = LineupFilter::new(&lineup(), &GuideOverrides::new()).verdicts();
        v.fuzzy_budget = 0;
        assert!(
            !v.declared("Disc.us", &names(&["Discovery Channel"])),
            "no budget, no fuzzy match"
        );
        assert!(v.declared("TF1.fr", &[]), "exact checks do not need the budget");
    }
}
