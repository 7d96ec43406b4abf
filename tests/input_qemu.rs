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
    let vm = host::Vm {
        name: "input_qemu",
        modules: &[("evdev", ""), ("uinput", "")],
        min_results: 10,
    };
    host::main(&vm, guest::run);
}
