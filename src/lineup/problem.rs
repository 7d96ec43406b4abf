// SPDX-License-Identifier: GPL-3.0-or-later
//! Problems found while reading playlists: what the user sees as `file:line: message`.
//!
//! Pure data plus a bounded collector; no I/O and no dependency on the parser, so every
//! stage (decoding, parsing, merging, fetching) reports in the same shape.

use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// Past this many problems in one file the rest are only counted: a binary file fed in by
/// mistake would otherwise produce one warning per "line" and drown the useful ones.
pub const MAX_PROBLEMS_PER_FILE: usize = 1000;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something was skipped or guessed; the rest of the file is still used.
    Warning,
    /// A whole input could not be used (unreachable, empty, no playable channel).
    Error,
}

/// One problem with its place: `line` is 1-based, 0 when it concerns the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The input's name as given by the user (path or URL).
    pub file: String,
    pub line: usize,
    pub message: String,
    #[serde(skip)]
    pub severity: Severity,
}

impl Problem {
    /// A warning at `file:line`.
    pub fn warning(file: &str, line: usize, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line,
            message: message.into(),
            severity: Severity::Warning,
        }
    }

    /// An error at `file:line` (line 0: the whole file).
    pub fn error(file: &str, line: usize, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            ..Self::warning(file, line, message)
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// Collects problems, keeping at most [`MAX_PROBLEMS_PER_FILE`] warnings per file.
/// Errors are never dropped: there is at most a handful per file.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    list: Vec<Problem>,
    /// Per file: warnings kept so far and warnings dropped.
    counts: HashMap<String, (usize, usize)>,
}

impl Problems {
    pub(crate) fn push(&mut self, problem: Problem) {
        if problem.severity == Severity::Error {
            self.list.push(problem);
            return;
        }
        let (kept, dropped) = self.counts.entry(problem.file.clone()).or_default();
        if *kept < MAX_PROBLEMS_PER_FILE {
            *kept += 1;
            self.list.push(problem);
        } else {
            *dropped += 1;
        }
    }

    pub(crate) fn warn(&mut self, file: &str, line: usize, message: impl Into<String>) {
        self.push(Problem::warning(file, line, message));
    }

    /// All problems, with one summary warning per file whose warnings were cut short.
    pub(crate) fn finish(mut self) -> Vec<Problem> {
        let mut truncated: Vec<_> = self
            .counts
            .into_iter()
            .filter(|(_, (_, dropped))| *dropped > 0)
            .collect();
        truncated.sort();
        for (file, (_, dropped)) in truncated {
            self.list.push(Problem::warning(
                &file,
                0,
                format!("{dropped} further warnings not shown; fix the ones above first"),
            ));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_omits_line_zero() {
        assert_eq!(Problem::warning("a.m3u", 3, "x").to_string(), "a.m3u:3: x");
        assert_eq!(Problem::error("a.m3u", 0, "y").to_string(), "a.m3u: y");
    }

    #[test]
    fn caps_warnings_per_file_but_keeps_errors() {
        let mut p = Problems::default();
        for i in 0..MAX_PROBLEMS_PER_FILE + 5 {
            p.warn("a", i + 1, "w");
        }
        p.push(Problem::error("a", 0, "e"));
        p.warn("b", 1, "w");
        let list = p.finish();
        assert_eq!(list.len(), MAX_PROBLEMS_PER_FILE + 3);
        assert!(list.iter().any(|p| p.severity == Severity::Error));
        assert!(list.last().is_some_and(|p| p.message.starts_with("5 further")));
    }
}
