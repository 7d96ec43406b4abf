// SPDX-License-Identifier: GPL-3.0-or-later
//! Recording a multicast/RTP channel: MPEG-TS passthrough from the channel's ingest tap (every
//! PID of the stream as it arrives: video, all audio, subtitles, teletext, EIT) into one folder
//! per recording with the TS segments and a JSON sidecar.
//!
//! ```text
//!  tap (ring) ──chunks──> writer (the recording's thread) ──> DIR/<number>-<name>-<start>/
//!                                                              stream.ts        first segment
//!                                                              stream-2.ts      after a restart
//!                                                              stream-3.ts.part being written
//!                                                              recording.json   sidecar (atomic)
//!                                                              .reserve         room for the sidecar
//! ```
//!
//! The tap's receive thread never waits for the disk: it queues chunks and counts the ones it
//! had to drop. Each segment starts with PAT/PMT and the newest keyframe the tap holds, so it
//! plays from its first byte. A recording has a planned end in wall-clock time (the asked
//! seconds from the first chunk), written into the sidecar when it starts.
//!
//! Why it is built this way, failure by failure:
//! - **Crash or power cut.** The sidecar says `"state": "recording"` until the end, and what is
//!   written reaches the file at least every [`FLUSH_EVERY`], so the file's modification time is
//!   when data last arrived. [`resume`] (run at start: `zapbox record --resume`, the app's
//!   recorder) cuts the dangling `.part` to whole 188-byte packets, syncs and renames it into a
//!   finished segment, writes the time the recorder was away as a gap (`"cause": "restart"`) and,
//!   when the planned end is still ahead, records on into the next segment. Two playable files
//!   and one sidecar that says what is missing, instead of one file that may end in half a packet.
//! - **A stalled channel.** Silence never ends a recording: the file is kept and every silence
//!   longer than [`GAP_AFTER`] is a gap (`"cause": "silence"`) in the sidecar, saved when it ends.
//! - **A full disk.** Writes are the recorder's own (not `write_all`), so it knows exactly how
//!   many bytes reached the file; on an error the segment is cut back to the last whole packet,
//!   synced and renamed, and the recording stops with `"state": "disk-full"`. The folder holds a
//!   [`RESERVE_BYTES`] file while recording; it is deleted first, so the final sidecar still
//!   fits on a disk that has no room left.
//!
//! A finished recording never has a `.part` file; one that never received anything leaves no
//! folder behind. HLS channels with TS segments come through the same writer from
//! `record_hls` (fetched by GStreamer's `hlsdemux`, no tap), HLS channels with fMP4 segments and
//! DASH channels from `record_ott` (fetched by the recorder, remuxed into MPEG-TS by GStreamer);
//! other channels (progressive HTTP, RTSP, RTMP) are not recorded yet, and say so.

use super::RecorderHandle;
use super::ingest::{Ingest, Recording, TapKey};
use crate::core::PlayerError;
use crate::lineup::{Channel, ChannelKey, Source, SourceKind};
use crate::system::atomic::{remove_stale_temps, write_atomic};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// No data for this long is a gap in the sidecar.
pub const GAP_AFTER: Duration = Duration::from_secs(1);
/// No data at all for this long after the join: the channel does not send, nothing is kept.
pub const NO_DATA_AFTER: Duration = Duration::from_secs(10);
/// Written bytes reach the file at least this often: a crash loses at most this much, and the
/// file's modification time says when data last arrived.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Kept free in the folder while recording, for the sidecar of a recording the disk stopped.
pub const RESERVE_BYTES: usize = 64 * 1024;
/// Gaps listed in one sidecar; more are counted in `gaps_left_out` (a flapping channel must not
/// grow the sidecar without bound).
pub const MAX_GAPS: usize = 1000;
/// Bytes gathered before a write (besides [`FLUSH_EVERY`]).
const WRITE_BYTES: usize = 256 * 1024;
const PACKET: u64 = 188;
pub const SIDECAR: &str = "recording.json";
const RESERVE: &str = ".reserve";

/// Why a recording did not happen or did not go on.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(
        "channel {0} is not a multicast, RTP, HLS or DASH channel (progressive HTTP, RTSP and RTMP are not recorded yet)"
    )]
    NotMulticast(u32),
    #[error("cannot record the HLS or DASH channel: {0}")]
    Hls(String),
    #[error("cannot join the channel's multicast group: {}", .0.detail)]
    Join(PlayerError),
    #[error("nothing received from the channel in {} s; nothing recorded", NO_DATA_AFTER.as_secs())]
    NoData,
    #[error("{}: not a recording in progress ({why})", .folder.display())]
    NotInProgress { folder: PathBuf, why: String },
    #[error("writing {}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// A recording that ended (completely, or stopped by the disk: see `sidecar.state`).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub folder: PathBuf,
    pub sidecar: Sidecar,
}

/// Where a recording stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Being written, or interrupted by a crash or power cut: [`resume`] picks it up.
    Recording,
    /// Ran to its planned end (gaps, if any, are listed).
    Complete,
    /// Stopped early because the disk was full; the segments hold what was written before.
    DiskFull,
    /// Stopped early by another write error; the segments hold what was written before.
    WriteFailed,
}

/// Why part of a recording is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GapCause {
    /// The channel sent nothing.
    Silence,
    /// The recorder was not running (crash, power cut, restart).
    Restart,
}

/// `recording.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    pub channel: SidecarChannel,
    /// The programme recorded, from the guide (recordings made in the app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The stream URL recorded.
    pub source: String,
    /// The MPEG-TS program picked from a multi-program stream, if the playlist named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<u16>,
    pub state: State,
    /// When the first byte arrived, RFC 3339.
    pub start: String,
    /// When the recording is to end (start + asked length), RFC 3339.
    pub planned_end: String,
    /// When the last segment ended (the start while the first one is written), RFC 3339.
    pub end: String,
    /// From start to end.
    pub seconds: f64,
    /// In all segments.
    pub bytes: u64,
    pub segments: Vec<Segment>,
    /// Silences longer than [`GAP_AFTER`] and the times the recorder was not running.
    pub gaps: Vec<Gap>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gaps_left_out: u64,
    /// Chunks lost because the disk was slower than the stream.
    pub dropped_chunks: u64,
}

impl Sidecar {
    /// The planned end in Unix seconds, if it is a time.
    pub fn planned_end_s(&self) -> Option<i64> {
        let t = parse_time(&self.planned_end)?;
        Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64)
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarChannel {
    pub number: u32,
    pub name: String,
    pub tvg_id: Option<String>,
}

/// One file of a recording, in order; each plays on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The file's name in the folder (`stream.ts`, `stream-2.ts`, …).
    pub file: String,
    pub start: String,
    pub end: String,
    pub bytes: u64,
}

/// A stretch without data: from `start` (RFC 3339), `seconds` long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub start: String,
    pub seconds: f64,
    pub cause: GapCause,
}

/// The source a recording of `channel` reads: its first multicast or RTP source, else its first
/// HLS or DASH one (fetched without a tap, see `record_hls` and `record_ott`).
pub fn recordable_source(channel: &Channel) -> Option<&Source> {
    channel
        .sources
        .iter()
        .find(|s| TapKey::of(s).is_some())
        .or_else(|| {
            channel
                .sources
                .iter()
                .find(|s| matches!(s.kind, SourceKind::Hls | SourceKind::Dash))
        })
}

/// Where a recording's chunks come from.
#[derive(Clone)]
pub enum TapSource {
    /// A tap of the recording's own on this interface (the command line: no player runs).
    Own(Option<Ipv4Addr>),
    /// The player's tap (the app): the one the picture or a hot channel reads when the channel
    /// is joined already, so recording the live channel costs no second join. `id` names the
    /// recording to the player.
    Player { handle: RecorderHandle, id: u64 },
}

/// What the app asks of one recording besides the channel.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    /// Start this far behind live, as far as the tap's RAM window holds it (REC on live: the
    /// programme's start).
    pub behind: Duration,
    /// The programme, for the sidecar and the recordings screen.
    pub title: Option<String>,
    pub description: Option<String>,
    /// Set to end the recording before its planned end (cancelled, the app stopping).
    pub stop: Option<Arc<AtomicBool>>,
}

/// Records `seconds` of `channel`'s first multicast/RTP source into a new folder under `dir`.
/// `interface` is the multicast interface (as the player's). Blocks for the recording's length:
/// run it on its own thread.
pub fn record(
    channel: &Channel,
    seconds: u64,
    dir: &Path,
    interface: Option<Ipv4Addr>,
) -> Result<Recorded, RecordError> {
    record_until(
        channel,
        Length::Seconds(seconds),
        dir,
        &TapSource::Own(interface),
        &Asked::default(),
    )
}

/// How long a recording runs.
#[derive(Debug, Clone, Copy)]
pub enum Length {
    /// From its first byte.
    Seconds(u64),
    /// Until this wall-clock time.
    Until(SystemTime),
}

/// Records `channel` from `tap` into a new folder under `dir` for `length`, as `asked`. Blocks
/// for the recording's length: run it on its own thread.
pub fn record_until(
    channel: &Channel,
    length: Length,
    dir: &Path,
    tap: &TapSource,
    asked: &Asked,
) -> Result<Recorded, RecordError> {
    let source = recordable_source(channel).ok_or(RecordError::NotMulticast(channel.number))?;
    let (receiver, behind) = Receiver::open(channel, source, tap, asked.behind)?;
    let first = receiver.first_chunk()?;
    let started = SystemTime::now() - behind;
    let planned_end = match length {
        Length::Seconds(seconds) => started + Duration::from_secs(seconds),
        Length::Until(at) => at,
    };
    let folder = dir.join(folder_name(channel, started));
    let sidecar = Sidecar {
        channel: SidecarChannel {
            number: channel.number,
            name: channel.name.clone(),
            tvg_id: channel.tvg_id.clone(),
        },
        title: asked.title.clone(),
        description: asked.description.clone(),
        source: source.url.clone(),
        program: source.program,
        state: State::Recording,
        start: rfc3339(started),
        planned_end: rfc3339(planned_end),
        end: rfc3339(started),
        seconds: 0.0,
        bytes: 0,
        segments: Vec::new(),
        gaps: Vec::new(),
        gaps_left_out: 0,
        dropped_chunks: 0,
    };
    let job = Job {
        folder: folder.clone(),
        sidecar,
        stop: asked.stop.clone(),
    };
    let created = fs::create_dir_all(&folder)
        .map_err(|source| RecordError::Io {
            path: folder.clone(),
            source,
        })
        .and_then(|()| {
            job.reserve();
            job.save()
        });
    if let Err(e) = created {
        let _ = fs::remove_dir_all(&folder);
        return Err(e);
    }
    job.run_segment(first, started, &receiver, planned_end)
}

/// The folders under `dir` whose sidecar says a recording is in progress (after a crash or a
/// power cut, those it was writing).
pub fn unfinished(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| read_sidecar(p).is_ok_and(|s| s.state == State::Recording))
        .collect();
    found.sort();
    found
}

/// Picks up the recording in `folder` that a crash or power cut interrupted: closes its last
/// segment, writes the gap, and records on into a new segment until the planned end (at once
/// finished when that has passed). When the channel sends nothing the recording stays in
/// progress for a later attempt ([`RecordError::NoData`]). Blocks: run it on its own thread.
pub fn resume(folder: &Path, interface: Option<Ipv4Addr>) -> Result<Recorded, RecordError> {
    resume_from(folder, &TapSource::Own(interface), None)
}

/// [`resume`] reading `tap`; `stop` ends it early.
pub fn resume_from(
    folder: &Path,
    tap: &TapSource,
    stop: Option<Arc<AtomicBool>>,
) -> Result<Recorded, RecordError> {
    let sidecar = read_sidecar(folder)?;
    if sidecar.state != State::Recording {
        return Err(RecordError::NotInProgress {
            folder: folder.to_owned(),
            why: format!("its state is {:?}", sidecar.state),
        });
    }
    remove_stale_temps(folder);
    let mut job = Job {
        folder: folder.to_owned(),
        sidecar,
        stop,
    };
    let away_since = job.close_dangling_segment()?;
    let planned_end = parse_time(&job.sidecar.planned_end).ok_or_else(|| RecordError::NotInProgress {
        folder: folder.to_owned(),
        why: "its planned end is not a time".into(),
    })?;
    let now = SystemTime::now();
    if now >= planned_end {
        job.gap(away_since, planned_end, GapCause::Restart);
        return job.finish(State::Complete, None);
    }
    let channel = job.sidecar_channel()?;
    let source = channel
        .sources
        .first()
        .ok_or(RecordError::NotMulticast(channel.number))?;
    let (receiver, _) = Receiver::open(&channel, source, tap, Duration::ZERO)?;
    let first = match receiver.first_chunk() {
        Ok(first) => first,
        Err(e) => {
            // Stays in progress: the next start tries again; the closed segment is on record.
            job.save()?;
            return Err(e);
        }
    };
    let resumed = SystemTime::now();
    job.gap(away_since, resumed, GapCause::Restart);
    job.reserve();
    job.run_segment(first, resumed, &receiver, planned_end)
}

/// [`resume`] for every [`unfinished`] recording under `dir`, each on its own thread (they may
/// overlap in time); the results in folder order.
pub fn resume_all(dir: &Path, interface: Option<Ipv4Addr>) -> Vec<(PathBuf, Result<Recorded, RecordError>)> {
    let threads: Vec<_> = unfinished(dir)
        .into_iter()
        .map(|folder| {
            let f = folder.clone();
            let thread = std::thread::Builder::new()
                .name("recording".into())
                .spawn(move || resume(&f, interface));
            (folder, thread)
        })
        .collect();
    threads
        .into_iter()
        .map(|(folder, thread)| {
            let result = match thread {
                Ok(t) => t.join().unwrap_or_else(|_| {
                    Err(RecordError::NotInProgress {
                        folder: folder.clone(),
                        why: "the recorder panicked".into(),
                    })
                }),
                Err(source) => Err(RecordError::Io {
                    path: folder.clone(),
                    source,
                }),
            };
            (folder, result)
        })
        .collect()
}

/// The sidecar in `folder`.
pub fn read_sidecar(folder: &Path) -> Result<Sidecar, RecordError> {
    let path = folder.join(SIDECAR);
    let bytes = fs::read(&path).map_err(|source| RecordError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| RecordError::NotInProgress {
        folder: folder.to_owned(),
        why: e.to_string(),
    })
}

/// The tap a recording reads; leaves the group (or gives the player's tap back) when dropped.
struct Receiver {
    recording: Recording,
    /// How long after it airs content reaches the chunks, for good: an OTT recording's content
    /// comes by whole segments, so the recording runs that much past its end to take the last
    /// one in, and its times in the sidecar are the content's. Zero for taps, whose backlog is
    /// handed over at once.
    lag: Duration,
    /// The longest wait between chunks that is not a gap: segments arrive a segment apart.
    quiet: Duration,
    _release: Release,
}

/// What a [`Receiver`] gives back when it goes.
enum Release {
    Own {
        _ingest: Ingest,
    },
    Hls {
        _pipeline: super::record_hls::HlsRecording,
    },
    Ott {
        _pipeline: super::record_ott::OttRecording,
    },
    Player(RecorderHandle, u64),
}

impl Drop for Release {
    fn drop(&mut self) {
        if let Release::Player(handle, id) = self {
            handle.unrecord(*id);
        }
    }
}

/// How long the recording's thread waits for the player thread to hand over a tap (a zap in
/// progress holds it for a moment).
const PLAYER_ANSWER: Duration = Duration::from_secs(10);

impl Receiver {
    /// The chunks of `source` from `tap`, from `behind` live as far as the window holds it, and
    /// how far behind live they start.
    fn open(
        channel: &Channel,
        source: &Source,
        tap: &TapSource,
        behind: Duration,
    ) -> Result<(Self, Duration), RecordError> {
        if matches!(source.kind, SourceKind::Hls | SourceKind::Dash) && TapKey::of(source).is_none() {
            // Fetched, not joined: no tap, no window to reach back into. The manifest says
            // whether the segments are TS (kept as they are) or fMP4 (remuxed).
            let (plan, start) = super::record_ott::plan(source).map_err(RecordError::Hls)?;
            return match plan {
                super::record_ott::Plan::TsSegments => {
                    let (pipeline, recording) = super::record_hls::start(source).map_err(RecordError::Hls)?;
                    Ok((
                        Self {
                            recording,
                            lag: Duration::ZERO,
                            quiet: GAP_AFTER,
                            _release: Release::Hls { _pipeline: pipeline },
                        },
                        Duration::ZERO,
                    ))
                }
                super::record_ott::Plan::Tracks(follows) => {
                    let (pipeline, recording) =
                        super::record_ott::start(source, follows).map_err(RecordError::Hls)?;
                    Ok((
                        Self {
                            recording,
                            lag: super::record_ott::SETTLE,
                            quiet: GAP_AFTER + start.segment,
                            _release: Release::Ott { _pipeline: pipeline },
                        },
                        start.behind,
                    ))
                }
            };
        }
        let key = TapKey::of(source).ok_or(RecordError::NotMulticast(channel.number))?;
        let channel_key = ChannelKey(channel.key.0.clone());
        match tap {
            TapSource::Own(interface) => {
                // A multicast tap of its own; its janitor (for HLS windows) stays idle.
                let janitor = super::janitor::Janitor::spawn().map_err(|e| {
                    RecordError::Join(PlayerError {
                        kind: crate::core::ErrorKind::Network,
                        detail: e.to_string(),
                    })
                })?;
                let mut ingest = Ingest::new(
                    *interface,
                    Default::default(),
                    Arc::new(|_| {}),
                    Arc::new(|_| {}),
                    janitor,
                );
                let tap = ingest.open(key, &channel_key).map_err(RecordError::Join)?;
                let (recording, age) = tap.record_behind(behind);
                Ok((
                    Self {
                        recording,
                        lag: Duration::ZERO,
                        quiet: GAP_AFTER,
                        _release: Release::Own { _ingest: ingest },
                    },
                    age,
                ))
            }
            TapSource::Player { handle, id } => {
                let release = Release::Player(handle.clone(), *id);
                let (recording, age) = handle
                    .record(*id, channel_key, source.clone(), behind, PLAYER_ANSWER)
                    .map_err(RecordError::Join)?;
                Ok((
                    Self {
                        recording,
                        lag: Duration::ZERO,
                        quiet: GAP_AFTER,
                        _release: release,
                    },
                    age,
                ))
            }
        }
    }

    fn first_chunk(&self) -> Result<Vec<u8>, RecordError> {
        self.recording
            .chunks
            .recv_timeout(NO_DATA_AFTER)
            .map_err(|_| RecordError::NoData)
    }
}

/// How a segment ended.
enum Ended {
    /// At the planned end, or the tap closed.
    Done,
    /// A write failed: the disk is full, or another error.
    Stopped(io::Error),
}

/// A recording being written: its folder and sidecar.
struct Job {
    folder: PathBuf,
    sidecar: Sidecar,
    /// Set from outside to end the recording now.
    stop: Option<Arc<AtomicBool>>,
}

impl Job {
    /// Writes one segment from `first` until `until`, then ends the recording (complete, or
    /// stopped by a write error).
    fn run_segment(
        mut self,
        first: Vec<u8>,
        began: SystemTime,
        receiver: &Receiver,
        until: SystemTime,
    ) -> Result<Recorded, RecordError> {
        let name = match self.sidecar.segments.len() {
            0 => "stream.ts".to_string(),
            n => format!("stream-{}.ts", n + 1),
        };
        self.sidecar.segments.push(Segment {
            file: name.clone(),
            start: rfc3339(began),
            end: rfc3339(began),
            bytes: 0,
        });
        let mut file = match SegmentFile::create(&self.folder, &name) {
            Ok(f) => f,
            Err(e) => {
                self.sidecar.segments.pop();
                return self.finish(stopped_state(&e), None);
            }
        };
        if let Err(e) = self.save() {
            let _ = fs::remove_file(&file.part);
            self.sidecar.segments.pop();
            return Err(e);
        }
        let ended = self.pump(&mut file, first, receiver, until + receiver.lag);
        self.sidecar.dropped_chunks += receiver.recording.dropped.load(Ordering::Relaxed);
        match ended {
            Ended::Done => match file.close() {
                Ok(bytes) => {
                    self.end_segment(bytes, SystemTime::now() - receiver.lag);
                    self.finish(State::Complete, None)
                }
                Err(e) => self.stop(file, e),
            },
            Ended::Stopped(e) => self.stop(file, e),
        }
    }

    /// Chunks into the file until `until`; silences longer than the receiver's quiet time
    /// become gaps (in the content's time).
    fn pump(
        &mut self,
        file: &mut SegmentFile,
        first: Vec<u8>,
        receiver: &Receiver,
        until: SystemTime,
    ) -> Ended {
        let (chunks, quiet, lag) = (&receiver.recording, receiver.quiet, receiver.lag);
        if let Err(e) = file.push(&first) {
            return Ended::Stopped(e);
        }
        let mut last = Instant::now();
        while let Ok(left) = until.duration_since(SystemTime::now()) {
            if left.is_zero() || self.stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed)) {
                break;
            }
            match chunks.chunks.recv_timeout(left.min(GAP_AFTER)) {
                Ok(chunk) => {
                    let silent = last.elapsed();
                    last = Instant::now();
                    if silent > quiet {
                        let now = SystemTime::now() - lag;
                        self.gap(now - silent, now, GapCause::Silence);
                        if let Err(RecordError::Io { source, .. }) = self.save() {
                            return Ended::Stopped(source);
                        }
                    }
                    if let Err(e) = file.push(&chunk) {
                        return Ended::Stopped(e);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = file.tick() {
                        return Ended::Stopped(e);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let silent = last.elapsed();
        if silent > quiet {
            let now = SystemTime::now() - lag;
            self.gap(now - silent, now, GapCause::Silence);
        }
        Ended::Done
    }

    /// A write failed: the segment keeps its whole packets and the recording stops.
    fn stop(mut self, file: SegmentFile, error: io::Error) -> Result<Recorded, RecordError> {
        // The reserve goes first: the salvage and the sidecar need the room.
        let _ = fs::remove_file(self.folder.join(RESERVE));
        let state = stopped_state(&error);
        match file.salvage() {
            Ok(bytes) => self.end_segment(bytes, SystemTime::now()),
            Err(_) => {
                self.sidecar.segments.pop();
            }
        }
        self.finish(state, Some(error))
    }

    fn end_segment(&mut self, bytes: u64, at: SystemTime) {
        if let Some(seg) = self.sidecar.segments.last_mut() {
            seg.bytes = bytes;
            seg.end = rfc3339(at);
        }
    }

    /// Final sidecar: totals, state; the reserve is given back.
    fn finish(mut self, state: State, error: Option<io::Error>) -> Result<Recorded, RecordError> {
        let _ = fs::remove_file(self.folder.join(RESERVE));
        self.sidecar.state = state;
        self.sidecar.bytes = self.sidecar.segments.iter().map(|s| s.bytes).sum();
        if let Some(last) = self.sidecar.segments.last() {
            self.sidecar.end = last.end.clone();
        }
        let (start, end) = (parse_time(&self.sidecar.start), parse_time(&self.sidecar.end));
        if let (Some(start), Some(end)) = (start, end) {
            self.sidecar.seconds = end.duration_since(start).unwrap_or_default().as_secs_f64();
        }
        self.save()?;
        if let Some(e) = error {
            log::warn!("recording {} stopped: {e}", self.folder.display());
        }
        Ok(Recorded {
            folder: self.folder,
            sidecar: self.sidecar,
        })
    }

    fn gap(&mut self, from: SystemTime, to: SystemTime, cause: GapCause) {
        let Ok(length) = to.duration_since(from) else {
            return;
        };
        if length <= GAP_AFTER && cause == GapCause::Silence {
            return;
        }
        if self.sidecar.gaps.len() >= MAX_GAPS {
            self.sidecar.gaps_left_out += 1;
            return;
        }
        self.sidecar.gaps.push(Gap {
            start: rfc3339(from),
            seconds: (length.as_secs_f64() * 1000.0).round() / 1000.0,
            cause,
        });
    }

    fn save(&self) -> Result<(), RecordError> {
        let json = serde_json::to_vec_pretty(&self.sidecar).unwrap_or_default();
        let path = self.folder.join(SIDECAR);
        write_atomic(&path, &json).map_err(|source| RecordError::Io { path, source })
    }

    /// Sets room aside for the final sidecar; a recording without it still records.
    fn reserve(&self) {
        let path = self.folder.join(RESERVE);
        let made = File::create(&path).and_then(|mut f| f.write_all(&[0; RESERVE_BYTES]));
        if let Err(e) = made {
            let _ = fs::remove_file(&path);
            log::warn!("no room set aside in {}: {e}", self.folder.display());
        }
    }

    /// After a crash: the last segment's `.part` (or its finished file, when the crash came
    /// between the rename and the sidecar) becomes a finished segment of whole packets; returns
    /// when data last reached it (the gap starts there).
    fn close_dangling_segment(&mut self) -> Result<SystemTime, RecordError> {
        let start = parse_time(&self.sidecar.start).unwrap_or_else(SystemTime::now);
        let Some(last) = self.sidecar.segments.last().cloned() else {
            return Ok(start);
        };
        let done = self.folder.join(&last.file);
        let part = self.folder.join(format!("{}.part", last.file));
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| RecordError::Io { path, source }
        };
        let closed = if part.exists() {
            let file = OpenOptions::new().write(true).open(&part).map_err(io(&part))?;
            let meta = file.metadata().map_err(io(&part))?;
            let whole = meta.len() - meta.len() % PACKET;
            file.set_len(whole).map_err(io(&part))?;
            file.sync_all().map_err(io(&part))?;
            fs::rename(&part, &done).map_err(io(&part))?;
            sync_dir(&self.folder).map_err(io(&self.folder))?;
            Some((whole, meta.modified().unwrap_or(start)))
        } else {
            fs::metadata(&done)
                .ok()
                .map(|m| (m.len(), m.modified().unwrap_or(start)))
        };
        match closed {
            Some((0, at)) => {
                let _ = fs::remove_file(&done);
                self.sidecar.segments.pop();
                Ok(at)
            }
            Some((bytes, at)) => {
                self.end_segment(bytes, at);
                Ok(at)
            }
            None => {
                self.sidecar.segments.pop();
                Ok(self
                    .sidecar
                    .segments
                    .last()
                    .and_then(|s| parse_time(&s.end))
                    .unwrap_or(start))
            }
        }
    }

    /// The channel the sidecar names, its source through the playlist gate again (a sidecar is
    /// a file on disk like any other).
    fn sidecar_channel(&self) -> Result<Channel, RecordError> {
        let s = &self.sidecar;
        let clean = |t: &str| t.replace(['\r', '\n', '"', ','], " ");
        let mut list = format!(
            "#EXTM3U\n#EXTINF:-1 tvg-chno=\"{}\",{}\n",
            s.channel.number,
            clean(&s.channel.name)
        );
        if let Some(p) = s.program {
            list.push_str(&format!("#EXTVLCOPT:program={p}\n"));
        }
        list.push_str(&clean(&s.source));
        list.push('\n');
        let report = crate::lineup::build(&[("recording.json".into(), list.into_bytes())]);
        report
            .lineup
            .channels
            .into_iter()
            .find(|c| recordable_source(c).is_some())
            .ok_or(RecordError::NotMulticast(s.channel.number))
    }
}

fn stopped_state(e: &io::Error) -> State {
    if e.kind() == io::ErrorKind::StorageFull || e.kind() == io::ErrorKind::QuotaExceeded {
        State::DiskFull
    } else {
        State::WriteFailed
    }
}

/// The segment being written, with the recorder's own buffer: it knows how many bytes reached
/// the file, so a failed write can be cut back to whole packets.
struct SegmentFile {
    part: PathBuf,
    done: PathBuf,
    file: File,
    buffer: Vec<u8>,
    written: u64,
    flushed: Instant,
}

impl SegmentFile {
    fn create(folder: &Path, name: &str) -> io::Result<Self> {
        let part = folder.join(format!("{name}.part"));
        Ok(Self {
            file: File::create(&part)?,
            done: folder.join(name),
            part,
            buffer: Vec::with_capacity(WRITE_BYTES),
            written: 0,
            flushed: Instant::now(),
        })
    }

    fn push(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.buffer.extend_from_slice(chunk);
        if self.buffer.len() >= WRITE_BYTES {
            self.flush()
        } else {
            self.tick()
        }
    }

    /// Writes what waits once [`FLUSH_EVERY`] has passed.
    fn tick(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() && self.flushed.elapsed() >= FLUSH_EVERY {
            self.flush()
        } else {
            Ok(())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushed = Instant::now();
        let mut done = 0;
        let result = loop {
            if done == self.buffer.len() {
                break Ok(());
            }
            match self.file.write(&self.buffer[done..]) {
                Ok(0) => break Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(n) => {
                    done += n;
                    self.written += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        self.buffer.drain(..done);
        result
    }

    /// Flushed and synced, then renamed: a finished segment is always complete.
    fn close(&mut self) -> io::Result<u64> {
        self.flush()?;
        self.file.sync_all()?;
        fs::rename(&self.part, &self.done)?;
        if let Some(dir) = self.done.parent() {
            sync_dir(dir)?;
        }
        Ok(self.written)
    }

    /// After a failed write: what reached the file, cut back to whole packets, synced, renamed.
    fn salvage(mut self) -> io::Result<u64> {
        self.buffer.clear();
        let whole = self.written - self.written % PACKET;
        self.file.set_len(whole)?;
        self.file.sync_all()?;
        if whole == 0 {
            fs::remove_file(&self.part)?;
            return Err(io::Error::other("nothing written"));
        }
        fs::rename(&self.part, &self.done)?;
        if let Some(dir) = self.done.parent() {
            sync_dir(dir)?;
        }
        Ok(whole)
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// `<number>-<name>-<UTC start>`, the name reduced to letters, digits, `-` and `_`.
fn folder_name(channel: &Channel, start: SystemTime) -> String {
    let name: String = channel
        .name
        .chars()
        .take(40)
        .map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    let stamp = jiff::Timestamp::try_from(start)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| "0".into());
    format!("{:04}-{name}-{stamp}", channel.number)
}

/// RFC 3339 in UTC with milliseconds (gaps and segments are seconds long; whole seconds would
/// round them away).
fn rfc3339(t: SystemTime) -> String {
    let ms = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| ms.to_string(),
        |ts| ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    )
}

fn parse_time(text: &str) -> Option<SystemTime> {
    let ts: jiff::Timestamp = text.parse().ok()?;
    Some(SystemTime::from(ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_with_milliseconds() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_600_000_123);
        let text = rfc3339(t);
        assert_eq!(text, "2026-12-06T23:33:20.123Z");
        assert_eq!(parse_time(&text), Some(t));
    }

    #[test]
    fn a_failed_write_keeps_whole_packets_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut seg = SegmentFile::create(dir.path(), "stream.ts").unwrap();
        seg.push(&[0x47; 188 * 3]).unwrap();
        seg.flush().unwrap();
        // A write the disk took only part of (as a full disk does).
        seg.written += 100;
        seg.file.write_all(&[0x47; 100]).unwrap();
        assert_eq!(seg.salvage().unwrap(), 188 * 3);
        assert_eq!(fs::metadata(dir.path().join("stream.ts")).unwrap().len(), 188 * 3);
        assert!(!dir.path().join("stream.ts.part").exists());
    }

    #[test]
    fn a_crashed_segment_is_cut_to_whole_packets_and_the_gap_starts_when_it_was_last_written() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        let start = SystemTime::now() - Duration::from_secs(60);
        let mut job = Job {
            folder: folder.to_owned(),
            stop: None,
            sidecar: Sidecar {
                channel: SidecarChannel {
                    number: 3,
                    name: "Three".into(),
                    tvg_id: None,
                },
                title: None,
                description: None,
                source: "udp://@239.255.0.3:5000".into(),
                program: None,
                state: State::Recording,
                start: rfc3339(start),
                planned_end: rfc3339(start + Duration::from_secs(30)),
                end: rfc3339(start),
                seconds: 0.0,
                bytes: 0,
                segments: vec![Segment {
                    file: "stream.ts".into(),
                    start: rfc3339(start),
                    end: rfc3339(start),
                    bytes: 0,
                }],
                gaps: vec![],
                gaps_left_out: 0,
                dropped_chunks: 0,
            },
        };
        fs::write(folder.join("stream.ts.part"), [0x47; 188 * 2 + 50]).unwrap();
        let written = fs::metadata(folder.join("stream.ts.part"))
            .unwrap()
            .modified()
            .unwrap();
        let since = job.close_dangling_segment().unwrap();
        assert_eq!(since, written);
        assert_eq!(job.sidecar.segments[0].bytes, 376);
        assert_eq!(fs::metadata(folder.join("stream.ts")).unwrap().len(), 376);
        job.gap(since, since + Duration::from_millis(3500), GapCause::Restart);
        let done = job.finish(State::Complete, None).unwrap();
        assert_eq!(done.sidecar.gaps[0].seconds, 3.5);
        assert_eq!(done.sidecar.bytes, 376);
        let back = read_sidecar(folder).unwrap();
        assert_eq!(back, done.sidecar);
        assert_eq!(back.state, State::Complete);
    }

    #[test]
    fn gaps_are_capped() {
        let mut job = Job {
            folder: PathBuf::new(),
            stop: None,
            sidecar: serde_json::from_value(serde_json::json!({
                "channel": {"number": 1, "name": "One", "tvg_id": null},
                "source": "udp://@239.255.0.1:5000", "state": "recording",
                "start": "2026-12-06T20:00:00Z", "planned_end": "2026-12-06T21:00:00Z",
                "end": "2026-12-06T20:00:00Z", "seconds": 0.0, "bytes": 0,
                "segments": [], "gaps": [], "dropped_chunks": 0
            }))
            .unwrap(),
        };
        let t = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for i in 0..(MAX_GAPS as u64 + 5) {
            let from = t + Duration::from_secs(i * 10);
            job.gap(from, from + Duration::from_secs(2), GapCause::Silence);
        }
        job.gap(t, t + Duration::from_millis(500), GapCause::Silence);
        assert_eq!(job.sidecar.gaps.len(), MAX_GAPS);
        assert_eq!(job.sidecar.gaps_left_out, 5);
    }
}
