// SPDX-License-Identifier: GPL-3.0-or-later
//! Recording a multicast/RTP channel without the UI: MPEG-TS passthrough from the channel's
//! ingest tap (every PID of the stream as it arrives: video, all audio, subtitles, teletext,
//! EIT) into one folder per recording with the TS and a JSON sidecar.
//!
//! ```text
//!  tap (ring) ──chunks──> writer (this thread) ──> DIR/<number>-<name>-<start>/stream.ts.part
//!                                               └─> at the end: fsync, rename to stream.ts,
//!                                                   recording.json written atomically
//! ```
//! The tap's receive thread never waits for the disk: it queues chunks and counts the ones it
//! had to drop. The recording starts with PAT/PMT and the newest keyframe the tap holds, so the
//! file plays from its first byte; it lasts the asked seconds of wall-clock time from the first
//! chunk. A silence of more than [`GAP_AFTER`] is written into the sidecar as a gap. A finished
//! recording never has a `.part` file; a failed one leaves no folder behind.
//!
//! Other channels (HLS, DASH, HTTP, RTSP, RTMP) are not recorded yet: they need GStreamer's
//! demuxers to remux their segments, and say so.

use super::ingest::{Ingest, TapKey};
use crate::core::PlayerError;
use crate::lineup::{Channel, ChannelKey};
use crate::system::atomic::write_atomic;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// No data for this long is a gap in the sidecar.
pub const GAP_AFTER: Duration = Duration::from_secs(1);
/// No data at all for this long after the join: the channel does not send, nothing is kept.
pub const NO_DATA_AFTER: Duration = Duration::from_secs(10);

/// Why a recording did not happen or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(
        "channel {0} is not a multicast or RTP channel (HTTP, HLS, DASH, RTSP and RTMP are not recorded yet)"
    )]
    NotMulticast(u32),
    #[error("cannot join the channel's multicast group: {}", .0.detail)]
    Join(PlayerError),
    #[error("nothing received from the channel in {} s; nothing recorded", NO_DATA_AFTER.as_secs())]
    NoData,
    #[error("writing {}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// A finished recording.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub folder: PathBuf,
    pub sidecar: Sidecar,
}

/// `recording.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sidecar {
    pub channel: SidecarChannel,
    /// The stream URL recorded.
    pub source: String,
    /// When the first and the last byte arrived, RFC 3339.
    pub start: String,
    pub end: String,
    pub seconds: f64,
    pub bytes: u64,
    /// Silences longer than [`GAP_AFTER`], and chunks lost to a slow disk.
    pub gaps: Vec<Gap>,
    pub dropped_chunks: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SidecarChannel {
    pub number: u32,
    pub name: String,
    pub tvg_id: Option<String>,
}

/// A stretch without data: from `start` (RFC 3339), `seconds` long.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub start: String,
    pub seconds: f64,
}

/// Records `seconds` of `channel`'s first multicast/RTP source into a new folder under `dir`.
/// `interface` is the multicast interface (as the player's).
pub fn record(
    channel: &Channel,
    seconds: u64,
    dir: &Path,
    interface: Option<Ipv4Addr>,
) -> Result<Recorded, RecordError> {
    let source = channel
        .sources
        .iter()
        .find(|s| TapKey::of(s).is_some())
        .ok_or(RecordError::NotMulticast(channel.number))?;
    let key = TapKey::of(source).ok_or(RecordError::NotMulticast(channel.number))?;
    let mut ingest = Ingest::new(interface, Default::default(), Arc::new(|_| {}), Arc::new(|_| {}));
    let tap = ingest
        .open(key, &ChannelKey(channel.key.0.clone()))
        .map_err(RecordError::Join)?;
    let recording = tap.record();
    let first = match recording.chunks.recv_timeout(NO_DATA_AFTER) {
        Ok(chunk) => chunk,
        Err(_) => return Err(RecordError::NoData),
    };
    let started = SystemTime::now();
    let folder = dir.join(folder_name(channel, started));
    let writer = Writer::create(&folder)?;
    let result = writer.run(first, &recording.chunks, Duration::from_secs(seconds));
    drop(ingest); // leave the group before the final writes
    let (bytes, gaps, ended) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = fs::remove_dir_all(&folder);
            return Err(e);
        }
    };
    let sidecar = Sidecar {
        channel: SidecarChannel {
            number: channel.number,
            name: channel.name.clone(),
            tvg_id: channel.tvg_id.clone(),
        },
        source: source.url.clone(),
        start: rfc3339(started),
        end: rfc3339(ended),
        seconds: ended.duration_since(started).unwrap_or_default().as_secs_f64(),
        bytes,
        gaps,
        dropped_chunks: recording.dropped.load(Ordering::Relaxed),
    };
    let json = serde_json::to_vec_pretty(&sidecar).unwrap_or_default();
    let path = folder.join("recording.json");
    write_atomic(&path, &json).map_err(|source| RecordError::Io { path, source })?;
    Ok(Recorded { folder, sidecar })
}

/// The TS file being written.
struct Writer {
    part: PathBuf,
    done: PathBuf,
    file: BufWriter<File>,
}

impl Writer {
    fn create(folder: &Path) -> Result<Self, RecordError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| RecordError::Io { path, source }
        };
        fs::create_dir_all(folder).map_err(io(folder))?;
        let part = folder.join("stream.ts.part");
        let file = File::create(&part).map_err(io(&part))?;
        Ok(Self {
            done: folder.join("stream.ts"),
            file: BufWriter::with_capacity(1 << 20, file),
            part,
        })
    }

    /// Writes chunks for `length` from now; the bytes written, the gaps and when it ended.
    fn run(
        mut self,
        first: Vec<u8>,
        chunks: &std::sync::mpsc::Receiver<Vec<u8>>,
        length: Duration,
    ) -> Result<(u64, Vec<Gap>, SystemTime), RecordError> {
        let begin = Instant::now();
        let mut bytes = self.write(&first)?;
        let mut gaps = Vec::new();
        let mut last = Instant::now();
        while let Some(left) = length.checked_sub(begin.elapsed()) {
            match chunks.recv_timeout(left.min(GAP_AFTER)) {
                Ok(chunk) => {
                    let silent = last.elapsed();
                    if silent > GAP_AFTER {
                        gaps.push(Gap {
                            start: rfc3339(SystemTime::now() - silent),
                            seconds: silent.as_secs_f64(),
                        });
                    }
                    last = Instant::now();
                    bytes += self.write(&chunk)?;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let silent = last.elapsed();
        if silent > GAP_AFTER {
            gaps.push(Gap {
                start: rfc3339(SystemTime::now() - silent),
                seconds: silent.as_secs_f64(),
            });
        }
        self.finish()?;
        Ok((bytes, gaps, SystemTime::now()))
    }

    fn write(&mut self, chunk: &[u8]) -> Result<u64, RecordError> {
        self.file.write_all(chunk).map_err(|source| RecordError::Io {
            path: self.part.clone(),
            source,
        })?;
        Ok(chunk.len() as u64)
    }

    /// Flushed and synced, then renamed: a `stream.ts` is always complete.
    fn finish(self) -> Result<(), RecordError> {
        let part = self.part.clone();
        let io = |source| RecordError::Io {
            path: part.clone(),
            source,
        };
        let file = self.file.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        fs::rename(&self.part, &self.done).map_err(io)?;
        if let Some(dir) = self.done.parent() {
            File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
        Ok(())
    }
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

fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |ts| ts.to_string())
}
