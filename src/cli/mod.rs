// SPDX-License-Identifier: GPL-3.0-or-later
//! Command-line subcommands that are more than argument parsing (that stays in `main.rs`).
//!
//! Each subcommand writes to a `dyn Write` so it can be tested without a terminal; none may
//! depend on the UI.
pub mod bench_zap;
pub mod demo;
pub mod lineup_check;
