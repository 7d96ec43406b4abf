// SPDX-License-Identifier: GPL-3.0-or-later
//! The multicast receive thread of one tune request: socket -> RTP strip/reorder -> TS ring ->
//! appsrc, starting at the ring's last keyframe (with PAT/PMT first). It also watches for stalls:
//! no datagram for [`STALL_AFTER`] reports `Stalled`, the next datagram `Resumed`, with no
//! GStreamer timeout involved.

use super::EventSink;
use crate::core::{ErrorKind, PlayerError, PlayerEvent, RequestId};
use crate::mpegts::{Datagram, RtpReorder, TsRing, rtp};
use crate::net::multicast::Membership;
use gstreamer as gst;
use gstreamer_app as gst_app;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Silence after which the channel counts as stalled.
pub const STALL_AFTER: Duration = Duration::from_secs(2);
/// Ring size: about 3 s of a 20 Mbit/s channel, enough for a full GOP of any sane stream.
const RING_PACKETS: usize = 40_000;
/// RTP reorder window in datagrams.
const REORDER_WINDOW: usize = 32;
/// How often the thread wakes without data (stall checks, stop requests).
const POLL: Duration = Duration::from_millis(50);

/// A running receive thread; dropping it stops the thread and leaves the group.
pub struct Receiver {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What the receive thread needs.
pub struct ReceiverSetup {
    pub membership: Membership,
    pub program: Option<u16>,
    pub appsrc: gst_app::AppSrc,
    pub request: RequestId,
    pub events: EventSink,
    /// When the group was joined (diagnostics).
    pub joined: Instant,
}

impl Receiver {
    pub fn start(setup: ReceiverSetup) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("mcast-rx".into())
            .spawn(move || receive(setup, &flag))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Per-thread state of the receive loop.
struct Flow {
    ring: TsRing,
    reorder: RtpReorder,
    cursor: crate::mpegts::Cursor,
    last_data: Instant,
    stalled: bool,
    /// When the group was joined, for the "first keyframe after" diagnostic.
    joined: Instant,
    fed_any: bool,
    /// The stream's own guide (DVB EIT), for channels the XMLTV lacks and to correct now/next.
    eit: crate::epg::eit::EitCollector,
}

fn receive(setup: ReceiverSetup, stop: &AtomicBool) {
    let ReceiverSetup {
        membership,
        program,
        appsrc,
        request,
        events,
        joined,
    } = setup;
    let ring = TsRing::with_program(RING_PACKETS, program);
    let cursor = ring.reader_from_last_keyframe();
    let mut flow = Flow {
        ring,
        reorder: RtpReorder::new(REORDER_WINDOW),
        eit: crate::epg::eit::EitCollector::new(),
        cursor,
        last_data: Instant::now(),
        stalled: false,
        joined,
        fed_any: false,
    };
    let mut datagram = vec![0u8; 65_536];
    let mut out = Vec::with_capacity(1 << 16);
    while !stop.load(Ordering::Relaxed) {
        match membership.receive(&mut datagram, POLL) {
            Ok(Some(n)) => flow.arrived(&datagram[..n], request, &events),
            Ok(None) => {}
            Err(e) => {
                events(PlayerEvent::Failed {
                    request,
                    error: PlayerError {
                        kind: ErrorKind::Network,
                        detail: e.to_string(),
                    },
                });
                return;
            }
        }
        if !flow.stalled && flow.last_data.elapsed() >= STALL_AFTER {
            flow.stalled = true;
            events(PlayerEvent::Stalled { request });
            // First step of recovery, before the core rebuilds the pipeline: refresh the membership.
            if let Err(e) = membership.rejoin() {
                log::warn!("re-joining {:?}: {e}", membership.group());
            }
        }
        if flow.feed(&appsrc, &mut out).is_err() {
            return; // the pipeline is shutting down
        }
    }
    log::debug!("leaving {:?}", membership.group());
}

impl Flow {
    fn arrived(&mut self, datagram: &[u8], request: RequestId, events: &EventSink) {
        let (ring, eit) = (&mut self.ring, &mut self.eit);
        match rtp::classify(datagram) {
            Ok(Datagram::RawTs(ts)) => {
                ring.push(ts);
                eit.push_bytes(ts);
            }
            Ok(Datagram::Rtp(_)) => {
                let _ = self.reorder.push(datagram, &mut |payload| {
                    ring.push(payload);
                    eit.push_bytes(payload);
                });
            }
            Err(e) => log::trace!("dropping a datagram that is neither TS nor RTP: {e}"),
        }
        // New versions only: the collector drops the repetitions DVB sends every few seconds.
        let sections = self.eit.take();
        if !sections.is_empty() {
            events(PlayerEvent::Eit { request, sections });
        }
        self.last_data = Instant::now();
        if self.stalled {
            self.stalled = false;
            events(PlayerEvent::Resumed { request });
        }
    }

    /// Pushes what the ring has beyond the cursor into appsrc.
    fn feed(&mut self, appsrc: &gst_app::AppSrc, out: &mut Vec<u8>) -> Result<(), gst::FlowError> {
        out.clear();
        match self.ring.read(&mut self.cursor, out, 1 << 20) {
            Ok(0) => Ok(()),
            Ok(_) => {
                if !self.fed_any {
                    self.fed_any = true;
                    log::debug!(
                        "first keyframe fed {} ms after the join",
                        self.joined.elapsed().as_millis()
                    );
                }
                appsrc
                    .push_buffer(gst::Buffer::from_slice(std::mem::take(out)))
                    .map(drop)
            }
            Err(behind) => {
                log::warn!("the player fell behind the ring ({behind}); restarting at the last keyframe");
                self.cursor = self.ring.reader_from_last_keyframe();
                Ok(())
            }
        }
    }
}
