// SPDX-License-Identifier: GPL-3.0-or-later
//! A live HLS channel cut from a TS loop: segments start at keyframes, the playlist is a sliding
//! window computed from the clock, and each lap shifts timestamps like the multicast playout.
//!
//! The origin has a fault switch ([`HlsFault`]) so tests can play the channel through the faults a
//! real origin shows: bursts of 404s, a playlist that stops updating, a restart that begins the
//! media sequence again at 0 (with timestamps from the start of the loop), and segments trickled at
//! a fraction of their bitrate.
//!
//! The channel is offered too through a master playlist with one English WebVTT subtitle rendition
//! (`EXT-X-MEDIA:TYPE=SUBTITLES`, not selected by default): one `.vtt` file per video segment,
//! the same media sequence numbers, each with an `X-TIMESTAMP-MAP` that ties its zero to the PTS
//! of its video segment's first picture, so the cues line up with the picture as a packager's
//! do. The subtitle requests are counted, so tests can see that a player fetches them only while
//! it shows them.

use super::playout::TsLoop;
use crate::mpegts::packet::{PCR_HZ, TS_PACKET_SIZE};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Segment length in seconds (two 1 s GOPs).
pub const SEGMENT_SECONDS: u64 = 2;
/// Segments listed in the live playlist.
const WINDOW: u64 = 4;

/// A fault of the HLS origin, switched on and off by tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HlsFault {
    /// Serves normally.
    #[default]
    None,
    /// The playlist and every segment answer 404.
    NotFound,
    /// The playlist stops updating and no new segment appears (a stalled packager). When the fault
    /// ends the origin is live again: the segments of the stall were never produced.
    Frozen,
    /// Segments are sent at this many bytes per second (the playlist at full speed).
    Slow { bytes_per_second: u32 },
}

/// The HLS view of one looping channel.
pub struct HlsChannel {
    ts: std::sync::Arc<TsLoop>,
    /// Packet index where each segment of a lap starts.
    cuts: Vec<usize>,
    /// PAT and PMT packets prepended to every segment so each one decodes alone.
    tables: Vec<u8>,
    /// PTS (90 kHz) of the first picture of each segment in lap 0.
    first_pts: Vec<u64>,
    state: Mutex<State>,
    /// Requests for the subtitle playlist and its segments.
    subtitle_requests: AtomicU64,
    /// How often each segment was asked for (tests count the downloads).
    asked: Mutex<std::collections::BTreeMap<u64, u32>>,
}

/// The master playlist: the video variant and its English subtitles.
const MASTER: &str = "#EXTM3U\n#EXT-X-VERSION:3\n\
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=NO,AUTOSELECT=NO,URI=\"subs-en.m3u8\"\n\
#EXT-X-STREAM-INF:BANDWIDTH=2000000,SUBTITLES=\"subs\"\nvideo.m3u8\n";

/// The cue of segment `k` (shown from 0.2 s to 1.8 s into it).
pub fn subtitle_cue(k: u64) -> String {
    format!("HLS subtitle {k}: the news in English")
}

struct State {
    /// When segment 0 began: the origin's clock.
    started: Instant,
    fault: HlsFault,
    /// While frozen: the number of segments produced when the playlist stopped.
    frozen_at: Option<u64>,
}

/// What the origin answers for a segment.
pub struct Segment {
    pub bytes: Vec<u8>,
    /// Send no faster than this (bytes per second), if set.
    pub pace: Option<u32>,
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
        let first_pts = cuts
            .iter()
            .enumerate()
            .map(|(j, &from)| {
                let to = cuts.get(j + 1).copied().unwrap_or(ts.len());
                first_video_pts(&ts, from, to)
            })
            .collect();
        Self {
            ts,
            cuts,
            tables,
            first_pts,
            subtitle_requests: AtomicU64::new(0),
            state: Mutex::new(State {
                // Pretend the channel went on air a window ago, so the first playlist is full.
                started: Instant::now() - Duration::from_secs(WINDOW * SEGMENT_SECONDS),
                fault: HlsFault::None,
                frozen_at: None,
            }),
            asked: Mutex::default(),
        }
    }

    /// How often each segment was asked for since the last call (media sequence, requests).
    pub fn take_requests(&self) -> Vec<(u64, u32)> {
        let mut asked = self
            .asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::take(&mut *asked).into_iter().collect()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Switches a fault on (or off with [`HlsFault::None`]).
    pub fn set_fault(&self, fault: HlsFault) {
        let mut state = self.state();
        state.frozen_at = match fault {
            HlsFault::Frozen => state.frozen_at.or(Some(produced(state.started))),
            _ => None,
        };
        state.fault = fault;
    }

    /// Restarts the origin: the media sequence begins again at 0 and the segments start from the
    /// beginning of the loop (timestamps jump back), as after a packager restart. The first new
    /// playlist lists one segment.
    pub fn restart(&self) {
        let mut state = self.state();
        state.started = Instant::now() - Duration::from_secs(SEGMENT_SECONDS);
        state.frozen_at = None;
    }

    /// The master playlist; `None` is a 404.
    pub fn master(&self) -> Option<String> {
        (self.state().fault != HlsFault::NotFound).then(|| MASTER.to_string())
    }

    /// The live media playlist now; `None` is a 404.
    pub fn playlist(&self) -> Option<String> {
        self.media_playlist("seg-", ".ts")
    }

    /// The subtitle rendition's live playlist: the same window, one `.vtt` per segment.
    pub fn subtitle_playlist(&self) -> Option<String> {
        self.subtitle_requests.fetch_add(1, Ordering::SeqCst);
        self.media_playlist("sub-", ".vtt")
    }

    fn media_playlist(&self, prefix: &str, suffix: &str) -> Option<String> {
        let state = self.state();
        if state.fault == HlsFault::NotFound {
            return None;
        }
        let produced = state.produced();
        let first = produced.saturating_sub(WINDOW);
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}\n#EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        for k in first..produced {
            text.push_str(&format!("#EXTINF:{SEGMENT_SECONDS}.000,\n{prefix}{k}{suffix}\n"));
        }
        Some(text)
    }

    /// The WebVTT file of segment `k`: its zero is the PTS of the segment's first picture, its
    /// one cue [`subtitle_cue`] from 0.2 s to 1.8 s. `None` (a 404) as for the segment.
    pub fn subtitle_segment(&self, k: u64) -> Option<String> {
        self.subtitle_requests.fetch_add(1, Ordering::SeqCst);
        let (produced, fault) = {
            let state = self.state();
            (state.produced(), state.fault)
        };
        if fault == HlsFault::NotFound || k >= produced || k + 2 * WINDOW < produced || self.cuts.is_empty() {
            return None;
        }
        let per_lap = self.cuts.len() as u64;
        let (lap, j) = (k / per_lap, (k % per_lap) as usize);
        let shift = lap.wrapping_mul(self.ts.duration_ticks()) / 300;
        let pts = (self.first_pts[j] + shift) % (1 << 33);
        Some(format!(
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{pts},LOCAL:00:00:00.000\n\n{k}\n00:00:00.200 --> 00:00:01.800\n{}\n",
            subtitle_cue(k)
        ))
    }

    /// Requests for the subtitle playlist and its segments so far.
    pub fn subtitle_requests(&self) -> u64 {
        self.subtitle_requests.load(Ordering::SeqCst)
    }

    /// Segment `k` of the endless stream, or `None` (a 404) when it is not produced yet, no longer
    /// listed, or the origin answers 404s.
    pub fn segment(&self, k: u64) -> Option<Segment> {
        if let Ok(mut asked) = self.asked.lock() {
            // Bounded by the segments fetchable at once (a little more than the window).
            if asked.len() < 4096 {
                *asked.entry(k).or_default() += 1;
            }
        }
        let (produced, fault) = {
            let state = self.state();
            (state.produced(), state.fault)
        };
        let pace = match fault {
            HlsFault::NotFound => return None,
            HlsFault::Slow { bytes_per_second } => Some(bytes_per_second.max(1)),
            HlsFault::None | HlsFault::Frozen => None,
        };
        // A little more than the window stays fetchable, as on real origins.
        if k >= produced || k + 2 * WINDOW < produced || self.cuts.is_empty() {
            return None;
        }
        let per_lap = self.cuts.len() as u64;
        let (lap, j) = (k / per_lap, (k % per_lap) as usize);
        let from = self.cuts[j];
        let to = self.cuts.get(j + 1).copied().unwrap_or(self.ts.len());
        let mut bytes = Vec::with_capacity(self.tables.len() + (to - from) * TS_PACKET_SIZE);
        bytes.extend_from_slice(&self.tables);
        for i in from..to {
            bytes.extend_from_slice(&self.ts.packet(lap, i));
        }
        Some(Segment { bytes, pace })
    }

    /// The average bitrate of the channel's segments in bytes per second (to pace them at a
    /// fraction of it).
    pub fn bytes_per_second(&self) -> u64 {
        let loop_seconds = (self.cuts.len() as u64 * SEGMENT_SECONDS).max(1);
        (self.ts.len() * TS_PACKET_SIZE) as u64 / loop_seconds
    }
}

impl State {
    /// Segments produced so far (held while the playlist is frozen).
    fn produced(&self) -> u64 {
        let now = produced(self.started);
        self.frozen_at.map_or(now, |at| at.min(now))
    }
}

/// The PTS of the first video PES among packets `from..to` of lap 0 (0 when none).
fn first_video_pts(ts: &TsLoop, from: usize, to: usize) -> u64 {
    (from..to)
        .find_map(|i| {
            let packet = ts.packet(0, i);
            let packet = crate::mpegts::TsPacket::from_array(&packet)?;
            if !packet.pusi() {
                return None;
            }
            let pes = crate::mpegts::pes::Pes::parse(packet.payload())?;
            (0xe0..=0xef).contains(&pes.stream_id).then_some(pes.pts)?
        })
        .unwrap_or(0)
}

fn produced(started: Instant) -> u64 {
    started.elapsed().as_secs() / SEGMENT_SECONDS
}
