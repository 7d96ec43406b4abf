// SPDX-License-Identifier: GPL-3.0-or-later
//! The programme guide: XMLTV and DVB EIT in, a compact index out, now/next, grid and search.
//!
//! ```text
//!  file / .gz / .xz ---+                      (no DOM; one pass; ~1 MiB chunks; bounded memory)
//!  http(s) (net) ------+--> input --> xmltv::parse_parallel --> build::IndexBuilder --+--> guide.idx     (grid: loaded at boot)
//!                                     (reader + 2 parser threads)  | details to disk  +--> details-*.bin (read on demand)
//!  several sources, each with a priority and an offset ------------+
//!
//!  index::GuideIndex::load(dir) --> Guide::new(index, lineup, overrides) --> now_next / window / search
//!                                        ^                ^
//!       matching (tvg-id, names, fuzzy,  |                |  eit::EitCollector (TS packets or sections from
//!       manual overrides) ---------------+                +- the player's ring) fills and corrects the guide
//! ```
//!
//! Parsing and index code ([`xmltv`], [`time`], [`text`], [`eit`], [`matching`], [`index`]
//! queries) is pure: no clock, no network. Time is always passed in as [`UtcSeconds`]. Files are
//! touched only by [`input`], [`build`], [`index::file`] and [`details`]; HTTP only through
//! `crate::net` from [`ingest`]. Nothing here may depend on the UI, the player adapter or the core.

pub mod build;
pub mod details;
pub mod eit;
pub mod guide;
pub mod index;
pub mod ingest;
pub mod input;
pub mod matching;
pub mod text;
pub mod time;
pub mod xmltv;

pub use build::{BuildOptions, BuildSummary, IndexBuilder};
pub use details::{Details, EpisodeNum, Rating};
pub use guide::{Guide, GuideLink, Listing, ListingOrigin, NowNext, SearchHit};
pub use index::{GuideIndex, IndexChannel, ProgrammeId};
pub use ingest::{GuideSource, IngestError, IngestOptions, IngestReport, NamedBy, ingest};
pub use matching::{ChannelMatch, GuideOverrides, MatchMethod, match_channels, merge_overrides};
pub use xmltv::{Programme, XmltvChannel};

use serde::Serialize;

/// Seconds since the Unix epoch, UTC: every time in the guide.
pub type UtcSeconds = i64;

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
