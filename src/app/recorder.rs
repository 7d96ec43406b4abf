// SPDX-License-Identifier: GPL-3.0-or-later
//! The recorder executor: the core's [`RecorderCommand`]s become recording threads, and its
//! schedule reaches the flash through a writer thread. Nothing here runs on the UI loop: each
//! recording blocks on its own thread (`player::record`), reading the player's tap through a
//! [`RecorderHandle`] (the tap the picture reads when the channel is live, so no second join),
//! and reports its end as `Event::Recorder(Ended)`.
//!
//! ```text
//!  core ── Recorder(Start) ──> thread "recording": player tap ─> DIR/<number>-<name>-<start>/
//!       ── Recorder(Stop) ───> its stop flag                         (player::record)
//!       ── Recorder(Resume) ─> thread "recording-resume": every folder a crash left `recording`:
//!                                 planned end passed ─> closed at once (the gap written)
//!                                 else ─> a thread records on into a new segment
//!                              ─> Event::Recorder(Resumed { running })
//!       ── SaveSchedule ─────> thread "schedule-writer": schedule.json (write_atomic)
//! ```
//!
//! A stopping app leaves its recordings as they are: their sidecars say `recording`, and the
//! next start resumes them with the time away written as a gap, exactly as after a power cut.

use super::Inbox;
use crate::core::{
    Event, MAX_LISTED, RESUMED_IDS, RecordedSegment, RecorderCommand, RecorderEvent, RecordingItem,
    RecordingOutcome, RecordingState, ResumedRecording, schedule::Schedule,
};
use crate::lineup::{ChannelKey, Lineup};
use crate::player::RecorderHandle;
use crate::player::record::{self, Asked, Length, RecordError, Recorded, State, TapSource};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type Running = Arc<Mutex<HashMap<u64, Arc<AtomicBool>>>>;

/// The recorder: recording threads and the schedule's writer.
pub struct Recorder {
    dir: PathBuf,
    player: RecorderHandle,
    inbox: Inbox,
    /// Stop flags of the recordings running (the resume thread adds those it resumes).
    running: Running,
    schedule: mpsc::Sender<Schedule>,
}

impl Recorder {
    /// Recordings go into `dir` (created when missing); the schedule is saved to `schedule_file`.
    pub fn start(
        dir: PathBuf,
        schedule_file: PathBuf,
        player: RecorderHandle,
        inbox: Inbox,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let (schedule, saves) = mpsc::channel::<Schedule>();
        std::thread::Builder::new()
            .name("schedule-writer".into())
            .spawn(move || {
                while let Ok(mut latest) = saves.recv() {
                    // A burst of changes is one write.
                    while let Ok(newer) = saves.try_recv() {
                        latest = newer;
                    }
                    if let Err(e) = crate::system::atomic::write_atomic(&schedule_file, &latest.to_json()) {
                        log::error!("cannot save the schedule to {}: {e}", schedule_file.display());
                    }
                }
            })?;
        Ok(Self {
            dir,
            player,
            inbox,
            running: Running::default(),
            schedule,
        })
    }

    /// The folder recordings go into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queues a save of the schedule for the writer thread.
    pub fn save(&self, schedule: Schedule) {
        let _ = self.schedule.send(schedule);
    }

    /// Carries out one command; `lineup` names the channels.
    pub fn execute(&mut self, command: RecorderCommand, lineup: &Arc<Lineup>) {
        if let Ok(mut running) = self.running.lock() {
            running.retain(|_, stop| Arc::strong_count(stop) > 1);
        }
        match command {
            RecorderCommand::Start {
                id,
                channel,
                source,
                title,
                until_s,
                behind_s,
            } => {
                let Some(mut found) = lineup.by_key(&channel).cloned() else {
                    self.ended(id, RecordingOutcome::Failed("the channel is gone".into()));
                    return;
                };
                // The source the core chose first (its first multicast one).
                found.sources.retain(|s| *s == *source);
                let stop = Arc::new(AtomicBool::new(false));
                if let Ok(mut running) = self.running.lock() {
                    running.insert(id, stop.clone());
                }
                let asked = Asked {
                    behind: Duration::from_secs(behind_s),
                    description: None,
                    title: Some(title),
                    stop: Some(stop),
                };
                let tap = TapSource::Player {
                    handle: self.player.clone(),
                    id,
                };
                let until = UNIX_EPOCH + Duration::from_secs(u64::try_from(until_s).unwrap_or(0));
                let (dir, inbox) = (self.dir.clone(), self.inbox.clone());
                let spawned = std::thread::Builder::new()
                    .name("recording".into())
                    .spawn(move || {
                        let result = record::record_until(&found, Length::Until(until), &dir, &tap, &asked);
                        log_result(&result);
                        inbox.post(Event::Recorder(RecorderEvent::Ended {
                            id,
                            outcome: outcome(&result),
                        }));
                    });
                if let Err(e) = spawned {
                    self.ended(id, RecordingOutcome::Failed(e.to_string()));
                }
            }
            RecorderCommand::Stop { id } => {
                if let Some(stop) = self.running.lock().ok().and_then(|r| r.get(&id).cloned()) {
                    stop.store(true, Ordering::Relaxed);
                }
            }
            RecorderCommand::Resume => self.resume(lineup.clone()),
            RecorderCommand::List => {
                let (dir, inbox) = (self.dir.clone(), self.inbox.clone());
                self.off_the_loop("recordings-list", move || {
                    let (items, free_bytes) = list(&dir);
                    inbox.post(Event::Recorder(RecorderEvent::Listed { items, free_bytes }));
                });
            }
            RecorderCommand::Delete { folder } => {
                let (dir, inbox) = (self.dir.clone(), self.inbox.clone());
                self.off_the_loop("recordings-delete", move || {
                    let ok = delete(&dir, Path::new(&folder));
                    inbox.post(Event::Recorder(RecorderEvent::Deleted { folder, ok }));
                });
            }
            RecorderCommand::SavePosition { folder, position_ms } => {
                let dir = self.dir.clone();
                self.off_the_loop("recordings-position", move || {
                    let folder = Path::new(&folder);
                    if folder.parent() != Some(dir.as_path()) {
                        return;
                    }
                    let path = folder.join(POSITION);
                    let saved = match position_ms {
                        Some(ms) => crate::system::atomic::write_atomic(&path, ms.to_string().as_bytes()),
                        None => std::fs::remove_file(&path).or(Ok(())),
                    };
                    if let Err(e) = saved {
                        log::warn!("cannot keep the position in {}: {e}", path.display());
                    }
                });
            }
        }
    }

    /// Runs `work` on a thread of its own (listing, deleting: flash work, never on the loop).
    fn off_the_loop(&self, name: &str, work: impl FnOnce() + Send + 'static) {
        if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(work) {
            log::error!("cannot start {name}: {e}");
        }
    }

    /// Picks up what a crash or power cut interrupted, off the loop.
    fn resume(&mut self, lineup: Arc<Lineup>) {
        let (dir, inbox, player) = (self.dir.clone(), self.inbox.clone(), self.player.clone());
        let stops = self.running.clone();
        let spawned = std::thread::Builder::new()
            .name("recording-resume".into())
            .spawn(move || {
                let running = resume_all(&dir, &lineup, &player, &inbox, &stops);
                inbox.post(Event::Recorder(RecorderEvent::Resumed { running }));
            });
        if let Err(e) = spawned {
            log::error!("cannot resume the recordings: {e}");
            self.inbox
                .post(Event::Recorder(RecorderEvent::Resumed { running: Vec::new() }));
        }
    }

    fn ended(&self, id: u64, outcome: RecordingOutcome) {
        self.inbox
            .post(Event::Recorder(RecorderEvent::Ended { id, outcome }));
    }
}

/// The schedule saved in `path` (at start, before the loop runs): none when the file is missing;
/// a file that is no schedule is kept aside as `*.bad` and an empty schedule is used.
pub fn load_schedule(path: &Path) -> Schedule {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Schedule::default(),
        Err(e) => {
            log::error!("cannot read the schedule {}: {e}", path.display());
            return Schedule::default();
        }
    };
    match Schedule::from_json(&bytes) {
        Ok((schedule, 0)) => schedule,
        Ok((schedule, dropped)) => {
            log::warn!("{}: {dropped} rules that make no sense dropped", path.display());
            schedule
        }
        Err(e) => {
            log::error!("{} is no schedule ({e}): kept aside as .bad", path.display());
            let _ = std::fs::rename(path, path.with_extension("json.bad"));
            Schedule::default()
        }
    }
}

/// Resumes every unfinished recording in `dir`: those whose planned end passed are closed here,
/// the others record on, each on its own thread. Returns those that run.
fn resume_all(
    dir: &Path,
    lineup: &Lineup,
    player: &RecorderHandle,
    inbox: &Inbox,
    stops: &Running,
) -> Vec<ResumedRecording> {
    let now_s = unix_now();
    let mut running = Vec::new();
    for (n, folder) in record::unfinished(dir).into_iter().enumerate() {
        let id = RESUMED_IDS + n as u64;
        let Ok(sidecar) = record::read_sidecar(&folder) else {
            continue;
        };
        let stop_s = sidecar.planned_end_s().unwrap_or(now_s);
        let tap = TapSource::Player {
            handle: player.clone(),
            id,
        };
        if stop_s <= now_s {
            let result = record::resume_from(&folder, &tap, None);
            log_result(&result);
            continue;
        }
        // The channel as the lineup knows it (by number and stream), for the plan.
        let channel = lineup
            .channels
            .iter()
            .find(|c| c.number == sidecar.channel.number && c.sources.iter().any(|s| s.url == sidecar.source))
            .map_or_else(
                || ChannelKey(format!("recording:{}", folder.display())),
                |c| c.key.clone(),
            );
        let stop = Arc::new(AtomicBool::new(false));
        if let Ok(mut stops) = stops.lock() {
            stops.insert(id, stop.clone());
        }
        running.push(ResumedRecording {
            id,
            channel,
            title: sidecar
                .title
                .clone()
                .unwrap_or_else(|| sidecar.channel.name.clone()),
            stop_s,
        });
        let inbox = inbox.clone();
        let spawned = std::thread::Builder::new()
            .name("recording".into())
            .spawn(move || {
                let result = record::resume_from(&folder, &tap, Some(stop));
                log_result(&result);
                inbox.post(Event::Recorder(RecorderEvent::Ended {
                    id,
                    outcome: outcome(&result),
                }));
            });
        if let Err(e) = spawned {
            log::error!("cannot resume a recording: {e}");
            running.pop();
        }
    }
    running
}

/// Where the viewer stopped watching a recording (ms, as text), in its folder.
const POSITION: &str = "position";

/// The recordings in `dir` (newest first, at most [`MAX_LISTED`]) and the free space there.
fn list(dir: &Path) -> (Vec<RecordingItem>, Option<u64>) {
    let free = nix::sys::statvfs::statvfs(dir)
        .ok()
        .map(|s| s.blocks_available().saturating_mul(s.fragment_size()));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (Vec::new(), free);
    };
    let mut items: Vec<RecordingItem> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter_map(|folder| item(&folder))
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.start_s));
    items.truncate(MAX_LISTED);
    (items, free)
}

/// One folder as the screen lists it: its finished segments placed on the recording's time.
fn item(folder: &Path) -> Option<RecordingItem> {
    let sidecar = record::read_sidecar(folder).ok()?;
    let ms = |t: &str| t.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond());
    let start = ms(&sidecar.start)?;
    let segments: Vec<RecordedSegment> = sidecar
        .segments
        .iter()
        .filter(|s| folder.join(&s.file).is_file())
        .filter_map(|s| {
            let (from, to) = (ms(&s.start)?, ms(&s.end)?);
            Some(RecordedSegment {
                path: folder.join(&s.file).to_string_lossy().into_owned(),
                offset_ms: u64::try_from(from - start).ok()?,
                length_ms: u64::try_from(to - from).ok()?,
            })
        })
        .collect();
    let length_ms = segments.last().map_or(0, |s| s.offset_ms + s.length_ms);
    let position_ms = std::fs::read_to_string(folder.join(POSITION))
        .ok()
        .and_then(|t| t.trim().parse().ok());
    Some(RecordingItem {
        folder: folder.to_string_lossy().into_owned(),
        title: sidecar
            .title
            .clone()
            .unwrap_or_else(|| sidecar.channel.name.clone()),
        channel: sidecar.channel.name.clone(),
        start_s: start.div_euclid(1000),
        length_ms,
        bytes: sidecar.segments.iter().map(|s| s.bytes).sum(),
        state: match sidecar.state {
            State::Recording => RecordingState::Recording,
            State::Complete => RecordingState::Complete,
            State::DiskFull => RecordingState::DiskFull,
            State::WriteFailed => RecordingState::Failed,
        },
        segments,
        position_ms,
    })
}

/// Deletes a recording's folder: only a folder directly in `dir` whose sidecar says it is not
/// being written.
fn delete(dir: &Path, folder: &Path) -> bool {
    if folder.parent() != Some(dir) || !folder.join(record::SIDECAR).is_file() {
        log::warn!("not a recording to delete: {}", folder.display());
        return false;
    }
    if record::read_sidecar(folder).is_ok_and(|s| s.state == State::Recording) {
        return false;
    }
    match std::fs::remove_dir_all(folder) {
        Ok(()) => true,
        Err(e) => {
            log::warn!("cannot delete {}: {e}", folder.display());
            false
        }
    }
}

fn outcome(result: &Result<Recorded, RecordError>) -> RecordingOutcome {
    match result {
        Ok(done) => match done.sidecar.state {
            State::Complete | State::Recording => RecordingOutcome::Complete,
            State::DiskFull => RecordingOutcome::DiskFull,
            State::WriteFailed => RecordingOutcome::Failed("a write failed".into()),
        },
        Err(e) => RecordingOutcome::Failed(e.to_string()),
    }
}

fn log_result(result: &Result<Recorded, RecordError>) {
    match result {
        Ok(done) => log::info!(
            "recording {}: {:?}, {:.1} s, {} bytes",
            done.folder.display(),
            done.sidecar.state,
            done.sidecar.seconds,
            done.sidecar.bytes
        ),
        Err(e) => log::warn!("recording: {e}"),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
