// SPDX-License-Identifier: GPL-3.0-or-later
//! Recording an HLS channel whose segments are MPEG-TS: GStreamer's `hlsdemux` fetches the
//! playlist and the segments at the playlist's pace and hands over their bytes, which are
//! already a transport stream; they go to the recorder as the chunks a multicast tap would give
//! it, so the segment files, the sidecar, the gaps, `--resume` and the full-disk handling are
//! the same code.
//!
//! ```text
//!  souphttpsrc (playlist) ─> hlsdemux ─(video/mpegts)─> queue ─> appsink ─chunks─> recorder
//! ```
//!
//! Why not `parsebin ! mpegtsmux` (the first attempt): that stalled before its first chunk.
//! `mpegtsmux` is an aggregator that waits for data on every sink pad it has, and `parsebin`
//! adds its pads one by one as it discovers the streams, each request pad linked after the
//! aggregator had started; the H.264 stream also came as AVC (a second `h264parse` was needed
//! to make Annex B), and until every pad had caps and a buffer nothing left the muxer. For
//! segments that are TS already (the demo's and most IPTV origins') remuxing is not needed at
//! all: the segments start at keyframes with their own PAT/PMT, so their bytes in order are a
//! playable transport stream with every PID the origin packaged. Segments in other containers
//! (fMP4, packed audio) are refused by name for now.
//!
//! The appsink never blocks the pipeline on the disk: a full queue drops the chunk and counts
//! it, as the tap does. The playlist's user agent, referrer and headers go to `souphttpsrc`.

use super::ingest::Recording;
use crate::lineup::Source;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// Chunks queued for the writer before new ones are dropped (as the tap's recorders).
const QUEUE: usize = 8192;

/// Whole 188-byte packets from `sink` into a bounded queue the recorder drains; what does not
/// fit is counted in the returned counter rather than blocking the pipeline (a full disk or a
/// slow writer must not stall the download).
pub(super) fn whole_packets(sink: &gst_app::AppSink) -> (mpsc::Receiver<Vec<u8>>, Arc<AtomicU64>) {
    let (chunks, receiver) = mpsc::sync_channel::<Vec<u8>>(QUEUE);
    let dropped = Arc::new(AtomicU64::new(0));
    let lost = dropped.clone();
    let mut packets = Packets::default();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                if let Some(map) = sample.buffer().and_then(|b| b.map_readable().ok()) {
                    let whole = packets.push(map.as_slice());
                    if whole.is_empty() {
                        return Ok(gst::FlowSuccess::Ok);
                    }
                    match chunks.try_send(whole) {
                        Ok(()) => {}
                        Err(mpsc::TrySendError::Full(_)) => {
                            lost.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(mpsc::TrySendError::Disconnected(_)) => return Err(gst::FlowError::Eos),
                    }
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    (receiver, dropped)
}

/// The segments' bytes cut into whole 188-byte packets: the demuxer's buffers need not end on
/// a packet, and a segment may begin or end with a torn one; the recorder writes whole packets
/// only, starting at a sync byte.
#[derive(Default)]
pub(super) struct Packets {
    rest: Vec<u8>,
}

impl Packets {
    const SIZE: usize = 188;

    /// The whole packets `bytes` completes; the tail waits for the next buffer.
    pub(super) fn push(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.rest.extend_from_slice(bytes);
        let mut out = Vec::with_capacity(self.rest.len());
        let mut at = 0;
        while at + Self::SIZE < self.rest.len() {
            // A packet is whole when the next one starts right after it: the last one waits
            // for the next buffer (a recording loses at most its final packet).
            let synced = self.rest[at] == 0x47 && self.rest.get(at + Self::SIZE) == Some(&0x47);
            if synced {
                out.extend_from_slice(&self.rest[at..at + Self::SIZE]);
                at += Self::SIZE;
            } else {
                // Lost sync (a torn packet at a segment boundary): find the next sync byte.
                at += 1;
            }
        }
        self.rest.drain(..at);
        out
    }
}

/// The running pipeline; stopped when dropped.
pub struct HlsRecording {
    pipeline: gst::Pipeline,
}

impl Drop for HlsRecording {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Starts fetching `source` (an HLS playlist of TS segments); the TS arrives on the returned
/// [`Recording`].
pub fn start(source: &Source) -> Result<(HlsRecording, Recording), String> {
    gst::init().map_err(|e| e.to_string())?;
    let queue = gst::ElementFactory::make("queue")
        .build()
        .map_err(|_| "the GStreamer element queue is missing".to_string())?;
    let sink = gst_app::AppSink::builder().sync(false).build();
    let pipeline = ts_segments(source, "hls recording", &queue)?;
    pipeline.add(&sink).map_err(|e| e.to_string())?;
    queue.link(&sink).map_err(|e| e.to_string())?;
    let (receiver, dropped) = whole_packets(&sink);
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| format!("the HLS recording pipeline does not start: {e}"))?;
    Ok((
        HlsRecording { pipeline },
        Recording {
            chunks: receiver,
            dropped,
        },
    ))
}

/// A pipeline that fetches `source` (an HLS playlist) with `souphttpsrc` (the playlist's user
/// agent, referrer and headers) and `hlsdemux`, and links the first rendition's pad to `first`
/// (added to the pipeline here; the caller adds and links what follows it) when its segments are
/// MPEG-TS. Other containers are logged under `purpose` and left unlinked. Shared by the HLS
/// recorder and the HLS timeshift window (`hls_input`).
pub(super) fn ts_segments(
    source: &Source,
    purpose: &'static str,
    first: &gst::Element,
) -> Result<gst::Pipeline, String> {
    let src = gst::ElementFactory::make("souphttpsrc")
        .property("location", &source.url)
        .build()
        .map_err(|_| "the GStreamer element souphttpsrc is missing".to_string())?;
    if let Some(ua) = &source.user_agent {
        src.set_property("user-agent", ua);
    }
    let headers = super::pipeline::extra_headers(source);
    if headers.n_fields() > 0 {
        src.set_property("extra-headers", &headers);
    }
    let demux = gst::ElementFactory::make("hlsdemux")
        .build()
        .map_err(|_| "the GStreamer element hlsdemux is missing".to_string())?;
    let pipeline = gst::Pipeline::new();
    pipeline
        .add_many([&src, &demux, first])
        .map_err(|e| e.to_string())?;
    src.link(&demux).map_err(|e| e.to_string())?;
    if let Some(pad) = demux.static_pad("sink") {
        super::hls_subtitles::hide_subtitle_renditions(&pad);
    }
    let first_sink = first
        .static_pad("sink")
        .ok_or_else(|| format!("{purpose}: {} has no sink pad", first.name()))?;
    demux.connect_pad_added(move |_, pad| {
        // One rendition: the first pad; alternates stay unlinked.
        if first_sink.is_linked() {
            return;
        }
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        if caps.structure(0).is_none_or(|s| s.name() != "video/mpegts") {
            log::warn!("{purpose}: segments are {caps}, not MPEG-TS: not kept");
            return;
        }
        if let Err(e) = pad.link(&first_sink) {
            log::warn!("{purpose}: cannot link {}: {e:?}", pad.name());
        }
    });
    Ok(pipeline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_become_whole_packets_and_torn_ones_are_skipped() {
        let packet = |n: u8| {
            let mut p = vec![n; 188];
            p[0] = 0x47;
            p
        };
        let mut stream = packet(1);
        stream.extend_from_slice(&[0x47, 9, 9, 9]); // a torn packet at a segment's end
        stream.extend(packet(2));
        stream.extend(packet(3));
        let mut cut = Packets::default();
        let mut out = cut.push(&stream[..100]);
        out.extend(cut.push(&stream[100..300]));
        out.extend(cut.push(&stream[300..]));
        assert_eq!(out.len() % 188, 0);
        let firsts: Vec<u8> = out.chunks(188).map(|p| p[1]).collect();
        assert_eq!(firsts, [1, 2], "the last waits for the byte after it: {firsts:?}");
        assert!(out.chunks(188).all(|p| p[0] == 0x47));
    }
}
