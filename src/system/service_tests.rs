// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of the sd_notify side against real unix datagram sockets (path and abstract).

use super::*;
use std::ffi::OsStr;

fn receive(socket: &UnixDatagram) -> String {
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 512];
    let n = socket.recv(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn notifications_reach_a_path_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify");
    let listener = UnixDatagram::bind(&path).unwrap();
    let n = Notifier::from_vars(Some(path.as_os_str()), Some("20000000"), None, 42);
    assert!(n.is_active());
    assert_eq!(n.watchdog_timeout(), Some(Duration::from_secs(20)));
    assert_eq!(n.ping_interval(), Some(Duration::from_secs(10)));
    n.ready("Playing\nChannel 1");
    assert_eq!(receive(&listener), "READY=1\nSTATUS=Playing Channel 1");
    n.watchdog_ping();
    assert_eq!(receive(&listener), "WATCHDOG=1");
    n.status("Waiting for the network");
    assert_eq!(receive(&listener), "STATUS=Waiting for the network");
    n.stopping();
    assert_eq!(receive(&listener), "STOPPING=1\nSTATUS=Stopping");
}

#[test]
fn notifications_reach_an_abstract_socket() {
    use std::os::linux::net::SocketAddrExt;
    let name = format!("zapbox-test-notify-{}", std::process::id());
    let listener =
        UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    let n = Notifier::from_vars(Some(OsStr::new(&format!("@{name}"))), None, None, 1);
    n.ready("up");
    assert_eq!(receive(&listener), "READY=1\nSTATUS=up");
    // No watchdog configured: pings are not sent.
    n.watchdog_ping();
    n.status("next");
    assert_eq!(receive(&listener), "STATUS=next");
}

#[test]
fn the_watchdog_belongs_to_the_process_systemd_named() {
    let mine = Notifier::from_vars(None, Some("4000000"), Some("7"), 7);
    assert_eq!(mine.ping_interval(), Some(Duration::from_secs(2)));
    let parents = Notifier::from_vars(None, Some("4000000"), Some("6"), 7);
    assert_eq!(parents.watchdog_timeout(), None);
    assert_eq!(
        Notifier::from_vars(None, Some("0"), None, 7).watchdog_timeout(),
        None
    );
    assert_eq!(
        Notifier::from_vars(None, Some("soon"), None, 7).watchdog_timeout(),
        None
    );
}

#[test]
fn without_a_service_manager_nothing_is_sent() {
    let n = Notifier::from_vars(None, None, None, 1);
    assert!(!n.is_active());
    n.ready("x");
    n.watchdog_ping();
    n.stopping();
    assert!(!Notifier::from_vars(Some(OsStr::new("vsock:2:1234")), None, None, 1).is_active());
}
