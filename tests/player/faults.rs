// SPDX-License-Identifier: GPL-3.0-or-later
//! Network faults on the multicast path, inside the test's private network namespace, done by the
//! kernel to the real datagrams in the input hook, where the demo's looped-back multicast passes
//! (`tc netem` on `lo` would not see it: looped multicast with TTL 0 never goes through a queueing
//! discipline, and this machine's kernel has no netem anyway):
//!
//! - [`Loss`]: nftables drops one datagram of the group in every N (`numgen inc`), so a short
//!   step at 0.1 % drops one for certain and the assertion on what was counted always applies;
//! - [`Reorder`]: an iptables `NFQUEUE` rule hands every datagram of the group to a queue that
//!   this process serves over netlink (`nfnetlink_queue`); it lets datagrams through in order
//!   except one in every N, whose verdict it gives only after the next 1 to 3 (seeded), so that
//!   datagram reaches the socket late. The kernel holds the datagrams; only the order of the
//!   verdicts is decided here.
//!
//! The receiver must count the continuity errors, the picture must keep coming and no
//! "No signal" may appear.

use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

const TABLE: &str = "zapbox_faults";

/// A loss rule on the datagrams to `group`; removed when dropped.
pub struct Loss {
    _private: (),
}

impl Loss {
    /// Drops one datagram to `group` in every `every`, starting with the first.
    pub fn start(group: Ipv4Addr, every: u32) -> Result<Self, String> {
        let _ = nft(&format!("delete table inet {TABLE}"));
        nft(&format!(
            "add table inet {TABLE}
             add chain inet {TABLE} input {{ type filter hook input priority 0; }}
             add rule inet {TABLE} input ip daddr {group} numgen inc mod {every} 0 counter drop"
        ))?;
        Ok(Self { _private: () })
    }

    /// Datagrams dropped so far (the rule's counter).
    pub fn dropped(&self) -> Result<u64, String> {
        let out = Command::new("nft")
            .args(["list", "table", "inet", TABLE])
            .output()
            .map_err(|e| format!("nft: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.split("counter packets ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("no counter in the nft table: {text}"))
    }
}

impl Drop for Loss {
    fn drop(&mut self) {
        let _ = nft(&format!("delete table inet {TABLE}"));
    }
}

fn nft(script: &str) -> Result<(), String> {
    let out = Command::new("nft")
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .map_or(Ok(()), |mut s| s.write_all(script.as_bytes()))?;
            child.wait_with_output()
        })
        .map_err(|e| format!("nft (install nftables: .ci/bootstrap deps): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "nft failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The NFQUEUE number the reorder rule uses.
const QUEUE: u16 = 7713;
/// A held datagram is let go after this long even if no later one came (the sender paused).
const HOLD_AT_MOST_MS: i64 = 100;

/// Datagrams to `group` reordered by the kernel's queue, served by a thread of this process;
/// the rule is removed and held datagrams are let through when dropped.
pub struct Reorder {
    group: Ipv4Addr,
    stop: Arc<AtomicBool>,
    reordered: Arc<AtomicU64>,
    passed: Arc<AtomicU64>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl Reorder {
    /// One datagram to `group` in every `every` reaches the socket after the next 1–3 (the
    /// delays from a generator seeded with `seed`).
    pub fn start(group: Ipv4Addr, every: u64, seed: u64) -> Result<Self, String> {
        let queue = NfQueue::bind(QUEUE)?;
        iptables("-A", group)?;
        let stop = Arc::new(AtomicBool::new(false));
        let reordered = Arc::new(AtomicU64::new(0));
        let passed = Arc::new(AtomicU64::new(0));
        let (flag, late, through) = (stop.clone(), reordered.clone(), passed.clone());
        let thread = std::thread::Builder::new()
            .name("reorder".into())
            .spawn(move || serve(&queue, every, seed, &flag, &late, &through))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            group,
            stop,
            reordered,
            passed,
            thread: Some(thread),
        })
    }

    /// Datagrams let through after later ones so far.
    pub fn reordered(&self) -> u64 {
        self.reordered.load(Ordering::SeqCst)
    }

    /// Datagrams that went through the queue so far.
    pub fn passed(&self) -> u64 {
        self.passed.load(Ordering::SeqCst)
    }

    /// Removes the rule, lets the held datagrams go and reports whether the queue was served
    /// without error.
    pub fn finish(mut self) -> Result<(), String> {
        self.end()
    }

    fn end(&mut self) -> Result<(), String> {
        let removed = iptables("-D", self.group);
        self.stop.store(true, Ordering::SeqCst);
        let served = self.thread.take().map_or(Ok(()), |t| {
            t.join()
                .unwrap_or_else(|_| Err("the reorder thread panicked".into()))
        });
        removed.and(served)
    }
}

impl Drop for Reorder {
    fn drop(&mut self) {
        let _ = self.end();
    }
}

/// The queue's loop: verdicts in arrival order, except the chosen datagrams, held back.
fn serve(
    queue: &NfQueue,
    every: u64,
    seed: u64,
    stop: &AtomicBool,
    reordered: &AtomicU64,
    passed: &AtomicU64,
) -> Result<(), String> {
    let mut rng = seed | 1;
    let mut seen = 0u64;
    // (packet id, later datagrams still to let through first, when it was held)
    let mut held: Vec<(u32, u32, std::time::Instant)> = Vec::new();
    let mut buf = vec![0u8; 65536];
    while !stop.load(Ordering::SeqCst) {
        let ids = queue.receive(&mut buf)?;
        for id in ids {
            seen += 1;
            passed.fetch_add(1, Ordering::SeqCst);
            if seen % every == every / 2 {
                // xorshift64: the same delays on every run.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let later = 1 + u32::try_from(rng % 3).unwrap_or(0);
                held.push((id, later, std::time::Instant::now()));
                continue;
            }
            queue.accept(id)?;
            for entry in &mut held {
                entry.1 -= 1;
            }
            for (late, _, _) in held.iter().filter(|e| e.1 == 0) {
                queue.accept(*late)?;
                reordered.fetch_add(1, Ordering::SeqCst);
            }
            held.retain(|e| e.1 > 0);
        }
        let overdue =
            |e: &(u32, u32, std::time::Instant)| e.2.elapsed().as_millis() >= HOLD_AT_MOST_MS as u128;
        for (id, _, _) in held.iter().filter(|e| overdue(e)) {
            queue.accept(*id)?;
        }
        held.retain(|e| !overdue(e));
    }
    for (id, _, _) in held {
        queue.accept(id)?;
    }
    Ok(())
}

fn iptables(op: &str, group: Ipv4Addr) -> Result<(), String> {
    let queue = QUEUE.to_string();
    let group = group.to_string();
    let out = Command::new("iptables")
        .args([op, "INPUT", "-d", &group, "-p", "udp", "-j", "NFQUEUE"])
        .args(["--queue-num", &queue, "--queue-bypass"])
        .output()
        .map_err(|e| format!("iptables (install iptables: .ci/bootstrap deps): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "iptables {op} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

// nfnetlink_queue, as far as this test needs it (linux/netfilter/nfnetlink_queue.h).
const NFNL_SUBSYS_QUEUE: u16 = 3;
const NFQNL_MSG_PACKET: u16 = 0;
const NFQNL_MSG_VERDICT: u16 = 1;
const NFQNL_MSG_CONFIG: u16 = 2;
const NFQA_PACKET_HDR: u16 = 1;
const NFQA_VERDICT_HDR: u16 = 2;
const NFQA_CFG_CMD: u16 = 1;
const NFQA_CFG_PARAMS: u16 = 2;
const NFQNL_CFG_CMD_BIND: u8 = 1;
const NFQNL_COPY_META: u8 = 1;
const NF_ACCEPT: u32 = 1;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;

/// A netlink socket bound to one NFQUEUE (metadata only: the verdict needs the packet id alone).
struct NfQueue {
    fd: OwnedFd,
    queue: u16,
}

impl NfQueue {
    fn bind(queue: u16) -> Result<Self, String> {
        // SAFETY: plain socket call; the result is checked before use.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_NETFILTER,
            )
        };
        if raw < 0 {
            return Err(format!("netlink socket: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // Wakes the loop now and then to look at its stop flag and at held datagrams.
        let timeout = libc::timeval {
            tv_sec: 0,
            tv_usec: 20_000,
        };
        // SAFETY: a valid timeval of the size given, for the duration of the call.
        let r = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&raw const timeout).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(format!("SO_RCVTIMEO: {}", std::io::Error::last_os_error()));
        }
        let this = Self { fd, queue };
        let cmd = [NFQNL_CFG_CMD_BIND, 0, 0, 0];
        this.request(NFQNL_MSG_CONFIG, NLM_F_ACK, &[(NFQA_CFG_CMD, &cmd)])?;
        this.ack()?;
        let mut params = 0xffffu32.to_be_bytes().to_vec();
        params.push(NFQNL_COPY_META);
        this.request(NFQNL_MSG_CONFIG, NLM_F_ACK, &[(NFQA_CFG_PARAMS, &params)])?;
        this.ack()?;
        Ok(this)
    }

    fn accept(&self, id: u32) -> Result<(), String> {
        let mut verdict = NF_ACCEPT.to_be_bytes().to_vec();
        verdict.extend_from_slice(&id.to_be_bytes());
        self.request(NFQNL_MSG_VERDICT, 0, &[(NFQA_VERDICT_HDR, &verdict)])
    }

    /// One netfilter message: nlmsghdr, nfgenmsg (AF_UNSPEC, version 0, the queue) and attributes.
    fn request(&self, kind: u16, flags: u16, attrs: &[(u16, &[u8])]) -> Result<(), String> {
        let mut msg = vec![0u8; 16];
        msg.extend_from_slice(&[libc::AF_UNSPEC as u8, 0]);
        msg.extend_from_slice(&self.queue.to_be_bytes());
        for (kind, payload) in attrs {
            let len = 4 + payload.len();
            msg.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_ne_bytes());
            msg.extend_from_slice(&kind.to_ne_bytes());
            msg.extend_from_slice(payload);
            msg.resize(msg.len().next_multiple_of(4), 0);
        }
        let total = u32::try_from(msg.len()).unwrap_or(u32::MAX);
        msg[0..4].copy_from_slice(&total.to_ne_bytes());
        msg[4..6].copy_from_slice(&(NFNL_SUBSYS_QUEUE << 8 | kind).to_ne_bytes());
        msg[6..8].copy_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
        // SAFETY: sends `msg.len()` bytes from a live buffer on a socket we own (to the kernel:
        // a zeroed sockaddr_nl is unnecessary for a connected-to-kernel netlink socket).
        let sent = unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
        if sent < 0 {
            return Err(format!("netlink send: {}", std::io::Error::last_os_error()));
        }
        Ok(())
    }

    /// Waits for the kernel's answer to the last request that asked for one.
    fn ack(&self) -> Result<(), String> {
        let mut buf = vec![0u8; 8192];
        for _ in 0..50 {
            let n = self.recv(&mut buf)?;
            for (kind, body) in messages(&buf[..n]) {
                if kind == NLMSG_ERROR && body.len() >= 4 {
                    let code = i32::from_ne_bytes([body[0], body[1], body[2], body[3]]);
                    return if code == 0 {
                        Ok(())
                    } else {
                        Err(format!(
                            "binding NFQUEUE {}: {}",
                            self.queue,
                            std::io::Error::from_raw_os_error(-code)
                        ))
                    };
                }
            }
        }
        Err(format!("no answer binding NFQUEUE {}", self.queue))
    }

    /// The ids of the datagrams queued since the last call (none after the receive timeout).
    fn receive(&self, buf: &mut [u8]) -> Result<Vec<u32>, String> {
        let n = self.recv(buf)?;
        let mut ids = Vec::new();
        for (kind, body) in messages(&buf[..n]) {
            if kind != (NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET) || body.len() < 4 {
                continue;
            }
            let header = attributes(&body[4..])
                .find(|(k, v)| *k == NFQA_PACKET_HDR && v.len() >= 4)
                .map(|(_, v)| u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
            if let Some(id) = header {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn recv(&self, buf: &mut [u8]) -> Result<usize, String> {
        // SAFETY: receives at most `buf.len()` bytes into a live buffer on a socket we own.
        let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n >= 0 {
            return Ok(usize::try_from(n).unwrap_or(0));
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN | libc::EINTR) => Ok(0),
            _ => Err(format!("netlink recv: {e}")),
        }
    }
}

/// `(type, body)` of each netlink message in a datagram.
fn messages(mut data: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if data.len() < 16 {
            return None;
        }
        let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
        let kind = u16::from_ne_bytes([data[4], data[5]]);
        if len < 16 || len > data.len() {
            return None;
        }
        let body = &data[16..len];
        data = &data[len.next_multiple_of(4).min(data.len())..];
        Some((kind, body))
    })
}

/// `(type, payload)` of each netlink attribute.
fn attributes(mut data: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if data.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([data[0], data[1]]));
        let kind = u16::from_ne_bytes([data[2], data[3]]) & 0x3fff;
        if len < 4 || len > data.len() {
            return None;
        }
        let payload = &data[4..len];
        data = &data[len.next_multiple_of(4).min(data.len())..];
        Some((kind, payload))
    })
}
