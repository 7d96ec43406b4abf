// SPDX-License-Identifier: GPL-3.0-or-later
//! Player integration tests: real GStreamer pipelines against the demo headend, inside a private
//! network namespace (multicast never leaves it). A custom harness, because the namespace must be
//! entered while the process is still single-threaded.
//!
//! Run: `cargo test --test player`. As root (CI) they always run; without root they need
//! unprivileged user namespaces, and skip with a message when those are disabled.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use zapbox::app::{Inbox, Shell};
use zapbox::core::{
    Action, Core, ErrorKind, Event, Notice, Phase, PlayerCommand, PlayerEvent, RequestId, SavedState,
    Settings, canonical_language,
};
use zapbox::demo::{Headend, HeadendOptions};
use zapbox::lineup::{Lineup, Source};
use zapbox::player::{EventSink, Outputs, Player, PlayerConfig};
use zapbox::system::netns;

type Case = fn(&Fixture) -> Result<(), String>;

struct Fixture {
    headend: Headend,
    lineup: Lineup,
}

fn main() {
    if let Err(e) = netns::enter_private_network() {
        if nix::unistd::geteuid().is_root() || std::env::var_os("CI").is_some() {
            eprintln!("cannot enter a private network namespace: {e}");
            std::process::exit(1);
        }
        eprintln!("skipping the player tests: {e}");
        return;
    }
    let cache = std::env::temp_dir().join("zapbox-test-loops");
    let headend = Headend::start(&HeadendOptions {
        cache_dir: cache,
        width: 640,
        height: 360,
    })
    .expect("the demo headend starts");
    let lineup = zapbox::lineup::build(&[("demo.m3u".into(), headend.playlist().into_bytes())]).lineup;
    assert_eq!(lineup.channels.len(), 8, "the demo lineup parses");
    let fixture = Fixture { headend, lineup };
    let cases: &[(&str, Case)] = &[
        ("multicast channel decodes frames", multicast_decodes),
        ("rtp channel decodes frames", rtp_decodes),
        ("hls channel decodes frames", hls_decodes),
        ("a bad http url is a typed network failure", bad_url_fails),
        ("the overlay output builds its pipeline", overlay_builds),
        ("200 zaps keep exactly one group and no leaks", zap_200_times),
        ("a stopped sender shows no signal and recovers", stall_and_recover),
        (
            "the preferred audio language plays and AUDIO switches",
            audio_language,
        ),
    ];
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut failed = 0;
    for (name, case) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let start = Instant::now();
        match case(&fixture) {
            Ok(()) => println!("test {name} ... ok ({:.1} s)", start.elapsed().as_secs_f64()),
            Err(e) => {
                failed += 1;
                println!("test {name} ... FAILED: {e}");
            }
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

/// A player whose events and frames the test can watch.
struct Probe {
    player: Player,
    events: mpsc::Receiver<PlayerEvent>,
    frames: Arc<AtomicUsize>,
}

fn probe() -> Probe {
    let (tx, events) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let sink: EventSink = Arc::new(move |e| {
        let _ = tx.lock().map(|t| t.send(e));
    });
    let frames = Arc::new(AtomicUsize::new(0));
    let counter = frames.clone();
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(move |frame| {
        assert!(frame.width > 0 && frame.data.len() >= frame.stride * frame.height as usize);
        counter.fetch_add(1, Ordering::SeqCst);
    })));
    Probe {
        player: Player::new(config, sink).expect("GStreamer initialises"),
        events,
        frames,
    }
}

fn play(player: &mut Player, request: u64, source: &Source) {
    player.execute(PlayerCommand::Play {
        request: RequestId(request),
        channel: zapbox::lineup::ChannelKey("test".into()),
        source: Box::new(source.clone()),
    });
}

/// Waits for an event matching `want`, failing on a `Failed` event or the timeout.
fn expect_event(
    probe: &Probe,
    within: Duration,
    want: impl Fn(&PlayerEvent) -> bool,
) -> Result<PlayerEvent, String> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or("timed out waiting for the player")?;
        match probe.events.recv_timeout(left) {
            Ok(e) if want(&e) => return Ok(e),
            Ok(PlayerEvent::Failed { error, .. }) => {
                return Err(format!("player failed: {error:?}"));
            }
            Ok(_) => {}
            Err(_) => return Err("timed out waiting for the player".into()),
        }
    }
}

fn decodes(fixture: &Fixture, number: u32) -> Result<(), String> {
    let mut probe = probe();
    let channel = fixture.lineup.by_number(number).ok_or("channel exists")?;
    play(&mut probe.player, 1, &channel.sources[0]);
    expect_event(&probe, Duration::from_secs(20), |e| {
        matches!(e, PlayerEvent::FirstFrame { .. })
    })?;
    let before = probe.frames.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(1));
    let decoded = probe.frames.load(Ordering::SeqCst) - before;
    if decoded < 10 {
        return Err(format!("only {decoded} frames in a second"));
    }
    let decoder = probe.player.decoder().ok_or("the decoder is known")?;
    if decoder.name.is_empty() {
        return Err("no decoder name".into());
    }
    Ok(())
}

fn multicast_decodes(f: &Fixture) -> Result<(), String> {
    decodes(f, 1)
}

fn rtp_decodes(f: &Fixture) -> Result<(), String> {
    decodes(f, 7)
}

fn hls_decodes(f: &Fixture) -> Result<(), String> {
    decodes(f, 8)
}

fn bad_url_fails(f: &Fixture) -> Result<(), String> {
    let mut probe = probe();
    let mut source = f.lineup.by_number(8).ok_or("hls channel")?.sources[0].clone();
    source.url = format!("{}/hls/missing.m3u8", f.headend.base_url());
    play(&mut probe.player, 9, &source);
    match probe.events.recv_timeout(Duration::from_secs(20)) {
        Ok(PlayerEvent::Failed {
            request: RequestId(9),
            error,
        }) if error.kind == ErrorKind::Network => Ok(()),
        other => Err(format!("expected a network failure, got {other:?}")),
    }
}

/// Boards draw video on their own plane: the overlay strategy must build with kmssink and waylandsink
/// (no display here, so nothing is started).
fn overlay_builds(_: &Fixture) -> Result<(), String> {
    use zapbox::player::{VideoOutput, pipeline};
    for sink in ["kmssink", "waylandsink"] {
        let outputs = Outputs {
            video: VideoOutput::Overlay { sink: sink.into() },
            audio_sink: "fakesink".into(),
        };
        let built = pipeline::build(pipeline::Input::Ts, &outputs, Default::default(), Arc::new(|| {}))
            .map_err(|e| format!("{sink}: {e:?}"))?;
        let has_sink = {
            use gstreamer::prelude::*;
            built
                .pipeline
                .iterate_recurse()
                .into_iter()
                .flatten()
                .any(|e| e.factory().is_some_and(|f| f.name() == sink))
        };
        if !has_sink || built.appsrc.is_none() {
            return Err(format!("{sink} is not in the built pipeline"));
        }
    }
    Ok(())
}

fn multicast_groups() -> Result<HashSet<std::net::Ipv4Addr>, String> {
    let groups = netns::joined_groups().map_err(|e| e.to_string())?;
    Ok(groups
        .into_iter()
        .filter(|g| g.octets()[..2] == [239, 255])
        .collect())
}

fn count_dir(path: &str) -> usize {
    std::fs::read_dir(path).map(|d| d.count()).unwrap_or(0)
}

fn zap_200_times(f: &Fixture) -> Result<(), String> {
    let mut probe = probe();
    let multicast: Vec<&Source> = f.lineup.channels.iter().take(7).map(|c| &c.sources[0]).collect();
    let mut baseline = None;
    for i in 0..200u64 {
        let source = multicast[i as usize % multicast.len()];
        play(&mut probe.player, i, source);
        let groups = multicast_groups()?;
        let expected = source.multicast.ok_or("multicast")?.group;
        if groups.len() != 1 || !groups.iter().any(|g| std::net::IpAddr::V4(*g) == expected) {
            return Err(format!("after zap {i} to {expected}: joined {groups:?}"));
        }
        if i % 20 == 19 {
            expect_event(
                &probe,
                Duration::from_secs(20),
                |e| matches!(e, PlayerEvent::FirstFrame { request, .. } if request.0 == i),
            )?;
        } else {
            std::thread::sleep(Duration::from_millis(30));
        }
        if i == 39 {
            baseline = Some((count_dir("/proc/self/fd"), count_dir("/proc/self/task")));
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let (fds, threads) = (count_dir("/proc/self/fd"), count_dir("/proc/self/task"));
    let (base_fds, base_threads) = baseline.ok_or("baseline taken")?;
    if fds > base_fds + 4 || threads > base_threads + 4 {
        return Err(format!(
            "fds {base_fds} -> {fds}, threads {base_threads} -> {threads} over 160 zaps"
        ));
    }
    probe.player.execute(PlayerCommand::Stop);
    let left = multicast_groups()?;
    if !left.is_empty() {
        return Err(format!("groups still joined after stop: {left:?}"));
    }
    Ok(())
}

/// Stall and recovery through the whole shell: core phases, notices, player, receiver.
fn stall_and_recover(f: &Fixture) -> Result<(), String> {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let frames = Arc::new(AtomicUsize::new(0));
    let counter = frames.clone();
    let outputs = Outputs::headless(Arc::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    let core = Core::new(f.lineup.clone(), SavedState::default(), Settings::default());
    let mut shell = launch(core, outputs, inbox)?;
    shell.handle(Event::Started);
    shell.handle(Event::Action(Action::Digit(2)));
    let playing =
        |s: &Shell| s.view().phase == Some(Phase::Playing) && s.view().on_screen == s.view().requested;
    run_until(&mut shell, &rx, Duration::from_secs(20), playing)
        .map_err(|e| format!("channel 2 does not play: {e}"))?;

    f.headend.set_on_air(1, false);
    let stopped = Instant::now();
    run_until(&mut shell, &rx, Duration::from_secs(3), |s| {
        s.view().notice == Some(Notice::NoSignal)
    })
    .map_err(|e| format!("no 'No signal' within 3 s: {e}"))?;
    println!(
        "  no signal shown {} ms after the sender stopped",
        stopped.elapsed().as_millis()
    );
    std::thread::sleep(Duration::from_secs(1));

    f.headend.set_on_air(1, true);
    let restarted = Instant::now();
    run_until(&mut shell, &rx, Duration::from_secs(2), playing)
        .map_err(|e| format!("not playing within 2 s of restart: {e}"))?;
    let before = frames.load(Ordering::SeqCst);
    run_until(&mut shell, &rx, Duration::from_secs(2), |_| {
        frames.load(Ordering::SeqCst) > before + 5
    })
    .map_err(|e| format!("no new frames within 2 s of restart: {e}"))?;
    println!(
        "  frames again {} ms after the sender restarted",
        restarted.elapsed().as_millis()
    );
    Ok(())
}

/// Channel 2 carries English and German audio; a German preference selects German, AUDIO switches.
fn audio_language(f: &Fixture) -> Result<(), String> {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let settings = Settings {
        audio_language: "ger".into(),
        ..Settings::default()
    };
    let core = Core::new(f.lineup.clone(), SavedState::default(), settings);
    let mut shell = launch(core, Outputs::headless(Arc::new(|_| {})), inbox)?;
    shell.handle(Event::Action(Action::Digit(2)));
    let language_of = |s: &Shell| {
        let view = s.view();
        let selected = view.audio_selected.clone()?;
        view.audio_tracks
            .iter()
            .find(|t| t.id == selected)?
            .language
            .as_deref()
            .map(canonical_language)
    };
    run_until(&mut shell, &rx, Duration::from_secs(20), |s| {
        language_of(s).as_deref() == Some("de")
    })
    .map_err(|e| {
        format!(
            "German was not selected: {e}; tracks {:?}",
            shell.view().audio_tracks
        )
    })?;
    if shell.view().audio_tracks.len() != 2 {
        return Err(format!(
            "expected two audio tracks, got {:?}",
            shell.view().audio_tracks
        ));
    }
    shell.handle(Event::Action(Action::Audio));
    run_until(&mut shell, &rx, Duration::from_secs(10), |s| {
        language_of(s).as_deref() == Some("en")
    })
    .map_err(|e| {
        let view = shell.view();
        format!(
            "AUDIO did not switch to English: {e}; tracks {:?}, selected {:?}",
            view.audio_tracks, view.audio_selected
        )
    })
}

/// A shell on the real player with these outputs.
fn launch(core: Core, outputs: Outputs, inbox: Inbox) -> Result<Shell, String> {
    Shell::launch(core, PlayerConfig::plain(outputs), inbox, None).map_err(|e| format!("{e:#}"))
}

fn run_until(
    shell: &mut Shell,
    rx: &mpsc::Receiver<Event>,
    within: Duration,
    done: impl Fn(&Shell) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    while !done(shell) {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or_else(|| format!("phase {:?}", shell.view().phase))?;
        if let Ok(event) = rx.recv_timeout(left.min(Duration::from_millis(50))) {
            shell.handle(event);
        }
    }
    Ok(())
}
