// SPDX-License-Identifier: GPL-3.0-or-later
//! Which input devices are remotes: the decision (pure, on a device's facts), opening and grabbing
//! (`EVIOCGRAB`, kernel event times on `CLOCK_MONOTONIC`), and the report behind `zapbox probe`.
//!
//! A device is a remote when the board profile names it, when rc-core made it (an IR receiver or HDMI-CEC
//! passthrough), or when it has OK/ENTER/SELECT with arrows or CHANNELUP — unless it also has letter keys
//! and no TV keys: a keyboard is left alone (grabbing it would take the desktop's keyboard away).

use evdev::{Device, EventType, KeyCode};
use serde::Serialize;
use std::fmt;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// What the decision looks at.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub path: PathBuf,
    pub name: String,
    /// Key codes the device can send.
    pub keys: Vec<u16>,
    /// The device's parent is an rc-core device (`/sys/class/rc/rcN`).
    pub rc_core: bool,
}

/// One input device as `zapbox probe` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbedDevice {
    pub path: PathBuf,
    pub name: String,
    pub phys: Option<String>,
    /// `usb`, `bluetooth`, `cec`, `host`, `virtual` or the number.
    pub bus: String,
    pub vendor: u16,
    pub product: u16,
    /// Whether zapbox takes (grabs) it as a remote.
    pub remote: bool,
    pub reason: String,
}

impl fmt::Display for ProbedDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.remote { "remote" } else { "not used" };
        write!(
            f,
            "{} {:?} ({} {:04x}:{:04x}{}{}): {verdict}, {}",
            self.path.display(),
            self.name,
            self.bus,
            self.vendor,
            self.product,
            if self.phys.is_some() { ", phys " } else { "" },
            self.phys.as_deref().unwrap_or(""),
            self.reason
        )
    }
}

/// Whether a device is a remote, and why (in words for `zapbox probe` and the log).
pub fn classify(facts: &Facts, hints: &[String]) -> (bool, String) {
    if hints.iter().any(|h| named_by(h, facts)) {
        return (true, "named in the board profile".into());
    }
    let has = |k: KeyCode| facts.keys.binary_search(&k.code()).is_ok();
    if facts.keys.is_empty() {
        return (false, "no keys".into());
    }
    if facts.rc_core {
        return (true, "rc-core receiver (IR or HDMI-CEC)".into());
    }
    let ok = [KeyCode::KEY_OK, KeyCode::KEY_SELECT, KeyCode::KEY_ENTER]
        .into_iter()
        .find(|k| has(*k));
    let arrows = [
        KeyCode::KEY_UP,
        KeyCode::KEY_DOWN,
        KeyCode::KEY_LEFT,
        KeyCode::KEY_RIGHT,
    ]
    .into_iter()
    .all(has);
    let tv_keys = [
        KeyCode::KEY_OK,
        KeyCode::KEY_SELECT,
        KeyCode::KEY_CHANNELUP,
        KeyCode::KEY_EPG,
        KeyCode::KEY_NUMERIC_0,
        KeyCode::KEY_RED,
    ]
    .into_iter()
    .any(has);
    let letters = [KeyCode::KEY_A, KeyCode::KEY_Q, KeyCode::KEY_Z]
        .into_iter()
        .all(has);
    match ok {
        _ if letters && !tv_keys => (
            false,
            "keyboard only: not a remote (name it in the board profile to use it)".into(),
        ),
        Some(ok) if arrows || has(KeyCode::KEY_CHANNELUP) => {
            let ok = format!("{ok:?}").trim_start_matches("KEY_").to_string();
            let nav = if arrows { "arrows" } else { "CHANNELUP" };
            (true, format!("has {ok} and {nav}"))
        }
        _ => (
            false,
            "no remote keys (OK or ENTER with arrows or CHANNELUP)".into(),
        ),
    }
}

fn named_by(hint: &str, facts: &Facts) -> bool {
    if hint.starts_with('/') {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        return canonical(Path::new(hint)) == canonical(&facts.path);
    }
    hint == facts.name
}

/// The facts of an open device.
pub fn facts(path: &Path, device: &Device) -> Facts {
    let mut keys: Vec<u16> = device
        .supported_keys()
        .map(|keys| keys.iter().map(|k| k.code()).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    Facts {
        path: path.to_path_buf(),
        name: device.name().unwrap_or("").to_string(),
        keys,
        rc_core: parent_is_rc(path),
    }
}

/// `/sys/class/input/eventN/device/device/subsystem` is `rc` for rc-core devices.
fn parent_is_rc(path: &Path) -> bool {
    let Some(event) = path.file_name() else {
        return false;
    };
    let link = Path::new("/sys/class/input")
        .join(event)
        .join("device/device/subsystem");
    std::fs::read_link(link).is_ok_and(|target| target.file_name().is_some_and(|n| n == "rc"))
}

/// Whether the device has kernel autorepeat (`EV_REP`).
pub fn has_kernel_repeat(device: &Device) -> bool {
    device.supported_events().contains(EventType::REPEAT)
}

/// The `event*` nodes of `dir`, in number order.
pub fn event_nodes(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let number = name.to_str()?.strip_prefix("event")?.parse().ok()?;
            Some((number, e.path()))
        })
        .collect();
    nodes.sort();
    nodes.into_iter().map(|(_, p)| p).collect()
}

/// Every input device in `dir` and whether it would be taken as a remote (`hints`: the board profile's
/// `input_devices`). Opens each device read-only for its capabilities; grabs nothing.
pub fn probe(dir: &Path, hints: &[String]) -> Vec<ProbedDevice> {
    event_nodes(dir)
        .into_iter()
        .map(|path| match Device::open(&path) {
            Ok(device) => {
                let (remote, reason) = classify(&facts(&path, &device), hints);
                let id = device.input_id();
                ProbedDevice {
                    name: device.name().unwrap_or("").to_string(),
                    phys: device.physical_path().map(str::to_string),
                    bus: bus_name(id.bus_type().0),
                    vendor: id.vendor(),
                    product: id.product(),
                    remote,
                    reason,
                    path,
                }
            }
            Err(e) => ProbedDevice {
                path,
                name: String::new(),
                phys: None,
                bus: String::new(),
                vendor: 0,
                product: 0,
                remote: false,
                reason: format!("cannot open: {e} (is the user in the `input` group?)"),
            },
        })
        .collect()
}

fn bus_name(bus: u16) -> String {
    match bus {
        0x03 => "usb".into(),
        0x05 => "bluetooth".into(),
        0x06 => "virtual".into(),
        0x11 => "i8042".into(),
        0x19 => "host".into(),
        0x1e => "cec".into(),
        other => format!("bus 0x{other:02x}"),
    }
}

/// Grabs the device (`EVIOCGRAB`): its events reach only this fd until it is closed. Done here rather than
/// with `Device::grab` because the crate then ungrabs on drop and prints an error to stderr when the device
/// has vanished; closing the fd releases the grab anyway.
pub fn grab(device: &Device) -> std::io::Result<()> {
    nix::ioctl_write_int!(eviocgrab, b'E', 0x90);
    // SAFETY: the fd is an open evdev device for the duration of the call; the argument is by value.
    unsafe { eviocgrab(device.as_raw_fd(), 1) }
        .map(drop)
        .map_err(std::io::Error::from)
}

/// Makes the kernel stamp this device's events with `CLOCK_MONOTONIC` (`EVIOCSCLOCKID`), the clock the
/// reader's ticks use; wall-clock steps (NTP at boot on a box without RTC) then cannot fake a long press.
pub fn use_monotonic_clock(device: &Device) -> bool {
    nix::ioctl_write_ptr!(eviocsclockid, b'E', 0xa0, libc::c_int);
    let clock: libc::c_int = libc::CLOCK_MONOTONIC;
    // SAFETY: the fd is an open evdev device for the duration of the call and the argument is an int.
    unsafe { eviocsclockid(device.as_raw_fd(), &clock) }.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, keys: &[KeyCode]) -> Facts {
        let mut keys: Vec<u16> = keys.iter().map(|k| k.code()).collect();
        keys.sort_unstable();
        Facts {
            path: PathBuf::from("/dev/input/event9"),
            name: name.into(),
            keys,
            rc_core: false,
        }
    }

    #[test]
    fn remotes_keyboards_and_others() {
        use KeyCode as K;
        let arrows = [K::KEY_UP, K::KEY_DOWN, K::KEY_LEFT, K::KEY_RIGHT];
        let remote = facts("IR", &[&arrows[..], &[K::KEY_OK, K::KEY_NUMERIC_1]].concat());
        assert_eq!(classify(&remote, &[]), (true, "has OK and arrows".into()));
        let cec = facts("CEC", &[K::KEY_SELECT, K::KEY_CHANNELUP]);
        assert_eq!(classify(&cec, &[]), (true, "has SELECT and CHANNELUP".into()));
        let keyboard = facts(
            "Keyboard",
            &[&arrows[..], &[K::KEY_ENTER, K::KEY_A, K::KEY_Q, K::KEY_Z]].concat(),
        );
        assert!(!classify(&keyboard, &[]).0);
        assert!(classify(&keyboard, &[]).1.starts_with("keyboard only"));
        assert_eq!(
            classify(&keyboard, &["Keyboard".into()]),
            (true, "named in the board profile".into())
        );
        let air_mouse = facts(
            "Air",
            &[
                &arrows[..],
                &[K::KEY_ENTER, K::KEY_A, K::KEY_Q, K::KEY_Z, K::KEY_RED],
            ]
            .concat(),
        );
        assert!(classify(&air_mouse, &[]).0);
        let numpad = facts("Pad", &[&arrows[..], &[K::KEY_ENTER]].concat());
        assert!(classify(&numpad, &[]).0);
        assert!(!classify(&facts("Power Button", &[K::KEY_POWER]), &[]).0);
        assert_eq!(classify(&facts("Mouse", &[]), &[]), (false, "no keys".into()));
        let rc = Facts {
            rc_core: true,
            ..facts("gpio_ir_recv", &[K::KEY_POWER])
        };
        assert!(classify(&rc, &[]).0);
        assert!(classify(&facts("x", &[K::KEY_POWER]), &["/dev/input/event9".into()]).0);
    }

    #[test]
    fn the_probe_line_says_what_and_why() {
        let probed = ProbedDevice {
            path: "/dev/input/event3".into(),
            name: "gpio_ir_recv".into(),
            phys: Some("gpio_ir_recv/input0".into()),
            bus: bus_name(0x19),
            vendor: 1,
            product: 2,
            remote: true,
            reason: "rc-core receiver (IR or HDMI-CEC)".into(),
        };
        assert_eq!(
            probed.to_string(),
            "/dev/input/event3 \"gpio_ir_recv\" (host 0001:0002, phys gpio_ir_recv/input0): remote, \
             rc-core receiver (IR or HDMI-CEC)"
        );
        assert!(probe(Path::new("/nonexistent"), &[]).is_empty());
    }
}
