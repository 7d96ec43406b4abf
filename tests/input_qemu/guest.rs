// SPDX-License-Identifier: GPL-3.0-or-later
//! The part that runs inside the VM (as `/init`'s child, root, uinput loaded): makes virtual remotes and
//! a keyboard with uinput, runs the real input adapter against them, and prints one
//! `ZAPBOX-VM RESULT <name> ok|FAIL <detail>` line per scenario on the serial console.

use evdev::uinput::VirtualDevice;
use evdev::{AttributeSet, BusType, Device, EventType, InputEvent, InputId, KeyCode as K};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::thread::sleep;
use std::time::{Duration, Instant};
use zapbox::core::Action;
use zapbox::input::{self, InputConfig, InputHandle, Keymap};

const REMOTE: &str = "ZapboxVM IR Remote";
const KEYBOARD: &str = "ZapboxVM Keyboard";

type Outcome = Result<(), String>;

pub fn run() -> i32 {
    let mut failed = 0;
    let mut report = |name: &str, outcome: Outcome| match outcome {
        Ok(()) => println!("ZAPBOX-VM RESULT {name} ok"),
        Err(detail) => {
            failed += 1;
            println!("ZAPBOX-VM RESULT {name} FAIL {}", detail.replace('\n', " | "));
        }
    };
    match scenarios(&mut report) {
        Ok(()) => {}
        Err(e) => report("setup", Err(e)),
    }
    println!("ZAPBOX-VM DONE failed={failed}");
    i32::from(failed > 0)
}

fn scenarios(report: &mut dyn FnMut(&str, Outcome)) -> Outcome {
    let mut keyboard = device(KEYBOARD, &keyboard_keys())?;
    let mut remote = device(REMOTE, &remote_keys())?;
    let remote_path = node(&mut remote)?;
    let keyboard_path = node(&mut keyboard)?;
    report("discovery", discovery());
    let (tx, rx) = channel();
    let config = InputConfig::new(Keymap::built_in(), Vec::new());
    let handle = input::spawn(config, move |a| {
        let _ = tx.send(a);
    })
    .map_err(|e| e.to_string())?;
    wait_until("the remote is grabbed", || held(&handle, REMOTE))?;
    report("grab", grab(&mut remote, &remote_path, &rx));
    report("keys", keys(&mut remote, &rx));
    report("repeat", repeat(&mut remote, &rx));
    report("long-press", long_press(&mut remote, &rx));
    report(
        "keyboard-left-alone",
        keyboard_left_alone(&handle, &mut keyboard, &keyboard_path, &rx),
    );
    report("hotplug", hotplug(&handle, remote, &rx));
    report("vanish-mid-read", vanish_mid_read(&handle, &rx));
    report("flood", flood(&handle, &rx));
    handle.stop();
    report("keyboard-when-configured", configured_keyboard(&mut keyboard));
    Ok(())
}

fn discovery() -> Outcome {
    let found = input::probe(std::path::Path::new("/dev/input"), &[]);
    for device in &found {
        println!("ZAPBOX-VM PROBE {device}");
    }
    let verdict = |name: &str| {
        found
            .iter()
            .find(|d| d.name == name)
            .map(|d| (d.remote, d.reason.clone()))
    };
    check(
        verdict(REMOTE) == Some((true, "has OK and arrows".into())),
        || format!("{found:?}"),
    )?;
    let keyboard = verdict(KEYBOARD).ok_or("no keyboard in the probe")?;
    check(!keyboard.0 && keyboard.1.starts_with("keyboard only"), || {
        format!("{keyboard:?}")
    })
}

fn grab(remote: &mut VirtualDevice, path: &PathBuf, rx: &Receiver<Action>) -> Outcome {
    let mut second = Device::open(path).map_err(|e| e.to_string())?;
    second.set_nonblocking(true).map_err(|e| e.to_string())?;
    tap(remote, K::KEY_NUMERIC_7)?;
    check(actions(rx) == [Action::Digit(7)], || {
        "the adapter did not get KEY_NUMERIC_7".into()
    })?;
    match second.fetch_events() {
        Ok(events) => Err(format!("a second reader saw {} events", events.count())),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

fn keys(remote: &mut VirtualDevice, rx: &Receiver<Action>) -> Outcome {
    for key in [K::KEY_EXIT, K::KEY_OK, K::KEY_RED, K::KEY_POWER] {
        tap(remote, key)?;
    }
    let got = actions(rx);
    let want = [Action::Back, Action::Ok, Action::Red, Action::Power];
    check(got == want, || format!("got {got:?}, want {want:?}"))
}

fn repeat(remote: &mut VirtualDevice, rx: &Receiver<Action>) -> Outcome {
    // uinput devices have no EV_REP: repeats are made up from time (500 ms, then every 125 ms).
    hold(remote, K::KEY_VOLUMEUP, 1200)?;
    let volume = actions(rx);
    let n = volume.len();
    check(
        (4..=8).contains(&n) && volume.iter().all(|a| *a == Action::VolumeUp),
        || format!("volume held 1.2 s gave {volume:?}"),
    )?;
    // Channel keys are throttled to one zap per 500 ms: 2.2 s gives the press and 4 repeats, not 15.
    hold(remote, K::KEY_CHANNELUP, 2200)?;
    let zaps = actions(rx);
    check((4..=6).contains(&zaps.len()), || {
        format!("channel up held 2.2 s gave {zaps:?}")
    })
}

fn long_press(remote: &mut VirtualDevice, rx: &Receiver<Action>) -> Outcome {
    hold(remote, K::KEY_OK, 1300)?;
    let long = actions(rx);
    check(long == [Action::Menu], || format!("OK held 1.3 s gave {long:?}"))?;
    hold(remote, K::KEY_OK, 150)?;
    let short = actions(rx);
    check(short == [Action::Ok], || format!("OK tapped gave {short:?}"))
}

fn keyboard_left_alone(
    handle: &InputHandle,
    keyboard: &mut VirtualDevice,
    path: &PathBuf,
    rx: &Receiver<Action>,
) -> Outcome {
    check(!held(handle, KEYBOARD), || "the keyboard was grabbed".into())?;
    let mut other = Device::open(path).map_err(|e| e.to_string())?;
    other.set_nonblocking(true).map_err(|e| e.to_string())?;
    tap(keyboard, K::KEY_ENTER)?;
    let got = actions(rx);
    check(got.is_empty(), || format!("keyboard keys became {got:?}"))?;
    let seen = other
        .fetch_events()
        .map(|e| e.filter(|e| e.event_type() == EventType::KEY).count());
    check(seen.as_ref().is_ok_and(|n| *n == 2), || {
        format!("another reader saw {seen:?}")
    })
}

fn hotplug(handle: &InputHandle, remote: VirtualDevice, rx: &Receiver<Action>) -> Outcome {
    drop(remote);
    wait_until("the unplugged remote is dropped", || !held(handle, REMOTE))?;
    let mut again = device(REMOTE, &remote_keys())?;
    wait_until("the replugged remote is grabbed", || held(handle, REMOTE))?;
    tap(&mut again, K::KEY_NUMERIC_3)?;
    let got = actions(rx);
    check(got == [Action::Digit(3)], || {
        format!("after replugging got {got:?}")
    })
}

fn vanish_mid_read(handle: &InputHandle, rx: &Receiver<Action>) -> Outcome {
    let name = "ZapboxVM Vanishing Remote";
    let mut steady = device("ZapboxVM Steady Remote", &remote_keys())?;
    let mut remote = device(name, &remote_keys())?;
    wait_until("both remotes are grabbed", || {
        held(handle, name) && held(handle, "ZapboxVM Steady Remote")
    })?;
    for _ in 0..100 {
        remote
            .emit(&[key(K::KEY_LEFT, 1), key(K::KEY_LEFT, 0)])
            .map_err(|e| e.to_string())?;
    }
    drop(remote);
    wait_until("the vanished remote is dropped", || !held(handle, name))?;
    drop(actions(rx));
    check(held(handle, "ZapboxVM Steady Remote"), || {
        "the other remote was lost too".into()
    })?;
    tap(&mut steady, K::KEY_NUMERIC_2)?;
    let got = actions(rx);
    check(got == [Action::Digit(2)], || {
        format!("the other remote then gave {got:?}")
    })
}

fn flood(handle: &InputHandle, rx: &Receiver<Action>) -> Outcome {
    let mut remote = device("ZapboxVM Flooding Remote", &remote_keys())?;
    wait_until("the flooding remote is grabbed", || {
        held(handle, "ZapboxVM Flooding Remote")
    })?;
    let before = (rss_kib()?, handle.stats());
    let started = Instant::now();
    // 1,000 keys a second for 3 s, in batches of 10 every 10 ms.
    for _ in 0..300 {
        for _ in 0..10 {
            remote
                .emit(&[key(K::KEY_NUMERIC_1, 1), key(K::KEY_NUMERIC_1, 0)])
                .map_err(|e| e.to_string())?;
        }
        sleep(Duration::from_millis(10));
    }
    let seconds = started.elapsed().as_secs_f64();
    let got = actions(rx).len();
    let after = (rss_kib()?, handle.stats());
    let read = after.1.key_events - before.1.key_events;
    let dropped = after.1.dropped - before.1.dropped;
    let grown = after.0.saturating_sub(before.0);
    println!(
        "ZAPBOX-VM FLOOD {seconds:.1} s: {read} key events read, {got} actions delivered, {dropped} dropped, \
         VmRSS {} -> {} KiB",
        before.0, after.0
    );
    check(read >= 3000, || {
        format!("only {read} of 6000 key events were read")
    })?;
    let bound = 10 + (20.0 * (seconds + 1.0)) as usize;
    check(got <= bound, || {
        format!("{got} actions passed, more than the budget's {bound}")
    })?;
    check(grown < 2048, || format!("VmRSS grew by {grown} KiB"))?;
    sleep(Duration::from_millis(600));
    tap(&mut remote, K::KEY_NUMERIC_9)?;
    let late = actions(rx);
    check(late == [Action::Digit(9)], || {
        format!("after the flood a key gave {late:?}")
    })
}

fn configured_keyboard(keyboard: &mut VirtualDevice) -> Outcome {
    let (tx, rx) = channel();
    let config = InputConfig::new(Keymap::built_in(), vec![KEYBOARD.to_string()]);
    let handle = input::spawn(config, move |a| {
        let _ = tx.send(a);
    })
    .map_err(|e| e.to_string())?;
    wait_until("the named keyboard is grabbed", || held(&handle, KEYBOARD))?;
    tap(keyboard, K::KEY_ENTER)?;
    let got = actions(&rx);
    handle.stop();
    check(got == [Action::Ok], || {
        format!("the named keyboard's ENTER gave {got:?}")
    })
}

fn remote_keys() -> Vec<K> {
    let mut keys = vec![
        K::KEY_OK,
        K::KEY_UP,
        K::KEY_DOWN,
        K::KEY_LEFT,
        K::KEY_RIGHT,
        K::KEY_EXIT,
    ];
    keys.extend([
        K::KEY_CHANNELUP,
        K::KEY_CHANNELDOWN,
        K::KEY_VOLUMEUP,
        K::KEY_POWER,
        K::KEY_RED,
    ]);
    keys.extend((0..10).map(|d| K::new(K::KEY_NUMERIC_0.code() + d)));
    keys
}

fn keyboard_keys() -> Vec<K> {
    let mut keys: Vec<K> = (K::KEY_ESC.code()..=K::KEY_SPACE.code()).map(K::new).collect();
    keys.extend([K::KEY_UP, K::KEY_DOWN, K::KEY_LEFT, K::KEY_RIGHT]);
    keys
}

fn device(name: &str, keys: &[K]) -> Result<VirtualDevice, String> {
    let mut set = AttributeSet::<K>::new();
    keys.iter().for_each(|k| set.insert(*k));
    VirtualDevice::builder()
        .and_then(|b| {
            b.name(name)
                .input_id(InputId::new(BusType::BUS_VIRTUAL, 0x7a70, 1, 1))
                .with_keys(&set)
        })
        .and_then(|b| b.build())
        .map_err(|e| format!("uinput device {name}: {e}"))
}

fn node(device: &mut VirtualDevice) -> Result<PathBuf, String> {
    let nodes = device.enumerate_dev_nodes_blocking().map_err(|e| e.to_string())?;
    nodes
        .filter_map(Result::ok)
        .find(|p| p.to_string_lossy().contains("event"))
        .ok_or_else(|| "the uinput device has no event node".into())
}

fn key(code: K, value: i32) -> InputEvent {
    InputEvent::new(EventType::KEY.0, code.code(), value)
}

fn tap(device: &mut VirtualDevice, code: K) -> Outcome {
    hold(device, code, 40)
}

fn hold(device: &mut VirtualDevice, code: K, ms: u64) -> Outcome {
    device.emit(&[key(code, 1)]).map_err(|e| e.to_string())?;
    sleep(Duration::from_millis(ms));
    device.emit(&[key(code, 0)]).map_err(|e| e.to_string())
}

/// The actions that arrive until 400 ms pass without one.
fn actions(rx: &Receiver<Action>) -> Vec<Action> {
    std::iter::from_fn(|| rx.recv_timeout(Duration::from_millis(400)).ok()).collect()
}

fn held(handle: &InputHandle, name: &str) -> bool {
    handle.remotes().iter().any(|r| r.name == name)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting until {what}"));
        }
        sleep(Duration::from_millis(20));
    }
    Ok(())
}

fn rss_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".into())
}

fn check(ok: bool, detail: impl FnOnce() -> String) -> Outcome {
    if ok { Ok(()) } else { Err(detail()) }
}
