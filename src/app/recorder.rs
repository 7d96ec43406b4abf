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
    Event, RESUMED_IDS, RecorderCommand, RecorderEvent, RecordingOutcome, ResumedRecording,
    schedule::Schedule,
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
