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
//!
//! An operator's EIT barker carries *other* tables: events of services on other transport
//! streams, named by (original network, transport stream, service) ids that no playlist knows.
//! The overlay learns those ids from each tuned stream's own PAT and SDT (the player reports
//! them: [`LiveOverlay::learn_service`]), one service per channel, and routes later sections of
//! a known service to its channel wherever they arrive ([`LiveOverlay::apply_stream`]). A
//! stream need not carry EIT of its own for its channel to be found.

use super::UtcSeconds;
use super::details::{Details, Rating};
use super::query::{Listing, ListingOrigin};
use crate::lineup::ChannelKey;
use crate::mpegts::eit::{DvbService, EitEvent, EitSection, TABLE_PF_ACTUAL, TABLE_PF_OTHER, is_actual};
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
    /// The DVB service each tuned channel's stream turned out to carry, by service: at most one
    /// entry per channel, so bounded by the lineup.
    services: HashMap<DvbService, ChannelKey>,
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

    /// Remembers that the stream of channel `key` carries `service` (from its PAT and SDT), in
    /// place of what it carried before.
    pub fn learn_service(&mut self, key: &ChannelKey, service: DvbService) {
        self.services.retain(|_, k| k != key);
        self.services.insert(service, key.clone());
    }

    /// Takes the EIT sections the stream tuned for channel `tuned` carries. Its *actual*
    /// sections describe `tuned` when they are of the service its PAT and SDT named (else of
    /// the program the playlist names, else of the only service they describe); *other* tables,
    /// and actual ones of the multiplex's other services, go to the channels known to carry
    /// theirs, and are dropped when none is.
    pub fn apply_stream(&mut self, tuned: &ChannelKey, program: Option<u16>, sections: &[EitSection]) {
        let learned = self.services.iter().find_map(|(s, k)| (k == tuned).then_some(*s));
        let mut actual = sections
            .iter()
            .filter(|s| is_actual(s.table_id))
            .map(|s| s.service);
        let service = match (learned, program) {
            (Some(s), _) => Some(s),
            (None, Some(p)) => actual.find(|s| s.service_id == p),
            (None, None) => {
                let first = actual.next();
                first.filter(|f| actual.all(|s| s == *f))
            }
        };
        for section in sections {
            let target = match service {
                Some(s) if is_actual(section.table_id) && s == section.service => tuned.clone(),
                None if is_actual(section.table_id) => tuned.clone(),
                _ => match self.services.get(&section.service) {
                    Some(k) => k.clone(),
                    None => continue,
                },
            };
            self.apply_eit(&target, section);
        }
    }

    /// The lineup channel known to carry `service`, if a tuned stream showed it.
    pub fn channel_of(&self, service: &DvbService) -> Option<&ChannelKey> {
        self.services.get(service)
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
        self.services.retain(|_, key| keep(key));
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

    fn of_service(mut s: EitSection, service_id: u16) -> EitSection {
        s.service.service_id = service_id;
        s
    }

    #[test]
    fn other_tables_reach_the_channel_whose_stream_named_the_service() {
        let (one, two) = (ChannelKey("one".into()), ChannelKey("two".into()));
        let service = |id| DvbService {
            original_network_id: 1,
            transport_stream_id: 1,
            service_id: id,
        };
        let mut overlay = LiveOverlay::new();
        // Channel one's stream: a multiplex of services 101 and 102; its PAT and SDT say it
        // plays 101. Its actual sections of 101 describe it, those of 102 nobody.
        overlay.learn_service(&one, service(101));
        overlay.apply_stream(
            &one,
            None,
            &[
                of_service(section(TABLE_PF_ACTUAL, 0, vec![event(0, "One")]), 101),
                of_service(section(TABLE_PF_ACTUAL, 0, vec![event(0, "Sister")]), 102),
            ],
        );
        assert_eq!(
            overlay.channel(&one).unwrap().present.as_ref().unwrap().title,
            "One"
        );
        assert_eq!(overlay.channel_of(&service(101)), Some(&one));
        assert_eq!(overlay.channel_of(&service(102)), None, "no channel carries it");
        // Actual tables alone teach nothing: channel two's stream has EIT but named no service.
        overlay.apply_stream(
            &two,
            None,
            &[of_service(
                section(TABLE_PF_ACTUAL, 0, vec![event(0, "Two")]),
                201,
            )],
        );
        assert_eq!(
            overlay.channel(&two).unwrap().present.as_ref().unwrap().title,
            "Two",
            "its only service's actual table still describes it"
        );
        assert_eq!(overlay.channel_of(&service(201)), None);
        // Channel two's stream carries the operator's barker.
        overlay.learn_service(&two, service(201));
        overlay.apply_stream(
            &two,
            None,
            &[
                of_service(section(TABLE_PF_OTHER, 0, vec![event(0, "Barker")]), 101),
                of_service(section(TABLE_PF_OTHER, 0, vec![event(0, "Nobody")]), 999),
            ],
        );
        assert_eq!(
            overlay.channel(&one).unwrap().present.as_ref().unwrap().title,
            "Barker"
        );
        assert_eq!(overlay.channel_of(&service(201)), Some(&two));
        // A channel found to carry another service forgets the old one; a new lineup forgets
        // the channels it lost, services included.
        overlay.learn_service(&two, service(202));
        assert_eq!(overlay.channel_of(&service(201)), None);
        overlay.retain(|k| k == &two);
        assert_eq!(overlay.channel_of(&service(101)), None);
        assert_eq!(overlay.channel_of(&service(202)), Some(&two));
    }
}
