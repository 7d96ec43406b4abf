// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel lineup: extended M3U parsing, merging several playlists, numbering.
//!
//! Everything here is pure (bytes in, data out): fetching playlists lives in `crate::net`,
//! printing in `crate::cli`. [`build`] is the one-call entry point.
mod attrs;
pub mod catchup;
mod entry;
pub mod m3u;
pub mod merge;
mod model;
mod problem;
mod text;
mod url;

pub use entry::{CatchupAttrs, Header, MAX_CHANNEL_NUMBER, ResolvedCatchup};
pub use model::*;
pub use problem::{MAX_PROBLEMS_PER_FILE, Problem, Severity};
pub use url::is_http_url;

use std::borrow::Cow;
use std::collections::HashMap;

/// A merged lineup with everything worth telling the user about its inputs.
#[derive(Debug, Clone, Default)]
pub struct LineupReport {
    pub lineup: Lineup,
    /// Skipped or guessed things; the lineup is still usable.
    pub warnings: Vec<Problem>,
    /// Inputs that could not be used at all (unreachable, empty, nothing playable).
    pub errors: Vec<Problem>,
}

impl LineupReport {
    /// At least one playable channel and no input failed entirely.
    pub fn is_usable(&self) -> bool {
        self.lineup.is_usable() && self.errors.is_empty()
    }

    /// Adds a problem to the list its severity belongs to.
    pub fn push(&mut self, problem: Problem) {
        match problem.severity {
            Severity::Warning => self.warnings.push(problem),
            Severity::Error => self.errors.push(problem),
        }
    }
}

/// Parses and merges `(name, bytes)` playlists in order. `name` labels problems (path or URL).
/// An input without any playable entry is an error naming it.
pub fn build(inputs: &[(String, Vec<u8>)]) -> LineupReport {
    build_each(
        inputs
            .iter()
            .map(|(name, bytes)| (name.clone(), Cow::Borrowed(bytes.as_slice()))),
    )
}

/// [`build`] on inputs it owns: each input's bytes are freed as soon as it is parsed, before the
/// merge allocates the channels (a 16 MiB playlist is 16 MiB less at the load's peak).
pub fn build_owned(inputs: Vec<(String, Vec<u8>)>) -> LineupReport {
    build_each(inputs.into_iter().map(|(name, bytes)| (name, Cow::Owned(bytes))))
}

fn build_each<'a>(inputs: impl Iterator<Item = (String, Cow<'a, [u8]>)>) -> LineupReport {
    let mut report = LineupReport::default();
    let mut playlists = Vec::new();
    let mut names = Vec::new();
    for (name, bytes) in inputs {
        let mut p = m3u::parse(&name, &bytes);
        for problem in std::mem::take(&mut p.problems) {
            report.push(problem);
        }
        if p.entries.is_empty() {
            let why = if bytes.iter().all(u8::is_ascii_whitespace) {
                "the playlist is empty"
            } else {
                "no playable channel in this playlist (is it an M3U file?)"
            };
            report.push(Problem::error(&name, 0, why));
        }
        drop(bytes);
        playlists.push(p);
        names.push(name);
    }
    let merged = merge::merge(playlists);
    report.lineup = merged.lineup;
    for problem in merged.problems {
        report.push(problem);
    }
    sort_by_input(&mut report.warnings, &names);
    report
}

/// Groups warnings by input (in input order), then by line, keeping discovery order for ties.
fn sort_by_input(problems: &mut [Problem], names: &[String]) {
    let order: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    problems.sort_by_key(|p| {
        (
            order.get(p.file.as_str()).copied().unwrap_or(usize::MAX),
            p.line == 0,
            p.line,
        )
    });
}
