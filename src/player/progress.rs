// SPDX-License-Identifier: GPL-3.0-or-later
//! Picture progress of a pipeline that fetches its own stream (HLS, DASH, HTTP, RTSP, RTMP).
//!
//! The multicast receiver sees silence directly (no datagram for [`STALL_AFTER`]); a pipeline that
//! fetches over HTTP hides it: it buffers seconds ahead, its demuxer keeps asking the origin while
//! the picture stands still, and an origin that serves segments at a fraction of their bitrate
//! still delivers a frame now and then. So the test here is the picture itself: the stream time
//! its frames advance, against the wall clock. Over the last [`WINDOW`] the picture must advance
//! at least half as fast as real time, or the session reports `Stalled`; once it advances at
//! 80 % of real time again over the last second (a pipeline catching up shows late frames faster
//! than real time), `Resumed`. The core shows the stall and rebuilds the pipeline when it lasts.
//!
//! Frame timestamps may jump (a discontinuity, an origin restart that begins the timestamps
//! again): only forward steps of less than a second count as progress. Nothing is judged before
//! the first frame (the core's first-picture watchdog covers that) nor for a stream without
//! pictures (radio).

use super::EventSink;
use super::ingest::STALL_AFTER;
use crate::core::{PlayerEvent, RequestId};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The span the picture's speed is judged over.
const WINDOW: Duration = STALL_AFTER;
/// How often the watchdog looks.
const TICK: Duration = Duration::from_millis(250);
/// Frames further apart than this are a jump, not progress.
const MAX_STEP_NS: u64 = 1_000_000_000;

/// Stream time shown so far, fed by the video sink's streaming thread.
#[derive(Default)]
pub struct Progress {
    /// Nanoseconds of stream time the picture advanced (forward steps only).
    shown_ns: AtomicU64,
    /// Frames shown (0: no picture yet).
    frames: AtomicU64,
    last_pts: Mutex<Option<u64>>,
}

impl Progress {
    /// One frame reached the sink with this timestamp (nanoseconds), if it has one.
    pub fn frame(&self, pts_ns: Option<u64>) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        let Some(pts) = pts_ns else { return };
        let Ok(mut last) = self.last_pts.lock() else {
            return;
        };
        if let Some(previous) = last.replace(pts)
            && pts > previous
            && pts - previous < MAX_STEP_NS
        {
            self.shown_ns.fetch_add(pts - previous, Ordering::Relaxed);
        }
    }

    fn sample(&self) -> Option<u64> {
        (self.frames.load(Ordering::Relaxed) > 0).then(|| self.shown_ns.load(Ordering::Relaxed))
    }
}

/// The verdict of one look at the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Stalled,
    Resumed,
}

/// The samples of the last window and whether a stall is reported (pure, so it is tested alone).
#[derive(Default)]
struct Judge {
    samples: VecDeque<(Instant, u64)>,
    stalled: bool,
}

impl Judge {
    fn look(&mut self, now: Instant, shown_ns: u64) -> Option<Verdict> {
        self.samples.push_back((now, shown_ns));
        // Keep one sample older than the window: the baseline of the longest span judged.
        while self
            .samples
            .get(1)
            .is_some_and(|(at, _)| now.duration_since(*at) >= WINDOW)
        {
            self.samples.pop_front();
        }
        // Speed over at least `span`: from the youngest sample that is `span` old (ticks are late
        // under load, so samples are never exactly `span` apart).
        let advanced_over = |span: Duration| {
            let (at, ns) = self
                .samples
                .iter()
                .rev()
                .find(|(at, _)| now.duration_since(*at) >= span)
                .copied()?;
            let wall = now.duration_since(at);
            Some(shown_ns.saturating_sub(ns) as f64 / wall.as_nanos() as f64)
        };
        if !self.stalled {
            if advanced_over(WINDOW).is_some_and(|speed| speed < 0.5) {
                self.stalled = true;
                return Some(Verdict::Stalled);
            }
        } else if advanced_over(Duration::from_secs(1)).is_some_and(|speed| speed >= 0.8) {
            self.stalled = false;
            return Some(Verdict::Resumed);
        }
        None
    }
}

/// Watches `progress` for `request` until the returned sender is dropped (with its session).
pub fn watch(
    request: RequestId,
    progress: Arc<Progress>,
    events: EventSink,
) -> std::io::Result<mpsc::Sender<()>> {
    let (keep, ended) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("player-progress".into())
        .spawn(move || {
            let mut judge = Judge::default();
            while let Err(mpsc::RecvTimeoutError::Timeout) = ended.recv_timeout(TICK) {
                let Some(shown) = progress.sample() else { continue };
                match judge.look(Instant::now(), shown) {
                    Some(Verdict::Stalled) => {
                        log::info!("request {request:?}: the picture stopped advancing");
                        events(PlayerEvent::Stalled { request });
                    }
                    Some(Verdict::Resumed) => {
                        log::info!("request {request:?}: the picture advances again");
                        events(PlayerEvent::Resumed { request });
                    }
                    None => {}
                }
            }
        })?;
    Ok(keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds the judge `speed` × real time for `span`, in ticks that come a little late (as under
    /// load), from `at`.
    fn run(judge: &mut Judge, at: &mut Instant, shown: &mut u64, speed: f64, span: Duration) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        let end = *at + span;
        let tick = TICK + Duration::from_millis(13);
        while *at < end {
            *at += tick;
            *shown += (tick.as_nanos() as f64 * speed) as u64;
            verdicts.extend(judge.look(*at, *shown));
        }
        verdicts
    }

    #[test]
    fn real_time_is_never_a_stall() {
        let (mut judge, mut at, mut shown) = (Judge::default(), Instant::now(), 0);
        assert!(run(&mut judge, &mut at, &mut shown, 1.0, Duration::from_secs(30)).is_empty());
        // Under load a pipeline may run a little slow for a while.
        assert!(run(&mut judge, &mut at, &mut shown, 0.7, Duration::from_secs(5)).is_empty());
    }

    #[test]
    fn a_frozen_picture_stalls_within_the_window_and_resumes_in_a_second() {
        let (mut judge, mut at, mut shown) = (Judge::default(), Instant::now(), 0);
        run(&mut judge, &mut at, &mut shown, 1.0, Duration::from_secs(5));
        let frozen = at;
        let mut verdicts = Vec::new();
        while verdicts.is_empty() {
            verdicts = run(&mut judge, &mut at, &mut shown, 0.0, TICK);
        }
        assert_eq!(verdicts, [Verdict::Stalled]);
        let took = at - frozen;
        // Half of the window without progress halves the speed over it.
        assert!(took > WINDOW / 2 && took <= WINDOW / 2 + 2 * TICK, "{took:?}");
        // Stays stalled while frozen; a catching-up pipeline resumes within a second.
        assert!(run(&mut judge, &mut at, &mut shown, 0.0, Duration::from_secs(5)).is_empty());
        assert_eq!(
            run(&mut judge, &mut at, &mut shown, 1.5, Duration::from_secs(1)),
            [Verdict::Resumed]
        );
    }

    #[test]
    fn a_trickle_of_frames_is_a_stall() {
        let (mut judge, mut at, mut shown) = (Judge::default(), Instant::now(), 0);
        run(&mut judge, &mut at, &mut shown, 1.0, Duration::from_secs(5));
        assert_eq!(
            run(&mut judge, &mut at, &mut shown, 0.2, Duration::from_secs(4)),
            [Verdict::Stalled]
        );
    }

    #[test]
    fn jumps_are_not_progress() {
        let progress = Progress::default();
        assert_eq!(progress.sample(), None);
        progress.frame(Some(10_000_000_000));
        progress.frame(Some(10_040_000_000));
        // An origin restart: timestamps begin again; then a jump forward.
        progress.frame(Some(0));
        progress.frame(Some(40_000_000));
        progress.frame(Some(90_000_000_000));
        assert_eq!(progress.sample(), Some(80_000_000));
    }
}
