// SPDX-License-Identifier: GPL-3.0-or-later
//! GStreamer bus messages become typed player events at this border (nothing else reads the bus).
//! Slint's event loop is not a GLib main loop, so messages are taken with a sync handler on the
//! streaming threads and forwarded as values.

use super::EventSink;
use crate::core::{AudioKind, AudioTrack, ErrorKind, PlayerError, PlayerEvent, RequestId};
use gstreamer as gst;
use gstreamer::prelude::*;
use std::sync::{Arc, Mutex};

/// The latest stream collection of a pipeline (to build stream selections from).
pub type CollectionSlot = Arc<Mutex<Option<gst::StreamCollection>>>;

/// What each audio PID of the program is for, from its PMT (the tap learns it before the
/// demuxer sees the PMT; GStreamer's tags carry the language but not the audio type).
#[derive(Debug, Default)]
pub struct AudioKinds(Mutex<Vec<(u16, AudioKind)>>);

impl AudioKinds {
    /// The program's audio PIDs and their kinds, replacing the previous PMT's.
    pub fn learn(&self, kinds: Vec<(u16, AudioKind)>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = kinds;
        }
    }

    /// The kind of the stream `stream_id` names (`Main` when unknown).
    fn of(&self, stream_id: &str) -> AudioKind {
        let Some(pid) = ts_pid(stream_id) else {
            return AudioKind::Main;
        };
        let kinds = self.0.lock().map(|k| k.clone()).unwrap_or_default();
        kinds
            .iter()
            .find(|(p, _)| *p == pid)
            .map_or(AudioKind::Main, |(_, k)| *k)
    }
}

/// The PID in a stream id of GStreamer's `tsdemux` (`<upstream id>/00000044`: eight hex
/// digits after the last slash).
fn ts_pid(stream_id: &str) -> Option<u16> {
    let (_, tail) = stream_id.rsplit_once('/')?;
    (tail.len() == 8)
        .then(|| u32::from_str_radix(tail, 16).ok())?
        .and_then(|pid| u16::try_from(pid).ok())
        .filter(|pid| *pid < 0x2000)
}

/// Forwards errors, the end of stream and the audio tracks of `pipeline` as events for `request`;
/// drops everything else.
/// The output branches no selected stream feeds are taken out. A collection with subtitle
/// streams gets a selection without them, sent to `decodebin` (see [`without_text`]).
pub fn forward(
    pipeline: &gst::Pipeline,
    decodebin: &gst::Element,
    request: RequestId,
    events: EventSink,
    collection: CollectionSlot,
    kinds: Arc<AudioKinds>,
) {
    let Some(bus) = pipeline.bus() else { return };
    let weak = pipeline.downgrade();
    let decodebin = decodebin.downgrade();
    bus.set_sync_handler(move |_, message| {
        match message.view() {
            gst::MessageView::StreamCollection(m) => {
                let c = m.stream_collection();
                if let Some(ids) = without_text(&c) {
                    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                    // The adaptive demuxer takes it while it posts its collection, before it
                    // picks its default selection (which has the subtitles); decodebin3 once
                    // it knows the collection.
                    let demuxer = m
                        .src()
                        .and_then(|s| s.downcast_ref::<gst::Element>().cloned())
                        .filter(|e| e.factory().is_some_and(|f| f.name().ends_with("demux2")));
                    for element in demuxer.into_iter().chain(decodebin.upgrade()) {
                        if !element.send_event(gst::event::SelectStreams::new(ids.iter().copied())) {
                            log::debug!("{} refused the selection without subtitles", element.name());
                        }
                    }
                }
                let audio = audio_tracks(c.iter(), &kinds);
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
                    .and_then(|c| c.as_ref().map(|c| audio_tracks(c.iter(), &kinds)));
                let selected = audio_tracks(m.streams(), &kinds).into_iter().next().map(|t| t.id);
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

/// When `collection` has subtitle streams: the selection that leaves them out (the video and
/// audio streams flagged for selection, else the first of each kind). GStreamer's `hlsdemux2`
/// selects an HLS master playlist's subtitle rendition by default and downloads its segments;
/// the app draws subtitles itself and fetches a rendition only while the viewer shows it (see
/// `hls_subtitles`). Sent from the thread that posts the collection, before any download of
/// the default selection starts.
fn without_text(collection: &gst::StreamCollection) -> Option<Vec<String>> {
    let streams: Vec<gst::Stream> = collection.iter().collect();
    if !streams
        .iter()
        .any(|s| s.stream_type().contains(gst::StreamType::TEXT))
    {
        return None;
    }
    let mut ids = Vec::new();
    for kind in [gst::StreamType::VIDEO, gst::StreamType::AUDIO] {
        let of_kind: Vec<&gst::Stream> = streams
            .iter()
            .filter(|s| s.stream_type().contains(kind))
            .collect();
        let flagged = of_kind
            .iter()
            .find(|s| s.stream_flags().contains(gst::StreamFlags::SELECT))
            .or(of_kind.first());
        ids.extend(flagged.and_then(|s| s.stream_id()).map(|id| id.to_string()));
    }
    Some(ids)
}

/// The audio streams among `streams`, with their language tags and kinds.
fn audio_tracks(streams: impl Iterator<Item = gst::Stream>, kinds: &AudioKinds) -> Vec<AudioTrack> {
    streams
        .filter(|s| s.stream_type().contains(gst::StreamType::AUDIO))
        .filter_map(|s| {
            let language = s
                .tags()
                .and_then(|t| t.get::<gst::tags::LanguageCode>().map(|v| v.get().to_string()));
            let id = s.stream_id()?.to_string();
            Some(AudioTrack {
                kind: kinds.of(&id),
                id,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsdemux_stream_ids_name_their_pid_and_kind() {
        assert_eq!(ts_pid("d3b0e8c1a2f4/00000044"), Some(0x44));
        assert_eq!(ts_pid("x/0000ffff"), None, "beyond the 13-bit PID range");
        assert_eq!(ts_pid("x/44"), None);
        assert_eq!(ts_pid("no-slash"), None);
        let kinds = AudioKinds::default();
        kinds.learn(vec![(0x44, AudioKind::Main), (0x45, AudioKind::AudioDescription)]);
        assert_eq!(kinds.of("abc/00000045"), AudioKind::AudioDescription);
        assert_eq!(kinds.of("abc/00000044"), AudioKind::Main);
        assert_eq!(kinds.of("hls/audio"), AudioKind::Main);
    }
}
