// SPDX-License-Identifier: GPL-3.0-or-later
//! Machine facts for `zapbox probe`: DRM connectors from sysfs, evdev input devices, network
//! interfaces from getifaddrs. Reads only; a missing source gives an empty list, never an error.

use super::{ProbeReport, or_none};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// One DRM connector (`/sys/class/drm/card0-HDMI-A-1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisplayInfo {
    /// `card0-HDMI-A-1`.
    pub sysfs_name: String,
    /// `HDMI-A-1`: the name for `display.connector` and `SLINT_DRM_OUTPUT`.
    pub connector: String,
    /// `connected`, `disconnected` or `unknown`.
    pub status: String,
    /// Modes the sink offers, preferred first (`1920x1080`).
    pub modes: Vec<String>,
}

/// DRM connectors under `class_dir` (normally `/sys/class/drm`), by name.
pub fn displays(class_dir: &Path) -> Vec<DisplayInfo> {
    let Ok(entries) = std::fs::read_dir(class_dir) else {
        return Vec::new();
    };
    let mut found: Vec<DisplayInfo> = entries
        .flatten()
        .filter_map(|entry| {
            let sysfs_name = entry.file_name().to_string_lossy().to_string();
            let (_, connector) = sysfs_name.split_once('-')?;
            let read = |file: &str| std::fs::read_to_string(entry.path().join(file)).ok();
            let status = read("status")?.trim().to_string();
            let mut modes: Vec<String> = Vec::new();
            for mode in read("modes").unwrap_or_default().lines().map(str::trim) {
                if !mode.is_empty() && !modes.iter().any(|m| m == mode) {
                    modes.push(mode.to_string());
                }
            }
            Some(DisplayInfo {
                connector: connector.to_string(),
                sysfs_name,
                status,
                modes,
            })
        })
        .collect();
    found.sort_by(|a, b| a.sysfs_name.cmp(&b.sysfs_name));
    found
}

/// Every `/dev/input/event*` with the input module's verdict: taken as a remote or not, and why.
pub fn input_devices(remote_hints: &[String]) -> Vec<crate::input::ProbedDevice> {
    crate::input::probe(std::path::Path::new("/dev/input"), remote_hints)
}

/// One network interface and its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceInfo {
    pub name: String,
    pub up: bool,
    pub running: bool,
    pub multicast: bool,
    pub loopback: bool,
    pub addresses: Vec<String>,
}

/// Every interface getifaddrs reports, by name.
pub fn interfaces() -> Vec<InterfaceInfo> {
    use nix::net::if_::InterfaceFlags as F;
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut by_name: BTreeMap<String, InterfaceInfo> = BTreeMap::new();
    for ifa in addrs {
        let entry = by_name
            .entry(ifa.interface_name.clone())
            .or_insert_with(|| InterfaceInfo {
                name: ifa.interface_name.clone(),
                up: ifa.flags.contains(F::IFF_UP),
                running: ifa.flags.contains(F::IFF_RUNNING),
                multicast: ifa.flags.contains(F::IFF_MULTICAST),
                loopback: ifa.flags.contains(F::IFF_LOOPBACK),
                addresses: Vec::new(),
            });
        let Some(address) = ifa.address else { continue };
        if let Some(v4) = address.as_sockaddr_in() {
            entry.addresses.push(v4.ip().to_string());
        } else if let Some(v6) = address.as_sockaddr_in6() {
            entry.addresses.push(v6.ip().to_string());
        }
    }
    by_name.into_values().collect()
}

/// The displays, input and network sections of the text report.
pub fn render_text(r: &ProbeReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "\nDisplays:")?;
    if r.displays.is_empty() {
        writeln!(out, "  none found (no DRM connectors in /sys/class/drm)")?;
    }
    for d in &r.displays {
        let modes = d.modes.iter().take(4).cloned().collect::<Vec<_>>().join(" ");
        writeln!(out, "  {:<16} {:<12} {}", d.connector, d.status, modes)?;
    }
    if !r.desktop_session.is_empty() {
        writeln!(out, "  desktop session: {}", r.desktop_session.join(" "))?;
    }
    writeln!(out, "\nInput devices:")?;
    if r.input_devices.is_empty() {
        writeln!(out, "  none found")?;
    }
    for d in &r.input_devices {
        writeln!(out, "  {d}")?;
    }
    let cec_device = r.board.profile.as_ref().and_then(|p| p.cec_device.as_deref());
    writeln!(out, "\nHDMI-CEC adapters:")?;
    if r.cec_adapters.is_empty() {
        writeln!(out, "  none found (no /dev/cec*)")?;
    }
    for a in &r.cec_adapters {
        let named = if cec_device == Some(a.path.as_str()) {
            " [profile's CEC device]"
        } else {
            ""
        };
        writeln!(out, "  {a}{named}")?;
    }
    let multicast_if = r
        .board
        .profile
        .as_ref()
        .and_then(|p| p.multicast_interface.as_deref());
    writeln!(out, "\nNetwork interfaces:")?;
    if r.network_interfaces.is_empty() {
        writeln!(out, "  none found")?;
    }
    for i in &r.network_interfaces {
        let mut flags = vec![if i.up { "up" } else { "down" }];
        if i.multicast {
            flags.push("multicast");
        }
        if i.loopback {
            flags.push("loopback");
        }
        if multicast_if == Some(i.name.as_str()) {
            flags.push("profile's multicast interface");
        }
        let addresses = i.addresses.join(" ");
        writeln!(
            out,
            "  {:<12} {:<28} {}",
            i.name,
            flags.join(", "),
            or_none(&addresses)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drm_connectors_are_read_from_sysfs() {
        let dir = tempfile::tempdir().unwrap();
        let hdmi = dir.path().join("card0-HDMI-A-1");
        std::fs::create_dir(&hdmi).unwrap();
        std::fs::write(hdmi.join("status"), "connected\n").unwrap();
        std::fs::write(hdmi.join("modes"), "1920x1080\n1920x1080\n1280x720\n").unwrap();
        std::fs::create_dir(dir.path().join("card0")).unwrap();
        std::fs::create_dir(dir.path().join("renderD128")).unwrap();
        let found = displays(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].connector, "HDMI-A-1");
        assert_eq!(found[0].status, "connected");
        assert_eq!(found[0].modes, ["1920x1080", "1280x720"]);
        assert!(displays(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn the_loopback_interface_is_listed() {
        let all = interfaces();
        let lo = all.iter().find(|i| i.name == "lo").expect("lo");
        assert!(lo.loopback && lo.up);
        assert!(lo.addresses.iter().any(|a| a == "127.0.0.1"), "{lo:?}");
    }
}
