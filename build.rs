// SPDX-License-Identifier: GPL-3.0-or-later
//! Compiles the Slint UI under `ui/` into Rust, with the translations of `ui/translations/`
//! bundled into the binary (no gettext files to install on the box).

fn main() {
    // Element debug info lets the UI tests find elements (Slint's testing ElementHandle); release
    // builds for boards leave it out.
    let debug = std::env::var("PROFILE").is_ok_and(|p| p == "debug");
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        .with_debug_info(debug);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint compiles");
    println!("cargo:rerun-if-changed=ui/translations");
}
