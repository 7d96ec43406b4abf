// SPDX-License-Identifier: GPL-3.0-or-later
//! A private network namespace for the demo, tests and benchmarks, so multicast never reaches the
//! host's interfaces: `lo` up with MULTICAST set and a route for 224.0.0.0/4 on it.
//!
//! Must be called while the process is single-threaded (before GStreamer, loggers with threads,
//! or test harness threads): `unshare(CLONE_NEWUSER)` refuses multi-threaded callers.

use nix::sched::{CloneFlags, unshare};
use std::os::fd::AsRawFd;

/// Why a private namespace could not be made, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    #[error(
        "cannot create a private network namespace ({0}); run as root, or enable unprivileged user \
         namespaces (sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0)"
    )]
    Unshare(nix::Error),
    #[error("cannot map the user id into the new namespace: {0}")]
    UidMap(std::io::Error),
    #[error("cannot configure lo in the private namespace: {0}")]
    Loopback(nix::Error),
    #[error(
        "this network namespace has interfaces up besides lo ({0}): multicast could leave the \
         machine; serve the demo only where lo is the one interface up (a box without a network, or \
         `ip netns exec`)"
    )]
    NotIsolated(String),
    #[error("cannot list the network interfaces: {0}")]
    Interfaces(std::io::Error),
}

/// Moves this process into a new network namespace whose `lo` carries multicast.
pub fn enter_private_network() -> Result<(), NetnsError> {
    let uid = nix::unistd::geteuid();
    let gid = nix::unistd::getegid();
    if uid.is_root() {
        unshare(CloneFlags::CLONE_NEWNET).map_err(NetnsError::Unshare)?;
    } else {
        unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET).map_err(NetnsError::Unshare)?;
        std::fs::write("/proc/self/setgroups", "deny").map_err(NetnsError::UidMap)?;
        std::fs::write("/proc/self/uid_map", format!("0 {uid} 1")).map_err(NetnsError::UidMap)?;
        std::fs::write("/proc/self/gid_map", format!("0 {gid} 1")).map_err(NetnsError::UidMap)?;
    }
    loopback_with_multicast().map_err(NetnsError::Loopback)
}

/// Stays in the current network namespace, which must have no interface up but `lo` (a box image
/// booted without a network card: the demo headend served by one process and played by another,
/// `zapbox demo --serve`), and sets up `lo` for multicast as [`enter_private_network`] does.
pub fn loopback_only_network() -> Result<(), NetnsError> {
    let up = interfaces_up(std::path::Path::new("/sys/class/net")).map_err(NetnsError::Interfaces)?;
    let others: Vec<String> = up.into_iter().filter(|name| name != "lo").collect();
    if !others.is_empty() {
        return Err(NetnsError::NotIsolated(others.join(", ")));
    }
    loopback_with_multicast().map_err(NetnsError::Loopback)
}

/// Names of the interfaces under `sysfs_net` (`/sys/class/net`) whose `flags` have IFF_UP.
pub fn interfaces_up(sysfs_net: &std::path::Path) -> std::io::Result<Vec<String>> {
    let mut up = Vec::new();
    for entry in std::fs::read_dir(sysfs_net)? {
        let entry = entry?;
        let flags = std::fs::read_to_string(entry.path().join("flags")).unwrap_or_default();
        let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).unwrap_or(0);
        if flags & libc::IFF_UP as u32 != 0 {
            up.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    up.sort();
    Ok(up)
}

/// `ip link set lo up multicast on; ip route add 224.0.0.0/4 dev lo`, done with ioctls so no
/// iproute2 binary is needed on a box.
fn loopback_with_multicast() -> nix::Result<()> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
    let socket = socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let fd = socket.as_raw_fd();
    // SAFETY: ifreq and rtentry are plain C structs, zero-initialised, filled with valid values,
    // and live across the ioctl calls that read or write them.
    unsafe {
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (dst, src) in ifr.ifr_name.iter_mut().zip(b"lo\0") {
            *dst = *src as libc::c_char;
        }
        nix::errno::Errno::result(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr))?;
        ifr.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_MULTICAST) as libc::c_short;
        nix::errno::Errno::result(libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr))?;

        let mut route: libc::rtentry = std::mem::zeroed();
        route.rt_dst = sockaddr_in([224, 0, 0, 0]);
        route.rt_genmask = sockaddr_in([240, 0, 0, 0]);
        route.rt_flags = libc::RTF_UP;
        let mut device = *b"lo\0";
        route.rt_dev = device.as_mut_ptr().cast();
        match nix::errno::Errno::result(libc::ioctl(fd, libc::SIOCADDRT, &route)) {
            Ok(_) | Err(nix::Error::EEXIST) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn sockaddr_in(octets: [u8; 4]) -> libc::sockaddr {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(octets),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in and sockaddr have the same size on Linux; the bytes are a valid sockaddr.
    unsafe { std::mem::transmute::<libc::sockaddr_in, libc::sockaddr>(sin) }
}

/// The multicast groups joined in this network namespace, from `/proc/net/igmp` (IPv4).
pub fn joined_groups() -> std::io::Result<Vec<std::net::Ipv4Addr>> {
    let text = std::fs::read_to_string("/proc/net/igmp")?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with('\t') || l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|hex| u32::from_str_radix(hex, 16).ok())
        .map(|raw| std::net::Ipv4Addr::from(raw.swap_bytes()))
        .filter(|ip| *ip != std::net::Ipv4Addr::new(224, 0, 0, 1))
        .collect())
}

#[cfg(test)]
#[path = "netns_tests.rs"]
mod tests;
/// Gives `lo` of the private namespace one more address, standing in for the box's address on a
/// home network (the demo's phone companion listens there; a browser joins the namespace).
pub fn add_loopback_address(address: std::net::Ipv4Addr) -> nix::Result<()> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
    let socket = socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    // SAFETY: a zeroed ifreq with a NUL-terminated alias name and a valid sockaddr_in, alive
    // across the ioctl that reads it.
    unsafe {
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (dst, src) in ifr.ifr_name.iter_mut().zip(b"lo:1\0") {
            *dst = *src as libc::c_char;
        }
        ifr.ifr_ifru.ifru_addr = sockaddr_in(address.octets());
        nix::errno::Errno::result(libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFADDR, &ifr))?;
    }
    Ok(())
}
