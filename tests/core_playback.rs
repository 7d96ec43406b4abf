// SPDX-License-Identifier: GPL-3.0-or-later
//! Scenario tests of the core: playback phases, recovery, alternative sources, requested vs actual.

mod common;

use common::{Shell, channel, lineup, played, udp_source};
use zapbox::core::{
    Action, AudioKind, AudioTrack, Effect, ErrorKind, Event, Notice, Phase, PlayerCommand, PlayerError,
    PlayerEvent, RequestId, SavedState, Settings,
};
use zapbox::lineup::Lineup;

fn fail(shell: &mut Shell, kind: ErrorKind) {
    let request = shell.last_request();
    let error = PlayerError {
        kind,
        detail: format!("{kind:?} trouble"),
    };
    shell.send(Event::Player(PlayerEvent::Failed { request, error }));
}

fn stall(shell: &mut Shell) {
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Stalled { request }));
}

/// A lineup whose channel 1 has three alternative sources.
fn three_source_lineup() -> Lineup {
    let mut ch = channel(1, "multi", "News");
    ch.sources = vec![udp_source(1), udp_source(2), udp_source(3)];
    Lineup {
        channels: vec![ch, channel(2, "other", "News")],
        guide_urls: vec![],
    }
}

fn source_urls(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::Play { source, .. }) => Some(source.url.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn phases_follow_the_players_reports() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    assert_eq!(shell.view().phase, Some(Phase::Tuning));
    shell.first_frame();
    assert_eq!(shell.view().phase, Some(Phase::Playing));
    stall(&mut shell);
    assert_eq!(shell.view().phase, Some(Phase::Stalled));
    assert_eq!(shell.view().notice, Some(Notice::NoSignal));
    let request = shell.last_request();
    shell.send(Event::Player(PlayerEvent::Resumed { request }));
    assert_eq!(shell.view().phase, Some(Phase::Playing));
    assert!(
        played(&shell.advance(60_000)).is_empty(),
        "a resumed stall needs no rebuild"
    );
}

#[test]
fn the_screen_shows_what_really_plays() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.first_frame();
    shell.press(Action::ChannelUp);
    let view = shell.view();
    assert_eq!(view.requested.map(|c| c.number), Some(2));
    assert_eq!(
        view.on_screen.map(|c| c.number),
        Some(1),
        "channel 1's last frame until 2 shows"
    );
    shell.first_frame();
    assert_eq!(shell.view().on_screen.map(|c| c.number), Some(2));
    assert_eq!(shell.view().decoder.as_deref(), Some("avdec_h264"));
}

#[test]
fn reports_from_an_old_request_are_ignored() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    let old = shell.last_request();
    shell.press(Action::ChannelUp);
    shell.send(Event::Player(PlayerEvent::FirstFrame {
        request: old,
        decoder: None,
    }));
    shell.send(Event::Player(PlayerEvent::Stalled { request: old }));
    assert_eq!(shell.view().phase, Some(Phase::Tuning));
    assert_eq!(shell.view().on_screen, None);
}

#[test]
fn zap_time_is_measured_from_the_key_press() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.advance(1_000);
    shell.press(Action::ChannelUp);
    shell.advance(420);
    shell.first_frame();
    assert_eq!(shell.view().recent_zaps.first().map(|z| z.ms), Some(420));
}

#[test]
fn network_failures_retry_the_same_source_with_growing_delays() {
    let mut shell = Shell::new(three_source_lineup(), SavedState::default());
    shell.send(Event::Started);
    let first = source_urls(&shell.log.clone());
    let mut delays = Vec::new();
    for attempt in 1..=5 {
        fail(&mut shell, ErrorKind::Network);
        assert_eq!(shell.view().phase, Some(Phase::Retrying { attempt }));
        let before = shell.now_ms;
        let mut waited = 0;
        while source_urls(&shell.advance(50)).is_empty() {
            waited += 50;
            assert!(shell.now_ms - before < 20_000, "a retry comes");
        }
        delays.push(waited + 50);
        assert_eq!(source_urls(&shell.log)[attempt as usize], first[0]);
    }
    assert_eq!(delays, [250, 500, 1000, 2000, 4000]);
}

#[test]
fn stream_failures_try_the_alternative_sources_in_order() {
    let mut shell = Shell::new(three_source_lineup(), SavedState::default());
    shell.send(Event::Started);
    for _ in 0..3 {
        fail(&mut shell, ErrorKind::Stream);
        shell.advance(10_000);
    }
    let urls = source_urls(&shell.log);
    assert_eq!(
        urls,
        [
            "udp://@239.1.0.2:5000",
            "udp://@239.1.0.3:5000",
            "udp://@239.1.0.4:5000",
            "udp://@239.1.0.2:5000"
        ]
    );
}

#[test]
fn unplayable_everywhere_fails_with_the_reason_and_stops() {
    let mut shell = Shell::started(three_source_lineup());
    for _ in 0..3 {
        fail(&mut shell, ErrorKind::Unsupported);
        shell.advance(10_000);
    }
    assert_eq!(
        shell.view().phase,
        Some(Phase::Failed {
            reason: "Unsupported trouble".into()
        })
    );
    assert!(matches!(
        shell.log.last(),
        Some(Effect::Player(PlayerCommand::Stop))
    ));
    assert!(matches!(shell.view().notice, Some(Notice::CannotPlay(_))));
    assert_eq!(played(&shell.press(Action::Last)), Vec::<String>::new());
    assert_eq!(
        played(&shell.type_digits("1")),
        ["multi"],
        "selecting it again tries again"
    );
}

#[test]
fn a_long_stall_rebuilds_and_keeps_trying_while_selected() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.first_frame();
    stall(&mut shell);
    assert!(played(&shell.advance(2_999)).is_empty());
    shell.advance(1);
    assert_eq!(shell.view().phase, Some(Phase::Retrying { attempt: 1 }));
    let retried = played(&shell.advance(250));
    assert_eq!(retried, ["ch1"], "the pipeline is rebuilt for the same channel");
    for _ in 0..20 {
        fail(&mut shell, ErrorKind::Network);
        shell.advance(10_000);
    }
    assert!(
        matches!(shell.view().phase, Some(Phase::Retrying { attempt: 21 })),
        "never gives up"
    );
    shell.first_frame();
    assert_eq!(shell.view().phase, Some(Phase::Playing));
    assert_eq!(shell.view().notice, None);
}

#[test]
fn a_request_without_picture_or_error_is_rebuilt() {
    // A pipeline that takes the data and never shows a frame nor says why (a stuck decoder).
    let mut shell = Shell::started(three_source_lineup());
    let first = shell.last_request();
    assert!(
        source_urls(&shell.advance(7_999)).is_empty(),
        "a cold join may take a few GOPs"
    );
    assert_eq!(shell.view().phase, Some(Phase::Tuning));
    shell.advance(1);
    assert_eq!(shell.view().phase, Some(Phase::Retrying { attempt: 1 }));
    // Treated as a stream fault: the next source, at once.
    assert_eq!(source_urls(&shell.advance(250)), [udp_source(2).url]);
    assert_ne!(shell.last_request(), first);
    shell.first_frame();
    assert_eq!(shell.view().phase, Some(Phase::Playing));
    // Once the picture is up the watchdog is gone: a long quiet evening rebuilds nothing.
    assert!(played(&shell.advance(3_600_000)).is_empty());

    // A stall before the first picture belongs to the stall watchdog (3 s), not to this one.
    let mut shell = Shell::started(lineup(&[1, 2]));
    stall(&mut shell);
    shell.advance(3_000);
    assert_eq!(shell.view().phase, Some(Phase::Retrying { attempt: 1 }));
    assert_eq!(played(&shell.advance(250)), ["ch1"]);
    assert!(
        played(&shell.advance(7_000)).is_empty(),
        "the old request's watchdog does not fire"
    );

    // Radio shows no picture: nothing to wait for.
    let mut radio = channel(1, "radio", "Radio");
    radio.radio = true;
    let mut shell = Shell::started(Lineup {
        channels: vec![radio],
        guide_urls: vec![],
    });
    assert!(played(&shell.advance(60_000)).is_empty());
}

#[test]
fn zapping_away_cancels_recovery_of_the_old_channel() {
    let mut shell = Shell::started(lineup(&[1, 2]));
    fail(&mut shell, ErrorKind::Network);
    shell.press(Action::ChannelUp);
    // (Within the first-picture watchdog of the new request, which rebuilds after 8 s.)
    let later = played(&shell.advance(7_000));
    assert!(later.is_empty(), "no retry of channel 1 after the zap: {later:?}");
    assert_eq!(shell.view().phase, Some(Phase::Tuning));
}

#[test]
fn a_reloaded_lineup_keeps_the_playing_channel() {
    let mut shell = Shell::started(lineup(&[1, 2, 3]));
    shell.press(Action::ChannelUp);
    let effects = shell.send(Event::LineupLoaded(lineup(&[2, 3, 4]).into()));
    assert!(played(&effects).is_empty());
    assert_eq!(shell.requested().as_deref(), Some("ch2"));
    assert_eq!(played(&shell.press(Action::ChannelUp)), ["ch3"]);
}

#[test]
fn a_late_lineup_tunes_when_nothing_was_playing() {
    let mut shell = Shell::started(lineup(&[]));
    let effects = shell.send(Event::LineupLoaded(lineup(&[7, 8]).into()));
    assert_eq!(played(&effects), ["ch7"]);
    // The audio preference goes just before the Play it is for.
    assert!(matches!(
        &effects[..2],
        [
            Effect::Player(PlayerCommand::PreferAudio { .. }),
            Effect::Player(PlayerCommand::Play {
                request: RequestId(_),
                ..
            })
        ]
    ));
}

fn tracks(shell: &mut Shell, selected: Option<&str>) -> Vec<Effect> {
    let request = shell.last_request();
    let audio = vec![
        AudioTrack {
            id: "a-en".into(),
            language: Some("en".into()),
            kind: AudioKind::Main,
        },
        AudioTrack {
            id: "a-de".into(),
            language: Some("de".into()),
            kind: AudioKind::Main,
        },
    ];
    shell.send(Event::Player(PlayerEvent::Tracks {
        request,
        audio,
        selected: selected.map(Into::into),
    }))
}

fn selections(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::SelectAudio { track, .. }) => Some(track.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_preferred_audio_language_is_asked_for_once_per_tune() {
    let settings = Settings {
        audio_language: "ger".into(),
        ..Settings::default()
    };
    let mut shell = Shell::with_settings(lineup(&[1, 2]), settings);
    shell.send(Event::Started);
    // The bare collection asks nothing: the player starts with the preference itself, and a
    // switch sent while decodebin3 makes its first selection trips it.
    assert!(selections(&tracks(&mut shell, None)).is_empty());
    // The player's selection missed it (the kind or language learnt late): one switch.
    assert_eq!(selections(&tracks(&mut shell, Some("a-en"))), ["a-de"]);
    assert_eq!(
        selections(&tracks(&mut shell, Some("a-de"))),
        Vec::<String>::new()
    );
    assert_eq!(
        shell.view().audio_selected.as_deref(),
        Some("a-de"),
        "the view shows what the player says"
    );
    shell.press(Action::ChannelUp);
    assert_eq!(
        selections(&tracks(&mut shell, Some("a-en"))),
        ["a-de"],
        "again for the next channel"
    );
}

#[test]
fn the_audio_key_cycles_tracks_and_the_preference_does_not_fight_it() {
    let mut shell = Shell::started(lineup(&[1]));
    tracks(&mut shell, Some("a-en"));
    let effects = shell.press(Action::Audio);
    assert_eq!(selections(&effects), ["a-de"]);
    assert_eq!(shell.view().notice, Some(Notice::AudioTrack(Some("de".into()))));
    assert!(selections(&tracks(&mut shell, Some("a-de"))).is_empty());
    assert_eq!(selections(&shell.press(Action::Audio)), ["a-en"]);
}

#[test]
fn no_preferred_track_keeps_the_streams_default() {
    let settings = Settings {
        audio_language: "fra".into(),
        ..Settings::default()
    };
    let mut shell = Shell::with_settings(lineup(&[1]), settings);
    shell.send(Event::Started);
    assert!(selections(&tracks(&mut shell, None)).is_empty());
}

#[test]
fn an_unconfirmed_audio_selection_is_asked_again_a_few_times() {
    let mut shell = Shell::started(lineup(&[1]));
    tracks(&mut shell, Some("a-en"));
    assert_eq!(selections(&shell.press(Action::Audio)), ["a-de"]);
    let repeats: Vec<String> = (0..5).flat_map(|_| selections(&shell.advance(1_000))).collect();
    assert_eq!(
        repeats,
        ["a-de", "a-de"],
        "three asks in all, then the stream's choice stands"
    );
    assert_eq!(
        selections(&shell.press(Action::Audio)),
        ["a-de"],
        "a new press asks again"
    );
    tracks(&mut shell, Some("a-de"));
    assert!(
        selections(&shell.advance(5_000)).is_empty(),
        "confirmed: no more asks"
    );
}

/// Continuity errors the receiver reports add up on the about page for the channel watched,
/// across a rebuild of its pipeline; reports of an older request are ignored; a zap starts over.
/// They are only counted: a lossy stream keeps playing, never "No signal".
#[test]
fn stream_errors_are_counted_on_the_about_page() {
    use zapbox::core::{MenuItem, MenuPage, MenuValue};
    let errors = |shell: &Shell| {
        let lines = shell.core.menu_items(MenuPage::About);
        match lines
            .iter()
            .find(|l| l.item == MenuItem::StreamErrors)
            .map(|l| &l.value)
        {
            Some(MenuValue::Count(n)) => *n,
            other => panic!("stream errors on the about page: {other:?}"),
        }
    };
    let mut shell = Shell::started(lineup(&[1, 2]));
    shell.first_frame();
    assert_eq!(errors(&shell), 0);
    let first = shell.last_request();
    for continuity in [3, 4] {
        shell.send(Event::Player(PlayerEvent::StreamErrors {
            request: first,
            continuity,
        }));
    }
    assert_eq!(errors(&shell), 7);
    assert_eq!(shell.view().phase, Some(Phase::Playing));
    assert_eq!(
        shell.view().notice,
        None,
        "errors alone are no reason for a notice"
    );

    // A stall that lasts rebuilds the pipeline under a new request: the count goes on.
    stall(&mut shell);
    shell.advance(60_000);
    let second = shell.last_request();
    assert_ne!(second, first, "the stalled pipeline was rebuilt");
    shell.send(Event::Player(PlayerEvent::StreamErrors {
        request: second,
        continuity: 5,
    }));
    shell.send(Event::Player(PlayerEvent::StreamErrors {
        request: first,
        continuity: 100,
    }));
    assert_eq!(errors(&shell), 12, "a stale request's report is ignored");

    shell.press(Action::ChannelUp);
    assert_eq!(errors(&shell), 0, "another channel starts from zero");
}

/// A lineup whose only channel is an HLS stream.
fn hls_lineup() -> Lineup {
    let mut ch = channel(1, "web", "News");
    ch.sources = vec![zapbox::lineup::Source {
        url: "http://origin.example/live.m3u8".into(),
        kind: zapbox::lineup::SourceKind::Hls,
        multicast: None,
        ..udp_source(1)
    }];
    Lineup {
        channels: vec![ch],
        guide_urls: vec![],
    }
}

#[test]
fn the_errors_of_one_failing_pipeline_count_once() {
    let mut shell = Shell::started(hls_lineup());
    shell.first_frame();
    // A source 404, then its demuxer and typefinder: one failure of one request.
    fail(&mut shell, ErrorKind::Network);
    fail(&mut shell, ErrorKind::Stream);
    fail(&mut shell, ErrorKind::Unsupported);
    assert_eq!(shell.view().phase, Some(Phase::Retrying { attempt: 1 }));
    assert_eq!(played(&shell.advance(250)), ["web"]);
    // The next request's failure is the next attempt.
    fail(&mut shell, ErrorKind::Network);
    assert_eq!(shell.view().phase, Some(Phase::Retrying { attempt: 2 }));
}

#[test]
fn a_source_that_played_is_never_given_up() {
    // "Stream doesn't contain enough data" (a typefinder fed nothing by an origin answering 404s)
    // sounds permanent, but this box showed the channel's picture: it is retried, not abandoned.
    let mut shell = Shell::started(hls_lineup());
    shell.first_frame();
    for _ in 0..5 {
        fail(&mut shell, ErrorKind::Unsupported);
        assert!(matches!(shell.view().phase, Some(Phase::Retrying { .. })));
        assert_eq!(played(&shell.advance(10_000)), ["web"]);
    }
    shell.first_frame();
    assert_eq!(shell.view().phase, Some(Phase::Playing));
    // A source that never played is given up on the same error.
    let mut shell = Shell::started(hls_lineup());
    fail(&mut shell, ErrorKind::Unsupported);
    assert!(matches!(shell.view().phase, Some(Phase::Failed { .. })));
}

#[test]
fn a_fetched_stream_that_stalls_shows_buffering_and_is_rebuilt_later() {
    let mut shell = Shell::started(hls_lineup());
    shell.first_frame();
    stall(&mut shell);
    assert_eq!(shell.view().phase, Some(Phase::Stalled));
    assert_eq!(shell.view().notice, Some(Notice::Buffering));
    // The pipeline keeps asking the origin longer than a multicast receiver waits for its group.
    assert!(played(&shell.advance(5_999)).is_empty());
    shell.advance(1);
    assert_eq!(shell.view().phase, Some(Phase::Retrying { attempt: 1 }));
    assert_eq!(played(&shell.advance(250)), ["web"]);
    shell.first_frame();
    assert_eq!(shell.view().notice, None);
    // A stall that ends by itself needs no rebuild.
    stall(&mut shell);
    let request = shell.last_request();
    shell.advance(3_000);
    shell.send(Event::Player(PlayerEvent::Resumed { request }));
    assert_eq!(shell.view().phase, Some(Phase::Playing));
    assert!(played(&shell.advance(60_000)).is_empty());
}
