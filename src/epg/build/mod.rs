// SPDX-License-Identifier: GPL-3.0-or-later
//! Builds an index directory from parsed guide data: each source's channels and programmes
//! come in through a [`SourceSink`], descriptions go straight to the details file, and only a
//! 32-byte record per programme (plus each distinct title and `catchup-id` once) stays in
//! memory until
//! [`IndexBuilder::finish`] sorts, cleans and writes the grid.
//!
//! Touches only files in the index directory. Takes the time to expire against as an
//! option: it never reads a clock.

mod resolve;
mod sink;

pub use sink::SourceSink;

use super::details::DetailsWriter;
use super::filter::LineupFilter;
use super::index::{IndexHeader, details_paths, write_index};
use super::{UtcSeconds, Warning};
use crate::guide::catchup_ids::MAX_CATCHUP_ID_BYTES;
use crate::guide::details::NO_DETAILS;
use crate::guide::titles::Interner;
use crate::guide::{CatchupIds, IndexChannel, Slot};
use crate::system::atomic::{remove_stale_temps, temp_path};
use resolve::{Issue, Rec, resolve};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Longest programme accepted; longer ones are data errors (a stop a year late).
pub const MAX_DURATION_S: i64 = 7 * 86_400;
/// Warnings kept per source; further ones are only counted.
pub const MAX_WARNINGS_PER_SOURCE: usize = 100;
/// Most programmes in one index (24 bytes each while building): 14 days of 2,000 channels.
/// Further ones are dropped with a warning, so a guide bomb costs time, never memory.
pub const MAX_PROGRAMMES: usize = 1_000_000;
/// Most guide channels in one index.
pub const MAX_GUIDE_CHANNELS: usize = 20_000;
/// Descriptions file size after which programmes are kept without details (flash is finite).
pub const MAX_DETAILS_BYTES: u64 = 256 << 20;

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Drop programmes that end at or before this time (the caller's "now" minus what it wants
    /// to keep for catch-up).
    pub expire_before: Option<UtcSeconds>,
    /// Keep only guide channels the lineup can use; `None` keeps all.
    pub filter: Option<LineupFilter>,
    /// Recorded in the index (the caller's clock).
    pub built_at: Option<UtcSeconds>,
}

/// What the build produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildSummary {
    pub channels: usize,
    pub programmes: usize,
    pub first_start: Option<UtcSeconds>,
    pub last_stop: Option<UtcSeconds>,
    /// Programmes dropped because they had already ended.
    pub expired: u64,
    pub warnings: Vec<Warning>,
}

/// One source as the builder knows it.
#[derive(Debug, Clone)]
struct SourceInfo {
    name: String,
    priority: i32,
}

/// Collects sources and writes the index directory.
pub struct IndexBuilder {
    dir: PathBuf,
    tag: String,
    /// Temporary names of the details record and offset files until they are complete.
    temps: (PathBuf, PathBuf),
    /// `None` only while finishing.
    details: Option<DetailsWriter>,
    options: BuildOptions,
    channels: Vec<IndexChannel>,
    numbers: HashMap<String, u32>,
    recs: Vec<Rec>,
    titles: Interner,
    catchup_ids: Interner,
    sources: Vec<SourceInfo>,
    warnings: Vec<Warning>,
    expired: u64,
    /// The first write error: the build fails with it at `finish`.
    io_error: Option<io::Error>,
}

impl IndexBuilder {
    /// Starts a build into `dir` (created if needed). The old index stays valid until
    /// [`finish`](Self::finish) succeeds.
    pub fn new(dir: &Path, options: BuildOptions) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let tag = format!("{:016x}", fastrand::u64(..));
        // A build killed by a power cut or SIGKILL left its temporary files here.
        remove_stale_temps(dir);
        let (records, offsets) = details_paths(dir, &tag);
        let temps = (temp_path(&records)?, temp_path(&offsets)?);
        let file = File::create_new(&temps.0)?;
        Ok(Self {
            dir: dir.to_owned(),
            tag,
            temps,
            details: Some(DetailsWriter::new(file)),
            options,
            channels: Vec::new(),
            numbers: HashMap::new(),
            recs: Vec::new(),
            titles: Interner::default(),
            catchup_ids: Interner::with_cap(MAX_CATCHUP_ID_BYTES),
            sources: Vec::new(),
            warnings: Vec::new(),
            expired: 0,
            io_error: None,
        })
    }

    /// Receives one source; higher `priority` wins where sources disagree, `offset_minutes`
    /// is added to all its times (for a guide in the wrong time zone).
    /// `zone` places the source's times that have no zone (or one not known); `None` is UTC.
    pub fn source(
        &mut self,
        name: &str,
        priority: i32,
        offset_minutes: i32,
        zone: Option<jiff::tz::TimeZone>,
    ) -> SourceSink<'_> {
        let number = self.sources.len().min(usize::from(u16::MAX)) as u16;
        self.sources.push(SourceInfo {
            name: name.to_owned(),
            priority,
        });
        SourceSink::new(self, number, name, i64::from(offset_minutes) * 60, zone)
    }

    /// A warning about the run as a whole or a source that gave nothing.
    pub fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }

    /// The number of guide channel `id`, registering it (with `names`) when new.
    /// `None` when the index already holds [`MAX_GUIDE_CHANNELS`] others.
    fn channel_number(&mut self, id: &str, names: &[String], icon: Option<&str>) -> Option<u32> {
        if let Some(&n) = self.numbers.get(id) {
            let c = &mut self.channels[n as usize];
            for name in names {
                if c.names.len() < 8 && !c.names.contains(name) {
                    c.names.push(name.clone());
                }
            }
            if c.icon.is_none() {
                c.icon = icon.map(str::to_owned);
            }
            return Some(n);
        }
        if self.channels.len() >= MAX_GUIDE_CHANNELS {
            return None;
        }
        let n = self.channels.len() as u32;
        self.channels.push(IndexChannel {
            id: id.to_owned(),
            names: names.iter().take(8).cloned().collect(),
            icon: icon.map(str::to_owned),
            first: 0,
            len: 0,
        });
        self.numbers.insert(id.to_owned(), n);
        Some(n)
    }

    /// Gives up: removes the partial details file and returns the warnings so far.
    pub fn abandon(mut self) -> Vec<Warning> {
        drop(self.details.take());
        let _ = fs::remove_file(&self.temps.0);
        std::mem::take(&mut self.warnings)
    }

    /// Sorts, cleans and writes the index, then removes older details files.
    pub fn finish(mut self) -> io::Result<BuildSummary> {
        if let Some(e) = self.io_error.take() {
            return Err(e);
        }
        self.resolve();
        let (records, offsets) = details_paths(&self.dir, &self.tag);
        let details_len = match self.details.take() {
            Some(writer) => {
                let len = writer.len();
                writer.finish()?.sync_all()?;
                len
            }
            None => 0,
        };
        let result = self
            .write_offsets(&self.temps.1)
            .and_then(|()| fs::rename(&self.temps.0, &records))
            .and_then(|()| fs::rename(&self.temps.1, &offsets));
        if let Err(e) = result {
            let _ = fs::remove_file(&self.temps.0);
            let _ = fs::remove_file(&self.temps.1);
            return Err(e);
        }
        self.assign_ranges();
        let header = IndexHeader {
            details_tag: self.tag.clone(),
            details_len,
            built_at: self.options.built_at,
        };
        let slots = self.recs.iter().map(|r| Slot {
            start: r.start,
            duration: r.duration,
            title: r.title,
        });
        let titles = std::mem::take(&mut self.titles).into_titles();
        let entries = (self.recs.iter().enumerate())
            .filter(|(_, r)| r.catchup_id != resolve::NO_CATCHUP_ID)
            .map(|(i, r)| (i as u32, r.catchup_id))
            .collect();
        let ids = std::mem::take(&mut self.catchup_ids).into_titles();
        let catchup_ids = CatchupIds::from_parts(entries, ids)
            .ok_or_else(|| io::Error::other("catchup-id table out of order"))?;
        write_index(&self.dir, &header, &self.channels, slots, &titles, &catchup_ids)?;
        remove_other_details(&self.dir, &self.tag);
        Ok(self.summary())
    }

    fn resolve(&mut self) {
        let mut order: Vec<usize> = (0..self.sources.len()).collect();
        order.sort_by_key(|&s| std::cmp::Reverse(self.sources[s].priority));
        let mut rank = vec![0u16; self.sources.len()];
        for (r, &s) in order.iter().enumerate() {
            rank[s] = r.min(usize::from(u16::MAX)) as u16;
        }
        // Only the issues that become warnings are kept (a million duplicates must not
        // cost a million entries); the rest are counted.
        let mut issues = Vec::new();
        let mut per_source = vec![0usize; self.sources.len()];
        resolve(&mut self.recs, &rank, &mut |rec, issue| {
            if let Some(n) = per_source.get_mut(usize::from(rec.source())) {
                *n += 1;
                if *n <= MAX_WARNINGS_PER_SOURCE {
                    issues.push((*rec, issue));
                }
            }
        });
        for (rec, issue) in issues {
            let w = self.issue_warning(&rec, issue);
            self.warnings.push(w);
        }
        self.note_suppressed(&per_source);
        // Programmes without stop could only be expired once their stop was known.
        if let Some(before) = self.options.expire_before {
            let len = self.recs.len();
            self.recs
                .retain(|r| i64::from(r.start) + i64::from(r.duration) > before);
            self.expired += (len - self.recs.len()) as u64;
        }
    }

    fn issue_warning(&self, rec: &Rec, issue: Issue) -> Warning {
        let source = self
            .sources
            .get(usize::from(rec.source()))
            .map_or("?", |s| s.name.as_str());
        let channel = self
            .channels
            .get(rec.channel as usize)
            .map_or("?", |c| c.id.as_str());
        let at = rfc3339(i64::from(rec.start));
        let message = match issue {
            Issue::Duplicate => {
                format!("channel '{channel}': two programmes start at {at}; the second is dropped")
            }
            Issue::Overlap => {
                format!(
                    "channel '{channel}': the programme at {at} overlaps the next one; it is cut to end when the next starts"
                )
            }
            Issue::NoStop => format!(
                "channel '{channel}': the programme at {at} has no stop and nothing follows it; dropped"
            ),
        };
        Warning::new(source, 0, message)
    }

    fn note_suppressed(&mut self, per_source: &[usize]) {
        for (s, &n) in per_source.iter().enumerate() {
            if n > MAX_WARNINGS_PER_SOURCE {
                let name = &self.sources[s].name;
                let more = n - MAX_WARNINGS_PER_SOURCE;
                self.warnings.push(Warning::new(
                    name,
                    0,
                    format!("{more} more timeline repairs like these"),
                ));
            }
        }
    }

    fn write_offsets(&self, path: &Path) -> io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        for r in &self.recs {
            w.write_all(&r.details_offset().to_le_bytes())?;
        }
        w.into_inner().map_err(io::IntoInnerError::into_error)?.sync_all()
    }

    /// Sets each channel's run in the sorted records.
    fn assign_ranges(&mut self) {
        let mut at = 0usize;
        for (n, c) in self.channels.iter_mut().enumerate() {
            let len = self.recs[at..].partition_point(|r| r.channel == n as u32);
            c.first = at as u32;
            c.len = len as u32;
            at += len;
        }
    }

    fn summary(&self) -> BuildSummary {
        let first_start = self.recs.iter().map(|r| i64::from(r.start)).min();
        let last_stop = self
            .recs
            .iter()
            .map(|r| i64::from(r.start) + i64::from(r.duration))
            .max();
        BuildSummary {
            channels: self.channels.len(),
            programmes: self.recs.len(),
            first_start,
            last_stop,
            expired: self.expired,
            warnings: self.warnings.clone(),
        }
    }
}

/// Deletes details files of earlier builds (best effort: a leftover only costs disk space).
impl Drop for IndexBuilder {
    /// A build dropped on an error path leaves no temporary file (after `finish` they are renamed).
    fn drop(&mut self) {
        drop(self.details.take());
        let _ = fs::remove_file(&self.temps.0);
        let _ = fs::remove_file(&self.temps.1);
    }
}

fn remove_other_details(dir: &Path, tag: &str) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let finished = name.ends_with(".bin") || name.ends_with(".off");
        if finished && name.starts_with("details-") && !name.starts_with(&format!("details-{tag}.")) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// `2026-11-22T13:30:00Z` for messages.
pub fn rfc3339(t: UtcSeconds) -> String {
    jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
}

const _: () = assert!(NO_DETAILS == u64::MAX);
