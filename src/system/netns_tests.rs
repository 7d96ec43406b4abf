// SPDX-License-Identifier: GPL-3.0-or-later
//! `interfaces_up` reads the kernel's interface flags from a tree laid out like /sys/class/net.

use super::interfaces_up;

fn interface(root: &std::path::Path, name: &str, flags: &str) {
    std::fs::create_dir_all(root.join(name)).unwrap();
    std::fs::write(root.join(name).join("flags"), flags).unwrap();
}

#[test]
fn only_interfaces_with_iff_up_count() {
    let dir = tempfile::tempdir().unwrap();
    interface(dir.path(), "lo", "0x9\n"); // UP | LOOPBACK
    interface(dir.path(), "eth0", "0x1003\n"); // UP | BROADCAST | MULTICAST
    interface(dir.path(), "wlan0", "0x1002\n"); // BROADCAST | MULTICAST, down
    interface(dir.path(), "odd", "not hex\n");
    assert_eq!(interfaces_up(dir.path()).unwrap(), ["eth0", "lo"]);
}
