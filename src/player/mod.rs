// SPDX-License-Identifier: GPL-3.0-or-later
//! The GStreamer player adapter: executes the core's [`PlayerCommand`]s on its own thread and reports
//! [`PlayerEvent`]s. It decides nothing about channels; the core does.
//!
//! ```text
//!  app thread: Player::execute(command) ──queue──> player thread (engine): one command at a time
//!                                                    │
//!    multicast/RTP: Ingest ── tap per joined group: socket ─> RTP strip/reorder ─> TsRing ─┐
//!                   (live + hot taps, each joined once)       receive thread              │ consumer
//!                                                                   (from the last keyframe) v
//!    pipeline:  appsrc ─> decodebin3 (decoders by rank) ─> video branch (texture|overlay)
//!               or uridecodebin3 (HLS/DASH/HTTP)       └─> audio branch (volume)
//!    old pipelines ─> janitor thread (set to NULL off the zap's path)
//!
//!  bus (sync handler) ─> PlayerEvent::Failed     first frame at the sink ─> PlayerEvent::FirstFrame
//!  tap: no datagram for 2 s ─> Stalled, data again ─> Resumed; a hot tap silent for 300 ms ─> HotLost
//!  fetched streams (HLS/DASH/HTTP/RTSP/RTMP): picture slower than half real time for 2 s ─> Stalled,
//!  back to speed ─> Resumed (`progress`)
//! ```
//! The thread that sends commands (the app's dispatch loop, which also draws the UI) never waits on
//! GStreamer or the network: [`Player::execute`] only queues. A zap leaves every group that is
//! neither live nor hot before it joins one, so the joined groups never exceed what the core's hot
//! set and the live channel need.
//!
//! Zap paths: *hot* when the channel's tap already holds a keyframe (the pipeline starts from the
//! cached GOP at once and runs behind live by that keyframe's age), *cold* when the group is joined
//! now or its tap has no keyframe yet (the picture waits for the next keyframe), *ott* for HLS, DASH
//! and HTTP.
//!
//! Rebuilding the pipeline per zap, not keeping the decoder: on a hot zap (`bench zap`, 1 s GOP,
//! software decode, debug build under load) key to first frame is 26 ms at p50, of which building and
//! starting the pipeline is 6 ms (`RUST_LOG=zapbox::player=debug`: "started in"); the other 20 ms are
//! autoplugging, decoding the cached keyframe and the first render, which a kept decoder would still
//! pay. Flushing one `appsrc`/`decodebin3` across channels instead sends every zap through
//! `decodebin3`'s stream-collection reconfiguration, the path where 1.22 already gets stuck now and
//! then (see the core's first-picture watchdog), for at most those 6 ms plus autoplugging. A fresh
//! pipeline also frees everything of the old channel (buffers, demuxer state, the decoder's
//! reference frames) at once on the janitor thread, which keeps memory flat over hundreds of zaps.

mod bus;
mod dash_subtitles;
pub mod decoders;
mod engine;
mod hls_input;
mod hls_subtitles;
mod ingest;
mod janitor;
pub mod output;
pub mod pipeline;
mod progress;
pub mod record;
mod record_hls;
mod record_ott;
pub mod reverse;
mod session;
pub mod spill;
mod subtitles;
mod text_fetch;
pub mod timeshift;

pub use ingest::{HOT_SILENCE, Recording, STALL_AFTER};
pub use output::{AudioTap, FrameCallback, Outputs, VideoFrame, VideoOutput};
pub use pipeline::Decoder;
pub use spill::DiskSettings;
pub use timeshift::TimeshiftSettings;

use crate::core::{PlayerCommand, PlayerEvent};
use crate::lineup::{ChannelKey, Source};
use engine::{Engine, Message};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

/// Where the player reports what it observes (called from GStreamer and receive threads).
pub type EventSink = Arc<dyn Fn(PlayerEvent) + Send + Sync>;

/// How the player is set up (from the board profile and the config).
#[derive(Debug, Clone)]
pub struct PlayerConfig {
    pub outputs: Outputs,
    /// Interface address for multicast joins; `None` lets the routing table decide.
    pub multicast_interface: Option<Ipv4Addr>,
    /// Decoder rank overrides (`v4l2h264dec` up, `avdec_h264` down, ...).
    pub decoder_ranks: BTreeMap<String, i32>,
    /// How much of the live channel its tap keeps for pause and rewind.
    pub timeshift: TimeshiftSettings,
}

impl PlayerConfig {
    /// These outputs, the routing table's interface and the registry's decoder ranks.
    pub fn plain(outputs: Outputs) -> Self {
        Self {
            outputs,
            multicast_interface: None,
            decoder_ranks: BTreeMap::new(),
            timeshift: TimeshiftSettings::default(),
        }
    }
}

/// The player: a handle to the player thread. Every method returns at once.
pub struct Player {
    queue: mpsc::Sender<Message>,
    thread: Option<JoinHandle<()>>,
    decoder: Arc<Mutex<Option<Decoder>>>,
}

impl Player {
    /// Initialises GStreamer, applies the decoder ranks and starts the player thread.
    pub fn new(config: PlayerConfig, events: EventSink) -> Result<Self, gstreamer::glib::Error> {
        gstreamer::init()?;
        for missing in decoders::apply_ranks(&config.decoder_ranks) {
            log::info!("decoder {missing} named in the board profile is not installed");
        }
        let (queue, commands) = mpsc::channel();
        let decoder = Arc::new(Mutex::new(None));
        let engine = Engine::new(config, events, decoder.clone(), queue.clone()).map_err(thread_error)?;
        let thread = std::thread::Builder::new()
            .name("player".into())
            .spawn(move || engine.run(commands))
            .map_err(thread_error)?;
        Ok(Self {
            queue,
            thread: Some(thread),
            decoder,
        })
    }

    /// Queues one command from the core for the player thread.
    pub fn execute(&self, command: PlayerCommand) {
        if self.queue.send(Message::Command(command)).is_err() {
            log::error!("the player thread has ended; command dropped");
        }
    }

    /// Waits until the player thread has carried out every command queued before (tests and
    /// benchmarks that read the joined groups; never the UI loop). False on timeout.
    pub fn sync(&self, timeout: Duration) -> bool {
        let (done, wait) = mpsc::sync_channel(1);
        self.queue.send(Message::Sync(done)).is_ok() && wait.recv_timeout(timeout).is_ok()
    }

    /// A handle that can start and end recordings from another thread.
    pub fn recorder_handle(&self) -> RecorderHandle {
        RecorderHandle {
            queue: self.queue.clone(),
        }
    }

    /// The decoder of the current session, once known.
    pub fn decoder(&self) -> Option<Decoder> {
        self.decoder.lock().ok().and_then(|d| d.clone())
    }
}

/// What a recording thread holds of the player: it asks for a tap's chunks and gives the tap
/// back, through the player thread's queue (the player thread owns the taps).
#[derive(Clone)]
pub struct RecorderHandle {
    queue: mpsc::Sender<Message>,
}

impl RecorderHandle {
    /// Starts a recording on `channel`'s tap from `behind` live (as far as the RAM window holds
    /// it): the tap the picture or a hot channel reads when joined, else a new join kept until
    /// [`RecorderHandle::unrecord`]. Waits for the player thread's answer (at most `wait`): call
    /// it on the recording's thread, never the UI's. Returns the chunks and how far behind live
    /// they start.
    pub fn record(
        &self,
        id: u64,
        channel: ChannelKey,
        source: Source,
        behind: Duration,
        wait: Duration,
    ) -> Result<(Recording, Duration), crate::core::PlayerError> {
        let (reply, answer) = mpsc::channel();
        let message = Message::Record {
            id,
            channel,
            source: Box::new(source),
            behind,
            reply,
        };
        let gone = || crate::core::PlayerError {
            kind: crate::core::ErrorKind::Network,
            detail: "the player thread did not answer".into(),
        };
        self.queue.send(message).map_err(|_| gone())?;
        answer.recv_timeout(wait).map_err(|_| gone())?
    }

    /// The recording `id` ended.
    pub fn unrecord(&self, id: u64) {
        let _ = self.queue.send(Message::Unrecord { id });
    }
}

impl Drop for Player {
    /// Stops playback and leaves every group before the process goes on (at exit).
    fn drop(&mut self) {
        let _ = self.queue.send(Message::Quit);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn thread_error(e: std::io::Error) -> gstreamer::glib::Error {
    gstreamer::glib::Error::new(
        gstreamer::CoreError::Thread,
        &format!("starting the player thread: {e}"),
    )
}
