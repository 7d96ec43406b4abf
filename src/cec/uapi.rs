// SPDX-License-Identifier: GPL-3.0-or-later
//! The kernel's CEC user-space interface (`<linux/cec.h>`): the structures and ioctls of
//! `/dev/cecN`, laid out exactly as the kernel has them, and thin safe wrappers. Nothing here
//! decides anything; [`super::adapter`] drives the device and [`super::message`] builds frames.
//!
//! See <https://docs.kernel.org/userspace-api/media/cec/cec-api.html>. Sizes are checked by tests
//! against the kernel's (`cec_msg` 56 bytes, `cec_log_addrs` 92, `cec_event` 80, `cec_caps` 76).

use std::os::fd::{AsRawFd, BorrowedFd};

pub const MAX_MSG_SIZE: usize = 16;
pub const MAX_LOG_ADDRS: usize = 4;
/// No physical address: the HDMI cable is out or the sink gave no EDID.
pub const PHYS_ADDR_INVALID: u16 = 0xffff;
pub const LOG_ADDR_INVALID: u8 = 0xff;
pub const LOG_ADDR_TV: u8 = 0;
pub const LOG_ADDR_AUDIO_SYSTEM: u8 = 5;
pub const LOG_ADDR_UNREGISTERED: u8 = 15;
pub const VENDOR_ID_NONE: u32 = 0xffff_ffff;

// Capabilities.
pub const CAP_PHYS_ADDR: u32 = 1 << 0;
pub const CAP_LOG_ADDRS: u32 = 1 << 1;
pub const CAP_TRANSMIT: u32 = 1 << 2;
pub const CAP_RC: u32 = 1 << 4;

// Modes (initiator in the low nibble, follower in the high one).
pub const MODE_INITIATOR: u32 = 1;
pub const MODE_FOLLOWER: u32 = 1 << 4;

// Logical address configuration.
pub const LOG_ADDRS_FL_ALLOW_RC_PASSTHRU: u32 = 1 << 1;
pub const LOG_ADDR_TYPE_PLAYBACK: u8 = 3;
pub const PRIM_DEVTYPE_PLAYBACK: u8 = 4;
pub const ALL_DEVTYPE_PLAYBACK: u8 = 0x10;
pub const CEC_VERSION_1_4: u8 = 5;

// Transmit and receive status bits.
pub const TX_STATUS_OK: u8 = 1 << 0;
pub const TX_STATUS_NACK: u8 = 1 << 3;
pub const RX_STATUS_OK: u8 = 1 << 0;

// Events.
pub const EVENT_STATE_CHANGE: u32 = 1;
pub const EVENT_LOST_MSGS: u32 = 2;

/// `struct cec_caps`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Caps {
    pub driver: [u8; 32],
    pub name: [u8; 32],
    pub available_log_addrs: u32,
    pub capabilities: u32,
    pub version: u32,
}

/// `struct cec_msg`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Msg {
    pub tx_ts: u64,
    pub rx_ts: u64,
    pub len: u32,
    pub timeout: u32,
    pub sequence: u32,
    pub flags: u32,
    pub msg: [u8; MAX_MSG_SIZE],
    pub reply: u8,
    pub rx_status: u8,
    pub tx_status: u8,
    pub tx_arb_lost_cnt: u8,
    pub tx_nack_cnt: u8,
    pub tx_low_drive_cnt: u8,
    pub tx_error_cnt: u8,
}

impl Msg {
    /// A message from logical address `initiator` to `destination` (15 is broadcast).
    pub fn new(initiator: u8, destination: u8, body: &[u8]) -> Self {
        let mut m = Msg::default();
        let len = body.len().min(MAX_MSG_SIZE - 1);
        m.msg[0] = (initiator << 4) | (destination & 0x0f);
        m.msg[1..=len].copy_from_slice(&body[..len]);
        m.len = len as u32 + 1;
        m
    }

    pub fn bytes(&self) -> &[u8] {
        &self.msg[..(self.len as usize).min(MAX_MSG_SIZE)]
    }

    pub fn initiator(&self) -> u8 {
        self.msg[0] >> 4
    }

    pub fn destination(&self) -> u8 {
        self.msg[0] & 0x0f
    }

    pub fn opcode(&self) -> Option<u8> {
        (self.len > 1).then_some(self.msg[1])
    }
}

/// `struct cec_log_addrs`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LogAddrs {
    pub log_addr: [u8; MAX_LOG_ADDRS],
    pub log_addr_mask: u16,
    pub cec_version: u8,
    pub num_log_addrs: u8,
    pub vendor_id: u32,
    pub flags: u32,
    pub osd_name: [u8; 15],
    pub primary_device_type: [u8; MAX_LOG_ADDRS],
    pub log_addr_type: [u8; MAX_LOG_ADDRS],
    pub all_device_types: [u8; MAX_LOG_ADDRS],
    pub features: [[u8; 12]; MAX_LOG_ADDRS],
}

impl Default for LogAddrs {
    fn default() -> Self {
        // SAFETY: a plain C struct of integers and byte arrays; all zeroes is its cleared state.
        unsafe { std::mem::zeroed() }
    }
}

/// `struct cec_event` with its union as raw words.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Event {
    pub ts: u64,
    pub event: u32,
    pub flags: u32,
    pub raw: [u32; 16],
}

impl Event {
    /// `state_change.phys_addr` and `state_change.log_addr_mask`.
    pub fn state_change(&self) -> (u16, u16) {
        let word = self.raw[0];
        ((word & 0xffff) as u16, (word >> 16) as u16)
    }
}

mod ioctls {
    use super::*;
    nix::ioctl_readwrite!(adap_g_caps, b'a', 0, Caps);
    nix::ioctl_read!(adap_g_phys_addr, b'a', 1, u16);
    nix::ioctl_read!(adap_g_log_addrs, b'a', 3, LogAddrs);
    nix::ioctl_readwrite!(adap_s_log_addrs, b'a', 4, LogAddrs);
    nix::ioctl_readwrite!(transmit, b'a', 5, Msg);
    nix::ioctl_readwrite!(receive, b'a', 6, Msg);
    nix::ioctl_readwrite!(dqevent, b'a', 7, Event);
    nix::ioctl_write_ptr!(s_mode, b'a', 9, u32);
}

fn io(result: nix::Result<libc::c_int>) -> std::io::Result<()> {
    result.map(|_| ()).map_err(std::io::Error::from)
}

pub fn caps(fd: BorrowedFd) -> std::io::Result<Caps> {
    // SAFETY: an all-zero `Caps` is valid; the kernel writes at most size_of::<Caps>() bytes.
    let mut caps: Caps = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is an open CEC device and `caps` has the kernel's layout.
    io(unsafe { ioctls::adap_g_caps(fd.as_raw_fd(), &mut caps) })?;
    Ok(caps)
}

pub fn phys_addr(fd: BorrowedFd) -> std::io::Result<u16> {
    let mut pa = PHYS_ADDR_INVALID;
    // SAFETY: the kernel writes one u16.
    io(unsafe { ioctls::adap_g_phys_addr(fd.as_raw_fd(), &mut pa) })?;
    Ok(pa)
}

pub fn log_addrs(fd: BorrowedFd) -> std::io::Result<LogAddrs> {
    let mut la = LogAddrs::default();
    // SAFETY: `la` has the kernel's layout.
    io(unsafe { ioctls::adap_g_log_addrs(fd.as_raw_fd(), &mut la) })?;
    Ok(la)
}

pub fn set_log_addrs(fd: BorrowedFd, la: &mut LogAddrs) -> std::io::Result<()> {
    // SAFETY: `la` has the kernel's layout; the kernel reads and updates it.
    io(unsafe { ioctls::adap_s_log_addrs(fd.as_raw_fd(), la) })
}

pub fn set_mode(fd: BorrowedFd, mode: u32) -> std::io::Result<()> {
    // SAFETY: the kernel reads one u32.
    io(unsafe { ioctls::s_mode(fd.as_raw_fd(), &mode) })
}

/// Transmits and, on a blocking descriptor, waits until the bus is done with it (and for the
/// reply when `msg.reply` and `msg.timeout` are set).
pub fn transmit(fd: BorrowedFd, msg: &mut Msg) -> std::io::Result<()> {
    // SAFETY: `msg` has the kernel's layout.
    io(unsafe { ioctls::transmit(fd.as_raw_fd(), msg) })
}

/// Takes one received message (call when `poll` said the descriptor is readable).
pub fn receive(fd: BorrowedFd, timeout_ms: u32) -> std::io::Result<Msg> {
    let mut msg = Msg {
        timeout: timeout_ms,
        ..Msg::default()
    };
    // SAFETY: `msg` has the kernel's layout.
    io(unsafe { ioctls::receive(fd.as_raw_fd(), &mut msg) })?;
    Ok(msg)
}

/// Takes one pending event (call when `poll` reported `POLLPRI`).
pub fn dequeue_event(fd: BorrowedFd) -> std::io::Result<Event> {
    let mut event = Event::default();
    // SAFETY: `event` has the kernel's layout.
    io(unsafe { ioctls::dqevent(fd.as_raw_fd(), &mut event) })?;
    Ok(event)
}

/// A NUL-padded C string field as text.
pub fn c_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structures_have_the_kernels_sizes() {
        assert_eq!(std::mem::size_of::<Msg>(), 56);
        assert_eq!(std::mem::size_of::<LogAddrs>(), 92);
        assert_eq!(std::mem::size_of::<Event>(), 80);
        assert_eq!(std::mem::size_of::<Caps>(), 76);
        assert_eq!(std::mem::offset_of!(LogAddrs, osd_name), 16);
        assert_eq!(std::mem::offset_of!(Msg, msg), 32);
    }

    #[test]
    fn a_message_to_the_tv() {
        let m = Msg::new(4, LOG_ADDR_TV, &[0x04]);
        assert_eq!(m.bytes(), &[0x40, 0x04]);
        assert_eq!(m.destination(), 0);
        assert_eq!(m.opcode(), Some(0x04));
    }
}
