// SPDX-License-Identifier: GPL-3.0-or-later
//! One demo channel on air: a thread that sends its [`TsLoop`] to a multicast group, seven TS packets
//! per datagram (the usual 1316-byte IPTV payload), plain UDP or RTP, paced by the PCR.
//! The channel can be taken off air and back (tests of stall detection and recovery).

use super::playout::TsLoop;
use crate::mpegts::packet::{PCR_HZ, TS_PACKET_SIZE};
use crate::mpegts::rtp;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const PACKETS_PER_DATAGRAM: usize = 7;
/// Synchronisation source of the demo's RTP channel (RFC 3550); any fixed value will do.
const SSRC: u32 = 0x5a50_0001;

/// A running sender; stops when dropped.
pub struct Sender {
    on_air: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sender {
    /// Starts sending `ts` to `group` (RTP-wrapped when `rtp`), starting `phase_ticks` into the loop.
    pub fn start(ts: Arc<TsLoop>, group: SocketAddr, rtp: bool, phase_ticks: u64) -> std::io::Result<Self> {
        if ts.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "empty TS loop",
            ));
        }
        let socket = UdpSocket::bind("0.0.0.0:0")?;
        // TTL 0: the datagrams never leave this host (and the demo runs in its own network namespace).
        socket.set_multicast_ttl_v4(0)?;
        socket.set_multicast_loop_v4(true)?;
        let on_air = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, s) = (on_air.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name(format!("demo-send-{}", group.port()))
            .spawn(move || play_out(&ts, &socket, group, rtp, phase_ticks, &a, &s))?;
        Ok(Self {
            on_air,
            stop,
            thread: Some(thread),
        })
    }

    /// Takes the channel off air (`false`) or back on (`true`); time runs on meanwhile, as on a real headend.
    pub fn set_on_air(&self, on: bool) {
        self.on_air.store(on, Ordering::SeqCst);
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn play_out(
    ts: &TsLoop,
    socket: &UdpSocket,
    group: SocketAddr,
    rtp: bool,
    phase: u64,
    on_air: &AtomicBool,
    stop: &AtomicBool,
) {
    let start = Instant::now();
    let per_lap = ts.len() as u64;
    // Begin at the packet whose send time matches the phase, so channels are not GOP-aligned.
    let first = (0..ts.len())
        .find(|&i| ts.due(0, i) >= phase % ts.duration_ticks())
        .unwrap_or(0) as u64;
    let origin = ts.due(0, first as usize);
    let mut next = first;
    let mut sequence: u16 = 0;
    let mut datagram = Vec::with_capacity(12 + PACKETS_PER_DATAGRAM * TS_PACKET_SIZE);
    while !stop.load(Ordering::Relaxed) {
        let (lap, index) = (next / per_lap, (next % per_lap) as usize);
        let due_ticks = ts.due(lap, index) - origin;
        let due = start + Duration::from_nanos(due_ticks * 1_000 / (PCR_HZ / 1_000_000));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait.min(Duration::from_millis(50)));
            continue;
        }
        datagram.clear();
        if rtp {
            datagram.extend_from_slice(&rtp::rtp_header(sequence, (due_ticks / 300) as u32, SSRC));
            sequence = sequence.wrapping_add(1);
        }
        for k in 0..PACKETS_PER_DATAGRAM as u64 {
            let n = next + k;
            datagram.extend_from_slice(&ts.packet(n / per_lap, (n % per_lap) as usize));
        }
        next += PACKETS_PER_DATAGRAM as u64;
        if on_air.load(Ordering::Relaxed) {
            let _ = socket.send_to(&datagram, group);
        }
    }
}
