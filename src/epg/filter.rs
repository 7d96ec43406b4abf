// SPDX-License-Identifier: GPL-3.0-or-later
//! What the ingest keeps: only guide channels some lineup channel matches (by the model's
//! matching, `crate::guide::match_channels`), so a 900-channel guide for a 40-channel lineup
//! costs the index 40 channels.

use super::xmltv::XmltvChannel;
use crate::guide::{GuideNames, GuideOverrides, match_channels};
use crate::lineup::{Channel, Lineup};
use std::collections::HashSet;
use std::sync::Arc;

/// The ingest's "keep only channels the lineup can use", shareable and cheap to clone.
#[derive(Debug, Clone)]
pub struct LineupFilter {
    inner: Arc<(Vec<Channel>, GuideOverrides)>,
}

impl LineupFilter {
    /// A filter for `lineup` with the viewer's `overrides`.
    pub fn new(lineup: &Lineup, overrides: &GuideOverrides) -> Self {
        Self {
            inner: Arc::new((lineup.channels.clone(), overrides.clone())),
        }
    }

    /// The ids among `guide` that some lineup channel matches (or an override names).
    pub fn keep(&self, guide: &[XmltvChannel]) -> HashSet<String> {
        let (channels, overrides) = &*self.inner;
        let names: Vec<GuideNames<'_>> = guide
            .iter()
            .map(|c| GuideNames {
                id: &c.id,
                names: &c.names,
            })
            .collect();
        let ids: HashSet<&str> = guide.iter().map(|c| c.id.as_str()).collect();
        match_channels(channels, &names, overrides)
            .into_values()
            .map(|m| m.guide_id)
            .filter(|id| ids.contains(id.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineup::ChannelKey;

    fn channel(number: u32, name: &str) -> Channel {
        Channel {
            number,
            key: ChannelKey(name.to_owned()),
            name: name.to_owned(),
            tvg_id: None,
            tvg_name: None,
            logo: None,
            groups: Vec::new(),
            radio: false,
            guide_shift_minutes: 0,
            catchup: None,
            sources: Vec::new(),
        }
    }

    fn xmltv(id: &str, name: &str) -> XmltvChannel {
        XmltvChannel {
            id: id.to_owned(),
            names: vec![name.to_owned()],
            icon: None,
        }
    }

    #[test]
    fn keeps_the_matched_guide_ids_only() {
        let lineup = Lineup {
            channels: vec![channel(1, "TF1"), channel(2, "Arte")],
            guide_urls: Vec::new(),
        };
        let filter = LineupFilter::new(&lineup, &GuideOverrides::new());
        let guide = [
            xmltv("TF1.fr", "TF1"),
            xmltv("Arte.fr", "ARTE"),
            xmltv("M6.fr", "M6"),
        ];
        let mut kept: Vec<String> = filter.keep(&guide).into_iter().collect();
        kept.sort();
        assert_eq!(kept, vec!["Arte.fr".to_owned(), "TF1.fr".to_owned()]);
    }
}
