// SPDX-License-Identifier: GPL-3.0-or-later
//! One tune request on air: its pipeline and, for multicast, its receive thread. Dropping a session
//! leaves the multicast group first, then stops the pipeline.

use super::EventSink;
use super::output::Outputs;
use super::pipeline::{self, Decoder, Input};
use super::receiver::{Receiver, ReceiverSetup};
use crate::core::{ErrorKind, PlayerError, PlayerEvent, RequestId};
use crate::lineup::{Source, SourceKind};
use crate::net::multicast::Membership;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A playing (or starting) request.
pub struct Session {
    pub request: RequestId,
    // Field order is drop order: the receiver (and its group membership) goes before the pipeline.
    receiver: Option<Receiver>,
    pipeline: gst::Pipeline,
    decodebin: gst::Element,
    decoder: Arc<Mutex<Option<Decoder>>>,
    collection: super::bus::CollectionSlot,
}

impl Session {
    /// Builds and starts the pipeline for `source`; joins the group for multicast sources.
    pub fn start(
        request: RequestId,
        source: &Source,
        outputs: &Outputs,
        interface: Option<Ipv4Addr>,
        events: &EventSink,
    ) -> Result<Self, PlayerError> {
        // Join first: the group's packets queue in the socket while the pipeline is built.
        let membership = match source.kind {
            SourceKind::Multicast | SourceKind::Rtp => {
                let group = source
                    .multicast
                    .as_ref()
                    .ok_or_else(|| unsupported("a multicast source without a group"))?;
                Some((
                    Membership::join(group, interface).map_err(network)?,
                    Instant::now(),
                ))
            }
            SourceKind::Hls | SourceKind::Dash | SourceKind::Http | SourceKind::Rtsp | SourceKind::Rtmp => {
                None
            }
        };
        let decoder = Arc::new(Mutex::new(None));
        let first_frame = first_frame_reporter(request, decoder.clone(), events.clone());
        let input = if membership.is_some() {
            Input::Ts
        } else {
            Input::Uri(source)
        };
        let built = pipeline::build(input, outputs, decoder.clone(), first_frame)?;
        let collection = super::bus::CollectionSlot::default();
        super::bus::forward(&built.pipeline, request, events.clone(), collection.clone());
        let receiver = match (membership, &built.appsrc) {
            (Some((membership, joined)), Some(appsrc)) => {
                let setup = ReceiverSetup {
                    membership,
                    program: source.program,
                    appsrc: appsrc.clone(),
                    request,
                    events: events.clone(),
                    joined,
                };
                Some(Receiver::start(setup).map_err(network)?)
            }
            _ => None,
        };
        built
            .pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| PlayerError {
                kind: ErrorKind::Stream,
                detail: format!("the pipeline does not start: {e}"),
            })?;
        Ok(Self {
            request,
            receiver,
            pipeline: built.pipeline,
            decodebin: built.decodebin,
            decoder,
            collection,
        })
    }

    /// The decoder picked for this session, once known.
    pub fn decoder(&self) -> Option<Decoder> {
        self.decoder.lock().ok().and_then(|d| d.clone())
    }

    /// Switches to audio stream `track`, keeping the video stream(s).
    pub fn select_audio(&self, track: &str) {
        let Some(collection) = self.collection.lock().ok().and_then(|c| c.clone()) else {
            log::warn!("no stream collection yet; cannot select audio track {track}");
            return;
        };
        let mut ids: Vec<String> = collection
            .iter()
            .filter(|s| s.stream_type().contains(gst::StreamType::VIDEO))
            .filter_map(|s| s.stream_id().map(|id| id.to_string()))
            .take(1)
            .collect();
        ids.push(track.to_string());
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        if !self
            .decodebin
            .send_event(gst::event::SelectStreams::new(ids.iter().copied()))
        {
            log::warn!("the decoder did not accept the selection of audio track {track}");
        }
    }

    /// Sets volume (0.0..=1.0) and mute on the audio branch.
    pub fn set_volume(&self, volume: f64, muted: bool) {
        if let Some(element) = self.pipeline.by_name("volume") {
            element.set_property("volume", volume);
            element.set_property("mute", muted);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Reports `FirstFrame` once per request, with the decoder known by then.
fn first_frame_reporter(
    request: RequestId,
    decoder: Arc<Mutex<Option<Decoder>>>,
    events: EventSink,
) -> Arc<dyn Fn() + Send + Sync> {
    let reported = AtomicBool::new(false);
    let created = Instant::now();
    Arc::new(move || {
        if !reported.swap(true, Ordering::SeqCst) {
            log::debug!(
                "first frame {} ms after the pipeline was built",
                created.elapsed().as_millis()
            );
            let decoder = decoder
                .lock()
                .ok()
                .and_then(|d| d.as_ref().map(|d| d.name.clone()));
            events(PlayerEvent::FirstFrame { request, decoder });
        }
    })
}

fn network(e: impl std::fmt::Display) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Network,
        detail: e.to_string(),
    }
}

fn unsupported(detail: &str) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Unsupported,
        detail: detail.to_string(),
    }
}
