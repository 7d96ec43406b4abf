// SPDX-License-Identifier: GPL-3.0-or-later
//! HDMI-CEC decisions: when the box wakes the TV and claims its input, when it lets go, what
//! happens when the TV switches to another input, and where the volume keys go. The CEC adapter
//! (`crate::cec`) speaks the protocol on `/dev/cecN`; it reports what it saw as [`CecEvent`]s and
//! sends what the core decides as [`CecCommand`]s. The TV remote's own keys do not come this way:
//! the kernel passes them through rc-core to evdev, so they arrive as ordinary remote actions.
//!
//! ```text
//!   wake ──────────────> Image View On + Active Source   (setting: wake the TV)
//!   POWER to standby ──> Standby to the TV (setting) + Inactive Source
//!   another source ────> after the delay (setting), box standby; the TV is left alone
//!   VOLUME/MUTE ───────> User Control to the audio system or TV (setting), else software volume
//! ```

use super::menu::{MenuItem, MenuLine, MenuValue, cycle};
use super::{Core, Effect, Now, TimerId};

/// An HDMI physical address (`a.b.c.d`, four nibbles); `f.f.f.f` means no connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhysicalAddress(pub u16);

impl PhysicalAddress {
    pub const INVALID: PhysicalAddress = PhysicalAddress(0xffff);

    pub fn is_valid(self) -> bool {
        self != Self::INVALID
    }
}

impl std::fmt::Display for PhysicalAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = self.0;
        write!(
            f,
            "{:x}.{:x}.{:x}.{:x}",
            a >> 12,
            (a >> 8) & 0xf,
            (a >> 4) & 0xf,
            a & 0xf
        )
    }
}

/// Who turns the volume; spelt `box`, `tv` and `audio-system` in the configuration, the board
/// profile and the state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VolumeControl {
    /// The box's software volume (GStreamer).
    #[default]
    Box,
    /// The TV, through CEC User Control messages.
    Tv,
    /// An AV receiver or soundbar (CEC logical address 5).
    #[serde(alias = "audio_system")]
    AudioSystem,
}

impl VolumeControl {
    pub const ALL: [VolumeControl; 3] = [Self::Box, Self::Tv, Self::AudioSystem];

    /// Stable id for configuration, state file and UI (`box`, `tv`, `audio-system`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Box => "box",
            Self::Tv => "tv",
            Self::AudioSystem => "audio-system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.id() == text || v.id().replace('-', "_") == text)
    }

    /// The CEC device that gets the volume keys, if not the box.
    pub fn device(self) -> Option<CecDevice> {
        match self {
            Self::Box => None,
            Self::Tv => Some(CecDevice::Tv),
            Self::AudioSystem => Some(CecDevice::AudioSystem),
        }
    }
}

/// Delays offered for "standby when the TV switches to another input", in seconds (0: never).
pub const INPUT_SWITCH_DELAYS_S: [u32; 4] = [0, 60, 300, 900];

/// The CEC settings (configuration, then the viewer's menu choices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CecSettings {
    /// Use CEC at all.
    pub enabled: bool,
    /// One-touch play: wake the TV and switch it to the box when the box wakes.
    pub wake_tv: bool,
    /// Send the TV to standby when the box goes to standby.
    pub standby_tv: bool,
    /// Go to standby this long after the TV switched to another input (0: never).
    pub standby_on_input_switch_s: u32,
    pub volume: VolumeControl,
}

impl Default for CecSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            wake_tv: true,
            standby_tv: false,
            standby_on_input_switch_s: 0,
            volume: VolumeControl::Box,
        }
    }
}

/// A device on the HDMI bus the box talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CecDevice {
    Tv,
    AudioSystem,
}

/// A remote key sent over CEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CecKey {
    VolumeUp,
    VolumeDown,
    Mute,
}

/// What the core asks the CEC adapter to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CecCommand {
    /// Image View On to the TV (wakes it).
    WakeTv,
    /// Broadcast Active Source with our physical address (the TV switches to us).
    ActiveSource,
    /// Inactive Source to the TV (we stop being the picture).
    InactiveSource,
    /// Standby to the TV.
    StandbyTv,
    /// User Control Pressed then Released.
    UserControl { to: CecDevice, key: CecKey },
    /// The box's power state, which the adapter reports when asked (Give Device Power Status).
    Power { on: bool },
}

/// What the CEC adapter saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CecEvent {
    /// A Playback logical address is claimed (again, after a physical address change).
    Ready {
        adapter: String,
        physical_address: PhysicalAddress,
        logical_address: u8,
    },
    /// CEC cannot be used (now).
    Unavailable(CecProblem),
    /// Another device became the active source: the TV shows another input.
    OtherSource(PhysicalAddress),
    /// The TV selected our input (Set Stream Path or Routing Change to our address).
    Selected,
    /// A device did not acknowledge a message (reported once per device until it answers).
    NoAnswer(CecDevice),
    /// A device that did not answer acknowledged a message again.
    Answered(CecDevice),
}

/// Why CEC is not in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CecProblem {
    /// Switched off in the configuration.
    Disabled,
    /// No `/dev/cec*` device (or not the one the board profile names).
    NoAdapter,
    /// The adapter has no physical address: no HDMI cable, or the TV is unplugged.
    NotConnected { adapter: String },
    /// The adapter failed (permission, claim refused...), in words.
    Failed { adapter: String, detail: String },
}

/// Where CEC stands, for the about page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CecStatus {
    /// The adapter has not reported yet.
    #[default]
    Starting,
    Ready {
        adapter: String,
        physical_address: PhysicalAddress,
        logical_address: u8,
    },
    Unavailable(CecProblem),
}

/// Where CEC stands and which devices do not answer: what the about page shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CecReport {
    pub status: CecStatus,
    /// Devices that did not answer since they last did.
    pub silent: Vec<CecDevice>,
}

/// The core's CEC state.
#[derive(Debug, Clone, Default)]
pub(super) struct CecState {
    pub status: CecStatus,
    /// We told the bus we are the active source and nobody took over since.
    pub active: bool,
    /// Devices that did not answer since they last did.
    pub silent: Vec<CecDevice>,
    /// Generation of the pending "other input" standby timer.
    pub switch_timer: Option<u64>,
}

impl CecState {
    fn ready(&self) -> bool {
        matches!(self.status, CecStatus::Ready { .. })
    }
}

impl Core {
    pub(super) fn cec_event(&mut self, event: CecEvent, fx: &mut Vec<Effect>, now: Now) {
        match event {
            CecEvent::Ready {
                adapter,
                physical_address,
                logical_address,
            } => {
                let first = !self.cec.ready();
                self.cec.status = CecStatus::Ready {
                    adapter,
                    physical_address,
                    logical_address,
                };
                fx.push(cec(CecCommand::Power { on: !self.standby }));
                if self.standby {
                    return;
                }
                if first && self.settings.cec.wake_tv {
                    self.claim_tv(fx);
                } else if self.cec.active {
                    // A new physical address (hotplug, receiver inserted): say where we are now.
                    fx.push(cec(CecCommand::ActiveSource));
                }
            }
            CecEvent::Unavailable(problem) => self.cec.status = CecStatus::Unavailable(problem),
            CecEvent::OtherSource(_) => {
                self.cec.active = false;
                let delay_s = self.settings.cec.standby_on_input_switch_s;
                if !self.standby && delay_s > 0 {
                    let generation = self.next_generation();
                    self.cec.switch_timer = Some(generation);
                    fx.push(Effect::StartTimer {
                        timer: TimerId::CecInputSwitch(generation),
                        after_ms: u64::from(delay_s) * 1000,
                    });
                }
            }
            CecEvent::Selected => {
                self.cec.switch_timer = None;
                if self.standby {
                    self.wake(fx, now);
                }
                // The spec wants the selected device to confirm with Active Source.
                if !self.cec.active && self.cec.ready() {
                    fx.push(cec(CecCommand::ActiveSource));
                    self.cec.active = true;
                }
            }
            CecEvent::NoAnswer(device) => {
                if !self.cec.silent.contains(&device) {
                    self.cec.silent.push(device);
                }
            }
            CecEvent::Answered(device) => self.cec.silent.retain(|d| *d != device),
        }
    }

    /// The "other input" timer fired: standby, unless the TV came back to us meanwhile. The TV
    /// is left alone: the viewer is watching something else on it.
    pub(super) fn cec_input_switch_timer(&mut self, generation: u64, fx: &mut Vec<Effect>) {
        if self.cec.switch_timer != Some(generation) || self.cec.active || self.standby {
            return;
        }
        self.cec.switch_timer = None;
        self.enter_standby_quietly(fx);
    }

    /// Wake: Image View On and Active Source when the setting asks for it.
    pub(super) fn cec_wake(&mut self, fx: &mut Vec<Effect>) {
        if !self.cec.ready() {
            return;
        }
        fx.push(cec(CecCommand::Power { on: true }));
        if self.settings.cec.wake_tv {
            self.claim_tv(fx);
        }
    }

    /// Standby: the TV goes to standby if the setting says so; we stop being the active source.
    pub(super) fn cec_standby(&mut self, tell_tv: bool, fx: &mut Vec<Effect>) {
        self.cec.switch_timer = None;
        if !self.cec.ready() {
            return;
        }
        fx.push(cec(CecCommand::Power { on: false }));
        if tell_tv && self.settings.cec.standby_tv {
            fx.push(cec(CecCommand::StandbyTv));
        }
        if std::mem::take(&mut self.cec.active) && tell_tv {
            fx.push(cec(CecCommand::InactiveSource));
        }
    }

    fn claim_tv(&mut self, fx: &mut Vec<Effect>) {
        fx.push(cec(CecCommand::WakeTv));
        fx.push(cec(CecCommand::ActiveSource));
        self.cec.active = true;
        self.cec.switch_timer = None;
    }

    /// The device that turns the volume now: the configured one while CEC works, else none (the
    /// box's software volume, so the keys never do nothing).
    pub fn volume_device(&self) -> Option<CecDevice> {
        self.settings.cec.volume.device().filter(|_| self.cec.ready())
    }

    /// VOLUME UP/DOWN/MUTE over CEC when another device turns the volume; `false`: not handled.
    pub(super) fn cec_volume(&mut self, key: CecKey, fx: &mut Vec<Effect>) -> bool {
        let Some(to) = self.volume_device() else {
            return false;
        };
        fx.push(cec(CecCommand::UserControl { to, key }));
        self.show_banner(fx);
        true
    }

    /// Where CEC stands, for the about and TV pages.
    pub fn cec_report(&self) -> CecReport {
        CecReport {
            status: self.cec.status.clone(),
            silent: self.cec.silent.clone(),
        }
    }

    /// What CEC stands at.
    pub fn cec_status(&self) -> &CecStatus {
        &self.cec.status
    }
}

fn cec(command: CecCommand) -> Effect {
    Effect::Cec(command)
}

impl Core {
    /// The TV page of the menu: who turns the volume, TV standby, standby on another input.
    pub(super) fn tv_items(&self) -> Vec<MenuLine> {
        let c = &self.settings.cec;
        vec![
            MenuLine::new(MenuItem::CecVolume, MenuValue::Volume(c.volume)),
            MenuLine::new(MenuItem::CecStandbyTv, MenuValue::OnOff(c.standby_tv)),
            MenuLine::new(
                MenuItem::CecInputSwitch,
                MenuValue::DelayS(c.standby_on_input_switch_s),
            ),
            MenuLine::new(MenuItem::HdmiCec, MenuValue::Cec(self.cec_report())),
        ]
    }

    /// LEFT/RIGHT/OK on a line of the TV page.
    pub(super) fn tv_item(&mut self, item: MenuItem, delta: isize, fx: &mut Vec<Effect>) {
        let c = &mut self.settings.cec;
        let saved = &mut self.saved.cec;
        match item {
            MenuItem::CecVolume => {
                c.volume = cycle(&VolumeControl::ALL, c.volume, delta);
                saved.volume = Some(c.volume);
            }
            MenuItem::CecStandbyTv => {
                c.standby_tv = !c.standby_tv;
                saved.standby_tv = Some(c.standby_tv);
            }
            MenuItem::CecInputSwitch => {
                let delay = cycle(&INPUT_SWITCH_DELAYS_S, c.standby_on_input_switch_s, delta);
                c.standby_on_input_switch_s = delay;
                saved.standby_on_input_switch_s = Some(delay);
            }
            _ => return,
        }
        self.save_soon(fx);
    }
}
