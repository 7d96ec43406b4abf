// SPDX-License-Identifier: GPL-3.0-or-later
//! Text that OTT streams carry beside their picture, read by the app itself (pure: no I/O):
//! the subtitle renditions of HLS master playlists and the segments of their media playlists
//! (`hls`), and the WebVTT files those segments are (`webvtt`); DASH's TTML documents
//! (`ttml`), whole or as the samples of fragmented MP4 text segments (`stpp`). The adapters
//! that fetch them while a track is shown are `player::hls_subtitles` and
//! `player::dash_subtitles`.

pub mod hls;
pub mod stpp;
pub mod ttml;
pub mod webvtt;
