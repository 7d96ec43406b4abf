// SPDX-License-Identifier: GPL-3.0-or-later
//! Core scenarios for catch-up: the guide marks what the archive holds, OK on a past programme
//! plays it from the archive URL the channel's template makes, and every key in archive mode
//! (pause, play, skips, the end of an archive piece rolling into the next programme, STOP and
//! BACK to live, a zap away), at the template's granularity.

mod common;

use common::Shell;
use zapbox::core::{
    Action, Effect, Event, GuideHandle, PlayerCommand, PlayerError, PlayerEvent, ProgrammeView, SavedState,
    ScreenView, StartAt,
};
use zapbox::demo::showcase;
use zapbox::lineup::{Catchup, CatchupDays, CatchupMode, ChannelKey, SourceKind};

/// 2026-11-22 20:00 UTC.
const EVENING_S: i64 = 1_795_377_600;
/// Channel 1's archive template: Unix seconds and a duration (1 s granularity).
const SECONDS: &str = "http://archive.example/1/{utc}-{duration}.ts";
/// A template that names only minutes (60 s granularity), Xtream Codes style.
const MINUTES: &str = "http://archive.example/1/{Y}-{m}-{d}:{H}-{M}/{duration:60}.ts";

/// A started shell on the showcase lineup (channel 1 with a one-day archive made by
/// `template`) and its guide, at 20:00 plus `plus_s`, watching channel 1 live.
fn shell(template: &str, plus_s: i64) -> (Shell, GuideHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lineup = showcase::lineup(4);
    lineup.channels[0].catchup = Some(Catchup {
        mode: CatchupMode::Default,
        source: Some(template.into()),
        days: CatchupDays::Days(1),
        correction_s: 0,
        template: template.into(),
    });
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let mut shell = Shell::new(lineup, SavedState::default());
    shell.now_ms = (EVENING_S + plus_s) as u64 * 1000;
    shell.send(Event::GuideLoaded(guide.clone()));
    shell.send(Event::Started);
    shell.first_frame();
    shell.log.clear();
    (shell, guide, dir)
}

fn channel1(shell: &Shell) -> ChannelKey {
    shell.core.lineup().channels[0].key.clone()
}

/// The programmes of `key` that ended in the hour before `now_s`, and the one on at `now_s`.
fn programmes(guide: &GuideHandle, key: &ChannelKey, now_s: i64) -> (Vec<ProgrammeView>, ProgrammeView) {
    let all = guide.window(key, now_s - 3 * 3600, now_s + 1);
    let on = all
        .iter()
        .find(|p| p.start_s <= now_s && now_s < p.stop_s)
        .cloned();
    let past = all.into_iter().filter(|p| p.stop_s <= now_s).collect();
    (past, on.expect("a programme is on"))
}

/// The URL and source kind of the only `Play` among `effects`, with its start.
fn play_of(effects: &[Effect]) -> Option<(String, SourceKind, StartAt)> {
    let plays: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::Play { source, start, .. }) => {
                Some((source.url.clone(), source.kind, *start))
            }
            _ => None,
        })
        .collect();
    assert!(plays.len() <= 1, "one Play per key: {plays:?}");
    plays.into_iter().next()
}

fn archive_url(start_s: i64, duration_s: i64) -> String {
    format!("http://archive.example/1/{start_s}-{duration_s}.ts")
}

/// Opens the guide on channel 1 and focuses the programme `back` before the one on now.
fn focus_past(shell: &mut Shell, back: usize) {
    shell.press(Action::Guide);
    for _ in 0..back {
        shell.press(Action::Left);
    }
}

/// OK in the guide on the programme before the one on now; returns that programme.
fn watch_previous(shell: &mut Shell, guide: &GuideHandle) -> ProgrammeView {
    let now_s = shell.now().utc_ms / 1000;
    let (past, _) = programmes(guide, &channel1(shell), now_s);
    let previous = past.last().expect("a past programme").clone();
    focus_past(shell, 1);
    let fx = shell.press(Action::Ok);
    let (url, kind, start) = play_of(&fx).expect("OK plays");
    assert_eq!(
        url,
        archive_url(previous.start_s, previous.stop_s - previous.start_s),
        "the archive URL for the programme's start and length"
    );
    assert_eq!((kind, start), (SourceKind::Http, StartAt::Live));
    previous
}

#[test]
fn the_guide_marks_what_the_archive_holds() {
    let (mut shell, guide, _dir) = shell(SECONDS, 0);
    let now_s = EVENING_S;
    shell.press(Action::Guide);
    let ScreenView::Guide(grid) = shell.view().screen else {
        panic!("the guide is open")
    };
    // The grid starts at 20:00: go back a column to see the past.
    assert!(
        grid.rows.iter().all(|r| r.cells.iter().all(|c| !c.archive)),
        "nothing aired in the window yet"
    );
    shell.press(Action::Left);
    let ScreenView::Guide(grid) = shell.view().screen else {
        panic!("the guide is open")
    };
    let key1 = channel1(&shell);
    let (past, _) = programmes(&guide, &key1, now_s);
    for row in &grid.rows {
        for cell in row.cells.iter().filter(|c| c.programme.is_some()) {
            let p = cell.programme.as_ref().unwrap();
            let expected = row.channel.key == key1 && p.stop_s <= now_s;
            assert_eq!(cell.archive, expected, "{} {p:?}", row.channel.key.0);
        }
    }
    assert!(
        grid.rows[0].cells.iter().any(|c| c.archive),
        "a past programme of channel 1 is in view and marked: {past:?}"
    );
}

#[test]
fn ok_on_a_past_programme_plays_it_from_the_archive_on_the_bar() {
    let (mut shell, guide, _dir) = shell(SECONDS, 600);
    let previous = watch_previous(&mut shell, &guide);
    let view = shell.view();
    assert_eq!(view.screen, ScreenView::Live, "the guide closes");
    let bar = view.timeshift.expect("the bar is shown");
    assert!(bar.archive && bar.bar_visible && !bar.paused);
    assert_eq!(bar.programme.as_ref(), Some(&previous));
    assert_eq!(bar.position_utc_ms, previous.start_s * 1000);
    assert_eq!(bar.live_utc_ms, shell.now().utc_ms);
    assert_eq!(
        bar.behind_live_ms as i64,
        shell.now().utc_ms - previous.start_s * 1000
    );
    // The position runs from the first frame on.
    shell.advance(3_000);
    assert_eq!(
        shell.view().timeshift.unwrap().position_utc_ms,
        previous.start_s * 1000
    );
    shell.first_frame();
    shell.advance(7_000);
    let bar = shell.view().timeshift.unwrap();
    assert_eq!(bar.position_utc_ms, previous.start_s * 1000 + 7_000);
    assert!(!bar.bar_visible, "the bar hides after the banner time");
    assert!(
        bar.archive,
        "still in the archive: the chip says how far behind live"
    );
}

#[test]
fn ok_on_the_programme_on_air_or_on_a_channel_without_archive_plays_live() {
    let (mut shell, _guide, _dir) = shell(SECONDS, 600);
    shell.press(Action::Guide);
    assert_eq!(
        play_of(&shell.press(Action::Ok)),
        None,
        "the channel already plays live"
    );
    assert_eq!(shell.view().timeshift, None);
    shell.press(Action::Guide);
    shell.press(Action::Down);
    shell.press(Action::Left);
    let (url, kind, _) = play_of(&shell.press(Action::Ok)).expect("channel 2 plays");
    assert_eq!(
        kind,
        SourceKind::Multicast,
        "channel 2 has no archive: live ({url})"
    );
    assert_eq!(shell.view().timeshift, None);
}

#[test]
fn pause_and_play_ask_the_archive_from_where_it_paused() {
    let (mut shell, guide, _dir) = shell(SECONDS, 600);
    let p = watch_previous(&mut shell, &guide);
    shell.first_frame();
    shell.advance(12_000);
    let fx = shell.press(Action::Pause);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Player(PlayerCommand::Pause { .. })))
    );
    assert_eq!(play_of(&fx), None);
    shell.advance(30_000);
    let bar = shell.view().timeshift.unwrap();
    assert!(bar.paused && bar.bar_visible, "the bar stays while paused");
    assert_eq!(
        bar.position_utc_ms,
        (p.start_s + 12) * 1000,
        "the position stands"
    );
    let (url, _, _) = play_of(&shell.press(Action::Play)).expect("PLAY asks again");
    assert_eq!(url, archive_url(p.start_s + 12, p.stop_s - p.start_s - 12));
    assert!(!shell.view().timeshift.unwrap().paused);
    // PLAYPAUSE toggles the same way.
    shell.first_frame();
    shell.advance(1_000);
    shell.press(Action::PlayPause);
    let (url, _, _) = play_of(&shell.press(Action::PlayPause)).expect("PLAYPAUSE resumes");
    assert_eq!(url, archive_url(p.start_s + 13, p.stop_s - p.start_s - 13));
}

#[test]
fn skips_make_new_urls_at_one_second() {
    let (mut shell, guide, _dir) = shell(SECONDS, 600);
    let p = watch_previous(&mut shell, &guide);
    shell.first_frame();
    shell.advance(100_000);
    assert!(!shell.view().timeshift.unwrap().bar_visible);
    assert_eq!(
        play_of(&shell.press(Action::Left)),
        None,
        "LEFT first shows the bar"
    );
    assert!(shell.view().timeshift.unwrap().bar_visible);
    let (url, _, _) = play_of(&shell.press(Action::Left)).expect("LEFT skips back");
    assert_eq!(url, archive_url(p.start_s + 90, p.stop_s - p.start_s - 90));
    let at = p.start_s + 90;
    assert_eq!(shell.view().timeshift.unwrap().position_utc_ms, at * 1000);
    let (url, _, _) = play_of(&shell.press(Action::Right)).expect("RIGHT skips on");
    assert_eq!(url, archive_url(at + 30, p.stop_s - at - 30));
    let (url, _, _) = play_of(&shell.press(Action::Digit(3))).expect("3: a minute on");
    assert_eq!(url, archive_url(at + 90, p.stop_s - at - 90));
    let (url, _, _) = play_of(&shell.press(Action::Digit(1))).expect("1: a minute back");
    assert_eq!(url, archive_url(at + 30, p.stop_s - at - 30));
}

#[test]
fn a_minute_template_seeks_by_whole_minutes() {
    let (mut shell, guide, _dir) = shell(MINUTES, 600);
    let now_s = shell.now().utc_ms / 1000;
    let (past, _) = programmes(&guide, &channel1(&shell), now_s);
    let p = past.last().unwrap().clone();
    focus_past(&mut shell, 1);
    let (url, _, _) = play_of(&shell.press(Action::Ok)).expect("OK plays");
    let minutes = |start_s: i64, stop_s: i64| {
        let t = jiff::Timestamp::from_second(start_s)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);
        format!(
            "http://archive.example/1/{}/{}.ts",
            t.strftime("%Y-%m-%d:%H-%M"),
            (stop_s - start_s) / 60
        )
    };
    assert_eq!(url, minutes(p.start_s, p.stop_s));
    shell.first_frame();
    shell.advance(150_000);
    // 2:30 in, 10 s back is 2:20: the archive is asked from 2:00, and the bar says so.
    shell.press(Action::Left);
    let (url, _, _) = play_of(&shell.press(Action::Left)).expect("LEFT skips back");
    assert_eq!(url, minutes(p.start_s + 120, p.stop_s));
    assert_eq!(
        shell.view().timeshift.unwrap().position_utc_ms,
        (p.start_s + 120) * 1000
    );
}

#[test]
fn the_end_of_a_piece_rolls_into_the_next_programme() {
    let (mut shell, guide, _dir) = shell(SECONDS, 3 * 3600 - 600);
    let now_s = shell.now().utc_ms / 1000;
    let (past, _) = programmes(&guide, &channel1(&shell), now_s);
    let (p, next) = (past[past.len() - 2].clone(), past[past.len() - 1].clone());
    focus_past(&mut shell, 2);
    let (url, _, _) = play_of(&shell.press(Action::Ok)).expect("OK plays");
    assert_eq!(url, archive_url(p.start_s, p.stop_s - p.start_s));
    shell.first_frame();
    let length_ms = (p.stop_s - p.start_s) as u64 * 1000;
    shell.advance(length_ms);
    // The archive stream ends with the programme: the player reports it as a failure.
    let request = shell.last_request();
    let ended = PlayerError {
        kind: zapbox::core::ErrorKind::Network,
        detail: "the stream ended".into(),
    };
    let fx = shell.send(Event::Player(PlayerEvent::Failed {
        request,
        error: ended,
    }));
    let (url, _, _) = play_of(&fx).expect("the next programme is asked at once");
    assert_eq!(url, archive_url(next.start_s, next.stop_s - next.start_s));
    let bar = shell.view().timeshift.unwrap();
    assert_eq!(
        bar.programme.as_ref(),
        Some(&next),
        "the bar spans the next programme"
    );
    assert_eq!(bar.position_utc_ms, next.start_s * 1000);
}

#[test]
fn a_failure_before_the_first_frame_retries_the_archive() {
    let (mut shell, guide, _dir) = shell(SECONDS, 600);
    let p = watch_previous(&mut shell, &guide);
    let request = shell.last_request();
    let error = PlayerError {
        kind: zapbox::core::ErrorKind::Network,
        detail: "connection refused".into(),
    };
    let fx = shell.send(Event::Player(PlayerEvent::Failed { request, error }));
    assert_eq!(play_of(&fx), None, "not at once: the usual retry delay");
    let fx = shell.advance(5_000);
    let (url, kind, _) = play_of(&fx).expect("the retry asks the archive again");
    assert_eq!(
        (url, kind),
        (archive_url(p.start_s, p.stop_s - p.start_s), SourceKind::Http)
    );
}

#[test]
fn stop_and_back_return_to_live() {
    for key in [Action::Stop, Action::Back] {
        let (mut shell, guide, _dir) = shell(SECONDS, 600);
        watch_previous(&mut shell, &guide);
        shell.first_frame();
        let (_, kind, start) = play_of(&shell.press(key)).expect("live plays");
        assert_eq!((kind, start), (SourceKind::Multicast, StartAt::Live), "{key:?}");
        assert_eq!(shell.view().timeshift, None);
    }
}

#[test]
fn a_skip_to_the_live_edge_plays_live() {
    // 23:31:05: the 15-minute programme from 23:15 is over, 23:30's is on.
    let (mut shell, guide, _dir) = shell(SECONDS, 3 * 3600 + 1800 + 65);
    let now_s = shell.now().utc_ms / 1000;
    let (past, on) = programmes(&guide, &channel1(&shell), now_s);
    assert_eq!(on.start_s, EVENING_S + 3 * 3600 + 1800, "{on:?}");
    let p = past.last().unwrap().clone();
    assert_eq!(p.stop_s - p.start_s, 900, "{p:?}");
    focus_past(&mut shell, 1);
    shell.press(Action::Ok);
    shell.first_frame();
    let (url, _, _) = play_of(&shell.press(Action::Digit(9))).expect("9: ten minutes on");
    assert_eq!(url, archive_url(p.start_s + 600, 300));
    shell.first_frame();
    // Another ten minutes is past the live edge.
    let (_, kind, start) = play_of(&shell.press(Action::Digit(9))).expect("9 again plays live");
    assert_eq!((kind, start), (SourceKind::Multicast, StartAt::Live));
    assert_eq!(shell.view().timeshift, None);
}

#[test]
fn a_zap_leaves_the_archive() {
    let (mut shell, guide, _dir) = shell(SECONDS, 600);
    watch_previous(&mut shell, &guide);
    shell.first_frame();
    shell.advance(10_000);
    let (_, kind, start) = play_of(&shell.press(Action::ChannelUp)).expect("channel 2 plays");
    assert_eq!((kind, start), (SourceKind::Multicast, StartAt::Live));
    assert_eq!(shell.view().timeshift, None);
}

#[test]
fn a_programme_older_than_the_archive_is_not_offered() {
    // 19:00 the next day: the one-day archive reaches back to 19:00 today.
    let (mut shell, guide, _dir) = shell(SECONDS, 23 * 3600);
    let now_s = shell.now().utc_ms / 1000;
    let oldest = now_s - 86_400;
    shell.press(Action::Guide);
    shell.press(Action::Rewind);
    let ScreenView::Guide(grid) = shell.view().screen else {
        panic!("the guide is open")
    };
    let key1 = channel1(&shell);
    let row = grid
        .rows
        .iter()
        .find(|r| r.channel.key == key1)
        .expect("channel 1's row");
    let mut seen = (false, false);
    for cell in &row.cells {
        let Some(p) = &cell.programme else { continue };
        let kept = p.start_s >= oldest && p.stop_s <= now_s;
        assert_eq!(cell.archive, kept, "{p:?}");
        if kept { seen.0 = true } else { seen.1 = true }
    }
    assert_eq!(
        seen,
        (true, true),
        "both kinds in view: {:?}",
        guide.window(&key1, grid.from_s, grid.to_s)
    );
}

#[test]
fn green_watches_the_programme_on_air_from_its_start() {
    let (mut shell, guide, _dir) = shell(SECONDS, 600);
    let now_s = shell.now().utc_ms / 1000;
    let (_, on) = programmes(&guide, &channel1(&shell), now_s);
    assert!(shell.view().watch_from_start, "the banner offers it");
    let (url, kind, _) = play_of(&shell.press(Action::Green)).expect("GREEN plays");
    assert_eq!(
        (url, kind),
        (archive_url(on.start_s, on.stop_s - on.start_s), SourceKind::Http)
    );
    let bar = shell.view().timeshift.expect("the bar");
    assert!(bar.archive);
    assert_eq!(bar.programme.as_ref(), Some(&on));
    assert_eq!(bar.position_utc_ms, on.start_s * 1000);
    // GREEN again, a while in: back to the start of the programme at the picture's time.
    shell.first_frame();
    shell.advance(60_000);
    let (url, _, _) = play_of(&shell.press(Action::Green)).expect("GREEN again");
    assert_eq!(url, archive_url(on.start_s, on.stop_s - on.start_s));
    // A channel without an archive offers nothing and GREEN does nothing there.
    shell.press(Action::ChannelUp);
    shell.first_frame();
    assert!(!shell.view().watch_from_start);
    assert_eq!(play_of(&shell.press(Action::Green)), None);
}

#[test]
fn rewinding_past_the_window_continues_in_the_archive() {
    let (mut shell, _guide, _dir) = shell(SECONDS, 600);
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Buffered {
        request,
        buffered_ms: 120_000,
    }));
    shell.press(Action::Pause);
    shell.advance(30_000);
    // Inside the window: the local buffer.
    let (_, kind, start) = play_of(&shell.press(Action::Left)).expect("LEFT skips back");
    assert_eq!(
        (kind, start),
        (SourceKind::Multicast, StartAt::BehindLive { ms: 40_000 })
    );
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Started {
        request,
        path: zapbox::core::ZapPath::Hot,
        behind_live_ms: Some(40_000),
    }));
    shell.first_frame();
    // 5 minutes back is past the window's 2 minutes: the archive takes over at that time.
    let now_s = shell.now().utc_ms / 1000;
    let (url, kind, _) = play_of(&shell.press(Action::Digit(4))).expect("4 skips back 5 min");
    assert_eq!(kind, SourceKind::Http, "{url}");
    let start = now_s - 40 - 300;
    assert!(
        url.starts_with(&format!("http://archive.example/1/{start}-")),
        "{url}"
    );
    let bar = shell.view().timeshift.expect("the bar");
    assert!(bar.archive);
    assert_eq!(bar.position_utc_ms, start * 1000);
}

#[test]
fn without_an_archive_the_window_tail_is_as_far_as_it_goes() {
    let (mut shell, _guide, _dir) = shell(SECONDS, 600);
    shell.press(Action::ChannelUp);
    shell.first_frame();
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Buffered {
        request,
        buffered_ms: 120_000,
    }));
    shell.press(Action::Pause);
    let (_, kind, start) = play_of(&shell.press(Action::Digit(4))).expect("4 skips back");
    assert_eq!(kind, SourceKind::Multicast);
    assert_eq!(
        start,
        StartAt::BehindLive {
            ms: 120_000 - zapbox::core::TAIL_MARGIN_MS
        }
    );
}

#[test]
fn rewind_reaching_the_window_tail_continues_in_the_archive() {
    let (mut shell, _guide, _dir) = shell(SECONDS, 600);
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Buffered {
        request,
        buffered_ms: 120_000,
    }));
    let (_, kind, start) = play_of(&shell.press(Action::Rewind)).expect("REWIND plays back");
    assert_eq!(kind, SourceKind::Multicast);
    assert!(matches!(start, StartAt::Trick { ms: 0, .. }), "{start:?}");
    let now_s = shell.now().utc_ms / 1000;
    let request = shell.last_request();
    let fx = shell.send(Event::Player(PlayerEvent::TrickPosition {
        request,
        behind_live_ms: 119_000,
        edge: Some(zapbox::core::WindowEdge::Tail),
    }));
    let (url, kind, _) = play_of(&fx).expect("the archive takes over at the tail");
    assert_eq!(kind, SourceKind::Http, "{url}");
    assert!(
        url.starts_with(&format!("http://archive.example/1/{}-", now_s - 119)),
        "{url}"
    );
    let bar = shell.view().timeshift.expect("the bar");
    assert!(bar.archive && bar.trick.is_none());
}

/// A `vod` template: the guide programme's `catchup-id` names the episode.
const VOD: &str = "http://vod.example/2/{catchup-id}.ts";

/// As [`shell`], with a one-day `vod` archive on channels 1 and 2; the showcase guide gives
/// channel 2's programmes a `catchup-id` (`ep-<start>`) and channel 1's none.
fn vod_shell(plus_s: i64) -> (Shell, GuideHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lineup = showcase::lineup(4);
    for c in &mut lineup.channels[..2] {
        c.catchup = Some(Catchup {
            mode: CatchupMode::Vod,
            source: Some(VOD.into()),
            days: CatchupDays::Days(1),
            correction_s: 0,
            template: VOD.into(),
        });
    }
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let mut shell = Shell::new(lineup, SavedState::default());
    shell.now_ms = (EVENING_S + plus_s) as u64 * 1000;
    shell.send(Event::GuideLoaded(guide.clone()));
    shell.send(Event::Started);
    shell.first_frame();
    shell.log.clear();
    (shell, guide, dir)
}

#[test]
fn a_vod_archive_plays_guide_programmes_by_their_catchup_id() {
    // One programme back (the next one is on air: live follows it) and two (the next one has
    // aired too: its episode follows).
    for left in [1, 2] {
        vod_episodes(left);
    }
}

fn vod_episodes(left: usize) {
    let (mut shell, guide, _dir) = vod_shell(2 * 3600 + 600);
    let now_s = shell.now().utc_ms / 1000;
    let (key1, key2) = (channel1(&shell), shell.core.lineup().channels[1].key.clone());
    // The guide marks channel 2's aired programmes (they have ids), not channel 1's (none).
    shell.press(Action::Guide);
    shell.press(Action::Left);
    let ScreenView::Guide(grid) = shell.view().screen else {
        panic!("the guide is open")
    };
    for row in &grid.rows {
        for cell in &row.cells {
            let Some(q) = &cell.programme else { continue };
            let expected = row.channel.key == key2 && q.stop_s <= now_s;
            assert_eq!(cell.archive, expected, "{} {q:?}", row.channel.key.0);
        }
    }
    assert!(grid.rows.iter().any(|r| r.channel.key == key1));
    // Channel 2, a past programme: OK asks for its episode.
    shell.press(Action::Down);
    for _ in 0..left {
        shell.press(Action::Left);
    }
    let ScreenView::Guide(grid) = shell.view().screen else {
        panic!("the guide is open")
    };
    let p = grid.focused.expect("a programme is focused");
    assert!(p.stop_s < now_s - 120, "{p:?} has aired");
    let next = guide.window(&key2, p.stop_s, p.stop_s + 1)[0].clone();
    let (url, kind, start) = play_of(&shell.press(Action::Ok)).expect("OK plays the episode");
    assert_eq!(url, format!("http://vod.example/2/ep-{}.ts", p.start_s));
    assert_eq!((kind, start), (SourceKind::Http, StartAt::Live));
    let bar = shell.view().timeshift.expect("the bar is shown");
    assert!(bar.archive);
    assert_eq!(bar.programme.as_ref(), Some(&p));
    assert_eq!(bar.position_utc_ms, p.start_s * 1000);
    shell.first_frame();
    shell.advance(60_000);
    // No skipping inside a whole-programme archive: a notice, no new request.
    shell.press(Action::Info);
    for key in [Action::Left, Action::Right, Action::Digit(4)] {
        assert_eq!(play_of(&shell.press(key)), None, "{key:?}");
        assert!(shell.view().notice.is_some(), "{key:?} is told");
    }
    assert_eq!(
        shell.view().timeshift.unwrap().position_utc_ms,
        (p.start_s + 60) * 1000
    );
    // PAUSE holds the position; PLAY resumes the paused request where it stands.
    let fx = shell.press(Action::Pause);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Player(PlayerCommand::Pause { .. })))
    );
    shell.advance(20_000);
    let fx = shell.press(Action::Play);
    assert_eq!(play_of(&fx), None, "the episode is not asked again");
    let request = shell.last_request();
    assert!(fx.contains(&Effect::Player(PlayerCommand::Resume { request })));
    shell.advance(5_000);
    let bar = shell.view().timeshift.unwrap();
    assert!(!bar.paused);
    assert_eq!(bar.position_utc_ms, (p.start_s + 65) * 1000);
    // The episode ends (a little before the guide's stop): the next one follows from its start.
    shell.advance((p.stop_s - p.start_s - 66) as u64 * 1000);
    let ended = PlayerError {
        kind: zapbox::core::ErrorKind::Network,
        detail: "the stream ended".into(),
    };
    let fx = shell.send(Event::Player(PlayerEvent::Failed {
        request,
        error: ended,
    }));
    let (url, _, _) = play_of(&fx).expect("the next episode is asked at once");
    let now_s = shell.now().utc_ms / 1000;
    if next.stop_s <= now_s {
        assert_eq!(url, format!("http://vod.example/2/ep-{}.ts", next.start_s));
        assert_eq!(shell.view().timeshift.unwrap().programme.as_ref(), Some(&next));
    } else {
        assert_eq!(url, "udp://@239.255.0.2:5000", "{next:?} is on air: live");
        assert_eq!(shell.view().timeshift, None);
    }
}

#[test]
fn a_vod_programme_without_catchup_id_is_not_played_from_the_archive() {
    let (mut shell, guide, _dir) = vod_shell(2 * 3600 + 600);
    let now_s = shell.now().utc_ms / 1000;
    let (past, _) = programmes(&guide, &channel1(&shell), now_s);
    assert!(!past.is_empty());
    focus_past(&mut shell, 1);
    let fx = shell.press(Action::Ok);
    if let Some((url, _, _)) = play_of(&fx) {
        assert!(
            !url.contains("vod.example"),
            "no archive URL without an id: {url}"
        );
    }
    assert!(shell.view().timeshift.is_none_or(|t| !t.archive));
}
