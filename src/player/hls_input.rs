// SPDX-License-Identifier: GPL-3.0-or-later
//! The timeshift window of an HLS channel: the playlist's TS segments fetched by GStreamer's
//! `hlsdemux` (as the HLS recorder fetches them) and handed to a tap as if they arrived from a
//! multicast group, paced by their own PCR, so the tap's ring, arrival index, disk spill, seeks
//! and trick play work on them unchanged.
//!
//! ```text
//!  souphttpsrc ─> hlsdemux ─(video/mpegts)─> appsink ─whole packets─> Pacer ─> tap (receive)
//! ```
//!
//! Why paced: `hlsdemux` fetches whole segments at once (three at the start), but the tap indexes
//! its window by arrival time and feeds a consumer behind live "at the pace it arrived". Packets
//! are released when their PCR says they are due (the first PCR seen is due at once), so the
//! window sees the channel as a live sender would send it, a few segments behind the origin's
//! edge as any HLS player is. A PCR that jumps back or more than [`PCR_JUMP`] ahead (an origin
//! restart, a discontinuity) starts a new time base right after the last due packet.
//!
//! One download per segment: a window opened with the channel's live picture (its own
//! `uridecodebin3` pipeline) takes the segments that pipeline downloads (a probe on the parser its
//! adaptive demuxer feeds the segments into, see `pipeline::share_segments`) instead of fetching
//! them again. When that picture ends (behind live, the picture reads the window) the window
//! fetches by itself. Back at live, a new picture's download is offered to the window
//! ([`HlsInput::offer`]): the window keeps fetching until that download delivers its first bytes
//! (a picture that fails to start must not leave the window without data), then stops its fetch
//! and takes the download's segments again. At each hand-over the pacer drops what the new source
//! repeats (packets up to the first PCR past the last one kept), so the window holds each moment
//! once and each segment is downloaded once whatever the viewer does.
//!
//! ```text
//!  live picture:  uridecodebin3 ─> hlsdemux2 ─> parsebin ─probe─> Feed ─┐
//!  behind live:   souphttpsrc ─> hlsdemux ─> appsink ──────────────────┴─> Pacer ─> tap
//! ```
//!
//! The fetch restarts by itself ([`RESTART_AFTER`]) after an error or the end of the stream (an
//! origin's 404 burst ends `hlsdemux`), so the window survives what the live picture survives.
//! Segments in other containers than MPEG-TS are not kept (logged once; the window stays empty).

use crate::lineup::Source;
use crate::mpegts::TS_PACKET_SIZE;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::collections::VecDeque;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Whole segments queued between the fetch and the pacer before new ones are dropped: about a
/// minute of any sane channel (the pacer takes them at the channel's own rate).
const QUEUE: usize = 4096;
/// A PCR further ahead of the last one than this is a discontinuity, not the stream's pace.
const PCR_JUMP: u64 = 2 * 27_000_000;
/// After an error or the end of the stream, the fetch starts again this much later.
pub const RESTART_AFTER: Duration = Duration::from_secs(2);
/// Packets handed over per call at most (one "datagram" of the tap).
const CHUNK_PACKETS: usize = 348;

/// Segments' bytes from the live picture's own download (see [`share`]).
pub type Feed = mpsc::Receiver<Vec<u8>>;

/// Where the live picture's pipeline sends the segments it downloads; dropped with the picture.
pub type FeedSender = mpsc::SyncSender<Vec<u8>>;

/// A channel from the live picture's download to a window.
pub fn share() -> (FeedSender, Feed) {
    mpsc::sync_channel(QUEUE)
}

/// After the live picture's feed ends, the window's own fetch starts this much later: a zap
/// from live to behind live (or back) replaces the picture within milliseconds, and a new
/// picture's feed then takes over without a fetch started in between.
const FEED_GRACE: Duration = Duration::from_millis(500);

/// The running fetch and its pacer.
pub struct HlsInput {
    source: Source,
    /// The live picture's download, while it plays.
    feed: Option<Feed>,
    /// A new live picture's download, taken over once it delivers (see [`HlsInput::offer`]).
    offered: Option<Feed>,
    /// When the last feed ended.
    feed_ended: Option<Instant>,
    fetch: Option<Fetch>,
    /// When the fetch failed (it restarts [`RESTART_AFTER`] later).
    failed_at: Option<Instant>,
    pacer: Pacer,
    /// Stops the fetches that end.
    janitor: super::janitor::Janitor,
}

struct Fetch {
    pipeline: gst::Pipeline,
    bytes: mpsc::Receiver<Vec<u8>>,
    /// Stops the pipeline when the fetch goes: the tap's receive thread must not wait for an
    /// adaptive demuxer's teardown (see `janitor` for how long that can take).
    janitor: super::janitor::Janitor,
}

impl Drop for Fetch {
    fn drop(&mut self) {
        self.janitor.stop(self.pipeline.clone());
    }
}

impl HlsInput {
    /// Starts taking `source`'s segments (an HLS playlist): from `feed` (the live picture's
    /// download) when given, else by fetching them.
    pub fn start(
        source: &Source,
        feed: Option<Feed>,
        janitor: super::janitor::Janitor,
    ) -> Result<Self, String> {
        let fetch = match feed {
            Some(_) => None,
            None => Some(Fetch::start(source, &janitor)?),
        };
        Ok(Self {
            source: source.clone(),
            feed,
            offered: None,
            feed_ended: None,
            fetch,
            failed_at: None,
            pacer: Pacer::default(),
            janitor,
        })
    }

    /// Up to `buf.len()` bytes of whole packets that are due, waiting at most `timeout` for
    /// some; `None` when none became due in that time.
    pub fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Option<usize> {
        let until = Instant::now() + timeout;
        loop {
            self.take_fetched();
            let n = self.pacer.due(Instant::now(), buf);
            if n > 0 {
                return Some(n);
            }
            let now = Instant::now();
            let left = until.checked_duration_since(now)?;
            let next = self
                .pacer
                .next_due()
                .map_or(left, |at| at.saturating_duration_since(now));
            std::thread::sleep(
                next.min(left)
                    .clamp(Duration::from_millis(1), Duration::from_millis(10)),
            );
        }
    }

    /// A new live picture's download (back at live from behind it, or the channel tuned again):
    /// the window takes its segments once the first arrive, and stops its own fetch then.
    pub fn offer(&mut self, feed: Feed) {
        self.offered = Some(feed);
    }

    /// Takes the offered download over once it delivered something; forgets one that ended
    /// without (its picture failed), leaving the fetch or the old feed in charge.
    fn take_offer(&mut self) {
        let Some(offered) = self.offered.as_ref() else {
            return;
        };
        match offered.try_recv() {
            Ok(bytes) => {
                log::debug!(
                    "hls window of {}: the live picture's download takes over{}",
                    self.source.url,
                    if self.fetch.is_some() {
                        " from the fetch"
                    } else {
                        ""
                    }
                );
                self.feed = self.offered.take();
                self.feed_ended = None;
                self.fetch = None;
                self.failed_at = None;
                self.pacer.resync();
                self.pacer.push(&bytes);
            }
            Err(mpsc::TryRecvError::Empty) => {}
            Err(mpsc::TryRecvError::Disconnected) => self.offered = None,
        }
    }

    /// Moves what the feed or the fetch delivered into the pacer; starts the own fetch when the
    /// feed ended, restarts a fetch that ended or failed.
    fn take_fetched(&mut self) {
        self.take_offer();
        if let Some(feed) = self.feed.as_ref() {
            loop {
                match feed.try_recv() {
                    Ok(bytes) => self.pacer.push(&bytes),
                    Err(mpsc::TryRecvError::Empty) => return,
                    Err(mpsc::TryRecvError::Disconnected) => break,
                }
            }
            log::debug!(
                "hls window of {}: the live picture ended; fetching",
                self.source.url
            );
            self.feed = None;
            self.feed_ended = Some(Instant::now());
            self.pacer.resync();
        }
        if self.feed_ended.is_some_and(|at| at.elapsed() < FEED_GRACE) {
            return;
        }
        if let Some(fetch) = self.fetch.as_ref() {
            while let Ok(bytes) = fetch.bytes.try_recv() {
                self.pacer.push(&bytes);
            }
            if let Some(why) = fetch.ended() {
                log::info!("hls window of {}: {why}; fetching again shortly", self.source.url);
                self.fetch = None;
                self.failed_at = Some(Instant::now());
            }
        }
        if self.fetch.is_none() && self.failed_at.is_none_or(|at| at.elapsed() >= RESTART_AFTER) {
            match Fetch::start(&self.source, &self.janitor) {
                Ok(fetch) => {
                    self.fetch = Some(fetch);
                    self.failed_at = None;
                }
                Err(e) => {
                    log::warn!("hls window of {}: {e}", self.source.url);
                    self.failed_at = Some(Instant::now());
                }
            }
        }
    }
}

impl Fetch {
    fn start(source: &Source, janitor: &super::janitor::Janitor) -> Result<Self, String> {
        gst::init().map_err(|e| e.to_string())?;
        let sink = gst_app::AppSink::builder().sync(false).build();
        let pipeline = super::record_hls::ts_segments(source, "hls window", sink.upcast_ref())?;
        let (tx, bytes) = mpsc::sync_channel::<Vec<u8>>(QUEUE);
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    if let Some(map) = sample.buffer().and_then(|b| b.map_readable().ok()) {
                        match tx.try_send(map.as_slice().to_vec()) {
                            Ok(()) | Err(mpsc::TrySendError::Full(_)) => {}
                            Err(mpsc::TrySendError::Disconnected(_)) => return Err(gst::FlowError::Eos),
                        }
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| format!("the HLS fetch does not start: {e}"))?;
        Ok(Self {
            pipeline,
            bytes,
            janitor: janitor.clone(),
        })
    }

    /// Why the fetch stopped (an error or the end of the stream), if it did.
    fn ended(&self) -> Option<String> {
        let bus = self.pipeline.bus()?;
        while let Some(message) = bus.pop() {
            match message.view() {
                gst::MessageView::Error(e) => return Some(format!("{}", e.error())),
                gst::MessageView::Eos(_) => return Some("the stream ended".into()),
                _ => {}
            }
        }
        None
    }
}

/// Whole packets from the fetched bytes, released when their PCR says they are due.
#[derive(Default)]
struct Pacer {
    /// Bytes that do not yet make a whole packet.
    partial: Vec<u8>,
    /// Whole packets not yet due, with the instant each is due (`None`: with the packet before).
    packets: VecDeque<([u8; TS_PACKET_SIZE], Option<Instant>)>,
    /// The PID whose PCR paces (the first PCR seen).
    pcr_pid: Option<u16>,
    /// The time base: this PCR (27 MHz) is due at this instant.
    base: Option<(u64, Instant)>,
    /// The last PCR seen and the instant it was due at.
    last: Option<(u64, Instant)>,
    /// After a change of source: packets are dropped up to the first PCR past this one (what
    /// the new source repeats of the old one's).
    repeat_until: Option<u64>,
}

/// At a change of source, a PCR this far behind the last one kept is a repeat (a new fetch
/// starts three segments behind the playlist's edge: up to 30 s with 10 s segments); further
/// back is an origin that restarted.
const REPEAT_SPAN: u64 = 60 * 27_000_000;

impl Pacer {
    /// The source changes: what it repeats of the packets taken so far is dropped.
    fn resync(&mut self) {
        self.partial.clear();
        self.repeat_until = self.last.map(|(pcr, _)| pcr);
    }

    /// Whether `packet` repeats what the previous source gave (see [`Pacer::resync`]).
    fn repeats(&mut self, packet: &[u8; TS_PACKET_SIZE]) -> bool {
        let Some(until) = self.repeat_until else {
            return false;
        };
        match pcr(packet) {
            Some((pid, pcr)) if self.pcr_pid.is_none_or(|p| p == pid) => {
                if pcr <= until && until - pcr <= REPEAT_SPAN {
                    return true;
                }
                self.repeat_until = None;
                false
            }
            _ => true,
        }
    }

    /// Takes fetched bytes: whole packets (a torn packet at a segment's edge is skipped up to
    /// the next sync byte), each PCR of the pacing PID given its due instant.
    fn push(&mut self, bytes: &[u8]) {
        self.partial.extend_from_slice(bytes);
        let mut at = 0;
        while at + TS_PACKET_SIZE <= self.partial.len() {
            let whole =
                self.partial[at] == 0x47 && self.partial.get(at + TS_PACKET_SIZE).is_none_or(|&b| b == 0x47);
            if !whole {
                at += 1;
                continue;
            }
            let mut packet = [0u8; TS_PACKET_SIZE];
            packet.copy_from_slice(&self.partial[at..at + TS_PACKET_SIZE]);
            at += TS_PACKET_SIZE;
            if self.repeats(&packet) {
                continue;
            }
            let due = self.due_of(&packet);
            self.packets.push_back((packet, due));
        }
        self.partial.drain(..at);
    }

    /// The due instant of a packet carrying a PCR of the pacing PID.
    fn due_of(&mut self, packet: &[u8; TS_PACKET_SIZE]) -> Option<Instant> {
        let (pid, pcr) = pcr(packet)?;
        if *self.pcr_pid.get_or_insert(pid) != pid {
            return None;
        }
        let now = Instant::now();
        let jumped = self
            .last
            .is_some_and(|(last, _)| pcr < last || pcr - last > PCR_JUMP);
        if self.base.is_none() || jumped {
            // A new time base: due at once, or right after the last due packet (never earlier
            // than what is queued, so the order holds).
            let at = self.last.map_or(now, |(_, at)| at + Duration::from_millis(40));
            self.base = Some((pcr, at));
        }
        let (base_pcr, base_at) = self.base?;
        let at = base_at + Duration::from_nanos((pcr - base_pcr) * 1000 / 27);
        self.last = Some((pcr, at));
        Some(at)
    }

    /// Copies the packets due at `now` into `buf` (whole packets, as many as fit); their count
    /// in bytes.
    fn due(&mut self, now: Instant, buf: &mut [u8]) -> usize {
        let most = (buf.len() / TS_PACKET_SIZE).min(CHUNK_PACKETS);
        let mut n = 0;
        // Packets without a due instant go with the PCR packet before them: released until the
        // next PCR packet that is not due yet.
        while n < most {
            let Some((packet, due)) = self.packets.front() else {
                break;
            };
            if due.is_some_and(|at| at > now) {
                break;
            }
            buf[n * TS_PACKET_SIZE..(n + 1) * TS_PACKET_SIZE].copy_from_slice(packet);
            self.packets.pop_front();
            n += 1;
        }
        n * TS_PACKET_SIZE
    }

    /// When the next packet is due, if one waits for its time.
    fn next_due(&self) -> Option<Instant> {
        self.packets.front().and_then(|(_, due)| *due)
    }
}

/// The PID and PCR (27 MHz) of a packet whose adaptation field carries one.
fn pcr(packet: &[u8; TS_PACKET_SIZE]) -> Option<(u16, u64)> {
    let pid = u16::from(packet[1] & 0x1f) << 8 | u16::from(packet[2]);
    let has_adaptation = packet[3] & 0x20 != 0;
    if !has_adaptation || packet[4] < 7 || packet[5] & 0x10 == 0 {
        return None;
    }
    let b = &packet[6..12];
    let base = u64::from(b[0]) << 25
        | u64::from(b[1]) << 17
        | u64::from(b[2]) << 9
        | u64::from(b[3]) << 1
        | u64::from(b[4] >> 7);
    let extension = u64::from(b[4] & 1) << 8 | u64::from(b[5]);
    Some((pid, base * 300 + extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet of `pid`, with a PCR (27 MHz) when given.
    fn packet(pid: u16, pcr: Option<u64>) -> Vec<u8> {
        let mut p = vec![0xffu8; TS_PACKET_SIZE];
        p[0] = 0x47;
        p[1] = (pid >> 8) as u8;
        p[2] = pid as u8;
        match pcr {
            Some(pcr) => {
                let (base, ext) = (pcr / 300, pcr % 300);
                p[3] = 0x30;
                p[4] = 7;
                p[5] = 0x10;
                p[6] = (base >> 25) as u8;
                p[7] = (base >> 17) as u8;
                p[8] = (base >> 9) as u8;
                p[9] = (base >> 1) as u8;
                p[10] = ((base & 1) << 7) as u8 | 0x7e | (ext >> 8) as u8;
                p[11] = ext as u8;
            }
            None => p[3] = 0x10,
        }
        p
    }

    #[test]
    fn packets_are_released_when_their_pcr_is_due() {
        let mut pacer = Pacer::default();
        let mut bytes = Vec::new();
        // PCR at 0 s, two packets, PCR at 0.5 s, a packet, then a PCR far back (a restart).
        bytes.extend(packet(256, Some(1_000 * 27_000_000)));
        bytes.extend(packet(257, None));
        bytes.extend(packet(258, None));
        bytes.extend(packet(256, Some(1_000 * 27_000_000 + 13_500_000)));
        bytes.extend(packet(257, None));
        bytes.extend(packet(256, Some(5 * 27_000_000)));
        // Torn at odd places, with a torn packet in front.
        pacer.push(&[0x47, 1, 2]);
        pacer.push(&bytes[..100]);
        pacer.push(&bytes[100..]);
        let start = Instant::now();
        let mut buf = vec![0u8; 64 * 1024];
        assert_eq!(
            pacer.due(start, &mut buf),
            3 * TS_PACKET_SIZE,
            "the first PCR is due at once"
        );
        assert_eq!(pacer.due(start + Duration::from_millis(400), &mut buf), 0);
        let later = start + Duration::from_millis(510);
        assert_eq!(pacer.due(later, &mut buf), 2 * TS_PACKET_SIZE, "0.5 s later");
        assert_eq!(buf[TS_PACKET_SIZE + 2], 1, "PID 257 after the PCR");
        // The restart's PCR is due 40 ms after the last one, not 995 s earlier or later.
        let next = pacer.next_due().unwrap();
        let after = next.duration_since(start);
        assert!(
            (Duration::from_millis(500)..Duration::from_millis(600)).contains(&after),
            "{after:?}"
        );
        assert_eq!(pacer.due(later, &mut buf), 0);
        assert_eq!(
            pacer.due(start + Duration::from_millis(600), &mut buf),
            TS_PACKET_SIZE
        );
        assert!(pacer.packets.is_empty());
    }

    #[test]
    fn a_new_source_repeating_the_old_one_is_taken_from_past_the_last_pcr() {
        let mut pacer = Pacer::default();
        let s = 27_000_000;
        let mut old = Vec::new();
        for k in 0..3 {
            old.extend(packet(256, Some(100 * s + k * s / 2)));
            old.extend(packet(257, None));
        }
        pacer.push(&old);
        pacer.resync();
        // The new source starts a second earlier: up to PCR 101 s it repeats, then goes on.
        let mut new = Vec::new();
        for k in 0..7 {
            new.extend(packet(256, Some(99 * s + k * s / 2)));
            new.extend(packet(258, None));
        }
        pacer.push(&new);
        let pcrs: Vec<u64> = pacer
            .packets
            .iter()
            .filter_map(|(p, _)| pcr(p).map(|(_, pcr)| pcr))
            .collect();
        assert_eq!(
            pcrs,
            [100 * s, 100 * s + s / 2, 101 * s, 101 * s + s / 2, 102 * s]
        );
        assert_eq!(pacer.packets.len(), 10, "each PCR with the packet after it");
        // An origin that restarted (PCRs far back) is not a repeat.
        pacer.resync();
        pacer.push(&packet(256, Some(5 * s)));
        assert_eq!(pacer.packets.len(), 11);
    }

    #[test]
    fn pcr_is_read_from_the_adaptation_field() {
        let p: [u8; TS_PACKET_SIZE] = packet(0x100, Some(123_456_789)).try_into().unwrap();
        assert_eq!(pcr(&p), Some((0x100, 123_456_789)));
        let p: [u8; TS_PACKET_SIZE] = packet(0x100, None).try_into().unwrap();
        assert_eq!(pcr(&p), None);
    }
}
