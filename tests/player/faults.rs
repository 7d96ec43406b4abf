// SPDX-License-Identifier: GPL-3.0-or-later
//! Network faults on the multicast path, inside the test's private network namespace: the kernel
//! drops a share of the datagrams of one group (nftables `numgen random`, in the input hook, where
//! the demo's looped-back multicast passes; `tc netem` on `lo` would not see it, because looped
//! multicast with TTL 0 never goes through a queueing discipline, and this machine's kernel has no
//! netem). The receiver must count the continuity errors, the picture must keep coming and no
//! "No signal" may appear.

use std::net::Ipv4Addr;
use std::process::Command;

const TABLE: &str = "zapbox_faults";

/// A loss rule on the datagrams to `group`; removed when dropped.
pub struct Loss {
    _private: (),
}

impl Loss {
    /// Drops `per_mille`/1000 of the datagrams to `group` (at random, per datagram).
    pub fn start(group: Ipv4Addr, per_mille: u32) -> Result<Self, String> {
        let _ = nft(&format!("delete table inet {TABLE}"));
        nft(&format!(
            "add table inet {TABLE}
             add chain inet {TABLE} input {{ type filter hook input priority 0; }}
             add rule inet {TABLE} input ip daddr {group} numgen random mod 1000 < {per_mille} counter drop"
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
