// SPDX-License-Identifier: GPL-3.0-or-later
//! Core scenarios for the recorder inside the app: REC on live (the programme on air, from its
//! start minus the margin), REC on a future programme in the guide, the second REC's dialog
//! (this episode, every episode, every week, cancel; BACK leaves it unchanged), planning only
//! after the shell resumed what a restart interrupted, a stopped recording not started again,
//! the stream budget (recordings win over pre-joined channels; conflicts told), and the
//! schedule saved on every change.

mod common;

use common::Shell;
use zapbox::core::schedule::{Margins, Rule, Schedule};
use zapbox::core::{
    Action, Effect, Event, GuideHandle, HotSettings, Notice, PlayerCommand, RecorderCommand, RecorderEvent,
    RecordingOutcome, RecordingSettings, ResumedRecording, SavedState, Settings,
};
use zapbox::demo::showcase;
use zapbox::lineup::ChannelKey;

/// 2026-11-22 20:00 UTC.
const EVENING_S: i64 = 1_795_377_600;

fn settings(enabled: bool) -> Settings {
    Settings {
        recordings: RecordingSettings {
            enabled,
            margins: Margins::default(),
        },
        ..Settings::default()
    }
}

/// A started shell on the showcase lineup with its guide, at 20:00 plus `plus_s`, watching
/// channel 1, the recorder's resume answered (nothing was interrupted).
fn shell_with(settings: Settings, plus_s: i64) -> (Shell, GuideHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let lineup = showcase::lineup(6);
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let mut shell = Shell::with_settings_and_state(lineup, settings, SavedState::default());
    shell.now_ms = (EVENING_S + plus_s) as u64 * 1000;
    shell.send(Event::GuideLoaded(guide.clone()));
    let fx = shell.send(Event::Started);
    let resume = fx
        .iter()
        .any(|e| matches!(e, Effect::Recorder(RecorderCommand::Resume)));
    assert_eq!(
        resume,
        shell.core.settings().recordings.enabled,
        "the recorder resumes first when recordings are on: {fx:?}"
    );
    shell.first_frame();
    if resume {
        shell.send(Event::Recorder(RecorderEvent::Resumed { running: vec![] }));
    }
    shell.log.clear();
    (shell, guide, dir)
}

fn shell(plus_s: i64) -> (Shell, GuideHandle, tempfile::TempDir) {
    shell_with(settings(true), plus_s)
}

fn channel(shell: &Shell, index: usize) -> ChannelKey {
    shell.core.lineup().channels[index].key.clone()
}

fn starts(effects: &[Effect]) -> Vec<(u64, ChannelKey, String, i64, u64)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Recorder(RecorderCommand::Start {
                id,
                channel,
                title,
                until_s,
                behind_s,
                ..
            }) => Some((*id, channel.clone(), title.clone(), *until_s, *behind_s)),
            _ => None,
        })
        .collect()
}

fn stops(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Recorder(RecorderCommand::Stop { id }) => Some(*id),
            _ => None,
        })
        .collect()
}

fn saved(effects: &[Effect]) -> Option<Schedule> {
    effects.iter().rev().find_map(|e| match e {
        Effect::SaveSchedule(s) => Some(s.clone()),
        _ => None,
    })
}

fn on_air(guide: &GuideHandle, key: &ChannelKey, now_s: i64) -> zapbox::core::ProgrammeView {
    guide.now_next(key, now_s).0.expect("a programme is on")
}

#[test]
fn rec_on_live_records_the_programme_on_air_from_its_start_minus_the_margin() {
    let (mut shell, guide, _dir) = shell(20 * 60);
    let now_s = EVENING_S + 20 * 60;
    let one = channel(&shell, 0);
    let programme = on_air(&guide, &one, now_s);
    let fx = shell.press(Action::Record);
    let schedule = saved(&fx).expect("the schedule is saved");
    assert_eq!(
        schedule.rules,
        vec![Rule::Once {
            channel: one.clone(),
            title: programme.title.clone(),
            start: programme.start_s,
            stop: programme.stop_s,
        }]
    );
    let started = starts(&fx);
    assert_eq!(started.len(), 1, "one recording starts: {fx:?}");
    let (_, channel, title, until_s, behind_s) = &started[0];
    assert_eq!((channel, title), (&one, &programme.title));
    assert_eq!(*until_s, programme.stop_s + 600, "until the end plus 10 min");
    assert_eq!(
        *behind_s as i64,
        now_s - (programme.start_s - 120),
        "from the start minus 2 min, as far as the window holds it (the tap clamps)"
    );
    let view = shell.view();
    assert!(view.recording, "the banner's REC mark");
    assert_eq!(view.recordings_running, 1);
    assert_eq!(
        view.notice,
        Some(Notice::RecordingStarted(programme.title.clone()))
    );
    // The plan is looked at again later: the running recording is not started twice.
    let later = shell.advance(120_000);
    assert!(starts(&later).is_empty(), "{later:?}");
}

#[test]
fn without_a_recordings_folder_rec_says_so_and_does_nothing() {
    let (mut shell, _guide, _dir) = shell_with(settings(false), 0);
    let fx = shell.press(Action::Record);
    assert!(saved(&fx).is_none() && starts(&fx).is_empty(), "{fx:?}");
    assert!(matches!(shell.view().notice, Some(Notice::CannotRecord(_))));
}

#[test]
fn rec_on_a_future_programme_in_the_guide_schedules_it_and_it_starts_on_time() {
    let (mut shell, guide, _dir) = shell(0);
    let one = channel(&shell, 0);
    shell.press(Action::Guide);
    shell.press(Action::Right);
    shell.press(Action::Right);
    let next = guide
        .window(&one, EVENING_S, EVENING_S + 4 * 3600)
        .into_iter()
        .filter(|p| p.start_s > EVENING_S)
        .nth(1)
        .expect("two programmes ahead");
    let fx = shell.press(Action::Record);
    assert!(starts(&fx).is_empty(), "not yet: {fx:?}");
    let schedule = saved(&fx).expect("saved");
    assert!(
        matches!(&schedule.rules[..], [Rule::Once { start, title, .. }] if *start == next.start_s && *title == next.title),
        "{schedule:?} for {next:?}"
    );
    assert_eq!(
        shell.view().notice,
        Some(Notice::RecordingScheduled(next.title.clone()))
    );
    // Just before its start minus the margin nothing starts; at it, the recording does.
    let lead_ms = ((next.start_s - 120 - EVENING_S) * 1000) as u64;
    let fx = shell.advance(lead_ms - 1000);
    assert!(starts(&fx).is_empty(), "{fx:?}");
    let fx = shell.advance(1000);
    let started = starts(&fx);
    assert_eq!(started.len(), 1, "{fx:?}");
    let (id, channel, _, until_s, behind_s) = started[0].clone();
    assert_eq!((channel, until_s, behind_s), (one.clone(), next.stop_s + 600, 0));
    // It ends; the plan does not start it again, and the finished rule is dropped.
    shell.now_ms = ((next.stop_s + 600) * 1000) as u64;
    let fx = shell.send(Event::Recorder(RecorderEvent::Ended {
        id,
        outcome: RecordingOutcome::Complete,
    }));
    assert!(starts(&fx).is_empty(), "{fx:?}");
    assert_eq!(
        saved(&fx).map(|s| s.rules.len()),
        Some(0),
        "the finished rule goes"
    );
    assert!(!shell.view().recording);
}

#[test]
fn rec_on_an_aired_programme_in_the_guide_is_refused() {
    let (mut shell, _guide, _dir) = shell(0);
    shell.press(Action::Guide);
    shell.press(Action::Left);
    let fx = shell.press(Action::Record);
    assert!(saved(&fx).is_none(), "{fx:?}");
    assert_eq!(shell.view().notice, Some(Notice::RecordingAired));
}

#[test]
fn the_second_rec_offers_every_episode_and_replaces_the_rule() {
    let (mut shell, guide, _dir) = shell(0);
    let one = channel(&shell, 0);
    let programme = on_air(&guide, &one, EVENING_S);
    shell.press(Action::Record);
    let fx = shell.press(Action::Record);
    assert!(saved(&fx).is_none() && starts(&fx).is_empty(), "{fx:?}");
    let dialog = shell.view().rec_dialog.expect("the dialog is open");
    assert_eq!(
        (dialog.title.as_str(), dialog.focus),
        (programme.title.as_str(), 0)
    );
    // Keys go to the dialog: DOWN moves, UP wraps.
    shell.press(Action::Down);
    shell.press(Action::Down);
    shell.press(Action::Up);
    assert_eq!(shell.view().rec_dialog.map(|d| d.focus), Some(1));
    let fx = shell.press(Action::Ok);
    assert!(shell.view().rec_dialog.is_none());
    let schedule = saved(&fx).expect("saved");
    assert_eq!(
        schedule.rules,
        vec![Rule::Series {
            channel: one.clone(),
            title: programme.title.trim().to_string(),
        }]
    );
    // The recording running goes on: the series covers it.
    assert!(stops(&fx).is_empty() && starts(&fx).is_empty(), "{fx:?}");
    assert_eq!(
        shell.view().notice,
        Some(Notice::RecordingSeries(programme.title))
    );
}

#[test]
fn every_week_at_this_time_is_a_weekly_rule() {
    let (mut shell, guide, _dir) = shell(0);
    let one = channel(&shell, 0);
    let programme = on_air(&guide, &one, EVENING_S);
    shell.press(Action::Record);
    shell.press(Action::Record);
    shell.press(Action::Down);
    shell.press(Action::Down);
    let fx = shell.press(Action::Ok);
    let schedule = saved(&fx).expect("saved");
    assert!(
        matches!(&schedule.rules[..], [Rule::Weekly { channel, weekday: 7, duration_s, .. }]
            if *channel == one && i64::from(*duration_s) == programme.stop_s - programme.start_s),
        "{schedule:?}"
    );
}

#[test]
fn cancel_in_the_dialog_stops_the_recording_and_back_leaves_it_alone() {
    let (mut shell, _guide, _dir) = shell(60);
    let fx = shell.press(Action::Record);
    let (id, ..) = starts(&fx)[0].clone();
    shell.press(Action::Record);
    let fx = shell.press(Action::Back);
    assert!(shell.view().rec_dialog.is_none());
    assert!(
        saved(&fx).is_none() && stops(&fx).is_empty(),
        "BACK changes nothing: {fx:?}"
    );
    shell.press(Action::Record);
    for _ in 0..3 {
        shell.press(Action::Down);
    }
    let fx = shell.press(Action::Ok);
    assert_eq!(stops(&fx), vec![id], "{fx:?}");
    assert_eq!(saved(&fx).map(|s| s.rules.len()), Some(0));
    assert!(matches!(shell.view().notice, Some(Notice::RecordingCancelled(_))));
    // Asked once, it is not asked again while it finishes.
    let fx = shell.advance(60_000);
    assert!(stops(&fx).is_empty(), "{fx:?}");
    shell.send(Event::Recorder(RecorderEvent::Ended {
        id,
        outcome: RecordingOutcome::Complete,
    }));
    assert!(!shell.view().recording);
}

#[test]
fn nothing_starts_before_the_recorder_says_what_it_resumed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lineup = showcase::lineup(6);
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let one = lineup.channels[0].key.clone();
    let programme = on_air(&guide, &one, EVENING_S + 300);
    // The schedule read at start: the programme on air was being recorded when the power went.
    let schedule = Schedule {
        rules: vec![Rule::Once {
            channel: one.clone(),
            title: programme.title.clone(),
            start: programme.start_s,
            stop: programme.stop_s,
        }],
    };
    let mut shell = Shell::with_settings_and_state(lineup, settings(true), SavedState::default());
    shell.core = shell.core.clone().with_schedule(schedule);
    shell.now_ms = (EVENING_S + 300) as u64 * 1000;
    shell.send(Event::GuideLoaded(guide));
    let fx = shell.send(Event::Started);
    assert!(starts(&fx).is_empty(), "waits for the resume: {fx:?}");
    let fx = shell.advance(60_000);
    assert!(starts(&fx).is_empty(), "{fx:?}");
    // The shell resumed it (a new segment in the same folder): no second recording.
    let fx = shell.send(Event::Recorder(RecorderEvent::Resumed {
        running: vec![ResumedRecording {
            id: zapbox::core::RESUMED_IDS,
            channel: one.clone(),
            title: programme.title.clone(),
            stop_s: programme.stop_s + 600,
        }],
    }));
    assert!(starts(&fx).is_empty(), "{fx:?}");
    assert_eq!(shell.view().recordings_running, 1);
    // Had nothing been resumed, the plan would start it at once.
    let mut fresh =
        Shell::with_settings_and_state(showcase::lineup(6), settings(true), SavedState::default());
    fresh.core = shell.core.clone();
    let fx = fresh.send(Event::Recorder(RecorderEvent::Ended {
        id: zapbox::core::RESUMED_IDS,
        outcome: RecordingOutcome::Failed("nothing received".into()),
    }));
    assert!(starts(&fx).is_empty(), "a slot is tried once: {fx:?}");
    assert!(matches!(fresh.view().notice, Some(Notice::RecordingFailed(_))));
}

#[test]
fn a_full_disk_stops_the_recording_for_good_with_a_notice() {
    let (mut shell, _guide, _dir) = shell(60);
    let fx = shell.press(Action::Record);
    let (id, ..) = starts(&fx)[0].clone();
    let fx = shell.send(Event::Recorder(RecorderEvent::Ended {
        id,
        outcome: RecordingOutcome::DiskFull,
    }));
    assert!(starts(&fx).is_empty(), "not started again: {fx:?}");
    assert!(matches!(shell.view().notice, Some(Notice::RecordingDiskFull(_))));
    let fx = shell.advance(5 * 60_000);
    assert!(starts(&fx).is_empty(), "{fx:?}");
}

/// The guide focused on channel `row` (0-based) at the programme on air.
fn rec_in_guide_on_row(shell: &mut Shell, row: usize) -> Vec<Effect> {
    shell.press(Action::Guide);
    for _ in 0..row {
        shell.press(Action::Down);
    }
    let fx = shell.press(Action::Record);
    shell.press(Action::Back);
    fx
}

#[test]
fn a_recording_of_another_channel_takes_a_stream_from_the_hot_channels() {
    let hot = HotSettings {
        max_streams: 3,
        ..HotSettings::default()
    };
    let (mut shell, _guide, _dir) = shell_with(
        Settings {
            hot,
            ..settings(true)
        },
        60,
    );
    // A zap with a full budget: live plus two hot channels.
    let fx = shell.press(Action::ChannelUp);
    let hot_of = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::Player(PlayerCommand::Play { hot, .. }) => Some(hot.len()),
            _ => None,
        })
    };
    assert_eq!(hot_of(&fx), Some(2), "{fx:?}");
    shell.first_frame();
    // Recording channel 5 (not live): the hot set gives one stream up at once.
    let fx = rec_in_guide_on_row(&mut shell, 4);
    assert_eq!(starts(&fx).len(), 1, "{fx:?}");
    let shrunk = fx.iter().find_map(|e| match e {
        Effect::Player(PlayerCommand::Hot { channels }) => Some(channels.len()),
        _ => None,
    });
    assert_eq!(shrunk, Some(1), "{fx:?}");
    // And the next zap keeps within live + recording + one hot channel.
    let fx = shell.press(Action::ChannelUp);
    assert_eq!(hot_of(&fx), Some(1), "{fx:?}");
}

#[test]
fn a_conflict_with_the_stream_budget_is_told_when_scheduling() {
    let hot = HotSettings {
        max_streams: 2,
        ..HotSettings::default()
    };
    let (mut shell, _guide, _dir) = shell_with(
        Settings {
            hot,
            ..settings(true)
        },
        60,
    );
    // Live channel 1 plus channel 3: two streams, within the budget.
    let fx = rec_in_guide_on_row(&mut shell, 2);
    assert_eq!(starts(&fx).len(), 1);
    assert!(matches!(shell.view().notice, Some(Notice::RecordingStarted(_))));
    // Channel 4 as well: three streams where two are allowed.
    let fx = rec_in_guide_on_row(&mut shell, 3);
    assert!(saved(&fx).is_some(), "scheduled anyway: {fx:?}");
    match shell.view().notice {
        Some(Notice::RecordingConflict(text)) => {
            assert!(text.contains("3 streams needed, 2 allowed"), "{text}")
        }
        other => panic!("a conflict is told: {other:?}"),
    }
}

// The recordings screen (BLUE): list, free space, delete with confirmation, play from where it
// was left with skips on the bar, segments played in turn, STOP back to live keeping the place.

use zapbox::core::{RecordedSegment, RecordingItem, RecordingState, ScreenView, StartAt, TimeshiftView};

fn recording(
    title: &str,
    start_s: i64,
    minutes: u64,
    state: RecordingState,
    position_ms: Option<u64>,
) -> RecordingItem {
    let half = minutes * 30_000;
    let folder = format!("/rec/{title}");
    RecordingItem {
        folder: folder.clone(),
        title: title.into(),
        channel: "Zap One".into(),
        start_s,
        length_ms: 2 * half,
        bytes: minutes * 10_000_000,
        state,
        segments: vec![
            RecordedSegment {
                path: format!("{folder}/stream.ts"),
                offset_ms: 0,
                length_ms: half,
            },
            RecordedSegment {
                path: format!("{folder}/stream-2.ts"),
                offset_ms: half,
                length_ms: half,
            },
        ],
        position_ms,
    }
}

fn library() -> Vec<RecordingItem> {
    vec![
        recording(
            "Old film",
            EVENING_S - 86_400,
            90,
            RecordingState::Complete,
            Some(600_000),
        ),
        recording("News now", EVENING_S - 600, 10, RecordingState::Recording, None),
        recording(
            "Yesterday's show",
            EVENING_S - 3600,
            30,
            RecordingState::Complete,
            None,
        ),
    ]
}

fn open_library(shell: &mut Shell) {
    let fx = shell.press(Action::Blue);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Recorder(RecorderCommand::List))),
        "the list is asked for: {fx:?}"
    );
    let ScreenView::Recordings(view) = shell.view().screen else {
        panic!("the recordings screen is open")
    };
    assert!(view.loading);
    shell.send(Event::Recorder(RecorderEvent::Listed {
        items: library(),
        free_bytes: Some(42_000_000_000),
    }));
}

fn recordings_view(shell: &Shell) -> zapbox::core::RecordingsView {
    match shell.view().screen {
        ScreenView::Recordings(view) => view,
        other => panic!("the recordings screen is open: {other:?}"),
    }
}

fn play_of(fx: &[Effect]) -> Option<(String, StartAt)> {
    fx.iter().find_map(|e| match e {
        Effect::Player(PlayerCommand::Play { source, start, .. }) => Some((source.url.clone(), *start)),
        _ => None,
    })
}

#[test]
fn the_recordings_screen_lists_newest_first_with_the_free_space() {
    let (mut shell, _guide, _dir) = shell(0);
    open_library(&mut shell);
    let view = recordings_view(&shell);
    let titles: Vec<&str> = view.rows.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["News now", "Yesterday's show", "Old film"]);
    assert_eq!(
        (view.free_bytes, view.total, view.loading),
        (Some(42_000_000_000), 3, false)
    );
    assert!(view.rows[0].focused && view.rows[0].state == RecordingState::Recording);
    assert_eq!(view.rows[2].position_ms, Some(600_000));
    shell.press(Action::Back);
    assert_eq!(shell.view().screen, ScreenView::Live);
}

#[test]
fn delete_asks_first_and_a_recording_in_progress_is_not_deleted() {
    let (mut shell, _guide, _dir) = shell(0);
    open_library(&mut shell);
    // The newest is still recording: RED says so.
    let fx = shell.press(Action::Red);
    assert!(recordings_view(&shell).confirm_delete.is_none(), "{fx:?}");
    assert_eq!(
        shell.view().notice,
        Some(Notice::RecordingBusy("News now".into()))
    );
    shell.press(Action::Down);
    shell.press(Action::Red);
    assert_eq!(
        recordings_view(&shell).confirm_delete.as_deref(),
        Some("Yesterday's show")
    );
    let fx = shell.press(Action::Back);
    assert!(fx.is_empty(), "BACK keeps it: {fx:?}");
    assert!(recordings_view(&shell).confirm_delete.is_none());
    shell.press(Action::Red);
    let fx = shell.press(Action::Ok);
    assert_eq!(
        fx,
        vec![Effect::Recorder(RecorderCommand::Delete {
            folder: "/rec/Yesterday's show".into()
        })]
    );
    let fx = shell.send(Event::Recorder(RecorderEvent::Deleted {
        folder: "/rec/Yesterday's show".into(),
        ok: true,
    }));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Recorder(RecorderCommand::List))),
        "read again: {fx:?}"
    );
}

#[test]
fn a_recording_plays_from_where_it_was_left_skips_and_keeps_its_place() {
    let (mut shell, _guide, _dir) = shell(0);
    open_library(&mut shell);
    shell.press(Action::Down);
    shell.press(Action::Down);
    // "Old film": 90 min in two segments of 45, left at 10 min.
    let fx = shell.press(Action::Ok);
    assert_eq!(shell.view().screen, ScreenView::Live);
    assert_eq!(
        play_of(&fx),
        Some((
            "file:///rec/Old film/stream.ts".into(),
            StartAt::FileOffset { ms: 600_000 }
        ))
    );
    shell.first_frame();
    shell.advance(20_000);
    let bar: TimeshiftView = shell.view().timeshift.expect("the bar");
    assert_eq!(bar.programme.as_ref().map(|p| p.title.as_str()), Some("Old film"));
    assert_eq!(bar.position_utc_ms, (EVENING_S - 86_400) * 1000 + 620_000);
    assert_eq!(bar.buffered_ms, 90 * 60_000);
    // RIGHT: +30 s, a new request at the new place.
    let fx = shell.press(Action::Right);
    assert_eq!(
        play_of(&fx),
        Some((
            "file:///rec/Old film/stream.ts".into(),
            StartAt::FileOffset { ms: 650_000 }
        ))
    );
    shell.first_frame();
    // Past the first segment's end: the second one, at its offset.
    for _ in 0..2 {
        shell.press(Action::Right);
    }
    let fx = shell.send(Event::Recorder(RecorderEvent::Listed {
        items: library(),
        free_bytes: None,
    }));
    assert!(fx.is_empty());
    shell.advance(5000);
    // The segment ends (the player reports the end as a failure): the next segment plays.
    let request = shell.last_request();
    shell.first_frame();
    shell.advance(45 * 60_000 - 710_000);
    let fx = shell.send(Event::Player(zapbox::core::PlayerEvent::Failed {
        request,
        error: zapbox::core::PlayerError {
            kind: zapbox::core::ErrorKind::Stream,
            detail: "end of stream".into(),
        },
    }));
    assert_eq!(
        play_of(&fx),
        Some((
            "file:///rec/Old film/stream-2.ts".into(),
            StartAt::FileOffset { ms: 0 }
        ))
    );
    shell.first_frame();
    shell.advance(60_000);
    // STOP: live again, the place kept for "resume".
    let fx = shell.press(Action::Stop);
    let (url, start) = play_of(&fx).expect("live plays");
    assert!(url.starts_with("udp://"), "{url}");
    assert_eq!(start, StartAt::Live);
    assert_eq!(
        fx.iter().find_map(|e| match e {
            Effect::Recorder(RecorderCommand::SavePosition { folder, position_ms }) => {
                Some((folder.clone(), *position_ms))
            }
            _ => None,
        }),
        Some(("/rec/Old film".into(), Some(45 * 60_000 + 60_000)))
    );
    assert!(shell.view().timeshift.is_none());
}

/// A conflict is told with its alternatives: another airing of the same title in the guide
/// (outside the conflict, on whichever channel), and the channel's archive when it has one.
#[test]
fn a_conflict_names_another_airing_and_the_archive() {
    let hot = HotSettings {
        max_streams: 2,
        ..HotSettings::default()
    };
    let settings = Settings {
        hot,
        ..settings(true)
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lineup = showcase::lineup(6);
    let template = "http://archive.example/4/{utc}-{duration}.ts";
    lineup.channels[3].catchup = Some(zapbox::lineup::Catchup {
        mode: zapbox::lineup::CatchupMode::Default,
        source: Some(template.into()),
        days: zapbox::lineup::CatchupDays::Days(1),
        correction_s: 0,
        template: template.into(),
    });
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let mut shell = Shell::with_settings_and_state(lineup, settings, SavedState::default());
    shell.now_ms = (EVENING_S + 60) as u64 * 1000;
    shell.send(Event::GuideLoaded(guide.clone()));
    shell.send(Event::Started);
    shell.first_frame();
    shell.send(Event::Recorder(RecorderEvent::Resumed { running: vec![] }));
    rec_in_guide_on_row(&mut shell, 2);
    rec_in_guide_on_row(&mut shell, 3);
    let Some(Notice::RecordingConflict(text)) = shell.view().notice else {
        panic!("a conflict is told: {:?}", shell.view().notice)
    };
    // The programme of channel 4 on air now, and its next airing anywhere after now.
    let now_s = EVENING_S + 60;
    let key4 = channel(&shell, 3);
    let on = guide.now_next(&key4, now_s).0.expect("a programme on channel 4");
    let later = shell
        .core
        .lineup()
        .channels
        .iter()
        .flat_map(|c| {
            guide
                .window(&c.key, now_s, now_s + 86_400)
                .into_iter()
                .map(move |p| (c.name.clone(), p))
        })
        .filter(|(_, p)| p.title == on.title && p.start_s >= on.stop_s)
        .min_by_key(|(_, p)| p.start_s)
        .expect("the showcase guide repeats its titles");
    let clock = jiff::Timestamp::from_second(later.1.start_s)
        .unwrap()
        .to_zoned(shell.core.settings().zone.clone())
        .strftime("%a %H:%M")
        .to_string();
    let expected = format!(
        ". Instead: {} {clock} on {}, or from {}'s archive once aired",
        on.title,
        later.0,
        shell.core.lineup().channels[3].name
    );
    assert!(text.ends_with(&expected), "{text}\nexpected the end: {expected}");
}

/// An airing offered instead of a conflicting recording must fit itself: when the title's next
/// airing clashes with another scheduled recording (the live channel, that recording and the
/// alternative would need three streams of two), it is not offered; a later airing that fits
/// is, and the archive still is.
#[test]
fn an_alternative_that_clashes_with_another_recording_is_not_offered() {
    let hot = HotSettings {
        max_streams: 2,
        ..HotSettings::default()
    };
    let settings = Settings {
        hot,
        ..settings(true)
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lineup = showcase::lineup(6);
    let template = "http://archive.example/4/{utc}-{duration}.ts";
    lineup.channels[3].catchup = Some(zapbox::lineup::Catchup {
        mode: zapbox::lineup::CatchupMode::Default,
        source: Some(template.into()),
        days: zapbox::lineup::CatchupDays::Days(1),
        correction_s: 0,
        template: template.into(),
    });
    let guide = showcase::guide(&lineup, dir.path(), EVENING_S, 1).expect("guide builds");
    let now_s = EVENING_S + 60;
    let key4 = lineup.channels[3].key.clone();
    let on = guide.now_next(&key4, now_s).0.expect("a programme on channel 4");
    // Every later airing of that title, earliest first, with its channel's index.
    let mut laters: Vec<_> = lineup
        .channels
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            guide
                .window(&c.key, now_s, now_s + 86_400)
                .into_iter()
                .map(move |p| (i, p))
        })
        .filter(|(_, p)| p.title == on.title && p.start_s >= on.stop_s)
        .collect();
    laters.sort_by_key(|(_, p)| p.start_s);
    let (first_index, first) = laters
        .first()
        .cloned()
        .expect("the showcase guide repeats its titles");
    // Live is channel 2 (index 1): the first airing must be elsewhere, or it would cost no
    // stream at all and the check would not be tested.
    const LIVE: usize = 1;
    assert_ne!(first_index, LIVE, "the showcase guide changed");
    // Another recording, already scheduled, at the time of that first airing on a channel that
    // is neither live, nor the conflict's, nor the airing's.
    let blocker = [4, 5]
        .into_iter()
        .find(|i| *i != first_index)
        .expect("a free channel");
    let blocker_key = lineup.channels[blocker].key.clone();
    let schedule = Schedule {
        rules: vec![Rule::Once {
            channel: blocker_key.clone(),
            title: "Blocker".into(),
            start: first.start_s,
            stop: first.stop_s,
        }],
    };
    let names: Vec<String> = lineup.channels.iter().map(|c| c.name.clone()).collect();
    let mut shell = Shell::with_settings_and_state(lineup, settings, SavedState::default());
    shell.core = shell.core.clone().with_schedule(schedule);
    shell.now_ms = now_s as u64 * 1000;
    shell.send(Event::GuideLoaded(guide.clone()));
    shell.send(Event::Started);
    shell.first_frame();
    shell.press(Action::ChannelUp);
    shell.first_frame();
    shell.send(Event::Recorder(RecorderEvent::Resumed { running: vec![] }));
    // The guide opens on the live channel: rows 1 and 2 below it are channels 3 and 4.
    rec_in_guide_on_row(&mut shell, 1);
    rec_in_guide_on_row(&mut shell, 2);
    let Some(Notice::RecordingConflict(text)) = shell.view().notice else {
        panic!("a conflict is told: {:?}", shell.view().notice)
    };
    let clock = |s: i64| {
        jiff::Timestamp::from_second(s)
            .unwrap()
            .to_zoned(shell.core.settings().zone.clone())
            .strftime("%a %H:%M")
            .to_string()
    };
    let clashing = format!("{} {} on {}", on.title, clock(first.start_s), names[first_index]);
    assert!(
        !text.contains(&clashing),
        "offered {clashing}, which clashes with the recording on {}: {text}",
        names[blocker]
    );
    // What is offered instead starts after the clash (with the margins: 2 min before, 10 after)
    // or records on the blocker's channel anyway; the archive is still offered.
    let margins = Margins::default();
    let pad = |(start, stop): (i64, i64)| {
        (
            start - i64::from(margins.before_s),
            stop + i64::from(margins.after_s),
        )
    };
    let (block_from, block_to) = pad((first.start_s, first.stop_s));
    let offered = laters.iter().skip(1).find(|(i, p)| {
        let (from, to) = pad((p.start_s, p.stop_s));
        *i == blocker || *i == LIVE || to <= block_from || block_to <= from
    });
    if let Some((i, p)) = offered {
        let expected = format!("{} {} on {}", on.title, clock(p.start_s), names[*i]);
        assert!(text.contains(&expected), "{text}\nexpected {expected}");
    }
    assert!(
        text.ends_with(&format!("from {}'s archive once aired", names[3])),
        "{text}"
    );
}

#[test]
fn digits_skip_minutes_in_a_recording_while_the_bar_is_up() {
    let (mut shell, _guide, _dir) = shell(0);
    open_library(&mut shell);
    shell.press(Action::Down);
    shell.press(Action::Down);
    // "Old film": 90 min in two segments of 45, left at 10 min.
    shell.press(Action::Ok);
    shell.first_frame();
    shell.advance(20_000);
    assert!(
        shell.view().timeshift.is_some_and(|b| !b.bar_visible),
        "the bar hid after its timeout"
    );
    shell.advance(3_000);
    let position = 623_000;
    shell.press(Action::Info);
    let film = |ms| {
        Some((
            "file:///rec/Old film/stream.ts".to_string(),
            StartAt::FileOffset { ms },
        ))
    };
    // 3, 6, 9: +1, +5, +10 min; 7, 4, 1 back again.
    let mut expected = position;
    for (digit, delta) in [
        (3, 60_000),
        (6, 300_000),
        (9, 600_000),
        (7, -600_000),
        (4, -300_000),
        (1, -60_000),
    ] {
        expected = (expected as i64 + delta) as u64;
        assert_eq!(
            play_of(&shell.press(Action::Digit(digit))),
            film(expected),
            "digit {digit}"
        );
    }
    assert_eq!(expected, position);
    // Four times +10 min crosses into the second segment, at its offset.
    for _ in 0..3 {
        shell.press(Action::Digit(9));
    }
    assert_eq!(
        play_of(&shell.press(Action::Digit(9))),
        Some((
            "file:///rec/Old film/stream-2.ts".into(),
            StartAt::FileOffset {
                ms: position + 2_400_000 - 2_700_000
            }
        ))
    );
    // Back past the start stops at the start.
    for _ in 0..5 {
        shell.press(Action::Digit(7));
    }
    assert_eq!(play_of(&shell.press(Action::Digit(1))), film(0));
    // The bar shows the new place.
    assert_eq!(
        shell.view().timeshift.map(|b| b.position_utc_ms),
        Some((EVENING_S - 86_400) * 1000)
    );
}
