// SPDX-License-Identifier: GPL-3.0-or-later
//! What the live streams announce in their own DVB EIT, kept as an overlay over the XMLTV guide.
//!
//! ```text
//!  receiver --EitSection--> Event::Player(Eit) --> core: overlay.apply_eit(tuned channel, section)
//!                                                   queries: guide.with_live(&overlay).now_next(..)
//! ```
//!
//! The overlay belongs to whoever applies sections to it (the core); the loaded guide stays
//! read-only and may be shared with any number of readers, so a section never depends on who
//! else holds the guide. Bounded: a schedule keeps [`MAX_LIVE_SCHEDULE`] events per channel, and
//! channels are the lineup's (the owner forgets the others with [`LiveOverlay::retain`]). Pure.

use super::UtcSeconds;
use super::details::{Details, Rating};
use super::query::{Listing, ListingOrigin};
use crate::lineup::ChannelKey;
use crate::mpegts::eit::{EitEvent, EitSection, TABLE_PF_ACTUAL, TABLE_PF_OTHER};
use std::collections::HashMap;

/// EIT schedule events kept per channel.
pub const MAX_LIVE_SCHEDULE: usize = 4000;

/// A programme announced by the live stream (EIT), kept in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveProgramme {
    pub start: UtcSeconds,
    pub stop: UtcSeconds,
    pub title: String,
    pub details: Details,
}

impl LiveProgramme {
    /// The event as a guide programme; `None` without a start or a duration.
    pub fn from_eit(event: &EitEvent) -> Option<Self> {
        let start = event.start?;
        if event.duration_s == 0 {
            return None;
        }
        let text = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        let (sub_title, description) = match text(&event.extended_text) {
            Some(long) => (text(&event.short_text), Some(long)),
            None => (None, text(&event.short_text)),
        };
        let details = Details {
            sub_title,
            description,
            categories: event
                .content
                .iter()
                .filter_map(|&c| genre(c))
                .map(str::to_owned)
                .collect(),
            rating: event
                .parental
                .iter()
                .map(|(country, age)| Rating {
                    system: country.clone(),
                    value: age.to_string(),
                })
                .collect(),
            ..Details::default()
        };
        Some(Self {
            start,
            stop: start + i64::from(event.duration_s),
            title: event.title.clone(),
            details,
        })
    }

    pub(super) fn listing(&self) -> Listing<'_> {
        Listing {
            start: self.start,
            stop: self.stop,
            title: &self.title,
            origin: ListingOrigin::Live(&self.details),
        }
    }
}

/// The level-1 genre of a content descriptor byte (EN 300 468 Table 29).
pub fn genre(content: u8) -> Option<&'static str> {
    Some(match content >> 4 {
        0x1 => "Movie/Drama",
        0x2 => "News/Current affairs",
        0x3 => "Show/Game show",
        0x4 => "Sports",
        0x5 => "Children's/Youth",
        0x6 => "Music/Ballet/Dance",
        0x7 => "Arts/Culture",
        0x8 => "Social/Political issues/Economics",
        0x9 => "Education/Science/Factual",
        0xa => "Leisure hobbies",
        _ => return None,
    })
}

/// What one channel's stream announced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct LiveChannel {
    pub(super) present: Option<LiveProgramme>,
    pub(super) following: Option<LiveProgramme>,
    /// Sorted by start, non-overlapping.
    pub(super) schedule: Vec<LiveProgramme>,
}

/// The live streams' EIT per lineup channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveOverlay {
    channels: HashMap<ChannelKey, LiveChannel>,
}

impl LiveOverlay {
    /// An overlay with nothing announced yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes what the live stream of `key` announced in one EIT section: present/following
    /// replaces the previous ones, schedule events replace what they overlap.
    pub fn apply_eit(&mut self, key: &ChannelKey, section: &EitSection) {
        let live = self.channels.entry(key.clone()).or_default();
        let programmes = section.events.iter().filter_map(LiveProgramme::from_eit);
        if matches!(section.table_id, TABLE_PF_ACTUAL | TABLE_PF_OTHER) {
            let first = programmes.into_iter().next();
            match section.section_number {
                0 => live.present = first,
                1 => live.following = first,
                _ => {}
            }
            return;
        }
        for p in programmes {
            insert_scheduled(&mut live.schedule, p);
        }
    }

    /// Forgets scheduled programmes that ended at or before `before`.
    pub fn expire(&mut self, before: UtcSeconds) {
        for live in self.channels.values_mut() {
            live.schedule.retain(|p| p.stop > before);
        }
    }

    /// Keeps only the channels `keep` accepts (those of a new lineup).
    pub fn retain(&mut self, mut keep: impl FnMut(&ChannelKey) -> bool) {
        self.channels.retain(|key, _| keep(key));
    }

    /// No channel has announced anything.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    pub(super) fn channel(&self, key: &ChannelKey) -> Option<&LiveChannel> {
        self.channels.get(key)
    }

    pub(super) fn channels(&self) -> impl Iterator<Item = (&ChannelKey, &LiveChannel)> {
        self.channels.iter()
    }
}

/// Inserts `p` into a sorted, non-overlapping schedule, replacing what it overlaps.
fn insert_scheduled(schedule: &mut Vec<LiveProgramme>, p: LiveProgramme) {
    let begin = schedule.partition_point(|q| q.stop <= p.start);
    let end = begin + schedule[begin..].partition_point(|q| q.start < p.stop);
    schedule.splice(begin..end, [p]);
    if schedule.len() > MAX_LIVE_SCHEDULE {
        schedule.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::eit::DvbService;

    fn event(start: i64, title: &str) -> EitEvent {
        EitEvent {
            start: Some(start),
            duration_s: 600,
            title: title.into(),
            ..EitEvent::default()
        }
    }

    fn section(table_id: u8, section_number: u8, events: Vec<EitEvent>) -> EitSection {
        EitSection {
            service: DvbService {
                original_network_id: 1,
                transport_stream_id: 1,
                service_id: 1,
            },
            table_id,
            version: 0,
            section_number,
            events,
        }
    }

    #[test]
    fn schedule_events_replace_what_they_overlap_and_stay_bounded() {
        let key = ChannelKey("a".into());
        let mut overlay = LiveOverlay::new();
        overlay.apply_eit(&key, &section(0x50, 0, vec![event(0, "A"), event(600, "B")]));
        overlay.apply_eit(&key, &section(0x50, 1, vec![event(300, "C")]));
        let titles: Vec<&str> = overlay
            .channel(&key)
            .unwrap()
            .schedule
            .iter()
            .map(|p| p.title.as_str())
            .collect();
        assert_eq!(titles, ["C"], "C overlaps both");
        let many: Vec<EitEvent> = (0..MAX_LIVE_SCHEDULE as i64 + 10)
            .map(|i| event(10_000 + i * 600, "x"))
            .collect();
        overlay.apply_eit(&key, &section(0x50, 2, many));
        assert_eq!(overlay.channel(&key).unwrap().schedule.len(), MAX_LIVE_SCHEDULE);
        overlay.expire(i64::MAX);
        assert!(overlay.channel(&key).unwrap().schedule.is_empty());
        overlay.retain(|_| false);
        assert!(overlay.is_empty());
    }

    #[test]
    fn present_and_following_come_from_their_section_numbers() {
        let key = ChannelKey("a".into());
        let mut overlay = LiveOverlay::new();
        overlay.apply_eit(&key, &section(TABLE_PF_ACTUAL, 0, vec![event(0, "Now")]));
        overlay.apply_eit(&key, &section(TABLE_PF_ACTUAL, 1, vec![event(600, "Next")]));
        let live = overlay.channel(&key).unwrap();
        assert_eq!(live.present.as_ref().unwrap().title, "Now");
        assert_eq!(live.following.as_ref().unwrap().title, "Next");
        let undated = EitEvent {
            start: None,
            ..event(0, "?")
        };
        assert_eq!(LiveProgramme::from_eit(&undated), None);
    }
}
