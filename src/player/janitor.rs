// SPDX-License-Identifier: GPL-3.0-or-later
//! The janitor: stops old pipelines off the zap's path, one after another on its own thread, so
//! a zap never waits for the pipeline it leaves to reach NULL.
//!
//! A teardown can hang for good: GStreamer 1.22's `hlsdemux2`, after an origin reset its media
//! sequence, may never return from `set_state(NULL)`. With one thread for all teardowns, every
//! later pipeline would then wait behind it, still PLAYING: its decoders' memory, its sockets,
//! and for multicast its joined group, all kept for as long as the box runs. So a teardown that
//! takes longer than the janitor's patience is left to its thread, and the pipelines after it
//! go to a new thread. At most [`MAX_STUCK`] threads are given up on this way (each holds
//! only its own stuck pipeline); after that the pipelines queue on the last one.

use gstreamer as gst;
use gstreamer::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long one teardown may take before the pipelines behind it go to a new thread.
pub const PATIENCE: Duration = Duration::from_secs(10);
/// Janitor threads given up on at most.
pub const MAX_STUCK: usize = 4;
/// `busy_since` when the thread waits for work.
const IDLE: u64 = u64::MAX;

/// Where old pipelines go (cheap to clone: every session holds one).
#[derive(Clone, Debug)]
pub struct Janitor {
    inner: Arc<Mutex<Worker>>,
    patience: Duration,
    /// When this janitor was made: the origin of the workers' `busy_since` milliseconds.
    epoch: Instant,
}

#[derive(Debug)]
struct Worker {
    tx: mpsc::Sender<gst::Pipeline>,
    /// Milliseconds since the epoch at which the current teardown started ([`IDLE`]: none).
    busy_since: Arc<AtomicU64>,
    /// Workers left behind so far.
    stuck: usize,
}

impl Janitor {
    /// A janitor with the default [`PATIENCE`].
    pub fn spawn() -> std::io::Result<Self> {
        Self::with_patience(PATIENCE)
    }

    pub fn with_patience(patience: Duration) -> std::io::Result<Self> {
        let epoch = Instant::now();
        let (tx, busy_since) = spawn_worker(epoch)?;
        Ok(Self {
            inner: Arc::new(Mutex::new(Worker {
                tx,
                busy_since,
                stuck: 0,
            })),
            patience,
            epoch,
        })
    }

    /// Hands `pipeline` over to be stopped. Never waits on GStreamer, except when no janitor
    /// thread can run at all (then it is stopped here, as the last resort).
    pub fn stop(&self, pipeline: gst::Pipeline) {
        let Ok(mut worker) = self.inner.lock() else {
            let _ = pipeline.set_state(gst::State::Null);
            return;
        };
        let since = worker.busy_since.load(Ordering::SeqCst);
        let now = self.epoch.elapsed().as_millis() as u64;
        if since != IDLE
            && now.saturating_sub(since) > self.patience.as_millis() as u64
            && worker.stuck < MAX_STUCK
        {
            match spawn_worker(self.epoch) {
                Ok((tx, busy_since)) => {
                    worker.stuck += 1;
                    log::warn!(
                        "a pipeline has not stopped in {} s: its janitor thread is left to it ({} so far)",
                        now.saturating_sub(since) / 1000,
                        worker.stuck
                    );
                    // The old thread's queue (pipelines waiting behind the stuck one) goes on
                    // there once it is unstuck; it is rare and bounded by the zaps of 10 s.
                    worker.tx = tx;
                    worker.busy_since = busy_since;
                }
                Err(e) => log::warn!("no new janitor thread: {e}"),
            }
        }
        if let Err(mpsc::SendError(pipeline)) = worker.tx.send(pipeline) {
            let _ = pipeline.set_state(gst::State::Null);
        }
    }

    /// Janitor threads left behind so far.
    #[cfg(test)]
    fn stuck(&self) -> usize {
        self.inner.lock().map_or(0, |w| w.stuck)
    }
}

fn spawn_worker(epoch: Instant) -> std::io::Result<(mpsc::Sender<gst::Pipeline>, Arc<AtomicU64>)> {
    let (tx, rx) = mpsc::channel::<gst::Pipeline>();
    let busy_since = Arc::new(AtomicU64::new(IDLE));
    let busy = busy_since.clone();
    std::thread::Builder::new()
        .name("player-janitor".into())
        .spawn(move || {
            for pipeline in rx {
                let started = Instant::now();
                busy.store(epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
                let _ = pipeline.set_state(gst::State::Null);
                drop(pipeline);
                busy.store(IDLE, Ordering::SeqCst);
                // The decoders' buffers were just freed: give the pages back rather than keep
                // the last zap's peak resident.
                crate::system::resources::release_free_memory();
                log::trace!("old pipeline stopped in {} ms", started.elapsed().as_millis());
            }
        })?;
    Ok((tx, busy_since))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Condvar;

    /// A real pipeline whose teardown hangs: its sink's streaming thread is held in a pad probe
    /// until `release`, so `set_state(NULL)` waits on the stream lock, as a hung demuxer does.
    fn stuck_pipeline(release: Arc<(Mutex<bool>, Condvar)>) -> gst::Pipeline {
        let pipeline = gst::parse::launch("videotestsrc is-live=true ! fakesink name=sink")
            .expect("the test pipeline parses")
            .downcast::<gst::Pipeline>()
            .expect("a pipeline");
        let sink = pipeline.by_name("sink").expect("the sink");
        let pad = sink.static_pad("sink").expect("its pad");
        let (entered_tx, entered) = mpsc::channel();
        let entered_tx = Mutex::new(Some(entered_tx));
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if let Some(tx) = entered_tx.lock().ok().and_then(|mut t| t.take()) {
                let _ = tx.send(());
            }
            let (lock, cvar) = &*release;
            let mut open = lock.lock().expect("the lock");
            while !*open {
                open = cvar.wait(open).expect("the wait");
            }
            gst::PadProbeReturn::Ok
        });
        pipeline.set_state(gst::State::Playing).expect("it plays");
        entered
            .recv_timeout(Duration::from_secs(20))
            .expect("the streaming thread reaches the probe");
        pipeline
    }

    fn plain_pipeline() -> gst::Pipeline {
        let pipeline = gst::parse::launch("videotestsrc is-live=true ! fakesink")
            .expect("the test pipeline parses")
            .downcast::<gst::Pipeline>()
            .expect("a pipeline");
        pipeline.set_state(gst::State::Playing).expect("it plays");
        pipeline
    }

    fn reaches_null(pipeline: &gst::Pipeline, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if pipeline.current_state() == gst::State::Null {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// A pipeline whose teardown hangs does not keep the ones after it playing: once it has
    /// hung longer than the patience, the next goes to a new thread and stops.
    #[test]
    fn a_hung_teardown_does_not_hold_the_next() {
        gst::init().expect("GStreamer initialises");
        let janitor = Janitor::with_patience(Duration::from_millis(300)).expect("a janitor");
        let release = Arc::new((Mutex::new(false), Condvar::new()));
        let stuck = stuck_pipeline(release.clone());
        janitor.stop(stuck.clone());
        // Behind the hung one, within the patience: it waits in the queue.
        let queued = plain_pipeline();
        janitor.stop(queued.clone());
        assert!(
            !reaches_null(&queued, Duration::from_millis(200)),
            "the first pipeline really hangs its thread"
        );
        std::thread::sleep(Duration::from_millis(400));
        let next = plain_pipeline();
        janitor.stop(next.clone());
        assert!(
            reaches_null(&next, Duration::from_secs(20)),
            "the pipeline after a hung teardown is stopped by a new thread"
        );
        assert_eq!(janitor.stuck(), 1);
        // Released, the old thread finishes its own queue.
        let (lock, cvar) = &*release;
        *lock.lock().expect("the lock") = true;
        cvar.notify_all();
        assert!(
            reaches_null(&stuck, Duration::from_secs(20)),
            "the hung one ends once freed"
        );
        assert!(
            reaches_null(&queued, Duration::from_secs(20)),
            "and the one queued behind it"
        );
    }
}
