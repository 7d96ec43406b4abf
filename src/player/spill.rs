// SPDX-License-Identifier: GPL-3.0-or-later
//! The disk part of the live channel's timeshift window (`timeshift.dir`: a USB disk or a NAS).
//! The RAM ring keeps the last minute; the spill copies the same bytes, in the ring's own packet
//! positions, into whole-GOP segment files, so a reader can go back an hour and hand over to the
//! ring where the two meet without a seam.
//!
//! ```text
//!  receive thread (tap lock)          writer thread (no tap lock)        timeshift.dir
//!  ring ──raw cursor──> SpillChunk ──bounded queue──> segment files ───> zapbox-timeshift-PID-N/
//!        every 40 ms     (bytes, keyframes               cut at a keyframe    0000000000123456.ts
//!                         with PTS, arrival)             every 10 s           ...
//!                                          └─> DiskIndex (segments, keyframes, arrival marks)
//!  a consumer behind the RAM window reads the files through the index (pread, paced by arrival)
//! ```
//!
//! The index is in memory: per segment its first and end ring positions (the byte offset of a
//! packet is `(position - first) * 188`), per keyframe its position, arrival time (the tap's
//! monotonic clock), wall-clock time and PTS, and arrival marks every chunk. Arrival time, not
//! PTS, addresses the window, so PTS wraps and sender restarts change nothing.
//!
//! Limits: segments older than `max_seconds` are deleted as the window moves (also while the
//! picture is paused: a pause that the window's start overtakes is the core's business, which
//! plays on from the oldest frame kept); when the disk's free space falls under `floor_bytes`
//! the oldest segments go first, and when only the one being written is left the spill gives up.
//! The receive thread never waits for the disk: a full queue (a disk slower than the stream)
//! also gives up. Giving up deletes the files and leaves the RAM window, and the tap says so once.
//!
//! Nothing stays behind: the writer deletes its folder when the spill is dropped (a zap away,
//! the tap closed), and [`clean_stale`] removes the folders of processes that no longer run
//! (a crash or a kill), at start.

use crate::core::DiskProblem;
use crate::mpegts::{Arrivals, Cursor, TS_PACKET_SIZE, TsPacket, TsRing, pes::Pes};
use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where and how much the disk window keeps (config `timeshift.dir`, `disk_minutes`,
/// `disk_floor_mib`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskSettings {
    pub dir: PathBuf,
    /// Seconds kept on disk.
    pub max_seconds: u64,
    /// Free space the spill leaves on the disk, in bytes.
    pub floor_bytes: u64,
}

/// A segment is cut at the first keyframe after it spans this long.
const SEGMENT_SECONDS: u64 = 10;
/// Chunks queued for the writer at most (a chunk every [`FEED_EVERY`]: about 20 s of stream).
const QUEUE: usize = 512;
/// How often the receive thread hands the writer what arrived.
pub const FEED_EVERY: Duration = Duration::from_millis(40);
/// How often the writer checks the time cap and the free space.
const TRIM_EVERY: Duration = Duration::from_secs(1);
/// Folders of the spill start with this, then the process id and a serial.
const DIR_PREFIX: &str = "zapbox-timeshift-";

static SERIAL: AtomicU64 = AtomicU64::new(0);

/// What the receive thread hands the writer: ring bytes from `start`, the keyframes among them
/// and when everything up to their end had arrived.
struct SpillChunk {
    start: u64,
    bytes: Vec<u8>,
    keyframes: Vec<KeyframeEntry>,
    arrived_us: u64,
}

/// One random access point on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyframeEntry {
    /// Ring position of its first packet (byte offset `(position - segment first) * 188`).
    pub position: u64,
    /// Arrival on the tap's clock (microseconds since the tap's epoch).
    pub arrived_us: u64,
    /// Arrival on the wall clock, milliseconds since 1970.
    pub utc_ms: i64,
    /// PTS of the video PES that starts there, when its header says.
    pub pts: Option<u64>,
}

/// One segment file: whole GOPs from a keyframe.
#[derive(Debug)]
struct Segment {
    first: u64,
    end: u64,
    path: PathBuf,
    keyframes: Vec<KeyframeEntry>,
    first_arrived_us: u64,
    last_arrived_us: u64,
}

/// What is on disk; shared by the writer (which appends and deletes) and the readers.
#[derive(Debug, Default)]
pub struct DiskIndex {
    segments: VecDeque<Segment>,
    marks: Arrivals,
    problem: Option<DiskProblem>,
}

impl DiskIndex {
    /// First position still on disk.
    pub fn oldest(&self) -> Option<u64> {
        self.segments.front().map(|s| s.first)
    }

    /// End of what is written (every position before it can be read).
    pub fn end(&self) -> Option<u64> {
        self.segments.back().map(|s| s.end)
    }

    /// The oldest keyframe on disk.
    pub fn oldest_keyframe(&self) -> Option<KeyframeEntry> {
        self.segments.iter().flat_map(|s| &s.keyframes).next().copied()
    }

    /// The newest keyframe on disk at or before `position`.
    pub fn keyframe_before(&self, position: u64) -> Option<KeyframeEntry> {
        let at = self.segments.partition_point(|s| s.first <= position);
        self.segments
            .range(..at)
            .rev()
            .flat_map(|s| s.keyframes.iter().rev())
            .find(|k| k.position <= position)
            .copied()
    }

    /// Keyframes on disk (oldest first).
    pub fn keyframes(&self) -> impl Iterator<Item = &KeyframeEntry> {
        self.segments.iter().flat_map(|s| &s.keyframes)
    }

    /// Segment files on disk.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// When the packet at `position` had arrived (tap clock), if on disk.
    pub fn time_of(&self, position: u64) -> Option<u64> {
        self.marks.time_of(position)
    }

    /// The end of what had arrived by `t_us` (tap clock).
    pub fn position_at(&self, t_us: u64) -> Option<u64> {
        self.marks.position_at(t_us)
    }

    /// The file holding `position`, the byte offset in it and how many packets follow in it.
    fn locate(&self, position: u64) -> Option<(&Path, u64, u64)> {
        let at = self.segments.partition_point(|s| s.first <= position);
        let segment = self.segments.get(at.checked_sub(1)?)?;
        (position < segment.end).then(|| {
            (
                segment.path.as_path(),
                (position - segment.first) * TS_PACKET_SIZE as u64,
                segment.end - position,
            )
        })
    }

    fn drop_oldest(&mut self) {
        if let Some(segment) = self.segments.pop_front() {
            let _ = std::fs::remove_file(&segment.path);
        }
        if let Some(oldest) = self.oldest() {
            self.marks.prune(oldest);
        }
    }
}

/// The spill of one live tap: lives in the tap's state, fed by its receive thread.
pub struct Spill {
    index: Arc<Mutex<DiskIndex>>,
    chunks: mpsc::SyncSender<SpillChunk>,
    cursor: Cursor,
    fed: Instant,
    dir: PathBuf,
}

impl Spill {
    /// Starts spilling `ring` from its keyframe `from` into a fresh folder under `settings.dir`.
    pub fn start(settings: &DiskSettings, ring: &TsRing, from: u64) -> std::io::Result<Self> {
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        let dir = settings
            .dir
            .join(format!("{DIR_PREFIX}{}-{serial}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let cursor = ring
            .reader_at(from)
            .ok_or_else(|| std::io::Error::other("the keyframe left the ring"))?;
        let index = Arc::new(Mutex::new(DiskIndex::default()));
        let (chunks, queue) = mpsc::sync_channel(QUEUE);
        let writer = Writer {
            dir: dir.clone(),
            settings: settings.clone(),
            index: index.clone(),
            file: None,
            last_trim: Instant::now(),
        };
        std::thread::Builder::new()
            .name("timeshift-disk".into())
            .spawn(move || writer.run(queue))?;
        log::debug!("timeshift spill into {}", dir.display());
        Ok(Self {
            index,
            chunks,
            cursor,
            fed: Instant::now(),
            dir,
        })
    }

    /// The index the readers look things up in.
    pub fn index(&self) -> &Arc<Mutex<DiskIndex>> {
        &self.index
    }

    /// The spill's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Hands the writer what arrived since the last call (at most every [`FEED_EVERY`]); `now_us`
    /// is the tap clock. Never waits: a full queue is [`DiskProblem::Slow`].
    pub fn feed(&mut self, ring: &TsRing, now_us: u64) -> Result<(), DiskProblem> {
        if let Some(problem) = self.index.lock().ok().and_then(|i| i.problem) {
            return Err(problem);
        }
        if self.fed.elapsed() < FEED_EVERY {
            return Ok(());
        }
        self.fed = Instant::now();
        self.push(ring, now_us)
    }

    /// Hands the writer everything the ring holds past the spill's cursor, as arrived by `now_us`.
    fn push(&mut self, ring: &TsRing, now_us: u64) -> Result<(), DiskProblem> {
        let start = self.cursor.position();
        let mut bytes = Vec::new();
        match ring.read(&mut self.cursor, &mut bytes, 4 << 20) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            // The ring lapped the spill: the disk copy would have a hole.
            Err(_) => return Err(DiskProblem::Slow),
        }
        let end = self.cursor.position();
        let utc_ms = utc_now_ms();
        let mut keyframes: Vec<KeyframeEntry> = ring
            .keyframes()
            .take_while(|&k| k >= start)
            .filter(|&k| k < end)
            .map(|position| KeyframeEntry {
                position,
                arrived_us: now_us,
                utc_ms,
                pts: ring.packet(position).and_then(pts_of),
            })
            .collect();
        keyframes.reverse();
        let chunk = SpillChunk {
            start,
            bytes,
            keyframes,
            arrived_us: now_us,
        };
        match self.chunks.try_send(chunk) {
            Ok(()) => Ok(()),
            Err(mpsc::TrySendError::Full(_)) => Err(DiskProblem::Slow),
            Err(mpsc::TrySendError::Disconnected(_)) => Err(self
                .index
                .lock()
                .ok()
                .and_then(|i| i.problem)
                .unwrap_or(DiskProblem::Failed)),
        }
    }
}

/// A reader's open segment file.
#[derive(Debug, Default)]
pub struct OpenSegment {
    file: Option<(PathBuf, File)>,
}

impl OpenSegment {
    /// Appends up to `max_packets` packets from `position` (never past `limit`) to `out`; the
    /// packets appended, 0 when `position` is not on disk.
    pub fn read(
        &mut self,
        index: &DiskIndex,
        position: u64,
        limit: u64,
        max_packets: u64,
        out: &mut Vec<u8>,
    ) -> std::io::Result<u64> {
        let Some((path, offset, available)) = index.locate(position) else {
            return Ok(0);
        };
        let count = available.min(max_packets).min(limit.saturating_sub(position));
        if count == 0 {
            return Ok(0);
        }
        if self.file.as_ref().is_none_or(|(p, _)| p != path) {
            self.file = Some((path.to_path_buf(), File::open(path)?));
        }
        let Some((_, file)) = self.file.as_ref() else {
            return Ok(0);
        };
        let from = out.len();
        let bytes = usize::try_from(count).unwrap_or(0) * TS_PACKET_SIZE;
        out.resize(from + bytes, 0);
        if let Err(e) = file.read_exact_at(&mut out[from..], offset) {
            out.truncate(from);
            return Err(e);
        }
        Ok(count)
    }
}

/// The writer thread: appends chunks to segment files, cuts them at keyframes, trims by age and
/// free space, and deletes its folder when it ends.
struct Writer {
    dir: PathBuf,
    settings: DiskSettings,
    index: Arc<Mutex<DiskIndex>>,
    file: Option<File>,
    last_trim: Instant,
}

impl Writer {
    fn run(mut self, queue: mpsc::Receiver<SpillChunk>) {
        loop {
            let outcome = match queue.recv_timeout(TRIM_EVERY) {
                Ok(chunk) => self.take(chunk),
                Err(mpsc::RecvTimeoutError::Timeout) => Ok(()),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            let outcome = outcome.and_then(|()| {
                if self.last_trim.elapsed() >= TRIM_EVERY {
                    self.last_trim = Instant::now();
                    self.trim()
                } else {
                    Ok(())
                }
            });
            if let Err(problem) = outcome {
                log::warn!(
                    "timeshift disk {}: {problem:?}; keeping the RAM window only",
                    self.dir.display()
                );
                if let Ok(mut index) = self.index.lock() {
                    index.problem = Some(problem);
                }
                break;
            }
        }
        self.file = None;
        if let Ok(mut index) = self.index.lock() {
            index.segments.clear();
            index.marks = Arrivals::new();
        }
        match std::fs::remove_dir_all(&self.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("removing {}: {e}", self.dir.display()),
        }
    }

    /// Writes one chunk, starting a new segment at a keyframe once the current one is long enough
    /// (bytes before the first keyframe ever are not kept: nothing could start from them).
    fn take(&mut self, chunk: SpillChunk) -> Result<(), DiskProblem> {
        let end = chunk.start + (chunk.bytes.len() / TS_PACKET_SIZE) as u64;
        let mut written = chunk.start;
        for keyframe in &chunk.keyframes {
            let due = {
                let index = self.index.lock().map_err(|_| DiskProblem::Failed)?;
                index.segments.back().is_none_or(|s| {
                    chunk.arrived_us.saturating_sub(s.first_arrived_us) >= SEGMENT_SECONDS * 1_000_000
                })
            };
            if due {
                self.append(&chunk, written, keyframe.position)?;
                written = keyframe.position;
                self.open_segment(keyframe.position, chunk.arrived_us)?;
            }
        }
        self.append(&chunk, written, end)?;
        let mut index = self.index.lock().map_err(|_| DiskProblem::Failed)?;
        if !index.segments.is_empty() {
            index.marks.note(end, chunk.arrived_us);
        }
        Ok(())
    }

    /// Appends the chunk's packets `from..to` to the open segment and indexes them (nothing
    /// before the first segment).
    fn append(&mut self, chunk: &SpillChunk, from: u64, to: u64) -> Result<(), DiskProblem> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        if to <= from {
            return Ok(());
        }
        let range = usize::try_from(from - chunk.start).unwrap_or(0) * TS_PACKET_SIZE
            ..usize::try_from(to - chunk.start).unwrap_or(0) * TS_PACKET_SIZE;
        let bytes = chunk.bytes.get(range).unwrap_or_default();
        file.write_all(bytes).map_err(|e| problem_of(&e))?;
        let mut index = self.index.lock().map_err(|_| DiskProblem::Failed)?;
        if let Some(segment) = index.segments.back_mut() {
            segment.end = to;
            segment.last_arrived_us = chunk.arrived_us;
            segment.keyframes.extend(
                chunk
                    .keyframes
                    .iter()
                    .filter(|k| (from..to).contains(&k.position)),
            );
        }
        Ok(())
    }

    fn open_segment(&mut self, first: u64, arrived_us: u64) -> Result<(), DiskProblem> {
        let path = self.dir.join(format!("{first:016}.ts"));
        let file = File::create(&path).map_err(|e| problem_of(&e))?;
        self.file = Some(file);
        let mut index = self.index.lock().map_err(|_| DiskProblem::Failed)?;
        index.segments.push_back(Segment {
            first,
            end: first,
            path,
            keyframes: Vec::new(),
            first_arrived_us: arrived_us,
            last_arrived_us: arrived_us,
        });
        Ok(())
    }

    /// Deletes segments older than the time cap, and the oldest ones while free space is under
    /// the floor; under the floor with nothing left to delete is [`DiskProblem::Full`].
    fn trim(&mut self) -> Result<(), DiskProblem> {
        let mut index = self.index.lock().map_err(|_| DiskProblem::Failed)?;
        let Some(newest) = index.segments.back().map(|s| s.last_arrived_us) else {
            return Ok(());
        };
        let cap_us = self.settings.max_seconds.saturating_mul(1_000_000);
        while index.segments.len() > 1
            && index
                .segments
                .get(1)
                .is_some_and(|s| newest.saturating_sub(s.first_arrived_us) >= cap_us)
        {
            index.drop_oldest();
        }
        loop {
            let free = free_bytes(&self.dir).map_err(|e| problem_of(&e))?;
            if free >= self.settings.floor_bytes {
                return Ok(());
            }
            if index.segments.len() <= 1 {
                return Err(DiskProblem::Full);
            }
            index.drop_oldest();
        }
    }
}

/// Removes the spill folders under `dir` left by processes that no longer run (a crash, a kill).
pub fn clean_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists();
        if !alive {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => log::info!("removed a stale timeshift folder {}", entry.path().display()),
                Err(e) => log::warn!("removing {}: {e}", entry.path().display()),
            }
        }
    }
}

/// The PTS of the PES starting in `packet`.
fn pts_of(packet: &[u8; TS_PACKET_SIZE]) -> Option<u64> {
    let packet = TsPacket::from_array(packet)?;
    packet.pusi().then(|| Pes::parse(packet.payload()))??.pts
}

fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let stat = nix::sys::statvfs::statvfs(dir).map_err(std::io::Error::from)?;
    Ok(stat.blocks_available().saturating_mul(stat.fragment_size()))
}

fn problem_of(e: &std::io::Error) -> DiskProblem {
    if e.raw_os_error() == Some(libc::ENOSPC) {
        DiskProblem::Full
    } else {
        DiskProblem::Failed
    }
}

fn utc_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
