// SPDX-License-Identifier: GPL-3.0-or-later
//! The demo's catch-up archive for one channel: any past moment served as MPEG-TS, the way a
//! provider's archive answers a catch-up URL.
//!
//! The channel is taken to have played its loop back to back since the Unix epoch, so the frame
//! at PTS offset `o` of lap `L` was on air at `L × LOOP_SECONDS + o`. A request for
//! `/archive/<channel>/<utc>-<duration>.ts` (the playlist's `catchup-source` is
//! `…/{utc}-{duration}.ts`) gets PAT and PMT, then the stream from the last keyframe at or
//! before `utc` for `duration` seconds (at most [`MAX_SECONDS`]), every PTS, DTS and PCR stamped
//! with its air time: PTS = air time × 90 kHz (mod 2³³). A client (or a test) can read the start
//! it got from the first video PTS.

use super::assets::LOOP_SECONDS;
use super::playout::TsLoop;
use crate::mpegts::packet::{TS_PACKET_SIZE, TsPacket};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Longest span served per request (about 100 MB of TS at the demo's bitrate would be too much).
pub const MAX_SECONDS: u64 = 300;

/// How far back the archive reaches (the playlist says `catchup-days="1"`).
pub const KEEP_SECONDS: u64 = 86_400;

const PTS_HZ: u64 = 90_000;
const PTS_MODULUS: u64 = 1 << 33;

/// Requests kept in the log ([`Archive::served`]).
const LOG_LEN: usize = 64;

/// One archive request as served: what was asked and where the stream began, so a test (or
/// someone watching the demo) can check that a player asked for the right time and got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// The asked start and duration, seconds.
    pub start_s: u64,
    pub duration_s: u64,
    /// Air time of the first frame sent (the keyframe at or before the start), milliseconds.
    pub first_frame_ms: u64,
}

/// One channel's archive.
pub struct Archive {
    /// The latest requests, oldest first.
    log: Mutex<VecDeque<Served>>,
    ts: Arc<TsLoop>,
    /// PAT and PMT, sent before the first packet.
    tables: Vec<u8>,
    /// Keyframe packet indices with their PTS offset (90 kHz) from the loop's first keyframe.
    keyframes: Vec<(usize, u64)>,
    /// PTS of the loop's first keyframe (air offset 0).
    first_pts: u64,
}

impl Archive {
    /// The archive of a loop whose keyframes carry PTS; `None` without any.
    pub fn new(ts: Arc<TsLoop>, tables: Vec<u8>) -> Option<Self> {
        let stamped: Vec<(usize, u64)> = ts
            .keyframe_indices()
            .into_iter()
            .filter_map(|i| Some((i, pes_pts(&ts.packet(0, i))?)))
            .collect();
        let &(_, first_pts) = stamped.first()?;
        let keyframes = stamped
            .into_iter()
            .map(|(i, pts)| (i, (pts + PTS_MODULUS - first_pts) % PTS_MODULUS))
            .collect();
        Some(Self {
            log: Mutex::new(VecDeque::new()),
            ts,
            tables,
            keyframes,
            first_pts,
        })
    }

    /// The stream from the last keyframe at or before `start_s` (Unix seconds) for `duration_s`.
    pub fn serve(&self, start_s: u64, duration_s: u64) -> Vec<u8> {
        let loop_s = u64::from(LOOP_SECONDS);
        let (lap, offset) = (start_s / loop_s, (start_s % loop_s) * PTS_HZ);
        let &(kf, kf_offset) = self
            .keyframes
            .iter()
            .rev()
            .find(|(_, o)| *o <= offset)
            .unwrap_or(&self.keyframes[0]);
        // Send-time span: the asked duration plus the part of the GOP before the asked start.
        let span = (duration_s.min(MAX_SECONDS) * PTS_HZ + offset - kf_offset) * 300;
        self.note(Served {
            start_s,
            duration_s,
            first_frame_ms: lap * loop_s * 1000 + kf_offset / 90,
        });
        let begin = self.ts.due(lap, kf);
        let mut out = self.tables.clone();
        let (mut l, mut i) = (lap, kf);
        while self.ts.due(l, i) - begin < span {
            // Air time of lap `l` starts at l × loop length; the loop's own clock starts at first_pts.
            let shift_90k = (l * loop_s * PTS_HZ + PTS_MODULUS - self.first_pts) % PTS_MODULUS;
            out.extend_from_slice(&self.ts.packet_shifted(l, i, shift_90k * 300));
            i += 1;
            if i == self.ts.len() {
                (l, i) = (l + 1, 0);
            }
        }
        out
    }

    /// The latest requests served, oldest first.
    pub fn served(&self) -> Vec<Served> {
        self.log
            .lock()
            .map(|l| l.iter().copied().collect())
            .unwrap_or_default()
    }

    fn note(&self, served: Served) {
        if let Ok(mut log) = self.log.lock() {
            if log.len() == LOG_LEN {
                log.pop_front();
            }
            log.push_back(served);
        }
    }

    /// Answers `/<utc>-<duration>.ts` (the part after the channel in the path) at `now_s`:
    /// `None` (404) for a malformed name, a start not yet aired or older than [`KEEP_SECONDS`].
    pub fn route(&self, name: &str, now_s: u64) -> Option<Vec<u8>> {
        let (utc, duration) = name.strip_suffix(".ts")?.split_once('-')?;
        let (start, duration): (u64, u64) = (utc.parse().ok()?, duration.parse().ok()?);
        let kept = now_s.saturating_sub(KEEP_SECONDS)..now_s;
        kept.contains(&start).then(|| self.serve(start, duration))
    }
}

impl Archive {
    /// Answers `/ep-<start>.ts`, a `vod` request for the guide programme whose `catchup-id` is
    /// `ep-<start>` (the demo guide's half-hour programmes): the programme from its start, as
    /// much of it as one request serves ([`MAX_SECONDS`]). `None` (404) for another name, a
    /// programme not yet ended or older than [`KEEP_SECONDS`].
    pub fn route_vod(&self, name: &str, now_s: u64) -> Option<Vec<u8>> {
        let start: u64 = name.strip_suffix(".ts")?.strip_prefix("ep-")?.parse().ok()?;
        let ended = start + super::guide::PROGRAMME_SECONDS <= now_s;
        let kept = start >= now_s.saturating_sub(KEEP_SECONDS);
        (ended && kept).then(|| self.serve(start, super::guide::PROGRAMME_SECONDS))
    }
}

/// PTS of the PES that starts in `packet`, if it has one.
pub fn pes_pts(packet: &[u8; TS_PACKET_SIZE]) -> Option<u64> {
    let p = TsPacket::from_array(packet)?;
    let pes = p.payload();
    if !p.pusi() || pes.get(..3)? != [0, 0, 1] || pes.get(7)? & 0x80 == 0 {
        return None;
    }
    let b = pes.get(9..14)?;
    Some(
        (u64::from(b[0] >> 1 & 0x07) << 30)
            | (u64::from(b[1]) << 22)
            | (u64::from(b[2] >> 1) << 15)
            | (u64::from(b[3]) << 7)
            | u64::from(b[4] >> 1),
    )
}
