// SPDX-License-Identifier: GPL-3.0-or-later
//! GStreamer bus messages become typed player events at this border (nothing else reads the bus).
//! Slint's event loop is not a GLib main loop, so messages are taken with a sync handler on the
//! streaming threads and forwarded as values.

use super::EventSink;
use crate::core::{AudioKind, AudioPreference, AudioTrack, ErrorKind, PlayerError, PlayerEvent, RequestId};
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

/// What [`forward`] needs besides the pipeline.
pub struct Forward {
    pub request: RequestId,
    pub events: EventSink,
    pub collection: CollectionSlot,
    pub kinds: Arc<AudioKinds>,
}

/// Forwards errors, the end of stream and the audio tracks of `pipeline` as events for `request`;
/// drops everything else.
/// The output branches no selected stream feeds are taken out.
pub fn forward(pipeline: &gst::Pipeline, forward: Forward) {
    let Forward {
        request,
        events,
        collection,
        kinds,
    } = forward;
    let Some(bus) = pipeline.bus() else { return };
    let weak = pipeline.downgrade();
    bus.set_sync_handler(move |_, message| {
        match message.view() {
            gst::MessageView::StreamCollection(m) => {
                let c = m.stream_collection();
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

/// Makes `decodebin` start with the preferred audio track instead of its default one, through
/// its `select-stream` signal: asked for each stream of a new collection while it makes its
/// first selection, so the sound starts in that track rather than switching to it (and a
/// short capture read whole before a switch could land still plays it). Answering the
/// collection message with a `select-streams` event instead would take the element's state
/// lock from a streaming thread, which deadlocks against a pipeline being stopped. Where the
/// signal is missing, the core's switch after the `Tracks` event remains.
pub fn prefer_audio(decodebin: &gst::Element, preference: Arc<AudioPreference>, kinds: Arc<AudioKinds>) {
    if gst::glib::subclass::signal::SignalId::lookup("select-stream", decodebin.type_()).is_none() {
        log::debug!(
            "{} has no select-stream signal: the audio preference is a switch",
            decodebin.name()
        );
        return;
    }
    decodebin.connect("select-stream", false, move |args| {
        // 1 selects, 0 leaves out, -1 lets decodebin3 decide.
        let answer = (|| {
            let collection = args.get(1)?.get::<gst::StreamCollection>().ok()?;
            let stream = args.get(2)?.get::<gst::Stream>().ok()?;
            if !stream.stream_type().contains(gst::StreamType::AUDIO) {
                return None;
            }
            let tracks = audio_tracks(collection.iter(), &kinds);
            let chosen = preference.pick(&tracks)?;
            Some(i32::from(
                stream.stream_id().is_some_and(|id| id.as_str() == chosen.id),
            ))
        })();
        Some(answer.unwrap_or(-1).to_value())
    });
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
