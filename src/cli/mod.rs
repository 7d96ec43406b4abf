// SPDX-License-Identifier: GPL-3.0-or-later
//! Command-line subcommands that are more than argument parsing (that stays in `main.rs`).
//!
//! Subcommands write their reports to a `dyn Write` so they can be tested without a terminal;
//! each submodule's documentation says what it may depend on.
pub mod bench_loop;
pub mod bench_memory;
pub mod bench_timeline;
pub mod bench_trick;
pub mod bench_ui;
pub mod bench_zap;
pub mod catchup;
pub mod demo;
pub mod epg;
pub mod lineup_check;
pub mod play;
pub mod probe;
pub mod record;
pub mod screenshot;
