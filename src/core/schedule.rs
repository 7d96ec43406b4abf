// SPDX-License-Identifier: GPL-3.0-or-later
//! The recording schedule, pure: what the viewer asked to record (rules), and what that means on
//! the clock (planned recordings with their margins), checked against the stream budget.
//!
//! A rule is what the viewer said, not a list of times, because the guide changes under it:
//! - [`Rule::Once`]: this airing (REC on live, or on a future programme in the guide);
//! - [`Rule::Series`]: every airing of the same title on this channel (IPTV guides seldom carry
//!   series ids, so the title is the link, compared without case and surrounding blanks);
//! - [`Rule::Weekly`]: this channel at this local weekday and time every week, for guides that
//!   have no usable titles; kept in local civil time so it stays at 20:15 across daylight saving.
//!
//! [`Schedule::plan`] turns the rules into [`Planned`] recordings over a horizon with the margins
//! (default 2 min before, 10 min after: the spread of Tvheadend's, Enigma2's and TiVo's defaults
//! is wide, so they are settings). Two rules that want overlapping stretches of one channel
//! become one recording: one tap, one file. [`conflicts`] says where more channels would be
//! joined at once than the stream budget allows (the live channel counts unless it is one being
//! recorded, since its recording reads the tap the picture reads); recordings win over pre-joined
//! channels, so hot channels are not counted.
//!
//! REC pressed again on a programme that is already scheduled offers the choices of
//! [`RecChoice`]; [`Schedule::choose`] replaces whatever rule covered that programme with the
//! choice, so the dialog never piles up rules. REC on live starts from the programme's start
//! minus the margin as far as the timeshift window still holds it, else from now
//! ([`live_start`]).
//!
//! Hostile input: the schedule file is the box's own, but it is read back after power cuts and
//! edits; [`Schedule::from_json`] caps the rules and drops the ones that make no sense (a stop
//! before its start, a zero-length week slot) instead of failing the whole file.

use crate::guide::UtcSeconds;
use crate::lineup::ChannelKey;
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// Most rules a schedule holds (a remote cannot make more in a lifetime; a bad file can).
pub const MAX_RULES: usize = 1000;
/// Most recordings one plan lists (a series of a news channel's hourly bulletin over a week).
pub const MAX_PLANNED: usize = 2000;
/// How far ahead recordings are planned: the guide rarely reaches further.
pub const HORIZON_S: i64 = 14 * 86_400;
/// REC on live without a guide records this long from now.
pub const WITHOUT_GUIDE_S: i64 = 3600;
const WEEK_S: i64 = 7 * 86_400;

/// Seconds recorded before a programme's start and after its end (`recordings.margin_before_s`,
/// `recordings.margin_after_s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Margins {
    pub before_s: u32,
    pub after_s: u32,
}

impl Default for Margins {
    fn default() -> Self {
        Self {
            before_s: 120,
            after_s: 600,
        }
    }
}

/// What the viewer asked to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// One airing: the programme's own times (margins are added when planned).
    Once {
        channel: ChannelKey,
        title: String,
        start: UtcSeconds,
        stop: UtcSeconds,
    },
    /// Every airing of `title` on `channel`.
    Series { channel: ChannelKey, title: String },
    /// Every week on `weekday` (ISO: 1 Monday … 7 Sunday) at `minute` of the day (local civil
    /// time) for `duration_s`.
    Weekly {
        channel: ChannelKey,
        title: String,
        weekday: u8,
        minute: u16,
        duration_s: u32,
    },
}

impl Rule {
    fn channel(&self) -> &ChannelKey {
        match self {
            Rule::Once { channel, .. } | Rule::Series { channel, .. } | Rule::Weekly { channel, .. } => {
                channel
            }
        }
    }

    fn sane(&self) -> bool {
        match self {
            Rule::Once { start, stop, .. } => start < stop && stop - start <= 86_400,
            Rule::Series { title, .. } => !title.trim().is_empty(),
            Rule::Weekly {
                weekday,
                minute,
                duration_s,
                ..
            } => (1..=7).contains(weekday) && *minute < 1440 && (1..=86_400).contains(duration_s),
        }
    }
}

/// What the second REC on a scheduled programme offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecChoice {
    ThisEpisode,
    /// Same title on this channel.
    EveryEpisode,
    /// Same weekday and local time on this channel.
    EveryWeek,
    /// Record nothing of it (removes the rule that covered it).
    Cancel,
}

/// One airing in the guide (or the stretch REC on live asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Airing {
    pub channel: ChannelKey,
    pub title: String,
    pub start: UtcSeconds,
    pub stop: UtcSeconds,
}

/// A recording on the clock: from `start` to `stop` (margins included) of `channel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub channel: ChannelKey,
    pub title: String,
    pub start: UtcSeconds,
    pub stop: UtcSeconds,
}

/// The saved schedule (`schedule.json` beside the state file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub rules: Vec<Rule>,
}

impl Schedule {
    /// The schedule in a file's bytes: at most [`MAX_RULES`] rules, senseless ones dropped (their
    /// count is returned for a warning). Bytes that are no schedule at all are an error.
    pub fn from_json(bytes: &[u8]) -> Result<(Self, usize), serde_json::Error> {
        #[derive(Deserialize)]
        struct Loose {
            #[serde(default)]
            rules: Vec<serde_json::Value>,
        }
        let loose: Loose = serde_json::from_slice(bytes)?;
        let total = loose.rules.len();
        let rules: Vec<Rule> = loose
            .rules
            .into_iter()
            .filter_map(|v| serde_json::from_value::<Rule>(v).ok())
            .filter(Rule::sane)
            .take(MAX_RULES)
            .collect();
        let dropped = total - rules.len();
        Ok((Self { rules }, dropped))
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Whether a rule covers this airing.
    pub fn covers(&self, airing: &Airing, tz: &TimeZone) -> bool {
        self.rules.iter().any(|r| matches(r, airing, tz))
    }

    /// REC on an airing: schedules it once when nothing covers it yet (true), else leaves the
    /// schedule as it is (false: the caller offers [`RecChoice`]). At most [`MAX_RULES`].
    pub fn record(&mut self, airing: &Airing, tz: &TimeZone) -> bool {
        if self.covers(airing, tz) || self.rules.len() >= MAX_RULES {
            return false;
        }
        self.rules.push(once(airing));
        true
    }

    /// The dialog's answer for `airing`: every rule that covered it is replaced by the choice.
    pub fn choose(&mut self, airing: &Airing, choice: RecChoice, tz: &TimeZone) {
        self.rules.retain(|r| !matches(r, airing, tz));
        let rule = match choice {
            RecChoice::Cancel => return,
            RecChoice::ThisEpisode => once(airing),
            RecChoice::EveryEpisode => Rule::Series {
                channel: airing.channel.clone(),
                title: airing.title.trim().to_string(),
            },
            RecChoice::EveryWeek => {
                let local = Timestamp::from_second(airing.start)
                    .unwrap_or_default()
                    .to_zoned(tz.clone());
                Rule::Weekly {
                    channel: airing.channel.clone(),
                    title: airing.title.clone(),
                    weekday: local.weekday().to_monday_one_offset() as u8,
                    minute: local.hour() as u16 * 60 + local.minute() as u16,
                    duration_s: (airing.stop - airing.start).clamp(1, 86_400) as u32,
                }
            }
        };
        self.rules.push(rule);
    }

    /// Drops `Once` rules whose recording (with margins) is over.
    pub fn prune(&mut self, now: UtcSeconds, margins: Margins) {
        self.rules.retain(|r| match r {
            Rule::Once { stop, .. } => stop + i64::from(margins.after_s) > now,
            _ => true,
        });
    }

    /// The recordings from `now` to `now + HORIZON_S`, in start order, margins added, overlapping
    /// recordings of one channel merged. `airings(channel, from, to)` lists the guide's airings.
    pub fn plan(
        &self,
        now: UtcSeconds,
        margins: Margins,
        tz: &TimeZone,
        airings: &dyn Fn(&ChannelKey, UtcSeconds, UtcSeconds) -> Vec<Airing>,
    ) -> Vec<Planned> {
        let horizon = now + HORIZON_S;
        let (before, after) = (i64::from(margins.before_s), i64::from(margins.after_s));
        let mut out: Vec<Planned> = Vec::new();
        let mut add = |channel: &ChannelKey, title: &str, start: i64, stop: i64| {
            if stop + after > now && start - before < horizon && out.len() < MAX_PLANNED {
                out.push(Planned {
                    channel: channel.clone(),
                    title: title.to_string(),
                    start: start - before,
                    stop: stop + after,
                });
            }
        };
        for rule in &self.rules {
            match rule {
                Rule::Once {
                    channel,
                    title,
                    start,
                    stop,
                } => add(channel, title, *start, *stop),
                Rule::Series { channel, title } => {
                    for a in airings(channel, now - after, horizon) {
                        if same_title(&a.title, title) {
                            add(channel, &a.title, a.start, a.stop);
                        }
                    }
                }
                Rule::Weekly {
                    channel,
                    title,
                    weekday,
                    minute,
                    duration_s,
                } => {
                    let from = now - i64::from(*duration_s) - after;
                    for start in weekly_starts(*weekday, *minute, tz, from, horizon) {
                        add(channel, title, start, start + i64::from(*duration_s));
                    }
                }
            }
        }
        merge(out)
    }
}

/// Where REC on live starts: the programme's start minus the margin as far as the timeshift
/// window (its oldest second, if any) still holds it, else now.
pub fn live_start(
    programme_start: UtcSeconds,
    margins: Margins,
    window_oldest: Option<UtcSeconds>,
    now: UtcSeconds,
) -> UtcSeconds {
    let wanted = programme_start - i64::from(margins.before_s);
    match window_oldest {
        Some(oldest) if oldest < now => wanted.max(oldest).min(now),
        _ => now,
    }
}

/// Intervals where the recordings plus the live channel need more streams than `max_streams`:
/// `(from, to, streams)`. Each recording is one stream; the live channel one more unless it is
/// being recorded at that time.
pub fn conflicts(
    planned: &[Planned],
    live: Option<&ChannelKey>,
    max_streams: u32,
) -> Vec<(UtcSeconds, UtcSeconds, u32)> {
    let mut edges: Vec<UtcSeconds> = planned.iter().flat_map(|p| [p.start, p.stop]).collect();
    edges.sort_unstable();
    edges.dedup();
    let mut out: Vec<(UtcSeconds, UtcSeconds, u32)> = Vec::new();
    // Sweep: the recordings active in each stretch between edges (the plan is bounded by
    // MAX_PLANNED, and a stretch only looks at recordings that started before it ends).
    let mut by_start: Vec<&Planned> = planned.iter().collect();
    by_start.sort_by_key(|p| p.start);
    let mut active: Vec<&Planned> = Vec::new();
    let mut next = 0;
    for pair in edges.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        active.retain(|p| p.stop > from);
        while next < by_start.len() && by_start[next].start <= from {
            if by_start[next].stop > from {
                active.push(by_start[next]);
            }
            next += 1;
        }
        let mut channels: Vec<&ChannelKey> = active.iter().map(|p| &p.channel).collect();
        channels.sort();
        channels.dedup();
        let live_extra = live.is_some_and(|l| !channels.contains(&l));
        let streams = channels.len() as u32 + u32::from(live_extra);
        if streams > max_streams {
            match out.last_mut() {
                Some(last) if last.1 == from && last.2 == streams => last.1 = to,
                _ => out.push((from, to, streams)),
            }
        }
    }
    out
}

/// Whether `candidate` (a recording with its margins) could be added to `planned` instead of
/// `replaced` (the ask that caused a conflict, whose planned recordings are taken out) without
/// needing more than `max_streams` at any moment of it: an alternative offered for a conflict
/// must not clash with another scheduled recording, nor exceed the budget itself. A candidate
/// on a channel that records anyway then costs no stream.
pub fn fits(
    planned: &[Planned],
    replaced: &Airing,
    candidate: &Planned,
    live: Option<&ChannelKey>,
    max_streams: u32,
) -> bool {
    let mut trial: Vec<Planned> = planned
        .iter()
        .filter(|p| !(p.channel == replaced.channel && p.start < replaced.stop && replaced.start < p.stop))
        .cloned()
        .collect();
    trial.push(candidate.clone());
    conflicts(&trial, live, max_streams)
        .iter()
        .all(|(from, to, _)| !(*from < candidate.stop && candidate.start < *to))
}

fn once(airing: &Airing) -> Rule {
    Rule::Once {
        channel: airing.channel.clone(),
        title: airing.title.clone(),
        start: airing.start,
        stop: airing.stop,
    }
}

fn same_title(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn matches(rule: &Rule, airing: &Airing, tz: &TimeZone) -> bool {
    if rule.channel() != &airing.channel {
        return false;
    }
    match rule {
        Rule::Once { start, stop, .. } => *start < airing.stop && airing.start < *stop,
        Rule::Series { title, .. } => same_title(title, &airing.title),
        Rule::Weekly { weekday, minute, .. } => {
            let local = Timestamp::from_second(airing.start)
                .unwrap_or_default()
                .to_zoned(tz.clone());
            local.weekday().to_monday_one_offset() as u8 == *weekday
                && local.hour() as u16 * 60 + local.minute() as u16 == *minute
        }
    }
}

/// Starts of a weekly slot in `[from, to)`, each the local civil time in `tz` (so a daylight
/// saving change keeps the wall-clock time; a time skipped by the change is taken as the
/// compatible later instant).
fn weekly_starts(
    weekday: u8,
    minute: u16,
    tz: &TimeZone,
    from: UtcSeconds,
    to: UtcSeconds,
) -> Vec<UtcSeconds> {
    let Ok(first) = Timestamp::from_second(from) else {
        return Vec::new();
    };
    let Ok(time) = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0) else {
        return Vec::new();
    };
    let day = first.to_zoned(tz.clone()).date();
    let ahead = i64::from(weekday) - i64::from(day.weekday().to_monday_one_offset());
    let mut out = Vec::new();
    for week in -1..=(HORIZON_S / WEEK_S + 1) {
        let Ok(date) = day.checked_add(jiff::Span::new().days(ahead.rem_euclid(7) + week * 7)) else {
            continue;
        };
        let Ok(at) = date.to_datetime(time).to_zoned(tz.clone()) else {
            continue;
        };
        let s = at.timestamp().as_second();
        if s >= from && s < to {
            out.push(s);
        }
    }
    out
}

/// Overlapping or touching recordings of one channel become one; the result in start order.
fn merge(mut planned: Vec<Planned>) -> Vec<Planned> {
    planned.sort_by(|a, b| (&a.channel, a.start).cmp(&(&b.channel, b.start)));
    let mut out: Vec<Planned> = Vec::with_capacity(planned.len());
    for p in planned {
        match out.last_mut() {
            Some(last) if last.channel == p.channel && p.start <= last.stop => {
                last.stop = last.stop.max(p.stop);
                // Bounded: a merged title stops growing at 200 bytes.
                if last.title.len() < 200 && !last.title.split(" + ").any(|t| t == p.title) {
                    last.title = format!("{} + {}", last.title, p.title);
                }
            }
            _ => out.push(p),
        }
    }
    out.sort_by(|a, b| (a.start, &a.channel).cmp(&(b.start, &b.channel)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(channel: &str, start: UtcSeconds, stop: UtcSeconds) -> Planned {
        Planned {
            channel: ChannelKey(channel.into()),
            title: channel.into(),
            start,
            stop,
        }
    }

    #[test]
    fn an_alternative_fits_only_where_the_budget_has_room() {
        // Live on A; B records 100-200 (the ask that conflicts), C records 500-600.
        let live = ChannelKey("A".into());
        let plan = [planned("B", 100, 200), planned("C", 500, 600)];
        let replaced = Airing {
            channel: ChannelKey("B".into()),
            title: "B".into(),
            start: 100,
            stop: 200,
        };
        // Two streams: the live one and one recording.
        let fits = |c: &Planned| super::fits(&plan, &replaced, c, Some(&live), 2);
        assert!(!fits(&planned("D", 550, 650)), "D beside C and live needs three");
        assert!(fits(&planned("D", 300, 400)), "nothing else then");
        assert!(fits(&planned("D", 150, 250)), "the ask it replaces is taken out");
        assert!(fits(&planned("C", 550, 650)), "C records anyway: no extra stream");
        assert!(
            fits(&planned("A", 550, 650)),
            "the live channel costs no extra stream"
        );
        assert!(!fits(&planned("D", 599, 700)), "one second of overlap is a clash");
        assert!(fits(&planned("D", 600, 700)), "back to back is not");
    }
}
