// SPDX-License-Identifier: GPL-3.0-or-later
//! Network adapter: HTTP downloads with limits and cache, multicast sockets, lineup loading.
//!
//! Everything that touches the network or the download cache lives here, so `lineup`, `epg`
//! and `core` stay pure. Nothing here may depend on the UI or the player.
pub mod http;
pub mod lineup_load;
pub mod multicast;
pub mod resource;
