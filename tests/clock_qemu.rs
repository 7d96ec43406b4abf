// SPDX-License-Identifier: GPL-3.0-or-later
//! The wall clock stepping an hour forward and back, for real: this binary boots Debian's kernel under
//! QEMU with itself as the program in the initramfs, where setting the clock (`clock_settime`, what
//! `date -s` does) disturbs nobody. Inside, `--in-vm` checks that the clock watch reports each step with
//! its size, that the timer service fires on the monotonic clock through the steps, and that the app
//! shell's guide shows the new "now" after a step. Needs what `.ci/bootstrap deps` installs.

#[path = "input_qemu/cpio.rs"]
mod cpio;
#[path = "clock_qemu/guest.rs"]
mod guest;
#[path = "input_qemu/host.rs"]
mod host;

fn main() {
    let vm = host::Vm {
        name: "clock_qemu",
        modules: &[],
        min_results: 3,
    };
    host::main(&vm, guest::run);
}
