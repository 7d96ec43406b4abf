// SPDX-License-Identifier: GPL-3.0-or-later
//! Multicast sockets: join a group (any-source or source-specific), receive datagrams, leave.
//!
//! The app owns membership explicitly: [`Membership`] joins in `join` and leaves in `Drop`, so a
//! zap that drops the old membership before joining the new one keeps exactly one group joined
//! (a leaked socket means no IGMP leave, and on a DSL line the old channel keeps flowing).
//! Sockets are bound to the group address, so two channels on the same port do not see each other.

use crate::lineup::MulticastGroup;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{self, AddressFamily, SockFlag, SockType, SockaddrIn, SockaddrIn6, sockopt};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

/// Receive buffer asked for: a few hundred milliseconds of a 20 Mbit/s channel, so a busy UI thread
/// or a GC pause elsewhere does not drop packets. Raised with SO_RCVBUFFORCE when privileged.
const RECEIVE_BUFFER_BYTES: usize = 4 << 20;

/// Errors joining or receiving; messages say what to check.
#[derive(Debug, thiserror::Error)]
pub enum MulticastError {
    #[error("cannot open a socket for {group}: {source}")]
    Socket { group: SocketAddr, source: nix::Error },
    #[error("cannot bind to {group}: {source} (is another program holding the port without SO_REUSEADDR?)")]
    Bind { group: SocketAddr, source: nix::Error },
    #[error(
        "cannot join {group}: {source} (check the multicast route and the interface named in the board profile)"
    )]
    Join { group: SocketAddr, source: nix::Error },
    #[error("source-specific multicast over IPv6 is not supported yet ({group})")]
    SsmV6 { group: SocketAddr },
    #[error("receiving from {group} failed: {source}")]
    Receive { group: SocketAddr, source: nix::Error },
}

/// A joined multicast group; leaving happens on drop.
#[derive(Debug)]
pub struct Membership {
    fd: OwnedFd,
    group: MulticastGroup,
    interface: Ipv4Addr,
    /// Set once left, so the drop does not leave again.
    left: std::sync::atomic::AtomicBool,
}

impl Membership {
    /// Opens a socket bound to `group`, joins it on `interface` (the default route's when `None`).
    pub fn join(group: &MulticastGroup, interface: Option<Ipv4Addr>) -> Result<Self, MulticastError> {
        let addr = SocketAddr::new(group.group, group.port);
        let family = match group.group {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        };
        let fd = socket::socket(family, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None)
            .map_err(|source| MulticastError::Socket { group: addr, source })?;
        // Several processes (a recorder, a diagnostics tool) may listen to the same group.
        let _ = socket::setsockopt(&fd, sockopt::ReuseAddr, &true);
        if socket::setsockopt(&fd, sockopt::RcvBufForce, &RECEIVE_BUFFER_BYTES).is_err() {
            let _ = socket::setsockopt(&fd, sockopt::RcvBuf, &RECEIVE_BUFFER_BYTES);
        }
        bind(&fd, addr).map_err(|source| MulticastError::Bind { group: addr, source })?;
        let interface = interface.unwrap_or(Ipv4Addr::UNSPECIFIED);
        let membership = Self {
            fd,
            group: *group,
            interface,
            left: std::sync::atomic::AtomicBool::new(false),
        };
        membership.membership(true)?;
        Ok(membership)
    }

    /// Leaves and joins again: sends a fresh IGMP report, for when a snooping switch or a router
    /// forgot the membership (the usual cause of a channel going silent while others play).
    pub fn rejoin(&self) -> Result<(), MulticastError> {
        if self.left.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        let _ = self.membership(false);
        self.membership(true)
    }

    /// Leaves the group now (the IGMP leave is sent before this returns), while a thread that still
    /// holds the socket may go on polling it until it notices. Leaving twice does nothing.
    pub fn leave(&self) {
        if !self.left.swap(true, std::sync::atomic::Ordering::SeqCst)
            && let Err(e) = self.membership(false)
        {
            log::debug!("leaving {:?}: {e}", self.group);
        }
    }

    /// The group this socket receives.
    pub fn group(&self) -> &MulticastGroup {
        &self.group
    }

    /// Waits up to `timeout` for one datagram; `Ok(None)` on timeout.
    pub fn receive(&self, buf: &mut [u8], timeout: Duration) -> Result<Option<usize>, MulticastError> {
        let addr = SocketAddr::new(self.group.group, self.group.port);
        let millis = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(millis)) {
            Ok(0) | Err(nix::Error::EINTR) => return Ok(None),
            Ok(_) => {}
            Err(source) => {
                return Err(MulticastError::Receive { group: addr, source });
            }
        }
        match socket::recv(self.fd.as_raw_fd(), buf, socket::MsgFlags::MSG_DONTWAIT) {
            Ok(n) => Ok(Some(n)),
            Err(nix::Error::EAGAIN | nix::Error::EINTR) => Ok(None),
            Err(source) => Err(MulticastError::Receive { group: addr, source }),
        }
    }

    fn membership(&self, join: bool) -> Result<(), MulticastError> {
        let addr = SocketAddr::new(self.group.group, self.group.port);
        let result = match (self.group.group, self.group.source) {
            (IpAddr::V4(group), None) => {
                let request = socket::IpMembershipRequest::new(group, Some(self.interface));
                if join {
                    socket::setsockopt(&self.fd, sockopt::IpAddMembership, &request)
                } else {
                    socket::setsockopt(&self.fd, sockopt::IpDropMembership, &request)
                }
            }
            (IpAddr::V4(group), Some(IpAddr::V4(source))) => self.source_membership(group, source, join),
            (IpAddr::V6(group), None) => {
                let request = socket::Ipv6MembershipRequest::new(group);
                if join {
                    socket::setsockopt(&self.fd, sockopt::Ipv6AddMembership, &request)
                } else {
                    socket::setsockopt(&self.fd, sockopt::Ipv6DropMembership, &request)
                }
            }
            _ => return Err(MulticastError::SsmV6 { group: addr }),
        };
        result.map_err(|source| MulticastError::Join { group: addr, source })
    }

    /// IGMPv3 source-specific join/leave; nix has no wrapper for `ip_mreq_source`.
    fn source_membership(&self, group: Ipv4Addr, source: Ipv4Addr, join: bool) -> nix::Result<()> {
        let request = libc::ip_mreq_source {
            imr_multiaddr: libc::in_addr {
                s_addr: u32::from(group).to_be(),
            },
            imr_interface: libc::in_addr {
                s_addr: u32::from(self.interface).to_be(),
            },
            imr_sourceaddr: libc::in_addr {
                s_addr: u32::from(source).to_be(),
            },
        };
        let option = if join {
            libc::IP_ADD_SOURCE_MEMBERSHIP
        } else {
            libc::IP_DROP_SOURCE_MEMBERSHIP
        };
        // SAFETY: `request` is a valid ip_mreq_source that lives across the call, and the length matches it.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::IPPROTO_IP,
                option,
                (&request as *const libc::ip_mreq_source).cast(),
                std::mem::size_of::<libc::ip_mreq_source>() as libc::socklen_t,
            )
        };
        nix::errno::Errno::result(rc).map(drop)
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        // Closing would leave too; leaving explicitly sends the IGMP leave now, before the next join.
        self.leave();
    }
}

fn bind(fd: &OwnedFd, addr: SocketAddr) -> nix::Result<()> {
    match addr {
        SocketAddr::V4(v4) => socket::bind(fd.as_raw_fd(), &SockaddrIn::from(v4)),
        SocketAddr::V6(v6) => socket::bind(fd.as_raw_fd(), &SockaddrIn6::from(v6)),
    }
}
