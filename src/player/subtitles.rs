// SPDX-License-Identifier: GPL-3.0-or-later
//! Subtitles of a multicast channel, taken from the bytes the tap feeds the pipeline: the
//! subtitle tracks of the PMT (reported when the PMT changes) and, for the teletext track the
//! core chose, the packets of its PID through the pure teletext decoder, each page turned into
//! lines for the core. Pages are reported as they arrive, which is as soon as the picture they
//! belong to within the decoder's latency; DVB bitmap subtitles and captions are not drawn yet.

use crate::core::{PlayerEvent, RequestId, SubtitleLine, SubtitleTrack};
use crate::mpegts::subtitles::{SubtitleCarriage, SubtitleTrack as StreamTrack};
use crate::mpegts::teletext::{PageFilter, TeletextDecoder};
use crate::mpegts::{Pmt, TS_PACKET_SIZE, TsPacket};

/// Per consumer: the tracks reported and the decoder of the chosen teletext page.
#[derive(Debug, Default)]
pub struct SubtitleFeed {
    /// (program, version) of the PMT the tracks were last reported from.
    reported_pmt: Option<(u16, u8)>,
    tracks: Vec<StreamTrack>,
    decoder: Option<(u16, TeletextDecoder)>,
    /// Text to send to the core (the latest page wins).
    pending: Option<Vec<SubtitleLine>>,
}

impl SubtitleFeed {
    /// The tracks to report when `pmt` is new.
    pub fn tracks_event(&mut self, request: RequestId, pmt: Option<&Pmt>) -> Option<PlayerEvent> {
        let pmt = pmt?;
        let version = (pmt.program_number, pmt.version);
        if self.reported_pmt == Some(version) {
            return None;
        }
        self.reported_pmt = Some(version);
        self.tracks = pmt.subtitle_tracks();
        let tracks = self.tracks.iter().map(SubtitleTrack::from_stream).collect();
        Some(PlayerEvent::SubtitleTracks { request, tracks })
    }

    /// Shows `track` (an id the core got from `tracks_event`), or nothing; clears the text.
    pub fn select(&mut self, track: Option<&SubtitleTrack>) {
        let chosen = track.and_then(|t| {
            self.tracks
                .iter()
                .find(|s| SubtitleTrack::from_stream(s).id == t.id)
        });
        self.decoder = match chosen.map(|t| (t.pid, t.carriage)) {
            Some((pid, SubtitleCarriage::Teletext { page })) => {
                Some((pid, TeletextDecoder::new(PageFilter::Only(page))))
            }
            Some((_, carriage)) => {
                log::info!("subtitles {carriage:?} are not drawn yet");
                None
            }
            None => None,
        };
        self.pending = Some(Vec::new());
    }

    /// Scans packets on their way to the pipeline for the chosen teletext PID.
    pub fn scan(&mut self, packets: &[u8]) {
        let Some((pid, decoder)) = self.decoder.as_mut() else {
            return;
        };
        let pending = &mut self.pending;
        for raw in packets.chunks_exact(TS_PACKET_SIZE) {
            let Some(packet) = TsPacket::new(raw).filter(|p| p.pid() == *pid) else {
                continue;
            };
            decoder.push_packet(&packet, &mut |page| {
                *pending = Some(SubtitleLine::from_teletext(page));
            });
        }
    }

    /// The text to send, if a page arrived since the last call.
    pub fn text_event(&mut self, request: RequestId) -> Option<PlayerEvent> {
        let lines = self.pending.take()?;
        Some(PlayerEvent::SubtitleText { request, lines })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::program::ProgramTracker;

    /// test-012.ts as the tap feeds it: the PMT's tracks reported, page 889 chosen, its pages
    /// become text events with the capture's subtitles.
    #[test]
    fn the_real_capture_reports_tracks_and_teletext_text() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/ts/tsduck/test-012.ts"
        );
        let Ok(data) = std::fs::read(path) else {
            eprintln!("SKIPPED: corpus file {path} not available");
            return;
        };
        let request = RequestId(7);
        let mut feed = SubtitleFeed::default();
        let mut tracker = ProgramTracker::new(None);
        let mut texts: Vec<String> = Vec::new();
        let mut reported = None;
        // The tap feeds the pipeline in chunks of several packets.
        for chunk in data.chunks(7 * TS_PACKET_SIZE) {
            for raw in chunk.chunks_exact(TS_PACKET_SIZE) {
                tracker.observe(&TsPacket::new(raw).expect("aligned capture"));
            }
            if let Some(PlayerEvent::SubtitleTracks { tracks, .. }) =
                feed.tracks_event(request, tracker.pmt())
            {
                let chosen = tracks.iter().find(|t| t.id.ends_with("889")).cloned();
                feed.select(chosen.as_ref());
                reported = Some(tracks);
            }
            feed.scan(chunk);
            if let Some(PlayerEvent::SubtitleText { lines, .. }) = feed.text_event(request) {
                let text: Vec<String> = lines.iter().map(SubtitleLine::text).collect();
                let text = text.join("\n");
                if !text.is_empty() && texts.last() != Some(&text) {
                    texts.push(text);
                }
            }
        }
        let ids: Vec<String> = reported
            .expect("tracks reported")
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, ["teletext:1068:888", "teletext:1068:889"]);
        assert_eq!(texts.len(), 9);
        assert_eq!(
            texts[0],
            "Un train met dix secondes\npour dépasser un point donné."
        );
    }
}
