// SPDX-License-Identifier: GPL-3.0-or-later
//! Compiles the Slint UI under `ui/` into Rust.

fn main() {
    slint_build::compile("ui/app.slint").expect("ui/app.slint compiles");
}
