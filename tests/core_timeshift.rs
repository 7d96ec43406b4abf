// SPDX-License-Identifier: GPL-3.0-or-later
//! Core scenarios for pause and rewind of live TV: every timeshift key, the bar's states, the
//! window's start overtaking a pause, and a zap starting afresh.

mod common;

use common::{Shell, lineup};
use zapbox::core::{
    Action, Direction, Effect, Event, Notice, PlayerCommand, PlayerEvent, RequestId, SKIP_LEFT_MS,
    SKIP_RIGHT_MS, Speed, StartAt, TAIL_MARGIN_MS, Trick, WindowEdge,
};

/// A shell playing channel 1 with a window of `buffered_ms`.
fn playing(buffered_ms: u64) -> Shell {
    let mut s = Shell::started(lineup(&[1, 2, 3]));
    s.first_frame();
    buffered(&mut s, buffered_ms);
    s.log.clear();
    s
}

fn buffered(s: &mut Shell, buffered_ms: u64) -> Vec<Effect> {
    let request = s.last_request();
    s.send(Event::Player(PlayerEvent::Buffered { request, buffered_ms }))
}

/// The `start` of the only `Play` among `effects`, and its request.
fn seek_of(effects: &[Effect]) -> Option<(RequestId, StartAt)> {
    let plays: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::Play { request, start, .. }) => Some((*request, *start)),
            _ => None,
        })
        .collect();
    assert!(plays.len() <= 1, "one Play per key: {plays:?}");
    plays.first().copied()
}

fn paused(effects: &[Effect]) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::Player(PlayerCommand::Pause { .. })))
}

/// The player starts the latest request from a keyframe `ms` behind live.
fn started_behind(s: &mut Shell, ms: u64) {
    let request = s.last_request();
    s.send(Event::Player(PlayerEvent::Started {
        request,
        path: zapbox::core::ZapPath::Hot,
        behind_live_ms: Some(ms),
    }));
    s.first_frame();
}

#[test]
fn live_shows_no_bar() {
    let s = playing(60_000);
    assert_eq!(s.view().timeshift, None);
}

#[test]
fn pause_then_play_resumes_where_it_paused() {
    let mut s = playing(60_000);
    let fx = s.press(Action::Pause);
    assert!(paused(&fx));
    assert_eq!(seek_of(&fx), None, "pausing keeps the pipeline");
    let view = s.view().timeshift.expect("the bar is up while paused");
    assert!(view.paused && view.bar_visible);
    assert_eq!(view.behind_live_ms, 0);
    s.advance(20_000);
    let view = s.view().timeshift.unwrap();
    assert_eq!(
        view.behind_live_ms, 20_000,
        "the position drifts back while paused"
    );
    assert!(view.bar_visible, "the bar stays while paused");
    let before = s.last_request();
    let fx = s.press(Action::Play);
    let (request, start) = seek_of(&fx).expect("PLAY starts a request behind live");
    assert!(request > before);
    assert_eq!(start, StartAt::BehindLive { ms: 20_000 });
    started_behind(&mut s, 20_600);
    let view = s.view().timeshift.unwrap();
    assert!(!view.paused);
    assert_eq!(
        view.behind_live_ms, 20_600,
        "the position is the keyframe the player started at"
    );
    assert_eq!(view.position_utc_ms, s.now().utc_ms - 20_600);
    // Playing on does not drift: the picture runs at live pace behind live.
    s.advance(10_000);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 20_600);
    assert!(
        !s.view().timeshift.unwrap().bar_visible,
        "the bar hides after the banner time"
    );
}

#[test]
fn playpause_toggles() {
    let mut s = playing(60_000);
    assert!(paused(&s.press(Action::PlayPause)));
    s.advance(5_000);
    let fx = s.press(Action::PlayPause);
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::BehindLive { ms: 5_000 }));
    started_behind(&mut s, 5_400);
    assert!(paused(&s.press(Action::PlayPause)));
    s.advance(1_000);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 6_400);
}

#[test]
fn play_and_stop_at_live_do_nothing() {
    let mut s = playing(60_000);
    assert!(s.press(Action::Play).is_empty());
    assert!(s.press(Action::Stop).is_empty());
}

#[test]
fn stop_jumps_to_live() {
    let mut s = playing(60_000);
    s.press(Action::Pause);
    s.advance(30_000);
    let fx = s.press(Action::Stop);
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::Live));
    assert_eq!(s.view().timeshift, None, "live: no bar, no chip");
}

#[test]
fn skips_with_the_bar_shown() {
    let mut s = playing(600_000);
    s.press(Action::Pause);
    s.advance(1_000);
    let fx = s.press(Action::Left);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive {
            ms: (1_000 - SKIP_LEFT_MS) as u64
        })
    );
    started_behind(&mut s, 11_000);
    let fx = s.press(Action::Left);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive { ms: 21_000 })
    );
    started_behind(&mut s, 21_000);
    // RIGHT skips 30 s forward: past live is live.
    let fx = s.press(Action::Right);
    const { assert!(SKIP_RIGHT_MS > 21_000) };
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::Live));
}

#[test]
fn digit_pairs_skip_minutes_while_the_bar_is_shown() {
    let mut s = playing(3_600_000);
    s.press(Action::Pause);
    let cases = [
        (4, 300_000),
        (1, 360_000),
        (7, 960_000),
        (3, 900_000),
        (6, 600_000),
        (9, 0),
    ];
    for (digit, want) in cases {
        let fx = s.press(Action::Digit(digit));
        let want = if want == 0 {
            StartAt::Live
        } else {
            StartAt::BehindLive { ms: want }
        };
        assert_eq!(seek_of(&fx).map(|p| p.1), Some(want), "digit {digit}");
        if let StartAt::BehindLive { ms } = want {
            started_behind(&mut s, ms);
        }
    }
    // At live the bar is gone: digits type channel numbers again.
    assert_eq!(common::played(&s.press(Action::Digit(2))), ["ch2"]);
}

#[test]
fn left_right_and_digits_are_normal_keys_without_the_bar() {
    let mut s = playing(60_000);
    assert!(s.press(Action::Left).is_empty());
    assert_eq!(common::played(&s.press(Action::Digit(3))), ["ch3"]);
}

#[test]
fn skips_stop_at_the_window_start() {
    let mut s = playing(45_000);
    s.press(Action::Pause);
    let fx = s.press(Action::Digit(7));
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive {
            ms: 45_000 - TAIL_MARGIN_MS
        })
    );
}

#[test]
fn a_pause_the_window_overtakes_plays_from_its_start_with_a_notice() {
    let mut s = playing(60_000);
    s.press(Action::Pause);
    s.advance(50_000);
    assert!(
        seek_of(&buffered(&mut s, 60_000)).is_none(),
        "still inside the window"
    );
    s.advance(10_000);
    let fx = buffered(&mut s, 60_000);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive {
            ms: 60_000 - TAIL_MARGIN_MS
        })
    );
    assert_eq!(s.view().notice, Some(Notice::TimeshiftFromStart));
    assert!(!s.view().timeshift.unwrap().paused);
}

#[test]
fn a_zap_starts_live_with_a_fresh_window() {
    let mut s = playing(60_000);
    s.press(Action::Pause);
    s.advance(20_000);
    s.press(Action::Play);
    started_behind(&mut s, 20_000);
    let fx = s.press(Action::ChannelUp);
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::Live));
    assert_eq!(s.view().timeshift, None);
    // The old channel's window is not this one's.
    let fx = s.press(Action::Pause);
    assert!(paused(&fx));
    s.advance(5_000);
    let fx = s.press(Action::Play);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::Live),
        "no window reported yet for the new channel: nothing to go back into"
    );
}

#[test]
fn a_retry_keeps_the_position() {
    let mut s = playing(60_000);
    s.press(Action::Pause);
    s.advance(15_000);
    s.press(Action::Play);
    started_behind(&mut s, 15_000);
    let request = s.last_request();
    s.send(Event::Player(PlayerEvent::Failed {
        request,
        error: zapbox::core::PlayerError {
            kind: zapbox::core::ErrorKind::Network,
            detail: "gone".into(),
        },
    }));
    let fx = s.advance(5_000);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive { ms: 15_000 })
    );
}

#[test]
fn events_of_an_older_request_are_ignored() {
    let mut s = playing(60_000);
    let old = s.last_request();
    s.press(Action::Pause);
    s.advance(5_000);
    s.press(Action::Play);
    s.send(Event::Player(PlayerEvent::Started {
        request: old,
        path: zapbox::core::ZapPath::Hot,
        behind_live_ms: Some(99_000),
    }));
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 5_000);
}

#[test]
fn a_lost_disk_window_says_ram_only_and_keeps_playing() {
    let mut s = playing(3_600_000);
    let request = s.last_request();
    let fx = s.send(Event::Player(PlayerEvent::TimeshiftDisk {
        request,
        problem: zapbox::core::DiskProblem::Full,
    }));
    assert_eq!(s.view().notice, Some(Notice::TimeshiftRamOnly));
    assert_eq!(seek_of(&fx), None, "playback goes on untouched");
    // A report for an older request (a seek since) says nothing.
    let mut s = playing(60_000);
    let old = s.last_request();
    s.send(Event::Action(Action::Pause));
    s.send(Event::Action(Action::Play));
    assert_ne!(s.last_request(), old);
    s.send(Event::Player(PlayerEvent::TimeshiftDisk {
        request: old,
        problem: zapbox::core::DiskProblem::Slow,
    }));
    assert_ne!(s.view().notice, Some(Notice::TimeshiftRamOnly));
}

#[test]
fn a_disk_window_lets_the_digits_skip_minutes_back() {
    // The player reports a window an hour long (RAM and disk): −5 min is reachable.
    let mut s = playing(3_600_000);
    s.send(Event::Action(Action::Pause));
    let fx = s.send(Event::Action(Action::Digit(4)));
    let (_, start) = seek_of(&fx).expect("a seek");
    let StartAt::BehindLive { ms } = start else {
        panic!("{start:?}")
    };
    assert!((300_000..=302_000).contains(&ms), "{ms}");
}

// Trick play: REWIND and FAST FORWARD.

fn trick(direction: Direction, speed: Speed) -> Trick {
    Trick { direction, speed }
}

/// The player reports trick play `ms` behind live (at an edge or not).
fn trick_at(s: &mut Shell, ms: u64, edge: Option<WindowEdge>) -> Vec<Effect> {
    let request = s.last_request();
    s.send(Event::Player(PlayerEvent::TrickPosition {
        request,
        behind_live_ms: ms,
        edge,
    }))
}

#[test]
fn rewind_cycles_its_speeds_from_where_the_picture_is() {
    let mut s = playing(60_000);
    let mut speeds = Vec::new();
    for _ in 0..6 {
        let fx = s.press(Action::Rewind);
        let (_, start) = seek_of(&fx).expect("each press is a request at the new speed");
        let StartAt::Trick { trick: t, .. } = start else {
            panic!("{start:?}")
        };
        assert_eq!(t.direction, Direction::Backward);
        speeds.push(t.speed.factor());
        let view = s.view().timeshift.expect("the bar");
        assert!(view.bar_visible && !view.paused);
        assert_eq!(view.trick, Some(t), "the bar shows the speed");
        s.advance(100);
    }
    assert_eq!(speeds, [2, 4, 8, 16, 32, 2], "×32 wraps to ×2");
}

#[test]
fn rewind_moves_the_position_at_its_speed_and_the_reports_correct_it() {
    let mut s = playing(60_000);
    let fx = s.press(Action::Rewind);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::Trick {
            ms: 0,
            trick: trick(Direction::Backward, Speed::X2)
        })
    );
    // ×2 back while live runs on: 3 s further from live each second.
    s.advance(2_000);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 6_000);
    trick_at(&mut s, 5_500, None);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 5_500);
    s.advance(1_000);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 8_500);
    // Never past the window.
    s.advance(60_000);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 60_000);
    // The bar stays up while trick play runs.
    assert!(s.view().timeshift.unwrap().bar_visible);
}

#[test]
fn fast_forward_needs_a_position_behind_live_and_goes_every_speed() {
    let mut s = playing(60_000);
    assert_eq!(
        seek_of(&s.press(Action::FastForward)),
        None,
        "nothing ahead of live"
    );
    assert!(s.view().timeshift.unwrap().bar_visible, "the bar shows");
    s.press(Action::Pause);
    s.advance(30_000);
    let fx = s.press(Action::FastForward);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::Trick {
            ms: 30_000,
            trick: trick(Direction::Forward, Speed::X2)
        })
    );
    assert!(trick(Direction::Forward, Speed::X2).every_frame());
    // ×2 forward: 1 s closer to live each second.
    s.advance(4_000);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 26_000);
    let fx = s.press(Action::FastForward);
    let (_, start) = seek_of(&fx).unwrap();
    assert_eq!(
        start,
        StartAt::Trick {
            ms: 26_000,
            trick: trick(Direction::Forward, Speed::X4)
        }
    );
    let fx = s.press(Action::FastForward);
    let Some((_, StartAt::Trick { trick: t, .. })) = seek_of(&fx) else {
        panic!()
    };
    assert_eq!(t.speed, Speed::X8);
    assert!(!t.every_frame(), "×8 shows keyframes only");
    // REWIND while fast forwarding turns round at ×2.
    let fx = s.press(Action::Rewind);
    let Some((_, StartAt::Trick { trick: t, .. })) = seek_of(&fx) else {
        panic!()
    };
    assert_eq!(t, trick(Direction::Backward, Speed::X2));
    assert!(t.every_frame(), "rewind x2 shows every frame, reversed");
    assert!(trick(Direction::Backward, Speed::X4).every_frame());
    assert!(!trick(Direction::Backward, Speed::X8).every_frame());
}

#[test]
fn fast_forward_reaching_live_returns_to_live() {
    let mut s = playing(60_000);
    s.press(Action::Pause);
    s.advance(20_000);
    s.press(Action::FastForward);
    s.press(Action::FastForward);
    trick_at(&mut s, 9_000, None);
    assert!(s.view().timeshift.unwrap().trick.is_some());
    let fx = trick_at(&mut s, 0, Some(WindowEdge::Live));
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::Live));
    s.first_frame();
    assert_eq!(s.view().timeshift, None, "live: no bar, no chip");
}

#[test]
fn rewind_reaching_the_tail_plays_on_from_there() {
    let mut s = playing(60_000);
    s.press(Action::Rewind);
    s.press(Action::Rewind);
    // A report from the other direction's edge changes nothing.
    assert_eq!(seek_of(&trick_at(&mut s, 30_000, Some(WindowEdge::Live))), None);
    let fx = trick_at(&mut s, 59_800, Some(WindowEdge::Tail));
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive {
            ms: 60_000 - TAIL_MARGIN_MS
        }),
        "normal speed from the tail, inside the window"
    );
    started_behind(&mut s, 58_000);
    let view = s.view().timeshift.unwrap();
    assert_eq!(view.trick, None);
    s.advance(5_000);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 58_000, "normal speed");
}

#[test]
fn play_pause_stop_and_back_leave_trick_play() {
    // PLAY: normal speed where the picture is.
    let mut s = playing(60_000);
    s.press(Action::Rewind);
    s.advance(2_000);
    let fx = s.press(Action::Play);
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::BehindLive { ms: 6_000 }));
    // BACK does the same.
    s.press(Action::Rewind);
    s.advance(1_000);
    let fx = s.press(Action::Back);
    assert!(matches!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive { .. })
    ));
    // PAUSE: paused where the picture is, drifting back from there.
    let mut s = playing(60_000);
    s.press(Action::Rewind);
    s.advance(2_000);
    let fx = s.press(Action::Pause);
    assert!(paused(&fx));
    s.advance(1_000);
    let view = s.view().timeshift.unwrap();
    assert!(view.paused && view.trick.is_none());
    assert_eq!(view.behind_live_ms, 7_000);
    // STOP: live.
    s.press(Action::Rewind);
    let fx = s.press(Action::Stop);
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::Live));
}

#[test]
fn skips_during_trick_play_start_from_the_picture() {
    let mut s = playing(60_000);
    s.press(Action::Rewind);
    s.advance(3_000);
    trick_at(&mut s, 9_000, None);
    let fx = s.press(Action::Left);
    assert_eq!(
        seek_of(&fx).map(|p| p.1),
        Some(StartAt::BehindLive { ms: 19_000 })
    );
    assert_eq!(s.view().timeshift.unwrap().trick, None);
}

#[test]
fn trick_reports_of_an_older_request_are_ignored() {
    let mut s = playing(60_000);
    s.press(Action::Rewind);
    let old = s.last_request();
    s.press(Action::Rewind);
    let fx = s.send(Event::Player(PlayerEvent::TrickPosition {
        request: old,
        behind_live_ms: 59_000,
        edge: Some(WindowEdge::Tail),
    }));
    assert_eq!(seek_of(&fx), None);
    assert_eq!(s.view().timeshift.unwrap().behind_live_ms, 0);
}

#[test]
fn a_zap_ends_trick_play() {
    let mut s = playing(60_000);
    s.press(Action::Rewind);
    let fx = s.press(Action::ChannelUp);
    assert_eq!(seek_of(&fx).map(|p| p.1), Some(StartAt::Live));
    s.first_frame();
    assert_eq!(s.view().timeshift, None);
}

/// An HLS channel has a window too (its segments kept by the player): PAUSE, PLAY behind live,
/// LEFT and STOP work as on multicast; a DASH channel has none, so PAUSE is not a timeshift key.
#[test]
fn an_hls_channel_pauses_and_plays_behind_live_a_dash_one_does_not() {
    let mut l = lineup(&[1, 2]);
    let hls = zapbox::lineup::build(&[(
        "ott.m3u".to_string(),
        b"#EXTM3U\n#EXTINF:-1,OTT\nhttp://origin.example/live.m3u8\n#EXTINF:-1,DASH\nhttp://origin.example/live.mpd\n"
            .to_vec(),
    )]);
    let mut ott = hls.lineup.channels;
    assert_eq!(ott[0].sources[0].kind, zapbox::lineup::SourceKind::Hls);
    assert_eq!(ott[1].sources[0].kind, zapbox::lineup::SourceKind::Dash);
    for (c, n) in ott.iter_mut().zip([1, 2]) {
        l.channels[n - 1].sources = c.sources.clone();
    }
    let mut s = Shell::started(l);
    s.first_frame();
    buffered(&mut s, 40_000);
    let fx = s.press(Action::Pause);
    assert!(paused(&fx), "PAUSE freezes the HLS picture");
    s.advance(12_000);
    let (_, start) = seek_of(&s.press(Action::Play)).expect("PLAY plays from the window");
    assert_eq!(start, StartAt::BehindLive { ms: 12_000 });
    started_behind(&mut s, 12_300);
    s.press(Action::Info);
    let (_, start) = seek_of(&s.press(Action::Left)).expect("LEFT skips back");
    assert_eq!(start, StartAt::BehindLive { ms: 22_300 });
    started_behind(&mut s, 22_500);
    let (_, start) = seek_of(&s.press(Action::Stop)).expect("STOP plays live");
    assert_eq!(start, StartAt::Live);
    // The DASH channel: no window.
    s.press(Action::ChannelUp);
    s.first_frame();
    let fx = s.press(Action::Pause);
    assert!(!paused(&fx), "no window: PAUSE does nothing to the DASH picture");
    assert_eq!(s.view().timeshift, None);
}
