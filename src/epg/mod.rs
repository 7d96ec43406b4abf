// SPDX-License-Identifier: GPL-3.0-or-later
//! The guide's ingest: XMLTV from files and HTTP into the compact index on disk, and loading it
//! back as the model of `crate::guide`.
//!
//! ```text
//!  file / .gz / .xz ---+                      (no DOM; one pass; ~1 MiB chunks; bounded memory)
//!  http(s) (net) ------+--> input --> xmltv::parse_parallel --> build::IndexBuilder --+--> guide.idx     (grid: loaded at boot)
//!                                     (reader + 2 parser threads)  | details to disk  +--> details-*.bin (read on demand)
//!  several sources, each with a priority and an offset ------------+   (filter: only channels the lineup matches)
//!
//!  index::load(dir) --> crate::guide::GuideIndex (+ details::DetailsFiles as its DetailsSource)
//!  eit::collect_ts_file: a recorded TS file's EIT (crate::mpegts::eit) for tools and tests
//! ```
//!
//! The split with `crate::guide`: what a guide *is* and how it is queried (index in memory,
//! matching, live overlay, details records) is the pure model there; reading XML, fetching,
//! writing and reading files is here, the adapter that fills the model. Parsing code
//! ([`xmltv`], [`time`], [`text`]) is pure too; files are touched only by [`input`], [`build`],
//! [`index`], [`details`] and [`eit`]; HTTP only through `crate::net` from [`ingest`]. Nothing
//! here may depend on the UI, the player adapter or the core.

pub mod build;
pub mod details;
pub mod eit;
pub mod filter;
pub mod index;
pub mod ingest;
pub mod input;
pub mod text;
pub mod time;
pub mod xmltv;

pub use build::{BuildOptions, BuildSummary, IndexBuilder};
pub use filter::LineupFilter;
pub use ingest::{GuideSource, IngestError, IngestOptions, IngestReport, KeepGoing, NamedBy, ingest};
pub use xmltv::{Programme, XmltvChannel};

use crate::guide::UtcSeconds;
use serde::Serialize;

/// Something worth telling the integrator: the guide still loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The file or (redacted) URL, or `zapbox` for problems of the whole run.
    pub source: String,
    /// 1-based line in the (decompressed) XML, 0 when no line applies.
    pub line: u64,
    pub message: String,
}

impl Warning {
    /// A warning about `source` at `line` (0: none).
    pub fn new(source: &str, line: u64, message: impl Into<String>) -> Self {
        Self {
            source: source.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.source, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.source, self.message)
        }
    }
}
