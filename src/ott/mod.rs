// SPDX-License-Identifier: GPL-3.0-or-later
//! Text that OTT streams carry beside their picture, read by the app itself (pure: no I/O):
//! the subtitle renditions of HLS master playlists and the segments of their media playlists
//! (`hls`), and the WebVTT files those segments are (`webvtt`). The adapter that fetches them
//! while a track is shown is `player::hls_subtitles`.

pub mod hls;
pub mod webvtt;
