// SPDX-License-Identifier: GPL-3.0-or-later
//! A live HLS channel cut from a TS loop: segments start at keyframes, the playlist is a sliding
//! window computed from the clock, and each lap shifts timestamps like the multicast playout.

use super::playout::TsLoop;
use crate::mpegts::packet::{PCR_HZ, TS_PACKET_SIZE};
use std::time::Instant;

/// Segment length in seconds (two 1 s GOPs).
pub const SEGMENT_SECONDS: u64 = 2;
/// Segments listed in the live playlist.
const WINDOW: u64 = 4;

/// The HLS view of one looping channel.
pub struct HlsChannel {
    ts: std::sync::Arc<TsLoop>,
    /// Packet index where each segment of a lap starts.
    cuts: Vec<usize>,
    /// PAT and PMT packets prepended to every segment so each one decodes alone.
    tables: Vec<u8>,
    started: Instant,
}

impl HlsChannel {
    pub fn new(ts: std::sync::Arc<TsLoop>) -> Self {
        let per_segment = SEGMENT_SECONDS * PCR_HZ;
        let mut cuts = Vec::new();
        for index in ts.keyframe_indices() {
            let at = ts.due(0, index);
            if cuts.is_empty() || at >= cuts.len() as u64 * per_segment {
                cuts.push(index);
            }
        }
        let tables = ts.tables();
        Self {
            ts,
            cuts,
            tables,
            // Pretend the channel went on air a window ago, so the first playlist is full.
            started: Instant::now() - std::time::Duration::from_secs(WINDOW * SEGMENT_SECONDS),
        }
    }

    /// The live media playlist now.
    pub fn playlist(&self) -> String {
        let produced = self.started.elapsed().as_secs() / SEGMENT_SECONDS;
        let first = produced.saturating_sub(WINDOW);
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}\n#EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        for k in first..produced {
            text.push_str(&format!("#EXTINF:{SEGMENT_SECONDS}.000,\nseg-{k}.ts\n"));
        }
        text
    }

    /// Segment `k` of the endless stream, or `None` when it is not produced yet.
    pub fn segment(&self, k: u64) -> Option<Vec<u8>> {
        let produced = self.started.elapsed().as_secs() / SEGMENT_SECONDS;
        if k >= produced || self.cuts.is_empty() {
            return None;
        }
        let per_lap = self.cuts.len() as u64;
        let (lap, j) = (k / per_lap, (k % per_lap) as usize);
        let from = self.cuts[j];
        let to = self.cuts.get(j + 1).copied().unwrap_or(self.ts.len());
        let mut out = Vec::with_capacity(self.tables.len() + (to - from) * TS_PACKET_SIZE);
        out.extend_from_slice(&self.tables);
        for i in from..to {
            out.extend_from_slice(&self.ts.packet(lap, i));
        }
        Some(out)
    }
}
