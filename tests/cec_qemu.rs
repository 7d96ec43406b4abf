// SPDX-License-Identifier: GPL-3.0-or-later
//! HDMI-CEC against a real Linux kernel: this binary boots Debian's kernel under QEMU with itself as the
//! program in the initramfs and `vivid` loaded with one HDMI input and two HDMI outputs, which gives three
//! CEC adapters on one emulated bus. Inside, `--in-vm` runs zapbox's CEC adapter, input adapter and core
//! on one output and plays the TV and an audio system on the others: claiming Playback, one-touch play,
//! standby per setting, the TV remote's keys through rc-core to actions, volume to the audio system,
//! another input, hotplug, a silent TV and the probe. Needs what `.ci/bootstrap deps` installs.

#[path = "input_qemu/cpio.rs"]
mod cpio;
#[path = "cec_qemu/guest.rs"]
mod guest;
#[path = "input_qemu/host.rs"]
mod host;

fn main() {
    let vm = host::Vm {
        name: "cec_qemu",
        // One HDMI input (its receiver is the "TV") and two HDMI outputs, video capture and output nodes.
        modules: &[
            ("evdev", ""),
            (
                "vivid",
                "n_devs=1 num_inputs=1 input_types=0x3 num_outputs=2 output_types=0x3 node_types=0x101",
            ),
        ],
        min_results: 12,
    };
    host::main(&vm, guest::run);
}
