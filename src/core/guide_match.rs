// SPDX-License-Identifier: GPL-3.0-or-later
//! "Guide for this channel" in the menu: when automatic matching picked the wrong guide channel
//! (or none), the viewer picks one from the closest names. The choice is saved in the state file
//! and wins over every automatic match.

use super::menu::{MenuItem, MenuLine, MenuValue};
use super::{Core, Effect};
use crate::guide::name_key;

/// Candidates the page offers.
pub const GUIDE_CANDIDATES: usize = 8;

/// One guide channel offered for the current channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    /// Name similarity, 0..=1.
    pub score: f64,
}

impl Core {
    /// Guide channels whose names are closest to the current channel's, best first.
    pub fn guide_candidates(&self) -> Vec<Candidate> {
        let (Some(guide), Some(channel)) = (
            self.guide.as_ref(),
            self.tune.as_ref().and_then(|t| self.lineup.by_key(&t.channel)),
        ) else {
            return Vec::new();
        };
        let wanted = name_key(&channel.name);
        let mut found: Vec<Candidate> = guide
            .0
            .index()
            .channels()
            .iter()
            .map(|c| {
                let score = c
                    .names
                    .iter()
                    .map(|n| strsim::normalized_levenshtein(&wanted, &name_key(n)))
                    .fold(0.0, f64::max);
                Candidate {
                    id: c.id.clone(),
                    name: c.names.first().cloned().unwrap_or_else(|| c.id.clone()),
                    score,
                }
            })
            .collect();
        found.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        found.truncate(GUIDE_CANDIDATES);
        found
    }

    /// The page: automatic matching first, then the candidates; the one in force is marked.
    pub(super) fn guide_match_items(&self) -> Vec<MenuLine> {
        let current = self
            .tune
            .as_ref()
            .and_then(|t| self.saved.guide_overrides.get(&t.channel));
        let mut items = vec![MenuLine::new(
            MenuItem::GuideAuto,
            MenuValue::Text(if current.is_none() {
                "✓".into()
            } else {
                String::new()
            }),
        )];
        items.extend(self.guide_candidates().into_iter().map(|c| MenuLine {
            item: MenuItem::GuideCandidate,
            value: MenuValue::Text(format!(
                "{}{} ({}) {:.0}%",
                if current == Some(&c.id) { "✓ " } else { "" },
                c.name,
                c.id,
                c.score * 100.0
            )),
        }));
        items
    }

    /// OK on item `index` of the page: 0 removes the override, others set it.
    pub(super) fn choose_guide(&mut self, index: usize, fx: &mut Vec<Effect>) {
        let Some(key) = self.tune.as_ref().map(|t| t.channel.clone()) else {
            return;
        };
        match index
            .checked_sub(1)
            .and_then(|i| self.guide_candidates().into_iter().nth(i))
        {
            Some(candidate) => self.saved.guide_overrides.insert(key, candidate.id),
            None => self.saved.guide_overrides.remove(&key),
        };
        fx.push(Effect::RebuildGuide {
            overrides: self.saved.guide_overrides.clone(),
        });
        fx.push(Effect::SaveState(Box::new(self.saved.clone())));
    }
}
