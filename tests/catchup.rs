// SPDX-License-Identifier: GPL-3.0-or-later
//! Catch-up end to end: `zapbox catchup` as an integrator runs it (the real binary, a playlist
//! file, the process's `TZ`), and the demo headend's archive fetched over real HTTP with a URL
//! the engine made from the demo playlist, checked to start at the asked time by the stream's
//! own PTS, then played by the player's real pipeline.
//!
//! A custom harness: the archive case starts the headend, whose multicast must stay inside a
//! private network namespace entered while the process is single-threaded. The CLI cases run
//! without it. Run: `cargo test --test catchup`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use zapbox::core::{PlayerCommand, PlayerEvent, RequestId};
use zapbox::demo::{Headend, HeadendOptions};
use zapbox::lineup::ChannelKey;
use zapbox::lineup::catchup::ArchiveRequest;
use zapbox::player::{EventSink, Outputs, Player, PlayerConfig};
use zapbox::system::netns;

type Case = fn() -> Result<(), String>;

fn main() {
    let in_namespace = match netns::enter_private_network() {
        Ok(()) => true,
        Err(e) if nix::unistd::geteuid().is_root() || std::env::var_os("CI").is_some() => {
            eprintln!("cannot enter a private network namespace: {e}");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("the archive case is skipped: {e}");
            false
        }
    };
    let mut cases: Vec<(&str, Case)> = vec![
        (
            "catchup prints the xc archive URL in the TZ zone",
            cli_text_in_local_time,
        ),
        ("catchup --json gives the url and the template's facts", cli_json),
        (
            "catchup applies tvg-shift and catchup-correction",
            cli_shift_and_correction,
        ),
        ("catchup refuses with a reason and exit status 1", cli_refusals),
        ("catchup rejects a bad time with exit status 2", cli_bad_usage),
    ];
    if in_namespace {
        cases.push((
            "the demo archive starts at the asked time and plays",
            demo_archive_start,
        ));
        cases.push((
            "OK on a past programme in the guide plays it from the archive from its start",
            guide_ok_plays_the_archive,
        ));
        cases.push((
            "an archive that ends early is asked again from where the picture is",
            archive_pieces_play_on,
        ));
        cases.push((
            "a vod archive is asked for the guide programme's catchup-id and plays",
            vod_plays_the_guide_programme,
        ));
    }
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut failed = 0;
    for (name, case) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        match case() {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

const PLAYLIST: &str = r#"#EXTM3U
#EXTINF:-1 tvg-id="one.xc" tvg-chno="1" catchup="xc",One
http://xc.example:8080/live/user/pass/1477.m3u8
#EXTINF:-1 tvg-id="two" tvg-chno="2" tvg-shift="1" catchup="default" catchup-days="3" catchup-correction="-0.5" catchup-source="https://arc.example/two?start={utc}&end={utcend}&day={utc:Ymd}",Two
https://live.example/two.m3u8
#EXTINF:-1 tvg-id="three" tvg-chno="3",Three
udp://@239.1.1.3:5000
"#;

/// Central European time as a POSIX rule, so the test needs no zone files.
const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

fn catchup(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let list = dir.path().join("list.m3u");
    std::fs::write(&list, PLAYLIST).expect("the playlist is written");
    Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .arg("catchup")
        .arg(&list)
        .args(args)
        .env("TZ", BERLIN)
        .output()
        .expect("zapbox runs")
}

fn expect(out: &Output, code: i32, stdout: &str, stderr_has: &str) -> Result<(), String> {
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    if out.status.code() != Some(code) || o != stdout || !e.contains(stderr_has) {
        return Err(format!(
            "exit {:?}, stdout {o:?}, stderr {e:?}",
            out.status.code()
        ));
    }
    Ok(())
}

const NOW: &str = "2026-12-06T23:00:00Z";
const XC_URL: &str = "http://xc.example:8080/timeshift/user/pass/90/2026-12-06:21-15/1477.m3u8\n";

fn cli_text_in_local_time() -> Result<(), String> {
    // 20:15 UTC is 21:15 in Berlin; {duration:60} of 5400 s is 90 minutes.
    let at = ["--channel", "1", "--duration", "5400", "--now", NOW];
    expect(
        &catchup(&[&at[..], &["--start", "2026-12-06T20:15:00Z"]].concat()),
        0,
        XC_URL,
        "",
    )?;
    // The same start given as local time, and the channel by its tvg-id.
    let local = [
        "--channel",
        "one.xc",
        "--duration",
        "5400",
        "--now",
        NOW,
        "--start",
        "2026-12-06T21:15:00",
    ];
    expect(&catchup(&local), 0, XC_URL, "")
}

fn cli_json() -> Result<(), String> {
    let out = catchup(&[
        "--channel",
        "1",
        "--start",
        "2026-12-06T20:15:00Z",
        "--duration",
        "5400",
        "--now",
        NOW,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {out:?}"))?;
    let want = serde_json::json!({
        "url": XC_URL.trim_end(), "channel": 1, "mode": "xc", "granularity_s": 60, "terminates": true
    });
    if v != want || out.status.code() != Some(0) {
        return Err(format!("{v} ({:?})", out.status.code()));
    }
    Ok(())
}

fn cli_shift_and_correction() -> Result<(), String> {
    // The guide shows 21:00+01:00 (20:00Z) with tvg-shift +1 h: the provider's clock says 19:00Z,
    // and catchup-correction -0.5 h moves it to 19:30Z. The day is local (Berlin).
    let out = catchup(&[
        "--channel",
        "TWO",
        "--start",
        "2026-12-06T21:00:00+01:00",
        "--duration",
        "3600",
        "--now",
        NOW,
    ]);
    expect(
        &out,
        0,
        "https://arc.example/two?start=1796585400&end=1796589000&day=20261206\n",
        "",
    )
}

fn cli_refusals() -> Result<(), String> {
    let base = ["--duration", "600", "--now", NOW];
    let no_catchup = catchup(&[&base[..], &["--channel", "3", "--start", "2026-12-06T20:00:00Z"]].concat());
    expect(&no_catchup, 1, "", "channel 3 (Three) has no catch-up")?;
    let old = catchup(&[&base[..], &["--channel", "2", "--start", "2026-12-02T00:00:00Z"]].concat());
    expect(
        &old,
        1,
        "",
        "outside its 3-day archive (the oldest start is 2026-12-03T23:00:00Z)",
    )?;
    let future = catchup(&[&base[..], &["--channel", "2", "--start", "2026-12-07T20:00:00Z"]].concat());
    expect(&future, 1, "", "not in the past yet")?;
    let unknown = catchup(&[&base[..], &["--channel", "99", "--start", "2026-12-06T20:00:00Z"]].concat());
    expect(&unknown, 1, "", "no channel '99'")?;
    let json = catchup(
        &[
            &base[..],
            &["--channel", "3", "--start", "2026-12-06T20:00:00Z", "--json"],
        ]
        .concat(),
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).map_err(|e| e.to_string())?;
    if v["url"] != serde_json::Value::Null || !v["error"].as_str().is_some_and(|e| e.contains("no catch-up"))
    {
        return Err(format!("{v}"));
    }
    Ok(())
}

fn cli_bad_usage() -> Result<(), String> {
    let out = catchup(&["--channel", "1", "--start", "yesterday", "--duration", "60"]);
    expect(&out, 2, "", "--start 'yesterday' is not an ISO 8601 time")?;
    let out = catchup(&[
        "--channel",
        "1",
        "--start",
        "2026-12-06T20:15:00Z",
        "--duration",
        "0",
    ]);
    expect(&out, 2, "", "--duration")
}

/// The demo's channel 1 archive: the engine's URL for a start 10 minutes ago, 5 s long, and for
/// starts 3 s and 20 s later, each beginning at the keyframe at or before the asked second.
fn demo_archive_start() -> Result<(), String> {
    let headend = Headend::start(&HeadendOptions {
        cache_dir: std::env::temp_dir().join("zapbox-test-loops"),
        width: 640,
        height: 360,
    })
    .map_err(|e| format!("the demo headend starts: {e:#}"))?;
    let report = zapbox::lineup::build(&[("demo.m3u".into(), headend.playlist().into_bytes())]);
    let channel = report.lineup.by_number(1).ok_or("channel 1")?;
    let archive = channel
        .catchup
        .as_ref()
        .ok_or("channel 1 has catch-up in the demo playlist")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let mut firsts = Vec::new();
    for start in [now - 600, now - 597, now - 580] {
        let req = ArchiveRequest {
            start,
            duration_s: 5,
            now,
            guide_shift_s: 0,
            catchup_id: None,
        };
        let url = archive
            .archive_url(&req, &jiff::tz::TimeZone::UTC)
            .map_err(|e| e.to_string())?;
        let body = http_get(&url)?;
        let pts = video_pts(&body);
        let (first, last) = (
            *pts.first().ok_or("no video PTS")?,
            *pts.iter().max().ok_or("no PTS")?,
        );
        // Stamped with air time: the first frame is the keyframe at most one GOP (1 s) before.
        let before = (pts_of(start) + (1 << 33) - first) % (1 << 33);
        if before > 90_000 {
            return Err(format!(
                "{url}: first frame {before} ticks before the asked start"
            ));
        }
        let span = (last + (1 << 33) - first) % (1 << 33);
        if !(4 * 90_000..=7 * 90_000).contains(&span) {
            return Err(format!("{url}: {span} ticks of video for 5 s asked"));
        }
        firsts.push(first);
    }
    // 20 s later is the same point of the loop two laps on: exactly 20 s of PTS.
    if (firsts[2] + (1 << 33) - firsts[0]) % (1 << 33) != 20 * 90_000 {
        return Err(format!("starts 20 s apart gave PTS {firsts:?}"));
    }
    let future = format!("{}/archive/1/{}-5.ts", headend.base_url(), now + 60);
    match http_get(&future) {
        Err(e) if e.contains("404") => {}
        other => return Err(format!("a future start must be refused: {other:?}")),
    }
    let req = ArchiveRequest {
        start: now - 300,
        duration_s: 8,
        now,
        guide_shift_s: 0,
        catchup_id: None,
    };
    plays(
        &archive
            .archive_url(&req, &jiff::tz::TimeZone::UTC)
            .map_err(|e| e.to_string())?,
    )
}

/// The whole chain on the demo headend: its playlist and XMLTV guide loaded as the box loads
/// them, the core's guide opened, LEFT to the programme before the one on air, OK. The core
/// asks for the archive URL of exactly that programme; the real player plays it; the archive
/// logged the request with a first frame at most one GOP before the programme's start; the
/// core's bar puts the picture at the programme's start. The picture itself is the one of that
/// moment: the same first frame as a second request for that start, and another one than a
/// request 3 s later (the demo's ball moves every frame).
fn guide_ok_plays_the_archive() -> Result<(), String> {
    use zapbox::core::{Action, Core, Effect, Event, GuideHandle, Now, SavedState, ScreenView, Settings};
    let headend = Headend::start(&HeadendOptions {
        cache_dir: std::env::temp_dir().join("zapbox-test-loops"),
        width: 640,
        height: 360,
    })
    .map_err(|e| format!("the demo headend starts: {e:#}"))?;
    let lineup = zapbox::lineup::build(&[("demo.m3u".into(), headend.playlist().into_bytes())]).lineup;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let source = zapbox::epg::GuideSource::new(format!("{}/guide.xml", headend.base_url()));
    zapbox::epg::ingest(&[source], dir.path(), &Default::default()).map_err(|e| format!("guide: {e:#}"))?;
    let index = zapbox::epg::index::load(dir.path()).map_err(|e| format!("guide index: {e}"))?;
    let guide = zapbox::guide::Guide::new(index, &lineup, &zapbox::guide::GuideOverrides::new());
    let clock = Instant::now();
    let now = || Now {
        monotonic_ms: clock.elapsed().as_millis() as u64,
        utc_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    let mut core = Core::new(lineup, SavedState::default(), Settings::default());
    core.handle(Event::GuideLoaded(GuideHandle::new(guide)), now());
    core.handle(Event::Started, now());
    core.handle(Event::Action(Action::Guide), now());
    core.handle(Event::Action(Action::Left), now());
    let ScreenView::Guide(grid) = core.view(now()).screen else {
        return Err("the guide is open".into());
    };
    let programme = grid.focused.ok_or("a programme before the one on air")?;
    if !grid.rows[grid.focus_row]
        .cells
        .iter()
        .any(|c| c.focused && c.archive)
    {
        return Err(format!("{programme:?} is not marked as in the archive"));
    }
    let play = core
        .handle(Event::Action(Action::Ok), now())
        .into_iter()
        .find_map(|e| match e {
            Effect::Player(play @ PlayerCommand::Play { .. }) => Some(play),
            _ => None,
        })
        .ok_or("OK plays")?;
    let PlayerCommand::Play { request, source, .. } = &play else {
        unreachable!()
    };
    let length = programme.stop_s - programme.start_s;
    let expected = format!(
        "{}/archive/1/{}-{length}.ts",
        headend.base_url(),
        programme.start_s
    );
    if source.url != expected {
        return Err(format!("OK asked for {}, not {expected}", source.url));
    }
    let first = first_frame(play.clone())?;
    core.handle(
        Event::Player(PlayerEvent::FirstFrame {
            request: *request,
            decoder: None,
        }),
        now(),
    );
    let bar = core.view(now()).timeshift.ok_or("the bar is shown")?;
    let position_s = bar.position_utc_ms / 1000;
    if !bar.archive || position_s != programme.start_s {
        return Err(format!(
            "the bar is at {position_s}, not the programme's start {}",
            programme.start_s
        ));
    }
    let served = *headend
        .archive_served()
        .last()
        .ok_or("the archive served nothing")?;
    let start_ms = programme.start_s as u64 * 1000;
    if served.start_s != programme.start_s as u64
        || !(start_ms - 1000..=start_ms).contains(&served.first_frame_ms)
    {
        return Err(format!(
            "the archive served {served:?} for a start at {start_ms} ms"
        ));
    }
    let again = first_frame(play.clone())?;
    let mut later = play;
    if let PlayerCommand::Play { source, .. } = &mut later {
        source.url = format!("{}/archive/1/{}-60.ts", headend.base_url(), programme.start_s + 3);
    }
    let other = first_frame(later)?;
    if first != again || first == other {
        return Err(format!(
            "first frames: {first:x}, again {again:x}, 3 s later {other:x}"
        ));
    }
    Ok(())
}

/// An archive that serves 4 s per request (the demo's, with the duration in the template fixed
/// at 4): the core, driven by the real player's events, asks again from where the picture stands
/// each time a piece ends, so the programme plays on across pieces, each starting about where
/// the previous one ended.
fn archive_pieces_play_on() -> Result<(), String> {
    use zapbox::core::{Action, Core, Effect, Event, GuideHandle, Now, SavedState, Settings};
    let headend = Headend::start(&HeadendOptions {
        cache_dir: std::env::temp_dir().join("zapbox-test-loops"),
        width: 640,
        height: 360,
    })
    .map_err(|e| format!("the demo headend starts: {e:#}"))?;
    let playlist = headend.playlist().replace("{utc}-{duration}.ts", "{utc}-4.ts");
    if !playlist.contains("{utc}-4.ts") {
        return Err("the demo playlist's archive template changed".into());
    }
    let lineup = zapbox::lineup::build(&[("demo.m3u".into(), playlist.into_bytes())]).lineup;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let source = zapbox::epg::GuideSource::new(format!("{}/guide.xml", headend.base_url()));
    zapbox::epg::ingest(&[source], dir.path(), &Default::default()).map_err(|e| format!("guide: {e:#}"))?;
    let index = zapbox::epg::index::load(dir.path()).map_err(|e| format!("guide index: {e}"))?;
    let guide = zapbox::guide::Guide::new(index, &lineup, &zapbox::guide::GuideOverrides::new());
    let clock = Instant::now();
    let now = || Now {
        monotonic_ms: clock.elapsed().as_millis() as u64,
        utc_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    let (tx, events) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink: EventSink = Arc::new(move |e| {
        let _ = tx.lock().map(|t| t.send(e));
    });
    let player = Player::new(PlayerConfig::plain(Outputs::headless(Arc::new(|_| {}))), sink)
        .map_err(|e| format!("{e:?}"))?;
    let mut core = Core::new(lineup, SavedState::default(), Settings::default());
    core.handle(Event::GuideLoaded(GuideHandle::new(guide)), now());
    let run = |effects: Vec<Effect>, player: &Player| {
        for effect in effects {
            if let Effect::Player(command) = effect {
                player.execute(command);
            }
        }
    };
    for event in [
        Event::Started,
        Event::Action(Action::Guide),
        Event::Action(Action::Left),
        Event::Action(Action::Ok),
    ] {
        run(core.handle(event, now()), &player);
    }
    // Until the third piece is asked for (12 s of pictures; a loaded machine may take longer to
    // start each piece, which is not what this checks), then 2 s into that piece.
    let started = Instant::now();
    let mut third_asked: Option<Instant> = None;
    while started.elapsed() < Duration::from_secs(90)
        && third_asked.is_none_or(|at| at.elapsed() < Duration::from_secs(2))
    {
        if let Ok(event) = events.recv_timeout(Duration::from_millis(100)) {
            run(core.handle(Event::Player(event), now()), &player);
        }
        if third_asked.is_none() && headend.archive_served().len() >= 3 {
            third_asked = Some(Instant::now());
        }
    }
    player.execute(PlayerCommand::Stop);
    let bar = core.view(now()).timeshift.ok_or("still in the archive")?;
    let starts: Vec<u64> = headend.archive_served().iter().map(|s| s.start_s).collect();
    if starts.len() < 3 {
        return Err(format!(
            "{} archive requests in {:.0} s of 4 s pieces: {starts:?}",
            starts.len(),
            started.elapsed().as_secs_f64()
        ));
    }
    for pair in starts.windows(2) {
        if !(3..=7).contains(&(pair[1] - pair[0])) {
            return Err(format!("a piece does not follow the one before: {starts:?}"));
        }
    }
    let position_s = bar.position_utc_ms / 1000;
    let last = *starts.last().unwrap_or(&0) as i64;
    if !bar.archive || !(last..=last + 6).contains(&position_s) {
        return Err(format!("the bar is at {position_s} after pieces from {starts:?}"));
    }
    Ok(())
}

/// Plays `play` on a real player (headless) and hashes the first decoded picture.
fn first_frame(play: PlayerCommand) -> Result<u64, String> {
    use std::hash::{Hash, Hasher};
    let (tx, events) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink: EventSink = Arc::new(move |e| {
        let _ = tx.lock().map(|t| t.send(e));
    });
    let picture: Arc<Mutex<Option<u64>>> = Arc::default();
    let keep = picture.clone();
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(move |frame| {
        let Ok(mut first) = keep.lock() else { return };
        if first.is_none() {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            let row = frame.width as usize * 4;
            for y in 0..frame.height as usize {
                frame.data[y * frame.stride..][..row].hash(&mut hasher);
            }
            *first = Some(hasher.finish());
        }
    })));
    let player = Player::new(config, sink).map_err(|e| format!("{e:?}"))?;
    player.execute(play);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or("no first frame in 20 s")?;
        match events.recv_timeout(left) {
            Ok(PlayerEvent::FirstFrame { .. }) => break,
            Ok(PlayerEvent::Failed { error, .. }) => return Err(format!("{error:?}")),
            Ok(_) => {}
            Err(_) => return Err("no first frame in 20 s".into()),
        }
    }
    // The event is posted as the frame reaches the sink; the picture follows it there.
    let hash = loop {
        if let Some(hash) = *picture.lock().map_err(|e| e.to_string())? {
            break hash;
        }
        if Instant::now() > deadline {
            return Err("a first frame but no picture".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    player.execute(PlayerCommand::Stop);
    Ok(hash)
}

/// The player (real GStreamer pipeline, headless) plays the archive URL and decodes its frames.
fn plays(url: &str) -> Result<(), String> {
    let list = format!("#EXTINF:-1,Archive\n{url}\n");
    let lineup = zapbox::lineup::build(&[("archive.m3u".into(), list.into_bytes())]).lineup;
    let source = lineup
        .channels
        .first()
        .ok_or("the archive URL is a playable source")?
        .sources[0]
        .clone();
    let (tx, events) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink: EventSink = Arc::new(move |e| {
        let _ = tx.lock().map(|t| t.send(e));
    });
    let frames = Arc::new(AtomicUsize::new(0));
    let counter = frames.clone();
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    })));
    let player = Player::new(config, sink).map_err(|e| format!("{e:?}"))?;
    player.execute(PlayerCommand::Play {
        request: RequestId(1),
        channel: ChannelKey("archive".into()),
        source: Box::new(source),
        hot: Vec::new(),
        start: Default::default(),
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or("no first frame")?;
        match events.recv_timeout(left) {
            Ok(PlayerEvent::FirstFrame { .. }) => break,
            Ok(PlayerEvent::Failed { error, .. }) => return Err(format!("{url}: {error:?}")),
            Ok(_) => {}
            Err(_) => return Err(format!("{url}: no first frame in 20 s")),
        }
    }
    let before = frames.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(1));
    let decoded = frames.load(Ordering::SeqCst) - before;
    if decoded < 10 {
        return Err(format!("{url}: only {decoded} frames in a second"));
    }
    Ok(())
}

/// The demo's channel 2 has a `vod` archive (`catchup-source=".../vod/2/{catchup-id}.ts"`) and
/// its guide gives each programme a `catchup-id`. Through the whole chain (the playlist and the
/// XMLTV over HTTP, the ingest keeping the ids, the core, the real player): GUIDE, DOWN, LEFT,
/// OK asks for exactly that programme's id, the headend serves it from the programme's start,
/// and the player shows it (first frame, and the bar moving on from the programme's start).
fn vod_plays_the_guide_programme() -> Result<(), String> {
    use zapbox::core::{Action, Core, Effect, Event, GuideHandle, Now, SavedState, ScreenView, Settings};
    let headend = Headend::start(&HeadendOptions {
        cache_dir: std::env::temp_dir().join("zapbox-test-loops"),
        width: 640,
        height: 360,
    })
    .map_err(|e| format!("the demo headend starts: {e:#}"))?;
    let lineup = zapbox::lineup::build(&[("demo.m3u".into(), headend.playlist().into_bytes())]).lineup;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let source = zapbox::epg::GuideSource::new(format!("{}/guide.xml", headend.base_url()));
    zapbox::epg::ingest(&[source], dir.path(), &Default::default()).map_err(|e| format!("guide: {e:#}"))?;
    let index = zapbox::epg::index::load(dir.path()).map_err(|e| format!("guide index: {e}"))?;
    let guide = zapbox::guide::Guide::new(index, &lineup, &zapbox::guide::GuideOverrides::new());
    let clock = Instant::now();
    let now = || Now {
        monotonic_ms: clock.elapsed().as_millis() as u64,
        utc_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    let (tx, events) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink: EventSink = Arc::new(move |e| {
        let _ = tx.lock().map(|t| t.send(e));
    });
    let player = Player::new(PlayerConfig::plain(Outputs::headless(Arc::new(|_| {}))), sink)
        .map_err(|e| format!("{e:?}"))?;
    let mut core = Core::new(lineup, SavedState::default(), Settings::default());
    core.handle(Event::GuideLoaded(GuideHandle::new(guide)), now());
    let asked = std::cell::RefCell::new(Vec::new());
    let run = |effects: Vec<Effect>, player: &Player| {
        for effect in effects {
            if let Effect::Player(command) = effect {
                if let PlayerCommand::Play { source, .. } = &command {
                    asked.borrow_mut().push(source.url.clone());
                }
                player.execute(command);
            }
        }
    };
    for event in [
        Event::Started,
        Event::Action(Action::Guide),
        Event::Action(Action::Down),
    ] {
        run(core.handle(event, now()), &player);
    }
    run(core.handle(Event::Action(Action::Left), now()), &player);
    let ScreenView::Guide(grid) = core.view(now()).screen else {
        return Err("the guide is open".into());
    };
    let programme = grid.focused.ok_or("a past programme on channel 2")?;
    let row = &grid.rows[grid.focus_row];
    if row.channel.number != 2 || !row.cells.iter().any(|c| c.focused && c.archive) {
        return Err(format!(
            "{programme:?} on channel {} is not marked as in the archive",
            row.channel.number
        ));
    }
    run(core.handle(Event::Action(Action::Ok), now()), &player);
    let expected = format!("{}/vod/2/ep-{}.ts", headend.base_url(), programme.start_s);
    let last = asked.borrow().last().cloned();
    if last.as_ref() != Some(&expected) {
        return Err(format!("OK asked for {last:?}, not {expected}"));
    }
    let started = Instant::now();
    let mut first_frame = false;
    while started.elapsed() < Duration::from_secs(8) {
        if let Ok(event) = events.recv_timeout(Duration::from_millis(100)) {
            first_frame |= matches!(event, PlayerEvent::FirstFrame { .. });
            if let PlayerEvent::Failed { error, .. } = &event {
                return Err(format!("{expected}: {error:?}"));
            }
            run(core.handle(Event::Player(event), now()), &player);
        }
    }
    player.execute(PlayerCommand::Stop);
    let bar = core.view(now()).timeshift.ok_or("still in the archive")?;
    let played_ms = bar.position_utc_ms - programme.start_s * 1000;
    if !first_frame || !bar.archive || !(3_000..=8_000).contains(&played_ms) {
        return Err(format!(
            "first frame {first_frame}, the bar {played_ms} ms into the programme"
        ));
    }
    let served = headend.vod_served();
    let start_ms = programme.start_s as u64 * 1000;
    match served.as_slice() {
        [one]
            if one.start_s == programme.start_s as u64
                && (start_ms - 1000..=start_ms).contains(&one.first_frame_ms) =>
        {
            Ok(())
        }
        other => Err(format!(
            "the vod archive served {other:?} for a programme at {start_ms} ms"
        )),
    }
}

fn pts_of(unix_s: i64) -> u64 {
    (unix_s as u64 * 90_000) % (1 << 33)
}

/// A plain HTTP/1.1 GET of an `http://host:port/path` URL; the body, or the status line.
fn http_get(url: &str) -> Result<Vec<u8>, String> {
    let rest = url.strip_prefix("http://").ok_or("not http")?;
    let (host, path) = rest.split_at(rest.find('/').ok_or("no path")?);
    let mut s = TcpStream::connect(host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).map_err(|e| e.to_string())?;
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no header end")?;
    let status = String::from_utf8_lossy(&reply[..split])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    if !status.contains(" 200 ") {
        return Err(status);
    }
    Ok(reply[split + 4..].to_vec())
}

/// PTS (90 kHz) of every video PES (stream id 0xE0..0xEF) starting in `ts`, in stream order.
fn video_pts(ts: &[u8]) -> Vec<u64> {
    ts.chunks_exact(188)
        .filter(|p| p[0] == 0x47 && p[1] & 0x40 != 0)
        .filter_map(|p| {
            let start = if p[3] & 0x20 != 0 {
                5 + usize::from(p[4])
            } else {
                4
            };
            let pes = p.get(start..)?;
            let video = pes.get(..3)? == [0, 0, 1] && (0xe0..=0xef).contains(pes.get(3)?);
            if !video || pes.get(7)? & 0x80 == 0 {
                return None;
            }
            let b = pes.get(9..14)?;
            Some(
                (u64::from(b[0] >> 1 & 7) << 30)
                    | (u64::from(b[1]) << 22)
                    | (u64::from(b[2] >> 1) << 15)
                    | (u64::from(b[3]) << 7)
                    | u64::from(b[4] >> 1),
            )
        })
        .collect()
}
