// SPDX-License-Identifier: GPL-3.0-or-later
//! The GStreamer player adapter: executes the core's [`PlayerCommand`]s and reports
//! [`PlayerEvent`]s. It decides nothing about channels; the core does.
//!
//! ```text
//!  PlayerCommand::Play ─> Session::start ─┬─ multicast/RTP: Membership::join ─> Receiver thread
//!                                         │     socket ─> RTP strip/reorder ─> TsRing ─> appsrc
//!                                         │                                       (from last keyframe)
//!                                         └─ HLS/DASH/HTTP: uridecodebin3
//!                          pipeline: source ─> decodebin3 (decoders by rank) ─> video branch (texture|overlay)
//!                                                                           └─> audio branch (volume)
//!  bus (sync handler) ─> PlayerEvent::Failed     first frame at the sink ─> PlayerEvent::FirstFrame
//!  Receiver: no datagram for 2 s ─> Stalled, data again ─> Resumed
//! ```
//! A zap drops the old session (leaving its group, stopping its pipeline) before the new one joins,
//! so exactly one group is joined after every zap.

mod bus;
pub mod decoders;
pub mod output;
pub mod pipeline;
mod receiver;
mod session;

pub use output::{FrameCallback, Outputs, VideoFrame, VideoOutput};
pub use pipeline::Decoder;
pub use receiver::STALL_AFTER;

use crate::core::{PlayerCommand, PlayerEvent};
use session::Session;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

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
}

impl PlayerConfig {
    /// These outputs, the routing table's interface and the registry's decoder ranks.
    pub fn plain(outputs: Outputs) -> Self {
        Self {
            outputs,
            multicast_interface: None,
            decoder_ranks: BTreeMap::new(),
        }
    }
}

/// The player; lives on the dispatch thread.
pub struct Player {
    config: PlayerConfig,
    events: EventSink,
    session: Option<Session>,
    volume: f64,
    muted: bool,
}

impl Player {
    /// Initialises GStreamer and applies the decoder ranks.
    pub fn new(config: PlayerConfig, events: EventSink) -> Result<Self, gstreamer::glib::Error> {
        gstreamer::init()?;
        for missing in decoders::apply_ranks(&config.decoder_ranks) {
            log::info!("decoder {missing} named in the board profile is not installed");
        }
        Ok(Self {
            config,
            events,
            session: None,
            volume: 1.0,
            muted: false,
        })
    }

    /// Executes one command from the core.
    pub fn execute(&mut self, command: PlayerCommand) {
        match command {
            PlayerCommand::Play { request, source, .. } => {
                // Leave the old group before joining the new one.
                self.session = None;
                let started = Session::start(
                    request,
                    &source,
                    &self.config.outputs,
                    self.config.multicast_interface,
                    &self.events,
                );
                match started {
                    Ok(session) => {
                        session.set_volume(self.volume, self.muted);
                        self.session = Some(session);
                    }
                    Err(error) => (self.events)(PlayerEvent::Failed { request, error }),
                }
            }
            PlayerCommand::SelectAudio { request, track } => {
                if let Some(session) = self.session.as_ref().filter(|s| s.request == request) {
                    session.select_audio(&track);
                }
            }
            PlayerCommand::Stop => self.session = None,
            PlayerCommand::SetVolume { percent } => {
                self.volume = f64::from(percent.min(100)) / 100.0;
                self.apply_volume();
            }
            PlayerCommand::SetMute { muted } => {
                self.muted = muted;
                self.apply_volume();
            }
        }
    }

    /// The decoder of the current session, once known.
    pub fn decoder(&self) -> Option<Decoder> {
        self.session.as_ref().and_then(Session::decoder)
    }

    fn apply_volume(&self) {
        if let Some(session) = &self.session {
            session.set_volume(self.volume, self.muted);
        }
    }
}
