// SPDX-License-Identifier: GPL-3.0-or-later
//! RTSP and RTMP through the real player against real local servers on loopback: GStreamer's
//! gst-rtsp-server (through Python GI, `tests/support/rtsp_server.py`) and nginx with its RTMP
//! module (`.ci/bootstrap deps` installs both). Unicast on 127.0.0.1 only.
//!
//! Run: `cargo test --test player_sources`. Without the servers installed the tests say so and
//! pass, except under CI, where they must run.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use zapbox::core::{ErrorKind, PlayerCommand, PlayerEvent, RequestId};
use zapbox::lineup::{ChannelKey, Origin, Source, SourceKind};
use zapbox::player::{EventSink, Outputs, Player, PlayerConfig};

/// A child process killed when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Says why a test cannot run; fails under CI, where everything must be installed.
fn unavailable(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} (run .ci/bootstrap deps)"
    );
    eprintln!("skipped: {what} (run .ci/bootstrap deps)");
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("bound").port()
}

/// The RTSP server on `port`, once it prints "ready"; its later lines arrive on the receiver.
fn rtsp_server(port: u16, tcp_only: bool) -> Option<(Server, mpsc::Receiver<String>)> {
    let script: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests/support/rtsp_server.py"]
        .iter()
        .collect();
    // Debian's python3, which has the GI bindings (not whatever python3 comes first on PATH).
    let python = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| !p.starts_with('/') || Path::new(p).exists())?;
    let mut command = Command::new(python);
    command.arg(&script).arg(port.to_string());
    if tcp_only {
        command.arg("--tcp-only");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(15)) {
        Ok(line) if line == "ready" => Some((server, rx)),
        _ => None,
    }
}

/// A player whose events and decoded frames the test watches.
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
    let config = PlayerConfig::plain(Outputs::headless(Arc::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    })));
    Probe {
        player: Player::new(config, sink).expect("GStreamer initialises"),
        events,
        frames,
    }
}

fn source(url: String, kind: SourceKind, user_agent: Option<&str>) -> Source {
    Source {
        url,
        kind,
        multicast: None,
        user_agent: user_agent.map(str::to_owned),
        referrer: None,
        headers: Vec::new(),
        program: None,
        properties: Vec::new(),
        origin: Origin {
            file: "test.m3u".into(),
            line: 1,
        },
    }
}

fn play(probe: &Probe, source: Source) {
    probe.player.execute(PlayerCommand::Play {
        request: RequestId(1),
        channel: ChannelKey("test".into()),
        source: Box::new(source),
        hot: Vec::new(),
        start: Default::default(),
    });
}

/// Waits for an event matching `want`; a `Failed` event or the timeout is an error.
fn expect_event(probe: &Probe, within: Duration, want: impl Fn(&PlayerEvent) -> bool) -> Result<(), String> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or("timed out waiting for the player")?;
        match probe.events.recv_timeout(left) {
            Ok(e) if want(&e) => return Ok(()),
            Ok(PlayerEvent::Failed { error, .. }) => return Err(format!("player failed: {error:?}")),
            Ok(_) => {}
            Err(_) => return Err("timed out waiting for the player".into()),
        }
    }
}

/// First frame, then a steady flow of decoded frames.
fn plays(probe: &mut Probe, source: Source) {
    play(probe, source);
    expect_event(probe, Duration::from_secs(20), |e| {
        matches!(e, PlayerEvent::FirstFrame { .. })
    })
    .expect("a first frame");
    keeps_playing(probe);
}

/// Playback goes on after the first frame (a second's worth of frames more), not one frozen
/// picture. No rate is asserted: the machine may be busy encoding and decoding.
fn keeps_playing(probe: &Probe) {
    let before = probe.frames.load(Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(20);
    while probe.frames.load(Ordering::SeqCst) - before < 25 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let decoded = probe.frames.load(Ordering::SeqCst) - before;
    assert!(decoded >= 25, "only {decoded} frames after the first in 20 s");
}

#[test]
fn rtsp_plays_over_udp_with_the_playlist_user_agent() {
    let port = free_port();
    let Some((_server, lines)) = rtsp_server(port, false) else {
        return unavailable("no RTSP server: python3-gi and gir1.2-gst-rtsp-server-1.0 are needed");
    };
    let mut probe = probe();
    let url = format!("rtsp://127.0.0.1:{port}/live");
    plays(&mut probe, source(url, SourceKind::Rtsp, Some("OperatorBox/1.0")));
    let agents: Vec<String> = lines.try_iter().collect();
    assert!(
        agents.iter().any(|l| l == "user-agent: OperatorBox/1.0"),
        "the server saw {agents:?}"
    );
}

#[test]
fn rtsp_falls_back_to_tcp_when_udp_is_refused() {
    let port = free_port();
    let Some((_server, _)) = rtsp_server(port, true) else {
        return unavailable("no RTSP server: python3-gi and gir1.2-gst-rtsp-server-1.0 are needed");
    };
    let mut probe = probe();
    plays(
        &mut probe,
        source(format!("rtsp://127.0.0.1:{port}/live"), SourceKind::Rtsp, None),
    );
}

/// The server going away mid-stream is a network failure within seconds (which the core
/// retries, as for HTTP), never a frozen picture forever.
#[test]
fn rtsp_server_gone_is_a_network_failure() {
    let port = free_port();
    let Some((server, _)) = rtsp_server(port, false) else {
        return unavailable("no RTSP server: python3-gi and gir1.2-gst-rtsp-server-1.0 are needed");
    };
    let mut probe = probe();
    plays(
        &mut probe,
        source(format!("rtsp://127.0.0.1:{port}/live"), SourceKind::Rtsp, None),
    );
    drop(server);
    let failure = wait_failure(&probe, Duration::from_secs(30));
    assert_eq!(failure, Some(ErrorKind::Network));
}

fn wait_failure(probe: &Probe, within: Duration) -> Option<ErrorKind> {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match probe.events.recv_timeout(left) {
            Ok(PlayerEvent::Failed { error, .. }) => return Some(error.kind),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// nginx with the RTMP module on `port`, in `dir`, in the foreground without workers.
fn rtmp_server(dir: &Path, port: u16) -> Option<Server> {
    let module = Path::new("/usr/lib/nginx/modules/ngx_rtmp_module.so");
    if !module.exists() {
        return None;
    }
    let conf = dir.join("nginx.conf");
    let text = format!(
        "load_module {module};\ndaemon off;\nmaster_process off;\npid {dir}/nginx.pid;\n\
         error_log {dir}/error.log info;\nevents {{ worker_connections 64; }}\n\
         rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; }} }} }}\n",
        module = module.display(),
        dir = dir.display(),
    );
    std::fs::write(&conf, text).ok()?;
    let child = Command::new("nginx")
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(server)
}

/// A live H.264 test picture and AAC tone published to `url` with GStreamer's own RTMP sink.
fn rtmp_publisher(url: &str) -> Option<Server> {
    // With audio, as real RTMP streams have it (flvdemux waits for an announced audio track).
    let pipeline = format!(
        "flvmux streamable=true name=mux ! rtmp2sink location={url} \
         videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 \
         ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! h264parse ! mux. \
         audiotestsrc is-live=true ! voaacenc ! aacparse ! mux."
    );
    let child = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(pipeline.split_whitespace())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some(Server(child))
}

#[test]
fn rtmp_plays_from_a_live_server() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let port = free_port();
    let Some(_server) = rtmp_server(dir.path(), port) else {
        return unavailable("no RTMP server: nginx-light and libnginx-mod-rtmp are needed");
    };
    let url = format!("rtmp://127.0.0.1:{port}/live/test");
    let _publisher = rtmp_publisher(&url).expect("gst-launch-1.0 runs");
    // nginx has nothing to play until the publisher is connected; the core would retry, so
    // does the test.
    let mut last = String::new();
    for _ in 0..5 {
        let probe = probe();
        play(&probe, source(url.clone(), SourceKind::Rtmp, None));
        match expect_event(&probe, Duration::from_secs(10), |e| {
            matches!(e, PlayerEvent::FirstFrame { .. })
        }) {
            Ok(()) => return keeps_playing(&probe),
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    panic!("rtmp never played: {last}");
}
