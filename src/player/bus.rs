// SPDX-License-Identifier: GPL-3.0-or-later
//! GStreamer bus messages become typed player events at this border (nothing else reads the bus).
//! Slint's event loop is not a GLib main loop, so messages are taken with a sync handler on the
//! streaming threads and forwarded as values.

use super::EventSink;
use crate::core::{AudioTrack, ErrorKind, PlayerError, PlayerEvent, RequestId};
use gstreamer as gst;
use gstreamer::prelude::*;
use std::sync::{Arc, Mutex};

/// The latest stream collection of a pipeline (to build stream selections from).
pub type CollectionSlot = Arc<Mutex<Option<gst::StreamCollection>>>;

/// Forwards errors, the end of stream and the audio tracks of `pipeline` as events for `request`;
/// drops everything else.
/// The output branches no selected stream feeds are taken out.
pub fn forward(pipeline: &gst::Pipeline, request: RequestId, events: EventSink, collection: CollectionSlot) {
    let Some(bus) = pipeline.bus() else { return };
    let weak = pipeline.downgrade();
    bus.set_sync_handler(move |_, message| {
        match message.view() {
            gst::MessageView::StreamCollection(m) => {
                let c = m.stream_collection();
                let audio = audio_tracks(c.iter());
                if let Ok(mut slot) = collection.lock() {
                    *slot = Some(c);
                }
                events(PlayerEvent::Tracks {
                    request,
                    audio,
                    selected: None,
                });
            }
            gst::MessageView::StreamsSelected(m) => {
                if let Some(pipeline) = weak.upgrade() {
                    let streams: Vec<gst::Stream> = m.streams().collect();
                    super::pipeline::drop_unselected_branches(&pipeline, &streams);
                }
                let audio = collection
                    .lock()
                    .ok()
                    .and_then(|c| c.as_ref().map(|c| audio_tracks(c.iter())));
                let selected = audio_tracks(m.streams()).into_iter().next().map(|t| t.id);
                events(PlayerEvent::Tracks {
                    request,
                    audio: audio.unwrap_or_default(),
                    selected,
                });
            }
            _ => {
                if let Some(error) = translate(message) {
                    events(PlayerEvent::Failed { request, error });
                }
            }
        }
        gst::BusSyncReply::Drop
    });
}

/// The audio streams among `streams`, with their language tags.
fn audio_tracks(streams: impl Iterator<Item = gst::Stream>) -> Vec<AudioTrack> {
    streams
        .filter(|s| s.stream_type().contains(gst::StreamType::AUDIO))
        .filter_map(|s| {
            let language = s
                .tags()
                .and_then(|t| t.get::<gst::tags::LanguageCode>().map(|v| v.get().to_string()));
            Some(AudioTrack {
                id: s.stream_id()?.to_string(),
                language,
            })
        })
        .collect()
}

/// The failure a bus message means, if any.
fn translate(message: &gst::Message) -> Option<PlayerError> {
    use gst::MessageView;
    match message.view() {
        MessageView::Error(e) => {
            let detail = match e.debug() {
                Some(debug) => format!("{} ({debug})", e.error()),
                None => e.error().to_string(),
            };
            log::warn!(
                "pipeline error from {:?}: {detail}",
                message.src().map(|s| s.path_string())
            );
            Some(PlayerError {
                kind: classify(&e.error()),
                detail: e.error().to_string(),
            })
        }
        // A live channel does not end: the server closed or the playlist ended; treat as a network fault.
        MessageView::Eos(_) => Some(PlayerError {
            kind: ErrorKind::Network,
            detail: "the stream ended".to_string(),
        }),
        MessageView::Warning(w) => {
            log::warn!("pipeline warning: {} ({:?})", w.error(), w.debug());
            None
        }
        _ => None,
    }
}

/// Sorts GStreamer's error domains into what the core reasons about.
pub fn classify(error: &gst::glib::Error) -> ErrorKind {
    use gst::{CoreError, ResourceError, StreamError};
    if error.matches(StreamError::CodecNotFound)
        || error.matches(StreamError::TypeNotFound)
        || error.matches(CoreError::MissingPlugin)
        || error.matches(StreamError::Decrypt)
        || error.matches(StreamError::DecryptNokey)
    {
        ErrorKind::Unsupported
    } else if error.matches(ResourceError::NotFound)
        || error.matches(ResourceError::OpenRead)
        // rtspsrc's "could not connect to server" (its control connection is read and write).
        || error.matches(ResourceError::OpenReadWrite)
        || error.matches(ResourceError::Read)
        || error.matches(ResourceError::Busy)
        || error.matches(ResourceError::NotAuthorized)
    {
        ErrorKind::Network
    } else {
        ErrorKind::Stream
    }
}
