// SPDX-License-Identifier: GPL-3.0-or-later
//! zapbox: a set-top-box application for ARM Linux boards. It plays multicast IPTV and OTT streams
//! through GStreamer, shows a Slint TV interface and is driven by a remote through evdev.
//!
//! The pure [`core`] decides; the adapters ([`player`], [`net`], [`system`], the UI) act. Under
//! the core lie only pure layers: [`guide`] (the programme guide's model), [`lineup`] and
//! [`mpegts`]; [`epg`] is the guide's ingest, an adapter like the others.
pub mod app;
pub mod cec;
pub mod cli;
pub mod companion;
pub mod core;
pub mod demo;
pub mod epg;
pub mod guide;
pub mod input;
pub mod lineup;
pub mod manifest;
pub mod mpegts;
pub mod net;
pub mod ott;
pub mod player;
pub mod system;
pub mod ui;

/// Rust types generated from `ui/*.slint` by `build.rs`.
pub mod slint_generated {
    slint::include_modules!();
}
