// SPDX-License-Identifier: GPL-3.0-or-later
//! The thread that owns one `/dev/cecN`: claims a Playback logical address (OSD name, no vendor
//! id, remote passthrough to rc-core allowed), follows the adapter's state (physical address
//! changes, hotplug), answers the protocol questions that need no decision (power status, active
//! source, menu request, Feature Abort), reports what matters to the core as [`CecEvent`]s and
//! sends the core's [`CecCommand`]s.
//!
//! ```text
//!   core ──CecCommand──> mpsc + wake pipe ─┐
//!                                          ├─ poll ─> transmit / receive / dequeue event
//!   /dev/cecN ── POLLIN (message), POLLPRI ┘              │
//!                (state change)                           └──CecEvent──> inbox
//! ```
//! The descriptor is blocking: a transmit returns when the bus is done with it, so its
//! acknowledgement is known at once (a TV that never answers shows up as NACK).

use super::message::{self, Incoming};
use super::uapi::{self, LogAddrs, Msg};
use crate::core::{CecCommand, CecDevice, CecEvent, CecProblem, PhysicalAddress};
use nix::poll::{PollFd, PollFlags, PollTimeout};
use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc::{Receiver, TryRecvError};

/// What the thread knows about the bus and about the box (for answers that need no decision).
pub(super) struct Adapter {
    pub file: File,
    /// `cec1`, for the about page and logs.
    pub name: String,
    pub osd_name: String,
    pub physical: PhysicalAddress,
    /// Our logical address once claimed.
    pub logical: Option<u8>,
    /// The box is on (not in standby).
    pub power_on: bool,
    /// We are the active source.
    pub active: bool,
    /// Devices that did not acknowledge our last message to them.
    pub silent: Vec<CecDevice>,
}

pub(super) enum Input {
    Command(CecCommand),
    Stop,
}

impl Adapter {
    /// Claims a Playback address: clears whatever an earlier process left configured, then asks
    /// for Playback. Without a physical address the kernel claims later, on its own.
    pub fn claim(&mut self) -> std::io::Result<()> {
        let fd = self.file.as_fd();
        uapi::set_mode(fd, uapi::MODE_INITIATOR | uapi::MODE_FOLLOWER)?;
        let mut clear = LogAddrs::default();
        uapi::set_log_addrs(fd, &mut clear)?;
        let mut la = LogAddrs {
            cec_version: uapi::CEC_VERSION_1_4,
            num_log_addrs: 1,
            vendor_id: uapi::VENDOR_ID_NONE,
            flags: uapi::LOG_ADDRS_FL_ALLOW_RC_PASSTHRU,
            ..LogAddrs::default()
        };
        // The kernel's limit is 14 bytes plus the terminating NUL.
        let name = self.osd_name.as_bytes();
        let len = name.len().min(14);
        la.osd_name[..len].copy_from_slice(&name[..len]);
        la.primary_device_type[0] = uapi::PRIM_DEVTYPE_PLAYBACK;
        la.log_addr_type[0] = uapi::LOG_ADDR_TYPE_PLAYBACK;
        la.all_device_types[0] = uapi::ALL_DEVTYPE_PLAYBACK;
        uapi::set_log_addrs(fd, &mut la)
    }

    /// Gives the logical address back (at exit), so the TV does not list a box that is gone.
    pub fn release(&mut self) {
        let mut clear = LogAddrs::default();
        if let Err(e) = uapi::set_log_addrs(self.file.as_fd(), &mut clear) {
            log::debug!("{}: releasing the logical address: {e}", self.name);
        }
    }

    /// Polls the device and the wake pipe until told to stop.
    pub fn run(&mut self, commands: &Receiver<Input>, wake: &OwnedFd, emit: &dyn Fn(CecEvent)) {
        loop {
            let (device, woken) = {
                let mut fds = [
                    PollFd::new(self.file.as_fd(), PollFlags::POLLIN | PollFlags::POLLPRI),
                    PollFd::new(wake.as_fd(), PollFlags::POLLIN),
                ];
                if let Err(e) = nix::poll::poll(&mut fds, PollTimeout::NONE) {
                    if e == nix::errno::Errno::EINTR {
                        continue;
                    }
                    log::error!("{}: poll: {e}; CEC stops", self.name);
                    return;
                }
                (
                    fds[0].revents().unwrap_or(PollFlags::empty()),
                    fds[1].revents().is_some_and(|r| !r.is_empty()),
                )
            };
            if device.contains(PollFlags::POLLPRI) {
                self.state_changes(emit);
            }
            if device.contains(PollFlags::POLLIN) {
                self.messages(emit);
            }
            if device.intersects(PollFlags::POLLERR | PollFlags::POLLHUP) {
                log::error!("{}: the adapter went away; CEC stops", self.name);
                emit(CecEvent::Unavailable(CecProblem::NoAdapter));
                return;
            }
            if woken {
                let mut buf = [0u8; 64];
                let _ = nix::unistd::read(wake, &mut buf);
            }
            loop {
                match commands.try_recv() {
                    Ok(Input::Command(command)) => self.execute(command, emit),
                    Ok(Input::Stop) | Err(TryRecvError::Disconnected) => return,
                    Err(TryRecvError::Empty) => break,
                }
            }
        }
    }

    /// One pending event per wake-up: on a blocking descriptor a second dequeue would wait for
    /// the next event (poll reports the rest).
    fn state_changes(&mut self, emit: &dyn Fn(CecEvent)) {
        if let Ok(event) = uapi::dequeue_event(self.file.as_fd()) {
            match event.event {
                uapi::EVENT_STATE_CHANGE => {
                    let (pa, mask) = event.state_change();
                    self.state(PhysicalAddress(pa), mask, emit);
                }
                uapi::EVENT_LOST_MSGS => log::warn!("{}: the kernel dropped CEC messages", self.name),
                _ => {}
            }
        }
    }

    /// The adapter's physical address or logical addresses changed (or their initial state).
    fn state(&mut self, pa: PhysicalAddress, mask: u16, emit: &dyn Fn(CecEvent)) {
        let logical = (mask != 0).then(|| mask.trailing_zeros() as u8);
        let before = (self.physical, self.logical);
        self.physical = pa;
        self.logical = logical;
        if before == (pa, logical) {
            return;
        }
        match logical {
            Some(la) if pa.is_valid() => {
                log::info!(
                    "{}: HDMI-CEC ready at {pa}, playback device (logical address {la})",
                    self.name
                );
                emit(CecEvent::Ready {
                    adapter: self.name.clone(),
                    physical_address: pa,
                    logical_address: la,
                });
            }
            _ if !pa.is_valid() => {
                log::warn!(
                    "{}: no HDMI connection (no physical address); waiting for one",
                    self.name
                );
                emit(CecEvent::Unavailable(CecProblem::NotConnected {
                    adapter: self.name.clone(),
                }));
            }
            // A physical address, the logical one still being claimed: wait for the next change.
            _ => {}
        }
    }

    /// One message per wake-up (poll reports the rest), with a short timeout so the blocking
    /// descriptor can never hang the thread.
    fn messages(&mut self, emit: &dyn Fn(CecEvent)) {
        if let Ok(msg) = uapi::receive(self.file.as_fd(), 1) {
            self.received(&msg, emit);
        }
    }

    fn received(&mut self, msg: &Msg, emit: &dyn Fn(CecEvent)) {
        let from = msg.initiator();
        log::debug!("{}: received {:02x?}", self.name, msg.bytes());
        match message::parse(msg.bytes()) {
            Incoming::ActiveSource(pa) | Incoming::RoutingInformation(pa) if pa != self.physical => {
                self.active = false;
                emit(CecEvent::OtherSource(pa));
            }
            Incoming::RoutingChange { to } | Incoming::SetStreamPath(to) => {
                if to == self.physical {
                    emit(CecEvent::Selected);
                } else {
                    self.active = false;
                    emit(CecEvent::OtherSource(to));
                }
            }
            Incoming::RequestActiveSource if self.active => {
                self.send(
                    uapi::LOG_ADDR_UNREGISTERED,
                    &message::active_source(self.physical),
                );
            }
            Incoming::GiveDevicePowerStatus => {
                self.send(from, &message::report_power_status(self.power_on));
            }
            Incoming::MenuRequest => {
                self.send(from, &message::menu_status_deactivated());
            }
            Incoming::Unhandled(opcode) => {
                self.send(from, &message::feature_abort(opcode));
            }
            _ => {}
        }
    }

    fn execute(&mut self, command: CecCommand, emit: &dyn Fn(CecEvent)) {
        let pa = self.physical;
        let (to, sent) = match command {
            CecCommand::Power { on } => {
                self.power_on = on;
                return;
            }
            CecCommand::WakeTv => (
                uapi::LOG_ADDR_TV,
                self.send(uapi::LOG_ADDR_TV, &[message::IMAGE_VIEW_ON]),
            ),
            CecCommand::ActiveSource => {
                self.active = true;
                let sent = self.send(uapi::LOG_ADDR_UNREGISTERED, &message::active_source(pa));
                (uapi::LOG_ADDR_UNREGISTERED, sent)
            }
            CecCommand::InactiveSource => {
                self.active = false;
                (
                    uapi::LOG_ADDR_TV,
                    self.send(uapi::LOG_ADDR_TV, &message::inactive_source(pa)),
                )
            }
            CecCommand::StandbyTv => (
                uapi::LOG_ADDR_TV,
                self.send(uapi::LOG_ADDR_TV, &[message::STANDBY]),
            ),
            CecCommand::UserControl { to, key } => {
                let la = logical_address(to);
                let code = message::ui_command(key);
                let sent = self.send(la, &[message::USER_CONTROL_PRESSED, code]);
                if sent == Some(true) {
                    self.send(la, &[message::USER_CONTROL_RELEASED]);
                }
                (la, sent)
            }
        };
        self.acknowledged(to, sent, emit);
    }

    /// Reports a device that stopped (or started again) acknowledging, once per change.
    fn acknowledged(&mut self, to: u8, acked: Option<bool>, emit: &dyn Fn(CecEvent)) {
        let device = match to {
            uapi::LOG_ADDR_TV => CecDevice::Tv,
            uapi::LOG_ADDR_AUDIO_SYSTEM => CecDevice::AudioSystem,
            _ => return,
        };
        let was_silent = self.silent.contains(&device);
        match acked {
            Some(false) if !was_silent => {
                log::warn!("{}: the {device:?} does not answer on HDMI-CEC", self.name);
                self.silent.push(device);
                emit(CecEvent::NoAnswer(device));
            }
            Some(true) if was_silent => {
                log::info!("{}: the {device:?} answers again", self.name);
                self.silent.retain(|d| *d != device);
                emit(CecEvent::Answered(device));
            }
            _ => {}
        }
    }

    /// Sends one frame from our logical address; `Some(acknowledged)`, or `None` when it could
    /// not be sent at all (no address claimed, adapter error).
    fn send(&mut self, to: u8, body: &[u8]) -> Option<bool> {
        let Some(from) = self.logical else {
            log::debug!("{}: not sending {body:02x?}: no logical address yet", self.name);
            return None;
        };
        let mut msg = Msg::new(from, to, body);
        match uapi::transmit(self.file.as_fd(), &mut msg) {
            Ok(()) => {
                log::debug!(
                    "{}: sent {:02x?} status {:#x}",
                    self.name,
                    msg.bytes(),
                    msg.tx_status
                );
                Some(msg.tx_status & uapi::TX_STATUS_OK != 0)
            }
            Err(e) => {
                log::warn!("{}: sending {body:02x?}: {e}", self.name);
                None
            }
        }
    }
}

fn logical_address(device: CecDevice) -> u8 {
    match device {
        CecDevice::Tv => uapi::LOG_ADDR_TV,
        CecDevice::AudioSystem => uapi::LOG_ADDR_AUDIO_SYSTEM,
    }
}
