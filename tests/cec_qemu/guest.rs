// SPDX-License-Identifier: GPL-3.0-or-later
//! The part that runs inside the VM. `vivid` gives three CEC adapters on one emulated HDMI bus: the
//! receiver of its HDMI input (the "TV", physical address 0.0.0.0) and its two HDMI outputs (1.0.0.0
//! and 2.0.0.0). zapbox's CEC adapter, the real core and the real input adapter run on the first
//! output; this program plays the TV on the receiver and an audio system on the second output, and
//! prints one `ZAPBOX-VM RESULT <name> ok|FAIL <detail>` line per scenario.
//!
//! Time for the core is a fake clock (its timers fire when the scenario advances it); the bus, the
//! kernel's CEC framework, rc-core and evdev are real.

use nix::poll::{PollFd, PollFlags, PollTimeout};
use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};
use zapbox::cec::{self, CecConfig, CecHandle, uapi};
use zapbox::core::{
    Action, CecDevice, CecEvent, CecProblem, CecReport, CecStatus, Core, Effect, Event, MenuItem, MenuPage,
    MenuValue, Now, PhysicalAddress, SavedState, Settings, TimerId,
};
use zapbox::input::{self, InputConfig, Keymap};

type Outcome = Result<(), String>;

const WAIT: Duration = Duration::from_secs(10);

pub fn run() -> i32 {
    let mut failed = 0;
    let mut report = |name: &str, outcome: Outcome| match outcome {
        Ok(()) => println!("ZAPBOX-VM RESULT {name} ok"),
        Err(detail) => {
            failed += 1;
            println!("ZAPBOX-VM RESULT {name} FAIL {}", detail.replace('\n', " | "));
        }
    };
    if let Err(e) = scenarios(&mut report) {
        report("setup", Err(e));
    }
    println!("ZAPBOX-VM DONE failed={failed}");
    i32::from(failed > 0)
}

fn scenarios(report: &mut dyn FnMut(&str, Outcome)) -> Outcome {
    let adapters = adapters_by_name()?;
    let find = |suffix: &str| {
        adapters
            .iter()
            .find(|(name, _)| name.ends_with(suffix))
            .map(|(_, p)| p.clone())
            .ok_or_else(|| format!("no vivid adapter {suffix} in {adapters:?}"))
    };
    let (tv_path, box_path, audio_path) = (find("vid-cap0")?, find("vid-out0")?, find("vid-out1")?);
    report("no-adapter", no_adapter());
    let mut tv = Peer::claim(&tv_path, Role::Tv)?;
    let mut audio = Peer::claim(&audio_path, Role::AudioSystem)?;
    let mut the_box = TheBox::start(&box_path)?;
    report(
        "claim-and-one-touch-play",
        claim(&mut the_box, &mut tv, &box_path),
    );
    report("osd-name-and-power-status", osd_and_power(&mut tv));
    report(
        "standby-default-leaves-the-tv-on",
        standby_default(&mut the_box, &mut tv),
    );
    report("wake-sends-image-view-on", wake(&mut the_box, &mut tv));
    report(
        "standby-setting-sends-standby",
        standby_setting(&mut the_box, &mut tv),
    );
    report(
        "tv-remote-keys-arrive-as-actions",
        remote_keys(&mut the_box, &mut tv),
    );
    report(
        "volume-to-the-audio-system",
        volume(&mut the_box, &mut audio, &mut tv),
    );
    report("other-input-then-standby", other_input(&mut the_box, &mut tv));
    report("tv-selects-us", selected(&mut the_box, &mut tv));
    report("physical-address-change", address_change(&mut the_box, &mut tv));
    report("tv-silent", tv_silent(&mut the_box, &mut tv));
    report("probe", probe(&box_path));
    drop(the_box);
    Ok(())
}

/// `/dev/cec*` with their adapter names.
fn adapters_by_name() -> Result<Vec<(String, PathBuf)>, String> {
    let found: Vec<(String, PathBuf)> = cec::adapters(Path::new("/dev"))
        .into_iter()
        .filter_map(|p| {
            let f = File::options().read(true).write(true).open(&p).ok()?;
            let caps = uapi::caps(f.as_fd()).ok()?;
            Some((uapi::c_text(&caps.name), p))
        })
        .collect();
    if found.len() < 3 {
        return Err(format!("expected vivid's three CEC adapters, found {found:?}"));
    }
    Ok(found)
}

fn no_adapter() -> Outcome {
    let (tx, rx) = channel();
    let config = CecConfig {
        device: Some("/dev/cec9".into()),
        ..CecConfig::default()
    };
    let _handle = cec::spawn(config, move |e| {
        let _ = tx.send(e);
    })
    .map_err(|e| e.to_string())?;
    match rx.recv_timeout(WAIT) {
        Ok(CecEvent::Unavailable(zapbox::core::CecProblem::NoAdapter)) => Ok(()),
        other => Err(format!("expected NoAdapter, got {other:?}")),
    }
}

// ---- the box: real CEC adapter + real input adapter + the core, fake clock ----

struct TheBox {
    core: Core,
    now_ms: u64,
    timers: BTreeMap<TimerId, u64>,
    cec: CecHandle,
    events: Receiver<Event>,
    _input: input::InputHandle,
}

impl TheBox {
    fn start(device: &Path) -> Result<Self, String> {
        let (tx, events) = channel();
        let cec_tx = tx.clone();
        let config = CecConfig {
            device: Some(device.to_path_buf()),
            osd_name: "zapbox".into(),
        };
        let cec = cec::spawn(config, move |e| {
            let _ = cec_tx.send(Event::Cec(e));
        })
        .map_err(|e| e.to_string())?;
        let input = input::spawn(InputConfig::new(Keymap::built_in(), Vec::new()), move |a| {
            let _ = tx.send(Event::Action(a));
        })
        .map_err(|e| e.to_string())?;
        let mut core = Core::new(Default::default(), SavedState::default(), Settings::default());
        core.handle(Event::Started, Now::at_ms(0));
        Ok(Self {
            core,
            now_ms: 0,
            timers: BTreeMap::new(),
            cec,
            events,
            _input: input,
        })
    }

    fn handle(&mut self, event: Event) {
        for effect in self.core.handle(event, Now::at_ms(self.now_ms)) {
            match effect {
                Effect::Cec(command) => self.cec.send(command),
                Effect::StartTimer { timer, after_ms } => {
                    self.timers.insert(timer, self.now_ms + after_ms);
                }
                Effect::CancelTimer(timer) => {
                    self.timers.remove(&timer);
                }
                _ => {}
            }
        }
    }

    /// Handles events as they come until one matches `want`; returns it.
    fn until(&mut self, what: &str, want: impl Fn(&Event) -> bool) -> Result<Event, String> {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = self
                .events
                .recv_timeout(left)
                .map_err(|_| format!("no {what} within {WAIT:?}; saw {seen:?}"))?;
            self.handle(event.clone());
            if want(&event) {
                return Ok(event);
            }
            seen.push(event);
        }
    }

    /// Handles whatever arrived (without waiting for more than a moment).
    fn settle(&mut self) {
        while let Ok(event) = self.events.recv_timeout(Duration::from_millis(300)) {
            self.handle(event);
        }
    }

    fn press(&mut self, action: Action) {
        self.handle(Event::Action(action));
    }

    /// Advances the fake clock, firing due timers.
    fn advance(&mut self, ms: u64) {
        let until = self.now_ms + ms;
        while let Some((&timer, &due)) = self.timers.iter().min_by_key(|(_, due)| **due) {
            if due > until {
                break;
            }
            self.timers.remove(&timer);
            self.now_ms = due;
            self.handle(Event::Timer(timer));
        }
        self.now_ms = until;
    }

    /// Moves to an item of the TV menu page and presses `action` on it `times` times.
    fn tv_setting(&mut self, item: MenuItem, action: Action, times: usize) -> Outcome {
        self.press(Action::Menu);
        let main = self.core.menu_items(MenuPage::Main);
        let at = main
            .iter()
            .position(|l| l.item == MenuItem::Tv)
            .ok_or("no TV item in the menu")?;
        (0..at).for_each(|_| self.press(Action::Down));
        self.press(Action::Ok);
        let page = self.core.menu_items(MenuPage::Tv);
        let at = page
            .iter()
            .position(|l| l.item == item)
            .ok_or(format!("no {item:?} item"))?;
        (0..at).for_each(|_| self.press(Action::Down));
        (0..times).for_each(|_| self.press(action));
        self.press(Action::Menu);
        Ok(())
    }

    /// What the about page's HDMI-CEC line shows.
    fn about(&self) -> CecReport {
        let items = self.core.menu_items(MenuPage::About);
        match items
            .iter()
            .find(|l| l.item == MenuItem::HdmiCec)
            .map(|l| &l.value)
        {
            Some(MenuValue::Cec(report)) => report.clone(),
            other => panic!("the about page's HDMI-CEC line shows {other:?}"),
        }
    }
}

// ---- the TV and the audio system, on their own adapters ----

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Tv,
    AudioSystem,
}

struct Peer {
    file: File,
    la: u8,
    /// Messages received and not yet matched by an expectation.
    inbox: Vec<Vec<u8>>,
}

impl Peer {
    fn claim(path: &Path, role: Role) -> Result<Self, String> {
        let file = File::options()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| e.to_string())?;
        let fd = file.as_fd();
        uapi::set_mode(fd, uapi::MODE_INITIATOR | uapi::MODE_FOLLOWER).map_err(|e| e.to_string())?;
        let mut peer = Self {
            file,
            la: 0,
            inbox: Vec::new(),
        };
        peer.configure(role)?;
        Ok(peer)
    }

    fn configure(&mut self, role: Role) -> Outcome {
        let (ty, prim, all, name, la) = match role {
            Role::Tv => (0, 0, 0x80, "TV", 0),
            Role::AudioSystem => (4, 5, 0x08, "Receiver", 5),
        };
        let mut l = uapi::LogAddrs {
            cec_version: uapi::CEC_VERSION_1_4,
            num_log_addrs: 1,
            vendor_id: uapi::VENDOR_ID_NONE,
            ..uapi::LogAddrs::default()
        };
        l.osd_name[..name.len()].copy_from_slice(name.as_bytes());
        l.log_addr_type[0] = ty;
        l.primary_device_type[0] = prim;
        l.all_device_types[0] = all;
        uapi::set_log_addrs(self.file.as_fd(), &mut uapi::LogAddrs::default()).map_err(|e| e.to_string())?;
        uapi::set_log_addrs(self.file.as_fd(), &mut l).map_err(|e| e.to_string())?;
        if l.log_addr[0] != la {
            return Err(format!(
                "the peer claimed logical address {} instead of {la}",
                l.log_addr[0]
            ));
        }
        self.la = la;
        Ok(())
    }

    fn unconfigure(&mut self) -> Outcome {
        uapi::set_log_addrs(self.file.as_fd(), &mut uapi::LogAddrs::default()).map_err(|e| e.to_string())
    }

    fn send(&mut self, to: u8, body: &[u8]) -> Result<uapi::Msg, String> {
        let mut msg = uapi::Msg::new(self.la, to, body);
        uapi::transmit(self.file.as_fd(), &mut msg).map_err(|e| format!("transmit {body:02x?}: {e}"))?;
        Ok(msg)
    }

    /// Sends and waits for the reply with opcode `reply`.
    fn ask(&mut self, to: u8, body: &[u8], reply: u8) -> Result<Vec<u8>, String> {
        let mut msg = uapi::Msg::new(self.la, to, body);
        msg.reply = reply;
        msg.timeout = 2000;
        uapi::transmit(self.file.as_fd(), &mut msg).map_err(|e| format!("transmit {body:02x?}: {e}"))?;
        if msg.rx_status & uapi::RX_STATUS_OK == 0 {
            return Err(format!(
                "no reply {reply:#04x} to {body:02x?} (rx status {:#x})",
                msg.rx_status
            ));
        }
        Ok(msg.bytes().to_vec())
    }

    fn drain(&mut self, for_: Duration) {
        let deadline = Instant::now() + for_;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let ms = u16::try_from(left.as_millis().min(1000)).unwrap_or(1000);
            let mut fds = [PollFd::new(self.file.as_fd(), PollFlags::POLLIN)];
            match nix::poll::poll(&mut fds, PollTimeout::from(ms)) {
                Ok(n) if n > 0 => {
                    if let Ok(m) = uapi::receive(self.file.as_fd(), 1) {
                        self.inbox.push(m.bytes().to_vec());
                    }
                }
                _ if left.is_zero() => return,
                _ => {}
            }
        }
    }

    /// Waits until a frame equal to `frame` arrived (taking it and everything before it).
    fn expect(&mut self, frame: &[u8]) -> Outcome {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(at) = self.inbox.iter().position(|m| m == frame) {
                self.inbox.drain(..=at);
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("expected {frame:02x?}; received {:02x?}", self.inbox));
            }
            self.drain(Duration::from_millis(200));
        }
    }

    /// Fails if a frame with this opcode arrives within a second.
    fn expect_no(&mut self, opcode: u8) -> Outcome {
        self.drain(Duration::from_secs(1));
        match self.inbox.iter().find(|m| m.get(1) == Some(&opcode)) {
            Some(m) => Err(format!("unexpected {m:02x?}")),
            None => Ok(()),
        }
    }

    fn forget(&mut self) {
        self.drain(Duration::from_millis(200));
        self.inbox.clear();
    }
}

// ---- scenarios ----

fn claim(the_box: &mut TheBox, tv: &mut Peer, box_path: &Path) -> Outcome {
    let ready = the_box.until("Ready", |e| matches!(e, Event::Cec(CecEvent::Ready { .. })))?;
    let Event::Cec(CecEvent::Ready {
        physical_address,
        logical_address,
        ..
    }) = ready
    else {
        unreachable!()
    };
    check(
        physical_address == PhysicalAddress(0x1000) && logical_address == 4,
        || format!("{ready:?}"),
    )?;
    tv.expect(&[0x40, 0x04])?; // Image View On
    tv.expect(&[0x4f, 0x82, 0x10, 0x00])?; // Active Source 1.0.0.0
    let f = File::options()
        .read(true)
        .write(true)
        .open(box_path)
        .map_err(|e| e.to_string())?;
    let la = uapi::log_addrs(f.as_fd()).map_err(|e| e.to_string())?;
    check(la.flags & uapi::LOG_ADDRS_FL_ALLOW_RC_PASSTHRU != 0, || {
        "no RC passthrough flag".into()
    })?;
    check(la.vendor_id == uapi::VENDOR_ID_NONE, || {
        format!("vendor id {:#x}", la.vendor_id)
    })?;
    check(la.primary_device_type[0] == uapi::PRIM_DEVTYPE_PLAYBACK, || {
        "not a playback device".into()
    })?;
    let about = the_box.about();
    check(
        matches!(
            about.status,
            CecStatus::Ready {
                physical_address: PhysicalAddress(0x1000),
                logical_address: 4,
                ..
            }
        ),
        || format!("{about:?}"),
    )
}

fn osd_and_power(tv: &mut Peer) -> Outcome {
    let name = tv.ask(4, &[0x46], 0x47)?;
    check(&name[2..] == b"zapbox", || format!("OSD name {name:02x?}"))?;
    let power = tv.ask(4, &[0x8f], 0x90)?;
    check(power[2] == 0, || format!("power status {power:02x?} (0 = on)"))
}

fn standby_default(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    tv.forget();
    the_box.press(Action::Power);
    tv.expect(&[0x40, 0x9d, 0x10, 0x00])?; // Inactive Source
    tv.expect_no(0x36)?; // no Standby: the setting is off by default
    let power = tv.ask(4, &[0x8f], 0x90)?;
    check(power[2] == 1, || {
        format!("power status {power:02x?} (1 = standby)")
    })
}

fn wake(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    tv.forget();
    the_box.press(Action::Ok);
    tv.expect(&[0x40, 0x04])?;
    tv.expect(&[0x4f, 0x82, 0x10, 0x00])
}

fn standby_setting(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    the_box.tv_setting(MenuItem::CecStandbyTv, Action::Ok, 1)?;
    check(the_box.core.settings().cec.standby_tv, || {
        "the menu did not switch TV standby on".into()
    })?;
    tv.forget();
    the_box.press(Action::Power);
    tv.expect(&[0x40, 0x36])?; // Standby to the TV
    tv.expect(&[0x40, 0x9d, 0x10, 0x00])?;
    the_box.press(Action::Ok);
    tv.expect(&[0x4f, 0x82, 0x10, 0x00])?;
    the_box.tv_setting(MenuItem::CecStandbyTv, Action::Ok, 1)
}

/// User Control Pressed from the TV reaches rc-core (passthrough), evdev, the keymap and the core.
fn remote_keys(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    let keys = [
        (0x01, Action::Up),
        (0x00, Action::Ok),
        (0x0d, Action::Back),
        (0x30, Action::ChannelUp),
        (0x23, Action::Digit(3)),
        (0x72, Action::Red),
    ];
    the_box.settle();
    for (code, action) in keys {
        tv.send(4, &[0x44, code])?;
        tv.send(4, &[0x45])?;
        let got = the_box.until(&format!("{action:?}"), |e| matches!(e, Event::Action(_)))?;
        check(got == Event::Action(action), || {
            format!("UI command {code:#04x} gave {got:?}, not {action:?}")
        })?;
        the_box.settle(); // a kernel autorepeat of a slow release must not count for the next key
    }
    // Leave the screens the keys opened.
    the_box.settle();
    the_box.press(Action::Back);
    the_box.press(Action::Back);
    Ok(())
}

fn volume(the_box: &mut TheBox, audio: &mut Peer, tv: &mut Peer) -> Outcome {
    the_box.tv_setting(MenuItem::CecVolume, Action::Right, 2)?; // box -> tv -> audio system
    audio.forget();
    the_box.press(Action::VolumeUp);
    audio.expect(&[0x45, 0x44, 0x41])?;
    audio.expect(&[0x45, 0x45])?;
    the_box.press(Action::Mute);
    audio.expect(&[0x45, 0x44, 0x43])?;
    check(
        the_box
            .core
            .view(Now::at_ms(the_box.now_ms))
            .volume_device
            .is_some(),
        || "the banner does not say the volume is external".into(),
    )?;
    the_box.tv_setting(MenuItem::CecVolume, Action::Left, 1)?; // the TV
    tv.forget();
    the_box.press(Action::VolumeDown);
    tv.expect(&[0x40, 0x44, 0x42])?;
    the_box.tv_setting(MenuItem::CecVolume, Action::Left, 1) // back to the box
}

fn other_input(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    the_box.tv_setting(MenuItem::CecInputSwitch, Action::Right, 1)?; // never -> 1 min
    the_box.settle();
    tv.forget();
    tv.send(15, &[0x82, 0x00, 0x00])?; // the TV shows its own tuner
    the_box.until("OtherSource", |e| {
        matches!(e, Event::Cec(CecEvent::OtherSource(_)))
    })?;
    the_box.advance(59_000);
    check(!the_box.core.is_standby(), || "standby before the delay".into())?;
    the_box.advance(1_000);
    check(the_box.core.is_standby(), || "no standby after the delay".into())?;
    tv.expect_no(0x36)?;
    tv.expect_no(0x9d)?;
    let power = tv.ask(4, &[0x8f], 0x90)?;
    check(power[2] == 1, || format!("power status {power:02x?}"))
}

fn selected(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    tv.forget();
    tv.send(15, &[0x86, 0x10, 0x00])?; // Set Stream Path to 1.0.0.0
    the_box.until("Selected", |e| matches!(e, Event::Cec(CecEvent::Selected)))?;
    check(!the_box.core.is_standby(), || "still in standby".into())?;
    tv.expect(&[0x4f, 0x82, 0x10, 0x00])?;
    tv.forget();
    tv.send(15, &[0x85])?; // Request Active Source: the active source answers
    tv.expect(&[0x4f, 0x82, 0x10, 0x00])
}

/// Unplugging and plugging the HDMI cable: vivid takes the outputs' physical addresses away when
/// the receiver has no EDID and gives them back with it. (vivid in this kernel always derives the same
/// addresses, so a move to another address is covered by the core's scenario tests.)
fn address_change(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    let video = File::options()
        .read(true)
        .write(true)
        .open("/dev/video0")
        .map_err(|e| e.to_string())?;
    let edid = edid::get(&video)?;
    edid::set(&video, &[])?;
    the_box.until("NotConnected", |e| {
        matches!(
            e,
            Event::Cec(CecEvent::Unavailable(CecProblem::NotConnected { .. }))
        )
    })?;
    let about = the_box.about();
    check(
        matches!(
            about.status,
            CecStatus::Unavailable(CecProblem::NotConnected { .. })
        ),
        || format!("{about:?}"),
    )?;
    tv.forget();
    edid::set(&video, &edid)?;
    the_box.until("Ready at 1.0.0.0 again", |e| {
        matches!(e, Event::Cec(CecEvent::Ready { physical_address, .. }) if *physical_address == PhysicalAddress(0x1000))
    })?;
    // The TV's own adapter lost its address too: wait until it has claimed again, then ask who is
    // the active source (the box, back at its address).
    let deadline = Instant::now() + WAIT;
    while uapi::log_addrs(tv.file.as_fd()).map_or(0, |l| l.log_addr_mask) == 0 {
        if Instant::now() > deadline {
            return Err("the TV did not claim its address again".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    the_box.settle();
    tv.forget();
    tv.send(15, &[0x85])?;
    tv.expect(&[0x4f, 0x82, 0x10, 0x00])
}

fn tv_silent(the_box: &mut TheBox, tv: &mut Peer) -> Outcome {
    the_box.press(Action::Power);
    the_box.settle();
    tv.unconfigure()?;
    the_box.press(Action::Ok); // Image View On to nobody
    the_box.until("NoAnswer", |e| matches!(e, Event::Cec(CecEvent::NoAnswer(_))))?;
    let about = the_box.about();
    check(about.silent == [CecDevice::Tv], || format!("{about:?}"))?;
    tv.configure(Role::Tv)?;
    the_box.press(Action::Power);
    the_box.press(Action::Ok);
    the_box.until("Answered", |e| matches!(e, Event::Cec(CecEvent::Answered(_))))?;
    let about = the_box.about();
    check(about.silent.is_empty(), || format!("{about:?}"))
}

fn probe(box_path: &Path) -> Outcome {
    let adapters = cec::probe(Path::new("/dev"));
    for a in &adapters {
        println!("ZAPBOX-VM PROBE {}", a.to_string().replace('\n', " | "));
    }
    let ours = adapters
        .iter()
        .find(|a| Path::new(&a.path) == box_path)
        .ok_or_else(|| format!("{box_path:?} not probed"))?;
    check(
        ours.physical_address == "1.0.0.0" && ours.logical_addresses == [4],
        || format!("{ours:?}"),
    )?;
    let on_bus: Vec<(u8, Option<&str>)> = ours
        .devices
        .iter()
        .map(|d| (d.logical_address, d.osd_name.as_deref()))
        .collect();
    check(
        on_bus.contains(&(0, Some("TV"))) && on_bus.contains(&(5, Some("Receiver"))),
        || format!("{on_bus:?}"),
    )
}

fn check(ok: bool, detail: impl FnOnce() -> String) -> Outcome {
    if ok { Ok(()) } else { Err(detail()) }
}

/// The receiver's EDID through V4L2 (`VIDIOC_G_EDID` / `VIDIOC_S_EDID` on the capture node).
mod edid {
    use std::fs::File;
    use std::os::fd::AsRawFd;

    #[repr(C)]
    struct V4l2Edid {
        pad: u32,
        start_block: u32,
        blocks: u32,
        reserved: [u32; 5],
        edid: *mut u8,
    }

    nix::ioctl_readwrite!(g_edid, b'V', 40, V4l2Edid);
    nix::ioctl_readwrite!(s_edid, b'V', 41, V4l2Edid);

    pub fn get(video: &File) -> Result<Vec<u8>, String> {
        let mut buf = vec![0u8; 256 * 128];
        let mut e = V4l2Edid {
            pad: 0,
            start_block: 0,
            blocks: 256,
            reserved: [0; 5],
            edid: buf.as_mut_ptr(),
        };
        // SAFETY: the buffer holds `blocks` * 128 bytes; the struct has the kernel's layout.
        unsafe { g_edid(video.as_raw_fd(), &mut e) }.map_err(|e| format!("VIDIOC_G_EDID: {e}"))?;
        buf.truncate(e.blocks as usize * 128);
        Ok(buf)
    }

    pub fn set(video: &File, edid: &[u8]) -> Result<(), String> {
        let mut copy = edid.to_vec();
        let mut e = V4l2Edid {
            pad: 0,
            start_block: 0,
            blocks: (edid.len() / 128) as u32,
            reserved: [0; 5],
            edid: if copy.is_empty() {
                std::ptr::null_mut()
            } else {
                copy.as_mut_ptr()
            },
        };
        // SAFETY: as above; the kernel only reads the buffer.
        unsafe { s_edid(video.as_raw_fd(), &mut e) }.map_err(|e| format!("VIDIOC_S_EDID: {e}"))?;
        Ok(())
    }
}
