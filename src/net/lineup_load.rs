// SPDX-License-Identifier: GPL-3.0-or-later
//! Loading a lineup from playlist locations: fetch each (file or URL, with cache), then the pure
//! [`lineup::build`](crate::lineup::build).
//!
//! The only glue between `net` and `lineup`; it must not parse anything itself.

use super::http::{HttpLimits, redact};
use super::resource::Fetcher;
use crate::lineup::{self, LineupReport, Problem};
use std::collections::HashSet;
use std::path::Path;

/// Fetches every location in order and merges what could be fetched. A location that gives no
/// bytes becomes an error naming it; cache fallbacks become warnings. URLs are shown without
/// their query string (which often holds credentials).
pub fn load_lineup(locations: &[String], cache_dir: Option<&Path>, limits: &HttpLimits) -> LineupReport {
    let mut fetcher = Fetcher::new(limits.clone(), cache_dir);
    let mut inputs = Vec::with_capacity(locations.len());
    let mut fetch_problems = Vec::new();
    let mut names = HashSet::new();
    for location in locations {
        let name = unique_name(&mut names, display_name(location));
        match fetcher.fetch(location) {
            Ok(fetched) => {
                fetch_problems.extend(
                    fetched
                        .warnings
                        .into_iter()
                        .map(|w| Problem::warning(&name, 0, w)),
                );
                inputs.push((name, fetched.bytes));
            }
            Err(e) => fetch_problems.push(Problem::error(&name, 0, e.to_string())),
        }
    }
    let mut report = lineup::build_owned(inputs);
    if locations.is_empty() {
        fetch_problems.push(Problem::error(
            "zapbox",
            0,
            "no playlist given; pass a file path or an http(s) URL",
        ));
    }
    // Fetch problems first: they explain the parse problems that follow (e.g. a stale copy).
    let mut ordered = LineupReport {
        lineup: std::mem::take(&mut report.lineup),
        ..LineupReport::default()
    };
    for problem in fetch_problems
        .into_iter()
        .chain(report.errors)
        .chain(report.warnings)
    {
        ordered.push(problem);
    }
    ordered
}

/// How a location is named in problems: URLs redacted, paths as given.
fn display_name(location: &str) -> String {
    if location.contains("://") {
        redact(location)
    } else {
        location.to_owned()
    }
}

/// Two URLs that differ only in their (hidden) query would otherwise share a name.
fn unique_name(names: &mut HashSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 1;
    while !names.insert(candidate.clone()) {
        n += 1;
        candidate = format!("{name} #{n}");
    }
    candidate
}
