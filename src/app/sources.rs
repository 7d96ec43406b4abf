// SPDX-License-Identifier: GPL-3.0-or-later
//! Loading what the box shows from outside — the lineup (playlists) and the guide (XMLTV) — in a
//! background thread, so the screen is up at once and a slow server never freezes it.
//!
//! ```text
//!  playlists (cache first when offline) ──> Event::LineupLoaded ──> Event::Started (first load)
//!  guide index of the last run (disk) ────> Event::GuideLoaded      (the guide is there before any network)
//!  guide sources + playlists' url-tvg ────> ingest ──> Event::GuideLoaded, again every few hours
//! ```
//! A newer load (the viewer changed the sources) supersedes a running one at its next step.

use super::Inbox;
use crate::core::{Event, GuideHandle};
use crate::epg::{
    BuildOptions, Guide, GuideOverrides, GuideSource, IngestError, IngestOptions, matching::LineupFilter,
};
use crate::lineup::Lineup;
use crate::net::http::HttpLimits;
use crate::system::clock;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often the guide is fetched again while the box runs.
const GUIDE_REFRESH: Duration = Duration::from_secs(6 * 3600);
/// How long the loader waits for NTP before giving up on fresh sources (cached ones stay).
const CLOCK_WAIT: Duration = Duration::from_secs(30 * 60);
/// Programmes that ended this long ago are dropped at ingest (kept for a look back in the grid).
const KEEP_PAST_S: i64 = 6 * 3600;

/// Starts loads of the lineup and the guide; cheap to clone.
#[derive(Clone)]
pub struct SourceLoader {
    inbox: Inbox,
    cache_dir: PathBuf,
    /// Minutes added to every guide time (a guide published in the wrong zone).
    guide_offset_minutes: i32,
    /// The newest load; older threads stop at their next step.
    generation: Arc<AtomicU64>,
    /// One ingest at a time writes the index directory.
    writing: Arc<Mutex<()>>,
    /// The viewer's guide choices (menu), applied at every match.
    overrides: Arc<Mutex<GuideOverrides>>,
    /// Configured time zones of guide sources (by URL) for their times without a zone.
    time_zones: Arc<HashMap<String, String>>,
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
        }
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
    pub fn rematch_guide(&self, lineup: &Lineup, overrides: GuideOverrides) {
        self.set_overrides(overrides);
        let (loader, lineup) = (self.clone(), lineup.clone());
        let spawned = std::thread::Builder::new()
            .name("guide-match".into())
            .spawn(move || loader.post_guide_from_disk(&lineup));
        if let Err(e) = spawned {
            log::error!("cannot start the guide matcher: {e}");
        }
    }

    /// Loads the lineup, then the guide, in the background; `start` posts `Event::Started` once
    /// the lineup is there (the first load at boot).
    pub fn load(&self, playlists: Vec<String>, guides: Vec<String>, start: bool) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let loader = self.clone();
        let spawned = std::thread::Builder::new()
            .name("sources".into())
            .spawn(move || loader.run(generation, &playlists, &guides, start));
        if let Err(e) = spawned {
            log::error!("cannot start the source loader: {e}");
        }
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    fn run(&self, generation: u64, playlists: &[String], guides: &[String], start: bool) {
        let mut lineup = self.load_lineup(playlists);
        if !self.current(generation) {
            return;
        }
        self.inbox.post(Event::LineupLoaded(lineup.clone()));
        if start {
            self.inbox.post(Event::Started);
        }
        self.post_guide_from_disk(&lineup);
        // A box without a real-time clock starts in the past: TLS fails and the cached copies were
        // used. Once NTP has set the clock, fetch again (the guide ingest below needs it too).
        if clock::clock_state() == clock::ClockState::Wrong {
            log::warn!("the clock is not set yet: cached playlists and guide until it is");
            if !clock::wait_until_trusted(CLOCK_WAIT) || !self.current(generation) {
                return;
            }
            lineup = self.load_lineup(playlists);
            self.inbox.post(Event::LineupLoaded(lineup.clone()));
        }
        let mut sources: Vec<String> = guides.to_vec();
        sources.extend(lineup.guide_urls.iter().filter(|u| !guides.contains(u)).cloned());
        if sources.is_empty() {
            return;
        }
        while self.current(generation) {
            self.ingest(&sources, &lineup, generation);
            std::thread::sleep(GUIDE_REFRESH);
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
        match crate::epg::index::file::load(&self.index_dir()) {
            Ok(index) => {
                let guide = Guide::new(index, lineup, &self.overrides());
                self.inbox.post(Event::GuideLoaded(GuideHandle::new(guide)));
            }
            Err(e) => log::info!("no stored guide yet ({e})"),
        }
    }

    fn ingest(&self, sources: &[String], lineup: &Lineup, generation: u64) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let count = sources.len() as i32;
        let sources: Vec<GuideSource> = sources
            .iter()
            .enumerate()
            .map(|(i, location)| GuideSource {
                location: location.clone(),
                priority: count - i as i32,
                offset_minutes: self.guide_offset_minutes,
                time_zone: self.time_zones.get(location).cloned(),
            })
            .collect();
        let options = IngestOptions {
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
            Err(e @ IngestError::NothingUsable { .. }) | Err(e @ IngestError::Write { .. }) => {
                log::warn!("guide: {e}");
                self.inbox.post(Event::Problem(format!("Guide problem: {e}")));
            }
        }
    }
}
