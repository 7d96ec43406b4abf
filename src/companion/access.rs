// SPDX-License-Identifier: GPL-3.0-or-later
//! Who may talk to the companion server and with what: only peers on the box's local networks
//! (RFC 1918, IPv4 link-local, IPv6 unique-local and link-local), secrets from the OS random
//! source, compared in constant time, and the address the server listens on (a local one only).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use subtle::ConstantTimeEq;

/// Whether `ip` belongs to a home or link-local network (IPv4-mapped IPv6 is judged as IPv4).
pub fn is_local_network(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_local_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local_v4(v4),
            None => is_local_v6(v6),
        },
    }
}

fn is_local_v4(ip: Ipv4Addr) -> bool {
    ip.is_private() || ip.is_link_local()
}

fn is_local_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    // fc00::/7 unique local, fe80::/10 link-local.
    (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
}

/// `bytes` random bytes from the OS as lowercase hex.
pub fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equality of two secrets without an early exit (the length is not secret).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The address to listen on: the first local-network address of an interface that is up (IPv4
/// first, then IPv6 unique-local); never a public or loopback one.
pub fn box_address() -> Option<IpAddr> {
    let addresses: Vec<IpAddr> = nix::ifaddrs::getifaddrs()
        .ok()?
        .filter(|ifa| ifa.flags.contains(nix::net::if_::InterfaceFlags::IFF_UP))
        .filter_map(|ifa| {
            let address = ifa.address?;
            if let Some(v4) = address.as_sockaddr_in() {
                return Some(IpAddr::V4(v4.ip()));
            }
            let v6 = address.as_sockaddr_in6()?.ip();
            // Link-local IPv6 needs a scope id in URLs; phones handle that badly.
            ((v6.segments()[0] & 0xfe00) == 0xfc00).then_some(IpAddr::V6(v6))
        })
        .filter(|ip| is_local_network(*ip))
        .collect();
    addresses
        .iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_networks_only() {
        let yes = [
            "10.0.0.7",
            "172.16.3.4",
            "192.168.1.20",
            "169.254.9.9",
            "fd12::1",
            "fe80::1",
            "::ffff:192.168.1.2",
        ];
        let no = [
            "8.8.8.8",
            "203.0.113.7",
            "127.0.0.1",
            "::1",
            "2001:db8::1",
            "100.64.0.1",
            "::ffff:1.2.3.4",
            "0.0.0.0",
        ];
        for ip in yes {
            assert!(is_local_network(ip.parse().unwrap()), "{ip}");
        }
        for ip in no {
            assert!(!is_local_network(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn secrets() {
        let a = random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16).unwrap());
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &a[..31]));
        assert!(!same_secret(&a, &random_hex(16).unwrap()));
    }
}
