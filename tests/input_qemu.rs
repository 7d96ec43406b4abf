// SPDX-License-Identifier: GPL-3.0-or-later
//! The remote-control adapter against a real Linux kernel: this binary boots Debian's kernel under QEMU
//! with itself as the program in the initramfs; inside, `--in-vm` makes virtual remotes with uinput and
//! checks discovery, the exclusive grab, key/repeat/long-press mapping, hotplug, a device vanishing
//! mid-read, a 1,000 keys/s flood and that a keyboard is left alone unless the board profile names it.
//! One boot runs every scenario. Needs what `.ci/bootstrap deps` installs; fails (never skips) without.

#[path = "input_qemu/cpio.rs"]
mod cpio;
#[path = "input_qemu/guest.rs"]
mod guest;
#[path = "input_qemu/host.rs"]
mod host;

fn main() {
    if std::env::args().any(|a| a == "--in-vm") {
        std::process::exit(guest::run());
    }
    // Behave like one libtest test named `input_qemu`: list it, and honour name filters
    // (`cargo test keymap` must not boot a VM).
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("input_qemu: test");
        return;
    }
    let takes_value = [
        "--test-threads",
        "--skip",
        "--format",
        "--color",
        "--logfile",
        "-Z",
    ];
    let filters: Vec<&String> = (0..args.len())
        .filter(|i| !args[*i].starts_with('-'))
        .filter(|i| *i == 0 || !takes_value.contains(&args[*i - 1].as_str()))
        .map(|i| &args[i])
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "input_qemu".contains(f.as_str())) {
        println!("test result: ok. 0 passed; 0 failed; 1 filtered out");
        return;
    }
    match host::run() {
        Ok(()) => println!("test input_qemu ... ok"),
        Err(e) => {
            eprintln!("test input_qemu ... FAILED\n{e}");
            std::process::exit(1);
        }
    }
}
