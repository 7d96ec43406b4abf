// SPDX-License-Identifier: GPL-3.0-or-later
//! The files in `dist/` that make zapbox a system service: the unit keeps the properties the app
//! relies on (notify + watchdog, restart, its own user and groups, the sandbox), and passes
//! `dist/check-systemd` (`systemd-analyze verify`, security exposure, sysusers) where systemd's
//! tools are installed.

use std::path::Path;
use std::process::Command;

fn dist(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn the_unit_has_what_the_app_relies_on() {
    let unit = dist("systemd/zapbox.service");
    let lines: Vec<&str> = unit.lines().map(str::trim).collect();
    for wanted in [
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=20s",
        "Restart=always",
        "KillSignal=SIGTERM",
        "User=zapbox",
        "SupplementaryGroups=video render input audio",
        "StateDirectory=zapbox",
        "CacheDirectory=zapbox",
        "ProtectSystem=strict",
        "DevicePolicy=closed",
        "DeviceAllow=char-drm rw",
        "DeviceAllow=char-video4linux rw",
        "DeviceAllow=char-input rw",
        "DeviceAllow=char-alsa rw",
        "NoNewPrivileges=yes",
        "ExecStart=/usr/bin/zapbox",
    ] {
        assert!(lines.contains(&wanted), "{wanted} missing from zapbox.service");
    }
    // Hostile input or a leak is contained; repeated failures end in the safe mode.
    for wanted in [
        "MemoryHigh=384M",
        "MemoryMax=512M",
        "TasksMax=64",
        "LimitNOFILE=1024",
        "LimitCORE=0",
        "OOMScoreAdjust=300",
        "NoExecPaths=/var/lib/zapbox /var/cache/zapbox /run/zapbox /tmp /var/tmp",
        "SocketBindAllow=udp",
        "SocketBindDeny=any",
        "DeviceAllow=char-cec rw",
        "StartLimitBurst=5",
        "OnFailure=zapbox-safe-mode.service",
    ] {
        assert!(lines.contains(&wanted), "{wanted} missing from zapbox.service");
    }
    let safe = dist("systemd/zapbox-safe-mode.service");
    assert!(safe.lines().any(|l| l == "ExecStart=/usr/bin/zapbox --safe-mode"));
    assert!(safe.lines().any(|l| l == "Conflicts=zapbox.service"));
    assert!(
        !safe.lines().any(|l| l.starts_with("OnFailure=")),
        "no failure loop between the two"
    );
    // The app must come up without the network (cached lineup) — never wait for network-online.
    assert!(
        !unit
            .lines()
            .any(|l| l.starts_with("After=") && l.contains("network-online"))
    );
}

/// The `[Service]` lines of a unit, comments and blank lines left out.
fn service_lines(unit: &str) -> Vec<String> {
    unit.lines()
        .map(str::trim)
        .skip_while(|l| *l != "[Service]")
        .take_while(|l| !l.starts_with("[Install]"))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// The safe mode is "the same sandbox": every limit and protection of the app's unit, nothing
/// more (a `ConfigurationDirectory=` there would make /etc/zapbox writable), and only the command
/// and the restart policy differ.
#[test]
fn the_safe_mode_runs_in_the_same_sandbox_and_limits() {
    let differ = |l: &String| l.starts_with("ExecStart=") || l.starts_with("Restart=");
    let app: Vec<String> = service_lines(&dist("systemd/zapbox.service"));
    let safe: Vec<String> = service_lines(&dist("systemd/zapbox-safe-mode.service"));
    assert!(app.len() > 40, "{app:?}");
    let missing: Vec<&String> = app.iter().filter(|l| !differ(l) && !safe.contains(l)).collect();
    let extra: Vec<&String> = safe.iter().filter(|l| !differ(l) && !app.contains(l)).collect();
    assert!(missing.is_empty(), "missing from the safe mode: {missing:?}");
    assert!(extra.is_empty(), "only in the safe mode: {extra:?}");
    assert!(safe.contains(&"Restart=on-failure".to_string()));
}

#[test]
fn the_drop_ins_say_what_they_are_for() {
    assert!(dist("sysctl.d/60-zapbox-multicast.conf").contains("net.core.rmem_max = "));
    assert!(dist("logind.conf.d/zapbox-power-key.conf").contains("HandlePowerKey=ignore"));
    assert!(dist("sysusers.d/zapbox.conf").contains("u zapbox "));
}

#[test]
fn systemd_analyze_accepts_the_unit() {
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        eprintln!("systemd-analyze not installed: skipped (CI runs dist/check-systemd)");
        return;
    }
    let out = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/check-systemd"))
        .arg(env!("CARGO_BIN_EXE_zapbox"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("check-systemd: OK"), "{text}");
}

#[test]
fn the_units_let_the_phone_companion_listen_on_its_port_and_reach_the_tv() {
    let port = zapbox::system::config::CompanionConfig::default().port;
    let bind = format!("SocketBindAllow=tcp:{port}");
    for unit in ["zapbox.service", "zapbox-safe-mode.service"] {
        let text = dist(&format!("systemd/{unit}"));
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        // SocketBindDeny=any refuses every other bind, the companion's TCP port included.
        assert!(lines.contains(&"SocketBindDeny=any"), "{unit}");
        assert!(lines.contains(&bind.as_str()), "{bind} missing from {unit}");
        assert!(lines.contains(&"DeviceAllow=char-cec rw"), "{unit}: /dev/cecN");
    }
}

/// Every unit the app's unit starts by name (`OnFailure=`) is in the Debian package: the package's
/// `systemd-units` installs `zapbox.service` alone, so any other unit must be one of its assets, bound for
/// `usr/lib/systemd/system/`. (A booted box once logged "Failed to enqueue OnFailure=zapbox-safe-mode.service
/// job: Unit zapbox-safe-mode.service not found" after zapbox failed to start.)
#[test]
fn the_debian_package_ships_the_units_the_unit_names() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deb = manifest
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("Cargo.toml has [package.metadata.deb]");
    let assets = deb
        .split("assets = [")
        .nth(1)
        .expect("the package has assets")
        .split("\n]")
        .next()
        .unwrap();
    let shipped: Vec<(String, String)> = assets
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('['))
        .map(|l| {
            let fields: Vec<&str> = l.split('"').collect();
            (fields[1].to_string(), fields[3].to_string())
        })
        .collect();
    let unit_name = deb
        .lines()
        .find_map(|l| l.trim().strip_prefix("unit-name = "))
        .expect("systemd-units names its unit")
        .trim_matches('"');
    assert_eq!(unit_name, "zapbox");
    let named: Vec<String> = dist("systemd/zapbox.service")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("OnFailure="))
        .flat_map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(
        named.contains(&"zapbox-safe-mode.service".to_string()),
        "{named:?}"
    );
    for unit in &named {
        let source = format!("dist/systemd/{unit}");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(&source).exists(),
            "{source} missing"
        );
        assert!(
            shipped
                .iter()
                .any(|(from, to)| *from == source && to.trim_end_matches('/') == "usr/lib/systemd/system"),
            "{unit} (OnFailure= of zapbox.service) is not among the package's assets: {shipped:?}"
        );
    }
}
