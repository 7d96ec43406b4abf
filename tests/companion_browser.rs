// SPDX-License-Identifier: GPL-3.0-or-later
//! The phone companion in a real browser: runs `tests/companion/browser.py` (Playwright for Python
//! driving Debian's headless Chromium) against `zapbox demo --headless --pair`. The script pairs
//! through the QR code of a `zapbox screenshot`, adds a playlist, types into the TV's keyboard
//! field, presses remote keys and taps a channel, checking the TV's state each time, and checks that
//! a reused token, an expired token, a public peer and a form without CSRF token are refused.
//! Needs root (it joins the demo's network namespace) and what `.ci/bootstrap deps` installs
//! (chromium, zbar-tools, the Playwright venv); fails, never skips, without them.
//! `ZAPBOX_PHONE_SCREENSHOT=FILE.png` keeps a screenshot of the phone page (the README's).

use std::path::PathBuf;
use std::process::Command;

fn venv_python() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    cache.join("zapbox/venv-browser/bin/python")
}

#[test]
fn the_phone_page_in_headless_chromium() {
    let python = venv_python();
    assert!(
        python.is_file() && PathBuf::from("/usr/bin/chromium").is_file(),
        "the browser test needs {} (Playwright) and /usr/bin/chromium: run `.ci/bootstrap deps`",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/companion/browser.py");
    let mut command = Command::new(&python);
    command
        .arg(script)
        .args(["--zapbox", env!("CARGO_BIN_EXE_zapbox")]);
    if let Some(path) = std::env::var_os("ZAPBOX_PHONE_SCREENSHOT") {
        command.arg("--screenshot").arg(path);
    }
    let output = command.output().expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "browser scenarios failed:\n{stdout}");
}
