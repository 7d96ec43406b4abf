// SPDX-License-Identifier: GPL-3.0-or-later
//! The phone companion's server over real sockets: it listens only once opened, a pairing code
//! left unused expires and takes the server down with it (the port is closed, the core hears
//! `Closed`), a used code is spent, and a paired phone keeps the server up until its session ends.
//! The box's address is 10.77.0.1 on `lo` of a private network namespace, entered while the
//! process is single-threaded (harness = false), as the demo does. Needs root or user namespaces.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use zapbox::app::Inbox;
use zapbox::companion::{Companion, CompanionConfig};
use zapbox::core::{CompanionEvent, Event};
use zapbox::system::netns;

const BOX: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);

type Outcome = Result<(), String>;
type Test = (&'static str, fn() -> Outcome);

fn main() -> ExitCode {
    if let Err(e) = netns::enter_private_network() {
        eprintln!("cannot enter a private network namespace: {e}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = netns::add_loopback_address(BOX) {
        eprintln!("cannot add {BOX} to lo: {e}");
        return ExitCode::FAILURE;
    }
    let tests: [Test; 3] = [
        ("closed_until_opened", closed_until_opened),
        (
            "an_unused_code_expires_and_the_server_stops",
            an_unused_code_expires_and_the_server_stops,
        ),
        (
            "a_paired_phone_keeps_the_server_until_its_session_ends",
            a_paired_phone_keeps_the_server,
        ),
    ];
    let mut failed = 0;
    for (name, test) in tests {
        match test() {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    println!("{} passed, {failed} failed", tests.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn companion(port: u16, token: Duration, session: Option<Duration>) -> (Companion, Receiver<Event>) {
    let (inbox, rx) = Inbox::new(Arc::new(|| {}));
    let config = CompanionConfig {
        port,
        address: Some(BOX.into()),
        token_lifetime: token,
        session,
        ..CompanionConfig::default()
    };
    (Companion::new(config, inbox), rx)
}

/// The next companion event, skipping others.
fn next(rx: &Receiver<Event>, within: Duration) -> Result<CompanionEvent, String> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Companion(event)) => return Ok(event),
            Ok(_) => {}
            Err(_) => return Err(format!("no companion event within {within:?}")),
        }
    }
}

fn get(port: u16, path: &str, cookie: Option<&str>) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&SocketAddr::from((BOX, port)), Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {BOX}:{port}\r\n{cookie}Connection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

fn status(answer: &str) -> &str {
    answer.split(' ').nth(1).unwrap_or("")
}

/// The token and port of a pairing URL `http://10.77.0.1:PORT/pair/TOKEN`.
fn listening(event: CompanionEvent) -> Result<(u16, String), String> {
    let CompanionEvent::Listening { url } = event else {
        return Err(format!("expected Listening, got {event:?}"));
    };
    let rest = url
        .strip_prefix(&format!("http://{BOX}:"))
        .ok_or(format!("not on the box's address: {url}"))?;
    let (port, token) = rest.split_once("/pair/").ok_or(format!("no token: {url}"))?;
    Ok((port.parse().map_err(|_| url.clone())?, token.to_string()))
}

fn closed_until_opened() -> Outcome {
    let (companion, rx) = companion(18_099, Duration::from_secs(60), None);
    if companion.is_listening() || get(18_099, "/", None).is_ok() {
        return Err("listening before the viewer opened it".into());
    }
    companion.open();
    let (port, _) = listening(next(&rx, Duration::from_secs(2))?)?;
    let answer = get(port, "/", None).map_err(|e| e.to_string())?;
    (status(&answer) == "403")
        .then_some(())
        .ok_or(format!("no session, yet: {answer}"))
}

fn an_unused_code_expires_and_the_server_stops() -> Outcome {
    let (companion, rx) = companion(18_100, Duration::from_secs(1), None);
    companion.open();
    let (port, token) = listening(next(&rx, Duration::from_secs(2))?)?;
    let event = next(&rx, Duration::from_secs(5))?;
    if event != CompanionEvent::Closed {
        return Err(format!("expected Closed after the code expired, got {event:?}"));
    }
    if companion.is_listening() {
        return Err("still listening".into());
    }
    match get(port, &format!("/pair/{token}"), None) {
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(()),
        other => Err(format!("the port still answers: {other:?}")),
    }
}

fn a_paired_phone_keeps_the_server() -> Outcome {
    let (companion, rx) = companion(18_101, Duration::from_secs(1), Some(Duration::from_secs(3)));
    companion.open();
    let (port, token) = listening(next(&rx, Duration::from_secs(2))?)?;
    let paired = get(port, &format!("/pair/{token}"), None).map_err(|e| e.to_string())?;
    let cookie = paired
        .lines()
        .find_map(|l| l.strip_prefix("Set-Cookie: "))
        .and_then(|c| c.split(';').next())
        .ok_or(format!("no session cookie: {paired}"))?
        .to_string();
    let again = get(port, &format!("/pair/{token}"), None).map_err(|e| e.to_string())?;
    if status(&again) != "410" {
        return Err(format!("a used code must be spent: {again}"));
    }
    // The code's lifetime is over; the phone's session keeps the server up.
    std::thread::sleep(Duration::from_millis(1500));
    let page = get(port, "/", Some(&cookie)).map_err(|e| e.to_string())?;
    if status(&page) != "200" {
        return Err(format!("the paired phone lost its page: {page}"));
    }
    let mut events = Vec::new();
    while let Ok(event) = next(&rx, Duration::from_secs(4)) {
        events.push(event);
        if events.last() == Some(&CompanionEvent::Closed) {
            break;
        }
    }
    if events != [CompanionEvent::Paired, CompanionEvent::Closed] {
        return Err(format!(
            "expected Paired then Closed when the session ended: {events:?}"
        ));
    }
    match get(port, "/", Some(&cookie)) {
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(()),
        other => Err(format!("the port still answers: {other:?}")),
    }
}
