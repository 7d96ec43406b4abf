// SPDX-License-Identifier: GPL-3.0-or-later
//! GStreamer bus messages become typed player events at this border (nothing else reads the bus).
//! Slint's event loop is not a GLib main loop, so messages are taken with a sync handler on the
//! streaming threads and forwarded as values.

use super::EventSink;
use crate::core::{ErrorKind, PlayerError, PlayerEvent, RequestId};
use gstreamer as gst;
use gstreamer::prelude::*;

/// Forwards errors and the end of stream of `pipeline` as events for `request`; drops everything else.
pub fn forward(pipeline: &gst::Pipeline, request: RequestId, events: EventSink) {
    let Some(bus) = pipeline.bus() else { return };
    bus.set_sync_handler(move |_, message| {
        if let Some(error) = translate(message) {
            events(PlayerEvent::Failed { request, error });
        }
        gst::BusSyncReply::Drop
    });
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
        || error.matches(ResourceError::Read)
        || error.matches(ResourceError::Busy)
        || error.matches(ResourceError::NotAuthorized)
    {
        ErrorKind::Network
    } else {
        ErrorKind::Stream
    }
}
