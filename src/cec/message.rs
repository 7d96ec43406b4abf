// SPDX-License-Identifier: GPL-3.0-or-later
//! CEC frames: the opcodes zapbox sends and understands, built from and read into typed values.
//! Pure byte work (HDMI 1.4b specification, CEC chapter; names as in `<linux/cec-funcs.h>`), so
//! every frame is checked by unit tests without a bus.

use crate::core::{CecKey, PhysicalAddress};

pub const FEATURE_ABORT: u8 = 0x00;
pub const IMAGE_VIEW_ON: u8 = 0x04;
pub const STANDBY: u8 = 0x36;
pub const USER_CONTROL_PRESSED: u8 = 0x44;
pub const USER_CONTROL_RELEASED: u8 = 0x45;
pub const GIVE_OSD_NAME: u8 = 0x46;
pub const SET_OSD_NAME: u8 = 0x47;
pub const ROUTING_CHANGE: u8 = 0x80;
pub const ROUTING_INFORMATION: u8 = 0x81;
pub const ACTIVE_SOURCE: u8 = 0x82;
pub const REQUEST_ACTIVE_SOURCE: u8 = 0x85;
pub const SET_STREAM_PATH: u8 = 0x86;
pub const MENU_REQUEST: u8 = 0x8d;
pub const MENU_STATUS: u8 = 0x8e;
pub const GIVE_DEVICE_POWER_STATUS: u8 = 0x8f;
pub const REPORT_POWER_STATUS: u8 = 0x90;
pub const INACTIVE_SOURCE: u8 = 0x9d;

/// Feature Abort reason "unrecognized opcode".
const ABORT_UNRECOGNIZED: u8 = 0;

/// The UI command codes of the keys zapbox sends (CEC 1.4 table 30).
pub fn ui_command(key: CecKey) -> u8 {
    match key {
        CecKey::VolumeUp => 0x41,
        CecKey::VolumeDown => 0x42,
        CecKey::Mute => 0x43,
    }
}

/// A message that matters to zapbox, read from a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// Some device says it is the picture now.
    ActiveSource(PhysicalAddress),
    /// The TV switched from one input to another.
    RoutingChange {
        to: PhysicalAddress,
    },
    RoutingInformation(PhysicalAddress),
    SetStreamPath(PhysicalAddress),
    RequestActiveSource,
    GiveDevicePowerStatus,
    MenuRequest,
    /// Anything else directed at us that we do not handle (answered with Feature Abort).
    Unhandled(u8),
    /// Broadcasts and replies that need no answer, and frames too short for their opcode.
    Ignored,
}

fn address(bytes: &[u8], at: usize) -> Option<PhysicalAddress> {
    let hi = *bytes.get(at)?;
    let lo = *bytes.get(at + 1)?;
    Some(PhysicalAddress(u16::from(hi) << 8 | u16::from(lo)))
}

/// Reads a received frame (header byte first).
pub fn parse(frame: &[u8]) -> Incoming {
    let Some(&opcode) = frame.get(1) else {
        return Incoming::Ignored; // a poll
    };
    let directed = frame[0] & 0x0f != 0x0f;
    let parsed = match opcode {
        ACTIVE_SOURCE => address(frame, 2).map(Incoming::ActiveSource),
        ROUTING_CHANGE => address(frame, 4).map(|to| Incoming::RoutingChange { to }),
        ROUTING_INFORMATION => address(frame, 2).map(Incoming::RoutingInformation),
        SET_STREAM_PATH => address(frame, 2).map(Incoming::SetStreamPath),
        REQUEST_ACTIVE_SOURCE => Some(Incoming::RequestActiveSource),
        GIVE_DEVICE_POWER_STATUS if directed => Some(Incoming::GiveDevicePowerStatus),
        MENU_REQUEST if directed => Some(Incoming::MenuRequest),
        // Handled by the kernel (passthrough to rc-core) or replies to our own requests.
        USER_CONTROL_PRESSED | USER_CONTROL_RELEASED | FEATURE_ABORT | STANDBY => None,
        REPORT_POWER_STATUS | SET_OSD_NAME | MENU_STATUS => None,
        other if directed => Some(Incoming::Unhandled(other)),
        _ => None,
    };
    parsed.unwrap_or(Incoming::Ignored)
}

/// `<Active Source>` body with our address.
pub fn active_source(pa: PhysicalAddress) -> [u8; 3] {
    [ACTIVE_SOURCE, (pa.0 >> 8) as u8, pa.0 as u8]
}

/// `<Inactive Source>` body with our address.
pub fn inactive_source(pa: PhysicalAddress) -> [u8; 3] {
    [INACTIVE_SOURCE, (pa.0 >> 8) as u8, pa.0 as u8]
}

/// `<Report Power Status>`: 0 on, 1 standby.
pub fn report_power_status(on: bool) -> [u8; 2] {
    [REPORT_POWER_STATUS, if on { 0 } else { 1 }]
}

/// `<Menu Status>`: 1 deactivated (our menus are driven by the remote keys, not by the TV).
pub fn menu_status_deactivated() -> [u8; 2] {
    [MENU_STATUS, 1]
}

pub fn feature_abort(opcode: u8) -> [u8; 3] {
    [FEATURE_ABORT, opcode, ABORT_UNRECOGNIZED]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_in() {
        let pa = PhysicalAddress(0x2000);
        assert_eq!(parse(&[0x5f, 0x82, 0x20, 0x00]), Incoming::ActiveSource(pa));
        assert_eq!(
            parse(&[0x0f, 0x80, 0x10, 0x00, 0x20, 0x00]),
            Incoming::RoutingChange { to: pa }
        );
        assert_eq!(parse(&[0x0f, 0x86, 0x20, 0x00]), Incoming::SetStreamPath(pa));
        assert_eq!(parse(&[0x04, 0x8f]), Incoming::GiveDevicePowerStatus);
        assert_eq!(parse(&[0x04, 0x44, 0x41]), Incoming::Ignored);
        assert_eq!(parse(&[0x04, 0x9a]), Incoming::Unhandled(0x9a));
        assert_eq!(parse(&[0x0f, 0x9a]), Incoming::Ignored, "broadcasts get no abort");
        assert_eq!(parse(&[0x0f, 0x82, 0x20]), Incoming::Ignored, "too short");
        assert_eq!(parse(&[0x04]), Incoming::Ignored, "a poll");
    }

    #[test]
    fn frames_out() {
        let pa = PhysicalAddress(0x1000);
        assert_eq!(active_source(pa), [0x82, 0x10, 0x00]);
        assert_eq!(inactive_source(pa), [0x9d, 0x10, 0x00]);
        assert_eq!(report_power_status(false), [0x90, 1]);
        assert_eq!(ui_command(CecKey::VolumeUp), 0x41);
        assert_eq!(pa.to_string(), "1.0.0.0");
    }
}
