// SPDX-License-Identifier: GPL-3.0-or-later
//! The programme guide's model and queries: what a guide is once it has been ingested, and how
//! the screens ask it. The pure layer under the core; `crate::epg` is the ingest that fills it.
//!
//! ```text
//!  crate::epg (ingest: XMLTV files and HTTP, index and details files on disk)
//!        | GuideIndex + a DetailsSource
//!        v
//!  index::GuideIndex --> Guide::new(index, lineup, overrides) --> now_next / window / search
//!                              ^ matching (tvg-id, names, +1, fuzzy, overrides)
//!  mpegts::eit sections --> live::LiveOverlay (owned by the core) --> guide.with_live(&overlay)
//! ```
//!
//! Why a layer of its own: the core queries the guide on every frame, and the ingest fetches
//! over HTTP, streams gigabytes of XML and writes files. Keeping the model apart lets the core
//! depend on it without depending on any of that, and lets the ingest change its formats without
//! touching the screens. Everything here is pure: no clock (time is passed in as
//! [`UtcSeconds`]), no file, no network, no thread; programme details are read through the
//! [`DetailsSource`] the loader gives the index. It depends only on `crate::lineup` and
//! `crate::mpegts` (`tests/purity.rs` enforces it).

pub mod catchup_ids;
pub mod details;
pub mod fold;
pub mod index;
pub mod live;
pub mod matching;
pub mod query;
pub mod titles;

pub use catchup_ids::CatchupIds;
pub use details::{Details, EpisodeNum, Rating};
pub use fold::fold;
pub use index::{DetailsSource, GuideIndex, IndexChannel, ProgrammeId, Slot};
pub use live::{LiveOverlay, LiveProgramme};
pub use matching::{
    ChannelMatch, GuideNames, GuideOverrides, MatchMethod, match_channels, merge_overrides, name_key,
};
pub use query::{Guide, GuideLink, Listing, ListingOrigin, Listings, NowNext, SearchHit};
pub use titles::Titles;

/// Seconds since the Unix epoch, UTC: every time in the guide.
pub type UtcSeconds = i64;
