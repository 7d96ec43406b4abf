// SPDX-License-Identifier: GPL-3.0-or-later
//! Loading what the box shows from outside — the lineup (playlists) and the guide (XMLTV) — in
//! background threads, so the screen is up at once and a slow server never freezes it.
//!
//! ```text
//!  load:    playlists (cache first when offline) ──> Event::LineupLoaded ──> Event::Started (first load)
//!           guide index of the last run (disk) ────> Event::GuideLoaded      (the guide before any network)
//!           guide sources + playlists' url-tvg ────> ingest ──> Event::GuideLoaded
//!  refresh: Effect::RefreshGuide (the core's timer) ──> ingest ──> Event::GuideLoaded
//! ```
//! Every thread does one job and ends: the period between refreshes is the core's timer
//! (`TimerId::GuideRefresh`), not a sleeping thread. A newer load (the viewer changed the
//! sources) supersedes a running one at its next step, and a thread waiting for the clock
//! notices within half a second, so a superseded thread never lingers holding its lineup.
//!
//! `Event::Started` is posted here and nowhere else, once, after the boot's lineup: the core
//! tunes the last channel with the channels there, and never says "no channels" before they came.

use super::Inbox;
use crate::core::{Event, GuideHandle};
use crate::epg::{BuildOptions, GuideSource, IngestError, IngestOptions, KeepGoing, LineupFilter, NamedBy};
use crate::guide::{Guide, GuideOverrides};
use crate::lineup::Lineup;
use crate::net::http::HttpLimits;
use crate::system::clock;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the loader waits for NTP before giving up on fresh sources (cached ones stay; a newer
/// load ends the wait at once).
const CLOCK_WAIT: Duration = Duration::from_secs(30 * 60);
/// Programmes that ended this long ago are dropped at ingest (kept for a look back in the grid).
const KEEP_PAST_S: i64 = 6 * 3600;

/// Whether a load is the one at boot (it starts the core) or a reload (the viewer changed sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boot {
    /// The first load: `Event::Started` follows the lineup.
    Start,
    Reload,
}

/// How often a load waiting for the ingest in progress checks whether it is still the newest.
const INGEST_WAIT_POLL: Duration = Duration::from_millis(50);

/// Starts loads of the lineup and the guide; cheap to clone.
#[derive(Clone)]
pub struct SourceLoader {
    inbox: Inbox,
    cache_dir: PathBuf,
    /// Minutes added to every guide time (a guide published in the wrong zone).
    guide_offset_minutes: i32,
    /// The newest load; older threads stop at their next step.
    generation: Arc<AtomicU64>,
    /// One heavy job at a time: an ingest writing the index directory, or a playlist load. Their
    /// peaks must not add up (a 50,000-channel playlist during a capped guide ingest took the
    /// soak's 256 MiB cgroup to its OOM killer).
    writing: Arc<Mutex<()>>,
    /// The viewer's guide choices (menu), applied at every match.
    overrides: Arc<Mutex<GuideOverrides>>,
    /// Configured time zones of guide sources (by URL) for their times without a zone.
    time_zones: Arc<HashMap<String, String>>,
    /// A boot load asked for `Event::Started` and it was not posted yet (whichever load brings
    /// the first lineup posts it, so a reload that supersedes the boot load still starts the core).
    start_pending: Arc<AtomicBool>,
    /// Loader threads alive now.
    running: Arc<AtomicUsize>,
    /// The one matcher thread and the newest lineup waiting for it.
    rematch: Arc<Mutex<Rematch>>,
}

/// Rematch requests: at most one matcher thread works, on the newest lineup.
#[derive(Default)]
struct Rematch {
    running: bool,
    pending: Option<Arc<Lineup>>,
}

/// A lineup or guide load frees tens of MB at once (a hostile one up to its caps): they go back
/// to the kernel now, or the resident size keeps the peak of the largest load.
fn release_after_load() {
    crate::system::resources::release_free_memory();
    // One line per load (every few hours on a box): what the heap holds once a load is freed is
    // what tells a leak from fragmentation when the resident size looks high.
    let heap = crate::system::resources::heap_figures();
    log::info!(
        "heap after a load: {} MiB in use, {} MiB free in the arenas (resident or not), {} MiB mapped",
        heap.in_use >> 20,
        heap.free_held >> 20,
        heap.mapped >> 20
    );
}

/// Counts a loader thread while it lives.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SourceLoader {
    pub fn new(inbox: Inbox, cache_dir: PathBuf, guide_offset_minutes: i32) -> Self {
        Self {
            inbox,
            cache_dir,
            guide_offset_minutes,
            generation: Arc::new(AtomicU64::new(0)),
            writing: Arc::new(Mutex::new(())),
            overrides: Arc::new(Mutex::new(GuideOverrides::new())),
            time_zones: Arc::default(),
            start_pending: Arc::new(AtomicBool::new(false)),
            running: Arc::new(AtomicUsize::new(0)),
            rematch: Arc::default(),
        }
    }

    /// How many loader threads are alive (each does one job and ends).
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Runs `job` on a thread of its own, counted in [`running`](Self::running); false when
    /// no thread could be started.
    fn spawn(&self, name: &str, job: impl FnOnce(&Self) + Send + 'static) -> bool {
        let (loader, running) = (self.clone(), Running::new(&self.running));
        let spawned = std::thread::Builder::new().name(name.into()).spawn(move || {
            let _running = running;
            job(&loader);
        });
        if let Err(e) = &spawned {
            log::error!("cannot start the {name} thread: {e}");
        }
        spawned.is_ok()
    }

    /// The configured time zone of each guide source (by URL) that has one.
    pub fn with_time_zones(mut self, zones: HashMap<String, String>) -> Self {
        self.time_zones = Arc::new(zones);
        self
    }

    /// The viewer's guide choices to apply from now on.
    pub fn set_overrides(&self, overrides: GuideOverrides) {
        *self.overrides.lock().unwrap_or_else(|e| e.into_inner()) = overrides;
    }

    fn overrides(&self) -> GuideOverrides {
        self.overrides.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Matches the stored guide to `lineup` again with new choices, in the background.
    ///
    /// At most one matcher thread runs: requests made while it works replace each other, and
    /// it takes the newest when done (a viewer changing choices quickly does not pile up
    /// threads, each matching a whole lineup).
    pub fn rematch_guide(&self, lineup: Arc<Lineup>, overrides: GuideOverrides) {
        self.set_overrides(overrides);
        let mut slot = self.rematch.lock().unwrap_or_else(|e| e.into_inner());
        slot.pending = Some(lineup);
        if slot.running {
            return;
        }
        slot.running = self.spawn("guide-match", |loader| loader.rematch_until_idle());
    }

    fn rematch_until_idle(&self) {
        loop {
            let lineup = {
                let mut slot = self.rematch.lock().unwrap_or_else(|e| e.into_inner());
                match slot.pending.take() {
                    Some(lineup) => lineup,
                    None => {
                        slot.running = false;
                        return;
                    }
                }
            };
            self.post_guide_from_disk(&lineup);
            // Before the next look at the slot: once it says idle, this thread must be gone at
            // once (a new request starts the next matcher).
            release_after_load();
        }
    }

    /// Loads the lineup, then the guide, in the background; at boot `Event::Started` follows the
    /// lineup.
    pub fn load(&self, playlists: Vec<String>, guides: Vec<String>, boot: Boot) {
        if boot == Boot::Start {
            self.start_pending.store(true, Ordering::SeqCst);
        }
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.spawn("sources", move |loader| {
            loader.run(generation, &playlists, &guides);
            release_after_load();
        });
    }

    /// Fetches `guides` and `lineup`'s own guide URLs again and loads the result, in the
    /// background. Skipped while another ingest runs (that one is as fresh) or while the clock
    /// is wrong (TLS and the guide's "now" need it; the load in progress waits for it).
    pub fn refresh_guide(&self, guides: Vec<String>, lineup: Arc<Lineup>) {
        let generation = self.generation.load(Ordering::SeqCst);
        self.spawn("guide-refresh", move |loader| {
            if clock::clock_state() == clock::ClockState::Wrong {
                log::info!("guide refresh skipped: the clock is not set yet");
                return;
            }
            let sources = guide_sources(&guides, &lineup);
            match loader.writing.try_lock() {
                Ok(writing) => {
                    drop(writing);
                    loader.ingest(&sources, &lineup, generation);
                }
                Err(TryLockError::WouldBlock) => log::info!("guide refresh skipped: an ingest is running"),
                Err(TryLockError::Poisoned(_)) => loader.ingest(&sources, &lineup, generation),
            }
            release_after_load();
        });
    }

    /// The service is stopping: every load in progress is superseded, so an ingest stops at its
    /// next read and removes its half-written index. Waits up to `within` for the threads; a
    /// thread still blocked in a network read after that would leave its temporary files to the
    /// process exit, so this process's own temporary files in the guide's directories go now
    /// (the next start would only remove them as stale, and a box may never restart cleanly).
    pub fn stop(&self, within: Duration) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let deadline = Instant::now() + within;
        while self.running() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.running() > 0 {
            log::info!("{} loader threads still busy at stop", self.running());
            let index = self.index_dir();
            for dir in [index.join("downloads"), index] {
                crate::system::atomic::remove_own_temps(&dir);
            }
        }
    }

    /// Waits for the heavy job in progress (see `writing`); `None` once a newer load supersedes
    /// this one. Superseded loads give up instead of queueing: under repeated reloads with a slow
    /// ingest, queued loaders (each a thread that would then run a whole ingest nobody wants)
    /// would otherwise pile up. A newer load also cancels the running ingest, so the wait is short.
    fn heavy_turn(&self, generation: u64) -> Option<std::sync::MutexGuard<'_, ()>> {
        loop {
            if !self.current(generation) {
                return None;
            }
            match self.writing.try_lock() {
                Ok(guard) => return Some(guard),
                Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => std::thread::sleep(INGEST_WAIT_POLL),
            }
        }
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    fn run(&self, generation: u64, playlists: &[String], guides: &[String]) {
        let Some(turn) = self.heavy_turn(generation) else {
            return;
        };
        let mut lineup = Arc::new(self.load_lineup(playlists));
        drop(turn);
        if !self.current(generation) {
            return;
        }
        self.inbox.post(Event::LineupLoaded(Arc::clone(&lineup)));
        if self.start_pending.swap(false, Ordering::SeqCst) {
            self.inbox.post(Event::Started);
        }
        self.post_guide_from_disk(&lineup);
        // A box without a real-time clock starts in the past: TLS fails and the cached copies were
        // used. Once NTP has set the clock, fetch again (the guide ingest below needs it too).
        if clock::clock_state() == clock::ClockState::Wrong {
            log::warn!("the clock is not set yet: cached playlists and guide until it is");
            if !clock::wait_until_trusted(CLOCK_WAIT, || self.current(generation)) {
                return;
            }
            let Some(turn) = self.heavy_turn(generation) else {
                return;
            };
            lineup = Arc::new(self.load_lineup(playlists));
            drop(turn);
            self.inbox.post(Event::LineupLoaded(Arc::clone(&lineup)));
        }
        let sources = guide_sources(guides, &lineup);
        if !sources.is_empty() && self.current(generation) {
            self.ingest(&sources, &lineup, generation);
        }
    }

    fn load_lineup(&self, playlists: &[String]) -> Lineup {
        let cache = self.cache_dir.join("playlists");
        let report = crate::net::lineup_load::load_lineup(playlists, Some(&cache), &HttpLimits::default());
        for problem in report.errors.iter().take(3) {
            self.inbox
                .post(Event::Problem(format!("Playlist problem: {problem}")));
        }
        for problem in report.errors.iter().chain(&report.warnings) {
            log::warn!("{problem}");
        }
        report.lineup
    }

    fn index_dir(&self) -> PathBuf {
        self.cache_dir.join("epg")
    }

    /// The index of the last ingest, if there is one: the guide before any network.
    fn post_guide_from_disk(&self, lineup: &Lineup) {
        match crate::epg::index::load(&self.index_dir()) {
            Ok(index) => {
                let guide = Guide::new(index, lineup, &self.overrides());
                self.inbox.post(Event::GuideLoaded(GuideHandle::new(guide)));
            }
            Err(e) => log::info!("no stored guide yet ({e})"),
        }
    }

    fn ingest(&self, sources: &[(String, NamedBy)], lineup: &Lineup, generation: u64) {
        if sources.is_empty() {
            return;
        }
        let Some(_writing) = self.heavy_turn(generation) else {
            log::info!("guide ingest dropped: a newer load supersedes it");
            return;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let count = sources.len() as i32;
        let sources: Vec<GuideSource> = sources
            .iter()
            .enumerate()
            .map(|(i, (location, named_by))| GuideSource {
                location: location.clone(),
                named_by: *named_by,
                priority: count - i as i32,
                offset_minutes: self.guide_offset_minutes,
                time_zone: self.time_zones.get(location).cloned(),
            })
            .collect();
        let keep_going = {
            let loader = self.clone();
            KeepGoing::new(move || loader.current(generation))
        };
        let options = IngestOptions {
            keep_going,
            build: BuildOptions {
                expire_before: Some(now - KEEP_PAST_S),
                filter: Some(LineupFilter::new(lineup, &self.overrides())),
                built_at: Some(now),
            },
            download_cache: Some(self.index_dir().join("downloads")),
            // One parser thread: the box is playing video on the other core.
            parsers: 1,
            ..IngestOptions::default()
        };
        match crate::epg::ingest(&sources, &self.index_dir(), &options) {
            Ok(report) => {
                log::info!(
                    "guide: {} channels, {} programmes, {} warnings",
                    report.channels,
                    report.programmes,
                    report.warnings.len()
                );
                report
                    .warnings
                    .iter()
                    .take(20)
                    .for_each(|w| log::warn!("guide: {w}"));
                if self.current(generation) {
                    self.post_guide_from_disk(lineup);
                }
            }
            Err(IngestError::Cancelled) => log::info!("guide ingest stopped: superseded or shutting down"),
            Err(e @ IngestError::NothingUsable { .. }) | Err(e @ IngestError::Write { .. }) => {
                log::warn!("guide: {e}");
                self.inbox.post(Event::Problem(format!("Guide problem: {e}")));
            }
        }
    }
}

/// The guide sources to ingest: the configured and the viewer's, then the playlists' own
/// (`url-tvg`) that are not among them. What a playlist names is marked so: the ingest takes
/// only `http(s)://` from it, never a local path.
fn guide_sources(guides: &[String], lineup: &Lineup) -> Vec<(String, NamedBy)> {
    let mut sources: Vec<(String, NamedBy)> = guides.iter().map(|g| (g.clone(), NamedBy::Operator)).collect();
    sources.extend(
        lineup
            .guide_urls
            .iter()
            .filter(|u| !guides.contains(u))
            .map(|u| (u.clone(), NamedBy::Playlist)),
    );
    sources
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn matcher_threads() -> usize {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter(|t| {
                        std::fs::read_to_string(t.path().join("comm"))
                            .is_ok_and(|c| c.trim() == "guide-match")
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    /// Reloads while an ingest holds the index directory: each superseded load ends instead of
    /// queueing for it (the soak found eleven loader threads waiting behind a slow guide bomb,
    /// each to run a whole ingest nobody wanted); the newest ingests once the directory is free.
    #[test]
    fn superseded_loads_do_not_queue_behind_an_ingest() {
        let dir = tempfile::tempdir().unwrap();
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/epg/basic.xml");
        let (inbox, rx) = Inbox::new(Arc::new(|| {}));
        let loader = SourceLoader::new(inbox, dir.path().to_path_buf(), 0);
        let held = loader.writing.clone();
        let ingest_in_progress = held.lock().unwrap();
        for _ in 0..10 {
            loader.load(Vec::new(), vec![fixture.to_string()], Boot::Reload);
            // Long enough for this load to reach the index directory and wait there.
            std::thread::sleep(Duration::from_millis(200));
        }
        let end = Instant::now() + Duration::from_secs(30);
        while loader.running() > 1 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(loader.running(), 1, "only the newest load waits");
        drop(ingest_in_progress);
        while loader.running() > 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(loader.running(), 0);
        let guides = rx
            .try_iter()
            .filter(|e| matches!(e, Event::GuideLoaded(_)))
            .count();
        assert_eq!(guides, 1, "one ingest, by the newest load");
    }

    /// A viewer changing guide choices fifty times in a row starts one matcher thread, not
    /// fifty, and the newest choice is the one matched last.
    #[test]
    fn rematches_share_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/epg/basic.xml");
        crate::epg::ingest(
            &[GuideSource::new(fixture)],
            &dir.path().join("epg"),
            &IngestOptions::default(),
        )
        .unwrap();
        let (inbox, rx) = Inbox::new(Arc::new(|| {}));
        let loader = SourceLoader::new(inbox, dir.path().to_owned(), 0);
        let lineup = Arc::new(Lineup::default());
        let mut most = 0;
        for i in 0..50 {
            let overrides =
                GuideOverrides::from([(crate::lineup::ChannelKey(format!("k{i}")), String::new())]);
            loader.rematch_guide(Arc::clone(&lineup), overrides);
            most = most.max(matcher_threads());
        }
        let until = Instant::now() + Duration::from_secs(30);
        while loader.rematch.lock().unwrap().running && Instant::now() < until {
            most = most.max(matcher_threads());
            std::thread::sleep(Duration::from_millis(5));
        }
        let loaded = rx
            .try_iter()
            .filter(|e| matches!(e, Event::GuideLoaded(_)))
            .count();
        assert!(most <= 1, "{most} matcher threads at once");
        assert!((1..50).contains(&loaded), "{loaded} matches for 50 requests");
        assert!(
            loader
                .overrides()
                .contains_key(&crate::lineup::ChannelKey("k49".into()))
        );
    }
}
