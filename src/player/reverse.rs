// SPDX-License-Identifier: GPL-3.0-or-later
//! Rewind at ×2 and ×4, every frame: a decoder only runs forward, so reverse play is done the
//! way players with a local buffer do it: the window is taken GOP by GOP backwards, each GOP is
//! decoded forward, and its pictures are presented newest first at the asked rate.
//!
//! ```text
//!  tap (ingest)   GOP n, GOP n−1, GOP n−2 ...  each retimed to follow the last on one forward
//!                 timeline (mpegts::trick), video only, ended with a delimiter; its slot on that
//!                 timeline and its place in the window noted in the GopLog
//!  decode chain   appsrc ─> decodebin3 ─> appsink (not synchronised: as fast as it decodes)
//!  Reverser       pictures grouped by GOP (their timeline slot), a GOP handed on complete,
//!                 newest picture first, each with its place in the window
//!  Schedule       picture at window time c shown at  t0 + (c0 − c) / rate  (a late one dropped)
//!  present chain  appsrc (raw, live) ─> the video branch (the same sink as live)
//! ```
//! The tap feeds a GOP only shortly before the picture needs it (see `ingest`), so at most a
//! GOP or two of decoded pictures wait here: a software decoder's frames, a few megabytes at
//! SD, tens at HD with long GOPs. The Reverser and the Schedule are pure and tested here; the
//! pipelines around them are tested on the demo's channels (tests/player.rs) and measured by
//! `zapbox bench trick`.

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One GOP fed to the decode chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GopStamp {
    /// Its first picture's PTS on the decode chain's timeline (90 kHz).
    pub slot: u64,
    /// When its keyframe arrived (tap clock, microseconds): its place in the window.
    pub window_us: u64,
    /// Pictures in it.
    pub frames: u32,
    /// Pictures after this window time are not shown (the GOP the run starts in).
    pub until_us: Option<u64>,
}

/// The GOPs fed and not yet presented, in the order fed; written by the tap, read by the
/// decode chain's streaming thread.
#[derive(Debug, Default)]
pub struct GopLog {
    gops: Mutex<VecDeque<GopStamp>>,
}

/// GOPs the log keeps at most (a decode chain that stopped must not make it grow).
const LOG_CAP: usize = 64;

impl GopLog {
    pub fn push(&self, gop: GopStamp) {
        if let Ok(mut gops) = self.gops.lock() {
            if gops.len() >= LOG_CAP {
                gops.pop_front();
            }
            gops.push_back(gop);
        }
    }

    fn snapshot(&self) -> Vec<GopStamp> {
        self.gops
            .lock()
            .map(|g| g.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Forgets the GOPs before `slot` (presented).
    fn forget_before(&self, slot: u64) {
        if let Ok(mut gops) = self.gops.lock() {
            while gops.front().is_some_and(|g| g.slot < slot) {
                gops.pop_front();
            }
        }
    }
}

/// Half a picture at 25 Hz (90 kHz): a decoded time this much before a GOP's slot still belongs
/// to it (rounding on the way through the demuxer).
const SLOT_SLACK: u64 = 1_800;

/// Groups decoded pictures by GOP and hands each GOP on reversed (see the module essay).
#[derive(Debug)]
pub struct Reverser<F> {
    /// Decoded time (ns) minus the fed PTS (ns): the decode chain's segment offset, learnt from
    /// the first picture (the first GOP's keyframe).
    offset: Option<i128>,
    /// The GOP collecting pictures (its slot) and its pictures (window time, picture).
    current: Option<GopStamp>,
    pending: Vec<(u64, F)>,
}

impl<F> Default for Reverser<F> {
    fn default() -> Self {
        Self {
            offset: None,
            current: None,
            pending: Vec::new(),
        }
    }
}

impl<F> Reverser<F> {
    /// Takes a decoded picture (its timestamp in ns); returns the pictures to present, in
    /// order, each with its window time: a whole GOP newest first once its last picture came
    /// (or a picture of a later GOP did).
    pub fn push(&mut self, log: &GopLog, decoded_ns: u64, frame: F) -> Vec<(u64, F)> {
        let gops = log.snapshot();
        let Some(first) = gops.first() else {
            return Vec::new();
        };
        let offset = *self
            .offset
            .get_or_insert_with(|| i128::from(decoded_ns) - i128::from(first.slot) * 100_000 / 9);
        let fed_ns = i128::from(decoded_ns) - offset;
        let fed = u64::try_from(fed_ns.max(0) * 9 / 100_000).unwrap_or(0);
        let Some(gop) = gops.iter().rev().find(|g| g.slot <= fed + SLOT_SLACK).copied() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if self.current.is_some_and(|c| c.slot != gop.slot) {
            // A picture of the next GOP: the one before is as complete as it will be.
            out.extend(self.flush(log));
        }
        self.current = Some(gop);
        let at = gop.window_us + fed.saturating_sub(gop.slot) * 1_000 / 90;
        self.pending.push((at, frame));
        if self.pending.len() >= usize::try_from(gop.frames).unwrap_or(usize::MAX) {
            out.extend(self.flush(log));
        }
        out
    }

    /// The current GOP's pictures, newest first (those after its `until_us` left out).
    fn flush(&mut self, log: &GopLog) -> Vec<(u64, F)> {
        let Some(gop) = self.current.take() else {
            return Vec::new();
        };
        log.forget_before(gop.slot + 1);
        let mut frames = std::mem::take(&mut self.pending);
        frames.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        frames.retain(|(at, _)| gop.until_us.is_none_or(|until| *at <= until));
        frames
    }
}

/// When each reversed picture is shown: the first at once (plus [`LEAD_NS`]), each later one
/// its distance in the window divided by the rate after it. A picture more than [`LATE_NS`]
/// late is dropped, so a decoder that cannot keep up shows fewer pictures at the right pace
/// instead of falling ever further behind the position the bar shows.
#[derive(Debug)]
pub struct Schedule {
    rate: u64,
    anchor: Option<(u64, u64)>,
}

/// The first picture's time ahead of now (it still has to be converted and handed on).
pub const LEAD_NS: u64 = 40_000_000;
/// How late a picture may be and still be shown.
pub const LATE_NS: u64 = 100_000_000;

impl Schedule {
    pub fn new(rate: u32) -> Self {
        Self {
            rate: u64::from(rate.max(1)),
            anchor: None,
        }
    }

    /// The running time (ns) to show the picture at window time `at_us` at, `now_ns` being
    /// the running time now; `None`: too late, dropped.
    pub fn at(&mut self, now_ns: u64, at_us: u64) -> Option<u64> {
        let (t0, c0) = *self.anchor.get_or_insert((now_ns + LEAD_NS, at_us));
        let t = t0 + c0.saturating_sub(at_us) * 1_000 / self.rate;
        (t + LATE_NS >= now_ns).then_some(t)
    }
}

/// The reverse pipeline's two ends: where the tap feeds GOPs, and the log it notes them in.
pub struct ReverseChain {
    pub appsrc: gst_app::AppSrc,
    pub log: Arc<GopLog>,
    /// Pictures dropped as too late (diagnostics, benchmarks).
    pub dropped: Arc<std::sync::atomic::AtomicU64>,
}

/// Builds the present chain (an `appsrc` of raw pictures into `video`) in `pipeline` and the
/// decode chain's sink: a bin with one sink pad whose pictures go reversed into the present
/// chain at `rate`. The decode chain's source and decoder are the caller's (a TS pipeline).
pub fn build(
    pipeline: &gst::Pipeline,
    video: &gst::Bin,
    rate: u32,
) -> Result<(gst::Bin, Arc<GopLog>, Arc<std::sync::atomic::AtomicU64>), gst::glib::BoolError> {
    let present = gst_app::AppSrc::builder()
        .is_live(true)
        .format(gst::Format::Time)
        .do_timestamp(false)
        .max_bytes(0)
        .build();
    pipeline.add_many([present.upcast_ref::<gst::Element>(), video.upcast_ref()])?;
    present.link(video)?;
    let decoded = gst_app::AppSink::builder().sync(false).build();
    decoded.set_property("async", false);
    let bin = gst::Bin::new();
    let queue = super::output::make("queue")?;
    bin.add_many([&queue, decoded.upcast_ref()])?;
    queue.link(&decoded)?;
    let pad = queue
        .static_pad("sink")
        .ok_or_else(|| gst::glib::bool_error!("no sink pad"))?;
    bin.add_pad(&gst::GhostPad::with_target(&pad)?)?;
    let log = Arc::new(GopLog::default());
    let dropped = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let state = Mutex::new((
        Reverser::<gst::Buffer>::default(),
        Schedule::new(rate),
        None::<gst::Caps>,
    ));
    let (feed_log, counted) = (log.clone(), dropped.clone());
    let element = present.downgrade();
    decoded.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let (Some(buffer), Some(present)) = (sample.buffer_owned(), element.upgrade()) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let Some(pts) = buffer.pts() else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let Ok(mut state) = state.lock() else {
                    return Err(gst::FlowError::Error);
                };
                let (reverser, schedule, caps) = &mut *state;
                if let Some(c) = sample.caps_owned()
                    && caps.as_ref() != Some(&c)
                {
                    present.set_caps(Some(&c));
                    *caps = Some(c);
                }
                let ready = reverser.push(&feed_log, pts.nseconds(), buffer);
                if ready.is_empty() {
                    return Ok(gst::FlowSuccess::Ok);
                }
                let now = present.current_running_time().map_or(0, gst::ClockTime::nseconds);
                for (at, mut frame) in ready {
                    let Some(t) = schedule.at(now, at) else {
                        counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        continue;
                    };
                    let b = frame.make_mut();
                    b.set_pts(gst::ClockTime::from_nseconds(t));
                    b.set_dts(gst::ClockTime::NONE);
                    b.set_duration(gst::ClockTime::NONE);
                    if present.push_buffer(frame).is_err() {
                        return Err(gst::FlowError::Flushing);
                    }
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    Ok((bin, log, dropped))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GOPs of `frames` pictures 40 ms apart, fed one after the other on the decode timeline,
    /// each 1 s older in the window than the one before.
    fn log_of(gops: u32, frames: u32) -> GopLog {
        let log = GopLog::default();
        for k in 0..gops {
            log.push(GopStamp {
                slot: 900_000 + u64::from(k * frames) * 3_600,
                window_us: 100_000_000 - u64::from(k) * 1_000_000,
                frames,
                until_us: None,
            });
        }
        log
    }

    /// The decoded timestamp (ns) of picture `i` of GOP `k`, with the chain's own offset.
    fn decoded(k: u32, i: u32, frames: u32) -> u64 {
        5_000_000_000 + u64::from(k * frames + i) * 40_000_000
    }

    #[test]
    fn each_gop_comes_out_whole_and_newest_first() {
        let log = log_of(3, 25);
        let mut r = Reverser::default();
        let mut shown = Vec::new();
        for k in 0..3 {
            for i in 0..25 {
                let out = r.push(&log, decoded(k, i, 25), (k, i));
                if i < 24 {
                    assert!(out.is_empty(), "GOP {k} handed on before its last picture");
                }
                shown.extend(out);
            }
        }
        assert_eq!(shown.len(), 75);
        let times: Vec<u64> = shown.iter().map(|(t, _)| *t).collect();
        assert!(
            times.windows(2).all(|w| w[0] > w[1]),
            "strictly backwards: {times:?}"
        );
        assert_eq!(shown[0], (100_000_000 + 24 * 40_000, (0, 24)));
        assert_eq!(shown[25], (99_000_000 + 24 * 40_000, (1, 24)));
        assert_eq!(shown[74], (98_000_000, (2, 0)));
    }

    #[test]
    fn a_gop_short_of_pictures_goes_when_the_next_one_starts() {
        let log = log_of(2, 25);
        let mut r = Reverser::default();
        // The decoder dropped GOP 0's last two pictures.
        let mut out = Vec::new();
        for i in 0..23 {
            out.extend(r.push(&log, decoded(0, i, 25), i));
        }
        assert!(out.is_empty());
        let out = r.push(&log, decoded(1, 0, 25), 100);
        assert_eq!(out.len(), 23, "GOP 0 handed on at GOP 1's first picture");
        assert_eq!(out[0].1, 22);
    }

    #[test]
    fn pictures_after_the_start_are_left_out() {
        let log = GopLog::default();
        log.push(GopStamp {
            slot: 0,
            window_us: 10_000_000,
            frames: 25,
            until_us: Some(10_400_000),
        });
        let mut r = Reverser::default();
        let mut out = Vec::new();
        for i in 0..25u32 {
            out.extend(r.push(&log, u64::from(i) * 40_000_000, i));
        }
        // Pictures at 0..=400 ms of the GOP: 11 of them.
        assert_eq!(out.len(), 11);
        assert_eq!(out[0], (10_400_000, 10));
    }

    #[test]
    fn the_schedule_runs_at_the_rate_and_drops_the_late() {
        let mut s = Schedule::new(2);
        let now = 1_000_000_000;
        assert_eq!(s.at(now, 50_000_000), Some(now + LEAD_NS));
        // 40 ms older in the window: 20 ms later at ×2.
        assert_eq!(s.at(now, 49_960_000), Some(now + LEAD_NS + 20_000_000));
        // 1 s older: 500 ms later; asked 700 ms after that it is too late.
        assert_eq!(s.at(now + 1_200_000_000, 49_000_000), None);
        assert!(s.at(now + 560_000_000, 49_000_000).is_some(), "within the slack");
        let mut four = Schedule::new(4);
        four.at(0, 8_000_000);
        assert_eq!(four.at(0, 0), Some(LEAD_NS + 2_000_000_000));
    }
}
