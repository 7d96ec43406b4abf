// SPDX-License-Identifier: GPL-3.0-or-later
//! The fuzz targets' crate: zapbox's pure and parsing modules compiled from `../src` (the same
//! files, so the fuzzers test the shipped code), a counting allocator and a time budget
//! ([`harness`]), and one function per target ([`targets`]).
//!
//! Only the modules without GStreamer and Slint are included; they refer to each other as
//! `crate::…`, which resolves here as it does in zapbox.
#![allow(dead_code, unused_imports, unused_variables, unused_mut, unexpected_cfgs)]
#![allow(clippy::all)]

#[path = "../../src/core/mod.rs"]
pub mod core;
#[path = "../../src/epg/mod.rs"]
pub mod epg;
#[path = "../../src/guide/mod.rs"]
pub mod guide;
#[path = "../../src/input/mod.rs"]
pub mod input;
#[path = "../../src/lineup/mod.rs"]
pub mod lineup;
#[path = "../../src/manifest/mod.rs"]
pub mod manifest;
#[path = "../../src/mpegts/mod.rs"]
pub mod mpegts;
#[path = "../../src/net/mod.rs"]
pub mod net;
#[path = "../../src/ott/mod.rs"]
pub mod ott;
#[path = "../../src/system/mod.rs"]
pub mod system;

pub mod harness;
pub mod targets;
