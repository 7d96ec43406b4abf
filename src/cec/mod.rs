// SPDX-License-Identifier: GPL-3.0-or-later
//! HDMI-CEC adapter: the kernel's CEC framework (`/dev/cecN`) on one side, the core's
//! [`CecEvent`]s and [`CecCommand`]s on the other. The core decides (wake the TV, standby,
//! where volume goes, see `core::cec`); this module only speaks the protocol.
//!
//! The kernel does the hard parts: logical address allocation, the answers every device must
//! give (physical address, OSD name, CEC version) and, with `CEC_LOG_ADDRS_FL_ALLOW_RC_PASSTHRU`,
//! the TV remote's keys into rc-core, where they become evdev key presses with the `rc-cec`
//! keymap and reach the app through the ordinary remote path (`crate::input`).
//!
//! Everything that can be missing is a reported state, never an error that stops the app: no
//! adapter, an adapter without HDMI connection, a physical address that changes, a TV that never
//! answers. Depends on `nix`/`libc` and the core's CEC types; not on the UI, player or network.

mod adapter;
pub mod message;
mod probe;
pub mod uapi;

pub use probe::{AdapterInfo, BusDevice, probe};

use crate::core::{CecCommand, CecEvent, CecProblem, PhysicalAddress};
use adapter::{Adapter, Input};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// What the adapter needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CecConfig {
    /// The device (`/dev/cec1`); `None` takes the first adapter found.
    pub device: Option<PathBuf>,
    /// The name the TV shows for the box (at most 14 bytes are sent).
    pub osd_name: String,
}

impl Default for CecConfig {
    fn default() -> Self {
        Self {
            device: None,
            osd_name: "zapbox".to_string(),
        }
    }
}

/// The running adapter thread. Dropping it releases the logical address and ends the thread.
pub struct CecHandle {
    tx: mpsc::Sender<Input>,
    wake: OwnedFd,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CecHandle {
    /// Queues a command for the bus.
    pub fn send(&self, command: CecCommand) {
        if self.tx.send(Input::Command(command)).is_ok() {
            let _ = nix::unistd::write(&self.wake, &[1]);
        }
    }
}

impl Drop for CecHandle {
    fn drop(&mut self) {
        let _ = self.tx.send(Input::Stop);
        let _ = nix::unistd::write(&self.wake, &[1]);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `/dev/cec*` in number order.
pub fn adapters(dev: &Path) -> Vec<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(dev)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let n = name.strip_prefix("cec")?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Starts the adapter thread. Every outcome, the absence of an adapter included, arrives as a
/// [`CecEvent`] through `emit`; commands sent while CEC is unusable are dropped.
pub fn spawn(config: CecConfig, emit: impl Fn(CecEvent) + Send + 'static) -> std::io::Result<CecHandle> {
    let (tx, rx) = mpsc::channel();
    let (wake_rx, wake_tx) = nix::unistd::pipe()?;
    let thread = std::thread::Builder::new()
        .name("cec".into())
        .spawn(move || run(config, &rx, &wake_rx, &emit))?;
    Ok(CecHandle {
        tx,
        wake: wake_tx,
        thread: Some(thread),
    })
}

fn run(config: CecConfig, commands: &mpsc::Receiver<Input>, wake: &OwnedFd, emit: &dyn Fn(CecEvent)) {
    let path = config
        .device
        .clone()
        .or_else(|| adapters(Path::new("/dev")).into_iter().next());
    let Some(path) = path else {
        log::info!("HDMI-CEC: no adapter (/dev/cec*); the TV is not controlled");
        return emit(CecEvent::Unavailable(CecProblem::NoAdapter));
    };
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().to_string());
    let file = match std::fs::OpenOptions::new().read(true).write(true).open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            log::warn!(
                "HDMI-CEC: {} does not exist; the TV is not controlled",
                path.display()
            );
            return emit(CecEvent::Unavailable(CecProblem::NoAdapter));
        }
        Err(e) => return failed(&name, format!("cannot open {}: {e}", path.display()), emit),
    };
    let mut adapter = Adapter {
        file,
        name: name.clone(),
        osd_name: config.osd_name,
        physical: PhysicalAddress::INVALID,
        logical: None,
        power_on: true,
        active: false,
        silent: Vec::new(),
    };
    match uapi::caps(std::os::fd::AsFd::as_fd(&adapter.file)) {
        Ok(caps) if caps.capabilities & uapi::CAP_LOG_ADDRS == 0 => {
            return failed(&name, "the adapter cannot claim logical addresses".into(), emit);
        }
        Ok(_) => {}
        Err(e) => return failed(&name, format!("not a CEC adapter: {e}"), emit),
    }
    if let Err(e) = adapter.claim() {
        return failed(&name, format!("claiming a playback address: {e}"), emit);
    }
    adapter.run(commands, wake, emit);
    adapter.release();
}

fn failed(adapter: &str, detail: String, emit: &dyn Fn(CecEvent)) {
    log::warn!("HDMI-CEC: {adapter}: {detail}");
    emit(CecEvent::Unavailable(CecProblem::Failed {
        adapter: adapter.to_string(),
        detail,
    }));
}
