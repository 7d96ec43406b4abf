// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox probe`'s CEC section: every `/dev/cec*` adapter with its driver, capabilities,
//! physical address and claimed logical addresses, and the devices that answer on its bus.
//!
//! Read-only as far as the bus allows: it claims nothing. An adapter with a logical address
//! (zapbox running, or another program) polls every other address and asks each device that
//! answers for its name; an unconfigured adapter may only poll the TV (the kernel's rule).

use super::message;
use super::uapi::{self, Msg};
use crate::core::PhysicalAddress;
use serde::Serialize;
use std::os::fd::AsFd;
use std::path::Path;

/// One adapter.
#[derive(Debug, Clone, Serialize)]
pub struct AdapterInfo {
    pub path: String,
    pub driver: String,
    pub name: String,
    /// `a.b.c.d`, or `f.f.f.f` without HDMI connection.
    pub physical_address: String,
    /// Logical addresses claimed on it (by zapbox or another program).
    pub logical_addresses: Vec<u8>,
    pub osd_name: String,
    /// Whether remote keys can reach rc-core (`CEC_CAP_RC`).
    pub remote_passthrough: bool,
    pub devices: Vec<BusDevice>,
    /// What went wrong reading it.
    pub error: Option<String>,
}

/// A device that acknowledged a poll.
#[derive(Debug, Clone, Serialize)]
pub struct BusDevice {
    pub logical_address: u8,
    /// `tv`, `playback`, `audio-system`...
    pub kind: String,
    /// Its OSD name when it gave one.
    pub osd_name: Option<String>,
}

/// Every adapter under `dev` (normally `/dev`).
pub fn probe(dev: &Path) -> Vec<AdapterInfo> {
    super::adapters(dev).iter().map(|p| adapter(p)).collect()
}

fn adapter(path: &Path) -> AdapterInfo {
    let mut info = AdapterInfo {
        path: path.display().to_string(),
        driver: String::new(),
        name: String::new(),
        physical_address: PhysicalAddress::INVALID.to_string(),
        logical_addresses: Vec::new(),
        osd_name: String::new(),
        remote_passthrough: false,
        devices: Vec::new(),
        error: None,
    };
    if let Err(e) = read(path, &mut info) {
        info.error = Some(e.to_string());
    }
    info
}

fn read(path: &Path, info: &mut AdapterInfo) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new().read(true).write(true).open(path)?;
    let fd = file.as_fd();
    let caps = uapi::caps(fd)?;
    info.driver = uapi::c_text(&caps.driver);
    info.name = uapi::c_text(&caps.name);
    info.remote_passthrough = caps.capabilities & uapi::CAP_RC != 0;
    let pa = PhysicalAddress(uapi::phys_addr(fd)?);
    info.physical_address = pa.to_string();
    let la = uapi::log_addrs(fd)?;
    info.osd_name = uapi::c_text(&la.osd_name);
    info.logical_addresses = (0..15u8).filter(|a| la.log_addr_mask & (1 << a) != 0).collect();
    if !pa.is_valid() || caps.capabilities & uapi::CAP_TRANSMIT == 0 {
        return Ok(());
    }
    match info.logical_addresses.first() {
        Some(&ours) => {
            for to in (0..15u8).filter(|a| !info.logical_addresses.contains(a)) {
                if poll(fd, ours, to) {
                    info.devices.push(BusDevice {
                        logical_address: to,
                        kind: kind(to).to_string(),
                        osd_name: osd_name(fd, ours, to),
                    });
                }
            }
        }
        None if poll(fd, uapi::LOG_ADDR_UNREGISTERED, uapi::LOG_ADDR_TV) => info.devices.push(BusDevice {
            logical_address: uapi::LOG_ADDR_TV,
            kind: kind(uapi::LOG_ADDR_TV).to_string(),
            osd_name: None,
        }),
        None => {}
    }
    Ok(())
}

fn poll(fd: std::os::fd::BorrowedFd, from: u8, to: u8) -> bool {
    let mut msg = Msg::new(from, to, &[]);
    uapi::transmit(fd, &mut msg).is_ok() && msg.tx_status & uapi::TX_STATUS_OK != 0
}

fn osd_name(fd: std::os::fd::BorrowedFd, from: u8, to: u8) -> Option<String> {
    let mut msg = Msg::new(from, to, &[message::GIVE_OSD_NAME]);
    msg.reply = message::SET_OSD_NAME;
    msg.timeout = 1000;
    uapi::transmit(fd, &mut msg).ok()?;
    (msg.rx_status & uapi::RX_STATUS_OK != 0 && msg.len > 2).then(|| uapi::c_text(&msg.bytes()[2..]))
}

/// The device kind a logical address stands for (CEC 1.4 table 5).
pub fn kind(logical_address: u8) -> &'static str {
    match logical_address {
        0 => "tv",
        1 | 2 | 9 => "recording",
        3 | 6 | 7 | 10 => "tuner",
        4 | 8 | 11 => "playback",
        5 => "audio-system",
        12 | 13 => "reserved",
        14 => "specific",
        _ => "unregistered",
    }
}

impl std::fmt::Display for AdapterInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {})", self.path, self.name, self.driver)?;
        if let Some(e) = &self.error {
            return write!(f, ": {e}");
        }
        write!(f, ": physical address {}", self.physical_address)?;
        if self.logical_addresses.is_empty() {
            write!(f, ", no logical address claimed")?;
        } else {
            write!(f, ", logical {:?} \"{}\"", self.logical_addresses, self.osd_name)?;
        }
        if self.remote_passthrough {
            write!(f, ", remote keys to rc-core")?;
        }
        for d in &self.devices {
            write!(f, "\n      bus: {} {}", d.logical_address, d.kind)?;
            if let Some(name) = &d.osd_name {
                write!(f, " \"{name}\"")?;
            }
        }
        Ok(())
    }
}
