// SPDX-License-Identifier: GPL-3.0-or-later
//! Compiles the Slint UI under `ui/` into Rust, with the translations of `ui/translations/`
//! bundled into the binary (no gettext files to install on the box).

fn main() {
    let config = slint_build::CompilerConfiguration::new().with_bundled_translations("ui/translations");
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint compiles");
    println!("cargo:rerun-if-changed=ui/translations");
}
