// SPDX-License-Identifier: GPL-3.0-or-later
//! Text that OTT streams carry beside their picture, read by the app itself (pure: no I/O):
//! the WebVTT files an HLS subtitle rendition's segments are (`webvtt`); DASH's TTML documents
//! (`ttml`), whole or as the samples of fragmented MP4 text segments (`stpp`). The playlists
//! and manifests that name them are read by the manifests layer (`manifest::hls`,
//! `manifest::dash`). The adapters that fetch them while a track is shown are
//! `player::hls_subtitles` and `player::dash_subtitles`.

pub mod stpp;
pub mod ttml;
pub mod webvtt;
