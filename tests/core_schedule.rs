// SPDX-License-Identifier: GPL-3.0-or-later
//! The recording schedule (pure): REC on a programme, the second REC's choices (this episode,
//! every episode, every week, cancel), margins, merging, daylight saving for weekly slots,
//! conflicts with the stream budget, REC on live against the timeshift window, and the file
//! read back after a power cut or an edit.

use jiff::tz::TimeZone;
use zapbox::core::schedule::{
    Airing, HORIZON_S, MAX_RULES, Margins, Planned, RecChoice, Rule, Schedule, conflicts, live_start,
};
use zapbox::lineup::ChannelKey;

fn key(k: &str) -> ChannelKey {
    ChannelKey(k.into())
}

fn utc(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_second()
}

fn airing(channel: &str, title: &str, start: &str, minutes: i64) -> Airing {
    let start = utc(start);
    Airing {
        channel: key(channel),
        title: title.into(),
        start,
        stop: start + minutes * 60,
    }
}

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("tzdata")
}

/// A guide: "Tatort" every Sunday 20:15 Berlin time on channel "one", news daily at 20:00.
fn guide(channel: &ChannelKey, from: i64, to: i64) -> Vec<Airing> {
    let mut out = Vec::new();
    if channel.0 != "one" {
        return out;
    }
    let tz = berlin();
    let mut day = jiff::Timestamp::from_second(from)
        .unwrap()
        .to_zoned(tz.clone())
        .date();
    loop {
        let news = day
            .at(20, 0, 0, 0)
            .to_zoned(tz.clone())
            .unwrap()
            .timestamp()
            .as_second();
        if news >= to {
            return out;
        }
        if news + 900 > from {
            out.push(Airing {
                channel: channel.clone(),
                title: "News".into(),
                start: news,
                stop: news + 900,
            });
        }
        if day.weekday() == jiff::civil::Weekday::Sunday {
            out.push(Airing {
                channel: channel.clone(),
                title: " tatort ".into(),
                start: news + 900,
                stop: news + 900 + 90 * 60,
            });
        }
        day = day.tomorrow().unwrap();
    }
}

#[test]
fn rec_on_a_programme_records_it_once_with_the_default_margins() {
    let tz = berlin();
    let mut s = Schedule::default();
    let film = airing("one", "Tatort", "2026-12-06T19:15:00Z", 90);
    assert!(s.record(&film, &tz));
    let plan = s.plan(utc("2026-12-06T12:00:00Z"), Margins::default(), &tz, &guide);
    assert_eq!(
        plan,
        [Planned {
            channel: key("one"),
            title: "Tatort".into(),
            start: utc("2026-12-06T19:13:00Z"),
            stop: utc("2026-12-06T20:55:00Z"),
        }]
    );
    // Configured margins.
    let plan = s.plan(
        utc("2026-12-06T12:00:00Z"),
        Margins {
            before_s: 0,
            after_s: 60,
        },
        &tz,
        &guide,
    );
    assert_eq!((plan[0].start, plan[0].stop), (film.start, film.stop + 60));
    // The second REC does not add a rule: the caller offers the choices.
    assert!(!s.record(&film, &tz));
    assert_eq!(s.rules.len(), 1);
}

#[test]
fn every_episode_is_the_same_title_on_this_channel() {
    let tz = berlin();
    let mut s = Schedule::default();
    let film = airing("one", "Tatort", "2026-12-06T19:15:00Z", 90);
    s.record(&film, &tz);
    s.choose(&film, RecChoice::EveryEpisode, &tz);
    assert_eq!(
        s.rules,
        [Rule::Series {
            channel: key("one"),
            title: "Tatort".into()
        }]
    );
    let now = utc("2026-12-06T12:00:00Z");
    let plan = s.plan(now, Margins::default(), &tz, &guide);
    // Sundays within the 14-day horizon (to Dec 20, 12:00): Dec 6 and 13; never the news.
    let starts: Vec<i64> = plan.iter().map(|p| p.start).collect();
    assert_eq!(starts, [utc("2026-12-06T19:13:00Z"), utc("2026-12-13T19:13:00Z")]);
    assert!(
        plan.iter()
            .all(|p| p.stop - p.start == 90 * 60 + 720 && p.start < now + HORIZON_S)
    );
    // Every airing is now covered: a further REC on one of them opens the choices again.
    assert!(s.covers(&airing("one", "TATORT", "2026-12-13T19:15:00Z", 90), &tz));
    assert!(!s.covers(&airing("two", "Tatort", "2026-12-13T19:15:00Z", 90), &tz));
}

#[test]
fn every_week_keeps_the_local_time_across_the_end_of_daylight_saving() {
    let tz = berlin();
    let mut s = Schedule::default();
    // Sunday 18 October 2026, 20:15 CEST (18:15 UTC); daylight saving ends on 25 October.
    let slot = airing("two", "Film", "2026-10-18T18:15:00Z", 90);
    s.choose(&slot, RecChoice::EveryWeek, &tz);
    assert_eq!(
        s.rules,
        [Rule::Weekly {
            channel: key("two"),
            title: "Film".into(),
            weekday: 7,
            minute: 20 * 60 + 15,
            duration_s: 5400
        }]
    );
    let plan = s.plan(
        utc("2026-10-18T12:00:00Z"),
        Margins {
            before_s: 0,
            after_s: 0,
        },
        &tz,
        &guide,
    );
    let starts: Vec<i64> = plan.iter().map(|p| p.start).collect();
    // 20:15 CEST, then 20:15 CET; Nov 1 is past the 14-day horizon.
    assert_eq!(starts, [utc("2026-10-18T18:15:00Z"), utc("2026-10-25T19:15:00Z")]);
}

#[test]
fn this_episode_and_cancel_replace_what_covered_the_programme() {
    let tz = berlin();
    let mut s = Schedule::default();
    let film = airing("one", "Tatort", "2026-12-13T19:15:00Z", 90);
    s.choose(&film, RecChoice::EveryEpisode, &tz);
    s.record(&airing("two", "Other", "2026-12-13T19:00:00Z", 30), &tz);
    s.choose(&film, RecChoice::ThisEpisode, &tz);
    assert_eq!(s.rules.len(), 2);
    assert!(s.rules.iter().all(|r| matches!(r, Rule::Once { .. })));
    s.choose(&film, RecChoice::Cancel, &tz);
    assert_eq!(s.rules.len(), 1);
    assert!(!s.covers(&film, &tz));
}

#[test]
fn back_to_back_recordings_of_one_channel_are_one_recording() {
    let tz = berlin();
    let mut s = Schedule::default();
    s.record(&airing("one", "News", "2026-12-06T19:00:00Z", 15), &tz);
    s.record(&airing("one", "Tatort", "2026-12-06T19:15:00Z", 90), &tz);
    s.record(&airing("two", "Late", "2026-12-06T19:15:00Z", 30), &tz);
    let plan = s.plan(utc("2026-12-06T12:00:00Z"), Margins::default(), &tz, &guide);
    assert_eq!(plan.len(), 2);
    assert_eq!(plan[0].channel, key("one"));
    assert_eq!(plan[0].title, "News + Tatort");
    assert_eq!(
        (plan[0].start, plan[0].stop),
        (utc("2026-12-06T18:58:00Z"), utc("2026-12-06T20:55:00Z"))
    );
    // Ended recordings leave the plan and, for single airings, the schedule.
    let later = utc("2026-12-06T21:00:00Z");
    assert!(s.plan(later, Margins::default(), &tz, &guide).is_empty());
    s.prune(later, Margins::default());
    assert!(s.rules.is_empty());
}

#[test]
fn conflicts_count_the_live_channel_unless_it_is_recorded() {
    let p = |c: &str, a: &str, b: &str| Planned {
        channel: key(c),
        title: c.into(),
        start: utc(a),
        stop: utc(b),
    };
    let plan = [
        p("one", "2026-12-06T19:00:00Z", "2026-12-06T21:00:00Z"),
        p("two", "2026-12-06T20:00:00Z", "2026-12-06T20:30:00Z"),
        p("three", "2026-12-06T20:15:00Z", "2026-12-06T22:00:00Z"),
    ];
    // Budget 3: the three recordings fit, the live channel "four" makes four from 20:15 to 20:30.
    assert_eq!(
        conflicts(&plan, Some(&key("four")), 3),
        [(utc("2026-12-06T20:15:00Z"), utc("2026-12-06T20:30:00Z"), 4)]
    );
    // Watching a channel being recorded costs nothing more.
    assert!(conflicts(&plan, Some(&key("two")), 3).is_empty());
    // Budget 2, nothing live: 20:00-20:15 two, 20:15-20:30 three, 20:30 on two.
    assert_eq!(
        conflicts(&plan, None, 2),
        [(utc("2026-12-06T20:15:00Z"), utc("2026-12-06T20:30:00Z"), 3)]
    );
}

#[test]
fn rec_on_live_starts_as_far_back_as_the_window_holds() {
    let m = Margins::default();
    let start = utc("2026-12-06T20:15:00Z");
    let now = start + 600;
    // The window holds the programme's start and the margin.
    assert_eq!(live_start(start, m, Some(start - 900), now), start - 120);
    // The window holds only part of it.
    assert_eq!(live_start(start, m, Some(start + 300), now), start + 300);
    // No window (an OTT channel): from now.
    assert_eq!(live_start(start, m, None, now), now);
}

#[test]
fn the_schedule_file_survives_a_round_trip_and_bad_rules() {
    let tz = berlin();
    let mut s = Schedule::default();
    s.record(&airing("one", "Tatort", "2026-12-06T19:15:00Z", 90), &tz);
    s.choose(
        &airing("two", "Film", "2026-10-18T18:15:00Z", 90),
        RecChoice::EveryWeek,
        &tz,
    );
    s.choose(
        &airing("one", "News", "2026-12-06T19:00:00Z", 15),
        RecChoice::EveryEpisode,
        &tz,
    );
    let (back, dropped) = Schedule::from_json(&s.to_json()).unwrap();
    assert_eq!((back, dropped), (s.clone(), 0));
    // A rule that makes no sense, an unknown kind and a weekday 9 are dropped, the rest kept.
    let edited = br#"{"rules":[
        {"kind":"once","channel":"one","title":"x","start":100,"stop":50},
        {"kind":"daily","channel":"one"},
        {"kind":"weekly","channel":"one","title":"y","weekday":9,"minute":0,"duration_s":60},
        {"kind":"series","channel":"one","title":"News"}]}"#;
    let (back, dropped) = Schedule::from_json(edited).unwrap();
    assert_eq!(dropped, 3);
    assert_eq!(back.rules.len(), 1);
    assert!(Schedule::from_json(b"\x00not json").is_err());
    // At most MAX_RULES.
    let many = serde_json::json!({"rules": (0..MAX_RULES + 10).map(|i| serde_json::json!(
        {"kind":"series","channel":"one","title":format!("t{i}")})).collect::<Vec<_>>()});
    let (back, dropped) = Schedule::from_json(many.to_string().as_bytes()).unwrap();
    assert_eq!((back.rules.len(), dropped), (MAX_RULES, 10));
    let mut full = back;
    assert!(!full.record(&airing("one", "new", "2026-12-06T19:15:00Z", 10), &tz));
}
